//! Users, their assignments (role + scope), database sessions, login throttling and the
//! append-only, hash-chained audit trail. Also the health unit (CNES) of each person's team
//! in the read model, for coordinators scoped by unit.

use crate::util::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn boolean(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().to_owned()
}

fn timestamptz(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// An identity primary key (sequence on PostgreSQL, rowid on SQLite).
fn id() -> ColumnDef {
    ColumnDef::new("id")
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut user = table(
            "app_user",
            vec![
                id(),
                ColumnDef::new("username")
                    .string()
                    .not_null()
                    .unique_key()
                    .to_owned(),
                ColumnDef::new("cpf")
                    .string()
                    .null()
                    .unique_key()
                    .to_owned(),
                varchar("full_name"),
                varchar("password_hash"),
                boolean("active"),
                boolean("must_change_password"),
                int("failed_logins"),
                timestamptz_null("locked_until"),
                timestamptz("password_changed_at"),
                timestamptz("created_at"),
                timestamptz("updated_at"),
            ],
            &[],
        );
        user.check(Expr::col("failed_logins").gte(0));
        manager.create_table(user).await?;

        let mut assignment = table(
            "user_assignment",
            vec![
                id(),
                bigint("user_id"),
                varchar("role"),
                varchar_null("nu_cnes"),
                varchar_null("nu_ine"),
                varchar_null("micro_area"),
                timestamptz("created_at"),
            ],
            &[],
        );
        assignment.foreign_key(
            ForeignKey::create()
                .name("fk_user_assignment_user")
                .from("user_assignment", "user_id")
                .to("app_user", "id")
                .on_delete(ForeignKeyAction::Cascade),
        );
        assignment.check(Expr::col("role").is_in([
            "admin",
            "coordinator",
            "professional",
            "acs",
            "auditor",
        ]));
        manager.create_table(assignment).await?;
        manager
            .create_index(index("user_assignment", &["user_id"]))
            .await?;

        let mut session = table(
            "user_session",
            vec![
                // SHA-256 of the cookie token: a stolen database does not yield live cookies.
                ColumnDef::new("token_hash")
                    .string()
                    .not_null()
                    .primary_key()
                    .to_owned(),
                bigint("user_id"),
                varchar("csrf_token"),
                timestamptz("created_at"),
                timestamptz("last_seen_at"),
                timestamptz("expires_at"),
                varchar_null("client_addr"),
            ],
            &[],
        );
        session.foreign_key(
            ForeignKey::create()
                .name("fk_user_session_user")
                .from("user_session", "user_id")
                .to("app_user", "id")
                .on_delete(ForeignKeyAction::Cascade),
        );
        manager.create_table(session).await?;
        manager
            .create_index(index("user_session", &["user_id"]))
            .await?;

        manager
            .create_table(table(
                "login_throttle",
                vec![
                    ColumnDef::new("client_addr")
                        .string()
                        .not_null()
                        .primary_key()
                        .to_owned(),
                    timestamptz("window_start"),
                    int("failures"),
                ],
                &[],
            ))
            .await?;

        manager
            .create_table(table(
                "audit_log",
                vec![
                    id(),
                    timestamptz("at"),
                    bigint_null("user_id"),
                    varchar_null("username"),
                    varchar_null("role"),
                    varchar("action"),
                    varchar("resource"),
                    text_null("filters"),
                    // Space-separated `co_seq_cidadao` of every person shown or written.
                    text_null("person_ids"),
                    bigint("person_count"),
                    varchar_null("client_addr"),
                    varchar_null("request_id"),
                    varchar("prev_hash"),
                    varchar("hash"),
                ],
                &[],
            ))
            .await?;
        manager.create_index(index("audit_log", &["at"])).await?;
        manager
            .create_index(index("audit_log", &["user_id", "at"]))
            .await?;

        let mut person = table(
            "audit_log_person",
            vec![bigint("audit_id"), bigint("co_seq_cidadao")],
            &[],
        );
        person.primary_key(Index::create().col("audit_id").col("co_seq_cidadao"));
        person.foreign_key(
            ForeignKey::create()
                .name("fk_audit_log_person_audit")
                .from("audit_log_person", "audit_id")
                .to("audit_log", "id"),
        );
        manager.create_table(person).await?;
        manager
            .create_index(index("audit_log_person", &["co_seq_cidadao"]))
            .await?;

        // The head of the hash chain: one row, locked by every writer so rows chain in order
        // even with several instances.
        manager
            .create_table(table(
                "audit_head",
                vec![pk("id"), bigint("last_id"), varchar("last_hash")],
                &[],
            ))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '{}')",
                "0".repeat(64)
            ))
            .await?;

        for t in ["hypertension_summary", "hypertension_team"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(t)
                        .add_column(varchar_null("nu_cnes"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["hypertension_summary", "hypertension_team"] {
            manager
                .alter_table(Table::alter().table(t).drop_column("nu_cnes").to_owned())
                .await?;
        }
        for t in [
            "audit_head",
            "audit_log_person",
            "audit_log",
            "login_throttle",
            "user_session",
            "user_assignment",
            "app_user",
        ] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

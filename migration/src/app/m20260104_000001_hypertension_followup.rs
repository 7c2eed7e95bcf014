//! The hypertension programme's own records: follow-up actions and what each one recorded
//! (MRPA with its readings, exams, cardiovascular risk, treatment change, nutrition,
//! cardiology), the treatment plan with its history, the follow-up columns of the read model
//! and the per-team monthly C5 results.
//!
//! Detail rows belong to their action (`ON DELETE CASCADE`); an action created automatically
//! by another keeps a nullable `origin_id` (`ON DELETE SET NULL`), so deleting never fails on
//! a foreign key, and the unique `(origin_id, action_type)` makes the automatic next action
//! exist once, never twice.

use crate::util::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub const ACTION_TYPES: [&str; 11] = [
    "agendar_hiperdia",
    "iniciar_mrpa",
    "avaliar_mrpa",
    "modificar_tratamento",
    "solicitar_exames",
    "avaliar_exames",
    "avaliar_rcv",
    "encaminhar_nutricao",
    "registrar_nutricao",
    "encaminhar_cardiologia",
    "registrar_cardiologia",
];

fn id() -> ColumnDef {
    ColumnDef::new("id")
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn double(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).double().not_null().to_owned()
}

fn double_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).double().null().to_owned()
}

fn boolean(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().to_owned()
}

fn timestamptz(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn fk(
    t: &mut TableCreateStatement,
    table: &'static str,
    col: &'static str,
    to: &'static str,
    on_delete: ForeignKeyAction,
) {
    t.foreign_key(
        ForeignKey::create()
            .name(format!("fk_{table}_{col}"))
            .from(table, col)
            .to(to, "id")
            .on_delete(on_delete),
    );
}

/// A detail table owned by one action (deleted with it).
fn detail(name: &'static str, mut cols: Vec<ColumnDef>) -> TableCreateStatement {
    let mut all = vec![
        id(),
        ColumnDef::new("action_id")
            .big_integer()
            .not_null()
            .unique_key()
            .to_owned(),
        bigint("co_cidadao"),
    ];
    all.append(&mut cols);
    let mut t = table(name, all, &[]);
    fk(
        &mut t,
        name,
        "action_id",
        "hypertension_action",
        ForeignKeyAction::Cascade,
    );
    t
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut action = table(
            "hypertension_action",
            vec![
                id(),
                bigint("co_cidadao"),
                varchar("action_type"),
                varchar("status"),
                date("due_date"),
                date_null("done_date"),
                bigint_null("origin_id"),
                text_null("notes"),
                text_null("cancel_reason"),
                bigint("created_by"),
                bigint_null("done_by"),
                timestamptz("created_at"),
                timestamptz("updated_at"),
            ],
            &[],
        );
        action.check(Expr::col("action_type").is_in(ACTION_TYPES));
        action.check(Expr::col("status").is_in(["pending", "done", "cancelled"]));
        action.check(
            Expr::col("status")
                .ne("done")
                .or(Expr::col("done_date").is_not_null()),
        );
        fk(
            &mut action,
            "hypertension_action",
            "origin_id",
            "hypertension_action",
            ForeignKeyAction::SetNull,
        );
        fk(
            &mut action,
            "hypertension_action",
            "created_by",
            "app_user",
            ForeignKeyAction::Restrict,
        );
        fk(
            &mut action,
            "hypertension_action",
            "done_by",
            "app_user",
            ForeignKeyAction::Restrict,
        );
        manager.create_table(action).await?;
        manager
            .create_index(index(
                "hypertension_action",
                &["co_cidadao", "status", "due_date"],
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_hypertension_action_origin_type")
                    .table("hypertension_action")
                    .col("origin_id")
                    .col("action_type")
                    .unique()
                    .to_owned(),
            )
            .await?;

        let mut mrpa = detail(
            "hypertension_mrpa",
            vec![
                date("first_day"),
                int("mean_systolic"),
                int("mean_diastolic"),
                int("valid_readings"),
                varchar("control"),
                varchar("decision"),
                text_null("analysis"),
            ],
        );
        mrpa.check(Expr::col("control").is_in(["controlled", "uncontrolled"]));
        mrpa.check(Expr::col("decision").is_in(["manter", "modificar", "cardiologia"]));
        manager.create_table(mrpa).await?;

        let mut reading = table(
            "hypertension_mrpa_reading",
            vec![
                id(),
                bigint("mrpa_id"),
                int("day"),
                varchar("period"),
                int("seq"),
                int("systolic"),
                int("diastolic"),
            ],
            &[],
        );
        reading.check(Expr::col("day").between(1, 5));
        reading.check(Expr::col("seq").between(1, 3));
        reading.check(Expr::col("period").is_in(["manha", "noite"]));
        reading.check(Expr::col("systolic").gt(Expr::col("diastolic")));
        fk(
            &mut reading,
            "hypertension_mrpa_reading",
            "mrpa_id",
            "hypertension_mrpa",
            ForeignKeyAction::Cascade,
        );
        manager.create_table(reading).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_hypertension_mrpa_reading_slot")
                    .table("hypertension_mrpa_reading")
                    .col("mrpa_id")
                    .col("day")
                    .col("period")
                    .col("seq")
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Exam results: one row per analyte, so "the latest of each" is one indexed query.
        let mut exam = table(
            "hypertension_exam_result",
            vec![
                id(),
                bigint("action_id"),
                bigint("co_cidadao"),
                varchar("analyte"),
                double("value"),
                date("collected_on"),
            ],
            &[],
        );
        fk(
            &mut exam,
            "hypertension_exam_result",
            "action_id",
            "hypertension_action",
            ForeignKeyAction::Cascade,
        );
        manager.create_table(exam).await?;
        manager
            .create_index(index(
                "hypertension_exam_result",
                &["co_cidadao", "analyte", "collected_on"],
            ))
            .await?;

        let mut risk = detail(
            "hypertension_cv_risk",
            vec![
                int("age"),
                varchar("sex"),
                boolean("smoker"),
                boolean("diabetes"),
                int("systolic"),
                double_null("total_cholesterol"),
                double_null("bmi"),
                varchar("method"),
                double("percent"),
                varchar("band"),
                varchar("chart_edition"),
            ],
        );
        risk.check(Expr::col("sex").is_in(["F", "M"]));
        manager.create_table(risk).await?;

        let mut change = detail(
            "hypertension_treatment_change",
            vec![varchar("adjustment"), text_null("new_medications")],
        );
        change.check(Expr::col("adjustment").is_in(["aumento_dose", "troca", "adicao"]));
        manager.create_table(change).await?;

        manager
            .create_table(detail(
                "hypertension_nutrition",
                vec![
                    double("weight_kg"),
                    double_null("height_cm"),
                    double_null("bmi"),
                    double_null("waist_cm"),
                    text_null("guidance"),
                ],
            ))
            .await?;

        let mut cardiology = detail(
            "hypertension_cardiology",
            vec![
                varchar_null("professional"),
                varchar_null("modality"),
                text_null("consultation"),
                text_null("recommendations"),
            ],
        );
        cardiology.check(
            Expr::col("modality")
                .is_null()
                .or(Expr::col("modality").is_in(["presencial", "telemedicina", "outro"])),
        );
        manager.create_table(cardiology).await?;

        // The treatment plan: a medication is active, paused (resumable) or stopped (ended).
        let mut medication = table(
            "hypertension_medication",
            vec![
                id(),
                bigint("co_cidadao"),
                bigint_null("co_medicamento"),
                varchar("name"),
                int("dose"),
                int("frequency"),
                date("started_on"),
                varchar("status"),
                date_null("ended_on"),
                text_null("notes"),
                bigint("created_by"),
                timestamptz("created_at"),
                timestamptz("updated_at"),
            ],
            &[],
        );
        medication.check(Expr::col("dose").between(1, 6));
        medication.check(Expr::col("frequency").between(1, 4));
        medication.check(Expr::col("status").is_in(["active", "paused", "stopped"]));
        fk(
            &mut medication,
            "hypertension_medication",
            "created_by",
            "app_user",
            ForeignKeyAction::Restrict,
        );
        manager.create_table(medication).await?;
        manager
            .create_index(index("hypertension_medication", &["co_cidadao", "status"]))
            .await?;

        let mut event = table(
            "hypertension_medication_event",
            vec![
                id(),
                bigint("medication_id"),
                varchar("kind"),
                date("on_date"),
                varchar_null("detail"),
                text_null("reason"),
                bigint("user_id"),
                timestamptz("created_at"),
            ],
            &[],
        );
        event.check(Expr::col("kind").is_in([
            "iniciado",
            "frequencia",
            "dose",
            "pausado",
            "retomado",
            "encerrado",
        ]));
        fk(
            &mut event,
            "hypertension_medication_event",
            "medication_id",
            "hypertension_medication",
            ForeignKeyAction::Cascade,
        );
        fk(
            &mut event,
            "hypertension_medication_event",
            "user_id",
            "app_user",
            ForeignKeyAction::Restrict,
        );
        manager.create_table(event).await?;

        // Follow-up columns of the read model, kept current after each write.
        for col in [
            varchar_null("next_action_type"),
            date_null("next_action_due"),
            ColumnDef::new("pending_actions")
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new("in_treatment")
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            text_null("treatment_text"),
            varchar_null("home_control"),
            date_null("home_date"),
            varchar_null("cv_risk_band"),
            varchar_null("household_street"),
            varchar_null("household_number"),
            varchar_null("household_district"),
            text_null("acs_visit_dates"),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table("hypertension_summary")
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(index(
                "hypertension_summary",
                &["nu_ine", "next_action_due"],
            ))
            .await?;

        // C5 per team and month (the month's last day, or the refresh day for the current
        // month), for the quadrimester result and its trend.
        let mut month = table(
            "hypertension_team_month",
            vec![
                varchar("nu_ine"),
                date("month_end"),
                bigint("people"),
                bigint("points"),
            ],
            &[],
        );
        month.primary_key(Index::create().col("nu_ine").col("month_end"));
        manager.create_table(month).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "hypertension_team_month",
            "hypertension_medication_event",
            "hypertension_medication",
            "hypertension_cardiology",
            "hypertension_nutrition",
            "hypertension_treatment_change",
            "hypertension_cv_risk",
            "hypertension_exam_result",
            "hypertension_mrpa_reading",
            "hypertension_mrpa",
            "hypertension_action",
        ] {
            manager
                .drop_table(Table::drop().table(name).if_exists().to_owned())
                .await?;
        }
        for col in [
            "next_action_type",
            "next_action_due",
            "pending_actions",
            "in_treatment",
            "treatment_text",
            "home_control",
            "home_date",
            "cv_risk_band",
            "household_street",
            "household_number",
            "household_district",
            "acs_visit_dates",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("hypertension_summary")
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

//! Managing users and signing them in (with lockout and per-address throttling).

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};

use super::role::{Assignment, Role};
use super::{password, session};
use crate::config::AuthConfig;
use crate::db::sql::statement;
use crate::store::{app_user, login_throttle, user_assignment};
use crate::text::digits;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// Invalid input; the message is in Portuguese for the person at the screen.
    #[error("{0}")]
    Invalid(String),
    #[error("usuário não encontrado")]
    NotFound,
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong login or password")]
    Invalid,
    #[error("account locked until {0}")]
    Locked(DateTime<Utc>),
    #[error("too many failed sign-ins from this address")]
    Throttled { retry_after_secs: i64 },
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// What an admin fills in to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub cpf: Option<String>,
    /// Physician or nurse: refines what a clinical role may do (`auth::permission`).
    pub profession: Option<super::Profession>,
    pub assignments: Vec<Assignment>,
}

/// A user with their assignments, for lists.
#[derive(Debug, Clone)]
pub struct UserWithRoles {
    pub user: app_user::Model,
    pub assignments: Vec<Assignment>,
}

/// Lower-case user name of 3–40 letters, digits, `.`, `_` or `-`.
pub fn normalize_username(raw: &str) -> Result<String, UserError> {
    let u = raw.trim().to_lowercase();
    let ok = (3..=40).contains(&u.chars().count())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
        && !u.chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(u)
    } else {
        Err(UserError::Invalid(
            "Nome de usuário: de 3 a 40 letras sem acento, números, ponto, hífen ou sublinhado (não só números).".into(),
        ))
    }
}

/// A CPF of 11 digits with valid check digits.
pub fn normalize_cpf(raw: &str) -> Result<String, UserError> {
    let d = digits(raw);
    if d.len() == 11 && cpf_check_digits_ok(&d) {
        Ok(d)
    } else {
        Err(UserError::Invalid(
            "CPF inválido: confira os 11 dígitos.".into(),
        ))
    }
}

fn cpf_check_digits_ok(d: &str) -> bool {
    let n: Vec<u32> = d.chars().filter_map(|c| c.to_digit(10)).collect();
    if n.len() != 11 || n.iter().all(|x| *x == n[0]) {
        return false;
    }
    let dv = |len: usize| {
        let sum: u32 = (0..len).map(|i| n[i] * (len as u32 + 1 - i as u32)).sum();
        let r = (sum * 10) % 11;
        if r == 10 { 0 } else { r }
    };
    dv(9) == n[9] && dv(10) == n[10]
}

fn full_name_ok(name: &str) -> Result<String, UserError> {
    let n = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if (3..=120).contains(&n.chars().count()) {
        Ok(n)
    } else {
        Err(UserError::Invalid(
            "Nome completo: de 3 a 120 caracteres.".into(),
        ))
    }
}

/// Creates a user with a password chosen by the caller (hashed here).
pub async fn create(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    new: NewUser,
    password_plain: &str,
    must_change_password: bool,
) -> Result<app_user::Model, UserError> {
    let username = normalize_username(&new.username)?;
    let full_name = full_name_ok(&new.full_name)?;
    let cpf = match new.cpf.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(normalize_cpf(c)?),
        None => None,
    };
    password::check_rules(password_plain, cfg.min_password_length as usize, &username)
        .map_err(UserError::Invalid)?;
    if new.assignments.is_empty() {
        return Err(UserError::Invalid(
            "Escolha ao menos um perfil para o usuário.".into(),
        ));
    }
    for a in &new.assignments {
        a.validate()
            .map_err(|m| UserError::Invalid(m.to_string()))?;
    }
    if app_user::Entity::find()
        .filter(app_user::Column::Username.eq(&username))
        .one(db)
        .await?
        .is_some()
    {
        return Err(UserError::Invalid(format!(
            "Já existe um usuário chamado {username}."
        )));
    }
    if let Some(c) = &cpf
        && app_user::Entity::find()
            .filter(app_user::Column::Cpf.eq(c))
            .one(db)
            .await?
            .is_some()
    {
        return Err(UserError::Invalid(
            "Já existe um usuário com este CPF.".into(),
        ));
    }
    let hash = password::hash_async(password_plain)
        .await
        .map_err(UserError::Hash)?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let user = app_user::ActiveModel {
        username: Set(username),
        cpf: Set(cpf),
        full_name: Set(full_name),
        password_hash: Set(hash),
        active: Set(true),
        must_change_password: Set(must_change_password),
        failed_logins: Set(0),
        locked_until: Set(None),
        password_changed_at: Set(now),
        profession: Set(new.profession.map(|p| p.key().to_string())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_assignments(&txn, user.id, &new.assignments).await?;
    txn.commit().await?;
    Ok(user)
}

async fn insert_assignments(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i64,
    assignments: &[Assignment],
) -> Result<(), DbErr> {
    let now = Utc::now();
    for a in assignments {
        user_assignment::ActiveModel {
            user_id: Set(user_id),
            role: Set(a.role.key().to_string()),
            nu_cnes: Set(a.cnes.clone()),
            nu_ine: Set(a.ine.clone()),
            micro_area: Set(a.micro_area.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Replaces every assignment of a user.
pub async fn replace_assignments(
    db: &DatabaseConnection,
    user_id: i64,
    assignments: &[Assignment],
) -> Result<(), UserError> {
    if assignments.is_empty() {
        return Err(UserError::Invalid(
            "O usuário precisa de ao menos um perfil.".into(),
        ));
    }
    for a in assignments {
        a.validate()
            .map_err(|m| UserError::Invalid(m.to_string()))?;
    }
    let txn = db.begin().await?;
    user_assignment::Entity::delete_many()
        .filter(user_assignment::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    insert_assignments(&txn, user_id, assignments).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn assignments(db: &DatabaseConnection, user_id: i64) -> Result<Vec<Assignment>, DbErr> {
    let rows = user_assignment::Entity::find()
        .filter(user_assignment::Column::UserId.eq(user_id))
        .order_by_asc(user_assignment::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Assignment {
                role: Role::from_key(&r.role)?,
                cnes: r.nu_cnes,
                ine: r.nu_ine,
                micro_area: r.micro_area,
            })
        })
        .collect())
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<UserWithRoles>, DbErr> {
    let users = app_user::Entity::find()
        .order_by_asc(app_user::Column::Username)
        .all(db)
        .await?;
    let all = user_assignment::Entity::find()
        .order_by_asc(user_assignment::Column::Id)
        .all(db)
        .await?;
    Ok(users
        .into_iter()
        .map(|u| {
            let assignments = all
                .iter()
                .filter(|a| a.user_id == u.id)
                .filter_map(|r| {
                    Some(Assignment {
                        role: Role::from_key(&r.role)?,
                        cnes: r.nu_cnes.clone(),
                        ine: r.nu_ine.clone(),
                        micro_area: r.micro_area.clone(),
                    })
                })
                .collect();
            UserWithRoles {
                user: u,
                assignments,
            }
        })
        .collect())
}

pub async fn find(db: &DatabaseConnection, id: i64) -> Result<app_user::Model, UserError> {
    app_user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(UserError::NotFound)
}

pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> Result<app_user::Model, UserError> {
    app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username.trim().to_lowercase()))
        .one(db)
        .await?
        .ok_or(UserError::NotFound)
}

/// Changes name and CPF.
pub async fn update_profile(
    db: &DatabaseConnection,
    id: i64,
    full_name: &str,
    cpf: Option<&str>,
) -> Result<(), UserError> {
    let user = find(db, id).await?;
    let full_name = full_name_ok(full_name)?;
    let cpf = match cpf.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(normalize_cpf(c)?),
        None => None,
    };
    if let Some(c) = &cpf
        && app_user::Entity::find()
            .filter(app_user::Column::Cpf.eq(c))
            .filter(app_user::Column::Id.ne(id))
            .one(db)
            .await?
            .is_some()
    {
        return Err(UserError::Invalid(
            "Já existe outro usuário com este CPF.".into(),
        ));
    }
    app_user::ActiveModel {
        id: Set(user.id),
        full_name: Set(full_name),
        cpf: Set(cpf),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Records the user's profession (or none).
pub async fn set_profession(
    db: &DatabaseConnection,
    id: i64,
    profession: Option<super::Profession>,
) -> Result<(), UserError> {
    let user = find(db, id).await?;
    app_user::ActiveModel {
        id: Set(user.id),
        profession: Set(profession.map(|p| p.key().to_string())),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Sets a new password (checked against the rules) and ends the user's other sessions.
pub async fn set_password(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    id: i64,
    new_password: &str,
    must_change: bool,
) -> Result<(), UserError> {
    let user = find(db, id).await?;
    password::check_rules(
        new_password,
        cfg.min_password_length as usize,
        &user.username,
    )
    .map_err(UserError::Invalid)?;
    let hash = password::hash_async(new_password)
        .await
        .map_err(UserError::Hash)?;
    let now = Utc::now();
    app_user::ActiveModel {
        id: Set(id),
        password_hash: Set(hash),
        must_change_password: Set(must_change),
        failed_logins: Set(0),
        locked_until: Set(None),
        password_changed_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    session::delete_all_for_user(db, id).await?;
    Ok(())
}

/// Enables or disables an account; disabling ends its sessions at once.
pub async fn set_active(db: &DatabaseConnection, id: i64, active: bool) -> Result<(), UserError> {
    find(db, id).await?;
    app_user::ActiveModel {
        id: Set(id),
        active: Set(active),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    if !active {
        session::delete_all_for_user(db, id).await?;
    }
    Ok(())
}

/// Verifies a sign-in by user name or CPF. Counts failures per account (lockout) and per
/// client address (throttling). The same answer is given for an unknown user and a wrong
/// password.
///
/// Every counter is changed by one atomic statement, so parallel attempts neither lose
/// updates nor collide: an attempt first *reserves* one of the account's
/// `max_failed_logins` checks (`UPDATE … SET failed_logins = failed_logins + 1 WHERE
/// failed_logins < max AND not locked RETURNING …`); only then is the password verified
/// (Argon2, off the async workers). N parallel wrong passwords therefore verify exactly
/// `max_failed_logins` of them and lock the account; the rest are refused unchecked.
pub async fn authenticate(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    login: &str,
    password_plain: &str,
    client_addr: &str,
    now: DateTime<Utc>,
) -> Result<app_user::Model, LoginError> {
    let window = Duration::minutes(i64::from(cfg.address_window_minutes));
    let throttle = login_throttle::Entity::find_by_id(client_addr.to_string())
        .one(db)
        .await?;
    if let Some(t) = &throttle
        && now - t.window_start < window
        && t.failures >= i32::try_from(cfg.address_max_failures).unwrap_or(i32::MAX)
    {
        let retry = (t.window_start + window - now).num_seconds().max(1);
        return Err(LoginError::Throttled {
            retry_after_secs: retry,
        });
    }

    let login = login.trim();
    let cpf = digits(login);
    let user =
        if cpf.len() == 11 && cpf.len() == login.chars().filter(|c| !".-".contains(*c)).count() {
            app_user::Entity::find()
                .filter(app_user::Column::Cpf.eq(cpf))
                .one(db)
                .await?
        } else {
            app_user::Entity::find()
                .filter(app_user::Column::Username.eq(login.to_lowercase()))
                .one(db)
                .await?
        };
    let Some(user) = user else {
        password::dummy_verify_async(password_plain).await;
        record_address_failure(db, client_addr, now, window).await?;
        return Err(LoginError::Invalid);
    };
    match check_password(db, cfg, &user, password_plain, now).await? {
        Attempt::Accepted => {}
        Attempt::Wrong => {
            record_address_failure(db, client_addr, now, window).await?;
            return Err(LoginError::Invalid);
        }
        Attempt::Locked(until) => {
            record_address_failure(db, client_addr, now, window).await?;
            return Err(LoginError::Locked(until));
        }
    }
    if !user.active {
        record_address_failure(db, client_addr, now, window).await?;
        return Err(LoginError::Invalid);
    }
    Ok(user)
}

/// The outcome of one password check against an account's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Right password: the account's failure count is back to zero.
    Accepted,
    /// Wrong password, counted (and the account locked if that was the last check).
    Wrong,
    /// No check left: the account is locked until then (the password was not verified).
    Locked(DateTime<Utc>),
}

/// Checks a password of an account within its budget of `max_failed_logins` consecutive
/// failures — the sign-in and the current password of `/senha` share it. One atomic
/// statement reserves the check before Argon2 runs; parallel checks past the budget are
/// refused without verifying.
pub async fn check_password(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    user: &app_user::Model,
    password_plain: &str,
    now: DateTime<Utc>,
) -> Result<Attempt, DbErr> {
    let max = i32::try_from(cfg.max_failed_logins.max(1)).unwrap_or(i32::MAX);
    let lockout = Duration::minutes(i64::from(cfg.lockout_minutes));
    let backend = db.get_database_backend();
    let reserved = db
        .query_one_raw(statement(
            backend,
            "UPDATE app_user SET failed_logins = failed_logins + 1
             WHERE id = ? AND failed_logins < ? AND (locked_until IS NULL OR locked_until <= ?)
             RETURNING failed_logins",
            vec![user.id.into(), max.into(), now.into()],
        ))
        .await?;
    let Some(row) = reserved else {
        password::dummy_verify_async(password_plain).await;
        let until = app_user::Entity::find_by_id(user.id)
            .one(db)
            .await?
            .and_then(|u| u.locked_until)
            .filter(|u| *u > now)
            .unwrap_or(now + lockout);
        return Ok(Attempt::Locked(until));
    };
    let count: i32 = row.try_get("", "failed_logins")?;
    if password::verify_async(password_plain, &user.password_hash).await {
        // Only this attempt's reservation is given back with the reset; a lock set
        // meanwhile by other attempts stays.
        db.execute_raw(statement(
            backend,
            "UPDATE app_user SET failed_logins = 0, locked_until = NULL
             WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?)",
            vec![user.id.into(), now.into()],
        ))
        .await?;
        return Ok(Attempt::Accepted);
    }
    if count >= max {
        // The last check of the budget failed: lock, and start a fresh budget after it.
        db.execute_raw(statement(
            backend,
            "UPDATE app_user SET failed_logins = 0, locked_until = ? WHERE id = ?",
            vec![(now + lockout).into(), user.id.into()],
        ))
        .await?;
    }
    Ok(Attempt::Wrong)
}

/// Counts a failed sign-in of an address with one upsert: a new window when the last one is
/// over, else one more failure. Parallel failures never collide on the primary key.
async fn record_address_failure(
    db: &DatabaseConnection,
    client_addr: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(), DbErr> {
    let since = now - window;
    db.execute_raw(statement(
        db.get_database_backend(),
        "INSERT INTO login_throttle (client_addr, window_start, failures) VALUES (?, ?, 1)
         ON CONFLICT (client_addr) DO UPDATE SET
           failures = CASE WHEN login_throttle.window_start > ?
                           THEN login_throttle.failures + 1 ELSE 1 END,
           window_start = CASE WHEN login_throttle.window_start > ?
                               THEN login_throttle.window_start ELSE excluded.window_start END",
        vec![client_addr.into(), now.into(), since.into(), since.into()],
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_cpfs() {
        assert_eq!(
            normalize_username(" Maria.Silva ").ok().as_deref(),
            Some("maria.silva")
        );
        assert!(normalize_username("ab").is_err());
        assert!(normalize_username("joão").is_err());
        assert!(normalize_username("12345").is_err());
        assert!(normalize_cpf("529.982.247-25").is_ok());
        assert!(normalize_cpf("529.982.247-24").is_err());
        assert!(normalize_cpf("111.111.111-11").is_err());
        assert!(normalize_cpf("123").is_err());
    }
}

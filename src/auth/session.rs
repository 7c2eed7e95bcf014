//! Database sessions: a random token in an `HttpOnly` cookie, its SHA-256 in the database,
//! an idle timeout and an absolute timeout.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::{CurrentUser, random_token, sha256_hex, users};
use crate::config::AuthConfig;
use crate::store::{app_user, user_session};

/// A new session: the token goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Opens a session for a user who just proved who they are.
pub async fn create(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    user_id: i64,
    client_addr: Option<String>,
    now: DateTime<Utc>,
) -> Result<Session, SessionError> {
    let token = random_token();
    let csrf_token = random_token();
    let expires_at = now + Duration::hours(i64::from(cfg.absolute_timeout_hours));
    user_session::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        user_id: Set(user_id),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        client_addr: Set(client_addr),
    }
    .insert(db)
    .await?;
    Ok(Session {
        token,
        csrf_token,
        expires_at,
    })
}

/// The user behind a session token, if the session is alive; expired sessions are removed.
pub async fn lookup(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<CurrentUser>, SessionError> {
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let hash = sha256_hex(token);
    let Some(session) = user_session::Entity::find_by_id(hash.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let idle = Duration::minutes(i64::from(cfg.idle_timeout_minutes));
    if now >= session.expires_at || now - session.last_seen_at >= idle {
        user_session::Entity::delete_by_id(hash).exec(db).await?;
        return Ok(None);
    }
    let Some(user) = app_user::Entity::find_by_id(session.user_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !user.active {
        user_session::Entity::delete_by_id(hash).exec(db).await?;
        return Ok(None);
    }
    // Touch at most once a minute: one write per minute per user, not per request.
    if now - session.last_seen_at >= Duration::seconds(60) {
        user_session::ActiveModel {
            token_hash: Set(hash),
            last_seen_at: Set(now),
            ..Default::default()
        }
        .update(db)
        .await?;
    }
    let assignments = users::assignments(db, user.id).await?;
    Ok(Some(CurrentUser {
        id: user.id,
        username: user.username,
        full_name: user.full_name,
        assignments,
        must_change_password: user.must_change_password,
        profession: user
            .profession
            .as_deref()
            .and_then(super::Profession::from_key),
        policy: cfg.policy(),
        csrf_token: session.csrf_token,
    }))
}

/// Ends one session.
pub async fn delete(db: &DatabaseConnection, token: &str) -> Result<(), SessionError> {
    user_session::Entity::delete_by_id(sha256_hex(token))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (password change elsewhere, account disabled).
pub async fn delete_all_for_user(db: &DatabaseConnection, user_id: i64) -> Result<(), DbErr> {
    user_session::Entity::delete_many()
        .filter(user_session::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

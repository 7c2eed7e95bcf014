//! API tokens: each user creates their own (an admin too, for themselves only: nobody creates a
//! token that acts as someone else); it is shown once, and from then on only its SHA-256 and a
//! short prefix are stored. A token acts with its user's roles and scope (the user's
//! assignments as they are at each call), until it expires, is revoked, or the user is
//! disabled. Every audit row written through a token carries the token's id.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use super::{CurrentUser, random_token, sha256_hex, users};
use crate::store::{api_token, app_user};

/// Every token starts with this, so a leaked one is easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "aps_";
/// Characters of the token kept visible in lists: `aps_` and 8 hex digits.
pub const VISIBLE_CHARS: usize = 12;
/// Longest validity an admin may give a token.
pub const MAX_DAYS: i64 = 365;
pub const MAX_NAME_CHARS: usize = 80;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Invalid input; the message is in Portuguese for the person at the screen.
    #[error("{0}")]
    Invalid(String),
    #[error("token não encontrado")]
    NotFound,
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// A token just created: the secret is here and nowhere else.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub token: String,
    pub model: api_token::Model,
}

/// A token with its user, for lists.
#[derive(Debug, Clone)]
pub struct TokenWithUser {
    pub token: api_token::Model,
    pub username: String,
    pub user_active: bool,
}

impl TokenWithUser {
    /// Whether the token would be accepted now.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.user_active && self.token.revoked_at.is_none() && self.token.expires_at > now
    }
}

/// The caller behind a token.
#[derive(Debug, Clone)]
pub struct TokenCaller {
    pub user: CurrentUser,
    pub token_id: i64,
}

/// Checks the name and validity an admin typed.
pub fn validate(name: &str, days: i64) -> Result<String, TokenError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if !(3..=MAX_NAME_CHARS).contains(&name.chars().count()) {
        return Err(TokenError::Invalid(format!(
            "Nome do token: de 3 a {MAX_NAME_CHARS} caracteres (por exemplo, o sistema que vai usá-lo)."
        )));
    }
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(TokenError::Invalid(format!(
            "Validade: de 1 a {MAX_DAYS} dias."
        )));
    }
    Ok(name)
}

/// The tokens of one user, newest first.
pub async fn list_of(db: &DatabaseConnection, user_id: i64) -> Result<Vec<TokenWithUser>, DbErr> {
    Ok(list(db)
        .await?
        .into_iter()
        .filter(|t| t.token.user_id == user_id)
        .collect())
}

/// Refusal of a token for someone else (impersonation).
pub const NOT_FOR_OTHERS: &str = "Cada usuário cria os próprios tokens de API: um token age em nome de quem o cria, e ninguém (nem o administrador) cria token em nome de outra pessoa.";

/// Creates a token for an active user. The returned secret must be shown once. `created_by`
/// is the signed-in user creating it, who must be its owner (`None`: the operator's command
/// line on the server).
pub async fn create(
    db: &DatabaseConnection,
    user_id: i64,
    name: &str,
    days: i64,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<NewToken, TokenError> {
    if created_by.is_some_and(|c| c != user_id) {
        return Err(TokenError::Invalid(NOT_FOR_OTHERS.into()));
    }
    let name = validate(name, days)?;
    let user = app_user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| TokenError::Invalid("Usuário não encontrado.".into()))?;
    if !user.active {
        return Err(TokenError::Invalid(
            "O usuário está desativado: reative-o antes de criar um token.".into(),
        ));
    }
    let token = format!("{TOKEN_PREFIX}{}", random_token());
    let model = api_token::ActiveModel {
        user_id: Set(user.id),
        name: Set(name),
        prefix: Set(token[..VISIBLE_CHARS].to_string()),
        token_hash: Set(sha256_hex(&token)),
        created_by: Set(created_by),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(days)),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(NewToken { token, model })
}

/// Every token, newest first, with its user.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<TokenWithUser>, DbErr> {
    let tokens = api_token::Entity::find()
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?;
    let people = app_user::Entity::find().all(db).await?;
    Ok(tokens
        .into_iter()
        .map(|t| {
            let u = people.iter().find(|u| u.id == t.user_id);
            TokenWithUser {
                username: u.map(|u| u.username.clone()).unwrap_or_default(),
                user_active: u.is_some_and(|u| u.active),
                token: t,
            }
        })
        .collect())
}

/// Revokes a token at once (revoking twice keeps the first time). `owner`: only a token of
/// this user (`None`: any, for the admin's list).
pub async fn revoke(
    db: &DatabaseConnection,
    id: i64,
    owner: Option<i64>,
    now: DateTime<Utc>,
) -> Result<api_token::Model, TokenError> {
    let t = api_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|t| owner.is_none_or(|o| o == t.user_id))
        .ok_or(TokenError::NotFound)?;
    if t.revoked_at.is_some() {
        return Ok(t);
    }
    Ok(api_token::ActiveModel {
        id: Set(t.id),
        revoked_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db)
    .await?)
}

/// Whether a text has the shape of a token (before touching the database).
pub fn looks_like_token(text: &str) -> bool {
    text.len() == TOKEN_PREFIX.len() + 64
        && text.starts_with(TOKEN_PREFIX)
        && text[TOKEN_PREFIX.len()..]
            .chars()
            .all(|c| c.is_ascii_hexdigit())
}

/// The caller behind a token, if it is alive and its user is active. Marks the token as used
/// (at most once a minute: one write per minute per token, not per request).
pub async fn lookup(
    db: &DatabaseConnection,
    policy: crate::auth::Policy,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<TokenCaller>, DbErr> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if t.revoked_at.is_some() || now >= t.expires_at {
        return Ok(None);
    }
    let Some(user) = app_user::Entity::find_by_id(t.user_id).one(db).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    if t.last_used_at
        .is_none_or(|last| now - last >= Duration::seconds(60))
    {
        api_token::ActiveModel {
            id: Set(t.id),
            last_used_at: Set(Some(now)),
            ..Default::default()
        }
        .update(db)
        .await?;
    }
    let assignments = users::assignments(db, user.id).await?;
    Ok(Some(TokenCaller {
        user: CurrentUser {
            id: user.id,
            username: user.username,
            full_name: user.full_name,
            assignments,
            must_change_password: user.must_change_password,
            profession: user
                .profession
                .as_deref()
                .and_then(crate::auth::Profession::from_key),
            policy,
            // No forms behind a token: nothing to protect with a CSRF token.
            csrf_token: String::new(),
        },
        token_id: t.id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_validity() {
        assert_eq!(
            validate("  Integração   PEC ", 30).ok().as_deref(),
            Some("Integração PEC")
        );
        assert!(validate("ab", 30).is_err());
        assert!(validate("integração", 0).is_err());
        assert!(validate("integração", MAX_DAYS).is_ok());
        assert!(validate("integração", MAX_DAYS + 1).is_err());
    }

    #[test]
    fn token_shape() {
        let t = format!("{TOKEN_PREFIX}{}", random_token());
        assert!(looks_like_token(&t));
        assert!(!looks_like_token(&t[1..]));
        assert!(!looks_like_token(&random_token()));
        assert!(!looks_like_token("aps_é"));
    }
}

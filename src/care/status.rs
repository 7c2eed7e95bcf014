//! When each read model was last rebuilt (`read_model_status`), shared by every read model.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

use crate::store::read_model_status;

/// Records a rebuild of `name` (inside the rebuild's transaction).
pub async fn record(
    db: &impl ConnectionTrait,
    name: &str,
    as_of: NaiveDate,
    duration_ms: u128,
    rows: usize,
) -> Result<(), DbErr> {
    read_model_status::Entity::delete_by_id(name.to_string())
        .exec(db)
        .await?;
    read_model_status::Entity::insert(read_model_status::ActiveModel {
        name: Set(name.to_string()),
        refreshed_at: Set(Utc::now()),
        as_of: Set(as_of),
        duration_ms: Set(i64::try_from(duration_ms).unwrap_or(i64::MAX)),
        row_count: Set(i64::try_from(rows).unwrap_or(i64::MAX)),
    })
    .exec(db)
    .await?;
    Ok(())
}

/// The last rebuild of `name`, if any.
pub async fn get(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<read_model_status::Model>, DbErr> {
    read_model_status::Entity::find_by_id(name.to_string())
        .one(db)
        .await
}

/// The least recent rebuild among every read model of the registry (the person model and each
/// programme's), `None` until all of them have been built once: what the footer's "data
/// updated …" and an alert on staleness want.
pub async fn oldest(db: &impl ConnectionTrait) -> Result<Option<read_model_status::Model>, DbErr> {
    let mut oldest: Option<read_model_status::Model> = None;
    for name in crate::programs::read_models() {
        match get(db, name).await? {
            None => return Ok(None),
            Some(s) => {
                if oldest
                    .as_ref()
                    .is_none_or(|o| s.refreshed_at < o.refreshed_at)
                {
                    oldest = Some(s);
                }
            }
        }
    }
    Ok(oldest)
}

// PLACEHOLDER (not committed): replaced by the generator from branch seed-work.
pub struct SeedOptions {
    pub citizens: u32,
    pub seed: u64,
    pub today: chrono::NaiveDate,
}
pub struct SeedReport {
    pub citizens: u64,
    pub teams: u64,
    pub households: u64,
    pub rows: u64,
    pub elapsed: std::time::Duration,
}
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("not empty")]
    NotEmpty,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}
pub async fn run(
    _db: &sea_orm::DatabaseConnection,
    _o: &SeedOptions,
) -> Result<SeedReport, SeedError> {
    Err(SeedError::NotEmpty)
}

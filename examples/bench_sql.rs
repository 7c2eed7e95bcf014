//! The worklist's own database work without HTTP, for `bench/run.sh`: the statements that
//! `GET /hipertensos?QUERY` runs for its data — the team selector, the team's micro-areas and
//! the page with its counters and score — through the same library calls, for a coordinator of
//! the whole municipality, on CONCURRENCY tasks for SECONDS, over the pool the server's
//! configuration opens. The page's req/s divided by this loop's is the share of the work that
//! is the list's own queries: a ratio measured in the same run, on the same machine, that
//! absolute times on a shared machine are not.
//!
//!     cargo build --release --example bench_sql
//!     target/release/examples/bench_sql CONFIG 'equipe=0000000001&page=2' 16 5
//!
//! Prints one line: `BENCH_SQL rps=… p50_ms=… p95_ms=… errors=… requests=…`; exits 1 when
//! a query failed.

use std::path::Path;
use std::time::{Duration, Instant};

use sea_orm::{DatabaseConnection, DbErr};
use sistema_aps::auth::Scope;
use sistema_aps::config::Config;
use sistema_aps::programs::hypertension::worklist;
use sistema_aps::web::programs::hypertension::ListQuery;

/// One request's worth of the page's list queries (what `web::hypertension::list` reads).
async fn once(db: &DatabaseConnection, scope: &Scope, q: &ListQuery) -> Result<usize, DbErr> {
    let teams = worklist::teams(db, scope).await?;
    let mut n = teams.len();
    if let Some(team) = &q.filters.team {
        let t = teams
            .iter()
            .find(|t| &t.nu_ine == team)
            .ok_or_else(|| DbErr::Custom(format!("team {team} not found")))?;
        n += worklist::micro_areas(db, scope, t).await?.len();
    }
    let page = worklist::page(db, &q.filters, &q.page).await?;
    Ok(n + page.rows.len())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [config, query, concurrency, seconds] = args.as_slice() else {
        anyhow::bail!("usage: bench_sql CONFIG QUERY CONCURRENCY SECONDS");
    };
    let config = Config::load(Some(Path::new(config)))?;
    let concurrency: usize = concurrency.parse()?;
    let duration = Duration::from_secs_f64(seconds.parse()?);
    let db = sistema_aps::db::connect(&config.database).await?;
    let scope = Scope {
        municipality: true,
        ..Default::default()
    };
    let mut q = ListQuery::parse(query).map_err(anyhow::Error::msg)?;
    q.filters.scope = scope.clone();
    q.filters.today = chrono::Utc::now()
        .with_timezone(&config.time_zone)
        .date_naive();
    // One call first: a query that fails here fails every time.
    once(&db, &scope, &q).await?;

    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (db, scope, q) = (db.clone(), scope.clone(), q.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match once(&db, &scope, &q).await {
                    Ok(n) => {
                        std::hint::black_box(n);
                        times.push(t.elapsed());
                    }
                    Err(e) => {
                        errors += 1;
                        eprintln!("bench_sql: {e}");
                    }
                }
            }
            (times, errors)
        }));
    }
    let mut times = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (mut t, e) = t.await?;
        times.append(&mut t);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    println!(
        "BENCH_SQL rps={:.1} p50_ms={:.1} p95_ms={:.1} errors={errors} requests={}",
        times.len() as f64 / elapsed,
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        times.len()
    );
    db.close().await?;
    if errors > 0 {
        std::process::exit(1);
    }
    Ok(())
}

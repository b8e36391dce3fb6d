//! Database pool and migrations. One binary serves SQLite (embedded default) and PostgreSQL,
//! chosen at run time by the URL, through `sqlx::Any` (portable-SQL rules: docs/architecture.md).

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Connection};
use std::str::FromStr;
use std::time::Duration;

pub type Db = AnyPool;

/// Which engine is behind the pool. Statements that differ between engines branch on this
/// in one place each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url);
    if backend == Backend::Sqlite {
        if let Some(path) = sqlite_path(url) {
            if let Some(dir) = std::path::Path::new(&path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
                }
            }
        }
    }
    // Statements are logged at debug level (`KUNDENPORTAL_LOG=warn,sqlx::query=debug` shows
    // every query a request runs); sqlx's slow-statement warnings stay off.
    let options = AnyConnectOptions::from_str(url)?
        .log_statements(log::LevelFilter::Debug)
        .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(1));
    AnyPoolOptions::new()
        .max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        .acquire_timeout(Duration::from_secs(3))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                if conn.backend_name() == "SQLite" {
                    // WAL: readers never block the writer; NORMAL is durable in WAL mode except
                    // for the last transactions on power loss (not on process crash).
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = NORMAL",
                        "PRAGMA busy_timeout = 5000",
                        "PRAGMA foreign_keys = ON",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

pub async fn migrate(db: &Db) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("./migrations").run(db).await
}

/// Checks the database answers (used by `/healthz`).
pub async fn ping(db: &Db) -> bool {
    match db.acquire().await {
        Ok(mut c) => c.ping().await.is_ok(),
        Err(_) => false,
    }
}

/// An optional filter on the parameter `$p`: `cond` when `value` is given, else a condition
/// that only tests the parameter (true for the empty value). A statement then has one text per
/// combination of given filters, and each text's plan fits every value it is used with: with
/// `($p = '' OR cond)` in one text, PostgreSQL planned every execution anew (see
/// `clients::access`). Chosen for the wrong value, a text finds nothing rather than too much.
pub fn given(p: usize, value: &str, cond: &str) -> String {
    match value {
        "" => format!("${p} = ''"),
        _ => cond.to_string(),
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// True when the error is a unique-constraint violation (e.g. "email already used").
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_and_path_from_url() {
        assert_eq!(Backend::of_url("postgres://a@b/c"), Backend::Postgres);
        assert_eq!(
            Backend::of_url("sqlite://data/x.db?mode=rwc"),
            Backend::Sqlite
        );
        assert_eq!(
            sqlite_path("sqlite://data/x.db?mode=rwc").as_deref(),
            Some("data/x.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}

/// Whether the database answers, as requests see it. A failure to reach it marks it down;
/// while it is down, pages and server functions are answered at once with 503 (instead of each
/// waiting for a connection), and a probe asks the database every half second until it
/// answers again — recovery needs nobody.
/// (Down is exactly while the probe runs: whoever marks it down starts the probe.)
#[derive(Clone, Default)]
pub struct Health(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Health {
    pub fn is_down(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Takes note of a failed query; true if it means the database cannot be reached.
    pub fn failed(&self, db: &Db, e: &sqlx::Error) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        if !unreachable(e) {
            return false;
        }
        if !self.0.swap(true, SeqCst) {
            tracing::warn!(error = %e, "database unreachable: answering 503 until it is back");
            let (health, db) = (self.clone(), db.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    if ping(&db).await {
                        health.0.store(false, SeqCst);
                        tracing::warn!("database reachable again");
                        return;
                    }
                }
            });
        }
        true
    }
}

/// Errors that say the database is not there (rather than that a query was wrong): no
/// connection, a broken one, a server shutting down or starting up.
fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // PostgreSQL: admin/crash shutdown, cannot connect now, connection exceptions.
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    }
}

//! Server-only infrastructure: database, mail, tokens, passwords, HTTP assembly.

pub mod backup;
pub mod bench_seed;
pub mod crash;
pub mod db;
pub mod demo;
pub mod events;
pub mod http;
pub mod jobs;
pub mod keys;
pub mod mail;
pub mod passwords;
pub mod storage;
pub mod tokens;

use crate::config::Config;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Everything a request handler or server function may need. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: db::Db,
    pub config: Arc<Config>,
    pub mailer: mail::Mailer,
    pub leptos_options: LeptosOptions,
    pub storage: storage::Storage,
    pub master_key: keys::MasterKey,
    pub uploads: crate::uploads::http::UploadState,
    pub events: events::Bus,
    pub dashboards: Arc<crate::dashboard::cache::Cache<crate::dashboard::Dashboard>>,
    /// Wakes the job worker at once (a magic link should not wait for its next round).
    pub jobs_wake: Arc<tokio::sync::Notify>,
    /// Whether the database answers (see `db::Health`).
    pub db_health: db::Health,
}

pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("KUNDENPORTAL_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// Hides the password of a database URL for printing.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Connects and migrates.
pub async fn open_db(config: &Config) -> Result<db::Db, String> {
    let url = config.database_url();
    let pool = db::connect(&url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", redact_url(&url)))?;
    db::migrate(&pool)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    Ok(pool)
}

/// Outgoing HTTPS (Stripe, an S3 bucket) is rustls with ring: reqwest takes the process's
/// provider, which must be there before the first client is built. Idempotent.
pub fn tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub async fn build_state(config: Config) -> Result<AppState, String> {
    tls();
    std::fs::create_dir_all(&config.server.data_dir).map_err(|e| {
        format!(
            "cannot create data directory {}: {e}",
            config.server.data_dir.display()
        )
    })?;
    let db = open_db(&config).await?;
    let mailer = mail::Mailer::from_config(
        &config.mail.smtp_url,
        &config.mail.from,
        &config.server.data_dir,
    )
    .map_err(|e| e.to_string())?;
    let leptos_options = http::leptos_options(&config);
    let storage = storage::Storage::from_config(&config)?;
    let master_key = keys::MasterKey::load(
        &config.server.data_dir,
        std::env::var("KUNDENPORTAL_MASTER_KEY").ok().as_deref(),
    )?;
    let master_key = keys::verify(&db, &config.server.data_dir, master_key).await?;
    let events = events::Bus::new(&config.database_url());
    Ok(AppState {
        db,
        config: Arc::new(config),
        mailer,
        leptos_options,
        storage,
        master_key,
        uploads: Default::default(),
        events,
        dashboards: Default::default(),
        jobs_wake: Default::default(),
        db_health: Default::default(),
    })
}

pub async fn serve(config: Config) -> Result<(), String> {
    let state = build_state(config).await?;
    let addr = state.config.server.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let has_firm = crate::auth::repo::any_org_exists(&state.db)
        .await
        .map_err(|e| e.to_string())?;
    let url = state.config.public_url().to_string();
    println!();
    println!("  Kundenportal läuft / is running:  {url}");
    if has_firm {
        println!("  Anmelden / log in:                {url}/login");
        if crate::orgs::repo::email_in_use(&state.db, demo::DEMO_OWNER_EMAIL)
            .await
            .unwrap_or(false)
        {
            println!(
                "  Demo:  {}  /  {}",
                demo::DEMO_OWNER_EMAIL,
                demo::DEMO_PASSWORD
            );
        }
    } else {
        println!("  Ersteinrichtung / first-run setup: {url}/setup  (creates your firm and its owner account)");
    }
    if state.mailer.is_outbox() {
        println!(
            "  Mails: written to {}/outbox (no SMTP configured)",
            state.config.server.data_dir.display()
        );
    }
    println!();
    tokio::spawn(housekeeping(state.clone()));
    tokio::spawn(jobs::worker(state.clone()));
    if state.events.shared() {
        // Other nodes may share the database: their live events reach this node's streams.
        tokio::spawn(events::follow(state.clone()));
    }
    let smtp = state.config.inbound.smtp_listen.clone();
    if !smtp.is_empty() {
        let listener = tokio::net::TcpListener::bind(&smtp)
            .await
            .map_err(|e| format!("cannot listen for mail on {smtp}: {e}"))?;
        println!("  Replies by e-mail: SMTP on {smtp}");
        tokio::spawn(crate::inbound::smtp::serve(listener, state.clone()));
    }
    let header_timeout = std::time::Duration::from_secs(state.config.server.header_timeout_secs);
    let app = http::router(state);
    http::serve_on(listener, app, header_timeout, shutdown_signal()).await;
    Ok(())
}

/// Removes expired unfinished uploads (their partial data too), sessions past their lifetime
/// and ended failed-login windows, every 10 minutes. Idle sessions
/// are refused on use anyway; this only keeps the tables small. Safe on several nodes (plain
/// deletes of expired rows).
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = db::now_ms();
        let window = state.config.security.login_window_minutes * 60_000;
        match crate::uploads::http::remove_expired(&state).await {
            Ok(n) if n > 0 => tracing::info!(uploads = n, "expired unfinished uploads removed"),
            Err(e) => tracing::warn!(error = %e, "removing expired uploads failed"),
            _ => {}
        }
        if let Err(e) = events::prune(&state.db, now).await {
            tracing::warn!(error = %e, "pruning live events failed");
        }
        let sessions = crate::auth::repo::delete_expired_sessions(&state.db, now).await;
        // Throttle rows serve the staff login and the portal's link requests: the longer
        // window keeps both.
        let window = window.max(crate::portal::domain::LINK_LIMITS.window_ms);
        let throttles = crate::auth::repo::delete_stale_throttles(&state.db, now, window).await;
        if let Err(e) = crate::portal::repo::prune(&state.db, now).await {
            tracing::warn!(error = %e, "pruning portal links and sessions failed");
        }
        match (sessions, throttles) {
            (Ok(s), Ok(t)) if s + t > 0 => {
                tracing::info!(sessions = s, throttles = t, "housekeeping")
            }
            (Err(e), _) | (_, Err(e)) => tracing::warn!(error = %e, "housekeeping failed"),
            _ => {}
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            super::redact_url("postgres://kp:geheim@127.0.0.1/kp"),
            "postgres://kp:***@127.0.0.1/kp"
        );
        assert_eq!(
            super::redact_url("sqlite://data/kp.db"),
            "sqlite://data/kp.db"
        );
    }
}

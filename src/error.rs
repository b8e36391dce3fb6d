//! The one error type of server functions and handlers.
//!
//! Rule for choosing a variant (as in crates.io's `util/errors`):
//! - `Unauthorized`: nobody is signed in (or the session ended) → 401, the UI goes to login.
//! - `NotFound`: the thing does not exist *for this caller* — including another firm's or another
//!   client's data. Never `Forbidden` for those, so ids of other tenants cannot be probed.
//! - `Forbidden`: the caller sees the thing but their role may not do this → 403.
//! - `Invalid`: bad input, with the form field it belongs to → 422.
//! - `Conflict`: the request clashes with the current state (email taken, plan limit) → 409.
//! - `RateLimited`: too many attempts → 429.
//! - `Unavailable`: the database cannot be reached, or the disk is full or read-only, right
//!   now; try again in a moment → 503.
//! - `Internal`: anything unexpected; details are logged on the server, never shown → 500.
//!
//! Messages are already in the caller's language (the server knows it from the request).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("unauthorized")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal,
    /// The request did not reach the server function (network, decoding).
    #[error("{0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::RateLimited(_) => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// The message of a field error for `field`, if this is one.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }

    /// A sentence for the user, in their language.
    pub fn user_message(&self, t: &crate::i18n::T) -> String {
        match self {
            AppError::Unauthorized => t.err_unauthorized.into(),
            AppError::NotFound => t.err_not_found.into(),
            AppError::Internal => t.err_internal.into(),
            AppError::Transport(_) => t.err_network.into(),
            AppError::Forbidden(m)
            | AppError::Conflict(m)
            | AppError::RateLimited(m)
            | AppError::Unavailable(m)
            | AppError::Invalid { message: m, .. } => m.clone(),
        }
    }
}

impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error");
        let lang = || {
            leptos::prelude::use_context::<http::request::Parts>()
                .map(|p| crate::i18n::Lang::of_headers(&p.headers))
                .unwrap_or_default()
        };
        if out_of_space(&e) {
            return AppError::Unavailable(lang().t().err_storage_full.into());
        }
        // A database that cannot be reached is marked down: the next requests are answered
        // at once (503) instead of each waiting for a connection, until it answers again.
        if let Some(st) = leptos::prelude::use_context::<crate::server::AppState>() {
            if st.db_health.failed(&st.db, &e) {
                return AppError::Unavailable(lang().t().err_db_down.into());
            }
        }
        AppError::Internal
    }
}

/// Whether an error (or one of its causes) means the disk under the data directory or the
/// database is full or read-only: the request can succeed once an operator made room, and
/// nothing written before is harmed (SQLite and PostgreSQL roll back, an upload keeps its last
/// durable offset).
#[cfg(feature = "ssr")]
pub fn out_of_space(e: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind;
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                ErrorKind::StorageFull | ErrorKind::ReadOnlyFilesystem | ErrorKind::QuotaExceeded
            ) {
                return true;
            }
        }
        if let Some(sqlx::Error::Database(db)) = e.downcast_ref::<sqlx::Error>() {
            let code = db.code().unwrap_or_default();
            // SQLite's result codes come extended: the primary code is the low byte. 13 is
            // SQLITE_FULL, 8 SQLITE_READONLY; PostgreSQL: 53100 disk_full, 25006
            // read_only_sql_transaction.
            let sqlite = code.parse::<i32>().ok().map(|c| c & 0xff);
            if matches!(sqlite, Some(13 | 8)) || code == "53100" || code == "25006" {
                return true;
            }
        }
        next = e.source();
    }
    false
}

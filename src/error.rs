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
//! - `Unavailable`: the database cannot be reached right now; try again in a moment → 503.
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
        // A database that cannot be reached is marked down: the next requests are answered
        // at once (503) instead of each waiting for a connection, until it answers again.
        if let Some(st) = leptos::prelude::use_context::<crate::server::AppState>() {
            if st.db_health.failed(&st.db, &e) {
                let lang = leptos::prelude::use_context::<http::request::Parts>()
                    .map(|p| crate::i18n::Lang::of_headers(&p.headers))
                    .unwrap_or_default();
                return AppError::Unavailable(lang.t().err_db_down.into());
            }
        }
        AppError::Internal
    }
}

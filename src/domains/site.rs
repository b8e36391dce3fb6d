//! Which site a request is for, by its Host header: the app's main host (and loopback names),
//! a firm's verified domain (portal and upload pages only), a domain still being verified
//! (only its challenge), or an unknown host (a neutral 404 for everything).

use crate::server::AppState;
use axum::{
    extract::{Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    Main,
    /// A firm's verified domain.
    Firm(String),
    /// A firm's domain before verification: only the challenge is answered.
    Pending(String),
    Unknown,
}

impl Site {
    /// The firm a firm site is for ("" on the main site).
    pub fn org(&self) -> &str {
        match self {
            Site::Firm(org) => org,
            _ => "",
        }
    }
}

/// The main host: the one of `server.public_url`.
pub fn main_host(st: &AppState) -> String {
    let url = st.config.public_url();
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
    super::host_only(authority.split('/').next().unwrap_or(""))
}

pub async fn of_host(st: &AppState, host: &str) -> Site {
    let host = super::host_only(host);
    if host.is_empty() || host == main_host(st) || super::is_loopback(&host) {
        return Site::Main;
    }
    match super::repo::org_of_domain(&st.db, &host).await {
        Ok(Some((org, true))) => Site::Firm(org),
        Ok(Some((org, false))) => Site::Pending(org),
        Ok(None) => Site::Unknown,
        Err(e) => {
            tracing::error!(error = %e, "site lookup failed");
            Site::Unknown
        }
    }
}

/// Paths a firm's own domain serves: the portal, the upload pages and what they need.
fn firm_path(path: &str) -> bool {
    [
        "/portal",
        "/u/",
        "/api/",
        "/pkg/",
        "/brand/",
        "/.well-known/",
        "/healthz",
        "/favicon",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// The layer: finds the site, refuses what it does not serve, and hands it on to handlers and
/// server functions (as a request extension).
pub async fn resolve(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("")
        .to_string();
    let site = of_host(&st, &host).await;
    let path = req.uri().path();
    let served = match &site {
        Site::Main => true,
        Site::Firm(_) if path == "/" => return Redirect::to("/portal/login").into_response(),
        Site::Firm(_) => firm_path(path),
        Site::Pending(_) => path == super::CHALLENGE_PATH,
        Site::Unknown => false,
    };
    if !served {
        // Neutral: says nothing about which firms or domains exist.
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    req.extensions_mut().insert(site);
    next.run(req).await
}

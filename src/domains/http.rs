//! The challenge a firm's domain answers, and the "ask" endpoint of a TLS proxy.

use crate::server::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::StatusCode;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/.well-known/kundenportal-domain",
            axum::routing::get(challenge),
        )
        .route("/api/domains/ask", axum::routing::get(ask))
}

/// `GET /.well-known/kundenportal-domain` on a firm's domain: its challenge token. Reaching it
/// there proves the domain's DNS points at this app.
async fn challenge(
    State(st): State<AppState>,
    site: Option<Extension<super::site::Site>>,
) -> Response {
    use super::site::Site;
    let org = match site.map(|Extension(s)| s) {
        Some(Site::Firm(org)) | Some(Site::Pending(org)) => org,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match super::repo::domain(&st.db, &org).await {
        Ok(d) if !d.token.is_empty() => d.token.into_response(),
        Ok(_) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "challenge lookup failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct Ask {
    domain: String,
}

/// `GET /api/domains/ask?domain=…` (Caddy's on-demand TLS): 200 for a domain a firm entered
/// (verified or still being verified — the challenge runs over it), 404 for anything else.
async fn ask(State(st): State<AppState>, Query(q): Query<Ask>) -> Response {
    let host = super::host_only(&q.domain);
    match super::repo::org_of_domain(&st.db, &host).await {
        Ok(Some(_)) => StatusCode::OK.into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "ask lookup failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

//! `GET /brand/{org}/logo`: a firm's logo, public (the upload page and mails show it before
//! anyone signs in). Served as an image that can do nothing: no sniffing, and a policy that
//! forbids scripts and every load should someone open an SVG logo directly.

use crate::server::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/brand/{org_id}/logo", axum::routing::get(logo))
        .route("/brand/{org_id}/theme.css", axum::routing::get(theme))
}

/// `GET /brand/{org}/theme.css`: the firm's custom properties for `.branded` — written from
/// parsed colours only (see `colour::css_vars`), never from stored text.
async fn theme(State(st): State<AppState>, Path(org_id): Path<String>) -> Response {
    match super::repo::brand(&st.db, &org_id).await {
        Ok(Some(brand)) => asset(
            format!(".branded{{{}}}\n", brand.css_vars()).into_bytes(),
            "text/css; charset=utf-8",
        ),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => failed("theme", e),
    }
}

async fn logo(State(st): State<AppState>, Path(org_id): Path<String>) -> Response {
    match super::repo::logo(&st.db, &org_id).await {
        Ok(Some((content_type, bytes))) => {
            let image = match content_type.as_str() {
                "image/svg+xml" => "image/svg+xml",
                _ => "image/png",
            };
            let mut r = asset(bytes, image);
            r.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            );
            r
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => failed("logo", e),
    }
}

/// A public, cacheable file of the firm. Its URL carries a version (new content, new URL).
fn asset(body: Vec<u8>, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

fn failed(what: &str, e: sqlx::Error) -> Response {
    tracing::error!(error = %e, what, "branding lookup failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

//! The HTTP surface: Leptos pages and server functions, health check, static files, and the
//! layers every response passes (security headers, same-origin check, body limits, compression).

use super::AppState;
use crate::app::{shell, App};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{
    compression::CompressionLayer, limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer,
};

/// Leptos' own options, derived from our config (and cargo-leptos' LEPTOS_* variables when it
/// runs us), so the binary needs no Cargo.toml at run time.
pub fn leptos_options(config: &crate::config::Config) -> LeptosOptions {
    let site_root =
        std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| config.server.site_root.clone());
    LeptosOptions::builder()
        .output_name("kundenportal")
        .site_root(site_root)
        .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()))
        .site_addr(config.server.listen)
        .reload_port(3001)
        .build()
}

/// Server functions take small form or JSON bodies; uploads use their own endpoint later.
const BODY_LIMIT: usize = 256 * 1024;

/// The app's routes, generated once per process. Generating runs the app with resource loads
/// suppressed by a process-wide flag, and a resource first polled meanwhile — by a request to
/// another router of the same process, as in the tests — would wait forever
/// (leptos-rs/leptos#4773).
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let ctx_state = state.clone();
    let shell_opts = state.leptos_options.clone();
    let pages = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/events", get(super::events::stream))
        .route("/api/portal/events", get(super::events::portal_stream))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(ctx_state.clone()),
            move || shell(shell_opts.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT));
    // Uploads stream large bodies, bounded by their declared Upload-Length instead of the
    // small limit for server functions.
    Router::new()
        .merge(crate::uploads::http::routes())
        .merge(crate::portal::http::routes())
        .merge(crate::audit::http::routes())
        .merge(crate::clients::export::routes())
        .merge(crate::branding::http::routes())
        .merge(crate::domains::http::routes())
        .merge(crate::invoices::http::routes())
        .merge(crate::inbound::http::routes())
        .merge(crate::annotations::http::routes())
        .merge(pages)
        .layer(middleware::from_fn(same_origin_writes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::domains::site::resolve,
        ))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
        ))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if super::db::ping(&state.db).await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// Refuses state-changing requests sent by another site (CSRF): a browser always sends
/// `Origin` (or `Sec-Fetch-Site`) on cross-site POSTs, and it must name our own host.
async fn same_origin_writes(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    let origin_ok = match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        None => true,
        Some(origin) => origin_host(origin).is_some_and(|o| Some(o) == host),
    };
    if cross_site || !origin_ok {
        return Response::builder()
            .status(StatusCode::FORBIDDEN)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Body::from(
                "Anfrage von fremder Herkunft abgelehnt / cross-origin request refused",
            ))
            .unwrap_or_default();
    }
    next.run(req).await
}

fn origin_host(origin: &str) -> Option<&str> {
    origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn origin_host_strips_scheme() {
        assert_eq!(
            super::origin_host("http://127.0.0.1:3000"),
            Some("127.0.0.1:3000")
        );
        assert_eq!(super::origin_host("null"), None);
    }
}

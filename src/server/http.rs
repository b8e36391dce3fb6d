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
    compression::CompressionLayer, set_header::SetResponseHeaderLayer, timeout::TimeoutLayer,
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
            move || {
                provide_context(ctx_state.clone());
                provide_context(crate::auth::ctx::RequestMemo::default());
            },
            move || shell(shell_opts.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(small_body));
    // A stalled client (or one trickling its body) gets 408 instead of holding a task and a
    // connection; uploads, which may take long, have their own idle timeout instead.
    let timeout = std::time::Duration::from_secs(state.config.server.request_timeout_secs);
    // Uploads stream large bodies, bounded by their declared Upload-Length instead of the
    // small limit for server functions.
    let timed = Router::new()
        .merge(crate::portal::http::routes())
        .merge(crate::audit::http::routes())
        .merge(crate::clients::export::routes())
        .merge(crate::branding::http::routes())
        .merge(crate::domains::http::routes())
        .merge(crate::invoices::http::routes())
        .merge(crate::inbound::http::routes())
        .merge(crate::annotations::http::routes())
        .merge(pages)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), db_gate));
    Router::new()
        .merge(crate::uploads::http::routes())
        .merge(static_files(&state.leptos_options))
        .merge(timed)
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

/// The client's files under `/pkg` (the WASM modules, their JS glue, the stylesheet). A release
/// build made with `--precompress` (`make run`, `make bench`) lays brotli copies beside each
/// file; they are sent as they are instead of compressing 1.6 MB of WASM again for every first
/// visit, and brotli at its best level is a fifth smaller than what the compression layer makes
/// on the fly (main module: 413 against 531 kB). Its gzip copies are left alone: made at a fast
/// level, they are larger than the layer's (682 against 591 kB), which serves browsers without
/// brotli, and debug builds.
/// The names carry no hash, so browsers must ask again (`no-cache`, answered with 304 Not
/// Modified) rather than hydrate a new version's pages with the WASM of the old one.
pub fn static_files<S: Clone + Send + Sync + 'static>(opts: &LeptosOptions) -> Router<S> {
    let dir = std::path::Path::new(opts.site_root.as_ref()).join(opts.site_pkg_dir.as_ref());
    let files = tower_http::services::ServeDir::new(dir).precompressed_br();
    Router::new().nest_service(
        &format!("/{}", opts.site_pkg_dir),
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache"),
            ))
            .service(files),
    )
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if super::db::ping(&state.db).await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// While the database cannot be reached (`db::Health`), pages and server functions are
/// answered at once: 503 with `Retry-After`, a page that reloads itself, or the error for the
/// app's own calls. The health check and static files pass.
async fn db_gate(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !st.db_health.is_down() || path == "/healthz" || path.starts_with("/pkg/") {
        return next.run(req).await;
    }
    let lang = crate::i18n::Lang::of_headers(req.headers());
    let t = lang.t();
    let mut r = if crate::auth::ctx::is_api_call(path, req.headers()) {
        let e = crate::error::AppError::Unavailable(t.err_db_down.into());
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&e).unwrap_or_default(),
        )
            .into_response()
    } else {
        message_page(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            t.page_db_down_title,
            t.err_db_down,
            Some(5),
        )
    };
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    r
}

/// Pages and server functions take small bodies: read whole (at most `BODY_LIMIT`) before the
/// handler runs, so an oversized body gets 413 whether its length is declared (refused before
/// reading) or it is streamed without end (cut off at the limit); a broken one gets 400.
async fn small_body(req: Request, next: Next) -> Response {
    use futures::StreamExt;
    let plain = |status: StatusCode, text: &'static str| {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            text,
        )
            .into_response()
    };
    let too_large = || {
        plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Anfrage zu groß / request too large",
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return plain(
                StatusCode::BAD_REQUEST,
                "Anfrage abgebrochen / request broken off",
            );
        };
        if bytes.len() + chunk.len() > BODY_LIMIT {
            return too_large();
        }
        bytes.extend_from_slice(&chunk);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
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

/// A small page of its own, for answers given outside the app's pages (too many attempts, a
/// database that is not reachable): the title and text are the app's own sentences.
pub fn message_page(
    lang: crate::i18n::Lang,
    status: StatusCode,
    title: &str,
    text: &str,
    reload_secs: Option<u64>,
) -> Response {
    let t = lang.t();
    let reload = reload_secs
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">"))
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html lang=\"{code}\"><head><meta charset=\"utf-8\">{reload}\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/kundenportal.css\"></head>\
         <body><main class=\"public-page\" id=\"main\"><div class=\"card stack\">\
         <h1>{title}</h1><p role=\"alert\" data-testid=\"message\">{text}</p>\
         <p><a href=\"/\">{home}</a></p></div></main></body></html>",
        code = lang.code(),
        home = t.page_home_link,
    );
    let mut r = (status, html).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// 429 with `Retry-After`, as a page.
pub fn too_many_page(lang: crate::i18n::Lang, wait_ms: i64) -> Response {
    let t = lang.t();
    let mut r = message_page(
        lang,
        StatusCode::TOO_MANY_REQUESTS,
        t.page_too_many_title,
        &crate::auth::ctx::wait_text(t.p_too_many, wait_ms),
        None,
    );
    r.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(crate::auth::ctx::retry_after_secs(wait_ms)),
    );
    r
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets running requests finish.
/// Our own accept loop (instead of `axum::serve`) because slow clients must not hold
/// connections forever: the request headers have to arrive within `header_timeout`, and a
/// connection that sends nothing more is closed (slow-loris).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt;

    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(header_timeout)
        .keep_alive_timeout(header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a moment, the server stays up.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone().map_request(
            move |mut req: http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.map(Body::new)
            },
        ));
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    // Running requests get a while to finish; open event streams are not waited for.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), graceful.shutdown()).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    /// A site directory with a WASM file and its brotli copy (distinct bytes, so the test sees
    /// which one was sent), behind the static files' router and the compression layer as in
    /// `router`.
    fn site() -> (tempfile::TempDir, Router) {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        std::fs::write(pkg.join("app.wasm"), vec![b'w'; 20_000]).unwrap();
        std::fs::write(pkg.join("app.wasm.br"), b"brotli copy").unwrap();
        std::fs::write(pkg.join("app.wasm.gz"), b"gzip copy").unwrap();
        std::fs::write(pkg.join("app.css"), "body{}".repeat(2_000)).unwrap();
        let opts = LeptosOptions::builder()
            .output_name("app")
            .site_root(dir.path().display().to_string())
            .site_pkg_dir("pkg")
            .build();
        let router = static_files(&opts).layer(CompressionLayer::new());
        (dir, router)
    }

    async fn get(router: &Router, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = Request::get(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    async fn body(res: Response) -> Vec<u8> {
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn precompressed_copies_are_sent_as_they_are() {
        let (_dir, site) = site();
        let res = get(&site, "/pkg/app.wasm", &[("accept-encoding", "gzip, br")]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
        assert_eq!(
            body(res).await,
            b"brotli copy",
            "not compressed a second time"
        );

        // A browser without brotli gets the file itself, compressed by the layer (not the
        // build's gzip copy, which is larger).
        let res = get(&site, "/pkg/app.wasm", &[("accept-encoding", "gzip")]).await;
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
        assert_ne!(body(res).await, b"gzip copy");
        let res = get(&site, "/pkg/app.wasm", &[]).await;
        assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body(res).await, vec![b'w'; 20_000]);
    }

    #[tokio::test]
    async fn files_without_copies_are_compressed_and_revalidated() {
        let (_dir, site) = site();
        let res = get(&site, "/pkg/app.css", &[("accept-encoding", "br")]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
        let modified = res.headers()[header::LAST_MODIFIED]
            .to_str()
            .unwrap()
            .to_owned();
        // The browser's question on its next visit: unchanged, so no body.
        let res = get(&site, "/pkg/app.css", &[("if-modified-since", &modified)]).await;
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        assert!(body(res).await.is_empty());
        let res = get(&site, "/pkg/missing.wasm", &[]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn origin_host_strips_scheme() {
        assert_eq!(
            super::origin_host("http://127.0.0.1:3000"),
            Some("127.0.0.1:3000")
        );
        assert_eq!(super::origin_host("null"), None);
    }
}

//! HTTP side of inbound mail: a mail provider's inbound webhook (`POST /api/inbound/mail`,
//! the raw MIME as body, `Authorization: Bearer <webhook_secret>`) and the original of a
//! received mail for staff (`GET /api/inbound/mails/{mail_id}/original`, as plain text).

use crate::orgs::domain::Permission;
use crate::server::AppState;
use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/inbound/mail",
            // The configured size limit is checked in the handler; this bounds the read.
            post(webhook).layer(DefaultBodyLimit::max(256 * 1024 * 1024)),
        )
        .route("/api/inbound/mails/{mail_id}/original", get(original))
}

/// Equal in constant time (for equal lengths).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn webhook(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let secret = st.config.inbound.webhook_secret.as_str();
    if secret.is_empty() || st.config.inbound.reply_domain.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same(given.trim().as_bytes(), secret.as_bytes()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if body.len() as i64 > st.config.inbound.max_mb * 1024 * 1024 {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    match super::receive(&st, &body, &super::Envelope::default()).await {
        Ok(outcome) => {
            tracing::info!(?outcome, "inbound mail (webhook)");
            // The same answer whatever became of it.
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "inbound mail failed");
            // The provider retries; the Message-ID keeps a retry from posting twice.
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn original(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let user = match crate::auth::ctx::staff_http(&st, &headers, Permission::ViewClients).await {
        Ok(u) => u,
        Err(s) => return s.into_response(),
    };
    let viewer = crate::clients::access::viewer(&user);
    let m = match super::repo::get(&st.db, &user.org_id, &id, viewer).await {
        Ok(Some(m)) if !m.raw_sealed.is_empty() => m,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "mail original");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let raw = match super::open(&st, &m).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "mail original");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let t = crate::i18n::Lang::of_headers(&headers).t();
    let body = match super::parse::parse(&raw) {
        Some(p) => {
            let mut out = format!(
                "{}: {}\n{}: {}\n\n{}",
                t.mail_from_label, m.from, t.mail_subject_label, p.subject, p.text
            );
            if !p.attachments.is_empty() {
                let names: Vec<&str> = p.attachments.iter().map(|a| a.name.as_str()).collect();
                out.push_str(&format!(
                    "\n\n{}: {}",
                    t.mail_attachments_label,
                    names.join(", ")
                ));
            }
            out
        }
        None => String::from_utf8_lossy(&raw).into_owned(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response()
}

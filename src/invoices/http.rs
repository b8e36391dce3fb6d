//! Downloads of invoices and quotes: one PDF for staff (`/api/invoices/{id}/pdf`, drafts too,
//! as a preview), one PDF for the signed-in client (`/api/portal/invoices/{id}/pdf`, what was
//! issued to them) and several as one streamed ZIP (`/api/portal/invoices.zip?ids=a,b`).

use super::{domain, DocDetail, DocState};
use crate::i18n::Lang;
use crate::server::AppState;
use axum::{
    body::Body,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/invoices/{invoice_id}/pdf", get(staff_pdf))
        .route("/api/portal/invoices/{invoice_id}/pdf", get(portal_pdf))
        .route("/api/portal/invoices.zip", get(portal_zip))
        .route("/api/stripe/webhook/{org_id}", post(stripe_webhook))
}

fn lang(headers: &HeaderMap) -> Lang {
    Lang::of_headers(headers)
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "invoice download failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// The PDF of a document, rendered off the async threads.
async fn pdf(d: DocDetail, lang: Lang) -> Result<Vec<u8>, String> {
    tokio::task::spawn_blocking(move || super::pdf::render(&d, lang))
        .await
        .map_err(|e| e.to_string())?
}

fn pdf_response(bytes: Vec<u8>, d: &DocDetail, lang: Lang) -> Response {
    let number = match d.summary.number.is_empty() {
        true => lang.t().inv_st_draft.to_string(),
        false => d.summary.number.clone(),
    };
    let name = domain::pdf_name(d.summary.kind, &number, lang.t());
    crate::uploads::download::attachment(Body::from(bytes), "application/pdf", &name)
}

/// GET /api/invoices/{id}/pdf — staff who see the client.
async fn staff_pdf(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match crate::auth::ctx::staff_http(
        &st,
        &headers,
        crate::orgs::domain::Permission::ViewClients,
    )
    .await
    {
        Ok(u) => u,
        Err(s) => return s.into_response(),
    };
    let d = match super::repo::detail(&st.db, &user.org_id, &id).await {
        Ok(Some(d)) => d,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return failed(e),
    };
    if let Err(s) = crate::auth::ctx::sees_client(&st, &user, &d.summary.client_id).await {
        return s.into_response();
    }
    let lang = lang(&headers);
    match pdf(d.clone(), lang).await {
        Ok(bytes) => pdf_response(bytes, &d, lang),
        Err(e) => failed(e),
    }
}

/// The signed-in client (with the right to see invoices): (org, client), or the answer.
async fn portal_client(st: &AppState, headers: &HeaderMap) -> Result<(String, String), Response> {
    let session = crate::portal::api::session_of(st, headers)
        .await
        .map_err(failed)?;
    let Some(s) = session else {
        return Err(StatusCode::UNAUTHORIZED.into_response());
    };
    let Some(pair) = s.client.clone() else {
        return Err(StatusCode::UNAUTHORIZED.into_response());
    };
    if !s.rights.has(crate::portal::Right::Invoices) {
        return Err(StatusCode::FORBIDDEN.into_response());
    }
    Ok(pair)
}

/// A document issued to this client (a draft, another client's or firm's: `None`).
async fn issued(
    st: &AppState,
    org: &str,
    client: &str,
    id: &str,
) -> Result<Option<DocDetail>, sqlx::Error> {
    Ok(super::repo::detail(&st.db, org, id)
        .await?
        .filter(|d| d.summary.client_id == client && d.summary.state != DocState::Draft))
}

/// GET /api/portal/invoices/{id}/pdf
async fn portal_pdf(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (org, client) = match portal_client(&st, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let d = match issued(&st, &org, &client, &id).await {
        Ok(Some(d)) => d,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return failed(e),
    };
    let lang = lang(&headers);
    match pdf(d.clone(), lang).await {
        Ok(bytes) => pdf_response(bytes, &d, lang),
        Err(e) => failed(e),
    }
}

/// GET /api/portal/invoices.zip?ids=a,b — the chosen documents' PDFs in one streamed ZIP,
/// named like the single downloads (`2025-0042_Rechnung.pdf`).
async fn portal_zip(
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (org, client) = match portal_client(&st, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ids = crate::uploads::zip::ids_from_query(query.as_deref().unwrap_or(""));
    if ids.is_empty() {
        return (StatusCode::BAD_REQUEST, "no documents selected").into_response();
    }
    let lang = lang(&headers);
    let mut parts = Vec::with_capacity(ids.len());
    for id in ids {
        let d = match issued(&st, &org, &client, &id).await {
            Ok(Some(d)) => d,
            Ok(None) => return StatusCode::NOT_FOUND.into_response(),
            Err(e) => return failed(e),
        };
        let path = domain::pdf_name(d.summary.kind, &d.summary.number, lang.t());
        match pdf(d, lang).await {
            Ok(bytes) => parts.push(crate::uploads::zip::Part::Data { path, bytes }),
            Err(e) => return failed(e),
        }
    }
    let body = crate::uploads::zip::stream(&st, parts);
    crate::uploads::zip::response(body, lang.t().inv_zip_name)
}

/// POST /api/stripe/webhook/{org_id} — Stripe's events for the firm. A bad or missing signature
/// answers 400 (Stripe retries only real deliveries); an event handled before answers 200 again
/// without changing anything.
async fn stripe_webhook(
    State(st): State<AppState>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use super::stripe::{handle_event, keys, verify_signature, Outcome};
    let keys = match keys(&st, &org).await {
        Ok(Some(k)) => k,
        Ok(None) => return (StatusCode::BAD_REQUEST, "payments not set up").into_response(),
        Err(e) => return failed(e),
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let now_s = crate::server::db::now_ms() / 1000;
    if let Err(e) = verify_signature(signature, &body, &keys.webhook_secret, now_s) {
        tracing::warn!(org, error = ?e, "stripe webhook refused");
        return (StatusCode::BAD_REQUEST, "invalid signature").into_response();
    }
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid JSON").into_response();
    };
    // Signed but not an event, or with a NUL character that PostgreSQL cannot store (both
    // found by the webhook property test): refused, not a server failure.
    if event["id"].as_str().is_none_or(str::is_empty) || body.windows(6).any(|w| w == br"\u0000") {
        return (StatusCode::BAD_REQUEST, "not a valid event").into_response();
    }
    let outcome = match handle_event(&st, &org, &event).await {
        Ok(o) => o,
        Err(e) => return failed(e),
    };
    let (invoice, client) = match outcome {
        Outcome::Nothing => return StatusCode::OK.into_response(),
        Outcome::Paid(i, c) | Outcome::Mismatch(i, c) => (i, c),
    };
    // The client's open pages and the firm's update at once.
    crate::server::events::emit(
        &st,
        &org,
        crate::server::events::About::client(&client),
        crate::live::kind::INVOICE,
        &invoice,
    )
    .await;
    StatusCode::OK.into_response()
}

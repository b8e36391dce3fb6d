//! The permanent secret link of a client: `GET /portal/s/<token>` signs in and opens the
//! portal. (A magic link, single use, is opened by a button on its page instead: mail
//! scanners fetch links, and must not use them up.)

use crate::auth::ctx::Peer;
use crate::server::{tokens, AppState};
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/portal/s/{token}", get(secret_link))
}

async fn secret_link(
    State(st): State<AppState>,
    Path(token): Path<String>,
    Peer(ip): Peer,
    headers: HeaderMap,
) -> Response {
    let lang = crate::i18n::Lang::of_headers(&headers);
    match crate::auth::ctx::token_lock(&st, &ip).await {
        Ok(Some(ms)) => return crate::server::http::too_many_page(lang, ms),
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "secret link");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    match open(&st, &token, &headers, &ip).await {
        Ok(Some(cookie)) => {
            let mut r = Redirect::to("/portal").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        // Unknown, replaced or switched off: the login page explains, without saying which.
        Ok(None) => Redirect::to("/portal/login?link=invalid").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "secret link");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Starts a session for the link's client; `None` when the link is not valid.
async fn open(
    st: &AppState,
    token: &str,
    headers: &HeaderMap,
    ip: &str,
) -> Result<Option<String>, String> {
    let e = |e: sqlx::Error| e.to_string();
    let found = if tokens::looks_like_token(token) {
        super::repo::by_secret(&st.db, &tokens::hash_token(token))
            .await
            .map_err(e)?
    } else {
        None
    };
    let Some((c, email)) = found else {
        crate::auth::ctx::token_miss(st, ip).await.map_err(e)?;
        return Ok(None);
    };
    let ua: String = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let session = super::api::open_session(&st.db, &email, "secret", Some(&c), &ua, ip)
        .await
        .map_err(e)?;
    Ok(Some(crate::auth::ctx::cookie_value(
        super::PORTAL_COOKIE,
        &session,
        Some(super::domain::SESSION_ABSOLUTE_MS / 1000),
        true,
        st.config.public_url().starts_with("https://"),
    )))
}

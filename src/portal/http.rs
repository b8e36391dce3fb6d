//! The permanent secret link of a client: `GET /portal/s/<token>` signs in and opens the
//! portal. (A magic link, single use, is opened by a button on its page instead: mail
//! scanners fetch links, and must not use them up.)

use crate::server::{db::now_ms, tokens, AppState};
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
    headers: HeaderMap,
) -> Response {
    match open(&st, &token, &headers).await {
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
async fn open(st: &AppState, token: &str, headers: &HeaderMap) -> Result<Option<String>, String> {
    if !tokens::looks_like_token(token) {
        return Ok(None);
    }
    let e = |e: sqlx::Error| e.to_string();
    let Some((c, email)) = super::repo::by_secret(&st.db, &tokens::hash_token(token))
        .await
        .map_err(e)?
    else {
        return Ok(None);
    };
    let session = tokens::new_token();
    let now = now_ms();
    let ua: String = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    super::repo::create_session(
        &st.db,
        &super::repo::NewSession {
            token_hash: &tokens::hash_token(&session),
            email: &email,
            method: "secret",
            client: Some((&c.org_id, &c.client_id)),
            now,
            expires_at: now + super::domain::SESSION_ABSOLUTE_MS,
            user_agent: &ua,
            ip: "",
        },
    )
    .await
    .map_err(e)?;
    let actor = crate::audit::repo::Actor {
        user_id: None,
        name: c.client_name.clone(),
        ip: String::new(),
        user_agent: ua,
    };
    crate::audit::repo::record(
        &st.db,
        &c.org_id,
        &actor,
        Some(&c.client_id),
        crate::audit::action::PORTAL_LOGIN,
        "secret",
    )
    .await
    .map_err(e)?;
    let secure = if st.config.public_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    Ok(Some(format!(
        "{}={session}; Path=/; SameSite=Lax; HttpOnly; Max-Age={}{secure}",
        super::PORTAL_COOKIE,
        super::domain::SESSION_ABSOLUTE_MS / 1000
    )))
}

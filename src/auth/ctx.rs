//! Per-request context of server functions: the app state, who is asking (session), their
//! language, IP and user agent. `staff(permission)` is the one authorization call every staff
//! server function makes before touching data.

use super::domain::SessionPolicy;
use super::repo::{self, SessionUser};
use crate::audit::repo::Actor;
use crate::error::AppError;
use crate::i18n::{Lang, T};
use crate::orgs::domain::Permission;
use crate::server::{db::now_ms, tokens, AppState};
use axum::extract::ConnectInfo;
use http::{header, request::Parts, HeaderValue, StatusCode};
use leptos::prelude::*;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "kp_session";

/// A `Set-Cookie` value: path `/`, SameSite=Lax, and `Secure` behind TLS.
pub fn cookie_value(
    name: &str,
    value: &str,
    max_age_secs: Option<i64>,
    http_only: bool,
    secure: bool,
) -> String {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// What every server function knows about its request.
pub struct Req {
    pub state: AppState,
    pub parts: Parts,
    pub lang: Lang,
    pub ip: String,
    pub user_agent: String,
}

impl Req {
    pub fn t(&self) -> &'static T {
        self.lang.t()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        cookie(&self.parts.headers, name)
    }

    /// The firm whose own domain the request came to ("" on the main domain).
    pub fn site_org(&self) -> &str {
        self.parts
            .extensions
            .get::<crate::domains::site::Site>()
            .map_or("", |s| s.org())
    }

    /// Whether the connection reached us over TLS (directly or through a trusted proxy).
    pub fn is_https(&self) -> bool {
        self.state.config.public_url().starts_with("https://")
            || (self.state.config.server.trust_proxy
                && self
                    .parts
                    .headers
                    .get("x-forwarded-proto")
                    .is_some_and(|v| v == "https"))
    }

    pub fn session_policy(&self) -> SessionPolicy {
        session_policy(&self.state)
    }

    pub fn set_cookie(&self, name: &str, value: &str, max_age_secs: Option<i64>, http_only: bool) {
        let c = cookie_value(name, value, max_age_secs, http_only, self.is_https());
        if let Ok(v) = HeaderValue::from_str(&c) {
            expect_context::<leptos_axum::ResponseOptions>().append_header(header::SET_COOKIE, v);
        }
    }

    /// Too many attempts: a 429 whose message (`template` with `{minutes}`) and `Retry-After`
    /// header both say how long to wait.
    pub fn too_many(&self, template: &str, wait_ms: i64) -> AppError {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.insert_header(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs(wait_ms)),
            );
            // A page whose main content this is answers 429 itself (`finish` does it for
            // direct calls; a plain form post keeps its redirect back to the form).
            if !self.parts.uri.path().starts_with("/api/") {
                res.set_status(StatusCode::TOO_MANY_REQUESTS);
            }
        }
        AppError::RateLimited(wait_text(template, wait_ms))
    }

    /// Refuses (see `too_many`) while `key` has had `max` counted attempts within `window_ms`.
    pub async fn throttle(
        &self,
        key: &str,
        max: i64,
        window_ms: i64,
        template: &str,
    ) -> Result<(), AppError> {
        match repo::locked_for(&self.state.db, key, max, window_ms, now_ms()).await? {
            Some(ms) => Err(self.too_many(template, ms)),
            None => Ok(()),
        }
    }

    /// Counts one attempt for `key` (a miss, or any use for a plain limit).
    pub async fn count(&self, key: &str, window_ms: i64) -> Result<(), AppError> {
        repo::record_failure(&self.state.db, key, now_ms(), window_ms).await?;
        Ok(())
    }

    /// Refuses a caller who has missed too many secret tokens or link passwords lately.
    pub async fn guard_tokens(&self) -> Result<(), AppError> {
        match token_lock(&self.state, &self.ip).await? {
            Some(ms) => Err(self.too_many(self.t().p_too_many, ms)),
            None => Ok(()),
        }
    }

    /// Counts a miss: an unknown token or a wrong link password.
    pub async fn token_missed(&self) -> Result<(), AppError> {
        token_miss(&self.state, &self.ip).await?;
        Ok(())
    }

    /// Counts one request for `key` and refuses when the window is already full.
    pub async fn limit(&self, key: &str, max: i64, window_ms: i64) -> Result<(), AppError> {
        self.throttle(key, max, window_ms, self.t().p_too_many)
            .await?;
        self.count(key, window_ms).await
    }

    /// Records an action of a person who is not (yet) signed in: login, setup, joining.
    pub async fn audit_as(
        &self,
        org_id: &str,
        user_id: &str,
        name: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        let actor = Actor {
            user_id: Some(user_id.to_string()),
            name: name.to_string(),
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
        };
        crate::audit::repo::record(&self.state.db, org_id, &actor, None, action, detail).await?;
        Ok(())
    }
}

/// Where a request comes from, for the audit trail: the client's IP (the proxy's
/// `X-Forwarded-For` only when `server.trust_proxy` is set) and its user agent (shortened).
pub fn origin(
    state: &AppState,
    headers: &http::HeaderMap,
    extensions: &http::Extensions,
) -> (String, String) {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let forwarded = state
        .config
        .server
        .trust_proxy
        .then(|| {
            headers
                .get("x-forwarded-for")?
                .to_str()
                .ok()?
                .split(',')
                .next()
                .map(|s| s.trim().to_string())
        })
        .flatten();
    let ip = forwarded.or(peer).unwrap_or_default();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    (ip, user_agent)
}

/// A sign-in form's address (trimmed, lower-case), both fields required — staff and portal
/// sign-in alike.
pub fn credentials(t: &T, email: &str, password: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::invalid("email", t.f_required));
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", t.f_required));
    }
    Ok(email)
}

/// The current request; fails only if called outside a server function.
pub async fn request() -> Result<Req, AppError> {
    let state = use_context::<AppState>().ok_or(AppError::Internal)?;
    let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
    let lang = Lang::of_headers(&parts.headers);
    let (ip, user_agent) = origin(&state, &parts.headers, &parts.extensions);
    Ok(Req {
        state,
        parts,
        lang,
        ip,
        user_agent,
    })
}

/// A signed-in staff member, authorized for one permission.
pub struct Staff {
    pub req: Req,
    pub user: SessionUser,
}

impl Staff {
    pub fn org_id(&self) -> &str {
        &self.user.org_id
    }
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.user_id.clone()),
            name: self.user.name.clone(),
            ip: self.req.ip.clone(),
            user_agent: self.req.user_agent.clone(),
        }
    }
    pub fn t(&self) -> &'static T {
        self.req.t()
    }

    /// Who is asking, as the bound parameter of `clients::access::visible`.
    pub fn viewer(&self) -> &str {
        crate::clients::access::viewer(&self.user)
    }

    /// `NotFound` unless the client belongs to this staff member's firm and is visible to them
    /// (a restricted client whose team they are not on is as absent as another firm's).
    pub async fn require_client(&self, client_id: &str) -> Result<(), AppError> {
        let db = &self.req.state.db;
        match crate::clients::access::sees(db, self.org_id(), client_id, self.viewer()).await? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }

    /// `NotFound` unless the case belongs to this staff member's firm and they see it and its
    /// client (a restricted case whose team they are not on is as absent as another firm's).
    pub async fn require_case(&self, case_id: &str) -> Result<(), AppError> {
        let db = &self.req.state.db;
        match crate::clients::access::sees_case(db, self.org_id(), case_id, self.viewer()).await? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }

    /// `NotFound` unless the viewer sees this file of their firm.
    pub async fn require_file(&self, file_id: &str) -> Result<(), AppError> {
        let db = &self.req.state.db;
        match crate::clients::access::sees_file(db, self.org_id(), file_id, self.viewer()).await? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }

    /// Records what this staff member did in the firm's audit trail.
    pub async fn audit(
        &self,
        client_id: Option<&str>,
        action: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        crate::audit::repo::record(
            &self.req.state.db,
            self.org_id(),
            &self.actor(),
            client_id,
            action,
            detail,
        )
        .await?;
        Ok(())
    }
}

/// The session behind the request's cookie, if it is valid now. Touches `last_seen_at`.
pub async fn session(req: &Req) -> Result<Option<SessionUser>, AppError> {
    RequestMemo::once(
        |m| &m.staff,
        || session_from_headers(&req.state, &req.parts.headers),
    )
    .await
}

type Once<T> = std::sync::Arc<tokio::sync::OnceCell<T>>;

/// What one request looks up again and again, looked up once: a page render calls many server
/// functions in-process, and each authorizes itself. Provided fresh for every request.
#[derive(Clone, Default)]
pub struct RequestMemo {
    staff: Once<Option<SessionUser>>,
    portal: Once<Option<crate::portal::repo::Session>>,
    portal_frame: Once<crate::portal::repo::PortalFrame>,
}

impl RequestMemo {
    /// `lookup`'s answer, from the request's memo cell `cell` once it is there; without a memo
    /// (outside a request) looked up every time.
    async fn once<T, F, Fut>(cell: fn(&RequestMemo) -> &Once<T>, lookup: F) -> Result<T, AppError>
    where
        T: Clone,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        match use_context::<RequestMemo>() {
            Some(memo) => Ok(cell(&memo).get_or_try_init(lookup).await?.clone()),
            None => lookup().await,
        }
    }

    /// The portal session of this request, found by `lookup` the first time.
    pub async fn portal<F, Fut>(lookup: F) -> Result<Option<crate::portal::repo::Session>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Option<crate::portal::repo::Session>, AppError>>,
    {
        Self::once(|m| &m.portal, lookup).await
    }

    /// What the portal shows of the signed-in client's firm, read by `lookup` the first time
    /// (a request's portal session belongs to one firm).
    pub async fn portal_frame<F, Fut>(
        lookup: F,
    ) -> Result<crate::portal::repo::PortalFrame, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<crate::portal::repo::PortalFrame, AppError>>,
    {
        Self::once(|m| &m.portal_frame, lookup).await
    }
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().find_map(|h| {
        h.to_str().ok()?.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    })
}

fn session_policy(state: &AppState) -> SessionPolicy {
    let s = &state.config.sessions;
    SessionPolicy {
        idle_ms: s.idle_minutes * 60_000,
        absolute_ms: s.absolute_hours * 3_600_000,
    }
}

/// The staff session behind a request's cookie, if it is valid now — for server functions and
/// plain axum handlers (uploads, downloads) alike. Ends an expired session; touches
/// `last_seen_at` at most once a minute.
pub async fn session_from_headers(
    state: &AppState,
    headers: &http::HeaderMap,
) -> Result<Option<SessionUser>, AppError> {
    checked_session(state, headers, true).await
}

/// Whether the request's session is still valid, without counting this as activity (an open
/// live stream must not keep an idle session alive).
pub async fn session_alive(state: &AppState, headers: &http::HeaderMap) -> bool {
    matches!(checked_session(state, headers, false).await, Ok(Some(_)))
}

async fn checked_session(
    state: &AppState,
    headers: &http::HeaderMap,
    touch: bool,
) -> Result<Option<SessionUser>, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| tokens::looks_like_token(t))
    else {
        return Ok(None);
    };
    let Some(user) = repo::session_user(&state.db, &tokens::hash_token(&token)).await? else {
        return Ok(None);
    };
    let now = now_ms();
    let policy = session_policy(state);
    if !policy.is_valid(user.created_at, user.last_seen_at, now) {
        repo::delete_session(&state.db, &user.session_id).await?;
        return Ok(None);
    }
    if touch && policy.needs_touch(user.last_seen_at, now) {
        repo::touch_session(&state.db, &user.session_id, now).await?;
    }
    Ok(Some(user))
}

/// The same check for HTTP handlers outside server functions (downloads, exports, streams):
/// a valid staff session whose role grants `permission`, else 401 or 403.
pub async fn staff_http(
    state: &AppState,
    headers: &http::HeaderMap,
    permission: Permission,
) -> Result<SessionUser, StatusCode> {
    let user = session_from_headers(state, headers)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .ok_or(StatusCode::UNAUTHORIZED)?;
    if user.needs_two_factor || !user.role.may(permission) {
        return Err(StatusCode::FORBIDDEN);
    }
    Ok(user)
}

/// For HTTP handlers, after `staff_http`: 404 unless the signed-in member sees this client of
/// their firm (see [`Staff::require_client`]).
pub async fn sees_client(
    state: &AppState,
    user: &SessionUser,
    client_id: &str,
) -> Result<(), StatusCode> {
    let viewer = crate::clients::access::viewer(user);
    found(crate::clients::access::sees(&state.db, &user.org_id, client_id, viewer).await)
}

/// For HTTP handlers: 404 unless the signed-in member sees this case and its client.
pub async fn sees_case(
    state: &AppState,
    user: &SessionUser,
    case_id: &str,
) -> Result<(), StatusCode> {
    let viewer = crate::clients::access::viewer(user);
    found(crate::clients::access::sees_case(&state.db, &user.org_id, case_id, viewer).await)
}

/// For HTTP handlers: 404 unless the signed-in member sees this file (its client, and the case
/// it belongs to if any).
pub async fn sees_file(
    state: &AppState,
    user: &SessionUser,
    file_id: &str,
) -> Result<(), StatusCode> {
    let viewer = crate::clients::access::viewer(user);
    found(crate::clients::access::sees_file(&state.db, &user.org_id, file_id, viewer).await)
}

fn found(check: Result<bool, sqlx::Error>) -> Result<(), StatusCode> {
    match check {
        Ok(true) => Ok(()),
        Ok(false) => Err(StatusCode::NOT_FOUND),
        Err(e) => {
            tracing::error!(error = %e, "visibility check failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// Authorize first: a valid staff session whose role grants `permission`.
/// Anonymous → `Unauthorized`; a role without the permission → `Forbidden`, as is everything
/// while the firm requires two-factor sign-in that the member has not set up yet.
pub async fn staff(permission: Permission) -> Result<Staff, AppError> {
    let req = request().await?;
    let user = session(&req).await?.ok_or(AppError::Unauthorized)?;
    if user.needs_two_factor {
        return Err(AppError::Forbidden(req.t().tf_required_first.into()));
    }
    if !user.role.may(permission) {
        return Err(AppError::Forbidden(req.t().err_forbidden_role.into()));
    }
    Ok(Staff { req, user })
}

/// Any signed-in staff member, also one who still has to set up the two-factor sign-in their
/// firm requires — only for that set-up and for knowing who is signed in.
pub async fn staff_enrolling() -> Result<Staff, AppError> {
    let req = request().await?;
    let user = session(&req).await?.ok_or(AppError::Unauthorized)?;
    Ok(Staff { req, user })
}

/// Ends every server function: maps an error to its HTTP status for JavaScript and API callers.
/// Plain HTML form posts (no JavaScript) keep the 302 back to the form that leptos produces,
/// which carries the error to the re-rendered page.
pub fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        // Only for a direct call of the server function: during a page render (SSR calls the
        // function in-process) the page's own status must not change.
        if api_call() {
            if let (Some(res), Ok(status)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                StatusCode::from_u16(e.status()),
            ) {
                res.set_status(status);
            }
        }
    }
    result
}

/// Whether this is a direct call of a server function by JavaScript or an API client (not a
/// page render, not a plain HTML form post).
fn api_call() -> bool {
    use_context::<Parts>().is_some_and(|p| is_api_call(p.uri.path(), &p.headers))
}

/// A request to a server function that wants data back (not a page, not an HTML form post).
pub fn is_api_call(path: &str, headers: &http::HeaderMap) -> bool {
    let html = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    path.starts_with("/api/") && !html
}

/// `Some(ms)` to wait when the address `ip` has missed too many secret tokens lately.
pub async fn token_lock(st: &AppState, ip: &str) -> Result<Option<i64>, sqlx::Error> {
    let rule = super::domain::TOKEN_MISSES;
    repo::locked_for(
        &st.db,
        &super::domain::token_miss_key(ip),
        rule.max_failures,
        rule.window_ms,
        now_ms(),
    )
    .await
}

/// Counts one missed token or link password of the address `ip`.
pub async fn token_miss(st: &AppState, ip: &str) -> Result<(), sqlx::Error> {
    repo::record_failure(
        &st.db,
        &super::domain::token_miss_key(ip),
        now_ms(),
        super::domain::TOKEN_MISSES.window_ms,
    )
    .await
}

/// The caller's address in plain axum handlers, as `origin` tells it.
pub struct Peer(pub String);

impl<S> axum::extract::FromRequestParts<S> for Peer
where
    S: Send + Sync,
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let st = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        Ok(Peer(origin(&st, &parts.headers, &parts.extensions).0))
    }
}

/// A "try again in {minutes} minutes" sentence for a wait of `wait_ms`.
pub fn wait_text(template: &str, wait_ms: i64) -> String {
    let minutes = super::domain::minutes_ceil(wait_ms).to_string();
    crate::i18n::fill(template, &[("minutes", &minutes)])
}

/// Whole seconds for a `Retry-After` header, rounded up (at least one).
pub fn retry_after_secs(wait_ms: i64) -> u64 {
    ((wait_ms.max(1) + 999) / 1000) as u64
}

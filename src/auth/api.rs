//! Server functions of staff identity. Public ones (setup, login, language) are marked so;
//! everything else authorizes first through `ctx::staff`.

use super::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

/// Public. Whether the first-run setup is still open (no firm exists yet).
#[server(prefix = "/api", endpoint = "setup_needed")]
pub async fn setup_needed() -> Result<bool, AppError> {
    use super::ctx::*;
    finish(
        async {
            let req = request().await?;
            Ok(!super::repo::any_org_exists(&req.state.db).await?)
        }
        .await,
    )
}

/// Public, only while no firm exists: creates the firm and its owner and signs the owner in.
#[server(prefix = "/api", endpoint = "setup_firm")]
pub async fn setup_firm(
    firm: String,
    name: String,
    email: String,
    password: String,
    password_repeat: String,
) -> Result<(), AppError> {
    use super::ctx::*;
    finish(
        async {
            let req = request().await?;
            if super::repo::any_org_exists(&req.state.db).await? {
                return Err(AppError::Conflict(req.t().setup_done_already.into()));
            }
            let account = super::setup::check_account(
                req.t(),
                &name,
                &email,
                &password,
                Some(&password_repeat),
            )?;
            let (org_id, user_id) = super::setup::create_firm_checked(
                &req.state.db,
                req.t(),
                &firm,
                &account,
                crate::orgs::Plan::Solo,
            )
            .await?;
            req.audit_as(
                &org_id,
                &user_id,
                &account.name,
                crate::audit::action::ORG_CREATED,
                "",
            )
            .await?;
            start_session(&req, &user_id, &org_id).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

/// Public. Email + password login with per-account and per-IP throttling of failures.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use super::ctx::*;
    finish(
        async {
            let req = request().await?;
            let t = req.t();
            let email = super::ctx::credentials(t, &email, &password)?;
            let db = &req.state.db;
            let sec = &req.state.config.security;
            let window_ms = sec.login_window_minutes * 60_000;
            let now = crate::server::db::now_ms();
            let account_key = format!("account:{email}");
            let ip_key = format!("ip:{}", req.ip);
            let locked = |max, key: &'static str| {
                let rule = super::domain::ThrottleRule {
                    max_failures: max,
                    window_ms,
                };
                move |w| rule.locked_for(w, now).map(|ms| (key, ms))
            };
            let account_lock = locked(sec.login_max_failures_per_account, "account")(
                super::repo::throttle_window(db, &account_key).await?,
            );
            let ip_lock = locked(sec.login_max_failures_per_ip, "ip")(
                super::repo::throttle_window(db, &ip_key).await?,
            );
            if let Some((which, ms)) = account_lock.or(ip_lock) {
                let template = if which == "account" {
                    t.login_locked
                } else {
                    t.login_ip_locked
                };
                return Err(req.too_many(template, ms));
            }
            // Password length is capped before hashing so huge inputs cannot burn CPU.
            let candidate = super::repo::find_login(db, &email).await?;
            let ok = password.len() <= 1024
                && crate::server::passwords::verify_password(
                    password,
                    candidate.as_ref().map(|c| c.password_hash.clone()),
                )
                .await;
            match candidate {
                Some(c) if ok && c.active => {
                    super::repo::clear_throttle(db, &account_key).await?;
                    if super::twofactor::server::enabled(db, &c.user_id).await? {
                        // The password was right; the code comes next, on its own page.
                        let token =
                            super::twofactor::server::challenge(&req.state, &c.user_id, &c.org_id)
                                .await?;
                        req.set_cookie(
                            super::twofactor::CHALLENGE_COOKIE,
                            &token,
                            Some(super::twofactor::CHALLENGE_MS / 1000),
                            true,
                        );
                        leptos_axum::redirect("/login/code");
                        return Ok(());
                    }
                    req.audit_as(
                        &c.org_id,
                        &c.user_id,
                        &c.name,
                        crate::audit::action::LOGIN,
                        "",
                    )
                    .await?;
                    start_session(&req, &c.user_id, &c.org_id).await?;
                    leptos_axum::redirect("/");
                    Ok(())
                }
                Some(_) if ok => Err(AppError::Forbidden(t.login_deactivated.into())),
                other => {
                    super::repo::record_failure(db, &account_key, now, window_ms).await?;
                    super::repo::record_failure(db, &ip_key, now, window_ms).await?;
                    if let Some(c) = other {
                        req.audit_as(
                            &c.org_id,
                            &c.user_id,
                            &c.name,
                            crate::audit::action::LOGIN_FAILED,
                            "",
                        )
                        .await?;
                    }
                    Err(AppError::invalid("password", t.login_failed))
                }
            }
        }
        .await,
    )
}

/// Ends the caller's session (if any) and clears the cookie.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::ctx::*;
    finish(
        async {
            let req = request().await?;
            if let Some(user) = session(&req).await? {
                super::repo::delete_session(&req.state.db, &user.session_id).await?;
                req.audit_as(
                    &user.org_id,
                    &user.user_id,
                    &user.name,
                    crate::audit::action::LOGOUT,
                    "",
                )
                .await?;
            }
            req.set_cookie(SESSION_COOKIE, "", Some(0), true);
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

/// The signed-in staff member, or `Unauthorized`.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<CurrentUser, AppError> {
    use super::ctx::*;
    finish(
        async {
            let me = staff_enrolling().await?;
            let u = me.user;
            Ok(CurrentUser {
                user_id: u.user_id,
                name: u.name,
                email: u.email,
                role: u.role,
                org_name: u.org_name,
                plan: u.plan,
                needs_two_factor: u.needs_two_factor,
            })
        }
        .await,
    )
}

/// Public. Remembers the UI language in a cookie.
#[server(prefix = "/api", endpoint = "set_language")]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    use super::ctx::*;
    finish(
        async {
            let req = request().await?;
            let lang = crate::i18n::Lang::parse(&lang)
                .ok_or_else(|| AppError::invalid("lang", "de | en"))?;
            req.set_cookie(
                crate::i18n::LANG_COOKIE,
                lang.code(),
                Some(365 * 24 * 3600),
                false,
            );
            Ok(())
        }
        .await,
    )
}

/// Creates a session (a fresh token: rotation on every login) and sets the cookie.
#[cfg(feature = "ssr")]
pub(crate) async fn start_session(
    req: &super::ctx::Req,
    user_id: &str,
    org_id: &str,
) -> Result<(), AppError> {
    use crate::server::tokens;
    // Rotation: a session cookie the browser already had is ended, never reused.
    if let Some(old) = req
        .cookie(super::ctx::SESSION_COOKIE)
        .filter(|t| tokens::looks_like_token(t))
    {
        if let Some(u) = super::repo::session_user(&req.state.db, &tokens::hash_token(&old)).await?
        {
            super::repo::delete_session(&req.state.db, &u.session_id).await?;
        }
    }
    let token = tokens::new_token();
    let now = crate::server::db::now_ms();
    let policy = req.session_policy();
    let session_id = super::repo::create_session(
        &req.state.db,
        &super::repo::NewSession {
            token_hash: &tokens::hash_token(&token),
            user_id,
            org_id,
            user_agent: &req.user_agent,
            ip: &req.ip,
            now,
            expires_at: now + policy.absolute_ms,
        },
    )
    .await?;
    // The firm's limit of sessions per person: the one used longest ago gives way.
    let max = crate::orgs::repo::max_sessions(&req.state.db, org_id).await?;
    super::repo::trim_sessions(&req.state.db, user_id, &session_id, max).await?;
    req.set_cookie(
        super::ctx::SESSION_COOKIE,
        &token,
        Some(policy.absolute_ms / 1000),
        true,
    );
    Ok(())
}

/// The signed-in member's sessions (every role: one's own devices).
#[server(prefix = "/api", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<super::MySessions, AppError> {
    use super::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            let sessions = super::repo::sessions_of(db, &me.user.user_id)
                .await?
                .into_iter()
                .map(|s| super::SessionView {
                    device: super::domain::describe_device(&s.user_agent),
                    current: s.id == me.user.session_id,
                    id: s.id,
                    ip: s.ip,
                    created_at: s.created_at,
                    last_seen_at: s.last_seen_at,
                })
                .collect();
            let max = crate::orgs::repo::max_sessions(db, me.org_id()).await?;
            Ok(super::MySessions { sessions, max })
        }
        .await,
    )
}

/// Ends one of the member's own sessions (another's id: not found). Takes effect on that
/// browser's next request.
#[server(prefix = "/api", endpoint = "end_my_session")]
pub async fn end_my_session(id: String) -> Result<(), AppError> {
    use super::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            if !super::repo::end_session_of(&me.req.state.db, &me.user.user_id, &id).await? {
                return Err(AppError::NotFound);
            }
            me.audit(None, crate::audit::action::SESSION_ENDED, "1")
                .await
        }
        .await,
    )
}

/// Ends every session of the member except this one.
#[server(prefix = "/api", endpoint = "end_my_other_sessions")]
pub async fn end_my_other_sessions() -> Result<u64, AppError> {
    use super::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let n = super::repo::end_other_sessions(
                &me.req.state.db,
                &me.user.user_id,
                &me.user.session_id,
            )
            .await?;
            me.audit(None, crate::audit::action::SESSION_ENDED, &n.to_string())
                .await?;
            Ok(n)
        }
        .await,
    )
}

//! Server functions of the client portal. Client-side functions authorize through `client()`
//! (a portal session bound to one client of one firm) and take no client or firm id: what a
//! client may see is decided by the session alone. Staff functions authorize with `staff()`.

#![allow(clippy::too_many_arguments)]

use super::domain::LinkState;
use super::{Choice, ClientAccess, MagicOutcome, PortalHome, PortalSettings, PortalState};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod server {
    use super::super::domain;
    use super::super::repo::{self, Candidate, Session};
    use super::super::PORTAL_COOKIE;
    use crate::auth::ctx::{cookie, request, Req, RequestMemo};
    use crate::error::AppError;
    use crate::server::{db::now_ms, tokens, AppState};

    /// A signed-in client: the request and the one client its session is bound to.
    pub struct Portal {
        pub req: Req,
        pub session: Session,
        pub org_id: String,
        pub client_id: String,
    }

    impl Portal {
        /// `Forbidden` unless the signed-in contact has this right (the client's own address
        /// has every right).
        pub fn require(&self, right: super::super::Right) -> Result<(), AppError> {
            match self.session.rights.has(right) {
                true => Ok(()),
                false => Err(AppError::Forbidden(self.req.t().contact_no_right.into())),
            }
        }

        pub fn actor(&self) -> crate::audit::repo::Actor {
            crate::audit::repo::Actor {
                user_id: None,
                name: self.session.client_name.clone(),
                ip: self.req.ip.clone(),
                user_agent: self.req.user_agent.clone(),
            }
        }
    }

    /// The portal session of a request's cookie, if valid (its client still has access, not
    /// idle too long, not past its lifetime).
    pub async fn session_of(
        st: &AppState,
        headers: &http::HeaderMap,
    ) -> Result<Option<Session>, AppError> {
        let Some(token) = cookie(headers, PORTAL_COOKIE).filter(|t| tokens::looks_like_token(t))
        else {
            return Ok(None);
        };
        let Some(s) = repo::session(&st.db, &tokens::hash_token(&token)).await? else {
            return Ok(None);
        };
        let now = now_ms();
        if now >= s.expires_at || now - s.last_seen_at >= domain::SESSION_IDLE_MS {
            repo::delete_session(&st.db, &s.id).await?;
            return Ok(None);
        }
        if now - s.last_seen_at > 60_000 {
            repo::touch_session(&st.db, &s.id, now).await?;
        }
        Ok(Some(s))
    }

    /// The request's portal session, looked up once per request (a page render calls several
    /// server functions in-process).
    pub async fn current(req: &Req) -> Result<Option<Session>, AppError> {
        RequestMemo::portal(|| session_of(&req.state, &req.parts.headers)).await
    }

    /// The portal frame of the signed-in client's firm (`org_id` of the request's session),
    /// read once per request.
    pub async fn frame(req: &Req, org_id: &str) -> Result<repo::PortalFrame, AppError> {
        RequestMemo::portal_frame(|| async { Ok(repo::frame(&req.state.db, org_id).await?) }).await
    }

    /// Authorize first: a portal session bound to a client.
    pub async fn client() -> Result<Portal, AppError> {
        let req = request().await?;
        let session = current(&req).await?.ok_or(AppError::Unauthorized)?;
        let (org_id, client_id) = session.client.clone().ok_or(AppError::Unauthorized)?;
        Ok(Portal {
            req,
            session,
            org_id,
            client_id,
        })
    }

    /// Clients an address may open with a magic link (on `site_org`'s own domain, or on the
    /// main one: see `repo::candidates`).
    pub async fn link_candidates(
        st: &AppState,
        email: &str,
        site_org: &str,
    ) -> Result<Vec<Candidate>, AppError> {
        Ok(repo::candidates(&st.db, email, site_org)
            .await?
            .into_iter()
            .filter(|c| c.methods.sends_links())
            .collect())
    }

    /// Starts a portal session (a fresh token; a portal cookie the browser had is ended).
    pub async fn start(
        req: &Req,
        email: &str,
        method: &str,
        client: Option<&Candidate>,
    ) -> Result<(), AppError> {
        end_current(req).await?;
        let token = open_session(
            &req.state.db,
            email,
            method,
            client,
            &req.user_agent,
            &req.ip,
        )
        .await?;
        req.set_cookie(
            PORTAL_COOKIE,
            &token,
            Some(domain::SESSION_ABSOLUTE_MS / 1000),
            true,
        );
        Ok(())
    }

    /// Stores a new portal session (bound to `client`, or a brief one to choose a client) and
    /// records the sign-in; returns the cookie token. Used by the server functions and by the
    /// secret-link route.
    pub async fn open_session(
        db: &crate::server::db::Db,
        email: &str,
        method: &str,
        client: Option<&Candidate>,
        user_agent: &str,
        ip: &str,
    ) -> Result<String, sqlx::Error> {
        let token = tokens::new_token();
        let now = now_ms();
        let lifetime = if client.is_some() {
            domain::SESSION_ABSOLUTE_MS
        } else {
            domain::CHOOSER_MS
        };
        repo::create_session(
            db,
            &repo::NewSession {
                token_hash: &tokens::hash_token(&token),
                email,
                method,
                client: client.map(|c| (c.org_id.as_str(), c.client_id.as_str())),
                now,
                expires_at: now + lifetime,
                user_agent,
                ip,
            },
        )
        .await?;
        if let Some(c) = client {
            audit_login(db, c, method, user_agent, ip).await?;
        }
        Ok(token)
    }

    pub async fn audit_login(
        db: &crate::server::db::Db,
        c: &Candidate,
        method: &str,
        user_agent: &str,
        ip: &str,
    ) -> Result<(), sqlx::Error> {
        let actor = crate::audit::repo::Actor {
            user_id: None,
            name: c.client_name.clone(),
            ip: ip.to_string(),
            user_agent: user_agent.to_string(),
        };
        crate::audit::repo::record(
            db,
            &c.org_id,
            &actor,
            Some(&c.client_id),
            crate::audit::action::PORTAL_LOGIN,
            method,
        )
        .await
    }

    /// Ends the session of the request's portal cookie, if any.
    pub async fn end_current(req: &Req) -> Result<(), AppError> {
        if let Some(old) = req
            .cookie(PORTAL_COOKIE)
            .filter(|t| tokens::looks_like_token(t))
        {
            if let Some(s) = repo::session(&req.state.db, &tokens::hash_token(&old)).await? {
                repo::delete_session(&req.state.db, &s.id).await?;
            }
        }
        Ok(())
    }
}

#[cfg(feature = "ssr")]
pub(crate) use server::{client, frame, open_session, session_of, Portal};

// ---- signing in ----

/// Public. Sends a magic link to `email` if it belongs to a client with portal access. The
/// answer is the same either way; the mail is made by a job, so even the timing says nothing.
#[server(prefix = "/api", endpoint = "request_portal_link")]
pub async fn request_portal_link(email: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            let t = req.t();
            let email = crate::validate::clean_email(&email, true)
                .map_err(|p| AppError::invalid("email", crate::validate::problem_message(t, p)))?
                .to_lowercase();
            let l = super::domain::LINK_LIMITS;
            req.limit(
                &format!("portal-link:addr:{email}"),
                l.per_address,
                l.window_ms,
            )
            .await?;
            req.limit(&format!("portal-link:ip:{}", req.ip), l.per_ip, l.window_ms)
                .await?;
            // The site matters: on a firm's own domain only that firm's clients are asked.
            let payload = format!("{}|{email}|{}", req.lang.code(), req.site_org());
            crate::server::jobs::enqueue(
                &req.state.db,
                super::MAGIC_MAIL,
                &payload,
                None,
                crate::server::db::now_ms(),
            )
            .await?;
            req.state.jobs_wake.notify_one();
            Ok(())
        }
        .await,
    )
}

/// The job behind `request_portal_link`: makes the link and sends it, if the address belongs
/// to a client with access (else nothing happens).
#[cfg(feature = "ssr")]
pub async fn send_magic_mail(st: &crate::server::AppState, payload: &str) -> Result<(), String> {
    use crate::i18n::{fill, Lang};
    let mut parts = payload.splitn(3, '|');
    let (Some(lang), Some(email)) = (parts.next(), parts.next()) else {
        return Err(format!("bad payload {payload:?}"));
    };
    let site_org = parts.next().unwrap_or("");
    let t = Lang::parse(lang).unwrap_or_default().t();
    let candidates = server::link_candidates(st, email, site_org)
        .await
        .map_err(|e| e.to_string())?;
    let Some(minutes) = candidates.iter().map(|c| c.link_minutes).min() else {
        return Ok(());
    };
    let mut firms: Vec<&str> = candidates.iter().map(|c| c.firm_name.as_str()).collect();
    firms.sort_unstable();
    firms.dedup();
    let firm = if firms.len() == 1 {
        firms[0]
    } else {
        t.app_name
    };
    // One firm: its look; several: the app's own.
    let mut orgs: Vec<&str> = candidates.iter().map(|c| c.org_id.as_str()).collect();
    orgs.sort_unstable();
    orgs.dedup();
    let brand = match orgs[..] {
        [org] => crate::branding::repo::brand(&st.db, org)
            .await
            .map_err(|e| e.to_string())?,
        _ => None,
    };
    let look = crate::server::mail::Look::of(brand.as_ref(), st.config.public_url());
    let token = crate::server::tokens::new_token();
    let now = crate::server::db::now_ms();
    super::repo::create_link(
        &st.db,
        email,
        &crate::server::tokens::hash_token(&token),
        now,
        now + minutes * 60_000,
    )
    .await
    .map_err(|e| e.to_string())?;
    // The link leads to the firm's own domain when it is one firm (or asked there).
    let base = match (site_org, &orgs[..]) {
        ("", [org]) => crate::domains::repo::base_url(st, org).await,
        ("", _) => Ok(st.config.public_url().to_string()),
        (org, _) => crate::domains::repo::base_url(st, org).await,
    }
    .map_err(|e| e.to_string())?;
    let url = format!("{base}/portal/m/{token}");
    let minutes = minutes.to_string();
    let args = [("firm", firm), ("url", url.as_str()), ("minutes", &minutes)];
    let text = fill(t.p_mail_text, &args);
    let html = crate::server::mail::button_html(
        &fill(t.p_mail_intro, &args),
        t.p_mail_button,
        &url,
        &fill(t.p_mail_footer, &args),
        &look,
    );
    st.mailer
        .send(crate::server::mail::Mail {
            to: email.to_string(),
            subject: fill(t.p_mail_subject, &args),
            text,
            html: Some(html),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())
}

/// Public. What a magic link is, without using it (the page asks before showing its button:
/// mail scanners that open links must not use them up).
#[server(prefix = "/api", endpoint = "magic_link_state")]
pub async fn magic_link_state(token: String) -> Result<LinkState, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            req.guard_tokens().await?;
            let now = crate::server::db::now_ms();
            let state = if crate::server::tokens::looks_like_token(&token) {
                super::repo::link_state(
                    &req.state.db,
                    &crate::server::tokens::hash_token(&token),
                    now,
                )
                .await?
            } else {
                LinkState::Unknown
            };
            if state == LinkState::Unknown {
                req.token_missed().await?;
            }
            Ok(state)
        }
        .await,
    )
}

/// Public. Uses a magic link (once) and signs in: straight into the portal when the address
/// belongs to one client, else to the choice of client.
#[server(prefix = "/api", endpoint = "open_magic_link")]
pub async fn open_magic_link(token: String) -> Result<MagicOutcome, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            req.guard_tokens().await?;
            if !crate::server::tokens::looks_like_token(&token) {
                req.token_missed().await?;
                return Ok(MagicOutcome::Expired);
            }
            let now = crate::server::db::now_ms();
            let used = super::repo::use_link(
                &req.state.db,
                &crate::server::tokens::hash_token(&token),
                now,
            )
            .await?;
            let email = match used {
                Ok(e) => e,
                Err(LinkState::Used) => return Ok(MagicOutcome::Used),
                Err(LinkState::Unknown) => {
                    req.token_missed().await?;
                    return Ok(MagicOutcome::Expired);
                }
                Err(_) => return Ok(MagicOutcome::Expired),
            };
            let candidates = server::link_candidates(&req.state, &email, req.site_org()).await?;
            let to = match candidates.as_slice() {
                [] => return Err(AppError::Forbidden(req.t().p_no_access.into())),
                [one] => {
                    server::start(&req, &email, "magic", Some(one)).await?;
                    "/portal"
                }
                _ => {
                    server::start(&req, &email, "magic", None).await?;
                    "/portal/choose"
                }
            };
            leptos_axum::redirect(to);
            Ok(MagicOutcome::SignedIn(to.to_string()))
        }
        .await,
    )
}

/// Public. E-mail and password (firms that offer passwords).
#[server(prefix = "/api", endpoint = "portal_password_login")]
pub async fn portal_password_login(email: String, password: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            let t = req.t();
            let email = credentials(t, &email, &password)?;
            let sec = &req.state.config.security;
            let window = sec.login_window_minutes * 60_000;
            req.limit(
                &format!("portal-pw:addr:{email}"),
                sec.login_max_failures_per_account,
                window,
            )
            .await?;
            req.limit(
                &format!("portal-pw:ip:{}", req.ip),
                sec.login_max_failures_per_ip,
                window,
            )
            .await?;
            let candidates: Vec<_> = super::repo::candidates(&req.state.db, &email, req.site_org())
                .await?
                .into_iter()
                .filter(|c| c.methods.password && c.password_hash.is_some())
                .collect();
            // Always one verification, so an unknown address takes as long as a known one.
            let mut found = None;
            if candidates.is_empty() {
                crate::server::passwords::verify_password(password.clone(), None).await;
            }
            for c in candidates {
                if password.len() <= 1024
                    && crate::server::passwords::verify_password(
                        password.clone(),
                        c.password_hash.clone(),
                    )
                    .await
                {
                    found = Some(c);
                    break;
                }
            }
            let Some(c) = found else {
                return Err(AppError::invalid("password", t.login_failed));
            };
            crate::auth::repo::clear_throttle(&req.state.db, &format!("portal-pw:addr:{email}"))
                .await?;
            server::start(&req, &email, "password", Some(&c)).await?;
            leptos_axum::redirect("/portal");
            Ok(())
        }
        .await,
    )
}

/// Public. Where the caller stands: signed out, choosing a client, or in.
#[server(prefix = "/api", endpoint = "portal_state")]
pub async fn load_portal_state() -> Result<PortalState, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            let Some(s) = server::current(&req).await? else {
                return Ok(PortalState::SignedOut);
            };
            let Some((org_id, _)) = &s.client else {
                return Ok(if s.method == "magic" {
                    PortalState::Choose
                } else {
                    PortalState::SignedOut
                });
            };
            let frame = server::frame(&req, org_id).await?;
            let can_switch = s.method == "magic"
                && server::link_candidates(&req.state, &s.email, req.site_org())
                    .await?
                    .len()
                    > 1;
            Ok(PortalState::In(super::PortalMe {
                brand: frame.brand,
                client_name: s.client_name.clone(),
                firm_name: s.firm_name.clone(),
                email: s.email.clone(),
                can_switch,
                password_method: frame.settings.methods.password,
                has_password: s.has_password,
                rights: s.rights.clone(),
                hours: s.rights.has(super::Right::Invoices) && frame.hours_in_portal,
            }))
        }
        .await,
    )
}

/// The clients the signed-in address may open (magic-link sessions only).
#[server(prefix = "/api", endpoint = "portal_choices")]
pub async fn portal_choices() -> Result<Vec<Choice>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            let s = server::session_of(&req.state, &req.parts.headers)
                .await?
                .filter(|s| s.method == "magic")
                .ok_or(AppError::Unauthorized)?;
            Ok(
                server::link_candidates(&req.state, &s.email, req.site_org())
                    .await?
                    .into_iter()
                    .map(|c| Choice {
                        client_id: c.client_id,
                        client_name: c.client_name,
                        firm_name: c.firm_name,
                    })
                    .collect(),
            )
        }
        .await,
    )
}

/// Binds the session to one of the address's clients; any other id is "not found".
#[server(prefix = "/api", endpoint = "choose_portal_client")]
pub async fn choose_portal_client(client_id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            let s = server::session_of(&req.state, &req.parts.headers)
                .await?
                .filter(|s| s.method == "magic")
                .ok_or(AppError::Unauthorized)?;
            let c = server::link_candidates(&req.state, &s.email, req.site_org())
                .await?
                .into_iter()
                .find(|c| c.client_id == client_id)
                .ok_or(AppError::NotFound)?;
            let token = crate::server::tokens::new_token();
            let now = crate::server::db::now_ms();
            super::repo::choose(
                &req.state.db,
                &s.id,
                &c.org_id,
                &c.client_id,
                &crate::server::tokens::hash_token(&token),
                s.created_at.max(now - 1) + super::domain::SESSION_ABSOLUTE_MS,
            )
            .await?;
            req.set_cookie(
                super::PORTAL_COOKIE,
                &token,
                Some(super::domain::SESSION_ABSOLUTE_MS / 1000),
                true,
            );
            server::audit_login(&req.state.db, &c, "magic", &req.user_agent, &req.ip).await?;
            leptos_axum::redirect("/portal");
            Ok(())
        }
        .await,
    )
}

/// Ends the portal session.
#[server(prefix = "/api", endpoint = "portal_logout")]
pub async fn portal_logout() -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            server::end_current(&req).await?;
            req.set_cookie(super::PORTAL_COOKIE, "", Some(0), true);
            leptos_axum::redirect("/portal/login");
            Ok(())
        }
        .await,
    )
}

/// The client sets (or changes) their portal password, when the firm offers passwords.
#[server(prefix = "/api", endpoint = "set_portal_password")]
pub async fn set_portal_password(password: String, confirm: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let p = client().await?;
            let t = p.req.t();
            let settings = super::repo::settings(&p.req.state.db, &p.org_id).await?;
            if !settings.methods.password {
                return Err(AppError::Conflict(t.p_password_off.into()));
            }
            match crate::auth::domain::check_new_password(&password) {
                Err(crate::auth::domain::PasswordProblem::TooShort) => {
                    return Err(AppError::invalid("password", t.pw_too_short))
                }
                Err(crate::auth::domain::PasswordProblem::TooLong) => {
                    return Err(AppError::invalid("password", t.pw_too_long))
                }
                Ok(()) => {}
            }
            if password != confirm {
                return Err(AppError::invalid("confirm", t.pw_mismatch));
            }
            let hash = crate::server::passwords::hash_password(password)
                .await
                .map_err(|_| AppError::Internal)?;
            super::repo::set_password(
                &p.req.state.db,
                &p.org_id,
                &p.client_id,
                p.session.contact_id.as_deref(),
                &hash,
            )
            .await?;
            crate::audit::repo::record(
                &p.req.state.db,
                &p.org_id,
                &p.actor(),
                Some(&p.client_id),
                crate::audit::action::PORTAL_PASSWORD_SET,
                "",
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

// ---- the client's space ----

/// Everything of the client's home: open requests, closed cases, files both ways.
#[server(prefix = "/api", endpoint = "portal_home")]
pub async fn load_portal_home() -> Result<PortalHome, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let p = client().await?;
            let db = &p.req.state.db;
            let now = crate::server::db::now_ms();
            let mut open = Vec::new();
            let mut done = Vec::new();
            for l in
                crate::cases::repo::load_all_of_client(db, &p.org_id, &p.client_id, now).await?
            {
                let case = super::PortalCase {
                    id: l.summary.id,
                    title: l.summary.title,
                    description: l.description,
                    state: l.summary.state,
                    due_at: l.summary.due_at,
                    overdue: l.summary.overdue,
                    progress: l.summary.progress,
                    items: l
                        .items
                        .into_iter()
                        .map(crate::cases::repo::public_item)
                        .collect(),
                };
                if case.state == crate::cases::CaseState::Open {
                    open.push(case);
                } else {
                    done.push(case);
                }
            }
            let allowed_types = server::frame(&p.req, &p.org_id).await?.allowed_types;
            Ok(PortalHome {
                open,
                done,
                allowed_types,
            })
        }
        .await,
    )
}

/// The client's files: what the firm sent (never a quarantined one), what the client sent,
/// the newest `HOME_FILES` of each unless `all` are asked for.
#[server(prefix = "/api", endpoint = "portal_files")]
pub async fn load_portal_files(
    #[server(default)] all: bool,
) -> Result<super::PortalFiles, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let p = client().await?;
            p.require(super::Right::Files)?;
            let (sent, received): (Vec<crate::uploads::FileView>, Vec<_>) =
                crate::uploads::repo::files_of_client(&p.req.state.db, &p.org_id, &p.client_id, "")
                    .await?
                    .into_iter()
                    .partition(|f| f.sent);
            let sent: Vec<_> = sent.into_iter().filter(|f| !f.quarantined).collect();
            let keep = if all { usize::MAX } else { super::HOME_FILES };
            Ok(super::PortalFiles {
                sent_total: sent.len(),
                received_total: received.len(),
                sent: sent.into_iter().take(keep).collect(),
                received: received.into_iter().take(keep).collect(),
            })
        }
        .await,
    )
}

// ---- staff: settings and a client's access ----

#[server(prefix = "/api", endpoint = "portal_settings")]
pub async fn load_portal_settings() -> Result<PortalSettings, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            Ok(super::repo::settings(&me.req.state.db, me.org_id()).await?)
        }
        .await,
    )
}

/// Checkboxes arrive as "on" or not at all.
#[server(prefix = "/api", endpoint = "save_portal_settings")]
pub async fn save_portal_settings(
    magic: Option<String>,
    secret: Option<String>,
    password: Option<String>,
    grant: String,
    link_minutes: String,
    mail_footer: Option<String>,
    message_text: Option<String>,
) -> Result<(), AppError> {
    use super::domain::*;
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let t = me.req.t();
            let methods = Methods {
                magic: magic.is_some(),
                secret: secret.is_some(),
                password: password.is_some(),
            };
            if !methods.any() {
                return Err(AppError::invalid("magic", t.p_methods_none));
            }
            let grant =
                Grant::parse(&grant).ok_or_else(|| AppError::invalid("grant", t.f_required))?;
            let link_minutes =
                crate::validate::number_in(&link_minutes, LINK_MINUTES_MIN..=LINK_MINUTES_MAX)
                    .ok_or_else(|| {
                        AppError::invalid(
                            "link_minutes",
                            crate::i18n::fill(
                                t.p_minutes_range,
                                &[
                                    ("min", &LINK_MINUTES_MIN.to_string()),
                                    ("max", &LINK_MINUTES_MAX.to_string()),
                                ],
                            ),
                        )
                    })?;
            let mail_footer = mail_footer.unwrap_or_default().replace("\r\n", "\n");
            let mail_footer = mail_footer.trim().to_string();
            if mail_footer.chars().count() > crate::notify::template::MAX_CHARS {
                return Err(AppError::invalid(
                    "mail_footer",
                    crate::i18n::fill(
                        t.p_mail_footer_long,
                        &[("max", &crate::notify::template::MAX_CHARS.to_string())],
                    ),
                ));
            }
            let unknown = crate::notify::template::unknown(&mail_footer);
            if !unknown.is_empty() {
                return Err(AppError::invalid(
                    "mail_footer",
                    crate::i18n::fill(
                        t.p_mail_footer_unknown,
                        &[
                            ("names", &unknown.join(", ")),
                            (
                                "known",
                                &crate::notify::template::PLACEHOLDERS
                                    .map(|p| format!("{{{{ {p} }}}}"))
                                    .join(", "),
                            ),
                        ],
                    ),
                ));
            }
            let s = PortalSettings {
                methods,
                grant,
                link_minutes,
                mail_footer,
                message_text: message_text.is_some(),
            };
            super::repo::save_settings(&me.req.state.db, me.org_id(), &s).await?;
            me.audit(
                None,
                crate::audit::action::PORTAL_SETTINGS_CHANGED,
                &format!("{} / {} / {link_minutes}", methods.to_db(), grant.as_str()),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client_portal")]
pub async fn load_client_portal(client_id: String) -> Result<ClientAccess, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            me.require_client(&client_id).await?;
            super::repo::client_access(
                &me.req.state.db,
                me.org_id(),
                &client_id,
                crate::server::db::now_ms(),
            )
            .await?
            .ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// Grants or revokes a client's portal access; revoking ends their sessions at once.
#[server(prefix = "/api", endpoint = "set_client_portal")]
pub async fn set_client_portal(client_id: String, on: bool) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            me.require_client(&client_id).await?;
            let db = &me.req.state.db;
            if !super::repo::set_access(db, me.org_id(), &client_id, on).await? {
                return Err(AppError::NotFound);
            }
            let action = if on {
                crate::audit::action::PORTAL_ACCESS_GRANTED
            } else {
                crate::audit::action::PORTAL_ACCESS_REVOKED
            };
            me.audit(Some(&client_id), action, "").await?;
            Ok(())
        }
        .await,
    )
}

/// Ends every portal session of a client (their open pages stop working on the next request).
#[server(prefix = "/api", endpoint = "end_client_sessions")]
pub async fn end_client_sessions(client_id: String) -> Result<u64, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let db = &me.req.state.db;
            me.require_client(&client_id).await?;
            let n = super::repo::end_sessions(db, me.org_id(), &client_id).await?;
            me.audit(
                Some(&client_id),
                crate::audit::action::PORTAL_SESSIONS_ENDED,
                &n.to_string(),
            )
            .await?;
            Ok(n)
        }
        .await,
    )
}

/// Makes a new permanent secret link for a client (the old one stops working) and returns it
/// — the only time it is shown: only its hash is stored.
#[server(prefix = "/api", endpoint = "new_secret_link")]
pub async fn new_secret_link(client_id: String) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let db = &me.req.state.db;
            let t = me.req.t();
            me.require_client(&client_id).await?;
            if !super::repo::settings(db, me.org_id()).await?.methods.secret {
                return Err(AppError::Conflict(t.p_secret_off.into()));
            }
            let token = crate::server::tokens::new_token();
            let hash = crate::server::tokens::hash_token(&token);
            if !super::repo::set_secret(db, me.org_id(), &client_id, Some(&hash)).await? {
                return Err(AppError::NotFound);
            }
            me.audit(
                Some(&client_id),
                crate::audit::action::PORTAL_SECRET_CREATED,
                "",
            )
            .await?;
            let base = crate::domains::repo::base_url(&me.req.state, me.org_id()).await?;
            Ok(format!("{base}/portal/s/{token}"))
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "remove_secret_link")]
pub async fn remove_secret_link(client_id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            me.require_client(&client_id).await?;
            let db = &me.req.state.db;
            if !super::repo::set_secret(db, me.org_id(), &client_id, None).await? {
                return Err(AppError::NotFound);
            }
            me.audit(
                Some(&client_id),
                crate::audit::action::PORTAL_SECRET_REMOVED,
                "",
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// The client's further contacts (staff).
#[server(prefix = "/api", endpoint = "load_client_contacts")]
pub async fn load_client_contacts(client_id: String) -> Result<Vec<super::Contact>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            me.require_client(&client_id).await?;
            Ok(super::repo::contacts(&me.req.state.db, me.org_id(), &client_id).await?)
        }
        .await,
    )
}

/// Adds a contact (no `contact_id`) with name, address and rights, or changes a contact's name
/// and rights. A right taken away counts from the contact's next request.
#[server(prefix = "/api", endpoint = "save_contact")]
pub async fn save_contact(
    client_id: String,
    contact_id: Option<String>,
    name: String,
    email: Option<String>,
    rights: Option<Vec<String>>,
) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            me.require_client(&client_id).await?;
            let t = me.t();
            let problem =
                |field: &str, p| AppError::invalid(field, crate::validate::problem_message(t, p));
            let name = crate::validate::clean_text(&name, 200, true, false)
                .map_err(|p| problem("name", p))?;
            let contact_id = contact_id.filter(|c| !c.is_empty());
            let email = match contact_id {
                Some(_) => String::new(),
                None => crate::validate::clean_email(email.as_deref().unwrap_or(""), true)
                    .map_err(|p| problem("email", p))?
                    .to_lowercase(),
            };
            let rights = super::Rights(
                super::Right::ALL
                    .into_iter()
                    .filter(|r| {
                        rights
                            .iter()
                            .flatten()
                            .any(|w| super::Right::parse(w) == Some(*r))
                    })
                    .collect(),
            );
            let input = super::repo::ContactInput {
                id: contact_id.as_deref(),
                name: &name,
                email: &email,
                rights: &rights,
            };
            let saved = super::repo::save_contact(
                &me.req.state.db,
                me.org_id(),
                &client_id,
                &input,
                crate::server::db::now_ms(),
            )
            .await?;
            let id = match saved {
                super::repo::ContactSaved::Saved(id) => id,
                super::repo::ContactSaved::Taken => {
                    return Err(AppError::invalid("email", t.contact_taken))
                }
                super::repo::ContactSaved::NotFound => return Err(AppError::NotFound),
            };
            me.audit(
                Some(&client_id),
                crate::audit::action::CLIENT_CONTACT_SAVED,
                &format!("{name}: {}", rights.to_db()),
            )
            .await?;
            Ok(id)
        }
        .await,
    )
}

/// Removes a contact: their portal sessions stop at their next request.
#[server(prefix = "/api", endpoint = "remove_contact")]
pub async fn remove_contact(contact_id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let db = &me.req.state.db;
            let client_id = super::repo::client_of_contact(db, me.org_id(), &contact_id)
                .await?
                .ok_or(AppError::NotFound)?;
            me.require_client(&client_id).await?;
            let (client_id, name) = super::repo::remove_contact(db, me.org_id(), &contact_id)
                .await?
                .ok_or(AppError::NotFound)?;
            me.audit(
                Some(&client_id),
                crate::audit::action::CLIENT_CONTACT_REMOVED,
                &name,
            )
            .await
        }
        .await,
    )
}

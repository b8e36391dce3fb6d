//! Server functions of the upload zone: upload links (create, list, revoke), the public view
//! of a link, and a client's files. Staff functions authorize first; the public one answers
//! only for a valid-looking token and never says whether an unknown token ever existed.
// A server function's arguments are the fields of its form; the link form has eight.
#![allow(clippy::too_many_arguments)]

use super::{CreatedLink, FileView, LinkView, PublicLink};
use crate::error::AppError;
use leptos::prelude::*;

pub const TITLE_MAX: usize = 200;
pub const MESSAGE_MAX: usize = 2000;

/// Creates an upload link for a client; optionally emails it to the client's address (the
/// only moment a client is notified). The URL is returned once and never stored in clear.
#[server(prefix = "/api", endpoint = "create_upload_link")]
pub async fn create_upload_link(
    client_id: String,
    title: Option<String>,
    message: Option<String>,
    expires_on: Option<String>,
    max_files: Option<String>,
    password: Option<String>,
    send_email: Option<String>,
    case_id: Option<String>,
) -> Result<CreatedLink, AppError> {
    use crate::auth::ctx::*;
    use crate::validate::{clean_text, problem_message};
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let title = clean_text(title.as_deref().unwrap_or(""), TITLE_MAX, false, false)
                .map_err(|p| AppError::invalid("title", problem_message(t, p)))?;
            let message = clean_text(message.as_deref().unwrap_or(""), MESSAGE_MAX, false, true)
                .map_err(|p| AppError::invalid("message", problem_message(t, p)))?;
            let now = crate::server::db::now_ms();
            let expires_at = crate::validate::future_date(expires_on.as_deref(), now, None)
                .map_err(|p| {
                    let message = match p {
                        crate::validate::DateProblem::Invalid => t.link_date_invalid,
                        crate::validate::DateProblem::Past => t.link_date_past,
                    };
                    AppError::invalid("expires_on", message)
                })?;
            let max_files = match max_files
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                None => None,
                Some(m) => Some(
                    m.parse::<i64>()
                        .ok()
                        .filter(|n| (1..=10_000).contains(n))
                        .ok_or_else(|| AppError::invalid("max_files", t.link_max_files_invalid))?,
                ),
            };
            let password_hash = match password.as_deref().filter(|p| !p.is_empty()) {
                None => None,
                Some(p) => {
                    if p.chars().count() < 6 || p.chars().count() > 256 {
                        return Err(AppError::invalid("password", t.link_password_rule));
                    }
                    Some(
                        crate::server::passwords::hash_password(p.to_string())
                            .await
                            .map_err(|_| AppError::Internal)?,
                    )
                }
            };
            let db = &me.req.state.db;
            me.require_client(&client_id).await?;
            let (client, ..) = crate::clients::repo::get(db, me.org_id(), &client_id, me.viewer())
                .await?
                .ok_or(AppError::NotFound)?;
            if send_email.is_some() && client.email.is_empty() {
                return Err(AppError::invalid("send_email", t.link_no_email));
            }
            let case_id = case_id.filter(|c| !c.is_empty());
            if let Some(c) = &case_id {
                match crate::cases::repo::case_row(db, me.org_id(), c).await? {
                    Some(case)
                        if case.client_id == client_id && me.require_case(c).await.is_ok() =>
                    {
                        if case.state != crate::cases::CaseState::Open {
                            return Err(AppError::invalid("case_id", t.case_not_open));
                        }
                    }
                    _ => return Err(AppError::invalid("case_id", t.case_unknown)),
                }
            }
            let token = crate::server::tokens::new_token();
            let id = super::repo::create_link(
                db,
                &super::repo::NewLink {
                    org_id: me.org_id(),
                    client_id: &client_id,
                    token_hash: &crate::server::tokens::hash_token(&token),
                    title: &title,
                    message: &message,
                    expires_at,
                    max_files,
                    password_hash: password_hash.as_deref(),
                    created_by: Some(&me.user.user_id),
                    now,
                    case_id: case_id.as_deref(),
                },
            )
            .await?
            .ok_or(AppError::NotFound)?;
            let base = crate::domains::repo::base_url(&me.req.state, me.org_id()).await?;
            let url = format!("{base}/u/{token}");
            me.audit(Some(&client_id), crate::audit::action::LINK_CREATED, &title)
                .await?;
            let mut emailed_to = None;
            let mut mail_failed = false;
            if send_email.is_some() {
                use crate::i18n::fill;
                let org = &me.user.org_name;
                let subject = fill(t.mail_link_subject, &[("org", org)]);
                let mut text = fill(t.mail_link_body, &[("org", org), ("link", &url)]);
                if !message.is_empty() {
                    text = format!("{message}\n\n{text}");
                }
                let own =
                    crate::notify::prefs::client_footer(&me.req.state, me.org_id(), &client_id)
                        .await?;
                text = format!("{text}\n{own}");
                // The HTML part: the firm's logo and colour around one big button.
                let look = crate::server::mail::Look::of_firm(&me.req.state, me.org_id()).await?;
                let mut intro = fill(t.mail_link_intro, &[("org", org)]);
                if !message.is_empty() {
                    intro = format!("{message}\n\n{intro}");
                }
                let html =
                    crate::server::mail::button_html(&intro, t.mail_link_button, &url, &own, &look);
                let mail = crate::server::mail::Mail {
                    to: client.email.clone(),
                    subject,
                    text,
                    html: Some(html),
                    ..Default::default()
                };
                match me.req.state.mailer.send(mail).await {
                    Ok(()) => {
                        me.audit(Some(&client_id), crate::audit::action::LINK_SENT, "")
                            .await?;
                        emailed_to = Some(client.email);
                    }
                    Err(e) => {
                        // The link exists and is shown; staff pass it on themselves.
                        tracing::warn!(error = %e, "upload link mail failed");
                        mail_failed = true;
                    }
                }
            }
            Ok(CreatedLink {
                id,
                url,
                emailed_to,
                mail_failed,
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "list_upload_links")]
pub async fn list_upload_links(client_id: String) -> Result<Vec<LinkView>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            me.require_client(&client_id).await?;
            let now = crate::server::db::now_ms();
            Ok(
                super::repo::links_of_client(db, me.org_id(), &client_id, me.viewer())
                    .await?
                    .into_iter()
                    .map(|l| LinkView {
                        state: super::domain::link_state(
                            l.revoked_at,
                            l.expires_at,
                            l.max_files,
                            l.files_received,
                            now,
                        ),
                        id: l.id,
                        title: l.title,
                        expires_at: l.expires_at,
                        max_files: l.max_files,
                        files_received: l.files_received,
                        has_password: l.password_hash.is_some(),
                        created_at: l.created_at,
                    })
                    .collect(),
            )
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "revoke_upload_link")]
pub async fn revoke_upload_link(link_id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let db = &me.req.state.db;
            let link = super::repo::link(db, me.org_id(), &link_id)
                .await?
                .ok_or(AppError::NotFound)?;
            me.require_client(&link.client_id).await?;
            if let Some(case) = &link.case_id {
                me.require_case(case).await?;
            }
            super::repo::revoke_link(db, me.org_id(), &link_id, crate::server::db::now_ms())
                .await?;
            me.audit(
                Some(&link.client_id),
                crate::audit::action::LINK_REVOKED,
                &link.title,
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "list_client_files")]
pub async fn list_client_files(client_id: String) -> Result<Vec<FileView>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            me.require_client(&client_id).await?;
            Ok(super::repo::files_of_client(db, me.org_id(), &client_id, me.viewer()).await?)
        }
        .await,
    )
}

/// Public. What the upload page shows. Unknown tokens answer `NotFound` — the same for a
/// token that never existed and a malformed one.
#[server(prefix = "/api", endpoint = "public_upload_link")]
pub async fn public_upload_link(
    token: String,
    password: Option<String>,
) -> Result<PublicLink, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            req.guard_tokens().await?;
            let link = if crate::server::tokens::looks_like_token(&token) {
                super::repo::link_by_token(
                    &req.state.db,
                    &crate::server::tokens::hash_token(&token),
                )
                .await?
            } else {
                None
            };
            let Some(link) = link else {
                req.token_missed().await?;
                return Err(AppError::NotFound);
            };
            // On a firm's own domain, only that firm's links exist.
            if !req.site_org().is_empty() && req.site_org() != link.org_id {
                return Err(AppError::NotFound);
            }
            let now = crate::server::db::now_ms();
            let allowed_types =
                crate::orgs::repo::allowed_types(&req.state.db, &link.org_id).await?;
            let state = super::domain::link_state(
                link.revoked_at,
                link.expires_at,
                link.max_files,
                link.files_received,
                now,
            );
            // The checklist names what the client owes: only for a usable link, and behind
            // its password when it has one.
            let unlocked = match (&link.password_hash, password.as_deref()) {
                (None, _) => true,
                (Some(hash), Some(given)) if !given.is_empty() => {
                    let ok = crate::server::passwords::verify_password(
                        given.to_string(),
                        Some(hash.clone()),
                    )
                    .await;
                    if !ok {
                        req.token_missed().await?;
                    }
                    ok
                }
                _ => false,
            };
            let case = match (&link.case_id, state, unlocked) {
                (Some(case_id), super::LinkState::Active, true) => {
                    crate::cases::repo::public_case(&req.state.db, &link.org_id, case_id, now)
                        .await?
                }
                _ => None,
            };
            let brand = crate::branding::repo::brand(&req.state.db, &link.org_id)
                .await?
                .unwrap_or_default();
            Ok(PublicLink {
                brand,
                case_locked: link.case_id.is_some() && !unlocked,
                case,
                state,
                firm_name: link.org_name,
                title: link.title,
                message: link.message,
                needs_password: link.password_hash.is_some(),
                max_file_bytes: req.state.config.uploads.max_file_mb * 1024 * 1024,
                allowed_types,
            })
        }
        .await,
    )
}

/// Staff review of a received file: "neu", "geprüft", or "Rückfrage" with a comment for the
/// client (required then).
#[server(prefix = "/api", endpoint = "review_file")]
pub async fn review_file(
    file_id: String,
    state: String,
    comment: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    use crate::validate::{clean_text, problem_message};
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let state = super::ReviewState::parse(&state)
                .ok_or_else(|| AppError::invalid("state", t.f_required))?;
            let comment = clean_text(
                comment.as_deref().unwrap_or(""),
                MESSAGE_MAX,
                state == super::ReviewState::Rueckfrage,
                true,
            )
            .map_err(|p| AppError::invalid("comment", problem_message(t, p)))?;
            let comment = if state == super::ReviewState::Rueckfrage {
                comment
            } else {
                String::new()
            };
            me.require_file(&file_id).await?;
            let (client_id, name) =
                super::repo::set_review(&me.req.state.db, me.org_id(), &file_id, state, &comment)
                    .await?
                    .ok_or(AppError::NotFound)?;
            me.audit(
                Some(&client_id),
                crate::audit::action::FILE_REVIEWED,
                &format!("{name}: {}", state.as_str()),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

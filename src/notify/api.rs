//! Server functions of the bell. Every member sees only their own notifications.

use super::{NotificationView, Prefs};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "notification_count")]
pub async fn notification_count() -> Result<i64, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            Ok(super::repo::unread_count(db, me.org_id(), &me.user.user_id, me.viewer()).await?)
        }
        .await,
    )
}

/// The latest 50 notifications of the signed-in member, newest first.
#[server(prefix = "/api", endpoint = "list_notifications")]
pub async fn list_notifications() -> Result<Vec<NotificationView>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            Ok(super::repo::recent(db, me.org_id(), &me.user.user_id, me.viewer(), 50).await?)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read() -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            super::repo::mark_all_read(
                &me.req.state.db,
                me.org_id(),
                &me.user.user_id,
                crate::server::db::now_ms(),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// Whose choices a request may see and change: the owner of a one-click token, or (without
/// one) the client signed in to the portal.
#[cfg(feature = "ssr")]
async fn prefs_owner(
    token: Option<String>,
) -> Result<(crate::auth::ctx::Req, String, String), AppError> {
    match token.filter(|t| !t.is_empty()) {
        Some(tok) => {
            let req = crate::auth::ctx::request().await?;
            let (owner, _org) = super::prefs::owner_of(&req.state.db, &tok)
                .await?
                .ok_or_else(|| AppError::Forbidden(req.t().np_invalid.into()))?;
            let name: Option<String> = if let Some(u) = owner.strip_prefix("user:") {
                sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
                    .bind(u)
                    .fetch_optional(&req.state.db)
                    .await?
            } else if let Some(c) = owner.strip_prefix("client:") {
                sqlx::query_scalar("SELECT name FROM clients WHERE id = $1")
                    .bind(c)
                    .fetch_optional(&req.state.db)
                    .await?
            } else {
                None
            };
            let name = name.ok_or_else(|| AppError::Forbidden(req.t().np_invalid.into()))?;
            Ok((req, owner, name))
        }
        None => {
            let p = crate::portal::api::client().await?;
            let name = p.session.client_name.clone();
            let owner = super::prefs::client(&p.client_id);
            Ok((p.req, owner, name))
        }
    }
}

/// A person's notification choices: by one-click token, or the portal's client.
#[server(prefix = "/api", endpoint = "notify_prefs")]
pub async fn load_notify_prefs(token: Option<String>) -> Result<Prefs, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let (req, owner, name) = prefs_owner(token).await?;
            let events = super::prefs::events_of(&owner);
            Ok(Prefs {
                name,
                choices: super::prefs::choices(&req.state.db, &owner, events).await?,
            })
        }
        .await,
    )
}

/// Saves the choices of the events given (each `instant`, `digest` or `off`).
#[server(prefix = "/api", endpoint = "save_notify_prefs")]
pub async fn save_notify_prefs(
    token: Option<String>,
    upload: Option<String>,
    message: Option<String>,
    request: Option<String>,
    question: Option<String>,
    reminder: Option<String>,
    case_closed: Option<String>,
) -> Result<(), AppError> {
    use super::{Event, MailPref};
    use crate::auth::ctx::finish;
    finish(
        async {
            let (req, owner, _) = prefs_owner(token).await?;
            let allowed = super::prefs::events_of(&owner);
            let given = [
                (Event::Upload, upload),
                (Event::Message, message),
                (Event::Request, request),
                (Event::Question, question),
                (Event::Reminder, reminder),
                (Event::CaseClosed, case_closed),
            ];
            let mut set = Vec::new();
            for (e, v) in given {
                let Some(v) = v else { continue };
                let mode = MailPref::parse(&v)
                    .ok_or_else(|| AppError::invalid(e.as_str(), req.t().err_internal))?;
                if allowed.contains(&e) {
                    set.push((e, mode));
                }
            }
            for (e, m) in set {
                super::prefs::set_mode(&req.state.db, &owner, e, m).await?;
            }
            Ok(())
        }
        .await,
    )
}

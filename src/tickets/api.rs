//! Server functions of tickets. Staff who see a client read its tickets (ViewClients), those
//! who may edit answer, note, assign and change the state (EditClients). In the portal, the
//! right "chat" opens the Support tab: open tickets, read and answer one's own.

use super::{TicketDetail, TicketSummary};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod server {
    use super::super::repo;
    use crate::auth::ctx::Staff;
    use crate::error::AppError;

    pub fn internal(e: String) -> AppError {
        tracing::error!(error = %e, "tickets");
        AppError::Internal
    }

    /// The ticket if the staff member sees its client, else `NotFound`.
    pub async fn ticket(me: &Staff, id: &str) -> Result<super::TicketSummary, AppError> {
        repo::get_for_staff(
            &me.req.state.db,
            me.org_id(),
            id,
            me.viewer(),
            &me.user.user_id,
        )
        .await?
        .ok_or(AppError::NotFound)
    }

    /// A message text: required, at most `TEXT_MAX` characters, several lines.
    pub fn text(t: &crate::i18n::T, value: Option<&str>) -> Result<String, AppError> {
        crate::validate::text_field(t, "text", value, super::super::TEXT_MAX, true, true)
    }
}

/// The firm's tickets the caller sees: `state` (open, in_progress, solved), `client_id`,
/// `assignee` ("me", "none" or a member's id), `unread` ("1": only those with news).
#[server(prefix = "/api", endpoint = "list_tickets")]
pub async fn list_tickets(
    state: Option<String>,
    client_id: Option<String>,
    assignee: Option<String>,
    unread: Option<String>,
) -> Result<Vec<TicketSummary>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let state = state.unwrap_or_default();
            if !state.is_empty() && super::TicketState::parse(&state).is_none() {
                return Err(AppError::invalid("state", me.t().f_required));
            }
            let assignee = match assignee.as_deref().unwrap_or("") {
                "me" => me.user.user_id.clone(),
                "none" => "-".to_string(),
                other => other.to_string(),
            };
            let filter = super::repo::Filter {
                state: &state,
                client_id: client_id.as_deref().unwrap_or(""),
                assignee: &assignee,
                unread_only: unread.as_deref() == Some("1"),
            };
            Ok(super::repo::list(
                &me.req.state.db,
                me.org_id(),
                me.viewer(),
                &me.user.user_id,
                &filter,
            )
            .await?)
        }
        .await,
    )
}

/// How many tickets have news from clients for the caller (the tab's badge).
#[server(prefix = "/api", endpoint = "ticket_unread_count")]
pub async fn ticket_unread_count() -> Result<i64, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            Ok(super::repo::unread_count(
                &me.req.state.db,
                me.org_id(),
                me.viewer(),
                &me.user.user_id,
            )
            .await?)
        }
        .await,
    )
}

/// A ticket with its whole thread (internal notes included); marks it read for the caller.
#[server(prefix = "/api", endpoint = "get_ticket")]
pub async fn get_ticket(id: String) -> Result<TicketDetail, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let ticket = server::ticket(&me, &id).await?;
            let st = &me.req.state;
            let posts = super::repo::posts(
                &st.db,
                &st.master_key,
                me.org_id(),
                &ticket.client_id,
                &id,
                true,
            )
            .await
            .map_err(server::internal)?;
            let members = super::repo::assignable(&st.db, me.org_id(), &ticket.client_id).await?;
            let now = crate::server::db::now_ms();
            super::repo::mark_read(&st.db, &id, &me.user.user_id, now).await?;
            Ok(TicketDetail {
                ticket,
                posts,
                members,
            })
        }
        .await,
    )
}

/// Staff answer (mailed to the client with the portal link) or write an internal note
/// (`internal` = "on": never shown to the client). An answer moves an open ticket to
/// "in Bearbeitung". `idem_key` makes a retried send count once.
#[server(prefix = "/api", endpoint = "reply_ticket")]
pub async fn reply_ticket(
    id: String,
    text: Option<String>,
    internal: Option<String>,
    idem_key: Option<String>,
) -> Result<String, AppError> {
    use super::{PostKind, TicketState};
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let ticket = server::ticket(&me, &id).await?;
            let text = server::text(me.t(), text.as_deref())?;
            let note = internal.as_deref() == Some("on");
            let st = &me.req.state;
            let now = crate::server::db::now_ms();
            let key =
                crate::chat::repo::key(&st.db, &st.master_key, me.org_id(), &ticket.client_id)
                    .await
                    .map_err(server::internal)?;
            let mut tx = st.db.begin().await?;
            let (post, new) = super::repo::insert_post(
                &mut tx,
                &key,
                &super::repo::NewPost {
                    org_id: me.org_id(),
                    client_id: &ticket.client_id,
                    ticket_id: &id,
                    kind: if note {
                        PostKind::Note
                    } else {
                        PostKind::Staff
                    },
                    author_id: Some(&me.user.user_id),
                    author_name: &me.user.name,
                    text: &text,
                    file_id: None,
                    via: "portal",
                    idem_key: idem_key.as_deref().filter(|k| !k.is_empty()),
                    now,
                },
            )
            .await
            .map_err(server::internal)?;
            if new && !note {
                crate::server::jobs::enqueue(
                    &mut *tx,
                    super::mail::TICKET_MAIL,
                    &post,
                    Some(&format!("{}:{post}", super::mail::TICKET_MAIL)),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            if new && !note && ticket.state == TicketState::Open {
                super::repo::set_state(&st.db, me.org_id(), &id, TicketState::InProgress, now)
                    .await?;
            }
            // Writing is reading: what came before is no longer news to the writer.
            super::repo::mark_read(&st.db, &id, &me.user.user_id, now).await?;
            if new && !note {
                super::live(st, me.org_id(), &ticket.client_id, &id).await;
            }
            if new && !note {
                me.audit(
                    Some(&ticket.client_id),
                    crate::audit::action::TICKET_ANSWERED,
                    &super::label(ticket.number),
                )
                .await?;
            }
            Ok(post)
        }
        .await,
    )
}

/// Moves a ticket to `state` (open, in_progress, solved).
#[server(prefix = "/api", endpoint = "set_ticket_state")]
pub async fn set_ticket_state(id: String, state: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let ticket = server::ticket(&me, &id).await?;
            let to = super::TicketState::parse(&state)
                .ok_or_else(|| AppError::invalid("state", me.t().f_required))?;
            let now = crate::server::db::now_ms();
            if super::repo::set_state(&me.req.state.db, me.org_id(), &id, to, now).await? {
                super::live(&me.req.state, me.org_id(), &ticket.client_id, &id).await;
                me.audit(
                    Some(&ticket.client_id),
                    crate::audit::action::TICKET_STATE,
                    &format!("{} → {}", super::label(ticket.number), to.as_str()),
                )
                .await?;
            }
            Ok(())
        }
        .await,
    )
}

/// Assigns a ticket to a member who sees its client and may edit (`user_id` empty: nobody);
/// the member hears of it in the bell.
#[server(prefix = "/api", endpoint = "assign_ticket")]
pub async fn assign_ticket(id: String, user_id: Option<String>) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let ticket = server::ticket(&me, &id).await?;
            let db = &me.req.state.db;
            let user = user_id.filter(|u| !u.is_empty());
            let members = super::repo::assignable(db, me.org_id(), &ticket.client_id).await?;
            let name = match &user {
                None => String::new(),
                Some(u) => members
                    .iter()
                    .find(|(id, _)| id == u)
                    .map(|(_, n)| n.clone())
                    .ok_or_else(|| AppError::invalid("user_id", me.t().tk_assignee_unknown))?,
            };
            let now = crate::server::db::now_ms();
            super::repo::assign(db, me.org_id(), &id, user.as_deref(), now).await?;
            if let Some(u) = user.as_deref().filter(|u| *u != me.user.user_id) {
                crate::notify::repo::note_ticket(
                    db,
                    me.org_id(),
                    Some(u),
                    crate::notify::Kind::TicketAssigned,
                    &crate::notify::repo::TicketNote {
                        client_id: &ticket.client_id,
                        ticket_id: &id,
                        text: &format!("{} {}", super::label(ticket.number), ticket.subject),
                    },
                    now,
                )
                .await?;
            }
            me.audit(
                Some(&ticket.client_id),
                crate::audit::action::TICKET_ASSIGNED,
                &format!(
                    "{} → {}",
                    super::label(ticket.number),
                    if name.is_empty() { "–" } else { &name }
                ),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// The signed-in client's tickets, newest activity first.
#[server(prefix = "/api", endpoint = "portal_tickets")]
pub async fn portal_tickets() -> Result<Vec<TicketSummary>, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Chat)?;
            Ok(super::repo::of_client(&p.req.state.db, &p.org_id, &p.client_id).await?)
        }
        .await,
    )
}

/// One of the client's tickets with its thread (never the firm's internal notes); marks it
/// read for the client.
#[server(prefix = "/api", endpoint = "portal_ticket")]
pub async fn portal_ticket(id: String) -> Result<TicketDetail, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Chat)?;
            let st = &p.req.state;
            let ticket = super::repo::get_for_client(&st.db, &p.org_id, &p.client_id, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let posts =
                super::repo::posts(&st.db, &st.master_key, &p.org_id, &p.client_id, &id, false)
                    .await
                    .map_err(server::internal)?;
            let now = crate::server::db::now_ms();
            super::repo::mark_read(&st.db, &id, super::repo::CLIENT_READER, now).await?;
            Ok(TicketDetail {
                ticket,
                posts,
                members: Vec::new(),
            })
        }
        .await,
    )
}

/// The client opens a ticket (Neues Ticket): subject and message. The firm's members who see
/// the client hear of it in the bell. Returns the ticket's id.
#[server(prefix = "/api", endpoint = "open_ticket")]
pub async fn open_ticket(
    subject: Option<String>,
    text: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Chat)?;
            let t = p.req.t();
            // Counted once opened: a form with mistakes costs nothing.
            let limit_key = format!("ticket:client:{}", p.client_id);
            let rule = crate::auth::domain::TICKETS;
            p.req
                .throttle(&limit_key, rule.max_failures, rule.window_ms, t.p_too_many)
                .await?;
            let subject = crate::validate::text_field(
                t,
                "subject",
                subject.as_deref(),
                super::SUBJECT_MAX,
                true,
                false,
            )?;
            let text = server::text(t, text.as_deref())?;
            let st = &p.req.state;
            let now = crate::server::db::now_ms();
            let (id, number) = super::repo::open(
                &st.db,
                &st.master_key,
                &super::repo::NewTicket {
                    org_id: &p.org_id,
                    client_id: &p.client_id,
                    subject: &subject,
                    text: &text,
                    opened_by: &p.session.client_name,
                    opened_email: &p.session.email,
                    now,
                },
            )
            .await
            .map_err(server::internal)?;
            super::repo::mark_read(&st.db, &id, super::repo::CLIENT_READER, now).await?;
            let label = format!("{} {subject}", super::label(number));
            crate::audit::repo::record(
                &st.db,
                &p.org_id,
                &p.actor(),
                Some(&p.client_id),
                crate::audit::action::TICKET_OPENED,
                &label,
            )
            .await?;
            crate::notify::repo::note_ticket(
                &st.db,
                &p.org_id,
                None,
                crate::notify::Kind::TicketOpened,
                &crate::notify::repo::TicketNote {
                    client_id: &p.client_id,
                    ticket_id: &id,
                    text: &label,
                },
                now,
            )
            .await?;
            p.req.count(&limit_key, rule.window_ms).await?;
            super::live(st, &p.org_id, &p.client_id, &id).await;
            Ok(id)
        }
        .await,
    )
}

/// The client answers on their ticket; a solved ticket opens again. The assignee (or, with
/// nobody assigned, every member who sees the client) hears of it in the bell.
#[server(prefix = "/api", endpoint = "portal_reply_ticket")]
pub async fn portal_reply_ticket(
    id: String,
    text: Option<String>,
    idem_key: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Chat)?;
            let st = &p.req.state;
            let ticket = super::repo::get_for_client(&st.db, &p.org_id, &p.client_id, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let text = server::text(p.req.t(), text.as_deref())?;
            let now = crate::server::db::now_ms();
            let (post, new) = super::client_post(
                st,
                &super::repo::NewPost {
                    org_id: &p.org_id,
                    client_id: &p.client_id,
                    ticket_id: &ticket.id,
                    kind: super::PostKind::Client,
                    author_id: None,
                    author_name: &p.session.client_name,
                    text: &text,
                    file_id: None,
                    via: "portal",
                    idem_key: idem_key.as_deref().filter(|k| !k.is_empty()),
                    now,
                },
            )
            .await
            .map_err(server::internal)?;
            if new {
                super::repo::mark_read(&st.db, &id, super::repo::CLIENT_READER, now).await?;
            }
            Ok(post)
        }
        .await,
    )
}

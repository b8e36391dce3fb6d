//! Server functions of the chat: staff (per client, authorize with `staff()`) and the client
//! in the portal (`portal::api::client()`, no client ids taken). Reading a conversation marks
//! it read for the reader.

use super::Conversation;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Unread messages for the signed-in staff member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Unread {
    pub total: i64,
    pub by_client: Vec<(String, i64)>,
}

#[cfg(feature = "ssr")]
mod server {
    use super::super::domain::{self, System};
    use super::super::repo;
    use super::super::{Author, Conversation, Message};
    use crate::error::AppError;
    use crate::i18n::T;
    use crate::notify::prefs::Tell;
    use crate::server::AppState;

    /// Messages shown at most (the newest).
    const SHOWN: i64 = 200;

    /// Loads a conversation for a reader and marks it read. `me`: the reader's user id (staff)
    /// or `None` (the client); `viewer`: whose cases the switcher offers (`""`: all); `base`:
    /// where the links of system messages lead (the reader's side).
    #[allow(clippy::too_many_arguments)]
    pub async fn load(
        st: &AppState,
        t: &T,
        org_id: &str,
        client_id: &str,
        conv: &str,
        me: Option<&str>,
        viewer: &str,
        base: String,
    ) -> Result<Conversation, AppError> {
        let stored = repo::conversation(&st.db, &st.master_key, org_id, client_id, conv, SHOWN)
            .await
            .map_err(internal)?;
        let reader = me.unwrap_or("client");
        if let Some(last) = stored.last() {
            repo::mark_read(&st.db, client_id, conv, reader, last.created_at).await?;
        }
        let messages = stored
            .into_iter()
            .map(|m| Message {
                mine: match me {
                    Some(user) => m.author == Author::Staff && m.author_id.as_deref() == Some(user),
                    None => m.author == Author::Client,
                },
                text: if m.author.is_system() {
                    System::decode(&m.text)
                        .map(|s| match &s {
                            System::Marked(_, file, ..) => {
                                format!("{} {base}/files/{file}/review", s.text(t))
                            }
                            _ => s.text(t),
                        })
                        .unwrap_or_default()
                } else {
                    m.text
                },
                id: m.id,
                author: m.author,
                author_name: m.author_name,
                file: m.file,
                created_at: m.created_at,
            })
            .collect();
        let unread = repo::unread_by_conv(&st.db, org_id, client_id, reader).await?;
        let of = |c: &str| {
            unread
                .iter()
                .find(|(k, _)| k == c)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        let cases = repo::case_titles(&st.db, org_id, client_id, viewer)
            .await?
            .into_iter()
            .map(|(id, title)| {
                let n = of(&id);
                (id, title, n)
            })
            .collect();
        Ok(Conversation {
            messages,
            cases,
            general_unread: of(""),
        })
    }

    fn internal(e: String) -> AppError {
        tracing::error!(error = %e, "chat");
        AppError::Internal
    }

    /// Checks a conversation id: '' or a case of this client.
    pub async fn conv_of(
        st: &AppState,
        org_id: &str,
        client_id: &str,
        case_id: Option<String>,
    ) -> Result<String, AppError> {
        match case_id.filter(|c| !c.is_empty()) {
            None => Ok(String::new()),
            Some(c) => {
                let owner: Option<String> =
                    sqlx::query_scalar("SELECT client_id FROM cases WHERE id = $1 AND org_id = $2")
                        .bind(&c)
                        .bind(org_id)
                        .fetch_optional(&st.db)
                        .await?;
                if owner.as_deref() == Some(client_id) {
                    Ok(c)
                } else {
                    Err(AppError::NotFound)
                }
            }
        }
    }

    /// A conversation of a client as a staff member may open it: of a client they see, and
    /// for a case's, of a case they see.
    pub async fn staff_conv(
        me: &crate::auth::ctx::Staff,
        client_id: &str,
        case_id: Option<String>,
    ) -> Result<String, AppError> {
        me.require_client(client_id).await?;
        let conv = conv_of(&me.req.state, me.org_id(), client_id, case_id).await?;
        if !conv.is_empty() {
            me.require_case(&conv).await?;
        }
        Ok(conv)
    }

    /// Validates the text and idempotency key of a message someone wrote, stores it (once per
    /// key), announces it and tells the other side.
    pub async fn send(
        st: &AppState,
        t: &T,
        m: repo::NewMessage<'_>,
        actor: &crate::audit::repo::Actor,
    ) -> Result<String, AppError> {
        let text = domain::clean_text(m.text).map_err(|p| {
            AppError::invalid(
                "text",
                match p {
                    domain::TextProblem::Empty => t.chat_empty.to_string(),
                    domain::TextProblem::TooLong => crate::i18n::fill(
                        t.chat_too_long,
                        &[("max", &domain::MAX_CHARS.to_string())],
                    ),
                },
            )
        })?;
        let idem = m
            .idem_key
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 64);
        let m = repo::NewMessage {
            text: &text,
            idem_key: idem,
            ..m
        };
        // The message and its audit entry are one transaction: a crash leaves both or
        // neither, and a retry with the same key finds the message and adds nothing.
        let key = repo::key(&st.db, &st.master_key, m.org_id, m.client_id)
            .await
            .map_err(internal)?;
        let mut tx = st.db.begin().await?;
        let (id, new) = repo::insert_sealed(&mut tx, &key, &m)
            .await
            .map_err(internal)?;
        let mut tell = None;
        if new {
            // The trail records that someone wrote, never what.
            crate::audit::repo::record(
                &mut *tx,
                m.org_id,
                actor,
                Some(m.client_id),
                crate::audit::action::MESSAGE_SENT,
                "",
            )
            .await?;
            tell = tell_of_message(&mut tx, &m, &id).await?;
        }
        tx.commit().await?;
        crate::server::crash::point("chat.after_commit");
        if new {
            announce(st, &m, &id).await;
        }
        if let Some(job) = tell {
            crate::notify::prefs::told(st, &job).await;
        }
        Ok(id)
    }

    /// Writes, in the transaction of a new message, the job that tells the other side of it
    /// (so it is told for sure): the client when the firm wrote, the members who see the
    /// conversation when the client did. Returns the job's id for `prefs::told`.
    pub async fn tell_of_message(
        conn: &mut sqlx::AnyConnection,
        m: &repo::NewMessage<'_>,
        id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        use crate::notify::Event::Message;
        let tell = match m.author {
            Author::Staff => Tell::Client {
                org_id: m.org_id,
                client_id: m.client_id,
                event: Message,
            },
            Author::Client => Tell::Members {
                org_id: m.org_id,
                client_id: m.client_id,
                case_id: Some(m.conv),
                event: Message,
                subject: id,
            },
            _ => return Ok(None),
        };
        tell.later(conn).await.map(Some)
    }

    /// A new message on the live streams of its conversation.
    async fn announce(st: &AppState, m: &repo::NewMessage<'_>, id: &str) {
        crate::server::events::emit(
            st,
            m.org_id,
            crate::server::events::About {
                client_id: Some(m.client_id),
                case_id: Some(m.conv),
            },
            crate::live::kind::MESSAGE,
            id,
        )
        .await;
    }
}

#[cfg(feature = "ssr")]
pub use server::conv_of;
#[cfg(feature = "ssr")]
pub use server::send as post_message;
#[cfg(feature = "ssr")]
pub use server::tell_of_message;

/// Writes a system message into a client's conversation (the case's, or the general one) and
/// announces it. Failures are logged: the action that caused it has happened anyway.
#[cfg(feature = "ssr")]
pub async fn system(
    st: &crate::server::AppState,
    org_id: &str,
    client_id: &str,
    case_id: Option<&str>,
    what: super::domain::System,
) {
    let written = async {
        let key = super::repo::key(&st.db, &st.master_key, org_id, client_id).await?;
        let mut tx = st.db.begin().await.map_err(|e| e.to_string())?;
        let w = system_in(&mut tx, &key, org_id, client_id, case_id, &what).await?;
        tx.commit().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(w)
    }
    .await;
    match written {
        Ok(w) => system_announced(st, org_id, client_id, case_id, &w).await,
        Err(e) => tracing::warn!(error = %e, "system message not written"),
    }
}

/// A system message written by [`system_in`], to announce after the commit.
#[cfg(feature = "ssr")]
pub struct SystemWritten {
    pub id: String,
    /// The job telling the client, when the message is news for them.
    tell: Option<String>,
}

/// The system message of [`system`], written on the caller's connection — in the transaction
/// of the change it reports, so both are there or neither — with the job that tells the
/// client where it concerns them. `key` is the client's message key (`repo::key`, fetched
/// before the transaction). Announce it after the commit with [`system_announced`].
#[cfg(feature = "ssr")]
pub async fn system_in(
    conn: &mut sqlx::AnyConnection,
    key: &[u8; crate::crypto::KEY_LEN],
    org_id: &str,
    client_id: &str,
    case_id: Option<&str>,
    what: &super::domain::System,
) -> Result<SystemWritten, String> {
    let text = what.encode();
    let m = super::repo::NewMessage {
        org_id,
        client_id,
        conv: case_id.unwrap_or(""),
        author: what.author(),
        author_id: None,
        author_name: "",
        text: &text,
        file_id: None,
        idem_key: None,
        now: crate::server::db::now_ms(),
    };
    let id = super::repo::insert_sealed(&mut *conn, key, &m).await?.0;
    let tell = match client_event(what) {
        Some(event) => {
            let tell = crate::notify::prefs::Tell::Client {
                org_id,
                client_id,
                event,
            };
            Some(tell.later(conn).await.map_err(|e| e.to_string())?)
        }
        None => None,
    };
    Ok(SystemWritten { id, tell })
}

/// What a system message is for the client, if it is news to them.
#[cfg(feature = "ssr")]
fn client_event(what: &super::domain::System) -> Option<crate::notify::Event> {
    use super::domain::System;
    use crate::notify::Event;
    match what {
        System::Requested(_) => Some(Event::Request),
        System::Question(..) => Some(Event::Question),
        System::CaseClosed(_) => Some(Event::CaseClosed),
        // The firm marked, answered on or resolved a mark: the client hears of it like of a
        // message (a burst of them is one mail).
        System::Marked(_, _, false, _) => Some(Event::Message),
        _ => None,
    }
}

/// A written system message on the live streams, and the client told where it concerns them.
#[cfg(feature = "ssr")]
pub async fn system_announced(
    st: &crate::server::AppState,
    org_id: &str,
    client_id: &str,
    case_id: Option<&str>,
    written: &SystemWritten,
) {
    crate::server::events::emit(
        st,
        org_id,
        crate::server::events::About {
            client_id: Some(client_id),
            case_id: Some(case_id.unwrap_or("")),
        },
        crate::live::kind::MESSAGE,
        &written.id,
    )
    .await;
    if let Some(job) = &written.tell {
        crate::notify::prefs::told(st, job).await
    }
}

/// A client's conversation (general, or a case's) as staff see it; marks it read for the
/// reader.
#[server(prefix = "/api", endpoint = "chat")]
pub async fn load_chat(
    client_id: String,
    case_id: Option<String>,
) -> Result<Conversation, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let st = &me.req.state;
            let conv = server::staff_conv(&me, &client_id, case_id).await?;
            server::load(
                st,
                me.req.t(),
                me.org_id(),
                &client_id,
                &conv,
                Some(&me.user.user_id),
                me.viewer(),
                st.config.public_url().to_string(),
            )
            .await
        }
        .await,
    )
}

/// Staff write to a client. `idem`: chosen by the browser, the same for every retry.
#[server(prefix = "/api", endpoint = "send_message")]
pub async fn send_message(
    client_id: String,
    case_id: Option<String>,
    text: String,
    idem: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let st = &me.req.state;
            let conv = server::staff_conv(&me, &client_id, case_id).await?;
            server::send(
                st,
                me.req.t(),
                super::repo::NewMessage {
                    org_id: me.org_id(),
                    client_id: &client_id,
                    conv: &conv,
                    author: super::Author::Staff,
                    author_id: Some(&me.user.user_id),
                    author_name: &me.user.name,
                    text: &text,
                    file_id: None,
                    idem_key: idem.as_deref(),
                    now: crate::server::db::now_ms(),
                },
                &me.actor(),
            )
            .await
        }
        .await,
    )
}

/// Unread messages of the signed-in staff member: in total and per client.
#[server(prefix = "/api", endpoint = "chat_unread")]
pub async fn chat_unread() -> Result<Unread, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let by_client = super::repo::unread_for_staff(
                &me.req.state.db,
                me.org_id(),
                &me.user.user_id,
                me.viewer(),
            )
            .await?;
            Ok(Unread {
                total: by_client.iter().map(|(_, n)| n).sum(),
                by_client,
            })
        }
        .await,
    )
}

/// The signed-in client's conversation (general, or one of their cases); marks it read.
#[server(prefix = "/api", endpoint = "portal_chat")]
pub async fn load_portal_chat(case_id: Option<String>) -> Result<Conversation, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Chat)?;
            let st = &p.req.state;
            let conv = server::conv_of(st, &p.org_id, &p.client_id, case_id).await?;
            // Links of system messages lead into the portal, on the firm's own domain if any.
            let frame = crate::portal::api::frame(&p.req, &p.org_id).await?;
            let base = format!(
                "{}/portal",
                crate::domains::repo::base_url_for(st, &frame.own_domain)
            );
            server::load(
                st,
                p.req.t(),
                &p.org_id,
                &p.client_id,
                &conv,
                None,
                "",
                base,
            )
            .await
        }
        .await,
    )
}

/// The signed-in client writes to the firm.
#[server(prefix = "/api", endpoint = "portal_send")]
pub async fn portal_send(
    case_id: Option<String>,
    text: String,
    idem: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Chat)?;
            let st = &p.req.state;
            let conv = server::conv_of(st, &p.org_id, &p.client_id, case_id).await?;
            server::send(
                st,
                p.req.t(),
                super::repo::NewMessage {
                    org_id: &p.org_id,
                    client_id: &p.client_id,
                    conv: &conv,
                    author: super::Author::Client,
                    author_id: None,
                    author_name: &p.session.client_name,
                    text: &text,
                    file_id: None,
                    idem_key: idem.as_deref(),
                    now: crate::server::db::now_ms(),
                },
                &crate::audit::repo::Actor {
                    user_id: None,
                    name: p.session.client_name.clone(),
                    ip: p.req.ip.clone(),
                    user_agent: p.req.user_agent.clone(),
                },
            )
            .await
        }
        .await,
    )
}

/// Unread messages of the signed-in client, all conversations together.
#[server(prefix = "/api", endpoint = "portal_unread")]
pub async fn portal_unread() -> Result<i64, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Chat)?;
            Ok(
                super::repo::unread_by_conv(&p.req.state.db, &p.org_id, &p.client_id, "client")
                    .await?
                    .iter()
                    .map(|(_, n)| n)
                    .sum(),
            )
        }
        .await,
    )
}

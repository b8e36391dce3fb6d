//! Support tickets (Support-Tickets): a client opens a ticket in the portal with a subject and
//! a message (and attachments through the secure upload path); staff answer it — the answer is
//! mailed to the client with the portal link —, assign it to a member, write internal notes the
//! client never sees and move it through offen → in Bearbeitung → gelöst. A ticket belongs to
//! its client for good and shows on the client's page. Texts are sealed at rest with the
//! client's message key, like the chat.

pub mod api;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

pub const SUBJECT_MAX: usize = 200;
pub const TEXT_MAX: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TicketState {
    #[default]
    Open,
    InProgress,
    Solved,
}

impl TicketState {
    pub const ALL: [TicketState; 3] = [
        TicketState::Open,
        TicketState::InProgress,
        TicketState::Solved,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::InProgress => "in_progress",
            TicketState::Solved => "solved",
        }
    }
    pub fn parse(s: &str) -> Option<TicketState> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Who wrote a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostKind {
    Client,
    Staff,
    /// An internal note: staff only, never shown to the client or mailed.
    Note,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Client => "client",
            PostKind::Staff => "staff",
            PostKind::Note => "note",
        }
    }
    pub fn parse(s: &str) -> Option<PostKind> {
        [PostKind::Client, PostKind::Staff, PostKind::Note]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A ticket in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: String,
    pub number: i64,
    pub subject: String,
    pub state: TicketState,
    pub client_id: String,
    pub client_name: String,
    /// Staff only (empty in the portal).
    pub assignee_id: Option<String>,
    pub assignee_name: String,
    /// Who of the client opened it.
    pub opened_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Something the reader has not read yet (from the client, for staff; from the firm, for
    /// the client).
    pub unread: bool,
}

/// One post of a ticket's thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub id: String,
    pub kind: PostKind,
    pub author_name: String,
    pub text: String,
    pub file: Option<crate::chat::Attachment>,
    /// The client's text came by e-mail.
    pub via_mail: bool,
    /// The original mail (staff only: its full text at `/api/inbound/mails/{id}/original`).
    #[serde(default)]
    pub mail_id: Option<String>,
    pub created_at: i64,
}

/// A ticket with its thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub ticket: TicketSummary,
    pub posts: Vec<Post>,
    /// Members who may be assigned (staff only): (user id, name).
    pub members: Vec<(String, String)>,
}

/// "#12".
pub fn label(number: i64) -> String {
    format!("#{number}")
}

/// A post of the client on their ticket (from the portal or by mail; `p.kind` is `Client`):
/// stored sealed, then [`client_news`]. Returns the post's id and whether it is new.
#[cfg(feature = "ssr")]
pub async fn client_post(
    st: &crate::server::AppState,
    p: &repo::NewPost<'_>,
) -> Result<(String, bool), String> {
    let (post, new) = repo::post(&st.db, &st.master_key, p).await?;
    if new {
        client_news(st, p.ticket_id, p.now)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok((post, new))
}

/// After the client posted (text or file): a solved ticket opens again, and the assignee (or
/// everyone who sees the client) is told.
#[cfg(feature = "ssr")]
pub async fn client_news(
    st: &crate::server::AppState,
    ticket_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    use sqlx::Row;
    let r = sqlx::query(
        "SELECT org_id, client_id, number, subject, state, assignee_id FROM tickets WHERE id = $1",
    )
    .bind(ticket_id)
    .fetch_one(&st.db)
    .await?;
    let org: String = r.try_get("org_id")?;
    let client: String = r.try_get("client_id")?;
    let number: i64 = r.try_get("number")?;
    let subject: String = r.try_get("subject")?;
    let state: String = r.try_get("state")?;
    let assignee: Option<String> = r.try_get("assignee_id")?;
    if state == TicketState::Solved.as_str() {
        repo::set_state(&st.db, &org, ticket_id, TicketState::Open, now).await?;
    }
    live(st, &org, &client, ticket_id).await;
    crate::notify::repo::note_ticket(
        &st.db,
        &org,
        assignee.as_deref(),
        crate::notify::Kind::TicketReply,
        &crate::notify::repo::TicketNote {
            client_id: &client,
            ticket_id,
            text: &format!("{} {subject}", label(number)),
        },
        now,
    )
    .await
}

/// Tells open pages (staff of the client, the client's portal) that the ticket changed.
#[cfg(feature = "ssr")]
pub async fn live(st: &crate::server::AppState, org_id: &str, client_id: &str, ticket_id: &str) {
    let about = crate::server::events::About {
        client_id: Some(client_id),
        case_id: None,
    };
    crate::server::events::emit(st, org_id, about, crate::live::kind::TICKET, ticket_id).await;
}

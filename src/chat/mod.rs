//! Chat (In-Portal-Kommunikation): one conversation per client and one per case, between the
//! firm's staff and the client, with system messages written by the app (uploads, scans,
//! reviews, new requests). Messages are sealed at rest with a data key per client; unread
//! counts are kept per participant and conversation; a resent message (same idempotency key)
//! is stored once.

pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Author {
    Staff,
    Client,
    /// Written by the app about something the client did (an upload, a scan).
    SystemClient,
    /// Written by the app about something the firm did (a review, a new request).
    SystemFirm,
}

impl Author {
    pub const ALL: [Author; 4] = [
        Author::Staff,
        Author::Client,
        Author::SystemClient,
        Author::SystemFirm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Author::Staff => "staff",
            Author::Client => "client",
            Author::SystemClient => "system_client",
            Author::SystemFirm => "system_firm",
        }
    }

    pub fn parse(s: &str) -> Option<Author> {
        Author::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn is_system(self) -> bool {
        matches!(self, Author::SystemClient | Author::SystemFirm)
    }
}

/// A message as both sides see it. System messages carry a code and an argument, put into
/// words in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub author: Author,
    pub author_name: String,
    pub text: String,
    /// The reader wrote it.
    pub mine: bool,
    /// An attached file.
    pub file: Option<Attachment>,
    pub created_at: i64,
}

/// A file attached to a message (sent through the secure upload path like any other).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub size: i64,
    /// Held back by the content checks (quarantined): shown, not downloadable.
    pub blocked: bool,
}

/// A conversation: the client's general one (`case_id` None) or a case's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub messages: Vec<Message>,
    /// Cases that have messages or are open, to switch between: (id, title, unread).
    pub cases: Vec<(String, String, i64)>,
    /// Unread messages in the general conversation (for the switcher).
    pub general_unread: i64,
}

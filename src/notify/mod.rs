//! Staff notifications: an in-app bell with the unread count (a row per member and event) and
//! e-mail per each member's preference, sent by a durable job that collects a client's
//! uploads of one minute into one mail.

pub mod api;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

/// Job kind of the upload mail.
pub const UPLOAD_MAIL: &str = "upload_mail";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Upload,
    Quarantine,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Upload => "upload",
            Kind::Quarantine => "quarantine",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Upload, Kind::Quarantine]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A member's choice of e-mail about new uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum MailPref {
    #[default]
    Instant,
    Off,
}

impl MailPref {
    pub const ALL: [MailPref; 2] = [MailPref::Instant, MailPref::Off];
    pub fn as_str(self) -> &'static str {
        match self {
            MailPref::Instant => "instant",
            MailPref::Off => "off",
        }
    }
    pub fn parse(s: &str) -> Option<MailPref> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: String,
    pub kind: Kind,
    pub client_id: Option<String>,
    pub client_name: String,
    /// The file's name for uploads.
    pub subject: String,
    pub created_at: i64,
    pub read: bool,
}

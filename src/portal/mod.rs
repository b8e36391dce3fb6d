//! The client portal: clients sign in (magic link, permanent secret link or password, as
//! their firm chooses), and see exactly one client's space of one firm — open requests with
//! an upload per item, files the firm sent, their own uploads with the review, and the
//! history of closed cases.

pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use crate::cases::{domain::Progress, CaseState, PublicItem};
use crate::uploads::FileView;
use domain::{Grant, Methods};
use serde::{Deserialize, Serialize};

/// Job kind of a magic-link mail.
pub const MAGIC_MAIL: &str = "portal_magic_mail";

/// Cookie of a portal session (separate from staff sessions: one browser may hold both).
pub const PORTAL_COOKIE: &str = "kp_portal";

/// The firm's portal settings as the settings page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalSettings {
    pub methods: Methods,
    pub grant: Grant,
    pub link_minutes: i64,
    /// The firm's text at the end of every mail to a client (empty: the built-in one).
    pub mail_footer: String,
    /// Mails about new messages quote them (off: they only say that someone wrote).
    pub message_text: bool,
}

/// A client's portal access as their page in the staff app shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientAccess {
    pub access: bool,
    pub has_email: bool,
    pub sessions: i64,
    pub has_secret: bool,
    pub has_password: bool,
    pub methods: Methods,
}

/// Who is signed in to the portal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalMe {
    /// The firm's colours, logo and welcome text.
    pub brand: crate::branding::Brand,
    pub client_name: String,
    pub firm_name: String,
    pub email: String,
    /// The address belongs to more than one client with access.
    pub can_switch: bool,
    /// The firm offers passwords, so the client may set one.
    pub password_method: bool,
    pub has_password: bool,
    /// What this person may do (a further contact's rights; all for the client's address).
    #[serde(default)]
    pub rights: Rights,
    /// The firm shows hours and budget in the portal, and this person sees invoices.
    #[serde(default)]
    pub hours: bool,
}

/// One of the clients a person may open after signing in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub client_id: String,
    pub client_name: String,
    pub firm_name: String,
}

/// A case as the client sees it: no staff names, no internal notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalCase {
    pub id: String,
    pub title: String,
    pub description: String,
    pub state: CaseState,
    pub due_at: Option<i64>,
    pub overdue: bool,
    pub progress: Progress,
    pub items: Vec<PublicItem>,
}

/// The client's home: requests and cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalHome {
    pub open: Vec<PortalCase>,
    pub done: Vec<PortalCase>,
    /// The firm's allowed file types (for uploads outside a request).
    pub allowed_types: Vec<String>,
}

/// How many files of each kind the portal home lists (newest first) before "show all".
pub const HOME_FILES: usize = 10;

/// The client's files, both ways, newest first (refreshed after each upload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalFiles {
    /// Files the firm sent.
    pub sent: Vec<FileView>,
    /// The client's own uploads with their review.
    pub received: Vec<FileView>,
    /// How many there are of each (the lists may hold only the newest).
    pub sent_total: usize,
    pub received_total: usize,
}

/// Where a portal page stands.
// Sent once per page load; boxing the signed-in case would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PortalState {
    SignedOut,
    /// Signed in with an address of several clients that has not chosen yet.
    Choose,
    In(PortalMe),
}

/// What opening a magic link found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MagicOutcome {
    /// Signed in; go to this address.
    SignedIn(String),
    Used,
    Expired,
}

/// What a contact of a client may do in the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Right {
    /// Send files (requested documents and others).
    Upload,
    /// See and download the files (the firm's and their own).
    Files,
    /// See invoices.
    Invoices,
    /// Approve or accept what the firm submits.
    Approve,
    /// Pay invoices.
    Pay,
    /// Read and write messages.
    Chat,
}

impl Right {
    pub const ALL: [Right; 6] = [
        Right::Upload,
        Right::Files,
        Right::Invoices,
        Right::Approve,
        Right::Pay,
        Right::Chat,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Right::Upload => "upload",
            Right::Files => "files",
            Right::Invoices => "invoices",
            Right::Approve => "approve",
            Right::Pay => "pay",
            Right::Chat => "chat",
        }
    }

    pub fn parse(s: &str) -> Option<Right> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// A contact's rights. The client's main contact (its own address) has all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights(pub Vec<Right>);

impl Rights {
    pub fn all() -> Rights {
        Rights(Right::ALL.to_vec())
    }

    pub fn has(&self, r: Right) -> bool {
        self.0.contains(&r)
    }

    /// "upload,files" (in the fixed order of [`Right::ALL`]).
    pub fn to_db(&self) -> String {
        Right::ALL
            .into_iter()
            .filter(|r| self.has(*r))
            .map(Right::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Unknown words are ignored.
    pub fn from_db(s: &str) -> Rights {
        Rights(
            Right::ALL
                .into_iter()
                .filter(|r| s.split(',').any(|w| Right::parse(w) == Some(*r)))
                .collect(),
        )
    }
}

/// A further contact of a client, as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: String,
    pub name: String,
    pub email: String,
    pub rights: Rights,
}

//! The secure upload zone: upload links for clients (no login), resumable encrypted uploads
//! (tus 1.0), content checks with quarantine, staff review, versions and downloads.

pub mod api;
#[cfg(feature = "ssr")]
pub mod clamav;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod download;
#[cfg(feature = "ssr")]
pub mod finish;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod import;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;
pub mod widget;
#[cfg(feature = "ssr")]
pub mod zip;

use serde::{Deserialize, Serialize};

/// Whether an upload link takes uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    Active,
    Expired,
    Revoked,
    UsedUp,
}

/// Review of a received file by staff ("neu", "geprüft", "Rückfrage").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ReviewState {
    #[default]
    Neu,
    Geprueft,
    Rueckfrage,
}

impl ReviewState {
    pub const ALL: [ReviewState; 3] = [Self::Neu, Self::Geprueft, Self::Rueckfrage];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Neu => "neu",
            Self::Geprueft => "geprueft",
            Self::Rueckfrage => "rueckfrage",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// An upload link as staff see it on the client page (the token itself is never shown again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkView {
    pub id: String,
    pub title: String,
    pub expires_at: Option<i64>,
    pub max_files: Option<i64>,
    pub files_received: i64,
    pub has_password: bool,
    pub created_at: i64,
    pub state: LinkState,
}

/// Returned once, right after creation: the only time the link's URL exists in clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedLink {
    pub id: String,
    pub url: String,
    pub emailed_to: Option<String>,
    pub mail_failed: bool,
}

/// What the public upload page shows about its link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicLink {
    pub firm_name: String,
    /// The firm's colours, logo and welcome text.
    pub brand: crate::branding::Brand,
    pub title: String,
    pub message: String,
    pub state: LinkState,
    pub needs_password: bool,
    pub max_file_bytes: i64,
    /// The firm's allow-list (lower-case extensions; empty: everything).
    pub allowed_types: Vec<String>,
    /// The checklist of the case the link is bound to.
    pub case: Option<crate::cases::PublicCase>,
    /// The link is bound to a case whose checklist needs the link's password first.
    pub case_locked: bool,
}

/// A stored file as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileView {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub size: i64,
    pub mime: String,
    pub sent: bool,
    pub quarantined: bool,
    pub scan_reason: String,
    pub review: ReviewState,
    pub review_comment: String,
    pub created_at: i64,
}

/// The refusal of a file whose type the firm does not accept, naming what it does accept.
pub fn type_refusal(t: &crate::i18n::T, filename: &str, allowed: &[String]) -> String {
    let ext = domain::extension_of(filename)
        .map(|e| format!(".{e}"))
        .unwrap_or_else(|| t.upload_no_extension.to_string());
    crate::i18n::fill(
        t.upload_type_not_allowed,
        &[("ext", &ext), ("allowed", &allowed.join(", "))],
    )
}

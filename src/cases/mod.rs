//! Cases (Vorgänge): per client, a checklist of requested documents with deadlines, reviewed
//! item by item, closed when every required document is geprüft; and templates to start
//! the same case for many clients.

pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod reminders;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod retention;
pub mod schedule;
pub mod ui;

use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum CaseState {
    #[default]
    Open,
    Closed,
    Archived,
}

impl CaseState {
    pub const ALL: [CaseState; 3] = [Self::Open, Self::Closed, Self::Archived];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Archived => "archived",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Where one requested document stands (ausstehend → hochgeladen → geprüft, or Rückfrage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ItemState {
    #[default]
    Ausstehend,
    Hochgeladen,
    Geprueft,
    Rueckfrage,
}

impl ItemState {
    pub const ALL: [ItemState; 4] = [
        Self::Ausstehend,
        Self::Hochgeladen,
        Self::Geprueft,
        Self::Rueckfrage,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ausstehend => "ausstehend",
            Self::Hochgeladen => "hochgeladen",
            Self::Geprueft => "geprueft",
            Self::Rueckfrage => "rueckfrage",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Whether the client still has to send something for it.
    pub fn waits_for_client(self) -> bool {
        matches!(self, Self::Ausstehend | Self::Rueckfrage)
    }
}

/// A case in a list: enough to draw its line with a progress bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    pub title: String,
    pub state: CaseState,
    pub responsible_name: Option<String>,
    pub due_at: Option<i64>,
    pub progress: domain::Progress,
    pub overdue: bool,
    /// Only owners, admins and the case's team see it.
    pub restricted: bool,
    pub created_at: i64,
}

/// A file attached to an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemFile {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub size: i64,
    pub quarantined: bool,
    pub created_at: i64,
}

/// One requested document with its files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseItem {
    pub id: String,
    pub title: String,
    pub explanation: String,
    pub required: bool,
    pub deadline_at: Option<i64>,
    pub allowed_types: Vec<String>,
    pub state: ItemState,
    pub comment: String,
    pub overdue: bool,
    pub files: Vec<ItemFile>,
}

/// A team member who can be made responsible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub name: String,
}

/// Everything the case page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseDetail {
    pub summary: CaseSummary,
    pub description: String,
    pub responsible_id: Option<String>,
    pub reminders_paused: bool,
    pub items: Vec<CaseItem>,
    /// Titles of required items not yet geprüft (closing is refused while there are any).
    pub missing: Vec<String>,
    pub members: Vec<Member>,
    /// Received files of the client that can be attached to an item.
    pub client_files: Vec<ItemFile>,
}

/// A template in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateView {
    pub id: String,
    pub name: String,
    pub title: String,
    pub item_titles: Vec<String>,
}

/// What the public upload page shows of a case bound to its link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicItem {
    pub id: String,
    pub title: String,
    pub explanation: String,
    pub required: bool,
    pub deadline_at: Option<i64>,
    pub allowed_types: Vec<String>,
    pub state: ItemState,
    pub comment: String,
    pub overdue: bool,
    pub file_names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicCase {
    pub title: String,
    pub closed: bool,
    pub items: Vec<PublicItem>,
}

/// What the "new case" form offers: who can be responsible, which templates exist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseOptions {
    pub members: Vec<Member>,
    pub templates: Vec<TemplateView>,
}

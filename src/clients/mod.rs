//! Client management (Kundenverwaltung): the firm's clients, their status, notes and history.

#[cfg(feature = "ssr")]
pub mod access;
pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

/// The three-step progress of a client (Offen / Teilweise / Vollständig).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ClientStatus {
    /// No documents received yet.
    #[default]
    Offen,
    /// Some documents received, others still missing.
    Teilweise,
    /// Everything received and reviewed.
    Vollstaendig,
}

impl ClientStatus {
    pub const ALL: [ClientStatus; 3] = [Self::Offen, Self::Teilweise, Self::Vollstaendig];

    /// The stable identifier used in the database and in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offen => "offen",
            Self::Teilweise => "teilweise",
            Self::Vollstaendig => "vollstaendig",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One row of the client list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub company: String,
    pub email: String,
    pub status: ClientStatus,
    pub active_link_count: i64,
    /// An open case or a document the client owes is past its date.
    pub overdue: bool,
    pub file_count: i64,
    pub last_upload_at: Option<i64>,
    pub last_activity_at: i64,
    /// Chat messages the viewing member has not read.
    #[serde(default)]
    pub unread: i64,
    /// Seen only by owners, admins and the members on its team.
    #[serde(default)]
    pub restricted: bool,
}

/// One page of the client list plus what the UI needs to draw paging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientPage {
    pub rows: Vec<ClientRow>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    /// Clients of the firm without any filter (to tell "no clients yet" from "no match").
    pub firm_total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientNote {
    pub id: String,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub action: String,
    pub actor_name: String,
    pub detail: String,
    pub created_at: i64,
}

/// Everything the client detail page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientDetail {
    pub client: ClientRow,
    pub created_at: i64,
    pub updated_at: i64,
    pub notes: Vec<ClientNote>,
    pub activity: Vec<ActivityEntry>,
}

/// Result of creating a client: where it lives, and whether others look alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PossibleDuplicate {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// What a team restricts: a client, or one case of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamScope {
    Client,
    Case,
}

impl TeamScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamScope::Client => "client",
            TeamScope::Case => "case",
        }
    }
    pub fn parse(s: &str) -> Option<TeamScope> {
        match s {
            "client" => Some(TeamScope::Client),
            "case" => Some(TeamScope::Case),
            _ => None,
        }
    }
}

/// Who of the team sees a client or a case (owners and admins always do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    /// Only the owners, admins and the members on the team see it.
    pub restricted: bool,
    /// The firm's active staff (for a case: those who see its client), each with whether
    /// they are on the team.
    pub members: Vec<TeamChoice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamChoice {
    pub id: String,
    pub name: String,
    pub role: crate::orgs::Role,
    pub on_team: bool,
    /// Owners and admins see every client; they need no place on a team.
    pub sees_all: bool,
}

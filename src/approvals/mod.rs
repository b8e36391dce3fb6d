//! Approvals (Freigaben): staff ask the client to approve a file they sent; the client approves
//! it or asks for changes with a comment, in the portal. A new version of the file is a new
//! request, so the history of versions and decisions stays visible on both sides.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

pub const MESSAGE_MAX: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ApprovalState {
    #[default]
    Pending,
    Approved,
    Changes,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::Pending => "pending",
            ApprovalState::Approved => "approved",
            ApprovalState::Changes => "changes",
        }
    }
    pub fn parse(s: &str) -> Option<ApprovalState> {
        [
            ApprovalState::Pending,
            ApprovalState::Approved,
            ApprovalState::Changes,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// One request, as both sides see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    pub id: String,
    pub file_id: String,
    pub file_name: String,
    pub version: i64,
    pub message: String,
    pub state: ApprovalState,
    pub comment: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: String,
    pub decided_at: Option<i64>,
    /// Marks on the file still open when it was decided.
    #[serde(default)]
    pub open_pins: i64,
}

//! Firms (organisations), their plan, and the team: invites, roles, deactivation.

pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Plan {
    #[default]
    Solo,
    Pro,
    Team,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Solo, Plan::Pro, Plan::Team];
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Solo => "solo",
            Plan::Pro => "pro",
            Plan::Team => "team",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Owner,
    Admin,
    Member,
    ReadOnly,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::ReadOnly];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::ReadOnly => "readonly",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A member of the firm's team as shown on the team page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub created_at: i64,
}

/// An invitation that was sent and not yet accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingInvite {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamOverview {
    pub members: Vec<Member>,
    pub invites: Vec<PendingInvite>,
    pub plan: Plan,
    pub client_count: i64,
    pub firm_name: String,
}

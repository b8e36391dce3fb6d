//! Staff identity: first-run setup, login/logout, server-side sessions, failed-login throttling.

pub mod api;
#[cfg(feature = "ssr")]
pub mod ctx;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod setup;
#[cfg(feature = "ssr")]
pub mod totp;
pub mod twofactor;
pub mod ui;

use crate::orgs::{Plan, Role};
use serde::{Deserialize, Serialize};

/// The signed-in staff member as the UI sees them. No ids of sessions or secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub org_name: String,
    pub plan: Plan,
    /// The firm requires two-factor sign-in and it is not set up yet: nothing but that works.
    #[serde(default)]
    pub needs_two_factor: bool,
}

/// One of the signed-in member's sessions (a browser or device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: String,
    /// "Firefox · Linux" (empty when the browser does not say).
    pub device: String,
    pub ip: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The session of this very request.
    pub current: bool,
}

/// The member's sessions and the firm's limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MySessions {
    pub sessions: Vec<SessionView>,
    pub max: i64,
}

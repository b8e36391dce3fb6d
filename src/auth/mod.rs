//! Staff identity: first-run setup, login/logout, server-side sessions, failed-login throttling.

pub mod api;
#[cfg(feature = "ssr")]
pub mod ctx;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod setup;
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
}

//! The settings page: the firm's file-type allow-list (owners) and each member's own
//! notification preference.

pub mod api;
pub mod ui;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    /// The allow-list as it is shown in the form ("pdf, jpg, png").
    pub allowed_types: String,
    pub can_edit_firm: bool,
    pub mail_pref: crate::notify::MailPref,
    pub message_pref: crate::notify::MailPref,
    pub reminders: crate::cases::schedule::Schedule,
    /// The client portal's settings (for those who may change the firm's settings).
    pub portal: Option<crate::portal::PortalSettings>,
    /// Sessions per member at once.
    pub max_sessions: i64,
    /// Archived cases are deleted after this many months (0: never).
    pub retention_months: i64,
    /// Every member must sign in with a second factor.
    pub require_two_factor: bool,
}

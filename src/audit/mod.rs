//! The activity/audit log: an append-only record of who did what to which client, when and
//! from where. The client detail page shows a client's part of it.

#[cfg(feature = "ssr")]
pub mod repo;

/// Stable action names stored in `audit_events.action`; the UI translates them.
pub mod action {
    pub const ORG_CREATED: &str = "org.created";
    pub const ORG_PLAN_CHANGED: &str = "org.plan_changed";
    pub const ORG_FILE_TYPES_CHANGED: &str = "org.file_types_changed";
    pub const ORG_REMINDERS_CHANGED: &str = "org.reminders_changed";
    pub const LOGIN: &str = "auth.login";
    pub const LOGIN_FAILED: &str = "auth.login_failed";
    pub const LOGOUT: &str = "auth.logout";
    pub const MEMBER_INVITED: &str = "team.invited";
    pub const MEMBER_JOINED: &str = "team.joined";
    pub const MEMBER_ROLE_CHANGED: &str = "team.role_changed";
    pub const MEMBER_DEACTIVATED: &str = "team.deactivated";
    pub const MEMBER_REACTIVATED: &str = "team.reactivated";
    pub const INVITE_REVOKED: &str = "team.invite_revoked";
    pub const CLIENT_CREATED: &str = "client.created";
    pub const CLIENT_UPDATED: &str = "client.updated";
    pub const CLIENT_STATUS_CHANGED: &str = "client.status_changed";
    pub const CLIENT_NOTE_ADDED: &str = "client.note_added";
    pub const CLIENT_DELETED: &str = "client.deleted";
    pub const FILE_UPLOADED: &str = "file.uploaded";
    pub const FILE_DOWNLOADED: &str = "file.downloaded";
    pub const FILE_REVIEWED: &str = "file.reviewed";
    pub const LINK_CREATED: &str = "link.created";
    pub const LINK_SENT: &str = "link.sent";
    pub const LINK_REVOKED: &str = "link.revoked";
    pub const FILE_QUARANTINED: &str = "file.quarantined";
    pub const CASE_OPENED: &str = "case.opened";
    pub const CASE_UPDATED: &str = "case.updated";
    pub const CASE_ITEM_ADDED: &str = "case.item_added";
    pub const CASE_ITEM_REMOVED: &str = "case.item_removed";
    pub const CASE_ITEM_REVIEWED: &str = "case.item_reviewed";
    pub const CASE_FILE_ATTACHED: &str = "case.file_attached";
    pub const CASE_CLOSED: &str = "case.closed";
    pub const CASE_ARCHIVED: &str = "case.archived";
    pub const CASE_REOPENED: &str = "case.reopened";
    pub const CASE_REMINDER_SENT: &str = "case.reminder_sent";
    pub const CASE_REMINDERS_PAUSED: &str = "case.reminders_paused";
    pub const CASE_REMINDERS_RESUMED: &str = "case.reminders_resumed";
    pub const CASE_TEMPLATE_SAVED: &str = "case.template_saved";
    pub const CASE_TEMPLATE_DELETED: &str = "case.template_deleted";
    pub const PORTAL_SETTINGS_CHANGED: &str = "org.portal_changed";
    pub const PORTAL_LOGIN: &str = "portal.login";
    pub const PORTAL_ACCESS_GRANTED: &str = "portal.access_granted";
    pub const PORTAL_ACCESS_REVOKED: &str = "portal.access_revoked";
    pub const PORTAL_SESSIONS_ENDED: &str = "portal.sessions_ended";
    pub const PORTAL_SECRET_CREATED: &str = "portal.secret_created";
    pub const PORTAL_SECRET_REMOVED: &str = "portal.secret_removed";
    pub const PORTAL_PASSWORD_SET: &str = "portal.password_set";
}

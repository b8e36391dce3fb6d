//! The activity/audit log: an append-only record of who did what to which client, when and
//! from where, hash-chained per firm so that a changed or deleted event is found
//! (`kundenportal audit verify`). The client detail page shows a client's part of it.

pub mod api;
#[cfg(feature = "ssr")]
pub mod chain;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

/// Entries per page of the audit view.
pub const PAGE_SIZE: i64 = 100;

/// What the audit view is narrowed to (all empty: everything). The same fields filter the
/// CSV export.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// One client (from the client page's link).
    pub client_id: String,
    /// Clients whose name, address or company contains this.
    pub client: String,
    /// One staff member (user id).
    pub actor: String,
    /// One action code.
    pub action: String,
    /// First and last day (YYYY-MM-DD, German time), inclusive.
    pub from: String,
    pub to: String,
}

impl Filter {
    /// The time range `[start, end)` in unix ms, or what is wrong with it.
    pub fn range(&self) -> Result<(i64, i64), RangeProblem> {
        let day = |field: &'static str, s: &str| match s.trim() {
            "" => Ok(None),
            d => crate::uploads::domain::end_of_day_berlin(d)
                .map(Some)
                .ok_or(RangeProblem::NoDate(field)),
        };
        let start = day("from", &self.from)?
            .map(crate::ui::format::day_start)
            .unwrap_or(0);
        let end = day("to", &self.to)?.map(|e| e + 1).unwrap_or(i64::MAX);
        if end <= start {
            return Err(RangeProblem::Reversed);
        }
        Ok((start, end))
    }

    /// The filter as a query string (for the CSV link and the page's address).
    pub fn query(&self) -> String {
        [
            ("client_id", &self.client_id),
            ("client", &self.client),
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::ui::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Why a filter's days were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeProblem {
    /// This field ("from" or "to") holds no date.
    NoDate(&'static str),
    /// The last day is before the first.
    Reversed,
}

/// One event as the audit view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub created_at: i64,
    pub actor_name: String,
    pub client_id: Option<String>,
    /// `None` when the client has been deleted since (the event stays).
    pub client_name: Option<String>,
    pub action: String,
    pub detail: String,
    pub ip: String,
    pub user_agent: String,
}

/// A page of the audit view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub entries: Vec<Entry>,
    /// More entries follow.
    pub more: bool,
    /// The firm's staff, to filter by: (id, name).
    pub members: Vec<(String, String)>,
    /// The name of the client filtered by id.
    pub client_name: Option<String>,
}

/// A broken link in words (for the command line and the log).
#[cfg(feature = "ssr")]
pub fn describe(b: &chain::Break) -> String {
    match b {
        chain::Break::Missing { seq } => format!("event #{seq} is missing (deleted)"),
        chain::Break::Changed { seq, id } => {
            format!("event #{seq} ({id}) was changed after it was written")
        }
        chain::Break::Truncated { last, head } => format!(
            "the chain ends at event #{last} but reached #{head}: the events after #{last} were deleted"
        ),
    }
}

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
    pub const CLIENT_TEAM_CHANGED: &str = "client.team_changed";
    pub const CASE_TEAM_CHANGED: &str = "case.team_changed";
    pub const CLIENT_CONTACT_SAVED: &str = "client.contact_saved";
    pub const CLIENT_CONTACT_REMOVED: &str = "client.contact_removed";
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
    pub const MESSAGE_SENT: &str = "chat.message_sent";
    pub const AUDIT_EXPORTED: &str = "audit.exported";
    pub const SESSION_ENDED: &str = "auth.session_ended";
    pub const TWO_FACTOR_ENABLED: &str = "auth.two_factor_enabled";
    pub const TWO_FACTOR_DISABLED: &str = "auth.two_factor_disabled";
    pub const CLIENT_EXPORTED: &str = "client.exported";
    pub const CASE_RETENTION_DELETED: &str = "case.retention_deleted";
    pub const ORG_RETENTION_CHANGED: &str = "org.retention_changed";
    pub const ORG_SESSIONS_CHANGED: &str = "org.sessions_changed";
    pub const ORG_TWO_FACTOR_RULE: &str = "org.two_factor_rule";
    pub const ORG_BRANDING_CHANGED: &str = "org.branding_changed";
    pub const ORG_LOGO_CHANGED: &str = "org.logo_changed";
    pub const ORG_DOMAIN_CHANGED: &str = "org.domain_changed";
    pub const ORG_DOMAIN_VERIFIED: &str = "org.domain_verified";
    pub const ORG_PUBLIC_MODE: &str = "org.public_mode";
    pub const ORG_BILLING_CHANGED: &str = "org.billing_changed";
    pub const INVOICE_CREATED: &str = "invoice.created";
    pub const INVOICE_DELETED: &str = "invoice.deleted";
    pub const INVOICE_SENT: &str = "invoice.sent";
    pub const INVOICE_PAID: &str = "invoice.paid";
    pub const INVOICE_OVERDUE: &str = "invoice.overdue";
    pub const INVOICE_CANCELLED: &str = "invoice.cancelled";
    pub const QUOTE_ACCEPTED: &str = "invoice.quote_accepted";
    pub const QUOTE_REJECTED: &str = "invoice.quote_rejected";
    pub const INVOICE_PAYMENT_MISMATCH: &str = "invoice.payment_mismatch";
    pub const ORG_PAYMENTS_CHANGED: &str = "org.payments_changed";
    pub const APPROVAL_REQUESTED: &str = "approval.requested";
    pub const APPROVAL_APPROVED: &str = "approval.approved";
    pub const APPROVAL_CHANGES: &str = "approval.changes_requested";
    pub const HOURS_LOGGED: &str = "hours.logged";
    pub const HOURS_DELETED: &str = "hours.deleted";
    pub const CLIENT_BUDGET_CHANGED: &str = "client.budget_changed";
    pub const TICKET_OPENED: &str = "ticket.opened";
    pub const TICKET_ANSWERED: &str = "ticket.answered";
    pub const TICKET_STATE: &str = "ticket.state_changed";
    pub const TICKET_ASSIGNED: &str = "ticket.assigned";
    pub const MAIL_RELEASED: &str = "mail.released";
    pub const MAIL_DISCARDED: &str = "mail.discarded";
    pub const PIN_ADDED: &str = "pin.added";
    pub const PIN_REPLIED: &str = "pin.replied";
    pub const PIN_RESOLVED: &str = "pin.resolved";
    pub const PIN_REOPENED: &str = "pin.reopened";
}

/// Every action with its name in German and English, in the order the filter lists them.
pub const LABELS: &[(&str, &str, &str)] = {
    use action::*;
    &[
        (LOGIN, "Anmeldung", "Sign-in"),
        (LOGIN_FAILED, "Anmeldung fehlgeschlagen", "Failed sign-in"),
        (LOGOUT, "Abmeldung", "Sign-out"),
        (SESSION_ENDED, "Sitzung beendet", "Session ended"),
        (
            TWO_FACTOR_ENABLED,
            "Zwei-Faktor-Anmeldung eingeschaltet",
            "Two-factor sign-in on",
        ),
        (
            TWO_FACTOR_DISABLED,
            "Zwei-Faktor-Anmeldung ausgeschaltet",
            "Two-factor sign-in off",
        ),
        (ORG_CREATED, "Kanzlei angelegt", "Firm created"),
        (ORG_PLAN_CHANGED, "Tarif geändert", "Plan changed"),
        (
            ORG_FILE_TYPES_CHANGED,
            "Erlaubte Dateitypen geändert",
            "Allowed file types changed",
        ),
        (
            ORG_REMINDERS_CHANGED,
            "Erinnerungen geändert",
            "Reminder settings changed",
        ),
        (
            PORTAL_SETTINGS_CHANGED,
            "Portal-Einstellungen geändert",
            "Portal settings changed",
        ),
        (
            ORG_SESSIONS_CHANGED,
            "Sitzungsgrenze geändert",
            "Session limit changed",
        ),
        (
            ORG_BRANDING_CHANGED,
            "Erscheinungsbild geändert",
            "Branding changed",
        ),
        (ORG_LOGO_CHANGED, "Logo geändert", "Logo changed"),
        (
            ORG_BILLING_CHANGED,
            "Rechnungsangaben geändert",
            "Billing details changed",
        ),
        (
            INVOICE_CREATED,
            "Rechnung/Angebot angelegt",
            "Invoice/quote created",
        ),
        (INVOICE_DELETED, "Entwurf gelöscht", "Draft deleted"),
        (
            INVOICE_SENT,
            "Rechnung/Angebot versendet",
            "Invoice/quote sent",
        ),
        (INVOICE_PAID, "Rechnung bezahlt", "Invoice paid"),
        (INVOICE_OVERDUE, "Rechnung überfällig", "Invoice overdue"),
        (INVOICE_CANCELLED, "Storniert", "Cancelled"),
        (QUOTE_ACCEPTED, "Angebot angenommen", "Quote accepted"),
        (QUOTE_REJECTED, "Angebot abgelehnt", "Quote rejected"),
        (
            INVOICE_PAYMENT_MISMATCH,
            "Zahlung passt nicht zur Rechnung",
            "Payment does not match the invoice",
        ),
        (
            ORG_PAYMENTS_CHANGED,
            "Online-Zahlung geändert",
            "Online payment changed",
        ),
        (
            APPROVAL_REQUESTED,
            "Freigabe angefordert",
            "Approval requested",
        ),
        (APPROVAL_APPROVED, "Freigegeben", "Approved"),
        (HOURS_LOGGED, "Zeit erfasst", "Time logged"),
        (TICKET_OPENED, "Ticket eröffnet", "Ticket opened"),
        (TICKET_ANSWERED, "Ticket beantwortet", "Ticket answered"),
        (
            TICKET_STATE,
            "Ticketstatus geändert",
            "Ticket status changed",
        ),
        (TICKET_ASSIGNED, "Ticket zugewiesen", "Ticket assigned"),
        (
            MAIL_RELEASED,
            "Zurückgehaltene E-Mail übernommen",
            "Held e-mail released",
        ),
        (
            MAIL_DISCARDED,
            "Zurückgehaltene E-Mail verworfen",
            "Held e-mail discarded",
        ),
        (PIN_ADDED, "Markierung gesetzt", "Mark placed"),
        (PIN_REPLIED, "Markierung beantwortet", "Mark answered"),
        (PIN_RESOLVED, "Markierung erledigt", "Mark resolved"),
        (PIN_REOPENED, "Markierung wieder geöffnet", "Mark reopened"),
        (HOURS_DELETED, "Zeiteintrag gelöscht", "Time entry deleted"),
        (
            CLIENT_BUDGET_CHANGED,
            "Stundenbudget geändert",
            "Hours budget changed",
        ),
        (
            APPROVAL_CHANGES,
            "Änderungen angefordert",
            "Changes requested",
        ),
        (
            ORG_DOMAIN_CHANGED,
            "Eigene Domain geändert",
            "Own domain changed",
        ),
        (
            ORG_DOMAIN_VERIFIED,
            "Eigene Domain bestätigt",
            "Own domain verified",
        ),
        (
            ORG_PUBLIC_MODE,
            "Öffentlichkeitsmodus geändert",
            "Public mode changed",
        ),
        (
            ORG_TWO_FACTOR_RULE,
            "Zwei-Faktor-Pflicht geändert",
            "Two-factor requirement changed",
        ),
        (
            ORG_RETENTION_CHANGED,
            "Aufbewahrungsfrist geändert",
            "Retention period changed",
        ),
        (MEMBER_INVITED, "Mitglied eingeladen", "Member invited"),
        (MEMBER_JOINED, "Mitglied beigetreten", "Member joined"),
        (MEMBER_ROLE_CHANGED, "Rolle geändert", "Role changed"),
        (
            MEMBER_DEACTIVATED,
            "Mitglied deaktiviert",
            "Member deactivated",
        ),
        (
            MEMBER_REACTIVATED,
            "Mitglied reaktiviert",
            "Member reactivated",
        ),
        (
            INVITE_REVOKED,
            "Einladung zurückgezogen",
            "Invitation revoked",
        ),
        (CLIENT_CREATED, "Kunde angelegt", "Client created"),
        (
            CLIENT_UPDATED,
            "Kontaktdaten geändert",
            "Contact details changed",
        ),
        (CLIENT_STATUS_CHANGED, "Status geändert", "Status changed"),
        (CLIENT_NOTE_ADDED, "Notiz hinzugefügt", "Note added"),
        (CLIENT_DELETED, "Kunde gelöscht", "Client deleted"),
        (
            CLIENT_TEAM_CHANGED,
            "Zugriff auf Kunden geändert",
            "Client access changed",
        ),
        (
            CASE_TEAM_CHANGED,
            "Zugriff auf Vorgang geändert",
            "Case access changed",
        ),
        (
            CLIENT_CONTACT_SAVED,
            "Ansprechpartner gespeichert",
            "Contact saved",
        ),
        (
            CLIENT_CONTACT_REMOVED,
            "Ansprechpartner entfernt",
            "Contact removed",
        ),
        (
            CLIENT_EXPORTED,
            "Alle Daten exportiert",
            "All data exported",
        ),
        (LINK_CREATED, "Upload-Link erstellt", "Upload link created"),
        (LINK_SENT, "Upload-Link gesendet", "Upload link sent"),
        (
            LINK_REVOKED,
            "Upload-Link widerrufen",
            "Upload link revoked",
        ),
        (FILE_UPLOADED, "Datei hochgeladen", "File uploaded"),
        (FILE_QUARANTINED, "Datei zurückgehalten", "File held back"),
        (FILE_DOWNLOADED, "Datei heruntergeladen", "File downloaded"),
        (FILE_REVIEWED, "Datei geprüft", "File reviewed"),
        (CASE_OPENED, "Vorgang eröffnet", "Case opened"),
        (CASE_UPDATED, "Vorgang geändert", "Case changed"),
        (
            CASE_ITEM_ADDED,
            "Dokument angefordert",
            "Document requested",
        ),
        (CASE_ITEM_REMOVED, "Anforderung entfernt", "Request removed"),
        (CASE_ITEM_REVIEWED, "Dokument geprüft", "Document reviewed"),
        (CASE_FILE_ATTACHED, "Datei zugeordnet", "File assigned"),
        (CASE_CLOSED, "Vorgang abgeschlossen", "Case closed"),
        (CASE_ARCHIVED, "Vorgang archiviert", "Case archived"),
        (CASE_REOPENED, "Vorgang wieder geöffnet", "Case reopened"),
        (
            CASE_RETENTION_DELETED,
            "Vorgang nach Aufbewahrungsfrist gelöscht",
            "Case deleted after retention",
        ),
        (CASE_REMINDER_SENT, "Erinnerung gesendet", "Reminder sent"),
        (
            CASE_REMINDERS_PAUSED,
            "Erinnerungen pausiert",
            "Reminders paused",
        ),
        (
            CASE_REMINDERS_RESUMED,
            "Erinnerungen fortgesetzt",
            "Reminders resumed",
        ),
        (CASE_TEMPLATE_SAVED, "Vorlage gespeichert", "Template saved"),
        (
            CASE_TEMPLATE_DELETED,
            "Vorlage gelöscht",
            "Template deleted",
        ),
        (PORTAL_LOGIN, "Portal-Anmeldung", "Portal sign-in"),
        (
            PORTAL_ACCESS_GRANTED,
            "Portalzugang erteilt",
            "Portal access granted",
        ),
        (
            PORTAL_ACCESS_REVOKED,
            "Portalzugang entzogen",
            "Portal access revoked",
        ),
        (
            PORTAL_SESSIONS_ENDED,
            "Portal-Sitzungen beendet",
            "Portal sessions ended",
        ),
        (
            PORTAL_SECRET_CREATED,
            "Geheimer Link erstellt",
            "Secret link created",
        ),
        (
            PORTAL_SECRET_REMOVED,
            "Geheimer Link entfernt",
            "Secret link removed",
        ),
        (
            PORTAL_PASSWORD_SET,
            "Portal-Passwort gesetzt",
            "Portal password set",
        ),
        (MESSAGE_SENT, "Nachricht gesendet", "Message sent"),
        (
            AUDIT_EXPORTED,
            "Protokoll exportiert",
            "Audit trail exported",
        ),
    ]
};

/// An action's name in `lang` (the stored code for one this version does not know).
pub fn label(lang: crate::i18n::Lang, action: &str) -> &str {
    LABELS
        .iter()
        .find(|(a, ..)| *a == action)
        .map(|(_, de, en)| match lang {
            crate::i18n::Lang::De => *de,
            crate::i18n::Lang::En => *en,
        })
        .unwrap_or(action)
}

#[cfg(test)]
mod tests {
    /// Adding an action without a name for the UI fails here.
    #[test]
    fn every_action_has_a_label() {
        let src = include_str!("mod.rs");
        let start = src.find("pub mod action").unwrap();
        let end = start + src[start..].find("\n}").unwrap();
        let codes: Vec<&str> = src[start..end]
            .lines()
            .filter_map(|l| l.split('"').nth(1))
            .collect();
        assert!(codes.len() > 40);
        for c in &codes {
            assert!(
                super::LABELS.iter().any(|(a, ..)| a == c),
                "no label for {c}"
            );
        }
        assert_eq!(codes.len(), super::LABELS.len());
        assert_eq!(
            super::label(crate::i18n::Lang::En, "file.downloaded"),
            "File downloaded"
        );
        assert_eq!(
            super::label(crate::i18n::Lang::De, "x.unknown"),
            "x.unknown"
        );
    }

    #[test]
    fn filter_days_are_german_days_inclusive() {
        use super::{Filter, RangeProblem};
        let f = |from: &str, to: &str| Filter {
            from: from.into(),
            to: to.into(),
            ..Filter::default()
        };
        assert_eq!(f("", "").range(), Ok((0, i64::MAX)));
        // 2026-01-15 00:00 CET = 2026-01-14 23:00 UTC; the 16th begins a day later.
        assert_eq!(
            f("2026-01-15", "2026-01-15").range(),
            Ok((1_768_431_600_000, 1_768_518_000_000))
        );
        assert_eq!(
            f("15.01.2026", "").range(),
            Err(RangeProblem::NoDate("from"))
        );
        assert_eq!(f("", "gestern").range(), Err(RangeProblem::NoDate("to")));
        assert_eq!(
            f("2026-01-16", "2026-01-15").range(),
            Err(RangeProblem::Reversed)
        );
        assert!(f("2026-01-15", "").query().contains("from=2026-01-15"));
    }
}

//! Staff notifications: an in-app bell with the unread count (a row per member and event) and
//! e-mail per each member's preference, sent by a durable job that collects a client's
//! uploads of one minute into one mail.

pub mod api;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod prefs;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod template;
pub mod ui;

use serde::{Deserialize, Serialize};

/// Job kind of the upload mail.
pub const UPLOAD_MAIL: &str = "upload_mail";
/// Job kind of a mail about one event (a message, a request, …).
pub const NOTIFY_MAIL: &str = "notify_mail";
/// Job kind of a person's daily digest.
pub const DIGEST_MAIL: &str = "digest_mail";
/// Job kind of telling someone of a change (bell entries, mails by choice): see `prefs::Tell`.
pub const TELL: &str = "tell";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Upload,
    Quarantine,
    Message,
    /// A client accepted a quote (the subject is its number).
    QuoteAccepted,
    /// A client rejected a quote.
    QuoteRejected,
    /// A card payment arrived for an invoice (the subject is its number).
    PaymentReceived,
    /// A payment's amount or currency did not match its invoice: nothing was marked.
    PaymentMismatch,
    /// A client approved a file (the subject is its name).
    ApprovalApproved,
    /// A client asked for changes to a file.
    ApprovalChanges,
    /// A client opened a support ticket (the subject is "#12 Betreff").
    TicketOpened,
    /// A client answered on a ticket.
    TicketReply,
    /// A ticket was assigned to the reader.
    TicketAssigned,
    /// A reply by e-mail was held: its sender is no contact of the client (the subject is
    /// the sender's address).
    MailHeld,
    /// A client placed, answered, resolved or reopened a mark on a file (the subject is the
    /// file's name).
    PinActivity,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Upload => "upload",
            Kind::Quarantine => "quarantine",
            Kind::Message => "message",
            Kind::QuoteAccepted => "quote_accepted",
            Kind::QuoteRejected => "quote_rejected",
            Kind::PaymentReceived => "payment_received",
            Kind::PaymentMismatch => "payment_mismatch",
            Kind::ApprovalApproved => "approval_approved",
            Kind::ApprovalChanges => "approval_changes",
            Kind::TicketOpened => "ticket_opened",
            Kind::TicketReply => "ticket_reply",
            Kind::TicketAssigned => "ticket_assigned",
            Kind::MailHeld => "mail_held",
            Kind::PinActivity => "pin_activity",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::Upload,
            Kind::Quarantine,
            Kind::Message,
            Kind::QuoteAccepted,
            Kind::QuoteRejected,
            Kind::PaymentReceived,
            Kind::PaymentMismatch,
            Kind::ApprovalApproved,
            Kind::ApprovalChanges,
            Kind::TicketOpened,
            Kind::TicketReply,
            Kind::TicketAssigned,
            Kind::MailHeld,
            Kind::PinActivity,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A person's choice of e-mail about one kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum MailPref {
    #[default]
    Instant,
    /// Collected into one mail a day (07:00, Europe/Berlin).
    Digest,
    Off,
}

impl MailPref {
    pub const ALL: [MailPref; 3] = [MailPref::Instant, MailPref::Digest, MailPref::Off];
    pub fn as_str(self) -> &'static str {
        match self {
            MailPref::Instant => "instant",
            MailPref::Digest => "digest",
            MailPref::Off => "off",
        }
    }
    pub fn parse(s: &str) -> Option<MailPref> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A client sent a file (for staff) / the firm sent a file (for the client).
    Upload,
    /// A chat message from the other side.
    Message,
    /// A new document was requested (client).
    Request,
    /// A Rückfrage on a document (client).
    Question,
    /// A deadline reminder (client).
    Reminder,
    /// A case was closed (client).
    CaseClosed,
}

impl Event {
    pub const STAFF: [Event; 2] = [Event::Upload, Event::Message];
    pub const CLIENT: [Event; 6] = [
        Event::Message,
        Event::Request,
        Event::Question,
        Event::Reminder,
        Event::Upload,
        Event::CaseClosed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Upload => "upload",
            Event::Message => "message",
            Event::Request => "request",
            Event::Question => "question",
            Event::Reminder => "reminder",
            Event::CaseClosed => "case_closed",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::CLIENT.into_iter().find(|e| e.as_str() == s)
    }
}

/// Someone's choices, as the preference forms show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prefs {
    /// Whose: the member's or the client's name.
    pub name: String,
    pub choices: Vec<(Event, MailPref)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: String,
    pub kind: Kind,
    pub client_id: Option<String>,
    pub client_name: String,
    /// The file's name for uploads.
    pub subject: String,
    /// What it is about, for kinds with a page of their own (a ticket's id).
    #[serde(default)]
    pub subject_id: Option<String>,
    pub created_at: i64,
    pub read: bool,
}

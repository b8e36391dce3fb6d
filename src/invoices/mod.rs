//! Invoices and quotes (Rechnungen, Angebote): drafted by staff line by line with exact
//! integer-cent arithmetic, issued with a gapless number per firm, kind and year, then paid,
//! overdue, cancelled — or, for quotes, accepted or rejected by the client.

pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod mail;
pub mod money;
#[cfg(feature = "ssr")]
pub mod pdf;
pub mod portal;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod stripe;
pub mod ui;

use money::{Totals, VatRate};
use serde::{Deserialize, Serialize};

/// Invoice or quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum DocKind {
    #[default]
    Invoice,
    Quote,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Invoice => "invoice",
            DocKind::Quote => "quote",
        }
    }
    pub fn parse(s: &str) -> Option<DocKind> {
        [DocKind::Invoice, DocKind::Quote]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Where a document stands. Invoices: Entwurf → Versendet → Bezahlt, or Überfällig (due date
/// passed unpaid), or Storniert. Quotes: Entwurf → Versendet → Angenommen / Abgelehnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum DocState {
    #[default]
    Draft,
    Sent,
    Paid,
    Overdue,
    Cancelled,
    Accepted,
    Rejected,
}

impl DocState {
    pub const ALL: [DocState; 7] = [
        DocState::Draft,
        DocState::Sent,
        DocState::Paid,
        DocState::Overdue,
        DocState::Cancelled,
        DocState::Accepted,
        DocState::Rejected,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DocState::Draft => "draft",
            DocState::Sent => "sent",
            DocState::Paid => "paid",
            DocState::Overdue => "overdue",
            DocState::Cancelled => "cancelled",
            DocState::Accepted => "accepted",
            DocState::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<DocState> {
        DocState::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Whether the client still owes the amount.
    pub fn outstanding(self) -> bool {
        matches!(self, DocState::Sent | DocState::Overdue)
    }
}

/// One line of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub id: String,
    pub description: String,
    /// Thousandths (1,5 h = 1500).
    pub quantity_milli: i64,
    pub unit: String,
    pub unit_cents: i64,
    pub vat: VatRate,
    pub net_cents: i64,
}

/// A document in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocSummary {
    pub id: String,
    pub kind: DocKind,
    pub client_id: String,
    pub client_name: String,
    /// Empty while a draft: numbers are given when a document is issued.
    pub number: String,
    pub state: DocState,
    pub issued_at: Option<i64>,
    pub due_at: Option<i64>,
    pub gross_cents: i64,
    pub created_at: i64,
}

/// A document with everything its page and its PDF show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocDetail {
    pub summary: DocSummary,
    /// The recipient's address block as printed.
    pub recipient: String,
    /// The firm's address block and tax id as printed (taken from the settings when issued).
    pub seller: String,
    pub tax_id: String,
    pub bank: String,
    pub notes: String,
    pub lines: Vec<Line>,
    pub totals: Totals,
    /// The client's comment on a quote they accepted or rejected.
    pub decision_comment: String,
    /// For an invoice made from a quote: the quote's number.
    pub from_quote: Option<String>,
}

/// Online payment as the settings show it: which keys are stored (never the keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PaymentSettings {
    pub secret_key_set: bool,
    pub webhook_secret_set: bool,
    pub sepa: bool,
    /// Where to point Stripe's webhook (event `checkout.session.completed`).
    pub webhook_url: String,
}

/// The firm's billing details: printed on every document it issues.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Billing {
    /// Name and address lines of the firm.
    pub address: String,
    /// Steuernummer or USt-IdNr.
    pub tax_id: String,
    /// Bank details for transfers (IBAN, BIC).
    pub bank: String,
    /// Days until an invoice is due.
    pub terms_days: i64,
    /// The mail text sent with a document; `{{ portal_url }}` becomes the portal link.
    pub mail_text: String,
    /// Clients see their hours and budget in the portal (see `crate::hours`).
    #[serde(default)]
    pub hours_in_portal: bool,
}

/// The overdue job (every minute): sent invoices past their due date become Überfällig, each
/// recorded in the firm's audit trail. Returns how many.
#[cfg(feature = "ssr")]
pub async fn overdue_scan(st: &crate::server::AppState, now: i64) -> Result<usize, sqlx::Error> {
    let overdue = repo::mark_overdue(&st.db, now).await?;
    let actor = crate::audit::repo::Actor {
        name: crate::i18n::Lang::default()
            .t()
            .inv_overdue_actor
            .to_string(),
        ..Default::default()
    };
    for (org, client, _, number) in &overdue {
        crate::audit::repo::record(
            &st.db,
            org,
            &actor,
            Some(client),
            crate::audit::action::INVOICE_OVERDUE,
            number,
        )
        .await?;
    }
    Ok(overdue.len())
}

//! Pure rules of invoices and quotes: which state follows which action, document numbers,
//! input limits. No I/O, so everything is unit-tested here.

use super::{DocKind, DocState};

pub const TEXT_MAX: usize = 2_000;
pub const LINE_TEXT_MAX: usize = 500;
pub const UNIT_MAX: usize = 20;
pub const LINES_MAX: usize = 100;
/// Payment terms offered when nothing else is set: due 14 days after issue.
pub const DEFAULT_TERMS_DAYS: i64 = 14;

/// What staff (or the client, or the overdue job) do with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocEvent {
    /// Issue it: it gets its number and goes to the client.
    Send,
    /// The money arrived (bank transfer marked by staff, or the card payment confirmed).
    Pay,
    /// The due date passed unpaid (the overdue job).
    DueDatePassed,
    /// Cancelled (Storno): a sent invoice is never edited, only cancelled and replaced.
    Cancel,
    /// The client accepts a quote.
    Accept,
    /// The client rejects a quote.
    Reject,
}

/// Why an action does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Sending a document without lines.
    NoLines,
    /// The action does not fit the kind or the state (e.g. paying a draft, accepting an invoice).
    WrongState,
}

/// The one place that decides a document's next state.
pub fn next_state(
    kind: DocKind,
    current: DocState,
    event: DocEvent,
    lines: usize,
) -> Result<DocState, Refusal> {
    use DocEvent::*;
    use DocState::*;
    match (kind, current, event) {
        (_, Draft, Send) if lines == 0 => Err(Refusal::NoLines),
        (_, Draft, Send) => Ok(Sent),
        (DocKind::Invoice, Sent | Overdue, Pay) => Ok(Paid),
        (DocKind::Invoice, Sent, DueDatePassed) => Ok(Overdue),
        (DocKind::Invoice, Sent | Overdue, Cancel) => Ok(Cancelled),
        (DocKind::Quote, Sent, Accept) => Ok(Accepted),
        (DocKind::Quote, Sent, Reject) => Ok(Rejected),
        (DocKind::Quote, Sent, Cancel) => Ok(Cancelled),
        _ => Err(Refusal::WrongState),
    }
}

/// Whether the document can still be changed (only drafts: what a client received stays as
/// it was).
pub fn editable(state: DocState) -> bool {
    state == DocState::Draft
}

/// A document number: `2025-0042` for invoices, `A-2025-0007` for quotes (Angebote) — one
/// sequence per firm, kind and year, without gaps.
pub fn number(kind: DocKind, year: i32, seq: i64) -> String {
    match kind {
        DocKind::Invoice => format!("{year}-{seq:04}"),
        DocKind::Quote => format!("A-{year}-{seq:04}"),
    }
}

/// The file name of a document's PDF: `2025-0042_Rechnung.pdf`.
pub fn pdf_name(kind: DocKind, number: &str, t: &crate::i18n::T) -> String {
    let word = match kind {
        DocKind::Invoice => t.inv_file_invoice,
        DocKind::Quote => t.inv_file_quote,
    };
    format!("{number}_{word}.pdf")
}

#[cfg(test)]
mod tests {
    use super::*;
    use DocEvent::*;
    use DocState::*;

    #[test]
    fn invoices_go_from_draft_to_sent_to_paid_or_overdue_or_cancelled() {
        let inv = |s, e| next_state(DocKind::Invoice, s, e, 1);
        assert_eq!(inv(Draft, Send), Ok(Sent));
        assert_eq!(
            next_state(DocKind::Invoice, Draft, Send, 0),
            Err(Refusal::NoLines)
        );
        assert_eq!(inv(Sent, Pay), Ok(Paid));
        assert_eq!(inv(Sent, DueDatePassed), Ok(Overdue));
        assert_eq!(inv(Overdue, Pay), Ok(Paid));
        assert_eq!(inv(Overdue, DueDatePassed), Err(Refusal::WrongState));
        assert_eq!(inv(Sent, Cancel), Ok(Cancelled));
        assert_eq!(inv(Overdue, Cancel), Ok(Cancelled));
        for (s, e) in [
            (Draft, Pay),
            (Draft, Cancel),
            (Paid, Pay),
            (Paid, Cancel),
            (Paid, DueDatePassed),
            (Cancelled, Pay),
            (Cancelled, Send),
            (Sent, Send),
            (Sent, Accept),
            (Sent, Reject),
        ] {
            assert_eq!(inv(s, e), Err(Refusal::WrongState), "{s:?} {e:?}");
        }
        assert!(editable(Draft));
        assert!(!editable(Sent) && !editable(Paid) && !editable(Overdue));
    }

    #[test]
    fn quotes_are_accepted_or_rejected_never_paid() {
        let q = |s, e| next_state(DocKind::Quote, s, e, 1);
        assert_eq!(q(Draft, Send), Ok(Sent));
        assert_eq!(q(Sent, Accept), Ok(Accepted));
        assert_eq!(q(Sent, Reject), Ok(Rejected));
        assert_eq!(q(Sent, Cancel), Ok(Cancelled));
        for (s, e) in [
            (Sent, Pay),
            (Sent, DueDatePassed),
            (Accepted, Reject),
            (Rejected, Accept),
            (Draft, Accept),
        ] {
            assert_eq!(q(s, e), Err(Refusal::WrongState), "{s:?} {e:?}");
        }
    }

    #[test]
    fn numbers_and_file_names() {
        assert_eq!(number(DocKind::Invoice, 2025, 42), "2025-0042");
        assert_eq!(number(DocKind::Quote, 2026, 7), "A-2026-0007");
        assert_eq!(number(DocKind::Invoice, 2025, 12345), "2025-12345");
        let t = crate::i18n::Lang::De.t();
        assert_eq!(
            pdf_name(DocKind::Invoice, "2025-0042", t),
            "2025-0042_Rechnung.pdf"
        );
        assert_eq!(
            pdf_name(DocKind::Quote, "A-2025-0001", t),
            "A-2025-0001_Angebot.pdf"
        );
    }
}

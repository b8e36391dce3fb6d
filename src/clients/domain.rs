//! Pure rules of client management: the status machine, input parsing and search
//! normalisation. No I/O here, so everything is unit-tested directly.

use super::ClientStatus;

/// What happened to a client, as far as its status is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusEvent {
    /// Staff picked a status by hand; always wins.
    SetByStaff(ClientStatus),
    /// A file from the client passed the checks and was accepted.
    UploadAccepted,
    /// The last open case of the client was closed with every required item reviewed.
    AllCasesClosed,
    /// A case was (re)opened for the client.
    CaseOpened,
}

/// The one place that decides a client's status.
///
/// Offen → Teilweise on the first accepted upload; Vollständig when every case is closed;
/// a (re)opened case brings a complete client back to Teilweise. Staff can always set any status.
pub fn next_status(current: ClientStatus, event: StatusEvent) -> ClientStatus {
    use ClientStatus::*;
    match (current, event) {
        (_, StatusEvent::SetByStaff(s)) => s,
        (Offen, StatusEvent::UploadAccepted) => Teilweise,
        (s, StatusEvent::UploadAccepted) => s,
        (_, StatusEvent::AllCasesClosed) => Vollstaendig,
        (Vollstaendig, StatusEvent::CaseOpened) => Teilweise,
        (s, StatusEvent::CaseOpened) => s,
    }
}

pub use crate::validate::{clean_email, clean_text, FieldProblem};

pub const NAME_MAX: usize = 200;
pub const COMPANY_MAX: usize = 200;
pub const NOTE_MAX: usize = 10_000;

/// The lower-cased text one search pattern is matched against: all searchable fields at once.
pub fn search_text(name: &str, email: &str, company: &str) -> String {
    format!("{name}\u{1f}{email}\u{1f}{company}").to_lowercase()
}

/// Turns what the user typed into a LIKE pattern (`%…%`), escaping LIKE's wildcards so
/// "50%" or "a_b" match literally. `None` when there is nothing to search for.
pub fn search_pattern(query: &str) -> Option<String> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars().take(200) {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClientStatus::*;

    #[test]
    fn first_upload_moves_offen_to_teilweise_only() {
        assert_eq!(next_status(Offen, StatusEvent::UploadAccepted), Teilweise);
        assert_eq!(
            next_status(Teilweise, StatusEvent::UploadAccepted),
            Teilweise
        );
        assert_eq!(
            next_status(Vollstaendig, StatusEvent::UploadAccepted),
            Vollstaendig
        );
    }

    #[test]
    fn staff_choice_always_wins() {
        for from in [Offen, Teilweise, Vollstaendig] {
            for to in [Offen, Teilweise, Vollstaendig] {
                assert_eq!(next_status(from, StatusEvent::SetByStaff(to)), to);
            }
        }
    }

    #[test]
    fn closing_all_cases_completes_and_reopening_goes_back() {
        assert_eq!(
            next_status(Teilweise, StatusEvent::AllCasesClosed),
            Vollstaendig
        );
        assert_eq!(
            next_status(Vollstaendig, StatusEvent::CaseOpened),
            Teilweise
        );
        assert_eq!(next_status(Offen, StatusEvent::CaseOpened), Offen);
    }

    #[test]
    fn search_is_case_insensitive_across_fields_and_escapes_wildcards() {
        let t = search_text("Müller & Partner", "INFO@Mueller.de", "Müller GmbH");
        assert!(t.contains("müller & partner") && t.contains("info@mueller.de"));
        assert_eq!(search_pattern("  SCHMIDT "), Some("%schmidt%".into()));
        assert_eq!(search_pattern("@gmail.com"), Some("%@gmail.com%".into()));
        assert_eq!(search_pattern("50%_x"), Some("%50\\%\\_x%".into()));
        assert_eq!(search_pattern("   "), None);
    }
}

//! Pure rules of the chat: what a valid message is, which messages count as unread for whom,
//! system messages as codes, and links made clickable without any HTML.

use super::Author;

/// Longest message, in characters.
pub const MAX_CHARS: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    TooLong,
}

/// Trims, normalises line breaks and drops control characters (keeping line breaks and tabs).
pub fn clean_text(input: &str) -> Result<String, TextProblem> {
    let s: String = input
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    let s = s.trim().to_string();
    if s.is_empty() {
        Err(TextProblem::Empty)
    } else if s.chars().count() > MAX_CHARS {
        Err(TextProblem::TooLong)
    } else {
        Ok(s)
    }
}

/// Messages the staff have not read count when the client or the app (for the client) wrote
/// them; for the client, when staff or the app (for the firm) wrote them.
pub fn unread_for_staff(a: Author) -> bool {
    matches!(a, Author::Client | Author::SystemClient)
}

pub fn unread_for_client(a: Author) -> bool {
    matches!(a, Author::Staff | Author::SystemFirm)
}

/// What a system message says, stored as `code|argument`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum System {
    /// „Dokument ist hochgeladen: Vollmacht.pdf“
    Uploaded(String),
    /// „Dokumenten-Upload validiert, Datei-Scan freigegeben.“
    ScanClean(String),
    /// The scan quarantined a file.
    Quarantined(String),
    /// A requested document was marked geprüft.
    Reviewed(String),
    /// A Rückfrage: (document, question).
    Question(String, String),
    /// „Neues Dokument angefordert: …“
    Requested(String),
    /// A case was closed.
    CaseClosed(String),
    /// A mark on a file was placed, answered, resolved or reopened: (file name, file id, by the
    /// client, what happened). Shown with a link to the marking view of the reader's side.
    Marked(String, String, bool, MarkEvent),
}

/// What happened to a mark (see [`System::Marked`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkEvent {
    Added,
    Replied,
    Resolved,
    Reopened,
}

impl MarkEvent {
    const ALL: [MarkEvent; 4] = [
        MarkEvent::Added,
        MarkEvent::Replied,
        MarkEvent::Resolved,
        MarkEvent::Reopened,
    ];
    fn as_str(self) -> &'static str {
        match self {
            MarkEvent::Added => "added",
            MarkEvent::Replied => "replied",
            MarkEvent::Resolved => "resolved",
            MarkEvent::Reopened => "reopened",
        }
    }
}

impl System {
    pub fn encode(&self) -> String {
        match self {
            System::Uploaded(a) => format!("uploaded|{a}"),
            System::ScanClean(a) => format!("scan_clean|{a}"),
            System::Quarantined(a) => format!("quarantined|{a}"),
            System::Reviewed(a) => format!("reviewed|{a}"),
            System::Question(a, q) => format!("question|{a}\u{1f}{q}"),
            System::Requested(a) => format!("requested|{a}"),
            System::CaseClosed(a) => format!("case_closed|{a}"),
            System::Marked(a, id, client, what) => format!(
                "marked|{a}\u{1f}{id}\u{1f}{}\u{1f}{}",
                u8::from(*client),
                what.as_str()
            ),
        }
    }

    pub fn decode(s: &str) -> Option<System> {
        let (code, arg) = s.split_once('|')?;
        let arg = arg.to_string();
        Some(match code {
            "uploaded" => System::Uploaded(arg),
            "scan_clean" => System::ScanClean(arg),
            "quarantined" => System::Quarantined(arg),
            "reviewed" => System::Reviewed(arg),
            "question" => {
                let (a, q) = arg.split_once('\u{1f}')?;
                System::Question(a.to_string(), q.to_string())
            }
            "requested" => System::Requested(arg),
            "case_closed" => System::CaseClosed(arg),
            "marked" => {
                let mut it = arg.split('\u{1f}');
                let (a, id, client) = (it.next()?, it.next()?, it.next()?);
                let what = it.next().unwrap_or("added");
                let what = MarkEvent::ALL.into_iter().find(|w| w.as_str() == what)?;
                System::Marked(a.to_string(), id.to_string(), client == "1", what)
            }
            _ => return None,
        })
    }

    pub fn author(&self) -> Author {
        match self {
            System::Uploaded(_) | System::ScanClean(_) | System::Quarantined(_) => {
                Author::SystemClient
            }
            System::Marked(_, _, true, _) => Author::SystemClient,
            _ => Author::SystemFirm,
        }
    }

    /// In words, in the reader's language.
    pub fn text(&self, t: &crate::i18n::T) -> String {
        use crate::i18n::fill;
        match self {
            System::Uploaded(a) => fill(t.sys_uploaded, &[("name", a)]),
            System::ScanClean(a) => fill(t.sys_scan_clean, &[("name", a)]),
            System::Quarantined(a) => fill(t.sys_quarantined, &[("name", a)]),
            System::Reviewed(a) => fill(t.sys_reviewed, &[("name", a)]),
            System::Question(a, q) => fill(t.sys_question, &[("name", a), ("text", q)]),
            System::Requested(a) => fill(t.sys_requested, &[("name", a)]),
            System::CaseClosed(a) => fill(t.sys_case_closed, &[("name", a)]),
            System::Marked(a, _, _, what) => fill(
                match what {
                    MarkEvent::Added => t.sys_marked,
                    MarkEvent::Replied => t.sys_mark_replied,
                    MarkEvent::Resolved => t.sys_mark_resolved,
                    MarkEvent::Reopened => t.sys_mark_reopened,
                },
                &[("name", a)],
            ),
        }
    }
}

/// A piece of a message: plain text, or a web address to show as a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Link(String),
}

/// Splits a message into text and links (`http://`, `https://`; a trailing `.,;:!?)` stays
/// text). Rendered as text nodes and `<a href>` with the address as an attribute value, so no
/// message can inject markup; only web addresses become links (no `javascript:`).
pub fn linkify(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        let (before, from) = rest.split_at(at);
        let end = from
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(from.len());
        let mut url = &from[..end];
        while let Some(last) = url.chars().last() {
            if ".,;:!?)'".contains(last) {
                url = &url[..url.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        let scheme_only = url == "http://" || url == "https://";
        if !before.is_empty() {
            push_text(&mut out, before);
        }
        if scheme_only {
            push_text(&mut out, url);
        } else {
            out.push(Piece::Link(url.to_string()));
        }
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        push_text(&mut out, rest);
    }
    out
}

fn find_url(s: &str) -> Option<usize> {
    let a = s.find("https://");
    let b = s.find("http://");
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn push_text(out: &mut Vec<Piece>, s: &str) {
    if let Some(Piece::Text(prev)) = out.last_mut() {
        prev.push_str(s);
    } else {
        out.push(Piece::Text(s.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_cleaned_and_bounded() {
        assert_eq!(
            clean_text("  Hallo\r\nWelt \u{7}"),
            Ok("Hallo\nWelt".into())
        );
        assert_eq!(clean_text(" \n "), Err(TextProblem::Empty));
        assert_eq!(
            clean_text(&"x".repeat(MAX_CHARS)).map(|s| s.len()),
            Ok(MAX_CHARS)
        );
        assert_eq!(
            clean_text(&"x".repeat(MAX_CHARS + 1)),
            Err(TextProblem::TooLong)
        );
    }

    #[test]
    fn unread_depends_on_who_reads() {
        assert!(unread_for_staff(Author::Client));
        assert!(unread_for_staff(Author::SystemClient));
        assert!(!unread_for_staff(Author::Staff));
        assert!(!unread_for_staff(Author::SystemFirm));
        assert!(unread_for_client(Author::Staff));
        assert!(unread_for_client(Author::SystemFirm));
        assert!(!unread_for_client(Author::Client));
        assert!(!unread_for_client(Author::SystemClient));
    }

    #[test]
    fn system_messages_round_trip() {
        for s in [
            System::Uploaded("Vollmacht.pdf".into()),
            System::ScanClean("a|b.pdf".into()),
            System::Question("Ausweis".into(), "Rückseite | bitte".into()),
            System::Requested("Kontoauszüge".into()),
            System::CaseClosed("ESt 2025".into()),
            System::Marked(
                "Flyer | v2.pdf".into(),
                "0190-ab".into(),
                true,
                MarkEvent::Added,
            ),
            System::Marked(
                "Logo.png".into(),
                "0190-cd".into(),
                false,
                MarkEvent::Resolved,
            ),
        ] {
            assert_eq!(System::decode(&s.encode()), Some(s));
        }
        assert_eq!(System::decode("nonsense"), None);
        let t = crate::i18n::Lang::De.t();
        assert_eq!(
            System::Uploaded("Vollmacht.pdf".into()).text(t),
            "Dokument ist hochgeladen: Vollmacht.pdf"
        );
        assert_eq!(
            System::ScanClean("x".into()).text(t),
            "Dokumenten-Upload validiert, Datei-Scan freigegeben: x"
        );
    }

    #[test]
    fn links_become_links_and_nothing_else() {
        assert_eq!(
            linkify("Siehe https://example.com/a?b=1, danke."),
            vec![
                Piece::Text("Siehe ".into()),
                Piece::Link("https://example.com/a?b=1".into()),
                Piece::Text(", danke.".into()),
            ]
        );
        assert_eq!(
            linkify("<script>alert(1)</script> javascript:alert(1)"),
            vec![Piece::Text(
                "<script>alert(1)</script> javascript:alert(1)".into()
            )]
        );
        assert_eq!(
            linkify("(http://a.de) und http://"),
            vec![
                Piece::Text("(".into()),
                Piece::Link("http://a.de".into()),
                Piece::Text(") und http://".into()),
            ]
        );
        assert_eq!(
            linkify("x https://a.de\"onmouseover=\"y"),
            vec![
                Piece::Text("x ".into()),
                Piece::Link("https://a.de".into()),
                Piece::Text("\"onmouseover=\"y".into()),
            ]
        );
    }
}

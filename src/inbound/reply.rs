//! Cleaning a reply mail's text: what a client wrote when answering a notification mail by
//! e-mail, without the quoted earlier mail, the signature and the mobile-client footer.
//!
//! The input is the body as `mail-parser` hands it over (`Message::body_text(0)`): the decoded
//! text of a text/plain part, or — for HTML-only mails — its HTML→text conversion, in which
//! `<blockquote>` loses its meaning (the quote is plain text after the attribution line) and
//! only `<br>` and `</p>` become line breaks.
//!
//! Rules, applied line by line from the top (German and English mail clients):
//! - a line starting with `>` is quoted and dropped wherever it is (inline answers between
//!   quote blocks stay); blank lines right after a dropped block are dropped when the kept text
//!   already ends with a blank line, so inline answers keep one blank line between them;
//! - an attribution line ("On … wrote:", "Am … schrieb …:", also wrapped over two or three
//!   lines as Gmail does) is dropped when a quote block follows it; when unquoted text follows
//!   (Outlook, HTML-only mails) the text is cut there;
//! - a line ending in ':' that mentions "wrote"/"schrieb" or an address is dropped when a
//!   quote block follows it;
//! - cut at: the signature separator ("-- " / "--"), "-----Ursprüngliche Nachricht-----" /
//!   "-----Original Message-----" and similar, the Outlook header block ("Von:"/"From:" with
//!   "Gesendet:"/"Sent:"/"Datum:"/"Date:" on the following lines) and the underscore line
//!   Outlook puts before that block;
//! - mobile footers ("Von meinem iPhone gesendet", "Sent from my iPhone", …) are dropped when
//!   they are the last non-empty lines;
//! - line endings become "\n", trailing whitespace of every line and leading/trailing
//!   whitespace of the whole are trimmed; the reply's own blank lines stay as they are.
//!
//! Pure std, no allocation proportional to more than the input, never panics.

/// Longest line (in bytes) that can still be an attribution or a footer; longer lines are text.
const MAX_ATTRIBUTION_LEN: usize = 400;

/// The new text of a reply: quoted earlier mail and the signature removed, trailing blank lines
/// trimmed, line endings normalised to "\n", leading/trailing whitespace of the whole trimmed.
pub fn extract(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let normalised = normalised.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = normalised.split('\n').map(str::trim_end).collect();
    let n = lines.len();

    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < n {
        let line = lines[i];

        if is_quote(line) {
            while i < n && is_quote(lines[i]) {
                i += 1;
            }
            if out.last().is_none_or(|l| l.is_empty()) {
                while i < n && lines[i].is_empty() {
                    i += 1;
                }
            }
            continue;
        }

        if is_signature_separator(line)
            || is_original_message_separator(line)
            || is_header_block(&lines, i)
            || (is_underscore_line(line)
                && next_nonblank(&lines, i + 1).is_some_and(|k| is_header_block(&lines, k)))
        {
            break;
        }

        if let Some(span) = attribution_span(&lines, i) {
            match next_nonblank(&lines, i + span) {
                // "On … wrote:" + "> …": drop the attribution, the quote goes next round.
                Some(k) if is_quote(lines[k]) => {
                    i = k;
                    continue;
                }
                // Unquoted quote (HTML-only mail, top-posting without '>') or nothing: cut.
                _ => break,
            }
        }

        let quote_after_loose = if is_loose_attribution(line) {
            next_nonblank(&lines, i + 1).filter(|&k| is_quote(lines[k]))
        } else {
            None
        };
        if let Some(k) = quote_after_loose {
            i = k;
            continue;
        }

        out.push(line);
        i += 1;
    }

    strip_footers(&mut out);
    out.join("\n").trim().to_string()
}

/// A quoted line: starts with '>' (after optional indentation).
fn is_quote(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// The signature separator: a line that is "-- " or "--".
fn is_signature_separator(line: &str) -> bool {
    line.trim() == "--"
}

/// "-----Ursprüngliche Nachricht-----", "-----Original Message-----",
/// "---------- Forwarded message ---------" and the like.
fn is_original_message_separator(line: &str) -> bool {
    let t = line.trim();
    if !t.starts_with("--") || t.len() > 80 {
        return false;
    }
    let core = t
        .trim_matches(|c: char| c == '-' || c.is_whitespace())
        .to_lowercase();
    matches!(
        core.as_str(),
        "ursprüngliche nachricht"
            | "original message"
            | "original-nachricht"
            | "originalnachricht"
            | "weitergeleitete nachricht"
            | "forwarded message"
            | "message d'origine"
            | "message transféré"
    )
}

/// Outlook's separator line before its header block: only underscores, at least ten.
fn is_underscore_line(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 10 && t.chars().all(|c| c == '_')
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HeaderKey {
    From,
    Date,
    Other,
}

/// The header a line of a quoted header block starts with ("Von:", "*Sent:*", …).
fn header_key(line: &str) -> Option<HeaderKey> {
    let t = line.trim_start().trim_start_matches('*');
    let colon = t.find(':')?;
    if colon > 12 {
        return None;
    }
    // ':' is ASCII, so `colon` is a char boundary.
    let key = t[..colon].trim_end_matches('*').trim().to_lowercase();
    match key.as_str() {
        "von" | "from" => Some(HeaderKey::From),
        "gesendet" | "sent" | "datum" | "date" => Some(HeaderKey::Date),
        "an" | "to" | "cc" | "bcc" | "betreff" | "subject" | "antwort an" | "reply-to" => {
            Some(HeaderKey::Other)
        }
        _ => None,
    }
}

/// Whether an Outlook/webmail header block of the quoted mail starts at line `i`: a "Von:" /
/// "From:" (or "Gesendet:"/"Sent:"/"Datum:"/"Date:") line directly followed by header lines
/// so that both a sender and a date line occur within the next few lines.
fn is_header_block(lines: &[&str], i: usize) -> bool {
    let Some(first) = lines.get(i).and_then(|l| header_key(l)) else {
        return false;
    };
    if first == HeaderKey::Other {
        return false;
    }
    let mut has_from = first == HeaderKey::From;
    let mut has_date = first == HeaderKey::Date;
    for line in lines.iter().skip(i + 1).take(6) {
        if line.trim().is_empty() {
            continue;
        }
        match header_key(line) {
            Some(HeaderKey::From) => has_from = true,
            Some(HeaderKey::Date) => has_date = true,
            Some(HeaderKey::Other) => {}
            None => return false,
        }
        if has_from && has_date {
            return true;
        }
    }
    false
}

/// Index of the first non-blank line at or after `from`.
fn next_nonblank(lines: &[&str], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&k| !lines[k].trim().is_empty())
}

/// Number of lines (1–3) of an attribution line starting at `i`, if one does. Wrapped
/// attributions (Gmail breaks long ones) must contain an address.
fn attribution_span(lines: &[&str], i: usize) -> Option<usize> {
    let first = lines.get(i)?.trim();
    if first.is_empty() || first.len() > MAX_ATTRIBUTION_LEN {
        return None;
    }
    let mut joined = String::new();
    for span in 1..=3 {
        let line = lines.get(i + span - 1)?.trim();
        if span > 1 {
            // A continuation of a wrapped attribution is never a quote, never an attribution
            // (or the start of one) itself: "Am besten rufen Sie an.\nAm 24.11. … schrieb …:"
            // keeps its first line.
            if line.is_empty()
                || is_quote(line)
                || first.ends_with(':')
                || starts_attribution(line)
                || is_attribution_text(line, false)
            {
                return None;
            }
            joined.push(' ');
        }
        if joined.len() + line.len() > MAX_ATTRIBUTION_LEN {
            return None;
        }
        joined.push_str(line);
        if is_attribution_text(&joined, span > 1) {
            return Some(span);
        }
    }
    None
}

/// Starts like an attribution line ("On …", "Am …", "Le …", …).
fn starts_attribution(line: &str) -> bool {
    let t = line.trim_start();
    let Some(word) = t.get(..3) else {
        return false;
    };
    matches!(
        word.to_ascii_lowercase().as_str(),
        "on " | "am " | "le " | "el " | "il " | "op "
    )
}

/// "On Mon, 24 Nov 2026 at 10:15, X <x@y.de> wrote:", "Am 24.11.26 um 10:15 schrieb X:", …
fn is_attribution_text(text: &str, wrapped: bool) -> bool {
    let t = text.trim();
    if !t.ends_with(':') {
        return false;
    }
    let has_at = t.contains('@');
    if wrapped && !has_at {
        return false;
    }
    if !has_at && !has_time(t) {
        return false;
    }
    let lower = t.to_lowercase();
    let body = lower.trim_end_matches(':').trim_end();

    // English (Gmail, Apple Mail, Thunderbird).
    if lower.starts_with("on ")
        && body.ends_with(" wrote")
        && !body.ends_with(" i wrote")
        && !body.ends_with(" we wrote")
    {
        return true;
    }
    // German (Gmail, Apple Mail, Thunderbird, GMX/Web.de).
    if lower.starts_with("am ")
        && (lower.contains(" schrieb ")
            || body.ends_with(" schrieb")
            || body.ends_with(" geschrieben"))
        && !lower.contains(" schrieb ich ")
        && !lower.contains(" schrieben ")
    {
        return true;
    }
    // French, Spanish, Italian, Dutch.
    if (lower.starts_with("le ") && body.ends_with("a écrit"))
        || (lower.starts_with("el ") && body.ends_with("escribió"))
        || (lower.starts_with("il ") && body.ends_with("ha scritto"))
        || (lower.starts_with("op ") && body.ends_with("schreef"))
    {
        return true;
    }
    // "Kanzlei Muster <x@y.de> wrote:", "Kanzlei Muster <x@y.de> schrieb am 24.11.2026 10:15:".
    has_at
        && (body.ends_with(" wrote")
            || body.ends_with(" schrieb")
            || lower.contains(" schrieb am ")
            || lower.contains(" wrote on "))
}

/// Contains a time like "10:15" or "9:05".
fn has_time(text: &str) -> bool {
    text.as_bytes().windows(4).any(|w| {
        w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit() && w[3].is_ascii_digit()
    })
}

/// A line ending in ':' that looks like an attribution; only acted on right before a quote.
fn is_loose_attribution(line: &str) -> bool {
    let t = line.trim();
    if !t.ends_with(':') || t.len() > MAX_ATTRIBUTION_LEN {
        return false;
    }
    let lower = t.to_lowercase();
    t.contains('@')
        || lower.contains("wrote")
        || lower.contains("schrieb")
        || lower.contains("geschrieben")
        || lower.contains("écrit")
}

/// Drops trailing blank lines and mobile-client footers at the end of the kept text.
fn strip_footers(out: &mut Vec<&str>) {
    loop {
        while out.last().is_some_and(|l| l.trim().is_empty()) {
            out.pop();
        }
        let Some(last) = out.last() else {
            break;
        };
        if !is_mobile_footer(last) {
            break;
        }
        out.pop();
    }
}

/// "Von meinem iPhone gesendet", "Sent from my iPhone", "Sent from Outlook for Android", …
fn is_mobile_footer(line: &str) -> bool {
    let t = line.trim().trim_end_matches('.').trim_end();
    if t.len() > 80 {
        return false;
    }
    let lower = t.to_lowercase();
    lower.starts_with("sent from my ")
        || lower.starts_with("sent from outlook")
        || lower.starts_with("sent from mail for windows")
        || lower.starts_with("sent from yahoo mail")
        || lower.starts_with("get outlook for ")
        || (lower.starts_with("von meinem ") && lower.ends_with(" gesendet"))
        || lower.starts_with("gesendet von meinem ")
        || lower.starts_with("gesendet von mail für windows")
        || lower.starts_with("gesendet von outlook für ")
        || lower.starts_with("gesendet mit der web.de mail app")
        || lower.starts_with("gesendet mit der gmx mail app")
        || lower.starts_with("diese nachricht wurde von meinem android")
}

#[cfg(test)]
mod tests {
    use super::extract;

    #[test]
    fn plain_reply_is_kept_and_trimmed() {
        assert_eq!(extract("\n\n  Danke!  \n\n\n"), "Danke!");
        assert_eq!(extract(""), "");
        assert_eq!(extract("   \n \t \n"), "");
    }

    #[test]
    fn paragraphs_and_internal_blank_lines_stay() {
        let text = "Guten Tag,\n\n\nanbei die Belege.   \nViele Grüße\n\n";
        assert_eq!(
            extract(text),
            "Guten Tag,\n\n\nanbei die Belege.\nViele Grüße"
        );
    }

    #[test]
    fn line_endings_are_normalised() {
        assert_eq!(
            extract("Zeile 1\r\nZeile 2\rZeile 3\r\n"),
            "Zeile 1\nZeile 2\nZeile 3"
        );
    }

    #[test]
    fn gmail_german_attribution() {
        let text = "Passt, danke.\n\nAm Mo., 24. Nov. 2026 um 10:15 Uhr schrieb Kanzlei <x@y.de>:\n\n> Hallo\n> Welt\n";
        assert_eq!(extract(text), "Passt, danke.");
    }

    #[test]
    fn gmail_english_attribution() {
        let text = "Thanks!\n\nOn Mon, 24 Nov 2026 at 10:15, Kanzlei <x@y.de> wrote:\n> Hello\n";
        assert_eq!(extract(text), "Thanks!");
    }

    #[test]
    fn gmail_wrapped_attribution() {
        let text = "Erledigt.\n\nAm Mo., 24. Nov. 2026 um 10:15 Uhr schrieb Kanzlei Muster <\nnoreply@kanzlei.de>:\n\n> Bitte laden Sie ...\n";
        assert_eq!(extract(text), "Erledigt.");
    }

    #[test]
    fn apple_and_thunderbird_attributions() {
        for attribution in [
            "Am 24.11.2026 um 10:15 schrieb Kanzlei Muster <x@y.de>:",
            "On 24 Nov 2026, at 10:15, Kanzlei <x@y.de> wrote:",
            "Am 24.11.26 um 10:15 schrieb Kanzlei Muster:",
            "On 11/24/26 10:15 AM, Kanzlei Muster wrote:",
        ] {
            let text = format!("Antwort\n\n{attribution}\n> Zitat\n");
            assert_eq!(extract(&text), "Antwort", "{attribution}");
        }
    }

    #[test]
    fn attribution_without_quote_marks_cuts_everything_after() {
        // What an HTML-only reply looks like after mail-parser's HTML→text conversion.
        let text = "Ja, das passt.\nAm Mo., 24. Nov. 2026 um 10:15\u{a0}Uhr schrieb Kanzlei <x@y.de>:\nGuten Tag,\nbitte laden Sie ...";
        assert_eq!(extract(text), "Ja, das passt.");
    }

    #[test]
    fn sentence_that_looks_like_attribution_stays() {
        let text = "Am Montag schrieb ich Ihnen bereits…\nAm 3. März um 9:00 schrieb ich Ihnen Folgendes:\nbitte prüfen.";
        assert_eq!(extract(text), text);
        let text = "On Monday I wrote to you:\nplease check.";
        assert_eq!(extract(text), text);
    }

    #[test]
    fn line_before_an_attribution_is_not_part_of_it() {
        let text = "Am besten rufen Sie mich an.\nAm 24.11.2026 um 10:15 schrieb Kanzlei Muster <x@y.de>:\n> Zitat";
        assert_eq!(extract(text), "Am besten rufen Sie mich an.");
        let text =
            "On second thought, yes.\nOn 24 Nov 2026, at 10:15, Kanzlei <x@y.de> wrote:\n> q";
        assert_eq!(extract(text), "On second thought, yes.");
    }

    #[test]
    fn outlook_original_message_separators() {
        assert_eq!(
            extract("Anbei.\n\n-----Ursprüngliche Nachricht-----\nVon: Kanzlei\nText"),
            "Anbei."
        );
        assert_eq!(
            extract("Attached.\n\n-----Original Message-----\nFrom: Kanzlei\nText"),
            "Attached."
        );
    }

    #[test]
    fn outlook_header_block_and_underscore_line() {
        let text = "Danke.\n\nVon: Kanzlei Muster <x@y.de>\nGesendet: Montag, 24. November 2026 10:15\nAn: Bäckerei\nBetreff: Frage\n\nText";
        assert_eq!(extract(text), "Danke.");
        let text = "Thanks.\n\n________________________________\nFrom: Kanzlei Muster <x@y.de>\nSent: Monday, November 24, 2026 10:15 AM\nTo: Bakery\nSubject: Question\n\nText";
        assert_eq!(extract(text), "Thanks.");
        let text = "Gesendet: Montag, 24. November 2026 um 10:15 Uhr\nVon: \"Kanzlei\" <x@y.de>\nAn: a@b.de";
        assert_eq!(extract(&format!("Ok.\n\n{text}")), "Ok.");
    }

    #[test]
    fn lone_header_like_lines_and_underscores_stay() {
        let text = "Von: Montag bis Freitag erreichbar.\nAn: Frau Muster\n____________\nEnde";
        assert_eq!(extract(text), text);
    }

    #[test]
    fn quoted_lines_are_dropped_inline_answers_stay() {
        let text = "Hallo,\n\nAm 24.11.2026 um 10:15 schrieb Kanzlei Muster:\n> Frage 1?\n\nJa.\n\n> Frage 2?\n>\n\nNein.\n\n> Gruß\n";
        assert_eq!(extract(text), "Hallo,\n\nJa.\n\nNein.");
        assert_eq!(extract("> a\nb\n> c\nd"), "b\nd");
    }

    #[test]
    fn only_a_quote_gives_empty() {
        assert_eq!(extract("> Hallo\n> Welt\n"), "");
        assert_eq!(
            extract("On Mon, 24 Nov 2026 at 10:15, K <k@x.de> wrote:\n> Hallo\n"),
            ""
        );
        assert_eq!(extract("\n-----Original Message-----\nFrom: K\n"), "");
    }

    #[test]
    fn signature_separator_cuts() {
        assert_eq!(extract("Text\n\n-- \nMax Mustermann\nTel. 0123"), "Text");
        assert_eq!(extract("Text\n--\nMax"), "Text");
        assert_eq!(extract("Text\n---\nMehr"), "Text\n---\nMehr");
    }

    #[test]
    fn mobile_footers_at_the_end_are_dropped() {
        assert_eq!(extract("Ok\n\nVon meinem iPhone gesendet\n"), "Ok");
        assert_eq!(extract("Ok\n\nSent from my iPhone"), "Ok");
        assert_eq!(extract("Ok\n\nGesendet von Mail für Windows\n\n"), "Ok");
        assert_eq!(extract("Ok\n\nSent from Outlook for Android"), "Ok");
        assert_eq!(
            extract("Ok\n\nVon meinem iPad gesendet\n\n> Am 24.11.2026 um 10:15 schrieb K <k@x.de>:\n> Hi"),
            "Ok"
        );
        // Not at the end: stays.
        assert_eq!(
            extract("Sent from my iPhone\nweil ich unterwegs bin"),
            "Sent from my iPhone\nweil ich unterwegs bin"
        );
    }

    #[test]
    fn urls_and_addresses_stay() {
        let text = "Siehe https://example.de/a?b=c&d=e und schreiben Sie an max@baeckerei-brot.de.";
        assert_eq!(extract(text), text);
    }

    #[test]
    fn umlauts_and_sharp_s_survive() {
        let text = "Grüße aus Köln – Straße, Maß, ÄÖÜ äöü ß";
        assert_eq!(extract(text), text);
    }

    #[test]
    fn never_panics_on_odd_input() {
        let long = "ä".repeat(100_000);
        let inputs = [
            String::new(),
            "\r".to_string(),
            "\r\r\n\n\r".to_string(),
            ">".to_string(),
            "--".to_string(),
            ":".to_string(),
            "Von:".to_string(),
            "Von:\nGesendet:".to_string(),
            "________________________________".to_string(),
            "On".to_string(),
            "Am :".to_string(),
            "Am 1:11 ü@ü:\n".to_string(),
            "Am 24.11. um 10:15 schrieb <\n".to_string(),
            "\u{feff}\u{0}\u{202e}\u{fffd}🙂\u{a0}\n\u{2028}x".to_string(),
            format!("{long}\n{long}:\n> {long}"),
            format!("Am {long} 10:15 schrieb x@y:\n> q"),
            format!("Von: {long}\nGesendet: {long}"),
            "1:2\n:3:\n@:\n".repeat(10_000),
        ];
        for input in &inputs {
            let out = extract(input);
            assert!(!out.contains('\r'));
            assert_eq!(out, out.trim());
        }
        assert_eq!(extract(&format!("{long}\r\n")), long);
    }
}

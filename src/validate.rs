//! Input cleaning shared by every form: trimming, length limits, control characters, emails.
//! Parse, don't validate: the cleaned string is what gets stored.

use crate::i18n::{fill, T};

pub const EMAIL_MAX: usize = 254;

/// Why a date field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    Invalid,
    Past,
}

/// An optional date ("YYYY-MM-DD", empty: none) as the end of that day in Berlin, which must
/// not have passed at `now` — unless it is `keep`, the date already stored (editing something
/// overdue keeps its date).
pub fn future_date(
    value: Option<&str>,
    now: i64,
    keep: Option<i64>,
) -> Result<Option<i64>, DateProblem> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(d) => {
            let end = crate::uploads::domain::end_of_day_berlin(d).ok_or(DateProblem::Invalid)?;
            if end <= now && Some(end) != keep {
                return Err(DateProblem::Past);
            }
            Ok(Some(end))
        }
    }
}

/// A whole number within `range` from a form field ("  5 " counts), else `None`.
pub fn number_in(value: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    value.trim().parse().ok().filter(|n| range.contains(n))
}

/// Why a field was refused; the UI turns it into a sentence in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    Required,
    TooLong(usize),
    ControlCharacters,
    InvalidEmail,
}

/// Trims, refuses control characters (including bidi overrides that disguise names) and
/// enforces the length limit. Returns the cleaned text.
pub fn clean_text(
    input: &str,
    max: usize,
    required: bool,
    multiline: bool,
) -> Result<String, FieldProblem> {
    let s = input.trim();
    if s.is_empty() {
        return if required {
            Err(FieldProblem::Required)
        } else {
            Ok(String::new())
        };
    }
    if s.chars().count() > max {
        return Err(FieldProblem::TooLong(max));
    }
    let bad = |c: char| {
        (c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
    };
    if s.chars().any(bad) {
        return Err(FieldProblem::ControlCharacters);
    }
    Ok(s.to_string())
}

/// Optional email address: empty is fine, otherwise it must be a valid address.
/// Stored as typed (trimmed); compared lower-cased.
pub fn clean_email(input: &str, required: bool) -> Result<String, FieldProblem> {
    let s = clean_text(input, EMAIL_MAX, required, false)?;
    if s.is_empty() {
        return Ok(s);
    }
    // A dotted domain is required: "max@localhost" is valid RFC 5321 but never a client's address.
    let valid = email_address::EmailAddress::is_valid(&s)
        && s.rsplit_once('@')
            .is_some_and(|(_, d)| d.contains('.') && !d.ends_with('.'));
    if valid {
        Ok(s)
    } else {
        Err(FieldProblem::InvalidEmail)
    }
}

/// The sentence for a field problem, in the user's language.
/// A form's text field, cleaned (see [`clean_text`]), or the field's error in the user's
/// language.
pub fn text_field(
    t: &T,
    field: &str,
    value: Option<&str>,
    max: usize,
    required: bool,
    multiline: bool,
) -> Result<String, crate::error::AppError> {
    clean_text(value.unwrap_or(""), max, required, multiline)
        .map_err(|p| crate::error::AppError::invalid(field, problem_message(t, p)))
}

/// A form's optional date field (see [`future_date`]), or the field's error.
pub fn date_field(
    t: &T,
    field: &str,
    value: Option<&str>,
    now: i64,
    keep: Option<i64>,
) -> Result<Option<i64>, crate::error::AppError> {
    future_date(value, now, keep).map_err(|p| match p {
        DateProblem::Invalid => crate::error::AppError::invalid(field, t.link_date_invalid),
        DateProblem::Past => crate::error::AppError::invalid(field, t.case_date_past),
    })
}

pub fn problem_message(t: &T, p: FieldProblem) -> String {
    match p {
        FieldProblem::Required => t.f_required.to_string(),
        FieldProblem::TooLong(max) => fill(t.f_too_long, &[("max", &max.to_string())]),
        FieldProblem::ControlCharacters => t.f_control.to_string(),
        FieldProblem::InvalidEmail => t.f_invalid_email.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const NAME_MAX: usize = 200;
    const NOTE_MAX: usize = 10_000;
    const COMPANY_MAX: usize = 200;

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(
            clean_text("  Schmidt AG ", NAME_MAX, true, false),
            Ok("Schmidt AG".into())
        );
        assert_eq!(
            clean_text("   ", NAME_MAX, true, false),
            Err(FieldProblem::Required)
        );
        assert_eq!(clean_text("", COMPANY_MAX, false, false), Ok(String::new()));
    }

    #[test]
    fn overlong_and_control_characters_are_refused() {
        let long = "x".repeat(NAME_MAX + 1);
        assert_eq!(
            clean_text(&long, NAME_MAX, true, false),
            Err(FieldProblem::TooLong(NAME_MAX))
        );
        // Umlauts count as one character each.
        assert!(clean_text(&"ü".repeat(NAME_MAX), NAME_MAX, true, false).is_ok());
        assert_eq!(
            clean_text("a\u{0}b", NAME_MAX, true, false),
            Err(FieldProblem::ControlCharacters)
        );
        assert_eq!(
            clean_text("evil\u{202E}fdp.exe", NAME_MAX, true, false),
            Err(FieldProblem::ControlCharacters)
        );
        assert_eq!(
            clean_text("line\nbreak", NAME_MAX, true, false),
            Err(FieldProblem::ControlCharacters)
        );
        assert_eq!(
            clean_text("line\nbreak", NOTE_MAX, true, true),
            Ok("line\nbreak".into())
        );
    }

    #[test]
    fn emails_are_optional_but_valid() {
        assert_eq!(clean_email("", false), Ok(String::new()));
        assert_eq!(clean_email("", true), Err(FieldProblem::Required));
        assert_eq!(
            clean_email(" max@mueller.de ", false),
            Ok("max@mueller.de".into())
        );
        for bad in [
            "max",
            "max@",
            "@mueller.de",
            "max@mueller",
            "max mueller@x.de",
            "a@b.",
        ] {
            assert_eq!(
                clean_email(bad, false),
                Err(FieldProblem::InvalidEmail),
                "{bad}"
            );
        }
    }
}

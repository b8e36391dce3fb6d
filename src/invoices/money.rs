//! Money as integer cents: parsing what people type (German or English notation), line amounts
//! from quantities with up to three decimals, VAT per rate, and formatting. No floats anywhere:
//! every rounding is half away from zero on exact integers, so the same input always gives the
//! same cent.

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};

/// The German VAT rates an invoice line can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VatRate {
    /// 0 % (e.g. small businesses under § 19 UStG, exports).
    Zero,
    /// 7 %.
    Reduced,
    /// 19 %.
    Full,
}

impl VatRate {
    pub const ALL: [VatRate; 3] = [VatRate::Full, VatRate::Reduced, VatRate::Zero];

    pub fn percent(self) -> i64 {
        match self {
            VatRate::Zero => 0,
            VatRate::Reduced => 7,
            VatRate::Full => 19,
        }
    }

    pub fn parse(s: &str) -> Option<VatRate> {
        let s = s.trim().trim_end_matches('%').trim();
        VatRate::ALL
            .into_iter()
            .find(|r| s.parse::<i64>().ok() == Some(r.percent()))
    }
}

/// Why an amount or quantity was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    Empty,
    NotANumber,
    TooManyDecimals,
    Negative,
    TooLarge,
}

/// The largest amount or quantity accepted (a hundred million, in cents or thousandths): far
/// beyond any invoice line, far below where `i64` products could overflow.
const MAX_UNITS: i64 = 10_000_000_000;

/// Parses a non-negative decimal with at most `decimals` places into an integer scaled by
/// `10^decimals`. Accepts `1234,5`, `1.234,50`, `1,234.50`, `1234.5` and a trailing `€`: when
/// both `.` and `,` appear, the last one is the decimal mark; a lone `.` followed by exactly
/// three digits groups thousands (German `1.234`), otherwise it is the decimal mark.
fn parse_scaled(input: &str, decimals: u32) -> Result<i64, NumberProblem> {
    let s: String = input
        .trim()
        .trim_end_matches('€')
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .collect();
    if s.is_empty() {
        return Err(NumberProblem::Empty);
    }
    if s.starts_with('-') {
        return Err(NumberProblem::Negative);
    }
    let (last_dot, last_comma) = (s.rfind('.'), s.rfind(','));
    let decimal_mark = match (last_dot, last_comma) {
        (Some(d), Some(c)) => Some(if d > c { '.' } else { ',' }),
        (None, Some(_)) => {
            // Several commas: English thousands (1,234,567); one: the German decimal mark.
            if s.matches(',').count() > 1 {
                None
            } else {
                Some(',')
            }
        }
        (Some(d), None) => {
            let after = s.len() - d - 1;
            if s.matches('.').count() > 1 || after == 3 {
                None
            } else {
                Some('.')
            }
        }
        (None, None) => None,
    };
    let (int_part, frac_part) = match decimal_mark.and_then(|m| s.rfind(m)) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s.as_str(), ""),
    };
    let int_digits: String = int_part
        .chars()
        .filter(|c| *c != '.' && *c != ',')
        .collect();
    let grouped_ok = int_part.split(['.', ',']).skip(1).all(|g| g.len() == 3);
    if !grouped_ok
        || (int_digits.is_empty() && frac_part.is_empty())
        || !int_digits.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return Err(NumberProblem::NotANumber);
    }
    if frac_part.len() > decimals as usize {
        return Err(NumberProblem::TooManyDecimals);
    }
    let scale = 10_i64.pow(decimals);
    let int: i64 = match int_digits.trim_start_matches('0') {
        "" => 0,
        d if d.len() > 12 => return Err(NumberProblem::TooLarge),
        d => d.parse().map_err(|_| NumberProblem::TooLarge)?,
    };
    let mut frac: i64 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().map_err(|_| NumberProblem::NotANumber)?
    };
    frac *= 10_i64.pow(decimals - frac_part.len() as u32);
    let value = int
        .checked_mul(scale)
        .and_then(|v| v.checked_add(frac))
        .ok_or(NumberProblem::TooLarge)?;
    if value > MAX_UNITS {
        return Err(NumberProblem::TooLarge);
    }
    Ok(value)
}

/// An amount of euros as typed (`1.234,56`) → cents.
pub fn parse_cents(input: &str) -> Result<i64, NumberProblem> {
    parse_scaled(input, 2)
}

/// A quantity as typed (`1,5`) → thousandths.
pub fn parse_quantity(input: &str) -> Result<i64, NumberProblem> {
    parse_scaled(input, 3)
}

/// `numerator / denominator`, rounded half away from zero (exact, in i128).
pub fn div_round(numerator: i128, denominator: i128) -> i64 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    let up = 2 * r.abs() >= denominator.abs();
    let q = if up {
        q + if (numerator < 0) != (denominator < 0) {
            -1
        } else {
            1
        }
    } else {
        q
    };
    q as i64
}

/// The net amount of a line: quantity (thousandths) × unit price (cents), to the cent.
pub fn line_net(quantity_milli: i64, unit_cents: i64) -> i64 {
    div_round(quantity_milli as i128 * unit_cents as i128, 1000)
}

/// One line as far as the totals are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAmount {
    pub net_cents: i64,
    pub vat: VatRate,
}

/// The net sum and VAT of one rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatGroup {
    pub rate: VatRate,
    pub net_cents: i64,
    pub vat_cents: i64,
}

/// What an invoice adds up to. VAT is computed once per rate on the sum of that rate's lines
/// (as German invoices show it), not per line, so the printed groups always add up.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    /// Highest rate first; only rates that occur.
    pub groups: Vec<VatGroup>,
}

pub fn totals(lines: &[LineAmount]) -> Totals {
    let mut groups = Vec::new();
    for rate in VatRate::ALL {
        let mine: Vec<_> = lines.iter().filter(|l| l.vat == rate).collect();
        if mine.is_empty() {
            continue;
        }
        let net: i64 = mine.iter().map(|l| l.net_cents).sum();
        groups.push(VatGroup {
            rate,
            net_cents: net,
            vat_cents: div_round(net as i128 * rate.percent() as i128, 100),
        });
    }
    let net_cents = groups.iter().map(|g| g.net_cents).sum();
    let vat_cents = groups.iter().map(|g| g.vat_cents).sum();
    Totals {
        net_cents,
        vat_cents,
        gross_cents: net_cents + vat_cents,
        groups,
    }
}

/// Groups digits by three with `sep`.
fn grouped(mut n: u64, sep: char) -> String {
    let mut parts = Vec::new();
    loop {
        if n < 1000 {
            parts.push(n.to_string());
            break;
        }
        parts.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    parts.reverse();
    parts.join(&sep.to_string())
}

/// Cents as euros for people: `1.234,56 €` (German), `€1,234.56` (English).
pub fn format_eur(cents: i64, lang: Lang) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let (euros, rest) = (abs / 100, abs % 100);
    match lang {
        Lang::De => format!("{sign}{},{rest:02}\u{a0}€", grouped(euros, '.')),
        Lang::En => format!("{sign}€{}.{rest:02}", grouped(euros, ',')),
    }
}

/// Thousandths as a quantity for people: `1,5` / `1.5`, `2` (no trailing zeros).
pub fn format_quantity(milli: i64, lang: Lang) -> String {
    let int = milli / 1000;
    let frac = (milli % 1000).abs();
    if frac == 0 {
        return int.to_string();
    }
    let mark = if lang == Lang::De { ',' } else { '.' };
    let digits = format!("{frac:03}");
    format!("{int}{mark}{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_german_and_english_notation() {
        for (input, cents) in [
            ("1234,56", 123_456),
            ("1.234,56", 123_456),
            ("1,234.56", 123_456),
            ("1234.56", 123_456),
            ("1234.5", 123_450),
            ("1234,5", 123_450),
            ("1.234", 123_400),
            ("1,234,567", 123_456_700),
            ("0,99 €", 99),
            ("12", 1200),
            (",5", 50),
            (" 7 ", 700),
        ] {
            assert_eq!(parse_cents(input), Ok(cents), "{input}");
        }
        assert_eq!(parse_cents(""), Err(NumberProblem::Empty));
        assert_eq!(parse_cents("abc"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_cents("1,2,3"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_cents("12.34.5"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_cents("1,234"), Err(NumberProblem::TooManyDecimals));
        assert_eq!(parse_cents("-5"), Err(NumberProblem::Negative));
        assert_eq!(parse_cents("999999999999999"), Err(NumberProblem::TooLarge));
        assert_eq!(parse_quantity("1,5"), Ok(1500));
        assert_eq!(parse_quantity("0,125"), Ok(125));
        assert_eq!(
            parse_quantity("0,1255"),
            Err(NumberProblem::TooManyDecimals)
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero_and_exact() {
        assert_eq!(div_round(5, 10), 1);
        assert_eq!(div_round(4, 10), 0);
        assert_eq!(div_round(-5, 10), -1);
        assert_eq!(div_round(-4, 10), 0);
        assert_eq!(div_round(15, 10), 2);
        // 1,5 h × 33,33 € = 49,995 € → 50,00 €.
        assert_eq!(line_net(1500, 3333), 5000);
        // 0,333 × 0,10 € = 0,0333 € → 0,03 €.
        assert_eq!(line_net(333, 10), 3);
        // Large values stay exact (no float drift): 99.999,999 × 999.999,99 €.
        assert_eq!(
            line_net(99_999_999, 99_999_999),
            div_round(99_999_999_i128 * 99_999_999, 1000)
        );
    }

    #[test]
    fn vat_per_rate_on_the_sum_of_its_lines() {
        // Three lines of 0,05 € at 19 %: per line VAT would round 0,0095 → 0,01 each (0,03);
        // on the sum, 0,15 € × 19 % = 0,0285 → 0,03. With 0,10 € lines: 0,019 → 0,02 each
        // (0,06) vs 0,30 × 19 % = 0,057 → 0,06.
        let l = |net, vat| LineAmount {
            net_cents: net,
            vat,
        };
        let t = totals(&[
            l(10_000, VatRate::Full),
            l(5_050, VatRate::Reduced),
            l(2_500, VatRate::Zero),
            l(333, VatRate::Full),
        ]);
        assert_eq!(t.net_cents, 17_883);
        assert_eq!(
            t.groups,
            vec![
                VatGroup {
                    rate: VatRate::Full,
                    net_cents: 10_333,
                    // 103,33 × 19 % = 19,6327 → 19,63
                    vat_cents: 1_963,
                },
                VatGroup {
                    rate: VatRate::Reduced,
                    net_cents: 5_050,
                    // 50,50 × 7 % = 3,535 → 3,54 (half away from zero)
                    vat_cents: 354,
                },
                VatGroup {
                    rate: VatRate::Zero,
                    net_cents: 2_500,
                    vat_cents: 0,
                },
            ]
        );
        assert_eq!(t.vat_cents, 2_317);
        assert_eq!(t.gross_cents, 20_200);
        assert_eq!(totals(&[]), Totals::default());
    }

    #[test]
    fn formatting_for_people_and_fields() {
        assert_eq!(format_eur(123_456, Lang::De), "1.234,56\u{a0}€");
        assert_eq!(format_eur(123_456, Lang::En), "€1,234.56");
        assert_eq!(format_eur(5, Lang::De), "0,05\u{a0}€");
        assert_eq!(format_eur(-100_000_000, Lang::De), "-1.000.000,00\u{a0}€");
        assert_eq!(format_quantity(1500, Lang::De), "1,5");
        assert_eq!(format_quantity(2000, Lang::De), "2");
        assert_eq!(format_quantity(125, Lang::En), "0.125");
        for r in VatRate::ALL {
            assert_eq!(VatRate::parse(&format!("{} %", r.percent())), Some(r));
        }
        assert_eq!(VatRate::parse("16"), None);
    }
}

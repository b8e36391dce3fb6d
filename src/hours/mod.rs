//! Hours and budget (Stunden & Budget) for retainer clients: staff log time against a client,
//! optionally one of its cases; a client may have a monthly budget of hours, and when the firm
//! enables it the client sees the hours used against that budget, month by month, in the
//! portal. Minutes are whole numbers throughout — never floats.
//!
//! A budget is set *from a month on*: changing it counts from the current month, and earlier
//! months keep the budget they had, so the history never changes after the fact.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

pub const DESCRIPTION_MAX: usize = 500;
/// The longest single entry: one day.
pub const ENTRY_MAX_MINUTES: i64 = 24 * 60;
/// The largest monthly budget: every hour of a 31-day month.
pub const BUDGET_MAX_MINUTES: i64 = 31 * 24 * 60;
/// How many months the overview shows, the current one included.
pub const OVERVIEW_MONTHS: i64 = 12;

/// One logged entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeEntry {
    pub id: String,
    /// "2026-11-24".
    pub work_date: String,
    pub minutes: i64,
    pub description: String,
    /// The case's title; empty when logged against the client only.
    pub case_title: String,
    /// Who logged it (staff only; the portal leaves it empty).
    pub by: String,
    /// The viewer may delete it (their own entry, or they are an owner or admin).
    pub can_delete: bool,
}

/// One month's hours against its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthFigure {
    /// Months since year 0 (`year * 12 + month - 1`), see [`Month`].
    pub month: Month,
    pub used: i64,
    /// 0: no budget that month.
    pub budget: i64,
}

impl MonthFigure {
    /// Share of the budget used, 0–100 (capped; over budget is 100).
    pub fn percent(&self) -> i64 {
        match self.budget {
            0 => 0,
            b => (self.used * 100 / b).min(100),
        }
    }
}

/// What a page shows: one month's entries, the overview of recent months, the settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hours {
    /// The month shown.
    pub month: Month,
    /// This month (German time), the newest one can look at.
    pub current: Month,
    /// Today (German time), "2026-11-24": the form's default.
    pub today: String,
    /// The shown month's figure.
    pub figure: MonthFigure,
    /// The shown month's entries the viewer may see, newest first.
    pub entries: Vec<TimeEntry>,
    /// Minutes of the shown month logged on cases the viewer does not see (counted in the
    /// figure, not listed).
    pub hidden_minutes: i64,
    /// Recent months with hours or a budget, newest first.
    pub months: Vec<MonthFigure>,
    /// The budget in force from this month on (0: none).
    pub budget: i64,
    /// The firm shows hours in the portal.
    pub in_portal: bool,
}

/// A calendar month as months since year 0, so that arithmetic is plain integer arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month(pub i64);

impl Month {
    pub fn new(year: i64, month: i64) -> Month {
        Month(year * 12 + month - 1)
    }
    pub fn year(self) -> i64 {
        self.0.div_euclid(12)
    }
    /// 1–12.
    pub fn number(self) -> i64 {
        self.0.rem_euclid(12) + 1
    }
    pub fn plus(self, months: i64) -> Month {
        Month(self.0 + months)
    }
    /// "2026-11", as stored and in URLs.
    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year(), self.number())
    }
    /// "2026-11" (a date's first seven characters do too); years 2000–2100 only.
    pub fn parse(s: &str) -> Option<Month> {
        let s = s.trim();
        let (y, m) = s.get(..7)?.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || (s.len() > 7 && !s[7..].starts_with('-')) {
            return None;
        }
        let (y, m): (i64, i64) = (y.parse().ok()?, m.parse().ok()?);
        ((2000..=2100).contains(&y) && (1..=12).contains(&m)).then(|| Month::new(y, m))
    }
    /// "November 2026".
    pub fn label(self, t: &crate::i18n::T) -> String {
        format!("{} {}", t.months[(self.number() - 1) as usize], self.year())
    }
}

/// Today in German time as "2026-11-24", and its month.
pub fn today(now_ms: i64) -> (String, Month) {
    let local = now_ms + crate::ui::format::berlin_offset_ms(now_ms);
    let date = time::OffsetDateTime::from_unix_timestamp_nanos(local as i128 * 1_000_000)
        .map(|d| d.date())
        .unwrap_or(time::Date::MIN);
    let month = Month::new(date.year() as i64, date.month() as i64);
    (format!("{}-{:02}", month.key(), date.day()), month)
}

/// A calendar date as typed in a date field ("2026-11-24"), checked.
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    let month = Month::parse(s)?;
    let day: u8 = s.get(8..)?.parse().ok()?;
    if s.len() != 10 {
        return None;
    }
    let m = time::Month::try_from(month.number() as u8).ok()?;
    time::Date::from_calendar_date(month.year() as i32, m, day).ok()?;
    Some(s.to_string())
}

/// Why a duration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationProblem {
    Empty,
    Invalid,
    Zero,
    TooLong,
}

/// A duration as people type it, in whole minutes: `1:30`, `1,5`, `1.5 h`, `90 min`, `2 Std.`.
/// Decimal hours round to the nearest minute. At most `max` minutes.
pub fn parse_duration(input: &str, max: i64) -> Result<i64, DurationProblem> {
    let s = input.trim().to_lowercase();
    if s.is_empty() {
        return Err(DurationProblem::Empty);
    }
    let minutes = if let Some(n) = ["minuten", "min.", "min", "m"]
        .iter()
        .find_map(|u| s.strip_suffix(u))
    {
        let n = n.trim();
        if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) || n.len() > 6 {
            return Err(DurationProblem::Invalid);
        }
        n.parse::<i64>().map_err(|_| DurationProblem::Invalid)?
    } else {
        let n = ["stunden", "std.", "std", "hours", "h"]
            .iter()
            .find_map(|u| s.strip_suffix(u))
            .unwrap_or(&s)
            .trim();
        if let Some((h, m)) = n.split_once(':') {
            let digits =
                |x: &str| !x.is_empty() && x.len() <= 4 && x.chars().all(|c| c.is_ascii_digit());
            if !digits(h) || m.len() != 2 || !digits(m) {
                return Err(DurationProblem::Invalid);
            }
            let (h, m): (i64, i64) = (
                h.parse().map_err(|_| DurationProblem::Invalid)?,
                m.parse().map_err(|_| DurationProblem::Invalid)?,
            );
            if m >= 60 {
                return Err(DurationProblem::Invalid);
            }
            h * 60 + m
        } else {
            let milli =
                crate::invoices::money::parse_quantity(n).map_err(|_| DurationProblem::Invalid)?;
            crate::invoices::money::div_round(milli as i128 * 60, 1000)
        }
    };
    match minutes {
        0 => Err(DurationProblem::Zero),
        m if m > max => Err(DurationProblem::TooLong),
        m => Ok(m),
    }
}

/// "1:30 h" (the same in both languages; "0:05 h" for five minutes).
pub fn format_duration(minutes: i64) -> String {
    let sign = if minutes < 0 { "−" } else { "" };
    let m = minutes.abs();
    format!("{sign}{}:{:02}\u{a0}h", m / 60, m % 60)
}

/// The budget in force in `month`: the newest setting from that month or before.
/// `budgets` is ordered by month, oldest first.
pub fn budget_in(budgets: &[(Month, i64)], month: Month) -> i64 {
    budgets
        .iter()
        .rev()
        .find(|(from, _)| *from <= month)
        .map_or(0, |(_, minutes)| *minutes)
}

/// One month's figure from the minutes per month and the budget settings.
pub fn figure(used: &[(Month, i64)], budgets: &[(Month, i64)], month: Month) -> MonthFigure {
    MonthFigure {
        month,
        used: used
            .iter()
            .filter(|(m, _)| *m == month)
            .map(|(_, n)| n)
            .sum(),
        budget: budget_in(budgets, month),
    }
}

/// The overview: the [`OVERVIEW_MONTHS`] months up to `current`, newest first, leaving out
/// months with neither hours nor a budget.
pub fn overview(
    used: &[(Month, i64)],
    budgets: &[(Month, i64)],
    current: Month,
) -> Vec<MonthFigure> {
    (0..OVERVIEW_MONTHS)
        .map(|back| figure(used, budgets, current.plus(-back)))
        .filter(|f| f.used > 0 || f.budget > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = ENTRY_MAX_MINUTES;

    #[test]
    fn durations_as_people_type_them() {
        for (input, minutes) in [
            ("1:30", 90),
            ("0:05", 5),
            ("12:00", 720),
            ("1,5", 90),
            ("1.5", 90),
            ("1,25 h", 75),
            ("2 Std.", 120),
            ("2 Stunden", 120),
            ("0,1", 6),
            // A third of an hour, rounded to the minute.
            ("0,333", 20),
            ("90 min", 90),
            ("45m", 45),
            (" 3 ", 180),
            ("24:00", DAY),
        ] {
            assert_eq!(parse_duration(input, DAY), Ok(minutes), "{input}");
        }
        for (input, problem) in [
            ("", DurationProblem::Empty),
            ("   ", DurationProblem::Empty),
            ("abc", DurationProblem::Invalid),
            ("1:75", DurationProblem::Invalid),
            ("1:5", DurationProblem::Invalid),
            (":30", DurationProblem::Invalid),
            ("-1", DurationProblem::Invalid),
            ("1,5 min", DurationProblem::Invalid),
            ("0", DurationProblem::Zero),
            ("0:00", DurationProblem::Zero),
            // Less than half a minute rounds to nothing.
            ("0,001", DurationProblem::Zero),
            ("24:01", DurationProblem::TooLong),
            ("25", DurationProblem::TooLong),
            ("1441 min", DurationProblem::TooLong),
        ] {
            assert_eq!(parse_duration(input, DAY), Err(problem), "{input}");
        }
        assert_eq!(parse_duration("100", BUDGET_MAX_MINUTES), Ok(6000));
    }

    #[test]
    fn durations_print_as_hours_and_minutes() {
        assert_eq!(format_duration(90), "1:30\u{a0}h");
        assert_eq!(format_duration(5), "0:05\u{a0}h");
        assert_eq!(format_duration(600), "10:00\u{a0}h");
        assert_eq!(format_duration(-75), "−1:15\u{a0}h");
    }

    #[test]
    fn months_count_across_years() {
        let nov = Month::parse("2026-11").unwrap();
        assert_eq!(nov.key(), "2026-11");
        assert_eq!(nov.plus(2).key(), "2027-01");
        assert_eq!(nov.plus(-11).key(), "2025-12");
        assert_eq!(Month::parse("2026-11-24"), Some(nov));
        for bad in [
            "2026-13", "2026-00", "26-11", "2026-1", "1999-12", "2026-11x", "", "2026/11",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(nov.label(crate::i18n::Lang::De.t()), "November 2026");
        assert_eq!(
            Month::new(2027, 3).label(crate::i18n::Lang::De.t()),
            "März 2027"
        );
        assert_eq!(
            Month::new(2027, 3).label(crate::i18n::Lang::En.t()),
            "March 2027"
        );
    }

    #[test]
    fn dates_are_real_calendar_days() {
        assert_eq!(parse_date(" 2026-11-24 ").as_deref(), Some("2026-11-24"));
        assert_eq!(parse_date("2028-02-29").as_deref(), Some("2028-02-29"));
        for bad in [
            "2026-02-29",
            "2026-11-31",
            "2026-11-2",
            "2026-11-245",
            "24.11.2026",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn today_is_german_time() {
        // 2026-11-30 23:30 UTC is already 1 December in Berlin (UTC+1).
        let ms = time::macros::datetime!(2026-11-30 23:30 UTC).unix_timestamp() * 1000;
        assert_eq!(today(ms), ("2026-12-01".to_string(), Month::new(2026, 12)));
        let ms = time::macros::datetime!(2026-11-30 22:30 UTC).unix_timestamp() * 1000;
        assert_eq!(today(ms), ("2026-11-30".to_string(), Month::new(2026, 11)));
    }

    #[test]
    fn a_budget_counts_from_its_month_on() {
        let m = |s| Month::parse(s).unwrap();
        let budgets = [(m("2026-03"), 600), (m("2026-09"), 900), (m("2026-11"), 0)];
        assert_eq!(budget_in(&budgets, m("2026-02")), 0);
        assert_eq!(budget_in(&budgets, m("2026-03")), 600);
        assert_eq!(budget_in(&budgets, m("2026-08")), 600);
        assert_eq!(budget_in(&budgets, m("2026-10")), 900);
        // Removed from November on.
        assert_eq!(budget_in(&budgets, m("2026-11")), 0);

        let used = [(m("2026-10"), 960), (m("2026-04"), 30), (m("2025-10"), 60)];
        let months = overview(&used, &budgets, m("2026-11"));
        let rows: Vec<_> = months
            .iter()
            .map(|f| (f.month.key(), f.used, f.budget, f.percent()))
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-10".to_string(), 960, 900, 100),
                ("2026-09".to_string(), 0, 900, 0),
                ("2026-08".to_string(), 0, 600, 0),
                ("2026-07".to_string(), 0, 600, 0),
                ("2026-06".to_string(), 0, 600, 0),
                ("2026-05".to_string(), 0, 600, 0),
                ("2026-04".to_string(), 30, 600, 5),
                ("2026-03".to_string(), 0, 600, 0),
            ],
            "November has neither; October 2025 is more than twelve months back"
        );
    }
}

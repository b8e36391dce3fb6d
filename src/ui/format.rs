//! Dates and times for people: German time (Europe/Berlin, with summer time) and relative ages.
//! Pure functions, the same on server and client, so server HTML and hydration agree.

use crate::i18n::{fill, Lang};
use time::{Month, OffsetDateTime, UtcOffset, Weekday};

/// UTC offset of Europe/Berlin at `utc`: +2 h from the last Sunday of March 01:00 UTC to the
/// last Sunday of October 01:00 UTC (EU rule), +1 h otherwise.
pub fn berlin_offset(utc: OffsetDateTime) -> UtcOffset {
    let year = utc.year();
    let start = last_sunday_0100_utc(year, Month::March);
    let end = last_sunday_0100_utc(year, Month::October);
    let hours = if utc >= start && utc < end { 2 } else { 1 };
    UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC)
}

fn last_sunday_0100_utc(year: i32, month: Month) -> OffsetDateTime {
    let last_day = month.length(year);
    let mut date = time::Date::from_calendar_date(year, month, last_day).unwrap_or(time::Date::MIN);
    while date.weekday() != Weekday::Sunday {
        date = date.previous_day().unwrap_or(date);
    }
    date.with_hms(1, 0, 0)
        .unwrap_or(time::PrimitiveDateTime::MIN)
        .assume_utc()
}

fn local(ms: i64) -> OffsetDateTime {
    let utc = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    utc.to_offset(berlin_offset(utc))
}

/// The Berlin UTC offset at `ms`, in milliseconds.
pub fn berlin_offset_ms(ms: i64) -> i64 {
    local(ms).offset().whole_seconds() as i64 * 1000
}

/// Midnight (Berlin) of the day `ms` falls on, as unix ms.
pub fn day_start(ms: i64) -> i64 {
    let off = berlin_offset_ms(ms);
    (ms + off).div_euclid(86_400_000) * 86_400_000 - off
}

/// Midnight (Berlin) of the Monday of the week `ms` falls on.
pub fn week_start(ms: i64) -> i64 {
    let d = local(ms);
    let back = d.weekday().number_days_from_monday() as i64;
    day_start(day_start(ms) - back * 86_400_000 + 12 * 3_600_000)
}

/// "24.01." (de) or "01-24" (en): a short day label for charts.
pub fn day_month(ms: i64, lang: Lang) -> String {
    let d = local(ms);
    match lang {
        Lang::De => format!("{:02}.{:02}.", d.day(), d.month() as u8),
        Lang::En => format!("{:02}-{:02}", d.month() as u8, d.day()),
    }
}

/// "24.01.2025, 14:05" (de) or "2025-01-24 14:05" (en).
pub fn datetime(ms: i64, lang: Lang) -> String {
    let d = local(ms);
    match lang {
        Lang::De => format!(
            "{:02}.{:02}.{}, {:02}:{:02}",
            d.day(),
            d.month() as u8,
            d.year(),
            d.hour(),
            d.minute()
        ),
        Lang::En => format!(
            "{}-{:02}-{:02} {:02}:{:02}",
            d.year(),
            d.month() as u8,
            d.day(),
            d.hour(),
            d.minute()
        ),
    }
}

/// "24.01.2025" (de) or "2025-01-24" (en).
pub fn date(ms: i64, lang: Lang) -> String {
    let d = local(ms);
    match lang {
        Lang::De => format!("{:02}.{:02}.{}", d.day(), d.month() as u8, d.year()),
        Lang::En => format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day()),
    }
}

/// "vor 5 Min." for recent times, the date for older ones.
pub fn ago(ms: i64, now_ms: i64, lang: Lang) -> String {
    let t = lang.t();
    let secs = (now_ms - ms).max(0) / 1000;
    match secs {
        0..=59 => t.just_now.to_string(),
        60..=3599 => fill(t.minutes_ago, &[("n", &(secs / 60).to_string())]),
        3600..=86_399 => fill(t.hours_ago, &[("n", &(secs / 3600).to_string())]),
        86_400..=604_799 => fill(t.days_ago, &[("n", &(secs / 86_400).to_string())]),
        _ => date(ms, lang),
    }
}

/// Milliseconds since the epoch, on either side.
pub fn now_ms() -> i64 {
    #[cfg(feature = "ssr")]
    {
        crate::server::db::now_ms()
    }
    #[cfg(not(feature = "ssr"))]
    {
        js_sys_now()
    }
}

#[cfg(not(feature = "ssr"))]
fn js_sys_now() -> i64 {
    web_sys::window()
        .and_then(|w| w.performance().map(|p| (p.time_origin() + p.now()) as i64))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn ms(dt: OffsetDateTime) -> i64 {
        (dt.unix_timestamp_nanos() / 1_000_000) as i64
    }

    #[test]
    fn days_and_weeks_start_at_berlin_midnight() {
        // 24 Jan 2025, 00:30 in Berlin is still 23 Jan in UTC.
        let t = ms(datetime!(2025-01-23 23:30 UTC));
        assert_eq!(day_start(t), ms(datetime!(2025-01-23 23:00 UTC)));
        // Summer: midnight is 22:00 UTC the day before.
        let t = ms(datetime!(2025-07-10 12:00 UTC));
        assert_eq!(day_start(t), ms(datetime!(2025-07-09 22:00 UTC)));
        // Thursday 10 July 2025 → Monday 7 July, 00:00 Berlin.
        assert_eq!(week_start(t), ms(datetime!(2025-07-06 22:00 UTC)));
        assert_eq!(
            week_start(ms(datetime!(2025-07-06 22:00 UTC))),
            ms(datetime!(2025-07-06 22:00 UTC))
        );
        assert_eq!(day_month(t, Lang::De), "10.07.");
    }

    #[test]
    fn berlin_winter_and_summer_time() {
        assert_eq!(
            datetime(ms(datetime!(2025-01-24 13:05 UTC)), Lang::De),
            "24.01.2025, 14:05"
        );
        assert_eq!(
            datetime(ms(datetime!(2025-07-01 10:00 UTC)), Lang::De),
            "01.07.2025, 12:00"
        );
        // Switch to summer time: 30 March 2025, 01:00 UTC.
        assert_eq!(
            datetime(ms(datetime!(2025-03-30 00:59 UTC)), Lang::En),
            "2025-03-30 01:59"
        );
        assert_eq!(
            datetime(ms(datetime!(2025-03-30 01:00 UTC)), Lang::En),
            "2025-03-30 03:00"
        );
        // Back to winter time: 26 October 2025, 01:00 UTC.
        assert_eq!(
            datetime(ms(datetime!(2025-10-26 00:59 UTC)), Lang::De),
            "26.10.2025, 02:59"
        );
        assert_eq!(
            datetime(ms(datetime!(2025-10-26 01:00 UTC)), Lang::De),
            "26.10.2025, 02:00"
        );
    }

    #[test]
    fn relative_ages() {
        let now = 10 * 86_400_000;
        assert_eq!(ago(now - 5_000, now, Lang::De), "gerade eben");
        assert_eq!(ago(now - 120_000, now, Lang::De), "vor 2 Min.");
        assert_eq!(ago(now - 2 * 3_600_000, now, Lang::En), "2 h ago");
        assert_eq!(ago(now - 3 * 86_400_000, now, Lang::De), "vor 3 Tagen");
        assert_eq!(ago(0, now, Lang::De), "01.01.1970");
    }
}

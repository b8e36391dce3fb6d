//! The reminder schedule of a firm and which reminder is due for an item: pure rules, tested
//! here. Reminders go out at 08:00 (Berlin) on their day.

use crate::ui::format::day_start;
use serde::{Deserialize, Serialize};

const DAY: i64 = 86_400_000;
/// The hour of the day (Berlin) reminders are sent at.
const SEND_HOUR_MS: i64 = 8 * 3_600_000;
pub const MAX_BEFORE_DAYS: u32 = 60;
pub const MAX_OVERDUE: u32 = 20;
pub const MAX_EVERY: u32 = 30;

/// When to remind: `before` days before the deadline (0 = on the day itself), then every
/// `every` days while overdue, at most `max_overdue` times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Distinct, largest first.
    pub before: Vec<u32>,
    pub every: u32,
    pub max_overdue: u32,
}

impl Default for Schedule {
    /// 7 and 2 days before, on the day, then every 3 days while overdue, at most 5 times.
    fn default() -> Self {
        Schedule {
            before: vec![7, 2, 0],
            every: 3,
            max_overdue: 5,
        }
    }
}

/// Why a schedule entered in the settings is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// An entry of the "days before" list is not a whole number of days up to 60.
    BadDay(String),
    Every,
    MaxOverdue,
}

impl Schedule {
    /// The stored form: "7,2,0;3;5".
    pub fn to_db(&self) -> String {
        let before: Vec<String> = self.before.iter().map(u32::to_string).collect();
        format!("{};{};{}", before.join(","), self.every, self.max_overdue)
    }

    /// The stored form back; a damaged value falls back to the default.
    pub fn from_db(s: &str) -> Schedule {
        let mut parts = s.split(';');
        let (Some(b), Some(e), Some(m)) = (parts.next(), parts.next(), parts.next()) else {
            return Schedule::default();
        };
        Schedule::from_form(b, false, e, m).unwrap_or_default()
    }

    /// From the settings form: "7, 2" days before, whether to remind on the day, every N
    /// days while overdue (0: never), at most M times.
    pub fn from_form(
        before: &str,
        on_the_day: bool,
        every: &str,
        max_overdue: &str,
    ) -> Result<Schedule, ScheduleError> {
        let mut days = Vec::new();
        for entry in before
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let d = entry
                .parse::<u32>()
                .ok()
                .filter(|d| *d <= MAX_BEFORE_DAYS)
                .ok_or_else(|| ScheduleError::BadDay(entry.to_string()))?;
            days.push(d);
        }
        if on_the_day {
            days.push(0);
        }
        days.sort_unstable_by(|a, b| b.cmp(a));
        days.dedup();
        let number = |s: &str, max: u32| s.trim().parse::<u32>().ok().filter(|n| *n <= max);
        let every = if every.trim().is_empty() {
            0
        } else {
            number(every, MAX_EVERY).ok_or(ScheduleError::Every)?
        };
        let max_overdue = if max_overdue.trim().is_empty() {
            0
        } else {
            number(max_overdue, MAX_OVERDUE).ok_or(ScheduleError::MaxOverdue)?
        };
        Ok(Schedule {
            before: days,
            every,
            max_overdue: if every == 0 { 0 } else { max_overdue },
        })
    }

    /// Every slot of a deadline with its time, earliest first.
    pub fn slots(&self, deadline_at: i64) -> Vec<(Slot, i64)> {
        let day = day_start(deadline_at);
        let at = |offset_days: i64| day_start(day + offset_days * DAY + DAY / 2) + SEND_HOUR_MS;
        let mut out: Vec<(Slot, i64)> = self
            .before
            .iter()
            .map(|d| (Slot::Before(*d), at(-(*d as i64))))
            .collect();
        for n in 1..=self.max_overdue {
            out.push((Slot::Overdue(n), at((n * self.every) as i64)));
        }
        out.sort_by_key(|(_, t)| *t);
        out
    }

    /// The reminder due at `now` for an item with this deadline that was requested at
    /// `requested_at`: the latest slot that has come, unless the item did not exist yet then
    /// (a request made two days before its deadline does not get the "7 days before" mail).
    /// Slots missed while no process ran collapse into the latest one.
    pub fn due(&self, deadline_at: i64, requested_at: i64, now: i64) -> Option<Slot> {
        self.slots(deadline_at)
            .into_iter()
            .rfind(|(_, t)| *t <= now && *t >= requested_at)
            .map(|(s, _)| s)
    }
}

/// One reminder of an item's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// Days before the deadline; 0 is the day itself.
    Before(u32),
    /// The n-th reminder after the deadline passed.
    Overdue(u32),
}

impl Slot {
    /// Stable key, stored with the item once reminded ("b7", "b0", "o2").
    pub fn key(self) -> String {
        match self {
            Slot::Before(d) => format!("b{d}"),
            Slot::Overdue(n) => format!("o{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 08:00 Berlin (winter, UTC+1) of 2025-03-{day}.
    fn eight_am(day: i64) -> i64 {
        // 2025-03-01 00:00 UTC = 1740787200000
        1_740_787_200_000 + (day - 1) * DAY + 7 * 3_600_000
    }

    /// End of 2025-03-20 in Berlin.
    const DEADLINE: i64 = 1_740_787_200_000 + 19 * DAY + 23 * 3_600_000 - 1;

    #[test]
    fn the_default_is_seven_and_two_days_before_the_day_then_every_three_days_five_times() {
        let s = Schedule::default();
        let slots = s.slots(DEADLINE);
        let keys: Vec<String> = slots.iter().map(|(k, _)| k.key()).collect();
        assert_eq!(keys, ["b7", "b2", "b0", "o1", "o2", "o3", "o4", "o5"]);
        assert_eq!(slots[0].1, eight_am(13));
        assert_eq!(slots[2].1, eight_am(20));
        // Summer time starts on 30 March: the 5th overdue reminder (4 April) is still 08:00.
        assert_eq!(slots[3].1, eight_am(23));
        assert_eq!(slots[7].1, eight_am(35) - 3_600_000);
    }

    #[test]
    fn the_latest_slot_that_has_come_is_due_once_the_item_exists() {
        let s = Schedule::default();
        let requested = eight_am(1);
        assert_eq!(s.due(DEADLINE, requested, eight_am(12)), None);
        assert_eq!(
            s.due(DEADLINE, requested, eight_am(13)),
            Some(Slot::Before(7))
        );
        assert_eq!(
            s.due(DEADLINE, requested, eight_am(17)),
            Some(Slot::Before(7))
        );
        assert_eq!(
            s.due(DEADLINE, requested, eight_am(18)),
            Some(Slot::Before(2))
        );
        assert_eq!(
            s.due(DEADLINE, requested, eight_am(20) + 1),
            Some(Slot::Before(0))
        );
        assert_eq!(
            s.due(DEADLINE, requested, eight_am(26)),
            Some(Slot::Overdue(2))
        );
        // After the last overdue reminder, the last one stays "due" (and was sent already).
        assert_eq!(
            s.due(DEADLINE, requested, eight_am(90)),
            Some(Slot::Overdue(5))
        );
        // Requested two days before: no "7 days before" mail afterwards.
        let late = eight_am(18) + 3_600_000;
        assert_eq!(s.due(DEADLINE, late, eight_am(19)), None);
        assert_eq!(s.due(DEADLINE, late, eight_am(20)), Some(Slot::Before(0)));
    }

    #[test]
    fn no_overdue_reminders_when_switched_off() {
        let s = Schedule::from_form("3", false, "0", "5").unwrap();
        assert_eq!(s.max_overdue, 0);
        let keys: Vec<String> = s.slots(DEADLINE).iter().map(|(k, _)| k.key()).collect();
        assert_eq!(keys, ["b3"]);
    }

    #[test]
    fn the_settings_form_is_checked_and_stored_canonically() {
        let s = Schedule::from_form(" 2, 14 ,2", true, "4", "3").unwrap();
        assert_eq!(s.before, [14, 2, 0]);
        assert_eq!(s.to_db(), "14,2,0;4;3");
        assert_eq!(Schedule::from_db(&s.to_db()), s);
        assert_eq!(Schedule::from_db("7,2,0;3;5"), Schedule::default());
        let no_day = Schedule::from_form("5", false, "", "").unwrap();
        assert_eq!(Schedule::from_db(&no_day.to_db()), no_day);
        assert_eq!(Schedule::from_db("kaputt"), Schedule::default());
        assert_eq!(
            Schedule::from_form("7, zwei", true, "3", "5"),
            Err(ScheduleError::BadDay("zwei".into()))
        );
        assert_eq!(
            Schedule::from_form("61", true, "3", "5"),
            Err(ScheduleError::BadDay("61".into()))
        );
        assert_eq!(
            Schedule::from_form("7", true, "x", "5"),
            Err(ScheduleError::Every)
        );
        assert_eq!(
            Schedule::from_form("7", true, "3", "99"),
            Err(ScheduleError::MaxOverdue)
        );
    }
}

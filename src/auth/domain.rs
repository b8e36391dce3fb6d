//! Pure rules of staff sign-in: password policy, failed-login throttling, session lifetime.

/// Minimum password length for staff accounts (NIST SP 800-63B recommends ≥ 8; we ask 10).
pub const PASSWORD_MIN: usize = 10;
/// Upper bound so hashing cost cannot be abused with megabyte passwords.
pub const PASSWORD_MAX: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
}

pub fn check_new_password(pw: &str) -> Result<(), PasswordProblem> {
    let n = pw.chars().count();
    if n < PASSWORD_MIN {
        Err(PasswordProblem::TooShort)
    } else if n > PASSWORD_MAX {
        Err(PasswordProblem::TooLong)
    } else {
        Ok(())
    }
}

/// A fixed-window counter of failed logins for one key (an account or an IP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub failures: i64,
}

/// Limits for failed logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    pub max_failures: i64,
    pub window_ms: i64,
}

impl ThrottleRule {
    /// `Some(ms)` to wait when the key is locked at `now`, `None` when a login may be tried.
    pub fn locked_for(&self, w: Option<Window>, now_ms: i64) -> Option<i64> {
        let w = w?;
        let end = w.start_ms + self.window_ms;
        (now_ms < end && w.failures >= self.max_failures).then_some(end - now_ms)
    }
}

/// Guessing secrets — upload-link, magic-link and secret-link tokens, link passwords: misses
/// from one address within a window. Real users miss rarely (a mistyped password, an old
/// link); a guesser is stopped long before a 256-bit token could be found.
pub const TOKEN_MISSES: ThrottleRule = ThrottleRule {
    max_failures: 30,
    window_ms: 10 * 60_000,
};

pub fn token_miss_key(ip: &str) -> String {
    format!("token-miss:ip:{ip}")
}

/// Tickets a client may open within an hour.
pub const TICKETS: ThrottleRule = ThrottleRule {
    max_failures: 10,
    window_ms: 60 * 60_000,
};

/// Rounds a wait up to whole minutes for messages ("in 3 Minuten").
pub fn minutes_ceil(ms: i64) -> i64 {
    ((ms + 59_999) / 60_000).max(1)
}

/// Session lifetime: idle timeout and absolute lifetime, both from config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_ms: i64,
    pub absolute_ms: i64,
}

impl SessionPolicy {
    pub fn is_valid(&self, created_ms: i64, last_seen_ms: i64, now_ms: i64) -> bool {
        now_ms < created_ms + self.absolute_ms && now_ms < last_seen_ms + self.idle_ms
    }

    /// Writing `last_seen_at` on every request would turn each page view into a write;
    /// once a minute is precise enough for an idle timeout measured in minutes or hours.
    pub fn needs_touch(&self, last_seen_ms: i64, now_ms: i64) -> bool {
        now_ms - last_seen_ms >= 60_000
    }
}

/// Sessions per staff member: the default and the range an owner may set.
pub const MAX_SESSIONS_DEFAULT: i64 = 5;
pub const MAX_SESSIONS_RANGE: std::ops::RangeInclusive<i64> = 1..=20;

/// "Firefox · Linux": the browser and system of a user agent, for the session list (a hint to
/// recognise one's devices, not an identification).
pub fn describe_device(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        ""
    };
    let system = if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        ""
    };
    match (browser, system) {
        ("", "") => String::new(),
        (b, "") => b.to_string(),
        ("", s) => s.to_string(),
        (b, s) => format!("{b} · {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn password_length_rules() {
        assert_eq!(check_new_password("kurz"), Err(PasswordProblem::TooShort));
        assert_eq!(check_new_password("üüüüüüüüüü"), Ok(()));
        assert_eq!(
            check_new_password(&"a".repeat(257)),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn throttle_locks_at_max_failures_until_window_ends() {
        let rule = ThrottleRule {
            max_failures: 3,
            window_ms: 15 * MIN,
        };
        assert_eq!(rule.locked_for(None, 0), None);
        let two = Some(Window {
            start_ms: 0,
            failures: 2,
        });
        assert_eq!(rule.locked_for(two, MIN), None);
        let three = Some(Window {
            start_ms: 0,
            failures: 3,
        });
        assert_eq!(rule.locked_for(three, 2 * MIN), Some(13 * MIN));
        assert_eq!(minutes_ceil(13 * MIN), 13);
        assert_eq!(minutes_ceil(1), 1);
        // After the window the key is free again.
        assert_eq!(rule.locked_for(three, 15 * MIN), None);
    }

    #[test]
    fn sessions_expire_when_idle_or_too_old() {
        let p = SessionPolicy {
            idle_ms: 30 * MIN,
            absolute_ms: 12 * 60 * MIN,
        };
        assert!(p.is_valid(0, 0, 29 * MIN));
        assert!(!p.is_valid(0, 0, 30 * MIN));
        // Active all the time, but past the absolute lifetime.
        assert!(p.is_valid(0, 11 * 60 * MIN, 11 * 60 * MIN + 1));
        assert!(!p.is_valid(0, 12 * 60 * MIN - 1, 12 * 60 * MIN));
        assert!(!p.needs_touch(0, 59_999));
        assert!(p.needs_touch(0, 60_000));
    }

    #[test]
    fn devices_are_named_by_browser_and_system() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox · Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge · Windows"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari · iOS"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36", "Chrome · Android"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari · macOS"),
            ("curl/8.5.0", ""),
            ("", ""),
        ];
        for (ua, want) in cases {
            assert_eq!(describe_device(ua), want, "{ua}");
        }
    }
}

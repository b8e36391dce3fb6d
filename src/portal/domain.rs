//! Pure rules of the client portal: sign-in methods and access grants of a firm, magic-link
//! validity, and the limits on asking for links.

use serde::{Deserialize, Serialize};

/// The ways a firm's clients may sign in. At least one is always on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Methods {
    pub magic: bool,
    pub secret: bool,
    pub password: bool,
}

impl Default for Methods {
    fn default() -> Self {
        Methods {
            magic: true,
            secret: false,
            password: false,
        }
    }
}

impl Methods {
    /// Reads the stored list ("magic,secret"); unknown words are ignored, nothing means magic.
    pub fn from_db(s: &str) -> Methods {
        let has = |w: &str| s.split(',').any(|x| x.trim() == w);
        let m = Methods {
            magic: has("magic"),
            secret: has("secret"),
            password: has("password"),
        };
        if m.any() {
            m
        } else {
            Methods::default()
        }
    }

    pub fn to_db(self) -> String {
        [
            (self.magic, "magic"),
            (self.secret, "secret"),
            (self.password, "password"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, w)| *w)
        .collect::<Vec<_>>()
        .join(",")
    }

    pub fn any(self) -> bool {
        self.magic || self.secret || self.password
    }

    /// A password is reset through a magic link, so a firm offering passwords sends magic
    /// links for that even when magic-link sign-in itself is off.
    pub fn sends_links(self) -> bool {
        self.magic || self.password
    }
}

/// Which clients get portal access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Grant {
    /// Every client, existing and new.
    #[default]
    All,
    /// Clients created from now on; existing ones keep what they have.
    Future,
    /// Staff grant it client by client.
    Manual,
}

impl Grant {
    pub const ALL: [Grant; 3] = [Grant::All, Grant::Future, Grant::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            Grant::All => "all",
            Grant::Future => "future",
            Grant::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Grant> {
        Grant::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// Whether a newly created client gets access.
    pub fn new_clients(self) -> bool {
        self != Grant::Manual
    }
}

/// Bounds of the magic-link validity a firm may choose, in minutes.
pub const LINK_MINUTES_MIN: i64 = 5;
pub const LINK_MINUTES_MAX: i64 = 24 * 60;

/// What a magic link is, at the moment it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    Valid,
    Used,
    Expired,
    /// Never issued (or malformed) — answered like an expired one would be, without a hint.
    Unknown,
}

pub fn link_state(used_at: Option<i64>, expires_at: i64, now: i64) -> LinkState {
    if used_at.is_some() {
        LinkState::Used
    } else if now >= expires_at {
        LinkState::Expired
    } else {
        LinkState::Valid
    }
}

/// Limits on asking for magic links: per address and per IP, in a fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkLimits {
    pub per_address: i64,
    pub per_ip: i64,
    pub window_ms: i64,
}

pub const LINK_LIMITS: LinkLimits = LinkLimits {
    per_address: 5,
    per_ip: 20,
    window_ms: 15 * 60_000,
};

/// Portal sessions: idle and absolute lifetime.
pub const SESSION_IDLE_MS: i64 = 14 * 24 * 3_600_000;
pub const SESSION_ABSOLUTE_MS: i64 = 90 * 24 * 3_600_000;
/// A session that has not chosen its client yet lives briefly.
pub const CHOOSER_MS: i64 = 30 * 60_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_round_trip_and_never_empty() {
        let m = Methods::from_db("secret, password");
        assert_eq!(
            m,
            Methods {
                magic: false,
                secret: true,
                password: true
            }
        );
        assert_eq!(m.to_db(), "secret,password");
        assert_eq!(Methods::from_db(""), Methods::default());
        assert_eq!(Methods::from_db("bogus"), Methods::default());
        assert!(m.sends_links(), "password reset needs magic links");
        assert!(!Methods::from_db("secret").sends_links());
    }

    #[test]
    fn grants_decide_new_clients() {
        assert!(Grant::All.new_clients());
        assert!(Grant::Future.new_clients());
        assert!(!Grant::Manual.new_clients());
        for g in Grant::ALL {
            assert_eq!(Grant::parse(g.as_str()), Some(g));
        }
        assert_eq!(Grant::parse("everyone"), None);
    }

    #[test]
    fn links_are_used_expired_or_valid() {
        assert_eq!(link_state(None, 1_000, 999), LinkState::Valid);
        assert_eq!(link_state(None, 1_000, 1_000), LinkState::Expired);
        assert_eq!(link_state(Some(5), 1_000, 10), LinkState::Used);
        assert_eq!(link_state(Some(5), 1_000, 5_000), LinkState::Used);
    }
}

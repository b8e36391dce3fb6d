//! A firm's own portal domain and the "Öffentlichkeitsmodus": the firm is found by the request's
//! Host header on its domain (portal and upload pages only), proven by an HTTP challenge; a TLS
//! proxy asks `/api/domains/ask` before it obtains a certificate (docs/deployment.md).

pub mod api;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod site;
pub mod ui;

use serde::{Deserialize, Serialize};

/// The settings' view of the firm's domain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DomainView {
    /// Empty: none entered.
    pub domain: String,
    pub verified: bool,
    /// The host the firm's DNS record must point to (CNAME).
    pub target: String,
    /// The path the challenge is answered at on the firm's domain.
    pub challenge_path: String,
    /// The firm's portal sign-in is reachable on the main domain too.
    pub public: bool,
}

pub const CHALLENGE_PATH: &str = "/.well-known/kundenportal-domain";

/// Why a domain is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainProblem {
    Invalid,
    /// The app's own main host (or a loopback name).
    Main,
}

/// A host name as entered ("Portal.Kanzlei-Muster.de", also with scheme, port or path pasted
/// in), lower-cased and checked: at least two labels of letters, digits and inner hyphens, no
/// IP address.
pub fn normalize_domain(input: &str, main_host: &str) -> Result<String, DomainProblem> {
    let mut s = input.trim().to_ascii_lowercase();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest.to_string();
        }
    }
    let s = s.split('/').next().unwrap_or("").trim_end_matches('.');
    let labels: Vec<&str> = s.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if s.len() > 253
        || labels.len() < 2
        || !labels.iter().all(label_ok)
        || labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(DomainProblem::Invalid);
    }
    if s == main_host || is_loopback(s) {
        return Err(DomainProblem::Main);
    }
    Ok(s.to_string())
}

/// The host of a Host header or URL authority, lower-case, without port.
pub fn host_only(authority: &str) -> String {
    let a = authority.trim().to_ascii_lowercase();
    if let Some(rest) = a.strip_prefix('[') {
        // [::1]:3000
        return rest.split(']').next().unwrap_or("").to_string();
    }
    a.rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map(|(h, _)| h.to_string())
        .unwrap_or(a)
}

pub fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalized_and_checked() {
        let main = "app.kundenportal.de";
        assert_eq!(
            normalize_domain(" https://Portal.Kanzlei-Muster.de/portal ", main),
            Ok("portal.kanzlei-muster.de".into())
        );
        assert_eq!(
            normalize_domain("kanzlei.de.", main),
            Ok("kanzlei.de".into())
        );
        for bad in [
            "",
            "localhost.",
            "kanzlei",
            "-x.de",
            "x-.de",
            "a b.de",
            "1.2.3.4",
            "x..de",
            "kanzlei.de:8080x",
            "<script>.de",
        ] {
            assert!(normalize_domain(bad, main).is_err(), "{bad:?}");
        }
        assert_eq!(
            normalize_domain("APP.kundenportal.de", main),
            Err(DomainProblem::Main)
        );
        assert_eq!(
            normalize_domain("localhost", main),
            Err(DomainProblem::Invalid)
        );
    }

    #[test]
    fn hosts_lose_their_port() {
        assert_eq!(host_only("Portal.Kanzlei.de:443"), "portal.kanzlei.de");
        assert_eq!(host_only("127.0.0.1:3000"), "127.0.0.1");
        assert_eq!(host_only("[::1]:3000"), "::1");
        assert_eq!(host_only("kanzlei.de"), "kanzlei.de");
    }
}

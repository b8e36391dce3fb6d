//! Signed reply addresses: `reply+t.<ticket id>.<sig>@<reply domain>` for a ticket's thread,
//! `reply+c.<client id>.<sig>@…` for a client's chat. The signature is the first 8 bytes of
//! HMAC-SHA256 over "<kind>.<id>" with a key derived from the master key, in lowercase hex —
//! mail systems may change the case of local parts, so everything is compared lower-cased.
//! (Rotating the master key retires earlier addresses; replies then still match by
//! In-Reply-To, see `repo::thread_of`.)

use crate::server::keys::MasterKey;
use ring::hmac;

/// Where a reply goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Ticket(String),
    /// The client's general chat conversation.
    Chat(String),
}

impl Target {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Target::Ticket(id) => ("t", id),
            Target::Chat(id) => ("c", id),
        }
    }
}

fn key(master: &MasterKey) -> hmac::Key {
    let root = hmac::Key::new(hmac::HMAC_SHA256, master.bytes());
    let derived = hmac::sign(&root, b"kundenportal reply address v1");
    hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())
}

fn signature(master: &MasterKey, kind: &str, id: &str) -> String {
    let tag = hmac::sign(&key(master), format!("{kind}.{id}").as_bytes());
    hex::encode(&tag.as_ref()[..8])
}

/// The reply address of `target` under `domain`.
pub fn address(master: &MasterKey, target: &Target, domain: &str) -> String {
    let (kind, id) = target.parts();
    let id = id.to_lowercase();
    format!(
        "reply+{kind}.{id}.{}@{}",
        signature(master, kind, &id),
        domain.to_lowercase()
    )
}

/// Equal in constant time (for equal lengths).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What an address says, when it is one of our reply addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Not a reply address of this domain at all.
    Foreign,
    /// Looks like one, but the signature is wrong or the form broken.
    Forged,
    Valid(Target),
}

/// Reads `addr` (as found in a header or the envelope; `<…>` and case do not matter).
pub fn read(master: &MasterKey, addr: &str, domain: &str) -> Reading {
    let addr = addr
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_lowercase();
    let Some((local, host)) = addr.rsplit_once('@') else {
        return Reading::Foreign;
    };
    if domain.is_empty() || host != domain.to_lowercase() {
        return Reading::Foreign;
    }
    let Some(rest) = local.strip_prefix("reply+") else {
        return Reading::Foreign;
    };
    let mut it = rest.splitn(3, '.');
    let (Some(kind), Some(id), Some(sig)) = (it.next(), it.next(), it.next()) else {
        return Reading::Forged;
    };
    let well_formed =
        !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if !well_formed || !same(sig.as_bytes(), signature(master, kind, id).as_bytes()) {
        return Reading::Forged;
    }
    match kind {
        "t" => Reading::Valid(Target::Ticket(id.to_string())),
        "c" => Reading::Valid(Target::Chat(id.to_string())),
        _ => Reading::Forged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master(b: u8) -> MasterKey {
        use base64::Engine;
        MasterKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([b; 32])).unwrap()
    }

    const TICKET: &str = "0190f3a2-7c1e-7aa0-9d1e-3b7c2a1f9e10";

    #[test]
    fn an_address_reads_back_as_its_target() {
        let m = master(7);
        for target in [
            Target::Ticket(TICKET.into()),
            Target::Chat("0190f3a2-0000-7000-8000-00000000abcd".into()),
        ] {
            let a = address(&m, &target, "Reply.Kanzlei.de");
            assert!(
                a.len() - "@reply.kanzlei.de".len() <= 64,
                "local part fits: {a}"
            );
            assert_eq!(
                read(&m, &a, "reply.kanzlei.de"),
                Reading::Valid(target.clone())
            );
            // Case and angle brackets do not matter.
            assert_eq!(
                read(&m, &format!("<{}>", a.to_uppercase()), "reply.kanzlei.de"),
                Reading::Valid(target)
            );
        }
    }

    #[test]
    fn forged_and_foreign_addresses_are_told_apart() {
        let m = master(7);
        let good = address(&m, &Target::Ticket(TICKET.into()), "reply.kanzlei.de");
        let other_key = address(
            &master(8),
            &Target::Ticket(TICKET.into()),
            "reply.kanzlei.de",
        );
        assert_eq!(read(&m, &other_key, "reply.kanzlei.de"), Reading::Forged);
        // Another ticket with this ticket's signature.
        let swapped = good.replace("3b7c2a1f9e10", "3b7c2a1f9e11");
        assert_eq!(read(&m, &swapped, "reply.kanzlei.de"), Reading::Forged);
        let as_chat = good.replacen("reply+t.", "reply+c.", 1);
        assert_eq!(read(&m, &as_chat, "reply.kanzlei.de"), Reading::Forged);
        for bad in [
            "reply+t.x@reply.kanzlei.de",
            "reply+@reply.kanzlei.de",
            "reply+t..@reply.kanzlei.de",
        ] {
            assert_eq!(read(&m, bad, "reply.kanzlei.de"), Reading::Forged, "{bad}");
        }
        assert_eq!(read(&m, &good, "andere.de"), Reading::Foreign);
        assert_eq!(read(&m, &good, ""), Reading::Foreign);
        assert_eq!(
            read(&m, "info@reply.kanzlei.de", "reply.kanzlei.de"),
            Reading::Foreign
        );
        assert_eq!(
            read(&m, "kein-at-zeichen", "reply.kanzlei.de"),
            Reading::Foreign
        );
    }
}

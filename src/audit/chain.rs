//! The audit trail's hash chain (pure): each sealed event's hash covers its number, every
//! field and its predecessor's hash, so changing or removing one event breaks every link
//! after it. Fields are length-prefixed, so no two different events encode alike.

use sha2::{Digest, Sha256};

/// The predecessor hash of a firm's first event.
pub const GENESIS: &str = "";

/// An audit event as the chain sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub seq: i64,
    pub id: String,
    pub org_id: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub client_id: Option<String>,
    pub action: String,
    pub detail: String,
    pub ip: String,
    pub user_agent: String,
    pub created_at: i64,
}

fn put(h: &mut Sha256, field: Option<&str>) {
    match field {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
    }
}

/// The hash of `e` following `prev` (hex).
pub fn link(prev: &str, e: &Event) -> String {
    let mut h = Sha256::new();
    h.update(b"kundenportal-audit-v1");
    h.update(e.seq.to_be_bytes());
    h.update(e.created_at.to_be_bytes());
    for f in [
        Some(prev),
        Some(e.id.as_str()),
        Some(e.org_id.as_str()),
        e.actor_id.as_deref(),
        Some(e.actor_name.as_str()),
        e.client_id.as_deref(),
        Some(e.action.as_str()),
        Some(e.detail.as_str()),
        Some(e.ip.as_str()),
        Some(e.user_agent.as_str()),
    ] {
        put(&mut h, f);
    }
    hex::encode(h.finalize())
}

/// Where a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// Event number `seq` is not there (deleted, or renumbered).
    Missing { seq: i64 },
    /// Event `seq` (`id`) differs from what was sealed.
    Changed { seq: i64, id: String },
    /// The chain ends at `last` but its head says `head`.
    Truncated { last: i64, head: i64 },
}

/// Walks one firm's chain in order of `seq`, event by event.
#[derive(Debug, Default)]
pub struct Walk {
    /// Events checked so far.
    pub count: i64,
    last_seq: i64,
    last_id: String,
    last_hash: String,
}

impl Walk {
    /// Checks the next event (with its stored predecessor and own hash).
    pub fn step(&mut self, e: &Event, prev_hash: &str, hash: &str) -> Result<(), Break> {
        let want = self.last_seq + 1;
        if e.seq != want {
            return Err(Break::Missing { seq: want });
        }
        if prev_hash != self.last_hash {
            // The predecessor was changed (and rehashed) after this event was sealed; for the
            // first event, its own link to the start was.
            return Err(if want == 1 {
                Break::Changed {
                    seq: e.seq,
                    id: e.id.clone(),
                }
            } else {
                Break::Changed {
                    seq: self.last_seq,
                    id: self.last_id.clone(),
                }
            });
        }
        if link(prev_hash, e) != hash {
            return Err(Break::Changed {
                seq: e.seq,
                id: e.id.clone(),
            });
        }
        self.count += 1;
        self.last_seq = e.seq;
        self.last_id = e.id.clone();
        self.last_hash = hash.to_string();
        Ok(())
    }

    /// After the last event: does the chain reach its recorded head?
    pub fn end(&self, head: Option<(i64, &str)>) -> Result<(), Break> {
        match head {
            Some((seq, hash)) if seq != self.last_seq || hash != self.last_hash => {
                Err(Break::Truncated {
                    last: self.last_seq,
                    head: seq,
                })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, detail: &str) -> Event {
        Event {
            seq,
            id: format!("id-{seq}"),
            org_id: "org".into(),
            actor_id: Some("u1".into()),
            actor_name: "Anna".into(),
            client_id: None,
            action: "file.downloaded".into(),
            detail: detail.into(),
            ip: "127.0.0.1".into(),
            user_agent: "test".into(),
            created_at: 1_700_000_000_000 + seq,
        }
    }

    /// A sealed chain of `n` events: (event, prev_hash, hash).
    fn chain(n: i64) -> Vec<(Event, String, String)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let e = event(i, &format!("Datei {i}.pdf"));
                let h = link(&prev, &e);
                let out = (e, prev.clone(), h.clone());
                prev = h;
                out
            })
            .collect()
    }

    fn walk(c: &[(Event, String, String)], head: Option<(i64, &str)>) -> Result<i64, Break> {
        let mut w = Walk::default();
        for (e, p, h) in c {
            w.step(e, p, h)?;
        }
        w.end(head)?;
        Ok(w.count)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        let head = c.last().map(|(e, _, h)| (e.seq, h.as_str()));
        assert_eq!(walk(&c, head), Ok(5));
        assert_eq!(walk(&[], None), Ok(0));
    }

    #[test]
    fn every_field_is_covered_and_fields_do_not_run_into_each_other() {
        let e = event(1, "x");
        let base = link(GENESIS, &e);
        let variants = [
            Event {
                detail: "y".into(),
                ..e.clone()
            },
            Event {
                actor_id: None,
                ..e.clone()
            },
            Event {
                client_id: Some(String::new()),
                ..e.clone()
            },
            Event {
                ip: "10.0.0.1".into(),
                ..e.clone()
            },
            Event {
                created_at: e.created_at + 1,
                ..e.clone()
            },
            Event {
                actor_name: "Ann".into(),
                action: "afile.downloaded".into(),
                ..e.clone()
            },
        ];
        for v in variants {
            assert_ne!(link(GENESIS, &v), base, "{v:?}");
        }
        assert_ne!(link("0", &e), base);
    }

    #[test]
    fn an_edited_event_is_named() {
        let mut c = chain(4);
        c[2].0.detail = "harmlos.pdf".into();
        assert_eq!(
            walk(&c, None),
            Err(Break::Changed {
                seq: 3,
                id: "id-3".into()
            })
        );
        // Rehashing the edited event does not help: its successor still points at the old one.
        let mut c = chain(4);
        c[2].0.detail = "harmlos.pdf".into();
        c[2].2 = link(&c[2].1, &c[2].0);
        assert_eq!(
            walk(&c, None),
            Err(Break::Changed {
                seq: 3,
                id: "id-3".into()
            })
        );
    }

    #[test]
    fn deleted_events_are_named() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(walk(&c, None), Err(Break::Missing { seq: 2 }));
        // Cut from the end: the head remembers.
        let c = chain(5);
        let head = c.last().map(|(e, _, h)| (e.seq, h.clone())).unwrap();
        assert_eq!(
            walk(&c[..3], Some((head.0, &head.1))),
            Err(Break::Truncated { last: 3, head: 5 })
        );
    }
}

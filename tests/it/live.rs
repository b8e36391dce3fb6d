//! Live events over server-sent events: an upload reaches the firm's open streams at once,
//! never another firm's; a reconnect with the last event id replays what was missed.

use crate::helpers::{Caller, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::{firm_with_link, Tus};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

/// An open `/api/events` stream, read event by event.
pub struct Events {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
}

impl Events {
    pub async fn open(c: &Caller, last_id: Option<&str>) -> Events {
        let mut req = c.http.get(format!("{}/api/events", c.base));
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        Events {
            body: r.bytes_stream().boxed(),
            buf: String::new(),
        }
    }

    /// The next event (id, data), skipping keep-alive comments; `None` after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<(String, Value)> {
        let until = Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut data) = (String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(&data).unwrap();
                // Chat messages (the uploads' system messages) are tested in chat.rs.
                if v["kind"] == "message" {
                    continue;
                }
                return Some((id, v));
            }
            let left = until.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }
}

pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

pub async fn upload(tus: &Tus, name: &str) {
    let loc = tus.create_ok(name, PDF.len()).await;
    tus.upload_all(&loc, PDF, 64 * 1024).await;
}

async fn uploads_reach_the_firms_streams_and_reconnects_replay(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let member = app.member(&owner, "m@kanzlei-a.de", "readonly").await;
    let stranger = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let tus = Tus::new(&app.url, &token);

    let r = app.anonymous().get("/api/events").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let mut mine = Events::open(&owner, None).await;
    let mut colleague = Events::open(&member, None).await;
    let mut theirs = Events::open(&stranger, None).await;
    upload(&tus, "Vollmacht.pdf").await;
    for s in [&mut mine, &mut colleague] {
        let (id, ev) = s.next(Duration::from_secs(5)).await.expect("live event");
        assert_eq!(ev["kind"], "upload");
        assert_eq!(ev["client_id"], client.as_str());
        assert_eq!(ev["client_name"], "Schmidt AG");
        assert_eq!(ev["subject"], "Vollmacht.pdf");
        assert_eq!(ev["id"], id.as_str());
    }
    assert!(theirs.next(Duration::from_millis(500)).await.is_none());

    // A case change is an event too.
    let (_, case) = owner
        .call(
            "create_case",
            &[("client_id", &client), ("title", "Abschluss")],
        )
        .await;
    assert!(case.is_string(), "{case}");
    let (first, ev) = mine.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        (ev["kind"].as_str(), ev["subject"].as_str()),
        (Some("case"), Some("Abschluss"))
    );

    // Offline for a while: two uploads happen; the reconnect replays exactly those, in order.
    drop(mine);
    upload(&tus, "Konto-1.pdf").await;
    upload(&tus, "Konto-2.pdf").await;
    let mut back = Events::open(&owner, Some(&first)).await;
    let (_, a) = back.next(Duration::from_secs(5)).await.unwrap();
    let (last, b) = back.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        (a["subject"].as_str(), b["subject"].as_str()),
        (Some("Konto-1.pdf"), Some("Konto-2.pdf"))
    );
    // ... and then follows live, without repeating anything.
    upload(&tus, "Konto-3.pdf").await;
    let (next, c) = back.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(c["subject"], "Konto-3.pdf");
    assert!(next > last);
    assert!(back.next(Duration::from_millis(300)).await.is_none());
    // The other firm's replay is empty whatever id it claims.
    let mut theirs = Events::open(&stranger, Some("0")).await;
    assert!(theirs.next(Duration::from_millis(500)).await.is_none());
}

on_both_databases!(uploads_reach_the_firms_streams_and_reconnects_replay);

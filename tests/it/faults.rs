//! SIGKILL at the worst moments — sending a chat message, closing a case, running a job,
//! taking a payment webhook: the real server binary is started with a crash point
//! (`KUNDENPORTAL_CRASH_AT`, see `server::crash`) and kills itself with SIGKILL exactly there;
//! it is restarted on the same data and the client's retry (the same idempotency key, the
//! same webhook event) finds everything once: nothing lost, nothing twice, nothing half.
//! (SIGKILL in the middle of an upload: `uploads_crash.rs`.)

use crate::helpers::{Caller, Db, PASSWORD};
use crate::on_both_databases;
use crate::uploads_crash::{create_admin, free_port, start_with, Server};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// A firm's data directory and database, served by the binary on one port.
struct Site {
    dir: tempfile::TempDir,
    db_url: String,
    port: u16,
}

impl Site {
    async fn new(db: Db) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let db_url = crate::helpers::database_url(db, dir.path()).await;
        create_admin(dir.path(), &db_url, "Kanzlei Absturz", "o@absturz.de");
        Site {
            dir,
            db_url,
            port: free_port(),
        }
    }

    /// The server, dying at `crash` when given.
    async fn serve(&self, crash: Option<&str>) -> Server {
        let env: Vec<(&str, &str)> = crash
            .map(|c| vec![("KUNDENPORTAL_CRASH_AT", c)])
            .unwrap_or_default();
        start_with(self.dir.path(), &self.db_url, self.port, &env).await
    }

    async fn db(&self) -> kundenportal::server::db::Db {
        kundenportal::server::db::connect(&self.db_url)
            .await
            .unwrap()
    }

    async fn count(&self, sql: &str, arg: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(arg)
            .fetch_one(&self.db().await)
            .await
            .unwrap()
    }

    fn outbox(&self) -> Vec<String> {
        std::fs::read_dir(self.dir.path().join("outbox"))
            .map(|d| {
                d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Waits until the server has killed itself at its crash point.
fn died(server: &mut Server) {
    for _ in 0..200 {
        if let Some(status) = server.child.try_wait().unwrap() {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9), "killed by SIGKILL: {status:?}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not reach its crash point");
}

async fn signed_in(server: &Server) -> Caller {
    let owner = Caller::at(&server.url);
    let (s, b) = owner
        .call(
            "login",
            &[("email", "o@absturz.de"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    owner
}

/// A server function call whose connection may break (the server dies answering it).
async fn try_call(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Option<StatusCode> {
    c.send(endpoint, form).await.ok().map(|r| r.status())
}

/// A caller of the same browser (cookies) against the restarted server.
fn again(c: &Caller, server: &Server) -> Caller {
    Caller {
        http: c.http.clone(),
        base: server.url.clone(),
    }
}

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

/// An invoice draft of 100 € net (119 € gross) for `client`.
async fn draft_invoice(owner: &Caller, client: &str) -> String {
    let invoice = ok(
        owner,
        "create_invoice",
        &[("client_id", client), ("kind", "invoice")],
    )
    .await;
    let invoice = invoice.as_str().unwrap().to_string();
    let line = [
        ("id", invoice.as_str()),
        ("description", "Beratung"),
        ("unit_price", "100"),
    ];
    ok(owner, "add_invoice_line", &line).await;
    invoice
}

fn messages(conv: &Value, author: &str) -> Vec<String> {
    conv["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["author"] == author)
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Waits (up to 30 s: a job left by a dead process waits out its grace period, then the next
/// round of the worker) until `n` mails went to `to`; returns them.
async fn mails_to(site: &Site, to: &str, n: usize) -> Vec<String> {
    for _ in 0..150 {
        let mails: Vec<String> = site
            .outbox()
            .into_iter()
            .filter(|m| m.contains(to))
            .collect();
        if mails.len() >= n {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("fewer than {n} mails to {to}: {:?}", site.outbox());
}

async fn killed_while_sending_a_message(db: Db) {
    let site = Site::new(db).await;
    let setup = site.serve(None).await;
    let owner = signed_in(&setup).await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;
    drop(setup);

    let mut server = site.serve(Some("chat.after_commit")).await;
    let owner = again(&owner, &server);
    let form = [
        ("client_id", client.as_str()),
        ("text", "Bitte die Belege bis Freitag."),
        ("idem", "msg-1"),
    ];
    assert_eq!(try_call(&owner, "send_message", &form).await, None);
    died(&mut server);

    // The browser sends again (same key) once the server is back: one message, one entry.
    let server = site.serve(None).await;
    let owner = again(&owner, &server);
    ok(&owner, "send_message", &form).await;
    let conv = ok(&owner, "chat", &[("client_id", &client)]).await;
    assert_eq!(
        messages(&conv, "Staff"),
        vec!["Bitte die Belege bis Freitag."]
    );
    let sent = "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = $1";
    assert_eq!(site.count(sent, "chat.message_sent").await, 1);
    // The client is told all the same: the job that does it committed with the message, and
    // the restarted server's worker runs it — once.
    let mails = mails_to(&site, "info@schmidt.de", 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(site.outbox().len(), 1, "one mail: {mails:?}");
    let told = "SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE kind = $1 AND done_at IS NOT NULL";
    assert_eq!(site.count(told, "tell").await, 1);
}

async fn killed_while_closing_a_case(db: Db) {
    let site = Site::new(db).await;
    let setup = site.serve(None).await;
    let owner = signed_in(&setup).await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;
    let case_a = ok(
        &owner,
        "create_case",
        &[("client_id", &client), ("title", "Jahresabschluss 2025")],
    )
    .await;
    let case_a = case_a.as_str().unwrap().to_string();
    let case_b = ok(
        &owner,
        "create_case",
        &[("client_id", &client), ("title", "Lohn Dezember")],
    )
    .await;
    let case_b = case_b.as_str().unwrap().to_string();
    drop(setup);
    let closed = "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = 'case.closed' AND detail = $1";
    let state = "SELECT CAST(COUNT(*) AS BIGINT) FROM cases WHERE state = 'open' AND id = $1";

    // Killed before the commit: nothing of the close is there — state, audit, message.
    let mut server = site.serve(Some("case.before_commit")).await;
    let owner = again(&owner, &server);
    let close_a = [("id", case_a.as_str()), ("to", "close")];
    assert_eq!(try_call(&owner, "change_case_state", &close_a).await, None);
    died(&mut server);
    let server = site.serve(None).await;
    let owner = again(&owner, &server);
    assert_eq!(site.count(state, &case_a).await, 1, "still open");
    assert_eq!(site.count(closed, "Jahresabschluss 2025").await, 0);
    let conv = ok(
        &owner,
        "chat",
        &[("client_id", &client), ("case_id", &case_a)],
    )
    .await;
    assert!(messages(&conv, "SystemFirm").is_empty(), "{conv}");
    // The retry closes it, once.
    ok(&owner, "change_case_state", &close_a).await;
    assert_eq!(site.count(state, &case_a).await, 0);
    assert_eq!(site.count(closed, "Jahresabschluss 2025").await, 1);
    // The client's mail about it is out (a pending one would take in the next close's news).
    mails_to(&site, "info@schmidt.de", 1).await;
    drop(server);

    // Killed right after the commit: all of it is there — the client told in the case's
    // conversation too — and a retry changes nothing.
    let mut server = site.serve(Some("case.after_commit")).await;
    let owner = again(&owner, &server);
    let close_b = [("id", case_b.as_str()), ("to", "close")];
    assert_eq!(try_call(&owner, "change_case_state", &close_b).await, None);
    died(&mut server);
    let server = site.serve(None).await;
    let owner = again(&owner, &server);
    assert_eq!(site.count(state, &case_b).await, 0, "closed");
    assert_eq!(site.count(closed, "Lohn Dezember").await, 1);
    let conv = ok(
        &owner,
        "chat",
        &[("client_id", &client), ("case_id", &case_b)],
    )
    .await;
    assert_eq!(messages(&conv, "SystemFirm").len(), 1, "{conv}");
    let (s, _) = owner.call("change_case_state", &close_b).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(site.count(closed, "Lohn Dezember").await, 1);
    let conv = ok(
        &owner,
        "chat",
        &[("client_id", &client), ("case_id", &case_b)],
    )
    .await;
    assert_eq!(messages(&conv, "SystemFirm").len(), 1);
    // The client's last open case is closed: Vollständig.
    let status =
        "SELECT CAST(COUNT(*) AS BIGINT) FROM clients WHERE status = 'vollstaendig' AND id = $1";
    assert_eq!(site.count(status, &client).await, 1);
    // Told of the second close too, by the job that committed with it — once.
    mails_to(&site, "info@schmidt.de", 2).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(site.outbox().len(), 2, "{:?}", site.outbox());
}

async fn killed_while_running_a_job(db: Db) {
    let site = Site::new(db).await;
    let setup = site.serve(None).await;
    let owner = signed_in(&setup).await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;
    let invoice = draft_invoice(&owner, &client).await;
    drop(setup);

    // Sending the invoice makes a mail job; the worker claims it and dies before sending.
    let mut server = site.serve(Some("job.before_run")).await;
    let owner = again(&owner, &server);
    let _ = try_call(&owner, "send_invoice", &[("id", &invoice)]).await;
    died(&mut server);
    let pending = "SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE done_at IS NULL AND kind = $1";
    assert_eq!(site.count(pending, "invoice_mail").await, 1);

    // Back up: the dead run's lease holds the job (no second run meanwhile) …
    let _server = site.serve(None).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(site.outbox().is_empty(), "sent during the lease");
    // … until it ends (as five minutes later): then it runs once.
    sqlx::query("UPDATE jobs SET locked_until = 0 WHERE done_at IS NULL")
        .execute(&site.db().await)
        .await
        .unwrap();
    for _ in 0..100 {
        if site.count(pending, "invoice_mail").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(site.count(pending, "invoice_mail").await, 0, "the job ran");
    let mails = site.outbox();
    assert_eq!(mails.len(), 1, "one mail");
    assert!(mails[0].contains("info@schmidt.de"));
}

async fn killed_while_taking_a_payment(db: Db) {
    use kundenportal::invoices::stripe::sign;
    const WEBHOOK_SECRET: &str = "whsec_test_Absturz";
    let site = Site::new(db).await;
    let setup = site.serve(None).await;
    let owner = signed_in(&setup).await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;
    let mut invoices = Vec::new();
    for _ in 0..2 {
        let invoice = draft_invoice(&owner, &client).await;
        ok(&owner, "send_invoice", &[("id", &invoice)]).await;
        invoices.push(invoice);
    }
    ok(
        &owner,
        "save_payments",
        &[
            ("secret_key", "sk_test_51Absturz"),
            ("webhook_secret", WEBHOOK_SECRET),
        ],
    )
    .await;
    drop(setup);
    let org: String = sqlx::query_scalar("SELECT id FROM orgs")
        .fetch_one(&site.db().await)
        .await
        .unwrap();
    let paid = "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE state = 'paid' AND id = $1";
    let audited = "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = 'invoice.paid' AND detail LIKE $1";
    let bells = "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications WHERE kind = 'payment_received' AND text = $1";

    for (n, (crash, after_crash)) in [("webhook.before_commit", 0), ("webhook.after_commit", 1)]
        .into_iter()
        .enumerate()
    {
        let invoice = &invoices[n];
        let session = format!("cs_test_crash_{n}");
        let event_id = format!("evt_crash_{n}");
        // The checkout session Stripe would have made (its page is not part of this test).
        sqlx::query(
            "INSERT INTO payments (id, org_id, invoice_id, amount_cents, currency, created_at, updated_at) \
             VALUES ($1, $2, $3, 11900, 'eur', 0, 0)",
        )
        .bind(&session)
        .bind(&org)
        .bind(invoice)
        .execute(&site.db().await)
        .await
        .unwrap();
        let number: String = sqlx::query_scalar("SELECT number FROM invoices WHERE id = $1")
            .bind(invoice)
            .fetch_one(&site.db().await)
            .await
            .unwrap();
        let event = serde_json::to_vec(&serde_json::json!({
            "id": event_id,
            "type": "checkout.session.completed",
            "data": {"object": {"id": session, "amount_total": 11900, "currency": "eur",
                "payment_status": "paid"}},
        }))
        .unwrap();
        let deliver = |url: String| {
            let (event, org) = (event.clone(), org.clone());
            async move {
                let now = kundenportal::server::db::now_ms() / 1000;
                crate::helpers::client()
                    .post(format!("{url}/api/stripe/webhook/{org}"))
                    .header("Content-Type", "application/json")
                    .header("Stripe-Signature", sign(&event, WEBHOOK_SECRET, now))
                    .body(event)
                    .send()
                    .await
                    .ok()
                    .map(|r| r.status())
            }
        };
        let trail = format!("%{event_id}%");

        let mut server = site.serve(Some(crash)).await;
        assert_eq!(deliver(server.url.clone()).await, None, "{crash}");
        died(&mut server);
        assert_eq!(site.count(paid, invoice).await, after_crash, "{crash}");
        assert_eq!(
            site.count(audited, &trail).await,
            after_crash,
            "{crash}: the audit entry comes with the payment"
        );
        assert_eq!(
            site.count(bells, &number).await,
            after_crash,
            "{crash}: the bell comes with the payment"
        );
        // Stripe delivers the event again: paid once, recorded once, told once.
        let server = site.serve(None).await;
        assert_eq!(
            deliver(server.url.clone()).await,
            Some(StatusCode::OK),
            "{crash}"
        );
        assert_eq!(site.count(paid, invoice).await, 1, "{crash}");
        assert_eq!(site.count(audited, &trail).await, 1, "{crash}");
        assert_eq!(site.count(bells, &number).await, 1, "{crash}");
        drop(server);
    }
}

on_both_databases!(
    killed_while_sending_a_message,
    killed_while_closing_a_case,
    killed_while_running_a_job,
    killed_while_taking_a_payment,
);

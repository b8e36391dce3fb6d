//! The tamper-evident audit trail: events are sealed into one hash chain per firm, and
//! `kundenportal audit verify` (the real binary) finds an edited, a deleted and a cut-off
//! event and names it, while untouched firms stay intact. Sealing from several processes at
//! once never numbers an event twice.

use crate::helpers::{Db, TestApp};
use crate::on_both_databases;
use kundenportal::audit::repo::{seal, verify};

/// Runs `kundenportal audit verify [args]` against the app's database: (success, output).
fn verify_cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kundenportal"))
        .env(
            "KUNDENPORTAL_SERVER_DATA_DIR",
            &app.state.config.server.data_dir,
        )
        .env("DATABASE_URL", app.state.config.database_url())
        .env("KUNDENPORTAL_LOG", "warn")
        .args(["audit", "verify"])
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn org_of(app: &TestApp, firm: &str) -> String {
    sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
        .bind(firm)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// (id, detail) of a firm's sealed event number `seq`.
async fn event(app: &TestApp, org: &str, seq: i64) -> (String, String) {
    let row: (String, String) =
        sqlx::query_as("SELECT id, detail FROM audit_events WHERE org_id = $1 AND seq = $2")
            .bind(org)
            .bind(seq)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    row
}

async fn tampering_is_found_and_named(db: Db) {
    let app = TestApp::spawn(db).await;
    let a = app.firm("Kanzlei Kette", "chef@kette.de").await;
    let b = app.firm("Kanzlei Ende", "chef@ende.de").await;
    let c = app.firm("Kanzlei Heil", "chef@heil.de").await;
    for (firm, n) in [(&a, 4), (&b, 2), (&c, 1)] {
        for i in 0..n {
            firm.create_client(&format!("Mandant {i}"), "").await;
        }
    }
    let (org_a, org_b, org_c) = (
        org_of(&app, "Kanzlei Kette").await,
        org_of(&app, "Kanzlei Ende").await,
        org_of(&app, "Kanzlei Heil").await,
    );
    assert!(seal(&app.state.db).await.unwrap() >= 7);
    let (ok, out) = verify_cli(&app, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("audit trail intact (3 firms)"), "{out}");
    // Later events continue the chain.
    a.create_client("Mandant spät", "").await;
    assert_eq!(seal(&app.state.db).await.unwrap(), 1);
    let reports = verify(&app.state.db, Some(&org_a)).await.unwrap();
    assert_eq!(reports[0].broken, None);
    let events = reports[0].events;
    assert_eq!(reports[0].head.as_ref().unwrap().0, events);

    // An edited event is named; putting it back heals the chain.
    let (id, detail) = event(&app, &org_a, 3).await;
    sqlx::query("UPDATE audit_events SET detail = 'harmlos' WHERE id = $1")
        .bind(&id)
        .execute(&app.state.db)
        .await
        .unwrap();
    let (ok, out) = verify_cli(&app, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("event #3 ({id}) was changed after it was written")),
        "{out}"
    );
    assert!(out.contains(&format!("ok      firm {org_c}")), "{out}");
    // Only the firm asked about.
    let (ok, out) = verify_cli(&app, &["--org", &org_c]);
    assert!(ok, "{out}");
    sqlx::query("UPDATE audit_events SET detail = $2 WHERE id = $1")
        .bind(&id)
        .bind(&detail)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert!(verify_cli(&app, &[]).0);

    // A deleted event, in the middle of one chain and at the end of another.
    let (id, _) = event(&app, &org_a, 2).await;
    sqlx::query("DELETE FROM audit_events WHERE id = $1")
        .bind(&id)
        .execute(&app.state.db)
        .await
        .unwrap();
    let last = verify(&app.state.db, Some(&org_b)).await.unwrap()[0].events;
    sqlx::query("DELETE FROM audit_events WHERE org_id = $1 AND seq = $2")
        .bind(&org_b)
        .bind(last)
        .execute(&app.state.db)
        .await
        .unwrap();
    let (ok, out) = verify_cli(&app, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("event #2 is missing (deleted)"), "{out}");
    assert!(
        out.contains(&format!(
            "the chain ends at event #{} but reached #{last}",
            last - 1
        )),
        "{out}"
    );
    assert!(out.contains("of 2 firm(s) was tampered with"), "{out}");
}

async fn concurrent_sealing_numbers_each_event_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Viele", "chef@viele.de").await;
    let x = owner.create_client("Mandant", "").await;
    for i in 0..40 {
        let (s, v) = owner
            .call(
                "add_client_note",
                &[("id", x.as_str()), ("body", &format!("Notiz {i}"))],
            )
            .await;
        assert!(s.is_success(), "{v}");
    }
    let sealers: Vec<_> = (0..4)
        .map(|_| {
            let db = app.state.db.clone();
            tokio::spawn(async move { seal(&db).await.unwrap() })
        })
        .collect();
    let mut total = 0;
    for s in sealers {
        total += s.await.unwrap();
    }
    // Whatever a losing sealer left is sealed by the next pass.
    total += seal(&app.state.db).await.unwrap();
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(total as i64, all);
    let reports = verify(&app.state.db, None).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].broken, None);
    assert_eq!(reports[0].events, all);
}

async fn admins_filter_and_export_the_trail(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Spur", "chef@spur.de").await;
    let admin = app.member(&owner, "admin@spur.de", "admin").await;
    let member = app.member(&owner, "m@spur.de", "member").await;
    let x = member.create_client("Xaver Spur", "x@spur.de").await;
    let y = owner.create_client("=SUMME(A1)", "y@spur.de").await;
    for i in 0..105 {
        let (s, v) = member
            .call(
                "add_client_note",
                &[("id", &x), ("body", &format!("Notiz {i}"))],
            )
            .await;
        assert!(s.is_success(), "{v}");
    }
    crate::portal::ok(
        &owner,
        "send_message",
        &[("client_id", &y), ("text", "Geheim 4711")],
    )
    .await;
    let member_id = crate::portal::ok(&member, "whoami", &[]).await["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let log = |form: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.call("audit_log", &form).await
        }
    };
    let s = |v: &str| v.to_string();

    // One client's history, paged: 100 per page.
    let (st, page) = log(vec![("client_id", x.clone())]).await;
    assert_eq!(st, reqwest::StatusCode::OK, "{page}");
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 100);
    assert_eq!(page["more"], true);
    assert_eq!(page["client_name"], "Xaver Spur");
    assert!(entries.iter().all(|e| e["client_id"] == x.as_str()));
    assert_eq!(entries[0]["action"], "client.note_added", "newest first");
    assert_eq!(entries[0]["ip"], "127.0.0.1");
    let (_, rest) = log(vec![("client_id", x.clone()), ("page", s("1"))]).await;
    assert_eq!(rest["more"], false);
    let rest = rest["entries"].as_array().unwrap();
    // 5 more notes, the client's creation.
    assert_eq!(rest.len(), 6, "{rest:?}");
    assert_eq!(rest.last().unwrap()["action"], "client.created");

    // By member, by action, by client name, by days.
    let (_, by_member) = log(vec![("actor", member_id.clone())]).await;
    let by_member = by_member["entries"].as_array().unwrap().clone();
    assert_eq!(by_member.len(), 100);
    assert!(
        by_member.iter().all(|e| e["actor_name"] == "m@spur.de"),
        "{by_member:?}"
    );
    let (_, sent) = log(vec![("action", s("chat.message_sent"))]).await;
    let sent = sent["entries"].as_array().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["client_id"], y.as_str());
    assert_eq!(
        sent[0]["detail"], "",
        "what was written stays out of the trail"
    );
    let (_, by_name) = log(vec![("client", s("summe"))]).await;
    assert!(by_name["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["client_id"] == y.as_str()));
    let today = time::OffsetDateTime::now_utc().date();
    let (_, future) = log(vec![(
        "from",
        (today + time::Duration::days(2)).to_string(),
    )])
    .await;
    assert!(future["entries"].as_array().unwrap().is_empty());
    let (_, around) = log(vec![
        ("from", (today - time::Duration::days(1)).to_string()),
        ("to", (today + time::Duration::days(1)).to_string()),
        ("action", s("chat.message_sent")),
    ])
    .await;
    assert_eq!(around["entries"].as_array().unwrap().len(), 1);
    // Bad days are refused at their field.
    let (st, v) = log(vec![("from", s("15.01.2026"))]).await;
    assert_eq!(st, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("from"), "{v}");
    let (st, v) = log(vec![("from", s("2026-02-01")), ("to", s("2026-01-01"))]).await;
    assert_eq!(st, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // The CSV: same filter, formulas defused, the export itself recorded; members get 403.
    let r = admin
        .http
        .get(format!("{}/api/audit.csv?client_id={y}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("\u{feff}time_utc,actor,client,action"),
        "{csv}"
    );
    assert!(
        lines.iter().skip(1).all(|l| l.contains("'=SUMME(A1)")),
        "{csv}"
    );
    assert!(csv.contains("Nachricht gesendet"), "{csv}");
    assert!(!csv.contains("Notiz"), "{csv}");
    let r = member
        .http
        .get(format!("{}/api/audit.csv", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    let r = app.anonymous().get("/api/audit.csv").await;
    assert_eq!(r.status(), reqwest::StatusCode::UNAUTHORIZED);
    let (_, exports) = log(vec![("action", s("audit.exported"))]).await;
    assert_eq!(exports["entries"][0]["detail"], format!("client_id={y}"));
    // The page itself, with the navigation entry for admins only.
    let html = admin.get("/audit").await.text().await.unwrap();
    assert!(html.contains("data-testid=\"audit-table\""), "{html}");
    assert!(html.contains("href=\"/audit\""));
    let html = member.get("/").await.text().await.unwrap();
    assert!(!html.contains("href=\"/audit\""));
}

on_both_databases!(
    admins_filter_and_export_the_trail,
    tampering_is_found_and_named,
    concurrent_sealing_numbers_each_event_once,
);

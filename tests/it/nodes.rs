//! Several app nodes on one PostgreSQL database (each with a data directory of its own, as on
//! other machines): live events published on one node reach streams on another, sessions,
//! magic links and login limits hold whichever node answers, every job runs once, and a job
//! left by a dead node is taken over. Backups of a running node restore into a working app.

use crate::helpers::{outbox_texts, Caller, Db, TestApp, PASSWORD};
use crate::on_both_databases;
use crate::portal::{ok, request_link};
use crate::uploads::{firm_with_link, Tus};
use futures::StreamExt;
use kundenportal::server::{db::now_ms, events, jobs};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// The same browser (its cookies) talking to another node.
fn on(c: &Caller, node: &TestApp) -> Caller {
    Caller {
        http: c.http.clone(),
        base: node.url.clone(),
    }
}

/// Makes the node follow the other nodes' events, as `serve` does.
async fn follow(node: &TestApp) {
    let f = events::listen(&node.state).await.unwrap();
    tokio::spawn(f.run());
}

/// Reads a server-sent-event body until `wanted` appears in it; how long that took.
async fn until_seen(
    body: &mut (impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    wanted: &str,
) -> Duration {
    let start = Instant::now();
    let mut seen = String::new();
    while !seen.contains(wanted) {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .unwrap_or_else(|_| panic!("{wanted} not within 5 s; saw {seen}"))
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_postgres_database() {
    let a = TestApp::spawn(Db::Postgres).await;
    let b = a.spawn_beside().await;
    follow(&a).await;
    follow(&b).await;

    // Signed in on A, the same session works on B.
    let (owner_a, client, token) = firm_with_link(&a, &[]).await;
    let owner_b = on(&owner_a, &b);
    let chat = ok(&owner_b, "chat", &[("client_id", &client)]).await;
    assert!(chat.is_object(), "{chat}");

    // An upload finished on A reaches a staff stream open on B, within a second.
    let r = owner_b
        .http
        .get(format!("{}/api/events", b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut staff_stream = r.bytes_stream();
    let tus = Tus::new(&a.url, &token);
    crate::live::upload(&tus, "Quer über Knoten.pdf").await;
    let took = until_seen(&mut staff_stream, "Quer über Knoten.pdf").await;
    assert!(took < Duration::from_secs(1), "{took:?}");

    // A magic link asked for on A opens the portal on B; the client's stream on B gets the
    // firm's chat message written on A, and the client's answer on B reaches the firm on A.
    let link = request_link(&a, "info@schmidt.de").await;
    let phone = Caller::at(&b.url);
    let out = ok(&phone, "open_magic_link", &[("token", &link)]).await;
    assert!(out["SignedIn"].is_string(), "{out}");
    let r = phone
        .http
        .get(format!("{}/api/portal/events", b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut portal_stream = r.bytes_stream();
    let sent = ok(
        &owner_a,
        "send_message",
        &[("client_id", &client), ("text", "Von Knoten A")],
    )
    .await;
    let took = until_seen(&mut portal_stream, sent.as_str().unwrap()).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    ok(&phone, "portal_send", &[("text", "Zurück über Knoten B")]).await;
    let seen = ok(&owner_a, "chat", &[("client_id", &client)]).await;
    assert!(seen.to_string().contains("Zurück über Knoten B"), "{seen}");
    // The link was used up on B: A refuses it too.
    let again = ok(&Caller::at(&a.url), "open_magic_link", &[("token", &link)]).await;
    assert_eq!(again, "Used");

    // Failed logins count on every node: five wrong passwords split over A and B lock the
    // account on both.
    for i in 0..5 {
        let node = if i % 2 == 0 { &a } else { &b };
        let (s, _) = node
            .anonymous()
            .call(
                "login",
                &[("email", "a@kanzlei-a.de"), ("password", "falsch-falsch")],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    for node in [&a, &b] {
        let (s, _) = node
            .anonymous()
            .call(
                "login",
                &[("email", "a@kanzlei-a.de"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    }

    // Jobs: 8 mails due (the plan's client limit), both nodes' workers at once — each mail goes out exactly once.
    let mut addresses = Vec::new();
    for i in 0..8 {
        let email = format!("k{i}@knoten.de");
        let c = owner_a.create_client(&format!("Knoten {i}"), &email).await;
        ok(
            &owner_a,
            "send_message",
            &[("client_id", &c), ("text", "Hallo")],
        )
        .await;
        addresses.push(email);
    }
    let now = now_ms();
    let (ra, rb) = tokio::join!(jobs::run_due(&a.state, now), jobs::run_due(&b.state, now));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let mails: Vec<String> = outbox_texts(&a)
        .into_iter()
        .chain(outbox_texts(&b))
        .collect();
    for email in &addresses {
        let n = mails
            .iter()
            .filter(|m| m.to_lowercase().contains(&format!("to: {email}")))
            .count();
        assert_eq!(n, 1, "{email}: {n} mails");
    }
    println!("jobs run: {ra} on A, {rb} on B");

    // A node that claimed a job and died: the job waits for its lease, then another node runs it.
    let email = "spaet@knoten.de";
    let c = owner_a.create_client("Späte Post", email).await;
    ok(
        &owner_a,
        "send_message",
        &[("client_id", &c), ("text", "Hallo")],
    )
    .await;
    let now = now_ms();
    let claimed = jobs::claim_due(&a.state.db, now, 10).await.unwrap();
    assert!(
        claimed
            .iter()
            .any(|j| j.kind == kundenportal::notify::NOTIFY_MAIL && j.payload.contains(&c)),
        "{claimed:?}"
    );
    // A is gone without finishing. B finds nothing while the lease runs …
    assert_eq!(jobs::run_due(&b.state, now + 1_000).await.unwrap(), 0);
    // … and runs it once the lease has ended (with what else is due by then).
    let ran = jobs::run_due(&b.state, now + 5 * 60_000 + 1).await.unwrap();
    assert!(ran >= claimed.len(), "{ran}");
    let to_late = outbox_texts(&b)
        .iter()
        .filter(|m| m.to_lowercase().contains(&format!("to: {email}")))
        .count();
    assert_eq!(to_late, 1);
}

/// A backup of a running node, restored: the firm signs in and downloads its file unchanged,
/// the audit trail is intact. SQLite by `kundenportal backup`; PostgreSQL with pg_dump and
/// pg_restore beside it (files and key from the backup).
async fn a_backup_restores_into_a_working_app(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Sicher", "chef@sicher.de").await;
    let client = owner.create_client("Berta Backup", "berta@backup.de").await;
    let mut content = b"%PDF-1.7\n".to_vec();
    content.extend((0..300_000u32).map(|i| (i * 7 % 251) as u8));
    let file = crate::annotations::send(&owner, &client, "Bilanz.pdf", &content).await;

    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("backup");
    let summary = kundenportal::server::backup::run(&app.state.config, &app.state.db, &dest)
        .await
        .unwrap();
    assert_eq!(summary.files, 1);
    assert!(summary.key);
    // Not into a directory that holds something.
    let again = kundenportal::server::backup::run(&app.state.config, &app.state.db, &dest).await;
    assert!(again.unwrap_err().contains("not empty"));

    let url = match db {
        Db::Sqlite => {
            assert_eq!(
                summary.database,
                Some(dest.join(kundenportal::server::backup::DATABASE_FILE))
            );
            // The default database of a data directory: nothing to configure.
            String::new()
        }
        Db::Postgres => {
            assert_eq!(summary.database, None);
            let source = app.state.config.database_url();
            let dump = dest.join("db.dump");
            pg_tool(
                "pg_dump",
                &[
                    "--format=custom",
                    "--no-owner",
                    "-f",
                    dump.to_str().unwrap(),
                    &source,
                ],
            );
            let target = crate::helpers::database_url(Db::Postgres, out.path()).await;
            pg_tool(
                "pg_restore",
                &["--no-owner", "-d", &target, dump.to_str().unwrap()],
            );
            target
        }
    };
    let restored_dir = tempfile::TempDir::new_in(out.path()).unwrap();
    std::fs::remove_dir(restored_dir.path()).unwrap();
    std::fs::rename(&dest, restored_dir.path()).unwrap();
    let url = if url.is_empty() {
        format!(
            "sqlite://{}?mode=rwc",
            restored_dir
                .path()
                .join(kundenportal::server::backup::DATABASE_FILE)
                .display()
        )
    } else {
        url
    };
    let restored = TestApp::start(restored_dir, url, &[]).await;
    let owner = restored.login("chef@sicher.de").await;
    let r = owner.get(&format!("/api/files/{file}/download")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), content.as_slice());
    kundenportal::audit::repo::seal(&restored.state.db)
        .await
        .unwrap();
    let reports = kundenportal::audit::repo::verify(&restored.state.db, None)
        .await
        .unwrap();
    assert!(!reports.is_empty());
    assert!(reports.iter().all(|r| r.broken.is_none()));
}

on_both_databases!(a_backup_restores_into_a_working_app);

/// Runs a PostgreSQL client tool of the installed server's version.
fn pg_tool(tool: &str, args: &[&str]) {
    let path = ["/usr/lib/postgresql/15/bin", "/usr/bin"]
        .iter()
        .map(|d| std::path::Path::new(d).join(tool))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{tool} not installed"));
    let out = std::process::Command::new(path)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

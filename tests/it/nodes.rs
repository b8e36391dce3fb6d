//! Several app nodes on one PostgreSQL database (each with a data directory of its own, as on
//! other machines): live events published on one node reach streams on another, sessions,
//! magic links and login limits hold whichever node answers, every job runs once, and a job
//! left by a dead node is taken over. With files in an S3-compatible bucket, the PATCHes of
//! one upload alternate between nodes, and a node killed mid-upload leaves the rest to
//! another. Backups of a running node restore into a working app.

use crate::helpers::{last_segment, outbox_texts, Caller, Db, TestApp, PASSWORD};
use crate::on_both_databases;
use crate::portal::{ok, request_link};
use crate::uploads::{data, firm_with_link, Tus};
use futures::StreamExt;
use kundenportal::server::{db::now_ms, events, jobs};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;

/// Test data the upload checks accept as a PDF.
fn pdf_data(n: usize, seed: u8) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.extend(data(n, seed));
    v
}
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

/// An open server-sent-event stream at `path` of the caller's node, as its body.
async fn stream(
    c: &Caller,
    path: &str,
) -> impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin {
    let r = c
        .http
        .get(format!("{}{path}", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.bytes_stream()
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
    let mut staff_stream = stream(&owner_b, "/api/events").await;
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
    let mut portal_stream = stream(&phone, "/api/portal/events").await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_take_turns_on_one_upload_in_a_bucket() {
    let a = TestApp::spawn_s3(Db::Postgres).await;
    let b = a.spawn_beside().await;
    let (owner, client, token) = firm_with_link(&a, &[]).await;
    let nodes = [Tus::new(&a.url, &token), Tus::new(&b.url, &token)];
    let content = pdf_data(20 * MIB + 12_345, 3);
    let loc = nodes[0]
        .create_ok("Jahresabschluss.pdf", content.len())
        .await;

    // PATCH after PATCH on alternating nodes; each answered offset is known to the other node
    // at once, and a PATCH at a stale offset is refused there with the right one.
    let (mut offset, mut turn) = (0, 0);
    while offset < content.len() {
        let end = (offset + 3 * MIB + 7).min(content.len());
        let r = nodes[turn % 2]
            .patch(&loc, offset, &content[offset..end], None)
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{:?}", r.text().await);
        let answered: usize = r.headers()["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(answered > offset);
        if answered < content.len() {
            let other = &nodes[(turn + 1) % 2];
            assert_eq!(other.offset(&loc).await, answered);
            let stale = other.patch(&loc, offset, &content[offset..end], None).await;
            assert_eq!(stale.status(), StatusCode::CONFLICT);
            assert_eq!(
                stale.headers()["upload-offset"],
                answered.to_string().as_str()
            );
        }
        offset = answered;
        turn += 1;
    }
    assert!(turn >= 7, "{turn} PATCHes");

    // Both nodes serve the file byte for byte; neither wrote it to its own disk.
    let id = last_segment(&loc);
    let want = Sha256::digest(&content);
    for node in [&a, &b] {
        let r = on(&owner, node)
            .get(&format!("/api/files/{id}/download"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(Sha256::digest(r.bytes().await.unwrap()), want);
        assert!(!node.state.config.server.data_dir.join("files").exists());
    }
    let files = ok(&owner, "list_client_files", &[("client_id", &client)]).await;
    assert!(files.to_string().contains("Jahresabschluss.pdf"), "{files}");

    // While one node holds an upload (its lease), another node's PATCH waits its turn.
    let small = pdf_data(1000, 5);
    let loc = nodes[0].create_ok("Zweite.pdf", small.len()).await;
    let id = last_segment(&loc);
    let repo = kundenportal::uploads::repo::lease;
    assert!(repo(&a.state.db, &id, now_ms(), 60_000).await.unwrap());
    let r = nodes[1].patch(&loc, 0, &small, None).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    kundenportal::uploads::repo::unlease(&a.state.db, &id)
        .await
        .unwrap();
    let r = nodes[1].patch(&loc, 0, &small, None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

/// Two server processes on PostgreSQL and one bucket; the one receiving an upload is killed
/// with SIGKILL mid-PATCH. The other answers everything meanwhile, takes the upload over once
/// the dead node's lease ends, and the file is the original byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_upload_leaves_the_rest_to_another() {
    use crate::uploads_crash::{command, free_port, offset_reaching, stalling_patch, start_with};
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let db_url = crate::helpers::database_url(Db::Postgres, dir_a.path()).await;
    let (s3, bucket) = crate::helpers::new_bucket().await;
    let mut env = crate::helpers::s3_overrides(&s3, &bucket);
    // Every node unwraps the same data keys: one master key, from the environment.
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    env.push(("KUNDENPORTAL_MASTER_KEY", key));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (port_a, port_b) = (free_port(), free_port());
    let made = command(dir_a.path(), &db_url, port_a)
        .envs(env.iter().copied())
        .args(["create-admin", "--firm", "Kanzlei Knoten", "--name", "Olga"])
        .args(["--email", "o@knoten.de", "--password", PASSWORD])
        .status()
        .unwrap();
    assert!(made.success());
    let mut a = start_with(dir_a.path(), &db_url, port_a, &env).await;
    let b = start_with(dir_b.path(), &db_url, port_b, &env).await;
    let owner = Caller::at(&a.url);
    let (s, v) = owner
        .call("login", &[("email", "o@knoten.de"), ("password", PASSWORD)])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let client = owner.create_client("Schmidt AG", "").await;
    let (_, link) = owner
        .call("create_upload_link", &[("client_id", &client)])
        .await;
    let token = last_segment(link["url"].as_str().unwrap());
    let (on_a, on_b) = (Tus::new(&a.url, &token), Tus::new(&b.url, &token));

    let content = pdf_data(24 * MIB, 9);
    let loc = on_a.create_ok("Prüfunterlagen.pdf", content.len()).await;
    let r = on_a.patch(&loc, 0, &content[..2 * MIB], None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // 11 MiB more to A, then the connection stalls, as a phone's would; B sees A's progress
    // as A makes it durable (within two seconds) …
    let pending = stalling_patch(&on_a, &loc, 2 * MIB, content[2 * MIB..13 * MIB].to_vec());
    let seen = offset_reaching(&on_b, &loc, 10 * MIB).await;
    assert!(seen >= 10 * MIB, "A committed only {seen}");
    // … then A dies.
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let _ = pending.await;

    // B answers everything meanwhile (the session from A included) …
    let staff_b = Caller {
        http: owner.http.clone(),
        base: b.url.clone(),
    };
    ok(
        &staff_b,
        "send_message",
        &[
            ("client_id", &client),
            ("text", "Knoten A ist weg, B ist da."),
        ],
    )
    .await;
    // … and continues the upload once A's lease has run out (at most 15 s). Meanwhile an
    // empty PATCH is refused with 409 (a tus client retries; an empty one because the server
    // answers a refused body before reading it).
    let started = Instant::now();
    let offset = on_b.offset(&loc).await;
    assert!((10 * MIB..=13 * MIB).contains(&offset), "{offset}");
    loop {
        let r = on_b.patch(&loc, offset, &[], None).await;
        match r.status() {
            StatusCode::NO_CONTENT => break,
            StatusCode::CONFLICT if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(500)).await
            }
            s => panic!("{s}: {:?}", r.text().await),
        }
    }
    println!("B took the upload over after {:?}", started.elapsed());
    on_b.upload_all(&loc, &content, 4 * MIB).await;
    let id = last_segment(&loc);
    let r = staff_b.get(&format!("/api/files/{id}/download")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        Sha256::digest(r.bytes().await.unwrap()),
        Sha256::digest(&content)
    );
    drop(b);
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

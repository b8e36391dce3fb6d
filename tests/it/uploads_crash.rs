//! SIGKILL in the middle of an upload: the real server binary is killed while a PATCH is
//! streaming, restarted on the same data, and the client resumes from the offset the server
//! reports. The stored file must decrypt to exactly the original bytes.

use crate::helpers::{last_segment, Caller, Db, PASSWORD};
use crate::on_both_databases;
use crate::uploads::{data, Tus};
use base64::{engine::general_purpose::STANDARD, Engine};
use kundenportal::crypto;
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const MIB: usize = 1024 * 1024;

pub struct Server {
    pub child: Child,
    pub url: String,
}

/// A failing test must not leave a server running.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn command(dir: &std::path::Path, db_url: &str, port: u16) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kundenportal"));
    c.env("KUNDENPORTAL_SERVER_DATA_DIR", dir)
        .env("DATABASE_URL", db_url)
        .env("KUNDENPORTAL_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "KUNDENPORTAL_SERVER_PUBLIC_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env("KUNDENPORTAL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    c
}

/// A firm and its owner (password `PASSWORD`), made by the binary's `create-admin`.
pub fn create_admin(dir: &std::path::Path, db_url: &str, firm: &str, email: &str) {
    let status = command(dir, db_url, free_port())
        .args([
            "create-admin",
            "--firm",
            firm,
            "--name",
            "Olga",
            "--email",
            email,
            "--password",
            PASSWORD,
        ])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn start(dir: &std::path::Path, db_url: &str, port: u16) -> Server {
    start_with(dir, db_url, port, &[]).await
}

/// The server binary serving, with extra environment (another node's storage, its key).
pub async fn start_with(
    dir: &std::path::Path,
    db_url: &str,
    port: u16,
    env: &[(&str, &str)],
) -> Server {
    let mut c = command(dir, db_url, port);
    c.envs(env.iter().copied());
    let server = Server {
        child: c.arg("serve").spawn().unwrap(),
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..200 {
        if let Ok(r) = crate::helpers::get(format!("{}/healthz", server.url)).await {
            if r.status().is_success() {
                return server;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not start");
}

/// Streams `bytes` as one PATCH at `offset`, then keeps the request open without sending
/// more, as a phone on a dying connection would.
pub fn stalling_patch(
    tus: &Tus,
    loc: &str,
    offset: usize,
    bytes: Vec<u8>,
) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    let (tx, rx) = futures::channel::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    tokio::spawn(async move {
        use futures::SinkExt;
        let mut tx = tx;
        for c in bytes.chunks(256 * 1024) {
            if tx.send(Ok(c.to_vec())).await.is_err() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
    let patch = tus
        .http
        .request(Method::PATCH, format!("{}{loc}", tus.base))
        .header("Tus-Resumable", "1.0.0")
        .header("Authorization", format!("Bearer {}", tus.token))
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset.to_string())
        .body(reqwest::Body::wrap_stream(rx))
        .send();
    tokio::spawn(patch)
}

/// The upload's offset as `tus` reports it, once it reached `at` (or after 10 s).
pub async fn offset_reaching(tus: &Tus, loc: &str, at: usize) -> usize {
    let mut seen = 0;
    for _ in 0..400 {
        seen = tus.offset(loc).await;
        if seen >= at {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    seen
}

async fn sigkill_mid_upload_then_resume(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let db_url = crate::helpers::database_url(db, dir.path()).await;
    let port = free_port();
    create_admin(dir.path(), &db_url, "Kanzlei Crash", "o@crash.de");
    let mut server = start(dir.path(), &db_url, port).await;
    let owner = Caller::at(&server.url);
    let (s, b) = owner
        .call("login", &[("email", "o@crash.de"), ("password", PASSWORD)])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let client = owner.create_client("Schmidt AG", "").await;
    let (_, link) = owner
        .call("create_upload_link", &[("client_id", &client)])
        .await;
    let token = last_segment(link["url"].as_str().unwrap());
    let tus = Tus::new(&server.url, &token);

    let content = data(24 * MIB + 12_345, 9);
    let loc = tus.create_ok("Prüfunterlagen.zip", content.len()).await;
    let r = tus.patch(&loc, 0, &content[..2 * MIB], None).await;
    assert_eq!(r.headers()["upload-offset"], (2 * MIB).to_string().as_str());

    // Stream 11 MiB and then stall, as a phone on a dying connection would; wait until the
    // server has committed the stream (what waits is synced within two seconds)...
    let pending = stalling_patch(&tus, &loc, 2 * MIB, content[2 * MIB..13 * MIB].to_vec());
    let seen = offset_reaching(&tus, &loc, 10 * MIB).await;
    assert!(seen >= 10 * MIB, "server committed only {seen}");
    // ...then kill it hard.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let _ = pending.await;
    drop(server);

    let server = start(dir.path(), &db_url, port).await;
    let tus = Tus::new(&server.url, &token);
    let offset = tus.offset(&loc).await;
    assert!(
        (10 * MIB..=13 * MIB).contains(&offset),
        "resume offset {offset}"
    );
    assert_eq!(
        offset % crypto::SEGMENT_LEN,
        0,
        "only whole segments are kept"
    );
    tus.upload_all(&loc, &content, 4 * MIB).await;
    assert_eq!(tus.offset(&loc).await, content.len());

    // Decrypt what the server stored, with its own key, and compare.
    let pool = kundenportal::server::db::connect(&db_url).await.unwrap();
    let id = last_segment(&loc);
    let (org, wrapped, sha): (String, String, String) = {
        use sqlx::Row;
        let r = sqlx::query("SELECT org_id, wrapped_key, sha256 FROM files WHERE id = $1")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
        (r.get("org_id"), r.get("wrapped_key"), r.get("sha256"))
    };
    let master = kundenportal::server::keys::MasterKey::load(dir.path(), None).unwrap();
    let key = crypto::unwrap_key(
        master.bytes(),
        &STANDARD.decode(wrapped).unwrap(),
        id.as_bytes(),
    )
    .unwrap();
    let blob = std::fs::read(dir.path().join("files").join(org).join(&id)).unwrap();
    let plain = crypto::open_all(&key, &blob).unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&plain)),
        hex::encode(Sha256::digest(&content))
    );
    assert_eq!(
        sha,
        hex::encode(Sha256::digest(&content)),
        "the recorded hash survived the restart"
    );
    // No plaintext on disk: the blob does not contain a recognisable run of the original.
    assert!(!blob.windows(64).any(|w| w == &content[..64]));
    drop(server);
}

on_both_databases!(sigkill_mid_upload_then_resume);

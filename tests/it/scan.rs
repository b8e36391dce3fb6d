//! Virus scanning with a real ClamAV daemon (Debian's clamd, installed by the setup script),
//! started per test on a free port with a signature database of our own — the official one
//! needs a download this machine cannot make.

use crate::helpers::{Db, TestApp};
use crate::on_both_databases;
use crate::uploads::{data, file_named, files_of, firm_with_link, Tus};
use reqwest::StatusCode;
use std::io::{Read, Write};
use std::process::{Child, Command};
use std::time::Duration;

const SIGNATURE: &[u8] = b"KUNDENPORTAL-CLAMD-TESTSIGNATUR";

pub struct Clamd {
    child: Child,
    pub addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Clamd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clamd_binary() -> String {
    ["/usr/sbin/clamd", "/usr/bin/clamd"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("clamd is not installed: run scripts/setup-toolchain.sh (Debian clamav-daemon)")
        .to_string()
}

fn ping(addr: &str) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut reply = String::new();
    s.write_all(b"zPING\0").is_ok()
        && s.read_to_string(&mut reply).is_ok()
        && reply.starts_with("PONG")
}

pub async fn start_clamd() -> Clamd {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    std::fs::create_dir(&db).unwrap();
    // A body signature (.ndb): our test string anywhere in any file.
    std::fs::write(
        db.join("kundenportal-test.ndb"),
        format!(
            "KundenportalTest.Signature:0:*:{}\n",
            hex::encode(SIGNATURE)
        ),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = dir.path().join("clamd.conf");
    std::fs::write(
        &conf,
        format!(
            "Foreground yes\nTCPSocket {port}\nTCPAddr 127.0.0.1\nDatabaseDirectory {}\nPidFile {}\nStreamMaxLength 100M\n",
            db.display(),
            dir.path().join("clamd.pid").display()
        ),
    )
    .unwrap();
    let child = Command::new(clamd_binary())
        .arg("-c")
        .arg(&conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let clamd = Clamd {
        child,
        addr,
        _dir: dir,
    };
    for _ in 0..300 {
        if ping(&clamd.addr) {
            return clamd;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("clamd did not start");
}

async fn reasons(owner: &crate::helpers::Caller, client: &str) -> Vec<(String, String)> {
    let files = files_of(owner, client).await;
    files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["scan_reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn clamd_scans_every_upload(db: Db) {
    let clamd = start_clamd().await;
    let app = TestApp::spawn_with(db, &[("KUNDENPORTAL_UPLOADS_CLAMD", &clamd.addr)]).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);
    // The signature deep inside a 3 MB file: the whole stream reaches the scanner.
    let mut infected = data(3_000_000, 3);
    infected[2_500_000..2_500_000 + SIGNATURE.len()].copy_from_slice(SIGNATURE);
    let loc = tus.create_ok("bericht.txt", infected.len()).await;
    tus.upload_all(&loc, &infected, 1 << 20).await;
    let clean = data(3_000_000, 4);
    let loc = tus.create_ok("sauber.txt", clean.len()).await;
    tus.upload_all(&loc, &clean, 1 << 20).await;
    let r = reasons(&owner, &client).await;
    assert!(
        r.contains(&(
            "bericht.txt".into(),
            "malware:KundenportalTest.Signature.UNOFFICIAL".into()
        )),
        "{r:?}"
    );
    assert!(r.contains(&("sauber.txt".into(), "".into())), "{r:?}");
    let (_, d) = owner.call("get_client", &[("id", &client)]).await;
    assert_eq!(d["client"]["file_count"], 1);

    // No scanner answering: nothing unscanned is handed out.
    drop(clamd);
    let loc = tus.create_ok("danach.txt", clean.len()).await;
    tus.upload_all(&loc, &clean, 1 << 20).await;
    let r = reasons(&owner, &client).await;
    assert!(
        r.contains(&("danach.txt".into(), "scan_failed".into())),
        "{r:?}"
    );
    let id = file_named(&owner, &client, "danach.txt").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        owner
            .get(&format!("/api/files/{id}/download"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
on_both_databases!(clamd_scans_every_upload);

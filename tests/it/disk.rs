//! A full or read-only disk under the data directory: uploads are refused with 507 and a
//! sentence that says what happened, nothing written before is harmed (earlier files download
//! byte-identical, the upload keeps its last durable offset, SQLite passes its integrity
//! check), and everything works again — the same upload resumed — once there is room.
//!
//! The data directory is a small tmpfs of its own and its `files/` directory another (so the
//! files can be made read-only while SQLite keeps its database open for writing, which a
//! read-only remount would refuse). Mounting needs root, as on the CI machines.

use crate::helpers::{database_url, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::{data, file_named, files_of, firm_with_link, Tus};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const MIB: usize = 1 << 20;

/// A tmpfs mounted at a directory for the length of a test.
struct Tmpfs {
    at: PathBuf,
}

impl Tmpfs {
    fn mount(at: &Path, mib: usize) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        let size = format!("size={mib}m");
        mount(&["-t", "tmpfs", "-o", &size, "tmpfs", at.to_str().unwrap()]);
        Tmpfs { at: at.into() }
    }

    fn read_only(&self, yes: bool) {
        let opts = if yes { "remount,ro" } else { "remount,rw" };
        mount(&["-o", opts, self.at.to_str().unwrap()]);
    }

    /// Fills the file system up to the last byte (again); returns the filler, to be deleted.
    fn fill(&self) -> PathBuf {
        let path = self.at.join("filler");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            if let Err(e) = f.write_all(&block) {
                assert_eq!(e.kind(), std::io::ErrorKind::StorageFull, "{e}");
                return path;
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily: the server of the test may still hold files open.
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

fn mount(args: &[&str]) {
    let out = Command::new("mount").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "mount {args:?} (the disk tests need root): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Sends `content` from the server's offset in 1 MiB PATCHes until one is refused; returns
/// the refusal. The disk is full, so one must be (the first answers may still come from
/// bytes the server holds before they reach the disk).
async fn until_refused(tus: &Tus, loc: &str, content: &[u8]) -> reqwest::Response {
    let mut offset = tus.offset(loc).await;
    for _ in 0..8 {
        let end = (offset + MIB).min(content.len());
        let r = tus.patch(loc, offset, &content[offset..end], None).await;
        if r.status() != StatusCode::NO_CONTENT {
            return r;
        }
        offset = r.headers()["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            offset < content.len(),
            "the upload completed on a full disk"
        );
    }
    panic!("no PATCH was refused on a full disk");
}

#[track_caller]
fn assert_storage_full(r: &reqwest::Response) {
    assert_eq!(r.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(r.headers()["upload-error"], "storage_full");
}

async fn download(owner: &crate::helpers::Caller, client: &str, name: &str) -> Vec<u8> {
    let file = file_named(owner, client, name).await;
    let r = owner
        .get(&format!(
            "/api/files/{}/download",
            file["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "download of {name}");
    r.bytes().await.unwrap().to_vec()
}

async fn disk_full_and_read_only(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let data_disk = Tmpfs::mount(dir.path(), 24);
    let files_disk = Tmpfs::mount(&dir.path().join("files"), 8);
    let url = database_url(db, dir.path()).await;
    let app = TestApp::start(dir, url, &[]).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);

    // A file that is safe on disk, and an upload that has 1 MiB of 4 when the disk fills up.
    let kept = data(MIB + 17, 1);
    let loc = tus.create_ok("Bilanz.txt", kept.len()).await;
    tus.upload_all(&loc, &kept, MIB).await;
    let big = data(4 * MIB, 2);
    let loc = tus.create_ok("Steuerbescheid.txt", big.len()).await;
    let r = tus.patch(&loc, 0, &big[..MIB], None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // A PATCH answers before its bytes are synced; the disk fills up once they are durable.
    let id = crate::helpers::last_segment(&loc);
    for _ in 0..500 {
        let committed: i64 = sqlx::query_scalar("SELECT committed FROM uploads WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        if committed >= MIB as i64 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let filler = files_disk.fill();
    let refused = until_refused(&tus, &loc, &big).await;
    assert_storage_full(&refused);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("Speicher") && text.contains("nichts verloren"),
        "{text}"
    );
    // The bytes of a refused request are given back at once (so each check here fills the
    // disk again): the upload is refused again, and a new one as well.
    files_disk.fill();
    let at = tus.offset(&loc).await;
    assert!(at >= MIB && at < big.len(), "offset {at}");
    assert_storage_full(&until_refused(&tus, &loc, &big).await);
    files_disk.fill();
    assert_storage_full(&tus.create("Neu.txt", 1000).await);
    // Reading works: the earlier file comes back identical.
    assert_eq!(download(&owner, &client, "Bilanz.txt").await, kept);

    // Room again: the same upload resumes where the server stands and completes.
    std::fs::remove_file(filler).unwrap();
    let at = tus.offset(&loc).await;
    assert!(at >= MIB, "the durable megabyte is kept: {at}");
    tus.upload_all(&loc, &big, MIB).await;
    let got = download(&owner, &client, "Steuerbescheid.txt").await;
    assert_eq!(Sha256::digest(&got), Sha256::digest(&big));

    // A read-only files directory: refused the same way, read as before, fine once writable.
    files_disk.read_only(true);
    let r = tus.create("Lohnabrechnung.txt", 1000).await;
    assert_storage_full(&r);
    assert_eq!(download(&owner, &client, "Bilanz.txt").await, kept);
    files_disk.read_only(false);
    let small = data(1000, 3);
    let loc = tus.create_ok("Lohnabrechnung.txt", small.len()).await;
    tus.upload_all(&loc, &small, MIB).await;
    assert_eq!(download(&owner, &client, "Lohnabrechnung.txt").await, small);

    if db == Db::Sqlite {
        // The database's own disk full: a change is refused with the same sentence (503),
        // reading goes on, and the database is whole afterwards.
        let filler = data_disk.fill();
        let (s, body) = owner
            .call(
                "create_client",
                &[("name", "Weber GmbH"), ("email", "info@weber.de")],
            )
            .await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(
            body.to_string().contains("Speicher"),
            "the message says why: {body}"
        );
        let files = files_of(&owner, &client).await;
        assert_eq!(files.as_array().unwrap().len(), 3, "{files}");
        // No download goes unrecorded: while the audit entry cannot be written, none goes out.
        let file = file_named(&owner, &client, "Bilanz.txt").await;
        let r = owner
            .get(&format!(
                "/api/files/{}/download",
                file["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.text().await.unwrap().contains("Speicher"));
        std::fs::remove_file(filler).unwrap();
        assert_eq!(download(&owner, &client, "Bilanz.txt").await, kept);
        let weber = owner.create_client("Weber GmbH", "info@weber.de").await;
        assert!(!weber.is_empty());
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
    drop(app);
    drop(files_disk);
    drop(data_disk);
}

on_both_databases!(disk_full_and_read_only);

//! Where sealed blobs live. Local files under `<data_dir>/files/<org>/<id>` by default; an
//! S3-compatible store (object_store) joins for multi-node deployments. Blobs are only ever
//! sealed ciphertext — no plaintext reaches this layer.

use std::collections::HashMap;
use std::io::Seek;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;

#[derive(Clone, Debug)]
pub struct Storage {
    root: PathBuf,
    /// One writer per blob at a time, held by the writer's thread until it has finished every
    /// write — also when the request that started it was dropped half-way.
    writing: Arc<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Storage {
    pub fn local(data_dir: &Path) -> std::io::Result<Storage> {
        let root = data_dir.join("files");
        std::fs::create_dir_all(&root)?;
        Ok(Storage {
            root,
            writing: Arc::default(),
        })
    }

    fn path(&self, org_id: &str, blob_id: &str) -> std::io::Result<PathBuf> {
        // Ids are UUIDs we made; anything else is refused rather than joined into a path.
        let ok = |s: &str| {
            !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        };
        if !ok(org_id) || !ok(blob_id) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "invalid blob id",
            ));
        }
        Ok(self.root.join(org_id).join(blob_id))
    }

    /// Creates a blob holding `header`, durably.
    pub async fn create(&self, org_id: &str, blob_id: &str, header: &[u8]) -> std::io::Result<()> {
        let path = self.path(org_id, blob_id)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let mut f = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        f.write_all(header).await?;
        f.sync_all().await
    }

    /// Opens a blob for appending at `at`, dropping anything after it (bytes a crashed request
    /// wrote but never committed).
    pub async fn writer_at(
        &self,
        org_id: &str,
        blob_id: &str,
        at: u64,
    ) -> std::io::Result<BlobWriter> {
        let path = self.path(org_id, blob_id)?;
        let lock = {
            let mut writing = self.writing.lock().expect("not poisoned");
            writing.retain(|_, l| Arc::strong_count(l) > 1);
            writing.entry(path.clone()).or_default().clone()
        };
        let guard = lock.lock_owned().await;
        let file = tokio::task::spawn_blocking(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(&path)?;
            f.set_len(at)?;
            f.seek(SeekFrom::Start(at))?;
            Ok::<_, std::io::Error>(f)
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(BlobWriter::start(file, guard))
    }

    pub async fn open(&self, org_id: &str, blob_id: &str) -> std::io::Result<tokio::fs::File> {
        tokio::fs::File::open(self.path(org_id, blob_id)?).await
    }

    pub async fn len(&self, org_id: &str, blob_id: &str) -> std::io::Result<u64> {
        Ok(tokio::fs::metadata(self.path(org_id, blob_id)?)
            .await?
            .len())
    }

    /// Deletes a blob; a missing one is fine.
    pub async fn delete(&self, org_id: &str, blob_id: &str) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.path(org_id, blob_id)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Appends to a blob from a thread of its own, so that disk writes and syncs overlap with
/// receiving and sealing the bytes that follow. Writes go out in batches of 1 MiB; at most
/// `IN_FLIGHT` batches wait for the disk, which bounds the memory of one upload (~9 MiB).
pub struct BlobWriter {
    batch: Vec<u8>,
    ops: Option<tokio::sync::mpsc::Sender<Op>>,
    thread: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

enum Op {
    Write(Vec<u8>),
    Sync(u64, tokio::sync::oneshot::Sender<u64>),
}

const BATCH: usize = 1 << 20;
const IN_FLIGHT: usize = 8;

/// A sync that was asked for: resolves with its tag once everything written before it is durable.
pub struct PendingSync(tokio::sync::oneshot::Receiver<u64>);

impl PendingSync {
    /// The tag, once everything written before the sync is durable. Cancel-safe. An error
    /// means the writer failed; `BlobWriter::commit` reports why.
    pub async fn done(&mut self) -> std::io::Result<u64> {
        (&mut self.0)
            .await
            .map_err(|_| std::io::Error::other("blob writer stopped"))
    }
}

impl BlobWriter {
    fn start(mut file: std::fs::File, guard: tokio::sync::OwnedMutexGuard<()>) -> BlobWriter {
        use std::io::Write;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Op>(IN_FLIGHT);
        let thread = tokio::task::spawn_blocking(move || {
            let _writing = guard;
            while let Some(op) = rx.blocking_recv() {
                match op {
                    Op::Write(bytes) => file.write_all(&bytes)?,
                    Op::Sync(tag, done) => {
                        file.sync_data()?;
                        let _ = done.send(tag);
                    }
                }
            }
            Ok(())
        });
        BlobWriter {
            batch: Vec::with_capacity(BATCH),
            ops: Some(tx),
            thread: Some(thread),
        }
    }

    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.batch.extend_from_slice(bytes);
        if self.batch.len() >= BATCH {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            self.send(Op::Write(full)).await?;
        }
        Ok(())
    }

    /// Asks for everything written so far to become durable, without waiting for it.
    pub async fn sync_soon(&mut self, tag: u64) -> std::io::Result<PendingSync> {
        if !self.batch.is_empty() {
            let rest = std::mem::take(&mut self.batch);
            self.send(Op::Write(rest)).await?;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Op::Sync(tag, tx)).await?;
        Ok(PendingSync(rx))
    }

    /// Writes the rest and syncs: after this returns, the bytes survive a crash.
    pub async fn commit(mut self) -> std::io::Result<()> {
        let mut synced = self.sync_soon(0).await?;
        self.ops = None;
        self.stopped().await?;
        synced.done().await.map(|_| ())
    }

    /// Stops the writer without a sync; what was not synced before counts for nothing.
    pub async fn abandon(mut self) -> std::io::Result<()> {
        self.ops = None;
        self.stopped().await
    }

    async fn send(&mut self, op: Op) -> std::io::Result<()> {
        let sent = match &self.ops {
            Some(ops) => ops.send(op).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The thread ended early: a write failed. Report that error.
        self.stopped().await?;
        Err(std::io::Error::other("blob writer stopped"))
    }

    /// Waits for the thread to end and returns its result.
    async fn stopped(&mut self) -> std::io::Result<()> {
        match self.thread.take() {
            Some(t) => t.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_write_truncate_read_delete() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::local(dir.path()).unwrap();
        let (org, id) = (
            "0190aaaa-0000-7000-8000-000000000001",
            "0190aaaa-0000-7000-8000-000000000002",
        );
        s.create(org, id, b"HEAD").await.unwrap();
        let mut w = s.writer_at(org, id, 4).await.unwrap();
        w.write(b"abcdef").await.unwrap();
        w.commit().await.unwrap();
        // A retry from an earlier point drops the uncommitted tail.
        let mut w = s.writer_at(org, id, 7).await.unwrap();
        w.write(b"XY").await.unwrap();
        w.commit().await.unwrap();
        assert_eq!(
            std::fs::read(s.path(org, id).unwrap()).unwrap(),
            b"HEADabcXY"
        );
        assert_eq!(s.len(org, id).await.unwrap(), 9);
        s.delete(org, id).await.unwrap();
        s.delete(org, id).await.unwrap();
        assert!(s.path("../etc", id).is_err());
    }

    /// A writer abandoned half-way (its request dropped) finishes in the background; the next
    /// writer of the blob starts only after it, so none of its bytes land after the restart.
    #[tokio::test]
    async fn abandoned_writer_never_overlaps_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::local(dir.path()).unwrap();
        let (org, id) = (
            "0190aaaa-0000-7000-8000-000000000001",
            "0190aaaa-0000-7000-8000-000000000003",
        );
        s.create(org, id, b"HEAD").await.unwrap();
        let mut w = s.writer_at(org, id, 4).await.unwrap();
        for _ in 0..12 {
            w.write(&vec![b'x'; 1 << 20]).await.unwrap();
        }
        drop(w);
        let mut w = s.writer_at(org, id, 4).await.unwrap();
        w.write(b"XY").await.unwrap();
        w.commit().await.unwrap();
        assert_eq!(std::fs::read(s.path(org, id).unwrap()).unwrap(), b"HEADXY");
        assert_eq!(s.len(org, id).await.unwrap(), 6);
    }
}

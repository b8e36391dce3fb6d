//! Where sealed blobs live. Local files under `<data_dir>/files/<org>/<id>` by default; an
//! S3-compatible store (object_store) joins for multi-node deployments. Blobs are only ever
//! sealed ciphertext — no plaintext reaches this layer.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

#[derive(Clone, Debug)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    pub fn local(data_dir: &Path) -> std::io::Result<Storage> {
        let root = data_dir.join("files");
        std::fs::create_dir_all(&root)?;
        Ok(Storage { root })
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
        let mut f = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await?;
        f.set_len(at).await?;
        f.seek(SeekFrom::Start(at)).await?;
        Ok(BlobWriter {
            file: tokio::io::BufWriter::with_capacity(1 << 20, f),
        })
    }

    /// Reads `len` bytes at `at` (or fewer at the end of the blob).
    pub async fn read_at(
        &self,
        org_id: &str,
        blob_id: &str,
        at: u64,
        len: usize,
    ) -> std::io::Result<Vec<u8>> {
        let mut f = tokio::fs::File::open(self.path(org_id, blob_id)?).await?;
        f.seek(SeekFrom::Start(at)).await?;
        let mut buf = Vec::with_capacity(len);
        f.take(len as u64).read_to_end(&mut buf).await?;
        Ok(buf)
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

pub struct BlobWriter {
    file: tokio::io::BufWriter<tokio::fs::File>,
}

impl BlobWriter {
    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes).await
    }

    /// Flushes and syncs: after this returns, the bytes survive a crash.
    pub async fn sync(&mut self) -> std::io::Result<()> {
        self.file.flush().await?;
        self.file.get_mut().sync_data().await
    }

    pub async fn commit(mut self) -> std::io::Result<()> {
        self.sync().await
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
        assert_eq!(s.read_at(org, id, 0, 100).await.unwrap(), b"HEADabcXY");
        assert_eq!(s.len(org, id).await.unwrap(), 9);
        s.delete(org, id).await.unwrap();
        s.delete(org, id).await.unwrap();
        assert!(s.path("../etc", id).is_err());
    }
}

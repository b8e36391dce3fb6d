//! Where sealed blobs live. Local files under `<data_dir>/files/<org>/<id>` by default; an
//! S3-compatible bucket (through `object_store`) when several nodes share the data. Blobs are
//! only ever sealed ciphertext — no plaintext reaches this layer.
//!
//! In a bucket a blob is a run of *pieces*: objects `files/<org>/<id>/<start>` (the start
//! offset as 16 hex digits, so listing order is byte order), each holding the blob's bytes
//! from its start on. Appending puts new pieces (at most [`PIECE`] bytes each); truncating to
//! an offset deletes the pieces from there. A piece is complete or absent (a PUT is atomic),
//! and every offset a writer is opened at is the end of a piece that was synced, so no node
//! needs another node's memory to continue an upload.

use std::collections::HashMap;
use std::io::Seek;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use object_store::{path::Path as Key, ObjectStore, ObjectStoreExt, PutPayload};

/// The largest piece a bucket writer puts at once (bounds an upload's memory in a node).
pub const PIECE: usize = 8 << 20;

#[derive(Clone, Debug)]
pub struct Storage {
    backend: Backend,
    /// One writer per blob at a time, held by the writer's task until it has finished every
    /// write — also when the request that started it was dropped half-way.
    writing: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

#[derive(Clone, Debug)]
enum Backend {
    Local(PathBuf),
    Bucket(Arc<dyn ObjectStore>),
}

/// Ids are UUIDs we made; anything else is refused rather than joined into a path or key.
fn checked<'a>(org_id: &'a str, blob_id: &'a str) -> std::io::Result<(&'a str, &'a str)> {
    let ok = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
    };
    if !ok(org_id) || !ok(blob_id) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "invalid blob id",
        ));
    }
    Ok((org_id, blob_id))
}

fn bucket_error(e: object_store::Error) -> std::io::Error {
    match e {
        object_store::Error::NotFound { .. } => {
            std::io::Error::new(std::io::ErrorKind::NotFound, e.to_string())
        }
        e => std::io::Error::other(e.to_string()),
    }
}

/// One piece of a blob in a bucket.
#[derive(Debug, Clone)]
pub struct Piece {
    start: u64,
    size: u64,
    key: Key,
}

/// A blob's pieces in a bucket, in order.
async fn pieces(store: &dyn ObjectStore, dir: &Key) -> std::io::Result<Vec<Piece>> {
    let listed: Vec<object_store::ObjectMeta> = store
        .list(Some(dir))
        .try_collect()
        .await
        .map_err(bucket_error)?;
    let mut out = Vec::with_capacity(listed.len());
    for m in listed {
        let start = m
            .location
            .filename()
            .and_then(|n| u64::from_str_radix(n, 16).ok())
            .ok_or_else(|| std::io::Error::other(format!("unexpected object {}", m.location)))?;
        out.push(Piece {
            start,
            size: m.size,
            key: m.location,
        });
    }
    out.sort_by_key(|p| p.start);
    Ok(out)
}

fn piece_key(dir: &Key, start: u64) -> Key {
    dir.clone().join(format!("{start:016x}"))
}

impl Storage {
    pub fn local(data_dir: &Path) -> std::io::Result<Storage> {
        let root = data_dir.join("files");
        std::fs::create_dir_all(&root)?;
        Ok(Storage {
            backend: Backend::Local(root),
            writing: Arc::default(),
        })
    }

    /// Blobs in a bucket (S3 or compatible).
    pub fn bucket(store: Arc<dyn ObjectStore>) -> Storage {
        Storage {
            backend: Backend::Bucket(store),
            writing: Arc::default(),
        }
    }

    /// The storage the configuration asks for.
    pub fn from_config(config: &crate::config::Config) -> Result<Storage, String> {
        let s = &config.storage;
        match s.kind.as_str() {
            "local" => Storage::local(&config.server.data_dir).map_err(|e| {
                format!(
                    "cannot create file storage in {}: {e}",
                    config.server.data_dir.display()
                )
            }),
            "s3" => {
                let mut b = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s.bucket)
                    .with_region(&s.region)
                    .with_access_key_id(&s.access_key_id)
                    .with_secret_access_key(&s.secret_access_key)
                    .with_allow_http(s.endpoint.starts_with("http://"));
                if !s.endpoint.is_empty() {
                    b = b.with_endpoint(&s.endpoint);
                }
                let store = b
                    .build()
                    .map_err(|e| format!("storage.kind = \"s3\": {e}"))?;
                Ok(Storage::bucket(Arc::new(store)))
            }
            other => Err(format!(
                "storage.kind must be \"local\" or \"s3\", not {other:?}"
            )),
        }
    }

    /// Whether other nodes see the same blobs (a bucket): then no node may keep an upload's
    /// progress to itself.
    pub fn shared(&self) -> bool {
        matches!(self.backend, Backend::Bucket(_))
    }

    fn path(root: &Path, org_id: &str, blob_id: &str) -> std::io::Result<PathBuf> {
        let (org_id, blob_id) = checked(org_id, blob_id)?;
        Ok(root.join(org_id).join(blob_id))
    }

    fn dir(org_id: &str, blob_id: &str) -> std::io::Result<Key> {
        let (org_id, blob_id) = checked(org_id, blob_id)?;
        Ok(Key::from_iter(["files", org_id, blob_id]))
    }

    /// Creates a blob holding `header`, durably.
    pub async fn create(&self, org_id: &str, blob_id: &str, header: &[u8]) -> std::io::Result<()> {
        match &self.backend {
            Backend::Local(root) => {
                // std::fs on a blocking thread: tokio's File reports a failed buffered write
                // only to a later flush, and `sync_all` does not flush.
                let path = Self::path(root, org_id, blob_id)?;
                let header = header.to_vec();
                tokio::task::spawn_blocking(move || {
                    use std::io::Write;
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&path)?;
                    let written = f.write_all(&header).and_then(|()| f.sync_all());
                    if written.is_err() {
                        // A full disk: no empty blob is left behind.
                        let _ = std::fs::remove_file(&path);
                    }
                    written
                })
                .await
                .map_err(std::io::Error::other)?
            }
            Backend::Bucket(store) => {
                let key = piece_key(&Self::dir(org_id, blob_id)?, 0);
                store
                    .put(&key, PutPayload::from(header.to_vec()))
                    .await
                    .map_err(bucket_error)?;
                Ok(())
            }
        }
    }

    /// Opens a blob for appending at `at`, dropping anything after it (bytes a crashed request
    /// wrote but never committed).
    pub async fn writer_at(
        &self,
        org_id: &str,
        blob_id: &str,
        at: u64,
    ) -> std::io::Result<BlobWriter> {
        let (org, blob) = checked(org_id, blob_id)?;
        let lock = {
            let mut writing = self.writing.lock().expect("not poisoned");
            writing.retain(|_, l| Arc::strong_count(l) > 1);
            writing.entry(format!("{org}/{blob}")).or_default().clone()
        };
        let guard = lock.lock_owned().await;
        match &self.backend {
            Backend::Local(root) => {
                let path = Self::path(root, org_id, blob_id)?;
                let sink = tokio::task::spawn_blocking(move || FileSink::open(&path, at, true))
                    .await
                    .map_err(std::io::Error::other)??;
                Ok(BlobWriter::to_file(sink, guard))
            }
            Backend::Bucket(store) => {
                let dir = Self::dir(org_id, blob_id)?;
                let mut end = 0;
                for p in pieces(store.as_ref(), &dir).await? {
                    if p.start >= at {
                        store.delete(&p.key).await.map_err(bucket_error)?;
                    } else if p.start + p.size > at {
                        // Never written that way here; kept correct all the same.
                        let keep = store
                            .get_range(&p.key, 0..at - p.start)
                            .await
                            .map_err(bucket_error)?;
                        store.put(&p.key, keep.into()).await.map_err(bucket_error)?;
                        end = at;
                    } else {
                        end = p.start + p.size;
                    }
                }
                if end != at {
                    return Err(std::io::Error::other(format!(
                        "blob {blob_id} ends at {end}, not at {at}"
                    )));
                }
                Ok(BlobWriter::to_bucket(store.clone(), dir, at, guard))
            }
        }
    }

    /// A reader of the blob's bytes.
    pub async fn reader(&self, org_id: &str, blob_id: &str) -> std::io::Result<BlobReader> {
        match &self.backend {
            Backend::Local(root) => Ok(BlobReader::File {
                file: tokio::fs::File::open(Self::path(root, org_id, blob_id)?).await?,
                pos: 0,
            }),
            Backend::Bucket(store) => {
                let dir = Self::dir(org_id, blob_id)?;
                let pieces = pieces(store.as_ref(), &dir).await?;
                if pieces.is_empty() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("no blob {blob_id}"),
                    ));
                }
                Ok(BlobReader::Bucket {
                    store: store.clone(),
                    pieces,
                })
            }
        }
    }

    pub async fn len(&self, org_id: &str, blob_id: &str) -> std::io::Result<u64> {
        match &self.backend {
            Backend::Local(root) => Ok(tokio::fs::metadata(Self::path(root, org_id, blob_id)?)
                .await?
                .len()),
            Backend::Bucket(store) => {
                let dir = Self::dir(org_id, blob_id)?;
                Ok(pieces(store.as_ref(), &dir)
                    .await?
                    .last()
                    .map_or(0, |p| p.start + p.size))
            }
        }
    }

    /// Deletes a blob; a missing one is fine.
    pub async fn delete(&self, org_id: &str, blob_id: &str) -> std::io::Result<()> {
        match &self.backend {
            Backend::Local(root) => {
                match tokio::fs::remove_file(Self::path(root, org_id, blob_id)?).await {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                    _ => Ok(()),
                }
            }
            Backend::Bucket(store) => {
                let dir = Self::dir(org_id, blob_id)?;
                // The header piece last: a blob is never left without its start.
                for p in pieces(store.as_ref(), &dir).await?.into_iter().rev() {
                    match store.delete(&p.key).await {
                        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                        Err(e) => return Err(bucket_error(e)),
                    }
                }
                Ok(())
            }
        }
    }
}

/// Reads ranges of a blob: from one open file, or from the pieces in a bucket.
pub enum BlobReader {
    File {
        file: tokio::fs::File,
        pos: u64,
    },
    Bucket {
        store: Arc<dyn ObjectStore>,
        pieces: Vec<Piece>,
    },
}

impl BlobReader {
    /// Up to `len` bytes from `from` (fewer only where the blob ends).
    pub async fn read_at(&mut self, from: u64, len: u64) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(len as usize);
        match self {
            BlobReader::File { file, pos } => {
                use tokio::io::{AsyncReadExt, AsyncSeekExt};
                if *pos != from {
                    file.seek(SeekFrom::Start(from)).await?;
                }
                (&mut *file).take(len).read_to_end(&mut out).await?;
                *pos = from + out.len() as u64;
            }
            BlobReader::Bucket { store, pieces } => {
                let end = from + len;
                for p in pieces.iter() {
                    let (a, b) = (from.max(p.start), end.min(p.start + p.size));
                    if a < b {
                        let bytes = store
                            .get_range(&p.key, a - p.start..b - p.start)
                            .await
                            .map_err(bucket_error)?;
                        out.extend_from_slice(&bytes);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Appends to a blob from a thread (a file) or task (a bucket) of its own, so that writes and
/// syncs overlap with receiving and sealing the bytes that follow. Writes go out in batches of
/// 1 MiB; at most `IN_FLIGHT` batches wait, which bounds the memory of one upload (~9 MiB for
/// a file, plus the piece being filled for a bucket).
pub struct BlobWriter {
    batch: Vec<u8>,
    /// Where the bytes start in `batch` (see `lay_out_batch`).
    head: usize,
    /// How much of `batch` may be written; the rest is the caller's work in progress
    /// (`buffer`), e.g. plaintext about to be sealed in place.
    ready: usize,
    /// A file's writer: the file offset of the batch's first byte.
    pos: Option<u64>,
    spare: Spare,
    ops: Option<tokio::sync::mpsc::Sender<Op>>,
    thread: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Batches the thread has written, emptied, to be filled again: an upload cycles through a
/// few buffers instead of allocating (and the allocator faulting in) 1 MiB per batch.
type Spare = Arc<std::sync::Mutex<Vec<Vec<u8>>>>;

fn give_back(spare: &Spare, mut bytes: Vec<u8>) {
    bytes.clear();
    if let Ok(mut s) = spare.lock() {
        if s.len() <= IN_FLIGHT {
            s.push(bytes);
        }
    }
}

enum Op {
    /// A batch, its bytes from the index given on.
    Write(Vec<u8>, usize),
    Sync(u64, Synced),
}

type Synced = tokio::sync::oneshot::Sender<u64>;

const BATCH: usize = 1 << 20;
/// A batch is sent once it holds BATCH bytes; room for one more sealed segment beyond that
/// keeps the last append of a batch from reallocating it.
/// And room in front for the rest of a block (see `BlobWriter::lay_out_batch`).
const BATCH_CAPACITY: usize = BATCH + (128 << 10) + 2 * BLOCK;
const IN_FLIGHT: usize = 8;

/// Direct writes go in whole blocks of this size, from memory aligned to it.
const BLOCK: usize = 4096;
/// Batches waiting for a direct write are staged together, up to this much: a direct write
/// returns only once the disk has the bytes, so when the disk falls behind, fewer and larger
/// writes keep it busier (the disk here took 1 MiB writes at half the speed of 4 MiB ones).
const STAGE: usize = 4 * BATCH;

/// Where a file blob's bytes go. Where the file system allows `O_DIRECT`, whole blocks go
/// from our buffer straight to the disk: copying every byte into the page cache was half of an
/// upload's CPU time (perf: `copy_folio_from_iter_atomic`), and an upload is not read again
/// soon. The bytes short of a whole block wait for the next write; before a sync they are
/// written through the page cache (the sync covers both). Elsewhere, plain writes.
struct FileSink {
    file: std::fs::File,
    direct: Option<std::fs::File>,
    /// Room for STAGE bytes, a batch and the unaligned rest, `stage[at..]` aligned to BLOCK.
    stage: Vec<u8>,
    at: usize,
    /// Bytes waiting in `stage[at..]`; they belong at `pos` in the file (a block boundary).
    len: usize,
    pos: u64,
    /// Bytes copied into the stage so far (tests check that batches laid out for it are not).
    #[cfg(test)]
    staged: usize,
}

impl FileSink {
    /// Opens the blob for appending at `at`, dropping anything after it.
    fn open(path: &Path, at: u64, direct: bool) -> std::io::Result<FileSink> {
        use std::os::unix::fs::{FileExt, OpenOptionsExt};
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)?;
        file.set_len(at)?;
        file.seek(SeekFrom::Start(at))?;
        let direct = direct
            .then(|| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_DIRECT)
                    .open(path)
                    .ok()
            })
            .flatten();
        // Plain writes need no staging.
        let stage = match direct {
            Some(_) => vec![0u8; STAGE + BATCH_CAPACITY + 2 * BLOCK],
            None => Vec::new(),
        };
        let mut sink = FileSink {
            at: stage.as_ptr().align_offset(BLOCK),
            stage,
            file,
            direct,
            len: 0,
            pos: at,
            #[cfg(test)]
            staged: 0,
        };
        if sink.direct.is_some() {
            // Start at the block boundary, with the bytes before `at` in that block.
            sink.pos = at - at % BLOCK as u64;
            sink.len = (at - sink.pos) as usize;
            let (a, n) = (sink.at, sink.len);
            sink.file
                .read_exact_at(&mut sink.stage[a..a + n], sink.pos)?;
        }
        Ok(sink)
    }

    fn room(&self) -> usize {
        self.stage.len() - self.at - BLOCK
    }

    /// Writes `bytes`, now or (direct) once the stage is full or `write_blocks` is called.
    fn write(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        while !bytes.is_empty() {
            if self.direct.is_none() {
                return self.file.write_all(bytes);
            }
            // A full stage (room() > STAGE) goes out before more is staged.
            if self.len >= STAGE {
                self.write_blocks()?;
            }
            let take = (self.room() - self.len).min(bytes.len());
            let from = self.at + self.len;
            self.stage[from..from + take].copy_from_slice(&bytes[..take]);
            self.len += take;
            #[cfg(test)]
            {
                self.staged += take;
            }
            bytes = &bytes[take..];
        }
        Ok(())
    }

    /// Writes `batch[head..]`. A batch laid out for it (`BlobWriter::lay_out_batch`: the bytes
    /// before `head` are free, and the block the bytes start in begins at an aligned address)
    /// goes to the disk in whole blocks straight from the batch: only the rest of the block
    /// still staged is copied in front of it, and the batch's own unaligned end into the
    /// stage. Copying every batch into the stage was a tenth of an upload's CPU time. Other
    /// batches, or while staged batches wait to be written together, go through `write`.
    fn write_batch(&mut self, batch: &mut [u8], head: usize) -> std::io::Result<()> {
        let rest = self.len;
        let laid_out = rest < BLOCK
            && head >= rest
            && (batch.as_ptr() as usize + head - rest).is_multiple_of(BLOCK);
        if self.direct.is_none() || !laid_out {
            return self.write(&batch[head..]);
        }
        let (a, start) = (self.at, head - rest);
        batch[start..head].copy_from_slice(&self.stage[a..a + rest]);
        let n = batch.len() - start;
        let whole = n - n % BLOCK;
        if whole > 0
            && !write_direct(
                &mut self.direct,
                &mut self.file,
                self.pos,
                &batch[start..],
                whole,
            )?
        {
            self.len = 0;
            return Ok(());
        }
        self.stage[a..a + n - whole].copy_from_slice(&batch[start + whole..]);
        self.len = n - whole;
        self.pos += whole as u64;
        Ok(())
    }

    /// Writes the whole blocks waiting and keeps the rest at the front.
    fn write_blocks(&mut self) -> std::io::Result<()> {
        let whole = self.len - self.len % BLOCK;
        if self.direct.is_none() || whole == 0 {
            return Ok(());
        }
        let a = self.at;
        let pending = &self.stage[a..a + self.len];
        if !write_direct(&mut self.direct, &mut self.file, self.pos, pending, whole)? {
            self.len = 0;
            return Ok(());
        }
        self.stage.copy_within(a + whole..a + self.len, a);
        self.len -= whole;
        self.pos += whole as u64;
        Ok(())
    }

    /// Before a sync: the whole blocks staged are written, and the bytes short of a whole
    /// block go through the page cache, so that the sync covers everything written. Those stay
    /// staged: the next direct write of their block writes them again.
    fn before_sync(&mut self) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.write_blocks()?;
        if self.direct.is_some() && self.len > 0 {
            let a = self.at;
            self.file
                .write_all_at(&self.stage[a..a + self.len], self.pos)?;
        }
        Ok(())
    }
}

/// Writes the first `whole` bytes (whole blocks, aligned) of `pending` — everything not yet
/// written, from `pos` on — with the direct file. Where there is none, or the file system
/// refuses direct writes after all (EINVAL; the direct file is dropped: plain writes from here
/// on), all of `pending` goes through the page cache instead and the answer is `false`.
fn write_direct(
    direct: &mut Option<std::fs::File>,
    file: &mut std::fs::File,
    pos: u64,
    pending: &[u8],
    whole: usize,
) -> std::io::Result<bool> {
    use std::os::unix::fs::FileExt;
    if let Some(d) = direct.as_ref() {
        match d.write_all_at(&pending[..whole], pos) {
            Ok(()) => return Ok(true),
            Err(e) if e.raw_os_error() != Some(libc::EINVAL) => return Err(e),
            Err(_) => *direct = None,
        }
    }
    file.write_all_at(pending, pos)?;
    file.seek(SeekFrom::Start(pos + pending.len() as u64))?;
    Ok(false)
}

/// A sync that was asked for: resolves with its tag once everything written before it is durable.
pub struct PendingSync(tokio::sync::oneshot::Receiver<u64>);

impl PendingSync {
    /// The tag, once everything written before the sync is durable. Cancel-safe. An error
    /// means the writer failed; `BlobWriter::failure` (or `commit`) reports why.
    pub async fn done(&mut self) -> std::io::Result<u64> {
        (&mut self.0)
            .await
            .map_err(|_| std::io::Error::other("blob writer stopped"))
    }
}

impl BlobWriter {
    /// The file's writes run on one thread and its syncs on a second: a sync takes what was
    /// written before it was asked for to the disk while the writes after it go on (with one
    /// thread, every sync stalled the upload until the disk had caught up).
    fn to_file(mut sink: FileSink, guard: tokio::sync::OwnedMutexGuard<()>) -> BlobWriter {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Op>(IN_FLIGHT);
        let spare = Spare::default();
        let back = spare.clone();
        // Batches are laid out for direct writes (`lay_out_batch`) from where the file ends.
        let at = sink.direct.is_some().then_some(sink.pos + sink.len as u64);
        let thread = tokio::task::spawn_blocking(move || {
            let _writing = guard;
            let syncing = sink.file.try_clone()?;
            std::thread::scope(|s| {
                let (syncs, asked) = std::sync::mpsc::channel::<(u64, Synced)>();
                let syncer = s.spawn(move || -> std::io::Result<()> {
                    for (tag, done) in asked {
                        syncing.sync_data()?;
                        let _ = done.send(tag);
                    }
                    Ok(())
                });
                let wrote = (|| -> std::io::Result<()> {
                    while let Some(op) = rx.blocking_recv() {
                        match op {
                            Op::Write(mut bytes, head) => {
                                sink.write_batch(&mut bytes, head)?;
                                give_back(&back, bytes);
                                // Staged batches go out together when more are waiting.
                                if rx.is_empty() {
                                    sink.write_blocks()?;
                                }
                            }
                            // Everything written so far is covered: the writes above returned.
                            // A failed syncer is reported below.
                            Op::Sync(tag, done) => {
                                sink.before_sync()?;
                                if syncs.send((tag, done)).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    Ok(())
                })();
                drop(syncs);
                let synced = syncer
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("sync thread panicked")));
                wrote.and(synced)
            })
        });
        BlobWriter::with(tx, thread, spare, at)
    }

    /// Appends pieces to a blob in a bucket from `at` on: a piece is put when it is full and
    /// at every sync (then it is durable: a PUT returns once the object is stored).
    fn to_bucket(
        store: Arc<dyn ObjectStore>,
        dir: Key,
        mut at: u64,
        guard: tokio::sync::OwnedMutexGuard<()>,
    ) -> BlobWriter {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Op>(IN_FLIGHT);
        let spare = Spare::default();
        let back = spare.clone();
        let thread = tokio::spawn(async move {
            let _writing = guard;
            let mut piece: Vec<u8> = Vec::new();
            let put = |piece: Vec<u8>, start: u64| {
                let (store, key) = (store.clone(), piece_key(&dir, start));
                async move {
                    store
                        .put(&key, PutPayload::from(piece))
                        .await
                        .map(|_| ())
                        .map_err(bucket_error)
                }
            };
            while let Some(op) = rx.recv().await {
                match op {
                    Op::Write(bytes, head) => {
                        piece.extend_from_slice(&bytes[head..]);
                        give_back(&back, bytes);
                        while piece.len() >= PIECE {
                            let rest = piece.split_off(PIECE);
                            let full = std::mem::replace(&mut piece, rest);
                            put(full, at).await?;
                            at += PIECE as u64;
                        }
                    }
                    Op::Sync(tag, done) => {
                        if !piece.is_empty() {
                            let rest = std::mem::take(&mut piece);
                            let n = rest.len() as u64;
                            put(rest, at).await?;
                            at += n;
                        }
                        let _ = done.send(tag);
                    }
                }
            }
            // Closed without a sync: what was not put counts for nothing (like unsynced bytes
            // of a file, they lie beyond the committed offset).
            Ok(())
        });
        BlobWriter::with(tx, thread, spare, None)
    }

    fn with(
        tx: tokio::sync::mpsc::Sender<Op>,
        thread: tokio::task::JoinHandle<std::io::Result<()>>,
        spare: Spare,
        pos: Option<u64>,
    ) -> BlobWriter {
        let mut w = BlobWriter {
            batch: Vec::with_capacity(BATCH_CAPACITY),
            head: 0,
            ready: 0,
            pos,
            spare,
            ops: Some(tx),
            thread: Some(thread),
        };
        w.head = w.lay_out_batch();
        w.ready = w.head;
        w
    }

    /// Lays out the (empty) batch for a file's direct writes: its bytes will start at the
    /// returned index, which lies as far after a block-aligned address as the batch's first
    /// byte lies after a block boundary in the file. The bytes in front are filler, for the
    /// writer thread to put the rest of that block there (`FileSink::write_batch`).
    fn lay_out_batch(&mut self) -> usize {
        let Some(pos) = self.pos else { return 0 };
        let pad = self.batch.as_ptr().align_offset(BLOCK);
        let head = pad + (pos % BLOCK as u64) as usize;
        self.batch.resize(head, 0);
        head
    }

    /// Takes the ready part of the batch to be sent, with its head; the rest moves to the
    /// next batch.
    fn cut(&mut self) -> (Vec<u8>, usize) {
        if let Some(pos) = self.pos.as_mut() {
            *pos += (self.ready - self.head) as u64;
        }
        let next = self.spare_batch();
        let mut out = std::mem::replace(&mut self.batch, next);
        let out_head = self.head;
        self.head = self.lay_out_batch();
        self.batch.extend_from_slice(&out[self.ready..]);
        out.truncate(self.ready);
        self.ready = self.head;
        (out, out_head)
    }

    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.batch.extend_from_slice(bytes);
        self.ready().await
    }

    /// The batch being filled, for bytes built in place (appended, then sealed): they are
    /// not written before `ready` is called, and `drop_unready` takes them back.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.batch
    }

    /// Everything in the buffer may be written; a full batch goes out.
    pub async fn ready(&mut self) -> std::io::Result<()> {
        self.ready = self.batch.len();
        if self.ready - self.head >= BATCH {
            let (full, head) = self.cut();
            self.send(Op::Write(full, head)).await?;
        }
        Ok(())
    }

    /// Forgets what was appended to the buffer since the last `ready`.
    pub fn drop_unready(&mut self) {
        self.batch.truncate(self.ready);
    }

    fn spare_batch(&mut self) -> Vec<u8> {
        let spare = self.spare.lock().ok().and_then(|mut s| s.pop());
        spare.unwrap_or_else(|| Vec::with_capacity(BATCH_CAPACITY))
    }

    /// Asks for everything written so far to become durable, without waiting for it. Bytes
    /// not yet ready stay in the buffer.
    pub async fn sync_soon(&mut self, tag: u64) -> std::io::Result<PendingSync> {
        if self.ready > self.head {
            let (out, head) = self.cut();
            self.send(Op::Write(out, head)).await?;
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

    /// Why the writer failed, after a `PendingSync` did: the error its thread ended with (a
    /// write or sync), else `fallback`. Nothing more can be written afterwards.
    pub async fn failure(&mut self, fallback: std::io::Error) -> std::io::Error {
        self.ops = None;
        match self.stopped().await {
            Err(e) => e,
            Ok(()) => fallback,
        }
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

    const ORG: &str = "0190aaaa-0000-7000-8000-000000000001";

    /// Both kinds of storage: files in a directory, and a bucket (in memory here; the S3
    /// server is tested in the integration tests).
    fn both() -> Vec<(Storage, tempfile::TempDir)> {
        let dir = tempfile::tempdir().unwrap();
        let local = Storage::local(dir.path()).unwrap();
        let bucket = Storage::bucket(Arc::new(object_store::memory::InMemory::new()));
        vec![(local, dir), (bucket, tempfile::tempdir().unwrap())]
    }

    async fn read_all(s: &Storage, org: &str, id: &str) -> Vec<u8> {
        let len = s.len(org, id).await.unwrap();
        s.reader(org, id)
            .await
            .unwrap()
            .read_at(0, len)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn blobs_write_truncate_read_delete() {
        for (s, _dir) in both() {
            let id = "0190aaaa-0000-7000-8000-000000000002";
            s.create(ORG, id, b"HEAD").await.unwrap();
            let mut w = s.writer_at(ORG, id, 4).await.unwrap();
            w.write(b"abcdef").await.unwrap();
            w.commit().await.unwrap();
            // A retry from an earlier point drops the uncommitted tail.
            let mut w = s.writer_at(ORG, id, 7).await.unwrap();
            w.write(b"XY").await.unwrap();
            w.commit().await.unwrap();
            assert_eq!(read_all(&s, ORG, id).await, b"HEADabcXY");
            assert_eq!(s.len(ORG, id).await.unwrap(), 9);
            // Ranges across pieces, and past the end.
            let mut r = s.reader(ORG, id).await.unwrap();
            assert_eq!(r.read_at(2, 4).await.unwrap(), b"ADab");
            assert_eq!(r.read_at(6, 10).await.unwrap(), b"cXY");
            s.delete(ORG, id).await.unwrap();
            s.delete(ORG, id).await.unwrap();
            assert!(s.reader(ORG, id).await.is_err());
            assert!(s.create("../etc", id, b"x").await.is_err());
        }
    }

    /// Direct and plain file writes give the same bytes: from an offset inside a block, in
    /// pieces of every size (staged together, or larger than the stage), with the unaligned
    /// rest written before each sync and rewritten after it, and after reopening at an earlier
    /// offset (a retry).
    #[test]
    fn file_sink_writes_every_byte_in_place() {
        for direct in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("blob");
            std::fs::write(&path, b"HEADER-of-13").unwrap();
            let data: Vec<u8> = (0..12 * BATCH + 12_345)
                .map(|i| (i * 7 % 253) as u8)
                .collect();
            let mut sink = FileSink::open(&path, 12, direct).unwrap();
            assert_eq!(
                sink.direct.is_some(),
                direct,
                "ext4 and tmpfs allow O_DIRECT"
            );
            let mut rest = &data[..];
            // Pieces larger than the stage too: it is written when full.
            for (i, n) in [1, 4095, 4097, 65_552, BATCH + 3, 100, STAGE + BATCH + 7]
                .iter()
                .cycle()
                .enumerate()
            {
                let n = (*n).min(rest.len());
                sink.write(&rest[..n]).unwrap();
                rest = &rest[n..];
                if i % 3 == 1 {
                    sink.before_sync().unwrap();
                    sink.file.sync_data().unwrap();
                    // What a sync covers is in the file already.
                    let written = 12 + data.len() - rest.len();
                    assert_eq!(std::fs::metadata(&path).unwrap().len(), written as u64);
                }
                if rest.is_empty() {
                    break;
                }
            }
            sink.before_sync().unwrap();
            drop(sink);
            let all = std::fs::read(&path).unwrap();
            assert_eq!(&all[..12], b"HEADER-of-13");
            assert!(all[12..] == data[..], "direct={direct}");
            // A retry from an unaligned offset drops the rest and continues there.
            let mut sink = FileSink::open(&path, 5000, direct).unwrap();
            sink.write(b"retry").unwrap();
            sink.before_sync().unwrap();
            drop(sink);
            let all = std::fs::read(&path).unwrap();
            assert_eq!(all.len(), 5005);
            assert_eq!(&all[12..5000], &data[..4988]);
            assert_eq!(&all[5000..], b"retry");
        }
    }

    /// Batches laid out for direct writes go to the disk without being copied into the stage
    /// (only a block's rest each), batches that are not go through it, and the file gets every
    /// byte in place either way — across syncs and from an unaligned start.
    #[test]
    fn laid_out_batches_are_written_without_staging() {
        for direct in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("blob");
            std::fs::write(&path, b"HEADER-of-13").unwrap();
            let data: Vec<u8> = (0..6 * BATCH + 777).map(|i| (i * 11 % 251) as u8).collect();
            let mut sink = FileSink::open(&path, 12, direct).unwrap();
            let (mut pos, mut rest, mut laid_out) = (12u64, &data[..], 0);
            for (i, n) in [BATCH + 65_552, 4095, BATCH, 1, 70_000]
                .iter()
                .cycle()
                .enumerate()
            {
                let n = (*n).min(rest.len());
                let mut batch: Vec<u8> = Vec::with_capacity(BATCH_CAPACITY);
                // Every third batch is not laid out (e.g. it grew past its capacity).
                let head = if i % 3 == 2 {
                    0
                } else {
                    laid_out += 1;
                    batch.as_ptr().align_offset(BLOCK) + (pos % BLOCK as u64) as usize
                };
                batch.resize(head, 0);
                batch.extend_from_slice(&rest[..n]);
                // Laid out, and only a block's rest staged before it (else batches staged
                // before wait to be written together with it).
                let straight = direct && head > 0 && sink.len < BLOCK;
                let before = sink.staged;
                sink.write_batch(&mut batch, head).unwrap();
                if straight {
                    assert!(sink.staged - before < BLOCK, "batch {i} was staged");
                    assert!(sink.len < BLOCK);
                }
                pos += n as u64;
                rest = &rest[n..];
                if i % 4 == 3 {
                    sink.before_sync().unwrap();
                    sink.file.sync_data().unwrap();
                    assert_eq!(std::fs::metadata(&path).unwrap().len(), pos);
                }
                if rest.is_empty() {
                    break;
                }
                if i % 2 == 0 {
                    sink.write_blocks().unwrap();
                }
            }
            assert!(laid_out >= 4);
            sink.before_sync().unwrap();
            drop(sink);
            let all = std::fs::read(&path).unwrap();
            assert_eq!(&all[..12], b"HEADER-of-13");
            assert!(all[12..] == data[..], "direct={direct}");
        }
    }

    /// A writer's batches, laid out for direct writes, give the file every byte: many
    /// batches from an unaligned offset, syncs in between, the unready rest kept.
    #[tokio::test]
    async fn writer_batches_keep_every_byte() {
        for (s, _dir) in both() {
            let id = "0190aaaa-0000-7000-8000-000000000005";
            s.create(ORG, id, b"HEADER").await.unwrap();
            let data: Vec<u8> = (0..3 * BATCH + 5_000)
                .map(|i| (i * 13 % 241) as u8)
                .collect();
            let mut w = s.writer_at(ORG, id, 6).await.unwrap();
            for (i, piece) in data.chunks(65_552).enumerate() {
                // Appended, then made ready, as a sealed segment is.
                w.buffer().extend_from_slice(piece);
                w.ready().await.unwrap();
                if i % 7 == 6 {
                    // Work in progress survives a sync.
                    w.buffer().extend_from_slice(b"unready");
                    let mut synced = w.sync_soon(i as u64).await.unwrap();
                    assert_eq!(synced.done().await.unwrap(), i as u64);
                    w.drop_unready();
                }
            }
            w.commit().await.unwrap();
            let all = read_all(&s, ORG, id).await;
            assert_eq!(&all[..6], b"HEADER");
            assert!(all[6..] == data[..]);
        }
    }

    /// A writer abandoned half-way (its request dropped) finishes in the background; the next
    /// writer of the blob starts only after it, so none of its bytes land after the restart.
    #[tokio::test]
    async fn abandoned_writer_never_overlaps_the_next() {
        for (s, _dir) in both() {
            let id = "0190aaaa-0000-7000-8000-000000000003";
            s.create(ORG, id, b"HEAD").await.unwrap();
            let mut w = s.writer_at(ORG, id, 4).await.unwrap();
            for _ in 0..12 {
                w.write(&vec![b'x'; 1 << 20]).await.unwrap();
            }
            drop(w);
            let mut w = s.writer_at(ORG, id, 4).await.unwrap();
            w.write(b"XY").await.unwrap();
            w.commit().await.unwrap();
            assert_eq!(read_all(&s, ORG, id).await, b"HEADXY");
            assert_eq!(s.len(ORG, id).await.unwrap(), 6);
        }
    }

    /// In a bucket, large writes become pieces of at most PIECE bytes; what was synced stays
    /// when a writer dies, what was not is gone, and the next writer continues at the sync.
    #[tokio::test]
    async fn bucket_pieces_hold_what_was_synced() {
        let store = Arc::new(object_store::memory::InMemory::new());
        let s = Storage::bucket(store.clone());
        let id = "0190aaaa-0000-7000-8000-000000000004";
        s.create(ORG, id, b"HEAD").await.unwrap();
        let mut w = s.writer_at(ORG, id, 4).await.unwrap();
        let data: Vec<u8> = (0..PIECE * 2 + 100).map(|i| (i % 251) as u8).collect();
        w.write(&data).await.unwrap();
        let mut synced = w.sync_soon(7).await.unwrap();
        assert_eq!(synced.done().await.unwrap(), 7);
        w.write(b"lost").await.unwrap();
        w.abandon().await.unwrap();
        let dir = Storage::dir(ORG, id).unwrap();
        let sizes: Vec<u64> = pieces(store.as_ref(), &dir)
            .await
            .unwrap()
            .iter()
            .map(|p| p.size)
            .collect();
        assert_eq!(sizes, [4, PIECE as u64, PIECE as u64, 100]);
        let end = 4 + data.len() as u64;
        assert_eq!(s.len(ORG, id).await.unwrap(), end);
        let mut w = s.writer_at(ORG, id, end).await.unwrap();
        w.write(b"!").await.unwrap();
        w.commit().await.unwrap();
        let all = read_all(&s, ORG, id).await;
        assert_eq!(&all[4..end as usize], data.as_slice());
        assert_eq!(&all[end as usize..], b"!");
        // Opening at an offset that is not where the blob ends is an error, not a gap.
        assert!(s.writer_at(ORG, id, end + 10).await.is_err());
    }
}

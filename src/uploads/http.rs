//! The tus 1.0 endpoint under `/api/uploads/`: core protocol plus the creation, expiration,
//! termination and checksum (sha256) extensions.
//!
//! Uploads are sealed as they arrive: only whole 64 KiB segments (and the final one) are ever
//! written, so no plaintext touches the disk, and the offset answered is the one really
//! persisted (blob synced before the database moves). A client simply resends the rest — tus
//! allows a server to accept less than it was sent.
//!
//! Credentials: `Authorization: Bearer <upload-link token>` (plus `Upload-Link-Password` for
//! protected links) for clients, or a staff session cookie with `client_id` in the metadata.

// Helpers return the finished HTTP answer as their error (the axum idiom); it is built once
// per failed request, so its size does not matter.
#![allow(clippy::result_large_err)]

use super::domain::{self, ChecksumError};
use super::repo::{self, UploadRow};
use super::LinkState;
use crate::auth::ctx::Peer;
use crate::crypto::{self, Header, SegmentCipher};
use crate::i18n::Lang;
use crate::orgs::domain::Permission;
use crate::server::storage::{BlobWriter, PendingSync};
use crate::server::{db::now_ms, tokens, AppState};
use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{options, post},
    Router,
};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const TUS_VERSION: &str = "1.0.0";
/// A PATCH whose body stalls longer than this is ended; what arrived until then is kept.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// When what was sealed is made durable (see `Commits`): once this many bytes wait…
const COMMIT_EVERY: u64 = 8 * 1024 * 1024;
/// …but not sooner than this after the last sync was asked for; any fewer bytes once this much
/// longer passed, or once the upload waited this long for its next request.
const COMMIT_PAUSE: Duration = Duration::from_secs(1);
const COMMIT_IDLE: Duration = Duration::from_secs(2);

/// Shared storage: how long a node's hold on an upload lasts unless renewed (a node that
/// died mid-request blocks its upload at most this long).
const LEASE_MS: i64 = 15_000;

/// How long a PATCH leaves the blob open for the upload's next one.
const KEEP_OPEN: Duration = Duration::from_secs(10);

/// In-process state of uploads being written: a claim per upload (one request at a time),
/// the running SHA-256 of the sealed plaintext, so finishing needs no second pass, and the
/// blob writer the last PATCH left open.
///
/// A PATCH ends without waiting for the disk: it asks for a sync of what it sealed and
/// answers the new offset, while a flusher task moves the database offset once the sync is
/// done. The next PATCH continues on the same writer, so the sync overlaps with its bytes
/// arriving. The database offset stays the durable one: after a crash a client resumes from
/// there (tus clients ask HEAD after any failure and a PATCH at a lost offset gets 409).
#[derive(Clone, Default)]
pub struct UploadState {
    inner: Arc<Mutex<HashMap<String, Progress>>>,
}

struct Progress {
    busy: bool,
    /// Counts claims, so a late idle close can tell the writer was used since.
    generation: u64,
    /// Plaintext bytes the hash covers (equals the offset when it can be trusted; `u64::MAX`
    /// while a request holds the hash).
    hashed: u64,
    hash: Hash,
    open: Option<Open>,
}

/// The running SHA-256 of an upload's plaintext.
enum Hash {
    /// Its state, with no thread behind it.
    Idle(Sha256),
    /// A thread hashes what the requests send (an open upload on this node): a request does
    /// not wait for it to catch up before it answers, only the last one does.
    Running(Hasher),
}

impl Default for Hash {
    fn default() -> Hash {
        Hash::Idle(Sha256::new())
    }
}

impl Hash {
    /// Lets the thread (if any) catch up and go: for an upload no writer stays open for, so
    /// that no thread waits for a request that may never come. `None` if the thread failed.
    async fn idle(self) -> Option<Hash> {
        match self {
            Hash::Running(h) => h.finish().await.ok().map(Hash::Idle),
            idle => Some(idle),
        }
    }
}

/// When the sealed bytes of an upload are synced (and the database offset then moved).
///
/// A sync does not slow the upload down by the bytes it covers but by its count: each one
/// flushes the disk's cache, and a disk here took 1 MiB direct writes 10–25 % slower when
/// they were synced every 8 MiB than when synced once a second (docs/benchmarks.md). So a
/// sync is asked for once `COMMIT_EVERY` bytes wait and `COMMIT_PAUSE` passed since the last
/// one, or once `COMMIT_IDLE` passed whatever waits: a crash (power loss; a killed process
/// loses nothing it wrote) costs a fast upload a second or two of its bytes, and a stalled
/// phone keeps what it sent.
#[derive(Clone, Copy)]
struct Commits {
    /// The offset the last sync asked for covers.
    asked: u64,
    /// When it was asked for (or the writer opened).
    at: tokio::time::Instant,
}

impl Commits {
    fn new(asked: u64) -> Commits {
        Commits {
            asked,
            at: tokio::time::Instant::now(),
        }
    }

    /// When a sync of the bytes sealed up to `sealed_to` is due; `None` if none wait.
    fn due_at(&self, sealed_to: u64) -> Option<tokio::time::Instant> {
        (sealed_to > self.asked).then(|| {
            let wait = if sealed_to - self.asked >= COMMIT_EVERY {
                COMMIT_PAUSE
            } else {
                COMMIT_IDLE
            };
            self.at + wait
        })
    }

    fn due(&self, sealed_to: u64) -> bool {
        self.due_at(sealed_to)
            .is_some_and(|t| t <= tokio::time::Instant::now())
    }

    fn asked(&mut self, to: u64) {
        *self = Commits::new(to);
    }

    /// Asks `writer` for a sync of everything up to `to`, and counts it as the last one.
    async fn ask(&mut self, writer: &mut BlobWriter, to: u64) -> std::io::Result<PendingSync> {
        let pending = writer.sync_soon(to).await?;
        self.asked(to);
        Ok(pending)
    }
}

/// The blob writer of an unfinished upload between two PATCHes.
struct Open {
    writer: BlobWriter,
    /// End of the sealed data; the database offset reaches it once it is synced and
    /// `flusher` is done.
    written: u64,
    commits: Commits,
    flusher: Option<tokio::task::JoinHandle<()>>,
}

impl Open {
    /// Closes the writer and waits until the database offset reached `written`.
    async fn settle(self, st: &AppState, id: &str) -> Result<(), String> {
        commit_to(st, id, self.writer, self.flusher, self.written).await
    }

    /// Asks for a sync of what waits (the client paused), the database offset to follow.
    async fn sync_waiting(&mut self, st: &AppState, id: &str) {
        if self.written <= self.commits.asked {
            return;
        }
        match self.commits.ask(&mut self.writer, self.written).await {
            Ok(p) => {
                let prev = self.flusher.take();
                self.flusher = Some(tokio::spawn(flush(st.clone(), id.into(), prev, vec![p])));
            }
            // The writer failed: the next request, or closing it, reports why.
            Err(e) => tracing::warn!(upload = %id, error = %e, "syncing an idle upload failed"),
        }
    }
}

/// A request's hold on an upload.
struct Claim {
    hashed: u64,
    hash: Hash,
    open: Option<Open>,
}

impl UploadState {
    /// Claims the upload for one request; `None` when another request holds it.
    /// `committed` is the database offset, used when no writer is open.
    fn claim(&self, id: &str, committed: u64) -> Option<Claim> {
        let mut map = self.inner.lock().ok()?;
        let p = map.entry(id.to_string()).or_insert_with(|| Progress {
            busy: false,
            generation: 0,
            hashed: 0,
            hash: Hash::default(),
            open: None,
        });
        if p.busy {
            return None;
        }
        p.busy = true;
        p.generation += 1;
        let open = p.open.take();
        let at = open.as_ref().map_or(committed, |o| o.written);
        // The request takes the hash along; it gives it back when it ends (`release`).
        let mut hashed = std::mem::replace(&mut p.hashed, u64::MAX);
        if hashed != at {
            // After a restart the running hash is gone; it is rebuilt when the file is finished.
            hashed = u64::MAX;
        }
        Some(Claim {
            hashed,
            hash: std::mem::take(&mut p.hash),
            open,
        })
    }

    /// Ends a claim, giving back the running hash (when known; without it the hash stays
    /// unknown, as the claim left it) and the writer left open.
    /// Returns the generation an idle close has to find unchanged.
    fn release(&self, id: &str, hashed: Option<(u64, Hash)>, open: Option<Open>) -> u64 {
        let Ok(mut map) = self.inner.lock() else {
            return 0;
        };
        let Some(p) = map.get_mut(id) else {
            return 0;
        };
        p.busy = false;
        if let Some((n, h)) = hashed {
            p.hashed = n;
            p.hash = h;
        }
        p.open = open;
        p.generation
    }

    /// Where the writer left open ends, if there is one.
    fn written(&self, id: &str) -> Option<u64> {
        let map = self.inner.lock().ok()?;
        map.get(id)?.open.as_ref().map(|o| o.written)
    }

    fn forget(&self, id: &str) {
        if let Ok(mut map) = self.inner.lock() {
            map.remove(id);
        }
    }

    /// Takes the writer claim `generation` left open, if no request claimed the upload
    /// since; the upload stays claimed until `put_back` or `release`.
    fn take_idle(&self, id: &str, generation: u64) -> Option<Open> {
        let mut map = self.inner.lock().ok()?;
        match map.get_mut(id) {
            Some(p) if !p.busy && p.generation == generation && p.open.is_some() => {
                p.busy = true;
                p.open.take()
            }
            _ => None,
        }
    }

    /// Gives back what `take_idle` took, the hash untouched.
    fn put_back(&self, id: &str, open: Open) {
        if let Ok(mut map) = self.inner.lock() {
            if let Some(p) = map.get_mut(id) {
                p.busy = false;
                p.open = Some(open);
            }
        }
    }

    /// After `COMMIT_PAUSE` without a new claim, syncs what the open writer holds; after
    /// `KEEP_OPEN`, settles and closes it, and lets the hashing thread go (keeping the
    /// hash's state).
    fn close_when_idle(st: &AppState, id: String, generation: u64) {
        let st = st.clone();
        tokio::spawn(async move {
            tokio::time::sleep(COMMIT_PAUSE).await;
            let Some(mut open) = st.uploads.take_idle(&id, generation) else {
                return;
            };
            open.sync_waiting(&st, &id).await;
            st.uploads.put_back(&id, open);
            tokio::time::sleep(KEEP_OPEN - COMMIT_PAUSE).await;
            let Some(open) = st.uploads.take_idle(&id, generation) else {
                return;
            };
            if let Err(e) = open.settle(&st, &id).await {
                tracing::error!(upload = %id, error = %e, "closing an idle upload failed");
            }
            let (hashed, hash) = {
                let Ok(mut map) = st.uploads.inner.lock() else {
                    return;
                };
                let Some(p) = map.get_mut(&id) else { return };
                (
                    std::mem::replace(&mut p.hashed, u64::MAX),
                    std::mem::take(&mut p.hash),
                )
            };
            let hash = hash.idle().await;
            st.uploads.release(&id, hash.map(|h| (hashed, h)), None);
        });
    }
}

/// Stops a writer after a failed request; the database keeps the offset of the last sync
/// asked for before this request (awaited through `prev`).
async fn abandon(writer: BlobWriter, prev: Option<tokio::task::JoinHandle<()>>) {
    if let Err(e) = writer.abandon().await {
        tracing::warn!(error = %e, "stopping a blob writer failed");
    }
    if let Some(p) = prev {
        let _ = p.await;
    }
}

/// Stops a writer after a failed request, keeping what the requests before it sealed: unless
/// a sync covered it already, everything written is synced and the database offset moves to
/// `at`, where the failed request began (`trim` cuts the blob back there).
async fn keep_before(
    st: &AppState,
    id: &str,
    writer: BlobWriter,
    prev: Option<tokio::task::JoinHandle<()>>,
    commits: Commits,
    at: u64,
) {
    if commits.asked >= at {
        return abandon(writer, prev).await;
    }
    if let Err(e) = commit_to(st, id, writer, prev, at).await {
        tracing::warn!(upload = %id, error = %e, "keeping an upload's earlier bytes failed");
    }
}

/// Syncs and closes `writer`, lets the syncs asked for before it finish (`flusher`), and
/// moves the database offset to `to`.
async fn commit_to(
    st: &AppState,
    id: &str,
    writer: BlobWriter,
    flusher: Option<tokio::task::JoinHandle<()>>,
    to: u64,
) -> Result<(), String> {
    let synced = writer.commit().await;
    if let Some(f) = flusher {
        let _ = f.await;
    }
    synced.map_err(|e| e.to_string())?;
    repo::advance(&st.db, id, to as i64)
        .await
        .map_err(|e| e.to_string())
}

/// Waits for the syncs in order and moves the database offset after each.
async fn flush(
    st: AppState,
    id: String,
    prev: Option<tokio::task::JoinHandle<()>>,
    syncs: Vec<PendingSync>,
) {
    if let Some(p) = prev {
        let _ = p.await;
    }
    for mut sync in syncs {
        let durable = match sync.done().await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(upload = %id, error = %e, "syncing an upload failed");
                return;
            }
        };
        if let Err(e) = repo::advance(&st.db, &id, durable as i64).await {
            tracing::error!(upload = %id, error = %e, "recording an upload's offset failed");
            return;
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/uploads", post(create).options(preflight))
        .route("/api/uploads/", post(create).options(preflight))
        .route(
            "/api/files/{id}/download",
            axum::routing::get(super::download::download),
        )
        .route(
            "/api/portal/files/{id}",
            axum::routing::get(super::download::portal_download),
        )
        .route(
            "/api/clients/{client_id}/files.zip",
            axum::routing::get(super::zip::download_zip),
        )
        .route(
            "/api/uploads/{id}",
            options(preflight).head(head).patch(patch).delete(terminate),
        )
        .layer(axum::middleware::from_fn(in_lang))
}

fn tus_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// An error answer: status, a machine-readable code (`Upload-Error`) and a sentence.
fn fail(status: StatusCode, code: &'static str, message: String) -> Response {
    let mut r = (status, message).into_response();
    r.headers_mut()
        .insert("upload-error", HeaderValue::from_static(code));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    tus_headers(r)
}

/// 429 with `Retry-After`: too many missed tokens or link passwords from this address.
fn too_many(t: &crate::i18n::T, wait_ms: i64) -> Response {
    let mut r = fail(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        crate::auth::ctx::wait_text(t.p_too_many, wait_ms),
    );
    r.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(crate::auth::ctx::retry_after_secs(wait_ms)),
    );
    r
}

fn lang(headers: &HeaderMap) -> Lang {
    Lang::of_headers(headers)
}

tokio::task_local! {
    /// The language of the request being answered, for sentences from deep in the upload path.
    static LANG: Lang;
}

async fn in_lang(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = Lang::of_headers(req.headers());
    LANG.scope(lang, next.run(req)).await
}

/// 500 for anything unexpected — except a full or read-only disk: 507 with a sentence that
/// says so. Either way the upload keeps its last durable offset, and the client may resume.
fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Response {
    let e = e.into();
    if crate::error::out_of_space(&*e) {
        tracing::error!(error = %e, "upload failed: the disk is full or read-only");
        let t = LANG.try_with(|l| *l).unwrap_or_default().t();
        return fail(
            StatusCode::INSUFFICIENT_STORAGE,
            "storage_full",
            t.err_storage_full.into(),
        );
    }
    tracing::error!(error = %e, "upload failed");
    fail(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error".into(),
    )
}

async fn preflight() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    h.insert(
        "tus-extension",
        HeaderValue::from_static("creation,expiration,termination,checksum"),
    );
    h.insert("tus-checksum-algorithm", HeaderValue::from_static("sha256"));
    tus_headers(r)
}

/// Who is uploading.
enum Uploader {
    Link(repo::LinkRow),
    Staff(crate::auth::repo::SessionUser),
    /// A client signed in to the portal: (org, client).
    Portal(String, String),
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Resolves the credential. `Err` carries the complete answer (unknown, expired, …).
async fn uploader(st: &AppState, headers: &HeaderMap, ip: &str) -> Result<Uploader, Response> {
    let t = lang(headers).t();
    if let Some(token) = bearer(headers) {
        // Guessing tokens or link passwords is cut short (a miss each is counted below).
        if let Some(ms) = crate::auth::ctx::token_lock(st, ip)
            .await
            .map_err(internal)?
        {
            return Err(too_many(t, ms));
        }
        let missed = || async { crate::auth::ctx::token_miss(st, ip).await.map_err(internal) };
        let link = if tokens::looks_like_token(token) {
            repo::link_by_token(&st.db, &tokens::hash_token(token))
                .await
                .map_err(internal)?
        } else {
            None
        };
        let Some(link) = link else {
            missed().await?;
            return Err(fail(
                StatusCode::NOT_FOUND,
                "link_unknown",
                t.link_unknown.into(),
            ));
        };
        match domain::link_state(
            link.revoked_at,
            link.expires_at,
            link.max_files,
            link.files_received,
            now_ms(),
        ) {
            LinkState::Active => {}
            LinkState::Expired => {
                return Err(fail(
                    StatusCode::GONE,
                    "link_expired",
                    t.link_expired.into(),
                ))
            }
            LinkState::Revoked => {
                return Err(fail(
                    StatusCode::GONE,
                    "link_revoked",
                    t.link_revoked.into(),
                ))
            }
            LinkState::UsedUp => {
                return Err(fail(
                    StatusCode::GONE,
                    "link_used_up",
                    t.link_used_up.into(),
                ))
            }
        }
        if let Some(hash) = &link.password_hash {
            let given = headers
                .get("upload-link-password")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            if !crate::server::passwords::verify_password(given, Some(hash.clone())).await {
                missed().await?;
                return Err(fail(
                    StatusCode::UNAUTHORIZED,
                    "link_password",
                    t.link_password_wrong.into(),
                ));
            }
        }
        return Ok(Uploader::Link(link));
    }
    // The portal's widget says so: one browser may hold a staff and a portal session.
    if headers.get("upload-as").is_some_and(|v| v == "portal") {
        let session = crate::portal::api::session_of(st, headers)
            .await
            .map_err(internal)?;
        // Sending files (chat attachments too) is the Upload right of the contact.
        if session
            .as_ref()
            .is_some_and(|s| s.client.is_some() && !s.rights.has(crate::portal::Right::Upload))
        {
            return Err(fail(
                StatusCode::FORBIDDEN,
                "forbidden",
                t.contact_no_right.into(),
            ));
        }
        return match session.and_then(|s| s.client) {
            Some((org, client)) => Ok(Uploader::Portal(org, client)),
            None => Err(fail(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                t.err_unauthorized.into(),
            )),
        };
    }
    match crate::auth::ctx::staff_http(st, headers, Permission::EditClients).await {
        Ok(user) => Ok(Uploader::Staff(user)),
        Err(StatusCode::FORBIDDEN) => Err(fail(
            StatusCode::FORBIDDEN,
            "forbidden",
            t.err_forbidden_role.into(),
        )),
        Err(StatusCode::UNAUTHORIZED) => Err(fail(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            t.err_unauthorized.into(),
        )),
        Err(s) => Err(s.into_response()),
    }
}

/// The upload, if this caller may touch it. Another link's or firm's upload is "not found".
async fn authorized_upload(
    st: &AppState,
    headers: &HeaderMap,
    ip: &str,
    id: &str,
) -> Result<UploadRow, Response> {
    let who = uploader(st, headers, ip).await?;
    let t = lang(headers).t();
    let not_found = || fail(StatusCode::NOT_FOUND, "not_found", t.err_not_found.into());
    let up = repo::upload(&st.db, id)
        .await
        .map_err(internal)?
        .ok_or_else(not_found)?;
    let allowed = match &who {
        Uploader::Link(l) => up.link_id.as_deref() == Some(l.id.as_str()),
        Uploader::Staff(u) => up.org_id == u.org_id && up.link_id.is_none() && !up.via_portal,
        Uploader::Portal(org, client) => {
            up.via_portal && up.org_id == *org && up.client_id == *client
        }
    };
    if !allowed {
        return Err(not_found());
    }
    // Staff taken off a restricted client's (or case's) team cannot finish what they started.
    if let Uploader::Staff(u) = &who {
        if crate::auth::ctx::sees_client(st, u, &up.client_id)
            .await
            .is_err()
        {
            return Err(not_found());
        }
        if let Some(case) = up.chat_conv.as_deref().filter(|c| !c.is_empty()) {
            if crate::auth::ctx::sees_case(st, u, case).await.is_err() {
                return Err(not_found());
            }
        }
    }
    Ok(up)
}

fn check_version(headers: &HeaderMap) -> Result<(), Response> {
    match headers.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => Ok(()),
        _ => {
            let mut r = fail(
                StatusCode::PRECONDITION_FAILED,
                "tus_version",
                "Tus-Resumable 1.0.0 required".into(),
            );
            r.headers_mut()
                .insert("tus-version", HeaderValue::from_static(TUS_VERSION));
            Err(r)
        }
    }
}

/// A non-negative integer header (Upload-Length, Upload-Offset).
fn int_header(headers: &HeaderMap, name: &str) -> Option<i64> {
    domain::parse_offset(headers.get(name)?.to_str().ok()?).map(|v| v as i64)
}

fn http_date(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    httpdate::fmt_http_date(t)
}

async fn create(State(st): State<AppState>, Peer(ip): Peer, headers: HeaderMap) -> Response {
    if let Err(r) = check_version(&headers) {
        return r;
    }
    let t = lang(&headers).t();
    let who = match uploader(&st, &headers, &ip).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    if headers.contains_key("upload-defer-length") {
        return fail(
            StatusCode::BAD_REQUEST,
            "defer_length",
            "Upload-Defer-Length is not supported".into(),
        );
    }
    let Some(length) = int_header(&headers, "upload-length") else {
        return fail(
            StatusCode::BAD_REQUEST,
            "length",
            "Upload-Length required".into(),
        );
    };
    let meta = headers
        .get("upload-metadata")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(meta) = domain::parse_metadata(meta) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "metadata",
            "Upload-Metadata malformed".into(),
        );
    };
    let get = |k: &str| meta.iter().find(|(mk, _)| mk == k).map(|(_, v)| v.as_str());
    let filename = domain::sanitize_filename(get("filename").or(get("name")).unwrap_or(""));
    let mime: String = get("filetype")
        .or(get("type"))
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();

    let (org_id, client_id, link_id, uploaded_by, direction, plan) = match &who {
        Uploader::Link(l) => {
            let plan = crate::orgs::repo::plan(&st.db, &l.org_id).await;
            (
                l.org_id.clone(),
                l.client_id.clone(),
                Some(l.id.clone()),
                None,
                "received",
                plan,
            )
        }
        Uploader::Portal(org, client) => (
            org.clone(),
            client.clone(),
            None,
            None,
            "received",
            crate::orgs::repo::plan(&st.db, org).await,
        ),
        Uploader::Staff(u) => {
            let Some(client) = get("client_id") else {
                return fail(
                    StatusCode::BAD_REQUEST,
                    "metadata",
                    "client_id required".into(),
                );
            };
            match crate::auth::ctx::sees_client(&st, u, client).await {
                Ok(()) => {}
                Err(StatusCode::NOT_FOUND) => {
                    return fail(StatusCode::NOT_FOUND, "not_found", t.err_not_found.into())
                }
                Err(s) => return s.into_response(),
            }
            (
                u.org_id.clone(),
                client.to_string(),
                None,
                Some(u.user_id.clone()),
                "sent",
                Ok(u.plan),
            )
        }
    };
    let plan = match plan {
        Ok(p) => p,
        Err(e) => return internal(e),
    };
    // A client's upload for one requested document of a case.
    let item = match get("item_id").filter(|s| !s.is_empty()) {
        None => None,
        Some(_) if direction != "received" => {
            return fail(
                StatusCode::BAD_REQUEST,
                "metadata",
                "item_id is for uploads from clients".into(),
            )
        }
        Some(item_id) => match crate::cases::repo::item_row(&st.db, &org_id, item_id).await {
            Ok(Some(i)) if i.client_id == client_id => Some(i),
            Ok(_) => return fail(StatusCode::NOT_FOUND, "not_found", t.err_not_found.into()),
            Err(e) => return internal(e),
        },
    };
    if let Some(i) = &item {
        if i.case_state != crate::cases::CaseState::Open {
            return fail(StatusCode::CONFLICT, "case_closed", t.case_not_open.into());
        }
        if !domain::extension_allowed(&filename, &i.allowed_types) {
            let msg = super::type_refusal(t, &filename, &i.allowed_types);
            return fail(StatusCode::UNSUPPORTED_MEDIA_TYPE, "type_not_allowed", msg);
        }
    }
    // A chat attachment: posted to this conversation of the client when finished.
    let chat_conv = match get("chat") {
        None => None,
        Some(_) if link_id.is_some() || item.is_some() => {
            return fail(
                StatusCode::BAD_REQUEST,
                "metadata",
                "chat is for the portal and staff, without item_id".into(),
            )
        }
        Some(conv) => {
            match crate::chat::api::conv_of(&st, &org_id, &client_id, Some(conv.to_string())).await
            {
                Ok(c) if c.is_empty() => Some(c),
                // A case's conversation: staff only when they see that case.
                Ok(c) => match &who {
                    Uploader::Staff(u) => match crate::auth::ctx::sees_case(&st, u, &c).await {
                        Ok(()) => Some(c),
                        Err(StatusCode::NOT_FOUND) => {
                            return fail(StatusCode::NOT_FOUND, "not_found", t.err_not_found.into())
                        }
                        Err(s) => return s.into_response(),
                    },
                    _ => Some(c),
                },
                Err(crate::error::AppError::NotFound) => {
                    return fail(StatusCode::NOT_FOUND, "not_found", t.err_not_found.into())
                }
                Err(e) => return internal(e),
            }
        }
    };
    // A ticket attachment: posted to this ticket of the client when finished (staff only when
    // they see the client, which was checked above).
    let ticket_id = match get("ticket").filter(|s| !s.is_empty()) {
        None => None,
        Some(_) if link_id.is_some() || item.is_some() || chat_conv.is_some() => {
            return fail(
                StatusCode::BAD_REQUEST,
                "metadata",
                "ticket is for the portal and staff, without item_id or chat".into(),
            )
        }
        Some(ticket) => {
            match crate::tickets::repo::of_this_client(&st.db, &org_id, &client_id, ticket).await {
                Ok(true) => Some(ticket.to_string()),
                Ok(false) => {
                    return fail(StatusCode::NOT_FOUND, "not_found", t.err_not_found.into())
                }
                Err(e) => return internal(e),
            }
        }
    };
    // The firm's allow-list binds what clients send, not what staff send them.
    if direction == "received" {
        let allowed = match crate::orgs::repo::allowed_types(&st.db, &org_id).await {
            Ok(a) => a,
            Err(e) => return internal(e),
        };
        if !domain::extension_allowed(&filename, &allowed) {
            let msg = super::type_refusal(t, &filename, &allowed);
            return fail(StatusCode::UNSUPPORTED_MEDIA_TYPE, "type_not_allowed", msg);
        }
    }
    // Limits are checked before a single byte is sent.
    let max_file = st.config.uploads.max_file_mb * 1024 * 1024;
    if length > max_file {
        let msg = crate::i18n::fill(t.upload_too_large, &[("max", &format_size(max_file))]);
        return fail(StatusCode::PAYLOAD_TOO_LARGE, "too_large", msg);
    }
    let used = match repo::storage_used(&st.db, &org_id).await {
        Ok(u) => u,
        Err(e) => return internal(e),
    };
    if used + length > plan.storage_quota() {
        let msg = crate::i18n::fill(
            t.upload_quota,
            &[("quota", &format_size(plan.storage_quota()))],
        );
        return fail(StatusCode::PAYLOAD_TOO_LARGE, "quota", msg);
    }

    let id = crate::server::db::new_id();
    let super::import::NewBlob {
        data_key,
        header,
        wrapped,
        prefix,
    } = super::import::NewBlob::fresh(&st.master_key, &id);
    if let Err(e) = st.storage.create(&org_id, &id, &header.encode()).await {
        return internal(e);
    }
    let now = now_ms();
    let expires_at = now + st.config.uploads.expire_hours * 3_600_000;
    let new = repo::NewUpload {
        id: &id,
        org_id: &org_id,
        client_id: &client_id,
        link_id: link_id.as_deref(),
        uploaded_by: uploaded_by.as_deref(),
        direction,
        filename: &filename,
        mime: &mime,
        length,
        wrapped_key: &wrapped,
        nonce_prefix: &prefix,
        now,
        expires_at,
        item_id: item.as_ref().map(|i| i.id.as_str()),
        via_portal: matches!(who, Uploader::Portal(..)),
        chat_conv: chat_conv.as_deref(),
        ticket_id: ticket_id.as_deref(),
    };
    if let Err(e) = repo::create_upload(&st.db, &new).await {
        let _ = st.storage.delete(&org_id, &id).await;
        return internal(e);
    }
    if length == 0 {
        // Nothing will be sent: seal the one empty segment and finish right away.
        let up = match repo::upload(&st.db, &id).await {
            Ok(Some(u)) => u,
            Ok(None) => return internal("upload vanished"),
            Err(e) => return internal(e),
        };
        if let Err(r) =
            write_and_commit(&st, &up, &data_key, header, Vec::new(), Sha256::new(), 0).await
        {
            return r;
        }
    }
    let mut r = StatusCode::CREATED.into_response();
    let h = r.headers_mut();
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("/api/uploads/{id}")).expect("ascii id"),
    );
    h.insert(
        "upload-expires",
        HeaderValue::from_str(&http_date(expires_at)).expect("ascii date"),
    );
    tus_headers(r)
}

pub fn format_size(bytes: i64) -> String {
    const GB: i64 = 1024 * 1024 * 1024;
    const MB: i64 = 1024 * 1024;
    if bytes >= GB && bytes % GB == 0 {
        format!("{} GB", bytes / GB)
    } else if bytes >= MB {
        format!("{} MB", bytes / MB)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

async fn head(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Peer(ip): Peer,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_version(&headers) {
        return r;
    }
    let mut up = match authorized_upload(&st, &headers, &ip, &id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if up.completed_at.is_none() && now_ms() >= up.expires_at {
        return fail(
            StatusCode::GONE,
            "upload_expired",
            lang(&headers).t().upload_expired.into(),
        );
    }
    // Bytes a PATCH sealed whose sync is still under way count already: this process answers
    // for them. Should it die first, the next PATCH gets 409 and the client asks again.
    if let Some(written) = st.uploads.written(&id) {
        up.committed = up.committed.max(written as i64);
    }
    let mut r = StatusCode::OK.into_response();
    let h = r.headers_mut();
    h.insert("upload-offset", HeaderValue::from(up.committed));
    h.insert("upload-length", HeaderValue::from(up.length));
    if up.completed_at.is_none() {
        h.insert(
            "upload-expires",
            HeaderValue::from_str(&http_date(up.expires_at)).expect("ascii date"),
        );
    }
    tus_headers(r)
}

async fn terminate(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Peer(ip): Peer,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_version(&headers) {
        return r;
    }
    let up = match authorized_upload(&st, &headers, &ip, &id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if up.completed_at.is_some() {
        // A finished upload is a file now; it is deleted through the file, not the upload.
        return fail(
            StatusCode::CONFLICT,
            "completed",
            "upload already completed".into(),
        );
    }
    if st.storage.shared() {
        match repo::lease(&st.db, &id, now_ms(), LEASE_MS).await {
            Ok(true) => {}
            Ok(false) => return busy(),
            Err(e) => return internal(e),
        }
    }
    let Some(claim) = st.uploads.claim(&id, up.committed as u64) else {
        return fail(StatusCode::CONFLICT, "busy", "upload in progress".into());
    };
    if let Some(open) = claim.open {
        abandon(open.writer, open.flusher).await;
    }
    let result = async {
        repo::delete_upload(&st.db, &id).await.map_err(internal)?;
        st.storage.delete(&up.org_id, &id).await.map_err(internal)
    }
    .await;
    st.uploads.forget(&id);
    match result {
        Ok(()) => tus_headers(StatusCode::NO_CONTENT.into_response()),
        Err(r) => r,
    }
}

fn decode_key(st: &AppState, up: &UploadRow) -> Result<([u8; crypto::KEY_LEN], Header), Response> {
    st.master_key
        .open_blob_key(&up.id, &up.wrapped_key, &up.nonce_prefix)
        .map_err(internal)
}

fn offset_mismatch(at: u64) -> Response {
    let mut r = fail(
        StatusCode::CONFLICT,
        "offset_mismatch",
        "Upload-Offset does not match".into(),
    );
    r.headers_mut()
        .insert("upload-offset", HeaderValue::from(at));
    r
}

fn offset_answer(at: u64) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert("upload-offset", HeaderValue::from(at));
    tus_headers(r)
}

async fn patch(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Peer(ip): Peer,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(r) = check_version(&headers) {
        return r;
    }
    let t = lang(&headers).t();
    if headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        != Some("application/offset+octet-stream")
    {
        return fail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            "Content-Type application/offset+octet-stream required".into(),
        );
    }
    let Some(offset) = int_header(&headers, "upload-offset") else {
        return fail(
            StatusCode::BAD_REQUEST,
            "offset",
            "Upload-Offset required".into(),
        );
    };
    let checksum = match headers
        .get("upload-checksum")
        .and_then(|v| v.to_str().ok())
        .map(domain::parse_checksum)
    {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(ChecksumError::Unsupported)) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "checksum_algorithm",
                "only sha256 is supported".into(),
            )
        }
        Some(Err(ChecksumError::Malformed)) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "checksum",
                "Upload-Checksum malformed".into(),
            )
        }
    };
    let up = match authorized_upload(&st, &headers, &ip, &id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if up.completed_at.is_none() && now_ms() >= up.expires_at {
        return fail(StatusCode::GONE, "upload_expired", t.upload_expired.into());
    }
    if up.completed_at.is_some() {
        if offset != up.committed {
            return offset_mismatch(up.committed as u64);
        }
        return offset_answer(up.committed as u64);
    }
    let (key, header) = match decode_key(&st, &up) {
        Ok(k) => k,
        Err(r) => return r,
    };
    if !st.storage.shared() {
        return write(&st, id, up, offset, checksum, body, (key, header)).await;
    }
    // Shared storage: this node leases the upload while it writes (another node may have
    // written the last PATCH: its offset is read afresh), and lets go afterwards.
    let up = match repo::lease(&st.db, &id, now_ms(), LEASE_MS).await {
        Ok(true) => match repo::upload(&st.db, &id).await {
            Ok(Some(fresh)) => fresh,
            Ok(None) => return fail(StatusCode::NOT_FOUND, "not_found", "no such upload".into()),
            Err(e) => return internal(e),
        },
        Ok(false) => return busy(),
        Err(e) => return internal(e),
    };
    let answer = write(&st, id.clone(), up, offset, checksum, body, (key, header)).await;
    if let Err(e) = repo::unlease(&st.db, &id).await {
        tracing::warn!(upload = %id, error = %e, "releasing an upload's lease failed");
    }
    answer
}

fn busy() -> Response {
    fail(
        StatusCode::CONFLICT,
        "busy",
        "another request is writing this upload".into(),
    )
}

/// Writes a PATCH's body into the upload (authorized, the key opened).
async fn write(
    st: &AppState,
    id: String,
    up: UploadRow,
    offset: i64,
    checksum: Option<[u8; 32]>,
    body: Body,
    (key, header): ([u8; crypto::KEY_LEN], Header),
) -> Response {
    let st = st.clone();
    if up.completed_at.is_some() {
        // Finished by another node meanwhile.
        if offset != up.committed {
            return offset_mismatch(up.committed as u64);
        }
        return offset_answer(up.committed as u64);
    }
    let Some(claim) = st.uploads.claim(&id, up.committed as u64) else {
        return busy();
    };
    let at = claim
        .open
        .as_ref()
        .map_or(up.committed, |o| o.written as i64);
    if offset != at {
        // The client lost track: what is open is settled, so HEAD answers the same offset.
        let settled = match claim.open {
            Some(open) => open.settle(&st, &id).await,
            None => Ok(()),
        };
        let hash = claim.hash.idle().await;
        st.uploads
            .release(&id, hash.map(|h| (claim.hashed, h)), None);
        return match settled {
            Ok(()) => offset_mismatch(at as u64),
            Err(e) => internal(e),
        };
    }
    let (writer, prev, commits) = match claim.open {
        Some(open) => (open.writer, open.flusher, open.commits),
        None => match st
            .storage
            .writer_at(
                &up.org_id,
                &up.id,
                domain::blob_len_for(&header, at as u64, up.length as u64),
            )
            .await
        {
            Ok(w) => (w, None, Commits::new(at as u64)),
            Err(e) => {
                st.uploads.release(&id, None, None);
                return internal(e);
            }
        },
    };
    let request = Request {
        st: &st,
        up: &up,
        start: at as u64,
        cipher: SegmentCipher::new(&key, header),
        header,
        checksum,
    };
    // The running SHA-256 of the plaintext is computed on a thread of its own, beside the
    // sealing (it was the largest part of an upload's CPU time), when it covers what came
    // before this request.
    let hasher = match claim.hash {
        _ if claim.hashed != at as u64 => None,
        Hash::Running(h) => Some(h),
        Hash::Idle(state) => Some(Hasher::start(state, header.segment_len as usize)),
    };
    let streamed = request.stream(writer, commits, hasher.as_ref(), body).await;
    let result = match streamed {
        Ok((writer, s)) => request
            .end(&key, writer, prev, s, hasher)
            .await
            .map_err(|r| (r, None)),
        Err((writer, r)) => {
            keep_before(&st, &id, writer, prev, commits, at as u64).await;
            // None of this request's bytes count: the hash goes back to where it began.
            let kept = match hasher {
                Some(h) if h.abort().await.is_ok() => Hash::Running(h).idle().await,
                _ => None,
            };
            Err((r, kept.map(|h| (at as u64, h))))
        }
    };
    match result {
        Ok(Ended::Finished) => {
            st.uploads.forget(&id);
            offset_answer(up.length as u64)
        }
        Ok(Ended::Settled(written, hash_state)) => {
            st.uploads.release(&id, Some(hash_state), None);
            offset_answer(written)
        }
        Ok(Ended::Open(open, hash_state)) => {
            let written = open.written;
            let generation = st.uploads.release(&id, Some(hash_state), Some(open));
            UploadState::close_when_idle(&st, id, generation);
            offset_answer(written)
        }
        Err((r, kept)) => {
            trim(&st, &up, &header).await;
            st.uploads.release(&id, kept, None);
            r
        }
    }
}

/// After a failed request, cuts the blob back to the durable offset at once: a full disk gets
/// the space of the refused bytes back now, not at the next PATCH. (A bucket holds nothing
/// that was not synced.)
async fn trim(st: &AppState, up: &UploadRow, header: &Header) {
    if st.storage.shared() {
        return;
    }
    let committed = match repo::upload(&st.db, &up.id).await {
        Ok(Some(u)) => u.committed,
        _ => return,
    };
    let len = domain::blob_len_for(header, committed as u64, up.length as u64);
    let cut = match st.storage.writer_at(&up.org_id, &up.id, len).await {
        Ok(w) => w.abandon().await,
        Err(e) => Err(e),
    };
    if let Err(e) = cut {
        tracing::warn!(upload = %up.id, error = %e, "cutting a failed upload back failed");
    }
}

/// One PATCH being received.
struct Request<'a> {
    st: &'a AppState,
    up: &'a UploadRow,
    /// The offset the request starts at.
    start: u64,
    cipher: SegmentCipher,
    header: Header,
    checksum: Option<[u8; 32]>,
}

/// What the body left: sealed up to `sealed_to`, syncs asked for as `commits` says.
struct Streamed {
    sealed_to: u64,
    commits: Commits,
    pending: Option<PendingSync>,
}

enum Ended {
    /// The upload is complete and finished (a file now).
    Finished,
    /// More is to come; the writer stays open with the running hash.
    Open(Open, (u64, Hash)),
    /// More is to come; everything sealed is durable and recorded (shared storage: the next
    /// PATCH may reach another node).
    Settled(u64, (u64, Hash)),
}

impl Request<'_> {
    /// Streams the body into sealed segments, and to the hasher (if the hash is known). On
    /// failure the writer comes back with the answer, to be abandoned.
    async fn stream(
        &self,
        mut writer: BlobWriter,
        mut commits: Commits,
        hasher: Option<&Hasher>,
        body: Body,
    ) -> Result<(BlobWriter, Streamed), (BlobWriter, Response)> {
        let st = self.st;
        let seg = self.header.segment_len as usize;
        let length = self.up.length as u64;
        let remaining = length - self.start;
        let count = self.header.segment_count(length);
        let mut chunk_hasher = self.checksum.map(|_| Sha256::new());
        let mut index = self.start / seg as u64;
        // Plaintext of the segment being filled, at the end of the writer's buffer: it is
        // sealed there in place, and only then may it be written.
        let mut filled: usize = 0;
        let mut received: u64 = 0;
        let mut sealed_to = self.start;
        let mut interrupted = false;
        let mut pending: Option<PendingSync> = None;
        let mut stream = body.into_data_stream();
        macro_rules! tryw {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => return Err((writer, internal(e))),
                }
            };
        }
        // Shared storage: the lease is renewed while the bytes arrive.
        let shared = st.storage.shared();
        let mut renew = tokio::time::interval(Duration::from_millis(LEASE_MS as u64 / 3));
        renew.tick().await;
        loop {
            // While the next bytes are awaited, a finished sync moves the durable offset on,
            // and a sync falls due (a stalled phone keeps what reached the server).
            let idle = tokio::time::Instant::now() + IDLE_TIMEOUT;
            let next = loop {
                let due = match pending {
                    None if self.checksum.is_none() => commits.due_at(sealed_to),
                    _ => None,
                };
                tokio::select! {
                    n = tokio::time::timeout_at(idle, stream.next()) => break n,
                    _ = tokio::time::sleep_until(due.unwrap_or(idle)), if due.is_some() => {
                        pending = Some(tryw!(commits.ask(&mut writer, sealed_to).await));
                    }
                    durable = wait_sync(&mut pending) => {
                        let durable = match durable {
                            Ok(d) => d,
                            // The writer's own error says why (a full disk is no internal
                            // error).
                            Err(e) => {
                                let e = writer.failure(e).await;
                                return Err((writer, internal(e)));
                            }
                        };
                        tryw!(repo::advance(&st.db, &self.up.id, durable as i64).await);
                        pending = None;
                    }
                    _ = renew.tick(), if shared => {
                        tryw!(repo::renew_lease(&st.db, &self.up.id, now_ms() + LEASE_MS).await);
                    }
                }
            };
            let chunk = match next {
                Ok(None) => break,
                Ok(Some(Ok(c))) => c,
                Ok(Some(Err(_))) | Err(_) => {
                    interrupted = true;
                    break;
                }
            };
            if received + chunk.len() as u64 > remaining {
                let r = fail(
                    StatusCode::BAD_REQUEST,
                    "too_long",
                    "body exceeds Upload-Length".into(),
                );
                return Err((writer, r));
            }
            received += chunk.len() as u64;
            if let Some(h) = chunk_hasher.as_mut() {
                h.update(&chunk);
            }
            if let Some(h) = hasher {
                tryw!(h.feed(chunk.clone()).await);
            }
            let mut data = &chunk[..];
            while !data.is_empty() {
                let take = (seg - filled).min(data.len());
                writer.buffer().extend_from_slice(&data[..take]);
                filled += take;
                data = &data[take..];
                if filled == seg {
                    let last = index + 1 == count;
                    tryw!(self.seal_tail(writer.buffer(), filled, index, last));
                    tryw!(writer.ready().await);
                    sealed_to += seg as u64;
                    index += 1;
                    filled = 0;
                }
            }
            // Durable progress without waiting for the disk: a sync is asked for when due,
            // and the offset advances in the database once it is done.
            if pending.is_none()
                && self.checksum.is_none()
                && sealed_to < length
                && commits.due(sealed_to)
            {
                pending = Some(tryw!(commits.ask(&mut writer, sealed_to).await));
            }
        }
        if let (Some(expected), Some(h)) = (self.checksum, chunk_hasher) {
            if interrupted {
                // The checksum covers the whole request; nothing of a broken one is kept.
                let r = fail(
                    StatusCode::BAD_REQUEST,
                    "interrupted",
                    "request interrupted".into(),
                );
                return Err((writer, r));
            }
            if h.finalize().as_slice() != expected {
                let r = fail(
                    StatusCode::from_u16(460).expect("460 is valid"),
                    "checksum_mismatch",
                    "checksum mismatch".into(),
                );
                return Err((writer, r));
            }
        }
        if self.start + received == length && sealed_to < length || (length == 0) {
            tryw!(self.seal_tail(writer.buffer(), filled, index, true));
            tryw!(writer.ready().await);
            sealed_to = length;
        }
        // Whatever did not fill a segment is dropped; the client sends it again.
        writer.drop_unready();
        if let Some(h) = hasher {
            tryw!(h.end(sealed_to - self.start).await);
        }
        Ok((
            writer,
            Streamed {
                sealed_to,
                commits,
                pending,
            },
        ))
    }

    /// Seals the last `filled` bytes of `buf` in place as segment `index`.
    fn seal_tail(
        &self,
        buf: &mut Vec<u8>,
        filled: usize,
        index: u64,
        last: bool,
    ) -> Result<(), crypto::CryptoError> {
        self.cipher.seal_from(index, last, buf, buf.len() - filled)
    }

    /// After the body: a complete upload is synced and finished; otherwise the writer (and
    /// hasher) stay open, and a sync of what was sealed is asked for if due.
    async fn end(
        &self,
        key: &[u8; crypto::KEY_LEN],
        mut writer: BlobWriter,
        prev: Option<tokio::task::JoinHandle<()>>,
        s: Streamed,
        hasher: Option<Hasher>,
    ) -> Result<Ended, Response> {
        let (st, up) = (self.st, self.up);
        let length = up.length as u64;
        if s.sealed_to == length {
            commit_to(st, &up.id, writer, prev, length)
                .await
                .map_err(internal)?;
            let digest = match hasher {
                Some(h) => Some(h.finish().await.map_err(internal)?.finalize().into()),
                None => None,
            };
            let done = UploadRow {
                committed: up.length,
                ..up.clone()
            };
            super::finish::finish(st, &done, key, self.header, digest)
                .await
                .map_err(internal)?;
            return Ok(Ended::Finished);
        }
        let hashed = if hasher.is_some() {
            s.sealed_to
        } else {
            u64::MAX
        };
        if st.storage.shared() {
            commit_to(st, &up.id, writer, prev, s.sealed_to)
                .await
                .map_err(internal)?;
            // The next PATCH may reach another node: no thread is kept waiting for it here.
            let hash = match hasher {
                Some(h) => Hash::Idle(h.finish().await.map_err(internal)?),
                None => Hash::default(),
            };
            return Ok(Ended::Settled(s.sealed_to, (hashed, hash)));
        }
        let mut syncs: Vec<PendingSync> = s.pending.into_iter().collect();
        let mut commits = s.commits;
        if commits.due(s.sealed_to) {
            match commits.ask(&mut writer, s.sealed_to).await {
                Ok(p) => syncs.push(p),
                Err(e) => {
                    abandon(writer, prev).await;
                    return Err(internal(e));
                }
            }
        }
        let flusher = tokio::spawn(flush(st.clone(), up.id.clone(), prev, syncs));
        Ok(Ended::Open(
            Open {
                writer,
                written: s.sealed_to,
                commits,
                flusher: Some(flusher),
            },
            (hashed, hasher.map_or_else(Hash::default, Hash::Running)),
        ))
    }
}

/// Hashes an upload's plaintext on a blocking thread, in order, as it arrives, across the
/// requests of the upload. Only what gets sealed may be hashed, and that is known when a
/// request ends: everything but the last segment's worth is surely sealed (a partial segment
/// is shorter), so the thread keeps that much back until `end` says how much counts. A request
/// answers without waiting for the thread to catch up; only `finish` waits.
struct Hasher {
    tx: tokio::sync::mpsc::Sender<HashOp>,
    thread: tokio::task::JoinHandle<Sha256>,
    /// What the thread has not hashed yet is bounded in bytes, in KiB permits: a received
    /// chunk may be several hundred KiB, and the thread may fall behind.
    budget: Arc<tokio::sync::Semaphore>,
}

/// How far (bytes received, not yet hashed) the hashing thread may fall behind.
const HASH_BEHIND: usize = 8 << 20;

enum HashOp {
    /// Received bytes, with their share of the budget (given back once hashed).
    Data(bytes::Bytes, tokio::sync::OwnedSemaphorePermit),
    /// The request ends: the first this many bytes of its body count, the rest is dropped.
    End(u64),
    /// The request failed: none of its bytes count.
    Abort,
}

type Held = std::collections::VecDeque<bytes::Bytes>;

/// Hashes the held bytes up to `to` bytes of the body.
fn hash_to(hasher: &mut Sha256, held: &mut Held, hashed: &mut u64, to: u64) {
    while *hashed < to {
        let Some(mut b) = held.pop_front() else { break };
        let n = (to - *hashed).min(b.len() as u64) as usize;
        hasher.update(&b[..n]);
        *hashed += n as u64;
        if n < b.len() {
            held.push_front(b.split_off(n));
        }
    }
}

impl Hasher {
    fn start(mut hasher: Sha256, segment: usize) -> Hasher {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<HashOp>(64);
        let budget = Arc::new(tokio::sync::Semaphore::new(HASH_BEHIND >> 10));
        let thread = tokio::task::spawn_blocking(move || {
            let mut held = Held::new();
            // Counted from the start of the current request's body.
            let (mut received, mut hashed) = (0u64, 0u64);
            // The state before the current request, for an aborted one.
            let mut before = hasher.clone();
            while let Some(op) = rx.blocking_recv() {
                match op {
                    HashOp::Data(b, permit) => {
                        received += b.len() as u64;
                        held.push_back(b);
                        let sure = received.saturating_sub(segment as u64);
                        hash_to(&mut hasher, &mut held, &mut hashed, sure);
                        // At most a segment's worth stays held beyond the budget.
                        drop(permit);
                        continue;
                    }
                    HashOp::End(sealed) => {
                        hash_to(&mut hasher, &mut held, &mut hashed, sealed);
                        before = hasher.clone();
                    }
                    HashOp::Abort => hasher = before.clone(),
                }
                held.clear();
                (received, hashed) = (0, 0);
            }
            hasher
        });
        Hasher { tx, thread, budget }
    }

    async fn send(&self, op: HashOp) -> Result<(), &'static str> {
        self.tx.send(op).await.map_err(|_| "hasher stopped")
    }

    /// Hands received bytes to the thread; waits while it is `HASH_BEHIND` behind.
    async fn feed(&self, b: bytes::Bytes) -> Result<(), &'static str> {
        let kib = b.len().div_ceil(1024).min(HASH_BEHIND >> 10) as u32;
        let permit = self
            .budget
            .clone()
            .acquire_many_owned(kib)
            .await
            .map_err(|_| "hasher stopped")?;
        self.send(HashOp::Data(b, permit)).await
    }

    /// The request ends; the first `sealed` bytes of its body count.
    async fn end(&self, sealed: u64) -> Result<(), &'static str> {
        self.send(HashOp::End(sealed)).await
    }

    /// The request failed; the hash is what it was before it.
    async fn abort(&self) -> Result<(), &'static str> {
        self.send(HashOp::Abort).await
    }

    /// The hash of everything that counted, once the thread has caught up.
    async fn finish(self) -> Result<Sha256, &'static str> {
        let Hasher { tx, thread, .. } = self;
        drop(tx);
        thread.await.map_err(|_| "hasher stopped")
    }
}

/// Resolves when the pending sync (if any) is done, with the offset it made durable.
async fn wait_sync(pending: &mut Option<PendingSync>) -> std::io::Result<u64> {
    match pending {
        Some(p) => p.done().await,
        None => std::future::pending().await,
    }
}

/// Seals `plain` as the final segment at `index` and commits (used for empty files).
async fn write_and_commit(
    st: &AppState,
    up: &UploadRow,
    key: &[u8; crypto::KEY_LEN],
    header: Header,
    mut plain: Vec<u8>,
    mut hasher: Sha256,
    index: u64,
) -> Result<(), Response> {
    hasher.update(&plain);
    let cipher = SegmentCipher::new(key, header);
    cipher.seal(index, true, &mut plain).map_err(internal)?;
    let mut w = st
        .storage
        .writer_at(&up.org_id, &up.id, crypto::HEADER_LEN as u64)
        .await
        .map_err(internal)?;
    w.write(&plain).await.map_err(internal)?;
    w.commit().await.map_err(internal)?;
    super::finish::finish(st, up, key, header, Some(hasher.finalize().into()))
        .await
        .map_err(internal)
}

/// Removes unfinished uploads whose expiry passed, with their partial data. Returns how many.
pub async fn remove_expired(st: &AppState) -> Result<u64, String> {
    let mut removed = 0;
    loop {
        let batch = repo::expired_uploads(&st.db, now_ms(), 100)
            .await
            .map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(removed);
        }
        for (id, org_id) in batch {
            // Skip an upload a request is writing right now (on any node); the next round
            // gets it.
            if st.storage.shared()
                && !repo::lease(&st.db, &id, now_ms(), LEASE_MS)
                    .await
                    .map_err(|e| e.to_string())?
            {
                continue;
            }
            let Some(claim) = st.uploads.claim(&id, u64::MAX) else {
                continue;
            };
            if let Some(open) = claim.open {
                abandon(open.writer, open.flusher).await;
            }
            let r = async {
                st.storage
                    .delete(&org_id, &id)
                    .await
                    .map_err(|e| e.to_string())?;
                repo::delete_upload(&st.db, &id)
                    .await
                    .map_err(|e| e.to_string())
            }
            .await;
            st.uploads.forget(&id);
            r?;
            removed += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sync falls due once COMMIT_EVERY bytes wait and COMMIT_PAUSE passed since the last
    /// one, or once COMMIT_IDLE passed whatever waits; never for nothing.
    #[test]
    fn syncs_fall_due_by_bytes_and_time() {
        let ago = |ms: u64| Commits {
            asked: 100,
            at: tokio::time::Instant::now() - Duration::from_millis(ms),
        };
        assert!(!ago(60_000).due(100), "nothing waits");
        assert!(
            !ago(0).due(100 + COMMIT_EVERY),
            "too soon after the last one"
        );
        assert!(ago(1_100).due(100 + COMMIT_EVERY));
        assert!(!ago(1_100).due(100 + COMMIT_EVERY - 1), "too few bytes yet");
        assert!(ago(2_100).due(101));
        let mut c = ago(2_100);
        c.asked(101);
        assert!(!c.due(102), "a new sync was just asked for");
    }

    fn bytes(s: &str) -> bytes::Bytes {
        bytes::Bytes::copy_from_slice(s.as_bytes())
    }

    /// The hashing thread across requests: only what each request sealed counts, a failed
    /// request counts for nothing, and the hash is that of exactly the counted bytes.
    #[tokio::test]
    async fn hasher_counts_only_what_was_sealed() {
        let mut start = Sha256::new();
        start.update(b"0123");
        let h = Hasher::start(start, 4);
        // Sealed: two segments of four; "ij" was short of a third and is sent again.
        for piece in ["abc", "defgh", "ij"] {
            h.feed(bytes(piece)).await.unwrap();
        }
        h.end(8).await.unwrap();
        // Refused (e.g. a checksum mismatch): none of it counts.
        h.feed(bytes("XXXXXXXXXXXX")).await.unwrap();
        h.abort().await.unwrap();
        // The rest, in pieces smaller and larger than a segment.
        for piece in ["i", "jklmnopq", "rs"] {
            h.feed(bytes(piece)).await.unwrap();
        }
        h.end(11).await.unwrap();
        let got = h.finish().await.unwrap().finalize();
        assert_eq!(got, Sha256::digest(b"0123abcdefghijklmnopqrs"));
    }

    /// Chunks larger than the budget the thread may fall behind by still pass, one at a time.
    #[tokio::test]
    async fn chunks_larger_than_the_budget_pass() {
        let h = Hasher::start(Sha256::new(), 4);
        let big = bytes::Bytes::from(vec![7u8; HASH_BEHIND + 5]);
        let fed = async {
            for _ in 0..3 {
                h.feed(big.clone()).await.unwrap();
            }
        };
        tokio::time::timeout(Duration::from_secs(30), fed)
            .await
            .expect("feeding stalled");
        h.end(3 * big.len() as u64).await.unwrap();
        let got = h.finish().await.unwrap().finalize();
        assert_eq!(got, Sha256::digest(vec![7u8; 3 * big.len()]));
    }

    /// An idle hash lets its thread go and keeps the state.
    #[tokio::test]
    async fn idle_hash_keeps_the_state() {
        let h = Hasher::start(Sha256::new(), 2);
        h.feed(bytes("abcd")).await.unwrap();
        h.end(4).await.unwrap();
        let Some(Hash::Idle(state)) = Hash::Running(h).idle().await else {
            panic!("the thread failed");
        };
        assert_eq!(state.finalize(), Sha256::digest(b"abcd"));
    }
}

//! SQL for upload links, uploads in progress and files. Org id first.

use crate::server::db::Db;
use sqlx::Row;

pub struct LinkRow {
    pub id: String,
    pub org_id: String,
    pub client_id: String,
    pub title: String,
    pub message: String,
    pub expires_at: Option<i64>,
    pub max_files: Option<i64>,
    pub password_hash: Option<String>,
    pub files_received: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub org_name: String,
    /// The case whose checklist the link's page shows.
    pub case_id: Option<String>,
}

const LINK_COLS: &str =
    "l.id, l.org_id, l.client_id, l.title, l.message, l.expires_at, l.max_files, \
     l.password_hash, l.files_received, l.created_at, l.revoked_at, o.name AS org_name, l.case_id";

fn link_row(r: &sqlx::any::AnyRow) -> Result<LinkRow, sqlx::Error> {
    Ok(LinkRow {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        client_id: r.try_get("client_id")?,
        title: r.try_get("title")?,
        message: r.try_get("message")?,
        expires_at: r.try_get("expires_at")?,
        max_files: r.try_get("max_files")?,
        password_hash: r.try_get("password_hash")?,
        files_received: r.try_get("files_received")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
        org_name: r.try_get("org_name")?,
        case_id: r.try_get("case_id")?,
    })
}

/// The link behind a token (any state; callers decide with `domain::link_state`).
pub async fn link_by_token(db: &Db, token_hash: &str) -> Result<Option<LinkRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {LINK_COLS} FROM upload_links l JOIN orgs o ON o.id = l.org_id WHERE l.token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(link_row).transpose()
}

pub async fn link(db: &Db, org_id: &str, link_id: &str) -> Result<Option<LinkRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {LINK_COLS} FROM upload_links l JOIN orgs o ON o.id = l.org_id WHERE l.org_id = $1 AND l.id = $2"
    ))
    .bind(org_id)
    .bind(link_id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(link_row).transpose()
}

/// An upload in progress.
#[derive(Debug, Clone)]
pub struct UploadRow {
    pub id: String,
    pub org_id: String,
    pub client_id: String,
    pub link_id: Option<String>,
    pub uploaded_by: Option<String>,
    pub direction: String,
    pub filename: String,
    pub mime: String,
    pub length: i64,
    pub committed: i64,
    pub wrapped_key: String,
    pub nonce_prefix: String,
    pub expires_at: i64,
    pub completed_at: Option<i64>,
    /// The requested document (case item) this upload is for.
    pub item_id: Option<String>,
    pub via_portal: bool,
    /// A chat attachment: the conversation it is posted to when it is finished.
    pub chat_conv: Option<String>,
    /// A ticket attachment: the ticket it is posted to when it is finished.
    pub ticket_id: Option<String>,
}

pub struct NewUpload<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub link_id: Option<&'a str>,
    pub uploaded_by: Option<&'a str>,
    pub direction: &'a str,
    pub filename: &'a str,
    pub mime: &'a str,
    pub length: i64,
    pub wrapped_key: &'a str,
    pub nonce_prefix: &'a str,
    pub now: i64,
    pub expires_at: i64,
    pub item_id: Option<&'a str>,
    /// Made by a client signed in to the portal.
    pub via_portal: bool,
    /// A chat attachment for this conversation ('' the general one, else a case id).
    pub chat_conv: Option<&'a str>,
    /// A ticket attachment for this ticket.
    pub ticket_id: Option<&'a str>,
}

pub async fn create_upload(db: &Db, u: &NewUpload<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO uploads (id, org_id, client_id, link_id, uploaded_by, direction, filename, mime, length, committed, \
         wrapped_key, nonce_prefix, created_at, expires_at, item_id, via_portal, chat_conv, ticket_id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,0,$10,$11,$12,$13,$14,$15,$16,$17)",
    )
    .bind(u.id)
    .bind(u.org_id)
    .bind(u.client_id)
    .bind(u.link_id)
    .bind(u.uploaded_by)
    .bind(u.direction)
    .bind(u.filename)
    .bind(u.mime)
    .bind(u.length)
    .bind(u.wrapped_key)
    .bind(u.nonce_prefix)
    .bind(u.now)
    .bind(u.expires_at)
    .bind(u.item_id)
    .bind(u.via_portal as i64)
    .bind(u.chat_conv)
    .bind(u.ticket_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn upload(db: &Db, id: &str) -> Result<Option<UploadRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, org_id, client_id, link_id, uploaded_by, direction, filename, mime, length, committed, wrapped_key, \
         nonce_prefix, expires_at, completed_at, item_id, via_portal, chat_conv, ticket_id FROM uploads WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(UploadRow {
            id: r.try_get("id")?,
            org_id: r.try_get("org_id")?,
            client_id: r.try_get("client_id")?,
            link_id: r.try_get("link_id")?,
            uploaded_by: r.try_get("uploaded_by")?,
            direction: r.try_get("direction")?,
            filename: r.try_get("filename")?,
            mime: r.try_get("mime")?,
            length: r.try_get("length")?,
            committed: r.try_get("committed")?,
            wrapped_key: r.try_get("wrapped_key")?,
            nonce_prefix: r.try_get("nonce_prefix")?,
            expires_at: r.try_get("expires_at")?,
            completed_at: r.try_get("completed_at")?,
            item_id: r.try_get("item_id")?,
            via_portal: r.try_get::<i64, _>("via_portal")? != 0,
            chat_conv: r.try_get("chat_conv")?,
            ticket_id: r.try_get("ticket_id")?,
        })
    })
    .transpose()
}

/// Moves an unfinished upload's durable offset forward to `to`, never back: syncs finish in
/// the order they were asked for, so a late report of an earlier one changes nothing.
pub async fn advance(db: &Db, id: &str, to: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE uploads SET committed = $2 WHERE id = $1 AND committed < $2 AND completed_at IS NULL",
    )
    .bind(id)
    .bind(to)
    .execute(db)
    .await?;
    Ok(())
}

/// Takes the upload's lease for `ms` if nobody holds it (shared storage: one node writes an
/// upload at a time). `false`: another node is writing it.
pub async fn lease(db: &Db, id: &str, now: i64, ms: i64) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE uploads SET lease_until = $2 WHERE id = $1 AND lease_until <= $3")
            .bind(id)
            .bind(now + ms)
            .bind(now)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Extends the lease this node holds.
pub async fn renew_lease(db: &Db, id: &str, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE uploads SET lease_until = $2 WHERE id = $1")
        .bind(id)
        .bind(until)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn unlease(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE uploads SET lease_until = 0 WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_upload(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM uploads WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Unfinished uploads whose expiry passed (for the cleanup job).
pub async fn expired_uploads(
    db: &Db,
    now: i64,
    limit: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, org_id FROM uploads WHERE completed_at IS NULL AND expires_at <= $1 LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("org_id")?)))
        .collect()
}

/// Bytes a firm stores (finished files and reserved by unfinished uploads), for its quota.
pub async fn storage_used(db: &Db, org_id: &str) -> Result<i64, sqlx::Error> {
    let files: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM files WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_one(db)
    .await?;
    let pending: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(length), 0) AS BIGINT) FROM uploads WHERE org_id = $1 AND completed_at IS NULL")
            .bind(org_id)
            .fetch_one(db)
            .await?;
    Ok(files + pending)
}

pub struct NewLink<'a> {
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub token_hash: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    pub expires_at: Option<i64>,
    pub max_files: Option<i64>,
    pub password_hash: Option<&'a str>,
    /// The staff member; `None` for links the system makes (reminder mails).
    pub created_by: Option<&'a str>,
    pub now: i64,
    pub case_id: Option<&'a str>,
}

/// Creates a link for a client of this firm; `None` when the client is not the firm's.
pub async fn create_link(db: &Db, l: &NewLink<'_>) -> Result<Option<String>, sqlx::Error> {
    let id = crate::server::db::new_id();
    let n = sqlx::query(
        "INSERT INTO upload_links (id, org_id, client_id, token_hash, title, message, expires_at, max_files, password_hash, \
         created_by, created_at, case_id) SELECT $1, org_id, id, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM clients WHERE org_id = $2 AND id = $3",
    )
    .bind(&id)
    .bind(l.org_id)
    .bind(l.client_id)
    .bind(l.token_hash)
    .bind(l.title)
    .bind(l.message)
    .bind(l.expires_at)
    .bind(l.max_files)
    .bind(l.password_hash)
    .bind(l.created_by)
    .bind(l.now)
    .bind(l.case_id)
    .execute(db)
    .await?
    .rows_affected();
    Ok((n == 1).then_some(id))
}

/// The client's upload links, newest first, without those for cases hidden from the viewer
/// (`""`: all).
pub async fn links_of_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
    viewer: &str,
) -> Result<Vec<LinkRow>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {LINK_COLS} FROM upload_links l JOIN orgs o ON o.id = l.org_id \
         WHERE l.org_id = $1 AND l.client_id = $2 AND {} ORDER BY l.created_at DESC",
        crate::clients::access::case_visible("l.case_id", 3, viewer)
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(viewer)
    .fetch_all(db)
    .await?;
    rows.iter().map(link_row).collect()
}

pub async fn revoke_link(
    db: &Db,
    org_id: &str,
    link_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE upload_links SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL")
        .bind(org_id)
        .bind(link_id)
        .bind(now)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The client's files, newest first, without those of cases hidden from the viewer (`""`:
/// all).
pub async fn files_of_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
    viewer: &str,
) -> Result<Vec<super::FileView>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT id, name, version, size, mime, direction, scan_state, scan_reason, review_state, review_comment, created_at \
         FROM files WHERE org_id = $1 AND client_id = $2 AND {} ORDER BY created_at DESC, id DESC",
        crate::clients::access::file_visible("files", 3, viewer)
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(viewer)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let direction: String = r.try_get("direction")?;
            let scan: String = r.try_get("scan_state")?;
            let review: String = r.try_get("review_state")?;
            Ok(super::FileView {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                version: r.try_get("version")?,
                size: r.try_get("size")?,
                mime: r.try_get("mime")?,
                sent: direction == "sent",
                quarantined: scan != "clean",
                scan_reason: r.try_get("scan_reason")?,
                review: super::ReviewState::parse(&review).unwrap_or_default(),
                review_comment: r.try_get("review_comment")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// A finished file with what a download needs.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub id: String,
    pub org_id: String,
    pub client_id: String,
    pub name: String,
    pub size: i64,
    pub wrapped_key: String,
    pub nonce_prefix: String,
    pub quarantined: bool,
    pub sha256: String,
}

pub async fn stored_file(
    db: &Db,
    org_id: &str,
    id: &str,
) -> Result<Option<StoredFile>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, org_id, client_id, name, size, wrapped_key, nonce_prefix, scan_state, sha256 FROM files \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        let scan: String = r.try_get("scan_state")?;
        Ok(StoredFile {
            id: r.try_get("id")?,
            org_id: r.try_get("org_id")?,
            client_id: r.try_get("client_id")?,
            name: r.try_get("name")?,
            size: r.try_get("size")?,
            wrapped_key: r.try_get("wrapped_key")?,
            nonce_prefix: r.try_get("nonce_prefix")?,
            quarantined: scan != "clean",
            sha256: r.try_get("sha256")?,
        })
    })
    .transpose()
}

/// Sets the review of a received file; `None` when there is no such file in this firm.
pub async fn set_review(
    db: &Db,
    org_id: &str,
    file_id: &str,
    state: super::ReviewState,
    comment: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT client_id, name FROM files WHERE org_id = $1 AND id = $2 AND direction = 'received'")
        .bind(org_id)
        .bind(file_id)
        .fetch_optional(db)
        .await?;
    let Some(r) = row else { return Ok(None) };
    sqlx::query(
        "UPDATE files SET review_state = $3, review_comment = $4 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(file_id)
    .bind(state.as_str())
    .bind(comment)
    .execute(db)
    .await?;
    Ok(Some((r.try_get("client_id")?, r.try_get("name")?)))
}

//! SQL of the chat: keys, messages, read markers and unread counts.

use super::Author;
use crate::server::db::{new_id, Db};
use crate::server::keys::MasterKey;
use base64::{engine::general_purpose::STANDARD, Engine};
use sqlx::Row;

fn random<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// `text` sealed with a client's message key, the row's `id` as associated data, as stored:
/// base64(nonce ‖ AES-256-GCM ciphertext ‖ tag). Chat messages, ticket posts, marks and
/// received mails are all stored so.
pub fn seal_b64(key: &[u8; crate::crypto::KEY_LEN], id: &str, text: &str) -> String {
    STANDARD.encode(crate::crypto::seal_text(
        key,
        random::<12>(),
        id.as_bytes(),
        text,
    ))
}

/// The text of a [`seal_b64`] value.
pub fn open_b64(
    key: &[u8; crate::crypto::KEY_LEN],
    id: &str,
    body: &str,
) -> Result<String, String> {
    let raw = STANDARD.decode(body).map_err(|e| e.to_string())?;
    crate::crypto::open_text(key, &raw, id.as_bytes()).map_err(|e| format!("{id}: {e}"))
}

/// The client's message key, made on first use. Two first uses at once agree on one key: the
/// second insert does nothing and both read the stored one.
pub async fn key(
    db: &Db,
    master: &MasterKey,
    org_id: &str,
    client_id: &str,
) -> Result<[u8; crate::crypto::KEY_LEN], String> {
    let e = |e: sqlx::Error| e.to_string();
    let stored: Option<String> =
        sqlx::query_scalar("SELECT wrapped_key FROM message_keys WHERE id = $1 AND org_id = $2")
            .bind(client_id)
            .bind(org_id)
            .fetch_optional(db)
            .await
            .map_err(e)?;
    let wrapped = match stored {
        Some(w) => w,
        None => {
            let fresh = random::<{ crate::crypto::KEY_LEN }>();
            let wrapped = STANDARD.encode(crate::crypto::wrap_key(
                master.bytes(),
                &fresh,
                random::<12>(),
                client_id.as_bytes(),
            ));
            sqlx::query(
                "INSERT INTO message_keys (id, org_id, wrapped_key) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(client_id)
            .bind(org_id)
            .bind(&wrapped)
            .execute(db)
            .await
            .map_err(e)?;
            sqlx::query_scalar("SELECT wrapped_key FROM message_keys WHERE id = $1")
                .bind(client_id)
                .fetch_one(db)
                .await
                .map_err(e)?
        }
    };
    let raw = STANDARD.decode(wrapped).map_err(|e| e.to_string())?;
    crate::crypto::unwrap_key(master.bytes(), &raw, client_id.as_bytes()).map_err(|e| e.to_string())
}

pub struct NewMessage<'a> {
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub conv: &'a str,
    pub author: Author,
    pub author_id: Option<&'a str>,
    pub author_name: &'a str,
    /// Plain text (for system messages, the encoded code).
    pub text: &'a str,
    pub file_id: Option<&'a str>,
    pub idem_key: Option<&'a str>,
    pub now: i64,
}

/// Stores a message sealed. Returns its id and whether it is new (`false`: the same
/// idempotency key was sent before, nothing was stored twice).
pub async fn insert(
    db: &Db,
    master: &MasterKey,
    m: &NewMessage<'_>,
) -> Result<(String, bool), String> {
    let key = key(db, master, m.org_id, m.client_id).await?;
    let mut conn = db.acquire().await.map_err(|e| e.to_string())?;
    insert_sealed(&mut conn, &key, m).await
}

/// [`insert`] with the client's key at hand, on a connection (or in a transaction).
pub async fn insert_sealed(
    conn: &mut sqlx::AnyConnection,
    key: &[u8; crate::crypto::KEY_LEN],
    m: &NewMessage<'_>,
) -> Result<(String, bool), String> {
    let id = new_id();
    let body = seal_b64(key, &id, m.text);
    let e = |e: sqlx::Error| e.to_string();
    let n = sqlx::query(
        "INSERT INTO messages (id, org_id, client_id, conv, author_kind, author_id, author_name, body, file_id, \
         idem_key, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (client_id, idem_key) DO NOTHING",
    )
    .bind(&id)
    .bind(m.org_id)
    .bind(m.client_id)
    .bind(m.conv)
    .bind(m.author.as_str())
    .bind(m.author_id)
    .bind(m.author_name)
    .bind(body)
    .bind(m.file_id)
    .bind(m.idem_key)
    .bind(m.now)
    .execute(&mut *conn)
    .await
    .map_err(e)?
    .rows_affected();
    if n == 1 {
        return Ok((id, true));
    }
    let existing: String =
        sqlx::query_scalar("SELECT id FROM messages WHERE client_id = $1 AND idem_key = $2")
            .bind(m.client_id)
            .bind(m.idem_key)
            .fetch_one(&mut *conn)
            .await
            .map_err(e)?;
    Ok((existing, false))
}

/// A stored message, opened.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub conv: String,
    pub author: Author,
    pub author_id: Option<String>,
    pub author_name: String,
    pub text: String,
    pub file: Option<super::Attachment>,
    pub created_at: i64,
}

/// The columns [`opened`] reads.
const COLUMNS: &str =
    "m.id, m.conv, m.author_kind, m.author_id, m.author_name, m.body, m.created_at, \
     f.id AS file_id, f.name AS file_name, f.size AS file_size, f.scan_state AS file_scan \
     FROM messages m LEFT JOIN files f ON f.id = m.file_id";

/// The last `limit` messages of a conversation, oldest first.
pub async fn conversation(
    db: &Db,
    master: &MasterKey,
    org_id: &str,
    client_id: &str,
    conv: &str,
    limit: i64,
) -> Result<Vec<Stored>, String> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} WHERE m.org_id = $1 AND m.client_id = $2 AND m.conv = $3 \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $4"
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(conv)
    .bind(limit)
    .fetch_all(db)
    .await
    .map_err(|e| e.to_string())?;
    opened(db, master, org_id, client_id, rows).await
}

/// The newest `limit` messages of all the client's conversations that `reader` ('client' or
/// a user id) has not read, written by a person of the other side (not by the app); oldest
/// first. What a notification mail may quote.
pub async fn unread_written(
    db: &Db,
    master: &MasterKey,
    org_id: &str,
    client_id: &str,
    reader: &str,
    limit: i64,
) -> Result<Vec<Stored>, String> {
    let other = if reader == "client" {
        Author::Staff
    } else {
        Author::Client
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} LEFT JOIN message_reads r ON r.client_id = m.client_id AND r.conv = m.conv AND r.reader = $3 \
         WHERE m.org_id = $1 AND m.client_id = $2 AND m.author_kind = $4 \
           AND m.created_at > COALESCE(r.last_read_at, 0) ORDER BY m.created_at DESC, m.id DESC LIMIT $5"
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(reader)
    .bind(other.as_str())
    .bind(limit)
    .fetch_all(db)
    .await
    .map_err(|e| e.to_string())?;
    opened(db, master, org_id, client_id, rows).await
}

/// Opens message rows (newest first) of one client, oldest first.
async fn opened(
    db: &Db,
    master: &MasterKey,
    org_id: &str,
    client_id: &str,
    rows: Vec<sqlx::any::AnyRow>,
) -> Result<Vec<Stored>, String> {
    let e = |e: sqlx::Error| e.to_string();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let key = key(db, master, org_id, client_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows.iter().rev() {
        let id: String = r.try_get("id").map_err(e)?;
        let body: String = r.try_get("body").map_err(e)?;
        let text = open_b64(&key, &id, &body).map_err(|e| format!("message {e}"))?;
        let file = match r.try_get::<Option<String>, _>("file_id").map_err(e)? {
            Some(id) => Some(super::Attachment {
                id,
                name: r.try_get("file_name").map_err(e)?,
                size: r.try_get("file_size").map_err(e)?,
                blocked: r.try_get::<String, _>("file_scan").map_err(e)? != "clean",
            }),
            None => None,
        };
        out.push(Stored {
            id,
            conv: r.try_get("conv").map_err(e)?,
            author: Author::parse(&r.try_get::<String, _>("author_kind").map_err(e)?)
                .unwrap_or(Author::SystemFirm),
            author_id: r.try_get("author_id").map_err(e)?,
            author_name: r.try_get("author_name").map_err(e)?,
            text,
            file,
            created_at: r.try_get("created_at").map_err(e)?,
        });
    }
    Ok(out)
}

/// Marks a conversation read up to `at` for `reader` (never back).
pub async fn mark_read(
    db: &Db,
    client_id: &str,
    conv: &str,
    reader: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO message_reads (client_id, conv, reader, last_read_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (client_id, conv, reader) DO UPDATE SET last_read_at = \
           CASE WHEN message_reads.last_read_at > excluded.last_read_at THEN message_reads.last_read_at ELSE excluded.last_read_at END",
    )
    .bind(client_id)
    .bind(conv)
    .bind(reader)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// The kinds `reader` counts as unread, as an SQL list.
fn kinds(for_client: bool) -> &'static str {
    if for_client {
        "('staff', 'system_firm')"
    } else {
        "('client', 'system_client')"
    }
}

/// Unread messages per conversation of one client for `reader` ('client' or a user id).
pub async fn unread_by_conv(
    db: &Db,
    org_id: &str,
    client_id: &str,
    reader: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT m.conv, CAST(COUNT(*) AS BIGINT) AS n FROM messages m \
         LEFT JOIN message_reads r ON r.client_id = m.client_id AND r.conv = m.conv AND r.reader = $3 \
         WHERE m.org_id = $1 AND m.client_id = $2 AND m.author_kind IN {} \
           AND m.created_at > COALESCE(r.last_read_at, 0) GROUP BY m.conv",
        kinds(reader == "client")
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(reader)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("conv")?, r.try_get("n")?)))
        .collect()
}

/// Unread messages for a staff member, per client they see (only clients with any; a hidden
/// case's conversation does not count).
pub async fn unread_for_staff(
    db: &Db,
    org_id: &str,
    user_id: &str,
    viewer: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT m.client_id, CAST(COUNT(*) AS BIGINT) AS n FROM messages m \
         LEFT JOIN message_reads r ON r.client_id = m.client_id AND r.conv = m.conv AND r.reader = $2 \
         WHERE m.org_id = $1 AND m.author_kind IN {} \
           AND m.created_at > COALESCE(r.last_read_at, 0) AND {} AND {} GROUP BY m.client_id",
        kinds(false),
        crate::clients::access::visible("m.client_id", 3, viewer),
        crate::clients::access::case_visible("m.conv", 3, viewer)
    ))
    .bind(org_id)
    .bind(user_id)
    .bind(viewer)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("client_id")?, r.try_get("n")?)))
        .collect()
}

/// Titles of the client's cases the viewer sees (`""`: all), for the conversation switcher:
/// (id, title), newest first.
pub async fn case_titles(
    db: &Db,
    org_id: &str,
    client_id: &str,
    viewer: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT id, title FROM cases WHERE org_id = $1 AND client_id = $2 AND {} \
         ORDER BY created_at DESC, id DESC",
        crate::clients::access::case_visible("cases.id", 3, viewer)
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(viewer)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
        .collect()
}

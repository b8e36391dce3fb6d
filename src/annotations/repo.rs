//! SQL of marks: pins with their sealed comments and replies, the file versions they belong
//! to, and the preview cache.

use super::{Pin, PinState, Reply, Spot};
use crate::server::db::{new_id, Db};
use crate::server::keys::MasterKey;
use base64::{engine::general_purpose::STANDARD, Engine};
use sqlx::Row;

use crate::chat::repo::{open_b64 as open, seal_b64 as seal};

/// A file as far as marking goes.
pub struct FileRow {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub version: i64,
    pub clean: bool,
    /// The previous version's id, if there is one.
    pub previous: Option<String>,
}

/// A file of the firm (and of `client` when given).
pub async fn file(
    db: &Db,
    org_id: &str,
    client_id: Option<&str>,
    id: &str,
) -> Result<Option<FileRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT f.id, f.client_id, f.name, f.version, f.scan_state, \
         (SELECT p.id FROM files p WHERE p.client_id = f.client_id AND p.direction = f.direction \
          AND p.name_key = f.name_key AND p.version = f.version - 1) AS previous \
         FROM files f WHERE f.org_id = $1 AND f.id = $2 AND ($3 = '' OR f.client_id = $3)",
    )
    .bind(org_id)
    .bind(id)
    .bind(client_id.unwrap_or(""))
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(FileRow {
            id: r.try_get("id")?,
            client_id: r.try_get("client_id")?,
            name: r.try_get("name")?,
            version: r.try_get("version")?,
            clean: r.try_get::<String, _>("scan_state")? == "clean",
            previous: r.try_get("previous")?,
        })
    })
    .transpose()
}

/// Who writes a mark or a reply.
pub struct Author<'a> {
    pub by_client: bool,
    pub id: Option<&'a str>,
    pub name: &'a str,
}

impl Author<'_> {
    fn kind(&self) -> &'static str {
        if self.by_client {
            "client"
        } else {
            "staff"
        }
    }
}

pub struct NewPin<'a> {
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub file_id: &'a str,
    pub spot: Spot,
    pub text: &'a str,
    pub author: Author<'a>,
    pub now: i64,
}

pub async fn add(db: &Db, master: &MasterKey, p: &NewPin<'_>) -> Result<String, String> {
    let key = crate::chat::repo::key(db, master, p.org_id, p.client_id).await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO pins (id, org_id, client_id, file_id, page, x, y, w, h, author_kind, author_id, author_name, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&id)
    .bind(p.org_id)
    .bind(p.client_id)
    .bind(p.file_id)
    .bind(p.spot.page)
    .bind(p.spot.x)
    .bind(p.spot.y)
    .bind(p.spot.w)
    .bind(p.spot.h)
    .bind(p.author.kind())
    .bind(p.author.id)
    .bind(p.author.name)
    .bind(seal(&key, &id, p.text))
    .bind(p.now)
    .execute(db)
    .await
    .map_err(|e| e.to_string())?;
    Ok(id)
}

/// A pin's place: (client, file).
pub async fn pin_place(
    db: &Db,
    org_id: &str,
    pin_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT client_id, file_id FROM pins WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(pin_id)
        .fetch_optional(db)
        .await?;
    row.map(|r| Ok((r.try_get("client_id")?, r.try_get("file_id")?)))
        .transpose()
}

pub struct NewReply<'a> {
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub pin_id: &'a str,
    pub text: &'a str,
    pub author: Author<'a>,
    pub now: i64,
}

pub async fn reply(db: &Db, master: &MasterKey, r: &NewReply<'_>) -> Result<String, String> {
    let (org_id, pin_id, text, author, now) = (r.org_id, r.pin_id, r.text, &r.author, r.now);
    let key = crate::chat::repo::key(db, master, org_id, r.client_id).await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO pin_replies (id, org_id, pin_id, author_kind, author_id, author_name, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(pin_id)
    .bind(author.kind())
    .bind(author.id)
    .bind(author.name)
    .bind(seal(&key, &id, text))
    .bind(now)
    .execute(db)
    .await
    .map_err(|e| e.to_string())?;
    Ok(id)
}

/// Resolves or reopens a pin; whether it changed.
pub async fn set_state(
    db: &Db,
    org_id: &str,
    pin_id: &str,
    state: PinState,
    by: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (by, at) = match state {
        PinState::Resolved => (by, Some(now)),
        PinState::Open => ("", None),
    };
    let n = sqlx::query(
        "UPDATE pins SET state = $3, resolved_by = $4, resolved_at = $5 WHERE org_id = $1 AND id = $2 AND state <> $3",
    )
    .bind(org_id)
    .bind(pin_id)
    .bind(state.as_str())
    .bind(by)
    .bind(at)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The pins of a file version with their threads, in order of creation.
pub async fn pins(
    db: &Db,
    master: &MasterKey,
    org_id: &str,
    client_id: &str,
    file_id: &str,
    version: i64,
) -> Result<Vec<Pin>, String> {
    let e = |e: sqlx::Error| e.to_string();
    let rows = sqlx::query(
        "SELECT id, page, x, y, w, h, state, author_kind, author_name, body, created_at, resolved_by, resolved_at \
         FROM pins WHERE org_id = $1 AND file_id = $2 ORDER BY created_at, id",
    )
    .bind(org_id)
    .bind(file_id)
    .fetch_all(db)
    .await
    .map_err(e)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let key = crate::chat::repo::key(db, master, org_id, client_id).await?;
    let replies = sqlx::query(
        "SELECT r.id, r.pin_id, r.author_kind, r.author_name, r.body, r.created_at FROM pin_replies r \
         JOIN pins p ON p.id = r.pin_id WHERE p.org_id = $1 AND p.file_id = $2 ORDER BY r.created_at, r.id",
    )
    .bind(org_id)
    .bind(file_id)
    .fetch_all(db)
    .await
    .map_err(e)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id").map_err(e)?;
        let mut thread = Vec::new();
        for x in replies.iter() {
            if x.try_get::<String, _>("pin_id").map_err(e)? != id {
                continue;
            }
            let rid: String = x.try_get("id").map_err(e)?;
            thread.push(Reply {
                text: open(&key, &rid, &x.try_get::<String, _>("body").map_err(e)?)?,
                id: rid,
                author_name: x.try_get("author_name").map_err(e)?,
                by_client: x.try_get::<String, _>("author_kind").map_err(e)? == "client",
                created_at: x.try_get("created_at").map_err(e)?,
            });
        }
        out.push(Pin {
            text: open(&key, &id, &r.try_get::<String, _>("body").map_err(e)?)?,
            version,
            spot: Spot {
                page: r.try_get("page").map_err(e)?,
                x: r.try_get("x").map_err(e)?,
                y: r.try_get("y").map_err(e)?,
                w: r.try_get("w").map_err(e)?,
                h: r.try_get("h").map_err(e)?,
            },
            state: PinState::parse(&r.try_get::<String, _>("state").map_err(e)?)
                .unwrap_or_default(),
            author_name: r.try_get("author_name").map_err(e)?,
            by_client: r.try_get::<String, _>("author_kind").map_err(e)? == "client",
            replies: thread,
            created_at: r.try_get("created_at").map_err(e)?,
            resolved_by: r.try_get("resolved_by").map_err(e)?,
            resolved_at: r.try_get("resolved_at").map_err(e)?,
            id,
        });
    }
    Ok(out)
}

/// How many pins of a file are open.
pub async fn open_count(db: &Db, file_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM pins WHERE file_id = $1 AND state = 'open'",
    )
    .bind(file_id)
    .fetch_one(db)
    .await
}

/// A cached preview: `Some(Ok(png or ""))`, `Some(Err(()))` when it failed before, `None`
/// when not yet rendered. Page 0 holds the page count.
pub async fn cached(
    db: &Db,
    master: &MasterKey,
    org_id: &str,
    client_id: &str,
    file_id: &str,
    page: i64,
) -> Result<Option<Result<(i64, Vec<u8>), ()>>, String> {
    let row = sqlx::query("SELECT ok, pages, png FROM previews WHERE file_id = $1 AND page = $2")
        .bind(file_id)
        .bind(page)
        .fetch_optional(db)
        .await
        .map_err(|e| e.to_string())?;
    let Some(r) = row else {
        return Ok(None);
    };
    let e = |e: sqlx::Error| e.to_string();
    if r.try_get::<i64, _>("ok").map_err(e)? != 1 {
        return Ok(Some(Err(())));
    }
    let pages: i64 = r.try_get("pages").map_err(e)?;
    let png: String = r.try_get("png").map_err(e)?;
    if png.is_empty() {
        return Ok(Some(Ok((pages, Vec::new()))));
    }
    let key = crate::chat::repo::key(db, master, org_id, client_id).await?;
    let inner = open(&key, &format!("{file_id}:{page}"), &png)?;
    let bytes = STANDARD.decode(inner).map_err(|e| e.to_string())?;
    Ok(Some(Ok((pages, bytes))))
}

/// Remembers a preview (`Err`: it cannot be rendered).
pub async fn cache(
    db: &Db,
    master: &MasterKey,
    org_id: &str,
    client_id: &str,
    file_id: &str,
    page: i64,
    result: Result<(i64, &[u8]), ()>,
) -> Result<(), String> {
    let (ok, pages, png) = match result {
        Err(()) => (0, 0, String::new()),
        Ok((pages, [])) => (1, pages, String::new()),
        Ok((pages, png)) => {
            let key = crate::chat::repo::key(db, master, org_id, client_id).await?;
            (
                1,
                pages,
                seal(&key, &format!("{file_id}:{page}"), &STANDARD.encode(png)),
            )
        }
    };
    sqlx::query(
        "INSERT INTO previews (file_id, page, ok, pages, png, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (file_id, page) DO NOTHING",
    )
    .bind(file_id)
    .bind(page)
    .bind(ok)
    .bind(pages)
    .bind(png)
    .bind(crate::server::db::now_ms())
    .execute(db)
    .await
    .map_err(|e| e.to_string())?;
    Ok(())
}

//! SQL for clients, notes and their activity. Every function takes the caller's org id first
//! and filters by it: a client of another firm is simply not found.

use super::{ActivityEntry, ClientNote, ClientRow, ClientStatus, PossibleDuplicate};
use crate::server::db::{new_id, Db};
use sqlx::Row;

/// Columns for `ClientRow`.
/// `$now` must be bound as parameter `now_param` (for the live count of active links), the
/// viewer as `viewer_param` (overdue counts leave out cases hidden from them).
fn row_cols(now_param: usize, viewer_param: usize, viewer: &str) -> String {
    let case_seen = |col: &str| super::access::case_visible(col, viewer_param, viewer);
    format!(
        "id, name, company, email, status, file_count, last_upload_at, last_activity_at, restricted, \
         (SELECT COUNT(*) FROM upload_links l WHERE l.org_id = clients.org_id AND l.client_id = clients.id AND l.revoked_at IS NULL \
          AND (l.expires_at IS NULL OR l.expires_at > ${now_param}) \
          AND (l.max_files IS NULL OR l.files_received < l.max_files)) AS active_link_count, \
         (SELECT COUNT(*) FROM case_items i JOIN cases c ON c.id = i.case_id WHERE i.client_id = clients.id \
          AND c.state = 'open' AND i.state IN ('ausstehend', 'rueckfrage') AND i.deadline_at < ${now_param} AND {}) \
         + (SELECT COUNT(*) FROM cases c WHERE c.org_id = clients.org_id AND c.client_id = clients.id AND c.state = 'open' \
          AND c.due_at < ${now_param} AND {}) AS overdue_count",
        case_seen("c.id"),
        case_seen("c.id"),
    )
}

fn row_to_client(r: &sqlx::any::AnyRow) -> Result<ClientRow, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(ClientRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        company: r.try_get("company")?,
        email: r.try_get("email")?,
        status: ClientStatus::parse(&status).unwrap_or_default(),
        active_link_count: r.try_get("active_link_count")?,
        overdue: r.try_get::<i64, _>("overdue_count")? > 0,
        file_count: r.try_get("file_count")?,
        last_upload_at: r.try_get("last_upload_at")?,
        last_activity_at: r.try_get("last_activity_at")?,
        unread: 0,
        restricted: r.try_get::<i64, _>("restricted")? == 1,
    })
}

pub struct ListQuery<'a> {
    /// Who is asking (`clients::access::viewer`).
    pub viewer: &'a str,
    pub pattern: Option<&'a str>,
    pub status: Option<ClientStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// One page of the firm's clients, most recently active first, and the number of matches.
pub async fn list(
    db: &Db,
    org_id: &str,
    q: &ListQuery<'_>,
) -> Result<(Vec<ClientRow>, i64), sqlx::Error> {
    // Filters are bound, never formatted in (`given`: one text per combination of filters).
    use crate::server::db::given;
    let pattern = q.pattern.unwrap_or("");
    let status = q.status.map(|s| s.as_str()).unwrap_or("");
    let filter = format!(
        "org_id = $1 AND {} AND {} AND {}",
        given(2, pattern, "search_text LIKE $2 ESCAPE '\\'"),
        given(3, status, "status = $3"),
        super::access::visible("clients.id", 4, q.viewer)
    );
    let rows = sqlx::query(&format!(
        "SELECT {} FROM clients WHERE {filter} \
         ORDER BY last_activity_at DESC, id DESC LIMIT $5 OFFSET $6",
        row_cols(7, 4, q.viewer)
    ))
    .bind(org_id)
    .bind(pattern)
    .bind(status)
    .bind(q.viewer)
    .bind(q.limit)
    .bind(q.offset)
    .bind(crate::server::db::now_ms())
    .fetch_all(db)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM clients WHERE {filter}"))
        .bind(org_id)
        .bind(pattern)
        .bind(status)
        .bind(q.viewer)
        .fetch_one(db)
        .await?;
    let rows = rows.iter().map(row_to_client).collect::<Result<_, _>>()?;
    Ok((rows, total))
}

pub async fn count(db: &Db, org_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT client_count FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_one(db)
        .await
}

/// A client of the firm, with its figures as the viewer sees them (`""`: everything).
pub async fn get(
    db: &Db,
    org_id: &str,
    id: &str,
    viewer: &str,
) -> Result<Option<(ClientRow, i64, i64)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {}, created_at, updated_at FROM clients WHERE org_id = $1 AND id = $2",
        row_cols(3, 4, viewer)
    ))
    .bind(org_id)
    .bind(id)
    .bind(crate::server::db::now_ms())
    .bind(viewer)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok((
            row_to_client(&r)?,
            r.try_get("created_at")?,
            r.try_get("updated_at")?,
        ))
    })
    .transpose()
}

/// The client's name, if it is one of the firm's.
pub async fn name_of(db: &Db, org_id: &str, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM clients WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Clients of the firm with the same email (case-insensitive) or the same name.
pub async fn find_similar(
    db: &Db,
    org_id: &str,
    name: &str,
    email: &str,
    except_id: Option<&str>,
    viewer: &str,
) -> Result<Vec<PossibleDuplicate>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT id, name, email FROM clients WHERE org_id = $1 AND id <> $4 \
         AND (lower(email) = $2 AND $2 <> '' OR search_text LIKE $3 ESCAPE '\\') AND {} LIMIT 5",
        super::access::visible("clients.id", 5, viewer)
    ))
    .bind(org_id)
    .bind(email.to_lowercase())
    // The name is the first field of search_text, followed by the unit separator.
    .bind(format!("{}\u{1f}%", escape_like(&name.to_lowercase())))
    .bind(except_id.unwrap_or(""))
    .bind(viewer)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PossibleDuplicate {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
            })
        })
        .collect()
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub struct NewClient<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub company: &'a str,
}

#[derive(Debug)]
pub enum CreateOutcome {
    Created(String),
    PlanLimitReached,
}

/// Creates a client if the firm's plan allows one more. The counter update comes first in the
/// transaction: it is the write lock (SQLite) / row lock (PostgreSQL) that makes concurrent
/// creations respect the limit, and nothing is inserted when it refuses.
pub async fn create(
    db: &Db,
    org_id: &str,
    max_clients: Option<i64>,
    c: &NewClient<'_>,
    now: i64,
) -> Result<CreateOutcome, sqlx::Error> {
    let mut tx = db.begin().await?;
    let claimed = sqlx::query(
        "UPDATE orgs SET client_count = client_count + 1 WHERE id = $1 AND client_count < $2",
    )
    .bind(org_id)
    .bind(max_clients.unwrap_or(i64::MAX))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        tx.rollback().await?;
        return Ok(CreateOutcome::PlanLimitReached);
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO clients (id, org_id, name, email, company, search_text, status, \
         last_activity_at, created_at, updated_at, email_lower, portal_access) \
         VALUES ($1, $2, $3, $4, $5, $6, 'offen', $7, $7, $7, $8, \
           (SELECT CASE WHEN portal_grant = 'manual' THEN 0 ELSE 1 END FROM orgs WHERE id = $2))",
    )
    .bind(&id)
    .bind(org_id)
    .bind(c.name)
    .bind(c.email)
    .bind(c.company)
    .bind(super::domain::search_text(c.name, c.email, c.company))
    .bind(now)
    .bind(c.email.trim().to_lowercase())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(CreateOutcome::Created(id))
}

/// Updates contact details; `false` when no such client exists in this firm.
pub async fn update(
    db: &Db,
    org_id: &str,
    id: &str,
    c: &NewClient<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE clients SET name = $3, email = $4, company = $5, search_text = $6, \
         updated_at = $7, last_activity_at = $7, email_lower = $8 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .bind(c.name)
    .bind(c.email)
    .bind(c.company)
    .bind(super::domain::search_text(c.name, c.email, c.company))
    .bind(now)
    .bind(c.email.trim().to_lowercase())
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The client's status, read inside the caller's transaction (or from the pool).
pub async fn status<'e, E>(
    ex: E,
    org_id: &str,
    id: &str,
) -> Result<Option<ClientStatus>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let s: Option<String> =
        sqlx::query_scalar("SELECT status FROM clients WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org_id)
            .fetch_optional(ex)
            .await?;
    Ok(s.map(|s| ClientStatus::parse(&s).unwrap_or_default()))
}

pub async fn set_status<'e, E>(
    db: E,
    org_id: &str,
    id: &str,
    status: ClientStatus,
    now: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let n = sqlx::query(
        "UPDATE clients SET status = $3, updated_at = $4, last_activity_at = $4 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .bind(status.as_str())
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Deletes the client and everything hanging off it (foreign keys cascade), and gives the
/// plan slot back. `false` when no such client exists in this firm.
/// Erases a client with everything that belongs to it (files, uploads, messages and their
/// keys, cases, links, sessions — by cascade). Returns the ids of the blobs to remove from
/// storage, or `None` if the firm has no such client. Once the rows are gone the blobs are
/// unreadable anyway: their data keys went with them (crypto-shredding).
pub async fn delete(db: &Db, org_id: &str, id: &str) -> Result<Option<Vec<String>>, sqlx::Error> {
    let mut tx = db.begin().await?;
    // A write first takes the lock (SQLite's database lock, PostgreSQL's row lock): no upload
    // can finish for the client between reading its blobs and deleting it.
    let n = sqlx::query("UPDATE clients SET updated_at = updated_at WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    let blobs: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM files WHERE org_id = $1 AND client_id = $2 \
         UNION SELECT id FROM uploads WHERE org_id = $1 AND client_id = $2",
    )
    .bind(org_id)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM clients WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE orgs SET client_count = client_count - 1 WHERE id = $1 AND client_count > 0",
    )
    .bind(org_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(blobs))
}

pub async fn add_note(
    db: &Db,
    org_id: &str,
    client_id: &str,
    author_id: &str,
    author_name: &str,
    body: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    // INSERT … SELECT: the note is only written when the client belongs to this firm.
    let n = sqlx::query(
        "INSERT INTO client_notes (id, org_id, client_id, author_id, author_name, body, created_at) \
         SELECT $1, org_id, id, $4, $5, $6, $7 FROM clients WHERE org_id = $2 AND id = $3",
    )
    .bind(new_id())
    .bind(org_id)
    .bind(client_id)
    .bind(author_id)
    .bind(author_name)
    .bind(body)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn notes(db: &Db, org_id: &str, client_id: &str) -> Result<Vec<ClientNote>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, author_name, body, created_at FROM client_notes \
         WHERE org_id = $1 AND client_id = $2 ORDER BY created_at DESC, id DESC",
    )
    .bind(org_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ClientNote {
                id: r.try_get("id")?,
                author_name: r.try_get("author_name")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The client's history, newest first. `partial`: the reader misses some of the client's
/// cases, so what concerns cases, files and messages (whose details name them) is left out.
pub async fn activity(
    db: &Db,
    org_id: &str,
    client_id: &str,
    partial: bool,
    limit: i64,
) -> Result<Vec<ActivityEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT action, actor_name, detail, created_at FROM audit_events \
         WHERE org_id = $1 AND client_id = $2 AND ($4 = 0 OR (action NOT LIKE 'case.%' \
           AND action NOT LIKE 'file.%' AND action NOT LIKE 'chat.%')) \
         ORDER BY created_at DESC, id DESC LIMIT $3",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(limit)
    .bind(partial as i64)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ActivityEntry {
                action: r.try_get("action")?,
                actor_name: r.try_get("actor_name")?,
                detail: r.try_get("detail")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

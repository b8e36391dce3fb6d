//! SQL for approvals; the firm's id first, the client's second.

use super::{Approval, ApprovalState};
use crate::server::db::{new_id, Db};
use sqlx::Row;

/// A new request for a file the firm sent this client (clean, not quarantined); `None` when
/// the file is not such a file.
pub async fn request(
    db: &Db,
    org_id: &str,
    client_id: &str,
    file_id: &str,
    message: &str,
    by: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let id = new_id();
    let n = sqlx::query(
        "INSERT INTO approvals (id, org_id, client_id, file_id, message, requested_by, requested_at) \
         SELECT $1, $2, $3, f.id, $5, $6, $7 FROM files f \
         WHERE f.id = $4 AND f.org_id = $2 AND f.client_id = $3 AND f.direction = 'sent' AND f.scan_state = 'clean'",
    )
    .bind(&id)
    .bind(org_id)
    .bind(client_id)
    .bind(file_id)
    .bind(message)
    .bind(by)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok((n == 1).then_some(id))
}

/// The client's requests, newest first.
pub async fn of_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
) -> Result<Vec<Approval>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.id, a.file_id, f.name, f.version, a.message, a.state, a.comment, \
         COALESCE(u.name, '') AS requested_by, a.requested_at, a.decided_by, a.decided_at, a.open_pins \
         FROM approvals a JOIN files f ON f.id = a.file_id LEFT JOIN users u ON u.id = a.requested_by \
         WHERE a.org_id = $1 AND a.client_id = $2 ORDER BY a.requested_at DESC, a.id DESC",
    )
    .bind(org_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            Ok(Approval {
                id: r.try_get("id")?,
                file_id: r.try_get("file_id")?,
                file_name: r.try_get("name")?,
                version: r.try_get("version")?,
                message: r.try_get("message")?,
                state: ApprovalState::parse(&state).unwrap_or_default(),
                comment: r.try_get("comment")?,
                requested_by: r.try_get("requested_by")?,
                requested_at: r.try_get("requested_at")?,
                decided_by: r.try_get("decided_by")?,
                decided_at: r.try_get("decided_at")?,
                open_pins: r.try_get("open_pins")?,
            })
        })
        .collect()
}

/// Whether the client has a request with this id (decided or not).
pub async fn exists(db: &Db, org_id: &str, client_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM approvals WHERE org_id = $1 AND client_id = $2 AND id = $3",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(id)
    .fetch_one(db)
    .await?;
    Ok(n == 1)
}

/// What the client decided.
pub struct Decision<'a> {
    pub state: ApprovalState,
    pub comment: &'a str,
    /// The deciding contact's name.
    pub by: &'a str,
    pub now: i64,
    /// Marks on the file still open.
    pub open_pins: i64,
}

/// The file a request of the client is about.
pub async fn file_of(
    db: &Db,
    org_id: &str,
    client_id: &str,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT file_id FROM approvals WHERE org_id = $1 AND client_id = $2 AND id = $3",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Decides a pending request of the client; `Ok(None)` when there is no pending one with this
/// id (decided already, another client's, unknown). Returns the file's name.
pub async fn decide(
    db: &Db,
    org_id: &str,
    client_id: &str,
    id: &str,
    d: &Decision<'_>,
) -> Result<Option<String>, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE approvals SET state = $4, comment = $5, decided_by = $6, decided_at = $7, open_pins = $8 \
         WHERE org_id = $1 AND client_id = $2 AND id = $3 AND state = 'pending'",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(id)
    .bind(d.state.as_str())
    .bind(d.comment)
    .bind(d.by)
    .bind(d.now)
    .bind(d.open_pins)
    .execute(db)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    sqlx::query_scalar(
        "SELECT f.name FROM approvals a JOIN files f ON f.id = a.file_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

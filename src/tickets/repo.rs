//! SQL of tickets: numbers, sealed posts, lists with unread marks, reads, state and assignee.

use super::{Post, PostKind, TicketState, TicketSummary};
use crate::server::db::{new_id, Db};
use crate::server::keys::MasterKey;
use sqlx::Row;

/// The reader of a ticket's unread marks: the client, or a staff member.
pub const CLIENT_READER: &str = "client";

pub struct NewPost<'a> {
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub ticket_id: &'a str,
    pub kind: PostKind,
    pub author_id: Option<&'a str>,
    pub author_name: &'a str,
    pub text: &'a str,
    pub file_id: Option<&'a str>,
    /// "portal" or "mail".
    pub via: &'a str,
    pub idem_key: Option<&'a str>,
    pub now: i64,
}

/// Stores a post sealed with the client's message key and touches the ticket. Returns its id
/// and whether it is new (`false`: the same idempotency key was sent before).
pub async fn insert_post(
    conn: &mut sqlx::AnyConnection,
    key: &[u8; crate::crypto::KEY_LEN],
    p: &NewPost<'_>,
) -> Result<(String, bool), String> {
    let e = |e: sqlx::Error| e.to_string();
    let id = new_id();
    let body = crate::chat::repo::seal_b64(key, &id, p.text);
    let n = sqlx::query(
        "INSERT INTO ticket_posts (id, org_id, client_id, ticket_id, kind, author_id, author_name, body, file_id, via, \
         idem_key, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT (ticket_id, idem_key) DO NOTHING",
    )
    .bind(&id)
    .bind(p.org_id)
    .bind(p.client_id)
    .bind(p.ticket_id)
    .bind(p.kind.as_str())
    .bind(p.author_id)
    .bind(p.author_name)
    .bind(body)
    .bind(p.file_id)
    .bind(p.via)
    .bind(p.idem_key)
    .bind(p.now)
    .execute(&mut *conn)
    .await
    .map_err(e)?
    .rows_affected();
    if n == 0 {
        let existing: String = sqlx::query_scalar(
            "SELECT id FROM ticket_posts WHERE ticket_id = $1 AND idem_key = $2",
        )
        .bind(p.ticket_id)
        .bind(p.idem_key)
        .fetch_one(&mut *conn)
        .await
        .map_err(e)?;
        return Ok((existing, false));
    }
    sqlx::query("UPDATE tickets SET updated_at = $2 WHERE id = $1")
        .bind(p.ticket_id)
        .bind(p.now)
        .execute(&mut *conn)
        .await
        .map_err(e)?;
    Ok((id, true))
}

/// A post on a ticket, with the client's key fetched (or made) first.
pub async fn post(db: &Db, master: &MasterKey, p: &NewPost<'_>) -> Result<(String, bool), String> {
    let key = crate::chat::repo::key(db, master, p.org_id, p.client_id).await?;
    let mut conn = db.acquire().await.map_err(|e| e.to_string())?;
    insert_post(&mut conn, &key, p).await
}

pub struct NewTicket<'a> {
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    /// The contact's name and address (replies are mailed there).
    pub opened_by: &'a str,
    pub opened_email: &'a str,
    pub now: i64,
}

/// Opens a ticket with its first post, numbered per firm (gapless: the counter row is taken
/// in the same transaction). Returns its id and number.
pub async fn open(db: &Db, master: &MasterKey, t: &NewTicket<'_>) -> Result<(String, i64), String> {
    let e = |e: sqlx::Error| e.to_string();
    let key = crate::chat::repo::key(db, master, t.org_id, t.client_id).await?;
    let mut tx = db.begin().await.map_err(e)?;
    let number: i64 = sqlx::query_scalar(
        "INSERT INTO ticket_numbers (org_id, last) VALUES ($1, 1) \
         ON CONFLICT (org_id) DO UPDATE SET last = ticket_numbers.last + 1 RETURNING last",
    )
    .bind(t.org_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(e)?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO tickets (id, org_id, client_id, number, subject, state, opened_by, opened_email, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(t.org_id)
    .bind(t.client_id)
    .bind(number)
    .bind(t.subject)
    .bind(t.opened_by)
    .bind(t.opened_email)
    .bind(t.now)
    .execute(&mut *tx)
    .await
    .map_err(e)?;
    insert_post(
        &mut tx,
        &key,
        &NewPost {
            org_id: t.org_id,
            client_id: t.client_id,
            ticket_id: &id,
            kind: PostKind::Client,
            author_id: None,
            author_name: t.opened_by,
            text: t.text,
            file_id: None,
            via: "portal",
            idem_key: None,
            now: t.now,
        },
    )
    .await?;
    tx.commit().await.map_err(e)?;
    Ok((id, number))
}

/// Which tickets a staff list shows; empty fields do not filter.
#[derive(Default)]
pub struct Filter<'a> {
    pub state: &'a str,
    pub client_id: &'a str,
    /// A user id, or "-" for unassigned ones.
    pub assignee: &'a str,
    /// Only tickets with something unread.
    pub unread_only: bool,
}

/// The reader's side: which posts are news to them.
fn unread_sql(reader_param: usize, client_reads: bool) -> String {
    let kinds = if client_reads { "'staff'" } else { "'client'" };
    format!(
        "EXISTS (SELECT 1 FROM ticket_posts up WHERE up.ticket_id = t.id AND up.kind IN ({kinds}) \
         AND up.created_at > COALESCE((SELECT r.last_read_at FROM ticket_reads r \
         WHERE r.ticket_id = t.id AND r.reader = ${reader_param}), 0))"
    )
}

fn summary(r: &sqlx::any::AnyRow, staff: bool) -> Result<TicketSummary, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(TicketSummary {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        subject: r.try_get("subject")?,
        state: TicketState::parse(&state).unwrap_or_default(),
        client_id: r.try_get("client_id")?,
        client_name: r.try_get("client_name")?,
        assignee_id: if staff {
            r.try_get("assignee_id")?
        } else {
            None
        },
        assignee_name: if staff {
            r.try_get("assignee_name")?
        } else {
            String::new()
        },
        opened_by: r.try_get("opened_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        unread: r.try_get::<i64, _>("unread")? == 1,
    })
}

const SUMMARY_COLUMNS: &str =
    "t.id, t.number, t.subject, t.state, t.client_id, c.name AS client_name, \
     t.assignee_id, COALESCE(u.name, '') AS assignee_name, t.opened_by, t.created_at, t.updated_at";
const SUMMARY_FROM: &str =
    "FROM tickets t JOIN clients c ON c.id = t.client_id LEFT JOIN users u ON u.id = t.assignee_id";

/// The firm's tickets a staff member sees (`viewer` as in `clients::access`), newest activity
/// first, with their unread marks (`user_id`).
pub async fn list(
    db: &Db,
    org_id: &str,
    viewer: &str,
    user_id: &str,
    f: &Filter<'_>,
) -> Result<Vec<TicketSummary>, sqlx::Error> {
    use crate::server::db::given;
    let assignee = match f.assignee {
        "-" => "$6 = '-' AND t.assignee_id IS NULL",
        _ => "t.assignee_id = $6",
    };
    let unread = unread_sql(3, false);
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, CAST(CASE WHEN {unread} THEN 1 ELSE 0 END AS BIGINT) AS unread {SUMMARY_FROM} \
         WHERE t.org_id = $1 AND {visible} AND {state} AND {client} AND {assignee} AND {only_unread} \
         ORDER BY t.updated_at DESC, t.number DESC LIMIT 500",
        visible = crate::clients::access::visible("t.client_id", 2, viewer),
        state = given(4, f.state, "t.state = $4"),
        client = given(5, f.client_id, "t.client_id = $5"),
        assignee = given(6, f.assignee, assignee),
        only_unread = match f.unread_only {
            true => format!("$7 = 1 AND {unread}"),
            false => "$7 = 0".into(),
        },
    );
    let rows = sqlx::query(&sql)
        .bind(org_id)
        .bind(viewer)
        .bind(user_id)
        .bind(f.state)
        .bind(f.client_id)
        .bind(f.assignee)
        .bind(i64::from(f.unread_only))
        .fetch_all(db)
        .await?;
    rows.iter().map(|r| summary(r, true)).collect()
}

/// How many tickets have news from clients for this staff member (the tab's badge).
pub async fn unread_count(
    db: &Db,
    org_id: &str,
    viewer: &str,
    user_id: &str,
) -> Result<i64, sqlx::Error> {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM tickets t WHERE t.org_id = $1 AND {} AND {}",
        crate::clients::access::visible("t.client_id", 2, viewer),
        unread_sql(3, false)
    );
    sqlx::query_scalar(&sql)
        .bind(org_id)
        .bind(viewer)
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// The client's tickets as the client sees them (unread: answers of the firm).
pub async fn of_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
) -> Result<Vec<TicketSummary>, sqlx::Error> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, CAST(CASE WHEN {unread} THEN 1 ELSE 0 END AS BIGINT) AS unread {SUMMARY_FROM} \
         WHERE t.org_id = $1 AND t.client_id = $2 ORDER BY t.updated_at DESC, t.number DESC",
        unread = unread_sql(3, true),
    );
    let rows = sqlx::query(&sql)
        .bind(org_id)
        .bind(client_id)
        .bind(CLIENT_READER)
        .fetch_all(db)
        .await?;
    rows.iter().map(|r| summary(r, false)).collect()
}

/// One ticket of the firm for staff, `None` when it is not there or its client is hidden from
/// the viewer.
pub async fn get_for_staff(
    db: &Db,
    org_id: &str,
    id: &str,
    viewer: &str,
    user_id: &str,
) -> Result<Option<TicketSummary>, sqlx::Error> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, CAST(CASE WHEN {unread} THEN 1 ELSE 0 END AS BIGINT) AS unread {SUMMARY_FROM} \
         WHERE t.org_id = $1 AND {visible} AND t.id = $4",
        unread = unread_sql(3, false),
        visible = crate::clients::access::visible("t.client_id", 2, viewer),
    );
    let row = sqlx::query(&sql)
        .bind(org_id)
        .bind(viewer)
        .bind(user_id)
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(|r| summary(&r, true)).transpose()
}

/// One ticket of this client, `None` when it is another's.
pub async fn get_for_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
    id: &str,
) -> Result<Option<TicketSummary>, sqlx::Error> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, CAST(CASE WHEN {unread} THEN 1 ELSE 0 END AS BIGINT) AS unread {SUMMARY_FROM} \
         WHERE t.org_id = $1 AND t.client_id = $2 AND t.id = $4",
        unread = unread_sql(3, true),
    );
    let row = sqlx::query(&sql)
        .bind(org_id)
        .bind(client_id)
        .bind(CLIENT_READER)
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(|r| summary(&r, false)).transpose()
}

/// The thread, oldest first, opened; internal notes only when `notes`.
pub async fn posts(
    db: &Db,
    master: &MasterKey,
    org_id: &str,
    client_id: &str,
    ticket_id: &str,
    notes: bool,
) -> Result<Vec<Post>, String> {
    let e = |e: sqlx::Error| e.to_string();
    let rows = sqlx::query(
        "SELECT p.id, p.kind, p.author_name, p.body, p.via, p.mail_id, p.created_at, \
         f.id AS file_id, f.name AS file_name, f.size AS file_size, f.scan_state AS file_scan \
         FROM ticket_posts p LEFT JOIN files f ON f.id = p.file_id \
         WHERE p.org_id = $1 AND p.client_id = $2 AND p.ticket_id = $3 AND ($4 = 1 OR p.kind <> 'note') \
         ORDER BY p.created_at, p.id",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(ticket_id)
    .bind(i64::from(notes))
    .fetch_all(db)
    .await
    .map_err(e)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let key = crate::chat::repo::key(db, master, org_id, client_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id").map_err(e)?;
        let body: String = r.try_get("body").map_err(e)?;
        let text = crate::chat::repo::open_b64(&key, &id, &body)
            .map_err(|e| format!("ticket post {e}"))?;
        let file = match r.try_get::<Option<String>, _>("file_id").map_err(e)? {
            Some(fid) => Some(crate::chat::Attachment {
                id: fid,
                name: r.try_get("file_name").map_err(e)?,
                size: r.try_get("file_size").map_err(e)?,
                blocked: r.try_get::<String, _>("file_scan").map_err(e)? != "clean",
            }),
            None => None,
        };
        let kind: String = r.try_get("kind").map_err(e)?;
        out.push(Post {
            id,
            kind: PostKind::parse(&kind).unwrap_or(PostKind::Note),
            author_name: r.try_get("author_name").map_err(e)?,
            text,
            file,
            via_mail: r.try_get::<String, _>("via").map_err(e)? == "mail",
            // Staff only (notes are shown to staff only, too).
            mail_id: if notes {
                r.try_get("mail_id").map_err(e)?
            } else {
                None
            },
            created_at: r.try_get("created_at").map_err(e)?,
        });
    }
    Ok(out)
}

/// Marks the ticket read up to `at` for `reader` (never back).
pub async fn mark_read(db: &Db, ticket_id: &str, reader: &str, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ticket_reads (ticket_id, reader, last_read_at) VALUES ($1, $2, $3) \
         ON CONFLICT (ticket_id, reader) DO UPDATE SET last_read_at = \
         CASE WHEN ticket_reads.last_read_at > excluded.last_read_at THEN ticket_reads.last_read_at ELSE excluded.last_read_at END",
    )
    .bind(ticket_id)
    .bind(reader)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Moves the ticket to `state`; whether it changed.
pub async fn set_state(
    db: &Db,
    org_id: &str,
    id: &str,
    state: TicketState,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE tickets SET state = $3, updated_at = $4 WHERE org_id = $1 AND id = $2 AND state <> $3",
    )
    .bind(org_id)
    .bind(id)
    .bind(state.as_str())
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Assigns the ticket (`None`: nobody).
pub async fn assign(
    db: &Db,
    org_id: &str,
    id: &str,
    user_id: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tickets SET assignee_id = $3, updated_at = $4 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Active members who can work on the client's tickets: they see the client and may edit.
pub async fn assignable(
    db: &Db,
    org_id: &str,
    client_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT u.id, u.name FROM users u WHERE u.org_id = $1 AND u.active = 1 AND u.role <> 'readonly' AND {} \
         ORDER BY u.name, u.id",
        crate::clients::access::visible_to_member(2)
    ))
    .bind(org_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

/// A ticket of the client the portal may post to (for uploads): its id when it is theirs.
pub async fn of_this_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM tickets WHERE org_id = $1 AND client_id = $2 AND id = $3",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(id)
    .fetch_one(db)
    .await?;
    Ok(n == 1)
}

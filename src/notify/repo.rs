use super::{Kind, MailPref, NotificationView, UPLOAD_MAIL};
use crate::server::db::{new_id, Db};
use sqlx::{Any, Row};

/// Files of the minute after an upload join the same mail.
pub const MAIL_DELAY_MS: i64 = 60_000;

/// A file a client sent, as the team hears of it.
pub struct Received<'a> {
    pub client_id: &'a str,
    /// The case whose item or conversation the file went to, if any.
    pub case_id: Option<&'a str>,
    pub file_id: &'a str,
    pub filename: &'a str,
    pub kind: Kind,
}

/// Tells every active member of the firm who sees the client (and the case) about a file it
/// sent (in the transaction that stores it): a notification each, and a pending mail for those
/// who want one.
pub async fn upload_received(
    tx: &mut sqlx::Transaction<'_, Any>,
    org_id: &str,
    r: &Received<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let (client_id, file_id, filename, kind) = (r.client_id, r.file_id, r.filename, r.kind);
    let members = sqlx::query(&format!(
        "SELECT u.id, COALESCE(p.mode, 'instant') AS mode FROM users u \
         LEFT JOIN notify_prefs p ON p.owner = 'user:' || u.id AND p.event = 'upload' \
         WHERE u.org_id = $1 AND u.active = 1 AND {} AND {}",
        crate::clients::access::visible_to_member(2),
        crate::clients::access::case_visible_to_member("$3")
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(r.case_id)
    .fetch_all(&mut **tx)
    .await?;
    for m in members {
        let user_id: String = m.try_get("id")?;
        let pref: String = m.try_get("mode")?;
        sqlx::query(
            "INSERT INTO notifications (id, org_id, user_id, kind, client_id, case_id, subject_id, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id())
        .bind(org_id)
        .bind(&user_id)
        .bind(kind.as_str())
        .bind(client_id)
        .bind(r.case_id)
        .bind(file_id)
        .bind(filename)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        if MailPref::parse(&pref) == Some(MailPref::Digest) {
            sqlx::query(
                "INSERT INTO notify_digest (id, owner, org_id, line, created_at) \
                 SELECT $1, $2, $3, name || ': ' || $4, $5 FROM clients WHERE id = $6",
            )
            .bind(new_id())
            .bind(format!("user:{user_id}"))
            .bind(org_id)
            .bind(filename)
            .bind(now)
            .bind(client_id)
            .execute(&mut **tx)
            .await?;
        }
        if MailPref::parse(&pref) == Some(MailPref::Instant) {
            crate::server::jobs::enqueue(
                &mut **tx,
                UPLOAD_MAIL,
                &format!("{user_id}|{client_id}|{now}"),
                Some(&format!("{UPLOAD_MAIL}:{user_id}:{client_id}")),
                now + MAIL_DELAY_MS,
            )
            .await?;
        }
    }
    Ok(())
}

/// Unread bell entries of a member, without those of clients they no longer see (`viewer`:
/// `clients::access::viewer`).
pub async fn unread_count(
    db: &Db,
    org_id: &str,
    user_id: &str,
    viewer: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications n \
         WHERE n.org_id = $1 AND n.user_id = $2 AND n.read_at IS NULL AND {} AND {}",
        crate::clients::access::visible("n.client_id", 3, viewer),
        crate::clients::access::case_visible("n.case_id", 3, viewer)
    ))
    .bind(org_id)
    .bind(user_id)
    .bind(viewer)
    .fetch_one(db)
    .await
}

pub async fn recent(
    db: &Db,
    org_id: &str,
    user_id: &str,
    viewer: &str,
    limit: i64,
) -> Result<Vec<NotificationView>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT n.id, n.kind, n.client_id, COALESCE(c.name, '') AS client_name, n.text, n.subject_id, n.created_at, \
         CAST(CASE WHEN n.read_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS is_read \
         FROM notifications n LEFT JOIN clients c ON c.id = n.client_id AND c.org_id = n.org_id \
         WHERE n.org_id = $1 AND n.user_id = $2 AND {} AND {} ORDER BY n.created_at DESC, n.id DESC LIMIT $3",
        crate::clients::access::visible("n.client_id", 4, viewer),
        crate::clients::access::case_visible("n.case_id", 4, viewer)
    ))
    .bind(org_id)
    .bind(user_id)
    .bind(limit)
    .bind(viewer)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(NotificationView {
                id: r.try_get("id")?,
                kind: Kind::parse(&r.try_get::<String, _>("kind")?).unwrap_or(Kind::Upload),
                client_id: r.try_get("client_id")?,
                client_name: r.try_get("client_name")?,
                subject: r.try_get("text")?,
                subject_id: r.try_get("subject_id")?,
                created_at: r.try_get("created_at")?,
                read: r.try_get::<i64, _>("is_read")? == 1,
            })
        })
        .collect()
}

pub async fn mark_all_read(
    db: &Db,
    org_id: &str,
    user_id: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE notifications SET read_at = $3 WHERE org_id = $1 AND user_id = $2 AND read_at IS NULL",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected())
}

/// A bell entry for every active member who sees the client (`subject`: what it is about,
/// e.g. a quote's number).
pub async fn note_members(
    db: &Db,
    org_id: &str,
    client_id: &str,
    kind: Kind,
    subject: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut conn = db.acquire().await?;
    note_members_in(&mut conn, org_id, client_id, kind, subject, now).await
}

/// [`note_members`] on a connection — in the transaction of the change it is about, so the
/// bell entries come with it or not at all.
pub async fn note_members_in(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    client_id: &str,
    kind: Kind,
    subject: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let members: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT u.id FROM users u WHERE u.org_id = $1 AND u.active = 1 AND {}",
        crate::clients::access::visible_to_member(2)
    ))
    .bind(org_id)
    .bind(client_id)
    .fetch_all(&mut *conn)
    .await?;
    for m in members {
        sqlx::query(
            "INSERT INTO notifications (id, org_id, user_id, kind, client_id, subject_id, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
        )
        .bind(new_id())
        .bind(org_id)
        .bind(&m)
        .bind(kind.as_str())
        .bind(client_id)
        .bind(subject)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What a ticket's bell entry is about.
pub struct TicketNote<'a> {
    pub client_id: &'a str,
    pub ticket_id: &'a str,
    /// "#12 Betreff".
    pub text: &'a str,
}

/// A bell entry about a ticket, for one member (`to`) or — when `None` — every active member
/// who sees the client.
pub async fn note_ticket(
    db: &Db,
    org_id: &str,
    to: Option<&str>,
    kind: Kind,
    n: &TicketNote<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let (client_id, ticket_id, text) = (n.client_id, n.ticket_id, n.text);
    let members: Vec<String> = match to {
        Some(user) => vec![user.to_string()],
        None => {
            sqlx::query_scalar(&format!(
                "SELECT u.id FROM users u WHERE u.org_id = $1 AND u.active = 1 AND {}",
                crate::clients::access::visible_to_member(2)
            ))
            .bind(org_id)
            .bind(client_id)
            .fetch_all(db)
            .await?
        }
    };
    for m in members {
        sqlx::query(
            "INSERT INTO notifications (id, org_id, user_id, kind, client_id, subject_id, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(org_id)
        .bind(&m)
        .bind(kind.as_str())
        .bind(client_id)
        .bind(ticket_id)
        .bind(text)
        .bind(now)
        .execute(db)
        .await?;
    }
    Ok(())
}

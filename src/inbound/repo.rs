//! SQL of inbound mail: threads we sent into, received mails (sealed originals), senders.

use crate::server::db::Db;
use sqlx::Row;

/// Remembers the Message-ID of a mail we sent into a thread (`ticket_id` None: the chat).
pub async fn remember(
    db: &Db,
    message_id: &str,
    org_id: &str,
    client_id: &str,
    ticket_id: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_threads (message_id, org_id, client_id, ticket_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(org_id)
    .bind(client_id)
    .bind(ticket_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Where a thread lives: (org, client, ticket or None for the chat).
pub type Place = (String, String, Option<String>);

/// The thread of the first of `ids` (In-Reply-To, then References) that we sent.
pub async fn thread_of(db: &Db, ids: &[String]) -> Result<Option<Place>, sqlx::Error> {
    for id in ids.iter().take(20) {
        let row = sqlx::query(
            "SELECT org_id, client_id, ticket_id FROM mail_threads WHERE message_id = $1",
        )
        .bind(id)
        .fetch_optional(db)
        .await?;
        if let Some(r) = row {
            return Ok(Some((
                r.try_get("org_id")?,
                r.try_get("client_id")?,
                r.try_get("ticket_id")?,
            )));
        }
    }
    Ok(None)
}

/// The place of a signed target, when it still exists.
pub async fn place_of(
    db: &Db,
    target: &super::token::Target,
) -> Result<Option<Place>, sqlx::Error> {
    use super::token::Target;
    let row = match target {
        Target::Ticket(id) => {
            sqlx::query("SELECT org_id, client_id, id AS ticket_id FROM tickets WHERE id = $1")
                .bind(id)
                .fetch_optional(db)
                .await?
        }
        Target::Chat(id) => {
            sqlx::query(
                "SELECT org_id, id AS client_id, CAST(NULL AS TEXT) AS ticket_id FROM clients WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(db)
            .await?
        }
    };
    row.map(|r| {
        Ok((
            r.try_get("org_id")?,
            r.try_get("client_id")?,
            r.try_get("ticket_id")?,
        ))
    })
    .transpose()
}

/// The name under which `email` writes for the client, if it is the client's own address or a
/// further contact's with the right to write (chat): the client's name or the contact's.
pub async fn sender(
    db: &Db,
    org_id: &str,
    client_id: &str,
    email: &str,
) -> Result<Option<String>, sqlx::Error> {
    if email.is_empty() {
        return Ok(None);
    }
    let own: Option<String> = sqlx::query_scalar(
        "SELECT name FROM clients WHERE org_id = $1 AND id = $2 AND email_lower = $3",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(email)
    .fetch_optional(db)
    .await?;
    if own.is_some() {
        return Ok(own);
    }
    let contact = sqlx::query(
        "SELECT name, rights FROM client_contacts WHERE org_id = $1 AND client_id = $2 AND email_lower = $3",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(email)
    .fetch_optional(db)
    .await?;
    let Some(r) = contact else {
        return Ok(None);
    };
    let rights = crate::portal::Rights::from_db(&r.try_get::<String, _>("rights")?);
    rights
        .has(crate::portal::Right::Chat)
        .then(|| r.try_get("name"))
        .transpose()
}

pub struct NewMail<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub ticket_id: Option<&'a str>,
    pub message_id: &'a str,
    pub from: &'a str,
    pub subject: &'a str,
    /// "posted" or "held".
    pub state: &'a str,
    pub raw_sealed: &'a str,
    pub now: i64,
}

/// Records a received mail; `false` when a mail with its Message-ID was received before.
pub async fn record(db: &Db, m: &NewMail<'_>) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO inbound_mails (id, org_id, client_id, ticket_id, message_id, from_addr, subject, state, raw, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (org_id, message_id) DO NOTHING",
    )
    .bind(m.id)
    .bind(m.org_id)
    .bind(m.client_id)
    .bind(m.ticket_id)
    .bind(m.message_id)
    .bind(m.from)
    .bind(m.subject)
    .bind(m.state)
    .bind(m.raw_sealed)
    .bind(m.now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Marks a mail posted as `post_id` (and links a ticket post to its original).
pub async fn posted(db: &Db, id: &str, post_id: &str, ticket: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE inbound_mails SET state = 'posted', post_id = $2 WHERE id = $1")
        .bind(id)
        .bind(post_id)
        .execute(db)
        .await?;
    if ticket {
        sqlx::query("UPDATE ticket_posts SET mail_id = $2 WHERE id = $1")
            .bind(post_id)
            .bind(id)
            .execute(db)
            .await?;
    }
    Ok(())
}

/// A stored mail: where it belongs and its sealed original.
pub struct Stored {
    pub id: String,
    pub org_id: String,
    pub client_id: String,
    pub client_name: String,
    pub ticket_id: Option<String>,
    pub ticket_label: String,
    pub from: String,
    pub subject: String,
    pub state: String,
    pub raw_sealed: String,
    pub received_at: i64,
}

const STORED: &str = "SELECT m.id, m.org_id, m.client_id, c.name AS client_name, m.ticket_id, \
     COALESCE(CAST(t.number AS TEXT), '') AS ticket_number, COALESCE(t.subject, '') AS ticket_subject, \
     m.from_addr, m.subject, m.state, m.raw, m.received_at \
     FROM inbound_mails m JOIN clients c ON c.id = m.client_id LEFT JOIN tickets t ON t.id = m.ticket_id";

fn stored(r: &sqlx::any::AnyRow) -> Result<Stored, sqlx::Error> {
    let number: String = r.try_get("ticket_number")?;
    let subject: String = r.try_get("ticket_subject")?;
    Ok(Stored {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        client_id: r.try_get("client_id")?,
        client_name: r.try_get("client_name")?,
        ticket_id: r.try_get("ticket_id")?,
        ticket_label: if number.is_empty() {
            String::new()
        } else {
            format!("#{number} {subject}")
        },
        from: r.try_get("from_addr")?,
        subject: r.try_get("subject")?,
        state: r.try_get("state")?,
        raw_sealed: r.try_get("raw")?,
        received_at: r.try_get("received_at")?,
    })
}

/// One mail of the firm, if its client is visible to the viewer.
pub async fn get(
    db: &Db,
    org_id: &str,
    id: &str,
    viewer: &str,
) -> Result<Option<Stored>, sqlx::Error> {
    let sql = format!(
        "{STORED} WHERE m.org_id = $1 AND m.id = $2 AND {}",
        crate::clients::access::visible("m.client_id", 3, viewer)
    );
    let row = sqlx::query(&sql)
        .bind(org_id)
        .bind(id)
        .bind(viewer)
        .fetch_optional(db)
        .await?;
    row.map(|r| stored(&r)).transpose()
}

/// Mails held for review, newest first, of clients the viewer sees.
pub async fn held(db: &Db, org_id: &str, viewer: &str) -> Result<Vec<Stored>, sqlx::Error> {
    let sql = format!(
        "{STORED} WHERE m.org_id = $1 AND m.state = 'held' AND {} ORDER BY m.received_at DESC LIMIT 100",
        crate::clients::access::visible("m.client_id", 2, viewer)
    );
    let rows = sqlx::query(&sql)
        .bind(org_id)
        .bind(viewer)
        .fetch_all(db)
        .await?;
    rows.iter().map(stored).collect()
}

/// Discards a held mail: its original is removed, the row stays as a trace.
pub async fn discard(db: &Db, org_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE inbound_mails SET state = 'discarded', raw = '' WHERE org_id = $1 AND id = $2 AND state = 'held'",
    )
    .bind(org_id)
    .bind(id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Takes a held mail for posting (once: two staff members releasing it at the same time post
/// it once).
pub async fn take_held(db: &Db, org_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE inbound_mails SET state = 'releasing' WHERE org_id = $1 AND id = $2 AND state = 'held'",
    )
    .bind(org_id)
    .bind(id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

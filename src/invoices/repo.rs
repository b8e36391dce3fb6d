//! SQL for invoices and quotes. Every function takes the caller's org id and touches only that
//! firm's rows. Amounts on the document row are recomputed from its lines whenever a draft
//! changes, so lists and totals never add up lines on the fly.

use super::domain;
use super::money::{self, LineAmount, VatRate};
use super::{Billing, DocDetail, DocKind, DocState, DocSummary, Line};
use crate::server::db::{new_id, Db};
use sqlx::{Any, Row};

const SUMMARY_COLS: &str = "i.id, i.kind, i.client_id, k.name AS client_name, i.number, i.state, \
     i.issued_at, i.due_at, i.gross_cents, i.created_at";

fn summary(r: &sqlx::any::AnyRow) -> Result<DocSummary, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    Ok(DocSummary {
        id: r.try_get("id")?,
        kind: DocKind::parse(&kind).unwrap_or_default(),
        client_id: r.try_get("client_id")?,
        client_name: r.try_get("client_name")?,
        number: r.try_get("number")?,
        state: DocState::parse(&state).unwrap_or_default(),
        issued_at: r.try_get("issued_at")?,
        due_at: r.try_get("due_at")?,
        gross_cents: r.try_get("gross_cents")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The firm's billing details.
pub async fn billing(db: &Db, org_id: &str) -> Result<Billing, sqlx::Error> {
    let r = sqlx::query(
        "SELECT billing_address, billing_tax_id, billing_bank, billing_terms_days, billing_mail_text, \
         hours_in_portal FROM orgs WHERE id = $1",
    )
    .bind(org_id)
    .fetch_one(db)
    .await?;
    Ok(Billing {
        address: r.try_get("billing_address")?,
        tax_id: r.try_get("billing_tax_id")?,
        bank: r.try_get("billing_bank")?,
        terms_days: r.try_get("billing_terms_days")?,
        mail_text: r.try_get("billing_mail_text")?,
        hours_in_portal: r.try_get::<i64, _>("hours_in_portal")? == 1,
    })
}

pub async fn save_billing(db: &Db, org_id: &str, b: &Billing) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE orgs SET billing_address = $2, billing_tax_id = $3, billing_bank = $4, \
         billing_terms_days = $5, billing_mail_text = $6, hours_in_portal = $7 WHERE id = $1",
    )
    .bind(org_id)
    .bind(&b.address)
    .bind(&b.tax_id)
    .bind(&b.bank)
    .bind(b.terms_days)
    .bind(&b.mail_text)
    .bind(i64::from(b.hours_in_portal))
    .execute(db)
    .await?;
    Ok(())
}

pub struct NewDoc<'a> {
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub kind: DocKind,
    pub recipient: &'a str,
    pub created_by: &'a str,
    pub quote_id: Option<&'a str>,
    pub now: i64,
}

/// A new draft; returns its id.
pub async fn create<'e, E>(db: E, d: &NewDoc<'_>) -> Result<String, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let id = new_id();
    sqlx::query(
        "INSERT INTO invoices (id, org_id, client_id, kind, recipient, quote_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(d.org_id)
    .bind(d.client_id)
    .bind(d.kind.as_str())
    .bind(d.recipient)
    .bind(d.quote_id)
    .bind(d.created_by)
    .bind(d.now)
    .execute(db)
    .await?;
    Ok(id)
}

/// A document of the firm: its summary (with client name) only.
pub async fn find(db: &Db, org_id: &str, id: &str) -> Result<Option<DocSummary>, sqlx::Error> {
    let r = sqlx::query(&format!(
        "SELECT {SUMMARY_COLS} FROM invoices i JOIN clients k ON k.id = i.client_id \
         WHERE i.org_id = $1 AND i.id = $2"
    ))
    .bind(org_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    r.as_ref().map(summary).transpose()
}

async fn lines(db: &Db, id: &str) -> Result<Vec<Line>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, description, quantity_milli, unit, unit_cents, vat_percent, net_cents \
         FROM invoice_lines WHERE invoice_id = $1 ORDER BY position, id",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let vat: i64 = r.try_get("vat_percent")?;
            Ok(Line {
                id: r.try_get("id")?,
                description: r.try_get("description")?,
                quantity_milli: r.try_get("quantity_milli")?,
                unit: r.try_get("unit")?,
                unit_cents: r.try_get("unit_cents")?,
                vat: VatRate::parse(&vat.to_string()).unwrap_or(VatRate::Full),
                net_cents: r.try_get("net_cents")?,
            })
        })
        .collect()
}

/// Everything about one document of the firm.
pub async fn detail(db: &Db, org_id: &str, id: &str) -> Result<Option<DocDetail>, sqlx::Error> {
    let Some(summary) = find(db, org_id, id).await? else {
        return Ok(None);
    };
    let r = sqlx::query(
        "SELECT i.recipient, i.seller, i.tax_id, i.bank, i.notes, i.decision_comment, q.number AS quote_number \
         FROM invoices i LEFT JOIN invoices q ON q.id = i.quote_id WHERE i.id = $1",
    )
    .bind(id)
    .fetch_one(db)
    .await?;
    let lines = lines(db, id).await?;
    let totals = money::totals(
        &lines
            .iter()
            .map(|l| LineAmount {
                net_cents: l.net_cents,
                vat: l.vat,
            })
            .collect::<Vec<_>>(),
    );
    Ok(Some(DocDetail {
        summary,
        recipient: r.try_get("recipient")?,
        seller: r.try_get("seller")?,
        tax_id: r.try_get("tax_id")?,
        bank: r.try_get("bank")?,
        notes: r.try_get("notes")?,
        lines,
        totals,
        decision_comment: r.try_get("decision_comment")?,
        from_quote: r.try_get("quote_number")?,
    }))
}

/// The documents of one client, newest first.
pub async fn of_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
) -> Result<Vec<DocSummary>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {SUMMARY_COLS} FROM invoices i JOIN clients k ON k.id = i.client_id \
         WHERE i.org_id = $1 AND i.client_id = $2 ORDER BY i.created_at DESC, i.id DESC"
    ))
    .bind(org_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(summary).collect()
}

/// The firm's documents of clients the viewer sees, newest first, optionally of one state.
pub async fn of_firm(
    db: &Db,
    org_id: &str,
    viewer: &str,
    state: Option<DocState>,
    limit: i64,
) -> Result<Vec<DocSummary>, sqlx::Error> {
    let state = state.map(|s| s.as_str()).unwrap_or("");
    let rows = sqlx::query(&format!(
        "SELECT {SUMMARY_COLS} FROM invoices i JOIN clients k ON k.id = i.client_id \
         WHERE i.org_id = $1 AND {} AND {} \
         ORDER BY i.created_at DESC, i.id DESC LIMIT $4",
        crate::server::db::given(2, state, "i.state = $2"),
        crate::clients::access::visible("i.client_id", 3, viewer)
    ))
    .bind(org_id)
    .bind(state)
    .bind(viewer)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(summary).collect()
}

/// Recomputes the stored amounts of a document from its lines.
async fn refresh_totals(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let rows =
        sqlx::query("SELECT vat_percent, net_cents FROM invoice_lines WHERE invoice_id = $1")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
    let amounts = rows
        .iter()
        .map(|r| {
            let vat: i64 = r.try_get("vat_percent")?;
            Ok(LineAmount {
                net_cents: r.try_get("net_cents")?,
                vat: VatRate::parse(&vat.to_string()).unwrap_or(VatRate::Full),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let t = money::totals(&amounts);
    sqlx::query(
        "UPDATE invoices SET net_cents = $2, vat_cents = $3, gross_cents = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(t.net_cents)
    .bind(t.vat_cents)
    .bind(t.gross_cents)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes the draft's row lock first (SQLite: the write lock) and tells whether it is still a
/// draft of the firm.
async fn lock_draft(
    tx: &mut sqlx::Transaction<'_, Any>,
    org_id: &str,
    id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE invoices SET updated_at = $3 WHERE org_id = $1 AND id = $2 AND state = 'draft'",
    )
    .bind(org_id)
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

pub struct NewLine<'a> {
    pub description: &'a str,
    pub quantity_milli: i64,
    pub unit: &'a str,
    pub unit_cents: i64,
    pub vat: VatRate,
}

/// Adds a line at the end of a draft. `Ok(false)`: no such draft (gone, or issued meanwhile).
pub async fn add_line(
    db: &Db,
    org_id: &str,
    id: &str,
    l: &NewLine<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    if !lock_draft(&mut tx, org_id, id, now).await? {
        return Ok(false);
    }
    let count: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM invoice_lines WHERE invoice_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if count as usize >= domain::LINES_MAX {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO invoice_lines (id, invoice_id, position, description, quantity_milli, unit, unit_cents, vat_percent, net_cents) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(id)
    .bind(count)
    .bind(l.description)
    .bind(l.quantity_milli)
    .bind(l.unit)
    .bind(l.unit_cents)
    .bind(l.vat.percent())
    .bind(money::line_net(l.quantity_milli, l.unit_cents))
    .execute(&mut *tx)
    .await?;
    refresh_totals(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Removes a line of a draft. `Ok(false)`: no such line on a draft of the firm.
pub async fn remove_line(
    db: &Db,
    org_id: &str,
    id: &str,
    line_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    if !lock_draft(&mut tx, org_id, id, now).await? {
        return Ok(false);
    }
    let n = sqlx::query("DELETE FROM invoice_lines WHERE id = $1 AND invoice_id = $2")
        .bind(line_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    refresh_totals(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The invoice a line belongs to, within the firm.
pub async fn doc_of_line(
    db: &Db,
    org_id: &str,
    line_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT l.invoice_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
         WHERE l.id = $1 AND i.org_id = $2",
    )
    .bind(line_id)
    .bind(org_id)
    .fetch_optional(db)
    .await
}

/// Saves a draft's recipient, notes and due date. `Ok(false)`: no such draft.
pub async fn save_header(
    db: &Db,
    org_id: &str,
    id: &str,
    recipient: &str,
    notes: &str,
    due_at: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE invoices SET recipient = $3, notes = $4, due_at = $5, updated_at = $6 \
         WHERE org_id = $1 AND id = $2 AND state = 'draft'",
    )
    .bind(org_id)
    .bind(id)
    .bind(recipient)
    .bind(notes)
    .bind(due_at)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Deletes a draft (never an issued document).
pub async fn delete_draft(db: &Db, org_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM invoices WHERE org_id = $1 AND id = $2 AND state = 'draft'")
            .bind(org_id)
            .bind(id)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Issues a draft: marks it sent first (the row lock, and only once), takes the next number of
/// the firm's sequence for the kind and year, and copies the firm's billing details onto it —
/// all in one transaction, so a failure gives the number back and the sequence has no gaps.
/// Returns the number, or `None` when it was no longer a draft.
pub async fn issue(
    db: &Db,
    org_id: &str,
    id: &str,
    year: i32,
    due_at: Option<i64>,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE invoices SET state = 'sent', issued_at = $3, updated_at = $3, \
         due_at = COALESCE(due_at, $4) WHERE org_id = $1 AND id = $2 AND state = 'draft'",
    )
    .bind(org_id)
    .bind(id)
    .bind(now)
    .bind(due_at)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    let kind: String = sqlx::query_scalar("SELECT kind FROM invoices WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    // One statement on both engines: the first number of a year inserts, every further one
    // increments under the row's lock.
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO invoice_numbers (org_id, kind, year, last) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (org_id, kind, year) DO UPDATE SET last = invoice_numbers.last + 1 \
         RETURNING last",
    )
    .bind(org_id)
    .bind(&kind)
    .bind(year as i64)
    .fetch_one(&mut *tx)
    .await?;
    let number = domain::number(DocKind::parse(&kind).unwrap_or_default(), year, seq);
    sqlx::query(
        "UPDATE invoices SET number = $2, \
         seller = (SELECT billing_address FROM orgs WHERE id = $3), \
         tax_id = (SELECT billing_tax_id FROM orgs WHERE id = $3), \
         bank = (SELECT billing_bank FROM orgs WHERE id = $3) WHERE id = $1",
    )
    .bind(id)
    .bind(&number)
    .bind(org_id)
    .execute(&mut *tx)
    .await?;
    // The client's mail, in the same transaction: issued means mailed (once).
    let mail = super::mail::INVOICE_MAIL;
    let dedup = format!("{mail}:{id}");
    crate::server::jobs::enqueue(&mut *tx, mail, id, Some(&dedup), now).await?;
    tx.commit().await?;
    Ok(Some(number))
}

/// Moves a document from one state to another (only if it is still in `from`); stamps the
/// time of payment, cancellation or decision.
pub async fn set_state(
    db: &Db,
    org_id: &str,
    id: &str,
    from: DocState,
    to: DocState,
    comment: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let stamp = match to {
        DocState::Paid => "paid_at = $5, ",
        DocState::Cancelled => "cancelled_at = $5, ",
        DocState::Accepted | DocState::Rejected => "decided_at = $5, ",
        _ => "",
    };
    Ok(sqlx::query(&format!(
        "UPDATE invoices SET state = $4, {stamp}updated_at = $5, \
         decision_comment = CASE WHEN $6 = '' THEN decision_comment ELSE $6 END \
         WHERE org_id = $1 AND id = $2 AND state = $3"
    ))
    .bind(org_id)
    .bind(id)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(now)
    .bind(comment)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Sent invoices whose due date has passed become overdue; returns (org, client, id, number)
/// of each, for the firm's staff to hear of.
pub async fn mark_overdue(
    db: &Db,
    now: i64,
) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, org_id, client_id, number FROM invoices \
         WHERE state = 'sent' AND kind = 'invoice' AND due_at IS NOT NULL AND due_at < $1",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let (id, org): (String, String) = (r.try_get("id")?, r.try_get("org_id")?);
        if set_state(db, &org, &id, DocState::Sent, DocState::Overdue, "", now).await? {
            out.push((org, r.try_get("client_id")?, id, r.try_get("number")?));
        }
    }
    Ok(out)
}

/// Copies a quote's lines onto a new invoice draft for the same client (in one transaction);
/// returns the new draft's id.
pub async fn invoice_from_quote(
    db: &Db,
    org_id: &str,
    quote: &DocDetail,
    created_by: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    let mut tx = db.begin().await?;
    let id = create(
        &mut *tx,
        &NewDoc {
            org_id,
            client_id: &quote.summary.client_id,
            kind: DocKind::Invoice,
            recipient: &quote.recipient,
            created_by,
            quote_id: Some(&quote.summary.id),
            now,
        },
    )
    .await?;
    for (position, l) in quote.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO invoice_lines (id, invoice_id, position, description, quantity_milli, unit, unit_cents, vat_percent, net_cents) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id())
        .bind(&id)
        .bind(position as i64)
        .bind(&l.description)
        .bind(l.quantity_milli)
        .bind(&l.unit)
        .bind(l.unit_cents)
        .bind(l.vat.percent())
        .bind(l.net_cents)
        .execute(&mut *tx)
        .await?;
    }
    refresh_totals(&mut tx, &id, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// What the client paid over all time, and what it owes now (sent or overdue invoices).
pub async fn client_totals(
    db: &Db,
    org_id: &str,
    client_id: &str,
) -> Result<(i64, i64), sqlx::Error> {
    let r = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN state = 'paid' THEN gross_cents ELSE 0 END), 0) AS BIGINT) AS paid, \
         CAST(COALESCE(SUM(CASE WHEN state IN ('sent', 'overdue') THEN gross_cents ELSE 0 END), 0) AS BIGINT) AS open \
         FROM invoices WHERE org_id = $1 AND client_id = $2 AND kind = 'invoice'",
    )
    .bind(org_id)
    .bind(client_id)
    .fetch_one(db)
    .await?;
    Ok((r.try_get("paid")?, r.try_get("open")?))
}

/// The documents issued to a client (never drafts), optionally of one state (`open`: sent or
/// overdue), in the chosen order.
pub async fn issued_to_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
    state: Option<&str>,
    sort: super::portal::Sort,
) -> Result<Vec<DocSummary>, sqlx::Error> {
    let state = state.unwrap_or("");
    let wanted = match state {
        "open" => "$3 = 'open' AND i.state IN ('sent', 'overdue')",
        _ => "i.state = $3",
    };
    let rows = sqlx::query(&format!(
        "SELECT {SUMMARY_COLS} FROM invoices i JOIN clients k ON k.id = i.client_id \
         WHERE i.org_id = $1 AND i.client_id = $2 AND i.state <> 'draft' AND {} \
         ORDER BY {}",
        crate::server::db::given(3, state, wanted),
        sort.order_by()
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(state)
    .fetch_all(db)
    .await?;
    rows.iter().map(summary).collect()
}

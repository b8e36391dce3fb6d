//! Retention (Aufbewahrung): a firm may have archived cases deleted once they are older than N
//! months — with their requested documents, their files (blobs too) and their conversation.
//! Every scan first warns: the firm's owners get one mail listing the cases due within a
//! week; a case is deleted only when it is due and its warning is at least a week old, so
//! shortening the period never deletes anything without a week's notice.

use crate::server::db::Db;
use crate::server::AppState;
use sqlx::Row;
use std::collections::BTreeMap;

pub const RETENTION_MAIL: &str = "retention_mail";
const DAY: i64 = 86_400_000;
/// Notice before deletion.
pub const WARN_AHEAD: i64 = 7 * DAY;
/// The longest period an owner may set (ten years, the longest German retention duty).
pub const MAX_MONTHS: i64 = 120;

/// `ms` plus `months` calendar months (German time), the day clamped to the month's end.
pub fn add_months(ms: i64, months: i64) -> i64 {
    let off = crate::ui::format::berlin_offset_ms(ms);
    let local = time::OffsetDateTime::from_unix_timestamp_nanos((ms + off) as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let total = local.year() as i64 * 12 + (local.month() as i64 - 1) + months;
    let (year, month0) = (total.div_euclid(12) as i32, total.rem_euclid(12) as u8);
    let month = time::Month::try_from(month0 + 1).unwrap_or(time::Month::January);
    let day = local.day().min(month.length(year));
    let date = time::Date::from_calendar_date(year, month, day).unwrap_or(local.date());
    let shifted = date.with_time(local.time()).assume_utc();
    let naive = (shifted.unix_timestamp_nanos() / 1_000_000) as i64;
    naive - crate::ui::format::berlin_offset_ms(naive)
}

/// An archived case under a firm's retention.
struct Due {
    id: String,
    org_id: String,
    title: String,
    client: String,
    delete_at: i64,
    warned_at: Option<i64>,
}

/// Archived cases that may be within a week of their date at `now`. A month has at least 28
/// days, so the SQL bound lets through every case that can be due (the exact calendar date is
/// worked out here) and keeps the scan, run every minute, off cases archived too recently.
async fn archived(db: &Db, now: i64) -> Result<Vec<Due>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.org_id, c.title, c.closed_at, c.retention_warned_at, o.retention_months, k.name \
         FROM cases c JOIN orgs o ON o.id = c.org_id JOIN clients k ON k.id = c.client_id \
         WHERE c.state = 'archived' AND o.retention_months > 0 AND c.closed_at IS NOT NULL \
           AND c.closed_at <= $1 - o.retention_months * $2 \
         ORDER BY c.org_id, c.closed_at, c.id",
    )
    .bind(now + WARN_AHEAD)
    .bind(28 * DAY)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                title: r.try_get("title")?,
                client: r.try_get("name")?,
                delete_at: add_months(r.try_get("closed_at")?, r.try_get("retention_months")?),
                warned_at: r.try_get("retention_warned_at")?,
            })
        })
        .collect()
}

/// What a scan did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    pub warned: usize,
    pub deleted: usize,
}

/// Warns about cases due within a week and deletes those due whose warning is a week old.
pub async fn scan(st: &AppState, now: i64) -> Result<Scan, sqlx::Error> {
    let mut out = Scan::default();
    let mut warn: BTreeMap<String, Vec<Due>> = BTreeMap::new();
    for c in archived(&st.db, now).await? {
        match c.warned_at {
            None if c.delete_at - WARN_AHEAD <= now => {
                warn.entry(c.org_id.clone()).or_default().push(c)
            }
            Some(w) if c.delete_at <= now && w + WARN_AHEAD <= now => {
                out.deleted += usize::from(delete_case(st, &c, now).await?);
            }
            _ => {}
        }
    }
    for (org, cases) in warn {
        // The marks and the mail job in one transaction: one warning per case, never lost.
        let mut tx = st.db.begin().await?;
        let mut lines = Vec::new();
        for c in &cases {
            let n = sqlx::query(
                "UPDATE cases SET retention_warned_at = $2 WHERE id = $1 AND retention_warned_at IS NULL",
            )
            .bind(&c.id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                // Never before a week from now, whatever the period says.
                let at = c.delete_at.max(now + WARN_AHEAD);
                lines.push(format!("{at}\t{}\t{}", c.client, c.title));
            }
        }
        if !lines.is_empty() {
            out.warned += lines.len();
            let payload = format!("{org}\n{}", lines.join("\n"));
            crate::server::jobs::enqueue(&mut *tx, RETENTION_MAIL, &payload, None, now).await?;
        }
        tx.commit().await?;
    }
    Ok(out)
}

/// Deletes one archived case with its files (and blobs) and its conversation, if it is still
/// archived; records it without naming the client.
async fn delete_case(st: &AppState, c: &Due, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = st.db.begin().await?;
    // A write first takes the lock; a case reopened meanwhile is left alone.
    let n = sqlx::query("UPDATE cases SET updated_at = $2 WHERE id = $1 AND state = 'archived'")
        .bind(&c.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    let files: Vec<String> = sqlx::query_scalar(
        "SELECT f.id FROM files f JOIN case_items i ON i.id = f.item_id WHERE i.case_id = $1",
    )
    .bind(&c.id)
    .fetch_all(&mut *tx)
    .await?;
    for f in &files {
        sqlx::query("DELETE FROM files WHERE id = $1")
            .bind(f)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM messages WHERE org_id = $1 AND conv = $2")
        .bind(&c.org_id)
        .bind(&c.id)
        .execute(&mut *tx)
        .await?;
    let client: Option<String> = sqlx::query_scalar("SELECT client_id FROM cases WHERE id = $1")
        .bind(&c.id)
        .fetch_optional(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM cases WHERE id = $1")
        .bind(&c.id)
        .execute(&mut *tx)
        .await?;
    crate::audit::repo::record(
        &mut *tx,
        &c.org_id,
        &crate::audit::repo::Actor {
            name: "Aufbewahrung".into(),
            ..Default::default()
        },
        client.as_deref(),
        crate::audit::action::CASE_RETENTION_DELETED,
        &format!("{} files", files.len()),
    )
    .await?;
    tx.commit().await?;
    for f in &files {
        if let Err(e) = st.storage.delete(&c.org_id, f).await {
            tracing::warn!(blob = %f, error = %e, "blob of a deleted case not removed");
        }
    }
    Ok(true)
}

/// The `retention_mail` job: `org\n<delete_at>\t<client>\t<title>…` — one mail to every
/// active owner.
pub async fn send_retention_mail(st: &AppState, payload: &str) -> Result<(), String> {
    let e = |e: sqlx::Error| e.to_string();
    let mut lines = payload.lines();
    let org = lines.next().ok_or("empty payload")?;
    let t = crate::i18n::Lang::default().t();
    let list: String = lines
        .filter_map(|l| {
            let mut it = l.splitn(3, '\t');
            let at: i64 = it.next()?.parse().ok()?;
            Some(format!(
                "- {} · {} ({})\n",
                it.next()?,
                it.next()?,
                crate::ui::format::date(at, crate::i18n::Lang::De)
            ))
        })
        .collect();
    let owners: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.email, o.name FROM users u JOIN orgs o ON o.id = u.org_id \
         WHERE u.org_id = $1 AND u.role = 'owner' AND u.active = 1",
    )
    .bind(org)
    .fetch_all(&st.db)
    .await
    .map_err(e)?;
    for (to, firm) in owners {
        st.mailer
            .send(crate::server::mail::Mail {
                to,
                subject: crate::i18n::fill(t.retention_subject, &[("firm", &firm)]),
                text: format!(
                    "{}\n\n{}\n\n{}\n\n{}",
                    t.nm_hello,
                    t.retention_intro,
                    list.trim_end(),
                    crate::i18n::fill(
                        t.retention_outro,
                        &[("link", &format!("{}/settings", st.config.public_url()))]
                    ),
                ),
                html: None,
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-31 10:00 Berlin (CET) as unix ms.
    const JAN_31: i64 = 1_769_850_000_000;

    #[test]
    fn months_are_calendar_months_in_german_time() {
        let day = |ms: i64| crate::ui::format::date(ms, crate::i18n::Lang::En);
        assert_eq!(day(JAN_31), "2026-01-31");
        // Clamped to the end of February; summer time (CEST) keeps the local hour.
        assert_eq!(day(add_months(JAN_31, 1)), "2026-02-28");
        let july = add_months(JAN_31, 6);
        assert_eq!(day(july), "2026-07-31");
        assert_eq!(july - JAN_31, 181 * DAY - 3_600_000);
        assert_eq!(day(add_months(JAN_31, 13)), "2027-02-28");
        assert_eq!(add_months(JAN_31, 0), JAN_31);
    }
}

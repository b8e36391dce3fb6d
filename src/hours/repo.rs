//! SQL for hours and budgets; the firm's id first, the client's second.

use super::{Month, TimeEntry};
use crate::server::db::{new_id, Db};
use sqlx::Row;

pub struct NewEntry<'a> {
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub case_id: Option<&'a str>,
    pub user_id: &'a str,
    pub work_date: &'a str,
    pub minutes: i64,
    pub description: &'a str,
    pub now: i64,
}

/// Logs an entry; returns its id. A case must be one of the client's (checked by the caller).
pub async fn log(db: &Db, e: &NewEntry<'_>) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO time_entries (id, org_id, client_id, case_id, user_id, work_date, minutes, description, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(e.org_id)
    .bind(e.client_id)
    .bind(e.case_id)
    .bind(e.user_id)
    .bind(e.work_date)
    .bind(e.minutes)
    .bind(e.description)
    .bind(e.now)
    .execute(db)
    .await?;
    Ok(id)
}

/// Whether `case_id` is a case of this client of the firm.
pub async fn case_of_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
    case_id: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM cases WHERE org_id = $1 AND client_id = $2 AND id = $3",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(case_id)
    .fetch_one(db)
    .await?;
    Ok(n == 1)
}

/// Who is looking at a month's entries.
pub enum Viewer<'a> {
    /// A staff member: `viewer` as in `clients::access` (entries of cases they do not see are
    /// left out), `user_id` to mark their own entries, `all` when they may delete any.
    Staff {
        viewer: &'a str,
        user_id: &'a str,
        all: bool,
    },
    /// The client in the portal: every entry, without staff names.
    Client,
}

/// The month's entries the viewer sees, newest day first.
pub async fn entries(
    db: &Db,
    org_id: &str,
    client_id: &str,
    month: Month,
    who: &Viewer<'_>,
) -> Result<Vec<TimeEntry>, sqlx::Error> {
    let viewer = match who {
        Viewer::Staff { viewer, .. } => *viewer,
        Viewer::Client => "",
    };
    let sql = format!(
        "SELECT e.id, e.work_date, e.minutes, e.description, COALESCE(k.title, '') AS case_title, \
         COALESCE(u.name, '') AS by_name, COALESCE(e.user_id, '') AS user_id \
         FROM time_entries e LEFT JOIN cases k ON k.id = e.case_id LEFT JOIN users u ON u.id = e.user_id \
         WHERE e.org_id = $1 AND e.client_id = $2 AND e.work_date LIKE $3 AND {} \
         ORDER BY e.work_date DESC, e.created_at DESC, e.id DESC",
        crate::clients::access::case_visible("e.case_id", 4, viewer)
    );
    let rows = sqlx::query(&sql)
        .bind(org_id)
        .bind(client_id)
        .bind(format!("{}-%", month.key()))
        .bind(viewer)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| {
            let author: String = r.try_get("user_id")?;
            let (by, can_delete) = match who {
                Viewer::Staff { user_id, all, .. } => {
                    (r.try_get("by_name")?, *all || author == *user_id)
                }
                Viewer::Client => (String::new(), false),
            };
            Ok(TimeEntry {
                id: r.try_get("id")?,
                work_date: r.try_get("work_date")?,
                minutes: r.try_get("minutes")?,
                description: r.try_get("description")?,
                case_title: r.try_get("case_title")?,
                by,
                can_delete,
            })
        })
        .collect()
}

/// Minutes per month from `from` on (all entries, whoever sees them).
pub async fn used_by_month(
    db: &Db,
    org_id: &str,
    client_id: &str,
    from: Month,
) -> Result<Vec<(Month, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT SUBSTR(work_date, 1, 7) AS month, CAST(SUM(minutes) AS BIGINT) AS minutes \
         FROM time_entries WHERE org_id = $1 AND client_id = $2 AND work_date >= $3 \
         GROUP BY SUBSTR(work_date, 1, 7)",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(format!("{}-01", from.key()))
    .fetch_all(db)
    .await?;
    by_month(&rows)
}

/// Rows of (`month` "2026-11", `minutes`) as pairs; rows with a broken month are left out.
fn by_month(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(Month, i64)>, sqlx::Error> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let month: String = r.try_get("month")?;
        if let Some(m) = Month::parse(&month) {
            out.push((m, r.try_get("minutes")?));
        }
    }
    Ok(out)
}

/// Every budget setting of the client, oldest first.
pub async fn budgets(
    db: &Db,
    org_id: &str,
    client_id: &str,
) -> Result<Vec<(Month, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT month, minutes FROM client_budgets WHERE org_id = $1 AND client_id = $2 ORDER BY month",
    )
    .bind(org_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    by_month(&rows)
}

/// Sets the budget from `month` on (0: none); a later setting stays in force after it.
pub async fn set_budget(
    db: &Db,
    org_id: &str,
    client_id: &str,
    month: Month,
    minutes: i64,
    by: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO client_budgets (org_id, client_id, month, minutes, set_by, set_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (client_id, month) DO UPDATE SET minutes = excluded.minutes, \
         set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(month.key())
    .bind(minutes)
    .bind(by)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// An entry as far as deleting it goes.
pub struct Stored {
    pub client_id: String,
    pub case_id: Option<String>,
    pub user_id: Option<String>,
    pub minutes: i64,
    pub description: String,
    pub work_date: String,
}

pub async fn get(db: &Db, org_id: &str, id: &str) -> Result<Option<Stored>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT client_id, case_id, user_id, minutes, description, work_date FROM time_entries \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(Stored {
            client_id: r.try_get("client_id")?,
            case_id: r.try_get("case_id")?,
            user_id: r.try_get("user_id")?,
            minutes: r.try_get("minutes")?,
            description: r.try_get("description")?,
            work_date: r.try_get("work_date")?,
        })
    })
    .transpose()
}

/// Deletes an entry; whether it was there.
pub async fn delete(db: &Db, org_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("DELETE FROM time_entries WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Whether the firm shows clients their hours in the portal.
pub async fn in_portal(db: &Db, org_id: &str) -> Result<bool, sqlx::Error> {
    let v: Option<i64> = sqlx::query_scalar("SELECT hours_in_portal FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_optional(db)
        .await?;
    Ok(v == Some(1))
}

/// Everything a page shows for `month` (`None`: the current one; never a later one).
pub async fn page(
    db: &Db,
    org_id: &str,
    client_id: &str,
    month: Option<Month>,
    who: &Viewer<'_>,
    now: i64,
) -> Result<super::Hours, sqlx::Error> {
    let (today, current) = super::today(now);
    let month = month.unwrap_or(current).min(current);
    let from = month.min(current.plus(1 - super::OVERVIEW_MONTHS));
    let used = used_by_month(db, org_id, client_id, from).await?;
    let budgets = budgets(db, org_id, client_id).await?;
    let entries = entries(db, org_id, client_id, month, who).await?;
    let figure = super::figure(&used, &budgets, month);
    let listed: i64 = entries.iter().map(|e| e.minutes).sum();
    Ok(super::Hours {
        month,
        current,
        today,
        hidden_minutes: (figure.used - listed).max(0),
        figure,
        entries,
        months: super::overview(&used, &budgets, current),
        budget: super::budget_in(&budgets, current),
        in_portal: in_portal(db, org_id).await?,
    })
}

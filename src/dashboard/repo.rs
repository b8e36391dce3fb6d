//! The dashboard's queries: counts and aggregates, each one indexed query per firm, of the
//! clients and cases the viewer sees (`$2`: `clients::access::viewer`).

use super::ProgressRow;
use crate::clients::ClientStatus;
use crate::server::db::Db;
use sqlx::Row;

/// A count of the firm's rows, the viewer as `$2` and an optional point in time as `$3`.
async fn count(
    db: &Db,
    sql: &str,
    org_id: &str,
    viewer: &str,
    at: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let q = sqlx::query_scalar(sql).bind(org_id).bind(viewer);
    match at {
        Some(at) => q.bind(at).fetch_one(db).await,
        None => q.fetch_one(db).await,
    }
}

pub struct Figures {
    pub open_cases: i64,
    pub closed_today: i64,
    pub last_upload_at: Option<i64>,
    pub overdue_items: i64,
    pub to_review: i64,
}

pub async fn figures(
    db: &Db,
    org_id: &str,
    viewer: &str,
    now: i64,
    today: i64,
) -> Result<Figures, sqlx::Error> {
    use crate::clients::access::{case_visible, file_visible, visible};
    let open_cases = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM cases WHERE org_id = $1 AND state = 'open' AND {} AND {}",
            visible("cases.client_id", 2, viewer),
            case_visible("cases.id", 2, viewer)
        ),
        org_id,
        viewer,
        None,
    )
    .await?;
    let closed_today = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM cases WHERE org_id = $1 AND state = 'closed' AND closed_at >= $3 AND {} AND {}",
            visible("cases.client_id", 2, viewer),
            case_visible("cases.id", 2, viewer)
        ),
        org_id,
        viewer,
        Some(today),
    )
    .await?;
    let overdue_items = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM case_items i JOIN cases c ON c.id = i.case_id \
             WHERE i.org_id = $1 AND i.state IN ('ausstehend', 'rueckfrage') AND i.deadline_at < $3 AND c.state = 'open' AND {} AND {}",
            visible("c.client_id", 2, viewer),
            case_visible("c.id", 2, viewer)
        ),
        org_id,
        viewer,
        Some(now),
    )
    .await?;
    let to_review = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM files WHERE org_id = $1 AND direction = 'received' \
             AND scan_state = 'clean' AND review_state = 'neu' AND {} AND {}",
            visible("files.client_id", 2, viewer),
            file_visible("files", 2, viewer)
        ),
        org_id,
        viewer,
        None,
    )
    .await?;
    let last_upload_at: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT MAX(last_upload_at) FROM clients WHERE org_id = $1 AND {}",
        visible("clients.id", 2, viewer)
    ))
    .bind(org_id)
    .bind(viewer)
    .fetch_one(db)
    .await?;
    Ok(Figures {
        open_cases,
        closed_today,
        last_upload_at,
        overdue_items,
        to_review,
    })
}

pub struct Filter<'a> {
    pub viewer: &'a str,
    pub responsible: Option<&'a str>,
    pub status: Option<ClientStatus>,
}

/// Clients with open cases, the most urgent first, and how many there are.
pub async fn progress(
    db: &Db,
    org_id: &str,
    f: &Filter<'_>,
    limit: i64,
) -> Result<(Vec<ProgressRow>, i64), sqlx::Error> {
    let mut cond = format!(
        "c.org_id = $1 AND c.state = 'open' AND {} AND {}",
        crate::clients::access::visible("k.id", 2, f.viewer),
        crate::clients::access::case_visible("c.id", 2, f.viewer)
    );
    let mut args: Vec<String> = vec![org_id.to_string(), f.viewer.to_string()];
    if let Some(r) = f.responsible {
        args.push(r.to_string());
        cond.push_str(&format!(" AND c.responsible_id = ${}", args.len()));
    }
    if let Some(s) = f.status {
        args.push(s.as_str().to_string());
        cond.push_str(&format!(" AND k.status = ${}", args.len()));
    }
    let sql = format!(
        "SELECT k.id, k.name, k.status, CAST(COUNT(DISTINCT c.id) AS BIGINT) AS open_cases, \
         CAST(COALESCE(SUM(CASE WHEN i.required = 1 AND i.state = 'geprueft' THEN 1 ELSE 0 END), 0) AS BIGINT) AS done, \
         CAST(COALESCE(SUM(CASE WHEN i.required = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS required, \
         MIN(CASE WHEN i.state IN ('ausstehend', 'rueckfrage') THEN i.deadline_at END) AS next_deadline \
         FROM cases c JOIN clients k ON k.id = c.client_id LEFT JOIN case_items i ON i.case_id = c.id \
         WHERE {cond} GROUP BY k.id, k.name, k.status \
         ORDER BY CASE WHEN MIN(CASE WHEN i.state IN ('ausstehend', 'rueckfrage') THEN i.deadline_at END) IS NULL THEN 1 ELSE 0 END, \
         next_deadline, k.name, k.id LIMIT {limit}"
    );
    let mut q = sqlx::query(&sql);
    for a in &args {
        q = q.bind(a);
    }
    let rows = q.fetch_all(db).await?;
    let rows = rows
        .iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(ProgressRow {
                client_id: r.try_get("id")?,
                client_name: r.try_get("name")?,
                status: ClientStatus::parse(&status).unwrap_or_default(),
                open_cases: r.try_get("open_cases")?,
                done: r.try_get("done")?,
                required: r.try_get("required")?,
                next_deadline: r.try_get("next_deadline")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let total_sql = format!(
        "SELECT CAST(COUNT(DISTINCT k.id) AS BIGINT) FROM cases c JOIN clients k ON k.id = c.client_id WHERE {cond}"
    );
    let mut q = sqlx::query_scalar(&total_sql);
    for a in &args {
        q = q.bind(a);
    }
    let total: i64 = q.fetch_one(db).await?;
    Ok((rows, total))
}

/// Received files per day since `from` (a Berlin midnight), grouped with the Berlin offset
/// `off` (ms): `days` values, oldest first.
pub async fn uploads_per_day(
    db: &Db,
    org_id: &str,
    viewer: &str,
    from: i64,
    off: i64,
    days: usize,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT CAST((created_at + $3) / 86400000 AS BIGINT) AS day, CAST(COUNT(*) AS BIGINT) AS n FROM files \
         WHERE org_id = $1 AND direction = 'received' AND created_at >= $2 AND {} AND {} \
         GROUP BY CAST((created_at + $3) / 86400000 AS BIGINT)",
        crate::clients::access::visible("files.client_id", 4, viewer),
        crate::clients::access::file_visible("files", 4, viewer)
    ))
    .bind(org_id)
    .bind(from)
    .bind(off)
    .bind(viewer)
    .fetch_all(db)
    .await?;
    let first = (from + off).div_euclid(86_400_000);
    let mut out: Vec<(i64, i64)> = (0..days as i64)
        .map(|d| (from + d * 86_400_000, 0))
        .collect();
    for r in &rows {
        let day: i64 = r.try_get("day")?;
        let n: i64 = r.try_get("n")?;
        if let Some(slot) = out.get_mut((day - first) as usize) {
            slot.1 += n;
        }
    }
    Ok(out)
}

/// For each week start: items open at the week's end and items geprüft during the week, in
/// one pass over the firm's items.
pub async fn items_per_week(
    db: &Db,
    org_id: &str,
    viewer: &str,
    weeks: &[i64],
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    if weeks.is_empty() {
        return Ok(Vec::new());
    }
    // Week boundaries are numbers we computed, not input: formatting them in is safe.
    let mut cols = Vec::new();
    for (n, &start) in weeks.iter().enumerate() {
        let end = start + 7 * 86_400_000;
        cols.push(format!(
            "CAST(COALESCE(SUM(CASE WHEN created_at < {end} AND NOT (state = 'geprueft' AND updated_at < {end}) THEN 1 ELSE 0 END), 0) AS BIGINT) AS open{n}, \
             CAST(COALESCE(SUM(CASE WHEN state = 'geprueft' AND updated_at >= {start} AND updated_at < {end} THEN 1 ELSE 0 END), 0) AS BIGINT) AS done{n}"
        ));
    }
    let first = weeks[0];
    let sql = format!(
        "SELECT {} FROM case_items WHERE org_id = $1 AND NOT (state = 'geprueft' AND updated_at < {first}) AND {} AND {}",
        cols.join(", "),
        crate::clients::access::visible("case_items.client_id", 2, viewer),
        crate::clients::access::case_visible("case_items.case_id", 2, viewer)
    );
    let row = sqlx::query(&sql)
        .bind(org_id)
        .bind(viewer)
        .fetch_one(db)
        .await?;
    weeks
        .iter()
        .enumerate()
        .map(|(n, &start)| {
            Ok((
                start,
                row.try_get(format!("open{n}").as_str())?,
                row.try_get(format!("done{n}").as_str())?,
            ))
        })
        .collect()
}

use super::Dashboard;
use crate::error::AppError;
use leptos::prelude::*;

/// Everything the staff home shows; `responsible` (a member id) and `status` (a client status)
/// filter the progress table.
#[server(prefix = "/api", endpoint = "load_dashboard")]
pub async fn load_dashboard(
    responsible: Option<String>,
    status: Option<String>,
) -> Result<Dashboard, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let st = &me.req.state;
            let org = me.org_id();
            let responsible = responsible.unwrap_or_default();
            let status = status.unwrap_or_default();
            let now = crate::server::db::now_ms();
            // Who sees which clients is part of the key: a member on a restricted client's
            // team and one who is not see different figures.
            let viewer = me.viewer();
            let key = format!("{org}|{viewer}|{responsible}|{status}");
            let d = st
                .dashboards
                .get_or(org, key, now, || {
                    compute(&st.db, org, viewer, &responsible, &status, now)
                })
                .await?;
            Ok((*d).clone())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn compute(
    db: &crate::server::db::Db,
    org: &str,
    viewer: &str,
    responsible: &str,
    status: &str,
    now: i64,
) -> Result<Dashboard, AppError> {
    use crate::ui::format::{berlin_offset_ms, day_start, week_start};
    let today = day_start(now);
    let f = super::repo::figures(db, org, viewer, now, today).await?;
    let filter = super::repo::Filter {
        viewer,
        responsible: Some(responsible).filter(|s| !s.is_empty()),
        status: crate::clients::ClientStatus::parse(status),
    };
    let (rows, rows_total) = super::repo::progress(db, org, &filter, 100).await?;
    let from = day_start(today - 29 * 86_400_000 + 12 * 3_600_000);
    let uploads_per_day =
        super::repo::uploads_per_day(db, org, viewer, from, berlin_offset_ms(now), 30).await?;
    let this_week = week_start(now);
    let weeks: Vec<i64> = (0..8)
        .rev()
        .map(|w| week_start(this_week - w * 7 * 86_400_000 + 12 * 3_600_000))
        .collect();
    Ok(Dashboard {
        now,
        open_cases: f.open_cases,
        closed_today: f.closed_today,
        last_upload_at: f.last_upload_at,
        overdue_items: f.overdue_items,
        to_review: f.to_review,
        feed: crate::server::events::latest(db, org, viewer, 15).await?,
        rows,
        rows_total,
        members: crate::cases::api::active_members(db, org).await?,
        uploads_per_day,
        items_per_week: super::repo::items_per_week(db, org, viewer, &weeks).await?,
    })
}

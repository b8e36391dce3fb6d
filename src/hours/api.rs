//! Server functions of hours and budgets: staff who see a client read its hours, those who may
//! edit clients log time, delete entries (their own; owners and admins any) and set the
//! budget; the signed-in client reads their hours when the firm shows them (right "invoices").

use super::Hours;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn month_param(
    t: &crate::i18n::T,
    month: Option<String>,
) -> Result<Option<super::Month>, AppError> {
    match month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok(None),
        Some(m) => super::Month::parse(m)
            .map(Some)
            .ok_or_else(|| AppError::invalid("month", t.hours_month_invalid)),
    }
}

#[cfg(feature = "ssr")]
fn duration_error(
    t: &crate::i18n::T,
    field: &str,
    p: super::DurationProblem,
    budget: bool,
) -> AppError {
    use super::DurationProblem::*;
    let msg = match (p, budget) {
        (Empty, _) => t.f_required,
        (Invalid, false) => t.hours_duration_invalid,
        (Invalid, true) => t.hours_budget_invalid,
        (Zero, _) => t.hours_duration_zero,
        (TooLong, false) => t.hours_duration_long,
        (TooLong, true) => t.hours_budget_long,
    };
    AppError::invalid(field, msg)
}

/// The client's hours in `month` ("2026-11"; empty: this month) and the recent months.
#[server(prefix = "/api", endpoint = "list_hours")]
pub async fn list_hours(client_id: String, month: Option<String>) -> Result<Hours, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            me.require_client(&client_id).await?;
            let month = month_param(me.t(), month)?;
            let who = super::repo::Viewer::Staff {
                viewer: me.viewer(),
                user_id: &me.user.user_id,
                all: me
                    .user
                    .role
                    .may(crate::orgs::domain::Permission::ManageTeam),
            };
            let now = crate::server::db::now_ms();
            Ok(
                super::repo::page(&me.req.state.db, me.org_id(), &client_id, month, &who, now)
                    .await?,
            )
        }
        .await,
    )
}

/// Logs time for the client: a day up to today, a duration (`1:30`, `1,5`, `90 min`; at
/// most 24 h), what was done, and optionally one of the client's cases.
#[server(prefix = "/api", endpoint = "log_time")]
pub async fn log_time(
    client_id: String,
    case_id: Option<String>,
    work_date: Option<String>,
    duration: Option<String>,
    description: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            me.require_client(&client_id).await?;
            let db = &me.req.state.db;
            let now = crate::server::db::now_ms();
            let (today, _) = super::today(now);
            let work_date = match work_date
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
            {
                None => return Err(AppError::invalid("work_date", t.f_required)),
                Some(d) => super::parse_date(d)
                    .ok_or_else(|| AppError::invalid("work_date", t.hours_date_invalid))?,
            };
            if work_date > today {
                return Err(AppError::invalid("work_date", t.hours_date_future));
            }
            let minutes =
                super::parse_duration(duration.as_deref().unwrap_or(""), super::ENTRY_MAX_MINUTES)
                    .map_err(|p| duration_error(t, "duration", p, false))?;
            let description = crate::validate::text_field(
                t,
                "description",
                description.as_deref(),
                super::DESCRIPTION_MAX,
                true,
                false,
            )?;
            let case_id = case_id.filter(|c| !c.trim().is_empty());
            if let Some(case) = &case_id {
                let ours = super::repo::case_of_client(db, me.org_id(), &client_id, case).await?;
                if !ours || me.require_case(case).await.is_err() {
                    return Err(AppError::invalid("case_id", t.hours_case_unknown));
                }
            }
            let id = super::repo::log(
                db,
                &super::repo::NewEntry {
                    org_id: me.org_id(),
                    client_id: &client_id,
                    case_id: case_id.as_deref(),
                    user_id: &me.user.user_id,
                    work_date: &work_date,
                    minutes,
                    description: &description,
                    now,
                },
            )
            .await?;
            let detail = format!(
                "{} · {} · {}",
                work_date,
                super::format_duration(minutes),
                description
            );
            me.audit(
                Some(&client_id),
                crate::audit::action::HOURS_LOGGED,
                &detail,
            )
            .await?;
            Ok(id)
        }
        .await,
    )
}

/// Deletes an entry: one's own, or any as an owner or admin.
#[server(prefix = "/api", endpoint = "delete_time")]
pub async fn delete_time(id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let db = &me.req.state.db;
            let entry = super::repo::get(db, me.org_id(), &id)
                .await?
                .ok_or(AppError::NotFound)?;
            me.require_client(&entry.client_id).await?;
            if let Some(case) = &entry.case_id {
                me.require_case(case).await?;
            }
            let all = me
                .user
                .role
                .may(crate::orgs::domain::Permission::ManageTeam);
            if !all && entry.user_id.as_deref() != Some(me.user.user_id.as_str()) {
                return Err(AppError::Forbidden(me.t().hours_not_yours.into()));
            }
            if super::repo::delete(db, me.org_id(), &id).await? {
                let detail = format!(
                    "{} · {} · {}",
                    entry.work_date,
                    super::format_duration(entry.minutes),
                    entry.description
                );
                me.audit(
                    Some(&entry.client_id),
                    crate::audit::action::HOURS_DELETED,
                    &detail,
                )
                .await?;
            }
            Ok(())
        }
        .await,
    )
}

/// The client's monthly budget in hours (`10`, `7,5`, `7:30`; empty: none), in force from
/// this month on — earlier months keep theirs.
#[server(prefix = "/api", endpoint = "save_budget")]
pub async fn save_budget(client_id: String, budget: Option<String>) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            me.require_client(&client_id).await?;
            let minutes = match budget.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
                None => 0,
                Some(b) => super::parse_duration(b, super::BUDGET_MAX_MINUTES)
                    .map_err(|p| duration_error(t, "budget", p, true))?,
            };
            let now = crate::server::db::now_ms();
            let (_, month) = super::today(now);
            super::repo::set_budget(
                &me.req.state.db,
                me.org_id(),
                &client_id,
                month,
                minutes,
                &me.user.user_id,
                now,
            )
            .await?;
            let detail = match minutes {
                0 => format!("{} · –", month.key()),
                m => format!("{} · {}", month.key(), super::format_duration(m)),
            };
            me.audit(
                Some(&client_id),
                crate::audit::action::CLIENT_BUDGET_CHANGED,
                &detail,
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// The signed-in client's hours in `month` (empty: this month), when their firm shows hours in
/// the portal (else 404).
#[server(prefix = "/api", endpoint = "portal_hours")]
pub async fn portal_hours(month: Option<String>) -> Result<Hours, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Invoices)?;
            let db = &p.req.state.db;
            if !crate::portal::api::frame(&p.req, &p.org_id)
                .await?
                .hours_in_portal
            {
                return Err(AppError::NotFound);
            }
            let month = month_param(p.req.t(), month)?;
            let now = crate::server::db::now_ms();
            let who = super::repo::Viewer::Client;
            Ok(super::repo::page(db, &p.org_id, &p.client_id, month, &who, now).await?)
        }
        .await,
    )
}

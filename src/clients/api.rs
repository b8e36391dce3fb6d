//! Server functions of client management. Each authorizes first, then works only inside the
//! caller's org: another firm's client id answers `NotFound`.

use super::{ClientDetail, ClientPage};
use crate::error::AppError;
use leptos::prelude::*;

/// One page of clients, filtered by a search over name/email/company and by status.
#[server(prefix = "/api", endpoint = "list_clients")]
pub async fn list_clients(
    q: Option<String>,
    status: Option<String>,
    page: Option<u32>,
) -> Result<ClientPage, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            let page_size = me.req.state.config.limits.page_size;
            let page = page.unwrap_or(1).clamp(1, 100_000);
            let pattern = super::domain::search_pattern(q.as_deref().unwrap_or(""));
            let status = status.as_deref().and_then(super::ClientStatus::parse);
            let query = super::repo::ListQuery {
                viewer: me.viewer(),
                pattern: pattern.as_deref(),
                status,
                limit: page_size as i64,
                offset: (page as i64 - 1) * page_size as i64,
            };
            let (mut rows, total) = super::repo::list(db, me.org_id(), &query).await?;
            let unread =
                crate::chat::repo::unread_for_staff(db, me.org_id(), &me.user.user_id, me.viewer())
                    .await?;
            for r in rows.iter_mut() {
                r.unread = unread
                    .iter()
                    .find(|(c, _)| *c == r.id)
                    .map_or(0, |(_, n)| *n);
            }
            let firm_total = if pattern.is_none() && status.is_none() {
                total
            } else if me.viewer().is_empty() {
                super::repo::count(db, me.org_id()).await?
            } else {
                let all = super::repo::ListQuery {
                    viewer: me.viewer(),
                    pattern: None,
                    status: None,
                    limit: 0,
                    offset: 0,
                };
                super::repo::list(db, me.org_id(), &all).await?.1
            };
            Ok(ClientPage {
                rows,
                total,
                page,
                page_size,
                firm_total,
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "get_client")]
pub async fn get_client(id: String) -> Result<ClientDetail, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            me.require_client(&id).await?;
            let db = &me.req.state.db;
            let (client, created_at, updated_at) =
                super::repo::get(db, me.org_id(), &id, me.viewer())
                    .await?
                    .ok_or(AppError::NotFound)?;
            let partial = super::access::misses_cases(db, me.org_id(), &id, me.viewer()).await?;
            Ok(ClientDetail {
                client,
                created_at,
                updated_at,
                notes: super::repo::notes(db, me.org_id(), &id).await?,
                activity: super::repo::activity(db, me.org_id(), &id, partial, 100).await?,
            })
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
struct CleanClient {
    name: String,
    email: String,
    company: String,
}

#[cfg(feature = "ssr")]
fn clean_client(
    t: &crate::i18n::T,
    name: &str,
    email: &str,
    company: &str,
) -> Result<CleanClient, AppError> {
    use super::domain::*;
    use crate::validate::problem_message;
    Ok(CleanClient {
        name: clean_text(name, NAME_MAX, true, false)
            .map_err(|p| AppError::invalid("name", problem_message(t, p)))?,
        email: clean_email(email, false)
            .map_err(|p| AppError::invalid("email", problem_message(t, p)))?,
        company: clean_text(company, COMPANY_MAX, false, false)
            .map_err(|p| AppError::invalid("company", problem_message(t, p)))?,
    })
}

/// Creates a client. Only the name is required. Warns about likely duplicates unless
/// `allow_duplicate` is set; refuses beyond the plan's limit. Never emails anyone.
/// Returns the new client's id (and redirects there for plain form posts).
#[server(prefix = "/api", endpoint = "create_client")]
pub async fn create_client(
    name: String,
    email: Option<String>,
    company: Option<String>,
    allow_duplicate: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let c = clean_client(
                t,
                &name,
                email.as_deref().unwrap_or(""),
                company.as_deref().unwrap_or(""),
            )?;
            let db = &me.req.state.db;
            if allow_duplicate.is_none() {
                let similar = super::repo::find_similar(
                    db,
                    me.org_id(),
                    &c.name,
                    &c.email,
                    None,
                    me.viewer(),
                )
                .await?;
                if !similar.is_empty() {
                    let names = similar
                        .iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(AppError::invalid(
                        "allow_duplicate",
                        crate::i18n::fill(t.duplicate_warning, &[("names", &names)]),
                    ));
                }
            }
            let plan = me.user.plan;
            let new = super::repo::NewClient {
                name: &c.name,
                email: &c.email,
                company: &c.company,
            };
            let now = crate::server::db::now_ms();
            match super::repo::create(db, me.org_id(), plan.max_clients(), &new, now).await? {
                super::repo::CreateOutcome::Created(id) => {
                    me.audit(Some(&id), crate::audit::action::CLIENT_CREATED, "")
                        .await?;
                    leptos_axum::redirect(&format!("/clients/{id}"));
                    Ok(id)
                }
                super::repo::CreateOutcome::PlanLimitReached => {
                    let plan_name = match plan {
                        crate::orgs::Plan::Solo => "Solo",
                        crate::orgs::Plan::Pro => "Pro",
                        crate::orgs::Plan::Team => "Team",
                    };
                    let max = plan.max_clients().unwrap_or_default().to_string();
                    Err(AppError::Conflict(crate::i18n::fill(
                        t.plan_limit,
                        &[("plan", plan_name), ("max", &max)],
                    )))
                }
            }
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "update_client")]
pub async fn update_client(
    id: String,
    name: String,
    email: Option<String>,
    company: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            me.require_client(&id).await?;
            let c = clean_client(
                me.t(),
                &name,
                email.as_deref().unwrap_or(""),
                company.as_deref().unwrap_or(""),
            )?;
            let db = &me.req.state.db;
            let new = super::repo::NewClient {
                name: &c.name,
                email: &c.email,
                company: &c.company,
            };
            if !super::repo::update(db, me.org_id(), &id, &new, crate::server::db::now_ms()).await?
            {
                return Err(AppError::NotFound);
            }
            me.audit(Some(&id), crate::audit::action::CLIENT_UPDATED, "")
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "set_client_status")]
pub async fn set_client_status(id: String, status: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            me.require_client(&id).await?;
            let db = &me.req.state.db;
            let wanted = super::ClientStatus::parse(&status)
                .ok_or_else(|| AppError::invalid("status", me.t().f_required))?;
            let (client, _, _) = super::repo::get(db, me.org_id(), &id, me.viewer())
                .await?
                .ok_or(AppError::NotFound)?;
            let next = super::domain::next_status(
                client.status,
                super::domain::StatusEvent::SetByStaff(wanted),
            );
            super::repo::set_status(db, me.org_id(), &id, next, crate::server::db::now_ms())
                .await?;
            let detail = format!("{} → {}", client.status.as_str(), next.as_str());
            me.audit(
                Some(&id),
                crate::audit::action::CLIENT_STATUS_CHANGED,
                &detail,
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "add_client_note")]
pub async fn add_client_note(id: String, body: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            me.require_client(&id).await?;
            let body = super::domain::clean_text(&body, super::domain::NOTE_MAX, true, true)
                .map_err(|p| {
                    AppError::invalid("body", crate::validate::problem_message(me.t(), p))
                })?;
            let db = &me.req.state.db;
            let now = crate::server::db::now_ms();
            if !super::repo::add_note(
                db,
                me.org_id(),
                &id,
                &me.user.user_id,
                &me.user.name,
                &body,
                now,
            )
            .await?
            {
                return Err(AppError::NotFound);
            }
            me.audit(Some(&id), crate::audit::action::CLIENT_NOTE_ADDED, "")
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Deletes a client and everything that belongs to it.
#[server(prefix = "/api", endpoint = "delete_client")]
pub async fn delete_client(id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::DeleteClients).await?;
            me.require_client(&id).await?;
            let st = &me.req.state;
            let blobs = super::repo::delete(&st.db, me.org_id(), &id)
                .await?
                .ok_or(AppError::NotFound)?;
            // The keys are gone with the rows; the sealed bytes go too.
            for blob in &blobs {
                if let Err(e) = st.storage.delete(me.org_id(), blob).await {
                    tracing::warn!(blob = %blob, error = %e, "blob of an erased client not removed");
                }
            }
            // The record of the deletion keeps no personal data of the client.
            me.audit(Some(&id), crate::audit::action::CLIENT_DELETED, "")
                .await?;
            leptos_axum::redirect("/clients");
            Ok(())
        }
        .await,
    )
}

/// Who of the team sees a client or a case: everyone (who sees the client), or — restricted —
/// the owners and admins and the members named here. Only for those who see everything
/// (owners, admins). `scope`: `client` or `case`.
#[server(prefix = "/api", endpoint = "load_restriction")]
pub async fn load_restriction(scope: String, id: String) -> Result<super::Team, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::RestrictClients).await?;
            let db = &me.req.state.db;
            let scope = super::TeamScope::parse(&scope).ok_or(AppError::NotFound)?;
            let (restricted, on_team) = super::access::team(db, me.org_id(), scope, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let members = server::team_choices(&me, scope, &id)
                .await?
                .into_iter()
                .map(|m| super::TeamChoice {
                    on_team: on_team.contains(&m.id),
                    sees_all: m.role.may(crate::orgs::domain::Permission::RestrictClients),
                    id: m.id,
                    name: m.name,
                    role: m.role,
                })
                .collect();
            Ok(super::Team {
                restricted,
                members,
            })
        }
        .await,
    )
}

/// Restricts a client or a case to named members (`restricted` set) or opens it to the whole
/// team. Takes effect on everyone's next request, open live streams included.
#[server(prefix = "/api", endpoint = "save_restriction")]
pub async fn save_restriction(
    scope: String,
    id: String,
    restricted: Option<String>,
    members: Option<Vec<String>>,
) -> Result<(), AppError> {
    use crate::audit::action::{CASE_TEAM_CHANGED, CLIENT_TEAM_CHANGED};
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::RestrictClients).await?;
            let db = &me.req.state.db;
            let scope = super::TeamScope::parse(&scope).ok_or(AppError::NotFound)?;
            // The client the audit event belongs to, and the case's title.
            let (client_id, title) = match scope {
                super::TeamScope::Client => {
                    me.require_client(&id).await?;
                    (id.clone(), None)
                }
                super::TeamScope::Case => {
                    me.require_case(&id).await?;
                    let c = crate::cases::repo::case_row(db, me.org_id(), &id)
                        .await?
                        .ok_or(AppError::NotFound)?;
                    (c.client_id, Some(c.title))
                }
            };
            let restricted =
                restricted.is_some_and(|v| !matches!(v.as_str(), "" | "false" | "off"));
            let eligible = server::team_choices(&me, scope, &id).await?;
            let mut chosen: Vec<String> = Vec::new();
            let mut names: Vec<String> = Vec::new();
            for mid in members.unwrap_or_default() {
                let Some(m) = eligible.iter().find(|m| m.id == mid) else {
                    return Err(AppError::invalid("members", me.t().team_member_unknown));
                };
                if !chosen.contains(&m.id) {
                    chosen.push(m.id.clone());
                    names.push(m.name.clone());
                }
            }
            if !restricted {
                chosen.clear();
                names.clear();
            }
            let now = crate::server::db::now_ms();
            if !super::access::set_team(db, me.org_id(), scope, &id, restricted, &chosen, now)
                .await?
            {
                return Err(AppError::NotFound);
            }
            // Cached overviews are per viewer; who sees what just changed.
            me.req.state.dashboards.changed(me.org_id(), now);
            let mut detail = if restricted {
                format!("restricted: {}", names.join(", "))
            } else {
                "open".to_string()
            };
            let action = match title {
                Some(title) => {
                    detail = format!("{title} – {detail}");
                    CASE_TEAM_CHANGED
                }
                None => CLIENT_TEAM_CHANGED,
            };
            me.audit(Some(&client_id), action, &detail).await?;
            Ok(())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
mod server {
    use crate::error::AppError;
    use crate::orgs::Member;

    /// Who may be put on a team: the firm's active staff — for a case, only those who see its
    /// client (a case's team cannot reach past its client's).
    pub async fn team_choices(
        me: &crate::auth::ctx::Staff,
        scope: super::super::TeamScope,
        id: &str,
    ) -> Result<Vec<Member>, AppError> {
        let db = &me.req.state.db;
        let active = crate::orgs::repo::members(db, me.org_id())
            .await?
            .into_iter()
            .filter(|m| m.active);
        let client_id = match scope {
            super::super::TeamScope::Client => return Ok(active.collect()),
            super::super::TeamScope::Case => {
                crate::cases::repo::case_row(db, me.org_id(), id)
                    .await?
                    .ok_or(AppError::NotFound)?
                    .client_id
            }
        };
        let mut out = Vec::new();
        for m in active {
            let viewer = super::super::access::viewer_for(m.role, &m.id);
            if super::super::access::sees(db, me.org_id(), &client_id, viewer).await? {
                out.push(m);
            }
        }
        Ok(out)
    }
}

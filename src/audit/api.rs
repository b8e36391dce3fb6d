//! Server functions of the audit view (ViewAudit: owners and admins).

#[cfg(feature = "ssr")]
use super::Filter;
use super::Page;
use crate::error::AppError;
use leptos::prelude::*;

/// One page of the firm's audit trail, newest first, narrowed by the filter fields.
#[server(prefix = "/api", endpoint = "audit_log")]
pub async fn load_audit(
    client_id: Option<String>,
    client: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
) -> Result<Page, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewAudit).await?;
            let f = Filter {
                client_id: client_id.unwrap_or_default(),
                client: client.unwrap_or_default(),
                actor: actor.unwrap_or_default(),
                action: action.unwrap_or_default(),
                from: from.unwrap_or_default(),
                to: to.unwrap_or_default(),
            };
            let range = checked(&f, me.t())?;
            let db = &me.req.state.db;
            // Another firm's client is not found (not an empty list).
            let client_name = match f.client_id.trim() {
                "" => None,
                id => Some(
                    crate::clients::repo::name_of(db, me.org_id(), id)
                        .await?
                        .ok_or(AppError::NotFound)?,
                ),
            };
            let q = super::repo::Query::new(me.org_id(), &f, range);
            let page = page.unwrap_or(0).clamp(0, 10_000);
            let mut entries =
                super::repo::entries(db, &q, None, super::PAGE_SIZE + 1, page * super::PAGE_SIZE)
                    .await?;
            let more = entries.len() as i64 > super::PAGE_SIZE;
            entries.truncate(super::PAGE_SIZE as usize);
            let members = crate::orgs::repo::members(db, me.org_id())
                .await?
                .into_iter()
                .map(|m| (m.id, m.name))
                .collect();
            Ok(Page {
                entries,
                more,
                members,
                client_name,
            })
        }
        .await,
    )
}

/// The filter's time range, or a message at the field to correct.
#[cfg(feature = "ssr")]
pub fn checked(f: &Filter, t: &crate::i18n::T) -> Result<(i64, i64), AppError> {
    f.range().map_err(|p| match p {
        super::RangeProblem::NoDate(field) => AppError::invalid(field, t.link_date_invalid),
        super::RangeProblem::Reversed => AppError::invalid("to", t.audit_range_reversed),
    })
}

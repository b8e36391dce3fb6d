//! Server functions of cases. Each authorizes first and works only inside the caller's org:
//! another firm's case, item, file or template answers `NotFound`.

use super::{CaseDetail, CaseOptions, CaseSummary, TemplateView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod input {
    use crate::error::AppError;
    use crate::i18n::T;

    pub use crate::validate::{date_field as date, text_field as text};

    pub fn types(t: &T, value: Option<&str>) -> Result<Vec<String>, AppError> {
        crate::uploads::domain::parse_allow_list(value.unwrap_or(""))
            .map_err(|e| crate::settings::api::allow_list_error(t, e))
    }

    /// A checkbox: present and not "false"/"off".
    pub fn flag(value: Option<&str>) -> bool {
        value.is_some_and(|v| !matches!(v, "" | "false" | "off" | "0"))
    }
}

/// The responsible member must be an active member of the firm.
#[cfg(feature = "ssr")]
async fn responsible(
    me: &crate::auth::ctx::Staff,
    value: Option<&str>,
) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(id) => match crate::orgs::repo::member(&me.req.state.db, me.org_id(), id).await? {
            Some(m) if m.active => Ok(Some(m.id)),
            _ => Err(AppError::invalid(
                "responsible_id",
                me.t().case_responsible_invalid,
            )),
        },
    }
}

/// Moves the client's status by the case event inside the transaction of the change.
#[cfg(feature = "ssr")]
async fn client_status_after(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org_id: &str,
    client_id: &str,
    event: crate::clients::domain::StatusEvent,
    now: i64,
) -> Result<(), AppError> {
    let current = crate::clients::repo::status(&mut **tx, org_id, client_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let next = crate::clients::domain::next_status(current, event);
    crate::clients::repo::set_status(&mut **tx, org_id, client_id, next, now).await?;
    Ok(())
}

/// Tells the firm's open pages (of those who see it) that a case of the client changed.
#[cfg(feature = "ssr")]
async fn changed(
    me: &crate::auth::ctx::Staff,
    client_id: &str,
    case_id: Option<&str>,
    subject: &str,
) {
    crate::server::events::emit(
        &me.req.state,
        me.org_id(),
        crate::server::events::About {
            client_id: Some(client_id),
            case_id,
        },
        crate::live::kind::CASE,
        subject,
    )
    .await;
}

/// An item of the caller's firm whose case is open (another firm's: `NotFound`; a closed or
/// archived case: `Conflict`, saying so).
#[cfg(feature = "ssr")]
async fn open_item(
    me: &crate::auth::ctx::Staff,
    item_id: &str,
) -> Result<super::repo::ItemRow, AppError> {
    let item = super::repo::item_row(&me.req.state.db, me.org_id(), item_id)
        .await?
        .ok_or(AppError::NotFound)?;
    me.require_case(&item.case_id).await?;
    if item.case_state != super::CaseState::Open {
        return Err(AppError::Conflict(me.t().case_not_open.into()));
    }
    Ok(item)
}

/// A case of the caller's firm that the caller sees, and its client (else `NotFound`).
#[cfg(feature = "ssr")]
async fn case_of(
    me: &crate::auth::ctx::Staff,
    case_id: &str,
) -> Result<super::repo::CaseRow, AppError> {
    let case = super::repo::case_row(&me.req.state.db, me.org_id(), case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    me.require_case(&case.id).await?;
    Ok(case)
}

/// The cases of a client, open ones first.
#[server(prefix = "/api", endpoint = "list_cases")]
pub async fn list_cases(client_id: String) -> Result<Vec<CaseSummary>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            me.require_client(&client_id).await?;
            Ok(super::repo::cases_of_client(
                db,
                me.org_id(),
                &client_id,
                me.viewer(),
                crate::server::db::now_ms(),
            )
            .await?)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "get_case")]
pub async fn get_case(id: String) -> Result<CaseDetail, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            let l = super::repo::load(db, me.org_id(), &id, crate::server::db::now_ms())
                .await?
                .ok_or(AppError::NotFound)?;
            me.require_case(&id).await?;
            let members = active_members(db, me.org_id()).await?;
            let client_files =
                super::repo::received_files(db, me.org_id(), &l.summary.client_id, me.viewer())
                    .await?;
            Ok(CaseDetail {
                summary: l.summary,
                description: l.description,
                responsible_id: l.responsible_id,
                reminders_paused: l.reminders_paused,
                items: l.items,
                missing: l.missing,
                members,
                client_files,
            })
        }
        .await,
    )
}

/// Opens a case for a client, empty or from a template (whose title is used when none is
/// given). A complete client becomes Teilweise again.
#[server(prefix = "/api", endpoint = "create_case")]
pub async fn create_case(
    client_id: String,
    title: Option<String>,
    description: Option<String>,
    responsible_id: Option<String>,
    due_on: Option<String>,
    template_id: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            me.require_client(&client_id).await?;
            let t = me.t();
            let db = &me.req.state.db;
            let now = crate::server::db::now_ms();
            let template = match template_id.as_deref().filter(|s| !s.is_empty()) {
                None => None,
                Some(tid) => Some(
                    super::repo::templates(db, me.org_id())
                        .await?
                        .into_iter()
                        .find(|x| x.id == tid)
                        .ok_or_else(|| AppError::invalid("template_id", t.case_template_unknown))?,
                ),
            };
            let given = input::text(
                t,
                "title",
                title.as_deref(),
                super::domain::TITLE_MAX,
                false,
                false,
            )?;
            let title = match (&template, given.is_empty()) {
                (Some(tpl), true) => tpl.title.clone(),
                (None, true) => return Err(AppError::invalid("title", t.f_required)),
                _ => given,
            };
            let mut description = input::text(
                t,
                "description",
                description.as_deref(),
                super::domain::TEXT_MAX,
                false,
                true,
            )?;
            if description.is_empty() {
                if let Some(tpl) = &template {
                    description = tpl.description.clone();
                }
            }
            let responsible_id = responsible(&me, responsible_id.as_deref()).await?;
            let due_at = input::date(t, "due_on", due_on.as_deref(), now, None)?;
            let items = template.map(|x| x.items).unwrap_or_default();
            let mut tx = db.begin().await?;
            let new = super::repo::NewCase {
                client_id: &client_id,
                title: &title,
                description: &description,
                responsible_id: responsible_id.as_deref(),
                due_at,
                created_by: &me.user.user_id,
                items: &items,
            };
            let id = super::repo::create_case(&mut tx, me.org_id(), &new, now)
                .await?
                .ok_or(AppError::NotFound)?;
            client_status_after(
                &mut tx,
                me.org_id(),
                &client_id,
                crate::clients::domain::StatusEvent::CaseOpened,
                now,
            )
            .await?;
            crate::audit::repo::record(
                &mut *tx,
                me.org_id(),
                &me.actor(),
                Some(&client_id),
                crate::audit::action::CASE_OPENED,
                &title,
            )
            .await?;
            tx.commit().await?;
            changed(&me, &client_id, Some(&id), &title).await;
            leptos_axum::redirect(&format!("/cases/{id}"));
            Ok(id)
        }
        .await,
    )
}

/// Starts a template's case for many clients at once; returns how many were opened.
#[server(prefix = "/api", endpoint = "start_template")]
pub async fn start_template(
    template_id: String,
    client_ids: Option<Vec<String>>,
    due_on: Option<String>,
) -> Result<usize, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let db = &me.req.state.db;
            let now = crate::server::db::now_ms();
            let tpl = super::repo::templates(db, me.org_id())
                .await?
                .into_iter()
                .find(|x| x.id == template_id)
                .ok_or(AppError::NotFound)?;
            let mut ids = client_ids.unwrap_or_default();
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                return Err(AppError::invalid("client_ids", t.case_pick_clients));
            }
            if ids.len() > 1_000 {
                return Err(AppError::invalid("client_ids", t.case_too_many_clients));
            }
            let due_at = input::date(t, "due_on", due_on.as_deref(), now, None)?;
            // All or nothing: one unknown (or unseen) client refuses the whole batch.
            for client_id in &ids {
                me.require_client(client_id).await?;
            }
            let mut tx = db.begin().await?;
            for client_id in &ids {
                let new = super::repo::NewCase {
                    client_id,
                    title: &tpl.title,
                    description: &tpl.description,
                    responsible_id: None,
                    due_at,
                    created_by: &me.user.user_id,
                    items: &tpl.items,
                };
                super::repo::create_case(&mut tx, me.org_id(), &new, now)
                    .await?
                    .ok_or(AppError::NotFound)?;
                client_status_after(
                    &mut tx,
                    me.org_id(),
                    client_id,
                    crate::clients::domain::StatusEvent::CaseOpened,
                    now,
                )
                .await?;
                crate::audit::repo::record(
                    &mut *tx,
                    me.org_id(),
                    &me.actor(),
                    Some(client_id),
                    crate::audit::action::CASE_OPENED,
                    &tpl.title,
                )
                .await?;
            }
            tx.commit().await?;
            for client_id in &ids {
                changed(&me, client_id, None, &tpl.title).await;
            }
            Ok(ids.len())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "update_case")]
pub async fn update_case(
    id: String,
    title: String,
    description: Option<String>,
    responsible_id: Option<String>,
    due_on: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let now = crate::server::db::now_ms();
            let title = input::text(
                t,
                "title",
                Some(&title),
                super::domain::TITLE_MAX,
                true,
                false,
            )?;
            let description = input::text(
                t,
                "description",
                description.as_deref(),
                super::domain::TEXT_MAX,
                false,
                true,
            )?;
            let db = &me.req.state.db;
            let case = case_of(&me, &id).await?;
            let responsible_id = responsible(&me, responsible_id.as_deref()).await?;
            let due_at = input::date(t, "due_on", due_on.as_deref(), now, case.due_at)?;
            let edit = super::repo::CaseEdit {
                title: &title,
                description: &description,
                responsible_id: responsible_id.as_deref(),
                due_at,
            };
            super::repo::update_case(db, me.org_id(), &id, &edit, now).await?;
            me.audit(
                Some(&case.client_id),
                crate::audit::action::CASE_UPDATED,
                &title,
            )
            .await?;
            changed(&me, &case.client_id, Some(&case.id), &title).await;
            Ok(())
        }
        .await,
    )
}

/// Adds a requested document to an open case.
#[server(prefix = "/api", endpoint = "add_case_item")]
pub async fn add_case_item(
    case_id: String,
    title: String,
    explanation: Option<String>,
    required: Option<String>,
    deadline_on: Option<String>,
    allowed_types: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let db = &me.req.state.db;
            let now = crate::server::db::now_ms();
            let item = super::repo::NewItem {
                title: input::text(
                    t,
                    "title",
                    Some(&title),
                    super::domain::TITLE_MAX,
                    true,
                    false,
                )?,
                explanation: input::text(
                    t,
                    "explanation",
                    explanation.as_deref(),
                    super::domain::TEXT_MAX,
                    false,
                    true,
                )?,
                required: input::flag(required.as_deref()),
                deadline_at: input::date(t, "deadline_on", deadline_on.as_deref(), now, None)?,
                allowed_types: input::types(t, allowed_types.as_deref())?,
            };
            let case = case_of(&me, &case_id).await?;
            if case.state != super::CaseState::Open {
                return Err(AppError::Conflict(t.case_not_open.into()));
            }
            if super::repo::item_count(db, &case_id).await? >= super::domain::ITEMS_MAX as i64 {
                return Err(AppError::invalid("title", t.case_too_many_items));
            }
            let id = super::repo::add_item(db, me.org_id(), &case_id, &item, now)
                .await?
                .ok_or_else(|| AppError::Conflict(t.case_not_open.into()))?;
            me.audit(
                Some(&case.client_id),
                crate::audit::action::CASE_ITEM_ADDED,
                &format!("{} · {}", case.title, item.title),
            )
            .await?;
            changed(&me, &case.client_id, Some(&case.id), &item.title).await;
            crate::chat::api::system(
                &me.req.state,
                me.org_id(),
                &case.client_id,
                Some(&case_id),
                crate::chat::domain::System::Requested(item.title.clone()),
            )
            .await;
            Ok(id)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "delete_case_item")]
pub async fn delete_case_item(item_id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let db = &me.req.state.db;
            let item = open_item(&me, &item_id).await?;
            super::repo::delete_item(db, me.org_id(), &item_id).await?;
            me.audit(
                Some(&item.client_id),
                crate::audit::action::CASE_ITEM_REMOVED,
                &item.title,
            )
            .await?;
            changed(&me, &item.client_id, Some(&item.case_id), &item.title).await;
            Ok(())
        }
        .await,
    )
}

/// Staff decide on an item: `geprueft`, or `rueckfrage` with a comment for the client.
#[server(prefix = "/api", endpoint = "review_item")]
pub async fn review_item(
    item_id: String,
    decision: String,
    comment: Option<String>,
) -> Result<(), AppError> {
    use super::domain::{next_item_state, ItemEvent, Refusal};
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let db = &me.req.state.db;
            let event = match decision.as_str() {
                "geprueft" => ItemEvent::Approve,
                "rueckfrage" => ItemEvent::AskBack,
                _ => return Err(AppError::invalid("decision", t.f_required)),
            };
            let comment = if event == ItemEvent::AskBack {
                input::text(
                    t,
                    "comment",
                    comment.as_deref(),
                    super::domain::TEXT_MAX,
                    true,
                    true,
                )?
            } else {
                String::new()
            };
            let item = open_item(&me, &item_id).await?;
            let next = next_item_state(item.state, event).map_err(|r| match r {
                Refusal::NothingToApprove => AppError::Conflict(t.case_nothing_to_approve.into()),
                _ => AppError::Conflict(t.case_not_open.into()),
            })?;
            let now = crate::server::db::now_ms();
            if !super::repo::set_item_state(db, &item_id, item.state, next, &comment, now).await? {
                return Err(AppError::Conflict(t.case_item_changed.into()));
            }
            me.audit(
                Some(&item.client_id),
                crate::audit::action::CASE_ITEM_REVIEWED,
                &format!("{} → {}", item.title, next.as_str()),
            )
            .await?;
            changed(&me, &item.client_id, Some(&item.case_id), &item.title).await;
            use crate::chat::domain::System;
            let said = match next {
                super::ItemState::Geprueft => Some(System::Reviewed(item.title.clone())),
                super::ItemState::Rueckfrage => {
                    Some(System::Question(item.title.clone(), comment.clone()))
                }
                _ => None,
            };
            if let Some(said) = said {
                crate::chat::api::system(
                    &me.req.state,
                    me.org_id(),
                    &item.client_id,
                    Some(&item.case_id),
                    said,
                )
                .await;
            }
            Ok(())
        }
        .await,
    )
}

/// Attaches a file the client already sent to an item; the item counts as hochgeladen.
#[server(prefix = "/api", endpoint = "attach_item_file")]
pub async fn attach_item_file(item_id: String, file_id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let db = &me.req.state.db;
            let item = open_item(&me, &item_id).await?;
            // A file of a case hidden from the caller is not theirs to move.
            if me.require_file(&file_id).await.is_err() {
                return Err(AppError::invalid("file_id", t.case_file_unknown));
            }
            let now = crate::server::db::now_ms();
            let mut tx = db.begin().await?;
            if !super::repo::attach_file(&mut tx, me.org_id(), &item.client_id, &item_id, &file_id)
                .await?
            {
                return Err(AppError::invalid("file_id", t.case_file_unknown));
            }
            super::repo::file_arrived(&mut tx, &item_id, now).await?;
            crate::audit::repo::record(
                &mut *tx,
                me.org_id(),
                &me.actor(),
                Some(&item.client_id),
                crate::audit::action::CASE_FILE_ATTACHED,
                &item.title,
            )
            .await?;
            tx.commit().await?;
            changed(&me, &item.client_id, Some(&item.case_id), &item.title).await;
            Ok(())
        }
        .await,
    )
}

/// `close` (only when every required item is geprüft), `archive` or `reopen`. Closing the
/// client's last open case makes the client Vollständig; reopening brings it back.
#[server(prefix = "/api", endpoint = "change_case_state")]
pub async fn change_case_state(id: String, to: String) -> Result<(), AppError> {
    use super::domain::{next_case_state, CaseEvent, Refusal};
    use crate::auth::ctx::*;
    use crate::clients::domain::StatusEvent;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let db = &me.req.state.db;
            let event = match to.as_str() {
                "close" => CaseEvent::Close,
                "archive" => CaseEvent::Archive,
                "reopen" => CaseEvent::Reopen,
                _ => return Err(AppError::invalid("to", t.f_required)),
            };
            let now = crate::server::db::now_ms();
            let l = super::repo::load(db, me.org_id(), &id, now)
                .await?
                .ok_or(AppError::NotFound)?;
            me.require_case(&id).await?;
            let from = l.summary.state;
            let next = next_case_state(from, event, l.missing.len()).map_err(|r| match r {
                Refusal::ItemsMissing => AppError::Conflict(crate::i18n::fill(
                    t.case_close_missing,
                    &[("items", &l.missing.join(", "))],
                )),
                _ => AppError::Conflict(t.case_wrong_state.into()),
            })?;
            let client_id = &l.summary.client_id;
            // Closing tells the client in the case's conversation, in the same transaction.
            let note = match event {
                CaseEvent::Close => Some((
                    crate::chat::domain::System::CaseClosed(l.summary.title.clone()),
                    crate::chat::repo::key(db, &me.req.state.master_key, me.org_id(), client_id)
                        .await
                        .map_err(|e| {
                            tracing::error!(error = %e, "message key");
                            AppError::Internal
                        })?,
                )),
                _ => None,
            };
            let mut tx = db.begin().await?;
            if !super::repo::set_case_state(&mut tx, &id, from, next, now).await? {
                return Err(AppError::Conflict(t.case_item_changed.into()));
            }
            let open = super::repo::open_case_count(&mut tx, me.org_id(), client_id).await?;
            let status_event = match (event, open) {
                (CaseEvent::Reopen, _) => Some(StatusEvent::CaseOpened),
                (CaseEvent::Close, 0) => Some(StatusEvent::AllCasesClosed),
                _ => None,
            };
            if let Some(ev) = status_event {
                client_status_after(&mut tx, me.org_id(), client_id, ev, now).await?;
            }
            let action = match event {
                CaseEvent::Close => crate::audit::action::CASE_CLOSED,
                CaseEvent::Archive => crate::audit::action::CASE_ARCHIVED,
                CaseEvent::Reopen => crate::audit::action::CASE_REOPENED,
            };
            crate::audit::repo::record(
                &mut *tx,
                me.org_id(),
                &me.actor(),
                Some(client_id),
                action,
                &l.summary.title,
            )
            .await?;
            let written = match &note {
                Some((what, key)) => Some(
                    crate::chat::api::system_in(
                        &mut tx,
                        key,
                        me.org_id(),
                        client_id,
                        Some(&id),
                        what,
                    )
                    .await
                    .map_err(|e| {
                        tracing::error!(error = %e, "case closed message");
                        AppError::Internal
                    })?,
                ),
                None => None,
            };
            crate::server::crash::point("case.before_commit");
            tx.commit().await?;
            crate::server::crash::point("case.after_commit");
            changed(&me, client_id, Some(&id), &l.summary.title).await;
            if let Some(written) = written {
                let st = &me.req.state;
                crate::chat::api::system_announced(st, me.org_id(), client_id, Some(&id), &written)
                    .await;
            }
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "set_case_reminders")]
pub async fn set_case_reminders(id: String, paused: Option<String>) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let paused = input::flag(paused.as_deref());
            let db = &me.req.state.db;
            let case = case_of(&me, &id).await?;
            super::repo::set_reminders_paused(db, me.org_id(), &id, paused).await?;
            let action = if paused {
                crate::audit::action::CASE_REMINDERS_PAUSED
            } else {
                crate::audit::action::CASE_REMINDERS_RESUMED
            };
            me.audit(Some(&case.client_id), action, &case.title).await?;
            Ok(())
        }
        .await,
    )
}

/// Saves a case's title, description and checklist as a template.
#[server(prefix = "/api", endpoint = "save_case_template")]
pub async fn save_case_template(case_id: String, name: String) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let name = input::text(
                t,
                "name",
                Some(&name),
                super::domain::TITLE_MAX,
                true,
                false,
            )?;
            let db = &me.req.state.db;
            case_of(&me, &case_id).await?;
            let id = super::repo::save_template(
                db,
                me.org_id(),
                &case_id,
                &name,
                crate::server::db::now_ms(),
            )
            .await?
            .ok_or_else(|| AppError::invalid("name", t.case_template_name_taken))?;
            me.audit(None, crate::audit::action::CASE_TEMPLATE_SAVED, &name)
                .await?;
            Ok(id)
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn template_views(
    db: &crate::server::db::Db,
    org_id: &str,
) -> Result<Vec<TemplateView>, AppError> {
    Ok(super::repo::templates(db, org_id)
        .await?
        .into_iter()
        .map(|x| TemplateView {
            id: x.id,
            name: x.name,
            title: x.title,
            item_titles: x.items.into_iter().map(|i| i.title).collect(),
        })
        .collect())
}

#[cfg(feature = "ssr")]
pub(crate) async fn active_members(
    db: &crate::server::db::Db,
    org_id: &str,
) -> Result<Vec<super::Member>, AppError> {
    Ok(crate::orgs::repo::members(db, org_id)
        .await?
        .into_iter()
        .filter(|m| m.active)
        .map(|m| super::Member {
            id: m.id,
            name: m.name,
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "list_templates")]
pub async fn list_templates() -> Result<Vec<TemplateView>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            template_views(&me.req.state.db, me.org_id()).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "load_case_options")]
pub async fn load_case_options() -> Result<CaseOptions, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            Ok(CaseOptions {
                members: active_members(db, me.org_id()).await?,
                templates: template_views(db, me.org_id()).await?,
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "delete_template")]
pub async fn delete_template(id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            if !super::repo::delete_template(&me.req.state.db, me.org_id(), &id).await? {
                return Err(AppError::NotFound);
            }
            me.audit(None, crate::audit::action::CASE_TEMPLATE_DELETED, "")
                .await?;
            Ok(())
        }
        .await,
    )
}

//! Server functions of approvals: staff request and list (a client they see), the signed-in
//! client lists and decides (right "approve").

use super::Approval;
use crate::error::AppError;
use leptos::prelude::*;

/// Staff ask the client to approve a file the firm sent them (with an optional message).
#[server(prefix = "/api", endpoint = "request_approval")]
pub async fn request_approval(
    client_id: String,
    file_id: Option<String>,
    message: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            me.require_client(&client_id).await?;
            let file_id = file_id
                .filter(|f| !f.is_empty())
                .ok_or_else(|| AppError::invalid("file_id", t.appr_file_required))?;
            if me.require_file(&file_id).await.is_err() {
                return Err(AppError::invalid("file_id", t.appr_file_unknown));
            }
            let message = crate::validate::text_field(
                t,
                "message",
                message.as_deref(),
                super::MESSAGE_MAX,
                false,
                true,
            )?;
            let db = &me.req.state.db;
            let now = crate::server::db::now_ms();
            let id = super::repo::request(
                db,
                me.org_id(),
                &client_id,
                &file_id,
                &message,
                &me.user.user_id,
                now,
            )
            .await?
            .ok_or_else(|| AppError::invalid("file_id", t.appr_file_unknown))?;
            me.audit(
                Some(&client_id),
                crate::audit::action::APPROVAL_REQUESTED,
                &message,
            )
            .await?;
            Ok(id)
        }
        .await,
    )
}

/// The client's approval requests and decisions, newest first.
#[server(prefix = "/api", endpoint = "list_approvals")]
pub async fn list_approvals(client_id: String) -> Result<Vec<Approval>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            me.require_client(&client_id).await?;
            Ok(super::repo::of_client(&me.req.state.db, me.org_id(), &client_id).await?)
        }
        .await,
    )
}

/// The signed-in client's approval requests (open ones and the history).
#[server(prefix = "/api", endpoint = "portal_approvals")]
pub async fn portal_approvals() -> Result<Vec<Approval>, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Approve)?;
            Ok(super::repo::of_client(&p.req.state.db, &p.org_id, &p.client_id).await?)
        }
        .await,
    )
}

/// The client approves (`approve`) or asks for changes (`changes`, a comment is needed); the
/// firm's staff who see the client hear of it in their bell. Approving a file with open marks
/// needs `confirm` = "1" (else 409 saying how many are open); the decision records them.
#[server(prefix = "/api", endpoint = "decide_approval")]
pub async fn decide_approval(
    id: String,
    decision: String,
    comment: Option<String>,
    confirm: Option<String>,
) -> Result<(), AppError> {
    use super::ApprovalState;
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Approve)?;
            let t = p.req.t();
            let (state, action, kind) = match decision.as_str() {
                "approve" => (
                    ApprovalState::Approved,
                    crate::audit::action::APPROVAL_APPROVED,
                    crate::notify::Kind::ApprovalApproved,
                ),
                "changes" => (
                    ApprovalState::Changes,
                    crate::audit::action::APPROVAL_CHANGES,
                    crate::notify::Kind::ApprovalChanges,
                ),
                _ => return Err(AppError::invalid("decision", t.f_required)),
            };
            let comment = crate::validate::clean_text(
                comment.as_deref().unwrap_or(""),
                super::MESSAGE_MAX,
                state == ApprovalState::Changes,
                true,
            )
            .map_err(|e| {
                let msg = match e {
                    crate::validate::FieldProblem::Required => t.appr_comment_required.to_string(),
                    other => crate::validate::problem_message(t, other),
                };
                AppError::invalid("comment", msg)
            })?;
            let db = &p.req.state.db;
            let now = crate::server::db::now_ms();
            let open_pins = match super::repo::file_of(db, &p.org_id, &p.client_id, &id).await? {
                Some(file) => crate::annotations::repo::open_count(db, &file).await?,
                None => 0,
            };
            if state == ApprovalState::Approved && open_pins > 0 && confirm.as_deref() != Some("1")
            {
                return Err(AppError::Conflict(crate::i18n::fill(
                    t.appr_open_pins,
                    &[("n", &open_pins.to_string())],
                )));
            }
            let decision = super::repo::Decision {
                state,
                comment: &comment,
                by: &p.session.email,
                now,
                open_pins,
            };
            let Some(file) =
                super::repo::decide(db, &p.org_id, &p.client_id, &id, &decision).await?
            else {
                // Decided already (409), or not this client's at all (404).
                return match super::repo::exists(db, &p.org_id, &p.client_id, &id).await? {
                    true => Err(AppError::Conflict(t.appr_not_pending.into())),
                    false => Err(AppError::NotFound),
                };
            };
            crate::audit::repo::record(
                db,
                &p.org_id,
                &p.actor(),
                Some(&p.client_id),
                action,
                &file,
            )
            .await?;
            crate::notify::repo::note_members(db, &p.org_id, &p.client_id, kind, &file, now)
                .await?;
            Ok(())
        }
        .await,
    )
}

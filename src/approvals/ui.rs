//! Approvals on both sides: the client page's card (request, history) and the portal's section
//! (open requests with Freigeben / Änderungen anfordern, and what was decided).

use super::{Approval, ApprovalState};
use crate::error::AppError;
use crate::i18n::{fill, T};
use crate::ui::{
    action_error, field_error, format, may, use_lang, use_t, Field, FormError, Skeleton,
};
use leptos::form::ActionForm;
use leptos::prelude::*;

pub type ApprovalsResource = Resource<Result<Vec<Approval>, AppError>>;

pub fn state_label(t: &T, s: ApprovalState) -> &'static str {
    match s {
        ApprovalState::Pending => t.appr_pending,
        ApprovalState::Approved => t.appr_approved,
        ApprovalState::Changes => t.appr_changes,
    }
}

fn badge(s: ApprovalState) -> &'static str {
    match s {
        ApprovalState::Pending => "badge badge-review-neu",
        ApprovalState::Approved => "badge badge-vollstaendig",
        ApprovalState::Changes => "badge badge-teilweise",
    }
}

/// One request with its decision.
#[component]
fn Entry(a: Approval, side: crate::annotations::ui::Side) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    view! {
        <li class="checklist-item" data-testid="approval">
            <div class="row">
                <strong class="filename">{a.file_name.clone()}</strong>
                <span class="small muted">{format!("v{}", a.version)}</span>
                <span class=badge(a.state) data-testid="approval-state">{state_label(t, a.state)}</span>
            </div>
            {(!a.message.is_empty()).then(|| view! { <p class="small">{a.message.clone()}</p> })}
            <p class="small muted">{fill(t.appr_requested_line, &[("name", &a.requested_by), ("date", &format::datetime(a.requested_at, lang))])}</p>
            {a.decided_at.map(|at| view! {
                <p class="small" data-testid="approval-decision">
                    {fill(t.appr_decided_line, &[("name", &a.decided_by), ("date", &format::datetime(at, lang))])}
                    {(!a.comment.is_empty()).then(|| view! { <span>{format!(" – „{}“", a.comment)}</span> })}
                    {(a.open_pins > 0).then(|| view! { <span data-testid="approval-open-pins">{format!(" ({})", fill(t.appr_with_open_pins, &[("n", &a.open_pins.to_string())]))}</span> })}
                </p>
            })}
            {crate::annotations::ui::review_href(side, &a.file_id, &a.file_name).map(|href| view! {
                <p class="small"><a href=href data-testid="approval-review">{t.mk_review_link}</a></p>
            })}
        </li>
    }
}

/// The client page's card: ask for approval of a sent file; the history of requests.
#[component]
pub fn ClientApprovals(
    client_id: String,
    approvals: ApprovalsResource,
    files: crate::uploads::ui::FilesResource,
    request: ServerAction<super::api::RequestApproval>,
) -> impl IntoView {
    let t = use_t();
    let err = action_error(request);
    let can_edit = may(crate::orgs::domain::Permission::EditClients);
    let cid = StoredValue::new(client_id);
    view! {
        <section class="card stack" aria-labelledby="h-approvals" data-testid="client-approvals">
            <h2 id="h-approvals">{t.appr_title}</h2>
            <Transition fallback=|| view! { <Skeleton lines=2/> }>
                {move || Suspend::new(async move {
                    match approvals.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">{t.appr_none}</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="checklist">{list.into_iter().map(|a| view! { <Entry a side=crate::annotations::ui::Side::Staff/> }).collect_view()}</ul>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                    }
                })}
            </Transition>
            {can_edit.then(|| view! {
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let sent: Vec<_> = files.await.unwrap_or_default().into_iter()
                            .filter(|f| f.sent && !f.quarantined).collect();
                        if sent.is_empty() {
                            return view! { <p class="small muted">{t.appr_send_first}</p> }.into_any();
                        }
                        view! {
                            <details open=move || err.get().is_some()>
                                <summary class="btn btn-secondary">{t.appr_request}</summary>
                                <FormError error=err fields=&["file_id", "message"]/>
                                <ActionForm attr:novalidate=true action=request>
                                    <input type="hidden" name="client_id" value=cid.get_value()/>
                                    <div class="field">
                                        <label for="appr-f-file_id">{t.appr_file}</label>
                                        <select id="appr-f-file_id" name="file_id" data-testid="approval-file">
                                            {sent.into_iter().map(|f| view! {
                                                <option value=f.id.clone()>{format!("{} (v{})", f.name, f.version)}</option>
                                            }).collect_view()}
                                        </select>
                                        {move || field_error(err, "file_id").get().map(|e| view! { <span class="field-error">{e}</span> })}
                                    </div>
                                    <Field id_prefix="appr-" label=t.appr_message name="message" kind="textarea" error=field_error(err, "message")/>
                                    <button class="btn" type="submit" data-testid="approval-request">{t.appr_request}</button>
                                </ActionForm>
                            </details>
                        }.into_any()
                    })}
                </Transition>
            })}
        </section>
    }
}

/// The portal's section: open requests to decide, then the history.
#[component]
pub fn PortalApprovals(
    approvals: ApprovalsResource,
    decide: ServerAction<super::api::DecideApproval>,
) -> impl IntoView {
    let t = use_t();
    let err = action_error(decide);
    view! {
        <Transition fallback=|| view! { <Skeleton lines=2/> }>
            {move || Suspend::new(async move {
                let list = approvals.await.unwrap_or_default();
                if list.is_empty() {
                    return ().into_any();
                }
                let (open, done): (Vec<_>, Vec<_>) = list.into_iter().partition(|a| a.state == ApprovalState::Pending);
                view! {
                    <section class="card stack" aria-labelledby="h-portal-approvals" data-testid="portal-approvals">
                        <h2 id="h-portal-approvals">{t.appr_title}</h2>
                        <FormError error=err fields=&["comment"]/>
                        {open.into_iter().map(|a| {
                            let id = a.id.clone();
                            let href = format!("/api/portal/files/{}", a.file_id);
                            let name = a.file_name.clone();
                            view! {
                                <div class="stack" data-testid="approval-open">
                                    <ul class="checklist"><Entry a side=crate::annotations::ui::Side::Portal/></ul>
                                    <a class="btn btn-secondary" href=href download=name rel="external">{t.download}</a>
                                    <ActionForm attr:novalidate=true action=decide>
                                        <input type="hidden" name="id" value=id/>
                                        // After "marks are still open", the next "Freigeben" confirms.
                                        {move || matches!(err.get(), Some(AppError::Conflict(_))).then(|| view! { <input type="hidden" name="confirm" value="1"/> })}
                                        <Field id_prefix="decide-" label=t.appr_comment name="comment" kind="textarea" hint=t.appr_comment_hint error=field_error(err, "comment")/>
                                        <div class="row">
                                            <button class="btn" type="submit" name="decision" value="approve" data-testid="approval-approve">{t.appr_approve}</button>
                                            <button class="btn btn-secondary" type="submit" name="decision" value="changes" data-testid="approval-changes">{t.appr_ask_changes}</button>
                                        </div>
                                    </ActionForm>
                                </div>
                            }
                        }).collect_view()}
                        {(!done.is_empty()).then(|| view! {
                            <h3>{t.appr_history}</h3>
                            <ul class="checklist">{done.into_iter().map(|a| view! { <Entry a side=crate::annotations::ui::Side::Portal/> }).collect_view()}</ul>
                        })}
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}

//! Case pages: the cases card of the client page (list with progress, new case), the case
//! page (checklist, review, close/archive/reopen, link, template), the templates page, and
//! the checklist on the public upload page.

use super::domain::Progress;
use super::{CaseDetail, CaseItem, CaseOptions, CaseState, CaseSummary, ItemState, PublicCase};
use crate::error::AppError;
use crate::i18n::{fill, T};
use crate::orgs::domain::Permission;
use crate::ui::{
    action_error, field_error, format, may, toast_on_success, use_lang, use_t, EmptyState, Field,
    FormError, NotFoundState, Skeleton,
};
use leptos::prelude::*;

pub type CasesResource = Resource<Result<Vec<CaseSummary>, AppError>>;
pub type OptionsResource = Resource<Result<CaseOptions, AppError>>;

pub fn case_state_label(t: &T, s: CaseState) -> &'static str {
    match s {
        CaseState::Open => t.case_state_open,
        CaseState::Closed => t.case_state_closed,
        CaseState::Archived => t.case_state_archived,
    }
}

pub fn item_state_label(t: &T, s: ItemState) -> &'static str {
    match s {
        ItemState::Ausstehend => t.item_ausstehend,
        ItemState::Hochgeladen => t.item_hochgeladen,
        ItemState::Geprueft => t.item_geprueft,
        ItemState::Rueckfrage => t.item_rueckfrage,
    }
}

fn case_badge(s: CaseState) -> &'static str {
    match s {
        CaseState::Open => "badge badge-teilweise",
        CaseState::Closed => "badge badge-vollstaendig",
        CaseState::Archived => "badge badge-offen",
    }
}

fn item_badge(s: ItemState) -> &'static str {
    match s {
        ItemState::Ausstehend => "badge badge-offen",
        ItemState::Hochgeladen => "badge badge-review-neu",
        ItemState::Geprueft => "badge badge-review-geprueft",
        ItemState::Rueckfrage => "badge badge-review-rueckfrage",
    }
}

#[component]
fn ItemBadge(state: ItemState) -> impl IntoView {
    let t = use_t();
    view! { <span class=item_badge(state) data-testid="item-state">{item_state_label(t, state)}</span> }
}

#[component]
fn Overdue() -> impl IntoView {
    let t = use_t();
    view! { <span class="badge badge-danger" data-testid="overdue">{t.case_overdue}</span> }
}

/// A progress bar with its words ("2 von 3 geprüft").
#[component]
pub fn ProgressBar(progress: Progress) -> impl IntoView {
    let t = use_t();
    let words = fill(
        t.case_progress,
        &[
            ("done", &progress.done.to_string()),
            ("of", &progress.of.to_string()),
        ],
    );
    view! {
        <div class="progress">
            <progress max=progress.of.max(1).to_string() value=progress.done.to_string() aria-label=words.clone()></progress>
            <span class="small muted" data-testid="progress">{words}</span>
        </div>
    }
}

/// The "Vorgänge" card of the client page.
#[component]
pub fn ClientCases(
    client_id: String,
    cases: CasesResource,
    options: OptionsResource,
    create: ServerAction<super::api::CreateCase>,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let can_edit = may(Permission::EditClients);
    let err = action_error(create);
    view! {
        <Transition fallback=|| view! { <Skeleton lines=2/> }>
            {move || Suspend::new(async move {
                match cases.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">{t.cases_none}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="case-list" data-testid="cases">
                            {list.into_iter().map(|c| view! {
                                <li>
                                    <div class="row">
                                        <a href=format!("/cases/{}", c.id)><strong>{c.title.clone()}</strong></a>
                                        <span class=case_badge(c.state)>{case_state_label(t, c.state)}</span>
                                        {c.overdue.then(|| view! { <Overdue/> })}
                                        {c.restricted.then(|| view! { <span class="badge" data-testid="case-restricted">{t.team_badge}</span> })}
                                    </div>
                                    <ProgressBar progress=c.progress/>
                                    <div class="small muted">
                                        {c.responsible_name.clone().map(|n| fill(t.case_responsible_is, &[("name", &n)]))}
                                        {c.due_at.map(|d| format!(" · {}", fill(t.case_due_is, &[("date", &format::date(d, lang))])))}
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                }
            })}
        </Transition>
        {can_edit.then(|| view! {
            <details class="mt" open=move || err.get().is_some()>
                <summary class="btn btn-secondary">{t.case_new}</summary>
                <FormError error=err fields=&["title", "description", "responsible_id", "due_on", "template_id"]/>
                <ActionForm attr:novalidate=true action=create>
                    <input type="hidden" name="client_id" value=client_id.clone()/>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let o = options.await.unwrap_or(CaseOptions { members: vec![], templates: vec![] });
                            view! {
                                {(!o.templates.is_empty()).then(|| view! {
                                    <div class="field">
                                        <label for="case-template">{t.case_template_label}</label>
                                        <select id="case-template" name="template_id">
                                            <option value="">{t.case_no_template}</option>
                                            {o.templates.iter().map(|x| view! { <option value=x.id.clone()>{x.name.clone()}</option> }).collect_view()}
                                        </select>
                                    </div>
                                })}
                                <Field id_prefix="case-" label=t.case_title_label name="title" hint=t.case_title_hint error=field_error(err, "title")/>
                                <Field id_prefix="case-" label=t.case_description_label name="description" kind="textarea" error=field_error(err, "description")/>
                                <MemberSelect members=o.members.clone() selected=None error=field_error(err, "responsible_id")/>
                                <Field id_prefix="case-" label=t.case_due_label name="due_on" kind="date" error=field_error(err, "due_on")/>
                            }
                        })}
                    </Transition>
                    <button class="btn" type="submit">{t.case_create_submit}</button>
                </ActionForm>
            </details>
        })}
    }
}

#[component]
fn MemberSelect(
    members: Vec<super::Member>,
    selected: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_t();
    view! {
        <div class="field">
            <label for="case-responsible">{t.case_responsible_label}</label>
            <select id="case-responsible" name="responsible_id">
                <option value="">{t.case_nobody}</option>
                {members.into_iter().map(|m| {
                    let sel = selected.as_deref() == Some(m.id.as_str());
                    view! { <option value=m.id.clone() selected=sel>{m.name}</option> }
                }).collect_view()}
            </select>
            {move || error.get().map(|e| view! { <span class="field-error">{e}</span> })}
        </div>
    }
}

/// The actions of the case page.
#[derive(Clone, Copy)]
struct CaseActions {
    update: ServerAction<super::api::UpdateCase>,
    add_item: ServerAction<super::api::AddCaseItem>,
    delete_item: ServerAction<super::api::DeleteCaseItem>,
    review: ServerAction<super::api::ReviewItem>,
    attach: ServerAction<super::api::AttachItemFile>,
    change: ServerAction<super::api::ChangeCaseState>,
    reminders: ServerAction<super::api::SetCaseReminders>,
    template: ServerAction<super::api::SaveCaseTemplate>,
    link: ServerAction<crate::uploads::api::CreateUploadLink>,
}

/// `/cases/:id`: one case with its checklist.
#[component]
pub fn CasePage() -> impl IntoView {
    let t = use_t();
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let a = CaseActions {
        update: ServerAction::new(),
        add_item: ServerAction::new(),
        delete_item: ServerAction::new(),
        review: ServerAction::new(),
        attach: ServerAction::new(),
        change: ServerAction::new(),
        reminders: ServerAction::new(),
        template: ServerAction::new(),
        link: ServerAction::new(),
    };
    // The case's client, once loaded: its uploads and case changes refresh the page live.
    let client = RwSignal::new(String::new());
    let live = crate::live::client_counter(move || client.get_untracked());
    toast_on_success(a.update, t.saved);
    toast_on_success(a.review, t.saved);
    toast_on_success(a.attach, t.saved);
    toast_on_success(a.change, t.saved);
    toast_on_success(a.reminders, t.saved);
    toast_on_success(a.template, t.case_template_saved);
    let save_team = ServerAction::<crate::clients::api::SaveRestriction>::new();
    toast_on_success(save_team, t.saved);
    // Only those who see everything choose who else sees the case; nobody else asks.
    let can_restrict = may(Permission::RestrictClients);
    let team: crate::clients::ui::TeamResource = Resource::new(
        move || (id(), save_team.version().get()),
        move |(id, _)| async move {
            match can_restrict {
                true => Some(crate::clients::api::load_restriction("case".into(), id).await),
                false => None,
            }
        },
    );
    let detail = Resource::new(
        move || {
            (
                id(),
                a.update.version().get(),
                a.add_item.version().get(),
                a.delete_item.version().get(),
                a.review.version().get(),
                a.attach.version().get(),
                a.change.version().get(),
                a.reminders.version().get(),
                save_team.version().get(),
                live.get(),
            )
        },
        |(id, ..)| super::api::get_case(id),
    );
    view! {
        <Transition fallback=|| view! { <Skeleton lines=8/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => {
                        client.set(d.summary.client_id.clone());
                        view! { <CaseView d a team save_team/> }.into_any()
                    }
                    Err(e) => view! { <NotFoundState error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CaseView(
    d: CaseDetail,
    a: CaseActions,
    team: crate::clients::ui::TeamResource,
    save_team: ServerAction<crate::clients::api::SaveRestriction>,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let s = d.summary.clone();
    let open = s.state == CaseState::Open;
    let can_edit = may(Permission::EditClients);
    let edit = can_edit && open;
    let update_err = action_error(a.update);
    let add_err = action_error(a.add_item);
    let review_err = action_error(a.review);
    let attach_err = action_error(a.attach);
    let change_err = action_error(a.change);
    let template_err = action_error(a.template);
    let delete_err = action_error(a.delete_item);
    let case_id = s.id.clone();
    let client_files = d.client_files.clone();
    let items = d.items.clone();
    let missing = d.missing.clone();
    let members = d.members.clone();
    let due_value = s.due_at.map(date_input_value).unwrap_or_default();
    let (id_edit, id_state, id_tpl) = (s.id.clone(), s.id.clone(), s.id.clone());
    let (link_client, link_case) = (s.client_id.clone(), s.id.clone());
    view! {
        <p><a href=format!("/clients/{}", s.client_id)>{format!("← {}", s.client_name)}</a></p>
        <div class="page-head">
            <h1 data-testid="case-title">{s.title.clone()}</h1>
            <span class="row">
                <span class=case_badge(s.state) data-testid="case-state">{case_state_label(t, s.state)}</span>
                {s.overdue.then(|| view! { <Overdue/> })}
                {s.restricted.then(|| view! { <span class="badge" data-testid="case-restricted">{t.team_badge}</span> })}
            </span>
        </div>
        <div class="grid-2">
            <div class="stack">
                <section class="card" aria-labelledby="h-items">
                    <h2 id="h-items">{t.case_items_heading}</h2>
                    <ProgressBar progress=s.progress/>
                    <FormError error=review_err/>
                    <FormError error=attach_err/>
                    <FormError error=delete_err/>
                    {if items.is_empty() {
                        view! { <p class="muted">{t.case_no_items}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="checklist" data-testid="items">
                                {items.into_iter().map(|i| view! { <ItemRow i client_files=client_files.clone() edit a/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {edit.then(|| view! {
                        <details class="mt" open=move || add_err.get().is_some()>
                            <summary class="btn btn-secondary">{t.item_add}</summary>
                            <FormError error=add_err fields=&["title", "explanation", "deadline_on", "allowed_types"]/>
                            <ActionForm attr:novalidate=true action=a.add_item>
                                <input type="hidden" name="case_id" value=case_id.clone()/>
                                <Field id_prefix="item-" label=t.item_title_label name="title" required=true placeholder=t.item_title_example error=field_error(add_err, "title")/>
                                <Field id_prefix="item-" label=t.item_explanation_label name="explanation" kind="textarea" hint=t.item_explanation_hint error=field_error(add_err, "explanation")/>
                                <label class="checkbox"><input type="checkbox" name="required" value="1" checked=true/>{t.item_required_label}</label>
                                <Field id_prefix="item-" label=t.item_deadline_label name="deadline_on" kind="date" error=field_error(add_err, "deadline_on")/>
                                <Field id_prefix="item-" label=t.item_types_label name="allowed_types" hint=t.item_types_hint error=field_error(add_err, "allowed_types")/>
                                <button class="btn" type="submit">{t.item_add_submit}</button>
                            </ActionForm>
                        </details>
                    })}
                </section>
                {edit.then(|| view! {
                    <section class="card" aria-labelledby="h-case-link">
                        <h2 id="h-case-link">{t.case_link_heading}</h2>
                        <p class="small muted">{t.case_link_hint}</p>
                        <crate::uploads::ui::LinkForm client_id=link_client.clone() create=a.link case_id=link_case.clone()/>
                    </section>
                })}
            </div>
            <div class="stack">
                <section class="card" aria-labelledby="h-case">
                    <h2 id="h-case">{t.case_details_heading}</h2>
                    <dl class="dl">
                        <dt>{t.case_responsible_label}</dt><dd>{s.responsible_name.clone().unwrap_or_else(|| t.case_nobody.to_string())}</dd>
                        <dt>{t.case_due_label}</dt><dd>{s.due_at.map(|d| format::date(d, lang)).unwrap_or_else(|| t.never.to_string())}</dd>
                        <dt>{t.created_label}</dt><dd>{format::datetime(s.created_at, lang)}</dd>
                    </dl>
                    {(!d.description.is_empty()).then(|| view! { <p class="note-body">{d.description.clone()}</p> })}
                    {edit.then(|| view! {
                        <details open=move || update_err.get().is_some()>
                            <summary class="btn btn-secondary mt">{t.edit}</summary>
                            <FormError error=update_err fields=&["title", "description", "responsible_id", "due_on"]/>
                            <ActionForm attr:novalidate=true action=a.update>
                                <input type="hidden" name="id" value=id_edit.clone()/>
                                <Field id_prefix="edit-" label=t.case_title_label name="title" required=true value=s.title.clone() error=field_error(update_err, "title")/>
                                <Field id_prefix="edit-" label=t.case_description_label name="description" kind="textarea" value=d.description.clone() error=field_error(update_err, "description")/>
                                <MemberSelect members=members.clone() selected=d.responsible_id.clone() error=field_error(update_err, "responsible_id")/>
                                <Field id_prefix="edit-" label=t.case_due_label name="due_on" kind="date" value=due_value.clone() error=field_error(update_err, "due_on")/>
                                <button class="btn" type="submit">{t.save}</button>
                            </ActionForm>
                        </details>
                    })}
                </section>
                {can_edit.then(|| view! {
                    <section class="card" aria-labelledby="h-case-state">
                        <h2 id="h-case-state">{t.case_state_heading}</h2>
                        <FormError error=change_err/>
                        {(open && !missing.is_empty()).then(|| view! {
                            <p class="small" data-testid="case-missing">{fill(t.case_close_missing, &[("items", &missing.join(", "))])}</p>
                        })}
                        <div class="row">
                            {open.then(|| view! { <StateButton id=id_state.clone() to="close" label=t.case_close a=a.change primary=missing.is_empty()/> })}
                            {(s.state != CaseState::Archived).then(|| view! { <StateButton id=id_state.clone() to="archive" label=t.case_archive a=a.change primary=false/> })}
                            {(!open).then(|| view! { <StateButton id=id_state.clone() to="reopen" label=t.case_reopen a=a.change primary=true/> })}
                        </div>
                        {open.then(|| view! {
                            <ActionForm attr:novalidate=true action=a.reminders>
                                <input type="hidden" name="id" value=id_state.clone()/>
                                {(!d.reminders_paused).then(|| view! { <input type="hidden" name="paused" value="1"/> })}
                                <p class="small muted mt">{if d.reminders_paused { t.case_reminders_paused } else { t.case_reminders_active }}</p>
                                <button class="btn btn-secondary" type="submit">{if d.reminders_paused { t.case_reminders_resume } else { t.case_reminders_pause }}</button>
                            </ActionForm>
                        })}
                    </section>
                    <crate::clients::ui::TeamCard scope=crate::clients::TeamScope::Case id=id_tpl.clone() team save=save_team/>
                    <section class="card" aria-labelledby="h-case-template">
                        <h2 id="h-case-template">{t.case_save_template}</h2>
                        <p class="small muted">{t.case_save_template_hint}</p>
                        <FormError error=template_err fields=&["name"]/>
                        <ActionForm attr:novalidate=true action=a.template>
                            <input type="hidden" name="case_id" value=id_tpl.clone()/>
                            <Field id_prefix="tpl-" label=t.template_name_label name="name" required=true error=field_error(template_err, "name")/>
                            <button class="btn btn-secondary" type="submit">{t.case_save_template_submit}</button>
                        </ActionForm>
                    </section>
                })}
            </div>
        </div>
    }
}

#[component]
fn StateButton(
    id: String,
    to: &'static str,
    label: &'static str,
    a: ServerAction<super::api::ChangeCaseState>,
    primary: bool,
) -> impl IntoView {
    view! {
        <ActionForm attr:novalidate=true action=a>
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="to" value=to/>
            <button class=if primary { "btn" } else { "btn btn-secondary" } type="submit" data-testid=format!("case-{to}")>{label}</button>
        </ActionForm>
    }
}

/// "2026-12-31" for a date input (the English date format), from the end of that day in Berlin.
fn date_input_value(ms: i64) -> String {
    format::date(ms, crate::i18n::Lang::En)
}

#[component]
fn ItemRow(
    i: CaseItem,
    client_files: Vec<super::ItemFile>,
    edit: bool,
    a: CaseActions,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let attached: Vec<String> = i.files.iter().map(|f| f.id.clone()).collect();
    let choices: Vec<_> = client_files
        .into_iter()
        .filter(|f| !attached.contains(&f.id))
        .collect();
    let has_file = !i.files.is_empty();
    let id = i.id;
    let (id_ok, id_ask, id_attach, id_del) = (id.clone(), id.clone(), id.clone(), id.clone());
    view! {
        <li class="checklist-item" data-testid="item">
            <div class="row">
                <strong data-testid="item-title">{i.title.clone()}</strong>
                <ItemBadge state=i.state/>
                {i.overdue.then(|| view! { <Overdue/> })}
                <span class="small muted">{if i.required { t.item_required } else { t.item_optional }}</span>
            </div>
            {(!i.explanation.is_empty()).then(|| view! { <p class="small note-body">{i.explanation.clone()}</p> })}
            <p class="small muted">
                {i.deadline_at.map(|d| fill(t.item_deadline_is, &[("date", &format::date(d, lang))]))}
                {(!i.allowed_types.is_empty()).then(|| format!(" · {}: {}", t.item_types_label, i.allowed_types.join(", ")))}
            </p>
            {(i.state == ItemState::Rueckfrage && !i.comment.is_empty()).then(|| view! {
                <p class="form-error small" data-testid="item-comment">{fill(t.item_question_is, &[("text", &i.comment)])}</p>
            })}
            {has_file.then(|| view! {
                <ul class="small">
                    {i.files.iter().map(|f| view! {
                        <li>
                            {if f.quarantined {
                                view! { <span class="filename">{f.name.clone()}" · "{t.file_quarantined}</span> }.into_any()
                            } else {
                                view! { <a class="filename" href=format!("/api/files/{}/download", f.id) rel="external">{f.name.clone()}</a> }.into_any()
                            }}
                            " · "{format::datetime(f.created_at, lang)}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {edit.then(|| view! {
                <div class="row mt-s">
                    {(has_file && i.state != ItemState::Geprueft).then(|| view! {
                        <ActionForm attr:novalidate=true action=a.review>
                            <input type="hidden" name="item_id" value=id_ok.clone()/>
                            <input type="hidden" name="decision" value="geprueft"/>
                            <button class="btn" type="submit" data-testid="item-approve">{t.item_approve}</button>
                        </ActionForm>
                    })}
                    <details class="review">
                        <summary class="btn btn-secondary">{t.item_ask}</summary>
                        <ActionForm attr:novalidate=true action=a.review>
                            <input type="hidden" name="item_id" value=id_ask.clone()/>
                            <input type="hidden" name="decision" value="rueckfrage"/>
                            <div class="field">
                                <label for=format!("q-{id_ask}")>{t.item_question_label}</label>
                                <textarea id=format!("q-{id_ask}") name="comment" required=true></textarea>
                            </div>
                            <button class="btn" type="submit" data-testid="item-ask-submit">{t.item_ask_submit}</button>
                        </ActionForm>
                    </details>
                    {(!choices.is_empty()).then(|| view! {
                        <details class="review">
                            <summary class="btn btn-secondary">{t.item_attach}</summary>
                            <ActionForm attr:novalidate=true action=a.attach>
                                <input type="hidden" name="item_id" value=id_attach.clone()/>
                                <div class="field">
                                    <label for=format!("a-{id_attach}")>{t.item_attach_label}</label>
                                    <select id=format!("a-{id_attach}") name="file_id">
                                        {choices.iter().map(|f| view! { <option value=f.id.clone()>{format!("{} (v{})", f.name, f.version)}</option> }).collect_view()}
                                    </select>
                                </div>
                                <button class="btn" type="submit">{t.item_attach_submit}</button>
                            </ActionForm>
                        </details>
                    })}
                    <ActionForm attr:novalidate=true action=a.delete_item>
                        <input type="hidden" name="item_id" value=id_del.clone()/>
                        <button class="btn btn-link" type="submit">{t.item_remove}</button>
                    </ActionForm>
                </div>
            })}
        </li>
    }
}

/// `/templates`: the firm's case templates; start one for many clients at once.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let t = use_t();
    let delete = ServerAction::<super::api::DeleteTemplate>::new();
    let start = ServerAction::<super::api::StartTemplate>::new();
    let query = RwSignal::new(String::new());
    let templates = Resource::new(
        move || delete.version().get(),
        |_| super::api::list_templates(),
    );
    let clients = Resource::new(
        move || query.get(),
        |q| crate::clients::api::list_clients(Some(q), None, Some(1)),
    );
    let start_err = action_error(start);
    let can_edit = may(Permission::EditClients);
    view! {
        <div class="page-head"><h1>{t.templates_title}</h1></div>
        <Transition fallback=|| view! { <Skeleton lines=4/> }>
            {move || Suspend::new(async move {
                match templates.await {
                    Ok(list) if list.is_empty() => view! {
                        <EmptyState title=t.templates_empty_title text=t.templates_empty_text><span></span></EmptyState>
                    }.into_any(),
                    Ok(list) => view! {
                        <div class="stack" data-testid="templates">
                            {list.into_iter().map(|x| {
                                let tid = x.id.clone();
                                view! {
                                    <section class="card">
                                        <div class="row">
                                            <h2>{x.name.clone()}</h2>
                                            {can_edit.then(|| view! {
                                                <ActionForm attr:novalidate=true action=delete>
                                                    <input type="hidden" name="id" value=x.id.clone()/>
                                                    <button class="btn btn-link" type="submit">{t.template_delete}</button>
                                                </ActionForm>
                                            })}
                                        </div>
                                        <p class="small muted">{fill(t.template_case_title, &[("title", &x.title)])}</p>
                                        <ul class="small">{x.item_titles.iter().map(|i| view! { <li>{i.clone()}</li> }).collect_view()}</ul>
                                        {can_edit.then(|| view! {
                                            <details>
                                                <summary class="btn btn-secondary">{t.template_start}</summary>
                                                <FormError error=start_err fields=&["due_on"]/>
                                                {move || start.value().get().and_then(|r| r.ok()).map(|n| view! {
                                                    <p class="form-ok" role="status" data-testid="template-started">{fill(t.template_started, &[("n", &n.to_string())])}</p>
                                                })}
                                                <div class="field">
                                                    <label for=format!("s-{tid}")>{t.search_label}</label>
                                                    <input id=format!("s-{tid}") type="search" on:input=move |ev| query.set(event_target_value(&ev))/>
                                                </div>
                                                <ActionForm attr:novalidate=true action=start>
                                                    <input type="hidden" name="template_id" value=tid.clone()/>
                                                    <fieldset class="plain">
                                                        <legend>{t.template_pick_clients}</legend>
                                                        <Transition fallback=|| view! { <Skeleton lines=2/> }>
                                                            {move || Suspend::new(async move {
                                                                clients.await.map(|p| p.rows.into_iter().map(|c| view! {
                                                                    <label class="checkbox">
                                                                        <input type="checkbox" name="client_ids[]" value=c.id.clone()/>
                                                                        {c.name.clone()}
                                                                    </label>
                                                                }).collect_view()).ok()
                                                            })}
                                                        </Transition>
                                                    </fieldset>
                                                    <Field id_prefix="start-" label=t.case_due_label name="due_on" kind="date" error=field_error(start_err, "due_on")/>
                                                    <button class="btn" type="submit">{t.template_start_submit}</button>
                                                </ActionForm>
                                            </details>
                                        })}
                                    </section>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// How a client's upload widget authenticates: an upload link's token, or the portal session.
#[derive(Clone, Debug, PartialEq)]
pub enum Via {
    Link(String),
    Portal,
}

impl Via {
    pub fn target(
        &self,
        item_id: &str,
        allowed: Vec<String>,
    ) -> crate::uploads::widget::UploadTarget {
        let (bearer, scope) = match self {
            Via::Link(token) => (
                Some(token.clone()),
                format!("{}-{item_id}", token.chars().take(12).collect::<String>()),
            ),
            Via::Portal => (None, format!("portal-{item_id}")),
        };
        crate::uploads::widget::UploadTarget {
            portal: *self == Via::Portal,
            bearer,
            metadata: vec![("item_id".to_string(), item_id.to_string())],
            scope,
            allowed,
        }
    }
}

/// The checklist a client sees (public upload page, portal): one upload widget per requested
/// document.
#[component]
pub fn PublicChecklist(
    case: PublicCase,
    via: Via,
    password: RwSignal<String>,
    /// The firm's allow-list, for items without their own.
    firm_types: Vec<String>,
    /// Distinguishes several checklists on one page.
    #[prop(optional, into)]
    key: String,
    /// Called after each finished upload (e.g. to refresh the page's lists).
    #[prop(optional, into)]
    on_uploaded: Option<Callback<()>>,
    /// A portal contact without the right to upload sees the list only.
    #[prop(optional)]
    read_only: bool,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let heading = format!("h-checklist{key}");
    let labelled_by = heading.clone();
    view! {
        <section class="card stack" aria-labelledby=labelled_by>
            <h2 id=heading>{case.title.clone()}</h2>
            {case.closed.then(|| view! { <p class="form-ok" role="status">{t.public_case_closed}</p> })}
            <ul class="checklist" data-testid="public-items">
                {case.items.into_iter().map(|i| {
                    let target = via.target(
                        &i.id,
                        if i.allowed_types.is_empty() { firm_types.clone() } else { i.allowed_types.clone() },
                    );
                    let wants = !read_only && !case.closed && i.state != ItemState::Geprueft;
                    // A finished upload shows at once; the server moved the item the same way.
                    let state = RwSignal::new(i.state);
                    let on_done = Callback::new(move |_| {
                        state.set(ItemState::Hochgeladen);
                        if let Some(cb) = on_uploaded {
                            cb.run(());
                        }
                    });
                    view! {
                        <li class="checklist-item" data-testid="public-item">
                            <div class="row">
                                <strong>{i.title.clone()}</strong>
                                {move || view! { <ItemBadge state=state.get()/> }}
                                {i.overdue.then(|| view! { <Overdue/> })}
                                <span class="small muted">{if i.required { t.item_required } else { t.item_optional }}</span>
                            </div>
                            {(!i.explanation.is_empty()).then(|| view! { <p class="small note-body">{i.explanation.clone()}</p> })}
                            {i.deadline_at.map(|d| view! { <p class="small muted">{fill(t.item_deadline_is, &[("date", &format::date(d, lang))])}</p> })}
                            {(i.state == ItemState::Rueckfrage && !i.comment.is_empty()).then(|| view! {
                                <p class="form-error small" data-testid="public-item-comment">{fill(t.item_question_is, &[("text", &i.comment)])}</p>
                            })}
                            {(!i.file_names.is_empty()).then(|| view! {
                                <p class="small muted">{fill(t.public_item_sent, &[("files", &i.file_names.join(", "))])}</p>
                            })}
                            {wants.then(|| view! { <crate::uploads::widget::UploadWidget target password=password on_done=on_done/> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

//! Client management pages: the list with search, filter and paging; creating a client; the
//! client detail page with contact data, status, internal notes and history.

use super::{ClientDetail, ClientPage, ClientRow, ClientStatus};
use crate::i18n::fill;
use crate::orgs::domain::Permission;
use crate::ui::{
    action_error, field_error, format, may, status_help, status_label, toast_on_success, use_lang,
    use_t, ConfirmDialog, EmptyState, Field, FormError, NotFoundState, Skeleton, StatusBadge,
};
use crate::uploads::ui::{ClientFiles, ClientLinks, FilesResource, LinksResource, UploadActions};
use crate::uploads::widget::UploadWidget;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ClientListPage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let status = move || query.read().get("status").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(1)
    };
    let clients = Resource::new(
        move || (q(), status(), page()),
        |(q, s, p)| super::api::list_clients(Some(q), Some(s), Some(p)),
    );
    view! {
        <div class="page-head">
            <h1>{t.clients_title}</h1>
            {may(Permission::EditClients).then(|| view! { <a class="btn" href="/clients/new">{t.new_client}</a> })}
        </div>
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <div class="field">
                <label for="f-q">{t.search_label}</label>
                <input id="f-q" type="search" name="q" value=q placeholder=t.search_placeholder aria-describedby="f-q-hint"/>
            </div>
            <div class="field">
                <label for="f-status">{t.status_label}</label>
                <select id="f-status" name="status">
                    <option value="" selected=move || status().is_empty()>{t.status_all}</option>
                    {ClientStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || status() == s.as_str()>{status_label(t, s)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field"><button class="btn" type="submit">{t.filter_submit}</button></div>
            <p class="hint filters-hint" id="f-q-hint">{t.search_hint}</p>
        </Form>
        <Transition fallback=|| view! { <Skeleton lines=6/> }>
            {move || Suspend::new(async move {
                match clients.await {
                    Ok(p) => view! { <ClientTable page=p q=q() status=status()/> }.into_any(),
                    Err(e) => view! { <div class="form-error" role="alert">{e.user_message(t)}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ClientTable(page: ClientPage, q: String, status: String) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    if page.firm_total == 0 {
        return view! {
            <EmptyState title=t.empty_no_clients_title text=t.empty_no_clients_text>
                {may(Permission::EditClients).then(|| view! { <a class="btn" href="/clients/new">{t.new_client}</a> })}
            </EmptyState>
        }
        .into_any();
    }
    if page.rows.is_empty() {
        return view! {
            <EmptyState title=t.empty_no_match_title text=t.empty_no_match_text>
                <a class="btn btn-secondary" href="/clients">{t.reset_filter}</a>
            </EmptyState>
        }
        .into_any();
    }
    let now = format::now_ms();
    let pages = ((page.total + page.page_size as i64 - 1) / page.page_size as i64).max(1);
    let link = move |p: i64| {
        let mut params = vec![];
        if !q.is_empty() {
            params.push(format!("q={}", crate::ui::urlencode(&q)));
        }
        if !status.is_empty() {
            params.push(format!("status={}", crate::ui::urlencode(&status)));
        }
        params.push(format!("page={p}"));
        format!("/clients?{}", params.join("&"))
    };
    let current = page.page as i64;
    let rows = page.rows.into_iter().map(|c: ClientRow| {
        let href = format!("/clients/{}", c.id);
        let last_upload = c.last_upload_at.map(|at| format::ago(at, now, lang)).unwrap_or_else(|| t.never.to_string());
        view! {
            <tr>
                <td class="primary" data-label=t.col_name>
                    <a class="row-link" href=href>{c.name}</a>" "<crate::chat::ui::UnreadBadge n=c.unread/>
                    {c.restricted.then(|| view! { " " <span class="badge" data-testid="client-restricted">{t.team_badge}</span> })}
                </td>
                <td data-label=t.col_company>{c.company}</td>
                <td data-label=t.col_email>{c.email}</td>
                <td data-label=t.col_status>
                    <StatusBadge status=c.status/>
                    {c.overdue.then(|| view! { " " <span class="badge badge-danger" data-testid="client-overdue">{t.case_overdue}</span> })}
                </td>
                <td class="num" data-label=t.col_links>{c.active_link_count}</td>
                <td class="num" data-label=t.col_files>{c.file_count}</td>
                <td data-label=t.col_last_upload>{last_upload}</td>
            </tr>
        }
    }).collect_view();
    let summary = fill(
        t.pager_summary,
        &[
            ("page", &current.to_string()),
            ("pages", &pages.to_string()),
            ("total", &page.total.to_string()),
        ],
    );
    view! {
        <table class="table" data-testid="client-table">
            <thead>
                <tr>
                    <th scope="col">{t.col_name}</th>
                    <th scope="col">{t.col_company}</th>
                    <th scope="col">{t.col_email}</th>
                    <th scope="col">{t.col_status}</th>
                    <th scope="col" class="num">{t.col_links}</th>
                    <th scope="col" class="num">{t.col_files}</th>
                    <th scope="col">{t.col_last_upload}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label=t.pagination>
            <span class="muted" data-testid="pager-summary">{summary}</span>
            <span class="row">
                {(current > 1).then(|| view! { <A href=link(current - 1) attr:class="btn btn-secondary" attr:rel="prev">{t.prev_page}</A> })}
                {(current < pages).then(|| view! { <A href=link(current + 1) attr:class="btn btn-secondary" attr:rel="next">{t.next_page}</A> })}
            </span>
        </nav>
    }
    .into_any()
}

/// Percent-encoding for a query value (RFC 3986 unreserved characters pass).
#[component]
pub fn NewClientPage() -> impl IntoView {
    let t = use_t();
    let action = ServerAction::<super::api::CreateClient>::new();
    let err = action_error(action);
    let dup = field_error(err, "allow_duplicate");
    view! {
        <div class="page-head"><h1>{t.create_title}</h1></div>
        <div class="card narrow">
            <p class="muted">{t.create_intro}</p>
            <FormError error=err fields=&["name", "email", "company", "allow_duplicate"]/>
            <ActionForm attr:novalidate=true action=action>
                <Field label=t.field_name name="name" required=true hint=t.field_name_hint error=field_error(err, "name")/>
                <Field label=t.field_email name="email" kind="email" hint=t.email_tip error=field_error(err, "email")/>
                <Field label=t.field_company name="company" error=field_error(err, "company")/>
                {move || dup.get().map(|m| view! {
                    <div class="form-error" role="alert">
                        <p>{m}</p>
                        <label class="checkbox"><input type="checkbox" name="allow_duplicate" value="1"/>{t.create_anyway}</label>
                    </div>
                })}
                <p class="small muted">{t.no_notify}</p>
                <div class="row">
                    <button class="btn" type="submit" aria-busy=move || action.pending().get().to_string()>{t.create_submit}</button>
                    <a class="btn btn-secondary" href="/clients">{t.cancel}</a>
                </div>
            </ActionForm>
        </div>
    }
}

#[component]
pub fn ClientDetailPage() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let update = ServerAction::<super::api::UpdateClient>::new();
    let set_status = ServerAction::<super::api::SetClientStatus>::new();
    let add_note = ServerAction::<super::api::AddClientNote>::new();
    let delete = ServerAction::<super::api::DeleteClient>::new();
    let save_team = ServerAction::<super::api::SaveRestriction>::new();
    toast_on_success(update, t.saved);
    toast_on_success(set_status, t.saved);
    toast_on_success(save_team, t.saved);
    let detail = Resource::new(
        move || {
            (
                id(),
                update.version().get(),
                set_status.version().get(),
                add_note.version().get(),
                save_team.version().get(),
            )
        },
        |(id, ..)| super::api::get_client(id),
    );
    // Only those who see every client choose who else does; nobody else asks.
    let can_restrict = may(Permission::RestrictClients);
    let team: TeamResource = Resource::new(
        move || (id(), save_team.version().get()),
        move |(id, _)| async move {
            match can_restrict {
                true => Some(super::api::load_restriction("client".into(), id).await),
                false => None,
            }
        },
    );
    // Uploads of this client and changes of its cases show up live.
    let live = crate::live::client_counter(id);
    let create_case = ServerAction::<crate::cases::api::CreateCase>::new();
    let create_invoice = ServerAction::<crate::invoices::api::CreateInvoice>::new();
    let request_approval = ServerAction::<crate::approvals::api::RequestApproval>::new();
    toast_on_success(request_approval, t.appr_requested_toast);
    let approvals: crate::approvals::ui::ApprovalsResource = Resource::new(
        move || (id(), request_approval.version().get(), live.get()),
        |(id, ..)| crate::approvals::api::list_approvals(id),
    );
    let invoices: crate::invoices::ui::DocsResource = Resource::new(
        move || (id(), create_invoice.version().get()),
        |(id, _)| crate::invoices::api::list_invoices(Some(id), None),
    );
    let cases: crate::cases::ui::CasesResource = Resource::new(
        move || (id(), create_case.version().get(), live.get()),
        |(id, ..)| crate::cases::api::list_cases(id),
    );
    let hours = crate::hours::ui::ClientHours::new(id);
    let tickets: crate::tickets::ui::TicketsResource = Resource::new(
        move || (id(), live.get()),
        |(id, _)| crate::tickets::api::list_tickets(None, Some(id), None, None),
    );
    let case_options: crate::cases::ui::OptionsResource =
        Resource::new(|| (), |_| crate::cases::api::load_case_options());
    let uploads = UploadActions::default();
    let files: FilesResource = Resource::new(
        move || (id(), uploads.review.version().get(), live.get()),
        |(id, ..)| crate::uploads::api::list_client_files(id),
    );
    let links: LinksResource = Resource::new(
        move || {
            (
                id(),
                uploads.create_link.version().get(),
                uploads.revoke_link.version().get(),
            )
        },
        |(id, ..)| crate::uploads::api::list_upload_links(id),
    );
    let (portal, access) = crate::portal::ui::PortalActions::with_access(id);
    let (contact_actions, contacts) = crate::portal::ui::ContactActions::with_contacts(id);
    let chat = crate::chat::ui::Chat::new(
        move || crate::chat::ui::Side::Staff(id()),
        crate::live::counter(move |e| {
            crate::chat::ui::is_message(e) && e.client_id.as_deref() == Some(id().as_str())
        }),
    );
    view! {
        <Transition fallback=|| view! { <Skeleton lines=8/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <ClientDetailView d update set_status add_note delete uploads files links cases case_options create_case portal access chat team save_team contact_actions contacts invoices create_invoice approvals request_approval hours tickets/> }.into_any(),
                    Err(e) => view! { <NotFoundState error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ClientDetailView(
    d: ClientDetail,
    update: ServerAction<super::api::UpdateClient>,
    set_status: ServerAction<super::api::SetClientStatus>,
    add_note: ServerAction<super::api::AddClientNote>,
    delete: ServerAction<super::api::DeleteClient>,
    uploads: UploadActions,
    files: FilesResource,
    links: LinksResource,
    cases: crate::cases::ui::CasesResource,
    case_options: crate::cases::ui::OptionsResource,
    create_case: ServerAction<crate::cases::api::CreateCase>,
    portal: crate::portal::ui::PortalActions,
    access: crate::portal::ui::AccessResource,
    chat: crate::chat::ui::Chat,
    team: TeamResource,
    save_team: ServerAction<super::api::SaveRestriction>,
    contact_actions: crate::portal::ui::ContactActions,
    contacts: crate::portal::ui::ContactsResource,
    invoices: crate::invoices::ui::DocsResource,
    create_invoice: ServerAction<crate::invoices::api::CreateInvoice>,
    approvals: crate::approvals::ui::ApprovalsResource,
    request_approval: ServerAction<crate::approvals::api::RequestApproval>,
    hours: crate::hours::ui::ClientHours,
    tickets: crate::tickets::ui::TicketsResource,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let c = d.client.clone();
    let can_edit = may(Permission::EditClients);
    let can_delete = may(Permission::DeleteClients);
    let update_err = action_error(update);
    let note_err = action_error(add_note);
    let delete_err = action_error(delete);
    let edit_open = move || update_err.get().is_some();
    let dash = |s: &str| {
        if s.is_empty() {
            t.never.to_string()
        } else {
            s.to_string()
        }
    };
    let id = c.id.clone();
    let (id2, id3, id4) = (c.id.clone(), c.id.clone(), c.id.clone());
    let links_id = c.id.clone();
    let (edit_name, edit_email, edit_company) =
        (c.name.clone(), c.email.clone(), c.company.clone());
    let delete_title = fill(t.delete_confirm_title, &[("name", &c.name)]);
    let status_now = c.status;
    view! {
        <p><a href="/clients">{format!("← {}", t.back_to_list)}</a></p>
        <div class="page-head">
            <h1>{c.name.clone()}</h1>
            <StatusBadge status=c.status/>
            {c.restricted.then(|| view! { <span class="badge" data-testid="client-restricted">{t.team_badge}</span> })}
        </div>
        <div class="grid-2">
            <div class="stack">
                <section class="card" aria-labelledby="h-contact">
                    <h2 id="h-contact">{t.contact_info}</h2>
                    <dl class="dl">
                        <dt>{t.field_name}</dt><dd data-testid="client-name">{c.name.clone()}</dd>
                        <dt>{t.field_company}</dt><dd>{dash(&c.company)}</dd>
                        <dt>{t.field_email}</dt><dd>{dash(&c.email)}</dd>
                        <dt>{t.created_label}</dt><dd>{format::datetime(d.created_at, lang)}</dd>
                        <dt>{t.updated_label}</dt><dd>{format::datetime(d.updated_at, lang)}</dd>
                    </dl>
                    {can_edit.then(|| view! {
                        <details open=edit_open>
                            <summary class="btn btn-secondary mt">{t.edit}</summary>
                            <FormError error=update_err fields=&["name", "email", "company"]/>
                            <ActionForm attr:novalidate=true action=update>
                                <input type="hidden" name="id" value=id.clone()/>
                                <Field id_prefix="edit-" label=t.field_name name="name" required=true value=edit_name.clone() error=field_error(update_err, "name")/>
                                <Field id_prefix="edit-" label=t.field_email name="email" kind="email" value=edit_email.clone() error=field_error(update_err, "email")/>
                                <Field id_prefix="edit-" label=t.field_company name="company" value=edit_company.clone() error=field_error(update_err, "company")/>
                                <button class="btn" type="submit">{t.save}</button>
                            </ActionForm>
                        </details>
                    })}
                </section>
                <section class="card" aria-labelledby="h-chat">
                    <h2 id="h-chat">{t.chat_title}</h2>
                    <crate::chat::ui::ChatPanel chat can_write=can_edit/>
                </section>
                <section class="card" aria-labelledby="h-cases">
                    <h2 id="h-cases">{t.cases_heading}</h2>
                    <crate::cases::ui::ClientCases client_id=links_id.clone() cases options=case_options create=create_case/>
                </section>
                <crate::tickets::ui::ClientTickets client_id=links_id.clone() tickets/>
                <crate::invoices::ui::ClientInvoices client_id=links_id.clone() docs=invoices create=create_invoice/>
                <crate::approvals::ui::ClientApprovals client_id=links_id.clone() approvals files request=request_approval/>
                <crate::hours::ui::HoursCard client_id=links_id.clone() h=hours cases/>
                <section class="card" aria-labelledby="h-received">
                    <h2 id="h-received">{t.received_files}</h2>
                    <ClientFiles client_id=links_id.clone() files sent=false actions=uploads can_edit/>
                </section>
                <section class="card" aria-labelledby="h-sent">
                    <h2 id="h-sent">{t.sent_files}</h2>
                    <ClientFiles client_id=links_id.clone() files sent=true actions=uploads/>
                    {can_edit.then(|| view! { <SendFiles client_id=links_id.clone() files/> })}
                </section>
                <section class="card" aria-labelledby="h-links">
                    <h2 id="h-links">{t.active_links}</h2>
                    <ClientLinks client_id=links_id.clone() can_edit links actions=uploads/>
                </section>
                <crate::portal::ui::ClientPortalCard client_id=links_id.clone() can_edit actions=portal access/>
                <crate::portal::ui::ContactsCard client_id=links_id.clone() main_email=c.email.clone() can_edit actions=contact_actions contacts/>
                <TeamCard scope=super::TeamScope::Client id=links_id.clone() team save=save_team/>
                <section class="card" aria-labelledby="h-activity">
                    <h2 id="h-activity">{t.activity}</h2>
                    <ActivityList entries=d.activity.clone()/>
                    {crate::ui::may(Permission::ViewAudit).then(|| view! {
                        <p><a href=format!("/audit?client_id={}", links_id) data-testid="client-audit">{t.audit_client_link}</a></p>
                    })}
                </section>
            </div>
            <div class="stack">
                {can_edit.then(|| view! {
                    <section class="card" aria-labelledby="h-status">
                        <h2 id="h-status">{t.status_change}</h2>
                        <ActionForm attr:novalidate=true action=set_status>
                            <input type="hidden" name="id" value=id2.clone()/>
                            <fieldset class="plain">
                                <legend class="visually-hidden">{t.status_change}</legend>
                                {ClientStatus::ALL.into_iter().map(|s| view! {
                                    <label class="checkbox">
                                        <input type="radio" name="status" value=s.as_str() checked=s == status_now/>
                                        <span><StatusBadge status=s/>" "<span class="small muted">{status_help(t, s)}</span></span>
                                    </label>
                                }).collect_view()}
                            </fieldset>
                            <button class="btn" type="submit">{t.status_set}</button>
                        </ActionForm>
                    </section>
                })}
                <section class="card" aria-labelledby="h-notes">
                    <h2 id="h-notes">{t.notes_title}</h2>
                    <p class="small muted">{t.notes_hint}</p>
                    {can_edit.then(|| view! {
                        <ActionForm attr:novalidate=true action=add_note>
                            <input type="hidden" name="id" value=id3.clone()/>
                            <Field label=t.note_label name="body" kind="textarea" required=true error=field_error(note_err, "body")/>
                            <button class="btn" type="submit">{t.add_note}</button>
                        </ActionForm>
                    })}
                    {if d.notes.is_empty() {
                        view! { <p class="muted">{t.no_notes}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="timeline" data-testid="notes">
                                {d.notes.into_iter().map(|n| view! {
                                    <li>
                                        <div class="note-body">{n.body}</div>
                                        <div class="small muted">{format::datetime(n.created_at, lang)}" · "{fill(t.by_author, &[("name", &n.author_name)])}</div>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
                {can_delete.then(|| view! {
                    <section class="card stack" aria-labelledby="h-privacy">
                        <h2 id="h-privacy">{t.privacy_title}</h2>
                        <p class="small muted">{t.privacy_export_hint}</p>
                        <p><a class="btn btn-secondary" href=format!("/api/clients/{}/export.zip", id4) download data-testid="client-export">{t.privacy_export}</a></p>
                        <FormError error=delete_err/>
                        <ConfirmDialog
                            key="delete"
                            trigger_label=t.delete_client
                            title=delete_title.clone()
                            text=t.delete_confirm_text
                        >
                            <ActionForm attr:novalidate=true action=delete>
                                <input type="hidden" name="id" value=id4.clone()/>
                                <button class="btn btn-danger" type="submit">{t.delete_confirm_button}</button>
                            </ActionForm>
                        </ConfirmDialog>
                    </section>
                })}
            </div>
        </div>
    }
}

/// The team of a client or case; `None` for those who may not change it.
pub type TeamResource = Resource<Option<Result<super::Team, crate::error::AppError>>>;

/// "Zugriff": restrict a client or a case to chosen members, or open it to the whole team.
/// Shown to owners and admins only (the resource is `None` for everyone else).
#[component]
pub fn TeamCard(
    scope: super::TeamScope,
    id: String,
    team: TeamResource,
    save: ServerAction<super::api::SaveRestriction>,
) -> impl IntoView {
    let t = use_t();
    let err = action_error(save);
    let cid = StoredValue::new(id);
    let (hint, none, testid) = match scope {
        super::TeamScope::Client => (t.team_hint, t.team_no_members, "client-team"),
        super::TeamScope::Case => (t.case_team_hint, t.case_team_no_members, "case-team"),
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Some(Ok(team)) = team.await else { return ().into_any() };
                let restricted = RwSignal::new(team.restricted);
                let others = team.members.iter().any(|m| !m.sees_all);
                let members = team.members.into_iter().map(|m| {
                    let role = crate::orgs::ui::role_label(t, m.role);
                    if m.sees_all {
                        view! {
                            <li class="small muted">{m.name}" · "{role}" · "{t.team_sees_all}</li>
                        }.into_any()
                    } else {
                        view! {
                            <li>
                                <label class="checkbox">
                                    <input type="checkbox" name="members[]" value=m.id checked=m.on_team
                                        prop:disabled=move || !restricted.get() data-testid="team-member"/>
                                    <span>{m.name}" · "<span class="small muted">{role}</span></span>
                                </label>
                            </li>
                        }.into_any()
                    }
                }).collect_view();
                view! {
                    <section class="card stack" aria-labelledby="h-team" data-testid=testid>
                        <h2 id="h-team">{t.access_title}</h2>
                        <p class="small muted">{hint}</p>
                        <FormError error=err fields=&["members"]/>
                        <ActionForm attr:novalidate=true action=save>
                            <input type="hidden" name="scope" value=scope.as_str()/>
                            <input type="hidden" name="id" value=cid.get_value()/>
                            <label class="checkbox">
                                <input type="checkbox" name="restricted" value="on" checked=team.restricted
                                    on:change=move |ev| restricted.set(event_target_checked(&ev)) data-testid="team-restricted"/>
                                <span>{t.team_restricted}</span>
                            </label>
                            <fieldset class="plain">
                                <legend class="small">{t.team_members}</legend>
                                <ul class="plain-list">{members}</ul>
                                {(!others).then(|| view! { <p class="small muted">{none}</p> })}
                            </fieldset>
                            <button class="btn" type="submit" data-testid="team-save">{t.team_save}</button>
                        </ActionForm>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn ActivityList(entries: Vec<super::ActivityEntry>) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    if entries.is_empty() {
        return view! { <p class="muted">{t.no_activity}</p> }.into_any();
    }
    view! {
        <ul class="timeline" data-testid="activity">
            {entries.into_iter().map(|e| {
                let what = crate::audit::label(lang, &e.action).to_string();
                let detail = if e.action == crate::audit::action::CLIENT_STATUS_CHANGED {
                    status_change_text(t, &e.detail)
                } else {
                    e.detail.clone()
                };
                view! {
                    <li>
                        <div><strong>{what}</strong>{(!detail.is_empty()).then(|| format!(": {detail}"))}</div>
                        <div class="small muted">{format::datetime(e.created_at, lang)}" · "{fill(t.by_author, &[("name", &e.actor_name)])}</div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// "offen → teilweise" stored; "Offen → Teilweise" shown in the reader's language.
fn status_change_text(t: &crate::i18n::T, detail: &str) -> String {
    detail
        .split(" → ")
        .map(|s| {
            ClientStatus::parse(s)
                .map(|s| status_label(t, s).to_string())
                .unwrap_or_else(|| s.to_string())
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Staff send files to the client: the same widget and protocol as the client's own uploads,
/// authenticated by the staff session; the files appear under "Gesendete Dateien".
#[component]
fn SendFiles(client_id: String, files: FilesResource) -> impl IntoView {
    let t = use_t();
    let target = crate::uploads::widget::UploadTarget {
        portal: false,
        bearer: None,
        metadata: vec![("client_id".to_string(), client_id.clone())],
        scope: format!("staff-{client_id}"),
        allowed: vec![],
    };
    view! {
        <details class="mt">
            <summary class="btn btn-secondary">{t.send_files}</summary>
            <p class="small muted">{t.send_files_hint}</p>
            <UploadWidget target on_done=Callback::new(move |_| files.refetch())/>
        </details>
    }
}

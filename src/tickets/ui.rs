//! Tickets on both sides: the staff tab (`/tickets`, filtered by state, client and assignee,
//! with an unread badge in the navigation), one ticket (`/tickets/:id`: thread, answer or
//! internal note, state, assignee, attachments), the client page's card, and the portal's
//! Support tab (`/portal/tickets`, `/portal/tickets/:id`).

use super::api::{AssignTicket, OpenTicket, PortalReplyTicket, ReplyTicket, SetTicketState};
use super::{Post, PostKind, TicketDetail, TicketState, TicketSummary};
use crate::error::AppError;
use crate::i18n::{fill, T};
use crate::ui::{
    action_error, field_error, format, may, reset_on_success, toast_on_success, use_lang, use_t,
    EmptyState, Field, FormError, NotFoundState, Skeleton,
};
use crate::uploads::widget::{UploadTarget, UploadWidget};
use leptos::form::ActionForm;
use leptos::prelude::*;

pub type TicketsResource = Resource<Result<Vec<TicketSummary>, AppError>>;

pub fn state_label(t: &T, s: TicketState) -> &'static str {
    match s {
        TicketState::Open => t.tk_st_open,
        TicketState::InProgress => t.tk_st_in_progress,
        TicketState::Solved => t.tk_st_solved,
    }
}

fn badge(s: TicketState) -> &'static str {
    match s {
        TicketState::Open => "badge badge-review-neu",
        TicketState::InProgress => "badge badge-teilweise",
        TicketState::Solved => "badge badge-vollstaendig",
    }
}

/// A list of tickets: number and subject (linking to `base/id`), client (staff), state,
/// assignee (staff), last activity; news marked.
#[component]
pub fn TicketTable(
    list: Vec<TicketSummary>,
    #[prop(default = "/tickets")] base: &'static str,
    #[prop(optional)] with_client: bool,
    #[prop(optional)] staff: bool,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    view! {
        <table class="table" data-testid="ticket-table">
            <thead>
                <tr>
                    <th>{t.tk_col_subject}</th>
                    {with_client.then(|| view! { <th>{t.tk_col_client}</th> })}
                    <th>{t.tk_col_state}</th>
                    {staff.then(|| view! { <th>{t.tk_col_assignee}</th> })}
                    <th>{t.tk_col_updated}</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|k| view! {
                    <tr data-testid="ticket-row" class=if k.unread { "unread" } else { "" }>
                        <td class="primary" data-label=t.tk_col_subject>
                            <span>
                                <a class="row-link" href=format!("{base}/{}", k.id)>{format!("{} {}", super::label(k.number), k.subject)}</a>
                                {k.unread.then(|| view! { " "<span class="badge badge-unread" data-testid="ticket-new">{t.tk_new_badge}</span> })}
                            </span>
                        </td>
                        {with_client.then(|| view! { <td data-label=t.tk_col_client>{k.client_name.clone()}</td> })}
                        <td data-label=t.tk_col_state><span class=badge(k.state) data-testid="ticket-state">{state_label(t, k.state)}</span></td>
                        {staff.then(|| view! {
                            <td data-label=t.tk_col_assignee>{if k.assignee_name.is_empty() { "–".to_string() } else { k.assignee_name.clone() }}</td>
                        })}
                        <td data-label=t.tk_col_updated>{format::datetime(k.updated_at, lang)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The thread: the client's posts on one side, the firm's on the other, notes marked.
#[component]
fn Thread(posts: Vec<Post>, portal: bool) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    view! {
        <ul class="chat-list ticket-thread" data-testid="ticket-thread">
            {posts.into_iter().map(|p| {
                let ours = p.kind != PostKind::Client;
                // Each side sees its own posts as "mine".
                let mine = ours != portal;
                let class = match (p.kind, mine) {
                    (PostKind::Note, _) => "chat-msg mine note",
                    (_, true) => "chat-msg mine",
                    _ => "chat-msg",
                };
                view! {
                    <li class=class data-testid="ticket-post">
                        <p class="small muted">
                            {p.author_name.clone()}" · "{format::datetime(p.created_at, lang)}
                            {(p.kind == PostKind::Note).then(|| view! { " · "<strong data-testid="ticket-note">{t.tk_note_badge}</strong> })}
                            {p.via_mail.then(|| view! { " · "{t.tk_via_mail} })}
                            {p.mail_id.clone().map(|m| view! {
                                " · "<a href=format!("/api/inbound/mails/{m}/original") target="_blank" rel="external noopener" data-testid="ticket-mail-original">{t.mail_original}</a>
                            })}
                        </p>
                        {(!p.text.is_empty()).then(|| view! { <p class="chat-text">{p.text.clone()}</p> })}
                        {p.file.map(|f| view! { <crate::chat::ui::AttachmentLine f portal/> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// A hidden idempotency key, fresh in the browser after each completed send (`version` is
/// the action's), so a retried submission of the same text is stored once.
fn idem_field(version: RwSignal<usize>) -> impl IntoView {
    let idem = RwSignal::new(String::new());
    Effect::new(move |_| {
        version.get();
        idem.set(crate::chat::ui::new_idem());
    });
    view! { <input type="hidden" name="idem_key" prop:value=move || idem.get()/> }
}

/// Who opened it, when.
fn opened_line(t: &T, k: &TicketSummary, lang: crate::i18n::Lang) -> String {
    fill(
        t.tk_opened_line,
        &[
            ("name", &k.opened_by),
            ("date", &format::datetime(k.created_at, lang)),
        ],
    )
}

/// The navigation's badge: tickets with news from clients.
#[component]
pub fn TicketBadge(unread: Resource<Result<i64, crate::error::AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let n = unread.await.unwrap_or(0);
                view! { <crate::chat::ui::UnreadBadge n/> }
            })}
        </Transition>
    }
}

/// The member's unread tickets, refetched on every navigation and ticket event.
pub fn unread_resource() -> Resource<Result<i64, crate::error::AppError>> {
    let location = leptos_router::hooks::use_location();
    let live = crate::live::counter(|e| e.kind == crate::live::kind::TICKET);
    Resource::new(
        move || (location.pathname.get(), live.get()),
        |_| super::api::ticket_unread_count(),
    )
}

/// `/tickets?state=open&assignee=me&client_id=…`: the firm's tickets.
#[component]
pub fn TicketsPage() -> impl IntoView {
    let t = use_t();
    let query = leptos_router::hooks::use_query_map();
    let param = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    let (state, assignee, client) = (param("state"), param("assignee"), param("client_id"));
    let live = crate::live::counter(|e| e.kind == crate::live::kind::TICKET);
    let list: TicketsResource = Resource::new(
        move || (state(), assignee(), client(), live.get()),
        |(s, a, c, _)| super::api::list_tickets(Some(s), Some(c), Some(a), None),
    );
    let href = move |s: &str, a: &str| {
        let mut q = Vec::new();
        for (k, v) in [
            ("state", s.to_string()),
            ("assignee", a.to_string()),
            ("client_id", client()),
        ] {
            if !v.is_empty() {
                q.push(format!("{k}={v}"));
            }
        }
        match q.is_empty() {
            true => "/tickets".to_string(),
            false => format!("/tickets?{}", q.join("&")),
        }
    };
    let chip = move |on: bool| if on { "chip chip-on" } else { "chip" };
    let release = ServerAction::<crate::inbound::api::ReleaseHeldMail>::new();
    let discard = ServerAction::<crate::inbound::api::DiscardHeldMail>::new();
    toast_on_success(release, t.mail_released_toast);
    toast_on_success(discard, t.mail_discarded_toast);
    let held = Resource::new(
        move || (release.version().get(), discard.version().get(), live.get()),
        |_| crate::inbound::api::list_held_mails(),
    );
    view! {
        <div class="page-head"><h1>{t.tk_title}</h1></div>
        <HeldMails held release discard/>
        <nav class="row filters-row" aria-label=t.tk_filter_label>
            <a class=move || chip(state().is_empty()) href=move || href("", &assignee())>{t.tk_filter_all}</a>
            {TicketState::ALL.into_iter().map(|s| view! {
                <a class=move || chip(state() == s.as_str()) href=move || href(s.as_str(), &assignee()) data-testid=format!("ticket-filter-{}", s.as_str())>{state_label(t, s)}</a>
            }).collect_view()}
        </nav>
        <nav class="row filters-row" aria-label=t.tk_col_assignee>
            <a class=move || chip(assignee().is_empty()) href=move || href(&state(), "")>{t.tk_filter_everyone}</a>
            <a class=move || chip(assignee() == "me") href=move || href(&state(), "me") data-testid="ticket-filter-mine">{t.tk_filter_mine}</a>
            <a class=move || chip(assignee() == "none") href=move || href(&state(), "none") data-testid="ticket-filter-unassigned">{t.tk_filter_unassigned}</a>
        </nav>
        <Transition fallback=|| view! { <Skeleton lines=5/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(l) if l.is_empty() => view! { <EmptyState title=t.tk_none text=t.tk_none_staff/> }.into_any(),
                    Ok(l) => view! { <TicketTable list=l with_client=true staff=true/> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Replies by mail from unknown senders, for staff to release or discard.
#[component]
fn HeldMails(
    held: Resource<Result<Vec<crate::inbound::HeldMail>, AppError>>,
    release: ServerAction<crate::inbound::api::ReleaseHeldMail>,
    discard: ServerAction<crate::inbound::api::DiscardHeldMail>,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let can_edit = may(crate::orgs::domain::Permission::EditClients);
    let err = action_error(release);
    let err2 = action_error(discard);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let list = held.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <section class="card stack" aria-labelledby="h-held" data-testid="held-mails">
                        <h2 id="h-held">{t.mail_held_title}</h2>
                        <p class="small muted">{t.mail_held_hint}</p>
                        <FormError error=err/>
                        <FormError error=err2/>
                        <ul class="checklist">
                            {list.into_iter().map(|m| {
                                let id = m.id.clone();
                                let id2 = m.id.clone();
                                let place = if m.ticket.is_empty() { t.mail_chat.to_string() } else { m.ticket.clone() };
                                view! {
                                    <li class="checklist-item stack-s" data-testid="held-mail">
                                        <div class="row">
                                            <strong>{m.from.clone()}</strong>
                                            <span class="small muted">{format!("{} · {} · {}", m.client_name, place, format::datetime(m.received_at, lang))}</span>
                                        </div>
                                        <p class="small">{m.subject.clone()}</p>
                                        <p class="chat-text">{m.text.clone()}</p>
                                        {(!m.attachments.is_empty()).then(|| view! { <p class="small muted">{format!("{}: {}", t.mail_attachments_label, m.attachments.join(", "))}</p> })}
                                        <div class="row">
                                            <a class="small" href=format!("/api/inbound/mails/{}/original", m.id) target="_blank" rel="external noopener">{t.mail_original}</a>
                                            {can_edit.then(|| view! {
                                                <ActionForm action=release>
                                                    <input type="hidden" name="id" value=id.clone()/>
                                                    <button class="btn btn-secondary btn-small" type="submit" data-testid="held-release">{t.mail_release}</button>
                                                </ActionForm>
                                                <ActionForm action=discard>
                                                    <input type="hidden" name="id" value=id2.clone()/>
                                                    <button class="btn btn-secondary btn-small" type="submit" data-testid="held-discard">{t.mail_discard}</button>
                                                </ActionForm>
                                            })}
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Transition>
    }
}

/// `/tickets/:id`: one ticket for staff.
#[component]
pub fn TicketPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let t = use_t();
    let reply = ServerAction::<ReplyTicket>::new();
    let set_state = ServerAction::<SetTicketState>::new();
    let assign = ServerAction::<AssignTicket>::new();
    toast_on_success(reply, t.tk_posted_toast);
    toast_on_success(set_state, t.tk_state_toast);
    toast_on_success(assign, t.tk_assigned_toast);
    let live =
        crate::live::counter(move |e| e.kind == crate::live::kind::TICKET && e.subject == id());
    let refresh = RwSignal::new(0u32);
    let detail = Resource::new(
        move || {
            (
                id(),
                reply.version().get(),
                set_state.version().get(),
                assign.version().get(),
                live.get(),
                refresh.get(),
            )
        },
        |(id, ..)| super::api::get_ticket(id),
    );
    view! {
        <Transition fallback=|| view! { <Skeleton lines=8/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <StaffTicket d reply set_state assign refresh/> }.into_any(),
                    Err(e) => view! { <NotFoundState error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StaffTicket(
    d: TicketDetail,
    reply: ServerAction<ReplyTicket>,
    set_state: ServerAction<SetTicketState>,
    assign: ServerAction<AssignTicket>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let can_edit = may(crate::orgs::domain::Permission::EditClients);
    let err = action_error(reply);
    let state_err = action_error(set_state);
    let assign_err = action_error(assign);
    let k = d.ticket.clone();
    let id = StoredValue::new(k.id.clone());
    let form = NodeRef::<leptos::html::Form>::new();
    reset_on_success(reply, form);
    let attach = UploadTarget {
        bearer: None,
        portal: false,
        scope: format!("ticket:{}", k.id),
        metadata: vec![
            ("client_id".to_string(), k.client_id.clone()),
            ("ticket".to_string(), k.id.clone()),
        ],
        allowed: Vec::new(),
    };
    view! {
        <p><a href="/tickets">{t.tk_back}</a></p>
        <div class="page-head">
            <h1 data-testid="ticket-title">{format!("{} {}", super::label(k.number), k.subject)}</h1>
            <span class=badge(k.state) data-testid="ticket-state">{state_label(t, k.state)}</span>
        </div>
        <p class="small muted">
            <a href=format!("/clients/{}", k.client_id) data-testid="ticket-client">{k.client_name.clone()}</a>
            " · "{opened_line(t, &k, lang)}
        </p>
        <div class="grid-2">
            <section class="card stack" aria-labelledby="h-thread">
                <h2 id="h-thread" class="visually-hidden">{t.tk_thread}</h2>
                <Thread posts=d.posts portal=false/>
                {can_edit.then(|| view! {
                    <FormError error=err fields=&["text"]/>
                    <ActionForm attr:novalidate=true action=reply attr:class="stack-s" node_ref=form>
                        <input type="hidden" name="id" value=id.get_value()/>
                        {idem_field(reply.version())}
                        <Field id_prefix="tk-" label=t.tk_reply_label name="text" kind="textarea" required=true hint=t.tk_reply_hint error=field_error(err, "text")/>
                        <div class="row">
                            <button class="btn" type="submit" data-testid="ticket-reply">{t.tk_reply}</button>
                            <button class="btn btn-secondary" type="submit" name="internal" value="on" data-testid="ticket-add-note">{t.tk_add_note}</button>
                        </div>
                    </ActionForm>
                    <details>
                        <summary class="btn btn-secondary">{t.tk_attach}</summary>
                        <UploadWidget target=attach.clone() on_done=Callback::new(move |_| refresh.update(|n| *n += 1))/>
                    </details>
                })}
            </section>
            {can_edit.then(|| view! {
                <div class="stack">
                    <section class="card stack" aria-labelledby="h-tk-state">
                        <h2 id="h-tk-state">{t.tk_state_label}</h2>
                        <FormError error=state_err/>
                        <ActionForm attr:novalidate=true action=set_state attr:class="stack-s">
                            <input type="hidden" name="id" value=id.get_value()/>
                            <fieldset class="plain">
                                <legend class="visually-hidden">{t.tk_state_label}</legend>
                                {TicketState::ALL.into_iter().map(|s| view! {
                                    <label class="checkbox">
                                        <input type="radio" name="state" value=s.as_str() checked=s == k.state/>
                                        <span><span class=badge(s)>{state_label(t, s)}</span></span>
                                    </label>
                                }).collect_view()}
                            </fieldset>
                            <button class="btn btn-secondary" type="submit" data-testid="ticket-state-save">{t.tk_state_save}</button>
                        </ActionForm>
                    </section>
                    <section class="card stack" aria-labelledby="h-tk-assignee">
                        <h2 id="h-tk-assignee">{t.tk_assignee_label}</h2>
                        <FormError error=assign_err fields=&["user_id"]/>
                        <ActionForm attr:novalidate=true action=assign attr:class="stack-s">
                            <input type="hidden" name="id" value=id.get_value()/>
                            <label class="visually-hidden" for="tk-assignee">{t.tk_assignee_label}</label>
                            <select id="tk-assignee" name="user_id" data-testid="ticket-assignee">
                                <option value="" selected=k.assignee_id.is_none()>{t.tk_nobody}</option>
                                {d.members.iter().map(|(uid, name)| view! {
                                    <option value=uid.clone() selected=k.assignee_id.as_deref() == Some(uid.as_str())>{name.clone()}</option>
                                }).collect_view()}
                            </select>
                            <button class="btn btn-secondary" type="submit" data-testid="ticket-assign">{t.tk_assign}</button>
                        </ActionForm>
                    </section>
                </div>
            })}
        </div>
    }
}

/// The client page's card: the client's tickets.
#[component]
pub fn ClientTickets(client_id: String, tickets: TicketsResource) -> impl IntoView {
    let t = use_t();
    view! {
        <section class="card stack" aria-labelledby="h-client-tickets" data-testid="client-tickets">
            <h2 id="h-client-tickets">{t.tk_title}</h2>
            <Transition fallback=|| view! { <Skeleton lines=2/> }>
                {move || Suspend::new(async move {
                    match tickets.await {
                        Ok(l) if l.is_empty() => view! { <p class="muted">{t.tk_none}</p> }.into_any(),
                        Ok(l) => view! { <TicketTable list=l staff=true/> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                    }
                })}
            </Transition>
            <p><a href=format!("/tickets?client_id={client_id}")>{t.tk_all_of_client}</a></p>
        </section>
    }
}

/// `/portal/tickets`: the client's tickets and a new one.
#[component]
pub fn PortalTicketsPage() -> impl IntoView {
    let t = use_t();
    let open = ServerAction::<OpenTicket>::new();
    let err = action_error(open);
    let _ = crate::live::Live::provide_at("/api/portal/events");
    let live = crate::live::counter(|e| e.kind == crate::live::kind::TICKET);
    let list: TicketsResource = Resource::new(
        move || (open.version().get(), live.get()),
        |_| super::api::portal_tickets(),
    );
    // A new ticket opens at once.
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = open.value().get() {
            navigate(&format!("/portal/tickets/{id}"), Default::default());
        }
    });
    view! {
                    <crate::invoices::portal::PortalFrame>
                        <h1>{t.tk_portal_title}</h1>
                        <Transition fallback=|| view! { <Skeleton lines=3/> }>
                            {move || Suspend::new(async move {
                                match list.await {
                                    Ok(l) if l.is_empty() => view! { <EmptyState title=t.tk_none text=t.tk_none_hint/> }.into_any(),
                                    Ok(l) => view! { <TicketTable list=l base="/portal/tickets"/> }.into_any(),
                                    Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                                }
                            })}
                        </Transition>
                        <section class="card stack" aria-labelledby="h-new-ticket">
                            <h2 id="h-new-ticket">{t.tk_new}</h2>
                            <FormError error=err fields=&["subject", "text"]/>
                            <ActionForm attr:novalidate=true action=open attr:class="stack-s">
                                <Field id_prefix="tk-" label=t.tk_subject name="subject" required=true error=field_error(err, "subject")/>
                                <Field id_prefix="tk-" label=t.tk_message name="text" kind="textarea" required=true error=field_error(err, "text")/>
                                <button class="btn" type="submit" data-testid="ticket-open">{t.tk_open_button}</button>
                            </ActionForm>
                        </section>
                    </crate::invoices::portal::PortalFrame>
    }
}

/// `/portal/tickets/:id`: one of the client's tickets.
#[component]
pub fn PortalTicketPage() -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let reply = ServerAction::<PortalReplyTicket>::new();
    toast_on_success(reply, t.tk_sent_toast);
    let err = action_error(reply);
    let form = NodeRef::<leptos::html::Form>::new();
    reset_on_success(reply, form);
    let refresh = RwSignal::new(0u32);
    // The firm's answer shows up without reloading.
    let _ = crate::live::Live::provide_at("/api/portal/events");
    let live =
        crate::live::counter(move |e| e.kind == crate::live::kind::TICKET && e.subject == id());
    let detail = Resource::new(
        move || (id(), reply.version().get(), refresh.get(), live.get()),
        |(id, ..)| super::api::portal_ticket(id),
    );
    let can_upload = move || {
        use_context::<crate::portal::PortalMe>()
            .is_some_and(|me| me.rights.has(crate::portal::Right::Upload))
    };
    view! {
                    <crate::invoices::portal::PortalFrame>
                        <p><a href="/portal/tickets">{t.tk_back}</a></p>
                        <Transition fallback=|| view! { <Skeleton lines=5/> }>
                            {move || Suspend::new(async move {
                                let d = match detail.await {
                                    Ok(d) => d,
                                    Err(e) => return view! { <NotFoundState error=e/> }.into_any(),
                                };
                                let k = d.ticket.clone();
                                let attach = UploadTarget {
                                    bearer: None,
                                    portal: true,
                                    scope: format!("ticket:portal:{}", k.id),
                                    metadata: vec![("ticket".to_string(), k.id.clone())],
                                    allowed: Vec::new(),
                                };
                                view! {
                                    <div class="page-head">
                                        <h1 data-testid="ticket-title">{format!("{} {}", super::label(k.number), k.subject)}</h1>
                                        <span class=badge(k.state) data-testid="ticket-state">{state_label(t, k.state)}</span>
                                    </div>
                                    <p class="small muted">{opened_line(t, &k, lang)}</p>
                                    <section class="card stack">
                                        <Thread posts=d.posts portal=true/>
                                        <FormError error=err fields=&["text"]/>
                                        <ActionForm attr:novalidate=true action=reply attr:class="stack-s" node_ref=form>
                                            <input type="hidden" name="id" value=k.id.clone()/>
                                            {idem_field(reply.version())}
                                            <Field id_prefix="tk-" label=t.tk_reply_label name="text" kind="textarea" required=true error=field_error(err, "text")/>
                                            <button class="btn" type="submit" data-testid="ticket-reply">{t.tk_reply}</button>
                                        </ActionForm>
                                        {can_upload().then(|| view! {
                                            <details>
                                                <summary class="btn btn-secondary">{t.tk_attach}</summary>
                                                <UploadWidget target=attach on_done=Callback::new(move |_| refresh.update(|n| *n += 1))/>
                                            </details>
                                        })}
                                    </section>
                                }.into_any()
                            })}
                        </Transition>
                    </crate::invoices::portal::PortalFrame>
    }
}

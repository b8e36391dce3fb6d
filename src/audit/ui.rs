//! The audit view (/audit, owners and admins): the firm's whole trail, filtered by client,
//! member, action and days through a plain GET form (so every view has an address), paged,
//! and exported as CSV with the same filter.

use super::{Entry, Filter, Page, LABELS};
use crate::i18n::{fill, Lang};
use crate::ui::{format, use_lang, use_t, EmptyState, Skeleton};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        Filter {
            client_id: get("client_id"),
            client: get("client"),
            actor: get("actor"),
            action: get("action"),
            from: get("from"),
            to: get("to"),
        }
    };
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0)
    };
    let data = Resource::new(
        move || (filter(), page()),
        |(f, p)| {
            super::api::load_audit(
                Some(f.client_id),
                Some(f.client),
                Some(f.actor),
                Some(f.action),
                Some(f.from),
                Some(f.to),
                Some(p),
            )
        },
    );
    view! {
        <div class="page-head">
            <h1>{t.audit_title}</h1>
            <a class="btn btn-secondary" data-testid="audit-csv" download="audit.csv"
                href=move || format!("/api/audit.csv?{}", filter().query())>{t.audit_export}</a>
        </div>
        <p class="muted">{t.audit_intro}</p>
        <Transition fallback=|| view! { <Skeleton lines=8/> }>
            {move || Suspend::new(async move {
                let f = filter();
                match data.await {
                    Ok(p) => view! { <Filters f=f.clone() p=p.clone()/> <Entries p f page=page()/> }.into_any(),
                    Err(e) => view! {
                        <Filters f=f.clone() p=Page { entries: vec![], more: false, members: vec![], client_name: None }/>
                        <div class="form-error" role="alert" data-testid="audit-error">{e.user_message(t)}</div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Filters(f: Filter, p: Page) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let actor = f.actor.clone();
    let action = f.action.clone();
    view! {
        <Form method="GET" action="" attr:class="filters" attr:role="search" attr:data-testid="audit-filters">
            {(!f.client_id.is_empty()).then(|| view! {
                <input type="hidden" name="client_id" value=f.client_id.clone()/>
                <p class="field" data-testid="audit-client-only">
                    {fill(t.audit_client_only, &[("name", p.client_name.as_deref().unwrap_or("–"))])}
                    " "<a href="/audit">{t.reset_filter}</a>
                </p>
            })}
            {f.client_id.is_empty().then(|| view! {
                <div class="field">
                    <label for="a-client">{t.audit_client}</label>
                    <input id="a-client" type="search" name="client" value=f.client.clone()/>
                </div>
            })}
            <div class="field">
                <label for="a-actor">{t.audit_member}</label>
                <select id="a-actor" name="actor">
                    <option value="" selected=actor.is_empty()>{t.audit_all}</option>
                    {p.members.into_iter().map(|(id, name)| {
                        let selected = id == actor;
                        view! { <option value=id selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="a-action">{t.audit_action}</label>
                <select id="a-action" name="action">
                    <option value="" selected=action.is_empty()>{t.audit_all}</option>
                    {LABELS.iter().map(|(code, de, en)| {
                        let selected = *code == action;
                        let label = if lang == Lang::De { *de } else { *en };
                        view! { <option value=*code selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="a-from">{t.audit_from}</label>
                <input id="a-from" type="date" name="from" value=f.from.clone()/>
            </div>
            <div class="field">
                <label for="a-to">{t.audit_to}</label>
                <input id="a-to" type="date" name="to" value=f.to.clone()/>
            </div>
            <div class="field"><button class="btn" type="submit" data-testid="audit-filter">{t.filter_submit}</button></div>
        </Form>
    }
}

#[component]
fn Entries(p: Page, f: Filter, page: i64) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    if p.entries.is_empty() {
        return view! {
            <EmptyState title=t.audit_none text="">
                <a class="btn btn-secondary" href="/audit">{t.reset_filter}</a>
            </EmptyState>
        }
        .into_any();
    }
    let base = f.query();
    let link = move |n: i64| {
        if base.is_empty() {
            format!("/audit?page={n}")
        } else {
            format!("/audit?{base}&page={n}")
        }
    };
    let rows = p
        .entries
        .into_iter()
        .map(|e: Entry| {
            let client = match (&e.client_id, e.client_name) {
                (Some(id), Some(name)) => {
                    view! { <a href=format!("/clients/{id}")>{name}</a> }.into_any()
                }
                (Some(_), None) => view! { <span class="muted">{t.audit_client_gone}</span> }.into_any(),
                (None, _) => ().into_any(),
            };
            view! {
                <tr data-testid="audit-entry">
                    <td data-label=t.audit_time>{format::datetime(e.created_at, lang)}</td>
                    <td data-label=t.audit_who>{e.actor_name}</td>
                    <td data-label=t.audit_client>{client}</td>
                    <td class="primary" data-label=t.audit_action>{super::label(lang, &e.action).to_string()}</td>
                    <td data-label=t.audit_detail class="audit-detail">{e.detail}</td>
                    <td data-label=t.audit_origin class="small muted" title=e.user_agent>{e.ip}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="audit-table">
            <thead>
                <tr>
                    <th scope="col">{t.audit_time}</th>
                    <th scope="col">{t.audit_who}</th>
                    <th scope="col">{t.audit_client}</th>
                    <th scope="col">{t.audit_action}</th>
                    <th scope="col">{t.audit_detail}</th>
                    <th scope="col">{t.audit_origin}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label=t.audit_title>
            {(page > 0).then(|| view! { <a class="btn btn-secondary" href=link(page - 1)>{t.audit_newer}</a> })}
            {p.more.then(|| view! { <a class="btn btn-secondary" href=link(page + 1) data-testid="audit-older">{t.audit_older}</a> })}
        </nav>
    }
    .into_any()
}

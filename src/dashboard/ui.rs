//! The staff home (`/`): key figures, live feed, progress per client, charts. Refetches
//! whenever a live event arrives, so an upload shows up within a second.

use super::Dashboard;
use crate::clients::ClientStatus;
use crate::i18n::fill;
use crate::ui::chart::{BarChart, Category};
use crate::ui::{format, status_label, use_lang, use_t, Skeleton, StatusBadge};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let responsible = move || query.read().get("responsible").unwrap_or_default();
    let status = move || query.read().get("status").unwrap_or_default();
    let live = crate::live::counter(|e| !crate::chat::ui::is_message(e));
    let data = Resource::new(
        move || (responsible(), status(), live.get()),
        |(r, s, _)| super::api::load_dashboard(Some(r), Some(s)),
    );
    view! {
        <div class="page-head"><h1>{t.dashboard_title}</h1></div>
        <Transition fallback=|| view! { <Skeleton lines=10/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <DashboardView d responsible=responsible() status=status()/> }.into_any(),
                    Err(e) => view! { <div class="form-error" role="alert">{e.user_message(t)}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Kpi(
    id: &'static str,
    label: &'static str,
    value: String,
    #[prop(optional)] alert: bool,
) -> impl IntoView {
    view! {
        <div class=if alert { "kpi kpi-alert" } else { "kpi" } data-testid=id>
            <span class="kpi-value">{value}</span>
            <span class="kpi-label">{label}</span>
        </div>
    }
}

fn feed_kind(t: &crate::i18n::T, kind: &str) -> &'static str {
    match kind {
        crate::live::kind::UPLOAD => t.feed_upload,
        crate::live::kind::QUARANTINE => t.feed_quarantine,
        _ => t.feed_case,
    }
}

#[component]
fn DashboardView(d: Dashboard, responsible: String, status: String) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let now = d.now;
    let last_upload = d
        .last_upload_at
        .map(|at| format::ago(at, now, lang))
        .unwrap_or_else(|| t.never.to_string());
    let days: Vec<Category> = d
        .uploads_per_day
        .iter()
        .map(|(day, n)| Category {
            label: format::day_month(*day, lang),
            values: vec![*n],
        })
        .collect();
    let weeks: Vec<Category> = d
        .items_per_week
        .iter()
        .map(|(w, open, done)| Category {
            label: format::day_month(*w, lang),
            values: vec![*open, *done],
        })
        .collect();
    let filtered = !responsible.is_empty() || !status.is_empty();
    let any_overdue = d.overdue_items > 0;
    view! {
        <section class="kpis" aria-label=t.dashboard_figures>
            <Kpi id="kpi-open" label=t.kpi_open_cases value=d.open_cases.to_string()/>
            <Kpi id="kpi-closed-today" label=t.kpi_closed_today value=d.closed_today.to_string()/>
            <Kpi id="kpi-last-upload" label=t.kpi_last_upload value=last_upload/>
            <Kpi id="kpi-overdue" label=t.kpi_overdue value=d.overdue_items.to_string() alert=any_overdue/>
            <Kpi id="kpi-review" label=t.kpi_to_review value=d.to_review.to_string()/>
        </section>
        <div class="grid-2 mt">
            <section class="card" aria-labelledby="h-progress">
                <h2 id="h-progress">{t.dashboard_progress}</h2>
                <Form method="GET" action="" attr:class="filters">
                    <div class="field">
                        <label for="d-responsible">{t.case_responsible_label}</label>
                        <select id="d-responsible" name="responsible">
                            <option value="">{t.dashboard_everyone}</option>
                            {d.members.iter().map(|m| view! {
                                <option value=m.id.clone() selected=responsible == m.id>{m.name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="d-status">{t.status_label}</label>
                        <select id="d-status" name="status">
                            <option value="">{t.status_all}</option>
                            {ClientStatus::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() selected=status == s.as_str()>{status_label(t, s)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field"><button class="btn" type="submit">{t.filter_submit}</button></div>
                </Form>
                {if d.rows.is_empty() {
                    view! { <p class="muted">{if filtered { t.dashboard_no_match } else { t.dashboard_no_open_cases }}</p> }.into_any()
                } else {
                    view! {
                        <table class="table" data-testid="progress-table">
                            <thead><tr>
                                <th scope="col">{t.col_client}</th>
                                <th scope="col">{t.col_status}</th>
                                <th scope="col">{t.dashboard_items_done}</th>
                                <th scope="col">{t.dashboard_next_deadline}</th>
                            </tr></thead>
                            <tbody>
                                {d.rows.iter().map(|r| {
                                    let words = fill(t.case_progress, &[("done", &r.done.to_string()), ("of", &r.required.to_string())]);
                                    let overdue = r.next_deadline.is_some_and(|n| n < now);
                                    view! {
                                        <tr data-testid="progress-row">
                                            <td data-label=t.col_client><a href=format!("/clients/{}", r.client_id)>{r.client_name.clone()}</a></td>
                                            <td data-label=t.col_status><StatusBadge status=r.status/></td>
                                            <td data-label=t.dashboard_items_done>
                                                <div class="progress">
                                                    <progress max=r.required.max(1).to_string() value=r.done.to_string() aria-label=words.clone()></progress>
                                                    <span class="small">{format!("{}/{}", r.done, r.required)}</span>
                                                </div>
                                            </td>
                                            <td data-label=t.dashboard_next_deadline>
                                                {r.next_deadline.map(|n| format::date(n, lang)).unwrap_or_else(|| "—".to_string())}
                                                {overdue.then(|| view! { " " <span class="badge badge-danger">{t.case_overdue}</span> })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {(d.rows_total > d.rows.len() as i64).then(|| view! {
                            <p class="small muted">{fill(t.dashboard_more_rows, &[("n", &d.rows.len().to_string()), ("total", &d.rows_total.to_string())])}</p>
                        })}
                    }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="h-feed">
                <h2 id="h-feed">{t.dashboard_feed}</h2>
                {if d.feed.is_empty() {
                    view! { <p class="muted">{t.dashboard_feed_empty}</p> }.into_any()
                } else {
                    view! {
                        <ul class="timeline" data-testid="feed" aria-live="polite">
                            {d.feed.iter().map(|e| view! {
                                <li>
                                    <div>
                                        {match &e.client_id {
                                            Some(c) => view! { <a href=format!("/clients/{c}")>{e.client_name.clone()}</a> }.into_any(),
                                            None => view! { <span>{e.client_name.clone()}</span> }.into_any(),
                                        }}
                                        " — "<span class="filename">{e.subject.clone()}</span>
                                    </div>
                                    <div class="small muted">{feed_kind(t, &e.kind)}" — "{format::ago(e.created_at, now, lang)}</div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
        <div class="grid-2 mt">
            <section class="card">
                <BarChart id="chart-uploads" title=t.chart_uploads_title.to_string() series=vec![t.chart_uploads_series] cats=days/>
            </section>
            <section class="card">
                <BarChart id="chart-items" title=t.chart_items_title.to_string() series=vec![t.chart_items_open, t.chart_items_done] cats=weeks/>
            </section>
        </div>
    }
}

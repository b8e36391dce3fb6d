//! Hours on both sides: the client page's card (a month's entries, logging time, the budget,
//! recent months) and the portal's page `/portal/hours` with the same figures.

use super::api::{DeleteTime, LogTime, SaveBudget};
use super::{format_duration, Hours, Month, MonthFigure, TimeEntry};
use crate::error::AppError;
use crate::i18n::{fill, Lang};
use crate::ui::{
    action_error, field_error, may, toast_on_success, use_lang, use_t, EmptyState, Field,
    FormError, Skeleton,
};
use leptos::form::ActionForm;
use leptos::prelude::*;

pub type HoursResource = Resource<Result<Hours, AppError>>;

/// "24.11.2026" (de) or "2026-11-24" (en) from a stored day.
fn day_label(date: &str, lang: Lang) -> String {
    match (lang, date.split('-').collect::<Vec<_>>().as_slice()) {
        (Lang::De, [y, m, d]) => format!("{d}.{m}.{y}"),
        _ => date.to_string(),
    }
}

/// The client page's hours: the month looked at, the actions and the figures they refresh —
/// created with the page, outside any Suspense.
#[derive(Clone, Copy)]
pub struct ClientHours {
    /// "2026-10"; empty: the current month.
    pub month: RwSignal<String>,
    pub log: ServerAction<LogTime>,
    pub delete: ServerAction<DeleteTime>,
    pub budget: ServerAction<SaveBudget>,
    pub hours: HoursResource,
}

impl ClientHours {
    pub fn new(client_id: impl Fn() -> String + Send + Sync + 'static) -> Self {
        let t = use_t();
        let month = RwSignal::new(String::new());
        let log = ServerAction::<LogTime>::new();
        let delete = ServerAction::<DeleteTime>::new();
        let budget = ServerAction::<SaveBudget>::new();
        toast_on_success(log, t.hours_logged_toast);
        toast_on_success(delete, t.hours_deleted_toast);
        toast_on_success(budget, t.hours_budget_toast);
        let hours = Resource::new(
            move || {
                (
                    client_id(),
                    month.get(),
                    log.version().get(),
                    delete.version().get(),
                    budget.version().get(),
                )
            },
            |(id, month, ..)| super::api::list_hours(id, Some(month)),
        );
        ClientHours {
            month,
            log,
            delete,
            budget,
            hours,
        }
    }
}

/// Used against the budget: "6:30 h von 10:00 h", a bar, what is left or over.
#[component]
fn Summary(f: MonthFigure) -> impl IntoView {
    let t = use_t();
    let used = format_duration(f.used);
    if f.budget == 0 {
        return view! {
            <div class="stack-tight" data-testid="hours-summary">
                <div class="hours-figure" data-testid="hours-used">{used}</div>
                <p class="small muted" data-testid="hours-budget-state">{t.hours_no_budget}</p>
            </div>
        }
        .into_any();
    }
    let words = fill(
        t.hours_used_of,
        &[("used", &used), ("budget", &format_duration(f.budget))],
    );
    let rest = f.budget - f.used;
    let over = rest < 0;
    let state = match over {
        false => fill(t.hours_left, &[("n", &format_duration(rest))]),
        true => fill(t.hours_over, &[("n", &format_duration(-rest))]),
    };
    view! {
        <div class="stack-tight" data-testid="hours-summary">
            <div class="hours-figure" data-testid="hours-used">{words.clone()}</div>
            <div class=if over { "progress progress-over" } else { "progress" }>
                <progress max="100" value=f.percent().to_string() aria-label=words></progress>
                <span class=if over { "small hours-over" } else { "small muted" } data-testid="hours-budget-state">{state}</span>
            </div>
        </div>
    }
    .into_any()
}

/// The month's entries.
#[component]
fn Entries(
    entries: Vec<TimeEntry>,
    /// Staff may delete (their own; owners and admins any).
    #[prop(optional)]
    delete: Option<ServerAction<DeleteTime>>,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    if entries.is_empty() {
        return view! { <p class="muted" data-testid="hours-none">{t.hours_none}</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="hours-entries">
            <thead>
                <tr>
                    <th>{t.hours_date}</th>
                    <th>{t.hours_description}</th>
                    <th>{t.hours_case}</th>
                    <th class="num">{t.hours_duration}</th>
                    {delete.map(|_| view! { <th><span class="visually-hidden">{t.hours_delete}</span></th> })}
                </tr>
            </thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr data-testid="hours-entry">
                        <td data-label=t.hours_date>{day_label(&e.work_date, lang)}</td>
                        <td class="primary" data-label=t.hours_description>
                            <span>
                                {e.description.clone()}
                                {(!e.by.is_empty()).then(|| view! { <span class="small muted">{format!(" · {}", fill(t.hours_by, &[("name", &e.by)]))}</span> })}
                            </span>
                        </td>
                        <td data-label=t.hours_case>{if e.case_title.is_empty() { "–".to_string() } else { e.case_title.clone() }}</td>
                        <td class="num" data-label=t.hours_duration data-testid="hours-entry-minutes">{format_duration(e.minutes)}</td>
                        {delete.map(|action| view! {
                            <td>
                                {e.can_delete.then(|| view! {
                                    <ActionForm action=action>
                                        <input type="hidden" name="id" value=e.id.clone()/>
                                        <button class="btn btn-secondary btn-small" type="submit" data-testid="hours-delete">{t.hours_delete}</button>
                                    </ActionForm>
                                })}
                            </td>
                        })}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Recent months: used, budget, share.
#[component]
fn Months(months: Vec<MonthFigure>) -> impl IntoView {
    let t = use_t();
    (!months.is_empty()).then(|| {
        view! {
            <h3>{t.hours_months}</h3>
            <table class="table" data-testid="hours-months">
                <thead>
                    <tr>
                        <th>{t.hours_month_col}</th>
                        <th class="num">{t.hours_used}</th>
                        <th class="num">{t.hours_budget_col}</th>
                        <th><span class="visually-hidden">"%"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {months.into_iter().map(|f| {
                        let label = f.month.label(t);
                        let over = f.budget > 0 && f.used > f.budget;
                        view! {
                            <tr data-testid="hours-month">
                                <td class="primary" data-label=t.hours_month_col>{label.clone()}</td>
                                <td class="num" data-label=t.hours_used>{format_duration(f.used)}</td>
                                <td class="num" data-label=t.hours_budget_col>{if f.budget == 0 { "–".to_string() } else { format_duration(f.budget) }}</td>
                                <td data-label="%">
                                    {(f.budget > 0).then(|| view! {
                                        <div class=if over { "progress progress-over" } else { "progress" }>
                                            <progress max="100" value=f.percent().to_string() aria-label=label></progress>
                                            <span class="small muted">{format!("{} %", f.used * 100 / f.budget)}</span>
                                        </div>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}

/// The month shown and the way to the one before and after (never past the current one).
#[component]
fn MonthNav(h: Hours, go: Callback<Month, AnyView>) -> impl IntoView {
    let t = use_t();
    view! {
        <nav class="row month-nav" aria-label=t.hours_month_col>
            {go.run(h.month.plus(-1))}
            <strong data-testid="hours-month-label">{h.month.label(t)}</strong>
            {(h.month < h.current).then(|| go.run(h.month.plus(1)))}
        </nav>
    }
}

/// The direction of a month link or button, for its label.
fn step_label(t: &crate::i18n::T, from: Month, to: Month) -> &'static str {
    if to < from {
        t.hours_prev
    } else {
        t.hours_next
    }
}

/// The client page's card.
#[component]
pub fn HoursCard(
    client_id: String,
    h: ClientHours,
    cases: crate::cases::ui::CasesResource,
) -> impl IntoView {
    let t = use_t();
    let can_edit = may(crate::orgs::domain::Permission::EditClients);
    let log_err = action_error(h.log);
    let budget_err = action_error(h.budget);
    let delete_err = action_error(h.delete);
    let cid = StoredValue::new(client_id);
    view! {
        <section class="card stack" aria-labelledby="h-hours" data-testid="client-hours">
            <h2 id="h-hours">{t.hours_title}</h2>
            <FormError error=delete_err/>
            <Transition fallback=|| view! { <Skeleton lines=4/> }>
                {move || Suspend::new(async move {
                    let hours = match h.hours.await {
                        Ok(x) => x,
                        Err(e) => return view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                    };
                    let cases = cases.await.unwrap_or_default();
                    let shown = hours.month;
                    let go = Callback::new(move |m: Month| view! {
                        <button class="btn btn-secondary btn-small" type="button" data-testid="hours-step"
                            on:click=move |_| h.month.set(m.key())>
                            {if m < shown { "‹ " } else { "" }}{step_label(t, shown, m)}{if m > shown { " ›" } else { "" }}
                        </button>
                    }.into_any());
                    let budget_value = match hours.budget {
                        0 => String::new(),
                        m if m % 60 == 0 => (m / 60).to_string(),
                        m => format!("{}:{:02}", m / 60, m % 60),
                    };
                    view! {
                        <MonthNav h=hours.clone() go/>
                        <Summary f=hours.figure/>
                        <Entries entries=hours.entries.clone() delete=h.delete/>
                        {(hours.hidden_minutes > 0).then(|| view! {
                            <p class="small muted" data-testid="hours-hidden">{fill(t.hours_hidden, &[("n", &format_duration(hours.hidden_minutes))])}</p>
                        })}
                        {can_edit.then(|| view! {
                            <details open=move || log_err.get().is_some()>
                                <summary class="btn">{t.hours_log}</summary>
                                <FormError error=log_err fields=&["work_date", "duration", "description", "case_id"]/>
                                <ActionForm attr:novalidate=true action=h.log>
                                    <input type="hidden" name="client_id" value=cid.get_value()/>
                                    <Field id_prefix="hours-" label=t.hours_date name="work_date" kind="date" required=true value=hours.today.clone() error=field_error(log_err, "work_date")/>
                                    <Field id_prefix="hours-" label=t.hours_duration name="duration" required=true hint=t.hours_duration_hint error=field_error(log_err, "duration")/>
                                    <Field id_prefix="hours-" label=t.hours_description name="description" required=true error=field_error(log_err, "description")/>
                                    {(!cases.is_empty()).then(|| view! {
                                        <div class="field">
                                            <label for="hours-f-case_id">{t.hours_case}</label>
                                            <select id="hours-f-case_id" name="case_id" data-testid="hours-case">
                                                <option value="">{t.hours_no_case}</option>
                                                {cases.into_iter().map(|c| view! { <option value=c.id.clone()>{c.title.clone()}</option> }).collect_view()}
                                            </select>
                                            {move || field_error(log_err, "case_id").get().map(|e| view! { <span class="field-error">{e}</span> })}
                                        </div>
                                    })}
                                    <button class="btn" type="submit" data-testid="hours-log">{t.hours_log}</button>
                                </ActionForm>
                            </details>
                            <details open=move || budget_err.get().is_some()>
                                <summary class="btn btn-secondary">{t.hours_budget}</summary>
                                <FormError error=budget_err fields=&["budget"]/>
                                <ActionForm attr:novalidate=true action=h.budget>
                                    <input type="hidden" name="client_id" value=cid.get_value()/>
                                    <Field id_prefix="hours-" label=t.hours_budget name="budget" value=budget_value hint=t.hours_budget_hint error=field_error(budget_err, "budget")/>
                                    <button class="btn" type="submit" data-testid="hours-budget-save">{t.hours_budget_save}</button>
                                </ActionForm>
                            </details>
                        })}
                        <Months months=hours.months.clone()/>
                        <p class="small muted" data-testid="hours-portal-state">{if hours.in_portal { t.hours_in_portal_on } else { t.hours_in_portal_off }}</p>
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}

/// The portal home's glance at this month, linking to the page.
#[component]
pub fn PortalHoursTeaser(hours: Resource<Option<Hours>>) -> impl IntoView {
    let t = use_t();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                // Clients without a retainer (no hours, no budget) are spared the card.
                hours.await.filter(|h| h.figure.used > 0 || h.figure.budget > 0).map(|h| view! {
                    <section class="card stack" aria-labelledby="h-portal-hours" data-testid="portal-hours-teaser">
                        <h2 id="h-portal-hours">{format!("{} · {}", t.hours_title, h.month.label(t))}</h2>
                        <Summary f=h.figure/>
                        <a href="/portal/hours">{t.hours_months}" ›"</a>
                    </section>
                })
            })}
        </Transition>
    }
}

/// `/portal/hours?month=2026-10`: the client's hours month by month.
#[component]
pub fn PortalHoursPage() -> impl IntoView {
    let t = use_t();
    let query = leptos_router::hooks::use_query_map();
    let month = move || query.read().get("month").unwrap_or_default();
    let hours = Resource::new(month, |m| super::api::portal_hours(Some(m)));
    view! {
                    <crate::invoices::portal::PortalFrame>
                        <h1>{t.hours_title}</h1>
                        <p class="muted">{t.hours_portal_hint}</p>
                        <Transition fallback=|| view! { <Skeleton lines=5/> }>
                            {move || Suspend::new(async move {
                                match hours.await {
                                    Ok(h) => {
                                        let shown = h.month;
                                        let go = Callback::new(move |m: Month| view! {
                                            <a class="chip" href=format!("/portal/hours?month={}", m.key()) data-testid="hours-step">
                                                {if m < shown { "‹ " } else { "" }}{step_label(t, shown, m)}{if m > shown { " ›" } else { "" }}
                                            </a>
                                        }.into_any());
                                        view! {
                                            <section class="card stack" data-testid="portal-hours">
                                                <MonthNav h=h.clone() go/>
                                                <Summary f=h.figure/>
                                                <Entries entries=h.entries.clone()/>
                                            </section>
                                            <section class="card stack">
                                                <Months months=h.months.clone()/>
                                            </section>
                                        }.into_any()
                                    }
                                    Err(AppError::NotFound) => view! { <EmptyState title=t.not_found_title text=t.not_found_text/> }.into_any(),
                                    Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                                }
                            })}
                        </Transition>
                    </crate::invoices::portal::PortalFrame>
    }
}

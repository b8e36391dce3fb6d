//! The client's side: lifetime totals (paid, outstanding), the list of what the firm issued
//! (never drafts) filtered by state and sorted by date or amount — both in the URL — each
//! document as a responsive page, and accepting or rejecting a quote with a comment.
//! A further contact needs the right "invoices" to see any of it, "approve" to decide quotes.

use super::{DocDetail, DocKind, DocState, DocSummary};
use crate::error::AppError;
use crate::ui::{action_error, field_error, use_lang, use_t, EmptyState, FormError, Skeleton};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};

/// What the client's invoice page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceOverview {
    /// Paid so far, over all time.
    pub paid_cents: i64,
    /// Sent or overdue invoices not yet paid.
    pub outstanding_cents: i64,
    pub docs: Vec<DocSummary>,
}

/// The list's order (`?sort=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Oldest,
    Highest,
    Lowest,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::Oldest, Sort::Highest, Sort::Lowest];
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Highest => "highest",
            Sort::Lowest => "lowest",
        }
    }
    pub fn parse(s: &str) -> Sort {
        Sort::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .unwrap_or(Sort::Newest)
    }
    /// The ORDER BY of the list (a fixed string per choice, never input).
    pub fn order_by(self) -> &'static str {
        match self {
            Sort::Newest => "i.issued_at DESC, i.id DESC",
            Sort::Oldest => "i.issued_at ASC, i.id ASC",
            Sort::Highest => "i.gross_cents DESC, i.issued_at DESC, i.id DESC",
            Sort::Lowest => "i.gross_cents ASC, i.issued_at DESC, i.id DESC",
        }
    }
}

/// The states a client can filter by (`?state=`): `open` is sent or overdue.
pub const FILTERS: [&str; 6] = [
    "open",
    "overdue",
    "paid",
    "cancelled",
    "accepted",
    "rejected",
];

/// The signed-in client's documents and totals.
#[server(prefix = "/api", endpoint = "portal_invoices")]
pub async fn portal_invoices(
    state: Option<String>,
    sort: Option<String>,
) -> Result<InvoiceOverview, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Invoices)?;
            let db = &p.req.state.db;
            let state = state.filter(|s| FILTERS.contains(&s.as_str()));
            let sort = Sort::parse(sort.as_deref().unwrap_or(""));
            let (paid_cents, outstanding_cents) =
                super::repo::client_totals(db, &p.org_id, &p.client_id).await?;
            let docs =
                super::repo::issued_to_client(db, &p.org_id, &p.client_id, state.as_deref(), sort)
                    .await?;
            Ok(InvoiceOverview {
                paid_cents,
                outstanding_cents,
                docs,
            })
        }
        .await,
    )
}

/// One document the firm issued to the signed-in client.
#[server(prefix = "/api", endpoint = "portal_invoice")]
pub async fn portal_invoice(id: String) -> Result<DocDetail, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Invoices)?;
            server::issued(&p, &id).await
        }
        .await,
    )
}

/// The client accepts (`accept`) or rejects (`reject`) a quote, with an optional comment; the
/// firm's staff who see the client hear of it in their bell.
#[server(prefix = "/api", endpoint = "decide_quote")]
pub async fn decide_quote(
    id: String,
    decision: String,
    comment: Option<String>,
) -> Result<(), AppError> {
    use super::domain::{next_state, DocEvent};
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Approve)?;
            let t = p.req.t();
            let d = server::issued(&p, &id).await?;
            let (event, action, kind) = match decision.as_str() {
                "accept" => (
                    DocEvent::Accept,
                    crate::audit::action::QUOTE_ACCEPTED,
                    crate::notify::Kind::QuoteAccepted,
                ),
                "reject" => (
                    DocEvent::Reject,
                    crate::audit::action::QUOTE_REJECTED,
                    crate::notify::Kind::QuoteRejected,
                ),
                _ => return Err(AppError::invalid("decision", t.f_required)),
            };
            let next = next_state(d.summary.kind, d.summary.state, event, d.lines.len())
                .map_err(|_| AppError::Conflict(t.inv_wrong_state.into()))?;
            let comment = crate::validate::text_field(
                t,
                "comment",
                comment.as_deref(),
                super::domain::TEXT_MAX,
                false,
                true,
            )?;
            let db = &p.req.state.db;
            let now = crate::server::db::now_ms();
            let from = d.summary.state;
            if !super::repo::set_state(db, &p.org_id, &id, from, next, &comment, now).await? {
                return Err(AppError::Conflict(t.inv_wrong_state.into()));
            }
            crate::audit::repo::record(
                db,
                &p.org_id,
                &p.actor(),
                Some(&p.client_id),
                action,
                &d.summary.number,
            )
            .await?;
            crate::notify::repo::note_members(
                db,
                &p.org_id,
                &p.client_id,
                kind,
                &d.summary.number,
                now,
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// Whether the signed-in client may pay online: the right to pay, and the firm has set up Stripe.
#[server(prefix = "/api", endpoint = "portal_can_pay")]
pub async fn portal_can_pay() -> Result<bool, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            if !p.session.rights.has(crate::portal::Right::Pay) {
                return Ok(false);
            }
            let keys = super::stripe::keys(&p.req.state, &p.org_id)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "payment keys");
                    AppError::Internal
                })?;
            Ok(keys.is_some())
        }
        .await,
    )
}

/// "Jetzt bezahlen": a Stripe Checkout Session for exactly the outstanding amount; the browser
/// goes there (the answer is its address). The webhook marks the invoice paid.
#[server(prefix = "/api", endpoint = "pay_invoice")]
pub async fn pay_invoice(id: String) -> Result<String, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Pay)?;
            let t = p.req.t();
            let st = &p.req.state;
            let d = server::issued(&p, &id).await?;
            if d.summary.kind != DocKind::Invoice || !d.summary.state.outstanding() {
                return Err(AppError::Conflict(t.inv_not_payable.into()));
            }
            let internal = |e: String| {
                tracing::error!(error = %e, "stripe checkout");
                AppError::Conflict(t.inv_payment_failed.into())
            };
            let keys = super::stripe::keys(st, &p.org_id)
                .await
                .map_err(internal)?
                .ok_or_else(|| AppError::Conflict(t.inv_payments_off.into()))?;
            let base = crate::domains::repo::base_url(st, &p.org_id).await?;
            let back = format!("{base}/portal/invoices/{id}");
            let url =
                super::stripe::checkout(st, &keys, &p.org_id, &d, &format!("{back}?paid=1"), &back)
                    .await
                    .map_err(internal)?;
            leptos_axum::redirect(&url);
            Ok(url)
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
mod server {
    use super::super::{DocDetail, DocState};
    use crate::error::AppError;
    use crate::portal::api::Portal;

    /// A document of the signed-in client that the firm issued (a draft, another client's or
    /// another firm's: `NotFound`).
    pub async fn issued(p: &Portal, id: &str) -> Result<DocDetail, AppError> {
        let d = super::super::repo::detail(&p.req.state.db, &p.org_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if d.summary.client_id != p.client_id || d.summary.state == DocState::Draft {
            return Err(AppError::NotFound);
        }
        Ok(d)
    }
}

/// The portal's frame for the invoice pages: the firm's colours and logo, the way back.
#[component]
pub fn Frame(me: crate::portal::PortalMe, children: Children) -> impl IntoView {
    let t = use_t();
    view! {
        <div class="branded" data-testid="branded">
            <crate::branding::ui::BrandTheme brand=me.brand.clone()/>
            <header class="topbar portal-bar">
                <div class="topbar-inner">
                    <crate::branding::ui::BrandLogo brand=me.brand.clone() firm=me.firm_name.clone()/>
                    <span class="brand">{me.firm_name.clone()}</span>
                    <a class="small" href="/portal">{t.p_back_home}</a>
                </div>
            </header>
            <main class="main portal-main stack" id="main">{children()}</main>
        </div>
    }
}

/// A portal page of its own: the signed-in client's [`Frame`], or the sign-in page for someone
/// signed out. The client (`PortalMe`) is in the context of the children.
#[component]
pub fn PortalFrame(children: ChildrenFn) -> impl IntoView {
    let me = Resource::new_blocking(|| (), |_| crate::portal::api::load_portal_state());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <Skeleton lines=5/> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(crate::portal::PortalState::In(me)) => {
                        provide_context(me.clone());
                        view! { <Frame me>{children.read_value()()}</Frame> }.into_any()
                    }
                    _ => view! { <Redirect path="/portal/login"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/portal/invoices`: totals, filter, sort, list.
#[component]
pub fn PortalInvoicesPage() -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let query = leptos_router::hooks::use_query_map();
    let state = move || query.read().get("state").unwrap_or_default();
    let sort = move || query.read().get("sort").unwrap_or_default();
    // "Alle auswählen" for the ZIP download.
    let all = RwSignal::new(false);
    let list = Resource::new(
        move || (state(), sort()),
        |(state, sort)| portal_invoices(Some(state).filter(|s| !s.is_empty()), Some(sort)),
    );
    let href = move |state: &str, sort: &str| {
        let mut q = Vec::new();
        if !state.is_empty() {
            q.push(format!("state={state}"));
        }
        if !sort.is_empty() && sort != Sort::Newest.as_str() {
            q.push(format!("sort={sort}"));
        }
        match q.is_empty() {
            true => "/portal/invoices".to_string(),
            false => format!("/portal/invoices?{}", q.join("&")),
        }
    };
    let filter_label = move |f: &str| match f {
        "open" => t.p_inv_open,
        "overdue" => t.inv_st_overdue,
        "paid" => t.inv_st_paid,
        "cancelled" => t.inv_st_cancelled,
        "accepted" => t.inv_st_accepted,
        "rejected" => t.inv_st_rejected,
        _ => t.inv_filter_all,
    };
    let sort_label = move |s: Sort| match s {
        Sort::Newest => t.p_inv_sort_newest,
        Sort::Oldest => t.p_inv_sort_oldest,
        Sort::Highest => t.p_inv_sort_highest,
        Sort::Lowest => t.p_inv_sort_lowest,
    };
    view! {
                    <PortalFrame>
                        <h1>{t.inv_heading}</h1>
                        <Transition fallback=|| view! { <Skeleton lines=5/> }>
                            {move || Suspend::new(async move {
                                match list.await {
                                    Ok(l) => view! {
                                        <div class="grid-2 totals" data-testid="portal-totals">
                                            <div class="card"><div class="small muted">{t.p_inv_paid_total}</div><div class="figure" data-testid="paid-total">{super::money::format_eur(l.paid_cents, lang)}</div></div>
                                            <div class="card"><div class="small muted">{t.p_inv_outstanding_total}</div><div class="figure" data-testid="outstanding-total">{super::money::format_eur(l.outstanding_cents, lang)}</div></div>
                                        </div>
                                        {if l.docs.is_empty() {
                                            view! { <EmptyState title=t.p_inv_none text=t.p_inv_none_hint/> }.into_any()
                                        } else {
                                            view! {
                                                <form id="zip-form" method="get" action="/api/portal/invoices.zip" class="row">
                                                    <label class="checkbox">
                                                        <input type="checkbox" on:change=move |ev| all.set(event_target_checked(&ev)) data-testid="invoice-select-all"/>
                                                        <span>{t.p_inv_select_all}</span>
                                                    </label>
                                                    <button class="btn btn-secondary" type="submit" data-testid="invoice-zip">{t.p_inv_download_selected}</button>
                                                </form>
                                                <super::ui::DocTable docs=l.docs base="/portal/invoices" select=("zip-form", all)/>
                                            }.into_any()
                                        }}
                                    }.into_any(),
                                    Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                                }
                            })}
                        </Transition>
                        <nav class="row filters-row" aria-label=t.inv_filter_label>
                            {[""].into_iter().chain(FILTERS).map(|f| view! {
                                <a class=move || if state() == f { "chip chip-on" } else { "chip" }
                                    aria-current=move || (state() == f).then_some("page")
                                    href=move || href(f, &sort())>{filter_label(f)}</a>
                            }).collect_view()}
                        </nav>
                        <nav class="row filters-row" aria-label=t.p_inv_sort_label>
                            {Sort::ALL.into_iter().map(|s| view! {
                                <a class=move || if Sort::parse(&sort()) == s { "chip chip-on" } else { "chip" }
                                    aria-current=move || (Sort::parse(&sort()) == s).then_some("page")
                                    href=move || href(&state(), s.as_str())>{sort_label(s)}</a>
                            }).collect_view()}
                        </nav>
                    </PortalFrame>
    }
}

/// `/portal/invoices/:id`: one document, and the decision on a quote.
#[component]
pub fn PortalInvoicePage() -> impl IntoView {
    let t = use_t();
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let decide = ServerAction::<DecideQuote>::new();
    let pay = ServerAction::<PayInvoice>::new();
    // A payment confirmed by Stripe shows up without reloading.
    let live = crate::live::Live::provide_at("/api/portal/events");
    let paid_live = crate::live::counter(|e| e.kind == crate::live::kind::INVOICE);
    let _ = live;
    let doc = Resource::new(
        move || (id(), decide.version().get(), paid_live.get()),
        |(id, ..)| portal_invoice(id),
    );
    let can_pay = Resource::new(|| (), |_| portal_can_pay());
    let query = leptos_router::hooks::use_query_map();
    let back_from_payment = move || query.read().get("paid").is_some();
    let can_decide = move || {
        use_context::<crate::portal::PortalMe>()
            .is_some_and(|me| me.rights.has(crate::portal::Right::Approve))
    };
    view! {
                    <PortalFrame>
                        <p><a href="/portal/invoices">{format!("← {}", t.inv_heading)}</a></p>
                        <Transition fallback=|| view! { <Skeleton lines=6/> }>
                            {move || Suspend::new(async move {
                                match doc.await {
                                    Ok(d) => {
                                        let open_quote = d.summary.kind == DocKind::Quote && d.summary.state == DocState::Sent;
                                        let payable = d.summary.kind == DocKind::Invoice && d.summary.state.outstanding()
                                            && can_pay.await.unwrap_or(false);
                                        let id = d.summary.id.clone();
                                        let pdf = format!("/api/portal/invoices/{id}/pdf");
                                        view! {
                                            <div class="row">
                                                <span class=super::ui::state_badge(d.summary.state) data-testid="invoice-state">{super::ui::state_label(t, d.summary.state)}</span>
                                            </div>
                                            <p><a class="btn btn-secondary" href=pdf data-testid="invoice-pdf" rel="external">{t.inv_pdf_download}</a></p>
                                            <super::ui::DocView d/>
                                            {(payable && back_from_payment()).then(|| view! { <p class="card small" data-testid="payment-pending">{t.p_payment_pending}</p> })}
                                            {payable.then(|| view! { <PayButton id=id.clone() pay/> })}
                                            {(open_quote && can_decide()).then(|| view! { <Decision id decide/> })}
                                        }.into_any()
                                    }
                                    Err(e) => view! { <crate::ui::NotFoundState error=e/> }.into_any(),
                                }
                            })}
                        </Transition>
                    </PortalFrame>
    }
}

/// Accept or reject a quote, with an optional comment.
#[component]
fn Decision(id: String, decide: ServerAction<DecideQuote>) -> impl IntoView {
    let t = use_t();
    let err = action_error(decide);
    view! {
        <section class="card stack" aria-labelledby="h-decide" data-testid="quote-decision">
            <h2 id="h-decide">{t.p_quote_decide}</h2>
            <FormError error=err fields=&["comment"]/>
            <ActionForm attr:novalidate=true action=decide>
                <input type="hidden" name="id" value=id/>
                <crate::ui::Field id_prefix="quote-" label=t.p_quote_comment name="comment" kind="textarea" error=field_error(err, "comment")/>
                <div class="row">
                    <button class="btn" type="submit" name="decision" value="accept" data-testid="quote-accept">{t.p_quote_accept}</button>
                    <button class="btn btn-secondary" type="submit" name="decision" value="reject" data-testid="quote-reject">{t.p_quote_reject}</button>
                </div>
            </ActionForm>
            <p class="small muted">{t.p_quote_hint}</p>
        </section>
    }
}

/// "Jetzt bezahlen": off to Stripe's payment page for the outstanding amount.
#[component]
fn PayButton(id: String, pay: ServerAction<PayInvoice>) -> impl IntoView {
    let t = use_t();
    let err = action_error(pay);
    // Off to Stripe's page (without JavaScript the form's answer redirects there).
    Effect::new(move |_| {
        if let Some(Ok(url)) = pay.value().get() {
            #[cfg(feature = "hydrate")]
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href(&url);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = url;
        }
    });
    view! {
        <section class="card stack pay" data-testid="pay">
            <FormError error=err/>
            <ActionForm attr:novalidate=true action=pay>
                <input type="hidden" name="id" value=id/>
                <button class="btn btn-pay" type="submit" data-testid="pay-now">{t.p_pay_now}</button>
            </ActionForm>
            <p class="small muted">{t.p_pay_hint}</p>
        </section>
    }
}

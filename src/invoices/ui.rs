//! Invoices and quotes in the staff app: the client page's list, the firm-wide list with a
//! state filter in the URL, the editor of a draft, the document as printed (shared with the
//! portal later), and the billing details in the settings.

use super::money::{format_eur, format_quantity, VatRate};
use super::{DocDetail, DocKind, DocState, DocSummary};
use crate::error::AppError;
use crate::i18n::{fill, T};
use crate::orgs::domain::Permission;
use crate::ui::{
    action_error, field_error, format, may, toast_on_success, use_lang, use_t, EmptyState, Field,
    FormError, NotFoundState, Skeleton,
};
use leptos::form::ActionForm;
use leptos::prelude::*;

pub fn state_label(t: &T, s: DocState) -> &'static str {
    match s {
        DocState::Draft => t.inv_st_draft,
        DocState::Sent => t.inv_st_sent,
        DocState::Paid => t.inv_st_paid,
        DocState::Overdue => t.inv_st_overdue,
        DocState::Cancelled => t.inv_st_cancelled,
        DocState::Accepted => t.inv_st_accepted,
        DocState::Rejected => t.inv_st_rejected,
    }
}

pub fn state_badge(s: DocState) -> &'static str {
    match s {
        DocState::Draft | DocState::Cancelled => "badge badge-offen",
        DocState::Sent => "badge badge-review-neu",
        DocState::Paid | DocState::Accepted => "badge badge-vollstaendig",
        DocState::Overdue | DocState::Rejected => "badge badge-danger",
    }
}

pub fn kind_label(t: &T, k: DocKind) -> &'static str {
    match k {
        DocKind::Invoice => t.inv_kind_invoice,
        DocKind::Quote => t.inv_kind_quote,
    }
}

/// "2025-0042" or "Entwurf".
fn number_or_draft(t: &T, d: &DocSummary) -> String {
    match d.number.is_empty() {
        true => t.inv_st_draft.to_string(),
        false => d.number.clone(),
    }
}

pub type DocsResource = Resource<Result<Vec<DocSummary>, AppError>>;

/// A table of documents (number, kind, client, state, date, amount), cards on a phone; each
/// links to `{base}/{id}`.
#[component]
pub fn DocTable(
    docs: Vec<DocSummary>,
    #[prop(optional)] with_client: bool,
    #[prop(default = "/invoices")] base: &'static str,
    /// Checkboxes (`ids`) belonging to the form with this id; checked while `all` is set.
    #[prop(optional)]
    select: Option<(&'static str, RwSignal<bool>)>,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    view! {
        <table class="table" data-testid="invoice-table">
            <thead>
                <tr>
                    {select.map(|_| view! { <th><span class="visually-hidden">{t.p_inv_select}</span></th> })}
                    <th>{t.inv_col_number}</th>
                    <th>{t.inv_col_kind}</th>
                    {with_client.then(|| view! { <th>{t.col_name}</th> })}
                    <th>{t.col_status}</th>
                    <th>{t.inv_col_date}</th>
                    <th class="num">{t.inv_col_amount}</th>
                </tr>
            </thead>
            <tbody>
                {docs.into_iter().map(|d| {
                    let date = d.issued_at.unwrap_or(d.created_at);
                    view! {
                        <tr>
                            {select.map(|(form, all)| view! {
                                <td class="select-cell">
                                    <input type="checkbox" name="ids" value=d.id.clone() form=form prop:checked=move || all.get()
                                        aria-label=fill(t.p_inv_select_one, &[("number", &d.number)]) data-testid="invoice-select"/>
                                </td>
                            })}
                            <td class="primary" data-label=t.inv_col_number>
                                <a class="row-link" href=format!("{base}/{}", d.id)>{number_or_draft(t, &d)}</a>
                            </td>
                            <td data-label=t.inv_col_kind>{kind_label(t, d.kind)}</td>
                            {with_client.then(|| view! { <td data-label=t.col_name>{d.client_name.clone()}</td> })}
                            <td data-label=t.col_status><span class=state_badge(d.state) data-testid="invoice-state">{state_label(t, d.state)}</span></td>
                            <td data-label=t.inv_col_date>{format::date(date, lang)}</td>
                            <td class="num" data-label=t.inv_col_amount>{format_eur(d.gross_cents, lang)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The client page's card: the client's invoices and quotes, and new ones.
#[component]
pub fn ClientInvoices(
    client_id: String,
    docs: DocsResource,
    create: ServerAction<super::api::CreateInvoice>,
) -> impl IntoView {
    let t = use_t();
    let err = action_error(create);
    let can_edit = may(Permission::EditClients);
    let new_button = move |kind: DocKind, label: &'static str| {
        let client_id = client_id.clone();
        view! {
            <ActionForm attr:novalidate=true action=create>
                <input type="hidden" name="client_id" value=client_id/>
                <input type="hidden" name="kind" value=kind.as_str()/>
                <button class="btn btn-secondary" type="submit" data-testid=format!("new-{}", kind.as_str())>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <section class="card stack" aria-labelledby="h-invoices" data-testid="client-invoices">
            <h2 id="h-invoices">{t.inv_heading}</h2>
            <Transition fallback=|| view! { <Skeleton lines=2/> }>
                {move || Suspend::new(async move {
                    match docs.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">{t.inv_none}</p> }.into_any(),
                        Ok(list) => view! { <DocTable docs=list/> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                    }
                })}
            </Transition>
            <FormError error=err/>
            {can_edit.then(|| view! {
                <div class="row">
                    {new_button(DocKind::Invoice, t.inv_new_invoice)}
                    {new_button(DocKind::Quote, t.inv_new_quote)}
                </div>
            })}
        </section>
    }
}

/// `/invoices`: the firm's documents, filtered by state (`?state=overdue`).
#[component]
pub fn InvoicesPage() -> impl IntoView {
    let t = use_t();
    let query = leptos_router::hooks::use_query_map();
    let state = move || query.read().get("state").unwrap_or_default();
    let docs: DocsResource = Resource::new(state, |s| {
        super::api::list_invoices(None, Some(s).filter(|s| !s.is_empty()))
    });
    let filters = [
        ("", t.inv_filter_all),
        ("draft", t.inv_st_draft),
        ("sent", t.inv_st_sent),
        ("overdue", t.inv_st_overdue),
        ("paid", t.inv_st_paid),
        ("cancelled", t.inv_st_cancelled),
        ("accepted", t.inv_st_accepted),
        ("rejected", t.inv_st_rejected),
    ];
    view! {
        <div class="page-head"><h1>{t.inv_heading}</h1></div>
        <nav class="row filters-row" aria-label=t.inv_filter_label>
            {filters.into_iter().map(|(value, label)| {
                let href = if value.is_empty() { "/invoices".to_string() } else { format!("/invoices?state={value}") };
                view! {
                    <a href=href class=move || if state() == value { "chip chip-on" } else { "chip" }
                        aria-current=move || (state() == value).then_some("page")>{label}</a>
                }
            }).collect_view()}
        </nav>
        <Transition fallback=|| view! { <Skeleton lines=6/> }>
            {move || Suspend::new(async move {
                match docs.await {
                    Ok(list) if list.is_empty() => view! { <EmptyState title=t.inv_none text=t.inv_none_hint/> }.into_any(),
                    Ok(list) => view! { <DocTable docs=list with_client=true/> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The actions of the document page.
#[derive(Clone, Copy)]
struct DocActions {
    save: ServerAction<super::api::SaveInvoice>,
    add_line: ServerAction<super::api::AddInvoiceLine>,
    remove_line: ServerAction<super::api::RemoveInvoiceLine>,
    delete: ServerAction<super::api::DeleteInvoice>,
    send: ServerAction<super::api::SendInvoice>,
    change: ServerAction<super::api::ChangeInvoiceState>,
    from_quote: ServerAction<super::api::InvoiceFromQuote>,
}

/// `/invoices/:id`: a draft's editor, or the issued document with what can still happen to it.
#[component]
pub fn InvoicePage() -> impl IntoView {
    let t = use_t();
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let a = DocActions {
        save: ServerAction::new(),
        add_line: ServerAction::new(),
        remove_line: ServerAction::new(),
        delete: ServerAction::new(),
        send: ServerAction::new(),
        change: ServerAction::new(),
        from_quote: ServerAction::new(),
    };
    toast_on_success(a.save, t.saved);
    toast_on_success(a.send, t.inv_sent_toast);
    toast_on_success(a.change, t.saved);
    let detail = Resource::new(
        move || {
            (
                id(),
                a.save.version().get(),
                a.add_line.version().get(),
                a.remove_line.version().get(),
                a.send.version().get(),
                a.change.version().get(),
            )
        },
        |(id, ..)| super::api::get_invoice(id),
    );
    view! {
        <Transition fallback=|| view! { <Skeleton lines=8/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <DocPageView d a/> }.into_any(),
                    Err(e) => view! { <NotFoundState error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DocPageView(d: DocDetail, a: DocActions) -> impl IntoView {
    let t = use_t();
    let s = d.summary.clone();
    let can_edit = may(Permission::EditClients);
    let draft = s.state == DocState::Draft;
    let title = match draft {
        true => format!("{} ({})", kind_label(t, s.kind), t.inv_st_draft),
        false => format!("{} {}", kind_label(t, s.kind), s.number),
    };
    let send_err = action_error(a.send);
    let change_err = action_error(a.change);
    let quote_err = action_error(a.from_quote);
    let delete_err = action_error(a.delete);
    let id = s.id.clone();
    let button = move |to: &'static str, label: &'static str, primary: bool| {
        let id = id.clone();
        view! {
            <ActionForm attr:novalidate=true action=a.change>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="to" value=to/>
                <button class=if primary { "btn" } else { "btn btn-secondary" } type="submit" data-testid=format!("invoice-{to}")>{label}</button>
            </ActionForm>
        }
    };
    let (id_send, id_delete, id_quote) = (s.id.clone(), s.id.clone(), s.id.clone());
    let outstanding = s.state.outstanding() && s.kind == DocKind::Invoice;
    let cancellable = matches!(s.state, DocState::Sent | DocState::Overdue);
    let accepted_quote = s.kind == DocKind::Quote && s.state == DocState::Accepted;
    view! {
        <p><a href=format!("/clients/{}", s.client_id)>{format!("← {}", s.client_name)}</a></p>
        <div class="page-head">
            <h1 data-testid="invoice-title">{title}</h1>
            <span class=state_badge(s.state) data-testid="invoice-state">{state_label(t, s.state)}</span>
        </div>
        {(draft && can_edit).then(|| view! { <DraftEditor d=d.clone() a/> })}
        <DocView d=d.clone()/>
        <p><a class="btn btn-secondary" href=format!("/api/invoices/{}/pdf", d.summary.id) data-testid="invoice-pdf" rel="external">{t.inv_pdf_download}</a></p>
        {can_edit.then(|| view! {
            <section class="card stack" aria-labelledby="h-doc-actions">
                <h2 id="h-doc-actions">{t.inv_actions}</h2>
                <FormError error=send_err fields=&[]/>
                <FormError error=change_err/>
                <FormError error=quote_err/>
                <FormError error=delete_err/>
                <div class="row">
                    {draft.then(|| view! {
                        <ActionForm attr:novalidate=true action=a.send>
                            <input type="hidden" name="id" value=id_send/>
                            <button class="btn" type="submit" data-testid="invoice-send">{t.inv_send}</button>
                        </ActionForm>
                        <ActionForm attr:novalidate=true action=a.delete>
                            <input type="hidden" name="id" value=id_delete/>
                            <button class="btn btn-danger" type="submit" data-testid="invoice-delete">{t.inv_delete_draft}</button>
                        </ActionForm>
                    })}
                    {outstanding.then(|| button("paid", t.inv_mark_paid, true))}
                    {cancellable.then(|| button("cancel", t.inv_cancel, false))}
                    {accepted_quote.then(|| view! {
                        <ActionForm attr:novalidate=true action=a.from_quote>
                            <input type="hidden" name="id" value=id_quote/>
                            <button class="btn" type="submit" data-testid="invoice-from-quote">{t.inv_from_quote}</button>
                        </ActionForm>
                    })}
                </div>
                {draft.then(|| view! { <p class="small muted">{t.inv_send_hint}</p> })}
            </section>
        })}
    }
}

/// A draft's recipient, notes and due date, and its lines.
#[component]
fn DraftEditor(d: DocDetail, a: DocActions) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let save_err = action_error(a.save);
    let line_err = action_error(a.add_line);
    let remove_err = action_error(a.remove_line);
    let (id_line, id_head) = (d.summary.id.clone(), d.summary.id.clone());
    let lines = d.lines.clone();
    let due = d
        .summary
        .due_at
        .map(|ms| format::date(ms, crate::i18n::Lang::En))
        .unwrap_or_default();
    view! {
        <div class="grid-2">
            <section class="card stack" aria-labelledby="h-doc-lines">
                <h2 id="h-doc-lines">{t.inv_lines}</h2>
                <FormError error=remove_err/>
                {if lines.is_empty() {
                    view! { <p class="muted">{t.inv_no_lines_yet}</p> }.into_any()
                } else {
                    view! {
                        <ul class="case-list" data-testid="invoice-lines">
                            {lines.into_iter().map(|l| view! {
                                <li class="row spread">
                                    <span>
                                        <strong>{l.description.clone()}</strong>
                                        <span class="small muted">{format!(" · {} {} × {} · {} %", format_quantity(l.quantity_milli, lang), l.unit, format_eur(l.unit_cents, lang), l.vat.percent())}</span>
                                    </span>
                                    <span class="row">
                                        <span>{format_eur(l.net_cents, lang)}</span>
                                        <ActionForm attr:novalidate=true action=a.remove_line>
                                            <input type="hidden" name="line_id" value=l.id.clone()/>
                                            <button class="btn btn-secondary btn-small" type="submit" aria-label=fill(t.inv_remove_line, &[("line", &l.description)])>"✕"</button>
                                        </ActionForm>
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <details open=true>
                    <summary class="btn btn-secondary">{t.inv_add_line}</summary>
                    <FormError error=line_err fields=&["description", "quantity", "unit", "unit_price", "vat"]/>
                    <ActionForm attr:novalidate=true action=a.add_line>
                        <input type="hidden" name="id" value=id_line/>
                        <Field id_prefix="line-" label=t.inv_line_description name="description" required=true error=field_error(line_err, "description")/>
                        <div class="grid-3">
                            <Field id_prefix="line-" label=t.inv_line_quantity name="quantity" value="1" error=field_error(line_err, "quantity")/>
                            <Field id_prefix="line-" label=t.inv_line_unit name="unit" placeholder=t.inv_line_unit_example error=field_error(line_err, "unit")/>
                            <Field id_prefix="line-" label=t.inv_line_price name="unit_price" required=true placeholder="120,00" error=field_error(line_err, "unit_price")/>
                        </div>
                        <div class="field">
                            <label for="line-f-vat">{t.inv_line_vat}</label>
                            <select id="line-f-vat" name="vat">
                                {VatRate::ALL.into_iter().map(|r| view! { <option value=r.percent().to_string()>{format!("{} %", r.percent())}</option> }).collect_view()}
                            </select>
                            {move || field_error(line_err, "vat").get().map(|e| view! { <span class="field-error">{e}</span> })}
                        </div>
                        <button class="btn" type="submit" data-testid="invoice-add-line">{t.inv_add_line_submit}</button>
                    </ActionForm>
                </details>
            </section>
            <section class="card stack" aria-labelledby="h-doc-head">
                <h2 id="h-doc-head">{t.inv_head}</h2>
                <FormError error=save_err fields=&["recipient", "notes", "due_on"]/>
                <ActionForm attr:novalidate=true action=a.save>
                    <input type="hidden" name="id" value=id_head/>
                    <Field id_prefix="doc-" label=t.inv_recipient name="recipient" kind="textarea" required=true value=d.recipient.clone() error=field_error(save_err, "recipient")/>
                    <Field id_prefix="doc-" label=t.inv_due name="due_on" kind="date" value=due hint=t.inv_due_hint error=field_error(save_err, "due_on")/>
                    <Field id_prefix="doc-" label=t.inv_notes name="notes" kind="textarea" value=d.notes.clone() error=field_error(save_err, "notes")/>
                    <button class="btn" type="submit" data-testid="invoice-save">{t.save}</button>
                </ActionForm>
            </section>
        </div>
    }
}

/// The document as the client receives it: firm, recipient, number and dates, lines, totals per
/// VAT rate, notes, bank and tax details. Reads as a page on a desktop and as a column on a
/// phone.
#[component]
pub fn DocView(d: DocDetail) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let s = &d.summary;
    let title = kind_label(t, s.kind);
    let multiline = |text: &str| {
        text.lines()
            .map(|l| view! { <span class="doc-line">{l.to_string()}</span> })
            .collect_view()
    };
    let due_label = match s.kind {
        DocKind::Invoice => t.inv_due,
        DocKind::Quote => t.inv_valid_until,
    };
    view! {
        <article class="card doc" aria-label=title data-testid="invoice-document">
            <header class="doc-head">
                <div class="doc-seller small">{multiline(&d.seller)}</div>
                <div class="doc-recipient">{multiline(&d.recipient)}</div>
            </header>
            <h2 class="doc-title">{format!("{title} {}", s.number)}</h2>
            <dl class="dl doc-meta">
                {s.issued_at.map(|ms| view! { <dt>{t.inv_issued}</dt><dd>{format::date(ms, lang)}</dd> })}
                {s.due_at.map(|ms| view! { <dt>{due_label}</dt><dd>{format::date(ms, lang)}</dd> })}
                {d.from_quote.clone().map(|q| view! { <dt>{t.inv_kind_quote}</dt><dd>{q}</dd> })}
            </dl>
            <table class="table doc-lines">
                <thead>
                    <tr>
                        <th>{t.inv_line_description}</th>
                        <th class="num">{t.inv_line_quantity}</th>
                        <th class="num">{t.inv_line_price_short}</th>
                        <th class="num">{t.inv_line_vat}</th>
                        <th class="num">{t.inv_line_net}</th>
                    </tr>
                </thead>
                <tbody>
                    {d.lines.iter().map(|l| view! {
                        <tr>
                            <td class="primary" data-label=t.inv_line_description>{l.description.clone()}</td>
                            <td class="num" data-label=t.inv_line_quantity>{format!("{} {}", format_quantity(l.quantity_milli, lang), l.unit)}</td>
                            <td class="num" data-label=t.inv_line_price_short>{format_eur(l.unit_cents, lang)}</td>
                            <td class="num" data-label=t.inv_line_vat>{format!("{} %", l.vat.percent())}</td>
                            <td class="num" data-label=t.inv_line_net>{format_eur(l.net_cents, lang)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <dl class="doc-totals" data-testid="invoice-totals">
                <dt>{t.inv_total_net}</dt><dd>{format_eur(d.totals.net_cents, lang)}</dd>
                {d.totals.groups.iter().map(|g| view! {
                    <dt>{fill(t.inv_total_vat, &[("rate", &g.rate.percent().to_string()), ("net", &format_eur(g.net_cents, lang))])}</dt>
                    <dd>{format_eur(g.vat_cents, lang)}</dd>
                }).collect_view()}
                <dt class="doc-gross">{t.inv_total_gross}</dt><dd class="doc-gross" data-testid="invoice-gross">{format_eur(d.totals.gross_cents, lang)}</dd>
            </dl>
            {(!d.notes.is_empty()).then(|| view! { <p class="note-body">{d.notes.clone()}</p> })}
            {(!d.decision_comment.is_empty()).then(|| view! { <p class="note-body"><strong>{t.inv_client_comment}": "</strong>{d.decision_comment.clone()}</p> })}
            <footer class="doc-foot small muted">
                {(!d.bank.is_empty()).then(|| view! { <div>{multiline(&d.bank)}</div> })}
                {(!d.tax_id.is_empty()).then(|| view! { <div>{format!("{}: {}", t.inv_tax_id, d.tax_id)}</div> })}
            </footer>
        </article>
    }
}

/// Settings: the firm's billing details (owners, admins).
#[component]
pub fn BillingCard() -> impl IntoView {
    let t = use_t();
    let save = ServerAction::<super::api::SaveBilling>::new();
    toast_on_success(save, t.saved);
    let err = action_error(save);
    let billing = Resource::new(move || save.version().get(), |_| super::api::load_billing());
    view! {
        <section class="card stack" aria-labelledby="h-billing" data-testid="billing-card">
            <h2 id="h-billing">{t.inv_billing_title}</h2>
            <p class="small muted">{t.inv_billing_hint}</p>
            <Transition fallback=|| view! { <Skeleton lines=4/> }>
                {move || Suspend::new(async move {
                    match billing.await {
                        Ok(b) => view! {
                            <FormError error=err fields=&["address", "tax_id", "bank", "terms_days", "mail_text"]/>
                            <ActionForm attr:novalidate=true action=save>
                                <Field id_prefix="bill-" label=t.inv_billing_address name="address" kind="textarea" value=b.address error=field_error(err, "address")/>
                                <Field id_prefix="bill-" label=t.inv_tax_id name="tax_id" value=b.tax_id error=field_error(err, "tax_id")/>
                                <Field id_prefix="bill-" label=t.inv_billing_bank name="bank" kind="textarea" value=b.bank error=field_error(err, "bank")/>
                                <Field id_prefix="bill-" label=t.inv_billing_terms name="terms_days" kind="number" value=b.terms_days.to_string() error=field_error(err, "terms_days")/>
                                <Field id_prefix="bill-" label=t.inv_billing_mail name="mail_text" kind="textarea" value=b.mail_text hint=t.inv_billing_mail_hint error=field_error(err, "mail_text")/>
                                <label class="checkbox"><input type="checkbox" name="hours_in_portal" value="on" checked=b.hours_in_portal data-testid="hours-in-portal"/><span>{t.hours_portal_setting}</span></label>
                                <button class="btn" type="submit" data-testid="billing-save">{t.save}</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Settings: online payment with Stripe (owners, admins). The keys are write-only: the page only
/// ever learns whether they are stored.
#[component]
pub fn PaymentsCard() -> impl IntoView {
    let t = use_t();
    let save = ServerAction::<super::api::SavePayments>::new();
    toast_on_success(save, t.saved);
    let err = action_error(save);
    let settings = Resource::new(
        move || save.version().get(),
        |_| super::api::load_payments(),
    );
    view! {
        <section class="card stack" aria-labelledby="h-payments" data-testid="payments-card">
            <h2 id="h-payments">{t.inv_pay_title}</h2>
            <p class="small muted">{t.inv_pay_hint}</p>
            <Transition fallback=|| view! { <Skeleton lines=4/> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(p) => {
                            let on = p.secret_key_set && p.webhook_secret_set;
                            let stored = |set: bool| if set { Some(t.inv_pay_stored) } else { None };
                            view! {
                                <p data-testid="payments-state"><strong>{if on { t.inv_pay_on } else { t.inv_pay_off }}</strong></p>
                                <p class="small">{t.inv_pay_webhook_url}": "<code data-testid="webhook-url">{p.webhook_url.clone()}</code></p>
                                <FormError error=err fields=&["secret_key", "webhook_secret"]/>
                                <ActionForm attr:novalidate=true action=save>
                                    <Field id_prefix="pay-" label=t.inv_pay_secret name="secret_key" kind="password" autocomplete="off" hint=stored(p.secret_key_set).unwrap_or(t.inv_pay_secret_hint) error=field_error(err, "secret_key")/>
                                    <Field id_prefix="pay-" label=t.inv_pay_webhook name="webhook_secret" kind="password" autocomplete="off" hint=stored(p.webhook_secret_set).unwrap_or(t.inv_pay_webhook_hint) error=field_error(err, "webhook_secret")/>
                                    <label class="checkbox"><input type="checkbox" name="sepa" value="on" checked=p.sepa/><span>{t.inv_pay_sepa}</span></label>
                                    <div class="row">
                                        <button class="btn" type="submit" data-testid="payments-save">{t.save}</button>
                                        {on.then(|| view! { <button class="btn btn-secondary" type="submit" name="remove" value="1" data-testid="payments-remove">{t.inv_pay_remove}</button> })}
                                    </div>
                                </ActionForm>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

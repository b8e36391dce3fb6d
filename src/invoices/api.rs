//! Server functions of invoices and quotes. Each authorizes first and works only inside the
//! caller's org and the clients they see: anything else answers `NotFound`.

use super::{Billing, DocDetail, DocSummary};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod server {
    use super::super::{domain, DocDetail};
    use crate::auth::ctx::Staff;
    use crate::error::AppError;

    pub use crate::validate::text_field as text;

    /// A document of the firm, of a client the caller sees.
    pub async fn doc(me: &Staff, id: &str) -> Result<DocDetail, AppError> {
        let d = super::super::repo::detail(&me.req.state.db, me.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        me.require_client(&d.summary.client_id).await?;
        Ok(d)
    }

    /// Refused unless the document is still a draft.
    pub fn draft(me: &Staff, d: &DocDetail) -> Result<(), AppError> {
        match domain::editable(d.summary.state) {
            true => Ok(()),
            false => Err(AppError::Conflict(me.t().inv_not_draft.into())),
        }
    }

    /// The year (Europe/Berlin) a document issued at `ms` is numbered in.
    pub fn year_of(ms: i64) -> i32 {
        let local = ms + crate::ui::format::berlin_offset_ms(ms);
        time::OffsetDateTime::from_unix_timestamp(local.div_euclid(1000))
            .map(|d| d.year())
            .unwrap_or(1970)
    }

    /// The end (Berlin) of the day `days` after `ms`.
    pub fn due_after(ms: i64, days: i64) -> i64 {
        let day = crate::ui::format::day_start(ms + days * 86_400_000);
        crate::ui::format::day_start(day + 36 * 3_600_000) - 1
    }
}

/// Documents of one client (`client_id`), or of the whole firm (clients the caller sees),
/// optionally of one state; newest first.
#[server(prefix = "/api", endpoint = "list_invoices")]
pub async fn list_invoices(
    client_id: Option<String>,
    state: Option<String>,
) -> Result<Vec<DocSummary>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            match client_id.filter(|c| !c.is_empty()) {
                Some(c) => {
                    me.require_client(&c).await?;
                    Ok(super::repo::of_client(db, me.org_id(), &c).await?)
                }
                None => {
                    let state = state.as_deref().and_then(super::DocState::parse);
                    Ok(super::repo::of_firm(db, me.org_id(), me.viewer(), state, 500).await?)
                }
            }
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "get_invoice")]
pub async fn get_invoice(id: String) -> Result<DocDetail, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            server::doc(&me, &id).await
        }
        .await,
    )
}

/// Starts a draft invoice (`kind` = `invoice`) or quote (`quote`) for a client, addressed to
/// the client's company and name; opens it.
#[server(prefix = "/api", endpoint = "create_invoice")]
pub async fn create_invoice(client_id: String, kind: String) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let db = &me.req.state.db;
            me.require_client(&client_id).await?;
            let kind = super::DocKind::parse(&kind)
                .ok_or_else(|| AppError::invalid("kind", me.t().f_required))?;
            let (client, ..) = crate::clients::repo::get(db, me.org_id(), &client_id, me.viewer())
                .await?
                .ok_or(AppError::NotFound)?;
            let recipient = [client.company.as_str(), client.name.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            let id = super::repo::create(
                db,
                &super::repo::NewDoc {
                    org_id: me.org_id(),
                    client_id: &client_id,
                    kind,
                    recipient: &recipient,
                    created_by: &me.user.user_id,
                    quote_id: None,
                    now: crate::server::db::now_ms(),
                },
            )
            .await?;
            me.audit(
                Some(&client_id),
                crate::audit::action::INVOICE_CREATED,
                kind.as_str(),
            )
            .await?;
            leptos_axum::redirect(&format!("/invoices/{id}"));
            Ok(id)
        }
        .await,
    )
}

/// Saves a draft's recipient, notes and due date (`due_on`, YYYY-MM-DD; empty: the firm's
/// payment terms from the day it is sent).
#[server(prefix = "/api", endpoint = "save_invoice")]
pub async fn save_invoice(
    id: String,
    recipient: Option<String>,
    notes: Option<String>,
    due_on: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let d = server::doc(&me, &id).await?;
            server::draft(&me, &d)?;
            let recipient = server::text(
                t,
                "recipient",
                recipient.as_deref(),
                super::domain::TEXT_MAX,
                true,
                true,
            )?;
            let notes = server::text(
                t,
                "notes",
                notes.as_deref(),
                super::domain::TEXT_MAX,
                false,
                true,
            )?;
            let now = crate::server::db::now_ms();
            let due_at =
                crate::validate::date_field(t, "due_on", due_on.as_deref(), now, d.summary.due_at)?;
            let db = &me.req.state.db;
            if !super::repo::save_header(db, me.org_id(), &id, &recipient, &notes, due_at, now)
                .await?
            {
                return Err(AppError::Conflict(t.inv_not_draft.into()));
            }
            Ok(())
        }
        .await,
    )
}

/// Adds a line to a draft: description, quantity (`1,5`), unit (`Std.`), unit price in euros
/// (`120,00`), VAT rate (19, 7 or 0).
#[server(prefix = "/api", endpoint = "add_invoice_line")]
pub async fn add_invoice_line(
    id: String,
    description: Option<String>,
    quantity: Option<String>,
    unit: Option<String>,
    unit_price: Option<String>,
    vat: Option<String>,
) -> Result<(), AppError> {
    use super::money::{parse_cents, parse_quantity, NumberProblem, VatRate};
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let d = server::doc(&me, &id).await?;
            server::draft(&me, &d)?;
            if d.lines.len() >= super::domain::LINES_MAX {
                return Err(AppError::invalid("description", t.inv_too_many_lines));
            }
            let description = server::text(
                t,
                "description",
                description.as_deref(),
                super::domain::LINE_TEXT_MAX,
                true,
                true,
            )?;
            let unit = server::text(
                t,
                "unit",
                unit.as_deref(),
                super::domain::UNIT_MAX,
                false,
                false,
            )?;
            let number_error = |field: &str, p: NumberProblem| {
                let msg = match p {
                    NumberProblem::Empty => t.f_required,
                    NumberProblem::NotANumber => t.inv_not_a_number,
                    NumberProblem::TooManyDecimals if field == "quantity" => {
                        t.inv_quantity_decimals
                    }
                    NumberProblem::TooManyDecimals => t.inv_price_decimals,
                    NumberProblem::Negative => t.inv_negative,
                    NumberProblem::TooLarge => t.inv_too_large,
                };
                AppError::invalid(field, msg)
            };
            let quantity = match quantity.as_deref().map(str::trim) {
                None | Some("") => 1000,
                Some(q) => parse_quantity(q).map_err(|p| number_error("quantity", p))?,
            };
            if quantity == 0 {
                return Err(AppError::invalid("quantity", t.inv_quantity_zero));
            }
            let unit_cents = parse_cents(unit_price.as_deref().unwrap_or(""))
                .map_err(|p| number_error("unit_price", p))?;
            let vat = VatRate::parse(vat.as_deref().unwrap_or("19"))
                .ok_or_else(|| AppError::invalid("vat", t.inv_vat_invalid))?;
            let now = crate::server::db::now_ms();
            let line = super::repo::NewLine {
                description: &description,
                quantity_milli: quantity,
                unit: &unit,
                unit_cents,
                vat,
            };
            if !super::repo::add_line(&me.req.state.db, me.org_id(), &id, &line, now).await? {
                return Err(AppError::Conflict(t.inv_not_draft.into()));
            }
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "remove_invoice_line")]
pub async fn remove_invoice_line(line_id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let db = &me.req.state.db;
            let id = super::repo::doc_of_line(db, me.org_id(), &line_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let d = server::doc(&me, &id).await?;
            server::draft(&me, &d)?;
            let now = crate::server::db::now_ms();
            if !super::repo::remove_line(db, me.org_id(), &id, &line_id, now).await? {
                return Err(AppError::Conflict(me.t().inv_not_draft.into()));
            }
            Ok(())
        }
        .await,
    )
}

/// Deletes a draft (an issued document is never deleted; cancel it instead).
#[server(prefix = "/api", endpoint = "delete_invoice")]
pub async fn delete_invoice(id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let d = server::doc(&me, &id).await?;
            server::draft(&me, &d)?;
            if !super::repo::delete_draft(&me.req.state.db, me.org_id(), &id).await? {
                return Err(AppError::Conflict(me.t().inv_not_draft.into()));
            }
            me.audit(
                Some(&d.summary.client_id),
                crate::audit::action::INVOICE_DELETED,
                d.summary.kind.as_str(),
            )
            .await?;
            leptos_axum::redirect(&format!("/clients/{}", d.summary.client_id));
            Ok(())
        }
        .await,
    )
}

/// Issues a draft: it gets the next number, the firm's billing details and — for an invoice
/// without a due date — the firm's payment terms; the client is mailed the portal link (a
/// durable job, sent once). Returns the number.
#[server(prefix = "/api", endpoint = "send_invoice")]
pub async fn send_invoice(id: String) -> Result<String, AppError> {
    use super::domain::{next_state, DocEvent, Refusal};
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let st = &me.req.state;
            let d = server::doc(&me, &id).await?;
            next_state(
                d.summary.kind,
                d.summary.state,
                DocEvent::Send,
                d.lines.len(),
            )
            .map_err(|r| match r {
                Refusal::NoLines => AppError::invalid("description", t.inv_no_lines),
                Refusal::WrongState => AppError::Conflict(t.inv_not_draft.into()),
            })?;
            let (client, ..) =
                crate::clients::repo::get(&st.db, me.org_id(), &d.summary.client_id, "")
                    .await?
                    .ok_or(AppError::NotFound)?;
            if client.email.is_empty() {
                return Err(AppError::Conflict(t.inv_no_email.into()));
            }
            let billing = super::repo::billing(&st.db, me.org_id()).await?;
            let now = crate::server::db::now_ms();
            let due = server::due_after(now, billing.terms_days);
            let number = super::repo::issue(
                &st.db,
                me.org_id(),
                &id,
                server::year_of(now),
                Some(due),
                now,
            )
            .await?
            .ok_or_else(|| AppError::Conflict(t.inv_not_draft.into()))?;
            me.audit(
                Some(&d.summary.client_id),
                crate::audit::action::INVOICE_SENT,
                &number,
            )
            .await?;
            st.jobs_wake.notify_one();
            Ok(number)
        }
        .await,
    )
}

/// `paid` (an invoice's money arrived by transfer) or `cancel` (Storno of an issued invoice or
/// quote).
#[server(prefix = "/api", endpoint = "change_invoice_state")]
pub async fn change_invoice_state(id: String, to: String) -> Result<(), AppError> {
    use super::domain::{next_state, DocEvent};
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let t = me.t();
            let d = server::doc(&me, &id).await?;
            let (event, action) = match to.as_str() {
                "paid" => (DocEvent::Pay, crate::audit::action::INVOICE_PAID),
                "cancel" => (DocEvent::Cancel, crate::audit::action::INVOICE_CANCELLED),
                _ => return Err(AppError::invalid("to", t.f_required)),
            };
            let next = next_state(d.summary.kind, d.summary.state, event, d.lines.len())
                .map_err(|_| AppError::Conflict(t.inv_wrong_state.into()))?;
            let now = crate::server::db::now_ms();
            let db = &me.req.state.db;
            if !super::repo::set_state(db, me.org_id(), &id, d.summary.state, next, "", now).await?
            {
                return Err(AppError::Conflict(t.inv_wrong_state.into()));
            }
            me.audit(Some(&d.summary.client_id), action, &d.summary.number)
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Turns an accepted quote into a draft invoice with the same lines; opens it.
#[server(prefix = "/api", endpoint = "invoice_from_quote")]
pub async fn invoice_from_quote(id: String) -> Result<String, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let d = server::doc(&me, &id).await?;
            if d.summary.kind != super::DocKind::Quote
                || d.summary.state != super::DocState::Accepted
            {
                return Err(AppError::Conflict(me.t().inv_quote_not_accepted.into()));
            }
            let now = crate::server::db::now_ms();
            let new = super::repo::invoice_from_quote(
                &me.req.state.db,
                me.org_id(),
                &d,
                &me.user.user_id,
                now,
            )
            .await?;
            me.audit(
                Some(&d.summary.client_id),
                crate::audit::action::INVOICE_CREATED,
                &d.summary.number,
            )
            .await?;
            leptos_axum::redirect(&format!("/invoices/{new}"));
            Ok(new)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "load_billing")]
pub async fn load_billing() -> Result<Billing, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            Ok(super::repo::billing(&me.req.state.db, me.org_id()).await?)
        }
        .await,
    )
}

/// The firm's address, tax id, bank details, payment terms (1–365 days) and the text of the
/// mail that goes with a document (`{{ portal_url }}` becomes the client's portal link), and
/// whether clients see their hours and budget in the portal.
#[server(prefix = "/api", endpoint = "save_billing")]
pub async fn save_billing(
    address: Option<String>,
    tax_id: Option<String>,
    bank: Option<String>,
    terms_days: Option<String>,
    mail_text: Option<String>,
    hours_in_portal: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let t = me.t();
            let max = super::domain::TEXT_MAX;
            let b = Billing {
                address: server::text(t, "address", address.as_deref(), max, false, true)?,
                tax_id: server::text(t, "tax_id", tax_id.as_deref(), 40, false, false)?,
                bank: server::text(t, "bank", bank.as_deref(), 300, false, true)?,
                terms_days: crate::validate::number_in(
                    terms_days.as_deref().unwrap_or(""),
                    1..=365,
                )
                .ok_or_else(|| AppError::invalid("terms_days", t.inv_terms_invalid))?,
                mail_text: server::text(t, "mail_text", mail_text.as_deref(), max, false, true)?,
                hours_in_portal: hours_in_portal.is_some_and(|v| v == "on"),
            };
            super::repo::save_billing(&me.req.state.db, me.org_id(), &b).await?;
            me.audit(None, crate::audit::action::ORG_BILLING_CHANGED, "")
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Whether online payment is set up (never the keys themselves) and where Stripe sends events.
#[server(prefix = "/api", endpoint = "load_payments")]
pub async fn load_payments() -> Result<super::PaymentSettings, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let st = &me.req.state;
            let (secret_key_set, webhook_secret_set, sepa) =
                super::stripe::status(st, me.org_id()).await.map_err(|e| {
                    tracing::error!(error = %e, "payment settings");
                    AppError::Internal
                })?;
            Ok(super::PaymentSettings {
                secret_key_set,
                webhook_secret_set,
                sepa,
                webhook_url: format!(
                    "{}/api/stripe/webhook/{}",
                    st.config.public_url(),
                    me.org_id()
                ),
            })
        }
        .await,
    )
}

/// Stores the firm's Stripe secret key (`sk_…`/`rk_…`) and webhook signing secret (`whsec_…`),
/// sealed; an empty field keeps the stored one, `remove` deletes both.
#[server(prefix = "/api", endpoint = "save_payments")]
pub async fn save_payments(
    secret_key: Option<String>,
    webhook_secret: Option<String>,
    sepa: Option<String>,
    remove: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let t = me.t();
            let clean =
                |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
            let (secret_key, webhook_secret) = match remove.is_some() {
                true => (Some(String::new()), Some(String::new())),
                false => (clean(secret_key), clean(webhook_secret)),
            };
            if let Some(k) = secret_key.as_deref().filter(|k| !k.is_empty()) {
                let ok = (k.starts_with("sk_") || k.starts_with("rk_"))
                    && k.len() <= 255
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !ok {
                    return Err(AppError::invalid("secret_key", t.inv_stripe_key_invalid));
                }
            }
            if let Some(k) = webhook_secret.as_deref().filter(|k| !k.is_empty()) {
                let ok = k.starts_with("whsec_")
                    && k.len() <= 255
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !ok {
                    return Err(AppError::invalid(
                        "webhook_secret",
                        t.inv_stripe_webhook_invalid,
                    ));
                }
            }
            let sepa = sepa.is_some_and(|v| !matches!(v.as_str(), "" | "false" | "off"));
            super::stripe::save_keys(
                &me.req.state,
                me.org_id(),
                secret_key.as_deref(),
                webhook_secret.as_deref(),
                sepa,
            )
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "payment settings");
                AppError::Internal
            })?;
            me.audit(None, crate::audit::action::ORG_PAYMENTS_CHANGED, "")
                .await?;
            Ok(())
        }
        .await,
    )
}

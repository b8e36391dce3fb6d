//! Card (and optionally SEPA) payment with Stripe Checkout: the firm's keys sealed at rest, a
//! Checkout Session for exactly the outstanding amount, and the webhook that marks the invoice
//! paid — verified (`Stripe-Signature`, HMAC-SHA256 over `t.payload`, five minutes'
//! tolerance), idempotent (each event once), indifferent to order (only an outstanding invoice
//! becomes paid), and strict (amount and currency must match, else staff are alerted).

use super::{DocDetail, DocState};
use crate::server::db::now_ms;
use crate::server::AppState;
use base64::{engine::general_purpose::STANDARD, Engine};
use sqlx::Row;

/// How far a webhook's timestamp may be from now.
pub const TOLERANCE_S: i64 = 300;

/// Why a webhook's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No `t=` or no `v1=` in the header.
    Malformed,
    /// The timestamp is more than five minutes away.
    Expired,
    /// No `v1` signature matches.
    Mismatch,
}

/// Checks a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) for `payload` at `now_s`.
pub fn verify_signature(
    header: &str,
    payload: &[u8],
    secret: &str,
    now_s: i64,
) -> Result<(), SignatureError> {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let (Some(t), false) = (t, signatures.is_empty()) else {
        return Err(SignatureError::Malformed);
    };
    if (now_s - t).abs() > TOLERANCE_S {
        return Err(SignatureError::Expired);
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(payload);
    let matches = signatures.iter().any(|s| {
        hex::decode(s)
            .map(|sig| ring::hmac::verify(&key, &signed, &sig).is_ok())
            .unwrap_or(false)
    });
    match matches {
        true => Ok(()),
        false => Err(SignatureError::Mismatch),
    }
}

/// A `Stripe-Signature` header for `payload` (what Stripe sends; for tests and the fake).
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(payload);
    format!("t={t},v1={}", hex::encode(ring::hmac::sign(&key, &signed)))
}

/// A firm's Stripe keys, opened.
#[derive(Clone)]
pub struct Keys {
    pub secret_key: String,
    pub webhook_secret: String,
    pub sepa: bool,
}

fn random<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// The firm's data key for its payment settings (made on first use).
async fn data_key(st: &AppState, org: &str) -> Result<[u8; crate::crypto::KEY_LEN], String> {
    let e = |e: sqlx::Error| e.to_string();
    let wrapped: Option<String> =
        sqlx::query_scalar("SELECT wrapped_key FROM payment_settings WHERE id = $1")
            .bind(org)
            .fetch_optional(&st.db)
            .await
            .map_err(e)?;
    let master = st.master_key.bytes();
    if let Some(w) = wrapped {
        let raw = STANDARD.decode(w).map_err(|e| e.to_string())?;
        return crate::crypto::unwrap_key(master, &raw, org.as_bytes()).map_err(|e| e.to_string());
    }
    let key = random::<{ crate::crypto::KEY_LEN }>();
    let wrapped = STANDARD.encode(crate::crypto::wrap_key(
        master,
        &key,
        random::<12>(),
        org.as_bytes(),
    ));
    sqlx::query(
        "INSERT INTO payment_settings (id, wrapped_key, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(org)
    .bind(wrapped)
    .bind(now_ms())
    .execute(&st.db)
    .await
    .map_err(e)?;
    // Whoever won the race, the stored key is the one.
    Box::pin(data_key(st, org)).await
}

fn open(key: &[u8; crate::crypto::KEY_LEN], sealed: &str, what: &str) -> Result<String, String> {
    if sealed.is_empty() {
        return Ok(String::new());
    }
    let raw = STANDARD.decode(sealed).map_err(|e| e.to_string())?;
    crate::crypto::open_text(key, &raw, what.as_bytes()).map_err(|e| e.to_string())
}

fn seal(key: &[u8; crate::crypto::KEY_LEN], text: &str, what: &str) -> String {
    STANDARD.encode(crate::crypto::seal_text(
        key,
        random::<12>(),
        what.as_bytes(),
        text,
    ))
}

/// The firm's keys, if both are set.
pub async fn keys(st: &AppState, org: &str) -> Result<Option<Keys>, String> {
    let row =
        sqlx::query("SELECT secret_key, webhook_secret, sepa FROM payment_settings WHERE id = $1")
            .bind(org)
            .fetch_optional(&st.db)
            .await
            .map_err(|e| e.to_string())?;
    let Some(r) = row else { return Ok(None) };
    let (sk, wh): (String, String) = (
        r.try_get("secret_key").map_err(|e| e.to_string())?,
        r.try_get("webhook_secret").map_err(|e| e.to_string())?,
    );
    if sk.is_empty() || wh.is_empty() {
        return Ok(None);
    }
    let key = data_key(st, org).await?;
    Ok(Some(Keys {
        secret_key: open(&key, &sk, "secret_key")?,
        webhook_secret: open(&key, &wh, "webhook_secret")?,
        sepa: r.try_get::<i64, _>("sepa").map_err(|e| e.to_string())? == 1,
    }))
}

/// Which keys are set (never the keys themselves) and the SEPA choice.
pub async fn status(st: &AppState, org: &str) -> Result<(bool, bool, bool), String> {
    let row =
        sqlx::query("SELECT secret_key, webhook_secret, sepa FROM payment_settings WHERE id = $1")
            .bind(org)
            .fetch_optional(&st.db)
            .await
            .map_err(|e| e.to_string())?;
    Ok(match row {
        None => (false, false, false),
        Some(r) => (
            !r.try_get::<String, _>("secret_key")
                .map_err(|e| e.to_string())?
                .is_empty(),
            !r.try_get::<String, _>("webhook_secret")
                .map_err(|e| e.to_string())?
                .is_empty(),
            r.try_get::<i64, _>("sepa").map_err(|e| e.to_string())? == 1,
        ),
    })
}

/// Stores new keys (`None`: keep the stored one; `Some("")`: remove it) and the SEPA choice.
pub async fn save_keys(
    st: &AppState,
    org: &str,
    secret_key: Option<&str>,
    webhook_secret: Option<&str>,
    sepa: bool,
) -> Result<(), String> {
    let key = data_key(st, org).await?;
    let sealed = |v: Option<&str>, what: &str| {
        v.map(|v| {
            if v.is_empty() {
                String::new()
            } else {
                seal(&key, v, what)
            }
        })
    };
    sqlx::query(
        "UPDATE payment_settings SET secret_key = COALESCE($2, secret_key), \
         webhook_secret = COALESCE($3, webhook_secret), sepa = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(org)
    .bind(sealed(secret_key, "secret_key"))
    .bind(sealed(webhook_secret, "webhook_secret"))
    .bind(sepa as i64)
    .bind(now_ms())
    .execute(&st.db)
    .await
    .map_err(|e| e.to_string())?;
    Ok(())
}

/// Opens a Checkout Session for the invoice's outstanding amount; records it and returns the
/// page to send the client to.
pub async fn checkout(
    st: &AppState,
    keys: &Keys,
    org: &str,
    d: &DocDetail,
    success_url: &str,
    cancel_url: &str,
) -> Result<String, String> {
    let amount = d.summary.gross_cents;
    let name = format!(
        "{} {}",
        crate::i18n::Lang::default().t().inv_kind_invoice,
        d.summary.number
    );
    let mut form: Vec<(String, String)> = vec![
        ("mode".into(), "payment".into()),
        ("success_url".into(), success_url.into()),
        ("cancel_url".into(), cancel_url.into()),
        ("client_reference_id".into(), d.summary.id.clone()),
        ("metadata[invoice_id]".into(), d.summary.id.clone()),
        ("metadata[org_id]".into(), org.to_string()),
        ("line_items[0][quantity]".into(), "1".into()),
        ("line_items[0][price_data][currency]".into(), "eur".into()),
        (
            "line_items[0][price_data][unit_amount]".into(),
            amount.to_string(),
        ),
        ("line_items[0][price_data][product_data][name]".into(), name),
        ("payment_method_types[0]".into(), "card".into()),
    ];
    if keys.sepa {
        form.push(("payment_method_types[1]".into(), "sepa_debit".into()));
    }
    let url = format!(
        "{}/v1/checkout/sessions",
        st.config.payments.stripe_api.trim_end_matches('/')
    );
    let r = reqwest::Client::new()
        .post(url)
        .bearer_auth(&keys.secret_key)
        .header(
            "Idempotency-Key",
            format!("checkout-{}-{}", d.summary.id, now_ms() / 60_000),
        )
        .form(&form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status();
    let body: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("Stripe answered {status}: {body}"));
    }
    let (Some(id), Some(page)) = (body["id"].as_str(), body["url"].as_str()) else {
        return Err(format!("unexpected Stripe answer: {body}"));
    };
    let now = now_ms();
    sqlx::query(
        "INSERT INTO payments (id, org_id, invoice_id, amount_cents, currency, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'eur', $5, $5) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(org)
    .bind(&d.summary.id)
    .bind(amount)
    .bind(now)
    .execute(&st.db)
    .await
    .map_err(|e| e.to_string())?;
    Ok(page.to_string())
}

/// What a verified webhook event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The invoice (id, client) is now paid.
    Paid(String, String),
    /// The event's amount or currency does not fit: nothing was marked, staff are alerted.
    Mismatch(String, String),
    /// Seen before, not about a payment, or about an invoice no longer outstanding.
    Nothing,
}

/// Handles a verified event of the firm (`Nothing` for one seen before).
pub async fn handle_event(
    st: &AppState,
    org: &str,
    event: &serde_json::Value,
) -> Result<Outcome, String> {
    let e = |e: sqlx::Error| e.to_string();
    let Some(event_id) = event["id"].as_str() else {
        return Err("event without id".into());
    };
    let kind = event["type"].as_str().unwrap_or_default();
    let object = &event["data"]["object"];
    let paid_now = match kind {
        "checkout.session.completed" => object["payment_status"].as_str() == Some("paid"),
        "checkout.session.async_payment_succeeded" => true,
        _ => false,
    };
    let now = now_ms();
    let mut tx = st.db.begin().await.map_err(e)?;
    // Recording the event first takes the write lock and makes it count once.
    let fresh = sqlx::query(
        "INSERT INTO stripe_events (id, org_id, kind, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(event_id)
    .bind(org)
    .bind(kind)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(e)?
    .rows_affected()
        == 1;
    if !fresh || !paid_now {
        tx.commit().await.map_err(e)?;
        return Ok(Outcome::Nothing);
    }
    let session = object["id"].as_str().unwrap_or_default();
    let row = sqlx::query(
        "SELECT p.invoice_id, p.amount_cents, p.currency, i.client_id, i.state, i.gross_cents \
         FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = $1 AND p.org_id = $2",
    )
    .bind(session)
    .bind(org)
    .fetch_optional(&mut *tx)
    .await
    .map_err(e)?;
    let Some(r) = row else {
        tx.commit().await.map_err(e)?;
        return Ok(Outcome::Nothing);
    };
    let invoice: String = r.try_get("invoice_id").map_err(e)?;
    let client: String = r.try_get("client_id").map_err(e)?;
    let state = DocState::parse(&r.try_get::<String, _>("state").map_err(e)?).unwrap_or_default();
    let expected: i64 = r.try_get("amount_cents").map_err(e)?;
    let gross: i64 = r.try_get("gross_cents").map_err(e)?;
    let currency: String = r.try_get("currency").map_err(e)?;
    let amount = object["amount_total"].as_i64();
    let paid_currency = object["currency"].as_str().unwrap_or_default();
    if amount != Some(expected)
        || amount != Some(gross)
        || !paid_currency.eq_ignore_ascii_case(&currency)
    {
        sqlx::query("UPDATE payments SET state = 'mismatch', updated_at = $2 WHERE id = $1")
            .bind(session)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(e)?;
        let why = crate::notify::Kind::PaymentMismatch;
        told(&mut tx, org, &invoice, &client, event_id, why, now)
            .await
            .map_err(e)?;
        tx.commit().await.map_err(e)?;
        return Ok(Outcome::Mismatch(invoice, client));
    }
    if !state.outstanding() {
        tx.commit().await.map_err(e)?;
        return Ok(Outcome::Nothing);
    }
    sqlx::query(
        "UPDATE invoices SET state = 'paid', paid_at = $2, updated_at = $2 \
         WHERE id = $1 AND state IN ('sent', 'overdue')",
    )
    .bind(&invoice)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(e)?;
    sqlx::query("UPDATE payments SET state = 'paid', updated_at = $2 WHERE id = $1")
        .bind(session)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(e)?;
    let paid = crate::notify::Kind::PaymentReceived;
    told(&mut tx, org, &invoice, &client, event_id, paid, now)
        .await
        .map_err(e)?;
    crate::server::crash::point("webhook.before_commit");
    tx.commit().await.map_err(e)?;
    crate::server::crash::point("webhook.after_commit");
    Ok(Outcome::Paid(invoice, client))
}

/// The audit entry and the bell entries of a payment (or a mismatch), in its transaction: a
/// crash after the commit cannot lose them, and a redelivered event — seen before — cannot
/// repeat them.
async fn told(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org: &str,
    invoice: &str,
    client: &str,
    event_id: &str,
    kind: crate::notify::Kind,
    now: i64,
) -> Result<(), sqlx::Error> {
    let number: String = sqlx::query_scalar("SELECT number FROM invoices WHERE id = $1")
        .bind(invoice)
        .fetch_optional(&mut **tx)
        .await?
        .unwrap_or_default();
    let actor = crate::audit::repo::Actor {
        name: crate::i18n::Lang::default()
            .t()
            .inv_stripe_actor
            .to_string(),
        ..Default::default()
    };
    let action = match kind {
        crate::notify::Kind::PaymentReceived => crate::audit::action::INVOICE_PAID,
        _ => crate::audit::action::INVOICE_PAYMENT_MISMATCH,
    };
    let detail = format!("{number} (Stripe {event_id})");
    crate::audit::repo::record(&mut **tx, org, &actor, Some(client), action, &detail).await?;
    crate::notify::repo::note_members_in(tx, org, client, kind, &number, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_geheim";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;

    #[test]
    fn a_valid_signature_passes() {
        let now = 1_780_000_000;
        assert_eq!(
            verify_signature(&sign(BODY, SECRET, now), BODY, SECRET, now),
            Ok(())
        );
        // Within the tolerance on either side.
        assert_eq!(
            verify_signature(&sign(BODY, SECRET, now - 299), BODY, SECRET, now),
            Ok(())
        );
    }

    #[test]
    fn wrong_secret_expired_tampered_or_malformed_are_refused() {
        let now = 1_780_000_000;
        let header = sign(BODY, SECRET, now);
        assert_eq!(
            verify_signature(&header, BODY, "whsec_other", now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&sign(BODY, SECRET, now - 301), BODY, SECRET, now),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            verify_signature(&sign(BODY, SECRET, now + 301), BODY, SECRET, now),
            Err(SignatureError::Expired)
        );
        let tampered = br#"{"id":"evt_1","type":"checkout.session.completed "}"#;
        assert_eq!(
            verify_signature(&header, tampered, SECRET, now),
            Err(SignatureError::Mismatch)
        );
        let only_t = format!("t={now}");
        for bad in ["", "t=abc,v1=00", "v1=00", only_t.as_str()] {
            assert_eq!(
                verify_signature(bad, BODY, SECRET, now),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            verify_signature(&format!("t={now},v1=zz"), BODY, SECRET, now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        // During a secret's rotation Stripe signs with both: one v1 per secret, and v0 ignored.
        let now = 1_780_000_000;
        let good = sign(BODY, SECRET, now);
        let good_v1 = good.split_once(",v1=").unwrap().1;
        let other = sign(BODY, "whsec_old", now);
        let other_v1 = other.split_once(",v1=").unwrap().1;
        let header = format!("t={now},v1={other_v1},v0=abc,v1={good_v1}");
        assert_eq!(verify_signature(&header, BODY, SECRET, now), Ok(()));
        let header = format!("t={now},v1={other_v1}");
        assert_eq!(
            verify_signature(&header, BODY, SECRET, now),
            Err(SignatureError::Mismatch)
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        const SECRET: &str = "whsec_test_geheim";
        const NOW: i64 = 1_764_000_000;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            /// A made-up `Stripe-Signature` never verifies, whatever it looks like.
            #[test]
            fn made_up_signatures_never_verify(
                header in "\\PC{0,200}|t=[0-9]{10},v1=[0-9a-f]{64}(,v1=[0-9a-f]{0,64})?",
                payload in proptest::collection::vec(any::<u8>(), 0..512),
            ) {
                let header = header.replace("t=1", &format!("t={NOW}"));
                prop_assert!(verify_signature(&header, &payload, SECRET, NOW).is_err());
            }

            /// What Stripe signs verifies; any changed byte, another secret or a stale
            /// timestamp does not.
            #[test]
            fn signed_payloads_verify_and_changed_ones_do_not(
                payload in proptest::collection::vec(any::<u8>(), 1..512),
                at in any::<prop::sample::Index>(),
                skew in -TOLERANCE_S..=TOLERANCE_S,
            ) {
                let header = sign(&payload, SECRET, NOW + skew);
                prop_assert_eq!(verify_signature(&header, &payload, SECRET, NOW), Ok(()));
                let mut changed = payload.clone();
                let i = at.index(changed.len());
                changed[i] ^= 0x01;
                prop_assert_eq!(verify_signature(&header, &changed, SECRET, NOW), Err(SignatureError::Mismatch));
                prop_assert_eq!(verify_signature(&header, &payload, "whsec_other", NOW), Err(SignatureError::Mismatch));
                let stale = sign(&payload, SECRET, NOW - TOLERANCE_S - 1 - skew.abs());
                prop_assert_eq!(verify_signature(&stale, &payload, SECRET, NOW), Err(SignatureError::Expired));
            }
        }
    }
}

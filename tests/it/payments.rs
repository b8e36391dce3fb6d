//! Card payment with Stripe against a local Stripe-compatible server started here (Checkout
//! Sessions are not served by localstripe, so this small fake answers them): the firm's keys
//! stored sealed, "Jetzt bezahlen" opening a session for exactly the outstanding amount, and the
//! signed webhook — refused when forged or stale, effective once when delivered twice, ignored
//! out of order, and never marking an invoice paid for the wrong amount.

use crate::helpers::{audit_actions, error_kind, Caller, Db, TestApp};
use crate::on_both_databases;
use axum::{extract::State, routing::post, Form, Json, Router};
use kundenportal::invoices::stripe::sign;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const SECRET_KEY: &str = "sk_test_51Kanzlei";
const WEBHOOK_SECRET: &str = "whsec_test_Kanzlei";

/// The sessions the fake was asked for (their form fields).
type Seen = Arc<Mutex<Vec<HashMap<String, String>>>>;

async fn create_session(
    State(seen): State<Seen>,
    headers: axum::http::HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> (axum::http::StatusCode, Json<Value>) {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {SECRET_KEY}"))
    {
        let e = json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key"}});
        return (axum::http::StatusCode::UNAUTHORIZED, Json(e));
    }
    let mut seen = seen.lock().unwrap();
    seen.push(form);
    let id = format!("cs_test_{}", seen.len());
    let url = format!("https://checkout.stripe.test/pay/{id}");
    (
        axum::http::StatusCode::OK,
        Json(json!({"id": id, "object": "checkout.session", "url": url})),
    )
}

/// Starts the fake; returns its base URL and what it saw.
async fn fake_stripe() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/v1/checkout/sessions", post(create_session))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn completed(event: &str, session: &str, amount: i64, currency: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": event,
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {
            "id": session,
            "object": "checkout.session",
            "amount_total": amount,
            "currency": currency,
            "payment_status": "paid",
        }},
    }))
    .unwrap()
}

/// Delivers `body` to the firm's webhook with `signature` (None: unsigned).
async fn deliver(app: &TestApp, org: &str, body: &[u8], signature: Option<String>) -> StatusCode {
    let mut r = crate::helpers::client()
        .post(format!("{}/api/stripe/webhook/{org}", app.url))
        .header("Content-Type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        r = r.header("Stripe-Signature", s);
    }
    r.send().await.unwrap().status()
}

fn now_s() -> i64 {
    kundenportal::server::db::now_ms() / 1000
}

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

async fn issued_invoice(owner: &Caller, client: &str, price: &str) -> String {
    let id = ok(
        owner,
        "create_invoice",
        &[("client_id", client), ("kind", "invoice")],
    )
    .await;
    let id = id.as_str().unwrap().to_string();
    ok(
        owner,
        "add_invoice_line",
        &[
            ("id", &id),
            ("description", "Beratung"),
            ("unit_price", price),
        ],
    )
    .await;
    ok(owner, "send_invoice", &[("id", &id)]).await;
    id
}

/// The firm's Stripe keys, saved.
async fn save_keys(owner: &Caller) {
    let keys = [
        ("secret_key", SECRET_KEY),
        ("webhook_secret", WEBHOOK_SECRET),
    ];
    ok(owner, "save_payments", &keys).await;
}

async fn state_of(owner: &Caller, id: &str) -> String {
    let d = ok(owner, "get_invoice", &[("id", id)]).await;
    d["summary"]["state"].as_str().unwrap().to_string()
}

async fn invoices_are_paid_by_card_through_stripe_checkout(db: Db) {
    let (stripe, seen) = fake_stripe().await;
    let app = TestApp::spawn_with(db, &[("KUNDENPORTAL_PAYMENTS_STRIPE_API", &stripe)]).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;
    let first = issued_invoice(&owner, &client, "100").await;
    let phone = crate::portal::portal_browser(&app, "info@schmidt.de").await;

    // Not set up yet: no button, and paying is refused with a reason.
    assert_eq!(ok(&phone, "portal_can_pay", &[]).await, false);
    let (s, e) = phone.call("pay_invoice", &[("id", &first)]).await;
    assert_eq!(
        (s, error_kind(&e)),
        (StatusCode::CONFLICT, "Conflict".into())
    );

    // The keys: checked, stored sealed, never shown again.
    for (field, value) in [
        ("secret_key", "pk_test_public"),
        ("webhook_secret", "geheim"),
    ] {
        let (s, e) = owner.call("save_payments", &[(field, value)]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["Invalid"]["field"], field);
    }
    save_keys(&owner).await;
    let settings = ok(&owner, "load_payments", &[]).await;
    assert_eq!(settings["secret_key_set"], true);
    assert_eq!(settings["webhook_secret_set"], true);
    assert!(!settings.to_string().contains("sk_test"), "{settings}");
    let org: String = sqlx::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(settings["webhook_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/stripe/webhook/{org}")));
    let stored: String =
        sqlx::query_scalar("SELECT secret_key || webhook_secret FROM payment_settings")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(
        !stored.contains("sk_test") && !stored.contains("whsec_"),
        "{stored}"
    );
    // Saving again with empty fields keeps them.
    ok(&owner, "save_payments", &[("sepa", "on")]).await;
    assert_eq!(
        ok(&owner, "load_payments", &[]).await["secret_key_set"],
        true
    );
    let (s, _) = phone.call("load_payments", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // "Jetzt bezahlen": a session for exactly the outstanding amount, in euros.
    assert_eq!(ok(&phone, "portal_can_pay", &[]).await, true);
    let url = ok(&phone, "pay_invoice", &[("id", &first)]).await;
    assert_eq!(url, "https://checkout.stripe.test/pay/cs_test_1");
    {
        let seen = seen.lock().unwrap();
        let form = &seen[0];
        assert_eq!(form["mode"], "payment");
        assert_eq!(form["line_items[0][price_data][unit_amount]"], "11900");
        assert_eq!(form["line_items[0][price_data][currency]"], "eur");
        assert_eq!(form["metadata[invoice_id]"], first);
        assert_eq!(form["payment_method_types[1]"], "sepa_debit");
        assert!(form["success_url"].ends_with(&format!("/portal/invoices/{first}?paid=1")));
    }

    // Forged, unsigned or stale deliveries are refused and change nothing.
    let body = completed("evt_1", "cs_test_1", 11_900, "eur");
    assert_eq!(
        deliver(&app, &org, &body, None).await,
        StatusCode::BAD_REQUEST
    );
    let forged = sign(&body, "whsec_someone_else", now_s());
    assert_eq!(
        deliver(&app, &org, &body, Some(forged)).await,
        StatusCode::BAD_REQUEST
    );
    let stale = sign(&body, WEBHOOK_SECRET, now_s() - 600);
    assert_eq!(
        deliver(&app, &org, &body, Some(stale)).await,
        StatusCode::BAD_REQUEST
    );
    let tampered = completed("evt_1", "cs_test_1", 1, "eur");
    let signed_other = sign(&body, WEBHOOK_SECRET, now_s());
    assert_eq!(
        deliver(&app, &org, &tampered, Some(signed_other)).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(state_of(&owner, &first).await, "Sent");

    // The real one marks it paid — once, however often it comes.
    for _ in 0..2 {
        let signature = sign(&body, WEBHOOK_SECRET, now_s());
        assert_eq!(
            deliver(&app, &org, &body, Some(signature)).await,
            StatusCode::OK
        );
    }
    assert_eq!(state_of(&owner, &first).await, "Paid");
    assert_eq!(audit_actions(&app, "invoice.paid").await.len(), 1);
    let totals = ok(&phone, "portal_invoices", &[]).await;
    assert_eq!(totals["paid_cents"], 11_900);
    assert_eq!(totals["outstanding_cents"], 0);
    let bell = ok(&owner, "list_notifications", &[]).await;
    assert!(
        bell.as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "PaymentReceived"),
        "{bell}"
    );
    // A paid invoice cannot be paid again.
    let (s, _) = phone.call("pay_invoice", &[("id", &first)]).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // A payment of the wrong amount (or currency) marks nothing and alerts the staff; an
    // expiry arriving afterwards is ignored.
    let second = issued_invoice(&owner, &client, "50").await;
    ok(&phone, "pay_invoice", &[("id", &second)]).await;
    for (n, (amount, currency)) in [(100, "eur"), (5_950, "usd")].into_iter().enumerate() {
        let body = completed(&format!("evt_wrong_{n}"), "cs_test_2", amount, currency);
        let signature = sign(&body, WEBHOOK_SECRET, now_s());
        assert_eq!(
            deliver(&app, &org, &body, Some(signature)).await,
            StatusCode::OK
        );
    }
    assert_eq!(state_of(&owner, &second).await, "Sent");
    assert_eq!(
        audit_actions(&app, "invoice.payment_mismatch").await.len(),
        2
    );
    let bell = ok(&owner, "list_notifications", &[]).await;
    assert!(
        bell.as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "PaymentMismatch"),
        "{bell}"
    );
    let expired = serde_json::to_vec(&json!({
        "id": "evt_expired",
        "type": "checkout.session.expired",
        "data": {"object": {"id": "cs_test_1", "payment_status": "unpaid"}},
    }))
    .unwrap();
    let signature = sign(&expired, WEBHOOK_SECRET, now_s());
    assert_eq!(
        deliver(&app, &org, &expired, Some(signature)).await,
        StatusCode::OK
    );
    assert_eq!(state_of(&owner, &first).await, "Paid");

    // Another firm's webhook address does not take this firm's events.
    let other = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    drop(other);
    let other_org: String = sqlx::query_scalar("SELECT id FROM orgs WHERE name = 'Kanzlei B'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let body = completed("evt_3", "cs_test_2", 5_950, "eur");
    let signature = sign(&body, WEBHOOK_SECRET, now_s());
    assert_eq!(
        deliver(&app, &other_org, &body, Some(signature)).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(state_of(&owner, &second).await, "Sent");

    // Switched off: the keys are gone.
    ok(&owner, "save_payments", &[("remove", "1")]).await;
    assert_eq!(ok(&phone, "portal_can_pay", &[]).await, false);
}

on_both_databases!(invoices_are_paid_by_card_through_stripe_checkout);

/// Property: whatever reaches the webhook — noise, unsigned or signed; events of any type,
/// shape and size, for the real checkout session with a wrong amount, currency or status —
/// is answered without a server error and never marks the invoice paid.
async fn arbitrary_webhook_payloads_never_mark_an_invoice_paid(db: Db) {
    use proptest::strategy::{Strategy, ValueTree};
    let (stripe, _seen) = fake_stripe().await;
    let app = TestApp::spawn_with(db, &[("KUNDENPORTAL_PAYMENTS_STRIPE_API", &stripe)]).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;
    let invoice = issued_invoice(&owner, &client, "100").await;
    save_keys(&owner).await;
    let phone = crate::portal::portal_browser(&app, "info@schmidt.de").await;
    ok(&phone, "pay_invoice", &[("id", &invoice)]).await;
    let org: String = sqlx::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();

    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let noise = proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..4096);
    let text = "\\PC{0,40}";
    let kinds = proptest::sample::select(vec![
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.expired",
        "payment_intent.succeeded",
        "",
    ]);
    let sessions = proptest::sample::select(vec!["cs_test_1", "cs_other", "", "cs_test_1\u{0}"]);
    let amounts = proptest::num::i64::ANY.prop_filter("not the amount due", |a| *a != 11_900);
    let currencies = proptest::sample::select(vec!["usd", "eu", "", "eur\u{202e}"]);
    let mut statuses = Vec::new();
    for n in 0..120 {
        let event = {
            let r = &mut runner;
            let kind = kinds.new_tree(r).unwrap().current();
            let session = sessions.new_tree(r).unwrap().current();
            // The right amount comes only with a wrong currency, and the reverse.
            let (amount, currency) = if n % 2 == 0 {
                (json!(amounts.new_tree(r).unwrap().current()), json!("eur"))
            } else {
                (
                    json!(11_900),
                    json!(currencies.new_tree(r).unwrap().current()),
                )
            };
            let filler = text.new_tree(r).unwrap().current();
            match n % 4 {
                // Well-formed, but not a payment of what is due.
                0 | 1 => json!({
                    "id": format!("evt_{n}_{filler}"),
                    "type": kind,
                    "data": {"object": {"id": session, "amount_total": amount,
                        "currency": currency, "payment_status": "paid",
                        "metadata": {"invoice_id": invoice}}},
                }),
                // Fields of the wrong type or missing.
                2 => json!({
                    "id": n, "type": [kind], "data": {"object": filler},
                }),
                _ => json!([filler, {"id": format!("evt_{n}"), "data": null}]),
            }
        };
        let body = serde_json::to_vec(&event).unwrap();
        let junk = noise.new_tree(&mut runner).unwrap().current();
        for (payload, signature) in [
            (body.clone(), Some(sign(&body, WEBHOOK_SECRET, now_s()))),
            (junk.clone(), Some(sign(&junk, WEBHOOK_SECRET, now_s()))),
            (junk.clone(), None),
            // A made-up signature (what a header can carry).
            (
                body.clone(),
                Some(
                    junk.iter()
                        .take(80)
                        .map(|b| (b' ' + b % 95) as char)
                        .collect(),
                ),
            ),
        ] {
            let status = deliver(&app, &org, &payload, signature).await;
            assert!(
                !status.is_server_error(),
                "{status} for {}",
                String::from_utf8_lossy(&payload)
            );
            statuses.push(status);
        }
    }
    assert!(
        statuses.iter().any(|s| s.is_success()),
        "some deliveries were taken"
    );
    assert!(
        statuses.contains(&StatusCode::BAD_REQUEST),
        "forged ones were refused"
    );
    assert_ne!(state_of(&owner, &invoice).await, "Paid");
    // The real payment still goes through afterwards.
    let body = completed("evt_real", "cs_test_1", 11_900, "eur");
    let status = deliver(
        &app,
        &org,
        &body,
        Some(sign(&body, WEBHOOK_SECRET, now_s())),
    )
    .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(state_of(&owner, &invoice).await, "Paid");
}

on_both_databases!(arbitrary_webhook_payloads_never_mark_an_invoice_paid);

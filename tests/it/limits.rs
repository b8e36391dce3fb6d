//! Rate limits: guessing secret tokens (upload links, magic links, secret links, link
//! passwords) is cut short per address, ticket creation per client, magic-link requests and
//! logins as before — each refusal a 429 that says how long, in words and in `Retry-After`,
//! for server functions, the tus endpoint and pages alike.

use crate::helpers::{Caller, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::{firm_with_link, Tus};
use reqwest::StatusCode;

/// The misses an address may have within ten minutes (`auth::domain::TOKEN_MISSES`).
const MISSES: usize = 30;
const WINDOW_SECS: u64 = 600;

/// A well-formed token that was never issued.
fn made_up(n: usize) -> String {
    format!("{n:0>43}")
}

/// The `Retry-After` of a refusal, asserted to be there and to cover at most `window` seconds.
fn retry_after(r: &reqwest::Response, window: u64) -> u64 {
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let secs: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=window).contains(&secs), "Retry-After {secs}");
    secs
}

/// A browser whose requests come from `ip` (the app trusts the proxy header in this test).
fn from(app: &TestApp, ip: &str) -> Caller {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", ip.parse().unwrap());
    Caller {
        http: crate::helpers::http()
            .default_headers(headers)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: app.url.clone(),
    }
}

async fn guessing_tokens_is_cut_short_with_retry_after(db: Db) {
    let app = TestApp::spawn_with(db, &[("KUNDENPORTAL_SERVER_TRUST_PROXY", "true")]).await;
    let (_owner, _client, token) = firm_with_link(&app, &[("password", "richtig-geheim-1")]).await;
    let guesser = from(&app, "203.0.113.7");
    let mut tus = Tus::new(&app.url, "");
    tus.http = guesser.http.clone();

    // Misses of every kind count together: unknown upload-link, magic-link and secret-link
    // tokens, tus with a made-up bearer token, a wrong link password.
    let mut n = 0;
    while n < MISSES {
        let kind = n % 5;
        match kind {
            0 => {
                let (s, _) = guesser
                    .call("public_upload_link", &[("token", &made_up(n))])
                    .await;
                assert_eq!(s, StatusCode::NOT_FOUND);
            }
            1 => {
                let (s, v) = guesser
                    .call("magic_link_state", &[("token", &made_up(n))])
                    .await;
                assert_eq!((s, v.as_str()), (StatusCode::OK, Some("Unknown")));
            }
            2 => {
                let r = guesser.get(&format!("/portal/s/{}", made_up(n))).await;
                assert_eq!(r.status(), StatusCode::SEE_OTHER);
            }
            3 => {
                tus.token = made_up(n);
                let r = tus.create("a.pdf", 10).await;
                assert_eq!(r.status(), StatusCode::NOT_FOUND);
            }
            _ => {
                let (s, v) = guesser
                    .call(
                        "public_upload_link",
                        &[("token", &token), ("password", "falsch")],
                    )
                    .await;
                assert_eq!(s, StatusCode::OK, "{v}");
                assert_eq!(v["case_locked"], false);
            }
        }
        n += 1;
    }

    // Now every door says "later" — even with the right token and password.
    let r = guesser
        .send("public_upload_link", &[("token", token.as_str())])
        .await
        .unwrap();
    retry_after(&r, WINDOW_SECS);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["RateLimited"]
            .as_str()
            .unwrap()
            .contains("Zu viele Anfragen"),
        "{body}"
    );

    tus.token = token.clone();
    let r = tus.create("a.pdf", 10).await;
    retry_after(&r, WINDOW_SECS);
    assert_eq!(r.headers()["upload-error"], "rate_limited");
    assert!(r.text().await.unwrap().contains("Zu viele Anfragen"));

    // Pages answer 429 themselves, with the message in the page.
    let r = guesser.get(&format!("/u/{token}")).await;
    retry_after(&r, WINDOW_SECS);
    assert!(r.text().await.unwrap().contains("Zu viele Anfragen"));
    let r = guesser.get(&format!("/portal/m/{}", made_up(99))).await;
    retry_after(&r, WINDOW_SECS);
    assert!(r.text().await.unwrap().contains("Zu viele Anfragen"));
    let r = guesser.get(&format!("/portal/s/{}", made_up(98))).await;
    retry_after(&r, WINDOW_SECS);
    let page = r.text().await.unwrap();
    assert!(page.contains("Zu viele Anfragen"), "{page}");
    let (s, _) = guesser
        .call("open_magic_link", &[("token", &made_up(97))])
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);

    // Another address is not affected, and the right password opens the link there.
    let client = from(&app, "198.51.100.20");
    let (s, v) = client
        .call(
            "public_upload_link",
            &[("token", &token), ("password", "richtig-geheim-1")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut tus = Tus::new(&app.url, &token);
    tus.http = client.http.clone();
    let r = tus
        .http
        .post(format!("{}/api/uploads/", app.url))
        .header("Tus-Resumable", "1.0.0")
        .header("Authorization", format!("Bearer {token}"))
        .header("Upload-Link-Password", "richtig-geheim-1")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", "filename YS5wZGY=")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
}

async fn clients_may_open_a_bounded_number_of_tickets(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    owner.create_client("Schmidt AG", "info@schmidt.de").await;
    let phone = crate::portal::portal_browser(&app, "info@schmidt.de").await;
    // A form with a mistake costs nothing.
    for _ in 0..3 {
        let (s, _) = phone.call("open_ticket", &[("text", "Frage")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    for n in 0..10 {
        let (s, v) = phone
            .call(
                "open_ticket",
                &[
                    ("subject", &format!("Frage {n}")),
                    ("text", "Bitte um Rückruf."),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "ticket {n}: {v}");
    }
    let r = phone
        .send("open_ticket", &[("subject", "Noch eine"), ("text", "x")])
        .await
        .unwrap();
    let secs = retry_after(&r, 3600);
    assert!(secs > 3000, "about an hour: {secs}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["RateLimited"].as_str().unwrap().contains("Minuten"));
    // Staff still see the ten, and another client of the firm may still open one.
    owner.create_client("Meier KG", "info@meier.de").await;
    let other = crate::portal::portal_browser(&app, "info@meier.de").await;
    let (s, v) = other
        .call("open_ticket", &[("subject", "Frage"), ("text", "Hallo")])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn refused_logins_and_link_requests_say_when_to_retry(db: Db) {
    let app = TestApp::spawn_with(
        db,
        &[("KUNDENPORTAL_SECURITY_LOGIN_MAX_FAILURES_PER_ACCOUNT", "2")],
    )
    .await;
    app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let c = app.anonymous();
    for _ in 0..2 {
        c.call(
            "login",
            &[("email", "a@kanzlei-a.de"), ("password", "falsch-falsch")],
        )
        .await;
    }
    let r = c
        .send(
            "login",
            &[("email", "a@kanzlei-a.de"), ("password", "falsch-falsch")],
        )
        .await
        .unwrap();
    retry_after(&r, 900);

    // Magic links for one address: a few per window, then 429 with Retry-After.
    let mut last = StatusCode::OK;
    for _ in 0..20 {
        let r = c
            .send("request_portal_link", &[("email", "info@schmidt.de")])
            .await
            .unwrap();
        last = r.status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            retry_after(&r, 900);
            break;
        }
        assert_eq!(last, StatusCode::OK);
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

on_both_databases!(
    guessing_tokens_is_cut_short_with_retry_after,
    clients_may_open_a_bounded_number_of_tickets,
    refused_logins_and_link_requests_say_when_to_retry,
);

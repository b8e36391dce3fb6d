//! A firm's own domain: entered (checked, unique), verified by the HTTP challenge over the
//! domain itself, then its portal and upload pages are served there — only its own — while
//! unknown hosts get a neutral 404; the proxy's "ask" endpoint; and the public mode.

use crate::helpers::{last_segment, Caller, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::firm_with_link;
use kundenportal::server::{db::now_ms, jobs};
use reqwest::StatusCode;

const DOMAIN: &str = "portal.kanzlei-a.de";

async fn firms_serve_their_portal_on_their_own_domain(db: Db) {
    let app = TestApp::spawn_with(
        db,
        &[
            ("KUNDENPORTAL_DOMAINS_RESOLVE_TO", "listen"),
            ("KUNDENPORTAL_DOMAINS_SCHEME", "http"),
        ],
    )
    .await;
    let (owner, _client, token) = firm_with_link(&app, &[]).await;
    let other = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let other_client = other.create_client("Fremd GmbH", "fremd@kunde.de").await;
    let (_, other_link) = other
        .call("create_upload_link", &[("client_id", &other_client)])
        .await;
    let other_token = last_segment(other_link["url"].as_str().unwrap());
    let ask = |domain: &str| {
        let url = format!("{}/api/domains/ask?domain={domain}", app.url);
        async move { crate::helpers::get(url).await.unwrap().status() }
    };
    let site = Caller::on_host(&app.url, DOMAIN);

    // Unknown host: a neutral 404 for everything, and the proxy gets no certificate for it.
    assert_eq!(
        site.get("/portal/login").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(site.get("/login").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(ask(DOMAIN).await, StatusCode::NOT_FOUND);

    // Entering it: checked, normalized, one firm only.
    for (bad, why) in [("kanzlei", "domain"), ("127.0.0.1", "domain")] {
        let (s, b) = owner.call("save_domain", &[("domain", bad)]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {b}");
        assert_eq!(b["Invalid"]["field"], why);
    }
    let (s, b) = owner
        .call("save_domain", &[("domain", "https://Portal.Kanzlei-A.de/")])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = other.call("save_domain", &[("domain", DOMAIN)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("andere"), "{b}");
    let (_, d) = owner.call("load_domain", &[]).await;
    assert_eq!(d["domain"], DOMAIN);
    assert_eq!(d["verified"], false);
    assert_eq!(d["target"], "127.0.0.1");
    // Private needs a verified domain.
    let (s, _) = owner.call("save_public_mode", &[]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Pending: only the challenge is answered there; the proxy may get a certificate.
    assert_eq!(ask(DOMAIN).await, StatusCode::OK);
    assert_eq!(
        site.get("/portal/login").await.status(),
        StatusCode::NOT_FOUND
    );
    let challenge = site.get("/.well-known/kundenportal-domain").await;
    assert_eq!(challenge.status(), StatusCode::OK);
    assert_eq!(challenge.text().await.unwrap().len(), 43);
    // The main host does not answer it.
    let main = app
        .anonymous()
        .get("/.well-known/kundenportal-domain")
        .await;
    assert_eq!(main.status(), StatusCode::NOT_FOUND);

    // Verified over the domain itself (its DNS "points here").
    let (s, b) = owner.call("verify_domain", &[]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, d) = owner.call("load_domain", &[]).await;
    assert_eq!(d["verified"], true);

    // The firm's portal and upload pages are there — its own only; staff pages are not.
    let login = site.get("/portal/login").await;
    assert_eq!(login.status(), StatusCode::OK);
    assert!(login.text().await.unwrap().contains("Kanzlei A"));
    assert_eq!(site.get("/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(site.get("/clients").await.status(), StatusCode::NOT_FOUND);
    let (_, firm) = site.call("portal_site", &[]).await;
    assert_eq!(firm["firm_name"], "Kanzlei A");
    let (_, none) = app.anonymous().call("portal_site", &[]).await;
    assert!(none.is_null(), "{none}");
    let (s, _) = site.call("public_upload_link", &[("token", &token)]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = site
        .call("public_upload_link", &[("token", &other_token)])
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another firm's link is unknown here"
    );
    // New links point to the domain.
    let (_, link) = owner
        .call("create_upload_link", &[("client_id", &_client)])
        .await;
    assert!(link["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("http://{DOMAIN}/u/")));

    // Private: on the main domain the firm's clients get no sign-in link, on its domain they do
    // (the link leads there); clients of public firms still sign in on the main domain.
    let (s, b) = owner.call("save_public_mode", &[]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let magic_mails = |to: &str| {
        crate::helpers::outbox_texts(&app)
            .into_iter()
            .filter(|m| m.contains(&format!("To: {to}")) && m.contains("/portal/m/"))
            .collect::<Vec<_>>()
    };
    let (s, _) = app
        .anonymous()
        .call("request_portal_link", &[("email", "info@schmidt.de")])
        .await;
    assert_eq!(s, StatusCode::OK);
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    assert!(magic_mails("info@schmidt.de").is_empty());
    let (s, _) = site
        .call("request_portal_link", &[("email", "info@schmidt.de")])
        .await;
    assert_eq!(s, StatusCode::OK);
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    let mails = magic_mails("info@schmidt.de");
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains(&format!("http://{DOMAIN}/portal/m/")),
        "{}",
        mails[0]
    );
    app.anonymous()
        .call("request_portal_link", &[("email", "fremd@kunde.de")])
        .await;
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    assert_eq!(magic_mails("fremd@kunde.de").len(), 1);
    // On firm A's domain, firm B's clients are nobody.
    site.call("request_portal_link", &[("email", "fremd@kunde.de")])
        .await;
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    assert_eq!(magic_mails("fremd@kunde.de").len(), 1);

    // Removed: the domain is unknown again and the portal public.
    let (s, _) = owner.call("save_domain", &[("domain", "")]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        site.get("/portal/login").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(ask(DOMAIN).await, StatusCode::NOT_FOUND);
    let (_, d) = owner.call("load_domain", &[]).await;
    assert_eq!(d["public"], true);
}

on_both_databases!(firms_serve_their_portal_on_their_own_domain);

//! The client portal: magic links (single use, expiry, same answer for unknown addresses, rate
//! limits, another device), sessions scoped to exactly one client (every portal function and
//! route with another client's ids answers 404), revoked access and ended sessions, one
//! address with clients of two firms, secret links, passwords and the firm's settings.

use crate::helpers::{error_kind, last_segment, outbox_texts, Caller, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::Tus;
use kundenportal::server::{db::now_ms, jobs, tokens};
use reqwest::StatusCode;
use serde_json::Value;

pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

pub async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

/// Magic-link mails in the outbox addressed to `to`, oldest first.
fn magic_mails(app: &TestApp, to: &str) -> Vec<String> {
    outbox_texts(app)
        .into_iter()
        .filter(|m| m.contains("/portal/m/") && m.to_lowercase().contains(&format!("to: {to}")))
        .collect()
}

/// The tokens of all magic links sent to `to`.
fn tokens_sent(app: &TestApp, to: &str) -> Vec<String> {
    magic_mails(app, to)
        .iter()
        .map(|mail| {
            let at = mail.find("/portal/m/").unwrap() + "/portal/m/".len();
            mail[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .collect()
}

/// Asks for a link as `email` and runs the mail job; the token of the new mail, if one came.
async fn request_link_without_job(app: &TestApp, email: &str) -> Option<String> {
    let to = email.to_lowercase();
    let before = tokens_sent(app, &to);
    ok(&app.anonymous(), "request_portal_link", &[("email", email)]).await;
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    tokens_sent(app, &to)
        .into_iter()
        .find(|t| !before.contains(t))
}

/// Asks for a link as `email` and runs the mail job; returns the token.
pub async fn request_link(app: &TestApp, email: &str) -> String {
    request_link_without_job(app, email)
        .await
        .expect("a magic-link mail")
}

/// A fresh browser signed in to the portal through a magic link.
/// Adds a further contact of `client` with only `right`, signed in to the portal.
pub async fn contact_with(
    app: &TestApp,
    owner: &Caller,
    client: &str,
    email: &str,
    right: &str,
) -> Caller {
    let (s, v) = owner
        .call(
            "save_contact",
            &[
                ("client_id", client),
                ("name", "Bernd"),
                ("email", email),
                ("rights[]", right),
            ],
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::OK, "{v}");
    portal_browser(app, email).await
}

pub async fn portal_browser(app: &TestApp, email: &str) -> Caller {
    let token = request_link(app, email).await;
    let phone = app.anonymous();
    let out = ok(&phone, "open_magic_link", &[("token", &token)]).await;
    assert!(out["SignedIn"].is_string(), "{out}");
    phone
}

fn state_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.keys().next().cloned().unwrap_or_default(),
        _ => v.to_string(),
    }
}

async fn magic_links_sign_in_once_and_expire(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Portal", "chef@portal.de").await;
    owner.create_client("Max Muster", "Max@Muster.de").await;

    // Known and unknown addresses get the same answer; only the known one gets a mail.
    let browser = app.anonymous();
    let known = ok(
        &browser,
        "request_portal_link",
        &[("email", "MAX@muster.de")],
    )
    .await;
    let unknown = ok(
        &browser,
        "request_portal_link",
        &[("email", "niemand@muster.de")],
    )
    .await;
    assert_eq!(known, unknown);
    let (s, v) = browser
        .call("request_portal_link", &[("email", "kein-at")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    assert_eq!(magic_mails(&app, "max@muster.de").len(), 1);
    assert!(magic_mails(&app, "niemand@muster.de").is_empty());
    let mail = magic_mails(&app, "max@muster.de").pop().unwrap();
    assert!(mail.contains("Kanzlei Portal"), "{mail}");
    assert!(mail.contains("15 Minuten"), "{mail}");
    assert!(
        mail.contains("Jetzt anmelden"),
        "the HTML part has the button: {mail}"
    );
    let token = tokens_sent(&app, "max@muster.de").pop().unwrap();

    // Opening the page (a mail scanner, a preview) does not use the link up.
    let page = app.anonymous().get(&format!("/portal/m/{token}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("magic-sign-in"), "{html}");
    let st = ok(&app.anonymous(), "magic_link_state", &[("token", &token)]).await;
    assert_eq!(st, "Valid");

    // Another device than the one that asked signs in.
    let phone = app.anonymous();
    let out = ok(&phone, "open_magic_link", &[("token", &token)]).await;
    assert_eq!(out["SignedIn"], "/portal");
    let me = ok(&phone, "portal_state", &[]).await;
    assert_eq!(me["In"]["client_name"], "Max Muster", "{me}");
    assert_eq!(me["In"]["firm_name"], "Kanzlei Portal");
    ok(&phone, "portal_home", &[]).await;
    let portal_page = phone.get("/portal").await;
    assert!(portal_page.text().await.unwrap().contains("Max Muster"));

    // Single use: the second try (any browser) finds it used, and the page says so.
    let other = app.anonymous();
    assert_eq!(
        ok(&other, "open_magic_link", &[("token", &token)]).await,
        "Used"
    );
    assert_eq!(ok(&other, "portal_state", &[]).await, "SignedOut");
    let html = other.html(&format!("/portal/m/{token}")).await;
    assert!(html.contains("request-new-link"), "{html}");

    // Expired: a link past its time; an unknown or malformed token looks the same.
    let late = request_link(&app, "max@muster.de").await;
    sqlx::query("UPDATE portal_links SET expires_at = $1 WHERE token_hash = $2")
        .bind(now_ms() - 1)
        .bind(tokens::hash_token(&late))
        .execute(&app.state.db)
        .await
        .unwrap();
    for t in [late.as_str(), &tokens::new_token(), "kaputt"] {
        assert_eq!(
            ok(&other, "open_magic_link", &[("token", t)]).await,
            "Expired",
            "{t}"
        );
    }
    assert_eq!(
        ok(&other, "magic_link_state", &[("token", &late)]).await,
        "Expired"
    );
    assert_eq!(ok(&other, "portal_state", &[]).await, "SignedOut");

    // The firm's validity applies to new links.
    ok(
        &owner,
        "save_portal_settings",
        &[("magic", "on"), ("grant", "all"), ("link_minutes", "30")],
    )
    .await;
    let t30 = request_link(&app, "max@muster.de").await;
    let expires: i64 =
        sqlx::query_scalar("SELECT expires_at FROM portal_links WHERE token_hash = $1")
            .bind(tokens::hash_token(&t30))
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let minutes = (expires - now_ms()) / 60_000;
    assert!((28..=30).contains(&minutes), "{minutes}");
}

async fn link_requests_are_rate_limited(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Limit", "chef@limit.de").await;
    owner.create_client("Eva", "eva@limit.de").await;
    let browser = app.anonymous();
    for _ in 0..5 {
        ok(
            &browser,
            "request_portal_link",
            &[("email", "eva@limit.de")],
        )
        .await;
    }
    let (s, v) = browser
        .call("request_portal_link", &[("email", "EVA@limit.de")])
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert!(v.to_string().contains("Minuten"), "{v}");
    // Per IP: 20 requests in the window, whatever the address.
    for n in 0..15 {
        ok(
            &browser,
            "request_portal_link",
            &[("email", &format!("x{n}@limit.de"))],
        )
        .await;
    }
    let (s, _) = browser
        .call("request_portal_link", &[("email", "neu@limit.de")])
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    assert_eq!(magic_mails(&app, "eva@limit.de").len(), 5);
}

async fn sessions_see_exactly_one_client(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Eins", "chef@eins.de").await;
    let x = owner.create_client("Xaver", "x@eins.de").await;
    let y = owner.create_client("Yvonne", "y@eins.de").await;
    let other_firm = app.firm("Kanzlei Zwei", "chef@zwei.de").await;
    let z = other_firm.create_client("Zora", "z@zwei.de").await;
    // A case with one requested document for each client; a file sent to each.
    let mut items = Vec::new();
    for (staff, client, title) in [
        (&owner, &x, "Steuer X"),
        (&owner, &y, "Geheimsache Y"),
        (&other_firm, &z, "Geheimsache Z"),
    ] {
        let case = ok(
            staff,
            "create_case",
            &[("client_id", client), ("title", title)],
        )
        .await;
        let case_id = last_segment(case.as_str().unwrap());
        let item = ok(
            staff,
            "add_case_item",
            &[
                ("case_id", &case_id),
                ("title", "Vollmacht"),
                ("required", "on"),
            ],
        )
        .await;
        items.push(item.as_str().unwrap().to_string());
    }
    let sent = |staff: &Caller, client: &str| {
        let staff_tus = Tus::staff(staff);
        let client = client.to_string();
        async move {
            // Staff upload: the staff session, no Upload-As.
            let r = staff_tus
                .http
                .post(format!("{}/api/uploads/", staff_tus.base))
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Length", PDF.len().to_string())
                .header(
                    "Upload-Metadata",
                    format!(
                        "filename {},client_id {}",
                        base64_of("Bescheid.pdf"),
                        base64_of(&client)
                    ),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            let loc = r.headers()["location"].to_str().unwrap().to_string();
            let r = staff_tus
                .http
                .patch(format!("{}{loc}", staff_tus.base))
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Offset", "0")
                .header("Content-Type", "application/offset+octet-stream")
                .body(PDF.to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
            last_segment(&loc)
        }
    };
    let file_x = sent(&owner, &x).await;
    let file_y = sent(&owner, &y).await;
    let file_z = sent(&other_firm, &z).await;

    let phone = portal_browser(&app, "x@eins.de").await;
    let home = ok(&phone, "portal_home", &[]).await;
    let text = home.to_string();
    assert!(text.contains("Steuer X"), "{text}");
    assert!(!text.contains("Geheimsache"), "{text}");
    let files = ok(&phone, "portal_files", &[]).await;
    assert_eq!(files["sent"][0]["id"], file_x.as_str(), "{files}");
    assert_eq!(files["sent"].as_array().unwrap().len(), 1);

    // Downloads: the own file, nothing else.
    let own = phone.get(&format!("/api/portal/files/{file_x}")).await;
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(own.bytes().await.unwrap().as_ref(), PDF);
    for f in [
        &file_y,
        &file_z,
        &"0190aaaa-0000-7000-8000-000000000000".to_string(),
    ] {
        let r = phone.get(&format!("/api/portal/files/{f}")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{f}");
    }
    // The staff download route does not take a portal session.
    let r = phone.get(&format!("/api/files/{file_x}/download")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Uploads: for the own requested document, not for another client's.
    let tus = Tus::portal(&phone);
    let r = tus
        .create_with("Vollmacht.pdf", PDF.len(), &[("item_id", &items[0])])
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    tus.upload_all(&loc, PDF, PDF.len()).await;
    for item in &items[1..] {
        let r = tus
            .create_with("Vollmacht.pdf", PDF.len(), &[("item_id", item)])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{item}");
    }
    // Someone else's upload is not found through the portal either (a link upload of Y).
    let (_, link) = owner.call("create_upload_link", &[("client_id", &y)]).await;
    let link_tus = Tus::new(&app.url, &last_segment(link["url"].as_str().unwrap()));
    let y_loc = link_tus.create_ok("y.pdf", PDF.len()).await;
    assert_eq!(tus.head(&y_loc).await.status(), StatusCode::NOT_FOUND);
    // The upload reached the item; the client sees it with its state, staff see it too.
    let home = ok(&phone, "portal_home", &[]).await;
    assert_eq!(
        home["open"][0]["items"][0]["state"], "Hochgeladen",
        "{home}"
    );
    let files = ok(&phone, "portal_files", &[]).await;
    assert_eq!(files["received"][0]["name"], "Vollmacht.pdf");
    let files = crate::uploads::files_of(&owner, &x).await;
    assert!(files.to_string().contains("Vollmacht.pdf"), "{files}");

    // Choosing another client by id: not found (the address belongs to one client only).
    let (s, v) = phone
        .call("choose_portal_client", &[("client_id", &y)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // The portal session is no staff session.
    let (s, _) = phone.call("list_clients", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // No session: nothing.
    let (s, _) = app.anonymous().call("portal_home", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let r = app
        .anonymous()
        .get(&format!("/api/portal/files/{file_x}"))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

async fn revoked_access_and_ended_sessions_stop_at_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Drei", "chef@drei.de").await;
    let x = owner.create_client("Xenia", "xenia@drei.de").await;
    let phone = portal_browser(&app, "xenia@drei.de").await;
    ok(&phone, "portal_home", &[]).await;
    let access = ok(&owner, "client_portal", &[("client_id", &x)]).await;
    assert_eq!(access["access"], true);
    assert_eq!(access["sessions"], 1);

    // A link sent before the revocation.
    let pending = request_link(&app, "xenia@drei.de").await;
    ok(
        &owner,
        "set_client_portal",
        &[("client_id", &x), ("on", "false")],
    )
    .await;
    let (s, _) = phone.call("portal_home", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(ok(&phone, "portal_state", &[]).await, "SignedOut");
    // It does not sign in any more; new requests get no mail (and the same answer).
    let (s, v) = app
        .anonymous()
        .call("open_magic_link", &[("token", &pending)])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(request_link_without_job(&app, "xenia@drei.de")
        .await
        .is_none());

    ok(
        &owner,
        "set_client_portal",
        &[("client_id", &x), ("on", "true")],
    )
    .await;
    let a = portal_browser(&app, "xenia@drei.de").await;
    let b = portal_browser(&app, "xenia@drei.de").await;
    let ended = ok(&owner, "end_client_sessions", &[("client_id", &x)]).await;
    assert_eq!(ended, 2);
    for c in [&a, &b] {
        let (s, _) = c.call("portal_home", &[]).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let access = ok(&owner, "client_portal", &[("client_id", &x)]).await;
    assert_eq!(access["sessions"], 0);

    // Another firm's staff cannot touch this client's access.
    let stranger = app.firm("Kanzlei Fremd", "chef@fremd.de").await;
    for endpoint in [
        "client_portal",
        "set_client_portal",
        "end_client_sessions",
        "new_secret_link",
    ] {
        let (s, v) = stranger
            .call(endpoint, &[("client_id", &x), ("on", "false")])
            .await;
        assert!(
            s == StatusCode::NOT_FOUND || s == StatusCode::CONFLICT,
            "{endpoint}: {s} {v}"
        );
    }
    let access = ok(&owner, "client_portal", &[("client_id", &x)]).await;
    assert_eq!(access["access"], true);
}

async fn one_address_of_two_firms_chooses(db: Db) {
    let app = TestApp::spawn(db).await;
    let a = app.firm("Kanzlei Alpha", "chef@alpha.de").await;
    let b = app.firm("Agentur Beta", "chef@beta.de").await;
    let in_a = a.create_client("Paul (Alpha)", "paul@privat.de").await;
    let in_b = b.create_client("Paul (Beta)", "Paul@Privat.de").await;
    let stranger = b.create_client("Fremd", "fremd@privat.de").await;
    let token = request_link(&app, "paul@privat.de").await;
    let phone = app.anonymous();
    let out = ok(&phone, "open_magic_link", &[("token", &token)]).await;
    assert_eq!(out["SignedIn"], "/portal/choose");
    assert_eq!(ok(&phone, "portal_state", &[]).await, "Choose");
    let (s, _) = phone.call("portal_home", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "nothing before choosing");
    let choices = ok(&phone, "portal_choices", &[]).await;
    let names: Vec<_> = choices
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["firm_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Agentur Beta", "Kanzlei Alpha"]);
    let (s, _) = phone
        .call("choose_portal_client", &[("client_id", &stranger)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    ok(&phone, "choose_portal_client", &[("client_id", &in_b)]).await;
    let me = ok(&phone, "portal_state", &[]).await;
    assert_eq!(me["In"]["firm_name"], "Agentur Beta");
    assert_eq!(me["In"]["can_switch"], true);
    // Switching on: the other client of the same address.
    ok(&phone, "choose_portal_client", &[("client_id", &in_a)]).await;
    let me = ok(&phone, "portal_state", &[]).await;
    assert_eq!(me["In"]["client_name"], "Paul (Alpha)");
}

async fn secret_links_passwords_and_settings(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Vier", "chef@vier.de").await;
    let x = owner.create_client("Xandra", "xandra@vier.de").await;

    // Secret links are off by default.
    let (s, v) = owner.call("new_secret_link", &[("client_id", &x)]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = owner
        .call(
            "save_portal_settings",
            &[("grant", "all"), ("link_minutes", "15")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "no method at all: {v}");
    assert_eq!(error_kind(&v), "Invalid");
    let (s, _) = owner
        .call(
            "save_portal_settings",
            &[("magic", "on"), ("grant", "all"), ("link_minutes", "2")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "too short a validity");
    ok(
        &owner,
        "save_portal_settings",
        &[
            ("magic", "on"),
            ("secret", "on"),
            ("password", "on"),
            ("grant", "manual"),
            ("link_minutes", "15"),
        ],
    )
    .await;
    let url = ok(&owner, "new_secret_link", &[("client_id", &x)]).await;
    let url = url.as_str().unwrap().to_string();
    let path = &url[url.find("/portal/s/").unwrap()..];
    let browser = app.anonymous();
    let r = browser.get(path).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/portal");
    let me = ok(&browser, "portal_state", &[]).await;
    assert_eq!(me["In"]["client_name"], "Xandra");
    assert_eq!(me["In"]["can_switch"], false);
    assert_eq!(me["In"]["has_password"], false);

    // A password, set in the portal; then e-mail + password from another browser.
    let (s, v) = browser
        .call(
            "set_portal_password",
            &[("password", "kurz"), ("confirm", "kurz")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    ok(
        &browser,
        "set_portal_password",
        &[
            ("password", "ein-langes-passwort"),
            ("confirm", "ein-langes-passwort"),
        ],
    )
    .await;
    let laptop = app.anonymous();
    let (s, _) = laptop
        .call(
            "portal_password_login",
            &[("email", "xandra@vier.de"), ("password", "falsch-falsch")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    ok(
        &laptop,
        "portal_password_login",
        &[
            ("email", "XANDRA@vier.de"),
            ("password", "ein-langes-passwort"),
        ],
    )
    .await;
    let me = ok(&laptop, "portal_state", &[]).await;
    assert_eq!(me["In"]["client_name"], "Xandra");
    assert_eq!(
        me["In"]["has_password"], true,
        "the portal offers to change it"
    );
    assert_eq!(
        ok(&browser, "portal_state", &[]).await["In"]["has_password"],
        true
    );

    // A new secret link replaces the old one and ends the sessions opened with it.
    ok(&owner, "new_secret_link", &[("client_id", &x)]).await;
    let r = app.anonymous().get(path).await;
    assert_eq!(r.headers()["location"], "/portal/login?link=invalid");
    assert_eq!(ok(&browser, "portal_state", &[]).await, "SignedOut");
    assert_eq!(
        state_of(&ok(&laptop, "portal_state", &[]).await),
        "In",
        "the password session stays"
    );

    // Manual grant: a new client has no access until staff grant it.
    let newbie = owner.create_client("Neu", "neu@vier.de").await;
    let access = ok(&owner, "client_portal", &[("client_id", &newbie)]).await;
    assert_eq!(access["access"], false);
    assert!(request_link_without_job(&app, "neu@vier.de")
        .await
        .is_none());
    // Switching to "all clients" grants it to everyone.
    ok(
        &owner,
        "save_portal_settings",
        &[("magic", "on"), ("grant", "all"), ("link_minutes", "15")],
    )
    .await;
    let access = ok(&owner, "client_portal", &[("client_id", &newbie)]).await;
    assert_eq!(access["access"], true);
    // Secret links switched off: the link no longer opens anything.
    let fresh = ok(&owner, "portal_settings", &[]).await;
    assert_eq!(fresh["methods"]["secret"], false);
    let r = app.anonymous().get(path).await;
    assert_eq!(r.headers()["location"], "/portal/login?link=invalid");
    // Members without the firm permission cannot change the settings.
    let member = app.member(&owner, "m@vier.de", "member").await;
    let (s, _) = member
        .call(
            "save_portal_settings",
            &[("magic", "on"), ("grant", "manual"), ("link_minutes", "15")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// The portal home lists the newest files of each kind, with a link to all of them; the link
/// lists every file (server-rendered: it works before the page has hydrated).
async fn home_lists_the_newest_files_and_links_to_all(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Viele", "chef@viele.de").await;
    owner.create_client("Vera Viel", "vera@viel.de").await;
    let phone = portal_browser(&app, "vera@viel.de").await;
    let tus = Tus::portal(&phone);
    let n = kundenportal::portal::HOME_FILES + 2;
    for i in 1..=n {
        let loc = tus.create_ok(&format!("Beleg-{i:02}.pdf"), PDF.len()).await;
        tus.upload_all(&loc, PDF, PDF.len()).await;
    }
    let files = ok(&phone, "portal_files", &[]).await;
    let received = files["received"].as_array().unwrap();
    assert_eq!(received.len(), kundenportal::portal::HOME_FILES, "{files}");
    assert_eq!(files["received_total"], n, "{files}");
    assert_eq!(
        received[0]["name"],
        format!("Beleg-{n:02}.pdf"),
        "newest first"
    );
    let all = ok(&phone, "portal_files", &[("all", "true")]).await;
    assert_eq!(all["received"].as_array().unwrap().len(), n, "{all}");

    let home = phone.html("/portal").await;
    let newest = kundenportal::portal::HOME_FILES;
    assert_eq!(
        home.matches("data-testid=\"portal-file\"").count(),
        newest,
        "{home}"
    );
    assert!(
        home.contains(&format!("Alle {n} Dateien anzeigen")),
        "{home}"
    );
    assert!(
        home.contains("href=\"/portal?dateien=alle#h-mine\""),
        "{home}"
    );
    let whole = phone.html("/portal?dateien=alle").await;
    assert_eq!(whole.matches("data-testid=\"portal-file\"").count(), n);
    assert!(whole.contains("Beleg-01.pdf"));
    assert!(!whole.contains("portal-files-all"));
}

on_both_databases!(
    home_lists_the_newest_files_and_links_to_all,
    magic_links_sign_in_once_and_expire,
    link_requests_are_rate_limited,
    sessions_see_exactly_one_client,
    revoked_access_and_ended_sessions_stop_at_once,
    one_address_of_two_firms_chooses,
    secret_links_passwords_and_settings,
);

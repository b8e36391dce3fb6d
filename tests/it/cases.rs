//! Cases (Vorgänge): checklists, uploads per item, review, closing and the client's status,
//! links bound to a case, templates, and isolation between firms.

use crate::helpers::{error_kind, last_segment, Caller, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::{files_of, Tus};
use reqwest::StatusCode;
use serde_json::Value;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

async fn case(c: &Caller, id: &str) -> Value {
    ok(c, "get_case", &[("id", id)]).await
}

fn item<'a>(case: &'a Value, title: &str) -> &'a Value {
    case["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == title)
        .unwrap_or_else(|| panic!("no item {title} in {case}"))
}

async fn client_status(c: &Caller, client: &str) -> String {
    let d = ok(c, "get_client", &[("id", client)]).await;
    d["client"]["status"].as_str().unwrap().to_string()
}

/// Uploads `content` as `name` for an item through the link.
async fn upload_for_item(tus: &Tus, item_id: &str, name: &str, content: &[u8]) {
    let r = tus
        .create_with(name, content.len(), &[("item_id", item_id)])
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    tus.upload_all(&loc, content, 64 * 1024).await;
}

async fn a_case_is_collected_item_by_item_and_completes_the_client(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;

    // Bad input is refused next to its field.
    let (s, e) = owner.call("create_case", &[("client_id", &client)]).await;
    assert_eq!(
        (s, error_kind(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, "Invalid".into())
    );
    assert_eq!(e["Invalid"]["field"], "title", "{e}");
    let (s, e) = owner
        .call(
            "create_case",
            &[
                ("client_id", &client),
                ("title", "X"),
                ("due_on", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["Invalid"]["field"], "due_on", "{e}");
    let (s, e) = owner
        .call(
            "create_case",
            &[
                ("client_id", &client),
                ("title", "X"),
                ("responsible_id", "nobody"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["Invalid"]["field"], "responsible_id", "{e}");

    let case_id = ok(
        &owner,
        "create_case",
        &[
            ("client_id", &client),
            ("title", "Jahresabschluss 2025"),
            ("description", "Unterlagen für den Abschluss"),
            ("due_on", "2099-12-31"),
        ],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    for (title, required, types) in [
        ("Vollmacht", "1", ""),
        ("Kontoauszüge", "1", "pdf"),
        ("Sonstiges", "", ""),
    ] {
        let (s, e) = owner
            .call(
                "add_case_item",
                &[
                    ("case_id", &case_id),
                    ("title", title),
                    (
                        "explanation",
                        "Bitte unterschreiben Sie die angeforderte Vollmacht.",
                    ),
                    ("required", required),
                    ("allowed_types", types),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
    }
    let (s, e) = owner
        .call(
            "add_case_item",
            &[
                ("case_id", &case_id),
                ("title", "Y"),
                ("allowed_types", "*.exe"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["Invalid"]["field"], "allowed_types", "{e}");

    let c = case(&owner, &case_id).await;
    assert_eq!(c["summary"]["state"], "Open");
    assert_eq!(
        c["summary"]["progress"],
        serde_json::json!({"done": 0, "of": 2})
    );
    assert_eq!(
        c["missing"],
        serde_json::json!(["Vollmacht", "Kontoauszüge"])
    );
    assert_eq!(item(&c, "Sonstiges")["required"], false);
    let vollmacht = item(&c, "Vollmacht")["id"].as_str().unwrap().to_string();
    let konto = item(&c, "Kontoauszüge")["id"].as_str().unwrap().to_string();
    assert_eq!(item(&c, "Vollmacht")["state"], "Ausstehend");

    // Nothing uploaded, nothing to approve.
    let (s, _) = owner
        .call(
            "review_item",
            &[("item_id", &vollmacht), ("decision", "geprueft")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // A link bound to the case shows the checklist to the client.
    let (s, link) = owner
        .call(
            "create_upload_link",
            &[("client_id", &client), ("case_id", &case_id)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{link}");
    let token = last_segment(link["url"].as_str().unwrap());
    let public = ok(&app.anonymous(), "public_upload_link", &[("token", &token)]).await;
    assert_eq!(public["case"]["title"], "Jahresabschluss 2025");
    let titles: Vec<&str> = public["case"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Vollmacht", "Kontoauszüge", "Sonstiges"]);

    // The client uploads per item; the item's own types bind.
    let tus = Tus::new(&app.url, &token);
    upload_for_item(&tus, &vollmacht, "Vollmacht.pdf", PDF).await;
    let r = tus
        .create_with("Konto.docx", 100, &[("item_id", &konto)])
        .await;
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r.text().await.unwrap().contains("pdf"));
    let c = case(&owner, &case_id).await;
    assert_eq!(item(&c, "Vollmacht")["state"], "Hochgeladen");
    assert_eq!(item(&c, "Vollmacht")["files"][0]["name"], "Vollmacht.pdf");
    assert_eq!(client_status(&owner, &client).await, "Teilweise");

    // Rückfrage needs a comment, and the client sees it.
    let (s, e) = owner
        .call(
            "review_item",
            &[("item_id", &vollmacht), ("decision", "rueckfrage")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["Invalid"]["field"], "comment");
    ok(
        &owner,
        "review_item",
        &[
            ("item_id", &vollmacht),
            ("decision", "rueckfrage"),
            ("comment", "Bitte auch Seite 2 unterschreiben."),
        ],
    )
    .await;
    let public = ok(&app.anonymous(), "public_upload_link", &[("token", &token)]).await;
    let first = &public["case"]["items"][0];
    assert_eq!(first["state"], "Rueckfrage");
    assert_eq!(first["comment"], "Bitte auch Seite 2 unterschreiben.");
    // The answer moves it back to hochgeladen, the question answered.
    upload_for_item(&tus, &vollmacht, "Vollmacht.pdf", PDF).await;
    let c = case(&owner, &case_id).await;
    assert_eq!(item(&c, "Vollmacht")["state"], "Hochgeladen");
    assert_eq!(item(&c, "Vollmacht")["comment"], "");
    assert_eq!(item(&c, "Vollmacht")["files"].as_array().unwrap().len(), 2);
    ok(
        &owner,
        "review_item",
        &[("item_id", &vollmacht), ("decision", "geprueft")],
    )
    .await;

    // Closing says what is missing.
    let (s, e) = owner
        .call("change_case_state", &[("id", &case_id), ("to", "close")])
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(e.to_string().contains("Kontoauszüge"), "{e}");
    assert!(!e.to_string().contains("Vollmacht"), "{e}");

    // Staff attach a file the client sent without an item.
    let plain = Tus::new(&app.url, &token);
    let loc = plain.create_ok("Auszug-Januar.pdf", PDF.len()).await;
    plain.upload_all(&loc, PDF, 64 * 1024).await;
    let files = files_of(&owner, &client).await;
    let auszug = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Auszug-Januar.pdf")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = owner
        .call(
            "attach_item_file",
            &[("item_id", &konto), ("file_id", "nope")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    ok(
        &owner,
        "attach_item_file",
        &[("item_id", &konto), ("file_id", &auszug)],
    )
    .await;
    ok(
        &owner,
        "review_item",
        &[("item_id", &konto), ("decision", "geprueft")],
    )
    .await;
    let c = case(&owner, &case_id).await;
    assert_eq!(
        c["summary"]["progress"],
        serde_json::json!({"done": 2, "of": 2})
    );
    assert_eq!(c["missing"], serde_json::json!([]));

    // Closed: the client is complete; nothing can be added or uploaded for it.
    ok(
        &owner,
        "change_case_state",
        &[("id", &case_id), ("to", "close")],
    )
    .await;
    assert_eq!(case(&owner, &case_id).await["summary"]["state"], "Closed");
    assert_eq!(client_status(&owner, &client).await, "Vollstaendig");
    let (s, _) = owner
        .call(
            "add_case_item",
            &[("case_id", &case_id), ("title", "Nachtrag")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let r = tus
        .create_with("spät.pdf", 10, &[("item_id", &konto)])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let public = ok(&app.anonymous(), "public_upload_link", &[("token", &token)]).await;
    assert_eq!(public["case"]["closed"], true);

    // Reopening brings the client back to Teilweise; archiving works from there.
    ok(
        &owner,
        "change_case_state",
        &[("id", &case_id), ("to", "reopen")],
    )
    .await;
    assert_eq!(client_status(&owner, &client).await, "Teilweise");
    ok(
        &owner,
        "change_case_state",
        &[("id", &case_id), ("to", "archive")],
    )
    .await;
    let (s, _) = owner
        .call("change_case_state", &[("id", &case_id), ("to", "close")])
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let list = ok(&owner, "list_cases", &[("client_id", &client)]).await;
    assert_eq!(list[0]["state"], "Archived");

    // Closing one case of two leaves the client as it is.
    let second = ok(
        &owner,
        "create_case",
        &[("client_id", &client), ("title", "Lohn 2026")],
    )
    .await;
    let third = ok(
        &owner,
        "create_case",
        &[("client_id", &client), ("title", "Umsatzsteuer")],
    )
    .await;
    ok(
        &owner,
        "change_case_state",
        &[("id", second.as_str().unwrap()), ("to", "close")],
    )
    .await;
    assert_eq!(client_status(&owner, &client).await, "Teilweise");
    ok(
        &owner,
        "change_case_state",
        &[("id", third.as_str().unwrap()), ("to", "close")],
    )
    .await;
    assert_eq!(client_status(&owner, &client).await, "Vollstaendig");
}

async fn another_firm_sees_and_touches_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let a = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let b = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let client_a = a.create_client("Schmidt AG", "").await;
    let client_b = b.create_client("Meier GmbH", "").await;
    let case_a = ok(
        &a,
        "create_case",
        &[("client_id", &client_a), ("title", "Geheim")],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    let item_a = ok(
        &a,
        "add_case_item",
        &[
            ("case_id", &case_a),
            ("title", "Vollmacht"),
            ("required", "1"),
        ],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    ok(
        &a,
        "save_case_template",
        &[("case_id", &case_a), ("name", "Vorlage A")],
    )
    .await;

    for (endpoint, form) in [
        ("get_case", vec![("id", case_a.as_str())]),
        ("list_cases", vec![("client_id", client_a.as_str())]),
        (
            "create_case",
            vec![("client_id", client_a.as_str()), ("title", "X")],
        ),
        (
            "add_case_item",
            vec![("case_id", case_a.as_str()), ("title", "X")],
        ),
        (
            "review_item",
            vec![
                ("item_id", item_a.as_str()),
                ("decision", "rueckfrage"),
                ("comment", "?"),
            ],
        ),
        ("delete_case_item", vec![("item_id", item_a.as_str())]),
        (
            "change_case_state",
            vec![("id", case_a.as_str()), ("to", "archive")],
        ),
        (
            "set_case_reminders",
            vec![("id", case_a.as_str()), ("paused", "1")],
        ),
        (
            "save_case_template",
            vec![("case_id", case_a.as_str()), ("name", "Kopie")],
        ),
        (
            "update_case",
            vec![("id", case_a.as_str()), ("title", "Übernommen")],
        ),
    ] {
        let (s, e) = b.call(endpoint, &form).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{endpoint}: {e}");
    }
    // B's link cannot be bound to A's case, nor its uploads aimed at A's item.
    let (s, e) = b
        .call(
            "create_upload_link",
            &[("client_id", &client_b), ("case_id", &case_a)],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (_, link) = b
        .call("create_upload_link", &[("client_id", &client_b)])
        .await;
    let tus = Tus::new(&app.url, &last_segment(link["url"].as_str().unwrap()));
    let r = tus.create_with("x.pdf", 10, &[("item_id", &item_a)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // B sees none of A's templates; A's case is untouched.
    assert_eq!(ok(&b, "list_templates", &[]).await, serde_json::json!([]));
    let c = case(&a, &case_a).await;
    assert_eq!(c["summary"]["title"], "Geheim");
    assert_eq!(c["items"].as_array().unwrap().len(), 1);
    assert_eq!(c["summary"]["state"], "Open");
}

async fn templates_start_cases_for_one_or_many_clients(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let c1 = owner.create_client("Anna Muster", "").await;
    let c2 = owner.create_client("Bernd Beispiel", "").await;
    let c3 = owner.create_client("Clara Probe", "").await;
    let source = ok(
        &owner,
        "create_case",
        &[
            ("client_id", &c1),
            ("title", "Einkommensteuer 2025"),
            ("description", "ESt"),
        ],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    for (title, required) in [("Lohnsteuerbescheinigung", "1"), ("Spendenquittungen", "")] {
        ok(
            &owner,
            "add_case_item",
            &[
                ("case_id", &source),
                ("title", title),
                ("required", required),
                ("allowed_types", "pdf"),
            ],
        )
        .await;
    }
    ok(
        &owner,
        "save_case_template",
        &[("case_id", &source), ("name", "Einkommensteuer")],
    )
    .await;
    let (s, e) = owner
        .call(
            "save_case_template",
            &[("case_id", &source), ("name", "EINKOMMENSTEUER")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["Invalid"]["field"], "name");
    let templates = ok(&owner, "list_templates", &[]).await;
    assert_eq!(templates[0]["name"], "Einkommensteuer");
    assert_eq!(
        templates[0]["item_titles"],
        serde_json::json!(["Lohnsteuerbescheinigung", "Spendenquittungen"])
    );
    let tid = templates[0]["id"].as_str().unwrap().to_string();

    // One client: the template's title when none is given, its checklist.
    let one = ok(
        &owner,
        "create_case",
        &[("client_id", &c2), ("template_id", &tid)],
    )
    .await;
    let c = case(&owner, one.as_str().unwrap()).await;
    assert_eq!(c["summary"]["title"], "Einkommensteuer 2025");
    assert_eq!(c["description"], "ESt");
    assert_eq!(
        item(&c, "Lohnsteuerbescheinigung")["allowed_types"],
        serde_json::json!(["pdf"])
    );
    assert_eq!(item(&c, "Spendenquittungen")["required"], false);

    // Many clients at once (the form's checkboxes), all or nothing.
    let other = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let foreign = other.create_client("Fremd", "").await;
    let (s, _) = owner
        .call(
            "start_template",
            &[
                ("template_id", &tid),
                ("client_ids[]", &c3),
                ("client_ids[]", &foreign),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        ok(&owner, "list_cases", &[("client_id", &c3)]).await,
        serde_json::json!([])
    );
    let (s, e) = owner.call("start_template", &[("template_id", &tid)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let n = ok(
        &owner,
        "start_template",
        &[
            ("template_id", &tid),
            ("client_ids[]", &c1),
            ("client_ids[]", &c3),
            ("due_on", "2099-05-31"),
        ],
    )
    .await;
    assert_eq!(n, 2);
    for client in [&c1, &c3] {
        let list = ok(&owner, "list_cases", &[("client_id", client)]).await;
        let started = list
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["title"] == "Einkommensteuer 2025" && c["due_at"].is_number())
            .unwrap_or_else(|| panic!("no started case in {list}"));
        assert_eq!(started["progress"], serde_json::json!({"done": 0, "of": 1}));
    }
    ok(&owner, "delete_template", &[("id", &tid)]).await;
    assert_eq!(
        ok(&owner, "list_templates", &[]).await,
        serde_json::json!([])
    );
}

async fn a_protected_link_shows_its_checklist_only_with_the_password(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let client = owner.create_client("Schmidt AG", "").await;
    let case_id = ok(
        &owner,
        "create_case",
        &[("client_id", &client), ("title", "Mietvertrag")],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    ok(
        &owner,
        "add_case_item",
        &[
            ("case_id", &case_id),
            ("title", "Gehaltsnachweis"),
            ("required", "1"),
        ],
    )
    .await;
    let link = ok(
        &owner,
        "create_upload_link",
        &[
            ("client_id", &client),
            ("case_id", &case_id),
            ("password", "geheim123"),
        ],
    )
    .await;
    let token = last_segment(link["url"].as_str().unwrap());
    let anon = app.anonymous();
    for pw in [None, Some("falsch")] {
        let mut form = vec![("token", token.as_str())];
        if let Some(p) = pw {
            form.push(("password", p));
        }
        let p = ok(&anon, "public_upload_link", &form).await;
        assert_eq!(
            (p["case"].clone(), p["case_locked"].clone()),
            (Value::Null, Value::Bool(true))
        );
    }
    let p = ok(
        &anon,
        "public_upload_link",
        &[("token", &token), ("password", "geheim123")],
    )
    .await;
    assert_eq!(p["case_locked"], false);
    assert_eq!(p["case"]["items"][0]["title"], "Gehaltsnachweis");
}

/// Retention: archived cases past the firm's period are deleted with their files (blobs too)
/// and conversation — only after the owners' warning mail is a week old; a case reopened in
/// that week stays; other cases are untouched.
async fn archived_cases_are_deleted_after_the_retention_period(db: Db) {
    use kundenportal::cases::retention;
    const DAY: i64 = 86_400_000;
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Frist", "chef@frist.de").await;
    let x = owner.create_client("Xaver Frist", "xaver@frist.de").await;
    let new_case = |title: &'static str| {
        let (owner, x) = (&owner, &x);
        async move {
            let id = ok(owner, "create_case", &[("client_id", x), ("title", title)]).await;
            id.as_str().unwrap().to_string()
        }
    };
    let (old, kept, open) = (
        new_case("ESt 2019").await,
        new_case("ESt 2020").await,
        new_case("ESt 2025").await,
    );
    let item = ok(
        &owner,
        "add_case_item",
        &[("case_id", &old), ("title", "Belege")],
    )
    .await;
    let link = ok(
        &owner,
        "create_upload_link",
        &[("client_id", &x), ("case_id", &old)],
    )
    .await;
    let tus = Tus::new(&app.url, &last_segment(link["url"].as_str().unwrap()));
    upload_for_item(&tus, item.as_str().unwrap(), "Belege.pdf", PDF).await;
    let file_id: String = sqlx::query_scalar("SELECT id FROM files")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    for c in [&old, &kept] {
        ok(&owner, "change_case_state", &[("id", c), ("to", "archive")]).await;
    }
    let (s, v) = owner
        .call("save_retention", &[("retention_months", "500")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    ok(&owner, "save_retention", &[("retention_months", "12")]).await;
    let now = kundenportal::server::db::now_ms();
    // Nothing is old enough yet.
    assert_eq!(
        retention::scan(&app.state, now).await.unwrap(),
        retention::Scan::default()
    );
    sqlx::query("UPDATE cases SET closed_at = $1 WHERE id IN ($2, $3)")
        .bind(now - 400 * DAY)
        .bind(&old)
        .bind(&kept)
        .execute(&app.state.db)
        .await
        .unwrap();

    // First the warning, once, by mail to the owner; nothing deleted.
    let scan = retention::scan(&app.state, now).await.unwrap();
    assert_eq!((scan.warned, scan.deleted), (2, 0));
    assert_eq!(
        retention::scan(&app.state, now).await.unwrap(),
        retention::Scan::default()
    );
    kundenportal::server::jobs::run_due(&app.state, now)
        .await
        .unwrap();
    let mails: Vec<String> = crate::helpers::outbox_texts(&app)
        .into_iter()
        .filter(|m| m.contains("Aufbewahrungsfrist"))
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].to_lowercase().contains("to: chef@frist.de"));
    assert!(
        mails[0].contains("Xaver Frist")
            && mails[0].contains("ESt 2019")
            && mails[0].contains("ESt 2020"),
        "{}",
        mails[0]
    );
    // A case reopened during the week is kept.
    ok(
        &owner,
        "change_case_state",
        &[("id", &kept), ("to", "reopen")],
    )
    .await;
    assert_eq!(
        retention::scan(&app.state, now + 6 * DAY)
            .await
            .unwrap()
            .deleted,
        0
    );

    let scan = retention::scan(&app.state, now + 8 * DAY).await.unwrap();
    assert_eq!(scan.deleted, 1);
    assert_eq!(
        owner.call("get_case", &[("id", &old)]).await.0,
        StatusCode::NOT_FOUND
    );
    for c in [&kept, &open] {
        assert_eq!(owner.call("get_case", &[("id", c)]).await.0, StatusCode::OK);
    }
    let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(files, 0);
    let blob = app.blob_path(&app.org_of_client(&x).await, &file_id);
    assert!(!blob.exists(), "the sealed file is gone from the disk");
    let msgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE conv = $1")
        .bind(&old)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(msgs, 0, "the case's conversation goes with it");
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'case.retention_deleted'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(detail, "1 files");
}

on_both_databases!(
    archived_cases_are_deleted_after_the_retention_period,
    a_case_is_collected_item_by_item_and_completes_the_client,
    another_firm_sees_and_touches_nothing,
    templates_start_cases_for_one_or_many_clients,
    a_protected_link_shows_its_checklist_only_with_the_password,
);

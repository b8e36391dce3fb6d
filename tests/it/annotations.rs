//! Visual annotations: PDF pages rendered on the server, pins placed by the client and seen by
//! staff at the same relative spot, answered, resolved and reopened; a new version shows the
//! previous version's open pins; corrupt and hostile PDFs (page-count and page-size bombs) are
//! refused for preview within the time limit while the server keeps answering; nobody else
//! reads or marks anything.

use crate::helpers::{audit_actions, last_segment, Caller, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::Tus;
use reqwest::StatusCode;
use serde_json::Value;

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

/// A PDF with one blank page of each size (in points).
pub fn pdf(pages: &[(u32, u32)]) -> Vec<u8> {
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            (0..pages.len())
                .map(|i| format!("{} 0 R", i + 3))
                .collect::<Vec<_>>()
                .join(" "),
            pages.len()
        ),
    ];
    for (w, h) in pages {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] >>"
        ));
    }
    let mut body = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(body.len());
        body.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = body.len();
    body.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        body.extend(format!("{o:010} 00000 n \n").bytes());
    }
    body.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    body
}

/// Sends `bytes` as `name` to the client (staff upload); the file's id.
pub async fn send(owner: &Caller, client: &str, name: &str, bytes: &[u8]) -> String {
    let tus = Tus::staff(owner);
    let r = tus
        .create_with(name, bytes.len(), &[("client_id", client)])
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    tus.upload_all(&loc, bytes, 64 * 1024).await;
    last_segment(&loc)
}

fn spot(pin: &Value) -> (i64, i64, i64) {
    let s = &pin["spot"];
    (
        s["page"].as_i64().unwrap(),
        s["x"].as_i64().unwrap(),
        s["y"].as_i64().unwrap(),
    )
}

async fn clients_and_staff_mark_pdf_pages(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Agentur A", "a@agentur-a.de").await;
    let client = owner.create_client("Bäckerei Brot", "info@brot.de").await;
    let v1 = send(
        &owner,
        &client,
        "Flyer.pdf",
        &pdf(&[(595, 842), (595, 842)]),
    )
    .await;

    // Staff: two pages, each an image rendered on the server; no third page.
    let review = ok(&owner, "load_review", &[("file_id", &v1)]).await;
    assert_eq!(
        (review["kind"].as_str(), review["pages"].as_i64()),
        (Some("Pdf"), Some(2))
    );
    let page = owner.get(&format!("/api/files/{v1}/pages/2")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "image/png");
    assert!(page.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let none = owner.get(&format!("/api/files/{v1}/pages/3")).await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(none.text().await.unwrap(), "Vorschau nicht verfügbar");

    // The client pins a comment on page 2; a spot off the page and an empty comment are refused.
    let phone = crate::portal::portal_browser(&app, "info@brot.de").await;
    let seen = ok(&phone, "portal_review", &[("file_id", &v1)]).await;
    assert_eq!(seen["pages"], 2);
    let page = phone.get(&format!("/api/portal/files/{v1}/pages/2")).await;
    assert_eq!(page.status(), StatusCode::OK);
    for (form, field) in [
        (
            vec![("page", "2"), ("x", "1000001"), ("y", "5"), ("text", "x")],
            "x",
        ),
        (
            vec![("page", "0"), ("x", "5"), ("y", "5"), ("text", "x")],
            "x",
        ),
        (
            vec![("page", "2"), ("x", "5"), ("y", "5"), ("text", " ")],
            "text",
        ),
    ] {
        let mut form = form;
        form.push(("file_id", &v1));
        let (s, e) = phone.call("portal_add_pin", &form).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["Invalid"]["field"], field);
    }
    let pin = ok(
        &phone,
        "portal_add_pin",
        &[
            ("file_id", &v1),
            ("page", "2"),
            ("x", "250000"),
            ("y", "500000"),
            ("text", "Das Logo bitte größer."),
        ],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    let rect = ok(
        &phone,
        "portal_add_pin",
        &[
            ("file_id", &v1),
            ("page", "1"),
            ("x", "600000"),
            ("y", "700000"),
            ("x2", "100000"),
            ("y2", "200000"),
            ("text", "Dieser Absatz fehlt."),
        ],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();

    // The chat says so, with a link to the marking view of each side.
    let chat = ok(&phone, "portal_chat", &[]).await.to_string();
    assert!(chat.contains("Neue Markierung an Flyer.pdf:"), "{chat}");
    assert!(
        chat.contains(&format!("/portal/files/{v1}/review")),
        "{chat}"
    );
    let staff_chat = ok(&owner, "chat", &[("client_id", &client)])
        .await
        .to_string();
    assert!(
        staff_chat.contains(&format!("/files/{v1}/review")),
        "{staff_chat}"
    );
    assert!(!staff_chat.contains("/portal/files/"), "{staff_chat}");

    // Staff see it at the same spot, answer and resolve; the client reopens.
    let review = ok(&owner, "load_review", &[("file_id", &v1)]).await;
    let pins = review["pins"].as_array().unwrap();
    assert_eq!(pins.len(), 2);
    assert_eq!(spot(&pins[0]), (2, 250_000, 500_000));
    assert_eq!(pins[0]["text"], "Das Logo bitte größer.");
    assert_eq!(pins[0]["by_client"], true);
    assert_eq!(
        (pins[1]["spot"]["w"].as_i64(), pins[1]["spot"]["h"].as_i64()),
        (Some(500_000), Some(500_000))
    );
    let notes = ok(&owner, "list_notifications", &[]).await;
    assert!(notes.to_string().contains("PinActivity"), "{notes}");
    ok(
        &owner,
        "reply_pin",
        &[("pin_id", &pin), ("text", "Wird gemacht.")],
    )
    .await;
    ok(
        &owner,
        "set_pin_state",
        &[("pin_id", &pin), ("state", "resolved")],
    )
    .await;
    ok(
        &owner,
        "set_pin_state",
        &[("pin_id", &rect), ("state", "resolved")],
    )
    .await;
    let seen = ok(&phone, "portal_review", &[("file_id", &v1)]).await;
    assert_eq!(seen["pins"][0]["replies"][0]["text"], "Wird gemacht.");
    assert_eq!(seen["pins"][0]["state"], "Resolved");
    assert_eq!(seen["pins"][0]["resolved_by"], "Owner");
    // The client hears of the answer and the resolution in the chat, and by one mail for both.
    kundenportal::server::jobs::run_due(&app.state, kundenportal::server::db::now_ms())
        .await
        .unwrap();
    let told: Vec<String> = crate::helpers::outbox_texts(&app)
        .into_iter()
        .filter(|m| m.to_lowercase().contains("to: info@brot.de"))
        .filter(|m| m.contains("neue Nachricht von Agentur A"))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    let chat = ok(&phone, "portal_chat", &[]).await.to_string();
    assert!(
        chat.contains("Antwort an einer Markierung auf Flyer.pdf:"),
        "{chat}"
    );
    assert!(
        chat.contains("Markierung auf Flyer.pdf erledigt:"),
        "{chat}"
    );
    ok(
        &phone,
        "portal_set_pin_state",
        &[("pin_id", &pin), ("state", "open")],
    )
    .await;
    ok(
        &phone,
        "portal_reply_pin",
        &[("pin_id", &pin), ("text", "Noch nicht groß genug.")],
    )
    .await;

    // Approving the file with a mark still open asks first; the decision records it.
    let approval = ok(
        &owner,
        "request_approval",
        &[("client_id", &client), ("file_id", &v1)],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    let (s, e) = phone
        .call(
            "decide_approval",
            &[("id", &approval), ("decision", "approve")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("Markierungen offen (1)"), "{e}");
    ok(
        &phone,
        "decide_approval",
        &[("id", &approval), ("decision", "approve"), ("confirm", "1")],
    )
    .await;
    let history = ok(&owner, "list_approvals", &[("client_id", &client)]).await;
    assert_eq!(history[0]["state"], "Approved");
    assert_eq!(history[0]["open_pins"], 1);

    // Version 2 starts clean and shows v1's open pin beside it (the resolved one stays behind).
    let v2 = send(
        &owner,
        &client,
        "Flyer.pdf",
        &pdf(&[(595, 842), (595, 842)]),
    )
    .await;
    let seen = ok(&phone, "portal_review", &[("file_id", &v2)]).await;
    assert_eq!(seen["version"], 2);
    assert!(seen["pins"].as_array().unwrap().is_empty());
    let carried = seen["carried"].as_array().unwrap();
    assert_eq!(carried.len(), 1, "{seen}");
    assert_eq!(carried[0]["id"], pin.as_str());
    assert_eq!(carried[0]["version"], 1);

    // Images are marked as they are; other files cannot be marked.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa75\x81\x84\0\0\0\0IEND\xaeB`\x82";
    let image = send(&owner, &client, "Logo.png", png).await;
    let review = ok(&owner, "load_review", &[("file_id", &image)]).await;
    assert_eq!(
        (review["kind"].as_str(), review["pages"].as_i64()),
        (Some("Image"), Some(1))
    );
    let shown = owner.get(&format!("/api/files/{image}/pages/1")).await;
    assert_eq!(shown.headers()["content-type"], "image/png");
    assert_eq!(shown.bytes().await.unwrap().as_ref(), png);
    let text = send(&owner, &client, "Notiz.txt", b"Hallo").await;
    let (s, e) = owner.call("load_review", &[("file_id", &text)]).await;
    assert_eq!(
        (s, e["Invalid"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("file_id"))
    );

    // Nobody else: another client of the firm, another firm.
    owner.create_client("Andere KG", "info@andere.de").await;
    let other = crate::portal::portal_browser(&app, "info@andere.de").await;
    for (endpoint, form) in [
        ("portal_review", vec![("file_id", v1.as_str())]),
        (
            "portal_reply_pin",
            vec![("pin_id", pin.as_str()), ("text", "x")],
        ),
        (
            "portal_set_pin_state",
            vec![("pin_id", pin.as_str()), ("state", "resolved")],
        ),
        (
            "portal_add_pin",
            vec![
                ("file_id", v1.as_str()),
                ("page", "1"),
                ("x", "1"),
                ("y", "1"),
                ("text", "x"),
            ],
        ),
    ] {
        assert_eq!(
            other.call(endpoint, &form).await.0,
            StatusCode::NOT_FOUND,
            "{endpoint}"
        );
    }
    assert_eq!(
        other
            .get(&format!("/api/portal/files/{v1}/pages/1"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let firm_b = app.firm("Agentur B", "b@agentur-b.de").await;
    for (endpoint, form) in [
        ("load_review", vec![("file_id", v1.as_str())]),
        ("reply_pin", vec![("pin_id", pin.as_str()), ("text", "x")]),
        (
            "set_pin_state",
            vec![("pin_id", pin.as_str()), ("state", "resolved")],
        ),
    ] {
        assert_eq!(
            firm_b.call(endpoint, &form).await.0,
            StatusCode::NOT_FOUND,
            "{endpoint}"
        );
    }
    let actions = audit_actions(&app, "pin.%").await;
    for a in ["pin.added", "pin.replied", "pin.resolved", "pin.reopened"] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }
}

on_both_databases!(clients_and_staff_mark_pdf_pages);

async fn hostile_pdfs_get_no_preview_and_the_server_keeps_answering(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Agentur A", "a@agentur-a.de").await;
    let client = owner.create_client("Bäckerei Brot", "info@brot.de").await;
    let corrupt = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let many: Vec<(u32, u32)> = vec![(200, 300); 600];
    let cases = [
        ("Kaputt.pdf", corrupt.to_vec()),
        ("Viele Seiten.pdf", pdf(&many)),
        ("Riesenseite.pdf", pdf(&[(200_000, 200_000)])),
    ];
    let http = crate::helpers::http()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    for (name, bytes) in cases {
        let id = send(&owner, &client, name, &bytes).await;
        // While the preview is tried, the server keeps answering other requests.
        let health = http.get(format!("{}/healthz", app.url)).send();
        let form = [("file_id", id.as_str())];
        let review = owner.call("load_review", &form);
        let (health, (s, review)) = tokio::join!(health, review);
        assert_eq!(health.unwrap().status(), StatusCode::OK);
        assert_eq!(s, StatusCode::OK, "{name}: {review}");
        assert_eq!(review["pages"], 0, "{name}: no preview");
        let page = owner.get(&format!("/api/files/{id}/pages/1")).await;
        assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(page.text().await.unwrap(), "Vorschau nicht verfügbar");
        // Remembered: asked again, it is refused from the cache.
        let again = ok(&owner, "load_review", &[("file_id", &id)]).await;
        assert_eq!(again["pages"], 0);
    }
    // The original is untouched and still downloads as it was sent.
    let id = send(&owner, &client, "Kaputt2.pdf", corrupt).await;
    ok(&owner, "load_review", &[("file_id", &id)]).await;
    let down = owner.get(&format!("/api/files/{id}/download")).await;
    assert_eq!(down.bytes().await.unwrap().as_ref(), corrupt);
}

on_both_databases!(hostile_pdfs_get_no_preview_and_the_server_keeps_answering);

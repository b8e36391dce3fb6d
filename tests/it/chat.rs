//! Chat between staff and a client: both directions, sealed at rest, stored once per
//! idempotency key, unread counts per participant, conversations per case (another client's
//! case is not found), system messages for requests, uploads, scans and reviews, no HTML
//! injection, file attachments through the secure upload path, and the portal's live stream
//! carrying only the client's own events.

use crate::helpers::{Db, TestApp};
use crate::on_both_databases;
use crate::portal::{ok, portal_browser, PDF};
use crate::uploads::Tus;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;

fn texts(conv: &Value) -> Vec<String> {
    conv["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

async fn staff_and_client_talk(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Chat", "chef@chat.de").await;
    let x = owner.create_client("Xaver Chat", "xaver@chat.de").await;
    let other = owner.create_client("Olli Anders", "olli@chat.de").await;
    let phone = portal_browser(&app, "xaver@chat.de").await;

    // Staff write; the same idempotency key twice is one message.
    let text = "Guten Tag! <script>alert(1)</script> Details: https://example.com/info.";
    let form = [("client_id", x.as_str()), ("text", text), ("idem", "k-1")];
    let first = ok(&owner, "send_message", &form).await;
    let again = ok(&owner, "send_message", &form).await;
    assert_eq!(first, again);
    assert_eq!(ok(&phone, "portal_unread", &[]).await, 1);
    let conv = ok(&phone, "portal_chat", &[]).await;
    assert_eq!(texts(&conv), [text]);
    assert_eq!(conv["messages"][0]["author"], "Staff");
    assert_eq!(conv["messages"][0]["author_name"], "Owner");
    assert_eq!(conv["messages"][0]["mine"], false);
    assert_eq!(ok(&phone, "portal_unread", &[]).await, 0, "read by opening");
    // The page shows the text as text and the address as a link (the staff page renders it
    // on the server; the portal renders the same chat panel after its first paint).
    let html = owner.html(&format!("/clients/{x}")).await;
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("href=\"https://example.com/info\""), "{html}");

    // The client answers (a retried send stays one message).
    for _ in 0..2 {
        ok(
            &phone,
            "portal_send",
            &[("text", "Danke, kommt!"), ("idem", "c-1")],
        )
        .await;
    }
    let unread = ok(&owner, "chat_unread", &[]).await;
    assert_eq!(unread["total"], 1, "{unread}");
    let list = ok(&owner, "list_clients", &[]).await;
    let row = |id: &str| {
        list["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(row(&x)["unread"], 1);
    assert_eq!(row(&other)["unread"], 0);
    let conv = ok(&owner, "chat", &[("client_id", &x)]).await;
    assert_eq!(texts(&conv), [text, "Danke, kommt!"]);
    assert_eq!(conv["messages"][0]["mine"], true);
    assert_eq!(ok(&owner, "chat_unread", &[]).await["total"], 0);
    // Another member has not read it.
    let member = app.member(&owner, "m@chat.de", "member").await;
    assert_eq!(ok(&member, "chat_unread", &[]).await["total"], 1);

    // Sealed at rest.
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM messages")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(bodies.len(), 2);
    for b in &bodies {
        assert!(!b.contains("Danke") && !b.contains("Guten"), "{b}");
    }

    // Bad input is refused with a message.
    let (s, v) = phone.call("portal_send", &[("text", "   ")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let long = "x".repeat(4001);
    let (s, _) = owner
        .call("send_message", &[("client_id", &x), ("text", &long)])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn cases_have_conversations_with_system_messages(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Vorgang", "chef@vorgang.de").await;
    let x = owner.create_client("Xenia", "xenia@vorgang.de").await;
    let y = owner.create_client("Yann", "yann@vorgang.de").await;
    let case = ok(
        &owner,
        "create_case",
        &[("client_id", &x), ("title", "ESt 2025")],
    )
    .await;
    let case = case.as_str().unwrap().to_string();
    let item = ok(
        &owner,
        "add_case_item",
        &[
            ("case_id", &case),
            ("title", "Vollmacht"),
            ("required", "on"),
        ],
    )
    .await;
    let item = item.as_str().unwrap().to_string();
    let y_case = ok(&owner, "create_case", &[("client_id", &y), ("title", "Y")]).await;
    let y_case = y_case.as_str().unwrap().to_string();

    let phone = portal_browser(&app, "xenia@vorgang.de").await;
    let conv = ok(&phone, "portal_chat", &[("case_id", &case)]).await;
    assert_eq!(texts(&conv), ["Neues Dokument angefordert: Vollmacht"]);
    assert_eq!(conv["messages"][0]["author"], "SystemFirm");
    // The general conversation is separate; the switcher lists the case.
    let general = ok(&phone, "portal_chat", &[]).await;
    assert!(texts(&general).is_empty());
    assert_eq!(general["cases"][0][0], case.as_str());
    // Another client's case: not found, on both sides.
    let (s, _) = phone.call("portal_chat", &[("case_id", &y_case)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = phone
        .call("portal_send", &[("case_id", &y_case), ("text", "x")])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = owner
        .call("chat", &[("client_id", &x), ("case_id", &y_case)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The upload for the item writes into the case's conversation.
    let tus = Tus::portal(&phone);
    let r = tus
        .create_with("Vollmacht.pdf", PDF.len(), &[("item_id", &item)])
        .await;
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    tus.upload_all(&loc, PDF, PDF.len()).await;
    let conv = ok(&owner, "chat", &[("client_id", &x), ("case_id", &case)]).await;
    assert_eq!(
        texts(&conv),
        [
            "Neues Dokument angefordert: Vollmacht",
            "Dokument ist hochgeladen: Vollmacht.pdf",
            "Dokumenten-Upload validiert, Datei-Scan freigegeben: Vollmacht.pdf",
        ]
    );
    // The review reaches the client.
    ok(
        &owner,
        "review_item",
        &[
            ("item_id", &item),
            ("decision", "rueckfrage"),
            ("comment", "Bitte unterschreiben."),
        ],
    )
    .await;
    assert_eq!(ok(&phone, "portal_unread", &[]).await, 1);
    let conv = ok(&phone, "portal_chat", &[("case_id", &case)]).await;
    assert_eq!(
        texts(&conv).last().unwrap(),
        "Rückfrage zu Vollmacht: Bitte unterschreiben."
    );
    // The client's own upload does not count as unread for them; it does for staff.
    assert_eq!(ok(&phone, "portal_unread", &[]).await, 0);
    let member = app.member(&owner, "m@vorgang.de", "member").await;
    assert_eq!(ok(&member, "chat_unread", &[]).await["total"], 2);
}

async fn portal_stream_carries_own_events_only(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Live", "chef@live.de").await;
    let x = owner.create_client("Xia", "xia@live.de").await;
    let y = owner.create_client("Yul", "yul@live.de").await;
    let phone = portal_browser(&app, "xia@live.de").await;
    let (s, _) = app.anonymous().call("portal_chat", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let r = app.anonymous().get("/api/portal/events").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = phone
        .http
        .get(format!("{}/api/portal/events", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut body = r.bytes_stream();
    // Another client's message first, then this client's.
    ok(
        &owner,
        "send_message",
        &[("client_id", &y), ("text", "für Yul")],
    )
    .await;
    let id = ok(
        &owner,
        "send_message",
        &[("client_id", &x), ("text", "für Xia")],
    )
    .await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !seen.contains(id.as_str().unwrap()) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("the message event within 5 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("\"kind\":\"message\""), "{seen}");
    assert!(!seen.contains(&y), "another client's event leaked: {seen}");
}

/// Uploads `content` through tus and returns the upload's (= file's) id.
async fn attach(tus: &Tus, name: &str, content: &[u8], meta: &[(&str, &str)]) -> String {
    let r = tus.create_with(name, content.len(), meta).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    tus.upload_all(&loc, content, content.len()).await;
    loc.rsplit('/').next().unwrap().to_string()
}

async fn attachments_take_the_secure_upload_path(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Anhang", "chef@anhang.de").await;
    let x = owner.create_client("Xaver Anhang", "xaver@anhang.de").await;
    let y = owner.create_client("Yara Anhang", "yara@anhang.de").await;
    let case = ok(
        &owner,
        "create_case",
        &[("client_id", &x), ("title", "ESt")],
    )
    .await;
    let case = case.as_str().unwrap().to_string();
    let y_case = ok(&owner, "create_case", &[("client_id", &y), ("title", "Y")]).await;
    let y_case = y_case.as_str().unwrap().to_string();
    let phone = portal_browser(&app, "xaver@anhang.de").await;

    // The client attaches a file to the general conversation: one message of theirs carrying
    // it (not "uploaded" from the app), then the check's verdict.
    let from_client = attach(&Tus::portal(&phone), "Beleg.pdf", PDF, &[("chat", "")]).await;
    let conv = ok(&owner, "chat", &[("client_id", &x)]).await;
    let msgs = conv["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2, "{conv}");
    assert_eq!(msgs[0]["author"], "Client");
    assert_eq!(msgs[0]["author_name"], "Xaver Anhang");
    assert_eq!(msgs[0]["text"], "");
    assert_eq!(msgs[0]["file"]["id"], from_client.as_str());
    assert_eq!(msgs[0]["file"]["name"], "Beleg.pdf");
    assert_eq!(msgs[0]["file"]["blocked"], false);
    assert_eq!(
        msgs[1]["text"],
        "Dokumenten-Upload validiert, Datei-Scan freigegeben: Beleg.pdf"
    );
    let mine = ok(&phone, "portal_chat", &[]).await;
    assert_eq!(mine["messages"][0]["mine"], true, "{mine}");
    // Staff download it like any received file; the bell and unread count know of it.
    let r = owner
        .get(&format!("/api/files/{from_client}/download"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    let member = app.member(&owner, "m@anhang.de", "member").await;
    assert_eq!(ok(&member, "chat_unread", &[]).await["total"], 2);

    // Staff attach a file to the case's conversation; the client downloads it in the portal.
    let from_staff = attach(
        &Tus::staff(&owner),
        "Bescheid.pdf",
        PDF,
        &[("client_id", &x), ("chat", &case)],
    )
    .await;
    let conv = ok(&phone, "portal_chat", &[("case_id", &case)]).await;
    let last = conv["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["author"], "Staff", "{conv}");
    assert_eq!(last["author_name"], "Owner");
    assert_eq!(last["file"]["id"], from_staff.as_str());
    let r = phone.get(&format!("/api/portal/files/{from_staff}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    let page = owner.html(&format!("/clients/{x}")).await;
    assert!(page.contains("data-testid=\"chat-attach\""), "{page}");

    // A file that fails the checks is shown as held back, and nobody can download it.
    let bad = attach(
        &Tus::portal(&phone),
        "Rechnung.pdf",
        b"MZ\x90\x00 not a pdf",
        &[("chat", "")],
    )
    .await;
    let conv = ok(&owner, "chat", &[("client_id", &x)]).await;
    let held = conv["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["file"]["id"] == bad.as_str())
        .unwrap()
        .clone();
    assert_eq!(held["file"]["blocked"], true, "{conv}");
    let r = owner.get(&format!("/api/files/{bad}/download")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = phone.get(&format!("/api/portal/files/{bad}")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Another client's case is not found for either side; chat with a requested item or an
    // upload link is refused.
    let r = Tus::portal(&phone)
        .create_with("a.pdf", 9, &[("chat", &y_case)])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = Tus::staff(&owner)
        .create_with("a.pdf", 9, &[("client_id", &x), ("chat", &y_case)])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let item = ok(
        &owner,
        "add_case_item",
        &[("case_id", &case), ("title", "Vollmacht")],
    )
    .await;
    let r = Tus::portal(&phone)
        .create_with(
            "a.pdf",
            9,
            &[("chat", ""), ("item_id", item.as_str().unwrap())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // One message per attachment, nothing for the refused ones.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE file_id IS NOT NULL")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(n, 3);
}

on_both_databases!(
    attachments_take_the_secure_upload_path,
    staff_and_client_talk,
    cases_have_conversations_with_system_messages,
    portal_stream_carries_own_events_only,
);

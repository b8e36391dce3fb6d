//! Approvals (Freigaben): staff ask a client to approve a file they sent; the client approves
//! or asks for changes with a comment in the portal; a new version is a new request; the history
//! stays on both sides; staff hear of each decision; nobody else can see or decide.

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

/// Sends `name` to the client as the signed-in staff member; returns the file id.
async fn send_file(owner: &Caller, client: &str, name: &str) -> String {
    let tus = Tus::staff(owner);
    let body = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";
    let r = tus
        .create_with(name, body.len(), &[("client_id", client)])
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    tus.upload_all(&loc, body, 64 * 1024).await;
    last_segment(&loc)
}

async fn clients_approve_files_or_ask_for_changes(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Agentur A", "a@agentur-a.de").await;
    let client = owner.create_client("Bäckerei Brot", "info@brot.de").await;
    let other = owner.create_client("Andere KG", "info@andere.de").await;
    let v1 = send_file(&owner, &client, "Entwurf Logo.pdf").await;
    let foreign = send_file(&owner, &other, "Fremd.pdf").await;

    // Only a file sent to this client can be put up for approval.
    for (file, field) in [
        ("", "file_id"),
        (foreign.as_str(), "file_id"),
        ("unbekannt", "file_id"),
    ] {
        let (s, e) = owner
            .call(
                "request_approval",
                &[("client_id", &client), ("file_id", file)],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["Invalid"]["field"], field);
    }
    let first = ok(
        &owner,
        "request_approval",
        &[
            ("client_id", &client),
            ("file_id", &v1),
            ("message", "Bitte prüfen Sie den Entwurf."),
        ],
    )
    .await;
    let first = first.as_str().unwrap().to_string();

    // The client sees it, with the message; asking for changes needs a comment.
    let phone = crate::portal::portal_browser(&app, "info@brot.de").await;
    let list = ok(&phone, "portal_approvals", &[]).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["state"], "Pending");
    assert_eq!(list[0]["file_name"], "Entwurf Logo.pdf");
    assert_eq!(list[0]["message"], "Bitte prüfen Sie den Entwurf.");
    let (s, e) = phone
        .call(
            "decide_approval",
            &[("id", &first), ("decision", "changes")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["Invalid"]["field"], "comment");
    ok(
        &phone,
        "decide_approval",
        &[
            ("id", &first),
            ("decision", "changes"),
            ("comment", "Bitte in Blau."),
        ],
    )
    .await;
    let (s, _) = phone
        .call(
            "decide_approval",
            &[("id", &first), ("decision", "approve")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // A new version, a new request: approved; the history keeps both.
    let v2 = send_file(&owner, &client, "Entwurf Logo.pdf").await;
    let second = ok(
        &owner,
        "request_approval",
        &[("client_id", &client), ("file_id", &v2)],
    )
    .await;
    ok(
        &phone,
        "decide_approval",
        &[("id", second.as_str().unwrap()), ("decision", "approve")],
    )
    .await;
    let history = ok(&owner, "list_approvals", &[("client_id", &client)]).await;
    let rows: Vec<(i64, &str, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["version"].as_i64().unwrap(),
                a["state"].as_str().unwrap(),
                a["comment"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [(2, "Approved", ""), (1, "Changes", "Bitte in Blau.")]
    );
    assert_eq!(history[1]["decided_by"], "info@brot.de");
    assert!(!history[1]["requested_by"].as_str().unwrap().is_empty());

    // Staff hear of both decisions; the trail has all three steps.
    let bell = ok(&owner, "list_notifications", &[]).await;
    let kinds: Vec<&str> = bell
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"ApprovalChanges") && kinds.contains(&"ApprovalApproved"),
        "{bell}"
    );
    assert_eq!(audit_actions(&app, "approval.%").await.len(), 4);

    // Another client, a contact without the right, another firm: nothing to see or decide.
    let stranger = crate::portal::portal_browser(&app, "info@andere.de").await;
    assert!(ok(&stranger, "portal_approvals", &[])
        .await
        .as_array()
        .unwrap()
        .is_empty());
    let third = ok(
        &owner,
        "request_approval",
        &[("client_id", &client), ("file_id", &v2)],
    )
    .await;
    let (s, _) = stranger
        .call(
            "decide_approval",
            &[("id", third.as_str().unwrap()), ("decision", "approve")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let bernd = crate::portal::contact_with(&app, &owner, &client, "bernd@brot.de", "files").await;
    let (s, _) = bernd.call("portal_approvals", &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let firm_b = app.firm("Agentur B", "b@agentur-b.de").await;
    let (s, _) = firm_b
        .call("list_approvals", &[("client_id", &client)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = firm_b
        .call(
            "request_approval",
            &[("client_id", &client), ("file_id", &v2)],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

on_both_databases!(clients_approve_files_or_ask_for_changes);

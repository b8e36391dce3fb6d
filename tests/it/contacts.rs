//! Further contacts of a client: each signs in to the portal with their own address and has
//! only the rights staff gave them; a right taken away or a contact removed counts from the
//! next request.

use crate::helpers::{error_kind, Db, TestApp};
use crate::on_both_databases;
use crate::portal::portal_browser;
use crate::uploads::Tus;
use reqwest::StatusCode;

async fn contacts_sign_in_with_their_own_rights(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let client = owner.create_client("Schmidt AG", "chef@schmidt.de").await;
    let reader = app.member(&owner, "r@kanzlei-a.de", "readonly").await;

    // Adding: a real address, not the client's own, once per client; read-only may not.
    let add = |email: &'static str, rights: &'static [&'static str]| {
        let owner = &owner;
        let client = client.clone();
        async move {
            let mut form = vec![
                ("client_id", client.as_str()),
                ("name", "Berta Buchhaltung"),
                ("email", email),
            ];
            form.extend(rights.iter().map(|r| ("rights[]", *r)));
            owner.call("save_contact", &form).await
        }
    };
    let (s, b) = add("keine-adresse", &["files"]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["Invalid"]["field"], "email");
    let (s, b) = add("Chef@Schmidt.de", &["files"]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = add("Buchhaltung@Schmidt.de", &["upload", "files", "unbekannt"]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let contact = b.as_str().unwrap().to_string();
    let (s, _) = add("buchhaltung@schmidt.de", &["chat"]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = reader
        .call(
            "save_contact",
            &[
                ("client_id", &client),
                ("name", "X"),
                ("email", "x@schmidt.de"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, list) = reader
        .call("load_client_contacts", &[("client_id", &client)])
        .await;
    assert_eq!(list[0]["email"], "buchhaltung@schmidt.de");
    assert_eq!(list[0]["rights"], serde_json::json!(["Upload", "Files"]));

    // The bookkeeper signs in with her own address: the same client, her rights only.
    let books = portal_browser(&app, "buchhaltung@schmidt.de").await;
    let (_, state) = books.call("portal_state", &[]).await;
    assert_eq!(state["In"]["client_name"], "Schmidt AG", "{state}");
    assert_eq!(
        state["In"]["rights"],
        serde_json::json!(["Upload", "Files"])
    );
    assert_eq!(books.call("portal_files", &[]).await.0, StatusCode::OK);
    let (s, b) = books.call("portal_chat", &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(error_kind(&b), "Forbidden");
    let (s, _) = books.call("portal_send", &[("text", "Hallo")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let loc = Tus::portal(&books).create_ok("Beleg.pdf", 10).await;
    assert!(loc.contains("/api/uploads/"));
    // The client's own address keeps every right.
    let boss = portal_browser(&app, "chef@schmidt.de").await;
    assert_eq!(boss.call("portal_chat", &[]).await.0, StatusCode::OK);

    // A password of her own: hers is set, the client's is not.
    let (s, b) = owner
        .call(
            "save_portal_settings",
            &[
                ("magic", "on"),
                ("password", "on"),
                ("grant", "all"),
                ("link_minutes", "15"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let state = |b: serde_json::Value| b["In"]["has_password"].clone();
    assert_eq!(state(books.call("portal_state", &[]).await.1), false);
    let pw = "ein-langes-passwort";
    let (s, b) = books
        .call("set_portal_password", &[("password", pw), ("confirm", pw)])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(state(books.call("portal_state", &[]).await.1), true);
    assert_eq!(state(boss.call("portal_state", &[]).await.1), false);

    // Rights changed: messages yes, files and uploads no — from the next request on.
    let (s, b) = owner
        .call(
            "save_contact",
            &[
                ("client_id", &client),
                ("contact_id", &contact),
                ("name", "Berta Buchhaltung"),
                ("rights[]", "chat"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        books.call("portal_files", &[]).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(books.call("portal_chat", &[]).await.0, StatusCode::OK);
    assert_eq!(
        Tus::portal(&books).create("Beleg.pdf", 10).await.status(),
        StatusCode::FORBIDDEN
    );

    // Removed: her session is over at once; the client's own one goes on.
    let (s, _) = owner
        .call("remove_contact", &[("contact_id", &contact)])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        books.call("portal_chat", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(boss.call("portal_chat", &[]).await.0, StatusCode::OK);
    let (s, _) = owner
        .call("remove_contact", &[("contact_id", &contact)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let actions = crate::helpers::audit_actions(&app, "client.contact%").await;
    assert_eq!(
        actions,
        vec![
            "client.contact_saved",
            "client.contact_saved",
            "client.contact_removed"
        ]
    );
}

on_both_databases!(contacts_sign_in_with_their_own_rights);

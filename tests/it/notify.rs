//! The firm's file-type allow-list and staff notifications (bell + mail job).

use crate::helpers::Caller;
use crate::helpers::{error_kind, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::{file_named, firm_with_link, Tus};
use kundenportal::server::{db::now_ms, jobs};
use reqwest::StatusCode;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

async fn allow_list_refuses_at_creation_and_quarantines_later(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);

    // Malformed lists are refused with the entry named.
    let (s, e) = owner
        .call("save_file_types", &[("allowed_types", "pdf, *.exe")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_kind(&e), "Invalid");
    assert!(e.to_string().contains("*.exe"), "{e}");
    // Members may not change it.
    let member = app.member(&owner, "m@kanzlei-a.de", "member").await;
    let (s, _) = member
        .call("save_file_types", &[("allowed_types", "exe")])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = owner
        .call("save_file_types", &[("allowed_types", " PDF, .jpg")])
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (_, settings) = member.call("load_settings", &[]).await;
    assert_eq!(settings["allowed_types"], "pdf, jpg");
    assert_eq!(settings["can_edit_firm"], false);
    let (_, public) = app
        .anonymous()
        .call("public_upload_link", &[("token", &token)])
        .await;
    assert_eq!(public["allowed_types"], serde_json::json!(["pdf", "jpg"]));

    // Refused before a byte is sent, with a sentence naming what is allowed.
    let r = tus.create("setup.exe", 1000).await;
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let msg = r.text().await.unwrap();
    assert!(msg.contains(".exe") && msg.contains("pdf, jpg"), "{msg}");
    assert_eq!(
        tus.create("LIESMICH", 10).await.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    // Staff sending files to a client are not bound by it.
    let r = owner
        .http
        .post(format!("{}/api/uploads/", app.url))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "3")
        .header(
            "Upload-Metadata",
            format!("filename c2V0dXAuZXhl,client_id {}", {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(&client)
            }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    // Allowed at creation, no longer allowed when it finished: quarantined, with the reason.
    let loc = tus.create_ok("Beleg.PDF", PDF.len()).await;
    let (s, _) = owner
        .call("save_file_types", &[("allowed_types", "png")])
        .await;
    assert_eq!(s, StatusCode::OK);
    tus.upload_all(&loc, PDF, 64 * 1024).await;
    let f = file_named(&owner, &client, "Beleg.PDF").await;
    assert_eq!(
        (f["quarantined"].as_bool(), f["scan_reason"].as_str()),
        (Some(true), Some("type_not_allowed"))
    );
    // An empty list allows everything again.
    let (s, _) = owner
        .call("save_file_types", &[("allowed_types", "")])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        tus.create("setup.exe", 10).await.status(),
        StatusCode::CREATED
    );
}
on_both_databases!(allow_list_refuses_at_creation_and_quarantines_later);

async fn count(c: &Caller) -> i64 {
    c.call("notification_count", &[]).await.1.as_i64().unwrap()
}

/// The upload mails in the outbox, decoded (invitations go there too).
fn outbox(app: &TestApp) -> Vec<String> {
    let mut mails = crate::helpers::outbox_texts(app);
    mails.retain(|m| m.contains("neue Dateien"));
    mails
}

async fn uploads_notify_staff_in_app_and_by_mail(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let member = app.member(&owner, "m@kanzlei-a.de", "member").await;
    let (s, _) = member.call("save_mail_pref", &[("mail_pref", "off")]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = member
        .call("save_mail_pref", &[("mail_pref", "weekly")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let other = app.firm("Kanzlei B", "b@kanzlei-b.de").await;

    let tus = Tus::new(&app.url, &token);
    for name in ["Vollmacht.pdf", "Lohnzettel.pdf"] {
        let loc = tus.create_ok(name, PDF.len()).await;
        tus.upload_all(&loc, PDF, 64 * 1024).await;
    }
    let loc = tus.create_ok("leer.txt", 0).await;
    assert_eq!(tus.offset(&loc).await, 0);

    // The bell: every member of the firm, nobody elsewhere.
    assert_eq!(count(&owner).await, 3);
    assert_eq!(count(&member).await, 3);
    assert_eq!(count(&other).await, 0);
    let (_, list) = owner.call("list_notifications", &[]).await;
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["kind"], "Quarantine", "{list}");
    assert_eq!(items[0]["subject"], "leer.txt");
    assert_eq!(items[1]["kind"], "Upload");
    assert_eq!(items[1]["subject"], "Lohnzettel.pdf");
    assert_eq!(items[1]["client_name"], "Schmidt AG");
    assert_eq!(items[1]["client_id"], client.as_str());
    assert_eq!(items[1]["read"], false);
    let (s, _) = owner.call("mark_notifications_read", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(count(&owner).await, 0);
    assert_eq!(count(&member).await, 3);

    // Mail: not before the minute of collecting has passed, then one mail for the owner (the
    // member turned mails off) listing every file — even with two workers at once.
    assert_eq!(jobs::run_due(&app.state, now_ms()).await.unwrap(), 0);
    assert!(outbox(&app).is_empty());
    let later = now_ms() + 61_000;
    let (a, b) = tokio::join!(
        jobs::run_due(&app.state, later),
        jobs::run_due(&app.state, later)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let mails = outbox(&app);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert!(mail.contains("To: a@kanzlei-a.de"), "{mail}");
    assert!(
        mail.contains("Vollmacht.pdf")
            && mail.contains("Lohnzettel.pdf")
            && mail.contains("leer.txt"),
        "{mail}"
    );
    assert!(mail.contains(&format!("/clients/{client}")), "{mail}");
    assert_eq!(jobs::run_due(&app.state, later).await.unwrap(), 0);

    // A later upload starts a new mail of its own.
    let loc = tus.create_ok("Nachtrag.pdf", PDF.len()).await;
    tus.upload_all(&loc, PDF, 64 * 1024).await;
    assert_eq!(
        jobs::run_due(&app.state, now_ms() + 61_000).await.unwrap(),
        1
    );
    assert_eq!(outbox(&app).len(), 2);
}
on_both_databases!(uploads_notify_staff_in_app_and_by_mail);

/// Every message and mail leaves a done job behind; after 30 days the worker deletes it, and
/// never a pending one.
async fn done_jobs_are_pruned_after_thirty_days(db: Db) {
    let app = TestApp::spawn(db).await;
    let day = 24 * 3_600_000;
    let now = now_ms();
    // Not due, so the app's own worker leaves them alone.
    let later = now + day;
    let old = jobs::enqueue(&app.state.db, "tell", "old", None, later)
        .await
        .unwrap();
    let recent = jobs::enqueue(&app.state.db, "tell", "recent", None, later)
        .await
        .unwrap();
    jobs::enqueue(&app.state.db, "tell", "pending", None, later)
        .await
        .unwrap();
    for (id, done) in [(&old, now - 31 * day), (&recent, now - 29 * day)] {
        sqlx::query("UPDATE jobs SET done_at = $2 WHERE id = $1")
            .bind(id)
            .bind(done)
            .execute(&app.state.db)
            .await
            .unwrap();
    }
    assert_eq!(jobs::prune(&app.state.db, now).await.unwrap(), 1);
    let left: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM jobs WHERE payload IN ('old', 'recent', 'pending') ORDER BY payload",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(left, vec!["pending", "recent"]);
}

on_both_databases!(done_jobs_are_pruned_after_thirty_days);

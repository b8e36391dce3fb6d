//! Client management through the real HTTP API: create, validate, duplicates, search, filter,
//! paging, status, notes, delete, plan limits (also under concurrency).

use crate::helpers::{error_kind, Db, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;

async fn create_validates_and_warns_about_duplicates(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let (status, body) = owner.call("create_client", &[("name", "   ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "name");
    let (status, body) = owner
        .call(
            "create_client",
            &[("name", "Schmidt AG"), ("email", "nope@")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "email");

    // Only the name is required.
    let (status, id) = owner
        .call(
            "create_client",
            &[("name", "Schmidt AG"), ("email", ""), ("company", "")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{id}");
    // Same name again: a warning naming the existing client, nothing created...
    let (status, body) = owner.call("create_client", &[("name", "schmidt ag")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "allow_duplicate");
    assert!(body["Invalid"]["message"]
        .as_str()
        .unwrap()
        .contains("Schmidt AG"));
    // ...same email too, in any case.
    owner.create_client("Max Muster", "max@muster.de").await;
    let (status, _) = owner
        .call(
            "create_client",
            &[("name", "M. Muster"), ("email", "MAX@muster.de")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // ...unless confirmed.
    let (status, _) = owner
        .call(
            "create_client",
            &[("name", "Schmidt AG"), ("allow_duplicate", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = owner.call("list_clients", &[]).await;
    assert_eq!(page["total"], 3);

    // Creating a client never sends mail.
    let outbox = app.state.config.server.data_dir.join("outbox");
    assert_eq!(std::fs::read_dir(outbox).unwrap().count(), 0);

    let (_, detail) = owner
        .call("get_client", &[("id", id.as_str().unwrap())])
        .await;
    assert_eq!(detail["client"]["status"], "Offen");
    assert_eq!(detail["activity"][0]["action"], "client.created");
}

async fn search_filter_and_paging(db: Db) {
    let app = TestApp::spawn_with(db, &[("KUNDENPORTAL_LIMITS_PAGE_SIZE", "2")]).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    sqlx::query("UPDATE orgs SET plan = 'team'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let schmidt = owner
        .create_client("Schmidt AG", "buchhaltung@schmidt-ag.de")
        .await;
    owner
        .create_client("Anna Weber", "anna.weber@gmail.com")
        .await;
    owner
        .create_client("Müller & Partner", "info@mueller.de")
        .await;
    let (s, b) = owner
        .call(
            "create_client",
            &[
                ("name", "Thomas Fischer"),
                ("email", "t@gmail.com"),
                ("company", "Schmidtke Elektro"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    owner.create_client("100% Rabatt_GmbH", "").await;

    let names = |page: &serde_json::Value| -> Vec<String> {
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    // One query over name, email and company at once.
    let (_, p) = owner.call("list_clients", &[("q", "schmidt")]).await;
    assert_eq!(p["total"], 2);
    let (_, p) = owner.call("list_clients", &[("q", "@GMAIL.com")]).await;
    assert_eq!(p["total"], 2);
    // Unicode case folding (SQLite's lower() would not fold Ü).
    let (_, p) = owner.call("list_clients", &[("q", "MÜLLER")]).await;
    assert_eq!(names(&p), vec!["Müller & Partner"]);
    // LIKE wildcards are literal.
    let (_, p) = owner.call("list_clients", &[("q", "0%")]).await;
    assert_eq!(names(&p), vec!["100% Rabatt_GmbH"]);
    let (_, p) = owner.call("list_clients", &[("q", "t_g")]).await;
    assert_eq!(p["total"], 1);

    // Status filter combined with search.
    let (s, _) = owner
        .call(
            "set_client_status",
            &[("id", &schmidt), ("status", "vollstaendig")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, p) = owner
        .call(
            "list_clients",
            &[("q", "schmidt"), ("status", "vollstaendig")],
        )
        .await;
    assert_eq!(names(&p), vec!["Schmidt AG"]);
    let (_, p) = owner.call("list_clients", &[("status", "offen")]).await;
    assert_eq!(p["total"], 4);
    assert_eq!(p["firm_total"], 5);

    // Paging, most recent activity first (Schmidt AG was just changed).
    let (_, p1) = owner.call("list_clients", &[("page", "1")]).await;
    assert_eq!(p1["page_size"], 2);
    assert_eq!(names(&p1)[0], "Schmidt AG");
    let (_, p3) = owner.call("list_clients", &[("page", "3")]).await;
    assert_eq!(p3["rows"].as_array().unwrap().len(), 1);
    let all: Vec<String> = [p1, owner.call("list_clients", &[("page", "2")]).await.1, p3]
        .iter()
        .flat_map(names)
        .collect();
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        5,
        "pages neither repeat nor skip clients: {all:?}"
    );
}

async fn edit_status_notes_and_delete(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let id = owner.create_client("Anna Weber", "").await;
    let (s, b) = owner
        .call(
            "update_client",
            &[
                ("id", &id),
                ("name", "Weber, Anna"),
                ("email", "anna@weber.de"),
                ("company", "Weber Design"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = owner
        .call(
            "update_client",
            &[("id", &id), ("name", "Weber, Anna"), ("email", "kaputt")],
        )
        .await;
    assert_eq!(
        (s, b["Invalid"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("email"))
    );
    let (s, _) = owner
        .call("set_client_status", &[("id", &id), ("status", "teilweise")])
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = owner
        .call("set_client_status", &[("id", &id), ("status", "erfunden")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, _) = owner
        .call(
            "add_client_note",
            &[("id", &id), ("body", "Zeile 1\nZeile 2")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, d) = owner.call("get_client", &[("id", &id)]).await;
    assert_eq!(d["client"]["company"], "Weber Design");
    assert_eq!(d["client"]["status"], "Teilweise");
    assert_eq!(d["notes"][0]["body"], "Zeile 1\nZeile 2");
    assert_eq!(d["notes"][0]["author_name"], "Owner");
    let actions: Vec<&str> = d["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for a in [
        "client.created",
        "client.updated",
        "client.status_changed",
        "client.note_added",
    ] {
        assert!(actions.contains(&a), "{actions:?}");
    }

    let (s, _) = owner.call("delete_client", &[("id", &id)]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = owner.call("get_client", &[("id", &id)]).await;
    assert_eq!(
        (s, error_kind(&b)),
        (StatusCode::NOT_FOUND, "NotFound".into())
    );
    let notes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM client_notes")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(notes, 0, "notes go with the client");
    let count: i64 = sqlx::query_scalar("SELECT client_count FROM orgs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 0, "the plan slot is free again");
    let (s, _) = owner.call("delete_client", &[("id", &id)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn plan_limit_holds_under_concurrent_creation(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = std::sync::Arc::new(app.firm("Kanzlei A", "a@kanzlei-a.de").await);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let owner = owner.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("Kunde {i}");
            owner
                .call("create_client", &[("name", name.as_str())])
                .await
        }));
    }
    let mut ok = 0;
    let mut refused = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {
                assert!(
                    body["Conflict"]
                        .as_str()
                        .unwrap()
                        .contains("höchstens 10 Kunden"),
                    "{body}"
                );
                refused += 1
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((ok, refused), (10, 6));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows, 10, "nothing half-created");
    // Upgrading lifts the limit.
    assert_eq!(
        owner.call("change_plan", &[("plan", "pro")]).await.0,
        StatusCode::OK
    );
    owner.create_client("Kunde 11", "").await;
}

async fn ten_thousand_clients_stay_one_indexed_page(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let org: String = sqlx::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    sqlx::query("UPDATE orgs SET plan = 'team'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let now = kundenportal::server::db::now_ms();
    let mut tx = app.state.db.begin().await.unwrap();
    for i in 0..10_000i64 {
        let name = format!("Kunde {i:05}");
        let email = format!("kunde{i}@example.de");
        sqlx::query(
            "INSERT INTO clients (id, org_id, name, email, company, search_text, status, last_activity_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, '', $5, 'offen', $6, $6, $6)",
        )
        .bind(format!("00000000-0000-0000-0000-{i:012}"))
        .bind(&org)
        .bind(&name)
        .bind(&email)
        .bind(kundenportal::clients::domain::search_text(&name, &email, ""))
        .bind(now - i)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let (s, p) = owner.call("list_clients", &[("page", "1")]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["total"], 10_000);
    assert_eq!(p["rows"][0]["name"], "Kunde 00000");
    let (_, p) = owner.call("list_clients", &[("q", "kunde9999@")]).await;
    assert_eq!(p["total"], 1);
    let (_, p) = owner.call("list_clients", &[("page", "400")]).await;
    assert_eq!(p["rows"][24]["name"], "Kunde 09999");
}

on_both_databases!(
    create_validates_and_warns_about_duplicates,
    search_filter_and_paging,
    edit_status_notes_and_delete,
    plan_limit_holds_under_concurrent_creation,
    ten_thousand_clients_stay_one_indexed_page,
);

/// The DSGVO export: one streamed ZIP with everything about one client — details, notes,
/// cases, messages (decrypted), the client's audit events and the files (decrypted; held-back
/// ones only listed) — for owners and admins only, recorded in the trail.
async fn the_privacy_export_holds_everything_about_one_client(db: Db) {
    use crate::portal::{ok, portal_browser, PDF};
    use crate::uploads::Tus;
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Auskunft", "chef@auskunft.de").await;
    let member = app.member(&owner, "m@auskunft.de", "member").await;
    let x = owner
        .create_client("Anna Auskunft", "anna@auskunft.de")
        .await;
    let other = owner
        .create_client("Bernd Anders", "bernd@auskunft.de")
        .await;
    ok(
        &owner,
        "add_client_note",
        &[("id", &x), ("body", "Ruft nur vormittags an")],
    )
    .await;
    ok(
        &owner,
        "add_client_note",
        &[("id", &other), ("body", "Nicht Annas Notiz")],
    )
    .await;
    let case = ok(
        &owner,
        "create_case",
        &[("client_id", &x), ("title", "ESt 2025")],
    )
    .await;
    ok(
        &owner,
        "add_case_item",
        &[
            ("case_id", case.as_str().unwrap()),
            ("title", "Lohnsteuerbescheinigung"),
        ],
    )
    .await;
    ok(
        &owner,
        "send_message",
        &[("client_id", &x), ("text", "Hallo Frau Auskunft")],
    )
    .await;
    let phone = portal_browser(&app, "anna@auskunft.de").await;
    ok(&phone, "portal_send", &[("text", "Guten Tag!")]).await;
    let upload = |tus: Tus,
                  name: &'static str,
                  content: &'static [u8],
                  meta: Vec<(&'static str, String)>| async move {
        let meta: Vec<(&str, &str)> = meta.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = tus.create_with(name, content.len(), &meta).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        tus.upload_all(&loc, content, content.len()).await;
    };
    upload(
        Tus::portal(&phone),
        "Beleg.pdf",
        PDF,
        vec![("chat", String::new())],
    )
    .await;
    upload(
        Tus::portal(&phone),
        "Virus.pdf",
        b"MZ\x90\x00 kein pdf",
        vec![],
    )
    .await;
    upload(
        Tus::staff(&owner),
        "Bescheid.pdf",
        PDF,
        vec![("client_id", x.clone())],
    )
    .await;

    let url = format!("/api/clients/{x}/export.zip");
    assert_eq!(
        app.anonymous().get(&url).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(member.get(&url).await.status(), StatusCode::FORBIDDEN);
    let stranger = app.firm("Kanzlei Fremd", "f@fremd.de").await;
    assert_eq!(stranger.get(&url).await.status(), StatusCode::NOT_FOUND);
    let r = owner.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("Export"));
    let bytes = r.bytes().await.unwrap().to_vec();
    let entries: std::collections::BTreeMap<String, Vec<u8>> = crate::helpers::zip_entries(bytes)
        .await
        .into_iter()
        .collect();
    assert_eq!(
        entries.keys().cloned().collect::<Vec<_>>(),
        [
            "dateien/erhalten/Beleg.pdf",
            "dateien/gesendet/Bescheid.pdf",
            "kunde.json",
            "nachrichten.json",
            "protokoll.csv"
        ]
    );
    assert_eq!(entries["dateien/erhalten/Beleg.pdf"], PDF);
    assert_eq!(entries["dateien/gesendet/Bescheid.pdf"], PDF);
    let kunde = String::from_utf8(entries["kunde.json"].clone()).unwrap();
    for want in [
        "Anna Auskunft",
        "Ruft nur vormittags an",
        "ESt 2025",
        "Lohnsteuerbescheinigung",
        "Virus.pdf",
    ] {
        assert!(kunde.contains(want), "{want} missing: {kunde}");
    }
    assert!(!kunde.contains("Nicht Annas Notiz"));
    let kunde: serde_json::Value = serde_json::from_str(&kunde).unwrap();
    let virus = kunde["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"]["name"] == "Virus.pdf")
        .unwrap();
    assert_eq!(virus["in_archive"], serde_json::Value::Null);
    let messages = String::from_utf8(entries["nachrichten.json"].clone()).unwrap();
    for want in [
        "Hallo Frau Auskunft",
        "Guten Tag!",
        "\"attachment\": \"Beleg.pdf\"",
        "Neues Dokument angefordert: Lohnsteuerbescheinigung",
    ] {
        assert!(messages.contains(want), "{want} missing: {messages}");
    }
    let csv = String::from_utf8(entries["protokoll.csv"].clone()).unwrap();
    assert!(
        csv.contains("Notiz hinzugefügt") && csv.contains("Nachricht gesendet"),
        "{csv}"
    );
    assert!(
        csv.lines().skip(1).all(|l| l.contains("Anna Auskunft")),
        "{csv}"
    );
    let exported: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'client.exported' AND client_id = $1",
    )
    .bind(&x)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(exported, 1);
}

/// Erasing a client removes its data keys with the rows (crypto-shredding) and its sealed
/// files from the disk, leaves other clients alone, and keeps an audit event naming nobody.
async fn erasing_a_client_shreds_keys_and_files(db: Db) {
    use crate::portal::{ok, portal_browser, PDF};
    use crate::uploads::Tus;
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Löschen", "chef@loeschen.de").await;
    let x = owner.create_client("Xaver Weg", "xaver@loeschen.de").await;
    let y = owner
        .create_client("Yvonne Bleibt", "yvonne@loeschen.de")
        .await;
    let org = app.org_of_client(&x).await;
    let blobs = |app: &TestApp| -> Vec<String> {
        let dir = app.blob_path(&org, "-").parent().unwrap().to_path_buf();
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    for (client, email) in [(&x, "xaver@loeschen.de"), (&y, "yvonne@loeschen.de")] {
        let phone = portal_browser(&app, email).await;
        ok(
            &owner,
            "send_message",
            &[("client_id", client), ("text", "Hallo")],
        )
        .await;
        let tus = Tus::portal(&phone);
        let r = tus.create("Beleg.pdf", PDF.len()).await;
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        tus.upload_all(&loc, PDF, PDF.len()).await;
        // And one left unfinished.
        tus.create("Halb.pdf", 1000).await;
    }
    assert_eq!(blobs(&app).len(), 4);
    let y_blobs: Vec<String> = sqlx::query_scalar("SELECT id FROM uploads WHERE client_id = $1")
        .bind(&y)
        .fetch_all(&app.state.db)
        .await
        .unwrap();

    ok(&owner, "delete_client", &[("id", &x)]).await;
    let mut left = y_blobs.clone();
    left.sort();
    assert_eq!(blobs(&app), left, "only the other client's files remain");
    for table in ["files", "uploads", "messages", "message_keys"] {
        let col = if table == "message_keys" {
            "id"
        } else {
            "client_id"
        };
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {col} = $1"))
            .bind(&x)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    // The other client's messages still open.
    let conv = ok(&owner, "chat", &[("client_id", &y)]).await;
    assert_eq!(conv["messages"][0]["text"], "Hallo");
    // The erasure is recorded without the client's name.
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'client.deleted' AND client_id = $1",
    )
    .bind(&x)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(detail, "");
}

on_both_databases!(
    the_privacy_export_holds_everything_about_one_client,
    erasing_a_client_shreds_keys_and_files,
);

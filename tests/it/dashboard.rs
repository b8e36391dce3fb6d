//! The staff home's figures, progress table, filters, feed and chart data, per firm.

use crate::helpers::{Caller, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::{firm_with_link, Tus};
use reqwest::StatusCode;
use serde_json::Value;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

async fn the_overview_counts_what_is_open_overdue_and_waiting(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, schmidt, token) = firm_with_link(&app, &[]).await;
    let (_, me) = owner.call("whoami", &[]).await;
    let me = me["user_id"].as_str().unwrap().to_string();
    let meier = owner.create_client("Meier GmbH", "").await;
    let other = app.firm("Kanzlei B", "b@kanzlei-b.de").await;

    let d = ok(&owner, "load_dashboard", &[]).await;
    assert_eq!(
        (
            d["open_cases"].as_i64(),
            d["to_review"].as_i64(),
            d["rows_total"].as_i64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(d["uploads_per_day"].as_array().unwrap().len(), 30);
    assert_eq!(d["items_per_week"].as_array().unwrap().len(), 8);

    // Schmidt: a case for me with two required items, one with a deadline that passes.
    let case = ok(
        &owner,
        "create_case",
        &[
            ("client_id", &schmidt),
            ("title", "Abschluss"),
            ("responsible_id", &me),
        ],
    )
    .await;
    let case = case.as_str().unwrap();
    let tomorrow = time_str(1);
    for (title, deadline) in [("Vollmacht", tomorrow.as_str()), ("Konten", "")] {
        ok(
            &owner,
            "add_case_item",
            &[
                ("case_id", case),
                ("title", title),
                ("required", "1"),
                ("deadline_on", deadline),
            ],
        )
        .await;
    }
    // Meier: a case for nobody.
    ok(
        &owner,
        "create_case",
        &[("client_id", &meier), ("title", "Lohn")],
    )
    .await;
    // A file arrives and waits for review.
    let tus = Tus::new(&app.url, &token);
    let loc = tus.create_ok("Beleg.pdf", PDF.len()).await;
    tus.upload_all(&loc, PDF, 65536).await;

    let d = ok(&owner, "load_dashboard", &[]).await;
    assert_eq!(d["open_cases"], 2);
    assert_eq!(d["to_review"], 1);
    assert_eq!(d["overdue_items"], 0);
    assert!(d["last_upload_at"].is_number());
    assert_eq!(d["feed"][0]["subject"], "Beleg.pdf");
    assert_eq!(d["feed"][0]["client_name"], "Schmidt AG");
    let today = d["uploads_per_day"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(today[1], 1, "{today}");
    // The most urgent client first: Schmidt has a deadline, Meier none.
    let rows = d["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["client_name"], "Schmidt AG");
    assert_eq!(
        (rows[0]["done"].as_i64(), rows[0]["required"].as_i64()),
        (Some(0), Some(2))
    );
    assert!(rows[0]["next_deadline"].is_number());
    assert_eq!(rows[1]["client_name"], "Meier GmbH");
    let weeks = d["items_per_week"].as_array().unwrap();
    assert_eq!(
        weeks.last().unwrap()[1],
        2,
        "two items open at this week's end"
    );

    // Filters: by responsible member and by client status.
    let mine = ok(&owner, "load_dashboard", &[("responsible", &me)]).await;
    assert_eq!(mine["rows_total"], 1);
    assert_eq!(mine["rows"][0]["client_name"], "Schmidt AG");
    let offen = ok(&owner, "load_dashboard", &[("status", "offen")]).await;
    assert_eq!(offen["rows"].as_array().unwrap().len(), 1);
    assert_eq!(offen["rows"][0]["client_name"], "Meier GmbH");

    // A deadline that passed makes the item overdue (set in the database: the form refuses
    // past dates).
    sqlx::query("UPDATE case_items SET deadline_at = 1000 WHERE title = 'Vollmacht'")
        .execute(&app.state.db)
        .await
        .unwrap();
    // (a change behind the server's back: tell the shared dashboard figures, as an event would)
    let org: String = sqlx::query_scalar("SELECT org_id FROM users WHERE email = 'a@kanzlei-a.de'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    app.state
        .dashboards
        .changed(&org, kundenportal::server::db::now_ms());
    let d = ok(&owner, "load_dashboard", &[]).await;
    assert_eq!(d["overdue_items"], 1);
    let list = ok(&owner, "list_cases", &[("client_id", &schmidt)]).await;
    assert_eq!(list[0]["overdue"], true);
    // ... and the client is marked on the client list and its page.
    let page = ok(&owner, "list_clients", &[]).await;
    let marked: Vec<(&str, bool)> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["overdue"].as_bool().unwrap()))
        .collect();
    assert!(
        marked.contains(&("Schmidt AG", true)) && marked.contains(&("Meier GmbH", false)),
        "{marked:?}"
    );
    let detail = ok(&owner, "get_client", &[("id", &schmidt)]).await;
    assert_eq!(detail["client"]["overdue"], true);

    // Another firm sees none of it.
    let theirs = ok(&other, "load_dashboard", &[]).await;
    assert_eq!(
        (
            theirs["open_cases"].as_i64(),
            theirs["to_review"].as_i64(),
            theirs["rows_total"].as_i64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(theirs["feed"], serde_json::json!([]));
    assert!(theirs["last_upload_at"].is_null());
}

/// "YYYY-MM-DD", `days` from today.
fn time_str(days: i64) -> String {
    let ms = kundenportal::server::db::now_ms() + days * 86_400_000;
    kundenportal::ui::format::date(ms, kundenportal::i18n::Lang::En)
}

on_both_databases!(the_overview_counts_what_is_open_overdue_and_waiting);

//! Reminder mails: due by the firm's schedule, one mail per client, each slot sent once even
//! with two server processes scanning at the same moment, paused per case, skipping what the
//! client sent meanwhile.

use crate::helpers::{last_segment, outbox_texts, Caller, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::{firm_with_link, Tus};
use kundenportal::cases::reminders;
use kundenportal::cases::schedule::{Schedule, Slot};
use kundenportal::server::{self, db::now_ms, jobs};
use reqwest::StatusCode;
use serde_json::Value;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

fn reminder_mails(app: &TestApp) -> Vec<String> {
    outbox_texts(app)
        .into_iter()
        .filter(|m| m.contains("wartet noch auf folgende Unterlagen"))
        .collect()
}

/// The time a slot of `deadline` goes out, plus a minute.
fn at(deadline: i64, slot: Slot) -> i64 {
    Schedule::default()
        .slots(deadline)
        .into_iter()
        .find(|(s, _)| *s == slot)
        .unwrap()
        .1
        + 60_000
}

/// Both "processes" scan at the same moment; returns the mails they queued together.
async fn scan_twice(a: &server::AppState, b: &server::AppState, now: i64) -> usize {
    let (x, y) = tokio::join!(reminders::scan(a, now), reminders::scan(b, now));
    x.unwrap() + y.unwrap()
}

async fn reminders_follow_the_schedule_once_per_slot(db: Db) {
    let app = TestApp::spawn(db).await;
    // A second process on the same database.
    let other = server::build_state((*app.state.config).clone())
        .await
        .unwrap();
    let (owner, client, _) = firm_with_link(&app, &[]).await;
    let quiet = owner.create_client("Ohne Mail GmbH", "").await;
    let in_ten_days =
        kundenportal::ui::format::date(now_ms() + 10 * 86_400_000, kundenportal::i18n::Lang::En);

    let case = ok(
        &owner,
        "create_case",
        &[("client_id", &client), ("title", "Jahresabschluss")],
    )
    .await;
    let case = case.as_str().unwrap().to_string();
    for (title, required) in [
        ("Vollmacht", "1"),
        ("Kontoauszuege", "1"),
        ("Freiwillig", ""),
    ] {
        ok(
            &owner,
            "add_case_item",
            &[
                ("case_id", &case),
                ("title", title),
                ("required", required),
                ("deadline_on", &in_ten_days),
            ],
        )
        .await;
    }
    let quiet_case = ok(
        &owner,
        "create_case",
        &[("client_id", &quiet), ("title", "Lohn")],
    )
    .await;
    ok(
        &owner,
        "add_case_item",
        &[
            ("case_id", quiet_case.as_str().unwrap()),
            ("title", "Lohnzettel"),
            ("required", "1"),
            ("deadline_on", &in_ten_days),
        ],
    )
    .await;
    let detail = ok(&owner, "get_case", &[("id", &case)]).await;
    let deadline = detail["items"][0]["deadline_at"].as_i64().unwrap();

    // The "new document requested" mails go out first; then nothing is due yet.
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    assert_eq!(scan_twice(&app.state, &other, now_ms()).await, 0);

    // Seven days before: both processes scan at once; one mail, listing both required items.
    let t7 = at(deadline, Slot::Before(7));
    assert_eq!(scan_twice(&app.state, &other, t7).await, 1);
    assert_eq!(scan_twice(&app.state, &other, t7 + 3_600_000).await, 0);
    let (x, y) = tokio::join!(jobs::run_due(&app.state, t7), jobs::run_due(&other, t7));
    assert_eq!(x.unwrap() + y.unwrap(), 1);
    let mails = reminder_mails(&app);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = mails[0].clone();
    assert!(mail.contains("To: info@schmidt.de"), "{mail}");
    // (the subject is RFC 2047 encoded; the body names the firm)
    assert!(mail.contains("Subject: Erinnerung: Unterlagen"), "{mail}");
    assert!(mail.contains("Kanzlei A wartet noch"), "{mail}");
    assert!(
        mail.contains("- Vollmacht (Frist: ") && mail.contains("- Kontoauszuege"),
        "{mail}"
    );
    assert!(
        !mail.contains("Freiwillig") && !mail.contains("Lohnzettel"),
        "{mail}"
    );

    // The mail's link is bound to the case: the client sends the Vollmacht with it.
    let url = mail
        .split_whitespace()
        .find(|w| w.contains("/u/"))
        .expect("upload link in the mail");
    let token = last_segment(url);
    let public = ok(&app.anonymous(), "public_upload_link", &[("token", &token)]).await;
    let vollmacht = public["case"]["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tus = Tus::new(&app.url, &token);
    let r = tus
        .create_with("Vollmacht.pdf", PDF.len(), &[("item_id", &vollmacht)])
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    tus.upload_all(&loc, PDF, 65536).await;

    // On the day: only what is still missing.
    let t0 = at(deadline, Slot::Before(0));
    assert_eq!(scan_twice(&app.state, &other, t0).await, 1);
    jobs::run_due(&app.state, t0).await.unwrap();
    let mails = reminder_mails(&app);
    assert_eq!(mails.len(), 2);
    let second = mails.iter().find(|m| **m != mail).unwrap();
    assert!(
        second.contains("Kontoauszuege") && !second.contains("- Vollmacht"),
        "{second}"
    );

    // Paused: the overdue reminder waits; resumed, it goes out and says "überfällig".
    ok(
        &owner,
        "set_case_reminders",
        &[("id", &case), ("paused", "1")],
    )
    .await;
    let o1 = at(deadline, Slot::Overdue(1));
    assert_eq!(scan_twice(&app.state, &other, o1).await, 0);
    ok(&owner, "set_case_reminders", &[("id", &case)]).await;
    assert_eq!(scan_twice(&app.state, &other, o1).await, 1);
    jobs::run_due(&app.state, o1).await.unwrap();
    let mails = reminder_mails(&app);
    assert_eq!(mails.len(), 3);
    assert!(
        mails.iter().any(|m| m.contains("überfällig seit")),
        "{mails:?}"
    );

    // After the fifth overdue reminder, nothing more.
    let o5 = at(deadline, Slot::Overdue(5));
    assert_eq!(scan_twice(&app.state, &other, o5).await, 1);
    assert_eq!(
        scan_twice(&app.state, &other, o5 + 30 * 86_400_000).await,
        0
    );
}

async fn the_firm_sets_its_schedule(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let (s, e) = owner
        .call(
            "save_reminder_schedule",
            &[("before", "7, zwei"), ("every", "3"), ("max_overdue", "5")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["Invalid"]["field"], "before");
    assert!(e.to_string().contains("zwei"), "{e}");
    ok(
        &owner,
        "save_reminder_schedule",
        &[("before", "14, 3"), ("every", "0"), ("max_overdue", "5")],
    )
    .await;
    let settings = ok(&owner, "load_settings", &[]).await;
    assert_eq!(
        settings["reminders"],
        serde_json::json!({"before": [14, 3], "every": 0, "max_overdue": 0})
    );
    let member = app.member(&owner, "m@kanzlei-a.de", "member").await;
    let (s, _) = member
        .call(
            "save_reminder_schedule",
            &[("before", "1"), ("every", "1"), ("max_overdue", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

on_both_databases!(
    reminders_follow_the_schedule_once_per_slot,
    the_firm_sets_its_schedule
);

//! Notifications both sides: each person chooses per event — at once, daily summary, off —
//! in the portal, in the settings, or by the one-click link every mail carries. Mails tell
//! what happened, and the message text only when the firm allows it.

use crate::helpers::{outbox_texts, Db, TestApp};
use crate::on_both_databases;
use crate::portal::{ok, portal_browser};
use kundenportal::server::{db::now_ms, jobs};
use reqwest::StatusCode;

/// Notification mails to `to` (they all carry the one-click link).
fn notes_to(app: &TestApp, to: &str) -> Vec<String> {
    outbox_texts(app)
        .into_iter()
        .filter(|m| m.to_lowercase().contains(&format!("to: {to}")) && m.contains("/notify/"))
        .collect()
}

fn token_in(mail: &str) -> String {
    let at = mail.find("/notify/").expect("a one-click link") + "/notify/".len();
    mail[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn run(app: &TestApp) {
    jobs::run_due(&app.state, now_ms()).await.unwrap();
}

async fn choices_decide_mail_digest_or_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Post", "chef@post.de").await;
    let x = owner.create_client("Xaver Post", "xaver@post.de").await;
    let phone = portal_browser(&app, "xaver@post.de").await;

    // At once (the default): a mail without the message's text, with the one-click link.
    ok(
        &owner,
        "send_message",
        &[("client_id", &x), ("text", "Geheime Zahlen 4711")],
    )
    .await;
    run(&app).await;
    let mails = notes_to(&app, "xaver@post.de");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].contains("neue Nachricht von Kanzlei Post"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("/portal"));
    assert!(!mails[0].contains("4711"), "no message text in mails");
    let token = token_in(&mails[0]);

    // The one-click link: no sign-in, the client's events.
    let anon = app.anonymous();
    let prefs = ok(&anon, "notify_prefs", &[("token", &token)]).await;
    assert_eq!(prefs["name"], "Xaver Post");
    assert_eq!(prefs["choices"].as_array().unwrap().len(), 6);
    let page = anon.html(&format!("/notify/{token}")).await;
    assert!(page.contains("save-prefs"), "{page}");
    ok(
        &anon,
        "save_notify_prefs",
        &[("token", &token), ("message", "digest")],
    )
    .await;
    let (s, _) = anon
        .call(
            "save_notify_prefs",
            &[("token", "kaputt"), ("message", "off")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = anon
        .call(
            "save_notify_prefs",
            &[("token", &token), ("message", "weekly")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Digest: nothing now, one summary after the next 07:00.
    ok(
        &owner,
        "send_message",
        &[("client_id", &x), ("text", "Zweite")],
    )
    .await;
    ok(
        &owner,
        "send_message",
        &[("client_id", &x), ("text", "Dritte")],
    )
    .await;
    run(&app).await;
    assert_eq!(notes_to(&app, "xaver@post.de").len(), 1);
    let tomorrow = now_ms() + 86_400_000;
    kundenportal::notify::prefs::scan_digests(&app.state, tomorrow)
        .await
        .unwrap();
    jobs::run_due(&app.state, tomorrow).await.unwrap();
    let mails = notes_to(&app, "xaver@post.de");
    assert_eq!(mails.len(), 2, "{mails:?}");
    let digest = mails
        .iter()
        .find(|m| m.contains("Zusammenfassung"))
        .unwrap();
    assert_eq!(
        digest.matches("neue Nachricht von Kanzlei Post").count(),
        2,
        "{digest}"
    );
    assert!(!digest.contains("Zweite"));
    // Sent once: another scan finds nothing.
    kundenportal::notify::prefs::scan_digests(&app.state, tomorrow)
        .await
        .unwrap();
    jobs::run_due(&app.state, tomorrow).await.unwrap();
    assert_eq!(notes_to(&app, "xaver@post.de").len(), 2);

    // Off, chosen in the portal: nothing at all.
    ok(
        &phone,
        "save_notify_prefs",
        &[("message", "off"), ("request", "instant")],
    )
    .await;
    let mine = ok(&phone, "notify_prefs", &[]).await;
    assert!(
        mine["choices"]
            .to_string()
            .contains("[\"Message\",\"Off\"]"),
        "{mine}"
    );
    ok(
        &owner,
        "send_message",
        &[("client_id", &x), ("text", "Vierte")],
    )
    .await;
    // A new request still mails (its own choice).
    let case = ok(
        &owner,
        "create_case",
        &[("client_id", &x), ("title", "ESt")],
    )
    .await;
    ok(
        &owner,
        "add_case_item",
        &[("case_id", case.as_str().unwrap()), ("title", "Vollmacht")],
    )
    .await;
    run(&app).await;
    kundenportal::notify::prefs::scan_digests(&app.state, tomorrow + 86_400_000)
        .await
        .unwrap();
    jobs::run_due(&app.state, tomorrow + 86_400_000)
        .await
        .unwrap();
    let mails = notes_to(&app, "xaver@post.de");
    assert_eq!(mails.len(), 3, "{mails:?}");
    assert!(mails
        .iter()
        .any(|m| m.contains("bittet Sie um ein weiteres Dokument")));
}

async fn staff_choose_for_messages_of_clients(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Team", "chef@team.de").await;
    let member = app.member(&owner, "m@team.de", "member").await;
    owner.create_client("Yvonne", "yvonne@team.de").await;
    ok(
        &member,
        "save_mail_pref",
        &[("mail_pref", "instant"), ("message_pref", "digest")],
    )
    .await;
    let settings = ok(&member, "load_settings", &[]).await;
    assert_eq!(settings["message_pref"], "Digest");
    let phone = portal_browser(&app, "yvonne@team.de").await;
    ok(&phone, "portal_send", &[("text", "Frage zu meiner Steuer")]).await;
    run(&app).await;
    // The bell of both; a mail for the owner, the member waits for the summary.
    for c in [&owner, &member] {
        assert_eq!(ok(c, "notification_count", &[]).await, 1);
    }
    let mails = notes_to(&app, "chef@team.de");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Yvonne hat Ihnen im Kundenportal geschrieben"));
    assert!(!mails[0].contains("Frage zu meiner Steuer"));
    assert!(notes_to(&app, "m@team.de").is_empty());
    let tomorrow = now_ms() + 86_400_000;
    kundenportal::notify::prefs::scan_digests(&app.state, tomorrow)
        .await
        .unwrap();
    jobs::run_due(&app.state, tomorrow).await.unwrap();
    let mails = notes_to(&app, "m@team.de");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Yvonne hat Ihnen im Kundenportal geschrieben"));
    // A staff member's one-click link offers the staff events only.
    let token = token_in(&mails[0]);
    let prefs = ok(&app.anonymous(), "notify_prefs", &[("token", &token)]).await;
    assert_eq!(prefs["choices"].as_array().unwrap().len(), 2, "{prefs}");
}

/// With the firm's consent, message mails quote the unread messages (and only those).
async fn firms_may_allow_message_text_in_mails(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Zitat", "chef@zitat.de").await;
    let x = owner.create_client("Xaver Zitat", "xaver@zitat.de").await;
    let phone = portal_browser(&app, "xaver@zitat.de").await;
    assert_eq!(
        ok(&owner, "portal_settings", &[]).await["message_text"],
        false
    );
    ok(
        &owner,
        "save_portal_settings",
        &[
            ("magic", "on"),
            ("grant", "all"),
            ("link_minutes", "15"),
            ("message_text", "on"),
        ],
    )
    .await;
    assert_eq!(
        ok(&owner, "portal_settings", &[]).await["message_text"],
        true
    );
    ok(
        &owner,
        "send_message",
        &[("client_id", &x), ("text", "Termin am 3. Mai\num 10 Uhr")],
    )
    .await;
    run(&app).await;
    let mails = notes_to(&app, "xaver@zitat.de");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].contains("Owner:\n> Termin am 3. Mai\n> um 10 Uhr"),
        "{}",
        mails[0]
    );
    // The other way round; a message read before the mail goes out is not quoted.
    ok(&phone, "portal_send", &[("text", "Passt, danke")]).await;
    run(&app).await;
    let mails = notes_to(&app, "chef@zitat.de");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].contains("Xaver Zitat:\n> Passt, danke"),
        "{}",
        mails[0]
    );
    ok(&phone, "portal_send", &[("text", "Noch eine Frage")]).await;
    ok(&owner, "chat", &[("client_id", &x)]).await;
    run(&app).await;
    let mails = notes_to(&app, "chef@zitat.de");
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(mails.iter().all(|m| !m.contains("Noch eine Frage")));
}

on_both_databases!(
    firms_may_allow_message_text_in_mails,
    choices_decide_mail_digest_or_nothing,
    staff_choose_for_messages_of_clients,
);

async fn every_client_mail_carries_the_portal_link(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Text", "chef@text.de").await;
    let x = owner.create_client("Xenia Text", "xenia@text.de").await;
    let base = [("magic", "on"), ("grant", "all"), ("link_minutes", "15")];
    // Unknown placeholders are refused, naming them and what is possible.
    let mut form = base.to_vec();
    form.push(("mail_footer", "Konto: {{ iban }}"));
    let (s, v) = owner.call("save_portal_settings", &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v.to_string().contains("iban") && v.to_string().contains("portal_url"),
        "{v}"
    );
    // The built-in text links the portal.
    ok(
        &owner,
        "create_upload_link",
        &[("client_id", &x), ("send_email", "on")],
    )
    .await;
    let portal = format!("{}/portal", app.url);
    let mails = |app: &TestApp| -> Vec<String> {
        outbox_texts(app)
            .into_iter()
            .filter(|m| m.to_lowercase().contains("to: xenia@text.de"))
            .collect()
    };
    assert!(mails(&app)[0].contains(&portal), "{:?}", mails(&app));
    // The firm's own text, filled in, in the link mail and in notifications.
    let mut form = base.to_vec();
    form.push((
        "mail_footer",
        "Ihr Zugang bei {{firm_name}}: {{ portal_url }} ({{ client_name }})",
    ));
    ok(&owner, "save_portal_settings", &form).await;
    let saved = ok(&owner, "portal_settings", &[]).await;
    assert!(saved["mail_footer"]
        .as_str()
        .unwrap()
        .starts_with("Ihr Zugang"));
    ok(
        &owner,
        "create_upload_link",
        &[("client_id", &x), ("send_email", "on")],
    )
    .await;
    ok(
        &owner,
        "send_message",
        &[("client_id", &x), ("text", "Hallo")],
    )
    .await;
    run(&app).await;
    let want = format!("Ihr Zugang bei Kanzlei Text: {portal} (Xenia Text)");
    let with_text: Vec<_> = mails(&app)
        .into_iter()
        .filter(|m| m.contains(&want))
        .collect();
    assert_eq!(with_text.len(), 2, "{:?}", mails(&app));
}

on_both_databases!(every_client_mail_carries_the_portal_link);

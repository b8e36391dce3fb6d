//! Support tickets: a client opens one in the portal, staff see the badge, answer (mailed to
//! the client with the portal link), write internal notes the client never sees, assign and
//! solve; a client's answer reopens a solved ticket and tells the assignee; attachments go
//! through the secure upload path; numbers count per firm; nobody else reads any of it.

use crate::helpers::{audit_actions, outbox_texts, Caller, Db, TestApp};
use crate::on_both_databases;
use crate::uploads::Tus;
use kundenportal::server::{db::now_ms, jobs};
use reqwest::StatusCode;
use serde_json::Value;

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

async fn status(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> StatusCode {
    c.call(endpoint, form).await.0
}

fn texts(detail: &Value) -> Vec<(String, String)> {
    detail["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_string(),
                p["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(kind: &str, text: &str) -> (String, String) {
    (kind.to_string(), text.to_string())
}

async fn unread(c: &Caller) -> i64 {
    ok(c, "ticket_unread_count", &[]).await.as_i64().unwrap()
}

/// The member's bell entries of one kind.
async fn bell_kinds(c: &Caller) -> Vec<String> {
    ok(c, "list_notifications", &[])
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn clients_open_tickets_and_staff_answer_them(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Steuerkanzlei Muster", "chef@muster.de").await;
    let anna = app.member(&owner, "anna@muster.de", "member").await;
    let (_, who) = anna.call("whoami", &[]).await;
    let anna_id = who["user_id"].as_str().unwrap().to_string();
    let client = owner
        .create_client("Bäckerei Brot GmbH", "info@brot.de")
        .await;
    let other = owner.create_client("Andere KG", "info@andere.de").await;
    let phone = crate::portal::portal_browser(&app, "info@brot.de").await;

    // Subject and message are required, with the field named.
    for (form, field) in [
        (vec![("text", "Frage")], "subject"),
        (vec![("subject", "Lohnabrechnung")], "text"),
        (vec![("subject", "  "), ("text", "x")], "subject"),
    ] {
        let (s, e) = phone.call("open_ticket", &form).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["Invalid"]["field"], field);
    }
    let id = ok(
        &phone,
        "open_ticket",
        &[
            ("subject", "Frage zur Lohnabrechnung"),
            (
                "text",
                "Können Sie mir die Abrechnung für November erklären?",
            ),
        ],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();

    // Staff: the badge, the list, the bell; reading clears the badge.
    assert_eq!(unread(&owner).await, 1);
    assert_eq!(unread(&anna).await, 1);
    let list = ok(&owner, "list_tickets", &[]).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["number"], 1);
    assert_eq!(list[0]["state"], "Open");
    assert_eq!(list[0]["client_name"], "Bäckerei Brot GmbH");
    assert_eq!(list[0]["unread"], true);
    assert!(bell_kinds(&owner)
        .await
        .contains(&"TicketOpened".to_string()));
    let detail = ok(&owner, "get_ticket", &[("id", &id)]).await;
    assert_eq!(
        texts(&detail),
        [pair(
            "Client",
            "Können Sie mir die Abrechnung für November erklären?"
        )]
    );
    assert_eq!(detail["ticket"]["opened_by"], "Bäckerei Brot GmbH");
    assert_eq!(unread(&owner).await, 0);
    assert_eq!(unread(&anna).await, 1, "each member reads for themselves");

    // An internal note stays internal; an answer goes to the client (in-progress, mailed).
    ok(
        &owner,
        "reply_ticket",
        &[
            ("id", &id),
            ("text", "Intern: Lohnbüro fragen."),
            ("internal", "on"),
        ],
    )
    .await;
    let (s, e) = owner
        .call("reply_ticket", &[("id", &id), ("text", " ")])
        .await;
    assert_eq!(
        (s, e["Invalid"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("text"))
    );
    let answer = [
        ("id", id.as_str()),
        (
            "text",
            "Gern: die Abrechnung enthält erstmals den Zuschlag.",
        ),
        ("idem_key", "antwort-1"),
    ];
    ok(&owner, "reply_ticket", &answer).await;
    // A resent answer (same key) counts once.
    ok(&owner, "reply_ticket", &answer).await;
    let seen = ok(&phone, "portal_ticket", &[("id", &id)]).await;
    assert_eq!(
        texts(&seen),
        [
            pair(
                "Client",
                "Können Sie mir die Abrechnung für November erklären?"
            ),
            pair(
                "Staff",
                "Gern: die Abrechnung enthält erstmals den Zuschlag."
            ),
        ]
    );
    assert!(
        !seen.to_string().contains("Lohnbüro"),
        "the note leaked: {seen}"
    );
    assert_eq!(seen["ticket"]["state"], "InProgress");
    assert_eq!(seen["ticket"]["assignee_id"], Value::Null);
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    let mails: Vec<String> = outbox_texts(&app)
        .into_iter()
        .filter(|m| m.contains("[Ticket #1]"))
        .collect();
    assert_eq!(mails.len(), 1, "one mail for one answer: {mails:?}");
    assert!(mails[0].contains("To: info@brot.de"), "{}", mails[0]);
    assert!(
        mails[0].contains(&format!("/portal/tickets/{id}")),
        "{}",
        mails[0]
    );
    assert!(!mails[0].contains("Lohnbüro"));

    // The client's list marks the answer until it is read.
    let mine = ok(&phone, "portal_tickets", &[]).await;
    assert_eq!(mine[0]["unread"], false, "read when opened above");

    // Assigned to Anna: she hears of it, and of the client's next answer; the owner does not.
    let (s, e) = owner
        .call("assign_ticket", &[("id", &id), ("user_id", "niemand")])
        .await;
    assert_eq!(
        (s, e["Invalid"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("user_id"))
    );
    ok(
        &owner,
        "assign_ticket",
        &[("id", &id), ("user_id", &anna_id)],
    )
    .await;
    assert!(bell_kinds(&anna)
        .await
        .contains(&"TicketAssigned".to_string()));
    ok(
        &owner,
        "set_ticket_state",
        &[("id", &id), ("state", "solved")],
    )
    .await;
    let (s, _) = owner
        .call("set_ticket_state", &[("id", &id), ("state", "weg")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let owner_bell = bell_kinds(&owner).await;
    ok(
        &phone,
        "portal_reply_ticket",
        &[
            ("id", &id),
            ("text", "Danke, eine Frage noch: gilt das ab Dezember?"),
        ],
    )
    .await;
    let t = ok(&owner, "get_ticket", &[("id", &id)]).await;
    assert_eq!(
        t["ticket"]["state"], "Open",
        "a client's answer reopens a solved ticket"
    );
    assert_eq!(t["ticket"]["assignee_id"].as_str(), Some(anna_id.as_str()));
    let anna_bell = bell_kinds(&anna).await;
    assert!(
        anna_bell.contains(&"TicketReply".to_string()),
        "{anna_bell:?}"
    );
    assert_eq!(
        bell_kinds(&owner).await.len(),
        owner_bell.len(),
        "only the assignee is told"
    );

    // Filters: state, assignee, client.
    let id2 = ok(
        &phone,
        "open_ticket",
        &[
            ("subject", "Adresse ändern"),
            ("text", "Neue Adresse: Hauptstraße 2"),
        ],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    let andere = crate::portal::portal_browser(&app, "info@andere.de").await;
    let id_other = ok(
        &andere,
        "open_ticket",
        &[("subject", "Andere Frage"), ("text", "Hallo")],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();

    let numbers = |v: Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|k| k["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers(ok(&owner, "list_tickets", &[]).await), [3, 2, 1]);
    assert_eq!(
        numbers(ok(&anna, "list_tickets", &[("assignee", "me")]).await),
        [1]
    );
    assert_eq!(
        numbers(ok(&owner, "list_tickets", &[("assignee", "none")]).await),
        [3, 2]
    );
    assert_eq!(
        numbers(ok(&owner, "list_tickets", &[("state", "open")]).await),
        [3, 2, 1]
    );
    assert_eq!(
        numbers(ok(&owner, "list_tickets", &[("state", "solved")]).await),
        Vec::<i64>::new()
    );
    assert_eq!(
        numbers(ok(&owner, "list_tickets", &[("client_id", &other)]).await),
        [3]
    );
    assert_eq!(
        numbers(ok(&owner, "list_tickets", &[("client_id", &client)]).await),
        [2, 1]
    );
    assert_eq!(
        numbers(ok(&owner, "list_tickets", &[("unread", "1")]).await),
        [3, 2],
        "the owner read #1 after the client's answer"
    );

    // A file attached in the portal is a post of the thread, scanned and sealed like any.
    let tus = Tus::portal(&phone);
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";
    let r = tus
        .create_with("Lohnzettel.pdf", pdf.len(), &[("ticket", &id2)])
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    tus.upload_all(&loc, pdf, 64 * 1024).await;
    let t2 = ok(&owner, "get_ticket", &[("id", &id2)]).await;
    let posts = t2["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 2, "{t2}");
    assert_eq!(posts[1]["file"]["name"], "Lohnzettel.pdf");
    assert_eq!(posts[1]["file"]["blocked"], false);
    // Another client's ticket is no target.
    let r = tus.create_with("x.pdf", 3, &[("ticket", &id_other)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Nobody else: another client of the firm, a contact without the chat right, another firm.
    let bernd = crate::portal::contact_with(&app, &owner, &client, "bernd@brot.de", "files").await;
    assert_eq!(
        status(&bernd, "portal_tickets", &[]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&bernd, "open_ticket", &[("subject", "x"), ("text", "y")]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&andere, "portal_ticket", &[("id", &id)]).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(
            &andere,
            "portal_reply_ticket",
            &[("id", &id), ("text", "x")]
        )
        .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ok(&andere, "portal_tickets", &[])
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let firm_b = app.firm("Kanzlei B", "chef@kanzlei-b.de").await;
    for (endpoint, form) in [
        ("get_ticket", vec![("id", id.as_str())]),
        ("reply_ticket", vec![("id", id.as_str()), ("text", "x")]),
        (
            "set_ticket_state",
            vec![("id", id.as_str()), ("state", "solved")],
        ),
        ("assign_ticket", vec![("id", id.as_str())]),
    ] {
        assert_eq!(
            status(&firm_b, endpoint, &form).await,
            StatusCode::NOT_FOUND,
            "{endpoint}"
        );
    }
    assert!(ok(&firm_b, "list_tickets", &[])
        .await
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(unread(&firm_b).await, 0);
    // Numbers count per firm.
    firm_b.create_client("Kunde B", "kunde@b.de").await;
    let b_phone = crate::portal::portal_browser(&app, "kunde@b.de").await;
    ok(
        &b_phone,
        "open_ticket",
        &[("subject", "Hallo"), ("text", "Erstes Ticket")],
    )
    .await;
    assert_eq!(numbers(ok(&firm_b, "list_tickets", &[]).await), [1]);

    // A restricted client's tickets are as absent for members off its team.
    ok(
        &owner,
        "save_restriction",
        &[("scope", "client"), ("id", &client), ("restricted", "on")],
    )
    .await;
    assert_eq!(
        numbers(ok(&anna, "list_tickets", &[]).await),
        [3],
        "only the other client's"
    );
    assert_eq!(unread(&anna).await, 1);
    assert_eq!(
        status(&anna, "get_ticket", &[("id", &id)]).await,
        StatusCode::NOT_FOUND
    );

    let actions = audit_actions(&app, "ticket.%").await;
    for a in [
        "ticket.opened",
        "ticket.answered",
        "ticket.assigned",
        "ticket.state_changed",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }
}

on_both_databases!(clients_open_tickets_and_staff_answer_them);

//! Restricted clients: a client limited to named members is invisible to everyone else of the
//! firm below owner/admin — lists, search, pages, dashboard, bell, mails, live streams — and a
//! change of its team counts from the next request and the next live event.

use crate::helpers::{outbox_texts, Caller, Db, TestApp};
use crate::live::{upload, Events};
use crate::on_both_databases;
use crate::uploads::{firm_with_link, Tus};
use kundenportal::server::{db::now_ms, jobs};
use reqwest::StatusCode;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

async fn restricted_clients_reach_only_their_team(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, secret, token) = firm_with_link(&app, &[]).await;
    let open = owner.create_client("Offen GmbH", "").await;
    let on_team = app.member(&owner, "team@kanzlei-a.de", "member").await;
    let outsider = app.member(&owner, "aussen@kanzlei-a.de", "member").await;
    let (_, me) = on_team.call("whoami", &[]).await;
    let on_team_id = me["user_id"].as_str().unwrap().to_string();

    // Only the owner sees and sets the team.
    let (s, team) = owner
        .call("load_restriction", &[("scope", "client"), ("id", &secret)])
        .await;
    assert_eq!(s, StatusCode::OK, "{team}");
    assert_eq!(team["restricted"], false);
    assert_eq!(team["members"].as_array().unwrap().len(), 3);
    let (s, _) = outsider
        .call("load_restriction", &[("scope", "client"), ("id", &secret)])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = owner
        .call(
            "save_restriction",
            &[
                ("scope", "client"),
                ("id", &secret),
                ("restricted", "on"),
                ("members[]", "kein-mitglied"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    restrict(&owner, &secret, &[&on_team_id]).await;
    let (_, team) = owner
        .call("load_restriction", &[("scope", "client"), ("id", &secret)])
        .await;
    assert_eq!(team["restricted"], true);
    let chosen: Vec<_> = team["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["on_team"] == true)
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(chosen, vec![on_team_id.clone()]);

    // Live: an upload of the restricted client reaches the owner's and the team member's
    // streams; the outsider's stream goes on with the open client's case as its next event.
    let mut owner_events = Events::open(&owner, None).await;
    let mut team_events = Events::open(&on_team, None).await;
    let mut outsider_events = Events::open(&outsider, None).await;
    upload(&Tus::new(&app.url, &token), "Geheim.pdf").await;
    let (s, _) = owner
        .call(
            "create_case",
            &[("client_id", &open), ("title", "Jahresabschluss")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    for events in [&mut owner_events, &mut team_events] {
        let clients = clients_of(events).await;
        assert!(
            clients.contains(&secret) && clients.contains(&open),
            "{clients:?}"
        );
    }
    assert_eq!(clients_of(&mut outsider_events).await, vec![open.clone()]);

    // Bell and mails: the outsider is not told about the upload.
    assert_eq!(bell(&on_team).await, 1);
    assert_eq!(bell(&outsider).await, 0);
    let (_, list) = outsider.call("list_notifications", &[]).await;
    assert!(list.as_array().unwrap().is_empty(), "{list}");
    jobs::run_due(&app.state, now_ms() + 61_000).await.unwrap();
    let mails: Vec<String> = outbox_texts(&app)
        .into_iter()
        .filter(|m| m.contains("Geheim.pdf"))
        .collect();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        mails.iter().any(|m| m.contains("To: team@kanzlei-a.de")),
        "{mails:?}"
    );
    assert!(
        mails.iter().any(|m| m.contains("To: a@kanzlei-a.de")),
        "{mails:?}"
    );

    // Lists, search, page, dashboard: the outsider finds nothing of it.
    let (_, page) = outsider.call("list_clients", &[("q", "Schmidt")]).await;
    assert_eq!(page["total"], 0, "{page}");
    let (_, page) = outsider.call("list_clients", &[]).await;
    assert_eq!(page["total"], 1, "{page}");
    let (s, _) = outsider.call("get_client", &[("id", &secret)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, dash) = outsider.call("load_dashboard", &[]).await;
    assert_eq!(dash["to_review"], 0, "{dash}");
    assert!(!dash.to_string().contains("Schmidt"), "{dash}");
    let (_, dash) = on_team.call("load_dashboard", &[]).await;
    assert_eq!(dash["to_review"], 1, "{dash}");
    let (s, _) = on_team.call("get_client", &[("id", &secret)]).await;
    assert_eq!(s, StatusCode::OK);

    // Taken off the team: the next request is refused, the open stream skips the client.
    restrict(&owner, &secret, &[]).await;
    let (s, _) = on_team.call("get_client", &[("id", &secret)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(bell(&on_team).await, 0);
    for (client, title) in [(&secret, "Geheimer Vorgang"), (&open, "Lohn")] {
        let (s, _) = owner
            .call("create_case", &[("client_id", client), ("title", title)])
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    assert_eq!(clients_of(&mut team_events).await, vec![open.clone()]);
    let clients = clients_of(&mut owner_events).await;
    assert!(clients.contains(&secret), "{clients:?}");

    // Opened to the whole team again: the outsider sees it on the next request.
    let (s, _) = owner
        .call("save_restriction", &[("scope", "client"), ("id", &secret)])
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, detail) = outsider.call("get_client", &[("id", &secret)]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(detail["client"]["restricted"], false);
    let (_, audit) = owner.call("audit_log", &[("client_id", &secret)]).await;
    assert!(audit.to_string().contains("client.team_changed"), "{audit}");
}

/// The clients of the events a stream delivers until it is quiet for a second and a half (the
/// first one may take up to five).
async fn clients_of(events: &mut Events) -> Vec<String> {
    field_of(events, "client_id").await
}

/// One field of each event a stream delivers until it is quiet for a second and a half.
async fn field_of(events: &mut Events, field: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut wait = WAIT;
    while let Some((_, e)) = events.next(wait).await {
        out.push(e[field].as_str().unwrap_or_default().to_string());
        wait = Duration::from_millis(1500);
    }
    out
}

/// Restricts the client to `members`.
async fn restrict(owner: &Caller, client: &str, members: &[&str]) {
    restrict_to(owner, "client", client, members).await
}

/// Restricts a client or case (`scope`) to `members`.
async fn restrict_to(owner: &Caller, scope: &str, id: &str, members: &[&str]) {
    let mut form = vec![("scope", scope), ("id", id), ("restricted", "on")];
    form.extend(members.iter().map(|m| ("members[]", *m)));
    let (s, b) = owner.call("save_restriction", &form).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// The member's unread bell entries.
async fn bell(c: &Caller) -> i64 {
    let (_, n) = c.call("notification_count", &[]).await;
    n.as_i64().unwrap()
}

async fn restricted_cases_reach_only_their_team(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let on_team = app.member(&owner, "team@kanzlei-a.de", "member").await;
    let outsider = app.member(&owner, "aussen@kanzlei-a.de", "member").await;
    let (_, me) = on_team.call("whoami", &[]).await;
    let on_team_id = me["user_id"].as_str().unwrap().to_string();
    let (_, me) = outsider.call("whoami", &[]).await;
    let outsider_id = me["user_id"].as_str().unwrap().to_string();
    let case = |title: &'static str| {
        let owner = &owner;
        let client = &client;
        async move {
            let (s, id) = owner
                .call("create_case", &[("client_id", client), ("title", title)])
                .await;
            assert_eq!(s, StatusCode::OK, "{id}");
            id.as_str().unwrap().to_string()
        }
    };
    let secret = case("Betriebsprüfung").await;
    let open = case("Lohn").await;
    let (s, _) = owner
        .call(
            "add_case_item",
            &[
                ("case_id", &secret),
                ("title", "Vollmacht"),
                ("required", "1"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, detail) = owner.call("get_case", &[("id", &secret)]).await;
    let item = detail["items"][0]["id"].as_str().unwrap().to_string();

    // Only the owner sees and sets the case's team.
    let (s, _) = outsider
        .call("load_restriction", &[("scope", "case"), ("id", &secret)])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, team) = owner
        .call("load_restriction", &[("scope", "case"), ("id", &secret)])
        .await;
    assert_eq!(s, StatusCode::OK, "{team}");
    assert_eq!(team["members"].as_array().unwrap().len(), 3);
    restrict_to(&owner, "case", &secret, &[&on_team_id]).await;
    let (_, cases) = owner.call("list_cases", &[("client_id", &client)]).await;
    assert!(cases.to_string().contains("Betriebsprüfung"), "{cases}");

    // The client sends a file for the restricted case's item, then writes in the open case.
    let mut team_events = Events::open(&on_team, None).await;
    let mut outsider_events = Events::open(&outsider, None).await;
    let tus = Tus::new(&app.url, &token);
    let r = tus
        .create_with("Geheim.pdf", crate::live::PDF.len(), &[("item_id", &item)])
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    tus.upload_all(&loc, crate::live::PDF, 64 * 1024).await;
    let (s, _) = owner
        .call(
            "add_case_item",
            &[
                ("case_id", &open),
                ("title", "Lohnjournal"),
                ("required", "1"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let seen = field_of(&mut team_events, "subject").await;
    assert!(
        seen.iter().any(|s| s == "Geheim.pdf") && seen.iter().any(|s| s == "Lohnjournal"),
        "{seen:?}"
    );
    let seen = field_of(&mut outsider_events, "subject").await;
    assert!(!seen.iter().any(|s| s == "Geheim.pdf"), "{seen:?}");
    assert!(seen.iter().any(|s| s == "Lohnjournal"), "{seen:?}");
    let (_, files) = on_team
        .call("list_client_files", &[("client_id", &client)])
        .await;
    let file = files[0]["id"].as_str().unwrap().to_string();

    // The outsider sees the client, but nothing of the case: not in lists, pages, files,
    // downloads, conversations, bell, dashboard, history or mails.
    let (_, cases) = outsider.call("list_cases", &[("client_id", &client)]).await;
    assert!(!cases.to_string().contains("Betriebsprüfung"), "{cases}");
    assert!(cases.to_string().contains("Lohn"), "{cases}");
    for (f, args) in [
        ("get_case", vec![("id", secret.as_str())]),
        (
            "chat",
            vec![("client_id", client.as_str()), ("case_id", secret.as_str())],
        ),
        (
            "attach_item_file",
            vec![("item_id", item.as_str()), ("file_id", file.as_str())],
        ),
    ] {
        let (s, b) = outsider.call(f, &args).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{f}: {b}");
    }
    let (_, files) = outsider
        .call("list_client_files", &[("client_id", &client)])
        .await;
    assert_eq!(files.as_array().unwrap().len(), 0, "{files}");
    let r = outsider.get(&format!("/api/files/{file}/download")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, chat) = outsider.call("chat", &[("client_id", &client)]).await;
    assert!(!chat.to_string().contains("Betriebsprüfung"), "{chat}");
    let (_, detail) = outsider.call("get_client", &[("id", &client)]).await;
    assert!(
        !detail["activity"].to_string().contains("case."),
        "{detail}"
    );
    assert_eq!(bell(&outsider).await, 0);
    let (_, dash) = outsider.call("load_dashboard", &[]).await;
    assert_eq!(dash["to_review"], 0, "{dash}");
    assert_eq!(dash["open_cases"], 1, "{dash}");
    assert!(!dash.to_string().contains("Geheim.pdf"), "{dash}");
    // Staff cannot post into the hidden case's conversation either.
    let r = Tus::staff(&outsider)
        .create_with(
            "x.pdf",
            10,
            &[("client_id", client.as_str()), ("chat", secret.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The team member sees it all.
    let (s, _) = on_team.call("get_case", &[("id", &secret)]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(bell(&on_team).await, 1);
    let (_, dash) = on_team.call("load_dashboard", &[]).await;
    assert_eq!(dash["to_review"], 1, "{dash}");
    assert_eq!(dash["open_cases"], 2, "{dash}");
    let r = on_team.get(&format!("/api/files/{file}/download")).await;
    assert_eq!(r.status(), StatusCode::OK);
    jobs::run_due(&app.state, now_ms() + 61_000).await.unwrap();
    let mails: Vec<String> = outbox_texts(&app)
        .into_iter()
        .filter(|m| m.contains("Geheim.pdf"))
        .collect();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        !mails.iter().any(|m| m.contains("To: aussen@kanzlei-a.de")),
        "{mails:?}"
    );

    // A case's team reaches no further than its client's: with the client restricted to the
    // team member, the outsider cannot be put on the case.
    restrict(&owner, &client, &[&on_team_id]).await;
    let (_, team) = owner
        .call("load_restriction", &[("scope", "case"), ("id", &secret)])
        .await;
    assert_eq!(team["members"].as_array().unwrap().len(), 2, "{team}");
    let (s, _) = owner
        .call(
            "save_restriction",
            &[
                ("scope", "case"),
                ("id", &secret),
                ("restricted", "on"),
                ("members[]", &outsider_id),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = owner
        .call("save_restriction", &[("scope", "client"), ("id", &client)])
        .await;
    assert_eq!(s, StatusCode::OK);

    // Taken off the case's team: refused from the next request on.
    restrict_to(&owner, "case", &secret, &[]).await;
    let (s, _) = on_team.call("get_case", &[("id", &secret)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(bell(&on_team).await, 0);

    // Opened again: everyone sees it; the trail records each change.
    let (s, _) = owner
        .call("save_restriction", &[("scope", "case"), ("id", &secret)])
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = outsider.call("get_case", &[("id", &secret)]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        crate::helpers::audit_actions(&app, "case.team_changed")
            .await
            .len(),
        3
    );
}

on_both_databases!(restricted_clients_reach_only_their_team);
on_both_databases!(restricted_cases_reach_only_their_team);

//! Hours and budget for retainer clients: staff log time against a client or one of its cases,
//! the monthly budget counts from the month it is set, the client sees hours used against it in
//! the portal only when the firm shows them, entries of hidden cases stay hidden, members delete
//! only their own entries, and no other firm reads or writes any of it.

use crate::helpers::{audit_actions, Caller, Db, TestApp};
use crate::on_both_databases;
use kundenportal::hours::Month;
use reqwest::StatusCode;
use serde_json::Value;

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

/// The field a 422 names.
async fn refused(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> String {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{endpoint} {form:?}: {v}"
    );
    v["Invalid"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// (month, used, budget) of the overview, newest first.
fn months(h: &Value) -> Vec<(String, i64, i64)> {
    h["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                Month(f["month"].as_i64().unwrap()).key(),
                f["used"].as_i64().unwrap(),
                f["budget"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// (description, minutes, case title) of the month's entries.
fn entries(h: &Value) -> Vec<(String, i64, String)> {
    h["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["description"].as_str().unwrap().to_string(),
                e["minutes"].as_i64().unwrap(),
                e["case_title"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn log(
    c: &Caller,
    client: &str,
    date: &str,
    duration: &str,
    what: &str,
    case: &str,
) -> String {
    let v = ok(
        c,
        "log_time",
        &[
            ("client_id", client),
            ("work_date", date),
            ("duration", duration),
            ("description", what),
            ("case_id", case),
        ],
    )
    .await;
    v.as_str().unwrap().to_string()
}

async fn retainer_hours_count_against_a_monthly_budget(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "chef@kanzlei-a.de").await;
    let client = owner.create_client("Bäckerei Brot", "info@brot.de").await;
    let other = owner.create_client("Andere KG", "info@andere.de").await;
    let case_of = |client: String, title: &'static str| {
        let owner = &owner;
        async move {
            ok(
                owner,
                "create_case",
                &[("client_id", &client), ("title", title)],
            )
            .await
            .as_str()
            .unwrap()
            .to_string()
        }
    };
    let lohn = case_of(client.clone(), "Lohnbuchhaltung").await;
    let foreign_case = case_of(other.clone(), "Fremd").await;
    let first = ok(&owner, "list_hours", &[("client_id", &client)]).await;
    let today = first["today"].as_str().unwrap().to_string();
    let this_month = Month::parse(&today).unwrap();
    assert_eq!(Month(first["current"].as_i64().unwrap()), this_month);
    assert!(
        entries(&first).is_empty() && months(&first).is_empty(),
        "{first}"
    );
    let tomorrow = time::Date::parse(
        &today,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap()
    .next_day()
    .unwrap()
    .to_string();
    let last_month = this_month.plus(-1);
    let last_month_day = format!("{}-15", last_month.key());

    // Every bad input is refused with the field it concerns.
    let base = |date: &'static str, duration: &'static str, what: &'static str| {
        vec![
            ("client_id", client.as_str()),
            ("work_date", date),
            ("duration", duration),
            ("description", what),
        ]
    };
    for (form, field) in [
        (base("", "1:00", "X"), "work_date"),
        (base("2026-02-30", "1:00", "X"), "work_date"),
        (base("30.11.2026", "1:00", "X"), "work_date"),
        (base("2020-01-01", "", "X"), "duration"),
        (base("2020-01-01", "viel", "X"), "duration"),
        (base("2020-01-01", "0", "X"), "duration"),
        (base("2020-01-01", "25:00", "X"), "duration"),
        (base("2020-01-01", "1:00", ""), "description"),
    ] {
        assert_eq!(refused(&owner, "log_time", &form).await, field, "{form:?}");
    }
    let mut future = base("", "1:00", "X");
    future[1].1 = &tomorrow;
    assert_eq!(refused(&owner, "log_time", &future).await, "work_date");
    let mut wrong_case = base("2020-01-01", "1:00", "X");
    wrong_case.push(("case_id", &foreign_case));
    assert_eq!(refused(&owner, "log_time", &wrong_case).await, "case_id");
    for bad in ["zehn", "800", "0"] {
        assert_eq!(
            refused(
                &owner,
                "save_budget",
                &[("client_id", &client), ("budget", bad)]
            )
            .await,
            "budget",
            "{bad}"
        );
    }
    assert_eq!(
        refused(
            &owner,
            "list_hours",
            &[("client_id", &client), ("month", "2026-13")]
        )
        .await,
        "month"
    );

    // Ten hours a month from now on; last month had no budget and keeps none.
    ok(
        &owner,
        "save_budget",
        &[("client_id", &client), ("budget", "10")],
    )
    .await;
    log(&owner, &client, &today, "1:30", "Lohnabrechnung", &lohn).await;
    log(&owner, &client, &today, "2,5", "Beratung Umsatzsteuer", "").await;
    log(
        &owner,
        &client,
        &last_month_day,
        "7 h",
        "Jahresabschluss",
        "",
    )
    .await;
    log(&owner, &other, &today, "3", "Andere Arbeit", "").await;
    let h = ok(&owner, "list_hours", &[("client_id", &client)]).await;
    assert_eq!(
        (h["figure"]["used"].as_i64(), h["figure"]["budget"].as_i64()),
        (Some(240), Some(600))
    );
    assert_eq!(h["budget"], 600);
    let mut listed = entries(&h);
    listed.sort();
    assert_eq!(
        listed,
        [
            ("Beratung Umsatzsteuer".to_string(), 150, String::new()),
            (
                "Lohnabrechnung".to_string(),
                90,
                "Lohnbuchhaltung".to_string()
            ),
        ]
    );
    assert_eq!(h["entries"][0]["by"], "Owner");
    assert_eq!(
        months(&h),
        [(this_month.key(), 240, 600), (last_month.key(), 420, 0)]
    );
    let back = ok(
        &owner,
        "list_hours",
        &[("client_id", &client), ("month", &last_month.key())],
    )
    .await;
    assert_eq!(
        entries(&back),
        [("Jahresabschluss".to_string(), 420, String::new())]
    );
    assert_eq!(back["figure"]["budget"], 0);
    // A month after this one shows this one.
    let ahead = ok(
        &owner,
        "list_hours",
        &[("client_id", &client), ("month", &this_month.plus(3).key())],
    )
    .await;
    assert_eq!(Month(ahead["month"].as_i64().unwrap()), this_month);

    // The portal shows nothing until the firm switches it on.
    let phone = crate::portal::portal_browser(&app, "info@brot.de").await;
    let (s, _) = phone.call("portal_hours", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let state = ok(&phone, "portal_state", &[]).await;
    assert_eq!(state["In"]["hours"], false);
    assert_eq!(h["in_portal"], false);
    ok(
        &owner,
        "save_billing",
        &[("terms_days", "14"), ("hours_in_portal", "on")],
    )
    .await;
    let billing = ok(&owner, "load_billing", &[]).await;
    assert_eq!(billing["hours_in_portal"], true);
    let state = ok(&phone, "portal_state", &[]).await;
    assert_eq!(state["In"]["hours"], true);
    let mine = ok(&phone, "portal_hours", &[]).await;
    assert_eq!(
        (
            mine["figure"]["used"].as_i64(),
            mine["figure"]["budget"].as_i64()
        ),
        (Some(240), Some(600))
    );
    assert_eq!(entries(&mine).len(), 2);
    for e in mine["entries"].as_array().unwrap() {
        assert_eq!(
            (e["by"].as_str(), e["can_delete"].as_bool()),
            (Some(""), Some(false)),
            "no staff names: {e}"
        );
    }
    assert_eq!(months(&mine), months(&h));
    // Over budget shows as such: 8 more hours make 12 of 10.
    log(&owner, &client, &today, "8:00", "Betriebsprüfung", "").await;
    let mine = ok(&phone, "portal_hours", &[]).await;
    assert_eq!(mine["figure"]["used"], 720);

    // A contact without the invoices right sees no hours.
    let bernd = crate::portal::contact_with(&app, &owner, &client, "bernd@brot.de", "files").await;
    let (s, _) = bernd.call("portal_hours", &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(ok(&bernd, "portal_state", &[]).await["In"]["hours"], false);

    // Members delete their own entries; owners and admins any; read-only accounts log nothing.
    let anna = app.member(&owner, "anna@kanzlei-a.de", "member").await;
    let ben = app.member(&owner, "ben@kanzlei-a.de", "member").await;
    let reader = app.member(&owner, "lesen@kanzlei-a.de", "readonly").await;
    let annas = log(&anna, &client, &today, "0:45", "Telefonat", "").await;
    let (s, _) = ben.call("delete_time", &[("id", &annas)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = reader
        .call(
            "log_time",
            &[
                ("client_id", &client),
                ("work_date", &today),
                ("duration", "1"),
                ("description", "X"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let seen_by_ben = ok(&ben, "list_hours", &[("client_id", &client)]).await;
    let annas_row = seen_by_ben["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == annas.as_str())
        .unwrap();
    assert_eq!(annas_row["can_delete"], false);
    ok(&anna, "delete_time", &[("id", &annas)]).await;
    let bens = log(&ben, &client, &today, "0:15", "Rückfrage", "").await;
    ok(&owner, "delete_time", &[("id", &bens)]).await;
    let (s, _) = owner.call("delete_time", &[("id", &bens)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A restricted case's entries stay hidden from members off its team; the total still counts them.
    ok(
        &owner,
        "save_restriction",
        &[("scope", "case"), ("id", &lohn), ("restricted", "on")],
    )
    .await;
    let seen_by_ben = ok(&ben, "list_hours", &[("client_id", &client)]).await;
    assert_eq!(seen_by_ben["figure"]["used"], 720);
    assert_eq!(seen_by_ben["hidden_minutes"], 90);
    assert!(
        !seen_by_ben.to_string().contains("Lohnbuchhaltung"),
        "{seen_by_ben}"
    );
    let lohn_entry = ok(&owner, "list_hours", &[("client_id", &client)]).await["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["case_title"] == "Lohnbuchhaltung")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = ben.call("delete_time", &[("id", &lohn_entry)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = ben
        .call(
            "log_time",
            &[
                ("client_id", &client),
                ("work_date", &today),
                ("duration", "1"),
                ("description", "X"),
                ("case_id", &lohn),
            ],
        )
        .await;
    assert_eq!(
        (s, e["Invalid"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("case_id"))
    );

    // Another firm reads and writes none of it.
    let firm_b = app.firm("Kanzlei B", "chef@kanzlei-b.de").await;
    for (endpoint, form) in [
        ("list_hours", vec![("client_id", client.as_str())]),
        (
            "log_time",
            vec![
                ("client_id", client.as_str()),
                ("work_date", today.as_str()),
                ("duration", "1"),
                ("description", "X"),
            ],
        ),
        (
            "save_budget",
            vec![("client_id", client.as_str()), ("budget", "1")],
        ),
        ("delete_time", vec![("id", lohn_entry.as_str())]),
    ] {
        let (s, _) = firm_b.call(endpoint, &form).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{endpoint}");
    }

    // Removing the budget counts from this month; the audit trail has every change.
    ok(
        &owner,
        "save_budget",
        &[("client_id", &client), ("budget", "")],
    )
    .await;
    let h = ok(&owner, "list_hours", &[("client_id", &client)]).await;
    assert_eq!(
        (h["figure"]["budget"].as_i64(), h["budget"].as_i64()),
        (Some(0), Some(0))
    );
    let actions = audit_actions(&app, "%").await;
    for a in ["hours.logged", "hours.deleted", "client.budget_changed"] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }
}

on_both_databases!(retainer_hours_count_against_a_monthly_budget);

//! Authorization matrix: every server function, called as anonymous, as staff of another firm
//! (with this firm's ids), as another client of the same firm (portal session), as a read-only
//! member, as a member who is not on the (restricted) client's team, and as the right role.
//! Anonymous gets 401, the other firm 404 (never data), a client session 401 for staff functions
//! and 404 for another client's objects, read-only 403 for changes, members 403 for what only
//! owners and admins may, the unassigned member 404 for everything of the restricted client, and
//! the member on its team gets the data. The HTTP routes besides server functions (downloads,
//! exports, streams, tus) go through the same cells; a server function or route missing from the
//! lists fails the test, so new endpoints cannot skip this check.

use crate::helpers::{error_kind, last_segment, Db, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;

/// How an endpoint treats callers.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    /// Open to anyone (login, setup, invitation pages).
    Public,
    /// Staff only; reading.
    StaffRead,
    /// Staff only; changes data (read-only members get 403).
    StaffWrite,
    /// Clients signed in to the portal only (a staff session is none).
    Client,
    /// Owners and admins only (members and read-only accounts get 403).
    Admin,
}

/// (endpoint, kind, whether it takes ids of the firm's objects).
const ENDPOINTS: &[(&str, Kind, bool)] = &[
    ("setup_needed", Kind::Public, false),
    ("setup_firm", Kind::Public, false),
    ("login", Kind::Public, false),
    ("logout", Kind::Public, false),
    ("set_language", Kind::Public, false),
    ("load_invite", Kind::Public, false),
    ("accept_invite", Kind::Public, false),
    ("whoami", Kind::StaffRead, false),
    ("list_clients", Kind::StaffRead, false),
    ("get_client", Kind::StaffRead, true),
    ("load_team", Kind::StaffRead, false),
    ("create_client", Kind::StaffWrite, false),
    ("update_client", Kind::StaffWrite, true),
    ("set_client_status", Kind::StaffWrite, true),
    ("add_client_note", Kind::StaffWrite, true),
    ("delete_client", Kind::StaffWrite, true),
    ("invite_member", Kind::StaffWrite, false),
    ("revoke_invite", Kind::StaffWrite, true),
    ("change_role", Kind::StaffWrite, true),
    ("set_member_active", Kind::StaffWrite, true),
    ("change_plan", Kind::StaffWrite, false),
    ("public_upload_link", Kind::Public, false),
    ("list_upload_links", Kind::StaffRead, true),
    ("list_client_files", Kind::StaffRead, true),
    ("create_upload_link", Kind::StaffWrite, true),
    ("revoke_upload_link", Kind::StaffWrite, true),
    ("review_file", Kind::StaffWrite, true),
    ("load_settings", Kind::StaffRead, false),
    ("save_file_types", Kind::StaffWrite, false),
    ("save_reminder_schedule", Kind::StaffWrite, false),
    // Personal: read-only members set their own mail preference and read their own bell.
    ("save_mail_pref", Kind::StaffRead, false),
    ("notification_count", Kind::StaffRead, false),
    ("list_notifications", Kind::StaffRead, false),
    ("mark_notifications_read", Kind::StaffRead, false),
    ("load_dashboard", Kind::StaffRead, false),
    ("list_cases", Kind::StaffRead, true),
    ("get_case", Kind::StaffRead, true),
    ("list_templates", Kind::StaffRead, false),
    ("load_case_options", Kind::StaffRead, false),
    ("create_case", Kind::StaffWrite, true),
    ("start_template", Kind::StaffWrite, true),
    ("update_case", Kind::StaffWrite, true),
    ("add_case_item", Kind::StaffWrite, true),
    ("delete_case_item", Kind::StaffWrite, true),
    ("review_item", Kind::StaffWrite, true),
    ("attach_item_file", Kind::StaffWrite, true),
    ("change_case_state", Kind::StaffWrite, true),
    ("set_case_reminders", Kind::StaffWrite, true),
    ("save_case_template", Kind::StaffWrite, true),
    ("delete_template", Kind::StaffWrite, true),
    ("request_portal_link", Kind::Public, false),
    ("magic_link_state", Kind::Public, false),
    ("open_magic_link", Kind::Public, false),
    ("portal_password_login", Kind::Public, false),
    ("portal_state", Kind::Public, false),
    ("portal_logout", Kind::Public, false),
    ("portal_choices", Kind::Client, false),
    ("choose_portal_client", Kind::Client, true),
    ("set_portal_password", Kind::Client, false),
    ("portal_home", Kind::Client, false),
    ("portal_files", Kind::Client, false),
    ("portal_settings", Kind::StaffRead, false),
    ("save_portal_settings", Kind::StaffWrite, false),
    ("client_portal", Kind::StaffRead, true),
    ("set_client_portal", Kind::StaffWrite, true),
    ("end_client_sessions", Kind::StaffWrite, true),
    ("new_secret_link", Kind::StaffWrite, true),
    ("remove_secret_link", Kind::StaffWrite, true),
    ("load_client_contacts", Kind::StaffRead, true),
    ("save_contact", Kind::StaffWrite, true),
    ("remove_contact", Kind::StaffWrite, true),
    ("chat", Kind::StaffRead, true),
    ("send_message", Kind::StaffWrite, true),
    ("chat_unread", Kind::StaffRead, false),
    ("portal_chat", Kind::Client, false),
    ("portal_send", Kind::Client, false),
    ("portal_unread", Kind::Client, false),
    ("notify_prefs", Kind::Client, false),
    ("save_notify_prefs", Kind::Client, false),
    ("audit_log", Kind::Admin, true),
    ("load_restriction", Kind::Admin, true),
    ("save_restriction", Kind::Admin, true),
    // Personal: everyone sees and ends their own sessions.
    ("my_sessions", Kind::StaffRead, false),
    ("end_my_session", Kind::StaffRead, true),
    ("end_my_other_sessions", Kind::StaffRead, false),
    ("save_session_limit", Kind::Admin, false),
    ("save_retention", Kind::Admin, false),
    ("save_two_factor_rule", Kind::Admin, false),
    ("load_branding", Kind::Admin, false),
    ("save_branding", Kind::Admin, false),
    ("save_logo", Kind::Admin, false),
    ("remove_logo", Kind::Admin, false),
    ("load_domain", Kind::Admin, false),
    ("save_domain", Kind::Admin, false),
    ("verify_domain", Kind::Admin, false),
    ("save_public_mode", Kind::Admin, false),
    ("portal_site", Kind::Public, false),
    // Personal: one's own second factor.
    ("two_factor_status", Kind::StaffRead, false),
    ("start_two_factor", Kind::StaffRead, false),
    ("confirm_two_factor", Kind::StaffRead, false),
    ("disable_two_factor", Kind::StaffRead, false),
    ("login_code", Kind::Public, false),
    ("list_invoices", Kind::StaffRead, true),
    ("get_invoice", Kind::StaffRead, true),
    ("create_invoice", Kind::StaffWrite, true),
    ("save_invoice", Kind::StaffWrite, true),
    ("add_invoice_line", Kind::StaffWrite, true),
    ("remove_invoice_line", Kind::StaffWrite, true),
    ("delete_invoice", Kind::StaffWrite, true),
    ("send_invoice", Kind::StaffWrite, true),
    ("change_invoice_state", Kind::StaffWrite, true),
    ("invoice_from_quote", Kind::StaffWrite, true),
    ("portal_invoices", Kind::Client, false),
    ("portal_invoice", Kind::Client, true),
    ("decide_quote", Kind::Client, true),
    ("portal_can_pay", Kind::Client, false),
    ("request_approval", Kind::StaffWrite, true),
    ("list_approvals", Kind::StaffRead, true),
    ("portal_approvals", Kind::Client, false),
    ("decide_approval", Kind::Client, true),
    ("pay_invoice", Kind::Client, true),
    ("load_payments", Kind::Admin, false),
    ("save_payments", Kind::Admin, false),
    ("load_billing", Kind::Admin, false),
    ("save_billing", Kind::Admin, false),
    ("list_hours", Kind::StaffRead, true),
    ("log_time", Kind::StaffWrite, true),
    ("delete_time", Kind::StaffWrite, true),
    ("save_budget", Kind::StaffWrite, true),
    ("portal_hours", Kind::Client, false),
    ("list_tickets", Kind::StaffRead, false),
    ("ticket_unread_count", Kind::StaffRead, false),
    ("get_ticket", Kind::StaffRead, true),
    ("reply_ticket", Kind::StaffWrite, true),
    ("set_ticket_state", Kind::StaffWrite, true),
    ("assign_ticket", Kind::StaffWrite, true),
    ("portal_tickets", Kind::Client, false),
    ("portal_ticket", Kind::Client, true),
    ("open_ticket", Kind::Client, false),
    ("portal_reply_ticket", Kind::Client, true),
    ("list_held_mails", Kind::StaffRead, false),
    ("release_held_mail", Kind::StaffWrite, true),
    ("discard_held_mail", Kind::StaffWrite, true),
    ("load_review", Kind::StaffRead, true),
    ("add_pin", Kind::StaffWrite, true),
    ("reply_pin", Kind::StaffWrite, true),
    ("set_pin_state", Kind::StaffWrite, true),
    ("portal_review", Kind::Client, true),
    ("portal_add_pin", Kind::Client, true),
    ("portal_reply_pin", Kind::Client, true),
    ("portal_set_pin_state", Kind::Client, true),
];

/// Every HTTP route besides the server functions (as registered), how it treats callers and
/// whether it takes ids of the firm's objects.
const ROUTES: &[(&str, Kind, bool)] = &[
    ("/healthz", Kind::Public, false),
    // A firm's logo: shown on the upload page and in mails, before anyone signs in.
    ("/brand/{org_id}/logo", Kind::Public, false),
    ("/brand/{org_id}/theme.css", Kind::Public, false),
    // A firm domain's challenge, and the TLS proxy's question (docs/deployment.md).
    ("/.well-known/kundenportal-domain", Kind::Public, false),
    ("/api/domains/ask", Kind::Public, false),
    ("/portal/s/{token}", Kind::Public, false),
    ("/api/events", Kind::StaffRead, false),
    ("/api/files/{id}/download", Kind::StaffRead, true),
    ("/api/clients/{client_id}/files.zip", Kind::StaffRead, true),
    // tus creation: staff send files to a client (read-only members may not).
    ("/api/uploads", Kind::StaffWrite, true),
    ("/api/uploads/", Kind::StaffWrite, true),
    // An upload in progress: only whoever made it (here: a link's client).
    ("/api/uploads/{id}", Kind::StaffRead, true),
    ("/api/audit.csv", Kind::Admin, false),
    ("/api/clients/{client_id}/export.zip", Kind::Admin, true),
    ("/api/portal/events", Kind::Client, false),
    ("/api/portal/files/{id}", Kind::Client, true),
    ("/api/invoices/{invoice_id}/pdf", Kind::StaffRead, true),
    ("/api/portal/invoices/{invoice_id}/pdf", Kind::Client, true),
    ("/api/portal/invoices.zip", Kind::Client, true),
    // Stripe's events: authorized by their signature (tests/it/payments.rs), not by a session.
    ("/api/stripe/webhook/{org_id}", Kind::Public, false),
    // A mail provider's inbound mail: authorized by the shared secret (tests/it/inbound.rs).
    ("/api/inbound/mail", Kind::Public, false),
    (
        "/api/inbound/mails/{mail_id}/original",
        Kind::StaffRead,
        true,
    ),
    // The pages of a file for marking (tests/it/annotations.rs).
    ("/api/files/{id}/pages/{page}", Kind::StaffRead, true),
    ("/api/portal/files/{id}/pages/{page}", Kind::Client, true),
];

/// The request for a route, pointing at firm A's objects.
fn route_request(c: &crate::helpers::Caller, route: &str, ids: &Ids) -> reqwest::RequestBuilder {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let url = |p: String| format!("{}{p}", c.base);
    match route {
        "/api/uploads" | "/api/uploads/" => c
            .http
            .post(url(route.to_string()))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", "5")
            .header(
                "Upload-Metadata",
                format!(
                    "filename {},client_id {}",
                    STANDARD.encode("a.pdf"),
                    STANDARD.encode(&ids.client)
                ),
            ),
        "/api/uploads/{id}" => c
            .http
            .head(url(format!("/api/uploads/{}", ids.file)))
            .header("Tus-Resumable", "1.0.0"),
        other => {
            let query = if other.ends_with("files.zip") {
                format!("?ids={}", ids.file)
            } else if other.ends_with("invoices.zip") {
                format!("?ids={}", ids.invoice)
            } else {
                String::new()
            };
            let path = other
                .replace("{id}", &ids.file)
                .replace("{invoice_id}", &ids.invoice)
                .replace("{client_id}", &ids.client)
                .replace("{mail_id}", &ids.mail)
                .replace("{page}", "1")
                .replace("{token}", "kein-token");
            c.http.get(url(path + &query))
        }
    }
    .header("Accept", "application/json")
}

/// Every `.route("…")` in the sources.
fn registered_routes() -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let src = std::fs::read_to_string(&p).unwrap();
                for (i, _) in src.match_indices(".route(") {
                    let rest = src[i + 7..].trim_start();
                    if let Some(path) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) {
                        out.push(path.to_string());
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut out,
    );
    out
}

#[test]
fn every_http_route_is_in_the_matrix() {
    let registered = registered_routes();
    assert!(registered.len() >= 10, "{registered:?}");
    for r in &registered {
        assert!(
            ROUTES.iter().any(|(p, ..)| p == r),
            "HTTP route {r} is missing from the authorization matrix"
        );
    }
    for (p, ..) in ROUTES {
        assert!(
            registered.iter().any(|r| r == p),
            "{p} in the matrix but not registered"
        );
    }
}

/// A plausible, valid request body for each endpoint, pointing at firm A's objects.
fn body(endpoint: &str, ids: &Ids) -> Vec<(&'static str, String)> {
    let s = |v: &str| v.to_string();
    match endpoint {
        "get_client" | "delete_client" => vec![("id", ids.client.clone())],
        "list_upload_links" | "list_client_files" | "create_upload_link" => {
            vec![("client_id", ids.client.clone())]
        }
        "revoke_upload_link" => vec![("link_id", ids.link.clone())],
        "review_file" => vec![("file_id", ids.file.clone()), ("state", s("geprueft"))],
        "update_client" => vec![("id", ids.client.clone()), ("name", s("Geändert"))],
        "set_client_status" => vec![("id", ids.client.clone()), ("status", s("vollstaendig"))],
        "add_client_note" => vec![("id", ids.client.clone()), ("body", s("Notiz"))],
        "create_client" => vec![("name", s("Neu")), ("allow_duplicate", s("1"))],
        "invite_member" => vec![("email", s("neu@x.de")), ("role", s("member"))],
        "revoke_invite" => vec![("invite_id", ids.invite.clone())],
        "change_role" => vec![("user_id", ids.member.clone()), ("role", s("readonly"))],
        "set_member_active" => vec![("user_id", ids.member.clone()), ("active", s("false"))],
        "change_plan" => vec![("plan", s("pro"))],
        "save_file_types" => vec![("allowed_types", s("pdf, jpg"))],
        "save_reminder_schedule" => vec![
            ("before", s("7")),
            ("every", s("3")),
            ("max_overdue", s("5")),
        ],
        "save_mail_pref" => vec![("mail_pref", s("off"))],
        "list_clients" => vec![("q", s("Schmidt"))],
        "list_cases" => vec![("client_id", ids.client.clone())],
        "create_case" => vec![("client_id", ids.client.clone()), ("title", s("Neu"))],
        "get_case" | "set_case_reminders" => vec![("id", ids.case.clone()), ("paused", s("1"))],
        "update_case" => vec![("id", ids.case.clone()), ("title", s("Geändert"))],
        "change_case_state" => vec![("id", ids.case.clone()), ("to", s("archive"))],
        "add_case_item" => vec![("case_id", ids.case.clone()), ("title", s("Neu"))],
        "save_case_template" => vec![("case_id", ids.case.clone()), ("name", s("Kopie"))],
        "delete_case_item" => vec![("item_id", ids.item.clone())],
        "review_item" => vec![
            ("item_id", ids.item.clone()),
            ("decision", s("rueckfrage")),
            ("comment", s("?")),
        ],
        "attach_item_file" => vec![("item_id", ids.item.clone()), ("file_id", ids.file.clone())],
        "delete_template" => vec![("id", ids.template.clone())],
        "client_portal" | "end_client_sessions" | "new_secret_link" | "remove_secret_link" => {
            vec![("client_id", ids.client.clone())]
        }
        "set_client_portal" => vec![("client_id", ids.client.clone()), ("on", s("false"))],
        "load_client_contacts" => vec![("client_id", ids.client.clone())],
        "save_contact" => vec![
            ("client_id", ids.client.clone()),
            ("name", s("Berta")),
            ("email", s("berta@schmidt.de")),
            ("rights[]", s("files")),
        ],
        "remove_contact" => vec![("contact_id", ids.contact.clone())],
        "save_portal_settings" => vec![
            ("magic", s("on")),
            ("grant", s("manual")),
            ("link_minutes", s("15")),
        ],
        "choose_portal_client" => vec![("client_id", ids.client.clone())],
        "chat" | "audit_log" => vec![("client_id", ids.client.clone())],
        "load_restriction" => vec![("scope", s("client")), ("id", ids.client.clone())],
        // Keeps the restriction the matrix runs under.
        "save_restriction" => vec![
            ("scope", s("client")),
            ("id", ids.client.clone()),
            ("restricted", s("on")),
            ("members[]", ids.member.clone()),
        ],
        "end_my_session" => vec![("id", ids.session.clone())],
        "list_invoices" | "create_invoice" => {
            vec![("client_id", ids.client.clone()), ("kind", s("invoice"))]
        }
        "decide_quote" => vec![("id", ids.invoice.clone()), ("decision", s("accept"))],
        "pay_invoice" => vec![("id", ids.invoice.clone())],
        "request_approval" => vec![
            ("client_id", ids.client.clone()),
            ("file_id", ids.file.clone()),
        ],
        "list_approvals" => vec![("client_id", ids.client.clone())],
        "decide_approval" => vec![("id", ids.invoice.clone()), ("decision", s("approve"))],
        "save_payments" => vec![("sepa", s("on"))],
        "list_hours" => vec![("client_id", ids.client.clone())],
        "log_time" => vec![
            ("client_id", ids.client.clone()),
            ("work_date", s("2026-01-05")),
            ("duration", s("1:30")),
            ("description", s("Beratung")),
        ],
        "delete_time" => vec![("id", ids.entry.clone())],
        "get_ticket" | "portal_ticket" => vec![("id", ids.ticket.clone())],
        "reply_ticket" | "portal_reply_ticket" => {
            vec![("id", ids.ticket.clone()), ("text", s("Hallo"))]
        }
        "set_ticket_state" => vec![("id", ids.ticket.clone()), ("state", s("solved"))],
        "release_held_mail" | "discard_held_mail" => vec![("id", ids.mail.clone())],
        "load_review" | "portal_review" => vec![("file_id", ids.image.clone())],
        "add_pin" | "portal_add_pin" => vec![
            ("file_id", ids.image.clone()),
            ("page", s("1")),
            ("x", s("500000")),
            ("y", s("500000")),
            ("text", s("Hier")),
        ],
        "reply_pin" | "portal_reply_pin" => vec![("pin_id", ids.pin.clone()), ("text", s("Ja"))],
        "set_pin_state" | "portal_set_pin_state" => {
            vec![("pin_id", ids.pin.clone()), ("state", s("resolved"))]
        }
        "assign_ticket" => vec![("id", ids.ticket.clone())],
        "open_ticket" => vec![("subject", s("Frage")), ("text", s("Hallo"))],
        "save_budget" => vec![("client_id", ids.client.clone()), ("budget", s("10"))],
        "get_invoice" | "delete_invoice" | "send_invoice" | "invoice_from_quote"
        | "portal_invoice" => {
            vec![("id", ids.invoice.clone())]
        }
        "save_invoice" => vec![("id", ids.invoice.clone()), ("recipient", s("Neu"))],
        "add_invoice_line" => vec![
            ("id", ids.invoice.clone()),
            ("description", s("Beratung")),
            ("unit_price", s("100")),
        ],
        "remove_invoice_line" => vec![("line_id", ids.line.clone())],
        "change_invoice_state" => vec![("id", ids.invoice.clone()), ("to", s("cancel"))],
        "save_billing" => vec![("terms_days", s("14"))],
        "save_session_limit" => vec![("max_sessions", s("5"))],
        "save_branding" => vec![("primary", s("#0f766e"))],
        "save_public_mode" => vec![("public", s("on"))],
        // <svg xmlns="http://www.w3.org/2000/svg"/>
        "save_logo" => vec![(
            "data",
            s("PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="),
        )],
        "save_retention" => vec![("retention_months", s("0"))],
        "confirm_two_factor" | "disable_two_factor" => vec![("code", s("000000"))],
        "send_message" => vec![("client_id", ids.client.clone()), ("text", s("Hallo"))],
        "portal_send" => vec![("text", s("Hallo"))],
        "save_notify_prefs" => vec![("message", s("off"))],
        "set_portal_password" => vec![
            ("password", s("ein-langes-passwort")),
            ("confirm", s("ein-langes-passwort")),
        ],
        "start_template" => vec![
            ("template_id", ids.template.clone()),
            ("client_ids[]", ids.client.clone()),
        ],
        _ => vec![],
    }
}

struct Ids {
    image: String,
    pin: String,
    ticket: String,
    mail: String,
    invoice: String,
    entry: String,
    line: String,
    contact: String,
    session: String,
    client: String,
    link: String,
    file: String,
    invite: String,
    member: String,
    case: String,
    item: String,
    template: String,
}

#[test]
fn every_server_function_is_in_the_matrix() {
    let registered: Vec<String> = server_fn::axum::server_fn_paths()
        .map(|(path, _method)| path.trim_start_matches("/api/").to_string())
        .collect();
    assert!(!registered.is_empty(), "no server functions registered");
    for path in &registered {
        assert!(
            ENDPOINTS.iter().any(|(e, ..)| e == path),
            "server function /api/{path} is missing from the authorization matrix"
        );
    }
    for (e, ..) in ENDPOINTS {
        assert!(
            registered.iter().any(|p| p == e),
            "{e} in the matrix but not registered"
        );
    }
}

async fn matrix(db: Db) {
    let app = TestApp::spawn_with(
        db,
        &[("KUNDENPORTAL_INBOUND_REPLY_DOMAIN", crate::inbound::DOMAIN)],
    )
    .await;
    let owner_a = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let reader_a = app
        .member(&owner_a, "reader@kanzlei-a.de", "readonly")
        .await;
    let member_a = app.member(&owner_a, "member@kanzlei-a.de", "member").await;
    let outsider_a = app
        .member(&owner_a, "outsider@kanzlei-a.de", "member")
        .await;
    let owner_b = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let client = owner_a.create_client("Schmidt AG", "info@schmidt.de").await;
    owner_a.create_client("Weber KG", "buero@weber.de").await;
    let other_client = crate::portal::portal_browser(&app, "buero@weber.de").await;
    owner_b.create_client("Fremd GmbH", "").await;
    let (_, inv) = owner_a
        .call(
            "invite_member",
            &[("email", "offen@kanzlei-a.de"), ("role", "member")],
        )
        .await;
    assert!(inv["link"].is_string());
    let invite: String =
        sqlx::query_scalar("SELECT id FROM invites WHERE email = 'offen@kanzlei-a.de'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let (_, me) = member_a.call("whoami", &[]).await;
    let (status, created) = owner_a
        .call("create_upload_link", &[("client_id", &client)])
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let link = created["id"].as_str().unwrap().to_string();
    let token = last_segment(created["url"].as_str().unwrap());
    let tus = crate::uploads::Tus::new(&app.url, &token);
    let loc = tus.create_ok("Vollmacht.txt", 5).await;
    tus.upload_all(&loc, b"Hallo", 65536).await;
    let file = last_segment(&loc);
    let (_, case) = owner_a
        .call(
            "create_case",
            &[("client_id", &client), ("title", "Abschluss")],
        )
        .await;
    let case = case.as_str().unwrap().to_string();
    let (_, item) = owner_a
        .call(
            "add_case_item",
            &[
                ("case_id", &case),
                ("title", "Vollmacht"),
                ("required", "1"),
            ],
        )
        .await;
    let (_, template) = owner_a
        .call(
            "save_case_template",
            &[("case_id", &case), ("name", "Abschluss")],
        )
        .await;
    let session: String = sqlx::query_scalar(
        "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'a@kanzlei-a.de'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let (status, contact) = owner_a
        .call(
            "save_contact",
            &[
                ("client_id", &client),
                ("name", "Bernd Buchhaltung"),
                ("email", "bernd@schmidt.de"),
                ("rights[]", "upload"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{contact}");
    let (status, invoice) = owner_a
        .call(
            "create_invoice",
            &[("client_id", &client), ("kind", "invoice")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{invoice}");
    let invoice = invoice.as_str().unwrap().to_string();
    let (status, b) = owner_a
        .call(
            "add_invoice_line",
            &[
                ("id", &invoice),
                ("description", "Beratung"),
                ("unit_price", "100"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let (_, detail) = owner_a.call("get_invoice", &[("id", &invoice)]).await;
    let line = detail["lines"][0]["id"].as_str().unwrap().to_string();
    let (status, entry) = owner_a
        .call(
            "log_time",
            &[
                ("client_id", &client),
                ("work_date", "2026-01-05"),
                ("duration", "2"),
                ("description", "Abschluss"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entry}");
    let schmidt = crate::portal::portal_browser(&app, "info@schmidt.de").await;
    let (status, ticket) = schmidt
        .call("open_ticket", &[("subject", "Frage"), ("text", "Hallo")])
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    // A reply by mail to Schmidt AG's chat from a stranger: held for review.
    let held = kundenportal::inbound::receive(
        &app.state,
        crate::inbound::reply_to_chat(&app, &client, "fremd@example.org").as_bytes(),
        &Default::default(),
    )
    .await
    .unwrap();
    let kundenportal::inbound::Outcome::Held(mail) = held else {
        panic!("not held: {held:?}")
    };
    // A picture sent to Schmidt AG, with a pin on it.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa75\x81\x84\0\0\0\0IEND\xaeB`\x82";
    let staff_tus = crate::uploads::Tus::staff(&owner_a);
    let created = staff_tus
        .create_with("Logo.png", png.len(), &[("client_id", &client)])
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let loc = created.headers()["location"].to_str().unwrap().to_string();
    staff_tus.upload_all(&loc, png, 65536).await;
    let image = last_segment(&loc);
    let (status, pin) = owner_a
        .call(
            "add_pin",
            &[
                ("file_id", &image),
                ("page", "1"),
                ("x", "1"),
                ("y", "1"),
                ("text", "Hier"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{pin}");
    let ids = Ids {
        image,
        pin: pin.as_str().unwrap().to_string(),
        mail,
        ticket: ticket.as_str().unwrap().to_string(),
        entry: entry.as_str().unwrap().to_string(),
        invoice,
        line,
        contact: contact.as_str().unwrap().to_string(),
        session,
        case,
        item: item.as_str().unwrap().to_string(),
        template: template.as_str().unwrap().to_string(),
        client,
        link,
        file,
        invite,
        member: me["user_id"].as_str().unwrap().to_string(),
    };
    // Schmidt AG is restricted to member_a: outsider_a (and reader_a) do not see it.
    let (status, b) = owner_a
        .call(
            "save_restriction",
            &[
                ("scope", "client"),
                ("id", &ids.client),
                ("restricted", "on"),
                ("members[]", &ids.member),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    // Ids that point at the restricted client or something of it (not team or firm objects).
    let client_bound = |form: &[(&str, &str)]| {
        form.iter().any(|(_, v)| {
            [
                &ids.client,
                &ids.case,
                &ids.item,
                &ids.file,
                &ids.link,
                &ids.contact,
                &ids.invoice,
                &ids.line,
                &ids.entry,
                &ids.ticket,
                &ids.mail,
                &ids.image,
                &ids.pin,
            ]
            .contains(&&v.to_string())
        })
    };

    for &(endpoint, kind, takes_ids) in ENDPOINTS {
        if kind == Kind::Public {
            continue;
        }
        let form = body(endpoint, &ids);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();

        let (status, b) = app.anonymous().call(endpoint, &form).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "anonymous {endpoint}: {b}"
        );
        assert_eq!(error_kind(&b), "Unauthorized");

        if kind == Kind::Client {
            // A staff session opens nothing of the portal.
            let (status, b) = owner_a.call(endpoint, &form).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "staff {endpoint}: {b}");
            if takes_ids {
                // Another client of the same firm: the first client's objects are not found.
                let (status, b) = other_client.call(endpoint, &form).await;
                assert_eq!(
                    status,
                    StatusCode::NOT_FOUND,
                    "other client {endpoint}: {b}"
                );
            }
            continue;
        }
        // A client's portal session is no staff session.
        let (status, b) = other_client.call(endpoint, &form).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "client {endpoint}: {b}");
        if takes_ids && client_bound(&form) {
            // The member off the restricted client's team: as if it did not exist (or 403 for
            // what members may not do at all).
            // (Erasing a client needs DeleteClients, which members lack.)
            let want = match kind {
                _ if kind == Kind::Admin || endpoint == "delete_client" => StatusCode::FORBIDDEN,
                _ => StatusCode::NOT_FOUND,
            };
            let (status, b) = outsider_a.call(endpoint, &form).await;
            assert_eq!(status, want, "unassigned member {endpoint}: {b}");
            // The member on the team reads it.
            if kind == Kind::StaffRead {
                let (status, b) = member_a.call(endpoint, &form).await;
                assert_eq!(status, StatusCode::OK, "assigned member {endpoint}: {b}");
            }
        }
        if takes_ids {
            // Firm B's owner may do everything — in firm B. Firm A's ids are simply not found.
            let (status, b) = owner_b.call(endpoint, &form).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "other firm {endpoint}: {b}");
            assert_eq!(error_kind(&b), "NotFound", "{endpoint}");
        }
        if matches!(kind, Kind::StaffWrite | Kind::Admin) {
            let (status, b) = reader_a.call(endpoint, &form).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "read-only {endpoint}: {b}");
        }
        if kind == Kind::Admin {
            let (status, b) = member_a.call(endpoint, &form).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "member {endpoint}: {b}");
            let (status, b) = owner_a.call(endpoint, &form).await;
            // (Checking a domain needs one entered: the owner gets past authorization to 422.)
            let want = match endpoint {
                "verify_domain" => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::OK,
            };
            assert_eq!(status, want, "owner {endpoint}: {b}");
        }
    }
    for &(route, kind, takes_ids) in ROUTES {
        if kind == Kind::Public {
            continue;
        }
        let status = |c: &crate::helpers::Caller| {
            let r = route_request(c, route, &ids);
            async move { r.send().await.unwrap().status() }
        };
        assert_eq!(
            status(&app.anonymous()).await,
            StatusCode::UNAUTHORIZED,
            "anonymous {route}"
        );
        if kind == Kind::Client {
            assert_eq!(
                status(&owner_a).await,
                StatusCode::UNAUTHORIZED,
                "staff {route}"
            );
            if takes_ids {
                assert_eq!(
                    status(&other_client).await,
                    StatusCode::NOT_FOUND,
                    "other client {route}"
                );
            }
            continue;
        }
        assert_eq!(
            status(&other_client).await,
            StatusCode::UNAUTHORIZED,
            "client {route}"
        );
        if takes_ids {
            let want = match kind {
                Kind::Admin => StatusCode::FORBIDDEN,
                _ => StatusCode::NOT_FOUND,
            };
            assert_eq!(status(&outsider_a).await, want, "unassigned member {route}");
            if route.contains("download") || route.ends_with("files.zip") {
                assert_eq!(
                    status(&member_a).await,
                    StatusCode::OK,
                    "assigned member {route}"
                );
            }
        }
        if takes_ids {
            assert_eq!(
                status(&owner_b).await,
                StatusCode::NOT_FOUND,
                "other firm {route}"
            );
        }
        if matches!(kind, Kind::StaffWrite | Kind::Admin) {
            assert_eq!(
                status(&reader_a).await,
                StatusCode::FORBIDDEN,
                "read-only {route}"
            );
        }
        if kind == Kind::Admin {
            assert_eq!(
                status(&member_a).await,
                StatusCode::FORBIDDEN,
                "member {route}"
            );
            assert_eq!(status(&owner_a).await, StatusCode::OK, "owner {route}");
        }
    }
    // The unassigned member finds the restricted client nowhere; the assigned one does.
    let (_, page) = outsider_a.call("list_clients", &[("q", "Schmidt")]).await;
    assert_eq!(page["total"], 0, "{page}");
    let (_, page) = outsider_a.call("list_clients", &[]).await;
    assert_eq!(page["firm_total"], 1, "{page}");
    assert_eq!(page["rows"][0]["name"], "Weber KG");
    let (_, dash) = outsider_a.call("load_dashboard", &[]).await;
    assert_eq!(dash["open_cases"], 0, "{dash}");
    assert!(dash["rows"].as_array().unwrap().is_empty());
    assert!(!dash["feed"].to_string().contains("Schmidt"), "{dash}");
    let (_, page) = member_a.call("list_clients", &[("q", "Schmidt")]).await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["rows"][0]["restricted"], true);
    let (_, dash) = member_a.call("load_dashboard", &[]).await;
    assert_eq!(dash["open_cases"], 1, "{dash}");
    // Nothing of firm A leaked into firm B's view.
    let (_, page) = owner_b.call("list_clients", &[]).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["rows"][0]["name"], "Fremd GmbH");
    let (_, team) = owner_b.call("load_team", &[]).await;
    assert_eq!(team["members"].as_array().unwrap().len(), 1);
    // And firm A's data is untouched by all those attempts.
    let (status, detail) = owner_a.call("get_client", &[("id", &ids.client)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["client"]["name"], "Schmidt AG");
    // Teilweise from the upload above; an attempt that got through would have made it Vollständig.
    assert_eq!(detail["client"]["status"], "Teilweise");
    assert!(detail["notes"].as_array().unwrap().is_empty());
    let (_, case) = owner_a.call("get_case", &[("id", &ids.case)]).await;
    assert_eq!(case["summary"]["title"], "Abschluss");
    assert_eq!(case["summary"]["state"], "Open");
    assert_eq!(case["items"][0]["state"], "Ausstehend");
    assert_eq!(case["reminders_paused"], false);
    let (_, access) = owner_a
        .call("client_portal", &[("client_id", &ids.client)])
        .await;
    assert_eq!(access["access"], true);
    let (_, invoice) = owner_a.call("get_invoice", &[("id", &ids.invoice)]).await;
    assert_eq!(invoice["summary"]["state"], "Draft", "{invoice}");
    assert_eq!(invoice["lines"].as_array().unwrap().len(), 1, "{invoice}");

    // Per case: the client open to the whole team again, its case restricted to member_a. The
    // outsider sees the client now, but nothing of the case: every function given the case or
    // its item answers as if it did not exist; the member on the case's team reads it.
    let (status, b) = owner_a
        .call(
            "save_restriction",
            &[("scope", "client"), ("id", &ids.client)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let (status, b) = owner_a
        .call(
            "save_restriction",
            &[
                ("scope", "case"),
                ("id", &ids.case),
                ("restricted", "on"),
                ("members[]", &ids.member),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let mut case_cells = 0;
    for &(endpoint, kind, _) in ENDPOINTS {
        let form = body(endpoint, &ids);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let case_bound = form.iter().any(|(_, v)| *v == ids.case || *v == ids.item);
        if !case_bound || matches!(kind, Kind::Public | Kind::Client) {
            continue;
        }
        case_cells += 1;
        let want = match kind {
            Kind::Admin => StatusCode::FORBIDDEN,
            _ => StatusCode::NOT_FOUND,
        };
        let (status, b) = outsider_a.call(endpoint, &form).await;
        assert_eq!(status, want, "member off the case's team {endpoint}: {b}");
        if kind == Kind::StaffRead {
            let (status, b) = member_a.call(endpoint, &form).await;
            assert_eq!(status, StatusCode::OK, "case team member {endpoint}: {b}");
        }
    }
    assert!(case_cells >= 9, "{case_cells}");
    let (status, cases) = outsider_a
        .call("list_cases", &[("client_id", &ids.client)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(cases.as_array().unwrap().is_empty(), "{cases}");
    let (_, cases) = member_a
        .call("list_cases", &[("client_id", &ids.client)])
        .await;
    assert_eq!(cases[0]["restricted"], true, "{cases}");
}

on_both_databases!(matrix);

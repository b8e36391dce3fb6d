//! Staff sign-in: setup, login, sessions (hashed, rotated, idle/absolute timeouts), throttling.

use crate::helpers::{error_kind, Db, TestApp, PASSWORD};
use crate::on_both_databases;
use reqwest::StatusCode;

async fn first_run_setup_creates_firm_and_then_closes(db: Db) {
    let app = TestApp::spawn(db).await;
    let anon = app.anonymous();
    let (_, needed) = anon.call("setup_needed", &[]).await;
    assert_eq!(needed, serde_json::json!(true));
    let form = [
        ("firm", "Kanzlei Setup"),
        ("name", "Sina Setup"),
        ("email", "sina@setup.de"),
        ("password", PASSWORD),
        ("password_repeat", PASSWORD),
    ];
    let (status, body) = anon.call("setup_firm", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Signed in right away.
    let (status, me) = anon.call("whoami", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "sina@setup.de");
    assert_eq!(me["role"], "Owner");
    // Nobody can run setup a second time.
    let other = app.anonymous();
    let second = [
        ("firm", "Kanzlei Evil"),
        ("name", "Eve"),
        ("email", "eve@evil.de"),
        ("password", PASSWORD),
        ("password_repeat", PASSWORD),
    ];
    let (status, body) = other.call("setup_firm", &second).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

async fn wrong_password_is_refused_and_sessions_are_stored_hashed(db: Db) {
    let app = TestApp::spawn(db).await;
    app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let c = app.anonymous();
    let (status, body) = c
        .call(
            "login",
            &[("email", "a@kanzlei-a.de"), ("password", "falsch-falsch")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "password");
    // Unknown accounts get the very same answer (no enumeration).
    let (status2, body2) = c
        .call(
            "login",
            &[
                ("email", "niemand@kanzlei-a.de"),
                ("password", "falsch-falsch"),
            ],
        )
        .await;
    assert_eq!((status2, body2), (status, body));

    let res = c
        .http
        .post(format!("{}/api/login", app.url))
        .header("Accept", "application/json")
        .form(&[("email", "A@Kanzlei-A.de"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("kp_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let token = cookie
        .trim_start_matches("kp_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 43);
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert!(
        !stored.contains(&token),
        "the raw token must never be stored"
    );
    assert!(stored.contains(&kundenportal::server::tokens::hash_token(&token)));
}

async fn login_rotates_the_session_and_logout_ends_it(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let before: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    // Logging in again in the same browser replaces the session instead of adding one.
    let (status, _) = owner
        .call(
            "login",
            &[("email", "a@kanzlei-a.de"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let after: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_ne!(before, after);

    let (status, _) = owner.call("logout", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = owner.call("whoami", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_kind(&body), "Unauthorized");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

async fn sessions_end_after_idle_timeout_and_absolute_lifetime(db: Db) {
    let app = TestApp::spawn_with(
        db,
        &[
            ("KUNDENPORTAL_SESSIONS_IDLE_MINUTES", "30"),
            ("KUNDENPORTAL_SESSIONS_ABSOLUTE_HOURS", "8"),
        ],
    )
    .await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let now = kundenportal::server::db::now_ms();
    // Active 29 minutes ago: still valid (and touched).
    sqlx::query("UPDATE sessions SET last_seen_at = $1")
        .bind(now - 29 * 60_000)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(owner.call("whoami", &[]).await.0, StatusCode::OK);
    // Idle for 31 minutes: gone.
    sqlx::query("UPDATE sessions SET last_seen_at = $1")
        .bind(now - 31 * 60_000)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(owner.call("whoami", &[]).await.0, StatusCode::UNAUTHORIZED);

    let owner = app.login("a@kanzlei-a.de").await;
    // Busy all the time, but logged in more than 8 hours ago: gone.
    sqlx::query("UPDATE sessions SET created_at = $1, last_seen_at = $2")
        .bind(now - 8 * 3_600_000 - 1)
        .bind(now)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(owner.call("whoami", &[]).await.0, StatusCode::UNAUTHORIZED);
}

async fn failed_logins_are_throttled_per_account_and_per_ip(db: Db) {
    let app = TestApp::spawn_with(
        db,
        &[
            ("KUNDENPORTAL_SECURITY_LOGIN_MAX_FAILURES_PER_ACCOUNT", "3"),
            ("KUNDENPORTAL_SECURITY_LOGIN_MAX_FAILURES_PER_IP", "5"),
        ],
    )
    .await;
    app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let c = app.anonymous();
    for _ in 0..3 {
        let (status, _) = c
            .call(
                "login",
                &[("email", "a@kanzlei-a.de"), ("password", "falsch-falsch")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Locked: even the right password is refused now, with a message saying how long.
    let (status, body) = c
        .call(
            "login",
            &[("email", "a@kanzlei-a.de"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let msg = body["RateLimited"].as_str().unwrap();
    assert!(msg.contains("15 Minuten"), "{msg}");
    // Another account from the same IP still works until the IP limit (5 failures) is reached.
    assert_eq!(
        c.call(
            "login",
            &[("email", "b@kanzlei-b.de"), ("password", PASSWORD)]
        )
        .await
        .0,
        StatusCode::OK
    );
    for _ in 0..2 {
        c.call(
            "login",
            &[("email", "nobody@x.de"), ("password", "falsch-falsch")],
        )
        .await;
    }
    let (status, body) = c
        .call(
            "login",
            &[("email", "b@kanzlei-b.de"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body["RateLimited"].as_str().unwrap().contains("Netzwerk"));
}

async fn deactivated_members_lose_their_sessions_at_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let member = app.member(&owner, "m@kanzlei-a.de", "member").await;
    assert_eq!(member.call("whoami", &[]).await.0, StatusCode::OK);
    let (_, me) = member.call("whoami", &[]).await;
    let id = me["user_id"].as_str().unwrap().to_string();
    let (status, body) = owner
        .call(
            "set_member_active",
            &[("user_id", &id), ("active", "false")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(member.call("whoami", &[]).await.0, StatusCode::UNAUTHORIZED);
    // And cannot log in again, with a message that says why.
    let (status, body) = app
        .anonymous()
        .call(
            "login",
            &[("email", "m@kanzlei-a.de"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["Forbidden"].as_str().unwrap().contains("deaktiviert"));
}

async fn pages_redirect_anonymous_visitors_to_login(db: Db) {
    let app = TestApp::spawn(db).await;
    app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let res = app.anonymous().get("/clients").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/login");
    let res = app.anonymous().get("/login").await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = res.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "hydration script carries the CSP nonce"
    );
    assert!(html.contains("<html lang=\"de\""));
}

async fn cross_site_posts_are_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let res = app
        .anonymous()
        .http
        .post(format!("{}/api/login", app.url))
        .header("Origin", "https://evil.example")
        .form(&[("email", "a@kanzlei-a.de"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .anonymous()
        .http
        .post(format!("{}/api/login", app.url))
        .header("Origin", &app.url)
        .header("Accept", "application/json")
        .form(&[("email", "a@kanzlei-a.de"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

on_both_databases!(
    first_run_setup_creates_firm_and_then_closes,
    wrong_password_is_refused_and_sessions_are_stored_hashed,
    login_rotates_the_session_and_logout_ends_it,
    sessions_end_after_idle_timeout_and_absolute_lifetime,
    failed_logins_are_throttled_per_account_and_per_ip,
    deactivated_members_lose_their_sessions_at_once,
    pages_redirect_anonymous_visitors_to_login,
    cross_site_posts_are_refused,
);

async fn housekeeping_removes_only_expired_rows(db: Db) {
    let app = TestApp::spawn(db).await;
    let _owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let _again = app.login("a@kanzlei-a.de").await;
    let now = kundenportal::server::db::now_ms();
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = (SELECT MIN(id) FROM sessions)")
        .bind(now - 1)
        .execute(&app.state.db)
        .await
        .unwrap();
    let removed = kundenportal::auth::repo::delete_expired_sessions(&app.state.db, now)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 1);

    let window = 15 * 60_000;
    kundenportal::auth::repo::record_failure(&app.state.db, "ip:old", now - window - 1, window)
        .await
        .unwrap();
    kundenportal::auth::repo::record_failure(&app.state.db, "ip:new", now, window)
        .await
        .unwrap();
    kundenportal::auth::repo::record_failure(&app.state.db, "ip:new", now + 1, window)
        .await
        .unwrap();
    assert_eq!(
        kundenportal::auth::repo::delete_stale_throttles(&app.state.db, now, window)
            .await
            .unwrap(),
        1
    );
    let w = kundenportal::auth::repo::throttle_window(&app.state.db, "ip:new")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (w.start_ms, w.failures),
        (now, 2),
        "one window, both failures counted"
    );
}

on_both_databases!(housekeeping_removes_only_expired_rows);

/// Signs in `email` from a new browser with this user agent.
async fn sign_in(app: &TestApp, email: &str, agent: &str) -> crate::helpers::Caller {
    let c = crate::helpers::Caller::with_agent(&app.url, agent);
    let (status, body) = c
        .call("login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert!(status.is_success(), "{body}");
    c
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

async fn members_list_limit_and_end_their_sessions(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Sitz", "chef@sitz.de").await;
    let member = app.member(&owner, "m@sitz.de", "member").await;
    let desk = sign_in(&app, "chef@sitz.de", FIREFOX).await;
    let phone = sign_in(&app, "chef@sitz.de", IPHONE).await;

    // The list: devices, the current one marked, nobody else's sessions.
    let (_, mine) = desk.call("my_sessions", &[]).await;
    let sessions = mine["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3, "{mine}");
    assert_eq!(mine["max"], 5);
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["device"], "Firefox · Linux");
    assert_eq!(current[0]["ip"], "127.0.0.1");
    let phone_id = sessions
        .iter()
        .find(|s| s["device"] == "Safari · iOS")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Another member cannot end it; its owner can, effective on the phone's next request.
    let (status, _) = member.call("end_my_session", &[("id", &phone_id)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(phone.call("whoami", &[]).await.0, StatusCode::OK);
    let (status, b) = desk.call("end_my_session", &[("id", &phone_id)]).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(phone.call("whoami", &[]).await.0, StatusCode::UNAUTHORIZED);
    // All others at once: the first browser (`owner`) is signed out, this one stays.
    let (_, n) = desk.call("end_my_other_sessions", &[]).await;
    assert_eq!(n, 1);
    assert_eq!(owner.call("whoami", &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(desk.call("whoami", &[]).await.0, StatusCode::OK);

    // The firm's limit: owners only, 1–20; one more sign-in ends the longest unused session.
    let (status, _) = member
        .call("save_session_limit", &[("max_sessions", "2")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, b) = desk
        .call("save_session_limit", &[("max_sessions", "0")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["Invalid"]["field"], "max_sessions");
    let (status, b) = desk
        .call("save_session_limit", &[("max_sessions", "2")])
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let second = sign_in(&app, "chef@sitz.de", IPHONE).await;
    // Make `desk` the least recently used, then sign in a third time.
    sqlx::query("UPDATE sessions SET last_seen_at = 1 WHERE user_agent = $1")
        .bind(FIREFOX)
        .execute(&app.state.db)
        .await
        .unwrap();
    let third = sign_in(&app, "chef@sitz.de", FIREFOX).await;
    assert_eq!(desk.call("whoami", &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(second.call("whoami", &[]).await.0, StatusCode::OK);
    let (_, mine) = third.call("my_sessions", &[]).await;
    assert_eq!(mine["sessions"].as_array().unwrap().len(), 2, "{mine}");
    // Each step is in the audit trail.
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action IN ('auth.session_ended', 'org.sessions_changed')",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(ended, 3);
}

on_both_databases!(members_list_limit_and_end_their_sessions);

/// The code for `secret_text` (as the settings show it) at the current step + `ahead`.
fn code_for(secret_text: &str, ahead: i64) -> String {
    use kundenportal::auth::totp;
    let secret = data_encoding::BASE32_NOPAD
        .decode(secret_text.replace(' ', "").as_bytes())
        .unwrap();
    let step = totp::step_of(kundenportal::server::db::now_ms() / 1000) + ahead;
    format!("{:06}", totp::hotp(&secret, step as u64, 6))
}

async fn status(c: &crate::helpers::Caller) -> serde_json::Value {
    c.call("two_factor_status", &[]).await.1
}

async fn two_factor_sign_in_with_app_codes_and_recovery_codes(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Zwei", "chef@zwei.de").await;
    assert_eq!(status(&owner).await, false);

    // Set up: a QR code and the key; a wrong code is refused, the right one switches it on and
    // answers ten recovery codes.
    let (s, e) = owner.call("start_two_factor", &[]).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert!(e["svg"].as_str().unwrap().contains("<svg"));
    assert!(e["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Kanzlei%20Zwei:chef%40zwei.de?secret="));
    let secret = e["secret"].as_str().unwrap().to_string();
    let (s, b) = owner
        .call("confirm_two_factor", &[("code", "000000")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["Invalid"]["field"], "code");
    let first = code_for(&secret, 0);
    let (s, codes) = owner.call("confirm_two_factor", &[("code", &first)]).await;
    assert_eq!(s, StatusCode::OK, "{codes}");
    let codes: Vec<String> = serde_json::from_value(codes).unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(status(&owner).await, true);

    // Signing in: the password alone opens nothing.
    let phone = sign_in(&app, "chef@zwei.de", IPHONE).await;
    assert_eq!(phone.call("whoami", &[]).await.0, StatusCode::UNAUTHORIZED);
    let (s, _) = phone.call("login_code", &[("code", "123456")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The code used to confirm is spent; the next step's code (drift of one step) opens.
    let (s, _) = phone.call("login_code", &[("code", &first)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a code works once");
    let (s, b) = phone
        .call("login_code", &[("code", &code_for(&secret, 1))])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(phone.call("whoami", &[]).await.0, StatusCode::OK);
    // The step is single use too.
    let (s, _) = phone.call("login_code", &[("code", &codes[0])]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // A recovery code opens once (typed in capitals with spaces, too).
    let desk = sign_in(&app, "chef@zwei.de", FIREFOX).await;
    let typed = codes[0].to_uppercase().replace('-', " ");
    assert_eq!(
        desk.call("login_code", &[("code", &typed)]).await.0,
        StatusCode::OK
    );
    let again = sign_in(&app, "chef@zwei.de", FIREFOX).await;
    assert_eq!(
        again.call("login_code", &[("code", &codes[0])]).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Five wrong codes end the step: even a right one then needs the password again.
    for _ in 0..4 {
        again.call("login_code", &[("code", "000000")]).await;
    }
    let (s, b) = again.call("login_code", &[("code", &codes[1])]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b.to_string().contains("abgelaufen"), "{b}");
    // Without the password step there is nothing to answer.
    let (s, _) = app
        .anonymous()
        .call("login_code", &[("code", &codes[2])])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Switching off needs a code; then the password alone signs in again.
    let (s, _) = desk.call("disable_two_factor", &[("code", "000000")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, b) = desk
        .call("disable_two_factor", &[("code", &codes[3])])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(status(&desk).await, false);
    let plain = sign_in(&app, "chef@zwei.de", FIREFOX).await;
    assert_eq!(plain.call("whoami", &[]).await.0, StatusCode::OK);
    // The trail: on, a failed code, sign-ins with the second factor, off.
    let actions: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, detail FROM audit_events WHERE action LIKE 'auth.%' ORDER BY created_at, id",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    for want in [
        ("auth.two_factor_enabled", ""),
        ("auth.login_failed", "2fa"),
        ("auth.login", "2fa"),
        ("auth.two_factor_disabled", ""),
    ] {
        assert!(
            actions.iter().any(|(a, d)| a == want.0 && d == want.1),
            "{want:?} in {actions:?}"
        );
    }
}

on_both_databases!(two_factor_sign_in_with_app_codes_and_recovery_codes);

/// Sets up two-factor sign-in for `c`; the key as the settings show it.
async fn enrol(c: &crate::helpers::Caller) -> String {
    let (s, e) = c.call("start_two_factor", &[]).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let secret = e["secret"].as_str().unwrap().to_string();
    let (s, b) = c
        .call("confirm_two_factor", &[("code", &code_for(&secret, 0))])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    secret
}

async fn owners_can_require_two_factor_for_the_firm(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei Pflicht", "chef@pflicht.de").await;
    let member = app.member(&owner, "mia@pflicht.de", "member").await;
    let client = owner.create_client("Schmidt AG", "").await;

    // Only with one's own second factor in place, and only owners.
    let (s, b) = owner
        .call("save_two_factor_rule", &[("required", "on")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["Invalid"]["field"], "required");
    let (s, _) = member
        .call("save_two_factor_rule", &[("required", "on")])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    enrol(&owner).await;
    let (s, b) = owner
        .call("save_two_factor_rule", &[("required", "on")])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, settings) = owner.call("load_settings", &[]).await;
    assert_eq!(settings["require_two_factor"], true);

    // The member's open session: from the next request on, nothing but the set-up.
    let (s, b) = member.call("list_clients", &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert!(b.to_string().contains("Zwei-Faktor"), "{b}");
    let (s, me) = member.call("whoami", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["needs_two_factor"], true);
    let r = member
        .get(&format!("/api/clients/{client}/files.zip?ids=x"))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        member.get("/api/events").await.status(),
        StatusCode::FORBIDDEN
    );
    // The owner, with a second factor, works on.
    assert_eq!(owner.call("list_clients", &[]).await.0, StatusCode::OK);

    // Set up, the member works again; switching it off is refused while the firm requires it.
    let secret = enrol(&member).await;
    let (s, me) = member.call("whoami", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["needs_two_factor"], false);
    assert_eq!(member.call("list_clients", &[]).await.0, StatusCode::OK);
    let (s, b) = member
        .call("disable_two_factor", &[("code", &code_for(&secret, 1))])
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(status(&member).await, true);

    // Optional again: switching off works.
    let (s, _) = owner.call("save_two_factor_rule", &[]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = member
        .call("disable_two_factor", &[("code", &code_for(&secret, 1))])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let rules: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'org.two_factor_rule' ORDER BY seq, created_at",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(rules, vec!["required", "optional"]);
}

on_both_databases!(owners_can_require_two_factor_for_the_firm);

//! The team: invitations (single use, expiring, mailed), roles, deactivation, the last owner.

use crate::helpers::{last_segment, Db, TestApp, PASSWORD};
use crate::on_both_databases;
use reqwest::StatusCode;

async fn invitations_are_mailed_single_use_and_expire(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let (s, body) = owner
        .call(
            "invite_member",
            &[("email", "neu@kanzlei-a.de"), ("role", "admin")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let link = body["link"].as_str().unwrap().to_string();
    let token = last_segment(&link);
    // The mail went to the outbox (no SMTP configured) and carries the link.
    let outbox = app.state.config.server.data_dir.join("outbox");
    let mails: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: neu@kanzlei-a.de"), "{}", mails[0]);
    let unfolded = mails[0]
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(
        unfolded.contains(&token),
        "the mail carries the invitation link"
    );

    let (s, info) = app
        .anonymous()
        .call("load_invite", &[("token", &token)])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(info["org_name"], "Kanzlei A");
    let form = [
        ("token", token.as_str()),
        ("name", "Nina Neu"),
        ("password", PASSWORD),
        ("password_repeat", PASSWORD),
    ];
    let newbie = app.anonymous();
    assert_eq!(newbie.call("accept_invite", &form).await.0, StatusCode::OK);
    let (_, me) = newbie.call("whoami", &[]).await;
    assert_eq!(
        (me["role"].as_str(), me["org_name"].as_str()),
        (Some("Admin"), Some("Kanzlei A"))
    );
    // Single use.
    assert_eq!(
        app.anonymous().call("accept_invite", &form).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.anonymous()
            .call("load_invite", &[("token", &token)])
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Expired invitations do not work.
    let (_, body) = owner
        .call(
            "invite_member",
            &[("email", "spaet@kanzlei-a.de"), ("role", "member")],
        )
        .await;
    let late = last_segment(body["link"].as_str().unwrap());
    sqlx::query("UPDATE invites SET expires_at = 0 WHERE email = 'spaet@kanzlei-a.de'")
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        app.anonymous()
            .call("load_invite", &[("token", &late)])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Revoked ones neither.
    let (_, body) = owner
        .call(
            "invite_member",
            &[("email", "weg@kanzlei-a.de"), ("role", "member")],
        )
        .await;
    let revoked = last_segment(body["link"].as_str().unwrap());
    let id: String = sqlx::query_scalar("SELECT id FROM invites WHERE email = 'weg@kanzlei-a.de'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        owner.call("revoke_invite", &[("invite_id", &id)]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.anonymous()
            .call("load_invite", &[("token", &revoked)])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // An address that already has an account cannot be invited.
    let (s, b) = owner
        .call(
            "invite_member",
            &[("email", "A@kanzlei-a.de"), ("role", "member")],
        )
        .await;
    assert_eq!(
        (s, b["Invalid"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("email"))
    );
}

async fn roles_limit_what_members_can_do(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let admin = app.member(&owner, "admin@kanzlei-a.de", "admin").await;
    let member = app.member(&owner, "member@kanzlei-a.de", "member").await;
    let reader = app.member(&owner, "reader@kanzlei-a.de", "readonly").await;
    let id = member.create_client("Schmidt AG", "").await;

    // Read-only sees but cannot change.
    assert_eq!(
        reader.call("get_client", &[("id", &id)]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        reader.call("create_client", &[("name", "X")]).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reader
            .call("add_client_note", &[("id", &id), ("body", "x")])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Members edit but do not delete or manage the team.
    assert_eq!(
        member.call("delete_client", &[("id", &id)]).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        member
            .call("invite_member", &[("email", "x@y.de"), ("role", "member")])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Admins manage members but cannot make owners or admins, nor change the plan.
    let (s, _) = admin
        .call(
            "invite_member",
            &[("email", "boss@y.de"), ("role", "owner")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        admin.call("change_plan", &[("plan", "team")]).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, me) = member.call("whoami", &[]).await;
    let member_id = me["user_id"].as_str().unwrap().to_string();
    assert_eq!(
        admin
            .call(
                "change_role",
                &[("user_id", &member_id), ("role", "readonly")]
            )
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        member.call("create_client", &[("name", "Y")]).await.0,
        StatusCode::FORBIDDEN,
        "new role applies at once"
    );
    assert_eq!(
        admin
            .call("change_role", &[("user_id", &member_id), ("role", "admin")])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.call("delete_client", &[("id", &id)]).await.0,
        StatusCode::OK
    );
}

async fn the_last_owner_stays(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let (_, me) = owner.call("whoami", &[]).await;
    let owner_id = me["user_id"].as_str().unwrap().to_string();
    // Nobody changes their own role or deactivates themselves.
    assert_eq!(
        owner
            .call(
                "set_member_active",
                &[("user_id", &owner_id), ("active", "false")]
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let second = app.member(&owner, "zwei@kanzlei-a.de", "owner").await;
    assert_eq!(
        second
            .call("change_role", &[("user_id", &owner_id), ("role", "admin")])
            .await
            .0,
        StatusCode::OK
    );
    let (_, me2) = second.call("whoami", &[]).await;
    let second_id = me2["user_id"].as_str().unwrap().to_string();
    // The first is an admin now and cannot touch the only remaining owner.
    assert_eq!(
        owner
            .call(
                "set_member_active",
                &[("user_id", &second_id), ("active", "false")]
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

on_both_databases!(
    invitations_are_mailed_single_use_and_expire,
    roles_limit_what_members_can_do,
    the_last_owner_stays
);

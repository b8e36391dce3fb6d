//! The upload mail: one per member and client, listing the files received since the first of
//! the burst.

use crate::i18n::{fill, Lang};
use crate::server::AppState;
use sqlx::Row;

/// Runs an `upload_mail` job (`user_id|client_id|since_ms`). A member who left, was
/// deactivated or turned the mails off meanwhile gets none.
pub async fn send_upload_mail(st: &AppState, payload: &str) -> Result<(), String> {
    let mut parts = payload.splitn(3, '|');
    let (Some(user_id), Some(client_id), Some(since)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("bad payload {payload:?}"));
    };
    let since: i64 = since
        .parse()
        .map_err(|_| format!("bad payload {payload:?}"))?;
    let db = &st.db;
    let e = |e: sqlx::Error| e.to_string();
    let Some(user) = sqlx::query("SELECT email, org_id, active, role FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
        .map_err(e)?
    else {
        return Ok(());
    };
    let org_id: String = user.try_get("org_id").map_err(e)?;
    let wants = user.try_get::<i64, _>("active").map_err(e)? == 1
        && super::prefs::mode(db, &super::prefs::member(user_id), super::Event::Upload)
            .await
            .map_err(e)?
            == super::MailPref::Instant;
    if !wants {
        return Ok(());
    }
    // Taken off the client's team since the upload: no mail.
    let Some(role) = crate::orgs::Role::parse(&user.try_get::<String, _>("role").map_err(e)?)
    else {
        return Ok(());
    };
    let viewer = crate::clients::access::viewer_for(role, user_id);
    if !crate::clients::access::sees(db, &org_id, client_id, viewer)
        .await
        .map_err(e)?
    {
        return Ok(());
    }
    let Some(client_name) =
        sqlx::query_scalar::<_, String>("SELECT name FROM clients WHERE id = $1 AND org_id = $2")
            .bind(client_id)
            .bind(&org_id)
            .fetch_optional(db)
            .await
            .map_err(e)?
    else {
        return Ok(());
    };
    // Files of a case hidden from the member are not theirs to hear of.
    let files = sqlx::query(&format!(
        "SELECT f.name, f.size, f.scan_state FROM files f WHERE f.org_id = $1 AND f.client_id = $2 \
         AND f.direction = 'received' AND f.created_at >= $3 AND {} ORDER BY f.created_at, f.id",
        crate::clients::access::file_visible("f", 4, viewer)
    ))
    .bind(&org_id)
    .bind(client_id)
    .bind(since)
    .bind(viewer)
    .fetch_all(db)
    .await
    .map_err(e)?;
    if files.is_empty() {
        return Ok(());
    }
    let lang = Lang::default();
    let t = lang.t();
    let mut list = String::new();
    for f in &files {
        let name: String = f.try_get("name").map_err(e)?;
        let size: i64 = f.try_get("size").map_err(e)?;
        let state: String = f.try_get("scan_state").map_err(e)?;
        list.push_str(&format!(
            "- {name} ({})",
            crate::uploads::ui::human_size(size, lang)
        ));
        if state != "clean" {
            list.push_str(&format!(" – {}", t.mail_upload_quarantined));
        }
        list.push('\n');
    }
    let base = st.config.public_url();
    let mail = crate::server::mail::Mail {
        to: user.try_get("email").map_err(e)?,
        subject: fill(t.mail_upload_subject, &[("client", &client_name)]),
        text: fill(
            t.mail_upload_body,
            &[
                ("client", &client_name),
                ("files", list.trim_end()),
                ("link", &format!("{base}/clients/{client_id}")),
                ("settings", &format!("{base}/settings")),
            ],
        ),
        html: None,
        ..Default::default()
    };
    st.mailer.send(mail).await.map_err(|e| e.to_string())
}

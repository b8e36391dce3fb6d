//! The mail that tells a client of the firm's answer on a ticket: a durable job enqueued with
//! the answer, sent once. It quotes the answer only when the firm lets mails carry message
//! texts (`orgs.mail_message_text`, as for the chat); the link opens the ticket in the portal.

use crate::i18n::{fill, Lang};
use crate::server::AppState;
use sqlx::Row;

/// Job kind; the payload is the post's id.
pub const TICKET_MAIL: &str = "ticket_mail";

pub async fn send(st: &AppState, post_id: &str) -> Result<(), String> {
    let e = |e: sqlx::Error| e.to_string();
    let Some(r) = sqlx::query(
        "SELECT p.org_id, p.client_id, p.ticket_id, p.author_name, p.body, t.number, t.subject, t.opened_email, \
         o.name AS firm, o.mail_message_text, k.email AS client_email \
         FROM ticket_posts p JOIN tickets t ON t.id = p.ticket_id JOIN orgs o ON o.id = p.org_id \
         JOIN clients k ON k.id = p.client_id WHERE p.id = $1 AND p.kind = 'staff'",
    )
    .bind(post_id)
    .fetch_optional(&st.db)
    .await
    .map_err(e)?
    else {
        // Deleted with its client meanwhile: nobody to tell.
        return Ok(());
    };
    let org: String = r.try_get("org_id").map_err(e)?;
    let client: String = r.try_get("client_id").map_err(e)?;
    let ticket: String = r.try_get("ticket_id").map_err(e)?;
    let opened: String = r.try_get("opened_email").map_err(e)?;
    let main: String = r.try_get("client_email").map_err(e)?;
    let to = if opened.is_empty() { main } else { opened };
    if to.is_empty() {
        return Ok(());
    }
    let number: i64 = r.try_get("number").map_err(e)?;
    let subject: String = r.try_get("subject").map_err(e)?;
    let firm: String = r.try_get("firm").map_err(e)?;
    let author: String = r.try_get("author_name").map_err(e)?;
    let quote = r.try_get::<i64, _>("mail_message_text").map_err(e)? == 1;
    let text = if quote {
        let key = crate::chat::repo::key(&st.db, &st.master_key, &org, &client).await?;
        let body: String = r.try_get("body").map_err(e)?;
        crate::chat::repo::open_b64(&key, post_id, &body)?
    } else {
        String::new()
    };
    let t = Lang::default().t();
    let base = crate::domains::repo::base_url(st, &org)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let link = format!("{base}/portal/tickets/{ticket}");
    let number = super::label(number);
    let mail_subject = fill(
        t.tk_mail_subject,
        &[("number", &number), ("subject", &subject)],
    );
    let mut intro = fill(t.tk_mail_intro, &[("org", &firm), ("name", &author)]);
    if !text.is_empty() {
        intro = format!("{intro}\n\n{text}");
    }
    if !st.config.inbound.reply_domain.is_empty() {
        intro = format!("{intro}\n\n{}", t.tk_mail_reply_hint);
    }
    let footer = crate::notify::prefs::client_footer(st, &org, &client)
        .await
        .map_err(e)?;
    let look = crate::server::mail::Look::of_firm(st, &org)
        .await
        .map_err(e)?;
    let html = crate::server::mail::button_html(&intro, t.tk_mail_button, &link, &footer, &look);
    let mut mail = crate::server::mail::Mail {
        to,
        subject: mail_subject,
        text: format!("{intro}\n\n{}: {link}\n{footer}", t.tk_mail_button),
        html: Some(html),
        ..Default::default()
    };
    if let Some((reply_to, message_id)) =
        crate::inbound::thread_headers(st, &org, &client, Some(&ticket))
            .await
            .map_err(e)?
    {
        mail.reply_to = Some(reply_to);
        mail.message_id = Some(message_id);
    }
    st.mailer.send(mail).await.map_err(|e| e.to_string())
}

//! The mail that goes with an issued document: the firm's text (or ours) with the client's
//! portal link, as a durable job written in the issuing transaction — sent once, even across a
//! crash.

use super::DocKind;
use crate::i18n::{fill, Lang};
use crate::server::AppState;
use sqlx::Row;

/// Job kind; the payload is the document's id.
pub const INVOICE_MAIL: &str = "invoice_mail";

/// Where `{{ portal_url }}` goes in the firm's mail text.
pub const PORTAL_URL: &str = "{{ portal_url }}";

/// The mail text with the portal link in place (the firm's own text, or ours when it has none
/// or forgot the placeholder — then the link follows the text).
pub fn body(own: &str, default: &str, portal_url: &str) -> String {
    let text = if own.trim().is_empty() { default } else { own };
    if text.contains(PORTAL_URL) {
        text.replace(PORTAL_URL, portal_url)
    } else {
        format!("{}\n\n{portal_url}", text.trim_end())
    }
}

pub async fn send(st: &AppState, id: &str) -> Result<(), String> {
    let e = |e: sqlx::Error| e.to_string();
    let Some(r) = sqlx::query(
        "SELECT i.org_id, i.client_id, i.kind, i.number, o.name AS firm, o.billing_mail_text, k.email \
         FROM invoices i JOIN orgs o ON o.id = i.org_id JOIN clients k ON k.id = i.client_id \
         WHERE i.id = $1 AND i.number <> ''",
    )
    .bind(id)
    .fetch_optional(&st.db)
    .await
    .map_err(e)?
    else {
        // Deleted with its client meanwhile: nobody to tell.
        return Ok(());
    };
    let org: String = r.try_get("org_id").map_err(e)?;
    let client: String = r.try_get("client_id").map_err(e)?;
    let kind: String = r.try_get("kind").map_err(e)?;
    let number: String = r.try_get("number").map_err(e)?;
    let firm: String = r.try_get("firm").map_err(e)?;
    let own: String = r.try_get("billing_mail_text").map_err(e)?;
    let to: String = r.try_get("email").map_err(e)?;
    if to.is_empty() {
        return Ok(());
    }
    let t = Lang::default().t();
    let base = crate::domains::repo::base_url(st, &org)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let portal = format!("{base}/portal");
    let (subject, default) = match DocKind::parse(&kind).unwrap_or_default() {
        DocKind::Invoice => (t.inv_mail_subject_invoice, t.inv_mail_body_invoice),
        DocKind::Quote => (t.inv_mail_subject_quote, t.inv_mail_body_quote),
    };
    let subject = fill(subject, &[("number", &number), ("org", &firm)]);
    let default = fill(default, &[("number", &number), ("org", &firm)]);
    let footer = crate::notify::prefs::client_footer(st, &org, &client)
        .await
        .map_err(e)?;
    let text = body(&own, &default, &portal);
    let look = crate::server::mail::Look::of_firm(st, &org)
        .await
        .map_err(e)?;
    let intro = text.replace(&portal, "").trim_end().to_string();
    let html = crate::server::mail::button_html(&intro, t.inv_mail_button, &portal, &footer, &look);
    let mail = crate::server::mail::Mail {
        to,
        subject,
        text: format!("{text}\n{footer}"),
        html: Some(html),
        ..Default::default()
    };
    st.mailer.send(mail).await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portal_link_goes_where_the_firm_put_it() {
        let url = "https://portal.example/portal";
        assert_eq!(
            body("Ihre Rechnung: {{ portal_url }} – Danke!", "x", url),
            "Ihre Rechnung: https://portal.example/portal – Danke!"
        );
        assert_eq!(
            body("  ", "Standard {{ portal_url }}", url),
            format!("Standard {url}")
        );
        assert_eq!(
            body("Ohne Link.\n", "x", url),
            format!("Ohne Link.\n\n{url}")
        );
    }
}

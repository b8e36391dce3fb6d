//! Outbound mail. With an SMTP URL configured, mails go out over SMTP (lettre); without one
//! (the zero-configuration default) they are written to `<data_dir>/outbox/*.eml` and the
//! log says where, so `make run` works without a mail server.

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use std::path::PathBuf;

#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Outbox {
        dir: PathBuf,
        from: Mailbox,
    },
}

/// A mail to send: plain text always, HTML optional.
#[derive(Default)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Where replies go (a signed reply address, see `inbound::token`).
    pub reply_to: Option<String>,
    /// Our Message-ID (without angle brackets), so replies can be matched by In-Reply-To.
    pub message_id: Option<String>,
}

/// How a mail to a client looks: the button in the firm's colour (text colour chosen for
/// contrast), its logo on top — or the app's own look.
pub struct Look {
    pub button: crate::branding::colour::Rgb,
    /// Absolute URL of the logo.
    pub logo: Option<String>,
}

impl Look {
    /// The look of one firm's mails to its clients (its colour and logo, else the app's).
    pub async fn of_firm(st: &super::AppState, org_id: &str) -> Result<Look, sqlx::Error> {
        let brand = crate::branding::repo::brand(&st.db, org_id).await?;
        Ok(Look::of(brand.as_ref(), st.config.public_url()))
    }

    pub fn of(brand: Option<&crate::branding::Brand>, public_url: &str) -> Look {
        let default = crate::branding::colour::Rgb(0x1d, 0x4e, 0xd8);
        Look {
            button: brand
                .and_then(|b| crate::branding::colour::parse(&b.primary))
                .unwrap_or(default),
            logo: brand
                .and_then(|b| b.logo_url.as_ref())
                .map(|u| format!("{public_url}{u}")),
        }
    }
}

/// A small HTML mail: a paragraph, one big button, a footer line. Every value is escaped;
/// colours come from parsed numbers only.
pub fn button_html(intro: &str, button: &str, url: &str, footer: &str, look: &Look) -> String {
    let e = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let logo = look
        .logo
        .as_deref()
        .map(|src| {
            format!(
                "<p><img src=\"{}\" alt=\"\" style=\"max-height:48px;max-width:200px;\"></p>",
                e(src)
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;font-size:16px;color:#1f2933;\">\
         {logo}<p style=\"white-space:pre-line;\">{}</p>\
         <p style=\"margin:28px 0;\"><a href=\"{}\" style=\"display:inline-block;background:{};color:{};\
         padding:16px 28px;border-radius:8px;text-decoration:none;font-weight:600;font-size:18px;\">{}</a></p>\
         <p style=\"color:#52606d;font-size:14px;\">{}</p></body></html>",
        e(intro),
        e(url),
        look.button.hex(),
        crate::branding::colour::text_on(look.button).hex(),
        e(button),
        e(footer)
    )
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("mail could not be built: {0}")]
    Build(String),
    #[error("mail could not be sent: {0}")]
    Send(String),
}

impl Mailer {
    pub fn from_config(
        smtp_url: &str,
        from: &str,
        data_dir: &std::path::Path,
    ) -> Result<Self, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailError::Address(from.to_string()))?;
        if smtp_url.is_empty() {
            let dir = data_dir.join("outbox");
            std::fs::create_dir_all(&dir).map_err(|e| MailError::Send(e.to_string()))?;
            Ok(Mailer::Outbox { dir, from })
        } else {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
                .map_err(|e| MailError::Send(e.to_string()))?
                .build();
            Ok(Mailer::Smtp { transport, from })
        }
    }

    pub async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Outbox { from, .. } => from.clone(),
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| MailError::Address(mail.to.clone()))?;
        let mut builder = Message::builder().from(from).to(to).subject(mail.subject);
        if let Some(r) = &mail.reply_to {
            let r: Mailbox = r.parse().map_err(|_| MailError::Address(r.clone()))?;
            builder = builder.reply_to(r);
        }
        if let Some(id) = mail.message_id {
            builder = builder.message_id(Some(format!("<{id}>")));
        }
        let message = builder
            .multipart(match mail.html {
                None => MultiPart::mixed().singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(mail.text),
                ),
                Some(html) => MultiPart::alternative_plain_html(mail.text, html),
            })
            .map_err(|e| MailError::Build(e.to_string()))?;
        match self {
            Mailer::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string())),
            Mailer::Outbox { dir, .. } => {
                let id = AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map_err(|e| MailError::Send(e.to_string()))?;
                tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "mail written to outbox (no SMTP configured)");
                Ok(())
            }
        }
    }

    pub fn is_outbox(&self) -> bool {
        matches!(self, Mailer::Outbox { .. })
    }
}

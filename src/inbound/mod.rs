//! Inbound mail: clients' replies to the portal's mails land back in the right thread — a
//! ticket's or the client's chat. Mails arrive over the built-in SMTP listener (`smtp`) or a
//! provider's webhook (`http`); `receive` routes them by the signed reply address (`token`),
//! else by In-Reply-To/References against the Message-IDs we sent; the sender must be the
//! client's address or a contact's (else the mail is held for staff review); machines'
//! mails (auto-replies, bounces, lists) are dropped; the text is cleaned of quotes and
//! signatures (`reply`), the whole original kept sealed; attachments become the client's files
//! through the upload pipeline (scanned, encrypted).

pub mod api;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod parse;
#[cfg(feature = "ssr")]
pub mod reply;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod smtp;
#[cfg(feature = "ssr")]
pub mod token;

#[cfg(feature = "ssr")]
pub use server::*;

/// A mail held for review (the sender is no contact of the client), as staff see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeldMail {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    /// "#12 Betreff", or empty for the chat.
    pub ticket: String,
    pub from: String,
    pub subject: String,
    /// The cleaned reply text.
    pub text: String,
    pub attachments: Vec<String>,
    pub received_at: i64,
}

#[cfg(feature = "ssr")]
mod server {
    use super::parse::Parsed;
    use super::token::{Reading, Target};
    use super::{parse, reply, repo, token};
    use crate::server::AppState;
    use base64::{engine::general_purpose::STANDARD, Engine};

    /// What the SMTP conversation said about the mail (nothing, for the webhook).
    #[derive(Debug, Clone, Default)]
    pub struct Envelope {
        /// MAIL FROM; `Some("")` is the null sender of bounces.
        pub mail_from: Option<String>,
        pub rcpt_to: Vec<String>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Outcome {
        /// Posted to its thread (the post's or message's id).
        Posted(String),
        /// Held for staff review (the mail's id).
        Held(String),
        /// Dropped, and why (never a message, never a mail).
        Ignored(&'static str),
    }

    /// Where a mail goes, decided from the mail alone.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Route {
        /// A signed reply address.
        Token(Target),
        /// No reply address: these Message-IDs may be ours.
        Thread(Vec<String>),
        Drop(&'static str),
    }

    /// The routing decision: machines' mails are dropped; a valid reply address wins, a
    /// forged one drops the mail; else the thread headers are tried.
    pub fn route(
        master: &crate::server::keys::MasterKey,
        domain: &str,
        p: &Parsed,
        env: &Envelope,
    ) -> Route {
        if let Some(why) = p.automatic {
            return Route::Drop(why);
        }
        if env.mail_from.as_deref() == Some("") {
            return Route::Drop("bounce");
        }
        let mut forged = false;
        for a in env.rcpt_to.iter().chain(&p.recipients) {
            match token::read(master, a, domain) {
                Reading::Valid(t) => return Route::Token(t),
                Reading::Forged => forged = true,
                Reading::Foreign => {}
            }
        }
        if forged {
            return Route::Drop("forged");
        }
        if p.thread.is_empty() {
            return Route::Drop("unknown");
        }
        Route::Thread(p.thread.clone())
    }

    fn seal(key: &[u8; crate::crypto::KEY_LEN], id: &str, raw: &[u8]) -> String {
        crate::chat::repo::seal_b64(key, id, &STANDARD.encode(raw))
    }

    /// The Reply-To and Message-ID of a mail we send into a thread (`ticket` None: the
    /// client's chat), the Message-ID remembered — or `None` when replies by mail are off.
    pub async fn thread_headers(
        st: &AppState,
        org: &str,
        client: &str,
        ticket: Option<&str>,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        let domain = st.config.inbound.reply_domain.as_str();
        if domain.is_empty() {
            return Ok(None);
        }
        let target = match ticket {
            Some(t) => Target::Ticket(t.to_string()),
            None => Target::Chat(client.to_string()),
        };
        let message_id = format!("{}@{}", crate::server::db::new_id(), domain.to_lowercase());
        let now = crate::server::db::now_ms();
        repo::remember(&st.db, &message_id, org, client, ticket, now).await?;
        Ok(Some((
            token::address(&st.master_key, &target, domain),
            message_id,
        )))
    }

    /// The raw mail of a stored one.
    pub async fn open(st: &AppState, m: &repo::Stored) -> Result<Vec<u8>, String> {
        let key = crate::chat::repo::key(&st.db, &st.master_key, &m.org_id, &m.client_id).await?;
        let inner = crate::chat::repo::open_b64(&key, &m.id, &m.raw_sealed)?;
        STANDARD.decode(inner).map_err(|e| e.to_string())
    }

    /// Receives one mail: routes it, checks the sender, keeps the original, posts the cleaned
    /// text and the attachments to the thread — or holds or drops it.
    pub async fn receive(st: &AppState, raw: &[u8], env: &Envelope) -> Result<Outcome, String> {
        let e = |e: sqlx::Error| e.to_string();
        let domain = st.config.inbound.reply_domain.as_str();
        if domain.is_empty() {
            return Ok(Outcome::Ignored("off"));
        }
        if raw.len() as i64 > st.config.inbound.max_mb * 1024 * 1024 {
            return Ok(Outcome::Ignored("too large"));
        }
        let Some(p) = parse::parse(raw) else {
            return Ok(Outcome::Ignored("unreadable"));
        };
        let place = match route(&st.master_key, domain, &p, env) {
            Route::Drop(why) => return Ok(Outcome::Ignored(why)),
            Route::Token(t) => repo::place_of(&st.db, &t).await.map_err(e)?,
            Route::Thread(ids) => repo::thread_of(&st.db, &ids).await.map_err(e)?,
        };
        let Some((org, client, ticket)) = place else {
            return Ok(Outcome::Ignored("unknown"));
        };
        let sender = repo::sender(&st.db, &org, &client, &p.from)
            .await
            .map_err(e)?;
        let id = crate::server::db::new_id();
        let key = crate::chat::repo::key(&st.db, &st.master_key, &org, &client).await?;
        // Without a Message-ID, the content identifies a redelivery.
        let message_id = if p.message_id.is_empty() {
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(raw))
        } else {
            p.message_id.clone()
        };
        let now = crate::server::db::now_ms();
        let new = repo::record(
            &st.db,
            &repo::NewMail {
                id: &id,
                org_id: &org,
                client_id: &client,
                ticket_id: ticket.as_deref(),
                message_id: &message_id,
                from: &p.from,
                subject: &p.subject,
                state: if sender.is_some() { "posting" } else { "held" },
                raw_sealed: &seal(&key, &id, raw),
                now,
            },
        )
        .await
        .map_err(e)?;
        if !new {
            return Ok(Outcome::Ignored("duplicate"));
        }
        let Some(name) = sender else {
            // Someone else wrote (or forged the sender): staff decide.
            crate::notify::repo::note_members(
                &st.db,
                &org,
                &client,
                crate::notify::Kind::MailHeld,
                &p.from,
                now,
            )
            .await
            .map_err(e)?;
            tracing::info!(mail = %id, "inbound mail held: sender is no contact of the client");
            return Ok(Outcome::Held(id));
        };
        post(st, &id, &org, &client, ticket.as_deref(), &name, &p).await
    }

    /// Posts a received mail (`id`) to its thread as `name`: the cleaned text, then each
    /// attachment as a file of the client.
    pub async fn post(
        st: &AppState,
        id: &str,
        org: &str,
        client: &str,
        ticket: Option<&str>,
        name: &str,
        p: &Parsed,
    ) -> Result<Outcome, String> {
        let e = |e: sqlx::Error| e.to_string();
        let text = reply::extract(&p.text);
        let now = crate::server::db::now_ms();
        let idem = format!("mail:{id}");
        let mut post_id = None;
        if !text.is_empty() {
            post_id = Some(match ticket {
                Some(ticket) => {
                    let text: String = text.chars().take(crate::tickets::TEXT_MAX).collect();
                    let (post, _) = crate::tickets::client_post(
                        st,
                        &crate::tickets::repo::NewPost {
                            org_id: org,
                            client_id: client,
                            ticket_id: ticket,
                            kind: crate::tickets::PostKind::Client,
                            author_id: None,
                            author_name: name,
                            text: &text,
                            file_id: None,
                            via: "mail",
                            idem_key: Some(&idem),
                            now,
                        },
                    )
                    .await?;
                    post
                }
                None => {
                    let text: String = text.chars().take(crate::chat::domain::MAX_CHARS).collect();
                    crate::chat::api::post_message(
                        st,
                        crate::i18n::Lang::default().t(),
                        crate::chat::repo::NewMessage {
                            org_id: org,
                            client_id: client,
                            conv: "",
                            author: crate::chat::Author::Client,
                            author_id: None,
                            author_name: name,
                            text: &text,
                            file_id: None,
                            idem_key: Some(&idem),
                            now,
                        },
                        &crate::audit::repo::Actor {
                            name: name.to_string(),
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(|e| format!("{e:?}"))?
                }
            });
        }
        let max_file = st.config.uploads.max_file_mb * 1024 * 1024;
        for a in p.attachments.iter().take(20) {
            if a.data.len() as i64 > max_file {
                tracing::warn!(mail = %id, file = %a.name, "attachment over the size limit skipped");
                continue;
            }
            crate::uploads::import::import(
                st,
                &crate::uploads::import::Import {
                    org_id: org,
                    client_id: client,
                    filename: &a.name,
                    mime: &a.mime,
                    ticket_id: ticket,
                    chat_conv: ticket.is_none().then_some(""),
                },
                &a.data,
            )
            .await?;
        }
        let post_id = post_id.unwrap_or_default();
        repo::posted(
            &st.db,
            id,
            &post_id,
            ticket.is_some() && !post_id.is_empty(),
        )
        .await
        .map_err(e)?;
        if post_id.is_empty() && p.attachments.is_empty() {
            return Ok(Outcome::Ignored("empty"));
        }
        Ok(Outcome::Posted(post_id))
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::parse::parse;
    use super::{route, Envelope, Route};
    use proptest::prelude::*;

    fn master() -> crate::server::keys::MasterKey {
        use base64::Engine;
        crate::server::keys::MasterKey::from_base64(
            &base64::engine::general_purpose::STANDARD.encode([42u8; 32]),
        )
        .unwrap()
    }

    /// Mail-shaped noise: headers of our reply domain with made-up tokens and thread ids.
    fn mailish() -> impl Strategy<Value = Vec<u8>> {
        (
            "[a-z0-9.+-]{0,40}",
            "[tc]",
            "[0-9a-f-]{0,40}",
            "[0-9a-f]{0,20}",
            "[ -~]{0,60}",
            proptest::collection::vec(any::<u8>(), 0..512),
        )
            .prop_map(|(from, kind, id, sig, refs, body)| {
                let mut raw = format!(
                    "From: {from}@example.org\r\nTo: reply+{kind}.{id}.{sig}@reply.test\r\n\
                     In-Reply-To: <{refs}>\r\nSubject: Re: x\r\n\r\n"
                )
                .into_bytes();
                raw.extend(body);
                raw
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Arbitrary bytes never panic the parser or the cleaning, and never carry a valid
        /// reply address — so they never reach a thread.
        #[test]
        fn arbitrary_bytes_never_route_to_a_thread(raw in proptest::collection::vec(any::<u8>(), 0..4096)) {
            if let Some(p) = parse(&raw) {
                let _ = super::reply::extract(&p.text);
                let r = route(&master(), "reply.test", &p, &Envelope::default());
                prop_assert!(!matches!(r, Route::Token(_)), "{r:?}");
            }
        }

        #[test]
        fn made_up_reply_addresses_are_never_valid(raw in mailish()) {
            if let Some(p) = parse(&raw) {
                let _ = super::reply::extract(&p.text);
                let r = route(&master(), "reply.test", &p, &Envelope::default());
                prop_assert!(!matches!(r, Route::Token(_)), "{r:?}");
            }
        }
    }
}

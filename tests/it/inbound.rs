//! Replies by e-mail, over a real SMTP conversation with the built-in listener: a staff answer
//! on a ticket goes out with a signed Reply-To and a Message-ID; the client's reply (lettre →
//! 127.0.0.1) lands in the ticket, cleaned of the quote, its attachment a file of the client,
//! the original viewable; a spoofed sender is held for staff review, an auto-reply and a
//! bounce are dropped, a forged reply address too; In-Reply-To alone finds the thread; the
//! provider webhook needs its secret; a chat reply lands in the chat.

use crate::helpers::{outbox_texts, Caller, Db, TestApp};
use crate::on_both_databases;
use kundenportal::inbound::token::{address, Target};
use kundenportal::server::{db::now_ms, jobs};
use lettre::message::{header::ContentType, Attachment, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use reqwest::StatusCode;
use serde_json::Value;

pub const DOMAIN: &str = "reply.kanzlei.test";
const SECRET: &str = "webhook-geheimnis-1234567890";

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

/// A plain reply to the client's chat address, as `from` (for tests elsewhere too).
pub fn reply_to_chat(app: &TestApp, client: &str, from: &str) -> String {
    let to = address(
        &app.state.master_key,
        &Target::Chat(client.to_string()),
        DOMAIN,
    );
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Re: Neue Nachricht\r\nMessage-ID: <{}@example.org>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHallo, hier meine Antwort.\r\n",
        now_ms()
    )
}

/// The app with replies by mail on, and its SMTP listener on a free port.
async fn app_with_listener(db: Db) -> (TestApp, u16) {
    let app = TestApp::spawn_with(
        db,
        &[
            ("KUNDENPORTAL_INBOUND_REPLY_DOMAIN", DOMAIN),
            ("KUNDENPORTAL_INBOUND_WEBHOOK_SECRET", SECRET),
        ],
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(kundenportal::inbound::smtp::serve(
        listener,
        app.state.clone(),
    ));
    (app, port)
}

/// Sends `m` to the listener over SMTP.
async fn smtp(port: u16, m: Message) {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build();
    transport.send(m).await.unwrap();
}

/// A header's value in a decoded outbox mail.
fn header<'a>(mail: &'a str, name: &str) -> &'a str {
    mail.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {mail}"))
        .trim()
}

fn posts(detail: &Value) -> Vec<Value> {
    detail["posts"].as_array().unwrap().clone()
}

async fn replies_by_mail_land_in_their_thread(db: Db) {
    let (app, port) = app_with_listener(db).await;
    let owner = app.firm("Steuerkanzlei Muster", "chef@muster.de").await;
    let client = owner
        .create_client("Bäckerei Brot GmbH", "info@brot.de")
        .await;
    ok(
        &owner,
        "save_contact",
        &[
            ("client_id", &client),
            ("name", "Bernd Buchhaltung"),
            ("email", "bernd@brot.de"),
            ("rights[]", "chat"),
        ],
    )
    .await;
    let phone = crate::portal::portal_browser(&app, "info@brot.de").await;
    let ticket = ok(
        &phone,
        "open_ticket",
        &[
            ("subject", "Frage zur Lohnabrechnung"),
            ("text", "Was ist neu?"),
        ],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    ok(
        &owner,
        "reply_ticket",
        &[
            ("id", &ticket),
            ("text", "Gern: ab November gilt der Zuschlag."),
        ],
    )
    .await;
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    let mail = outbox_texts(&app)
        .into_iter()
        .find(|m| m.contains("[Ticket #1]"))
        .expect("the answer was mailed");
    let reply_to = header(&mail, "Reply-To").to_string();
    let message_id = header(&mail, "Message-ID").to_string();
    assert!(
        reply_to.starts_with(&format!("reply+t.{ticket}.")),
        "{reply_to}"
    );
    assert!(reply_to.ends_with(&format!("@{DOMAIN}")), "{reply_to}");
    assert!(
        mail.contains("einfach auf diese E-Mail antworten"),
        "{mail}"
    );

    // The client replies from Apple Mail style, quoting the answer, with a payslip attached.
    let reply = |from: &str, id: &str| {
        Message::builder()
            .from(from.parse().unwrap())
            .to(reply_to.parse().unwrap())
            .subject("Re: [Ticket #1] Frage zur Lohnabrechnung")
            .message_id(Some(format!("<{id}@brot.de>")))
            .in_reply_to(message_id.clone())
    };
    let body = "Danke, das passt!\nGilt das auch für Minijobber?\n\n\
                Am 30.11.2026 um 10:15 schrieb Steuerkanzlei Muster <noreply@kundenportal.local>:\n\n\
                > Gern: ab November gilt der Zuschlag.\n";
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    smtp(
        port,
        reply("Bäckerei Brot <Info@Brot.de>", "r1")
            .multipart(
                MultiPart::mixed()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(body.to_string()),
                    )
                    .singlepart(
                        Attachment::new("Lohnzettel.pdf".into())
                            .body(pdf.clone(), "application/pdf".parse().unwrap()),
                    ),
            )
            .unwrap(),
    )
    .await;
    let seen = ok(&phone, "portal_ticket", &[("id", &ticket)]).await;
    let list = posts(&seen);
    assert_eq!(list.len(), 4, "question, answer, reply, attachment: {seen}");
    assert_eq!(list[2]["kind"], "Client");
    assert_eq!(
        list[2]["text"],
        "Danke, das passt!\nGilt das auch für Minijobber?"
    );
    assert_eq!(list[2]["via_mail"], true);
    assert_eq!(
        list[2]["mail_id"],
        Value::Null,
        "the original link is for staff"
    );
    assert_eq!(list[3]["file"]["name"], "Lohnzettel.pdf");
    assert_eq!(list[3]["file"]["blocked"], false);
    // Staff see the news, and the original in full (the quote included).
    assert_eq!(ok(&owner, "ticket_unread_count", &[]).await, 1);
    let staff_view = ok(&owner, "get_ticket", &[("id", &ticket)]).await;
    let mail_id = posts(&staff_view)[2]["mail_id"]
        .as_str()
        .expect("original linked")
        .to_string();
    let original = owner
        .get(&format!("/api/inbound/mails/{mail_id}/original"))
        .await;
    assert_eq!(original.status(), StatusCode::OK);
    let original = original.text().await.unwrap();
    assert!(
        original.contains("> Gern: ab November gilt der Zuschlag."),
        "{original}"
    );
    assert!(original.contains("Lohnzettel.pdf"), "{original}");
    let stranger = app.firm("Kanzlei B", "chef@b.de").await;
    let other = stranger
        .get(&format!("/api/inbound/mails/{mail_id}/original"))
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);

    // The same mail delivered twice is taken once.
    smtp(
        port,
        reply("info@brot.de", "r1")
            .body("Danke, das passt!".to_string())
            .unwrap(),
    )
    .await;
    assert_eq!(
        posts(&ok(&phone, "portal_ticket", &[("id", &ticket)]).await).len(),
        4
    );

    // A further contact with the chat right may answer too; In-Reply-To alone finds the thread.
    smtp(
        port,
        Message::builder()
            .from("bernd@brot.de".parse().unwrap())
            .to(format!("kanzlei@{DOMAIN}").parse().unwrap())
            .subject("Re: Frage")
            .message_id(Some("<r2@brot.de>".into()))
            .in_reply_to(message_id.clone())
            .body("Von Bernd: die Stundenzettel kommen morgen.".to_string())
            .unwrap(),
    )
    .await;
    let list = posts(&ok(&phone, "portal_ticket", &[("id", &ticket)]).await);
    assert_eq!(list.len(), 5);
    assert_eq!(list[4]["author_name"], "Bernd Buchhaltung");
    assert_eq!(
        list[4]["text"],
        "Von Bernd: die Stundenzettel kommen morgen."
    );

    // A spoofed sender is held for review, never posted; staff may release it.
    smtp(
        port,
        reply("chef@konkurrenz.example", "r3")
            .body("Bitte überweisen Sie an DE00 1234.".to_string())
            .unwrap(),
    )
    .await;
    assert_eq!(
        posts(&ok(&phone, "portal_ticket", &[("id", &ticket)]).await).len(),
        5
    );
    let held = ok(&owner, "list_held_mails", &[]).await;
    assert_eq!(held.as_array().unwrap().len(), 1, "{held}");
    assert_eq!(held[0]["from"], "chef@konkurrenz.example");
    assert_eq!(held[0]["ticket"], "#1 Frage zur Lohnabrechnung");
    assert_eq!(held[0]["text"], "Bitte überweisen Sie an DE00 1234.");
    let notes = ok(&owner, "list_notifications", &[]).await;
    assert!(notes.to_string().contains("MailHeld"), "{notes}");
    // Auto-replies, bounces and forged addresses vanish without a trace.
    smtp(
        port,
        reply("info@brot.de", "r4")
            .header(AutoSubmitted("auto-replied".into()))
            .body("Ich bin bis Montag im Urlaub.".to_string())
            .unwrap(),
    )
    .await;
    let forged = reply_to.replacen(".", ".0", 2);
    smtp(
        port,
        Message::builder()
            .from("info@brot.de".parse().unwrap())
            .to(forged.parse().unwrap())
            .subject("Re: x")
            .body("Gefälscht".to_string())
            .unwrap(),
    )
    .await;
    bounce(port, &reply_to).await;
    assert_eq!(
        posts(&ok(&phone, "portal_ticket", &[("id", &ticket)]).await).len(),
        5
    );
    assert_eq!(
        ok(&owner, "list_held_mails", &[])
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Released by staff: posted under the sender's address.
    let held_id = held[0]["id"].as_str().unwrap().to_string();
    ok(&owner, "release_held_mail", &[("id", &held_id)]).await;
    let (s, _) = owner.call("release_held_mail", &[("id", &held_id)]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let list = posts(&ok(&phone, "portal_ticket", &[("id", &ticket)]).await);
    assert_eq!(list.len(), 6);
    assert_eq!(list[5]["author_name"], "chef@konkurrenz.example");
    assert!(ok(&owner, "list_held_mails", &[])
        .await
        .as_array()
        .unwrap()
        .is_empty());

    // A reply to a chat mail lands in the client's chat.
    smtp(
        port,
        reply_to_chat(&app, &client, "info@brot.de")
            .parse::<RawMessage>()
            .unwrap()
            .0,
    )
    .await;
    let chat = ok(&phone, "portal_chat", &[]).await;
    assert!(
        chat.to_string().contains("Hallo, hier meine Antwort."),
        "{chat}"
    );

    // The provider webhook: the secret is required.
    let raw = reply_to_chat(&app, &client, "info@brot.de").replace("meine Antwort", "per Webhook");
    let post = |secret: &'static str| {
        crate::helpers::client()
            .post(format!("{}/api/inbound/mail", app.url))
            .header("Authorization", format!("Bearer {secret}"))
            .body(raw.clone())
            .send()
    };
    assert_eq!(
        post("falsch").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(post(SECRET).await.unwrap().status(), StatusCode::ACCEPTED);
    let chat = ok(&phone, "portal_chat", &[]).await;
    assert!(
        chat.to_string().contains("Hallo, hier per Webhook."),
        "{chat}"
    );
}

on_both_databases!(replies_by_mail_land_in_their_thread);

/// A delivery report from a mailer daemon (null sender) to the reply address.
async fn bounce(port: u16, to: &str) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (r, mut w) = s.into_split();
    let mut r = BufReader::new(r).lines();
    let line = r.next_line().await.unwrap().unwrap();
    assert!(line.starts_with("220"), "{line}");
    for (cmd, code) in [
        ("HELO mx.example.org".to_string(), "250"),
        ("MAIL FROM:<>".to_string(), "250"),
        (format!("RCPT TO:<{to}>"), "250"),
        ("DATA".to_string(), "354"),
        (
            "From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail\r\n\r\nDelivery failed.\r\n.".to_string(),
            "250",
        ),
        ("QUIT".to_string(), "221"),
    ] {
        w.write_all(format!("{cmd}\r\n").as_bytes()).await.unwrap();
        let line = r.next_line().await.unwrap().unwrap();
        assert!(line.starts_with(code), "{cmd}: {line}");
    }
}

/// The Auto-Submitted header (RFC 3834), for lettre.
#[derive(Clone)]
struct AutoSubmitted(String);

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted(s.to_string()))
    }
    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// A raw message as lettre sends it (headers and body as given).
struct RawMessage(Message);

impl std::str::FromStr for RawMessage {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        let (head, body) = raw.split_once("\r\n\r\n").ok_or("no body")?;
        let get = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .map(str::to_string)
                .ok_or(format!("no {name}"))
        };
        Message::builder()
            .from(get("From")?.parse().map_err(|e| format!("{e}"))?)
            .to(get("To")?.parse().map_err(|e| format!("{e}"))?)
            .subject(get("Subject")?)
            .message_id(Some(get("Message-ID")?))
            .body(body.trim_end().to_string())
            .map(RawMessage)
            .map_err(|e| e.to_string())
    }
}

/// Property: arbitrary bytes and made-up reply addresses (even from the client's own address,
/// for a real ticket) never create a message, a post or a held mail.
async fn arbitrary_mail_never_posts(db: Db) {
    use proptest::strategy::{Strategy, ValueTree};
    let (app, _) = app_with_listener(db).await;
    let owner = app.firm("Steuerkanzlei Muster", "chef@muster.de").await;
    owner
        .create_client("Bäckerei Brot GmbH", "info@brot.de")
        .await;
    let phone = crate::portal::portal_browser(&app, "info@brot.de").await;
    let ticket = ok(
        &phone,
        "open_ticket",
        &[("subject", "Frage"), ("text", "Hallo")],
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let bytes = proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..2048);
    let sig = "[0-9a-f]{16}";
    let body = "[ -~]{0,200}";
    for _ in 0..150 {
        let noise = bytes.new_tree(&mut runner).unwrap().current();
        let forged = format!(
            "From: info@brot.de\r\nTo: reply+t.{ticket}.{}@{DOMAIN}\r\nSubject: Re: Frage\r\n\r\n{}\r\n",
            sig.new_tree(&mut runner).unwrap().current(),
            body.new_tree(&mut runner).unwrap().current()
        );
        for raw in [noise, forged.into_bytes()] {
            let out = kundenportal::inbound::receive(&app.state, &raw, &Default::default())
                .await
                .unwrap();
            assert!(
                matches!(out, kundenportal::inbound::Outcome::Ignored(_)),
                "{out:?} for {:?}",
                String::from_utf8_lossy(&raw)
            );
        }
    }
    let count = |sql: &'static str| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        count("SELECT CAST(COUNT(*) AS BIGINT) FROM ticket_posts").await,
        1
    );
    assert_eq!(
        count("SELECT CAST(COUNT(*) AS BIGINT) FROM messages").await,
        0
    );
    assert_eq!(
        count("SELECT CAST(COUNT(*) AS BIGINT) FROM inbound_mails").await,
        0
    );
}

on_both_databases!(arbitrary_mail_never_posts);

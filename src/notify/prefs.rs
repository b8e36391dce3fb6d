//! Notification choices and delivery for both sides. A person — a staff member
//! (`user:<id>`) or a client's contact (`client:<id>`) — chooses per event: a mail at once, a
//! line in the daily digest, or nothing. Mails say what happened and link to it, never the
//! content (no file contents, no message text); every mail carries a one-click link to change
//! the choices (`/notify/<token>`, no sign-in needed).

use super::{Event, MailPref, DIGEST_MAIL, NOTIFY_MAIL, TELL};
use crate::i18n::{fill, Lang, T};
use crate::server::db::{new_id, now_ms, Db};
use crate::server::AppState;
use sqlx::Row;

/// One-click links stay valid this long.
pub const TOKEN_DAYS: i64 = 90;
/// Digests go out once a day at this hour (Europe/Berlin).
pub const DIGEST_HOUR: i64 = 7;

pub fn member(user_id: &str) -> String {
    format!("user:{user_id}")
}

pub fn client(client_id: &str) -> String {
    format!("client:{client_id}")
}

pub async fn mode(db: &Db, owner: &str, event: Event) -> Result<MailPref, sqlx::Error> {
    let m: Option<String> =
        sqlx::query_scalar("SELECT mode FROM notify_prefs WHERE owner = $1 AND event = $2")
            .bind(owner)
            .bind(event.as_str())
            .fetch_optional(db)
            .await?;
    Ok(m.and_then(|m| MailPref::parse(&m)).unwrap_or_default())
}

pub async fn set_mode(
    db: &Db,
    owner: &str,
    event: Event,
    mode: MailPref,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notify_prefs (owner, event, mode) VALUES ($1, $2, $3) \
         ON CONFLICT (owner, event) DO UPDATE SET mode = excluded.mode",
    )
    .bind(owner)
    .bind(event.as_str())
    .bind(mode.as_str())
    .execute(db)
    .await?;
    Ok(())
}

pub async fn choices(
    db: &Db,
    owner: &str,
    events: &[Event],
) -> Result<Vec<(Event, MailPref)>, sqlx::Error> {
    let stored = sqlx::query("SELECT event, mode FROM notify_prefs WHERE owner = $1")
        .bind(owner)
        .fetch_all(db)
        .await?;
    let mut chosen = Vec::new();
    for r in &stored {
        chosen.push((
            r.try_get::<String, _>("event")?,
            r.try_get::<String, _>("mode")?,
        ));
    }
    Ok(events
        .iter()
        .map(|e| {
            let m = chosen
                .iter()
                .find(|(k, _)| k == e.as_str())
                .and_then(|(_, m)| MailPref::parse(m))
                .unwrap_or_default();
            (*e, m)
        })
        .collect())
}

/// The events a person may choose for.
pub fn events_of(owner: &str) -> &'static [Event] {
    if owner.starts_with("client:") {
        &Event::CLIENT
    } else {
        &Event::STAFF
    }
}

/// A fresh one-click link token for `owner` (stored hashed).
pub async fn new_token(db: &Db, owner: &str, org_id: &str) -> Result<String, sqlx::Error> {
    let token = crate::server::tokens::new_token();
    sqlx::query(
        "INSERT INTO notify_tokens (token_hash, owner, org_id, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(crate::server::tokens::hash_token(&token))
    .bind(owner)
    .bind(org_id)
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(token)
}

/// The owner and firm of a valid one-click token.
pub async fn owner_of(db: &Db, token: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    if !crate::server::tokens::looks_like_token(token) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT owner, org_id FROM notify_tokens WHERE token_hash = $1 AND created_at > $2",
    )
    .bind(crate::server::tokens::hash_token(token))
    .bind(now_ms() - TOKEN_DAYS * 86_400_000)
    .fetch_optional(db)
    .await?;
    row.map(|r| Ok((r.try_get("owner")?, r.try_get("org_id")?)))
        .transpose()
}

/// Someone to tell.
pub enum To<'a> {
    Member(&'a str),
    Client(&'a str),
}

/// Tells `to` about `event` (of client `client_id` in firm `org_id`) by their choice: a mail
/// job now, a digest line, or nothing. `line`: what the digest says (no content).
pub async fn tell(
    st: &AppState,
    org_id: &str,
    client_id: &str,
    to: To<'_>,
    event: Event,
    line: &str,
) -> Result<(), sqlx::Error> {
    let owner = match to {
        To::Member(u) => member(u),
        To::Client(c) => client(c),
    };
    match mode(&st.db, &owner, event).await? {
        MailPref::Off => Ok(()),
        MailPref::Digest => add_line(&st.db, &owner, org_id, line).await,
        MailPref::Instant => {
            // One pending mail per person, client and event: a burst becomes one mail.
            let now = now_ms();
            crate::server::jobs::enqueue(
                &st.db,
                NOTIFY_MAIL,
                &format!("{owner}|{org_id}|{client_id}|{}", event.as_str()),
                Some(&format!(
                    "{NOTIFY_MAIL}:{owner}:{client_id}:{}",
                    event.as_str()
                )),
                now,
            )
            .await?;
            st.jobs_wake.notify_one();
            Ok(())
        }
    }
}

pub async fn add_line(db: &Db, owner: &str, org_id: &str, line: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO notify_digest (id, owner, org_id, line, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(owner)
        .bind(org_id)
        .bind(line)
        .bind(now_ms())
        .execute(db)
        .await?;
    Ok(())
}

/// The digest line of an event (the same sentence a mail would have; no content).
async fn line_of(
    st: &AppState,
    org_id: &str,
    client_id: &str,
    event: Event,
    staff: bool,
) -> Result<String, sqlx::Error> {
    let r = sqlx::query("SELECT k.name, o.name AS firm FROM clients k JOIN orgs o ON o.id = k.org_id WHERE k.id = $1 AND k.org_id = $2")
        .bind(client_id)
        .bind(org_id)
        .fetch_optional(&st.db)
        .await?;
    let (client, firm): (String, String) = match r {
        Some(r) => (r.try_get("name")?, r.try_get("firm")?),
        None => Default::default(),
    };
    let t = Lang::default().t();
    Ok(fill(
        sentence(t, event, staff),
        &[("firm", &firm), ("client", &client)],
    ))
}

/// Whom to tell of a change, as a durable job (kind [`TELL`]): written in the transaction of
/// the change (`later`), so the two commit together; run right after the commit by the
/// request itself ([`told`]); should the process die in between, any node's worker runs it
/// once `TELL_GRACE_MS` have passed.
pub enum Tell<'a> {
    Client {
        org_id: &'a str,
        client_id: &'a str,
        event: Event,
    },
    /// Every member who sees the client and the case; `subject`: the message's id.
    Members {
        org_id: &'a str,
        client_id: &'a str,
        case_id: Option<&'a str>,
        event: Event,
        subject: &'a str,
    },
}

/// How long a tell job waits for the request that wrote it before a worker may run it.
const TELL_GRACE_MS: i64 = 10_000;

impl Tell<'_> {
    fn payload(&self) -> String {
        match self {
            Tell::Client {
                org_id,
                client_id,
                event,
            } => format!("client|{org_id}|{client_id}|{}", event.as_str()),
            Tell::Members {
                org_id,
                client_id,
                case_id,
                event,
                subject,
            } => format!(
                "members|{org_id}|{client_id}|{}|{}|{subject}",
                case_id.unwrap_or(""),
                event.as_str()
            ),
        }
    }

    /// Writes the job on the caller's connection (in its transaction); returns the job's id
    /// for [`told`].
    pub async fn later(&self, conn: &mut sqlx::AnyConnection) -> Result<String, sqlx::Error> {
        let run_at = now_ms() + TELL_GRACE_MS;
        crate::server::jobs::enqueue(conn, TELL, &self.payload(), None, run_at).await
    }
}

/// After the commit: tells now what job `id` says (unless a worker has taken it over).
pub async fn told(st: &AppState, id: &str) {
    if let Err(e) = crate::server::jobs::run_now(st, id).await {
        tracing::warn!(job = %id, error = %e, "notification failed");
    }
}

/// Runs a tell job (for [`told`] or the worker).
pub async fn run_tell(st: &AppState, payload: &str) -> Result<(), String> {
    let parts: Vec<&str> = payload.splitn(6, '|').collect();
    let event = |s: &str| Event::parse(s).ok_or_else(|| format!("unknown event {s:?}"));
    match parts.as_slice() {
        ["client", org, client, ev] => client_told(st, org, client, event(ev)?).await,
        ["members", org, client, case, ev, subject] => {
            let case = Some(*case).filter(|c| !c.is_empty());
            members_told(st, org, client, case, event(ev)?, subject).await
        }
        _ => return Err(format!("malformed tell job {payload:?}")),
    }
    .map_err(|e| e.to_string())
}

/// Tells the client about `event` by their choice.
async fn client_told(
    st: &AppState,
    org_id: &str,
    client_id: &str,
    event: Event,
) -> Result<(), sqlx::Error> {
    let line = line_of(st, org_id, client_id, event, false).await?;
    tell(st, org_id, client_id, To::Client(client_id), event, &line).await
}

/// Tells every active member of the firm who sees the client and the case (a client wrote in
/// its conversation): a bell entry each, and a mail or digest line by each one's choice.
async fn members_told(
    st: &AppState,
    org_id: &str,
    client_id: &str,
    case_id: Option<&str>,
    event: Event,
    subject: &str,
) -> Result<(), sqlx::Error> {
    let case_id = case_id.filter(|c| !c.is_empty());
    let line = line_of(st, org_id, client_id, event, true).await?;
    // Only those who see the client and the case (a restricted one's team, owners and
    // admins).
    let members: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT u.id FROM users u WHERE u.org_id = $1 AND u.active = 1 AND {} AND {}",
        crate::clients::access::visible_to_member(2),
        crate::clients::access::case_visible_to_member("$3")
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(case_id)
    .fetch_all(&st.db)
    .await?;
    for m in members {
        if event == Event::Message {
            sqlx::query(
                "INSERT INTO notifications (id, org_id, user_id, kind, client_id, case_id, subject_id, text, created_at) \
                 VALUES ($1, $2, $3, 'message', $4, $5, $6, '', $7)",
            )
            .bind(new_id())
            .bind(org_id)
            .bind(&m)
            .bind(client_id)
            .bind(case_id)
            .bind(subject)
            .bind(now_ms())
            .execute(&st.db)
            .await?;
        }
        tell(st, org_id, client_id, To::Member(&m), event, &line).await?;
    }
    Ok(())
}

/// The most recent digest time (07:00 Berlin) at or before `now`.
pub fn digest_cutoff(now: i64) -> i64 {
    let day = crate::ui::format::day_start(now);
    let today = day + DIGEST_HOUR * 3_600_000;
    if now >= today {
        today
    } else {
        crate::ui::format::day_start(day - 1) + DIGEST_HOUR * 3_600_000
    }
}

/// Queues a digest mail for everyone with lines from before the last digest time.
pub async fn scan_digests(st: &AppState, now: i64) -> Result<usize, sqlx::Error> {
    let cutoff = digest_cutoff(now);
    let owners: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT owner FROM notify_digest WHERE sent_at IS NULL AND created_at < $1",
    )
    .bind(cutoff)
    .fetch_all(&st.db)
    .await?;
    for o in &owners {
        crate::server::jobs::enqueue(
            &st.db,
            DIGEST_MAIL,
            &format!("{o}|{cutoff}"),
            Some(&format!("{DIGEST_MAIL}:{o}")),
            now,
        )
        .await?;
    }
    Ok(owners.len())
}

/// Where a person's mails go, in which firm, under which name. `None`: nobody to mail (a
/// deactivated member, a client without address or access).
async fn recipient(
    db: &Db,
    owner: &str,
) -> Result<Option<(String, String, String, String)>, sqlx::Error> {
    let row = if let Some(u) = owner.strip_prefix("user:") {
        sqlx::query(
            "SELECT u.email, u.org_id, u.name, o.name AS firm FROM users u JOIN orgs o ON o.id = u.org_id \
             WHERE u.id = $1 AND u.active = 1",
        )
        .bind(u)
        .fetch_optional(db)
        .await?
    } else if let Some(c) = owner.strip_prefix("client:") {
        sqlx::query(
            "SELECT k.email, k.org_id, k.name, o.name AS firm FROM clients k JOIN orgs o ON o.id = k.org_id \
             WHERE k.id = $1 AND k.email <> ''",
        )
        .bind(c)
        .fetch_optional(db)
        .await?
    } else {
        None
    };
    row.map(|r| {
        Ok((
            r.try_get("email")?,
            r.try_get("org_id")?,
            r.try_get("name")?,
            r.try_get("firm")?,
        ))
    })
    .transpose()
}

/// The footer every notification mail ends with: the one-click link to the choices.
async fn footer(st: &AppState, t: &T, owner: &str, org_id: &str) -> Result<String, sqlx::Error> {
    let token = new_token(&st.db, owner, org_id).await?;
    Ok(fill(
        t.nm_footer,
        &[(
            "link",
            &format!("{}/notify/{token}", st.config.public_url()),
        )],
    ))
}

/// Where the person looks at what happened: the portal (on the firm's own domain, if it has
/// one), or the client's page.
async fn place(
    st: &AppState,
    owner: &str,
    org_id: &str,
    client_id: &str,
) -> Result<String, sqlx::Error> {
    Ok(if owner.starts_with("client:") {
        format!(
            "{}/portal",
            crate::domains::repo::base_url(st, org_id).await?
        )
    } else {
        format!("{}/clients/{client_id}", st.config.public_url())
    })
}

fn sentence(t: &T, event: Event, staff: bool) -> &'static str {
    match (event, staff) {
        (Event::Message, true) => t.nm_message_staff,
        (Event::Message, false) => t.nm_message,
        (Event::Upload, true) => t.nm_upload_staff,
        (Event::Upload, false) => t.nm_upload,
        (Event::Request, _) => t.nm_request,
        (Event::Question, _) => t.nm_question,
        (Event::Reminder, _) => t.nm_reminder,
        (Event::CaseClosed, _) => t.nm_case_closed,
    }
}

/// The `notify_mail` job: `owner|org|client|event`.
pub async fn send_event_mail(st: &AppState, payload: &str) -> Result<(), String> {
    let e = |e: sqlx::Error| e.to_string();
    let parts: Vec<&str> = payload.split('|').collect();
    let [owner, org_id, client_id, event] = parts[..] else {
        return Err(format!("bad payload {payload:?}"));
    };
    let event = Event::parse(event).ok_or_else(|| format!("bad payload {payload:?}"))?;
    // The choice may have changed since.
    if mode(&st.db, owner, event).await.map_err(e)? != MailPref::Instant {
        return Ok(());
    }
    let Some((to, org, _name, firm)) = recipient(&st.db, owner).await.map_err(e)? else {
        return Ok(());
    };
    if org != org_id {
        return Ok(());
    }
    let t = Lang::default().t();
    let staff = owner.starts_with("user:");
    let client_name: String =
        sqlx::query_scalar("SELECT name FROM clients WHERE id = $1 AND org_id = $2")
            .bind(client_id)
            .bind(org_id)
            .fetch_optional(&st.db)
            .await
            .map_err(e)?
            .unwrap_or_default();
    let args = [("firm", firm.as_str()), ("client", client_name.as_str())];
    let what = fill(sentence(t, event, staff), &args);
    let mut text = format!("{}\n\n{}", t.nm_hello, what);
    // The messages themselves only when the firm allows it (a mail leaves the encrypted store).
    if event == Event::Message
        && crate::portal::repo::settings(&st.db, org_id)
            .await
            .map_err(e)?
            .message_text
    {
        let reader = owner.strip_prefix("user:").unwrap_or("client");
        let unread = crate::chat::repo::unread_written(
            &st.db,
            &st.master_key,
            org_id,
            client_id,
            reader,
            QUOTED,
        )
        .await?;
        text.push_str(&quote(t, &unread));
    }
    let look = place(st, owner, org_id, client_id)
        .await
        .map_err(|e| e.to_string())?;
    text.push_str(&format!("\n\n{}", fill(t.nm_look, &[("link", &look)])));
    if !staff {
        text.push_str(&format!(
            "\n\n{}",
            client_footer(st, org_id, client_id).await.map_err(e)?
        ));
    }
    text.push_str(&format!(
        "\n\n-- \n{}",
        footer(st, t, owner, org_id).await.map_err(e)?
    ));
    let mut mail = crate::server::mail::Mail {
        to,
        subject: fill(t.nm_subject, &[("what", &what), ("firm", &firm)]),
        text,
        html: None,
        ..Default::default()
    };
    // A client may answer a message by replying to the mail (it lands in the chat).
    if !staff && event == Event::Message {
        if let Some((reply_to, message_id)) =
            crate::inbound::thread_headers(st, org_id, client_id, None)
                .await
                .map_err(e)?
        {
            mail.reply_to = Some(reply_to);
            mail.message_id = Some(message_id);
        }
    }
    st.mailer.send(mail).await.map_err(|e| e.to_string())
}

/// Messages a notification mail quotes at most (the newest unread ones).
const QUOTED: i64 = 5;
/// Characters quoted of one message at most.
const QUOTED_CHARS: usize = 600;

/// The quoted messages of a notification mail: who wrote, then the text as a `> ` quote
/// (shortened), an attachment by its name only. Empty when there are none.
fn quote(t: &T, messages: &[crate::chat::repo::Stored]) -> String {
    if messages.is_empty() {
        return String::new();
    }
    let mut out = format!("\n\n{}", t.nm_quote_intro);
    for m in messages {
        out.push_str(&format!("\n\n{}:", m.author_name));
        let mut body: String = m.text.chars().take(QUOTED_CHARS).collect();
        if m.text.chars().count() > QUOTED_CHARS {
            body.push('…');
        }
        for line in body.lines() {
            out.push_str(&format!("\n> {line}"));
        }
        if let Some(f) = &m.file {
            out.push_str(&format!(
                "\n> {}",
                fill(t.nm_quote_file, &[("name", &f.name)])
            ));
        }
    }
    out
}

/// The `digest_mail` job: `owner|cutoff` — every waiting line from before the cutoff in one
/// mail. The lines are claimed first, so two processes never send them twice.
pub async fn send_digest(st: &AppState, payload: &str) -> Result<(), String> {
    let e = |e: sqlx::Error| e.to_string();
    let (owner, cutoff) = payload
        .split_once('|')
        .and_then(|(o, c)| Some((o, c.parse::<i64>().ok()?)))
        .ok_or_else(|| format!("bad payload {payload:?}"))?;
    let now = now_ms();
    let claimed = sqlx::query(
        "UPDATE notify_digest SET sent_at = $3 WHERE owner = $1 AND sent_at IS NULL AND created_at < $2 \
         RETURNING line, org_id, created_at",
    )
    .bind(owner)
    .bind(cutoff)
    .bind(now)
    .fetch_all(&st.db)
    .await
    .map_err(e)?;
    if claimed.is_empty() {
        return Ok(());
    }
    let Some((to, org_id, _name, firm)) = recipient(&st.db, owner).await.map_err(e)? else {
        return Ok(());
    };
    let mut lines: Vec<(i64, String)> = claimed
        .iter()
        .map(|r| Ok((r.try_get("created_at")?, r.try_get("line")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(e)?;
    lines.sort();
    let t = Lang::default().t();
    let list: String = lines.iter().map(|(_, l)| format!("- {l}\n")).collect();
    let link = if owner.starts_with("client:") {
        format!(
            "{}/portal",
            crate::domains::repo::base_url(st, &org_id)
                .await
                .map_err(e)?
        )
    } else {
        format!("{}/notifications", st.config.public_url())
    };
    let own = match owner.strip_prefix("client:") {
        Some(c) => format!("\n\n{}", client_footer(st, &org_id, c).await.map_err(e)?),
        None => String::new(),
    };
    let text = format!(
        "{}\n\n{}\n\n{}\n{}{own}\n\n-- \n{}",
        t.nm_hello,
        t.nm_digest_intro,
        list.trim_end(),
        fill(t.nm_look, &[("link", &link)]),
        footer(st, t, owner, &org_id).await.map_err(e)?
    );
    st.mailer
        .send(crate::server::mail::Mail {
            to,
            subject: fill(
                t.nm_digest_subject,
                &[("firm", &firm), ("n", &lines.len().to_string())],
            ),
            text,
            html: None,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())
}

/// The firm's text for the end of a mail to a client, filled in: the firm's own (settings) or
/// the built-in one, which links the portal.
pub async fn client_footer(
    st: &AppState,
    org_id: &str,
    client_id: &str,
) -> Result<String, sqlx::Error> {
    let r = sqlx::query(
        "SELECT o.name AS firm, o.client_mail_footer, k.name FROM orgs o JOIN clients k ON k.org_id = o.id \
         WHERE o.id = $1 AND k.id = $2",
    )
    .bind(org_id)
    .bind(client_id)
    .fetch_optional(&st.db)
    .await?;
    let Some(r) = r else { return Ok(String::new()) };
    let firm: String = r.try_get("firm")?;
    let own: String = r.try_get("client_mail_footer")?;
    let client: String = r.try_get("name")?;
    let text = if own.trim().is_empty() {
        Lang::default().t().mail_footer_default.to_string()
    } else {
        own
    };
    let portal = format!(
        "{}/portal",
        crate::domains::repo::base_url(st, org_id).await?
    );
    Ok(super::template::render(
        &text,
        &[
            ("portal_url", &portal),
            ("firm_name", &firm),
            ("client_name", &client),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_plain_shortened_and_name_files() {
        let t = Lang::De.t();
        let m = |text: &str, file: Option<&str>| crate::chat::repo::Stored {
            id: "m".into(),
            conv: String::new(),
            author: crate::chat::Author::Client,
            author_id: None,
            author_name: "Anna Muster".into(),
            text: text.into(),
            file: file.map(|n| crate::chat::Attachment {
                id: "f".into(),
                name: n.into(),
                size: 1,
                blocked: false,
            }),
            created_at: 0,
        };
        assert_eq!(quote(t, &[]), "");
        let q = quote(
            t,
            &[m("Hallo\nzweite Zeile", None), m("", Some("Beleg.pdf"))],
        );
        assert_eq!(
            q,
            "\n\nDie neuen Nachrichten:\n\nAnna Muster:\n> Hallo\n> zweite Zeile\n\nAnna Muster:\n> [Datei: Beleg.pdf]"
        );
        let long = "x".repeat(QUOTED_CHARS + 10);
        let q = quote(t, &[m(&long, None)]);
        assert!(
            q.ends_with(&format!("> {}…", "x".repeat(QUOTED_CHARS))),
            "{q}"
        );
    }

    #[test]
    fn digests_go_out_at_seven_berlin() {
        // 2026-11-23 06:59 and 07:01 Berlin (UTC+1) = 05:59 / 06:01 UTC.
        let day = time::macros::datetime!(2026-11-23 0:00 UTC).unix_timestamp() * 1000;
        let before = day + (5 * 60 + 59) * 60_000;
        let after = day + (6 * 60 + 1) * 60_000;
        let seven = day + 6 * 3_600_000;
        assert_eq!(digest_cutoff(after), seven);
        assert_eq!(digest_cutoff(before), seven - 86_400_000);
    }

    #[test]
    fn owners_choose_their_sides_events() {
        assert_eq!(events_of(&member("u")), &Event::STAFF);
        assert_eq!(events_of(&client("c")), &Event::CLIENT);
    }
}

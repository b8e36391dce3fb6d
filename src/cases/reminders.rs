//! Reminder mails to clients about required documents they still owe. Every server process
//! scans every minute; an item's slot is claimed by inserting it into `reminders_sent`
//! (primary key item + slot), together with the durable mail job, in one transaction — so
//! whichever process claims a slot sends it, exactly once, and a crash loses nothing.
//! One mail per client and scan, listing all its due items, with an upload link per case.

use super::schedule::Schedule;
use crate::i18n::{fill, Lang};
use crate::server::db::{now_ms, Db};
use crate::server::AppState;
use sqlx::Row;
use std::collections::BTreeMap;

pub const REMINDER_MAIL: &str = "reminder_mail";
const DAY: i64 = 86_400_000;

/// An item that may need a reminder.
struct Candidate {
    item_id: String,
    org_id: String,
    client_id: String,
    deadline_at: i64,
    created_at: i64,
    schedule: String,
}

async fn candidates(db: &Db, now: i64) -> Result<Vec<Candidate>, sqlx::Error> {
    // Deadlines outside this window have no slot that can be due.
    let from = now - (super::schedule::MAX_EVERY * super::schedule::MAX_OVERDUE) as i64 * DAY - DAY;
    let to = now + (super::schedule::MAX_BEFORE_DAYS as i64 + 1) * DAY;
    let rows = sqlx::query(
        "SELECT i.id, i.org_id, i.client_id, i.deadline_at, i.created_at, o.reminder_schedule \
         FROM case_items i JOIN cases c ON c.id = i.case_id JOIN orgs o ON o.id = i.org_id \
         JOIN clients k ON k.id = i.client_id \
         WHERE i.required = 1 AND i.state IN ('ausstehend', 'rueckfrage') AND i.deadline_at >= $1 \
         AND i.deadline_at <= $2 AND c.state = 'open' AND c.reminders_paused = 0 AND k.email <> '' \
         ORDER BY i.org_id, i.client_id, i.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Candidate {
                item_id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                client_id: r.try_get("client_id")?,
                deadline_at: r.try_get("deadline_at")?,
                created_at: r.try_get("created_at")?,
                schedule: r.try_get("reminder_schedule")?,
            })
        })
        .collect()
}

/// Claims the reminders due at `now` and queues their mails; returns how many mails.
pub async fn scan(st: &AppState, now: i64) -> Result<usize, sqlx::Error> {
    let mut by_client: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    for c in candidates(&st.db, now).await? {
        let schedule = Schedule::from_db(&c.schedule);
        if let Some(slot) = schedule.due(c.deadline_at, c.created_at, now) {
            by_client
                .entry((c.org_id, c.client_id))
                .or_default()
                .push((c.item_id, slot.key()));
        }
    }
    let mut mails = 0;
    for ((org_id, client_id), due) in by_client {
        let mut tx = st.db.begin().await?;
        let mut claimed = Vec::new();
        for (item_id, slot) in &due {
            let n = sqlx::query(
                "INSERT INTO reminders_sent (item_id, slot, org_id, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(item_id)
            .bind(slot)
            .bind(&org_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                claimed.push(format!("{item_id}:{slot}"));
            }
        }
        if !claimed.is_empty() {
            let payload = format!("{org_id}|{client_id}|{}", claimed.join(","));
            crate::server::jobs::enqueue(&mut *tx, REMINDER_MAIL, &payload, None, now).await?;
            mails += 1;
        }
        tx.commit().await?;
    }
    Ok(mails)
}

/// Runs a `reminder_mail` job (`org|client|item:slot,…`): items the client sent or that were
/// closed meanwhile are left out; nothing left, no mail. Each case gets a fresh upload link
/// bound to it (valid 30 days), since links are stored only hashed.
pub async fn send_reminder_mail(st: &AppState, payload: &str) -> Result<(), String> {
    let e = |e: sqlx::Error| e.to_string();
    let mut parts = payload.splitn(3, '|');
    let (Some(org_id), Some(client_id), Some(items)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("bad payload {payload:?}"));
    };
    let db = &st.db;
    let Some(client) = sqlx::query(
        "SELECT k.name, k.email, o.name AS org_name FROM clients k JOIN orgs o ON o.id = k.org_id \
         WHERE k.id = $1 AND k.org_id = $2",
    )
    .bind(client_id)
    .bind(org_id)
    .fetch_optional(db)
    .await
    .map_err(e)?
    else {
        return Ok(());
    };
    let email: String = client.try_get("email").map_err(e)?;
    let org_name: String = client.try_get("org_name").map_err(e)?;
    if email.is_empty() {
        return Ok(());
    }
    // The client's choice: reminders by mail, in the daily summary, or none.
    {
        use crate::notify::{prefs, Event, MailPref};
        let owner = prefs::client(client_id);
        match prefs::mode(db, &owner, Event::Reminder).await.map_err(e)? {
            MailPref::Instant => {}
            MailPref::Off => return Ok(()),
            MailPref::Digest => {
                let line = fill(
                    Lang::default().t().nm_reminder,
                    &[("firm", &org_name), ("client", "")],
                );
                return prefs::add_line(db, &owner, org_id, &line).await.map_err(e);
            }
        }
    }
    let now = now_ms();
    let lang = Lang::default();
    let t = lang.t();
    // case id → (case title, lines)
    let mut cases: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for entry in items.split(',').filter(|s| !s.is_empty()) {
        let (item_id, slot) = entry.split_once(':').unwrap_or((entry, ""));
        // The slot says whether this is an overdue reminder (the mail may go out later).
        let overdue = slot.starts_with('o');
        let Some(r) = sqlx::query(
            "SELECT i.title, i.deadline_at, i.state, i.comment, c.id AS case_id, c.title AS case_title FROM case_items i \
             JOIN cases c ON c.id = i.case_id WHERE i.id = $1 AND i.org_id = $2 AND i.client_id = $3 \
             AND i.state IN ('ausstehend', 'rueckfrage') AND c.state = 'open' AND c.reminders_paused = 0",
        )
        .bind(item_id)
        .bind(org_id)
        .bind(client_id)
        .fetch_optional(db)
        .await
        .map_err(e)?
        else {
            continue;
        };
        let title: String = r.try_get("title").map_err(e)?;
        let deadline: Option<i64> = r.try_get("deadline_at").map_err(e)?;
        let comment: String = r.try_get("comment").map_err(e)?;
        let mut line = format!("- {title}");
        if let Some(d) = deadline {
            let date = crate::ui::format::date(d, lang);
            let key = if overdue {
                t.reminder_overdue_since
            } else {
                t.reminder_due_on
            };
            line.push_str(&format!(" ({})", fill(key, &[("date", &date)])));
        }
        if !comment.is_empty() {
            line.push_str(&format!(
                "\n  {}",
                fill(t.item_question_is, &[("text", &comment)])
            ));
        }
        let case_id: String = r.try_get("case_id").map_err(e)?;
        let case_title: String = r.try_get("case_title").map_err(e)?;
        cases
            .entry(case_id)
            .or_insert_with(|| (case_title, Vec::new()))
            .1
            .push(line);
    }
    if cases.is_empty() {
        return Ok(());
    }
    let mut body = String::new();
    // The firm's own domain, when it has one.
    let base = crate::domains::repo::base_url(st, org_id)
        .await
        .map_err(e)?;
    for (case_id, (title, lines)) in &cases {
        let token = crate::server::tokens::new_token();
        let link = crate::uploads::repo::NewLink {
            org_id,
            client_id,
            token_hash: &crate::server::tokens::hash_token(&token),
            title: t.reminder_link_title,
            message: "",
            expires_at: Some(now + 30 * DAY),
            max_files: None,
            password_hash: None,
            created_by: None,
            now,
            case_id: Some(case_id),
        };
        crate::uploads::repo::create_link(db, &link)
            .await
            .map_err(e)?;
        body.push_str(&format!(
            "{title}\n{}\n{}: {}/u/{token}\n\n",
            lines.join("\n"),
            t.reminder_upload_here,
            base
        ));
    }
    let mail = crate::server::mail::Mail {
        to: email,
        subject: fill(t.reminder_subject, &[("org", &org_name)]),
        text: fill(
            t.reminder_body,
            &[("org", &org_name), ("items", body.trim_end())],
        ) + "\n\n"
            + &crate::notify::prefs::client_footer(st, org_id, client_id)
                .await
                .map_err(e)?,
        html: None,
        ..Default::default()
    };
    let to = mail.to.clone();
    st.mailer.send(mail).await.map_err(|e| e.to_string())?;
    let actor = crate::audit::repo::Actor {
        name: t.reminder_link_title.to_string(),
        ..Default::default()
    };
    crate::audit::repo::record(
        db,
        org_id,
        &actor,
        Some(client_id),
        crate::audit::action::CASE_REMINDER_SENT,
        &to,
    )
    .await
    .map_err(e)
}

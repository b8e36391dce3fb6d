//! Live events: written to the `events` table (so a reconnecting browser can catch up with
//! its last event id), then fanned out in this process over a `tokio::sync::broadcast`
//! channel to every open `/api/events` stream of the firm. On PostgreSQL several nodes share
//! the database: each event is also announced with `pg_notify` on [`CHANNEL`], and every node
//! [`follow`]s that channel, reads the other nodes' events from the table and fans them out to
//! its own streams (and drops its cached dashboards of that firm).

use super::db::{new_id, now_ms, Db};
use super::AppState;
use crate::live::{kind, LiveEvent};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use sqlx::Row;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Events older than this are not replayed (a browser away longer reloads anyway).
pub const KEEP_MS: i64 = 3 * 24 * 3_600_000;
/// At most this many missed events are replayed; more means: refetch everything.
const REPLAY_MAX: i64 = 500;
/// A stream ends after this long and the browser reconnects, which checks the session again.
const STREAM_FOR: Duration = Duration::from_secs(10 * 60);

/// An event with the firm it belongs to.
#[derive(Debug, Clone)]
pub struct OrgEvent {
    pub org_id: String,
    pub event: LiveEvent,
}

/// The PostgreSQL notification channel nodes announce their events on.
pub const CHANNEL: &str = "kp_events";

/// The in-process fan-out, and this node's name among the nodes sharing a database.
#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<OrgEvent>>,
    node: Arc<str>,
    /// PostgreSQL: other nodes may share the database, so events are announced to them.
    shared: bool,
}

impl Bus {
    /// The bus of a node on the database at `database_url`.
    pub fn new(database_url: &str) -> Bus {
        Bus {
            tx: broadcast::channel(4096).0,
            node: new_id().into(),
            shared: super::db::Backend::of_url(database_url) == super::db::Backend::Postgres,
        }
    }

    /// Whether other nodes may share the database (and this node should [`follow`] them).
    pub fn shared(&self) -> bool {
        self.shared
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<OrgEvent>> {
        self.tx.subscribe()
    }
    fn publish(&self, e: OrgEvent) {
        // No receivers is fine: nobody is looking.
        let _ = self.tx.send(Arc::new(e));
    }
}

/// What an event is about: its client and case, which decide who of the staff sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct About<'a> {
    pub client_id: Option<&'a str>,
    pub case_id: Option<&'a str>,
}

impl<'a> About<'a> {
    pub fn client(client_id: &'a str) -> About<'a> {
        About {
            client_id: Some(client_id),
            case_id: None,
        }
    }
}

/// Records an event and tells every open stream of the firm. Called after the change it
/// reports was committed; a failure here never undoes that change.
pub async fn emit(st: &AppState, org_id: &str, about: About<'_>, kind: &str, subject: &str) {
    if let Err(e) = try_emit(st, org_id, about, kind, subject).await {
        tracing::warn!(error = %e, kind, "live event not recorded");
    }
}

async fn try_emit(
    st: &AppState,
    org_id: &str,
    about: About<'_>,
    kind: &str,
    subject: &str,
) -> Result<(), sqlx::Error> {
    let client_id = about.client_id;
    let client_name: String = match client_id {
        Some(c) => sqlx::query_scalar("SELECT name FROM clients WHERE id = $1 AND org_id = $2")
            .bind(c)
            .bind(org_id)
            .fetch_optional(&st.db)
            .await?
            .unwrap_or_default(),
        None => String::new(),
    };
    let event = LiveEvent {
        id: new_id(),
        kind: kind.to_string(),
        client_id: client_id.map(str::to_string),
        case_id: about.case_id.filter(|c| !c.is_empty()).map(str::to_string),
        client_name,
        subject: subject.to_string(),
        created_at: now_ms(),
    };
    sqlx::query(
        "INSERT INTO events (id, org_id, client_id, case_id, client_name, kind, subject, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
    )
    .bind(&event.id)
    .bind(org_id)
    .bind(event.client_id.as_deref())
    .bind(event.case_id.as_deref())
    .bind(&event.client_name)
    .bind(&event.kind)
    .bind(&event.subject)
    .bind(event.created_at)
    .execute(&st.db)
    .await?;
    // Chat messages and tickets change none of the overview's figures.
    if event.kind != kind::MESSAGE && event.kind != kind::TICKET {
        st.dashboards.changed(org_id, event.created_at);
    }
    let id = event.id.clone();
    st.events.publish(OrgEvent {
        org_id: org_id.to_string(),
        event,
    });
    if st.events.shared {
        // The other nodes' streams: they read the event by its id (the payload stays small).
        sqlx::query("SELECT 1 AS sent FROM (SELECT pg_notify($1, $2)) AS n")
            .bind(CHANNEL)
            .bind(format!("{}|{org_id}|{id}", st.events.node))
            .execute(&st.db)
            .await?;
    }
    Ok(())
}

/// Follows the other nodes' events for as long as the process runs (PostgreSQL only): listens
/// on [`CHANNEL`], reconnecting after a lost connection — and then tells every open stream to
/// refetch, since notifications sent meanwhile are gone.
pub async fn follow(st: AppState) {
    let mut lost = false;
    loop {
        match listen(&st).await {
            Ok(f) => {
                if lost {
                    st.events.publish(OrgEvent {
                        org_id: String::new(),
                        event: resync(),
                    });
                }
                if let Err(e) = f.run().await {
                    tracing::warn!(error = %e, "following other nodes' events failed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for other nodes' events"),
        }
        lost = true;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// A connection listening on [`CHANNEL`] (see [`follow`]).
pub struct Follower {
    st: AppState,
    listener: sqlx::postgres::PgListener,
}

/// Connects and listens; from the moment this returns, other nodes' events are caught.
pub async fn listen(st: &AppState) -> Result<Follower, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(&st.config.database_url()).await?;
    listener.listen(CHANNEL).await?;
    Ok(Follower {
        st: st.clone(),
        listener,
    })
}

impl Follower {
    /// Fans out other nodes' events until the connection is lost.
    pub async fn run(mut self) -> Result<(), sqlx::Error> {
        // `try_recv` answers `None` when the connection dropped: notifications may be lost.
        while let Some(n) = self.listener.try_recv().await? {
            let mut parts = n.payload().splitn(3, '|');
            let (Some(node), Some(org_id), Some(id)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if node == &*self.st.events.node {
                continue;
            }
            match one(&self.st.db, org_id, id).await {
                Ok(Some(event)) => {
                    if event.kind != kind::MESSAGE && event.kind != kind::TICKET {
                        self.st.dashboards.changed(org_id, event.created_at);
                    }
                    self.st.events.publish(OrgEvent {
                        org_id: org_id.to_string(),
                        event,
                    });
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "another node's event not read"),
            }
        }
        Ok(())
    }
}

/// One of the firm's events.
async fn one(db: &Db, org_id: &str, id: &str) -> Result<Option<LiveEvent>, sqlx::Error> {
    sqlx::query(
        "SELECT id, kind, client_id, case_id, client_name, subject, created_at FROM events \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .fetch_optional(db)
    .await?
    .as_ref()
    .map(row)
    .transpose()
}

fn row(r: &sqlx::any::AnyRow) -> Result<LiveEvent, sqlx::Error> {
    Ok(LiveEvent {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        client_id: r.try_get("client_id")?,
        case_id: r.try_get("case_id")?,
        client_name: r.try_get("client_name")?,
        subject: r.try_get("subject")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The firm's events after `last_id`, oldest first, at most `limit`.
pub async fn since(
    db: &Db,
    org_id: &str,
    last_id: &str,
    limit: i64,
) -> Result<Vec<LiveEvent>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, kind, client_id, case_id, client_name, subject, created_at FROM events \
         WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(org_id)
    .bind(last_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(row).collect()
}

/// The firm's latest events of clients and cases the viewer sees, newest first (the
/// dashboard's feed).
pub async fn latest(
    db: &Db,
    org_id: &str,
    viewer: &str,
    limit: i64,
) -> Result<Vec<LiveEvent>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT id, kind, client_id, case_id, client_name, subject, created_at FROM events \
         WHERE org_id = $1 AND kind <> 'message' AND {} AND {} ORDER BY id DESC LIMIT $2",
        crate::clients::access::visible("events.client_id", 3, viewer),
        crate::clients::access::case_visible("events.case_id", 3, viewer)
    ))
    .bind(org_id)
    .bind(limit)
    .bind(viewer)
    .fetch_all(db)
    .await?;
    rows.iter().map(row).collect()
}

/// Drops events nobody will replay any more.
pub async fn prune(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM events WHERE created_at < $1")
        .bind(now - KEEP_MS)
        .execute(db)
        .await?
        .rows_affected())
}

fn sse(e: &LiveEvent) -> Result<Event, Infallible> {
    Ok(Event::default()
        .id(e.id.clone())
        .data(serde_json::to_string(e).unwrap_or_default()))
}

fn resync() -> LiveEvent {
    LiveEvent {
        id: new_id(),
        kind: kind::RESYNC.into(),
        client_id: None,
        case_id: None,
        client_name: String::new(),
        subject: String::new(),
        created_at: now_ms(),
    }
}

/// `GET /api/events`: the signed-in staff member's stream. Replays what was missed after
/// `Last-Event-ID`, then follows live, until the session ends (checked every 30 s).
pub async fn stream(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let user = match crate::auth::ctx::staff_http(
        &st,
        &headers,
        crate::orgs::domain::Permission::ViewClients,
    )
    .await
    {
        Ok(u) => u,
        Err(s) => return s.into_response(),
    };
    let (st2, headers2) = (st.clone(), headers.clone());
    let revoked = until_gone(move || {
        let (st, headers) = (st2.clone(), headers2.clone());
        async move { crate::auth::ctx::session_alive(&st, &headers).await }
    });
    let audience = Audience::Staff(crate::clients::access::viewer(&user).to_string());
    events_for(&st, &headers, user.org_id.clone(), audience, revoked).await
}

/// How often an open stream checks that its session still exists.
const RECHECK: Duration = Duration::from_secs(30);

/// Resolves once `alive` answers `false` (asked every [`RECHECK`]): a revoked session's
/// stream ends.
async fn until_gone<F, Fut>(alive: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    loop {
        tokio::time::sleep(RECHECK).await;
        if !alive().await {
            return;
        }
    }
}

/// GET /api/portal/events — the signed-in client's events only (uploads, cases, messages of
/// that one client). The session is checked again every 30 seconds: a revoked client's stream
/// ends.
pub async fn portal_stream(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let session = crate::portal::api::session_of(&st, &headers)
        .await
        .ok()
        .flatten();
    let rights = session
        .as_ref()
        .map(|s| s.rights.clone())
        .unwrap_or_default();
    let Some((org, client)) = session.and_then(|s| s.client) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let (st2, headers2) = (st.clone(), headers.clone());
    let revoked = until_gone(move || {
        let (st, headers) = (st2.clone(), headers2.clone());
        async move {
            matches!(
                crate::portal::api::session_of(&st, &headers).await,
                Ok(Some(_))
            )
        }
    });
    events_for(
        &st,
        &headers,
        org,
        Audience::Client(client, rights),
        revoked,
    )
    .await
}

/// Whom a stream is for: one client (the portal), or a staff member — by their viewer
/// parameter (`clients::access::viewer`), so a restricted client's or case's events reach
/// only its team.
#[derive(Clone)]
enum Audience {
    /// The client, as the signed-in contact with these rights.
    Client(String, crate::portal::Rights),
    Staff(String),
}

impl Audience {
    /// Asked per event, so a change of a client's team counts from the next event on.
    async fn sees(&self, db: &Db, org: &str, e: &LiveEvent) -> bool {
        if e.kind == kind::RESYNC {
            return true;
        }
        match (self, &e.client_id) {
            (Audience::Client(c, rights), id) => {
                use crate::portal::Right;
                let allowed = match e.kind.as_str() {
                    kind::MESSAGE | kind::TICKET => rights.has(Right::Chat),
                    kind::UPLOAD | kind::QUARANTINE => {
                        rights.has(Right::Files) || rights.has(Right::Upload)
                    }
                    _ => true,
                };
                allowed && id.as_deref() == Some(c.as_str())
            }
            (Audience::Staff(viewer), Some(client)) if !viewer.is_empty() => {
                let seen = match &e.case_id {
                    Some(case) => crate::clients::access::sees_case(db, org, case, viewer).await,
                    None => crate::clients::access::sees(db, org, client, viewer).await,
                };
                seen.unwrap_or(false)
            }
            (Audience::Staff(_), _) => true,
        }
    }
}

/// The stream of a firm's events its audience may see, from `Last-Event-ID` on, until `end`
/// resolves or ten minutes pass.
async fn events_for(
    st: &AppState,
    headers: &HeaderMap,
    org: String,
    audience: Audience,
    end: impl std::future::Future<Output = ()> + Send + 'static,
) -> Response {
    let rx = st.events.subscribe();
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64)
        .map(str::to_string);
    let mut backlog = Vec::new();
    let mut high = String::new();
    if let Some(last) = last {
        match since(&st.db, &org, &last, REPLAY_MAX + 1).await {
            Ok(missed) if missed.len() as i64 > REPLAY_MAX => backlog.push(resync()),
            Ok(missed) => backlog = missed,
            Err(e) => {
                tracing::warn!(error = %e, "event replay failed");
                backlog.push(resync());
            }
        }
        high = backlog.last().map(|e| e.id.clone()).unwrap_or(last);
        let mut shown = Vec::with_capacity(backlog.len());
        for e in backlog {
            if audience.sees(&st.db, &org, &e).await {
                shown.push(e);
            }
        }
        backlog = shown;
    }
    let replay = futures::stream::iter(backlog.into_iter().map(|e| sse(&e)));
    let db = st.db.clone();
    let live = futures::stream::unfold((rx, org, high), move |(mut rx, org, high)| {
        let (audience, db) = (audience.clone(), db.clone());
        async move {
            loop {
                match rx.recv().await {
                    // A resync without a firm is for every stream (see `follow`).
                    Ok(e) if e.org_id.is_empty() => return Some((sse(&e.event), (rx, org, high))),
                    Ok(e)
                        if e.org_id == org
                            && e.event.id > high
                            && audience.sees(&db, &org, &e.event).await =>
                    {
                        return Some((sse(&e.event), (rx, org, high)))
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        return Some((sse(&resync()), (rx, org, high)))
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    let body = replay
        .chain(live)
        .take_until(tokio::time::sleep(STREAM_FOR))
        .take_until(end);
    let mut r = Sse::new(body)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    r.headers_mut()
        .insert("cache-control", "no-store".parse().expect("static header"));
    r
}

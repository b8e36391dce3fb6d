//! Writes audit events (callers pass the executor so an event can share the transaction of
//! the change it records), seals them into each firm's hash chain and verifies the chains.

use crate::server::db::{new_id, now_ms, Db};

/// Who acted and from where; built once per request by the authorization step.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub name: String,
    pub ip: String,
    pub user_agent: String,
}

pub async fn record<'e, E>(
    db: E,
    org_id: &str,
    actor: &Actor,
    client_id: Option<&str>,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_events (id, org_id, actor_id, actor_name, client_id, action, detail, ip, user_agent, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id())
    .bind(org_id)
    .bind(actor.user_id.as_deref())
    .bind(&actor.name)
    .bind(client_id)
    .bind(action)
    .bind(detail)
    .bind(&actor.ip)
    .bind(truncate(&actor.user_agent, 300))
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

const CHAIN_COLUMNS: &str =
    "id, org_id, actor_id, actor_name, client_id, action, detail, ip, user_agent, created_at";

fn chain_event(r: &sqlx::any::AnyRow, seq: i64) -> Result<super::chain::Event, sqlx::Error> {
    use sqlx::Row;
    Ok(super::chain::Event {
        seq,
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        client_id: r.try_get("client_id")?,
        action: r.try_get("action")?,
        detail: r.try_get("detail")?,
        ip: r.try_get("ip")?,
        user_agent: r.try_get("user_agent")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Events sealed per transaction at most.
const SEAL_BATCH: i64 = 500;

/// Seals new events: numbers them per firm in the order they were written and chains their
/// hashes. One transaction per firm and batch, holding the firm's head locked; should another
/// process still have sealed the same events first, its work stands and this pass ends. Returns how many events this call sealed.
pub async fn seal(db: &Db) -> Result<usize, sqlx::Error> {
    use sqlx::Row;
    let mut sealed = 0;
    loop {
        let orgs: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT org_id FROM audit_events WHERE seq IS NULL LIMIT 100",
        )
        .fetch_all(db)
        .await?;
        if orgs.is_empty() {
            return Ok(sealed);
        }
        for org in &orgs {
            let mut tx = db.begin().await?;
            // Writing the head first takes the lock before anything is read: SQLite's write
            // lock, PostgreSQL's row lock — a second sealer of this firm waits here, then sees
            // this one's work.
            sqlx::query(
                "INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, $2) \
                 ON CONFLICT (org_id) DO UPDATE SET seq = audit_heads.seq",
            )
            .bind(org)
            .bind(super::chain::GENESIS)
            .execute(&mut *tx)
            .await?;
            let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
                .bind(org)
                .fetch_one(&mut *tx)
                .await?;
            let (mut seq, mut prev): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
            let first = seq;
            let rows = sqlx::query(&format!(
                "SELECT {CHAIN_COLUMNS} FROM audit_events WHERE org_id = $1 AND seq IS NULL \
                 ORDER BY created_at, id LIMIT $2"
            ))
            .bind(org)
            .bind(SEAL_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            let mut lost = false;
            for r in &rows {
                seq += 1;
                let e = chain_event(r, seq)?;
                let hash = super::chain::link(&prev, &e);
                let n = sqlx::query(
                    "UPDATE audit_events SET seq = $2, prev_hash = $3, hash = $4 WHERE id = $1 AND seq IS NULL",
                )
                .bind(&e.id)
                .bind(seq)
                .bind(&prev)
                .bind(&hash)
                .execute(&mut *tx)
                .await;
                match n {
                    Ok(n) if n.rows_affected() == 1 => prev = hash,
                    Ok(_) => {
                        lost = true;
                        break;
                    }
                    Err(e) if crate::server::db::is_unique_violation(&e) => {
                        lost = true;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            if rows.is_empty() {
                // Another process sealed them while this one waited for the lock.
                tx.rollback().await?;
                continue;
            }
            if lost {
                tx.rollback().await?;
                return Ok(sealed);
            }
            let moved = sqlx::query(
                "UPDATE audit_heads SET seq = $2, hash = $3 WHERE org_id = $1 AND seq = $4",
            )
            .bind(org)
            .bind(seq)
            .bind(&prev)
            .bind(first)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                tx.rollback().await?;
                return Ok(sealed);
            }
            tx.commit().await?;
            sealed += rows.len();
        }
    }
}

/// The state of one firm's chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainReport {
    pub org_id: String,
    pub events: i64,
    /// The last event's number and hash (to note down elsewhere).
    pub head: Option<(i64, String)>,
    pub broken: Option<super::chain::Break>,
}

/// Checks the chains of all firms (or of one), event by event in order.
pub async fn verify(db: &Db, org: Option<&str>) -> Result<Vec<ChainReport>, sqlx::Error> {
    use futures::TryStreamExt;
    use sqlx::Row;
    let orgs: Vec<String> =
        match org {
            Some(o) => vec![o.to_string()],
            None => sqlx::query_scalar(
                "SELECT org_id FROM audit_heads UNION SELECT DISTINCT org_id FROM audit_events \
                 WHERE seq IS NOT NULL ORDER BY 1",
            )
            .fetch_all(db)
            .await?,
        };
    let mut out = Vec::with_capacity(orgs.len());
    for org in orgs {
        let head: Option<(i64, String)> =
            sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
                .bind(&org)
                .fetch_optional(db)
                .await?
                .map(|r| Ok::<_, sqlx::Error>((r.try_get("seq")?, r.try_get("hash")?)))
                .transpose()?;
        let mut walk = super::chain::Walk::default();
        let mut broken = None;
        {
            let sql = format!(
                "SELECT {CHAIN_COLUMNS}, seq, prev_hash, hash FROM audit_events \
                 WHERE org_id = $1 AND seq IS NOT NULL ORDER BY seq"
            );
            let mut rows = sqlx::query(&sql).bind(&org).fetch(db);
            while let Some(r) = rows.try_next().await? {
                let e = chain_event(&r, r.try_get("seq")?)?;
                let prev: String = r.try_get("prev_hash")?;
                let hash: String = r.try_get("hash")?;
                if let Err(b) = walk.step(&e, &prev, &hash) {
                    broken = Some(b);
                    break;
                }
            }
        }
        if broken.is_none() {
            broken = walk.end(head.as_ref().map(|(s, h)| (*s, h.as_str()))).err();
        }
        out.push(ChainReport {
            org_id: org,
            events: walk.count,
            head,
            broken,
        });
    }
    Ok(out)
}

/// The audit view's query: one firm, narrowed by a checked [`super::Filter`].
#[derive(Debug, Clone)]
pub struct Query {
    pub org_id: String,
    pub client_id: String,
    /// A `LIKE` pattern over the client's search text, or ''.
    pub pattern: String,
    pub actor: String,
    pub action: String,
    pub start: i64,
    pub end: i64,
}

impl Query {
    pub fn new(org_id: &str, f: &super::Filter, (start, end): (i64, i64)) -> Query {
        Query {
            org_id: org_id.to_string(),
            client_id: f.client_id.trim().to_string(),
            pattern: crate::clients::domain::search_pattern(&f.client).unwrap_or_default(),
            actor: f.actor.trim().to_string(),
            action: f.action.trim().to_string(),
            start,
            end,
        }
    }
}

/// Entries newest first, from before the cursor `(created_at, id)` on. Empty filters are
/// switched off in SQL (`given`: one statement text per combination of filters).
pub async fn entries(
    db: &Db,
    q: &Query,
    before: Option<(i64, &str)>,
    limit: i64,
    offset: i64,
) -> Result<Vec<super::Entry>, sqlx::Error> {
    use sqlx::Row;
    let (at, id) = before.unwrap_or((i64::MAX, ""));
    use crate::server::db::given;
    let rows = sqlx::query(&format!(
        "SELECT e.id, e.created_at, e.actor_name, e.client_id, c.name AS client_name, e.action, e.detail, e.ip, \
         e.user_agent FROM audit_events e LEFT JOIN clients c ON c.id = e.client_id AND c.org_id = e.org_id \
         WHERE e.org_id = $1 AND {} AND {} \
           AND {} AND {} AND e.created_at >= $6 AND e.created_at < $7 \
           AND (e.created_at < $8 OR e.created_at = $8 AND e.id < $9 OR $9 = '') \
         ORDER BY e.created_at DESC, e.id DESC LIMIT $10 OFFSET $11",
        given(2, &q.client_id, "e.client_id = $2"),
        given(3, &q.pattern, "c.search_text LIKE $3 ESCAPE '\\'"),
        given(4, &q.actor, "e.actor_id = $4"),
        given(5, &q.action, "e.action = $5"),
    ))
    .bind(&q.org_id)
    .bind(&q.client_id)
    .bind(&q.pattern)
    .bind(&q.actor)
    .bind(&q.action)
    .bind(q.start)
    .bind(q.end)
    .bind(at)
    .bind(id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(super::Entry {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                actor_name: r.try_get("actor_name")?,
                client_id: r.try_get("client_id")?,
                client_name: r.try_get("client_name")?,
                action: r.try_get("action")?,
                detail: r.try_get("detail")?,
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
            })
        })
        .collect()
}

/// Every matching entry, newest first, fetched in batches (for the CSV export: memory stays
/// flat however long the trail is).
pub fn all_entries(
    db: Db,
    q: Query,
) -> impl futures::Stream<Item = Result<Vec<super::Entry>, sqlx::Error>> + Send + 'static {
    const BATCH: i64 = 1000;
    futures::stream::try_unfold(Some((i64::MAX, String::new())), move |cursor| {
        let (db, q) = (db.clone(), q.clone());
        async move {
            let Some((at, id)) = cursor else {
                return Ok(None);
            };
            let before = (!id.is_empty()).then_some((at, id.as_str()));
            let batch = entries(&db, &q, before, BATCH, 0).await?;
            if batch.is_empty() {
                return Ok(None);
            }
            let next = (batch.len() as i64 == BATCH)
                .then(|| batch.last().map(|e| (e.created_at, e.id.clone())))
                .flatten();
            Ok(Some((batch, next)))
        }
    })
}

//! Writes audit events. Callers pass the executor so an event can share the transaction of
//! the change it records.

use crate::server::db::{new_id, now_ms};

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

//! SQL for staff sign-in: firm setup, accounts, sessions, and failed-login counters.

use super::domain::Window;
use crate::orgs::{Plan, Role};
use crate::server::db::{new_id, Db};
use sqlx::Row;

/// The signed-in staff member behind a session. Server-only: holds ids used for scoping.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub session_id: String,
    pub user_id: String,
    pub org_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub org_name: String,
    pub plan: Plan,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The firm requires two-factor sign-in and this member has not set it up yet.
    pub needs_two_factor: bool,
}

pub async fn any_org_exists(db: &Db) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orgs")
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

pub struct NewOwner<'a> {
    pub org_name: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub plan: Plan,
}

/// Creates a firm and its owner in one transaction; returns (org id, user id).
/// `Err` with a unique violation when the email is taken.
pub async fn create_org_with_owner(
    db: &Db,
    o: &NewOwner<'_>,
    now: i64,
) -> Result<(String, String), sqlx::Error> {
    let org_id = new_id();
    let user_id = new_id();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO orgs (id, name, plan, client_count, created_at) VALUES ($1, $2, $3, 0, $4)",
    )
    .bind(&org_id)
    .bind(o.org_name)
    .bind(o.plan.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    insert_user(
        &mut *tx,
        &user_id,
        &org_id,
        o.email,
        o.name,
        o.password_hash,
        Role::Owner,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((org_id, user_id))
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_user<'e, E>(
    db: E,
    id: &str,
    org_id: &str,
    email: &str,
    name: &str,
    password_hash: &str,
    role: Role,
    now: i64,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO users (id, org_id, email, name, password_hash, role, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
    )
    .bind(id)
    .bind(org_id)
    .bind(email.to_lowercase())
    .bind(name)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub struct LoginCandidate {
    pub user_id: String,
    pub org_id: String,
    pub name: String,
    pub password_hash: String,
    pub active: bool,
}

pub async fn find_login(db: &Db, email: &str) -> Result<Option<LoginCandidate>, sqlx::Error> {
    let row =
        sqlx::query("SELECT id, org_id, name, password_hash, active FROM users WHERE email = $1")
            .bind(email.to_lowercase())
            .fetch_optional(db)
            .await?;
    row.map(|r| {
        Ok(LoginCandidate {
            user_id: r.try_get("id")?,
            org_id: r.try_get("org_id")?,
            name: r.try_get("name")?,
            password_hash: r.try_get("password_hash")?,
            active: r.try_get::<i64, _>("active")? != 0,
        })
    })
    .transpose()
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub org_id: &'a str,
    pub user_agent: &'a str,
    pub ip: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn create_session(db: &Db, s: &NewSession<'_>) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, org_id, created_at, last_seen_at, expires_at, user_agent, ip) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(s.token_hash)
    .bind(s.user_id)
    .bind(s.org_id)
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.user_agent.chars().take(300).collect::<String>())
    .bind(s.ip)
    .execute(db)
    .await?;
    Ok(id)
}

/// The session for a token hash, if the account is still active.
pub async fn session_user(db: &Db, token_hash: &str) -> Result<Option<SessionUser>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT s.id AS session_id, s.created_at, s.last_seen_at, u.id AS user_id, u.org_id, u.name, u.email, u.role, \
                o.name AS org_name, o.plan, \
                CAST(CASE WHEN o.require_two_factor = 1 AND NOT EXISTS \
                  (SELECT 1 FROM totp_keys k WHERE k.id = u.id AND k.confirmed = 1) THEN 1 ELSE 0 END AS BIGINT) AS needs_2fa \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = u.org_id \
         WHERE s.token_hash = $1 AND u.active = 1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        let role: String = r.try_get("role")?;
        let plan: String = r.try_get("plan")?;
        Ok(SessionUser {
            session_id: r.try_get("session_id")?,
            user_id: r.try_get("user_id")?,
            org_id: r.try_get("org_id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            role: Role::parse(&role).unwrap_or(Role::ReadOnly),
            org_name: r.try_get("org_name")?,
            plan: Plan::parse(&plan).unwrap_or_default(),
            created_at: r.try_get("created_at")?,
            last_seen_at: r.try_get("last_seen_at")?,
            needs_two_factor: r.try_get::<i64, _>("needs_2fa")? == 1,
        })
    })
    .transpose()
}

pub async fn touch_session(db: &Db, session_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
        .bind(session_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, session_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_sessions_of_user<'e, E>(db: E, user_id: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A staff member's session as their session list shows it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_agent: String,
    pub ip: String,
}

/// The member's sessions, most recently used first.
pub async fn sessions_of(db: &Db, user_id: &str) -> Result<Vec<SessionRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, created_at, last_seen_at, user_agent, ip FROM sessions WHERE user_id = $1 \
         ORDER BY last_seen_at DESC, id DESC",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionRow {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
                user_agent: r.try_get("user_agent")?,
                ip: r.try_get("ip")?,
            })
        })
        .collect()
}

/// Ends one of the member's sessions; `false` if it is not theirs (or already gone).
pub async fn end_session_of(db: &Db, user_id: &str, session_id: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(session_id)
            .bind(user_id)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Ends every session of the member but `keep`; returns how many.
pub async fn end_other_sessions(db: &Db, user_id: &str, keep: &str) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// Ends the member's sessions beyond the `max` most recently used ones (`keep` always stays:
/// the one just started); returns how many.
pub async fn trim_sessions(
    db: &Db,
    user_id: &str,
    keep: &str,
    max: i64,
) -> Result<u64, sqlx::Error> {
    // A member has a handful of sessions: read them all, end those past the limit.
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM sessions WHERE user_id = $1 AND id <> $2 ORDER BY last_seen_at DESC, id DESC",
    )
    .bind(user_id)
    .bind(keep)
    .fetch_all(db)
    .await?;
    let mut n = 0;
    for id in ids.into_iter().skip((max - 1).max(0) as usize) {
        n += sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(db)
            .await?
            .rows_affected();
    }
    Ok(n)
}

/// Removes sessions past their absolute lifetime (housekeeping).
pub async fn delete_expired_sessions(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?
        .rows_affected())
}

pub async fn throttle_window(db: &Db, key: &str) -> Result<Option<Window>, sqlx::Error> {
    let row = sqlx::query("SELECT window_start, failures FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        Ok(Window {
            start_ms: r.try_get("window_start")?,
            failures: r.try_get("failures")?,
        })
    })
    .transpose()
}

/// `Some(ms)` to wait while `key` has had `max` counted attempts in a window of `window_ms`.
pub async fn locked_for(
    db: &Db,
    key: &str,
    max: i64,
    window_ms: i64,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let rule = super::domain::ThrottleRule {
        max_failures: max,
        window_ms,
    };
    Ok(rule.locked_for(throttle_window(db, key).await?, now))
}

/// Counts one failed login for `key` in a fixed window of `window_ms`: a new window starts
/// when the old one has ended. One atomic upsert, so concurrent failures are all counted.
/// (SET expressions see the old row on both SQLite and PostgreSQL.)
pub async fn record_failure(
    db: &Db,
    key: &str,
    now: i64,
    window_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_throttle (key, window_start, failures) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_start + $3 > $2 THEN login_throttle.failures + 1 ELSE 1 END, \
           window_start = CASE WHEN login_throttle.window_start + $3 > $2 THEN login_throttle.window_start ELSE $2 END",
    )
    .bind(key)
    .bind(now)
    .bind(window_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets failure windows that ended (housekeeping).
pub async fn delete_stale_throttles(db: &Db, now: i64, window_ms: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM login_throttle WHERE window_start + $2 <= $1")
            .bind(now)
            .bind(window_ms)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

pub async fn clear_throttle(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

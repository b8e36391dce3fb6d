//! SQL for the firm and its team. Org id first, always.

use super::{Member, PendingInvite, Plan, Role};
use crate::server::db::{new_id, Db};
use sqlx::Row;

pub async fn members(db: &Db, org_id: &str) -> Result<Vec<Member>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, email, role, active, created_at FROM users WHERE org_id = $1 ORDER BY created_at, id",
    )
    .bind(org_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(Member {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                role: Role::parse(&role).unwrap_or(Role::ReadOnly),
                active: r.try_get::<i64, _>("active")? != 0,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub async fn member(db: &Db, org_id: &str, user_id: &str) -> Result<Option<Member>, sqlx::Error> {
    Ok(members(db, org_id)
        .await?
        .into_iter()
        .find(|m| m.id == user_id))
}

pub async fn active_owner_count(db: &Db, org_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE org_id = $1 AND role = 'owner' AND active = 1",
    )
    .bind(org_id)
    .fetch_one(db)
    .await
}

pub async fn set_role(
    db: &Db,
    org_id: &str,
    user_id: &str,
    role: Role,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE users SET role = $3 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(db)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Deactivates or reactivates a member. Deactivation deletes their sessions in the same
/// transaction, so they are signed out on their very next request.
pub async fn set_active(
    db: &Db,
    org_id: &str,
    user_id: &str,
    active: bool,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let n = sqlx::query("UPDATE users SET active = $3 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(user_id)
        .bind(active as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 1 && !active {
        crate::auth::repo::delete_sessions_of_user(&mut *tx, user_id).await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

pub async fn plan(db: &Db, org_id: &str) -> Result<Plan, sqlx::Error> {
    let p: String = sqlx::query_scalar("SELECT plan FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_one(db)
        .await?;
    Ok(Plan::parse(&p).unwrap_or_default())
}

pub async fn set_plan(db: &Db, org_id: &str, plan: Plan) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orgs SET plan = $2 WHERE id = $1")
        .bind(org_id)
        .bind(plan.as_str())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn email_in_use(db: &Db, email: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email.to_lowercase())
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

pub struct NewInvite<'a> {
    pub email: &'a str,
    pub role: Role,
    pub token_hash: &'a str,
    pub invited_by: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn create_invite(
    db: &Db,
    org_id: &str,
    i: &NewInvite<'_>,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    let mut tx = db.begin().await?;
    // A new invitation replaces an open one for the same address.
    sqlx::query(
        "UPDATE invites SET revoked_at = $3 WHERE org_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(org_id)
    .bind(i.email.to_lowercase())
    .bind(i.now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO invites (id, org_id, email, role, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(i.email.to_lowercase())
    .bind(i.role.as_str())
    .bind(i.token_hash)
    .bind(i.invited_by)
    .bind(i.now)
    .bind(i.expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn pending_invites(
    db: &Db,
    org_id: &str,
    now: i64,
) -> Result<Vec<PendingInvite>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, email, role, expires_at FROM invites \
         WHERE org_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at",
    )
    .bind(org_id)
    .bind(now)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(PendingInvite {
                id: r.try_get("id")?,
                email: r.try_get("email")?,
                role: Role::parse(&role).unwrap_or(Role::ReadOnly),
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect()
}

pub async fn revoke_invite(
    db: &Db,
    org_id: &str,
    invite_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE invites SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(org_id)
    .bind(invite_id)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// An invitation that can still be accepted.
pub struct OpenInvite {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub email: String,
    pub role: Role,
}

pub async fn open_invite(
    db: &Db,
    token_hash: &str,
    now: i64,
) -> Result<Option<OpenInvite>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT i.id, i.org_id, o.name AS org_name, i.email, i.role FROM invites i JOIN orgs o ON o.id = i.org_id \
         WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        let role: String = r.try_get("role")?;
        Ok(OpenInvite {
            id: r.try_get("id")?,
            org_id: r.try_get("org_id")?,
            org_name: r.try_get("org_name")?,
            email: r.try_get("email")?,
            role: Role::parse(&role).unwrap_or(Role::ReadOnly),
        })
    })
    .transpose()
}

/// Accepts an invitation: marks it used (only once, even under a double submit) and creates
/// the account, in one transaction. `Ok(None)` when it was used or revoked meanwhile.
pub async fn accept_invite(
    db: &Db,
    invite: &OpenInvite,
    name: &str,
    password_hash: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let n = sqlx::query("UPDATE invites SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL")
        .bind(&invite.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != 1 {
        tx.rollback().await?;
        return Ok(None);
    }
    let user_id = new_id();
    crate::auth::repo::insert_user(
        &mut *tx,
        &user_id,
        &invite.org_id,
        &invite.email,
        name,
        password_hash,
        invite.role,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(user_id))
}

/// How many sessions one member of the firm may have at once.
/// Whether the firm requires two-factor sign-in of every member.
pub async fn requires_two_factor(db: &Db, org_id: &str) -> Result<bool, sqlx::Error> {
    let on: i64 = sqlx::query_scalar("SELECT require_two_factor FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_one(db)
        .await?;
    Ok(on == 1)
}

pub async fn max_sessions(db: &Db, org_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT max_sessions FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_one(db)
        .await
}

/// The firm's file-type allow-list for client uploads (empty: everything allowed).
pub async fn allowed_types(db: &Db, org_id: &str) -> Result<Vec<String>, sqlx::Error> {
    let s: String = sqlx::query_scalar("SELECT allowed_types FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_one(db)
        .await?;
    Ok(types_of(&s))
}

/// The stored list of allowed file types ("pdf,jpg"; empty: all).
pub fn types_of(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

pub async fn set_allowed_types(db: &Db, org_id: &str, types: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orgs SET allowed_types = $2 WHERE id = $1")
        .bind(org_id)
        .bind(types.join(","))
        .execute(db)
        .await?;
    Ok(())
}

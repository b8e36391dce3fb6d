//! Who of the staff sees which client (docs/permissions.md, "Restricted clients").
//!
//! Owners and admins see every client of their firm (`Permission::RestrictClients`): they decide
//! the restrictions. Members and read-only accounts see an unrestricted client, and a restricted
//! one only while they are on its team. Queries take the *viewer* as one bound parameter — `""`
//! for someone who sees everything, else the user id — so each statement's text stays constant,
//! and the check runs on every request: taking someone off a team counts from the next one.

use crate::auth::repo::SessionUser;
use crate::orgs::domain::Permission;
use crate::server::db::Db;
use sqlx::Row;

/// The viewer parameter of `user`: empty when the role sees every client.
pub fn viewer(user: &SessionUser) -> &str {
    if user.role.may(Permission::RestrictClients) {
        ""
    } else {
        &user.user_id
    }
}

/// SQL condition: the client whose id is in column `col` is visible to the viewer bound as
/// `$p`. Rows without a client (`col` NULL) stay visible.
pub fn visible(col: &str, p: usize) -> String {
    format!(
        "(${p} = '' \
          OR NOT EXISTS (SELECT 1 FROM clients rc WHERE rc.id = {col} AND rc.restricted = 1) \
          OR EXISTS (SELECT 1 FROM client_team ct WHERE ct.client_id = {col} AND ct.user_id = ${p}))"
    )
}

/// SQL condition for fan-out over staff (`users` aliased `u`): the client bound as `$p` is
/// visible to that user.
pub fn visible_to_member(p: usize) -> String {
    format!(
        "(u.role IN ('owner', 'admin') \
          OR NOT EXISTS (SELECT 1 FROM clients rc WHERE rc.id = ${p} AND rc.restricted = 1) \
          OR EXISTS (SELECT 1 FROM client_team ct WHERE ct.client_id = ${p} AND ct.user_id = u.id))"
    )
}

/// Whether the firm has this client and the viewer may see it.
pub async fn sees(
    db: &Db,
    org_id: &str,
    client_id: &str,
    viewer: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM clients WHERE org_id = $1 AND id = $2 AND {}",
        visible("clients.id", 3)
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(viewer)
    .fetch_one(db)
    .await?;
    Ok(n == 1)
}

/// A client's restriction: whether it is restricted, and who is on its team.
pub async fn team(
    db: &Db,
    org_id: &str,
    client_id: &str,
) -> Result<Option<(bool, Vec<String>)>, sqlx::Error> {
    let Some(restricted) = sqlx::query_scalar::<_, i64>(
        "SELECT restricted FROM clients WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(client_id)
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT user_id FROM client_team WHERE org_id = $1 AND client_id = $2 ORDER BY user_id",
    )
    .bind(org_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    let members = rows
        .iter()
        .map(|r| r.try_get("user_id"))
        .collect::<Result<_, _>>()?;
    Ok(Some((restricted == 1, members)))
}

/// Replaces a client's restriction and team in one transaction (the client row is written
/// first, which takes SQLite's write lock before anything is read).
pub async fn set_team(
    db: &Db,
    org_id: &str,
    client_id: &str,
    restricted: bool,
    members: &[String],
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let found = sqlx::query("UPDATE clients SET restricted = $1 WHERE org_id = $2 AND id = $3")
        .bind(restricted as i64)
        .bind(org_id)
        .bind(client_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if !found {
        return Ok(false);
    }
    sqlx::query("DELETE FROM client_team WHERE org_id = $1 AND client_id = $2")
        .bind(org_id)
        .bind(client_id)
        .execute(&mut *tx)
        .await?;
    for user_id in members {
        sqlx::query(
            "INSERT INTO client_team (org_id, client_id, user_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(org_id)
        .bind(client_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

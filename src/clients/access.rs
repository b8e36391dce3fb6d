//! Who of the staff sees which client (docs/permissions.md, "Restricted clients").
//!
//! Owners and admins see every client of their firm (`Permission::RestrictClients`): they decide
//! the restrictions. Members and read-only accounts see an unrestricted client, and a restricted
//! one only while they are on its team. Queries take the *viewer* as one bound parameter — `""`
//! for someone who sees everything, else the user id — and the check runs on every request:
//! taking someone off a team counts from the next one.
//!
//! Each condition below has two texts, one for each kind of viewer, so that a statement's text
//! is constant per kind. With one text for both (`$p = '' OR …`), PostgreSQL planned every
//! execution anew — a plan made for one kind of viewer is a bad one for the other — and planning
//! was most of a page's database time (docs/performance.md). Both texts test the bound value
//! itself: a text chosen for the other kind of viewer hides rows, it never shows more.
//!
//! A case can be restricted the same way (`cases.restricted`, `case_team`): then its items,
//! files, conversation, events and notifications reach only owners, admins and its team —
//! and those only while they see its client too.

use super::TeamScope;
use crate::auth::repo::SessionUser;
use crate::orgs::domain::Permission;
use crate::server::db::Db;
use sqlx::Row;

/// The viewer parameter of `user`: empty when the role sees every client.
pub fn viewer(user: &SessionUser) -> &str {
    viewer_for(user.role, &user.user_id)
}

/// The viewer parameter of the staff member `user_id` with `role`.
pub fn viewer_for(role: crate::orgs::Role, user_id: &str) -> &str {
    match role.may(Permission::RestrictClients) {
        true => "",
        false => user_id,
    }
}

/// The condition for a viewer who sees everything: true only for the empty viewer.
fn sees_all(p: usize) -> String {
    format!("(${p} = '')")
}

/// SQL condition: the client whose id is in column `col` is visible to `viewer`, bound as
/// `$p`. Rows without a client (`col` NULL) stay visible.
pub fn visible(col: &str, p: usize, viewer: &str) -> String {
    if viewer.is_empty() {
        return sees_all(p);
    }
    format!(
        "(NOT EXISTS (SELECT 1 FROM clients rc WHERE rc.id = {col} AND rc.restricted = 1) \
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

/// SQL condition: the case whose id is in column (or parameter) `col` is visible to `viewer`,
/// bound as `$p`. No case (`col` NULL or empty) counts as visible.
pub fn case_visible(col: &str, p: usize, viewer: &str) -> String {
    if viewer.is_empty() {
        return sees_all(p);
    }
    format!(
        "(NOT EXISTS (SELECT 1 FROM cases rk WHERE rk.id = {col} AND rk.restricted = 1 \
            AND NOT EXISTS (SELECT 1 FROM case_team kt WHERE kt.case_id = rk.id AND kt.user_id = ${p})))"
    )
}

/// SQL condition: the file row aliased `f` is visible to `viewer`, bound as `$p`, as far as
/// cases go — it answers no item of a hidden case and was posted in no hidden case's
/// conversation. (Its client is checked with [`visible`].)
pub fn file_visible(f: &str, p: usize, viewer: &str) -> String {
    if viewer.is_empty() {
        return sees_all(p);
    }
    format!(
        "(NOT EXISTS (SELECT 1 FROM case_items fi WHERE fi.id = {f}.item_id AND NOT {items}) \
          AND NOT EXISTS (SELECT 1 FROM messages fm WHERE fm.file_id = {f}.id AND fm.conv <> '' AND NOT {convs}))",
        items = case_visible("fi.case_id", p, viewer),
        convs = case_visible("fm.conv", p, viewer),
    )
}

/// SQL condition for fan-out over staff (`users` aliased `u`): the case whose id is in `col`
/// (NULL: none) is visible to that user.
pub fn case_visible_to_member(col: &str) -> String {
    format!(
        "(u.role IN ('owner', 'admin') \
          OR NOT EXISTS (SELECT 1 FROM cases rk WHERE rk.id = {col} AND rk.restricted = 1 \
            AND NOT EXISTS (SELECT 1 FROM case_team kt WHERE kt.case_id = rk.id AND kt.user_id = u.id)))"
    )
}

/// `SELECT COUNT(*) …` with the firm as `$1`, an id as `$2` and the viewer as `$3`.
async fn count(
    db: &Db,
    sql: &str,
    org_id: &str,
    id: &str,
    viewer: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql)
        .bind(org_id)
        .bind(id)
        .bind(viewer)
        .fetch_one(db)
        .await
}

/// Whether the firm has this case and the viewer sees both it and its client.
pub async fn sees_case(
    db: &Db,
    org_id: &str,
    case_id: &str,
    viewer: &str,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*) FROM cases WHERE org_id = $1 AND id = $2 AND {} AND {}",
        visible("cases.client_id", 3, viewer),
        case_visible("cases.id", 3, viewer)
    );
    Ok(count(db, &sql, org_id, case_id, viewer).await? == 1)
}

/// Whether the viewer sees this file (of a client they see, in no case hidden from them).
pub async fn sees_file(
    db: &Db,
    org_id: &str,
    file_id: &str,
    viewer: &str,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*) FROM files f WHERE f.org_id = $1 AND f.id = $2 AND {} AND {}",
        visible("f.client_id", 3, viewer),
        file_visible("f", 3, viewer)
    );
    Ok(count(db, &sql, org_id, file_id, viewer).await? == 1)
}

/// Whether some case of the client is hidden from the viewer (then the client's history
/// leaves out what concerns cases, files and messages).
pub async fn misses_cases(
    db: &Db,
    org_id: &str,
    client_id: &str,
    viewer: &str,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*) FROM cases WHERE org_id = $1 AND client_id = $2 AND NOT {}",
        case_visible("cases.id", 3, viewer)
    );
    Ok(count(db, &sql, org_id, client_id, viewer).await? > 0)
}

/// Whether the firm has this client and the viewer may see it.
pub async fn sees(
    db: &Db,
    org_id: &str,
    client_id: &str,
    viewer: &str,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*) FROM clients WHERE org_id = $1 AND id = $2 AND {}",
        visible("clients.id", 3, viewer)
    );
    Ok(count(db, &sql, org_id, client_id, viewer).await? == 1)
}

/// The restriction of a client or a case: whether it is restricted, and who is on its team.
pub async fn team(
    db: &Db,
    org_id: &str,
    scope: TeamScope,
    id: &str,
) -> Result<Option<(bool, Vec<String>)>, sqlx::Error> {
    let (table, team, key) = tables(scope);
    let Some(restricted) = sqlx::query_scalar::<_, i64>(&format!(
        "SELECT restricted FROM {table} WHERE org_id = $1 AND id = $2"
    ))
    .bind(org_id)
    .bind(id)
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query(&format!(
        "SELECT user_id FROM {team} WHERE org_id = $1 AND {key} = $2 ORDER BY user_id"
    ))
    .bind(org_id)
    .bind(id)
    .fetch_all(db)
    .await?;
    let members = rows
        .iter()
        .map(|r| r.try_get("user_id"))
        .collect::<Result<_, _>>()?;
    Ok(Some((restricted == 1, members)))
}

/// The row table, team table and team key column of a scope.
fn tables(scope: TeamScope) -> (&'static str, &'static str, &'static str) {
    match scope {
        TeamScope::Client => ("clients", "client_team", "client_id"),
        TeamScope::Case => ("cases", "case_team", "case_id"),
    }
}

/// Replaces the restriction and team of a client or case in one transaction (the row is
/// written first, which takes SQLite's write lock before anything is read).
pub async fn set_team(
    db: &Db,
    org_id: &str,
    scope: TeamScope,
    id: &str,
    restricted: bool,
    members: &[String],
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (table, team, key) = tables(scope);
    let mut tx = db.begin().await?;
    let found = sqlx::query(&format!(
        "UPDATE {table} SET restricted = $1 WHERE org_id = $2 AND id = $3"
    ))
    .bind(restricted as i64)
    .bind(org_id)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !found {
        return Ok(false);
    }
    sqlx::query(&format!(
        "DELETE FROM {team} WHERE org_id = $1 AND {key} = $2"
    ))
    .bind(org_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    for user_id in members {
        sqlx::query(&format!(
            "INSERT INTO {team} (org_id, {key}, user_id, created_at) VALUES ($1, $2, $3, $4)"
        ))
        .bind(org_id)
        .bind(id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

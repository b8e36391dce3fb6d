//! SQL for cases, their items and templates. Org id first, always.

use super::domain::{self, ItemFacts, Progress};
use super::{CaseItem, CaseState, CaseSummary, ItemFile, ItemState, PublicCase, PublicItem};
use crate::server::db::{new_id, Db};
use sqlx::Row;

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

fn types_csv(types: &[String]) -> String {
    types.join(",")
}

fn types_of(csv: &str) -> Vec<String> {
    csv.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A new requested document.
pub struct NewItem {
    pub title: String,
    pub explanation: String,
    pub required: bool,
    pub deadline_at: Option<i64>,
    pub allowed_types: Vec<String>,
}

pub struct NewCase<'a> {
    pub client_id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub responsible_id: Option<&'a str>,
    pub due_at: Option<i64>,
    pub created_by: &'a str,
    pub items: &'a [NewItem],
}

/// Opens a case with its items, in the caller's transaction. `None` when the client is not
/// the org's.
pub async fn create_case(
    tx: &mut Tx<'_>,
    org_id: &str,
    c: &NewCase<'_>,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    // A write first (a new case is activity of the client): it takes SQLite's write lock
    // before anything is read, and finds the client of this firm or nothing.
    let exists =
        sqlx::query("UPDATE clients SET last_activity_at = $3 WHERE id = $1 AND org_id = $2")
            .bind(c.client_id)
            .bind(org_id)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1;
    if !exists {
        return Ok(None);
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO cases (id, org_id, client_id, title, description, responsible_id, due_at, state, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,'open',$8,$9,$9)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(c.client_id)
    .bind(c.title)
    .bind(c.description)
    .bind(c.responsible_id)
    .bind(c.due_at)
    .bind(c.created_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    for (n, item) in c.items.iter().enumerate() {
        insert_item(tx, org_id, &id, c.client_id, n as i64, item, now).await?;
    }
    Ok(Some(id))
}

async fn insert_item(
    tx: &mut Tx<'_>,
    org_id: &str,
    case_id: &str,
    client_id: &str,
    position: i64,
    item: &NewItem,
    now: i64,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO case_items (id, org_id, case_id, client_id, position, title, explanation, required, deadline_at, \
         allowed_types, state, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'ausstehend',$11,$11)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(case_id)
    .bind(client_id)
    .bind(position)
    .bind(&item.title)
    .bind(&item.explanation)
    .bind(item.required as i64)
    .bind(item.deadline_at)
    .bind(types_csv(&item.allowed_types))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Appends an item to an open case. `None` when the case is not the org's or not open.
pub async fn add_item(
    db: &Db,
    org_id: &str,
    case_id: &str,
    item: &NewItem,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.begin().await?;
    // A write first: it takes SQLite's write lock before anything is read (a read first would
    // fail to upgrade when another write commits in between).
    touch_case(&mut tx, case_id, now).await?;
    let Some(case) = case_row(&mut *tx, org_id, case_id).await? else {
        return Ok(None);
    };
    if case.state != CaseState::Open {
        return Ok(None);
    }
    let count: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(position), -1) + 1 AS BIGINT) FROM case_items WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_one(&mut *tx)
    .await?;
    let id = insert_item(&mut tx, org_id, case_id, &case.client_id, count, item, now).await?;
    tx.commit().await?;
    Ok(Some(id))
}

pub async fn item_count(db: &Db, case_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM case_items WHERE case_id = $1")
        .bind(case_id)
        .fetch_one(db)
        .await
}

/// Removes an item (its files stay with the client). False when it is not the org's.
pub async fn delete_item(db: &Db, org_id: &str, item_id: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("DELETE FROM case_items WHERE id = $1 AND org_id = $2")
        .bind(item_id)
        .bind(org_id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n > 0)
}

async fn touch_case(tx: &mut Tx<'_>, case_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cases SET updated_at = $2 WHERE id = $1")
        .bind(case_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The columns of a case the rules need.
pub struct CaseRow {
    pub id: String,
    pub client_id: String,
    pub title: String,
    pub state: CaseState,
    pub due_at: Option<i64>,
}

pub async fn case_row<'e, E>(
    db: E,
    org_id: &str,
    case_id: &str,
) -> Result<Option<CaseRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT id, client_id, title, state, due_at FROM cases WHERE id = $1 AND org_id = $2",
    )
    .bind(case_id)
    .bind(org_id)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        let state: String = r.try_get("state")?;
        Ok(CaseRow {
            id: r.try_get("id")?,
            client_id: r.try_get("client_id")?,
            title: r.try_get("title")?,
            state: CaseState::parse(&state).unwrap_or_default(),
            due_at: r.try_get("due_at")?,
        })
    })
    .transpose()
}

/// An item with the case it belongs to.
pub struct ItemRow {
    pub id: String,
    pub case_id: String,
    pub client_id: String,
    pub title: String,
    pub state: ItemState,
    pub case_state: CaseState,
    pub allowed_types: Vec<String>,
}

pub async fn item_row<'e, E>(
    db: E,
    org_id: &str,
    item_id: &str,
) -> Result<Option<ItemRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT i.id, i.case_id, i.client_id, i.title, i.state, i.allowed_types, c.state AS case_state \
         FROM case_items i JOIN cases c ON c.id = i.case_id WHERE i.id = $1 AND i.org_id = $2",
    )
    .bind(item_id)
    .bind(org_id)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        let state: String = r.try_get("state")?;
        let case_state: String = r.try_get("case_state")?;
        let types: String = r.try_get("allowed_types")?;
        Ok(ItemRow {
            id: r.try_get("id")?,
            case_id: r.try_get("case_id")?,
            client_id: r.try_get("client_id")?,
            title: r.try_get("title")?,
            state: ItemState::parse(&state).unwrap_or_default(),
            case_state: CaseState::parse(&case_state).unwrap_or_default(),
            allowed_types: types_of(&types),
        })
    })
    .transpose()
}

/// Sets an item's state (and comment), only from the state the caller decided on, so two
/// concurrent decisions cannot both apply. False when the item moved meanwhile.
pub async fn set_item_state<'e, E>(
    db: E,
    item_id: &str,
    from: ItemState,
    to: ItemState,
    comment: &str,
    now: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let n = sqlx::query(
        "UPDATE case_items SET state = $3, comment = $4, updated_at = $5 WHERE id = $1 AND state = $2",
    )
    .bind(item_id)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(comment)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// A file arrived for an item (in the transaction that stores the file): the item goes to
/// hochgeladen and its question is answered. Nothing happens for a case that is not open.
pub async fn file_arrived(tx: &mut Tx<'_>, item_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE case_items SET state = $2, comment = '', updated_at = $3 WHERE id = $1 \
         AND case_id IN (SELECT id FROM cases WHERE state = 'open')",
    )
    .bind(item_id)
    .bind(
        domain::next_item_state(ItemState::Ausstehend, domain::ItemEvent::FileArrived)
            .unwrap_or(ItemState::Hochgeladen)
            .as_str(),
    )
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Attaches a received file of the same client to an item. False when the file is not the
/// client's, not clean, or not received.
pub async fn attach_file(
    tx: &mut Tx<'_>,
    org_id: &str,
    client_id: &str,
    item_id: &str,
    file_id: &str,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE files SET item_id = $4 WHERE id = $3 AND org_id = $1 AND client_id = $2 \
         AND direction = 'received' AND scan_state = 'clean'",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(file_id)
    .bind(item_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n > 0)
}

pub async fn set_case_state(
    tx: &mut Tx<'_>,
    case_id: &str,
    from: CaseState,
    to: CaseState,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let closed_at = (to != CaseState::Open).then_some(now);
    let n = sqlx::query(
        "UPDATE cases SET state = $3, closed_at = $4, updated_at = $5, retention_warned_at = NULL \
         WHERE id = $1 AND state = $2",
    )
    .bind(case_id)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(closed_at)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n > 0)
}

pub async fn open_case_count(
    tx: &mut Tx<'_>,
    org_id: &str,
    client_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM cases WHERE org_id = $1 AND client_id = $2 AND state = 'open'",
    )
    .bind(org_id)
    .bind(client_id)
    .fetch_one(&mut **tx)
    .await
}

pub async fn set_reminders_paused(
    db: &Db,
    org_id: &str,
    case_id: &str,
    paused: bool,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE cases SET reminders_paused = $3 WHERE id = $1 AND org_id = $2")
        .bind(case_id)
        .bind(org_id)
        .bind(paused as i64)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n > 0)
}

pub struct CaseEdit<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub responsible_id: Option<&'a str>,
    pub due_at: Option<i64>,
}

pub async fn update_case(
    db: &Db,
    org_id: &str,
    case_id: &str,
    e: &CaseEdit<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE cases SET title = $3, description = $4, responsible_id = $5, due_at = $6, updated_at = $7 \
         WHERE id = $1 AND org_id = $2",
    )
    .bind(case_id)
    .bind(org_id)
    .bind(e.title)
    .bind(e.description)
    .bind(e.responsible_id)
    .bind(e.due_at)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// The raw rows behind summaries and the detail page.
struct CaseRec {
    id: String,
    client_id: String,
    client_name: String,
    title: String,
    description: String,
    state: CaseState,
    responsible_id: Option<String>,
    responsible_name: Option<String>,
    due_at: Option<i64>,
    reminders_paused: bool,
    restricted: bool,
    created_at: i64,
}

const CASE_COLS: &str =
    "c.id, c.client_id, k.name AS client_name, c.title, c.description, c.state, \
     c.responsible_id, u.name AS responsible_name, c.due_at, c.reminders_paused, c.restricted, c.created_at";
const CASE_FROM: &str = "FROM cases c JOIN clients k ON k.id = c.client_id \
     LEFT JOIN users u ON u.id = c.responsible_id";

fn case_rec(r: &sqlx::any::AnyRow) -> Result<CaseRec, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(CaseRec {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        client_name: r.try_get("client_name")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        state: CaseState::parse(&state).unwrap_or_default(),
        responsible_id: r.try_get("responsible_id")?,
        responsible_name: r.try_get("responsible_name")?,
        due_at: r.try_get("due_at")?,
        reminders_paused: r.try_get::<i64, _>("reminders_paused")? != 0,
        restricted: r.try_get::<i64, _>("restricted")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

struct ItemRec {
    id: String,
    case_id: String,
    title: String,
    explanation: String,
    required: bool,
    deadline_at: Option<i64>,
    allowed_types: Vec<String>,
    state: ItemState,
    comment: String,
}

impl ItemRec {
    fn facts(&self) -> ItemFacts {
        ItemFacts {
            required: self.required,
            state: self.state,
            deadline_at: self.deadline_at,
        }
    }
}

async fn items_where(db: &Db, cond: &str, args: &[&str]) -> Result<Vec<ItemRec>, sqlx::Error> {
    let sql = format!(
        "SELECT id, case_id, title, explanation, required, deadline_at, allowed_types, state, comment \
         FROM case_items WHERE {cond} ORDER BY case_id, position, id"
    );
    let mut q = sqlx::query(&sql);
    for a in args {
        q = q.bind(*a);
    }
    let rows = q.fetch_all(db).await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            let types: String = r.try_get("allowed_types")?;
            Ok(ItemRec {
                id: r.try_get("id")?,
                case_id: r.try_get("case_id")?,
                title: r.try_get("title")?,
                explanation: r.try_get("explanation")?,
                required: r.try_get::<i64, _>("required")? != 0,
                deadline_at: r.try_get("deadline_at")?,
                allowed_types: types_of(&types),
                state: ItemState::parse(&state).unwrap_or_default(),
                comment: r.try_get("comment")?,
            })
        })
        .collect()
}

fn summary(c: &CaseRec, items: &[&ItemRec], now: i64) -> CaseSummary {
    let facts: Vec<ItemFacts> = items.iter().map(|i| i.facts()).collect();
    CaseSummary {
        id: c.id.clone(),
        client_id: c.client_id.clone(),
        client_name: c.client_name.clone(),
        title: c.title.clone(),
        state: c.state,
        responsible_name: c.responsible_name.clone(),
        due_at: c.due_at,
        progress: Progress::of_items(&facts),
        overdue: domain::case_overdue(c.state, c.due_at, &facts, now),
        restricted: c.restricted,
        created_at: c.created_at,
    }
}

/// The cases of one client the viewer sees (`""`: all of them — owners, admins, the client
/// itself), open ones first, newest first.
pub async fn cases_of_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
    viewer: &str,
    now: i64,
) -> Result<Vec<CaseSummary>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {CASE_COLS} {CASE_FROM} WHERE c.org_id = $1 AND c.client_id = $2 AND {} \
         ORDER BY CASE c.state WHEN 'open' THEN 0 WHEN 'closed' THEN 1 ELSE 2 END, c.created_at DESC, c.id",
        crate::clients::access::case_visible("c.id", 3, viewer)
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(viewer)
    .fetch_all(db)
    .await?;
    let cases = rows.iter().map(case_rec).collect::<Result<Vec<_>, _>>()?;
    let items = items_where(db, "org_id = $1 AND client_id = $2", &[org_id, client_id]).await?;
    Ok(cases
        .iter()
        .map(|c| {
            let mine: Vec<&ItemRec> = items.iter().filter(|i| i.case_id == c.id).collect();
            summary(c, &mine, now)
        })
        .collect())
}

/// Files attached to the items matching `cond` (on the items `i`, bound to `$1` and `$2`),
/// by item.
async fn item_files(
    db: &Db,
    cond: &str,
    org_id: &str,
    scope_id: &str,
) -> Result<Vec<(String, ItemFile)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        // Scoped through the firm's items (a file carries the item it was uploaded for): a
        // condition on `f.org_id` would make SQLite walk all of the firm's files instead of
        // the items.
        "SELECT f.item_id, f.id, f.name, f.version, f.size, f.scan_state, f.created_at FROM files f \
         JOIN case_items i ON i.id = f.item_id AND f.client_id = i.client_id \
         WHERE {cond} ORDER BY f.created_at, f.id",
    ))
    .bind(org_id)
    .bind(scope_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("item_id")?, file_of(r)?)))
        .collect()
}

fn file_of(r: &sqlx::any::AnyRow) -> Result<ItemFile, sqlx::Error> {
    Ok(ItemFile {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        size: r.try_get("size")?,
        quarantined: r.try_get::<String, _>("scan_state")? != "clean",
        created_at: r.try_get("created_at")?,
    })
}

/// Clean received files of a client (to attach one to an item).
pub async fn received_files(
    db: &Db,
    org_id: &str,
    client_id: &str,
    viewer: &str,
) -> Result<Vec<ItemFile>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT f.id, f.name, f.version, f.size, f.scan_state, f.created_at FROM files f \
         WHERE f.org_id = $1 AND f.client_id = $2 AND f.direction = 'received' AND f.scan_state = 'clean' \
         AND {} ORDER BY f.created_at DESC, f.id LIMIT 500",
        crate::clients::access::file_visible("f", 3, viewer)
    ))
    .bind(org_id)
    .bind(client_id)
    .bind(viewer)
    .fetch_all(db)
    .await?;
    rows.iter().map(file_of).collect()
}

/// One case with items and files; the detail page adds members and the client's files.
pub struct Loaded {
    pub summary: CaseSummary,
    pub description: String,
    pub responsible_id: Option<String>,
    pub reminders_paused: bool,
    pub items: Vec<CaseItem>,
    pub missing: Vec<String>,
}

pub async fn load(
    db: &Db,
    org_id: &str,
    case_id: &str,
    now: i64,
) -> Result<Option<Loaded>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {CASE_COLS} {CASE_FROM} WHERE c.id = $1 AND c.org_id = $2"
    ))
    .bind(case_id)
    .bind(org_id)
    .fetch_optional(db)
    .await?;
    let Some(c) = row.as_ref().map(case_rec).transpose()? else {
        return Ok(None);
    };
    let items = items_where(db, "org_id = $1 AND case_id = $2", &[org_id, case_id]).await?;
    let files = item_files(db, "i.org_id = $1 AND i.case_id = $2", org_id, case_id).await?;
    Ok(Some(assemble(c, items, files, now)))
}

/// Every case of one client with its items and files, open ones first, newest first (the
/// portal's home): three queries, however many cases the client has.
pub async fn load_all_of_client(
    db: &Db,
    org_id: &str,
    client_id: &str,
    now: i64,
) -> Result<Vec<Loaded>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {CASE_COLS} {CASE_FROM} WHERE c.org_id = $1 AND c.client_id = $2 \
         ORDER BY CASE c.state WHEN 'open' THEN 0 WHEN 'closed' THEN 1 ELSE 2 END, c.created_at DESC, c.id"
    ))
    .bind(org_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    let cases = rows.iter().map(case_rec).collect::<Result<Vec<_>, _>>()?;
    let mut items = items_where(db, "org_id = $1 AND client_id = $2", &[org_id, client_id]).await?;
    let mut files = item_files(db, "i.org_id = $1 AND i.client_id = $2", org_id, client_id).await?;
    Ok(cases
        .into_iter()
        .map(|c| {
            let (mine, rest) = std::mem::take(&mut items)
                .into_iter()
                .partition(|i| i.case_id == c.id);
            items = rest;
            let ids: std::collections::HashSet<&str> =
                mine.iter().map(|i: &ItemRec| i.id.as_str()).collect();
            let (their, rest) = std::mem::take(&mut files)
                .into_iter()
                .partition(|(item, _)| ids.contains(item.as_str()));
            files = rest;
            assemble(c, mine, their, now)
        })
        .collect())
}

/// A case from its rows: items in order, each with its files.
fn assemble(
    c: CaseRec,
    items: Vec<ItemRec>,
    mut files: Vec<(String, ItemFile)>,
    now: i64,
) -> Loaded {
    let refs: Vec<&ItemRec> = items.iter().collect();
    let summary = summary(&c, &refs, now);
    let facts: Vec<ItemFacts> = items.iter().map(|i| i.facts()).collect();
    let missing = domain::missing_required(&facts)
        .into_iter()
        .map(|n| items[n].title.clone())
        .collect();
    let items = items
        .into_iter()
        .map(|i| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut files)
                .into_iter()
                .partition(|(item, _)| *item == i.id);
            files = rest;
            CaseItem {
                overdue: domain::item_overdue(&i.facts(), c.state, now),
                files: mine.into_iter().map(|(_, f)| f).collect(),
                id: i.id,
                title: i.title,
                explanation: i.explanation,
                required: i.required,
                deadline_at: i.deadline_at,
                allowed_types: i.allowed_types,
                state: i.state,
                comment: i.comment,
            }
        })
        .collect();
    Loaded {
        summary,
        description: c.description,
        responsible_id: c.responsible_id,
        reminders_paused: c.reminders_paused,
        items,
        missing,
    }
}

/// The checklist of a case as the client sees it on the upload page (no staff names, no
/// file ids).
pub async fn public_case(
    db: &Db,
    org_id: &str,
    case_id: &str,
    now: i64,
) -> Result<Option<PublicCase>, sqlx::Error> {
    let Some(l) = load(db, org_id, case_id, now).await? else {
        return Ok(None);
    };
    Ok(Some(PublicCase {
        title: l.summary.title,
        closed: l.summary.state != CaseState::Open,
        items: l.items.into_iter().map(public_item).collect(),
    }))
}

/// An item as the client sees it: no staff names, no file ids.
pub fn public_item(i: CaseItem) -> PublicItem {
    PublicItem {
        id: i.id,
        title: i.title,
        explanation: i.explanation,
        required: i.required,
        deadline_at: i.deadline_at,
        allowed_types: i.allowed_types,
        state: i.state,
        comment: i.comment,
        overdue: i.overdue,
        file_names: i.files.into_iter().map(|f| f.name).collect(),
    }
}

// ---- templates ----

/// Saves a case's title, description and checklist as a template under `name`.
/// `Ok(None)` when the name is taken.
pub async fn save_template(
    db: &Db,
    org_id: &str,
    case_id: &str,
    name: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let Some(l) = load(db, org_id, case_id, now).await? else {
        return Ok(None);
    };
    let mut tx = db.begin().await?;
    let id = new_id();
    let r = sqlx::query(
        "INSERT INTO case_templates (id, org_id, name, name_key, title, description, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(name)
    .bind(name.to_lowercase())
    .bind(&l.summary.title)
    .bind(&l.description)
    .bind(now)
    .execute(&mut *tx)
    .await;
    match r {
        Err(e) if crate::server::db::is_unique_violation(&e) => return Ok(None),
        r => r?,
    };
    for (n, i) in l.items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO case_template_items (id, template_id, position, title, explanation, required, allowed_types) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(new_id())
        .bind(&id)
        .bind(n as i64)
        .bind(&i.title)
        .bind(&i.explanation)
        .bind(i.required as i64)
        .bind(types_csv(&i.allowed_types))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Some(id))
}

pub struct Template {
    pub id: String,
    pub name: String,
    pub title: String,
    pub description: String,
    pub items: Vec<NewItem>,
}

pub async fn templates(db: &Db, org_id: &str) -> Result<Vec<Template>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, title, description FROM case_templates WHERE org_id = $1 ORDER BY name_key, id",
    )
    .bind(org_id)
    .fetch_all(db)
    .await?;
    let items = sqlx::query(
        "SELECT t.template_id, t.title, t.explanation, t.required, t.allowed_types FROM case_template_items t \
         JOIN case_templates c ON c.id = t.template_id WHERE c.org_id = $1 ORDER BY t.template_id, t.position",
    )
    .bind(org_id)
    .fetch_all(db)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        let mut its = Vec::new();
        for i in items.iter() {
            if i.try_get::<String, _>("template_id")? == id {
                its.push(NewItem {
                    title: i.try_get("title")?,
                    explanation: i.try_get("explanation")?,
                    required: i.try_get::<i64, _>("required")? != 0,
                    deadline_at: None,
                    allowed_types: types_of(&i.try_get::<String, _>("allowed_types")?),
                });
            }
        }
        out.push(Template {
            id,
            name: r.try_get("name")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            items: its,
        });
    }
    Ok(out)
}

pub async fn delete_template(db: &Db, org_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("DELETE FROM case_templates WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org_id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// The case an upload link is bound to (if any, and if it is the link's client's).
pub async fn case_of_link(db: &Db, link_id: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT l.case_id, l.org_id FROM upload_links l JOIN cases c ON c.id = l.case_id AND c.client_id = l.client_id \
         WHERE l.id = $1",
    )
    .bind(link_id)
    .fetch_optional(db)
    .await?;
    row.map(|r| Ok((r.try_get("org_id")?, r.try_get("case_id")?)))
        .transpose()
}

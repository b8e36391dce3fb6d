//! `kundenportal seed-bench`: fills an empty database for `make bench` — by default one large
//! firm (10,000 clients, 50,000 cases with 3 requested documents each, 500,000 file records),
//! or the same spread over `--firms` firms.
//! Rows are written directly in batches; files are records only (no blobs), which is all the
//! dashboard reads.

use super::db::{new_id, now_ms, Db};

pub const OWNER_EMAIL: &str = "bench@example.org";
pub const OWNER_PASSWORD: &str = "bench-passwort-2026";

const DAY: i64 = 86_400_000;
const BATCH: usize = 400;

/// Inserts `rows` (each a list of values) into `table (cols)` in multi-row statements.
async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    cols: &[&str],
    rows: &[Vec<Value>],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(BATCH) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        let mut n = 0;
        for (r, row) in chunk.iter().enumerate() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..row.len() {
                if c > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Value::T(s) => q.bind(s.clone()),
                    Value::I(i) => q.bind(*i),
                    Value::N => q.bind(Option::<i64>::None),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

enum Value {
    T(String),
    I(i64),
    N,
}

fn t(s: impl Into<String>) -> Value {
    Value::T(s.into())
}

/// What `seed` makes: this many firms sharing these many clients, cases and files evenly.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub firms: usize,
    pub clients: usize,
    pub cases: usize,
    pub files: usize,
}

/// The owner's address of firm `n` (firm 0's is [`OWNER_EMAIL`]; all share the password).
pub fn owner_email(n: usize) -> String {
    if n == 0 {
        OWNER_EMAIL.to_string()
    } else {
        format!("bench{n}@example.org")
    }
}

/// Seeds the benchmark firms; refuses a database that already has a firm.
pub async fn seed(db: &Db, size: Size) -> Result<String, String> {
    let e = |e: sqlx::Error| e.to_string();
    if crate::auth::repo::any_org_exists(db).await.map_err(e)? {
        return Err("the database already has a firm; seed-bench needs an empty one".into());
    }
    let firms = size.firms.max(1);
    for n in 0..firms {
        // The first firms take the remainders.
        let share = |total: usize| total / firms + usize::from(n < total % firms);
        seed_firm(
            db,
            n,
            share(size.clients),
            share(size.cases),
            share(size.files),
        )
        .await?;
    }
    Ok(format!(
        "seeded {firms} firm(s), {} clients, {} cases, {} items, {} files; log in as {OWNER_EMAIL} / {OWNER_PASSWORD}",
        size.clients,
        size.cases,
        size.cases * 3,
        size.files
    ))
}

/// One firm (number `n`) with its clients, cases and files.
async fn seed_firm(
    db: &Db,
    n: usize,
    clients: usize,
    cases: usize,
    files: usize,
) -> Result<(), String> {
    let e = |e: sqlx::Error| e.to_string();
    let email = owner_email(n);
    let firm = if n == 0 {
        "Benchmark Steuerberatung".to_string()
    } else {
        format!("Kanzlei Bench {n:03}")
    };
    crate::auth::setup::create_firm(
        db,
        &firm,
        "Bench Owner",
        &email,
        OWNER_PASSWORD,
        crate::orgs::Plan::Team,
    )
    .await?;
    let org: String = sqlx::query_scalar("SELECT org_id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(db)
        .await
        .map_err(e)?;
    let owner: String = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(db)
        .await
        .map_err(e)?;
    let now = now_ms();
    let statuses = ["offen", "teilweise", "vollstaendig"];
    let client_ids: Vec<String> = (0..clients).map(|_| new_id()).collect();
    let mut tx = db.begin().await.map_err(e)?;
    let rows: Vec<Vec<Value>> = client_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let name = format!("Mandant {i:05}");
            let email = format!("m{n}-{i}@example.org");
            vec![
                t(id.clone()),
                t(org.clone()),
                t(name.clone()),
                t(email.clone()),
                t(crate::clients::domain::search_text(&name, &email, "")),
                t(statuses[i % 3]),
                Value::I((files / clients.max(1)) as i64),
                Value::I(now - (i as i64 % 60) * DAY),
                Value::I(now - (i as i64 % 90) * DAY),
                Value::I(now - 400 * DAY),
                Value::I(now - 400 * DAY),
            ]
        })
        .collect();
    insert(
        &mut tx,
        "clients",
        &[
            "id",
            "org_id",
            "name",
            "email",
            "search_text",
            "status",
            "file_count",
            "last_upload_at",
            "last_activity_at",
            "created_at",
            "updated_at",
        ],
        &rows,
    )
    .await
    .map_err(e)?;
    sqlx::query("UPDATE orgs SET client_count = $2 WHERE id = $1")
        .bind(&org)
        .bind(clients as i64)
        .execute(&mut *tx)
        .await
        .map_err(e)?;

    let mut case_rows = Vec::with_capacity(cases);
    let mut item_rows = Vec::with_capacity(cases * 3);
    for c in 0..cases {
        let id = new_id();
        let client = &client_ids[c % clients.max(1)];
        // 60 % open, 30 % closed, 10 % archived.
        let state = match c % 10 {
            0..=5 => "open",
            6..=8 => "closed",
            _ => "archived",
        };
        let due = now + ((c as i64 % 120) - 60) * DAY;
        case_rows.push(vec![
            t(id.clone()),
            t(org.clone()),
            t(client.clone()),
            t(format!("Jahresabschluss {}", 2000 + c % 26)),
            if c % 2 == 0 {
                t(owner.clone())
            } else {
                Value::N
            },
            Value::I(due),
            t(state),
            Value::I(now - 200 * DAY + (c as i64 % 150) * DAY),
            Value::I(now - (c as i64 % 30) * DAY),
            if state == "open" {
                Value::N
            } else {
                Value::I(now - (c as i64 % 20) * DAY)
            },
            // No reminder mails from the benchmark firm while it is measured.
            Value::I(1),
        ]);
        for (n, title) in ["Vollmacht", "Kontoauszüge", "Sonstige Belege"]
            .iter()
            .enumerate()
        {
            let state = ["ausstehend", "hochgeladen", "geprueft", "rueckfrage"][(c + n) % 4];
            item_rows.push(vec![
                t(new_id()),
                t(org.clone()),
                t(id.clone()),
                t(client.clone()),
                Value::I(n as i64),
                t(*title),
                Value::I((n < 2) as i64),
                Value::I(due - n as i64 * DAY),
                t(state),
                Value::I(now - 70 * DAY + (c as i64 % 60) * DAY),
                Value::I(now - (c as i64 % 50) * DAY),
            ]);
        }
    }
    insert(
        &mut tx,
        "cases",
        &[
            "id",
            "org_id",
            "client_id",
            "title",
            "responsible_id",
            "due_at",
            "state",
            "created_at",
            "updated_at",
            "closed_at",
            "reminders_paused",
        ],
        &case_rows,
    )
    .await
    .map_err(e)?;
    insert(
        &mut tx,
        "case_items",
        &[
            "id",
            "org_id",
            "case_id",
            "client_id",
            "position",
            "title",
            "required",
            "deadline_at",
            "state",
            "created_at",
            "updated_at",
        ],
        &item_rows,
    )
    .await
    .map_err(e)?;
    tx.commit().await.map_err(e)?;

    // Files in transactions of 50,000 rows.
    let zero = "0".repeat(64);
    for start in (0..files).step_by(50_000) {
        let mut tx = db.begin().await.map_err(e)?;
        let rows: Vec<Vec<Value>> = (start..(start + 50_000).min(files))
            .map(|f| {
                let client = &client_ids[f % clients.max(1)];
                let name = format!("Beleg-{f:06}.pdf");
                vec![
                    t(new_id()),
                    t(org.clone()),
                    t(client.clone()),
                    t("received"),
                    t(name.clone()),
                    t(name.to_lowercase()),
                    Value::I(1),
                    Value::I(100_000 + (f as i64 % 1000) * 1000),
                    t("application/pdf"),
                    t(zero.clone()),
                    t("-"),
                    t("-"),
                    t("clean"),
                    t(if f % 10 == 0 { "neu" } else { "geprueft" }),
                    Value::I(now - (f as i64 % (60 * 24)) * DAY / 24),
                ]
            })
            .collect();
        insert(
            &mut tx,
            "files",
            &[
                "id",
                "org_id",
                "client_id",
                "direction",
                "name",
                "name_key",
                "version",
                "size",
                "mime",
                "sha256",
                "wrapped_key",
                "nonce_prefix",
                "scan_state",
                "review_state",
                "created_at",
            ],
            &rows,
        )
        .await
        .map_err(e)?;
        tx.commit().await.map_err(e)?;
    }
    Ok(())
}

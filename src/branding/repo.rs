//! SQL of branding: colours and welcome text on the firm's row, the logo in `org_logos`.

use super::Brand;
use crate::server::db::Db;
use base64::{engine::general_purpose::STANDARD, Engine};
use sqlx::Row;

/// The firm's brand; `None` for an unknown firm.
pub async fn brand(db: &Db, org_id: &str) -> Result<Option<Brand>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT o.id, o.brand_primary, o.brand_accent, o.welcome_text, l.updated_at AS logo_at \
         FROM orgs o LEFT JOIN org_logos l ON l.org_id = o.id WHERE o.id = $1",
    )
    .bind(org_id)
    .fetch_optional(db)
    .await?;
    row.map(|r| brand_of(org_id, &r)).transpose()
}

/// The brand in a row of `orgs` with `org_logos.updated_at AS logo_at` joined.
pub fn brand_of(org_id: &str, r: &sqlx::any::AnyRow) -> Result<Brand, sqlx::Error> {
    let logo_at: Option<i64> = r.try_get("logo_at")?;
    let (primary, accent): (String, String) =
        (r.try_get("brand_primary")?, r.try_get("brand_accent")?);
    // The version is the colours themselves: new colours, new URL.
    let version = format!("{primary}{accent}").replace('#', "");
    Ok(Brand {
        theme_url: (!version.is_empty()).then(|| format!("/brand/{org_id}/theme.css?v={version}")),
        primary,
        accent,
        welcome: r.try_get("welcome_text")?,
        logo_url: logo_at.map(|at| format!("/brand/{org_id}/logo?v={at}")),
    })
}

pub async fn save(
    db: &Db,
    org_id: &str,
    primary: &str,
    accent: &str,
    welcome: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE orgs SET brand_primary = $2, brand_accent = $3, welcome_text = $4 WHERE id = $1",
    )
    .bind(org_id)
    .bind(primary)
    .bind(accent)
    .bind(welcome)
    .execute(db)
    .await?;
    Ok(())
}

/// The logo: content type and bytes.
pub async fn logo(db: &Db, org_id: &str) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query("SELECT content_type, data FROM org_logos WHERE org_id = $1")
        .bind(org_id)
        .fetch_optional(db)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let data: String = r.try_get("data")?;
    Ok(STANDARD
        .decode(data)
        .ok()
        .map(|bytes| (r.get("content_type"), bytes)))
}

pub async fn set_logo(
    db: &Db,
    org_id: &str,
    content_type: &str,
    bytes: &[u8],
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM org_logos WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO org_logos (org_id, content_type, data, updated_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(org_id)
    .bind(content_type)
    .bind(STANDARD.encode(bytes))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub async fn remove_logo(db: &Db, org_id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM org_logos WHERE org_id = $1")
        .bind(org_id)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

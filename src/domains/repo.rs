//! SQL of firm domains.

use crate::server::db::Db;
use sqlx::Row;

/// The firm that entered this domain, and whether it is verified.
pub async fn org_of_domain(db: &Db, host: &str) -> Result<Option<(String, bool)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, domain_verified_at FROM orgs WHERE portal_domain = $1 AND portal_domain <> ''",
    )
    .bind(host)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        let at: Option<i64> = r.try_get("domain_verified_at")?;
        Ok((r.try_get("id")?, at.is_some()))
    })
    .transpose()
}

pub struct Domain {
    pub domain: String,
    pub token: String,
    pub verified: bool,
    pub public: bool,
}

pub async fn domain(db: &Db, org_id: &str) -> Result<Domain, sqlx::Error> {
    let r = sqlx::query(
        "SELECT portal_domain, domain_token, domain_verified_at, portal_public FROM orgs WHERE id = $1",
    )
    .bind(org_id)
    .fetch_one(db)
    .await?;
    Ok(Domain {
        domain: r.try_get("portal_domain")?,
        token: r.try_get("domain_token")?,
        verified: r.try_get::<Option<i64>, _>("domain_verified_at")?.is_some(),
        public: r.try_get::<i64, _>("portal_public")? == 1,
    })
}

/// Enters a new domain (unverified, with a fresh challenge token); `false` when another firm
/// has it. An empty domain removes it (and makes the portal public again).
pub async fn set_domain(
    db: &Db,
    org_id: &str,
    domain: &str,
    token: &str,
) -> Result<bool, sqlx::Error> {
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orgs WHERE portal_domain = $1 AND id <> $2 AND portal_domain <> ''",
    )
    .bind(domain)
    .bind(org_id)
    .fetch_one(db)
    .await?;
    if taken > 0 {
        return Ok(false);
    }
    let r = sqlx::query(
        "UPDATE orgs SET portal_domain = $2, domain_token = $3, domain_verified_at = NULL, \
         portal_public = CASE WHEN $2 = '' THEN 1 ELSE portal_public END WHERE id = $1",
    )
    .bind(org_id)
    .bind(domain)
    .bind(token)
    .execute(db)
    .await;
    match r {
        Ok(_) => Ok(true),
        // Two firms entering the same domain at once: the unique index decides.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn mark_verified(
    db: &Db,
    org_id: &str,
    domain: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orgs SET domain_verified_at = $3 WHERE id = $1 AND portal_domain = $2")
        .bind(org_id)
        .bind(domain)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_public(db: &Db, org_id: &str, public: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orgs SET portal_public = $2 WHERE id = $1")
        .bind(org_id)
        .bind(public as i64)
        .execute(db)
        .await?;
    Ok(())
}

/// The challenge token the firm with this (pending or verified) domain expects.
pub async fn token_of_domain(db: &Db, host: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT domain_token FROM orgs WHERE portal_domain = $1 AND portal_domain <> ''",
    )
    .bind(host)
    .fetch_optional(db)
    .await
}

/// The base URL of the firm's client-facing links: its verified domain, else the main URL.
pub async fn base_url(st: &crate::server::AppState, org_id: &str) -> Result<String, sqlx::Error> {
    let d = domain(&st.db, org_id).await?;
    Ok(base_url_for(st, if d.verified { &d.domain } else { "" }))
}

/// The base URL for a firm whose verified own domain is `own_domain` (empty: none).
pub fn base_url_for(st: &crate::server::AppState, own_domain: &str) -> String {
    if own_domain.is_empty() {
        st.config.public_url().to_string()
    } else {
        format!("{}://{}", st.config.domains.scheme, own_domain)
    }
}

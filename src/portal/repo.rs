//! SQL of the client portal: the firm's settings, clients' access, magic links and sessions.

use super::domain::{Grant, LinkState, Methods};
use super::{ClientAccess, PortalSettings};
use crate::server::db::{new_id, Db};
use sqlx::Row;

pub async fn settings(db: &Db, org_id: &str) -> Result<PortalSettings, sqlx::Error> {
    let r = sqlx::query(
        "SELECT portal_methods, portal_grant, magic_link_minutes, client_mail_footer, mail_message_text \
         FROM orgs WHERE id = $1",
    )
    .bind(org_id)
    .fetch_one(db)
    .await?;
    settings_of(&r)
}

fn settings_of(r: &sqlx::any::AnyRow) -> Result<PortalSettings, sqlx::Error> {
    Ok(PortalSettings {
        methods: Methods::from_db(&r.try_get::<String, _>("portal_methods")?),
        grant: Grant::parse(&r.try_get::<String, _>("portal_grant")?).unwrap_or_default(),
        link_minutes: r.try_get("magic_link_minutes")?,
        mail_footer: r.try_get("client_mail_footer")?,
        message_text: r.try_get::<i64, _>("mail_message_text")? != 0,
    })
}

/// What every portal page shows of the firm, in one query: its portal settings, its brand and
/// whether it shows hours in the portal.
#[derive(Clone)]
pub struct PortalFrame {
    pub settings: PortalSettings,
    pub brand: crate::branding::Brand,
    pub hours_in_portal: bool,
    /// File types the firm accepts (empty: all).
    pub allowed_types: Vec<String>,
    /// The firm's own portal domain, once verified (else empty).
    pub own_domain: String,
}

pub async fn frame(db: &Db, org_id: &str) -> Result<PortalFrame, sqlx::Error> {
    let r = sqlx::query(
        "SELECT o.portal_methods, o.portal_grant, o.magic_link_minutes, o.client_mail_footer, \
         o.mail_message_text, o.hours_in_portal, o.brand_primary, o.brand_accent, o.welcome_text, \
         o.allowed_types, o.portal_domain, o.domain_verified_at, \
         l.updated_at AS logo_at FROM orgs o LEFT JOIN org_logos l ON l.org_id = o.id WHERE o.id = $1",
    )
    .bind(org_id)
    .fetch_one(db)
    .await?;
    Ok(PortalFrame {
        settings: settings_of(&r)?,
        brand: crate::branding::repo::brand_of(org_id, &r)?,
        hours_in_portal: r.try_get::<i64, _>("hours_in_portal")? == 1,
        allowed_types: crate::orgs::repo::types_of(&r.try_get::<String, _>("allowed_types")?),
        own_domain: match r.try_get::<Option<i64>, _>("domain_verified_at")? {
            Some(_) => r.try_get("portal_domain")?,
            None => String::new(),
        },
    })
}

/// Saves the settings; switching to "all clients" grants access to every existing client.
pub async fn save_settings(db: &Db, org_id: &str, s: &PortalSettings) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE orgs SET portal_methods = $2, portal_grant = $3, magic_link_minutes = $4, client_mail_footer = $5, \
         mail_message_text = $6 WHERE id = $1",
    )
    .bind(org_id)
    .bind(s.methods.to_db())
    .bind(s.grant.as_str())
    .bind(s.link_minutes)
    .bind(&s.mail_footer)
    .bind(s.message_text as i64)
    .execute(&mut *tx)
    .await?;
    if s.grant == Grant::All {
        sqlx::query("UPDATE clients SET portal_access = 1 WHERE org_id = $1 AND portal_access = 0")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

pub async fn client_access(
    db: &Db,
    org_id: &str,
    client_id: &str,
    now: i64,
) -> Result<Option<ClientAccess>, sqlx::Error> {
    let Some(r) = sqlx::query(
        "SELECT k.portal_access, k.email_lower, k.portal_secret_hash, k.portal_password_hash, o.portal_methods, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM portal_sessions s WHERE s.client_id = k.id AND s.expires_at > $3) AS sessions \
         FROM clients k JOIN orgs o ON o.id = k.org_id WHERE k.org_id = $1 AND k.id = $2",
    )
    .bind(org_id)
    .bind(client_id)
    .bind(now)
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(ClientAccess {
        access: r.try_get::<i64, _>("portal_access")? != 0,
        has_email: !r.try_get::<String, _>("email_lower")?.is_empty(),
        sessions: r.try_get("sessions")?,
        has_secret: r
            .try_get::<Option<String>, _>("portal_secret_hash")?
            .is_some(),
        has_password: r
            .try_get::<Option<String>, _>("portal_password_hash")?
            .is_some(),
        methods: Methods::from_db(&r.try_get::<String, _>("portal_methods")?),
    }))
}

/// Grants or revokes access; revoking ends the client's sessions in the same transaction.
/// `false` when there is no such client in this firm.
pub async fn set_access(
    db: &Db,
    org_id: &str,
    client_id: &str,
    on: bool,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let n = sqlx::query("UPDATE clients SET portal_access = $3 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(client_id)
        .bind(on as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if !on {
        sqlx::query("DELETE FROM portal_sessions WHERE org_id = $1 AND client_id = $2")
            .bind(org_id)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// Ends every portal session of the client. Returns how many there were.
pub async fn end_sessions(db: &Db, org_id: &str, client_id: &str) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM portal_sessions WHERE org_id = $1 AND client_id = $2")
            .bind(org_id)
            .bind(client_id)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// Sets (or with `None` removes) the client's secret link. `false`: no such client.
pub async fn set_secret(
    db: &Db,
    org_id: &str,
    client_id: &str,
    hash: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let n = sqlx::query("UPDATE clients SET portal_secret_hash = $3 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(client_id)
        .bind(hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // Sessions opened with the old link end with it.
    sqlx::query(
        "DELETE FROM portal_sessions WHERE org_id = $1 AND client_id = $2 AND method = 'secret'",
    )
    .bind(org_id)
    .bind(client_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(n == 1)
}

/// Sets the password of the main contact (`contact_id` `None`) or of a further contact.
pub async fn set_password(
    db: &Db,
    org_id: &str,
    client_id: &str,
    contact_id: Option<&str>,
    hash: &str,
) -> Result<(), sqlx::Error> {
    match contact_id {
        None => {
            sqlx::query(
                "UPDATE clients SET portal_password_hash = $3 WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id)
            .bind(client_id)
            .bind(hash)
            .execute(db)
            .await?
        }
        Some(c) => {
            sqlx::query(
                "UPDATE client_contacts SET password_hash = $4 WHERE org_id = $1 AND client_id = $2 AND id = $3",
            )
            .bind(org_id)
            .bind(client_id)
            .bind(c)
            .bind(hash)
            .execute(db)
            .await?
        }
    };
    Ok(())
}

/// The client's further contacts, by name.
pub async fn contacts(
    db: &Db,
    org_id: &str,
    client_id: &str,
) -> Result<Vec<super::Contact>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, email_lower, rights FROM client_contacts \
         WHERE org_id = $1 AND client_id = $2 ORDER BY name, id",
    )
    .bind(org_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(super::Contact {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                email: r.try_get("email_lower")?,
                rights: super::Rights::from_db(&r.try_get::<String, _>("rights")?),
            })
        })
        .collect()
}

pub enum ContactSaved {
    Saved(String),
    /// The address is the client's own or another contact's.
    Taken,
    NotFound,
}

pub struct ContactInput<'a> {
    /// `None`: a new contact.
    pub id: Option<&'a str>,
    pub name: &'a str,
    /// Lower-cased; only for a new contact (an address is not changed, a new contact is made).
    pub email: &'a str,
    pub rights: &'a super::Rights,
}

/// Adds a contact or changes one's name and rights.
pub async fn save_contact(
    db: &Db,
    org_id: &str,
    client_id: &str,
    c: &ContactInput<'_>,
    now: i64,
) -> Result<ContactSaved, sqlx::Error> {
    let (id, name, email, rights) = (c.id, c.name, c.email, c.rights);
    if let Some(id) = id {
        let n = sqlx::query(
            "UPDATE client_contacts SET name = $4, rights = $5 WHERE org_id = $1 AND client_id = $2 AND id = $3",
        )
        .bind(org_id)
        .bind(client_id)
        .bind(id)
        .bind(name)
        .bind(rights.to_db())
        .execute(db)
        .await?
        .rows_affected();
        return Ok(match n {
            1 => ContactSaved::Saved(id.to_string()),
            _ => ContactSaved::NotFound,
        });
    }
    let main: Option<String> =
        sqlx::query_scalar("SELECT email_lower FROM clients WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(client_id)
            .fetch_optional(db)
            .await?;
    match main {
        None => return Ok(ContactSaved::NotFound),
        Some(m) if m == email => return Ok(ContactSaved::Taken),
        Some(_) => {}
    }
    let id = new_id();
    let r = sqlx::query(
        "INSERT INTO client_contacts (id, org_id, client_id, name, email_lower, rights, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(client_id)
    .bind(name)
    .bind(email)
    .bind(rights.to_db())
    .bind(now)
    .execute(db)
    .await;
    match r {
        Ok(_) => Ok(ContactSaved::Saved(id)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(ContactSaved::Taken),
        Err(e) => Err(e),
    }
}

/// Removes a contact; their portal sessions end with it (see `session`). The contact's name
/// for the audit trail, if it existed.
pub async fn remove_contact(
    db: &Db,
    org_id: &str,
    id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query(
        "DELETE FROM client_contacts WHERE org_id = $1 AND id = $2 RETURNING client_id, name",
    )
    .bind(org_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(|r| Ok((r.try_get("client_id")?, r.try_get("name")?)))
        .transpose()
}

/// The client a contact belongs to (for authorization before changing it).
pub async fn client_of_contact(
    db: &Db,
    org_id: &str,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT client_id FROM client_contacts WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A client one can sign in as — as its main contact or as one of its further contacts.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub org_id: String,
    pub client_id: String,
    pub client_name: String,
    pub firm_name: String,
    pub methods: Methods,
    pub link_minutes: i64,
    /// The main contact's or the further contact's own password.
    pub password_hash: Option<String>,
    /// The further contact signing in (`None`: the client's own address).
    pub contact_id: Option<String>,
}

const CANDIDATE: &str =
    "SELECT k.org_id, k.id, k.name, o.name AS firm_name, o.portal_methods, o.magic_link_minutes, \
     k.portal_password_hash, CAST(NULL AS TEXT) AS contact_id FROM clients k JOIN orgs o ON o.id = k.org_id";

/// The same columns for a client's further contacts (their own password).
const CONTACT_CANDIDATE: &str =
    "SELECT k.org_id, k.id, k.name, o.name AS firm_name, o.portal_methods, o.magic_link_minutes, \
     c.password_hash AS portal_password_hash, c.id AS contact_id \
     FROM client_contacts c JOIN clients k ON k.id = c.client_id JOIN orgs o ON o.id = k.org_id";

fn candidate(r: &sqlx::any::AnyRow) -> Result<Candidate, sqlx::Error> {
    Ok(Candidate {
        org_id: r.try_get("org_id")?,
        client_id: r.try_get("id")?,
        client_name: r.try_get("name")?,
        firm_name: r.try_get("firm_name")?,
        methods: Methods::from_db(&r.try_get::<String, _>("portal_methods")?),
        link_minutes: r.try_get("magic_link_minutes")?,
        password_hash: r.try_get("portal_password_hash")?,
        contact_id: r.try_get("contact_id")?,
    })
}

/// Clients with portal access whose address is `email` (lower-cased), in name order — of the
/// firm `site_org` on its own domain, else of the firms whose portal is public on the main one.
pub async fn candidates(
    db: &Db,
    email: &str,
    site_org: &str,
) -> Result<Vec<Candidate>, sqlx::Error> {
    let site = "k.portal_access = 1 AND (($2 = '' AND o.portal_public = 1) OR k.org_id = $2)";
    let rows = sqlx::query(&format!(
        "SELECT * FROM ({CANDIDATE} WHERE k.email_lower = $1 AND {site} \
         UNION ALL {CONTACT_CANDIDATE} WHERE c.email_lower = $1 AND k.email_lower <> $1 AND {site}) x \
         ORDER BY firm_name, name, id"
    ))
    .bind(email)
    .bind(site_org)
    .fetch_all(db)
    .await?;
    rows.iter().map(candidate).collect()
}

/// The client of a secret link (with access, in a firm offering secret links).
pub async fn by_secret(db: &Db, hash: &str) -> Result<Option<(Candidate, String)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "{CANDIDATE} WHERE k.portal_secret_hash = $1 AND k.portal_access = 1"
    ))
    .bind(hash)
    .fetch_optional(db)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let c = candidate(&r)?;
    if !c.methods.secret {
        return Ok(None);
    }
    let email: String = sqlx::query_scalar("SELECT email_lower FROM clients WHERE id = $1")
        .bind(&c.client_id)
        .fetch_one(db)
        .await?;
    Ok(Some((c, email)))
}

pub async fn create_link(
    db: &Db,
    email: &str,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO portal_links (id, email, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(new_id())
    .bind(email)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// What a magic link is, without using it.
pub async fn link_state(db: &Db, token_hash: &str, now: i64) -> Result<LinkState, sqlx::Error> {
    let row = sqlx::query("SELECT used_at, expires_at FROM portal_links WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db)
        .await?;
    Ok(match row {
        None => LinkState::Unknown,
        Some(r) => super::domain::link_state(r.try_get("used_at")?, r.try_get("expires_at")?, now),
    })
}

/// Uses a magic link: exactly one caller gets its address, whoever comes second finds it used.
pub async fn use_link(
    db: &Db,
    token_hash: &str,
    now: i64,
) -> Result<Result<String, LinkState>, sqlx::Error> {
    let email: Option<String> = sqlx::query_scalar(
        "UPDATE portal_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
         RETURNING email",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    match email {
        Some(e) => Ok(Ok(e)),
        None => Ok(Err(link_state(db, token_hash, now).await?)),
    }
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub email: &'a str,
    pub method: &'a str,
    pub client: Option<(&'a str, &'a str)>,
    pub now: i64,
    pub expires_at: i64,
    pub user_agent: &'a str,
    pub ip: &'a str,
}

pub async fn create_session(db: &Db, s: &NewSession<'_>) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO portal_sessions (id, token_hash, email, method, org_id, client_id, created_at, last_seen_at, \
         expires_at, user_agent, ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(s.token_hash)
    .bind(s.email)
    .bind(s.method)
    .bind(s.client.map(|c| c.0))
    .bind(s.client.map(|c| c.1))
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.user_agent)
    .bind(s.ip)
    .execute(db)
    .await?;
    Ok(id)
}

/// A portal session as every portal request sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub email: String,
    pub method: String,
    /// (org, client) once chosen — and only while the client still has access.
    pub client: Option<(String, String)>,
    pub client_name: String,
    pub firm_name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// What the person may do: all for the client's own address, a further contact's rights.
    pub rights: super::Rights,
    /// The further contact signed in (`None`: the client's own address).
    pub contact_id: Option<String>,
    /// Whether the person signed in (the client, or the contact) has a portal password.
    pub has_password: bool,
}

/// The session of a cookie token. A session whose client lost access counts as none, and so
/// does one whose address is no longer the client's or one of its contacts'.
pub async fn session(db: &Db, token_hash: &str) -> Result<Option<Session>, sqlx::Error> {
    let Some(r) = sqlx::query(
        "SELECT s.id, s.email, s.method, s.org_id, s.client_id, s.created_at, s.last_seen_at, s.expires_at, \
         k.name AS client_name, k.portal_access, k.email_lower AS main_email, o.name AS firm_name, \
         c.id AS contact_id, c.rights, \
         CAST(CASE WHEN k.portal_password_hash IS NULL THEN 0 ELSE 1 END AS BIGINT) AS client_password, \
         CAST(CASE WHEN c.password_hash IS NULL THEN 0 ELSE 1 END AS BIGINT) AS contact_password \
         FROM portal_sessions s LEFT JOIN clients k ON k.id = s.client_id AND k.org_id = s.org_id \
         LEFT JOIN orgs o ON o.id = s.org_id \
         LEFT JOIN client_contacts c ON c.client_id = s.client_id AND c.email_lower = s.email \
         WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let org: Option<String> = r.try_get("org_id")?;
    let client: Option<String> = r.try_get("client_id")?;
    let email: String = r.try_get("email")?;
    let mut rights = super::Rights::all();
    let mut contact_id = None;
    let client = match (org, client) {
        (Some(o), Some(c)) => {
            if r.try_get::<Option<i64>, _>("portal_access")? != Some(1) {
                return Ok(None);
            }
            // A secret link stands for the client itself; otherwise the address decides.
            let main = r.try_get::<Option<String>, _>("main_email")?.as_deref() == Some(&email);
            let method: String = r.try_get("method")?;
            if !main && method != "secret" {
                contact_id = r.try_get::<Option<String>, _>("contact_id")?;
                if contact_id.is_none() {
                    return Ok(None);
                }
                rights = super::Rights::from_db(
                    &r.try_get::<Option<String>, _>("rights")?
                        .unwrap_or_default(),
                );
            }
            Some((o, c))
        }
        _ => None,
    };
    let has_password = match contact_id {
        None => r.try_get::<i64, _>("client_password")? == 1,
        Some(_) => r.try_get::<i64, _>("contact_password")? == 1,
    };
    Ok(Some(Session {
        has_password,
        rights,
        contact_id,
        id: r.try_get("id")?,
        email,
        method: r.try_get("method")?,
        client,
        client_name: r
            .try_get::<Option<String>, _>("client_name")?
            .unwrap_or_default(),
        firm_name: r
            .try_get::<Option<String>, _>("firm_name")?
            .unwrap_or_default(),
        created_at: r.try_get("created_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
        expires_at: r.try_get("expires_at")?,
    }))
}

pub async fn touch_session(db: &Db, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE portal_sessions SET last_seen_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Binds a session to one client (after choosing) with a fresh token.
pub async fn choose(
    db: &Db,
    id: &str,
    org_id: &str,
    client_id: &str,
    token_hash: &str,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE portal_sessions SET org_id = $2, client_id = $3, token_hash = $4, expires_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(org_id)
    .bind(client_id)
    .bind(token_hash)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM portal_sessions WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes used or expired magic links and ended sessions (housekeeping).
pub async fn prune(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let links = sqlx::query("DELETE FROM portal_links WHERE expires_at <= $1 - 86400000")
        .bind(now)
        .execute(db)
        .await?
        .rows_affected();
    let sessions = sqlx::query("DELETE FROM portal_sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?
        .rows_affected();
    Ok(links + sessions)
}

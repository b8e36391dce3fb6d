//! Server functions of the firm's own domain (owners only) and the public question which firm
//! a portal page is for.

use super::DomainView;
use crate::error::AppError;
use leptos::prelude::*;

/// The firm a page on its own domain belongs to: its name and look.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SiteFirm {
    pub firm_name: String,
    pub brand: crate::branding::Brand,
}

#[cfg(feature = "ssr")]
fn view_of(st: &crate::server::AppState, d: super::repo::Domain) -> DomainView {
    DomainView {
        domain: d.domain,
        verified: d.verified,
        target: super::site::main_host(st),
        challenge_path: super::CHALLENGE_PATH.into(),
        public: d.public,
    }
}

#[server(prefix = "/api", endpoint = "load_domain")]
pub async fn load_domain() -> Result<DomainView, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let st = &me.req.state;
            Ok(view_of(st, super::repo::domain(&st.db, me.org_id()).await?))
        }
        .await,
    )
}

/// Enters the firm's domain (to be verified next), or removes it (empty).
#[server(prefix = "/api", endpoint = "save_domain")]
pub async fn save_domain(domain: Option<String>) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let (st, t) = (&me.req.state, me.t());
            let input = domain.unwrap_or_default();
            let domain = if input.trim().is_empty() {
                String::new()
            } else {
                super::normalize_domain(&input, &super::site::main_host(st)).map_err(|p| {
                    let message = match p {
                        super::DomainProblem::Invalid => t.domain_invalid,
                        super::DomainProblem::Main => t.domain_is_main,
                    };
                    AppError::invalid("domain", message)
                })?
            };
            let token = if domain.is_empty() {
                String::new()
            } else {
                crate::server::tokens::new_token()
            };
            if !super::repo::set_domain(&st.db, me.org_id(), &domain, &token).await? {
                return Err(AppError::invalid("domain", t.domain_taken));
            }
            me.audit(None, crate::audit::action::ORG_DOMAIN_CHANGED, &domain)
                .await
        }
        .await,
    )
}

/// Checks the domain: asks it over HTTP for the challenge; the right token proves its DNS
/// points here.
#[server(prefix = "/api", endpoint = "verify_domain")]
pub async fn verify_domain() -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let (st, t) = (&me.req.state, me.t());
            let d = super::repo::domain(&st.db, me.org_id()).await?;
            if d.domain.is_empty() {
                return Err(AppError::invalid("domain", t.domain_none));
            }
            let failed = |why: String| {
                AppError::invalid(
                    "domain",
                    crate::i18n::fill(t.domain_check_failed, &[("why", &why)]),
                )
            };
            let mut client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none());
            let resolve_to = match st.config.domains.resolve_to.as_str() {
                "listen" => Some(st.config.server.listen),
                other => other.parse::<std::net::SocketAddr>().ok(),
            };
            if let Some(addr) = resolve_to {
                client = client.resolve(&d.domain, addr);
            }
            let client = client.build().map_err(|_| AppError::Internal)?;
            let url = format!("http://{}{}", d.domain, super::CHALLENGE_PATH);
            let answer = client
                .get(&url)
                .send()
                .await
                .map_err(|e| failed(e.without_url().to_string()))?;
            let status = answer.status();
            let body = answer.text().await.unwrap_or_default();
            if !status.is_success() || body.trim() != d.token {
                return Err(failed(format!("HTTP {}", status.as_u16())));
            }
            super::repo::mark_verified(&st.db, me.org_id(), &d.domain, crate::server::db::now_ms())
                .await?;
            me.audit(None, crate::audit::action::ORG_DOMAIN_VERIFIED, &d.domain)
                .await
        }
        .await,
    )
}

/// "Öffentlichkeitsmodus": whether the firm's clients may sign in on the main domain too.
/// Private needs a verified own domain (else they could sign in nowhere).
#[server(prefix = "/api", endpoint = "save_public_mode")]
pub async fn save_public_mode(public: Option<String>) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let st = &me.req.state;
            let public = public.is_some_and(|v| !matches!(v.as_str(), "" | "false" | "off"));
            if !public && !super::repo::domain(&st.db, me.org_id()).await?.verified {
                return Err(AppError::invalid(
                    "public",
                    me.t().domain_private_needs_domain,
                ));
            }
            super::repo::set_public(&st.db, me.org_id(), public).await?;
            me.audit(
                None,
                crate::audit::action::ORG_PUBLIC_MODE,
                if public { "public" } else { "private" },
            )
            .await
        }
        .await,
    )
}

/// Public. On a firm's own domain: which firm (name and look) the portal pages are for.
#[server(prefix = "/api", endpoint = "portal_site")]
pub async fn portal_site() -> Result<Option<SiteFirm>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            let org = req.site_org();
            if org.is_empty() {
                return Ok(None);
            }
            let firm_name: String = sqlx::query_scalar("SELECT name FROM orgs WHERE id = $1")
                .bind(org)
                .fetch_one(&req.state.db)
                .await?;
            let brand = crate::branding::repo::brand(&req.state.db, org)
                .await?
                .unwrap_or_default();
            Ok(Some(SiteFirm { firm_name, brand }))
        }
        .await,
    )
}

//! Server functions of the firm and its team. Each authorizes first (`staff(permission)`),
//! then works only inside the caller's org.

use super::TeamOverview;
use crate::error::AppError;
use leptos::prelude::*;

/// Result of an invitation: the link is shown once to the inviter, so it can be passed on
/// even when no mail server is configured.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InviteCreated {
    pub email: String,
    pub link: String,
}

/// What the invitation page shows before the account is created.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InviteInfo {
    pub org_name: String,
    pub email: String,
}

#[server(prefix = "/api", endpoint = "load_team")]
pub async fn load_team() -> Result<TeamOverview, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(super::domain::Permission::ViewClients).await?;
            let db = &me.req.state.db;
            let org = me.org_id();
            Ok(TeamOverview {
                members: super::repo::members(db, org).await?,
                invites: super::repo::pending_invites(db, org, crate::server::db::now_ms()).await?,
                plan: me.user.plan,
                client_count: crate::clients::repo::count(db, org).await?,
                firm_name: me.user.org_name.clone(),
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "invite_member")]
pub async fn invite_member(email: String, role: String) -> Result<InviteCreated, AppError> {
    use crate::auth::ctx::*;
    use crate::i18n::fill;
    finish(
        async {
            let me = staff(super::domain::Permission::ManageTeam).await?;
            let t = me.t();
            let email = crate::validate::clean_email(&email, true)
                .map_err(|p| AppError::invalid("email", crate::validate::problem_message(t, p)))?
                .to_lowercase();
            let role = super::Role::parse(&role)
                .ok_or_else(|| AppError::invalid("role", t.role_forbidden))?;
            if !me.user.role.may_assign(role) {
                return Err(AppError::invalid("role", t.role_forbidden));
            }
            let db = &me.req.state.db;
            if super::repo::email_in_use(db, &email).await? {
                return Err(AppError::invalid("email", t.email_taken));
            }
            let cfg = &me.req.state.config;
            let token = crate::server::tokens::new_token();
            let now = crate::server::db::now_ms();
            let hours = cfg.security.invite_valid_hours;
            super::repo::create_invite(
                db,
                me.org_id(),
                &super::repo::NewInvite {
                    email: &email,
                    role,
                    token_hash: &crate::server::tokens::hash_token(&token),
                    invited_by: &me.user.user_id,
                    now,
                    expires_at: now + hours * 3_600_000,
                },
            )
            .await?;
            let link = format!("{}/invite/{token}", cfg.public_url());
            me.audit(
                None,
                crate::audit::action::MEMBER_INVITED,
                &format!("{email} ({})", role.as_str()),
            )
            .await?;
            let org = &me.user.org_name;
            let mail = crate::server::mail::Mail {
                to: email.clone(),
                subject: fill(t.mail_invite_subject, &[("org", org)]),
                text: fill(
                    t.mail_invite_body,
                    &[
                        ("inviter", &me.user.name),
                        ("org", org),
                        ("hours", &hours.to_string()),
                        ("link", &link),
                    ],
                ),
                html: None,
                ..Default::default()
            };
            // The invitation exists and its link is shown to the inviter even if the mail fails.
            if let Err(e) = me.req.state.mailer.send(mail).await {
                tracing::warn!(error = %e, "invitation mail could not be sent");
            }
            Ok(InviteCreated { email, link })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "revoke_invite")]
pub async fn revoke_invite(invite_id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(super::domain::Permission::ManageTeam).await?;
            let db = &me.req.state.db;
            if !super::repo::revoke_invite(db, me.org_id(), &invite_id, crate::server::db::now_ms())
                .await?
            {
                return Err(AppError::NotFound);
            }
            me.audit(None, crate::audit::action::INVITE_REVOKED, "")
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "change_role")]
pub async fn change_role(user_id: String, role: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(super::domain::Permission::ManageTeam).await?;
            let t = me.t();
            let db = &me.req.state.db;
            let target = super::repo::member(db, me.org_id(), &user_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let role = super::Role::parse(&role)
                .ok_or_else(|| AppError::invalid("role", t.role_forbidden))?;
            if target.id == me.user.user_id {
                return Err(AppError::Forbidden(t.cannot_change_self.into()));
            }
            if !me.user.role.may_assign(target.role) || !me.user.role.may_assign(role) {
                return Err(AppError::Forbidden(t.role_forbidden.into()));
            }
            if role != super::Role::Owner
                && target.active
                && super::domain::would_orphan_firm(
                    target.role,
                    super::repo::active_owner_count(db, me.org_id()).await?,
                )
            {
                return Err(AppError::Conflict(t.last_owner.into()));
            }
            super::repo::set_role(db, me.org_id(), &user_id, role).await?;
            me.audit(
                None,
                crate::audit::action::MEMBER_ROLE_CHANGED,
                &format!(
                    "{}: {} → {}",
                    target.email,
                    target.role.as_str(),
                    role.as_str()
                ),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// Deactivates (sessions end at once) or reactivates a team member.
#[server(prefix = "/api", endpoint = "set_member_active")]
pub async fn set_member_active(user_id: String, active: bool) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(super::domain::Permission::ManageTeam).await?;
            let t = me.t();
            let db = &me.req.state.db;
            let target = super::repo::member(db, me.org_id(), &user_id)
                .await?
                .ok_or(AppError::NotFound)?;
            if target.id == me.user.user_id {
                return Err(AppError::Forbidden(t.cannot_change_self.into()));
            }
            if !me.user.role.may_assign(target.role) {
                return Err(AppError::Forbidden(t.role_forbidden.into()));
            }
            if !active
                && target.active
                && super::domain::would_orphan_firm(
                    target.role,
                    super::repo::active_owner_count(db, me.org_id()).await?,
                )
            {
                return Err(AppError::Conflict(t.last_owner.into()));
            }
            super::repo::set_active(db, me.org_id(), &user_id, active).await?;
            let action = if active {
                crate::audit::action::MEMBER_REACTIVATED
            } else {
                crate::audit::action::MEMBER_DEACTIVATED
            };
            me.audit(None, action, &target.email).await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "change_plan")]
pub async fn change_plan(plan: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(super::domain::Permission::ManageFirm).await?;
            let plan = super::Plan::parse(&plan)
                .ok_or_else(|| AppError::invalid("plan", me.t().err_internal))?;
            let db = &me.req.state.db;
            super::repo::set_plan(db, me.org_id(), plan).await?;
            me.audit(None, crate::audit::action::ORG_PLAN_CHANGED, plan.as_str())
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Public. What an invitation link leads to; `NotFound` for any unusable token.
#[server(prefix = "/api", endpoint = "load_invite")]
pub async fn load_invite(token: String) -> Result<InviteInfo, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            let invite = open_invite(&req, &token).await?;
            Ok(InviteInfo {
                org_name: invite.org_name,
                email: invite.email,
            })
        }
        .await,
    )
}

/// Public. Accepts an invitation: creates the account (single use) and signs it in.
#[server(prefix = "/api", endpoint = "accept_invite")]
pub async fn accept_invite(
    token: String,
    name: String,
    password: String,
    password_repeat: String,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            let t = req.t();
            let invite = open_invite(&req, &token).await?;
            let account = crate::auth::setup::check_account(
                t,
                &name,
                &invite.email,
                &password,
                Some(&password_repeat),
            )?;
            let hash = crate::server::passwords::hash_password(account.password.clone())
                .await
                .map_err(|_| AppError::Internal)?;
            let db = &req.state.db;
            let user_id = match super::repo::accept_invite(
                db,
                &invite,
                &account.name,
                &hash,
                crate::server::db::now_ms(),
            )
            .await
            {
                Ok(Some(id)) => id,
                Ok(None) => return Err(AppError::Conflict(t.invite_invalid.into())),
                Err(e) if crate::server::db::is_unique_violation(&e) => {
                    return Err(AppError::invalid("name", t.email_taken))
                }
                Err(e) => return Err(e.into()),
            };
            req.audit_as(
                &invite.org_id,
                &user_id,
                &account.name,
                crate::audit::action::MEMBER_JOINED,
                &invite.email,
            )
            .await?;
            crate::auth::api::start_session(&req, &user_id, &invite.org_id).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn open_invite(
    req: &crate::auth::ctx::Req,
    token: &str,
) -> Result<super::repo::OpenInvite, AppError> {
    use crate::server::tokens;
    if !tokens::looks_like_token(token) {
        return Err(AppError::NotFound);
    }
    super::repo::open_invite(
        &req.state.db,
        &tokens::hash_token(token),
        crate::server::db::now_ms(),
    )
    .await?
    .ok_or(AppError::NotFound)
}

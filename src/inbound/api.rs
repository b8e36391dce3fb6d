//! Server functions of held mails: staff who see the client read them (ViewClients); those who
//! may edit release one into its thread or discard it (EditClients).

use super::HeldMail;
use crate::error::AppError;
use leptos::prelude::*;

/// A received mail of a client the staff member sees, else `NotFound`.
#[cfg(feature = "ssr")]
async fn mail_of(me: &crate::auth::ctx::Staff, id: &str) -> Result<super::repo::Stored, AppError> {
    super::repo::get(&me.req.state.db, me.org_id(), id, me.viewer())
        .await?
        .ok_or(AppError::NotFound)
}

#[cfg(feature = "ssr")]
fn internal(e: String) -> AppError {
    tracing::error!(error = %e, "inbound mail");
    AppError::Internal
}

/// Mails held because their sender is no contact of the client, newest first.
#[server(prefix = "/api", endpoint = "list_held_mails")]
pub async fn list_held_mails() -> Result<Vec<HeldMail>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let st = &me.req.state;
            let mut out = Vec::new();
            for m in super::repo::held(&st.db, me.org_id(), me.viewer()).await? {
                let raw = super::open(st, &m).await.map_err(internal)?;
                let p = super::parse::parse(&raw);
                out.push(HeldMail {
                    id: m.id.clone(),
                    client_id: m.client_id.clone(),
                    client_name: m.client_name.clone(),
                    ticket: m.ticket_label.clone(),
                    from: m.from.clone(),
                    subject: m.subject.clone(),
                    text: p
                        .as_ref()
                        .map(|p| super::reply::extract(&p.text))
                        .unwrap_or_default(),
                    attachments: p
                        .map(|p| p.attachments.into_iter().map(|a| a.name).collect())
                        .unwrap_or_default(),
                    received_at: m.received_at,
                });
            }
            Ok(out)
        }
        .await,
    )
}

/// Staff vouch for a held mail: it is posted to its thread under the sender's address.
#[server(prefix = "/api", endpoint = "release_held_mail")]
pub async fn release_held_mail(id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let st = &me.req.state;
            let m = mail_of(&me, &id).await?;
            if !super::repo::take_held(&st.db, me.org_id(), &id).await? {
                return Err(AppError::Conflict(me.t().mail_not_held.into()));
            }
            let raw = super::open(st, &m).await.map_err(internal)?;
            let p = super::parse::parse(&raw).ok_or(AppError::Internal)?;
            super::post(
                st,
                &m.id,
                &m.org_id,
                &m.client_id,
                m.ticket_id.as_deref(),
                &m.from,
                &p,
            )
            .await
            .map_err(internal)?;
            me.audit(
                Some(&m.client_id),
                crate::audit::action::MAIL_RELEASED,
                &m.from,
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// Discards a held mail (its original is deleted).
#[server(prefix = "/api", endpoint = "discard_held_mail")]
pub async fn discard_held_mail(id: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::EditClients).await?;
            let st = &me.req.state;
            let m = mail_of(&me, &id).await?;
            if !super::repo::discard(&st.db, me.org_id(), &id).await? {
                return Err(AppError::Conflict(me.t().mail_not_held.into()));
            }
            me.audit(
                Some(&m.client_id),
                crate::audit::action::MAIL_DISCARDED,
                &m.from,
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

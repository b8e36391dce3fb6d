//! Server functions of the bell. Every member sees only their own notifications.

use super::NotificationView;
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "notification_count")]
pub async fn notification_count() -> Result<i64, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            Ok(super::repo::unread_count(&me.req.state.db, me.org_id(), &me.user.user_id).await?)
        }
        .await,
    )
}

/// The latest 50 notifications of the signed-in member, newest first.
#[server(prefix = "/api", endpoint = "list_notifications")]
pub async fn list_notifications() -> Result<Vec<NotificationView>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            Ok(super::repo::recent(&me.req.state.db, me.org_id(), &me.user.user_id, 50).await?)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read() -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            super::repo::mark_all_read(
                &me.req.state.db,
                me.org_id(),
                &me.user.user_id,
                crate::server::db::now_ms(),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

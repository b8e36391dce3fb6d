//! Server functions of branding. Owners only (ManageFirm).

use super::Brand;
use crate::error::AppError;
use leptos::prelude::*;

/// The firm's brand as the settings show it.
#[server(prefix = "/api", endpoint = "load_branding")]
pub async fn load_branding() -> Result<Brand, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            super::repo::brand(&me.req.state.db, me.org_id())
                .await?
                .ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// Colours ("#rrggbb", "#rgb" or empty for the app's own) and the welcome text.
#[server(prefix = "/api", endpoint = "save_branding")]
pub async fn save_branding(
    primary: Option<String>,
    accent: Option<String>,
    welcome: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let t = me.t();
            let colour = |field: &str, value: Option<String>| {
                let value = value.unwrap_or_default();
                if value.trim().is_empty() {
                    return Ok(String::new());
                }
                super::colour::parse(&value)
                    .map(|c| c.hex())
                    .ok_or_else(|| AppError::invalid(field, t.brand_colour_invalid))
            };
            let primary = colour("primary", primary)?;
            let accent = colour("accent", accent)?;
            let welcome = crate::validate::clean_text(
                welcome.as_deref().unwrap_or(""),
                super::WELCOME_MAX,
                false,
                true,
            )
            .map_err(|p| AppError::invalid("welcome", crate::validate::problem_message(t, p)))?;
            super::repo::save(&me.req.state.db, me.org_id(), &primary, &accent, &welcome).await?;
            me.audit(
                None,
                crate::audit::action::ORG_BRANDING_CHANGED,
                &format!("{primary} {accent}"),
            )
            .await
        }
        .await,
    )
}

/// A new logo, base64 of the file's bytes (PNG or SVG, at most 160 KiB, 2048 px a side; the base64 of that fits the server functions' 256 KiB body limit).
#[server(prefix = "/api", endpoint = "save_logo")]
pub async fn save_logo(data: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    use base64::{engine::general_purpose::STANDARD, Engine};
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let t = me.t();
            if data.len() > super::logo::MAX_BYTES * 4 / 3 + 8 {
                return Err(AppError::invalid("logo", t.brand_logo_too_big));
            }
            let bytes = STANDARD
                .decode(data.trim())
                .map_err(|_| AppError::invalid("logo", t.brand_logo_not_image))?;
            let logo = super::logo::sanitize(&bytes).map_err(|p| {
                use super::logo::Problem;
                let message = match p {
                    Problem::TooBig => t.brand_logo_too_big,
                    Problem::TooLarge => t.brand_logo_too_large,
                    Problem::NotAnImage => t.brand_logo_not_image,
                };
                AppError::invalid("logo", message)
            })?;
            let now = crate::server::db::now_ms();
            super::repo::set_logo(
                &me.req.state.db,
                me.org_id(),
                logo.content_type,
                &logo.bytes,
                now,
            )
            .await?;
            me.audit(
                None,
                crate::audit::action::ORG_LOGO_CHANGED,
                logo.content_type,
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "remove_logo")]
pub async fn remove_logo() -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            if super::repo::remove_logo(&me.req.state.db, me.org_id()).await? {
                me.audit(None, crate::audit::action::ORG_LOGO_CHANGED, "removed")
                    .await?;
            }
            Ok(())
        }
        .await,
    )
}

//! Two-factor sign-in for staff: setting it up (a QR code for the authenticator app, then one
//! code to confirm, then ten recovery codes shown once), the second step of signing in
//! (`/login/code`, after the password, with the step's token in an HttpOnly cookie), and
//! switching it off again (with a code).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the app needs to add the account: the QR code (SVG made by the server from the
/// otpauth URI) and the secret to type instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
    pub svg: String,
}

/// The cookie of the step between password and code.
pub const CHALLENGE_COOKIE: &str = "kp_2fa";
/// How long the code may take after the password.
pub const CHALLENGE_MS: i64 = 5 * 60_000;
/// Wrong codes per step before the password must be given again.
pub const CHALLENGE_ATTEMPTS: i64 = 5;

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::totp;
    use crate::error::AppError;
    use crate::server::AppState;
    use base64::{engine::general_purpose::STANDARD, Engine};
    use sqlx::Row;

    /// Whether the member signs in with a second factor.
    pub async fn enabled(db: &crate::server::db::Db, user_id: &str) -> Result<bool, sqlx::Error> {
        let n: Option<i64> = sqlx::query_scalar("SELECT confirmed FROM totp_keys WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?;
        Ok(n == Some(1))
    }

    /// The member's TOTP secret and last used step (`confirmed` or still being set up).
    async fn secret(
        st: &AppState,
        user_id: &str,
        confirmed: bool,
    ) -> Result<Option<(Vec<u8>, i64)>, AppError> {
        let row = sqlx::query(
            "SELECT wrapped_key, last_step FROM totp_keys WHERE id = $1 AND confirmed = $2",
        )
        .bind(user_id)
        .bind(confirmed as i64)
        .fetch_optional(&st.db)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let wrapped: String = r.try_get("wrapped_key")?;
        let raw = STANDARD.decode(wrapped).map_err(|_| AppError::Internal)?;
        let key = crate::crypto::unwrap_key(st.master_key.bytes(), &raw, user_id.as_bytes())
            .map_err(|_| AppError::Internal)?;
        Ok(Some((
            key[..totp::SECRET_LEN].to_vec(),
            r.try_get("last_step")?,
        )))
    }

    /// Checks a code of the member's app (each step once) or, failing that, one of their
    /// recovery codes (each once). `confirmed = false` checks the secret being set up.
    pub async fn check_code(
        st: &AppState,
        user_id: &str,
        code: &str,
        confirmed: bool,
    ) -> Result<bool, AppError> {
        let Some((secret, last)) = secret(st, user_id, confirmed).await? else {
            return Ok(false);
        };
        let now = totp::step_of(crate::server::db::now_ms() / 1000);
        if let Some(step) = totp::verify(&secret, code, now, last) {
            // Conditional: two requests with the same code cannot both pass.
            let n =
                sqlx::query("UPDATE totp_keys SET last_step = $2 WHERE id = $1 AND last_step < $2")
                    .bind(user_id)
                    .bind(step)
                    .execute(&st.db)
                    .await?
                    .rows_affected();
            return Ok(n == 1);
        }
        if !confirmed {
            return Ok(false);
        }
        let n = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(recovery_hash(code))
        .bind(crate::server::db::now_ms())
        .execute(&st.db)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    pub fn recovery_hash(code: &str) -> String {
        crate::server::tokens::hash_token(&totp::normalize_recovery(code))
    }

    fn random<const N: usize>() -> [u8; N] {
        use rand::RngCore;
        let mut b = [0u8; N];
        rand::rngs::OsRng.fill_bytes(&mut b);
        b
    }

    /// A new secret for the member (replacing one not yet confirmed).
    pub async fn start(st: &AppState, user_id: &str) -> Result<Vec<u8>, AppError> {
        let key = random::<{ crate::crypto::KEY_LEN }>();
        let wrapped = STANDARD.encode(crate::crypto::wrap_key(
            st.master_key.bytes(),
            &key,
            random::<12>(),
            user_id.as_bytes(),
        ));
        sqlx::query(
            "INSERT INTO totp_keys (id, wrapped_key, confirmed, last_step, created_at) VALUES ($1, $2, 0, 0, $3) \
             ON CONFLICT (id) DO UPDATE SET wrapped_key = excluded.wrapped_key, created_at = excluded.created_at \
             WHERE totp_keys.confirmed = 0",
        )
        .bind(user_id)
        .bind(wrapped)
        .bind(crate::server::db::now_ms())
        .execute(&st.db)
        .await?;
        Ok(key[..totp::SECRET_LEN].to_vec())
    }

    /// Makes the set-up secret the member's second factor and returns fresh recovery codes.
    pub async fn confirm(st: &AppState, user_id: &str) -> Result<Vec<String>, AppError> {
        let codes: Vec<String> = (0..totp::RECOVERY_CODES)
            .map(|_| totp::recovery_code(&random::<10>()))
            .collect();
        let mut tx = st.db.begin().await?;
        sqlx::query("UPDATE totp_keys SET confirmed = 1 WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for c in &codes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(recovery_hash(c))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(codes)
    }

    pub async fn disable(st: &AppState, user_id: &str) -> Result<(), sqlx::Error> {
        let mut tx = st.db.begin().await?;
        for q in [
            "DELETE FROM totp_keys WHERE id = $1",
            "DELETE FROM recovery_codes WHERE user_id = $1",
            "DELETE FROM login_challenges WHERE user_id = $1",
        ] {
            sqlx::query(q).bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// After a correct password of a member with a second factor: the step's token.
    pub async fn challenge(
        st: &AppState,
        user_id: &str,
        org_id: &str,
    ) -> Result<String, sqlx::Error> {
        let token = crate::server::tokens::new_token();
        let now = crate::server::db::now_ms();
        sqlx::query("DELETE FROM login_challenges WHERE expires_at <= $1")
            .bind(now)
            .execute(&st.db)
            .await?;
        sqlx::query(
            "INSERT INTO login_challenges (token_hash, user_id, org_id, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(crate::server::tokens::hash_token(&token))
        .bind(user_id)
        .bind(org_id)
        .bind(now + super::CHALLENGE_MS)
        .execute(&st.db)
        .await?;
        Ok(token)
    }
}

/// Whether the signed-in member has two-factor sign-in on.
#[server(prefix = "/api", endpoint = "two_factor_status")]
pub async fn two_factor_status() -> Result<bool, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff_enrolling().await?;
            Ok(server::enabled(&me.req.state.db, &me.user.user_id).await?)
        }
        .await,
    )
}

/// Starts setting it up: a new secret, its QR code and its text.
#[server(prefix = "/api", endpoint = "start_two_factor")]
pub async fn start_two_factor() -> Result<Enrolment, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff_enrolling().await?;
            let st = &me.req.state;
            if server::enabled(&st.db, &me.user.user_id).await? {
                return Err(AppError::invalid("code", me.t().tf_already_on));
            }
            let secret = server::start(st, &me.user.user_id).await?;
            let uri = super::totp::otpauth_uri(&secret, &me.user.org_name, &me.user.email);
            let svg = qrcode::QrCode::new(uri.as_bytes())
                .map_err(|_| AppError::Internal)?
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build();
            Ok(Enrolment {
                secret: super::totp::secret_text(&secret),
                uri,
                svg,
            })
        }
        .await,
    )
}

/// Confirms the set-up with a code of the app; answers the recovery codes (shown once).
#[server(prefix = "/api", endpoint = "confirm_two_factor")]
pub async fn confirm_two_factor(code: String) -> Result<Vec<String>, AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff_enrolling().await?;
            let st = &me.req.state;
            if !server::check_code(st, &me.user.user_id, &code, false).await? {
                return Err(AppError::invalid("code", me.t().tf_wrong_code));
            }
            let codes = server::confirm(st, &me.user.user_id).await?;
            me.audit(None, crate::audit::action::TWO_FACTOR_ENABLED, "")
                .await?;
            Ok(codes)
        }
        .await,
    )
}

/// Switches it off (a current code or a recovery code proves it is the member).
#[server(prefix = "/api", endpoint = "disable_two_factor")]
pub async fn disable_two_factor(code: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let st = &me.req.state;
            if crate::orgs::repo::requires_two_factor(&st.db, me.org_id()).await? {
                return Err(AppError::Conflict(me.t().tf_required_keep.into()));
            }
            if !server::check_code(st, &me.user.user_id, &code, true).await? {
                return Err(AppError::invalid("code", me.t().tf_wrong_code));
            }
            server::disable(st, &me.user.user_id).await?;
            me.audit(None, crate::audit::action::TWO_FACTOR_DISABLED, "")
                .await
        }
        .await,
    )
}

/// The second step of signing in: the code of the app (or a recovery code) for the member
/// whose password was just accepted.
#[server(prefix = "/api", endpoint = "login_code")]
pub async fn login_code(code: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let req = request().await?;
            let t = req.t();
            let st = &req.state;
            let now = crate::server::db::now_ms();
            let token = req
                .cookie(CHALLENGE_COOKIE)
                .filter(|t| crate::server::tokens::looks_like_token(t))
                .ok_or_else(|| AppError::invalid("code", t.tf_expired))?;
            let hash = crate::server::tokens::hash_token(&token);
            let row: Option<(String, String, i64)> = sqlx::query_as(
                "SELECT user_id, org_id, attempts FROM login_challenges WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(&hash)
            .bind(now)
            .fetch_optional(&st.db)
            .await?;
            let Some((user_id, org_id, attempts)) = row else {
                return Err(AppError::invalid("code", t.tf_expired));
            };
            if attempts >= CHALLENGE_ATTEMPTS {
                return Err(AppError::invalid("code", t.tf_expired));
            }
            if !server::check_code(st, &user_id, &code, true).await? {
                sqlx::query("UPDATE login_challenges SET attempts = attempts + 1 WHERE token_hash = $1")
                    .bind(&hash)
                    .execute(&st.db)
                    .await?;
                let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
                    .bind(&user_id)
                    .fetch_one(&st.db)
                    .await?;
                req.audit_as(&org_id, &user_id, &name, crate::audit::action::LOGIN_FAILED, "2fa")
                    .await?;
                return Err(AppError::invalid("code", t.tf_wrong_code));
            }
            // Single use: whoever deletes it signs in.
            let n = sqlx::query("DELETE FROM login_challenges WHERE token_hash = $1")
                .bind(&hash)
                .execute(&st.db)
                .await?
                .rows_affected();
            if n != 1 {
                return Err(AppError::invalid("code", t.tf_expired));
            }
            let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1 AND active = 1")
                .bind(&user_id)
                .fetch_optional(&st.db)
                .await?
                .ok_or_else(|| AppError::Forbidden(t.login_deactivated.into()))?;
            req.audit_as(&org_id, &user_id, &name, crate::audit::action::LOGIN, "2fa")
                .await?;
            req.set_cookie(CHALLENGE_COOKIE, "", Some(0), true);
            crate::auth::api::start_session(&req, &user_id, &org_id).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

use super::SettingsView;
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_settings")]
pub async fn load_settings() -> Result<SettingsView, AppError> {
    use crate::auth::ctx::*;
    use crate::orgs::domain::Permission;
    finish(
        async {
            let me = staff(Permission::ViewClients).await?;
            let db = &me.req.state.db;
            Ok(SettingsView {
                allowed_types: crate::orgs::repo::allowed_types(db, me.org_id())
                    .await?
                    .join(", "),
                can_edit_firm: me.user.role.may(Permission::ManageFirm),
                mail_pref: crate::notify::prefs::mode(
                    db,
                    &crate::notify::prefs::member(&me.user.user_id),
                    crate::notify::Event::Upload,
                )
                .await?,
                message_pref: crate::notify::prefs::mode(
                    db,
                    &crate::notify::prefs::member(&me.user.user_id),
                    crate::notify::Event::Message,
                )
                .await?,
                reminders: crate::cases::schedule::Schedule::from_db(
                    &sqlx::query_scalar::<_, String>(
                        "SELECT reminder_schedule FROM orgs WHERE id = $1",
                    )
                    .bind(me.org_id())
                    .fetch_one(db)
                    .await?,
                ),
                portal: if me.user.role.may(Permission::ManageFirm) {
                    Some(crate::portal::repo::settings(db, me.org_id()).await?)
                } else {
                    None
                },
                max_sessions: crate::orgs::repo::max_sessions(db, me.org_id()).await?,
                require_two_factor: crate::orgs::repo::requires_two_factor(db, me.org_id()).await?,
                retention_months: sqlx::query_scalar(
                    "SELECT retention_months FROM orgs WHERE id = $1",
                )
                .bind(me.org_id())
                .fetch_one(db)
                .await?,
            })
        }
        .await,
    )
}

/// A list of file types that does not parse, as the `allowed_types` field's message (the
/// firm's list in the settings and a requested document's list use the same words).
#[cfg(feature = "ssr")]
pub fn allow_list_error(t: &crate::i18n::T, e: crate::uploads::domain::AllowListError) -> AppError {
    use crate::uploads::domain::AllowListError;
    match e {
        AllowListError::NotAnExtension(entry) => AppError::invalid(
            "allowed_types",
            crate::i18n::fill(t.settings_file_types_invalid, &[("entry", &entry)]),
        ),
        AllowListError::TooMany => {
            AppError::invalid("allowed_types", t.settings_file_types_too_many)
        }
    }
}

/// Owners only. Sets the extensions clients may upload; empty allows every type.
#[server(prefix = "/api", endpoint = "save_file_types")]
pub async fn save_file_types(allowed_types: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    use crate::uploads::domain::parse_allow_list;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let t = me.t();
            let list = parse_allow_list(&allowed_types).map_err(|e| allow_list_error(t, e))?;
            crate::orgs::repo::set_allowed_types(&me.req.state.db, me.org_id(), &list).await?;
            me.audit(
                None,
                crate::audit::action::ORG_FILE_TYPES_CHANGED,
                &list.join(","),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// Every member for themselves: e-mail about new uploads (`mail_pref`) and messages of
/// clients (`message_pref`): at once, in the daily digest, or not at all.
#[server(prefix = "/api", endpoint = "save_mail_pref")]
pub async fn save_mail_pref(
    mail_pref: String,
    message_pref: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    use crate::notify::{prefs, Event, MailPref};
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ViewClients).await?;
            let parse = |field: &str, v: &str| {
                MailPref::parse(v).ok_or_else(|| AppError::invalid(field, me.t().err_internal))
            };
            let upload = parse("mail_pref", &mail_pref)?;
            let message = message_pref
                .as_deref()
                .map(|v| parse("message_pref", v))
                .transpose()?;
            let db = &me.req.state.db;
            let owner = prefs::member(&me.user.user_id);
            prefs::set_mode(db, &owner, Event::Upload, upload).await?;
            if let Some(m) = message {
                prefs::set_mode(db, &owner, Event::Message, m).await?;
            }
            Ok(())
        }
        .await,
    )
}

/// Owners only. When clients are reminded of required documents with a deadline.
#[server(prefix = "/api", endpoint = "save_reminder_schedule")]
pub async fn save_reminder_schedule(
    before: String,
    on_day: Option<String>,
    every: String,
    max_overdue: String,
) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    use crate::cases::schedule::{Schedule, ScheduleError};
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let t = me.t();
            let s = Schedule::from_form(&before, on_day.is_some(), &every, &max_overdue).map_err(
                |e| match e {
                    ScheduleError::BadDay(entry) => AppError::invalid(
                        "before",
                        crate::i18n::fill(t.settings_reminders_bad_day, &[("entry", &entry)]),
                    ),
                    ScheduleError::Every => {
                        AppError::invalid("every", t.settings_reminders_bad_every)
                    }
                    ScheduleError::MaxOverdue => {
                        AppError::invalid("max_overdue", t.settings_reminders_bad_max)
                    }
                },
            )?;
            sqlx::query("UPDATE orgs SET reminder_schedule = $2 WHERE id = $1")
                .bind(me.org_id())
                .bind(s.to_db())
                .execute(&me.req.state.db)
                .await?;
            me.audit(
                None,
                crate::audit::action::ORG_REMINDERS_CHANGED,
                &s.to_db(),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// Owners only. How many sessions each member may have at once (1–20); sessions already
/// beyond the new limit end on the member's next sign-in.
#[server(prefix = "/api", endpoint = "save_session_limit")]
pub async fn save_session_limit(max_sessions: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    use crate::auth::domain::MAX_SESSIONS_RANGE;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let max =
                crate::validate::number_in(&max_sessions, MAX_SESSIONS_RANGE).ok_or_else(|| {
                    AppError::invalid(
                        "max_sessions",
                        crate::i18n::fill(
                            me.t().settings_sessions_range,
                            &[
                                ("min", &MAX_SESSIONS_RANGE.start().to_string()),
                                ("max", &MAX_SESSIONS_RANGE.end().to_string()),
                            ],
                        ),
                    )
                })?;
            sqlx::query("UPDATE orgs SET max_sessions = $2 WHERE id = $1")
                .bind(me.org_id())
                .bind(max)
                .execute(&me.req.state.db)
                .await?;
            me.audit(
                None,
                crate::audit::action::ORG_SESSIONS_CHANGED,
                &max.to_string(),
            )
            .await
        }
        .await,
    )
}

/// Owners only. Requires two-factor sign-in of every member (or no longer). Members without it
/// can do nothing but set it up from their next request on. Owners switch it on only with
/// their own second factor in place.
#[server(prefix = "/api", endpoint = "save_two_factor_rule")]
pub async fn save_two_factor_rule(required: Option<String>) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let db = &me.req.state.db;
            let on = required.is_some_and(|v| !matches!(v.as_str(), "" | "false" | "off"));
            if on && !crate::auth::twofactor::server::enabled(db, &me.user.user_id).await? {
                return Err(AppError::invalid("required", me.t().tf_require_self_first));
            }
            sqlx::query("UPDATE orgs SET require_two_factor = $2 WHERE id = $1")
                .bind(me.org_id())
                .bind(on as i64)
                .execute(db)
                .await?;
            me.audit(
                None,
                crate::audit::action::ORG_TWO_FACTOR_RULE,
                if on { "required" } else { "optional" },
            )
            .await
        }
        .await,
    )
}

/// Owners only. After how many months archived cases are deleted (0: never; at most 120).
#[server(prefix = "/api", endpoint = "save_retention")]
pub async fn save_retention(retention_months: String) -> Result<(), AppError> {
    use crate::auth::ctx::*;
    use crate::cases::retention::MAX_MONTHS;
    finish(
        async {
            let me = staff(crate::orgs::domain::Permission::ManageFirm).await?;
            let months =
                crate::validate::number_in(&retention_months, 0..=MAX_MONTHS).ok_or_else(|| {
                    AppError::invalid(
                        "retention_months",
                        crate::i18n::fill(
                            me.t().settings_retention_range,
                            &[("max", &MAX_MONTHS.to_string())],
                        ),
                    )
                })?;
            sqlx::query("UPDATE orgs SET retention_months = $2 WHERE id = $1")
                .bind(me.org_id())
                .bind(months)
                .execute(&me.req.state.db)
                .await?;
            me.audit(
                None,
                crate::audit::action::ORG_RETENTION_CHANGED,
                &months.to_string(),
            )
            .await
        }
        .await,
    )
}

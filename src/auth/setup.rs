//! Creating a firm with its owner: shared by the first-run setup page and `create-admin`.

use crate::error::AppError;
use crate::i18n::{fill, T};
use crate::orgs::Plan;
use crate::server::db::{is_unique_violation, now_ms, Db};
use crate::validate::{clean_email, clean_text, problem_message};

pub const FIRM_MAX: usize = 200;
pub const PERSON_MAX: usize = 120;

/// Validated sign-up data (firm or invite acceptance), or the first field error.
pub struct Account {
    pub name: String,
    pub email: String,
    pub password: String,
}

pub fn check_account(
    t: &T,
    name: &str,
    email: &str,
    password: &str,
    password_repeat: Option<&str>,
) -> Result<Account, AppError> {
    let name = clean_text(name, PERSON_MAX, true, false)
        .map_err(|p| AppError::invalid("name", problem_message(t, p)))?;
    let email =
        clean_email(email, true).map_err(|p| AppError::invalid("email", problem_message(t, p)))?;
    check_password(t, password, password_repeat)?;
    Ok(Account {
        name,
        email: email.to_lowercase(),
        password: password.to_string(),
    })
}

pub fn check_password(t: &T, password: &str, repeat: Option<&str>) -> Result<(), AppError> {
    use super::domain::{check_new_password, PasswordProblem, PASSWORD_MAX, PASSWORD_MIN};
    check_new_password(password).map_err(|p| {
        let msg = match p {
            PasswordProblem::TooShort => {
                fill(t.pw_too_short, &[("min", &PASSWORD_MIN.to_string())])
            }
            PasswordProblem::TooLong => fill(t.pw_too_long, &[("max", &PASSWORD_MAX.to_string())]),
        };
        AppError::invalid("password", msg)
    })?;
    if repeat.is_some_and(|r| r != password) {
        return Err(AppError::invalid("password_repeat", t.pw_mismatch));
    }
    Ok(())
}

/// Creates the firm and its owner; returns (org id, user id).
pub async fn create_firm_checked(
    db: &Db,
    t: &T,
    firm: &str,
    account: &Account,
    plan: Plan,
) -> Result<(String, String), AppError> {
    let firm = clean_text(firm, FIRM_MAX, true, false)
        .map_err(|p| AppError::invalid("firm", problem_message(t, p)))?;
    let hash = crate::server::passwords::hash_password(account.password.clone())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })?;
    let owner = super::repo::NewOwner {
        org_name: &firm,
        name: &account.name,
        email: &account.email,
        password_hash: &hash,
        plan,
    };
    match super::repo::create_org_with_owner(db, &owner, now_ms()).await {
        Ok(ids) => Ok(ids),
        Err(e) if is_unique_violation(&e) => Err(AppError::invalid("email", t.email_taken)),
        Err(e) => Err(e.into()),
    }
}

/// `kundenportal create-admin`: same rules as the setup page, messages in English.
pub async fn create_firm(
    db: &Db,
    firm: &str,
    name: &str,
    email: &str,
    password: &str,
    plan: Plan,
) -> Result<(), String> {
    let t = crate::i18n::Lang::En.t();
    let result = async {
        let account = check_account(t, name, email, password, None)?;
        create_firm_checked(db, t, firm, &account, plan).await
    }
    .await;
    result.map(|_| ()).map_err(|e| match e {
        AppError::Invalid { field, message } => format!("{field}: {message}"),
        other => other.user_message(t),
    })
}

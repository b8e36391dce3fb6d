//! First-run setup and login pages. Plain forms posting to server functions: they work
//! without JavaScript and get inline errors and no reloads with it.

use crate::app::LanguageSwitch;
use crate::ui::{action_error, field_error, use_t, Field, FormError};
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn SetupPage() -> impl IntoView {
    let t = use_t();
    let needed = Resource::new_blocking(|| (), |_| super::api::setup_needed());
    let action = ServerAction::<super::api::SetupFirm>::new();
    let err = action_error(action);
    view! {
        <main class="center-page" id="main">
            <div class="card auth-card">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match needed.await {
                            Ok(false) => view! { <Redirect path="/login"/> }.into_any(),
                            _ => view! {
                                <h1>{t.setup_title}</h1>
                                <p class="muted">{t.setup_intro}</p>
                                <FormError error=err fields=&["firm", "name", "email", "password", "password_repeat"]/>
                                <ActionForm attr:novalidate=true action=action>
                                    <Field label=t.setup_firm name="firm" required=true autocomplete="organization" error=field_error(err, "firm")/>
                                    <Field label=t.setup_name name="name" required=true autocomplete="name" error=field_error(err, "name")/>
                                    <Field label=t.email name="email" kind="email" required=true autocomplete="email" error=field_error(err, "email")/>
                                    <Field label=t.password name="password" kind="password" required=true autocomplete="new-password" hint=t.password_hint error=field_error(err, "password")/>
                                    <Field label=t.password_repeat name="password_repeat" kind="password" required=true autocomplete="new-password" error=field_error(err, "password_repeat")/>
                                    <button class="btn btn-block" type="submit" aria-busy=move || action.pending().get().to_string()>{t.setup_submit}</button>
                                </ActionForm>
                            }.into_any(),
                        }
                    })}
                </Suspense>
                <div class="small mt"><LanguageSwitch/></div>
            </div>
        </main>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let t = use_t();
    let needed = Resource::new_blocking(|| (), |_| super::api::setup_needed());
    let action = ServerAction::<super::api::Login>::new();
    let err = action_error(action);
    view! {
        <main class="center-page" id="main">
            <div class="card auth-card">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match needed.await {
                            Ok(true) => view! { <Redirect path="/setup"/> }.into_any(),
                            _ => view! {
                                <h1>{t.login_title}</h1>
                                <p class="muted">{t.login_intro}</p>
                                <FormError error=err fields=&["email", "password"]/>
                                <ActionForm attr:novalidate=true action=action>
                                    <Field label=t.email name="email" kind="email" required=true autocomplete="username" error=field_error(err, "email")/>
                                    <Field label=t.password name="password" kind="password" required=true autocomplete="current-password" error=field_error(err, "password")/>
                                    <button class="btn btn-block" type="submit" aria-busy=move || action.pending().get().to_string()>{t.login_submit}</button>
                                </ActionForm>
                            }.into_any(),
                        }
                    })}
                </Suspense>
                <div class="small mt"><LanguageSwitch/></div>
            </div>
        </main>
    }
}

/// The signed-in member's sessions (settings page): device, IP, since when, last use; end one
/// or all others. The current one is marked and ended by signing out.
#[component]
pub fn SessionsCard() -> impl IntoView {
    let t = use_t();
    let lang = crate::ui::use_lang();
    let end = ServerAction::<super::api::EndMySession>::new();
    let others = ServerAction::<super::api::EndMyOtherSessions>::new();
    crate::ui::toast_on_success(end, t.sessions_ended);
    crate::ui::toast_on_success(others, t.sessions_ended);
    let data = Resource::new(
        move || (end.version().get(), others.version().get()),
        |_| super::api::my_sessions(),
    );
    let err = action_error(end);
    view! {
        <section class="card stack mt" aria-labelledby="h-sessions" data-testid="sessions">
            <h2 id="h-sessions">{t.sessions_title}</h2>
            <FormError error=err/>
            <Transition fallback=|| view! { <crate::ui::Skeleton lines=2/> }>
                {move || Suspend::new(async move {
                    let s = match data.await {
                        Ok(s) => s,
                        Err(e) => return view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                    };
                    let now = crate::ui::format::now_ms();
                    let n = s.sessions.len();
                    view! {
                        <p class="small muted">{crate::i18n::fill(t.sessions_hint, &[("max", &s.max.to_string())])}</p>
                        <ul class="list">
                            {s.sessions.into_iter().map(|x| {
                                let device = if x.device.is_empty() { t.sessions_unknown_device.to_string() } else { x.device.clone() };
                                let id = x.id.clone();
                                view! {
                                    <li class="row session" data-testid="session">
                                        <div>
                                            <strong>{device}</strong>
                                            {x.current.then(|| view! { " " <span class="badge" data-testid="session-current">{t.sessions_current}</span> })}
                                            <div class="small muted">
                                                {x.ip.clone()}" · "
                                                {crate::i18n::fill(t.sessions_since, &[("date", &crate::ui::format::datetime(x.created_at, lang))])}" · "
                                                {crate::i18n::fill(t.sessions_last_used, &[("ago", &crate::ui::format::ago(x.last_seen_at, now, lang))])}
                                            </div>
                                        </div>
                                        {(!x.current).then(|| view! {
                                            <ActionForm attr:novalidate=true action=end>
                                                <input type="hidden" name="id" value=id/>
                                                <button class="btn btn-secondary" type="submit" data-testid="end-session">{t.sessions_end}</button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(n > 1).then(|| view! {
                            <ActionForm attr:novalidate=true action=others>
                                <button class="btn btn-secondary" type="submit" data-testid="end-other-sessions">{t.sessions_end_others}</button>
                            </ActionForm>
                        })}
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}

/// The second step of signing in (`/login/code`): the code of the app or a recovery code.
#[component]
pub fn LoginCodePage() -> impl IntoView {
    let t = use_t();
    let action = ServerAction::<super::twofactor::LoginCode>::new();
    let err = action_error(action);
    view! {
        <main class="center-page" id="main">
            <div class="card auth-card">
                <h1>{t.tf_login_title}</h1>
                <p class="muted">{t.tf_login_intro}</p>
                <FormError error=err fields=&["code"]/>
                <ActionForm attr:novalidate=true action=action>
                    <Field label=t.tf_code name="code" required=true autocomplete="one-time-code" error=field_error(err, "code")/>
                    <button class="btn btn-block" type="submit" data-testid="login-code-submit" aria-busy=move || action.pending().get().to_string()>{t.login_submit}</button>
                </ActionForm>
                <p class="small mt"><a href="/login">{t.tf_login_back}</a></p>
            </div>
        </main>
    }
}

/// What a member sees while their firm requires a second factor they have not set up yet.
#[component]
pub fn TwoFactorRequired() -> impl IntoView {
    let t = use_t();
    let logout = ServerAction::<super::api::Logout>::new();
    view! {
        <div class="page-head"><h1>{t.tf_required_title}</h1></div>
        <p data-testid="two-factor-required">{t.tf_required_text}</p>
        <TwoFactorCard/>
        // A full page load, so the app asks again who is signed in.
        <p class="mt"><a class="btn" href="/" rel="external" data-testid="two-factor-continue">{t.tf_continue}</a></p>
        <ActionForm attr:class="mt" action=logout>
            <button class="btn btn-secondary" type="submit">{t.logout}</button>
        </ActionForm>
    }
}

/// Two-factor sign-in in the settings: set up (QR code, key, confirming code, recovery codes
/// shown once) or switch off.
#[component]
pub fn TwoFactorCard() -> impl IntoView {
    let t = use_t();
    let start = ServerAction::<super::twofactor::StartTwoFactor>::new();
    let confirm = ServerAction::<super::twofactor::ConfirmTwoFactor>::new();
    let disable = ServerAction::<super::twofactor::DisableTwoFactor>::new();
    crate::ui::toast_on_success(disable, t.saved);
    let status = Resource::new(
        move || (confirm.version().get(), disable.version().get()),
        |_| super::twofactor::two_factor_status(),
    );
    let confirm_err = action_error(confirm);
    let disable_err = action_error(disable);
    let start_err = action_error(start);
    view! {
        <section class="card stack mt" aria-labelledby="h-2fa" data-testid="two-factor">
            <h2 id="h-2fa">{t.tf_title}</h2>
            <FormError error=start_err/>
            // Recovery codes, right after confirming (not stored anywhere readable).
            {move || confirm.value().get().and_then(|r| r.ok()).map(|codes| view! {
                <div class="notice" role="status">
                    <p>{t.tf_recovery}</p>
                    <ul class="recovery-codes" data-testid="recovery-codes">
                        {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                    </ul>
                </div>
            })}
            <Transition fallback=|| view! { <crate::ui::Skeleton lines=1/> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(true) => view! {
                            <p data-testid="two-factor-on">{t.tf_on_text}</p>
                            <ActionForm attr:novalidate=true action=disable attr:class="stack">
                                <Field id_prefix="tfd-" label=t.tf_code name="code" autocomplete="one-time-code" hint=t.tf_disable_hint error=field_error(disable_err, "code")/>
                                <div><button class="btn btn-secondary" type="submit" data-testid="two-factor-disable">{t.tf_disable}</button></div>
                            </ActionForm>
                        }.into_any(),
                        Ok(false) => view! {
                            <p>{t.tf_off_text}</p>
                            {move || match start.value().get() {
                                Some(Ok(e)) => view! {
                                    <p class="small">{t.tf_scan}</p>
                                    <div class="qr" inner_html=e.svg.clone()></div>
                                    <p class="small">{t.tf_key}": "<code data-testid="two-factor-secret">{e.secret.clone()}</code></p>
                                    <ActionForm attr:novalidate=true action=confirm attr:class="stack">
                                        <Field id_prefix="tfc-" label=t.tf_code name="code" autocomplete="one-time-code" error=field_error(confirm_err, "code")/>
                                        <div><button class="btn" type="submit" data-testid="two-factor-confirm">{t.tf_confirm}</button></div>
                                    </ActionForm>
                                }.into_any(),
                                _ => view! {
                                    <ActionForm action=start>
                                        <button class="btn" type="submit" data-testid="two-factor-start">{t.tf_start}</button>
                                    </ActionForm>
                                }.into_any(),
                            }}
                        }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

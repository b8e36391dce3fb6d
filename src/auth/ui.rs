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

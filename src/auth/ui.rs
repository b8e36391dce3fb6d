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

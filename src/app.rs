//! `<App/>`: the HTML shell, the router and the layouts (setup/login pages, staff area).

use crate::auth::ui::{LoginPage, SetupPage};
use crate::clients::ui::{ClientDetailPage, ClientListPage, NewClientPage};
use crate::i18n::Lang;
use crate::orgs::ui::{AcceptInvitePage, TeamPage};
use crate::ui::{use_t, ToastHost, Toasts};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Outlet, ParentRoute, Redirect, Route, Router, Routes, A},
    path, SsrMode,
};

/// The language of the current request: the `kp_lang` cookie on the server; on the client the
/// `<html lang>` the server rendered, so both sides always agree.
fn request_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|p| Lang::of_headers(&p.headers))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Lang::parse(&l))
            .unwrap_or_default()
    }
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = request_lang();
    #[cfg(feature = "ssr")]
    set_security_headers();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Content-Security-Policy with the per-request nonce leptos stamps on its hydration script:
/// no inline script runs without it. Sent as a header from the shell, which renders before
/// the first byte goes out.
#[cfg(feature = "ssr")]
fn set_security_headers() {
    use http::{header, HeaderValue};
    let (Some(nonce), Some(res)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        " ws://127.0.0.1:3001"
    } else {
        ""
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{reload}; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
    res.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = request_lang();
    provide_context(lang);
    Toasts::provide();
    let t = lang.t();
    // Tests (and curious people) can see when the page became interactive.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Stylesheet id="leptos" href="/pkg/kundenportal.css"/>
        <Title text=t.app_name/>
        <Router>
            <div id="app" data-hydrated=move || hydrated.get().to_string()>
                <a class="skip-link" href="#main">{t.skip_to_content}</a>
                <Routes fallback=NotFound>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/login/code") view=crate::auth::ui::LoginCodePage ssr=SsrMode::Async/>
                    <Route path=path!("/invite/:token") view=AcceptInvitePage ssr=SsrMode::Async/>
                    <Route path=path!("/u/:token") view=crate::uploads::ui::PublicUploadPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/login") view=crate::portal::ui::PortalLoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/m/:token") view=crate::portal::ui::MagicLinkPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/choose") view=crate::portal::ui::ChoosePage ssr=SsrMode::Async/>
                    <Route path=path!("/portal") view=crate::portal::ui::PortalHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/invoices") view=crate::invoices::portal::PortalInvoicesPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/invoices/:id") view=crate::invoices::portal::PortalInvoicePage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/hours") view=crate::hours::ui::PortalHoursPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/tickets") view=crate::tickets::ui::PortalTicketsPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/tickets/:id") view=crate::tickets::ui::PortalTicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/files/:id/review") view=crate::annotations::ui::PortalReviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/notify/:token") view=crate::notify::ui::NotifyPrefsPage ssr=SsrMode::Async/>
                    <ParentRoute path=path!("") view=StaffLayout ssr=SsrMode::Async>
                        <Route path=path!("") view=crate::dashboard::ui::DashboardPage/>
                        <Route path=path!("clients") view=ClientListPage/>
                        <Route path=path!("clients/new") view=NewClientPage/>
                        <Route path=path!("clients/:id") view=ClientDetailPage/>
                        <Route path=path!("cases/:id") view=crate::cases::ui::CasePage/>
                        <Route path=path!("templates") view=crate::cases::ui::TemplatesPage/>
                        <Route path=path!("invoices") view=crate::invoices::ui::InvoicesPage/>
                        <Route path=path!("invoices/:id") view=crate::invoices::ui::InvoicePage/>
                        <Route path=path!("tickets") view=crate::tickets::ui::TicketsPage/>
                        <Route path=path!("tickets/:id") view=crate::tickets::ui::TicketPage/>
                        <Route path=path!("files/:id/review") view=crate::annotations::ui::StaffReviewPage/>
                        <Route path=path!("team") view=TeamPage/>
                        <Route path=path!("settings") view=crate::settings::ui::SettingsPage/>
                        <Route path=path!("notifications") view=crate::notify::ui::NotificationsPage/>
                        <Route path=path!("audit") view=crate::audit::ui::AuditPage/>
                    </ParentRoute>
                </Routes>
                <ToastHost/>
            </div>
        </Router>
    }
}

/// The staff area: top bar with navigation, user and language; the page below. Anonymous
/// visitors are sent to the login page (or to the first-run setup on an empty database).
#[component]
fn StaffLayout() -> impl IntoView {
    let me = Resource::new_blocking(|| (), |_| crate::auth::api::whoami());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    // The firm requires a second factor this member has not set up: every staff
                    // page is that set-up until it is done (the server refuses everything else).
                    Ok(user) if user.needs_two_factor => {
                        provide_context(user.clone());
                        view! { <main class="main" id="main"><crate::auth::ui::TwoFactorRequired/></main> }.into_any()
                    }
                    Ok(user) => {
                        provide_context(user.clone());
                        provide_context(crate::notify::ui::BellRefresh(RwSignal::new(0)));
                        crate::live::Live::provide();
                        view! { <TopBar user/> <main class="main" id="main"><Outlet/></main> }.into_any()
                    }
                    Err(_) => view! { <Redirect path="/login"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Unread chat messages of the signed-in member, in the navigation.
#[component]
fn ChatBadge() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let live = crate::live::counter(crate::chat::ui::is_message);
    let unread = Resource::new(
        move || (location.pathname.get(), live.get()),
        |_| crate::chat::api::chat_unread(),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let n = unread.await.map(|u| u.total).unwrap_or(0);
                view! { <crate::chat::ui::UnreadBadge n/> }
            })}
        </Transition>
    }
}

#[component]
fn TopBar(user: crate::auth::CurrentUser) -> impl IntoView {
    let t = use_t();
    let logout = ServerAction::<crate::auth::api::Logout>::new();
    let role = crate::orgs::ui::role_label(t, user.role);
    view! {
        <header class="topbar">
            <div class="topbar-inner">
                <a class="brand" href="/">{user.org_name.clone()}</a>
                <nav class="nav" aria-label=t.main_navigation>
                    <A href="/" exact=true>{t.nav_dashboard}</A>
                    <A href="/clients">{t.nav_clients}" "<ChatBadge/></A>
                    <A href="/tickets">{t.nav_tickets}" "<crate::tickets::ui::TicketBadge/></A>
                    <A href="/invoices">{t.nav_invoices}</A>
                    <A href="/templates">{t.nav_templates}</A>
                    <A href="/team">{t.nav_team}</A>
                    <A href="/settings">{t.nav_settings}</A>
                    {user.role.may(crate::orgs::domain::Permission::ViewAudit).then(|| view! {
                        <A href="/audit">{t.nav_audit}</A>
                    })}
                </nav>
                <div class="userbox">
                    <crate::notify::ui::NotificationBell/>
                    <span data-testid="current-user">{user.name.clone()}</span>
                    <span class="badge badge-role">{role}</span>
                    <LanguageSwitch/>
                    <ActionForm attr:novalidate=true action=logout>
                        <button class="btn btn-secondary" type="submit">{t.logout}</button>
                    </ActionForm>
                </div>
            </div>
        </header>
    }
}

/// Switches between German and English. A form, so it works without JavaScript too; with
/// JavaScript the page reloads once the cookie is set, so every text changes at once.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let t = use_t();
    let other = match crate::ui::use_lang() {
        Lang::De => Lang::En,
        Lang::En => Lang::De,
    };
    let action = ServerAction::<crate::auth::api::SetLanguage>::new();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(()))) {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        }
    });
    view! {
        <ActionForm attr:novalidate=true action=action attr:class="lang-switch">
            <input type="hidden" name="lang" value=other.code()/>
            <button class="btn btn-link" type="submit" lang=other.code() title=t.switch_language>{t.other_language_name}</button>
        </ActionForm>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let t = use_t();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="center-page" id="main">
            <div class="card auth-card">
                <h1>{t.not_found_title}</h1>
                <p>{t.not_found_text}</p>
                <a class="btn" href="/">{t.go_home}</a>
            </div>
        </main>
    }
}

//! `<App/>`: the HTML shell, the router and the layouts (setup/login pages, staff area).

use crate::i18n::Lang;
use crate::ui::{use_t, ToastHost, Toasts};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Outlet, ParentRoute, Redirect, Route, Router, Routes, A},
    lazy_route, path, Lazy, LazyRoute, SsrMode,
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
    view! {
        <Stylesheet id="leptos" href="/pkg/kundenportal.css"/>
        <Title text=t.app_name/>
        <Router>
            // `data-hydrated="true"` is set once the page is interactive (lib.rs, `hydrate`).
            <div id="app">
                <a class="skip-link" href="#main">{t.skip_to_content}</a>
                <Routes fallback=NotFound>
                    <Route path=path!("/setup") view={Lazy::<Setup>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login") view={Lazy::<Login>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login/code") view={Lazy::<LoginCode>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/invite/:token") view={Lazy::<AcceptInvite>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/u/:token") view=crate::uploads::ui::PublicUploadPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/login") view=crate::portal::ui::PortalLoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/m/:token") view=crate::portal::ui::MagicLinkPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/choose") view=crate::portal::ui::ChoosePage ssr=SsrMode::Async/>
                    <Route path=path!("/portal") view=crate::portal::ui::PortalHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/invoices") view={Lazy::<PortalInvoices>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/portal/invoices/:id") view={Lazy::<PortalInvoice>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/portal/hours") view={Lazy::<PortalHours>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/portal/tickets") view={Lazy::<PortalTickets>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/portal/tickets/:id") view={Lazy::<PortalTicket>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/portal/files/:id/review") view={Lazy::<PortalReview>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/notify/:token") view={Lazy::<NotifyPrefs>::new()} ssr=SsrMode::Async/>
                    <ParentRoute path=path!("") view={Lazy::<Staff>::new()} ssr=SsrMode::Async>
                        <Route path=path!("") view={Lazy::<Dashboard>::new()}/>
                        <Route path=path!("clients") view={Lazy::<ClientList>::new()}/>
                        <Route path=path!("clients/new") view={Lazy::<NewClient>::new()}/>
                        <Route path=path!("clients/:id") view={Lazy::<ClientDetail>::new()}/>
                        <Route path=path!("cases/:id") view={Lazy::<Case>::new()}/>
                        <Route path=path!("templates") view={Lazy::<Templates>::new()}/>
                        <Route path=path!("invoices") view={Lazy::<Invoices>::new()}/>
                        <Route path=path!("invoices/:id") view={Lazy::<Invoice>::new()}/>
                        <Route path=path!("tickets") view={Lazy::<Tickets>::new()}/>
                        <Route path=path!("tickets/:id") view={Lazy::<Ticket>::new()}/>
                        <Route path=path!("files/:id/review") view={Lazy::<StaffReview>::new()}/>
                        <Route path=path!("team") view={Lazy::<Team>::new()}/>
                        <Route path=path!("settings") view={Lazy::<Settings>::new()}/>
                        <Route path=path!("notifications") view={Lazy::<Notifications>::new()}/>
                        <Route path=path!("audit") view={Lazy::<Audit>::new()}/>
                    </ParentRoute>
                </Routes>
                <ToastHost/>
            </div>
        </Router>
    }
}

/// Pages whose code the browser loads only when they are opened: with `cargo leptos build
/// --split` each becomes a WASM chunk of its own (fetched while a server-rendered page
/// hydrates, or in parallel with the page's data on navigation), so a client's phone opening
/// the portal never downloads the staff app. Without `--split` they are ordinary routes.
macro_rules! lazy_pages {
    ($($route:ident => $page:path),* $(,)?) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_pages! {
    Setup => crate::auth::ui::SetupPage,
    Login => crate::auth::ui::LoginPage,
    LoginCode => crate::auth::ui::LoginCodePage,
    AcceptInvite => crate::orgs::ui::AcceptInvitePage,
    PortalInvoices => crate::invoices::portal::PortalInvoicesPage,
    PortalInvoice => crate::invoices::portal::PortalInvoicePage,
    PortalHours => crate::hours::ui::PortalHoursPage,
    PortalTickets => crate::tickets::ui::PortalTicketsPage,
    PortalTicket => crate::tickets::ui::PortalTicketPage,
    PortalReview => crate::annotations::ui::PortalReviewPage,
    NotifyPrefs => crate::notify::ui::NotifyPrefsPage,
    Dashboard => crate::dashboard::ui::DashboardPage,
    ClientList => crate::clients::ui::ClientListPage,
    NewClient => crate::clients::ui::NewClientPage,
    ClientDetail => crate::clients::ui::ClientDetailPage,
    Case => crate::cases::ui::CasePage,
    Templates => crate::cases::ui::TemplatesPage,
    Invoices => crate::invoices::ui::InvoicesPage,
    Invoice => crate::invoices::ui::InvoicePage,
    Tickets => crate::tickets::ui::TicketsPage,
    Ticket => crate::tickets::ui::TicketPage,
    StaffReview => crate::annotations::ui::StaffReviewPage,
    Team => crate::orgs::ui::TeamPage,
    Settings => crate::settings::ui::SettingsPage,
    Notifications => crate::notify::ui::NotificationsPage,
    Audit => crate::audit::ui::AuditPage,
}

/// The staff area, itself lazy. Its resource is made in `data()`, which runs in route order
/// on both sides: the staff layout's chunk and the page's chunk may arrive in either order,
/// and a resource made in a view body would then be numbered differently in the browser than
/// on the server (hydration matches resources by the order they are made).
struct Staff {
    me: Resource<Result<crate::auth::CurrentUser, crate::error::AppError>>,
}

#[lazy_route]
impl LazyRoute for Staff {
    fn data() -> Self {
        Self {
            me: Resource::new_blocking(|| (), |_| crate::auth::api::whoami()),
        }
    }

    fn view(this: Self) -> AnyView {
        view! { <StaffLayout me=this.me/> }.into_any()
    }
}

/// The staff area: top bar with navigation, user and language; the page below. Anonymous
/// visitors are sent to the login page (or to the first-run setup on an empty database).
#[component]
fn StaffLayout(
    me: Resource<Result<crate::auth::CurrentUser, crate::error::AppError>>,
) -> impl IntoView {
    // The top bar's counts are made here, once: the server renders the Suspense's children
    // more than once, and counts made in there could differ between those renderings (a page
    // marks what it shows as read) — the browser would then hydrate with numbers the HTML does
    // not show.
    let bell = crate::notify::ui::BellRefresh(RwSignal::new(0));
    provide_context(bell);
    crate::live::Live::provide();
    let badges = Badges {
        chat: crate::chat::ui::unread_resource(),
        tickets: crate::tickets::ui::unread_resource(),
        bell: crate::notify::ui::count_resource(),
    };
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
                        view! { <TopBar user badges/> <main class="main" id="main"><Outlet/></main> }.into_any()
                    }
                    Err(_) => view! { <Redirect path="/login"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The unread counts in the top bar (see `StaffLayout`).
#[derive(Clone, Copy)]
struct Badges {
    chat: Resource<Result<crate::chat::api::Unread, crate::error::AppError>>,
    tickets: Resource<Result<i64, crate::error::AppError>>,
    bell: Resource<Result<i64, crate::error::AppError>>,
}

/// Unread chat messages of the signed-in member, in the navigation.
#[component]
fn ChatBadge(
    unread: Resource<Result<crate::chat::api::Unread, crate::error::AppError>>,
) -> impl IntoView {
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
fn TopBar(user: crate::auth::CurrentUser, badges: Badges) -> impl IntoView {
    let t = use_t();
    let logout = ServerAction::<crate::auth::api::Logout>::new();
    let role = crate::orgs::ui::role_label(t, user.role);
    view! {
        <header class="topbar">
            <div class="topbar-inner">
                <a class="brand" href="/">{user.org_name.clone()}</a>
                <nav class="nav" aria-label=t.main_navigation>
                    <A href="/" exact=true>{t.nav_dashboard}</A>
                    <A href="/clients">{t.nav_clients}" "<ChatBadge unread=badges.chat/></A>
                    <A href="/tickets">{t.nav_tickets}" "<crate::tickets::ui::TicketBadge unread=badges.tickets/></A>
                    <A href="/invoices">{t.nav_invoices}</A>
                    <A href="/templates">{t.nav_templates}</A>
                    <A href="/team">{t.nav_team}</A>
                    <A href="/settings">{t.nav_settings}</A>
                    {user.role.may(crate::orgs::domain::Permission::ViewAudit).then(|| view! {
                        <A href="/audit">{t.nav_audit}</A>
                    })}
                </nav>
                <div class="userbox">
                    <crate::notify::ui::NotificationBell count=badges.bell/>
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

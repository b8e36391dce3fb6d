//! Portal pages (mobile first): sign-in by magic link or password, the magic link's own page,
//! the choice of client, and the client's home. Plus the staff side: the firm's portal
//! settings and a client's access on their page.

use super::api::*;
use super::domain::{Grant, LinkState};
use super::{MagicOutcome, PortalCase, PortalHome, PortalMe, PortalState};
use crate::app::LanguageSwitch;
use crate::cases::ui::{ProgressBar, PublicChecklist, Via};
use crate::cases::{CaseState, PublicCase};
use crate::i18n::fill;
use crate::ui::{
    action_error, field_error, format, toast_on_success, use_lang, use_t, AfterHydration, Field,
    FormError, Skeleton,
};
use crate::uploads::ui::{human_size, review_label};
use crate::uploads::FileView;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/portal/login`: a magic link by e-mail, or e-mail and password.
#[component]
pub fn PortalLoginPage() -> impl IntoView {
    let t = use_t();
    let state = Resource::new_blocking(|| (), |_| load_portal_state());
    // On a firm's own domain: its name, logo and colours.
    let site = Resource::new_blocking(|| (), |_| crate::domains::api::portal_site());
    let request = ServerAction::<RequestPortalLink>::new();
    let request_err = action_error(request);
    let login = ServerAction::<PortalPasswordLogin>::new();
    let login_err = action_error(login);
    let query = use_query_map();
    let bad_link = move || query.read().get("link").is_some();
    let sent = move || matches!(request.value().get(), Some(Ok(())));
    view! {
        <main class="center-page portal-page branded" id="main">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    site.await.ok().flatten().map(|s| view! {
                        <crate::branding::ui::BrandTheme brand=s.brand.clone()/>
                        <header class="public-head" data-testid="site-firm">
                            <crate::branding::ui::BrandLogo brand=s.brand.clone() firm=s.firm_name.clone()/>
                            <p class="public-firm">{s.firm_name}</p>
                        </header>
                    })
                })}
            </Suspense>
            <div class="card auth-card stack">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match state.await {
                            Ok(PortalState::In(_)) => view! { <Redirect path="/portal"/> }.into_any(),
                            Ok(PortalState::Choose) => view! { <Redirect path="/portal/choose"/> }.into_any(),
                            _ => ().into_any(),
                        }
                    })}
                </Suspense>
                <h1>{t.p_login_title}</h1>
                {move || bad_link().then(|| view! { <p class="form-error" role="alert">{t.p_link_invalid}</p> })}
                <Show
                    when=sent
                    fallback=move || view! {
                        <p class="muted">{t.p_login_intro}</p>
                        <FormError error=request_err fields=&["email"]/>
                        <ActionForm attr:novalidate=true action=request>
                            <Field label=t.email name="email" kind="email" required=true autocomplete="email" error=field_error(request_err, "email")/>
                            <button class="btn btn-block btn-large" type="submit" data-testid="request-link"
                                aria-busy=move || request.pending().get().to_string()>{t.p_send_link}</button>
                        </ActionForm>
                    }
                >
                    <div class="form-ok" role="status" data-testid="link-sent">{t.p_link_sent}</div>
                    <button class="btn btn-secondary" type="button" on:click=move |_| request.value().set(None)>{t.p_other_address}</button>
                </Show>
                <details class="portal-password">
                    <summary>{t.p_with_password}</summary>
                    <FormError error=login_err fields=&["email", "password"]/>
                    <ActionForm attr:novalidate=true action=login>
                        <Field id_prefix="pw-" label=t.email name="email" kind="email" required=true autocomplete="username" error=field_error(login_err, "email")/>
                        <Field id_prefix="pw-" label=t.password name="password" kind="password" required=true autocomplete="current-password" error=field_error(login_err, "password")/>
                        <button class="btn btn-block" type="submit" aria-busy=move || login.pending().get().to_string()>{t.login_submit}</button>
                    </ActionForm>
                    <p class="small muted">{t.p_password_forgot}</p>
                </details>
                <div class="small"><LanguageSwitch/></div>
            </div>
        </main>
    }
}

/// `/portal/m/:token`: the magic link's page. Opening it changes nothing (mail scanners open
/// links); the button signs in.
#[component]
pub fn MagicLinkPage() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let state = Resource::new_blocking(token, magic_link_state);
    let open = ServerAction::<OpenMagicLink>::new();
    let err = action_error(open);
    view! {
        <main class="center-page portal-page" id="main">
            <div class="card auth-card stack">
                <Suspense fallback=|| view! { <Skeleton lines=2/> }>
                    {move || Suspend::new(async move {
                        let outcome = open.value().get().and_then(Result::ok);
                        let now = match (outcome, state.await) {
                            (Some(MagicOutcome::SignedIn(to)), _) => return view! { <Redirect path=to/> }.into_any(),
                            (Some(MagicOutcome::Used), _) => LinkState::Used,
                            (Some(MagicOutcome::Expired), _) => LinkState::Expired,
                            (None, Ok(s)) => s,
                            (None, Err(crate::error::AppError::RateLimited(m))) => return view! {
                                <h1>{t.page_too_many_title}</h1>
                                <p class="form-error" role="alert" data-testid="magic-dead">{m}</p>
                            }.into_any(),
                            (None, Err(_)) => LinkState::Unknown,
                        };
                        match now {
                            LinkState::Valid => view! {
                                <h1>{t.p_magic_title}</h1>
                                <p class="muted">{t.p_magic_intro}</p>
                                <FormError error=err fields=&[]/>
                                <ActionForm action=open>
                                    <input type="hidden" name="token" value=token()/>
                                    <button class="btn btn-block btn-large" type="submit" data-testid="magic-sign-in"
                                        aria-busy=move || open.pending().get().to_string()>{t.p_magic_button}</button>
                                </ActionForm>
                            }.into_any(),
                            other => view! {
                                <h1>{if other == LinkState::Used { t.p_magic_used_title } else { t.p_magic_expired_title }}</h1>
                                <p class="muted" data-testid="magic-dead">{if other == LinkState::Used { t.p_magic_used } else { t.p_magic_expired }}</p>
                                <a class="btn btn-block btn-large" href="/portal/login" data-testid="request-new-link">{t.p_request_new}</a>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

/// `/portal/choose`: one address, several clients — which one to open.
#[component]
pub fn ChoosePage() -> impl IntoView {
    let t = use_t();
    let choices = Resource::new_blocking(|| (), |_| portal_choices());
    let choose = ServerAction::<ChoosePortalClient>::new();
    let err = action_error(choose);
    view! {
        <main class="center-page portal-page" id="main">
            <div class="card auth-card stack">
                <h1>{t.p_choose_title}</h1>
                <p class="muted">{t.p_choose_intro}</p>
                <FormError error=err fields=&[]/>
                <Suspense fallback=|| view! { <Skeleton lines=3/> }>
                    {move || Suspend::new(async move {
                        match choices.await {
                            Ok(list) => view! {
                                <ul class="plain-list stack" data-testid="choices">
                                    {list.into_iter().map(|c| view! {
                                        <li>
                                            <ActionForm action=choose>
                                                <input type="hidden" name="client_id" value=c.client_id.clone()/>
                                                <button class="btn btn-secondary btn-block btn-large choice" type="submit">
                                                    <strong>{c.client_name.clone()}</strong>
                                                    <span class="small muted">{c.firm_name.clone()}</span>
                                                </button>
                                            </ActionForm>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(_) => view! { <Redirect path="/portal/login"/> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

/// `/portal`: the client's home.
#[component]
pub fn PortalHomePage() -> impl IntoView {
    let state = Resource::new_blocking(|| (), |_| load_portal_state());
    let live = crate::live::Live::provide_at("/api/portal/events");
    let _ = live;
    let messages = crate::live::counter(crate::chat::ui::is_message);
    // Bumped once the chat (loaded after the first paint) has marked its messages read.
    let seen = RwSignal::new(0u32);
    let unread = Resource::new(
        move || (messages.get(), seen.get()),
        |_| crate::chat::api::portal_unread(),
    );
    let home = Resource::new(|| (), |_| load_portal_home());
    // Bumped after an upload, so the file lists catch up.
    let refresh = RwSignal::new(0u32);
    // `/portal?dateien=alle` lists every file, not only the newest (a link, so it works
    // before the page has hydrated too).
    let query = leptos_router::hooks::use_query_map();
    let all_files = move || query.read().get("dateien").as_deref() == Some("alle");
    let files = Resource::new(
        move || (refresh.get(), all_files()),
        |(_, all)| load_portal_files(all),
    );
    view! {
        <Suspense fallback=|| view! { <Skeleton lines=5/> }>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(PortalState::In(me)) => view! { <PortalSpace me home files refresh unread messages seen/> }.into_any(),
                    Ok(PortalState::Choose) => view! { <Redirect path="/portal/choose"/> }.into_any(),
                    _ => view! { <Redirect path="/portal/login"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PortalSpace(
    me: PortalMe,
    home: Resource<Result<PortalHome, crate::error::AppError>>,
    files: Resource<Result<super::PortalFiles, crate::error::AppError>>,
    refresh: RwSignal<u32>,
    unread: Resource<Result<i64, crate::error::AppError>>,
    messages: Signal<u64>,
    seen: RwSignal<u32>,
) -> impl IntoView {
    let t = use_t();
    let logout = ServerAction::<PortalLogout>::new();
    let firm = me.firm_name.clone();
    let rights = me.rights.clone();
    let can_invoices = rights.has(super::Right::Invoices);
    let can_approve = rights.has(super::Right::Approve);
    let can_chat = rights.has(super::Right::Chat);
    let can_files = rights.has(super::Right::Files);
    view! {
        // The firm's colours reach every element below through custom properties.
        <div class="branded" data-testid="branded">
        <crate::branding::ui::BrandTheme brand=me.brand.clone()/>
        <header class="topbar portal-bar">
            <div class="topbar-inner">
                <crate::branding::ui::BrandLogo brand=me.brand.clone() firm=me.firm_name.clone()/>
                <span class="brand" data-testid="portal-firm">{me.firm_name.clone()}</span>
                <span class="small portal-who" data-testid="portal-client">{me.client_name.clone()}</span>
                {can_chat.then(|| view! {
                    <a class="small" href="#h-chat">{t.chat_title}" "
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                view! { <crate::chat::ui::UnreadBadge n=unread.await.unwrap_or(0)/> }
                            })}
                        </Transition>
                    </a>
                })}
                {can_chat.then(|| view! { <a class="small" href="/portal/tickets" data-testid="portal-tickets-link">{t.tk_portal_title}</a> })}
                {can_invoices.then(|| view! { <a class="small" href="/portal/invoices" data-testid="portal-invoices-link">{t.inv_heading}</a> })}
                {me.hours.then(|| view! { <a class="small" href="/portal/hours" data-testid="portal-hours-link">{t.hours_link}</a> })}
                {me.can_switch.then(|| view! { <a class="small" href="/portal/choose">{t.p_switch}</a> })}
                <ActionForm action=logout>
                    <button class="btn btn-secondary" type="submit">{t.logout}</button>
                </ActionForm>
            </div>
        </header>
        <main class="main portal-main stack" id="main">
            <crate::branding::ui::Welcome brand=me.brand.clone()/>
            <Suspense fallback=|| view! { <Skeleton lines=6/> }>
                {move || {
                    let rights = rights.clone();
                    Suspend::new(async move {
                        match home.await {
                            Ok(h) => view! { <HomeView h refresh rights/> }.into_any(),
                            Err(_) => view! { <Redirect path="/portal/login"/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
            {(can_approve || me.hours || can_chat).then(|| {
                let x = Extras { approve: can_approve, hours: me.hours, chat: can_chat, messages, seen };
                view! {
                    <AfterHydration fallback=|| view! { <Skeleton lines=4/> }>
                        {portal_extras(x)}
                    </AfterHydration>
                }
            })}
            {can_files.then(|| view! {
                <Transition fallback=|| view! { <Skeleton lines=3/> }>
                    {move || {
                        let firm = firm.clone();
                        Suspend::new(async move {
                            files.await.ok().map(|f| view! { <FilesView f firm/> })
                        })
                    }}
                </Transition>
            })}
            <NotifyCard/>
            {me.password_method.then(|| view! { <PasswordCard has=me.has_password/> })}
            <div class="small"><LanguageSwitch/></div>
        </main>
        </div>
    }
}

/// What the portal home shows below the open requests, when the client may see it.
#[derive(Clone, Copy)]
pub struct Extras {
    approve: bool,
    hours: bool,
    chat: bool,
    messages: Signal<u64>,
    seen: RwSignal<u32>,
}

/// The portal home's approvals, hours and chat. They come after the first paint: the browser
/// renders them, and fetches their data, once the page has hydrated, so a phone hydrates less
/// before the page works and the server renders less. (Their code stays in the main module: as
/// a lazy chunk it needed ~70 shared chunks, whose fetching and instantiating after hydration
/// kept a throttled phone's main thread busy longer than the 36 kB gzip it saved.)
fn portal_extras(x: Extras) -> AnyView {
    let t = use_t();
    // Each part fetches its data only when it is shown: a fetch the client may not make
    // answers 403 or 404, an error in the browser's console on every visit.
    let approvals = x.approve.then(|| {
        let decide = ServerAction::<crate::approvals::api::DecideApproval>::new();
        let approvals: crate::approvals::ui::ApprovalsResource = Resource::new(
            move || decide.version().get(),
            |_| crate::approvals::api::portal_approvals(),
        );
        view! { <crate::approvals::ui::PortalApprovals approvals decide/> }
    });
    // This month's hours, when the firm shows them.
    let hours = x.hours.then(|| {
        let hours = Resource::new(
            || (),
            |_| async { crate::hours::api::portal_hours(None).await.ok() },
        );
        view! { <crate::hours::ui::PortalHoursTeaser hours/> }
    });
    let chat = x.chat.then(|| {
        let chat = crate::chat::ui::Chat::new(|| crate::chat::ui::Side::Portal, x.messages);
        // Opening the chat marks its messages read: the count in the top bar follows.
        let seen = x.seen;
        Effect::new(move |_| {
            if chat.loaded() {
                seen.update(|n| *n += 1);
            }
        });
        view! {
            <section class="card stack" aria-labelledby="h-chat">
                <h2 id="h-chat">{t.chat_title}</h2>
                <crate::chat::ui::ChatPanel chat/>
            </section>
        }
    });
    view! {
        {approvals}
        {hours}
        {chat}
    }
    .into_any()
}

#[component]
fn HomeView(h: PortalHome, refresh: RwSignal<u32>, rights: super::Rights) -> impl IntoView {
    let t = use_t();
    let can_upload = rights.has(super::Right::Upload);
    let on_done = Callback::new(move |_| refresh.update(|n| *n += 1));
    let general = crate::uploads::widget::UploadTarget {
        portal: true,
        bearer: None,
        metadata: vec![],
        scope: "portal".into(),
        allowed: h.allowed_types.clone(),
    };
    let no_password = RwSignal::new(String::new());
    let open_empty = h.open.is_empty();
    view! {
        <section class="stack" aria-labelledby="h-open">
            <h1 id="h-open">{t.p_open_requests}</h1>
            {open_empty.then(|| view! { <p class="muted card" data-testid="no-requests">{t.p_no_requests}</p> })}
            {h.open.into_iter().map(|c| {
                let key = format!("-{}", c.id);
                view! {
                    <div class="stack" data-testid="portal-case">
                        <CaseHead c=c.clone()/>
                        <PublicChecklist case=as_public(&c) via=Via::Portal password=no_password firm_types=h.allowed_types.clone() key on_uploaded=on_done read_only=!can_upload/>
                    </div>
                }
            }).collect_view()}
        </section>
        {can_upload.then(|| view! {
            <section class="card stack" aria-labelledby="h-send">
                <h2 id="h-send">{t.p_send_more}</h2>
                <crate::uploads::widget::UploadWidget target=general.clone() on_done=on_done/>
            </section>
        })}
        {(!h.done.is_empty()).then(|| view! {
            <section class="stack" aria-labelledby="h-done">
                <h2 id="h-done">{t.p_history}</h2>
                {h.done.into_iter().map(|c| view! {
                    <details class="card" data-testid="portal-done-case">
                        <summary><CaseHead c=c.clone()/></summary>
                        <ul class="checklist">
                            {c.items.into_iter().map(|i| view! {
                                <li class="checklist-item">
                                    <strong>{i.title.clone()}</strong>
                                    " "<span class="small muted">{crate::cases::ui::item_state_label(t, i.state)}</span>
                                    {(!i.file_names.is_empty()).then(|| view! {
                                        <p class="small muted">{fill(t.public_item_sent, &[("files", &i.file_names.join(", "))])}</p>
                                    })}
                                </li>
                            }).collect_view()}
                        </ul>
                    </details>
                }).collect_view()}
            </section>
        })}
    }
}

#[component]
fn FilesView(f: super::PortalFiles, firm: String) -> impl IntoView {
    let t = use_t();
    let shown = (f.sent.len(), f.received.len());
    view! {
        <section class="card stack" aria-labelledby="h-sent">
            <h2 id="h-sent">{fill(t.p_files_from, &[("firm", &firm)])}</h2>
            {if f.sent.is_empty() {
                view! { <p class="muted">{t.p_no_sent}</p> }.into_any()
            } else {
                view! {
                    <ul class="file-list" data-testid="portal-sent">
                        {f.sent.into_iter().map(|f| view! { <PortalFile f/> }).collect_view()}
                    </ul>
                    <AllFiles total=f.sent_total shown=shown.0 anchor="h-sent"/>
                }.into_any()
            }}
        </section>
        <section class="card stack" aria-labelledby="h-mine">
            <h2 id="h-mine">{t.p_your_uploads}</h2>
            {if f.received.is_empty() {
                view! { <p class="muted">{t.p_no_uploads}</p> }.into_any()
            } else {
                view! {
                    <ul class="file-list" data-testid="portal-received">
                        {f.received.into_iter().map(|f| view! { <PortalFile f/> }).collect_view()}
                    </ul>
                    <AllFiles total=f.received_total shown=shown.1 anchor="h-mine"/>
                }.into_any()
            }}
        </section>
    }
}

/// Below a file list that shows only the newest: a link to the whole list.
#[component]
fn AllFiles(total: usize, shown: usize, anchor: &'static str) -> impl IntoView {
    let t = use_t();
    (total > shown).then(|| {
        let href = format!("/portal?dateien=alle#{anchor}");
        view! {
            <a class="btn btn-secondary" href=href data-testid="portal-files-all">
                {fill(t.p_files_all, &[("n", &total.to_string())])}
            </a>
        }
    })
}

fn as_public(c: &PortalCase) -> PublicCase {
    PublicCase {
        title: c.title.clone(),
        closed: c.state != CaseState::Open,
        items: c.items.clone(),
    }
}

#[component]
fn CaseHead(c: PortalCase) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    view! {
        <div class="stack-s">
            <div class="row">
                <strong>{c.title.clone()}</strong>
                {(c.state != CaseState::Open).then(|| view! {
                    <span class="badge">{crate::cases::ui::case_state_label(t, c.state)}</span>
                })}
                {c.overdue.then(|| view! { <span class="badge badge-danger">{t.case_overdue}</span> })}
            </div>
            {(!c.description.is_empty()).then(|| view! { <p class="small note-body">{c.description.clone()}</p> })}
            {c.due_at.map(|d| view! { <p class="small muted">{fill(t.item_deadline_is, &[("date", &format::date(d, lang))])}</p> })}
            <ProgressBar progress=c.progress/>
        </div>
    }
}

#[component]
fn PortalFile(f: FileView) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let badge = if f.sent {
        ().into_any()
    } else if f.quarantined {
        view! { <span class="badge badge-danger">{t.file_quarantined}</span> }.into_any()
    } else {
        view! { <span class=format!("badge badge-review-{}", f.review.as_str())>{review_label(t, f.review)}</span> }.into_any()
    };
    let href = format!("/api/portal/files/{}", f.id);
    view! {
        <li data-testid="portal-file">
            <div class="row">
                <strong class="filename">{f.name.clone()}</strong>
                {badge}
            </div>
            <div class="small muted">{human_size(f.size, lang)}" · "{format::datetime(f.created_at, lang)}</div>
            {(!f.review_comment.is_empty()).then(|| view! {
                <div class="small form-error" data-testid="portal-file-question">{fill(t.item_question_is, &[("text", &f.review_comment)])}</div>
            })}
            {(!f.quarantined).then(|| view! {
                <a class="btn btn-secondary mt-s" href=href download=f.name.clone()>{t.download}</a>
            })}
        </li>
    }
}

#[component]
fn PasswordCard(has: bool) -> impl IntoView {
    let t = use_t();
    let action = ServerAction::<SetPortalPassword>::new();
    let err = action_error(action);
    toast_on_success(action, t.p_password_saved);
    view! {
        <details class="card">
            <summary>{if has { t.p_password_change } else { t.p_password_set }}</summary>
            <FormError error=err fields=&["password", "confirm"]/>
            <ActionForm attr:novalidate=true action=action>
                <Field id_prefix="pp-" label=t.password name="password" kind="password" required=true autocomplete="new-password" hint=t.password_hint error=field_error(err, "password")/>
                <Field id_prefix="pp-" label=t.password_repeat name="confirm" kind="password" required=true autocomplete="new-password" error=field_error(err, "confirm")/>
                <button class="btn" type="submit" aria-busy=move || action.pending().get().to_string()>{t.save}</button>
            </ActionForm>
        </details>
    }
}

// ---- staff side ----

/// The firm's portal settings (settings page).
#[component]
pub fn PortalSettingsForm(
    s: super::PortalSettings,
    save: ServerAction<SavePortalSettings>,
) -> impl IntoView {
    let t = use_t();
    let err = action_error(save);
    let grant_label = move |g: Grant| match g {
        Grant::All => t.p_grant_all,
        Grant::Future => t.p_grant_future,
        Grant::Manual => t.p_grant_manual,
    };
    view! {
        <section class="card stack" aria-labelledby="h-portal">
            <h2 id="h-portal">{t.p_settings_title}</h2>
                        <FormError error=err fields=&["magic", "grant", "link_minutes", "mail_footer"]/>
                        <ActionForm attr:novalidate=true action=save>
                            <fieldset class="stack-s">
                                <legend>{t.p_methods}</legend>
                                <label class="check"><input type="checkbox" name="magic" checked=s.methods.magic/>" "{t.p_method_magic}</label>
                                <label class="check"><input type="checkbox" name="secret" checked=s.methods.secret/>" "{t.p_method_secret}</label>
                                <label class="check"><input type="checkbox" name="password" checked=s.methods.password/>" "{t.p_method_password}</label>
                                {move || field_error(err, "magic").get().map(|e| view! { <p class="field-error">{e}</p> })}
                            </fieldset>
                            <fieldset class="stack-s">
                                <legend>{t.p_grant}</legend>
                                {Grant::ALL.into_iter().map(|g| view! {
                                    <label class="check"><input type="radio" name="grant" value=g.as_str() checked=s.grant == g/>" "{grant_label(g)}</label>
                                }).collect_view()}
                            </fieldset>
                            <Field label=t.p_link_minutes name="link_minutes" kind="number" value=s.link_minutes.to_string() error=field_error(err, "link_minutes")/>
                            <div class="field">
                                <label for="f-mail_footer">{t.p_mail_footer_label}</label>
                                <textarea id="f-mail_footer" name="mail_footer" rows="3" placeholder=t.mail_footer_default
                                    aria-describedby="f-mail_footer-hint">{s.mail_footer.clone()}</textarea>
                                <p class="hint" id="f-mail_footer-hint">{t.p_mail_footer_hint}</p>
                                {move || field_error(err, "mail_footer").get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                            </div>
                            <div class="field">
                                <label class="check"><input type="checkbox" name="message_text" checked=s.message_text aria-describedby="f-message_text-hint"/>" "{t.p_message_text}</label>
                                <p class="hint" id="f-message_text-hint">{t.p_message_text_hint}</p>
                            </div>
                            <button class="btn" type="submit" aria-busy=move || save.pending().get().to_string()>{t.save}</button>
                        </ActionForm>
        </section>
    }
}

/// The changes of a client's portal access, made on the client page.
#[derive(Clone, Copy)]
pub struct PortalActions {
    pub set: ServerAction<SetClientPortal>,
    pub end: ServerAction<EndClientSessions>,
    pub secret: ServerAction<NewSecretLink>,
    pub remove: ServerAction<RemoveSecretLink>,
}

pub type AccessResource = Resource<Result<super::ClientAccess, crate::error::AppError>>;

impl PortalActions {
    /// The actions and the access they refresh — created with the page, outside any Suspense.
    pub fn with_access(
        client_id: impl Fn() -> String + Send + Sync + 'static,
    ) -> (Self, AccessResource) {
        let a = PortalActions {
            set: ServerAction::new(),
            end: ServerAction::new(),
            secret: ServerAction::new(),
            remove: ServerAction::new(),
        };
        let access = Resource::new(
            move || {
                (
                    client_id(),
                    a.set.version().get(),
                    a.end.version().get(),
                    a.secret.version().get(),
                    a.remove.version().get(),
                )
            },
            |(id, ..)| load_client_portal(id),
        );
        (a, access)
    }
}

/// A client's portal access (client page): grant/revoke, end sessions, secret link.
#[component]
pub fn ClientPortalCard(
    client_id: String,
    can_edit: bool,
    actions: PortalActions,
    access: AccessResource,
) -> impl IntoView {
    let t = use_t();
    let PortalActions {
        set,
        end,
        secret,
        remove,
    } = actions;
    let err = Signal::derive(move || {
        [
            action_error(set).get(),
            action_error(end).get(),
            action_error(secret).get(),
            action_error(remove).get(),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    toast_on_success(end, t.p_sessions_ended);
    let new_url = move || secret.value().get().and_then(Result::ok);
    view! {
        <section class="card stack" aria-labelledby="h-client-portal" data-testid="client-portal">
            <h2 id="h-client-portal">{t.p_client_title}</h2>
            <FormError error=err fields=&[]/>
            <Suspense fallback=|| view! { <Skeleton lines=2/> }>
                {move || {
                    let client_id = client_id.clone();
                    Suspend::new(async move {
                        let Ok(a) = access.await else { return ().into_any() };
                        let cid = StoredValue::new(client_id);
                        let sessions = fill(t.p_sessions_count, &[("n", &a.sessions.to_string())]);
                        view! {
                            <p data-testid="portal-access">
                                {if a.access { t.p_access_on } else { t.p_access_off }}
                                {(!a.has_email).then(|| view! { " "<span class="small muted">{t.p_no_email}</span> })}
                            </p>
                            <p class="small muted" data-testid="portal-sessions">{sessions}</p>
                            {can_edit.then(|| view! {
                                <div class="row">
                                    <ActionForm action=set>
                                        <input type="hidden" name="client_id" value=cid.get_value()/>
                                        <input type="hidden" name="on" value=(!a.access).to_string()/>
                                        <button class="btn btn-secondary" type="submit" data-testid="toggle-portal">
                                            {if a.access { t.p_revoke } else { t.p_grant_one }}
                                        </button>
                                    </ActionForm>
                                    {(a.sessions > 0).then(|| view! {
                                        <ActionForm action=end>
                                            <input type="hidden" name="client_id" value=cid.get_value()/>
                                            <button class="btn btn-secondary" type="submit" data-testid="end-sessions">{t.p_end_sessions}</button>
                                        </ActionForm>
                                    })}
                                </div>
                                {a.methods.secret.then(|| view! {
                                    <div class="stack-s">
                                        <p class="small muted">{if a.has_secret { t.p_secret_exists } else { t.p_secret_none }}</p>
                                        <div class="row">
                                            <ActionForm action=secret>
                                                <input type="hidden" name="client_id" value=cid.get_value()/>
                                                <button class="btn btn-secondary" type="submit" data-testid="new-secret">{t.p_secret_new}</button>
                                            </ActionForm>
                                            {a.has_secret.then(|| view! {
                                                <ActionForm action=remove>
                                                    <input type="hidden" name="client_id" value=cid.get_value()/>
                                                    <button class="btn btn-secondary" type="submit">{t.p_secret_remove}</button>
                                                </ActionForm>
                                            })}
                                        </div>
                                    </div>
                                })}
                            })}
                        }.into_any()
                    })
                }}
            </Suspense>
            {move || new_url().map(|url| view! {
                <div class="form-ok stack-s" role="status">
                    <p>{t.p_secret_shown_once}</p>
                    <input class="mono" readonly value=url data-testid="secret-url" aria-label=t.p_secret_new/>
                </div>
            })}
        </section>
    }
}

/// The client's notification choices (portal).
#[component]
fn NotifyCard() -> impl IntoView {
    let t = use_t();
    let save = ServerAction::<crate::notify::api::SaveNotifyPrefs>::new();
    toast_on_success(save, t.np_saved);
    let prefs = Resource::new(
        move || save.version().get(),
        |_| crate::notify::api::load_notify_prefs(None),
    );
    view! {
        <details class="card" data-testid="portal-notify">
            <summary>{t.np_title}</summary>
            <Transition fallback=|| view! { <Skeleton lines=3/> }>
                {move || Suspend::new(async move {
                    prefs.await.ok().map(|p| view! { <crate::notify::ui::PrefsForm prefs=p action=save/> })
                })}
            </Transition>
        </details>
    }
}

/// The changes of a client's further contacts, made on the client page.
#[derive(Clone, Copy)]
pub struct ContactActions {
    pub save: ServerAction<SaveContact>,
    pub remove: ServerAction<RemoveContact>,
}

pub type ContactsResource = Resource<Result<Vec<super::Contact>, crate::error::AppError>>;

impl ContactActions {
    /// The actions and the list they refresh — created with the page, outside any Suspense.
    pub fn with_contacts(
        client_id: impl Fn() -> String + Send + Sync + 'static,
    ) -> (Self, ContactsResource) {
        let a = ContactActions {
            save: ServerAction::new(),
            remove: ServerAction::new(),
        };
        let list = Resource::new(
            move || {
                (
                    client_id(),
                    a.save.version().get(),
                    a.remove.version().get(),
                )
            },
            |(id, ..)| load_client_contacts(id),
        );
        (a, list)
    }
}

fn right_label(t: &crate::i18n::T, r: super::Right) -> &'static str {
    use super::Right::*;
    match r {
        Upload => t.right_upload,
        Files => t.right_files,
        Invoices => t.right_invoices,
        Approve => t.right_approve,
        Pay => t.right_pay,
        Chat => t.right_chat,
    }
}

/// Checkboxes of the rights, `have` ticked.
#[component]
fn RightsChoice(have: super::Rights, disabled: bool) -> impl IntoView {
    let t = use_t();
    view! {
        <fieldset class="plain rights">
            <legend class="small">{t.contact_rights}</legend>
            {super::Right::ALL.into_iter().map(|r| view! {
                <label class="check">
                    <input type="checkbox" name="rights[]" value=r.as_str() checked=have.has(r) disabled=disabled/>
                    " "{right_label(t, r)}
                </label>
            }).collect_view()}
        </fieldset>
    }
}

/// "Ansprechpartner": the client's main address and its further contacts with their rights.
#[component]
pub fn ContactsCard(
    client_id: String,
    main_email: String,
    can_edit: bool,
    actions: ContactActions,
    contacts: ContactsResource,
) -> impl IntoView {
    let t = use_t();
    let ContactActions { save, remove } = actions;
    toast_on_success(save, t.saved);
    toast_on_success(remove, t.saved);
    let err = action_error(save);
    let remove_err = action_error(remove);
    let cid = StoredValue::new(client_id);
    let default_rights = super::Rights(vec![
        super::Right::Upload,
        super::Right::Files,
        super::Right::Chat,
    ]);
    view! {
        <section class="card stack" aria-labelledby="h-contacts" data-testid="contacts">
            <h2 id="h-contacts">{t.contacts_title}</h2>
            <p class="small muted">{t.contacts_hint}</p>
            {(!main_email.is_empty()).then(|| view! { <p class="small">{fill(t.contacts_main, &[("email", &main_email)])}</p> })}
            <FormError error=remove_err/>
            <Transition fallback=|| view! { <Skeleton lines=2/> }>
                {move || Suspend::new(async move {
                    let list = contacts.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="muted">{t.contacts_none}</p> }.into_any();
                    }
                    view! {
                        <ul class="plain-list stack" data-testid="contact-list">
                            {list.into_iter().map(|c| { let remove_id = c.id.clone(); view! {
                                <li class="contact" data-testid="contact">
                                    <p><strong>{c.name.clone()}</strong>" · "<span class="small">{c.email.clone()}</span></p>
                                    <ActionForm action=save attr:class="stack-s">
                                        <input type="hidden" name="client_id" value=cid.get_value()/>
                                        <input type="hidden" name="contact_id" value=c.id.clone()/>
                                        <input type="hidden" name="name" value=c.name.clone()/>
                                        <RightsChoice have=c.rights.clone() disabled=!can_edit/>
                                        {can_edit.then(|| view! {
                                            <button class="btn btn-secondary" type="submit" data-testid="contact-save">{t.contact_save}</button>
                                        })}
                                    </ActionForm>
                                    {can_edit.then(|| view! {
                                        <ActionForm action=remove>
                                            <input type="hidden" name="contact_id" value=remove_id.clone()/>
                                            <button class="btn btn-link" type="submit" data-testid="contact-remove">{t.contact_remove}</button>
                                        </ActionForm>
                                    })}
                                </li>
                            }}).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
            {can_edit.then(|| view! {
                <details open=move || err.get().is_some()>
                    <summary class="btn btn-secondary">{t.contact_add}</summary>
                    <ActionForm attr:novalidate=true action=save attr:class="stack mt">
                        <input type="hidden" name="client_id" value=cid.get_value()/>
                        <Field id_prefix="ct-" label=t.field_name name="name" required=true error=field_error(err, "name")/>
                        <Field id_prefix="ct-" label=t.field_email name="email" kind="email" required=true error=field_error(err, "email")/>
                        <RightsChoice have=default_rights.clone() disabled=false/>
                        <div><button class="btn" type="submit" data-testid="contact-add">{t.contact_add}</button></div>
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

//! The bell in the top bar and the notifications page.

use super::{Event, Kind, MailPref, NotificationView, Prefs};
use crate::i18n::fill;
use crate::ui::{format, use_lang, use_t, EmptyState, Skeleton};
use leptos::prelude::*;
use leptos_router::components::A;

/// Bumped when the unread count changes on this page (notifications marked read).
#[derive(Clone, Copy)]
pub struct BellRefresh(pub RwSignal<u32>);

/// The bell with the unread count, refreshed on every navigation.
#[component]
pub fn NotificationBell(count: Resource<Result<i64, crate::error::AppError>>) -> impl IntoView {
    let t = use_t();
    view! {
        <A href="/notifications" attr:class="bell" attr:data-testid="bell">
            <span aria-hidden="true">"🔔"</span>
            <span class="visually-hidden">{t.nav_notifications}</span>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let n = count.await.unwrap_or(0);
                    (n > 0).then(|| view! {
                        <span class="bell-count" data-testid="bell-count" title=fill(t.notifications_unread, &[("n", &n.to_string())])>{n.to_string()}</span>
                    })
                })}
            </Transition>
        </A>
    }
}

/// The member's unread notifications, refetched on navigation, on a page's nudge and on
/// upload events.
pub fn count_resource() -> Resource<Result<i64, crate::error::AppError>> {
    let location = leptos_router::hooks::use_location();
    let refresh = use_context::<BellRefresh>().map(|r| r.0);
    let live = crate::live::counter(|e| {
        e.kind == crate::live::kind::UPLOAD || e.kind == crate::live::kind::QUARANTINE
    });
    Resource::new(
        move || {
            (
                location.pathname.get(),
                refresh.map(|r| r.get()),
                live.get(),
            )
        },
        |_| super::api::notification_count(),
    )
}

pub fn notification_text(t: &crate::i18n::T, n: &NotificationView) -> String {
    let template = match n.kind {
        Kind::Upload => t.notification_upload,
        Kind::Quarantine => t.notification_quarantine,
        Kind::Message => t.notification_message,
        Kind::QuoteAccepted => t.notification_quote_accepted,
        Kind::QuoteRejected => t.notification_quote_rejected,
        Kind::PaymentReceived => t.notification_payment_received,
        Kind::PaymentMismatch => t.notification_payment_mismatch,
        Kind::ApprovalApproved => t.notification_approval_approved,
        Kind::ApprovalChanges => t.notification_approval_changes,
        Kind::TicketOpened => t.notification_ticket_opened,
        Kind::TicketReply => t.notification_ticket_reply,
        Kind::TicketAssigned => t.notification_ticket_assigned,
        Kind::MailHeld => t.notification_mail_held,
        Kind::PinActivity => t.notification_pin_activity,
    };
    fill(
        template,
        &[("client", &n.client_name), ("file", &n.subject)],
    )
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let mark = ServerAction::<super::api::MarkNotificationsRead>::new();
    if let Some(BellRefresh(r)) = use_context::<BellRefresh>() {
        Effect::new(move |_| {
            if mark.version().get() > 0 {
                r.update(|n| *n += 1);
            }
        });
    }
    let list = Resource::new(
        move || mark.version().get(),
        |_| super::api::list_notifications(),
    );
    view! {
        <div class="page-head">
            <h1>{t.notifications_title}</h1>
            <ActionForm attr:novalidate=true action=mark>
                <button class="btn btn-secondary" type="submit" data-testid="mark-read">{t.notifications_mark_read}</button>
            </ActionForm>
        </div>
        <Transition fallback=|| view! { <Skeleton lines=4/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => view! { <EmptyState title=t.notifications_title text=t.notifications_empty/> }.into_any(),
                    Ok(items) => {
                        let now = format::now_ms();
                        view! {
                            <ul class="card list notifications" data-testid="notifications">
                                {items.into_iter().map(|n| {
                                    let text = notification_text(t, &n);
                                    let href = match (n.kind, &n.subject_id, &n.client_id) {
                                        (Kind::TicketOpened | Kind::TicketReply | Kind::TicketAssigned, Some(t), _) => format!("/tickets/{t}"),
                                        (Kind::MailHeld, ..) => "/tickets".to_string(),
                                        (_, _, Some(c)) => format!("/clients/{c}"),
                                        _ => "/clients".into(),
                                    };
                                    view! {
                                        <li class=if n.read { "notification" } else { "notification unread" }>
                                            <a href=href>{text}</a>
                                            <span class="small muted">{format::ago(n.created_at, now, lang)}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                    Err(e) => view! { <div class="form-error" role="alert">{e.user_message(t)}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One event's choice as three radio buttons: at once, daily summary, off.
#[component]
pub fn PrefChoice(legend: &'static str, name: &'static str, current: MailPref) -> impl IntoView {
    let t = use_t();
    view! {
        <fieldset class="stack-s" data-testid=format!("pref-{name}")>
            <legend>{legend}</legend>
            {MailPref::ALL.into_iter().map(|p| {
                let label = match p {
                    MailPref::Instant => t.np_instant,
                    MailPref::Digest => t.np_digest,
                    MailPref::Off => t.np_off,
                };
                view! {
                    <label class="radio">
                        <input type="radio" name=name value=p.as_str() checked=p == current/>
                        " "{label}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

pub fn event_label(t: &crate::i18n::T, e: Event) -> &'static str {
    match e {
        Event::Upload => t.np_ev_upload,
        Event::Message => t.np_ev_message,
        Event::Request => t.np_ev_request,
        Event::Question => t.np_ev_question,
        Event::Reminder => t.np_ev_reminder,
        Event::CaseClosed => t.np_ev_case_closed,
    }
}

/// Every event of a person's side, each with its choice, in one form (the portal's card and
/// the one-click page).
#[component]
pub fn PrefsForm(
    prefs: Prefs,
    action: ServerAction<super::api::SaveNotifyPrefs>,
    #[prop(optional)] token: Option<String>,
) -> impl IntoView {
    let t = use_t();
    view! {
        <ActionForm action=action attr:class="stack">
            {token.map(|tok| view! { <input type="hidden" name="token" value=tok/> })}
            {prefs.choices.into_iter().map(|(e, m)| view! {
                <PrefChoice legend=event_label(t, e) name=e.as_str() current=m/>
            }).collect_view()}
            <div><button class="btn" type="submit" data-testid="save-prefs">{t.save}</button></div>
        </ActionForm>
    }
}

/// `/notify/:token`: the one-click page of a notification mail — no sign-in.
#[component]
pub fn NotifyPrefsPage() -> impl IntoView {
    let t = use_t();
    let params = leptos_router::hooks::use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let save = ServerAction::<super::api::SaveNotifyPrefs>::new();
    let prefs = Resource::new_blocking(
        move || (token(), save.version().get()),
        |(tok, _)| super::api::load_notify_prefs(Some(tok)),
    );
    let err = crate::ui::action_error(save);
    view! {
        <main class="center-page" id="main">
            <div class="card auth-card stack">
                <h1>{t.np_title}</h1>
                <crate::ui::FormError error=err fields=&[]/>
                {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! {
                    <p class="form-ok" role="status" data-testid="prefs-saved">{t.np_saved}</p>
                })}
                <Suspense fallback=|| view! { <Skeleton lines=4/> }>
                    {move || Suspend::new(async move {
                        match prefs.await {
                            Ok(p) => view! {
                                <p class="muted">{fill(t.np_for, &[("name", &p.name)])}</p>
                                <PrefsForm prefs=p action=save token=token()/>
                            }.into_any(),
                            Err(_) => view! { <p class="form-error" role="alert">{t.np_invalid}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

//! The bell in the top bar and the notifications page.

use super::{Kind, NotificationView};
use crate::i18n::fill;
use crate::ui::{format, use_lang, use_t, EmptyState, Skeleton};
use leptos::prelude::*;
use leptos_router::components::A;

/// Bumped when the unread count changes on this page (notifications marked read).
#[derive(Clone, Copy)]
pub struct BellRefresh(pub RwSignal<u32>);

/// The bell with the unread count, refreshed on every navigation.
#[component]
pub fn NotificationBell() -> impl IntoView {
    let t = use_t();
    let location = leptos_router::hooks::use_location();
    let refresh = use_context::<BellRefresh>().map(|r| r.0);
    let live = crate::live::counter(|e| {
        e.kind == crate::live::kind::UPLOAD || e.kind == crate::live::kind::QUARANTINE
    });
    let count = Resource::new(
        move || {
            (
                location.pathname.get(),
                refresh.map(|r| r.get()),
                live.get(),
            )
        },
        |_| super::api::notification_count(),
    );
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

pub fn notification_text(t: &crate::i18n::T, n: &NotificationView) -> String {
    let template = match n.kind {
        Kind::Upload => t.notification_upload,
        Kind::Quarantine => t.notification_quarantine,
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
                                    let href = n.client_id.clone().map(|c| format!("/clients/{c}")).unwrap_or_else(|| "/clients".into());
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

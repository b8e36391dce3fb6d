//! The chat panel, the same on the client page (staff) and in the portal (client): a switcher
//! between the general conversation and the cases', the messages with links made clickable
//! (text nodes and `href` attributes only — no markup from messages), and a compose box whose
//! sends are queued: a send that fails for the network stays in the list and is retried with
//! the same idempotency key until it arrives, so nothing is lost and nothing is stored twice.

use super::api::*;
use super::domain::{linkify, Piece};
use super::{Attachment, Conversation, Message};
use crate::error::AppError;
use crate::i18n::fill;
use crate::ui::{format, use_lang, use_t, Skeleton};
use crate::uploads::widget::{UploadTarget, UploadWidget};
use leptos::prelude::*;

/// Whose chat: a client's as staff see it, or the signed-in client's.
#[derive(Clone, Debug, PartialEq)]
pub enum Side {
    Staff(String),
    Portal,
}

/// A message on its way (or waiting to be retried).
#[derive(Clone, Debug, PartialEq)]
struct Pending {
    idem: String,
    text: String,
    conv: Option<String>,
    failed: bool,
}

/// The chat's state, created with the page (outside any Suspense): the chosen conversation,
/// the messages (refetched live and after sending) and the queue of unsent messages.
#[derive(Clone, Copy)]
pub struct Chat {
    side: StoredValue<std::sync::Arc<dyn Fn() -> Side + Send + Sync>>,
    conv: RwSignal<Option<String>>,
    refresh: RwSignal<u32>,
    data: Resource<Result<Conversation, AppError>>,
    pending: RwSignal<Vec<Pending>>,
}

impl Chat {
    pub fn new(side: impl Fn() -> Side + Send + Sync + 'static, live: Signal<u64>) -> Chat {
        let side: std::sync::Arc<dyn Fn() -> Side + Send + Sync> = std::sync::Arc::new(side);
        let conv = RwSignal::new(None::<String>);
        let refresh = RwSignal::new(0u32);
        let source = side.clone();
        let data = Resource::new(
            move || (source(), conv.get(), live.get(), refresh.get()),
            |(side, conv, ..)| async move {
                match side {
                    Side::Staff(client) => load_chat(client, conv).await,
                    Side::Portal => load_portal_chat(conv).await,
                }
            },
        );
        Chat {
            side: StoredValue::new(side),
            conv,
            refresh,
            data,
            pending: RwSignal::new(Vec::new()),
        }
    }
}

impl Chat {
    /// Where an attachment goes: the secure upload path, as staff for this client or as the
    /// signed-in client, into the conversation shown.
    fn attach_target(&self) -> UploadTarget {
        let conv = self.conv.get().unwrap_or_default();
        let chat = ("chat".to_string(), conv.clone());
        match self.side.get_value()() {
            Side::Staff(client) => UploadTarget {
                bearer: None,
                portal: false,
                scope: format!("chat:{client}:{conv}"),
                metadata: vec![("client_id".to_string(), client), chat],
                allowed: Vec::new(),
            },
            Side::Portal => UploadTarget {
                bearer: None,
                portal: true,
                scope: format!("chat:portal:{conv}"),
                metadata: vec![chat],
                allowed: Vec::new(),
            },
        }
    }

    /// Whether the messages are there; tracked, so it turns true again after every reload.
    pub fn loaded(&self) -> bool {
        self.data.with(|d| d.is_some())
    }

    fn portal(&self) -> bool {
        self.side.get_value()() == Side::Portal
    }
}

pub fn new_idem() -> String {
    #[cfg(feature = "hydrate")]
    {
        let a = (js_sys::Math::random() * 1e15) as u64;
        let b = (js_sys::Math::random() * 1e15) as u64;
        format!("{:x}-{a:x}{b:x}", js_sys::Date::now() as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

/// Sends the queue's message `idem` until it arrives or is refused.
#[cfg(feature = "hydrate")]
async fn deliver(chat: Chat, idem: String, t: &'static crate::i18n::T) {
    let mut delay = 1_000u32;
    loop {
        let Some(p) = chat
            .pending
            .with_untracked(|v| v.iter().find(|p| p.idem == idem).cloned())
        else {
            return;
        };
        let side = chat.side.get_value()();
        let sent = match side {
            Side::Staff(client) => {
                send_message(client, p.conv.clone(), p.text.clone(), Some(idem.clone())).await
            }
            Side::Portal => portal_send(p.conv.clone(), p.text.clone(), Some(idem.clone())).await,
        };
        match sent {
            Ok(_) => {
                chat.pending.update(|v| v.retain(|x| x.idem != idem));
                chat.refresh.update(|n| *n += 1);
                return;
            }
            Err(AppError::Transport(_)) | Err(AppError::Internal) => {
                chat.pending.update(|v| {
                    if let Some(x) = v.iter_mut().find(|x| x.idem == idem) {
                        x.failed = true;
                    }
                });
                crate::uploads::widget::sleep(delay).await;
                delay = (delay * 2).min(30_000);
            }
            Err(e) => {
                // Refused (too long, no access): nothing to retry.
                chat.pending.update(|v| v.retain(|x| x.idem != idem));
                crate::ui::use_toasts().push(e.user_message(t), true);
                return;
            }
        }
    }
}

#[component]
pub fn ChatPanel(chat: Chat, #[prop(optional)] can_write: Option<bool>) -> impl IntoView {
    let t = use_t();
    let can_write = can_write.unwrap_or(true);
    let text = RwSignal::new(String::new());
    let attaching = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if body.trim().is_empty() {
            return;
        }
        let idem = new_idem();
        chat.pending.update(|v| {
            v.push(Pending {
                idem: idem.clone(),
                text: body,
                conv: chat.conv.get_untracked(),
                failed: false,
            })
        });
        text.set(String::new());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(deliver(chat, idem, t));
        #[cfg(not(feature = "hydrate"))]
        let _ = idem;
    };
    view! {
        <div class="chat stack" data-testid="chat">
            <Transition fallback=|| view! { <Skeleton lines=3/> }>
                {move || Suspend::new(async move {
                    match chat.data.await {
                        Ok(c) => view! { <Switcher chat c=c.clone()/> <Messages list=c.messages portal=chat.portal()/> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                    }
                })}
            </Transition>
            <ul class="chat-list chat-pending" aria-live="polite">
                <For each=move || chat.pending.get() key=|p| (p.idem.clone(), p.failed) let:p>
                    <li class="chat-msg mine pending" data-testid="chat-pending">
                        <p class="chat-text">{p.text.clone()}</p>
                        <p class="small muted">{if p.failed { t.chat_retrying } else { t.chat_sending }}</p>
                    </li>
                </For>
            </ul>
            {can_write.then(|| view! {
                <form class="chat-compose stack-s" on:submit=submit>
                    <label class="visually-hidden" for="chat-text">{t.chat_write}</label>
                    <textarea id="chat-text" name="text" rows="2" maxlength="4000" placeholder=t.chat_write
                        data-testid="chat-input"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    <div class="row">
                        <button class="btn" type="submit" data-testid="chat-send">{t.chat_send}</button>
                        <button class="btn btn-secondary" type="button" data-testid="chat-attach"
                            aria-expanded=move || attaching.get().to_string()
                            on:click=move |_| attaching.update(|a| *a = !*a)>
                            {move || if attaching.get() { t.chat_attach_done } else { t.chat_attach }}
                        </button>
                    </div>
                </form>
                {move || attaching.get().then(|| view! {
                    <UploadWidget target=chat.attach_target() on_done=Callback::new(move |_| chat.refresh.update(|n| *n += 1))/>
                })}
            })}
        </div>
    }
}

#[component]
fn Switcher(chat: Chat, c: Conversation) -> impl IntoView {
    let t = use_t();
    if c.cases.is_empty() {
        return ().into_any();
    }
    let label = |title: &str, n: i64| {
        if n > 0 {
            format!("{title} ({n})")
        } else {
            title.to_string()
        }
    };
    let current = chat.conv.get_untracked().unwrap_or_default();
    view! {
        <label class="small" for="chat-conv">{t.chat_conversation}</label>
        <select id="chat-conv" data-testid="chat-conv"
            on:change=move |ev| {
                let v = event_target_value(&ev);
                chat.conv.set((!v.is_empty()).then_some(v));
            }>
            <option value="" selected=current.is_empty()>{label(t.chat_general, c.general_unread)}</option>
            {c.cases.into_iter().map(|(id, title, n)| {
                let selected = current == id;
                view! { <option value=id selected=selected>{label(&title, n)}</option> }
            }).collect_view()}
        </select>
    }
    .into_any()
}

#[component]
fn Messages(list: Vec<Message>, portal: bool) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    if list.is_empty() {
        return view! { <p class="muted" data-testid="chat-empty">{t.chat_none}</p> }.into_any();
    }
    view! {
        <ul class="chat-list" data-testid="chat-messages">
            {list.into_iter().map(|m| {
                let class = match (m.mine, m.author) {
                    (true, _) => "chat-msg mine",
                    (_, a) if a.is_system() => "chat-msg system",
                    _ => "chat-msg",
                };
                let who = if m.author.is_system() { t.chat_system.to_string() } else { m.author_name.clone() };
                view! {
                    <li class=class data-testid="chat-message">
                        <p class="small muted">{who}" · "{format::datetime(m.created_at, lang)}</p>
                        {(!m.text.is_empty()).then(|| view! {
                            <p class="chat-text">
                                {linkify(&m.text).into_iter().map(|p| match p {
                                    Piece::Text(s) => s.into_any(),
                                    Piece::Link(u) => {
                                        let shown = u.clone();
                                        view! { <a href=u rel="noopener noreferrer nofollow" target="_blank">{shown}</a> }.into_any()
                                    }
                                }).collect_view()}
                            </p>
                        })}
                        {m.file.map(|f| view! { <AttachmentLine f portal/> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// An attached file: a download link (the portal's route for the client), or its name and why
/// it is held back.
#[component]
pub fn AttachmentLine(f: Attachment, portal: bool) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let size = crate::uploads::ui::human_size(f.size, lang);
    if f.blocked {
        return view! {
            <p class="chat-file blocked" data-testid="chat-file">
                <span class="filename">{f.name}</span>" · "{t.chat_file_blocked}
            </p>
        }
        .into_any();
    }
    let href = if portal {
        format!("/api/portal/files/{}", f.id)
    } else {
        format!("/api/files/{}/download", f.id)
    };
    view! {
        <p class="chat-file" data-testid="chat-file">
            <a href=href download=f.name.clone() class="filename">{f.name.clone()}</a>" · "{size}
        </p>
    }
    .into_any()
}

/// The number of unread messages for a badge ("3"), nothing when there are none.
#[component]
pub fn UnreadBadge(n: i64) -> impl IntoView {
    let t = use_t();
    (n > 0).then(|| {
        view! {
            <span class="badge badge-unread" data-testid="unread" title=fill(t.chat_unread, &[("n", &n.to_string())])>{n.to_string()}</span>
        }
    })
}

/// The signed-in member's unread messages, refetched on every navigation and message.
pub fn unread_resource() -> Resource<Result<crate::chat::api::Unread, crate::error::AppError>> {
    let location = leptos_router::hooks::use_location();
    let live = crate::live::counter(is_message);
    Resource::new(
        move || (location.pathname.get(), live.get()),
        |_| crate::chat::api::chat_unread(),
    )
}

/// Whether an event concerns the chat.
pub fn is_message(e: &crate::live::LiveEvent) -> bool {
    e.kind == crate::live::kind::MESSAGE
}

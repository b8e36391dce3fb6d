//! Live updates in the browser: one server-sent-event stream per staff tab (`/api/events`),
//! opened by the staff layout. Pages ask for a counter that moves when something happened
//! that concerns them and put it into their resources' sources, so they refetch by
//! themselves. The browser's EventSource reconnects on its own and sends the last event id;
//! the server replays what was missed.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What happened, as the browser learns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    /// Time-ordered (UUIDv7); the SSE event id.
    pub id: String,
    /// `upload`, `quarantine`, `case` (a case or item changed), or `resync` (events were
    /// missed: refetch everything).
    pub kind: String,
    pub client_id: Option<String>,
    /// The case the event is about, if any.
    #[serde(default)]
    pub case_id: Option<String>,
    pub client_name: String,
    /// The file or case the event is about.
    pub subject: String,
    pub created_at: i64,
}

pub mod kind {
    pub const UPLOAD: &str = "upload";
    pub const QUARANTINE: &str = "quarantine";
    pub const CASE: &str = "case";
    /// A chat message (the subject is its id).
    pub const MESSAGE: &str = "message";
    /// An invoice changed by itself (a payment arrived; the subject is its id).
    pub const INVOICE: &str = "invoice";
    /// A ticket's thread or state changed (the subject is its id).
    pub const TICKET: &str = "ticket";
    pub const RESYNC: &str = "resync";
}

/// The latest event of this tab, provided by the staff layout.
#[derive(Clone, Copy)]
pub struct Live(pub RwSignal<Option<LiveEvent>>);

impl Live {
    /// The staff stream (`/api/events`).
    pub fn provide() -> Live {
        Live::provide_at("/api/events")
    }

    /// The stream at `url` (the portal's is `/api/portal/events`).
    pub fn provide_at(url: &'static str) -> Live {
        let live = Live(RwSignal::new(None));
        provide_context(live);
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| client::connect(live.0, url));
        #[cfg(not(feature = "hydrate"))]
        let _ = url;
        live
    }
}

/// A counter that moves with every event `wanted` accepts (and with every resync). Put it
/// into a resource's source to refetch live.
pub fn counter(wanted: impl Fn(&LiveEvent) -> bool + Send + Sync + 'static) -> Signal<u64> {
    let n = RwSignal::new(0u64);
    if let Some(Live(latest)) = use_context::<Live>() {
        let seen = StoredValue::new(latest.get_untracked().map(|e| e.id));
        Effect::new(move |_| {
            let Some(ev) = latest.get() else { return };
            if seen.get_value().as_deref() == Some(ev.id.as_str()) {
                return;
            }
            seen.set_value(Some(ev.id.clone()));
            if ev.kind == kind::RESYNC || wanted(&ev) {
                n.update(|x| *x += 1);
            }
        });
    }
    n.into()
}

/// Moves with events about one client.
pub fn client_counter(client_id: impl Fn() -> String + Send + Sync + 'static) -> Signal<u64> {
    counter(move |ev| ev.client_id.as_deref() == Some(client_id().as_str()))
}

#[cfg(feature = "hydrate")]
mod client {
    use super::LiveEvent;
    use leptos::prelude::*;
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;

    thread_local! {
        // One stream per tab; a remounted layout takes it over with its new signal.
        static STREAM: RefCell<Option<web_sys::EventSource>> = const { RefCell::new(None) };
        static SINK: RefCell<Option<RwSignal<Option<LiveEvent>>>> = const { RefCell::new(None) };
    }

    pub fn connect(sink: RwSignal<Option<LiveEvent>>, url: &str) {
        SINK.with(|s| *s.borrow_mut() = Some(sink));
        let open = STREAM.with(|s| {
            s.borrow()
                .as_ref()
                .is_some_and(|es| es.ready_state() != web_sys::EventSource::CLOSED)
        });
        if open {
            return;
        }
        let Ok(es) = web_sys::EventSource::new(url) else {
            return;
        };
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|m: web_sys::MessageEvent| {
                let Some(text) = m.data().as_string() else {
                    return;
                };
                let Ok(ev) = serde_json::from_str::<LiveEvent>(&text) else {
                    return;
                };
                SINK.with(|s| {
                    if let Some(sink) = *s.borrow() {
                        sink.try_set(Some(ev));
                    }
                });
            });
        es.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The stream lives as long as the tab.
        on_message.forget();
        STREAM.with(|s| *s.borrow_mut() = Some(es));
    }
}

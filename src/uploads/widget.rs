//! The upload widget: drag & drop or file picker, several files, per-file progress with speed
//! and time left, pause/resume, cancel, automatic retry with back-off, and resume after a page
//! reload (the upload URL is remembered per file in localStorage). Speaks tus 1.0 to
//! `/api/uploads/`; chunks are `Blob::slice`s handed to `fetch`, so a file is never read into
//! memory as a whole.

use super::domain::widget::{backoff_ms, rate_and_eta, resume_key, retryable, CHUNK};
use crate::i18n::{fill, T};
use crate::ui::use_t;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// How the widget authenticates and where files go.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadTarget {
    /// Upload-link token (public page); `None` uses the session cookie.
    pub bearer: Option<String>,
    /// Upload as the client signed in to the portal (else as staff) when there is no token.
    pub portal: bool,
    /// Extra `Upload-Metadata` (e.g. `client_id` for staff uploads).
    pub metadata: Vec<(String, String)>,
    /// Separates remembered uploads of different links/contexts.
    pub scope: String,
    /// The firm's allow-list of extensions (empty: all). Checked here for an answer without
    /// a round trip; the server checks again.
    pub allowed: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    Queued,
    Uploading,
    Paused,
    Retrying,
    Done,
    Failed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub key: u32,
    pub name: String,
    pub size: u64,
    pub sent: u64,
    pub phase: Phase,
    pub message: Option<String>,
    pub rate: u64,
    pub eta: Option<u64>,
    pub pause: bool,
    pub cancel: bool,
}

fn fmt_rate(bytes_per_s: u64, lang: crate::i18n::Lang) -> String {
    format!("{}/s", super::ui::human_size(bytes_per_s as i64, lang))
}

fn fmt_eta(t: &T, secs: u64) -> String {
    if secs >= 90 {
        fill(t.up_eta_min, &[("n", &secs.div_ceil(60).to_string())])
    } else {
        fill(t.up_eta_sec, &[("n", &secs.to_string())])
    }
}

#[component]
pub fn UploadWidget(
    target: UploadTarget,
    /// Password for protected links, sent with every request.
    #[prop(into, optional)]
    password: Option<Signal<String>>,
    /// Called after each finished file (e.g. to refresh a list).
    #[prop(optional, into)]
    on_done: Option<Callback<()>>,
) -> impl IntoView {
    let t = use_t();
    let lang = crate::ui::use_lang();
    let items = RwSignal::new(Vec::<Item>::new());
    let next_key = StoredValue::new(0u32);
    let dragging = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let target = StoredValue::new(target);

    let add_files = move |list: web_sys::FileList| {
        for i in 0..list.length() {
            let Some(file) = list.get(i) else { continue };
            let key = next_key.get_value();
            next_key.set_value(key + 1);
            items.update(|v| {
                v.push(Item {
                    key,
                    name: file.name(),
                    size: file.size() as u64,
                    sent: 0,
                    phase: Phase::Queued,
                    message: None,
                    rate: 0,
                    eta: None,
                    pause: false,
                    cancel: false,
                })
            });
            let allowed = target.with_value(|t| t.allowed.clone());
            if !super::domain::extension_allowed(&file.name(), &allowed) {
                let msg = super::type_refusal(t, &file.name(), &allowed);
                items.update(|v| {
                    v.iter_mut().filter(|i| i.key == key).for_each(|i| {
                        i.phase = Phase::Failed;
                        i.message = Some(msg.clone());
                    })
                });
                continue;
            }
            let pw = password.map(|p| p.get_untracked());
            leptos::task::spawn_local(run(key, file, target.get_value(), pw, items, on_done, t));
        }
    };
    let on_change = move |_| {
        if let Some(list) = input.get().and_then(|i| i.files()) {
            add_files(list);
        }
        if let Some(i) = input.get() {
            i.set_value("");
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
            add_files(list);
        }
    };
    let set_flag = move |key: u32, f: fn(&mut Item)| {
        items.update(|v| v.iter_mut().filter(|i| i.key == key).for_each(f))
    };

    view! {
        <div class="uploader">
            <label
                class=move || if dragging.get() { "dropzone dragging" } else { "dropzone" }
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <input node_ref=input type="file" multiple class="visually-hidden" on:change=on_change data-testid="file-input"
                    accept=target.with_value(|t| (!t.allowed.is_empty()).then(|| t.allowed.iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(",")))/>
                <span class="dropzone-title">{t.up_choose}</span>
                <span class="small muted">{t.up_drop_hint}</span>
            </label>
            <noscript><p class="form-error">{t.up_needs_js}</p></noscript>
            <ul class="upload-list" aria-live="polite">
                <For each=move || items.get() key=|i| (i.key, i.phase, i.sent, i.message.clone(), i.pause) let:item>
                    {
                        let key = item.key;
                        let pct = (item.sent * 100).checked_div(item.size).unwrap_or(100);
                        let status = match item.phase {
                            Phase::Queued => t.up_queued.to_string(),
                            Phase::Uploading => {
                                let mut s = format!("{pct} %");
                                if item.rate > 0 {
                                    s.push_str(&format!(" · {}", fmt_rate(item.rate, lang)));
                                }
                                if let Some(e) = item.eta {
                                    s.push_str(&format!(" · {}", fmt_eta(t, e)));
                                }
                                s
                            }
                            Phase::Paused => format!("{pct} % · {}", t.up_paused),
                            Phase::Retrying => format!("{pct} % · {}", t.up_retrying),
                            Phase::Done => t.up_done.to_string(),
                            Phase::Failed => t.up_failed.to_string(),
                            Phase::Cancelled => t.up_cancelled.to_string(),
                        };
                        let active = matches!(item.phase, Phase::Queued | Phase::Uploading | Phase::Paused | Phase::Retrying);
                        view! {
                            <li class=format!("upload-item phase-{:?}", item.phase).to_lowercase() data-testid="upload-item">
                                <div class="row upload-head">
                                    <strong class="filename">{item.name.clone()}</strong>
                                    <span class="small muted" data-testid="upload-status">{status}</span>
                                </div>
                                <progress max="100" value=pct.to_string() aria-label=item.name.clone()></progress>
                                {item.message.clone().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                                {active.then(|| view! {
                                    <div class="row">
                                        {if item.pause {
                                            view! { <button type="button" class="btn btn-secondary" on:click=move |_| set_flag(key, |i| i.pause = false)>{t.up_resume}</button> }.into_any()
                                        } else {
                                            view! { <button type="button" class="btn btn-secondary" on:click=move |_| set_flag(key, |i| i.pause = true)>{t.up_pause}</button> }.into_any()
                                        }}
                                        <button type="button" class="btn btn-link" on:click=move |_| set_flag(key, |i| i.cancel = true)>{t.cancel}</button>
                                    </div>
                                })}
                            </li>
                        }
                    }
                </For>
            </ul>
        </div>
    }
}

fn update(items: RwSignal<Vec<Item>>, key: u32, f: impl FnOnce(&mut Item)) {
    items.update(|v| {
        if let Some(i) = v.iter_mut().find(|i| i.key == key) {
            f(i)
        }
    });
}

fn flags(items: RwSignal<Vec<Item>>, key: u32) -> (bool, bool) {
    items.with_untracked(|v| {
        v.iter()
            .find(|i| i.key == key)
            .map(|i| (i.pause, i.cancel))
            .unwrap_or((false, true))
    })
}

/// One HTTP answer, or `None` when the network failed.
struct Answer {
    status: u16,
    headers: web_sys::Headers,
    text: String,
}

async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Option<&web_sys::Blob>,
) -> Option<Answer> {
    use wasm_bindgen_futures::JsFuture;
    let h = web_sys::Headers::new().ok()?;
    for (k, v) in headers {
        h.set(k, v).ok()?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_headers(&h);
    if let Some(b) = body {
        init.set_body(b);
    }
    let window = web_sys::window()?;
    let resp = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .ok()?;
    let resp: web_sys::Response = resp.dyn_into().ok()?;
    let text = match resp.text() {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    Some(Answer {
        status: resp.status(),
        headers: resp.headers(),
        text,
    })
}

pub(crate) async fn sleep(ms: u32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// After a failed request: how long to wait before trying again, or — for a refusal or after
/// too many attempts — the message to stop with.
fn next_try(answer: Option<Answer>, attempt: &mut u32, t: &T) -> Result<u32, String> {
    let delay = backoff_ms(*attempt);
    *attempt += 1;
    match (retryable(answer.as_ref().map(|a| a.status)), delay, answer) {
        (true, Some(d), _) => Ok(d),
        (false, _, Some(a)) => Err(refusal(t, &a)),
        _ => Err(t.up_offline.to_string()),
    }
}

/// What to show while a request is retried: the server's sentence for a full disk (it says
/// nothing was lost), a lost connection for no answer at all.
fn retry_note(answer: Option<&Answer>, t: &T) -> Option<String> {
    match answer {
        Some(a) if a.status == 507 => server_sentence(a),
        None => Some(t.up_connection_lost.to_string()),
        Some(_) => None,
    }
}

/// The sentence the server sent with an answer (already in the user's language), if any.
fn server_sentence(a: &Answer) -> Option<String> {
    let text = a.text.trim();
    (!text.is_empty() && a.text.len() < 500).then(|| text.to_string())
}

/// After a failed request: shows the file as being retried (and why, when that is known) and
/// waits out the back-off — or returns the message to stop with.
async fn retry_later(
    answer: Option<Answer>,
    attempt: &mut u32,
    t: &'static T,
    items: RwSignal<Vec<Item>>,
    key: u32,
) -> Result<(), String> {
    let note = retry_note(answer.as_ref(), t);
    let delay = next_try(answer, attempt, t)?;
    update(items, key, |i| {
        i.phase = Phase::Retrying;
        i.message = note;
    });
    sleep(delay).await;
    Ok(())
}

/// A message for a refused request: the server's own sentence (already in the user's
/// language) when it sent one, else a generic one.
fn refusal(t: &T, a: &Answer) -> String {
    server_sentence(a).unwrap_or_else(|| {
        if a.status == 413 {
            t.up_too_large.to_string()
        } else {
            t.err_internal.to_string()
        }
    })
}

async fn run(
    key: u32,
    file: web_sys::File,
    target: UploadTarget,
    password: Option<String>,
    items: RwSignal<Vec<Item>>,
    on_done: Option<Callback<()>>,
    t: &'static T,
) {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let size = file.size() as u64;
    let name = file.name();
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    let rkey = resume_key(&target.scope, &name, size, file.last_modified() as u64);
    let mut location: Option<String> = storage
        .as_ref()
        .and_then(|s| s.get_item(&rkey).ok().flatten());
    let mut auth: Vec<(&str, String)> = vec![("Tus-Resumable", "1.0.0".to_string())];
    if let Some(b) = &target.bearer {
        auth.push(("Authorization", format!("Bearer {b}")));
    } else if target.portal {
        auth.push(("Upload-As", "portal".to_string()));
    }
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        auth.push(("Upload-Link-Password", p));
    }
    let mut offset: Option<u64> = None;
    let mut attempt = 0u32;
    let started = now();
    let mut started_at: Option<u64> = None;
    let fail = |msg: String| {
        update(items, key, |i| {
            i.phase = Phase::Failed;
            i.message = Some(msg);
        })
    };
    loop {
        let (pause, cancel) = flags(items, key);
        if cancel {
            if let Some(loc) = &location {
                let _ = send("DELETE", loc, &auth, None).await;
            }
            if let Some(s) = &storage {
                let _ = s.remove_item(&rkey);
            }
            update(items, key, |i| i.phase = Phase::Cancelled);
            return;
        }
        if pause {
            update(items, key, |i| i.phase = Phase::Paused);
            sleep(300).await;
            continue;
        }
        // Create the upload (once; remembered for reloads).
        let Some(loc) = location.clone() else {
            let mut meta = vec![format!("filename {}", STANDARD.encode(&name))];
            if !file.type_().is_empty() {
                meta.push(format!("filetype {}", STANDARD.encode(file.type_())));
            }
            for (k, v) in &target.metadata {
                meta.push(format!("{k} {}", STANDARD.encode(v)));
            }
            let mut h = auth.clone();
            h.push(("Upload-Length", size.to_string()));
            h.push(("Upload-Metadata", meta.join(",")));
            match send("POST", "/api/uploads/", &h, None).await {
                Some(a) if a.status == 201 => {
                    let loc = a.headers.get("location").ok().flatten().unwrap_or_default();
                    if let Some(s) = &storage {
                        let _ = s.set_item(&rkey, &loc);
                    }
                    location = Some(loc);
                    offset = Some(0);
                    attempt = 0;
                }
                other => {
                    if let Err(message) = retry_later(other, &mut attempt, t, items, key).await {
                        return fail(message);
                    }
                }
            }
            continue;
        };
        // Where does the server stand? (After a reload or an error.)
        let Some(at) = offset else {
            match send("HEAD", &loc, &auth, None).await {
                Some(a) if a.status == 200 => {
                    offset = a
                        .headers
                        .get("upload-offset")
                        .ok()
                        .flatten()
                        .and_then(|v| v.parse().ok());
                }
                Some(a)
                    if a.status == 404
                        || a.status == 410
                            && a.headers.get("upload-error").ok().flatten().as_deref()
                                == Some("upload_expired") =>
                {
                    // The remembered upload is gone: start this file over.
                    if let Some(s) = &storage {
                        let _ = s.remove_item(&rkey);
                    }
                    location = None;
                }
                other => {
                    if let Err(message) = retry_later(other, &mut attempt, t, items, key).await {
                        return fail(message);
                    }
                }
            }
            continue;
        };
        if at >= size {
            if let Some(s) = &storage {
                let _ = s.remove_item(&rkey);
            }
            update(items, key, |i| {
                i.sent = size;
                i.phase = Phase::Done;
                i.message = None;
            });
            if let Some(cb) = on_done {
                cb.run(());
            }
            return;
        }
        let base = *started_at.get_or_insert(at);
        let end = (at + CHUNK).min(size);
        let Ok(chunk) = file.slice_with_f64_and_f64(at as f64, end as f64) else {
            return fail(t.err_internal.to_string());
        };
        update(items, key, |i| {
            i.phase = Phase::Uploading;
            i.sent = at;
        });
        let mut h = auth.clone();
        h.push((
            "Content-Type",
            "application/offset+octet-stream".to_string(),
        ));
        h.push(("Upload-Offset", at.to_string()));
        match send("PATCH", &loc, &h, Some(&chunk)).await {
            Some(a) if a.status == 204 => {
                let new = a
                    .headers
                    .get("upload-offset")
                    .ok()
                    .flatten()
                    .and_then(|v| v.parse::<u64>().ok());
                offset = new;
                attempt = 0;
                if let Some(n) = new {
                    let (rate, eta) = rate_and_eta(n - base, (now() - started) as u64, size - n);
                    update(items, key, |i| {
                        i.sent = n;
                        i.rate = rate;
                        i.eta = eta;
                        i.message = None;
                    });
                }
            }
            other => {
                offset = None;
                if let Err(message) = retry_later(other, &mut attempt, t, items, key).await {
                    return fail(message);
                }
            }
        }
    }
}

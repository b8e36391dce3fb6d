//! The marking view (`/files/:id/review` for staff, `/portal/files/:id/review` for clients):
//! the page as an image with its marks laid over it at their relative spots, a mode switch
//! (look / pin / area) so scrolling and pinching on a phone never place a mark by accident,
//! the list of marks beside the image (buttons, so reachable by keyboard), each with its
//! thread, answer, resolve and reopen — and the previous version's marks still open.

use super::{normalize, Kind, Pin, PinState, Review, Spot};
use crate::error::AppError;
use crate::i18n::fill;
use crate::ui::{format, use_lang, use_t, NotFoundState, Skeleton};
use leptos::prelude::*;

/// Which side looks: staff (their routes) or the signed-in client.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Staff,
    Portal,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Look,
    Pin,
    Area,
}

/// What the user asked for; run by one action per page.
#[derive(Clone)]
enum Op {
    Add {
        file_id: String,
        spot: Spot,
        text: String,
    },
    Reply {
        pin_id: String,
        text: String,
    },
    State {
        pin_id: String,
        to: PinState,
    },
}

async fn run(side: Side, op: Op) -> Result<(), AppError> {
    use super::api::*;
    let second = |s: &Spot| (!s.is_pin()).then_some((s.x + s.w, s.y + s.h));
    match (side, op) {
        (
            Side::Staff,
            Op::Add {
                file_id,
                spot,
                text,
            },
        ) => {
            let b = second(&spot);
            add_pin(
                file_id,
                spot.page,
                spot.x,
                spot.y,
                b.map(|b| b.0),
                b.map(|b| b.1),
                Some(text),
            )
            .await
            .map(|_| ())
        }
        (
            Side::Portal,
            Op::Add {
                file_id,
                spot,
                text,
            },
        ) => {
            let b = second(&spot);
            portal_add_pin(
                file_id,
                spot.page,
                spot.x,
                spot.y,
                b.map(|b| b.0),
                b.map(|b| b.1),
                Some(text),
            )
            .await
            .map(|_| ())
        }
        (Side::Staff, Op::Reply { pin_id, text }) => {
            reply_pin(pin_id, Some(text)).await.map(|_| ())
        }
        (Side::Portal, Op::Reply { pin_id, text }) => {
            portal_reply_pin(pin_id, Some(text)).await.map(|_| ())
        }
        (Side::Staff, Op::State { pin_id, to }) => set_pin_state(pin_id, to.as_str().into()).await,
        (Side::Portal, Op::State { pin_id, to }) => {
            portal_set_pin_state(pin_id, to.as_str().into()).await
        }
    }
}

/// `/files/:id/review` (staff) and `/portal/files/:id/review` (the client).
#[component]
pub fn ReviewPage(side: Side) -> impl IntoView {
    let t = use_t();
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let op = Action::new(move |o: &Op| run(side, o.clone()));
    // Kept across reloads of the marks (after each change).
    let page = RwSignal::new(1i64);
    let selected = RwSignal::new(None::<String>);
    let review = Resource::new(
        move || (id(), op.version().get()),
        move |(id, _)| async move {
            match side {
                Side::Staff => super::api::load_review(id).await,
                Side::Portal => super::api::portal_review(id).await,
            }
        },
    );
    let inner = move || {
        view! {
            <Transition fallback=|| view! { <Skeleton lines=8/> }>
                {move || Suspend::new(async move {
                    match review.await {
                        Ok(r) => view! { <Viewer r side op page selected/> }.into_any(),
                        Err(e) => view! { <NotFoundState error=e/> }.into_any(),
                    }
                })}
            </Transition>
        }
    };
    let _ = t;
    match side {
        Side::Staff => inner().into_any(),
        Side::Portal => view! { <crate::invoices::portal::PortalFrame>{inner()}</crate::invoices::portal::PortalFrame> }.into_any(),
    }
}

#[component]
fn Viewer(
    r: Review,
    side: Side,
    op: Action<Op, Result<(), AppError>>,
    page: RwSignal<i64>,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let t = use_t();
    let mode = RwSignal::new(Mode::Look);
    let pending = RwSignal::new(None::<Spot>);
    let start = StoredValue::new(None::<(i64, i64, f64, f64)>);
    let comment = RwSignal::new(String::new());
    let error = move || match op.value().get() {
        Some(Err(e)) => Some(e.user_message(t)),
        _ => None,
    };
    // A mark saved: the form closes.
    Effect::new(move |_| {
        if matches!(op.value().get(), Some(Ok(()))) {
            pending.set(None);
            comment.set(String::new());
            mode.set(Mode::Look);
        }
    });
    let pages = r.pages;
    let file_id = StoredValue::new(r.file_id.clone());
    let base = match side {
        Side::Staff => format!("/api/files/{}/pages", r.file_id),
        Side::Portal => format!("/api/portal/files/{}/pages", r.file_id),
    };
    let pins = StoredValue::new(r.pins.clone());
    let stage = NodeRef::<leptos::html::Div>::new();
    // Where on the page the pointer is, in stored units (measured against the stage itself:
    // events are delegated, so their current target is not the stage).
    let at = move |ev: &leptos::ev::PointerEvent| -> Option<(i64, i64, f64, f64)> {
        let rect = stage.get_untracked()?.get_bounding_client_rect();
        let (cx, cy) = (ev.client_x() as f64, ev.client_y() as f64);
        let (x, y) = normalize(
            cx - rect.left(),
            cy - rect.top(),
            rect.width(),
            rect.height(),
        )?;
        Some((x, y, cx, cy))
    };
    let down = move |ev: leptos::ev::PointerEvent| {
        if mode.get_untracked() != Mode::Look {
            start.set_value(at(&ev));
        }
    };
    let up = move |ev: leptos::ev::PointerEvent| {
        let Some((x0, y0, cx0, cy0)) = start.get_value() else {
            return;
        };
        start.set_value(None);
        let Some((x1, y1, cx1, cy1)) = at(&ev) else {
            return;
        };
        let moved = (cx1 - cx0).abs() + (cy1 - cy0).abs();
        let spot = match mode.get_untracked() {
            Mode::Look => None,
            // A finger that travelled was scrolling, not pinning.
            Mode::Pin if moved > 12.0 => None,
            Mode::Pin => Spot::new(page.get_untracked(), (x1, y1), None),
            Mode::Area if moved < 12.0 => None,
            Mode::Area => Spot::new(page.get_untracked(), (x0, y0), Some((x1, y1))),
        };
        if spot.is_some() {
            pending.set(spot);
        }
    };
    // By keyboard: a cursor moved with the arrow keys; Enter places a pin there, or in area
    // mode the first and then the second corner; the comment field gets the focus.
    let cursor = RwSignal::new(None::<(i64, i64)>);
    let corner = RwSignal::new(None::<(i64, i64)>);
    let comment_box = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        page.track();
        corner.set(None);
    });
    let key = move |ev: leptos::ev::KeyboardEvent| {
        // Keys pressed on a mark (it bubbles up here) are the mark's.
        let on_stage = match (ev.target(), stage.get_untracked()) {
            (Some(t), Some(s)) => {
                let s: &web_sys::EventTarget = s.as_ref();
                t == *s
            }
            _ => false,
        };
        if !on_stage || mode.get_untracked() == Mode::Look {
            return;
        }
        let here = cursor
            .get_untracked()
            .unwrap_or((super::SCALE / 2, super::SCALE / 2));
        match ev.key().as_str() {
            "Enter" | " " => {
                ev.prevent_default();
                let p = page.get_untracked();
                let spot = match (mode.get_untracked(), corner.get_untracked()) {
                    (Mode::Area, None) => {
                        corner.set(Some(here));
                        None
                    }
                    (Mode::Area, Some(a)) if a == here => None,
                    (Mode::Area, Some(a)) => Spot::new(p, a, Some(here)),
                    _ => Spot::new(p, here, None),
                };
                if spot.is_some() {
                    corner.set(None);
                    pending.set(spot);
                    request_animation_frame(move || {
                        if let Some(el) = comment_box.get_untracked() {
                            let _ = el.focus();
                        }
                    });
                }
            }
            "Escape" => {
                corner.set(None);
                cursor.set(None);
            }
            k => {
                if let Some(next) = super::step(here, k, ev.shift_key()) {
                    ev.prevent_default();
                    cursor.set(Some(next));
                }
            }
        }
    };
    let percent = |v: i64| (v * 100 / super::SCALE).to_string();
    let on_page = move |p: &Pin| p.spot.page == page.get();
    let number = move |id: &str| {
        pins.with_value(|l| {
            l.iter()
                .position(|p| p.id == id)
                .map(|i| i + 1)
                .unwrap_or(0)
        })
    };
    let carried = r.carried.clone();
    let version = r.version;
    view! {
        <div class="page-head">
            <h1 data-testid="review-title">{format!("{} (v{})", r.file_name, r.version)}</h1>
        </div>
        <div class="review">
            <section class="card stack review-stage-card" aria-label=t.mk_page_label>
                {(pages == 0).then(|| view! { <p class="form-error" data-testid="preview-unavailable">{t.mk_preview_unavailable}</p> })}
                {(pages > 0).then(|| view! {
                    <div class="row review-tools">
                        {(pages > 1).then(|| view! {
                            <button class="btn btn-secondary btn-small" type="button" data-testid="page-prev"
                                disabled=move || { page.get() <= 1 } on:click=move |_| page.update(|p| *p -= 1)>"‹"</button>
                            <span data-testid="page-label">{move || fill(t.mk_page_of, &[("page", &page.get().to_string()), ("pages", &pages.to_string())])}</span>
                            <button class="btn btn-secondary btn-small" type="button" data-testid="page-next"
                                disabled=move || { page.get() >= pages } on:click=move |_| page.update(|p| *p += 1)>"›"</button>
                        })}
                        <div class="row" role="group" aria-label=t.mk_mode_label>
                            {[(Mode::Look, t.mk_mode_look, "mode-look"), (Mode::Pin, t.mk_mode_pin, "mode-pin"), (Mode::Area, t.mk_mode_area, "mode-area")].into_iter().map(|(m, label, id)| view! {
                                <button type="button" data-testid=id aria-pressed=move || (mode.get() == m).to_string()
                                    class=move || if mode.get() == m { "btn btn-small" } else { "btn btn-secondary btn-small" }
                                    on:click=move |_| mode.set(m)>{label}</button>
                            }).collect_view()}
                        </div>
                    </div>
                    <p class="small muted" id="mk-hint">{move || match mode.get() { Mode::Look => t.mk_hint_look, Mode::Pin => t.mk_hint_pin, Mode::Area => t.mk_hint_area }}</p>
                    <p class="small muted" id="mk-keys" class:visually-hidden=move || mode.get() == Mode::Look>{t.mk_hint_keys}</p>
                    <p class="visually-hidden" aria-live="polite" data-testid="cursor-at">
                        {move || cursor.get().filter(|_| mode.get() != Mode::Look).map(|(x, y)| {
                            let at = fill(t.mk_cursor_at, &[("x", &percent(x)), ("y", &percent(y))]);
                            if corner.get().is_some() { format!("{} {at}", t.mk_corner_set) } else { at }
                        })}
                    </p>
                    <div class="review-stage" data-testid="review-stage" node_ref=stage
                        class:drawing=move || mode.get() == Mode::Area
                        tabindex=move || if mode.get() == Mode::Look { "-1" } else { "0" }
                        aria-describedby="mk-hint mk-keys"
                        on:focus=move |_| if cursor.get_untracked().is_none() { cursor.set(Some((super::SCALE / 2, super::SCALE / 2))) }
                        on:keydown=key
                        on:pointerdown=down on:pointerup=up>
                        <img src=move || format!("{base}/{}", page.get()) alt=move || fill(t.mk_page_of, &[("page", &page.get().to_string()), ("pages", &pages.to_string())]) draggable="false" data-testid="review-image"/>
                        // Drawn in SVG with percentage positions (the page's CSP allows no inline
                        // styles); each mark is focusable and answers Enter like a button.
                        <svg class="review-overlay">
                            {move || pins.with_value(|l| l.iter().filter(|p| on_page(p)).cloned().collect::<Vec<_>>()).into_iter().map(|p| {
                                let (left, top, w, h) = p.spot.css();
                                let n = number(&p.id);
                                let id = StoredValue::new(p.id.clone());
                                let done = if p.state == PinState::Resolved { " mark-done" } else { "" };
                                let label = fill(t.mk_mark_label, &[("n", &n.to_string()), ("text", &p.text)]);
                                let pick = move || selected.set(Some(id.get_value()));
                                let shape = if p.spot.is_pin() {
                                    view! {
                                        <svg x=left.clone() y=top.clone() overflow="visible">
                                            <circle class="mark-dot" cx="0" cy="0" r="14"/>
                                            <text class="mark-num" x="0" y="5" text-anchor="middle">{n.to_string()}</text>
                                        </svg>
                                    }.into_any()
                                } else {
                                    view! {
                                        <rect class="mark-box" x=left.clone() y=top.clone() width=w height=h/>
                                        <svg x=left.clone() y=top.clone() overflow="visible">
                                            <circle class="mark-dot" cx="0" cy="0" r="12"/>
                                            <text class="mark-num" x="0" y="4" text-anchor="middle">{n.to_string()}</text>
                                        </svg>
                                    }.into_any()
                                };
                                view! {
                                    <g class=format!("mark{done}") data-testid="mark" tabindex="0" role="button"
                                        data-x=p.spot.x.to_string() data-y=p.spot.y.to_string() aria-label=label
                                        on:pointerdown=|ev| ev.stop_propagation()
                                        on:pointerup=|ev| ev.stop_propagation()
                                        on:click=move |_| pick()
                                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                            if ev.key() == "Enter" || ev.key() == " " { ev.prevent_default(); pick(); }
                                        }>
                                        {shape}
                                    </g>
                                }
                            }).collect_view()}
                            // The keyboard cursor, and the frame from the first corner to it.
                            {move || corner.get().zip(cursor.get()).filter(|_| mode.get() == Mode::Area).and_then(|(a, b)| Spot::new(page.get(), a, Some(b))).map(|s| {
                                let (left, top, w, h) = s.css();
                                view! { <rect class="mark-box mark-new" x=left y=top width=w height=h/> }
                            })}
                            {move || cursor.get().filter(|_| mode.get() != Mode::Look).map(|(x, y)| {
                                let (left, top, _, _) = Spot { page: 0, x, y, w: 0, h: 0 }.css();
                                view! {
                                    <svg class="mark-cursor" data-testid="mark-cursor" x=left y=top overflow="visible">
                                        <line x1="-16" y1="0" x2="16" y2="0"/>
                                        <line x1="0" y1="-16" x2="0" y2="16"/>
                                    </svg>
                                }
                            })}
                            {move || pending.get().filter(|s| s.page == page.get()).map(|s| {
                                let (left, top, w, h) = s.css();
                                if s.is_pin() {
                                    view! { <svg x=left y=top overflow="visible"><circle class="mark-dot mark-new" cx="0" cy="0" r="14"/></svg> }.into_any()
                                } else {
                                    view! { <rect class="mark-box mark-new" x=left y=top width=w height=h/> }.into_any()
                                }
                            })}
                        </svg>
                    </div>
                    {move || pending.get().map(|s| view! {
                        <form class="stack-s card" data-testid="mark-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            op.dispatch(Op::Add { file_id: file_id.get_value(), spot: s, text: comment.get_untracked() });
                        }>
                            <label for="mk-comment">{t.mk_comment}</label>
                            <textarea id="mk-comment" rows="2" data-testid="mark-comment" node_ref=comment_box
                                prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                            {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                            <div class="row">
                                <button class="btn" type="submit" data-testid="mark-save">{t.mk_save}</button>
                                <button class="btn btn-secondary" type="button" on:click=move |_| pending.set(None)>{t.cancel}</button>
                            </div>
                        </form>
                    })}
                })}
            </section>
            <section class="card stack review-list" aria-labelledby="h-marks">
                <h2 id="h-marks">{t.mk_marks}</h2>
                {move || error().filter(|_| pending.get().is_none()).map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                {pins.get_value().is_empty().then(|| view! { <p class="muted">{t.mk_none}</p> })}
                <ol class="checklist marks" data-testid="mark-list">
                    {pins.get_value().into_iter().enumerate().map(|(i, p)| view! { <MarkEntry n=i + 1 p side op selected page/> }).collect_view()}
                </ol>
                {(!carried.is_empty()).then(|| view! {
                    <h3 data-testid="carried-title">{fill(t.mk_carried, &[("version", &(version - 1).to_string())])}</h3>
                    <ul class="checklist" data-testid="carried">
                        {carried.iter().map(|p| view! {
                            <li class="checklist-item" data-testid="carried-mark">
                                <span class="small muted">{fill(t.mk_on_page, &[("page", &p.spot.page.to_string())])}</span>
                                <p>{p.text.clone()}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                })}
            </section>
        </div>
    }
}

/// One mark in the list: comment, thread, answer, resolve or reopen.
#[component]
fn MarkEntry(
    n: usize,
    p: Pin,
    side: Side,
    op: Action<Op, Result<(), AppError>>,
    selected: RwSignal<Option<String>>,
    page: RwSignal<i64>,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let answer = RwSignal::new(String::new());
    let id = StoredValue::new(p.id.clone());
    let to = match p.state {
        PinState::Open => PinState::Resolved,
        PinState::Resolved => PinState::Open,
    };
    let on = p.spot.page;
    let _ = side;
    view! {
        <li class=move || if selected.get().as_deref() == Some(id.get_value().as_str()) { "checklist-item mark-entry selected" } else { "checklist-item mark-entry" }
            data-testid="mark-entry">
            <div class="row">
                <button class="btn btn-link" type="button" on:click=move |_| { page.set(on); selected.set(Some(id.get_value())); }>
                    <strong>{format!("{n}.")}</strong>" "{fill(t.mk_on_page, &[("page", &on.to_string())])}
                </button>
                <span class=if p.state == PinState::Open { "badge badge-review-neu" } else { "badge badge-vollstaendig" } data-testid="mark-state">
                    {if p.state == PinState::Open { t.mk_open } else { t.mk_resolved }}
                </span>
            </div>
            <p class="small muted">{format!("{} · {}", p.author_name, format::datetime(p.created_at, lang))}</p>
            <p class="chat-text" data-testid="mark-text">{p.text.clone()}</p>
            <ul class="mark-thread">
                {p.replies.iter().map(|r| view! {
                    <li data-testid="mark-reply"><span class="small muted">{format!("{} · {}", r.author_name, format::datetime(r.created_at, lang))}</span><p class="chat-text">{r.text.clone()}</p></li>
                }).collect_view()}
            </ul>
            <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let text = answer.get_untracked();
                if !text.trim().is_empty() {
                    op.dispatch(Op::Reply { pin_id: id.get_value(), text });
                    answer.set(String::new());
                }
            }>
                <label class="visually-hidden" for=format!("mk-answer-{n}")>{t.mk_answer}</label>
                <input id=format!("mk-answer-{n}") type="text" placeholder=t.mk_answer data-testid="mark-answer"
                    prop:value=move || answer.get() on:input=move |ev| answer.set(event_target_value(&ev))/>
                <button class="btn btn-secondary btn-small" type="submit" data-testid="mark-answer-send">{t.mk_answer_send}</button>
            </form>
            <button class="btn btn-secondary btn-small" type="button" data-testid="mark-toggle"
                on:click=move |_| { op.dispatch(Op::State { pin_id: id.get_value(), to }); }>
                {if to == PinState::Resolved { t.mk_resolve } else { t.mk_reopen }}
            </button>
        </li>
    }
}

/// "Ansehen & markieren" for a file that can be marked.
pub fn review_href(side: Side, file_id: &str, name: &str) -> Option<String> {
    Kind::of(name)?;
    Some(match side {
        Side::Staff => format!("/files/{file_id}/review"),
        Side::Portal => format!("/portal/files/{file_id}/review"),
    })
}

/// `/files/:id/review`.
#[component]
pub fn StaffReviewPage() -> impl IntoView {
    view! { <ReviewPage side=Side::Staff/> }
}

/// `/portal/files/:id/review`.
#[component]
pub fn PortalReviewPage() -> impl IntoView {
    view! { <ReviewPage side=Side::Portal/> }
}

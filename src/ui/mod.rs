//! The small design system every page uses: layout pieces, form fields with inline errors,
//! status badges, empty states, skeletons, toasts, confirm dialogs, and formatting helpers.

pub mod chart;
pub mod format;

use crate::clients::ClientStatus;
use crate::error::AppError;
use crate::i18n::{Lang, T};
use leptos::prelude::*;

/// The language of this page (provided once by `<App/>`).
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

/// The texts in the page's language.
pub fn use_t() -> &'static T {
    use_lang().t()
}

pub fn status_label(t: &T, s: ClientStatus) -> &'static str {
    match s {
        ClientStatus::Offen => t.st_offen,
        ClientStatus::Teilweise => t.st_teilweise,
        ClientStatus::Vollstaendig => t.st_vollstaendig,
    }
}

pub fn status_help(t: &T, s: ClientStatus) -> &'static str {
    match s {
        ClientStatus::Offen => t.st_offen_help,
        ClientStatus::Teilweise => t.st_teilweise_help,
        ClientStatus::Vollstaendig => t.st_vollstaendig_help,
    }
}

/// Percent-encodes a query-string value (UTF-8 bytes; unreserved characters stay).
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Offen grey, Teilweise amber, Vollständig green — always with the word, never colour alone.
/// Whether the signed-in staff member has a permission (for showing controls; the server
/// checks again).
pub fn may(p: crate::orgs::domain::Permission) -> bool {
    use_context::<crate::auth::CurrentUser>().is_some_and(|u| u.role.may(p))
}

#[component]
pub fn StatusBadge(status: ClientStatus) -> impl IntoView {
    let t = use_t();
    view! { <span class=format!("badge badge-{}", status.as_str())>{status_label(t, status)}</span> }
}

/// A labelled input with hint and inline error, wired for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] value: String,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
    /// Distinguishes several forms with the same field names on one page.
    #[prop(optional)]
    id_prefix: &'static str,
) -> impl IntoView {
    let t = use_t();
    let id = format!("{id_prefix}f-{name}");
    let hint_id = format!("{id}-hint");
    let err_id = format!("{id}-error");
    let described = {
        let (hint_id, err_id) = (hint_id.clone(), err_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(err_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>
                {label}
                {required.then(|| view! { <span class="required-mark" aria-hidden="true">"*"</span><span class="visually-hidden">{format!(" ({})", t.required)}</span> })}
            </label>
            {hint.map(|h| view! { <span class="hint" id=hint_id.clone()>{h}</span> })}
            {if kind == "textarea" {
                view! {
                    <textarea id=id.clone() name=name required=required placeholder=placeholder
                        aria-invalid=move || error.get().is_some().then_some("true")
                        aria-describedby=described.clone()>{value.clone()}</textarea>
                }.into_any()
            } else {
                view! {
                    <input id=id.clone() name=name type=kind required=required value=value.clone()
                        autocomplete=autocomplete placeholder=placeholder
                        aria-invalid=move || error.get().is_some().then_some("true")
                        aria-describedby=described.clone()/>
                }.into_any()
            }}
            {move || error.get().map(|e| view! { <span class="field-error" id=err_id.clone()>{e}</span> })}
        </div>
    }
}

/// The error of the last submission of an action, if any.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
}

/// The message for `field` from an action's error.
pub fn field_error(err: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || err.get().and_then(|e| e.field_message(field)))
}

/// A form-level error box for errors that belong to no single field.
#[component]
pub fn FormError(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] fields: &'static [&'static str],
) -> impl IntoView {
    let t = use_t();
    move || {
        error.get().and_then(|e| {
            let belongs_to_field =
                matches!(&e, AppError::Invalid { field, .. } if fields.contains(&field.as_str()));
            (!belongs_to_field)
                .then(|| view! { <div class="form-error" role="alert">{e.user_message(t)}</div> })
        })
    }
}

/// A page whose object could not be loaded (not found, or not the firm's), with the way back
/// to the client list.
#[component]
pub fn NotFoundState(error: AppError) -> impl IntoView {
    let t = use_t();
    view! {
        <EmptyState title=t.not_found_title text=t.not_found_text>
            <p class="muted">{error.user_message(t)}</p>
            <a class="btn" href="/clients">{t.back_to_list}</a>
        </EmptyState>
    }
}

/// An empty list, saying what to do next.
#[component]
pub fn EmptyState(
    title: &'static str,
    text: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty">
            <h2>{title}</h2>
            <p class="muted">{text}</p>
            {children.map(|c| c())}
        </div>
    }
}

thread_local! {
    static HYDRATED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Whether the page has hydrated completely (set once in `hydrate()`; never on the server).
pub fn page_hydrated() -> ArcRwSignal<bool> {
    HYDRATED.with(|h| h.clone())
}

/// Shows `fallback` on the server and while the page hydrates, then `children`: for the parts
/// of a page the server need not render, whose data the browser fetches later (the portal
/// home's approvals, hours and chat). They start only once the whole page has hydrated, so
/// rendering them and fetching their data do not compete with hydration for a slow phone's
/// CPU, and server and browser agree on the fallback while it hydrates.
#[component]
pub fn AfterHydration(#[prop(into)] fallback: ViewFn, children: ChildrenFn) -> impl IntoView {
    let hydrated = page_hydrated();
    // The server never reads (nor subscribes to) its thread's flag.
    let when = move || cfg!(feature = "hydrate") && hydrated.get();
    view! { <Show when fallback>{children()}</Show> }
}

/// Placeholder lines while data loads.
#[component]
pub fn Skeleton(#[prop(default = 3)] lines: usize) -> impl IntoView {
    let t = use_t();
    view! {
        <div aria-busy="true" aria-live="polite">
            <span class="visually-hidden">{t.loading}</span>
            {(0..lines).map(|_| view! { <div class="skeleton"></div> }).collect_view()}
        </div>
    }
}

/// Page-wide short messages ("Gespeichert."), announced to screen readers.
#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<(u64, String, bool)>>);

impl Toasts {
    pub fn provide() -> Self {
        let t = Toasts(RwSignal::new(Vec::new()));
        provide_context(t);
        t
    }
    pub fn push(&self, text: impl Into<String>, is_error: bool) {
        let signal = self.0;
        let id = signal.with_untracked(|v| v.last().map(|x| x.0 + 1).unwrap_or(0));
        signal.update(|v| v.push((id, text.into(), is_error)));
        set_timeout(
            move || signal.update(|v| v.retain(|x| x.0 != id)),
            std::time::Duration::from_secs(5),
        );
    }
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(Toasts::provide)
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.0.get() key=|x| x.0 let:item>
                <div class=if item.2 { "toast toast-error" } else { "toast" }>{item.1}</div>
            </For>
        </div>
    }
}

/// Shows a toast each time `action` succeeds.
pub fn toast_on_success<I, O>(action: ServerAction<I>, text: &'static str)
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    let toasts = use_toasts();
    Effect::new(move |prev: Option<usize>| {
        let v = action.version().get();
        if prev.is_some_and(|p| p != v) && matches!(action.value().get_untracked(), Some(Ok(_))) {
            toasts.push(text, false);
        }
        v
    });
}

/// Empties `form` each time `action` succeeds, so a sent text is not sent again by mistake
/// (the form may stay on the page while the list above it refreshes).
pub fn reset_on_success<I, O>(action: ServerAction<I>, form: NodeRef<leptos::html::Form>)
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Effect::new(move |prev: Option<usize>| {
        let v = action.version().get();
        if prev.is_some_and(|p| p != v) && matches!(action.value().get_untracked(), Some(Ok(_))) {
            if let Some(f) = form.get_untracked() {
                f.reset();
            }
        }
        v
    });
}

/// A confirmation dialog for destructive actions. The trigger is a link to `?confirm=<key>`,
/// so without JavaScript the server renders the dialog open; with JavaScript it opens in place.
#[component]
pub fn ConfirmDialog(
    key: &'static str,
    trigger_label: &'static str,
    #[prop(into)] title: String,
    text: &'static str,
    /// The form that really does it (its submit button is the confirmation).
    children: Children,
) -> impl IntoView {
    let t = use_t();
    let query = leptos_router::hooks::use_query_map();
    let open_by_url = move || query.read().get("confirm").as_deref() == Some(key);
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let title_id = format!("dlg-{key}-title");
    let labelled_by = title_id.clone();
    let open = move |ev: leptos::ev::MouseEvent| {
        if let Some(d) = dialog.get() {
            ev.prevent_default();
            let _ = d.show_modal();
        }
    };
    let close = move |ev: leptos::ev::MouseEvent| {
        if let Some(d) = dialog.get() {
            if d.open() {
                ev.prevent_default();
                d.close();
            }
        }
    };
    view! {
        <a class="btn btn-danger" href=format!("?confirm={key}") on:click=open role="button">{trigger_label}</a>
        <dialog node_ref=dialog open=open_by_url aria-labelledby=labelled_by>
            <h2 id=title_id>{title}</h2>
            <p>{text}</p>
            <div class="dialog-actions">
                <a class="btn btn-secondary" href="?" on:click=close role="button">{t.cancel}</a>
                {children()}
            </div>
        </dialog>
    }
}

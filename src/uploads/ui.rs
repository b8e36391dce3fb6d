//! Upload-zone parts of the staff client page: upload links (create, copy, e-mail, revoke)
//! and the received/sent files with their review and scan state.

use super::widget::UploadWidget;
use super::{FileView, LinkState, LinkView, ReviewState};
use crate::app::LanguageSwitch;
use crate::i18n::{fill, T};
use crate::ui::{
    action_error, field_error, format, use_lang, use_t, use_toasts, Field, FormError, Skeleton,
};
use leptos::prelude::*;

pub fn link_state_label(t: &T, s: LinkState) -> &'static str {
    match s {
        LinkState::Active => t.link_state_active,
        LinkState::Expired => t.link_state_expired,
        LinkState::Revoked => t.link_state_revoked,
        LinkState::UsedUp => t.link_state_used_up,
    }
}

pub fn review_label(t: &T, r: ReviewState) -> &'static str {
    match r {
        ReviewState::Neu => t.review_neu,
        ReviewState::Geprueft => t.review_geprueft,
        ReviewState::Rueckfrage => t.review_rueckfrage,
    }
}

/// Why a file was quarantined, for staff; a virus scanner's finding names the signature.
pub fn quarantine_text(t: &T, code: &str) -> String {
    match code {
        "empty" => t.q_empty.into(),
        "eicar" => t.q_eicar.into(),
        "type_mismatch" => t.q_type_mismatch.into(),
        "type_not_allowed" => t.q_type_not_allowed.into(),
        "archive_bomb" => t.q_archive_bomb.into(),
        "scan_failed" => t.q_scan_failed.into(),
        other => match other.strip_prefix("malware:") {
            Some(sig) => format!("{} ({sig})", t.q_malware),
            None => t.q_malware.into(),
        },
    }
}

/// "2,4 MB" (de) / "2.4 MB" (en).
pub fn human_size(bytes: i64, lang: crate::i18n::Lang) -> String {
    let (v, unit) = match bytes {
        b if b >= 1 << 30 => (b as f64 / (1u64 << 30) as f64, "GB"),
        b if b >= 1 << 20 => (b as f64 / (1u64 << 20) as f64, "MB"),
        b if b >= 1 << 10 => (b as f64 / 1024.0, "KB"),
        b => return format!("{b} B"),
    };
    let s = format!("{v:.1} {unit}");
    match lang {
        crate::i18n::Lang::De => s.replace('.', ","),
        crate::i18n::Lang::En => s,
    }
}

/// Upload links of a client, loaded by the page (resources must be created outside
/// suspended views to hydrate) and refreshed by these actions.
pub type LinksResource = Resource<Result<Vec<LinkView>, crate::error::AppError>>;
pub type FilesResource = Resource<Result<Vec<FileView>, crate::error::AppError>>;

/// The actions of the upload parts of the client page.
#[derive(Clone, Copy)]
pub struct UploadActions {
    pub create_link: ServerAction<super::api::CreateUploadLink>,
    pub revoke_link: ServerAction<super::api::RevokeUploadLink>,
    pub review: ServerAction<super::api::ReviewFile>,
}

impl Default for UploadActions {
    fn default() -> Self {
        let t = use_t();
        let a = UploadActions {
            create_link: ServerAction::new(),
            revoke_link: ServerAction::new(),
            review: ServerAction::new(),
        };
        crate::ui::toast_on_success(a.revoke_link, t.link_revoked_toast);
        crate::ui::toast_on_success(a.review, t.saved);
        a
    }
}

/// The "Aktive Links" card: list, revoke, and the form that creates (and optionally mails) a link.
#[component]
pub fn ClientLinks(
    client_id: String,
    can_edit: bool,
    links: LinksResource,
    actions: UploadActions,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let create = actions.create_link;
    let revoke = actions.revoke_link;
    view! {
        <Transition fallback=|| view! { <Skeleton lines=2/> }>
            {move || Suspend::new(async move {
                match links.await {
                    Ok(list) if list.iter().any(|l| l.state == LinkState::Active) || !list.is_empty() => view! {
                        <ul class="timeline" data-testid="links">
                            {list.into_iter().map(|l: LinkView| {
                                let title = if l.title.is_empty() { t.link_untitled.to_string() } else { l.title.clone() };
                                let uses = match l.max_files {
                                    Some(m) => fill(t.link_uses_max, &[("n", &l.files_received.to_string()), ("max", &m.to_string())]),
                                    None => fill(t.link_uses, &[("n", &l.files_received.to_string())]),
                                };
                                let active = l.state == LinkState::Active;
                                view! {
                                    <li class="row">
                                        <span><strong>{title}</strong>" · "<span class=if active { "badge badge-vollstaendig" } else { "badge badge-offen" }>{link_state_label(t, l.state)}</span></span>
                                        <span class="small muted">
                                            {uses}
                                            {l.expires_at.map(|e| format!(" · {}", fill(t.link_valid_until, &[("date", &format::date(e, lang))])))}
                                            {l.has_password.then(|| format!(" · {}", t.link_protected))}
                                        </span>
                                        {(can_edit && active).then(|| view! {
                                            <ActionForm attr:novalidate=true action=revoke>
                                                <input type="hidden" name="link_id" value=l.id.clone()/>
                                                <button class="btn btn-link" type="submit">{t.revoke}</button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Ok(_) => view! { <p class="muted">{t.no_active_links}</p> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                }
            })}
        </Transition>
        {can_edit.then(|| view! { <LinkForm client_id=client_id.clone() create/> })}
    }
}

/// The form that creates (and optionally mails) an upload link, and the new link's URL once.
/// With `case_id` the link is bound to that case and its page shows the checklist.
#[component]
pub fn LinkForm(
    client_id: String,
    create: ServerAction<super::api::CreateUploadLink>,
    #[prop(optional, into)] case_id: Option<String>,
) -> impl IntoView {
    let t = use_t();
    let err = action_error(create);
    let toasts = use_toasts();
    let copy = move |url: String| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&url);
            toasts.push(t.link_copied, false);
        }
    };
    view! {
        {move || create.value().get().and_then(|r| r.ok()).map(|c| {
            let url = c.url.clone();
            view! {
                <div class="form-ok" role="status" data-testid="new-link">
                    <p>{t.link_created}</p>
                    <p class="invite-link" data-testid="new-link-url">{c.url.clone()}</p>
                    {c.emailed_to.map(|e| view! { <p class="small">{fill(t.link_emailed, &[("email", &e)])}</p> })}
                    {c.mail_failed.then(|| view! { <p class="small">{t.link_mail_failed}</p> })}
                    <button class="btn btn-secondary" type="button" on:click=move |_| copy(url.clone())>{t.link_copy}</button>
                </div>
            }
        })}
        <details class="mt" open=move || err.get().is_some()>
                <summary class="btn btn-secondary">{t.link_create_title}</summary>
                <FormError error=err fields=&["title", "message", "expires_on", "max_files", "password", "send_email"]/>
                <ActionForm attr:novalidate=true action=create>
                    <input type="hidden" name="client_id" value=client_id.clone()/>
                    {case_id.map(|c| view! { <input type="hidden" name="case_id" value=c/> })}
                    <Field id_prefix="link-" label=t.link_title_label name="title" error=field_error(err, "title")/>
                    <Field id_prefix="link-" label=t.link_message_label name="message" kind="textarea" error=field_error(err, "message")/>
                    <Field id_prefix="link-" label=t.link_expires_label name="expires_on" kind="date" error=field_error(err, "expires_on")/>
                    <Field id_prefix="link-" label=t.link_max_files_label name="max_files" kind="number" error=field_error(err, "max_files")/>
                    <Field id_prefix="link-" label=t.link_password_label name="password" kind="password" autocomplete="new-password" hint=t.link_password_hint error=field_error(err, "password")/>
                    <label class="checkbox"><input type="checkbox" name="send_email" value="1"/>{t.link_send_email}</label>
                    {move || field_error(err, "send_email").get().map(|e| view! { <span class="field-error">{e}</span> })}
                    <button class="btn" type="submit">{t.link_create_submit}</button>
                </ActionForm>
            </details>
    }
}

/// Received or sent files of a client, with download and (for received files) review.
#[component]
pub fn ClientFiles(
    client_id: String,
    files: FilesResource,
    sent: bool,
    actions: UploadActions,
    #[prop(optional)] can_edit: bool,
) -> impl IntoView {
    let t = use_t();
    let review = actions.review;
    let review_err = action_error(review);
    let zip_form = if sent { "zip-sent" } else { "zip-received" };
    let zip_action = format!("/api/clients/{client_id}/files.zip");
    // Received files can be filtered by their review state ("" = all).
    let filter = RwSignal::new(String::new());
    let empty = if sent {
        t.no_sent_files
    } else {
        t.no_received_files
    };
    let filter_id = if sent {
        "filter-sent"
    } else {
        "filter-received"
    };
    view! {
        {(!sent).then(|| view! {
            <div class="field filter-inline">
                <label for=filter_id>{t.filter_label}</label>
                <select id=filter_id on:change=move |ev| filter.set(event_target_value(&ev)) data-testid="review-filter">
                    <option value="">{t.filter_all_files}</option>
                    {ReviewState::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{review_label(t, r)}</option> }).collect_view()}
                    <option value="quarantine">{t.file_quarantined}</option>
                </select>
            </div>
        })}
        <Transition fallback=|| view! { <Skeleton lines=2/> }>
            {move || { let wanted = filter.get(); let zip_action = zip_action.clone(); Suspend::new(async move {
                let list: Vec<FileView> = match files.await {
                    Ok(l) => l
                        .into_iter()
                        .filter(|f| f.sent == sent)
                        .filter(|f| match wanted.as_str() {
                            "" => true,
                            "quarantine" => f.quarantined,
                            w => !f.quarantined && f.review.as_str() == w,
                        })
                        .collect(),
                    Err(e) => return view! { <p class="form-error">{e.user_message(t)}</p> }.into_any(),
                };
                if list.is_empty() {
                    return view! { <p class="muted">{empty}</p> }.into_any();
                }
                view! {
                    <ul class="timeline" data-testid=if sent { "sent-files" } else { "received-files" }>
                        {list.into_iter().map(|f| view! { <FileItem f=f sent can_edit review review_err zip_form=zip_form/> }).collect_view()}
                    </ul>
                    // Checkboxes point at this form with their `form` attribute: forms cannot nest.
                    <form id=zip_form method="get" action=zip_action.clone() class="mt-s">
                        <button type="submit" class="btn btn-secondary">{t.zip_download}</button>
                    </form>
                }.into_any()
            })}}
        </Transition>
    }
}

#[component]
fn FileItem(
    f: FileView,
    sent: bool,
    can_edit: bool,
    review: ServerAction<super::api::ReviewFile>,
    review_err: Signal<Option<crate::error::AppError>>,
    zip_form: &'static str,
) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let status_badge = if f.quarantined {
        view! { <span class="badge badge-danger">{t.file_quarantined}</span> }.into_any()
    } else {
        view! { <span class=format!("badge badge-review-{}", f.review.as_str())>{review_label(t, f.review)}</span> }.into_any()
    };
    let href = format!("/api/files/{}/download", f.id);
    let name = f.name.clone();
    view! {
        <li data-file-id=f.id.clone()>
            <div class="row">
                {(!f.quarantined).then(|| view! {
                    <input type="checkbox" name="ids" value=f.id.clone() form=zip_form aria-label=format!("{}: {}", t.zip_select, f.name)/>
                })}
                <strong class="filename">{f.name.clone()}</strong>
                {(f.version > 1).then(|| view! { <span class="badge badge-role">{fill(t.file_version, &[("n", &f.version.to_string())])}</span> })}
                {status_badge}
            </div>
            <div class="small muted">{human_size(f.size, lang)}" · "{format::datetime(f.created_at, lang)}</div>
            {f.quarantined.then(|| view! { <div class="small field-error">{quarantine_text(t, &f.scan_reason)}</div> })}
            {(!f.review_comment.is_empty()).then(|| view! { <div class="small">{format!("{}: {}", t.review_rueckfrage, f.review_comment)}</div> })}
            {(!f.quarantined).then(|| view! {
                <div class="row mt-s">
                    <a class="btn btn-secondary" href=href.clone() download=name.clone()>{t.download}</a>
                    {(can_edit && !sent).then(|| view! { <ReviewForm file=f.clone() action=review error=review_err/> })}
                </div>
            })}
        </li>
    }
}

#[component]
fn ReviewForm(
    file: FileView,
    action: ServerAction<super::api::ReviewFile>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let t = use_t();
    let id = file.id.clone();
    // Several review forms share one action; an error belongs to the form that sent it.
    let mine = {
        let id = id.clone();
        move || action.input().get().is_none_or(|i| i.file_id == id)
    };
    let comment_error = Signal::derive(move || {
        if mine() {
            field_error(error, "comment").get()
        } else {
            None
        }
    });
    let select_id = format!("review-{id}");
    let comment_id = format!("review-comment-{id}");
    view! {
        <details class="review" open=move || comment_error.get().is_some()>
            <summary class="btn btn-secondary">{t.review_action}</summary>
            <ActionForm attr:novalidate=true action=action>
                <input type="hidden" name="file_id" value=id.clone()/>
                <div class="field">
                    <label for=select_id.clone()>{t.review_state_label}</label>
                    <select id=select_id name="state">
                        {ReviewState::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == file.review>{review_label(t, r)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=comment_id.clone()>{t.review_comment_label}</label>
                    <textarea id=comment_id name="comment" aria-invalid=move || comment_error.get().is_some().then_some("true")>{file.review_comment.clone()}</textarea>
                    {move || comment_error.get().map(|e| view! { <span class="field-error">{e}</span> })}
                </div>
                <button class="btn" type="submit">{t.save}</button>
            </ActionForm>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn sizes_for_people() {
        assert_eq!(human_size(512, Lang::De), "512 B");
        assert_eq!(human_size(2_516_582, Lang::De), "2,4 MB");
        assert_eq!(human_size(2_516_582, Lang::En), "2.4 MB");
        assert_eq!(human_size(16_106_127_360, Lang::En), "15.0 GB");
    }
}

/// The public upload page behind an upload link (`/u/<token>`): no login, the firm's name and
/// message, a clear word when the link cannot take files, and the upload widget.
#[component]
pub fn PublicUploadPage() -> impl IntoView {
    let t = use_t();
    let params = leptos_router::hooks::use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let password = RwSignal::new(String::new());
    // The checklist behind a password is fetched again once the password is entered.
    let unlock = RwSignal::new(String::new());
    let info = Resource::new_blocking(
        move || (token(), unlock.get()),
        |(token, pw)| super::api::public_upload_link(token, (!pw.is_empty()).then_some(pw)),
    );
    view! {
        <main class="public-page" id="main">
            <Suspense fallback=|| view! { <Skeleton lines=4/> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(link) => {
                            let blocked = match link.state {
                                LinkState::Active => None,
                                LinkState::Expired => Some(t.link_expired),
                                LinkState::Revoked => Some(t.link_revoked),
                                LinkState::UsedUp => Some(t.link_used_up),
                            };
                            let target = super::widget::UploadTarget {
                                portal: false,
                                bearer: Some(token()),
                                metadata: vec![],
                                scope: token().chars().take(12).collect(),
                                allowed: link.allowed_types.clone(),
                            };
                            view! {
                                <div class="branded stack" data-testid="branded">
                                <crate::branding::ui::BrandTheme brand=link.brand.clone()/>
                                <header class="public-head">
                                    <crate::branding::ui::BrandLogo brand=link.brand.clone() firm=link.firm_name.clone()/>
                                    <p class="public-firm" data-testid="firm-name">{link.firm_name.clone()}</p>
                                    <h1>{if link.title.is_empty() { t.public_upload_title.to_string() } else { link.title.clone() }}</h1>
                                </header>
                                <crate::branding::ui::Welcome brand=link.brand.clone()/>
                                <div class="card stack">
                                    {(!link.message.is_empty()).then(|| view! { <p class="note-body">{link.message.clone()}</p> })}
                                    {match blocked {
                                        Some(why) => view! { <div class="form-error" role="alert" data-testid="link-blocked">{why}</div> }.into_any(),
                                        None => view! {
                                            {link.needs_password.then(|| view! {
                                                <div class="field">
                                                    <label for="link-password">{t.link_password_label}</label>
                                                    <input id="link-password" type="password" autocomplete="off"
                                                        on:input=move |ev| password.set(event_target_value(&ev))/>
                                                </div>
                                            })}
                                            {link.case_locked.then(|| view! {
                                                <p class="small muted">{t.public_case_locked}</p>
                                                <button class="btn btn-secondary" type="button" data-testid="unlock-case"
                                                    on:click=move |_| unlock.set(password.get_untracked())>{t.public_case_unlock}</button>
                                            })}
                                            {match link.case.clone() {
                                                Some(case) => view! {
                                                    <crate::cases::ui::PublicChecklist case via=crate::cases::ui::Via::Link(token()) password firm_types=link.allowed_types.clone()/>
                                                    <h2>{t.public_other_files}</h2>
                                                    <UploadWidget target password=password/>
                                                }.into_any(),
                                                None => view! { <UploadWidget target password=password/> }.into_any(),
                                            }}
                                            <p class="small muted">{fill(t.public_upload_hint, &[("max", &human_size(link.max_file_bytes, use_lang()))])}</p>
                                            {(!link.allowed_types.is_empty()).then(|| view! {
                                                <p class="small muted" data-testid="allowed-types">{t.settings_file_types}": "{link.allowed_types.join(", ")}</p>
                                            })}
                                        }.into_any(),
                                    }}
                                </div>
                                </div>
                            }.into_any()
                        }
                        Err(e) => view! {
                            <div class="card">
                                <h1>{t.public_upload_title}</h1>
                                <div class="form-error" role="alert" data-testid="link-blocked">{match e {
                                    crate::error::AppError::RateLimited(m) => m,
                                    _ => t.link_unknown.to_string(),
                                }}</div>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <div class="small mt"><LanguageSwitch/></div>
        </main>
    }
}

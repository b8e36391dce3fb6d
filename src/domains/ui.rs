//! The settings card of the firm's own domain and its public mode.

use super::DomainView;
use crate::i18n::fill;
use crate::ui::{action_error, field_error, toast_on_success, use_t, Field, FormError};
use leptos::prelude::*;

pub type DomainResource = Resource<Option<Result<DomainView, crate::error::AppError>>>;

#[derive(Clone, Copy)]
pub struct DomainActions {
    pub save: ServerAction<super::api::SaveDomain>,
    pub verify: ServerAction<super::api::VerifyDomain>,
    pub public: ServerAction<super::api::SavePublicMode>,
}

impl DomainActions {
    /// Made with the page, outside Suspense; `load`: whether the member may see it at all.
    pub fn with_domain(load: bool) -> (Self, DomainResource) {
        let a = DomainActions {
            save: ServerAction::new(),
            verify: ServerAction::new(),
            public: ServerAction::new(),
        };
        let domain = Resource::new(
            move || {
                (
                    a.save.version().get(),
                    a.verify.version().get(),
                    a.public.version().get(),
                )
            },
            move |_| async move {
                match load {
                    true => Some(super::api::load_domain().await),
                    false => None,
                }
            },
        );
        (a, domain)
    }
}

#[component]
pub fn DomainCard(actions: DomainActions, domain: DomainResource) -> impl IntoView {
    let t = use_t();
    let DomainActions {
        save,
        verify,
        public,
    } = actions;
    toast_on_success(save, t.saved);
    toast_on_success(public, t.saved);
    let save_err = action_error(save);
    let verify_err = action_error(verify);
    let public_err = action_error(public);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Some(Ok(d)) = domain.await else { return ().into_any() };
                let record = format!("{}.  CNAME  {}.", d.domain, d.target);
                let url = format!("https://{}", d.domain);
                let entered = !d.domain.is_empty();
                view! {
                    <section class="card stack mt" aria-labelledby="h-domain" data-testid="domain">
                        <h2 id="h-domain">{t.domain_title}</h2>
                        <p class="small muted">{t.domain_hint}</p>
                        <ActionForm attr:novalidate=true action=save attr:class="stack">
                            <Field id_prefix="dom-" label=t.domain_label name="domain" value=d.domain.clone()
                                placeholder="portal.kanzlei-muster.de" error=field_error(save_err, "domain")/>
                            <div><button class="btn" type="submit" data-testid="save-domain">{t.save}</button></div>
                        </ActionForm>
                        {entered.then(|| if d.verified {
                            view! { <p class="form-ok" data-testid="domain-verified">{fill(t.domain_verified, &[("url", &url)])}</p> }.into_any()
                        } else {
                            view! {
                                <p>{t.domain_dns}</p>
                                <pre class="dns-record" data-testid="domain-record">{record.clone()}</pre>
                                <p class="small muted">{fill(t.domain_pending, &[("path", &d.challenge_path)])}</p>
                                <FormError error=verify_err/>
                                <ActionForm action=verify>
                                    <button class="btn btn-secondary" type="submit" data-testid="verify-domain">{t.domain_verify}</button>
                                </ActionForm>
                            }.into_any()
                        })}
                        <FormError error=public_err/>
                        <ActionForm attr:novalidate=true action=public attr:class="stack">
                            <label class="checkbox">
                                <input type="checkbox" name="public" value="on" checked=d.public data-testid="public-mode"/>
                                <span>{t.public_mode_label}</span>
                            </label>
                            <p class="small muted">{t.public_mode_hint}</p>
                            <div><button class="btn btn-secondary" type="submit" data-testid="save-public-mode">{t.save}</button></div>
                        </ActionForm>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

//! The branding card of the settings, and the pieces branded pages are built from.

use super::Brand;
use crate::i18n::fill;
use crate::ui::{action_error, field_error, toast_on_success, use_t, Field, FormError};
use leptos::prelude::*;

pub type BrandResource = Resource<Option<Result<Brand, crate::error::AppError>>>;

/// The actions of the card and the brand they refresh — made with the page, outside Suspense.
#[derive(Clone, Copy)]
pub struct BrandActions {
    pub save: ServerAction<super::api::SaveBranding>,
    pub logo: ServerAction<super::api::SaveLogo>,
    pub remove: ServerAction<super::api::RemoveLogo>,
}

impl BrandActions {
    /// `load`: whether the signed-in member may change the firm's look (else nothing is asked).
    pub fn with_brand(load: bool) -> (Self, BrandResource) {
        let a = BrandActions {
            save: ServerAction::new(),
            logo: ServerAction::new(),
            remove: ServerAction::new(),
        };
        let brand = Resource::new(
            move || {
                (
                    a.save.version().get(),
                    a.logo.version().get(),
                    a.remove.version().get(),
                )
            },
            move |_| async move {
                match load {
                    true => Some(super::api::load_branding().await),
                    false => None,
                }
            },
        );
        (a, brand)
    }
}

/// "Erscheinungsbild": colours with a live preview and contrast figure, welcome text, logo.
#[component]
pub fn BrandingCard(actions: BrandActions, brand: BrandResource) -> impl IntoView {
    let t = use_t();
    let BrandActions { save, logo, remove } = actions;
    toast_on_success(save, t.saved);
    toast_on_success(logo, t.saved);
    toast_on_success(remove, t.saved);
    let save_err = action_error(save);
    let logo_err = action_error(logo);
    let file = NodeRef::<leptos::html::Input>::new();
    let reading = RwSignal::new(false);
    // Too big is said before anything is sent (the server would refuse the body as a whole).
    let too_big = RwSignal::new(false);
    let upload = move |_| {
        let Some(f) = file.get().and_then(|i| i.files()).and_then(|l| l.get(0)) else {
            return;
        };
        too_big.set(f.size() > super::MAX_LOGO_BYTES as f64);
        if too_big.get_untracked() {
            return;
        }
        reading.set(true);
        leptos::task::spawn_local(async move {
            use base64::{engine::general_purpose::STANDARD, Engine};
            let bytes = match wasm_bindgen_futures::JsFuture::from(f.array_buffer()).await {
                Ok(buf) => js_sys::Uint8Array::new(&buf).to_vec(),
                Err(_) => Vec::new(),
            };
            reading.set(false);
            logo.dispatch(super::api::SaveLogo {
                data: STANDARD.encode(bytes),
            });
        });
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Some(Ok(b)) = brand.await else { return ().into_any() };
                let primary = RwSignal::new(b.primary.clone());
                let accent = RwSignal::new(b.accent.clone());
                // Set through the CSSOM (allowed by the CSP, unlike a style attribute).
                let preview_box = NodeRef::<leptos::html::Div>::new();
                Effect::new(move |_| {
                    let css = super::colour::css_vars(&primary.get(), &accent.get());
                    if let Some(el) = preview_box.get() {
                        let style = web_sys::HtmlElement::style(&el);
                        for name in ["--brand", "--brand-hover", "--brand-contrast", "--brand-text", "--accent", "--accent-text"] {
                            let _ = style.remove_property(name);
                        }
                        for decl in css.split(';') {
                            if let Some((name, value)) = decl.split_once(':') {
                                let _ = style.set_property(name, value);
                            }
                        }
                    }
                });
                let ratio = move || {
                    super::colour::parse(&primary.get()).map(|c| {
                        let r = super::colour::contrast(c, super::colour::text_on(c));
                        fill(t.brand_contrast, &[("ratio", &format!("{r:.1}"))])
                    })
                };
                view! {
                    <section class="card stack mt" aria-labelledby="h-brand" data-testid="branding">
                        <h2 id="h-brand">{t.brand_title}</h2>
                        <p class="small muted">{t.brand_hint}</p>
                        <FormError error=save_err fields=&["primary", "accent", "welcome"]/>
                        <ActionForm attr:novalidate=true action=save attr:class="stack">
                            <div class="grid-2">
                                <div on:input=move |ev| primary.set(event_target_value(&ev))>
                                    <Field id_prefix="br-" label=t.brand_primary name="primary" value=b.primary.clone()
                                        placeholder="#1d4ed8" hint=t.brand_colour_hint error=field_error(save_err, "primary")/>
                                </div>
                                <div on:input=move |ev| accent.set(event_target_value(&ev))>
                                    <Field id_prefix="br-" label=t.brand_accent name="accent" value=b.accent.clone()
                                        placeholder="#0f766e" hint=t.brand_colour_hint error=field_error(save_err, "accent")/>
                                </div>
                            </div>
                            <div class="brand-preview" node_ref=preview_box data-testid="brand-preview">
                                <span class="small">{t.brand_preview}": "</span>
                                <span class="btn">{t.brand_sample_button}</span>
                                " "<a href="#h-brand">{t.brand_sample_link}</a>
                                <p class="small muted" data-testid="brand-contrast">{ratio}</p>
                            </div>
                            <Field id_prefix="br-" label=t.brand_welcome name="welcome" kind="textarea" value=b.welcome.clone()
                                hint=t.brand_welcome_hint error=field_error(save_err, "welcome")/>
                            <div><button class="btn" type="submit" data-testid="save-branding">{t.save}</button></div>
                        </ActionForm>
                        <h3>{t.brand_logo}</h3>
                        {b.logo_url.clone().map(|src| view! {
                            <p><img class="brand-logo-preview" src=src alt=t.brand_logo data-testid="brand-logo"/></p>
                            <ActionForm action=remove>
                                <button class="btn btn-secondary" type="submit" data-testid="remove-logo">{t.brand_logo_remove}</button>
                            </ActionForm>
                        })}
                        <FormError error=logo_err/>
                        {move || too_big.get().then(|| view! { <p class="form-error" role="alert" data-testid="logo-too-big">{t.brand_logo_too_big}</p> })}
                        <div class="field">
                            <label for="br-logo">{t.brand_logo_choose}</label>
                            <input id="br-logo" type="file" accept="image/png,image/svg+xml" node_ref=file aria-describedby="br-logo-hint"/>
                            <p class="hint" id="br-logo-hint">{t.brand_logo_hint}</p>
                        </div>
                        <div>
                            <button class="btn btn-secondary" type="button" on:click=upload
                                disabled=move || reading.get() || logo.pending().get() data-testid="upload-logo">
                                {t.brand_logo_upload}
                            </button>
                        </div>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

/// The firm's stylesheet, inside the `.branded` element it styles (allowed in the body; the
/// page's CSP permits stylesheets of this origin, not inline styles).
#[component]
pub fn BrandTheme(brand: Brand) -> impl IntoView {
    brand
        .theme_url
        .map(|href| view! { <link rel="stylesheet" href=href data-testid="brand-theme"/> })
}

/// The logo (or nothing) at the top of a branded page.
#[component]
pub fn BrandLogo(brand: Brand, firm: String) -> impl IntoView {
    let t = use_t();
    brand.logo_url.map(|src| {
        view! {
            <img class="brand-logo" src=src alt=fill(t.brand_logo_alt, &[("firm", &firm)]) data-testid="firm-logo"/>
        }
    })
}

/// The firm's welcome text, if it wrote one.
#[component]
pub fn Welcome(brand: Brand) -> impl IntoView {
    (!brand.welcome.is_empty()).then(|| {
        view! { <p class="welcome" data-testid="welcome">{brand.welcome}</p> }
    })
}

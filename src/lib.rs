#![recursion_limit = "256"]
//! Kundenportal: one crate, compiled twice — `ssr` (the axum server) and `hydrate` (the WASM
//! client that hydrates the server-rendered HTML). Features are organised by module, each
//! of the same shape: `mod.rs` (shared types), `domain.rs` (pure rules), `api.rs` (server
//! functions), `repo.rs` (SQL, server only), `ui` (pages and components).

pub mod annotations;
pub mod app;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod branding;
pub mod cases;
pub mod chat;
pub mod clients;
#[cfg(feature = "ssr")]
pub mod config;
pub mod crypto;
pub mod dashboard;
pub mod domains;
pub mod error;
pub mod hours;
pub mod i18n;
pub mod inbound;
pub mod invoices;
pub mod live;
pub mod notify;
pub mod orgs;
pub mod portal;
#[cfg(feature = "ssr")]
pub mod server;
pub mod settings;
pub mod tickets;
pub mod ui;
pub mod uploads;
pub mod validate;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes (app.rs) hydrate once their chunk is loaded: hydration is asynchronous, and
    // the page is interactive only when all of it has run.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // Tests (and curious people) can see when the page became interactive.
        if let Some(app) = leptos::prelude::document().get_element_by_id("app") {
            let _ = app.set_attribute("data-hydrated", "true");
        }
        // The moment, for the benchmark's time to interactive (bench/pages.mjs).
        if let Some(perf) = leptos::prelude::window().performance() {
            let _ = perf.mark("kp-hydrated");
        }
        // Only now the parts that load after the first paint start loading.
        leptos::prelude::Set::set(&ui::page_hydrated(), true);
    });
}

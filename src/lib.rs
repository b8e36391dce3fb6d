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
    leptos::mount::hydrate_body(app::App);
}

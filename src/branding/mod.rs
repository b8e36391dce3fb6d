//! Branding: a firm's colours, logo and welcome text on the client portal, the upload page and
//! the mails to clients — through CSS custom properties built from parsed colours only. The
//! properties come as a small stylesheet of the firm (`/brand/{org}/theme.css`), so the page's
//! Content-Security-Policy keeps refusing inline styles.

pub mod api;
pub mod colour;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod logo;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

/// How a firm looks to its clients. Colours are "#rrggbb" or empty (the app's own).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    pub primary: String,
    pub accent: String,
    pub welcome: String,
    /// Where the logo is served (versioned, so a new logo is fetched at once).
    pub logo_url: Option<String>,
    /// The firm's stylesheet of custom properties, when it chose colours (versioned too).
    #[serde(default)]
    pub theme_url: Option<String>,
}

impl Brand {
    /// The custom properties of a branded page.
    pub fn css_vars(&self) -> String {
        colour::css_vars(&self.primary, &self.accent)
    }
}

/// Largest logo file (see `logo::MAX_BYTES`; here for the browser's check before sending).
pub const MAX_LOGO_BYTES: usize = 160 * 1024;

/// Longest welcome text, in characters.
pub const WELCOME_MAX: usize = 1000;

//! Runtime configuration: `Leptos.toml` (section per concern) with every key overridable by
//! `KUNDENPORTAL_<SECTION>_<KEY>` environment variables. Secrets never print (`Debug` redacts).

use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub server: ServerConfig,
    pub sessions: SessionConfig,
    pub security: SecurityConfig,
    pub mail: MailConfig,
    pub uploads: UploadsConfig,
    pub limits: LimitsConfig,
    pub domains: DomainsConfig,
    pub payments: PaymentsConfig,
    pub inbound: InboundConfig,
    pub storage: StorageConfig,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentsConfig {
    /// Stripe's API (a Stripe-compatible server in tests and benchmarks).
    pub stripe_api: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DomainsConfig {
    pub scheme: String,
    pub resolve_to: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UploadsConfig {
    pub max_file_mb: i64,
    pub expire_hours: i64,
    /// ClamAV daemon (`host:port`) that scans every finished upload; empty: built-in checks only.
    pub clamd: String,
    /// Bytes of a file sent to clamd at most (its StreamMaxLength must allow as much).
    pub clamd_max_mb: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub trust_proxy: bool,
    pub site_root: String,
    pub header_timeout_secs: u64,
    pub request_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SessionConfig {
    pub idle_minutes: i64,
    pub absolute_hours: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SecurityConfig {
    pub login_max_failures_per_account: i64,
    pub login_max_failures_per_ip: i64,
    pub login_window_minutes: i64,
    pub invite_valid_hours: i64,
}

#[derive(Clone, Deserialize)]
pub struct InboundConfig {
    pub reply_domain: String,
    pub smtp_listen: String,
    pub webhook_secret: String,
    pub max_mb: i64,
}

impl std::fmt::Debug for InboundConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundConfig")
            .field("reply_domain", &self.reply_domain)
            .field("smtp_listen", &self.smtp_listen)
            .field("webhook_secret", &(!self.webhook_secret.is_empty()))
            .field("max_mb", &self.max_mb)
            .finish()
    }
}

/// Where sealed files are kept: `local` (the data directory) or `s3` (a bucket every node
/// shares).
#[derive(Clone, Deserialize)]
pub struct StorageConfig {
    pub kind: String,
    pub bucket: String,
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageConfig")
            .field("kind", &self.kind)
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &(!self.secret_access_key.is_empty()))
            .finish()
    }
}

#[derive(Clone, Deserialize)]
pub struct MailConfig {
    pub smtp_url: String,
    pub from: String,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP URL may carry a password.
        let smtp = if self.smtp_url.is_empty() {
            ""
        } else {
            "<redacted>"
        };
        f.debug_struct("MailConfig")
            .field("smtp_url", &smtp)
            .field("from", &self.from)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LimitsConfig {
    pub page_size: u32,
}

/// The defaults ship inside the binary, so it runs with zero configuration anywhere.
const DEFAULTS: &str = include_str!("../Leptos.toml");
const ENV_PREFIX: &str = "KUNDENPORTAL_";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("invalid configuration: {0}")]
    Parse(String),
}

impl Config {
    /// Built-in defaults, then the file (if given / present), then the environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        Self::load_with(file, |k| std::env::var(k).ok())
    }

    pub fn load_with(
        file: Option<&std::path::Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut value: toml::Table = DEFAULTS
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Parse(e.to_string()))?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError::Read(path.to_path_buf(), e))?;
            let overlay: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                ConfigError::Parse(format!("{}: {e}", path.display()))
            })?;
            merge(&mut value, overlay);
        }
        for (section, table) in value.iter_mut() {
            let Some(table) = table.as_table_mut() else {
                continue;
            };
            for (key, v) in table.iter_mut() {
                let name = format!("{ENV_PREFIX}{}_{}", section, key).to_uppercase();
                if let Some(raw) = env(&name) {
                    *v = parse_env_value(v, &raw)
                        .map_err(|e| ConfigError::Parse(format!("{name}: {e}")))?;
                }
            }
        }
        if let Some(url) = env("DATABASE_URL").filter(|u| !u.is_empty()) {
            value["server"]["database_url"] = toml::Value::String(url);
        }
        let cfg: Config = value
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let positive = [
            ("sessions.idle_minutes", self.sessions.idle_minutes),
            ("sessions.absolute_hours", self.sessions.absolute_hours),
            (
                "security.login_window_minutes",
                self.security.login_window_minutes,
            ),
            (
                "security.invite_valid_hours",
                self.security.invite_valid_hours,
            ),
            (
                "security.login_max_failures_per_account",
                self.security.login_max_failures_per_account,
            ),
            (
                "security.login_max_failures_per_ip",
                self.security.login_max_failures_per_ip,
            ),
            ("limits.page_size", self.limits.page_size as i64),
            ("uploads.max_file_mb", self.uploads.max_file_mb),
            ("uploads.expire_hours", self.uploads.expire_hours),
            ("uploads.clamd_max_mb", self.uploads.clamd_max_mb),
            ("inbound.max_mb", self.inbound.max_mb),
            (
                "server.header_timeout_secs",
                self.server.header_timeout_secs as i64,
            ),
            (
                "server.request_timeout_secs",
                self.server.request_timeout_secs as i64,
            ),
        ];
        for (k, v) in positive {
            if v <= 0 {
                return Err(ConfigError::Parse(format!("{k} must be positive")));
            }
        }
        match (self.storage.kind.as_str(), self.storage.bucket.is_empty()) {
            ("local", _) | ("s3", false) => {}
            ("s3", true) => {
                return Err(ConfigError::Parse(
                    "storage.bucket is required with storage.kind = \"s3\"".into(),
                ))
            }
            (other, _) => {
                return Err(ConfigError::Parse(format!(
                    "storage.kind must be \"local\" or \"s3\", not {other:?}"
                )))
            }
        }
        Ok(())
    }

    /// The SQLite database's file in the data directory (when no URL is configured).
    pub const DATABASE_FILE: &'static str = "kundenportal.db";

    /// The database URL in effect: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        if self.server.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.server.data_dir.join(Self::DATABASE_FILE).display()
            )
        } else {
            self.server.database_url.clone()
        }
    }

    pub fn public_url(&self) -> &str {
        self.server.public_url.trim_end_matches('/')
    }
}

fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (k, v) in overlay {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Environment values are strings; give them the type of the default they replace.
fn parse_env_value(default: &toml::Value, raw: &str) -> Result<toml::Value, String> {
    Ok(match default {
        toml::Value::Integer(_) => toml::Value::Integer(
            raw.trim()
                .parse()
                .map_err(|_| format!("expected a whole number, got {raw:?}"))?,
        ),
        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return Err(format!("expected true or false, got {raw:?}")),
        }),
        _ => toml::Value::String(raw.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_need_no_configuration() {
        let c = Config::load_with(None, env(&[])).unwrap();
        assert_eq!(c.server.listen.to_string(), "127.0.0.1:3000");
        assert!(c
            .database_url()
            .starts_with("sqlite://data/kundenportal.db"));
        assert_eq!(c.limits.page_size, 25);
    }

    #[test]
    fn environment_overrides_every_key_with_its_type() {
        let c = Config::load_with(
            None,
            env(&[
                ("KUNDENPORTAL_SERVER_LISTEN", "0.0.0.0:8080"),
                ("KUNDENPORTAL_SESSIONS_IDLE_MINUTES", "5"),
                ("KUNDENPORTAL_SERVER_TRUST_PROXY", "true"),
                ("DATABASE_URL", "postgres://kp@127.0.0.1/kp"),
            ]),
        )
        .unwrap();
        assert_eq!(c.server.listen.port(), 8080);
        assert_eq!(c.sessions.idle_minutes, 5);
        assert!(c.server.trust_proxy);
        assert_eq!(c.database_url(), "postgres://kp@127.0.0.1/kp");
    }

    #[test]
    fn bad_values_are_reported_with_the_variable_name() {
        let e = Config::load_with(None, env(&[("KUNDENPORTAL_LIMITS_PAGE_SIZE", "many")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("KUNDENPORTAL_LIMITS_PAGE_SIZE"), "{e}");
        let e = Config::load_with(None, env(&[("KUNDENPORTAL_LIMITS_PAGE_SIZE", "0")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("page_size must be positive"), "{e}");
    }

    #[test]
    fn smtp_password_never_prints() {
        let c = Config::load_with(
            None,
            env(&[(
                "KUNDENPORTAL_MAIL_SMTP_URL",
                "smtp://u:geheim@mail.example:587",
            )]),
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("geheim"));
    }
}

//! Test harness: the real router on a random port, with its own database — a fresh SQLite
//! file or a fresh PostgreSQL database — and HTTP clients that act as test identities.

use kundenportal::config::Config;
use kundenportal::server::{self, AppState};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs a test body once per database, as two `#[tokio::test]`s named `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Db::Postgres).await
            }
        }
    )*};
}

pub struct TestApp {
    pub url: String,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

pub const PASSWORD: &str = "test-passwort-lang-genug";

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub async fn database_url(db: Db, dir: &std::path::Path) -> String {
    match db {
        Db::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
        Db::Postgres => {
            // scripts/pg.sh starts PostgreSQL with this role; KP_TEST_PG_URL points elsewhere.
            let admin = std::env::var("KP_TEST_PG_URL").unwrap_or_else(|_| {
                "postgres://kp_test:kp_test@127.0.0.1:5432/postgres".to_string()
            });
            let name = format!(
                "kp_it_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos()
            );
            let pool = kundenportal::server::db::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .expect("create database");
            pool.close().await;
            let base = admin.rsplit_once('/').expect("database url with a path").0;
            format!("{base}/{name}")
        }
    }
}

/// A client builder for the tests: reqwest needs the process's TLS provider before the first
/// client is built (the app installs it in `build_state`; these tests may build one first).
pub fn http() -> reqwest::ClientBuilder {
    server::tls();
    reqwest::Client::builder()
}

/// A plain client, as `reqwest::Client::new()` gives.
pub fn client() -> reqwest::Client {
    http().build().unwrap()
}

/// `GET url` with a fresh client, as `reqwest::get` does.
pub async fn get(url: impl reqwest::IntoUrl) -> reqwest::Result<reqwest::Response> {
    client().get(url).send().await
}

/// The S3-compatible test server.
pub fn s3_url() -> String {
    std::env::var("KP_TEST_S3_URL").unwrap_or_else(|_| "http://127.0.0.1:5390".to_string())
}

/// A new, empty bucket on the S3-compatible test server: (server URL, bucket name).
pub async fn new_bucket() -> (String, String) {
    let bucket = format!(
        "kp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let url = s3_url();
    let made = client()
        .put(format!("{url}/{bucket}"))
        .send()
        .await
        .expect("the S3 test server answers (scripts/s3.sh)");
    assert!(made.status().is_success(), "bucket: {}", made.status());
    (url, bucket)
}

/// Settings of an app that keeps its files in `bucket` at `url`.
pub fn s3_overrides(url: &str, bucket: &str) -> Vec<(&'static str, String)> {
    vec![
        ("KUNDENPORTAL_STORAGE_KIND", "s3".to_string()),
        ("KUNDENPORTAL_STORAGE_ENDPOINT", url.to_string()),
        ("KUNDENPORTAL_STORAGE_BUCKET", bucket.to_string()),
        ("KUNDENPORTAL_STORAGE_REGION", "us-east-1".to_string()),
        ("KUNDENPORTAL_STORAGE_ACCESS_KEY_ID", "test".to_string()),
        ("KUNDENPORTAL_STORAGE_SECRET_ACCESS_KEY", "test".to_string()),
    ]
}

fn as_refs<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

impl TestApp {
    pub async fn spawn(db: Db) -> TestApp {
        Self::spawn_with(db, &[]).await
    }

    /// Spawns the app with extra `KUNDENPORTAL_*` overrides.
    pub async fn spawn_with(db: Db, overrides: &[(&str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = database_url(db, dir.path()).await;
        TestApp::start(dir, url, overrides).await
    }

    /// The app with its files in a bucket of its own on the S3-compatible test server
    /// (`KP_TEST_S3_URL`, started by scripts/s3.sh).
    pub async fn spawn_s3(db: Db) -> TestApp {
        let (url, bucket) = new_bucket().await;
        let dir = tempfile::tempdir().unwrap();
        let db_url = database_url(db, dir.path()).await;
        TestApp::start(dir, db_url, &as_refs(&s3_overrides(&url, &bucket))).await
    }

    /// Another node beside this one: the same database, master key and storage, a data
    /// directory of its own (as on another machine).
    pub async fn spawn_beside(&self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let key = kundenportal::server::keys::KEY_FILE;
        std::fs::copy(
            self.state.config.server.data_dir.join(key),
            dir.path().join(key),
        )
        .unwrap();
        let s = &self.state.config.storage;
        let overrides = if s.kind == "s3" {
            s3_overrides(&s.endpoint, &s.bucket)
        } else {
            Vec::new()
        };
        TestApp::start(dir, self.state.config.database_url(), &as_refs(&overrides)).await
    }

    /// The app on an existing data directory (a restored backup) and database.
    pub async fn start(dir: tempfile::TempDir, url: String, overrides: &[(&str, &str)]) -> TestApp {
        let mut env: HashMap<String, String> = overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.insert(
            "KUNDENPORTAL_SERVER_DATA_DIR".into(),
            dir.path().display().to_string(),
        );
        env.insert("DATABASE_URL".into(), url);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        env.insert("KUNDENPORTAL_SERVER_LISTEN".into(), addr.to_string());
        env.entry("KUNDENPORTAL_SERVER_PUBLIC_URL".into())
            .or_insert(format!("http://{addr}"));
        let config = Config::load_with(None, |k| env.get(k).cloned()).unwrap();
        let state = server::build_state(config).await.unwrap();
        let app = server::http::router(state.clone());
        let header_timeout =
            std::time::Duration::from_secs(state.config.server.header_timeout_secs);
        tokio::spawn(server::http::serve_on(
            listener,
            app,
            header_timeout,
            std::future::pending(),
        ));
        TestApp {
            url: format!("http://{addr}"),
            state,
            _dir: dir,
        }
    }

    /// Where the sealed bytes of a firm's blob lie (an upload's, a file's).
    pub fn blob_path(&self, org_id: &str, blob_id: &str) -> std::path::PathBuf {
        self.state
            .config
            .server
            .data_dir
            .join("files")
            .join(org_id)
            .join(blob_id)
    }

    /// The firm a client belongs to.
    pub async fn org_of_client(&self, client_id: &str) -> String {
        sqlx::query_scalar("SELECT org_id FROM clients WHERE id = $1")
            .bind(client_id)
            .fetch_one(&self.state.db)
            .await
            .unwrap()
    }

    pub fn anonymous(&self) -> Caller {
        Caller::new(&self.url)
    }

    /// A firm with its owner (through the same code as the setup page); returns the owner,
    /// signed in.
    pub async fn firm(&self, firm: &str, email: &str) -> Caller {
        kundenportal::auth::setup::create_firm(
            &self.state.db,
            firm,
            "Owner",
            email,
            PASSWORD,
            kundenportal::orgs::Plan::Solo,
        )
        .await
        .unwrap();
        self.login(email).await
    }

    pub async fn login(&self, email: &str) -> Caller {
        let c = self.anonymous();
        let (status, body) = c
            .call("login", &[("email", email), ("password", PASSWORD)])
            .await;
        assert!(
            status.is_success(),
            "login of {email} failed: {status} {body}"
        );
        c
    }

    /// Invites `email` with `role` as `owner` and accepts; returns the new member signed in.
    pub async fn member(&self, owner: &Caller, email: &str, role: &str) -> Caller {
        let (status, body) = owner
            .call("invite_member", &[("email", email), ("role", role)])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let link = body["link"].as_str().unwrap().to_string();
        let token = last_segment(&link);
        let c = self.anonymous();
        let (status, body) = c
            .call(
                "accept_invite",
                &[
                    ("token", &token),
                    ("name", email),
                    ("password", PASSWORD),
                    ("password_repeat", PASSWORD),
                ],
            )
            .await;
        assert!(status.is_success(), "{status} {body}");
        c
    }
}

/// The last path segment of a URL or path: a link's token, an upload's id.
pub fn last_segment(url: &str) -> String {
    url.rsplit('/').next().unwrap_or_default().to_string()
}

/// A browser's HTTP client: its own cookie jar, redirects not followed, and a time limit (a
/// request that never completes fails the test instead of stalling the whole run).
fn browser(b: reqwest::ClientBuilder) -> reqwest::Client {
    b.cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The firm-wide audit actions matching the SQL pattern `like`, oldest first.
pub async fn audit_actions(app: &TestApp, like: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE action LIKE $1 ORDER BY created_at, id",
    )
    .bind(like)
    .fetch_all(&app.state.db)
    .await
    .unwrap()
}

/// An HTTP client with its own cookie jar: one browser, one identity.
pub struct Caller {
    pub http: reqwest::Client,
    pub base: String,
}

impl Caller {
    /// An anonymous browser for a server at `base`.
    pub fn at(base: &str) -> Caller {
        Caller::new(base)
    }

    fn new(base: &str) -> Caller {
        Caller::with_agent(base, "")
    }

    /// An anonymous browser that sends this `User-Agent` (none when empty).
    pub fn with_agent(base: &str, user_agent: &str) -> Caller {
        Caller {
            http: browser(http().user_agent(user_agent)),
            base: base.to_string(),
        }
    }

    /// An anonymous browser that reaches the app at `app_url` under the host name `host` (as a
    /// firm's own domain whose DNS points at it).
    pub fn on_host(app_url: &str, host: &str) -> Caller {
        let addr: std::net::SocketAddr = app_url.trim_start_matches("http://").parse().unwrap();
        Caller {
            http: browser(http().resolve(host, addr)),
            base: format!("http://{host}:{}", addr.port()),
        }
    }

    /// Calls a server function the way the hydrated app does (form-encoded, JSON back).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let res = self.send(endpoint, form).await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// The raw answer of a server function call (headers too), or why none came.
    pub async fn send(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
    }

    /// Loads a page the way a browser does.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap()
    }

    /// A page's HTML, loaded the way a browser does.
    pub async fn html(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Creates a client and returns its id.
    pub async fn create_client(&self, name: &str, email: &str) -> String {
        let (status, body) = self
            .call(
                "create_client",
                &[("name", name), ("email", email), ("allow_duplicate", "1")],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body.as_str().unwrap().to_string()
    }
}

/// The variant name of an `AppError` in a JSON error body, e.g. "NotFound" or "Invalid".
pub fn error_kind(body: &Value) -> String {
    match body {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.keys().next().cloned().unwrap_or_default(),
        other => other.to_string(),
    }
}

/// Every mail in the outbox as readable text: headers as written, the body decoded from
/// quoted-printable or base64 (whichever the mailer chose), oldest file name first.
pub fn outbox_texts(app: &TestApp) -> Vec<String> {
    let dir = app.state.config.server.data_dir.join("outbox");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .iter()
        .map(|p| decode_mail(&std::fs::read_to_string(p).unwrap()))
        .collect()
}

fn decode_mail(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    let mut out = String::new();
    // Each MIME part: headers, blank line, body (until the next boundary line).
    let mut encoding = "";
    let mut in_body = false;
    let mut body = String::new();
    let flush = |encoding: &str, body: &mut String, out: &mut String| {
        let text = match encoding {
            "base64" => {
                use base64::Engine;
                let compact: String = body.split_whitespace().collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_else(|_| body.clone())
            }
            "quoted-printable" => {
                let joined = body.replace("=\n", "");
                let bytes = joined.as_bytes();
                let mut v = Vec::with_capacity(bytes.len());
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'=' && i + 2 < bytes.len() {
                        if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                            v.push(b);
                            i += 3;
                            continue;
                        }
                    }
                    v.push(bytes[i]);
                    i += 1;
                }
                String::from_utf8_lossy(&v).into_owned()
            }
            _ => body.clone(),
        };
        out.push_str(&text);
        body.clear();
    };
    for line in raw.lines() {
        if line.starts_with("--") {
            flush(encoding, &mut body, &mut out);
            in_body = false;
            encoding = "";
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if in_body {
            body.push_str(line);
            body.push('\n');
        } else {
            if line.is_empty() {
                in_body = true;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-transfer-encoding:") {
                encoding = match v.trim() {
                    "base64" => "base64",
                    "quoted-printable" => "quoted-printable",
                    _ => "",
                };
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    flush(encoding, &mut body, &mut out);
    out
}

/// The entries of a ZIP archive (name, content), in order — read with async_zip's in-memory
/// reader, which checks every CRC (it marks that reader deprecated in favour of an unfinished
/// `read1` API).
pub async fn zip_entries(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    #[allow(deprecated)]
    let zip = async_zip::base::read::mem::ZipFileReader::new(bytes)
        .await
        .expect("a valid ZIP");
    let mut out = Vec::new();
    for i in 0..zip.file().entries().len() {
        let name = zip.file().entries()[i]
            .filename()
            .as_str()
            .unwrap()
            .to_string();
        let mut reader = zip.reader_with_entry(i).await.unwrap();
        let mut content = Vec::new();
        reader.read_to_end_checked(&mut content).await.unwrap();
        out.push((name, content));
    }
    out
}

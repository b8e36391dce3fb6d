//! The tus endpoint and upload links through real HTTP: every status code, whole-segment
//! offsets, limits, expiry, link states, cross-link isolation, content checks, and resuming
//! after the server was killed with SIGKILL.

use crate::helpers::{last_segment, Caller, Db, TestApp, PASSWORD};
use crate::on_both_databases;
use base64::{engine::general_purpose::STANDARD, Engine};
use kundenportal::crypto;

use kundenportal::uploads::domain::zip_fixture::zip_declaring;
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};

const SEG: usize = crypto::SEGMENT_LEN;

pub fn data(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| ((i * 131 + seed as usize * 7) % 251) as u8)
        .collect()
}

/// A tus client speaking to one server: with an upload-link token, as the client signed in
/// to the portal, or as staff (their session cookie).
pub struct Tus {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    /// Without a token: as the portal's client (else as staff).
    pub portal: bool,
}

impl Tus {
    pub fn new(base: &str, token: &str) -> Tus {
        Tus {
            http: crate::helpers::client(),
            base: base.to_string(),
            token: token.to_string(),
            portal: false,
        }
    }

    /// Uploads as the staff member signed in in `caller`'s browser (needs `client_id`).
    pub fn staff(caller: &Caller) -> Tus {
        Tus {
            http: caller.http.clone(),
            base: caller.base.clone(),
            token: String::new(),
            portal: false,
        }
    }

    /// Uploads as the client signed in to the portal in `caller`'s browser.
    pub fn portal(caller: &Caller) -> Tus {
        Tus {
            http: caller.http.clone(),
            base: caller.base.clone(),
            token: String::new(),
            portal: true,
        }
    }

    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Tus-Resumable", "1.0.0");
        if !self.token.is_empty() {
            r.header("Authorization", format!("Bearer {}", self.token))
        } else if self.portal {
            r.header("Upload-As", "portal")
        } else {
            r
        }
    }

    pub async fn create(&self, name: &str, len: usize) -> reqwest::Response {
        self.create_with(name, len, &[]).await
    }

    /// Creation with extra `Upload-Metadata` (e.g. `item_id`).
    pub async fn create_with(
        &self,
        name: &str,
        len: usize,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut meta = format!(
            "filename {},filetype {}",
            STANDARD.encode(name),
            STANDARD.encode("application/octet-stream")
        );
        for (k, v) in extra {
            meta.push_str(&format!(",{k} {}", STANDARD.encode(v)));
        }
        self.req(Method::POST, "/api/uploads/")
            .header("Upload-Length", len.to_string())
            .header("Upload-Metadata", meta)
            .send()
            .await
            .unwrap()
    }

    pub async fn create_ok(&self, name: &str, len: usize) -> String {
        let r = self.create(name, len).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
        r.headers()["location"].to_str().unwrap().to_string()
    }

    pub async fn head(&self, loc: &str) -> reqwest::Response {
        self.req(Method::HEAD, loc).send().await.unwrap()
    }

    pub async fn offset(&self, loc: &str) -> usize {
        let r = self.head(loc).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.headers()["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub async fn patch(
        &self,
        loc: &str,
        offset: usize,
        body: &[u8],
        checksum: Option<&[u8]>,
    ) -> reqwest::Response {
        let mut r = self
            .req(Method::PATCH, loc)
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", offset.to_string())
            .body(body.to_vec());
        if let Some(c) = checksum {
            r = r.header(
                "Upload-Checksum",
                format!("sha256 {}", STANDARD.encode(Sha256::digest(c))),
            );
        }
        r.send().await.unwrap()
    }

    /// Uploads all of `content` in PATCHes of `chunk` bytes, following the server's offsets.
    pub async fn upload_all(&self, loc: &str, content: &[u8], chunk: usize) {
        let mut offset = self.offset(loc).await;
        while offset < content.len() {
            let end = (offset + chunk).min(content.len());
            let r = self.patch(loc, offset, &content[offset..end], None).await;
            assert_eq!(r.status(), StatusCode::NO_CONTENT, "{:?}", r.text().await);
            offset = r.headers()["upload-offset"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
        }
    }
}

/// A firm with a client and an upload link; returns (owner, client id, link token).
pub async fn firm_with_link(app: &TestApp, extra: &[(&str, &str)]) -> (Caller, String, String) {
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;
    let mut form = vec![("client_id", client.as_str())];
    form.extend_from_slice(extra);
    let (s, link) = owner.call("create_upload_link", &form).await;
    assert_eq!(s, StatusCode::OK, "{link}");
    let token = last_segment(link["url"].as_str().unwrap());
    (owner, client, token)
}

/// The plaintext of a stored file, decrypted with the server's own master key.
/// The client's files as staff see them, newest first.
pub async fn files_of(owner: &Caller, client: &str) -> serde_json::Value {
    let (status, files) = owner
        .call("list_client_files", &[("client_id", client)])
        .await;
    assert_eq!(status, StatusCode::OK, "{files}");
    files
}

/// The client's file called `name`, as staff see it.
pub async fn file_named(owner: &Caller, client: &str, name: &str) -> serde_json::Value {
    let files = files_of(owner, client).await;
    files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no file {name} in {files}"))
        .clone()
}

pub async fn stored_plaintext(app: &TestApp, file_id: &str) -> Vec<u8> {
    let (org, wrapped): (String, String) = {
        use sqlx::Row;
        let r = sqlx::query("SELECT org_id, wrapped_key FROM files WHERE id = $1")
            .bind(file_id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        (r.get("org_id"), r.get("wrapped_key"))
    };
    let key = crypto::unwrap_key(
        app.state.master_key.bytes(),
        &STANDARD.decode(wrapped).unwrap(),
        file_id.as_bytes(),
    )
    .unwrap();
    let blob = std::fs::read(
        app.state
            .config
            .server
            .data_dir
            .join("files")
            .join(org)
            .join(file_id),
    )
    .unwrap();
    crypto::open_all(&key, &blob).unwrap()
}

async fn protocol_status_codes(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);
    let http = crate::helpers::client();

    let r = http
        .request(Method::OPTIONS, format!("{}/api/uploads/", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["tus-version"], "1.0.0");
    assert!(r.headers()["tus-extension"]
        .to_str()
        .unwrap()
        .contains("checksum"));
    assert_eq!(r.headers()["tus-checksum-algorithm"], "sha256");

    // No Tus-Resumable → 412; no credential → 401; unknown token → 404.
    let r = http
        .post(format!("{}/api/uploads/", app.url))
        .header("Upload-Length", "5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let r = http
        .post(format!("{}/api/uploads/", app.url))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let bogus = Tus::new(&app.url, &kundenportal::server::tokens::new_token());
    assert_eq!(
        bogus.create("a.txt", 5).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = tus.req(Method::POST, "/api/uploads/").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "no Upload-Length");
    let r = tus
        .req(Method::POST, "/api/uploads/")
        .header("Upload-Length", "5")
        .header("Upload-Metadata", "filename ***")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "bad metadata");

    let content = data(4 * SEG + 1234, 1);
    let r = tus.create("Jahresabschluss.txt", content.len()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.headers().contains_key("upload-expires"));
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/api/uploads/"));
    let h = tus.head(&loc).await;
    assert_eq!(h.headers()["upload-offset"], "0");
    assert_eq!(
        h.headers()["upload-length"],
        content.len().to_string().as_str()
    );
    assert_eq!(h.headers()["cache-control"], "no-store");

    // Wrong content type → 415; wrong offset → 409 (with the real offset).
    let r = tus
        .req(Method::PATCH, &loc)
        .header("Upload-Offset", "0")
        .header("Content-Type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = tus.patch(&loc, 5, &content[5..10], None).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.headers()["upload-offset"], "0");

    // A chunk whose checksum does not match → 460 and nothing of it is kept.
    let r = tus
        .patch(&loc, 0, &content[..2 * SEG], Some(b"something else"))
        .await;
    assert_eq!(r.status().as_u16(), 460);
    assert_eq!(tus.offset(&loc).await, 0);
    // Unsupported algorithm → 400.
    let r = tus
        .req(Method::PATCH, &loc)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .header("Upload-Checksum", "md5 AAAA")
        .body(content[..10].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // A correct checksum is accepted.
    let r = tus
        .patch(&loc, 0, &content[..2 * SEG], Some(&content[..2 * SEG]))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["upload-offset"], (2 * SEG).to_string().as_str());

    // Only whole segments are persisted: 1.5 segments sent, 1 kept.
    let r = tus
        .patch(&loc, 2 * SEG, &content[2 * SEG..3 * SEG + SEG / 2], None)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["upload-offset"], (3 * SEG).to_string().as_str());
    // Too much data for the declared length → 400, nothing changes.
    let mut too_much = content[3 * SEG..].to_vec();
    too_much.push(0);
    assert_eq!(
        tus.patch(&loc, 3 * SEG, &too_much, None).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(tus.offset(&loc).await, 3 * SEG);
    // The rest completes the file.
    let r = tus.patch(&loc, 3 * SEG, &content[3 * SEG..], None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        r.headers()["upload-offset"],
        content.len().to_string().as_str()
    );

    let files = files_of(&owner, &client).await;
    assert_eq!(files[0]["name"], "Jahresabschluss.txt");
    assert_eq!(files[0]["size"], content.len());
    assert_eq!(files[0]["quarantined"], false);
    let file_id = files[0]["id"].as_str().unwrap().to_string();
    assert_eq!(stored_plaintext(&app, &file_id).await, content);
    let sha: String = sqlx::query_scalar("SELECT sha256 FROM files WHERE id = $1")
        .bind(&file_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(sha, hex::encode(Sha256::digest(&content)));

    // Downloads decrypt on the fly, for staff of this firm only.
    let url = format!("/api/files/{file_id}/download");
    let r = owner.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("filename*=UTF-8''Jahresabschluss.txt"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), &content[..]);
    assert_eq!(
        app.anonymous().get(&url).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let stranger = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    assert_eq!(stranger.get(&url).await.status(), StatusCode::NOT_FOUND);
    // Review: Rückfrage needs a comment for the client.
    let (s, b) = owner
        .call(
            "review_file",
            &[("file_id", &file_id), ("state", "rueckfrage")],
        )
        .await;
    assert_eq!(
        (s, b["Invalid"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("comment"))
    );
    let form = [
        ("file_id", file_id.as_str()),
        ("state", "rueckfrage"),
        ("comment", "Bitte Seite 2 nachreichen."),
    ];
    assert_eq!(owner.call("review_file", &form).await.0, StatusCode::OK);
    let files = files_of(&owner, &client).await;
    assert_eq!(
        (
            files[0]["review"].as_str(),
            files[0]["review_comment"].as_str()
        ),
        (Some("Rueckfrage"), Some("Bitte Seite 2 nachreichen."))
    );
    assert_eq!(
        owner
            .call(
                "review_file",
                &[("file_id", &file_id), ("state", "geprueft")]
            )
            .await
            .0,
        StatusCode::OK
    );
    let files = files_of(&owner, &client).await;
    assert_eq!(
        (
            files[0]["review"].as_str(),
            files[0]["review_comment"].as_str()
        ),
        (Some("Geprueft"), Some(""))
    );
    // A tampered blob never yields its bytes. Damage in the first segment is reported before
    // anything is sent; damage further in breaks the stream off.
    let org: String = sqlx::query_scalar("SELECT org_id FROM files WHERE id = $1")
        .bind(&file_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let blob_path = app.blob_path(&org, &file_id);
    let original = std::fs::read(&blob_path).unwrap();
    let mut blob = original.clone();
    blob[crypto::HEADER_LEN + 2 * (SEG + crypto::TAG_LEN) + 10] ^= 1;
    std::fs::write(&blob_path, &blob).unwrap();
    let complete = match owner.http.get(format!("{}{url}", app.url)).send().await {
        Err(_) => false,
        Ok(r) => {
            r.status() == StatusCode::OK && r.bytes().await.is_ok_and(|b| b.len() == content.len())
        }
    };
    assert!(!complete, "a tampered file must not download completely");
    let mut blob = original.clone();
    blob[crypto::HEADER_LEN + 10] ^= 1;
    std::fs::write(&blob_path, &blob).unwrap();
    // A new browser (the broken stream above ended the old connection).
    let again = app.login("a@kanzlei-a.de").await;
    assert_eq!(
        again.get(&url).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    // The first accepted upload moves the client from Offen to Teilweise.
    let (_, d) = owner.call("get_client", &[("id", &client)]).await;
    assert_eq!(d["client"]["status"], "Teilweise");
    assert_eq!(d["client"]["file_count"], 1);

    // Termination of an unfinished upload removes it and its data.
    let loc2 = tus.create_ok("abbruch.txt", 3 * SEG).await;
    assert_eq!(
        tus.patch(&loc2, 0, &content[..SEG], None).await.status(),
        StatusCode::NO_CONTENT
    );
    let r = tus.req(Method::DELETE, &loc2).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(tus.head(&loc2).await.status(), StatusCode::NOT_FOUND);
    let id2 = last_segment(&loc2);
    let org: String = sqlx::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(!app
        .state
        .config
        .server
        .data_dir
        .join("files")
        .join(org)
        .join(id2)
        .exists());
}

async fn upload_pages_render(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[("title", "Belege 2025")]).await;
    // Several times, so a render that misbehaves on another worker thread shows up.
    for _ in 0..8 {
        let r = app.anonymous().get(&format!("/u/{token}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Kanzlei A")
                && html.contains("Belege 2025")
                && html.contains("file-input")
        );
        let r = owner.get(&format!("/clients/{client}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("Upload-Link erstellen"));
    }
    let r = app
        .anonymous()
        .get("/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert!(r.text().await.unwrap().contains("nicht gültig"));
}

async fn limits_are_refused_before_upload(db: Db) {
    let app = TestApp::spawn_with(db, &[("KUNDENPORTAL_UPLOADS_MAX_FILE_MB", "1")]).await;
    let (_owner, client, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);
    let r = tus.create("gross.pdf", 1024 * 1024 + 1).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers()["upload-error"], "too_large");
    assert!(r.text().await.unwrap().contains("höchstens 1 MB"));
    // The firm's quota (Solo: 5 GB) counts stored files.
    let org: String = sqlx::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO files (id, org_id, client_id, direction, name, name_key, version, size, sha256, wrapped_key, nonce_prefix, scan_state, created_at) \
         VALUES ('00000000-0000-7000-8000-000000000001', $1, $2, 'received', 'alt.pdf', 'alt.pdf', 1, $3, '', '', '', 'clean', 0)",
    )
    .bind(&org)
    .bind(&client)
    .bind(5i64 * 1024 * 1024 * 1024 - 10)
    .execute(&app.state.db)
    .await
    .unwrap();
    let r = tus.create("klein.pdf", 11).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers()["upload-error"], "quota");
    assert_eq!(
        tus.create("winzig.txt", 10).await.status(),
        StatusCode::CREATED
    );
}

async fn expired_uploads_answer_410_and_are_removed(db: Db) {
    let app = TestApp::spawn(db).await;
    let (_o, _c, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);
    let loc = tus.create_ok("spaet.txt", 2 * SEG).await;
    assert_eq!(
        tus.patch(&loc, 0, &data(SEG, 2), None).await.status(),
        StatusCode::NO_CONTENT
    );
    sqlx::query("UPDATE uploads SET expires_at = 1")
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(tus.head(&loc).await.status(), StatusCode::GONE);
    assert_eq!(
        tus.patch(&loc, SEG, &data(SEG, 2), None).await.status(),
        StatusCode::GONE
    );
    assert_eq!(
        kundenportal::uploads::http::remove_expired(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(tus.head(&loc).await.status(), StatusCode::NOT_FOUND);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM uploads")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

async fn link_states_passwords_and_isolation(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) =
        firm_with_link(&app, &[("max_files", "1"), ("password", "geheim123")]).await;
    let tus = Tus::new(&app.url, &token);
    // Password-protected: refused without or with the wrong password.
    let r = tus.create("a.txt", 3).await;
    assert_eq!(
        (r.status(), r.headers()["upload-error"].to_str().unwrap()),
        (StatusCode::UNAUTHORIZED, "link_password")
    );
    let with_pw = |pw: &str| {
        let meta = format!("filename {}", STANDARD.encode("a.txt"));
        tus.req(Method::POST, "/api/uploads/")
            .header("Upload-Length", "3")
            .header("Upload-Metadata", meta)
            .header("Upload-Link-Password", pw.to_string())
    };
    assert_eq!(
        with_pw("falsch").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let r = with_pw("geheim123").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let r = tus
        .req(Method::PATCH, &loc)
        .header("Upload-Link-Password", "geheim123")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body("abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // One file allowed: the link is used up now.
    let r = with_pw("geheim123").send().await.unwrap();
    assert_eq!(
        (r.status(), r.headers()["upload-error"].to_str().unwrap()),
        (StatusCode::GONE, "link_used_up")
    );
    let (_, public) = app
        .anonymous()
        .call("public_upload_link", &[("token", &token)])
        .await;
    assert_eq!(public["state"], "UsedUp");
    assert_eq!(public["firm_name"], "Kanzlei A");

    // Another link of the same firm cannot see or touch this link's upload.
    let (_, other) = owner
        .call("create_upload_link", &[("client_id", &client)])
        .await;
    let other_token = last_segment(other["url"].as_str().unwrap());
    let other_tus = Tus::new(&app.url, &other_token);
    let loc2 = other_tus.create_ok("b.txt", 2 * SEG).await;
    assert_eq!(
        tus.req(Method::HEAD, &loc2)
            .header("Upload-Link-Password", "geheim123")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::GONE,
        "used-up link is refused first"
    );
    let third = {
        let (_, l) = owner
            .call("create_upload_link", &[("client_id", &client)])
            .await;
        Tus::new(&app.url, &last_segment(l["url"].as_str().unwrap()))
    };
    assert_eq!(third.head(&loc2).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        third.patch(&loc2, 0, &data(SEG, 3), None).await.status(),
        StatusCode::NOT_FOUND
    );
    // Staff of another firm neither.
    let other_firm = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let r = other_firm
        .http
        .head(format!("{}{loc2}", app.url))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Revoked → 410, and the public page says so.
    let (_, links) = owner
        .call("list_upload_links", &[("client_id", &client)])
        .await;
    let id = links
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["state"] == "Active")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        owner
            .call("revoke_upload_link", &[("link_id", &id)])
            .await
            .0,
        StatusCode::OK
    );
    let (_, links) = owner
        .call("list_upload_links", &[("client_id", &client)])
        .await;
    assert!(links
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["state"] == "Revoked"));
    // An expired link.
    sqlx::query(
        "UPDATE upload_links SET expires_at = 1 WHERE revoked_at IS NULL AND max_files IS NULL",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    let r = other_tus.create("c.txt", 1).await;
    assert_eq!(
        (r.status(), r.headers()["upload-error"].to_str().unwrap()),
        (StatusCode::GONE, "link_expired")
    );
    // Unknown tokens look the same whether or not they ever existed.
    assert_eq!(
        app.anonymous()
            .call("public_upload_link", &[("token", "kurz")])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let never = kundenportal::server::tokens::new_token();
    assert_eq!(
        app.anonymous()
            .call("public_upload_link", &[("token", &never)])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

async fn suspicious_files_are_quarantined(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);
    let eicar = kundenportal::uploads::domain::EICAR.to_vec();
    let loc = tus.create_ok("test.com", eicar.len()).await;
    tus.upload_all(&loc, &eicar, SEG).await;
    let bomb = zip_declaring(&data(200_000, 4), 400 * 1024 * 1024);
    let loc = tus.create_ok("bombe.zip", bomb.len()).await;
    tus.upload_all(&loc, &bomb, SEG).await;
    let fake_pdf = b"MZ\x90\x00\x03\x00\x00\x00 not really a pdf".to_vec();
    let loc = tus.create_ok("rechnung.pdf", fake_pdf.len()).await;
    tus.upload_all(&loc, &fake_pdf, SEG).await;
    let files = files_of(&owner, &client).await;
    let reasons: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["scan_reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"eicar")
            && reasons.contains(&"type_mismatch")
            && reasons.contains(&"archive_bomb"),
        "{reasons:?}"
    );
    assert!(files
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["quarantined"] == true));
    // Quarantined files are never served.
    let id = files[0]["id"].as_str().unwrap();
    assert_eq!(
        owner
            .get(&format!("/api/files/{id}/download"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Quarantined files do not count as received documents.
    let (_, d) = owner.call("get_client", &[("id", &client)]).await;
    assert_eq!(
        (
            d["client"]["status"].as_str(),
            d["client"]["file_count"].as_i64()
        ),
        (Some("Offen"), Some(0))
    );
    // An ordinary archive passes.
    let harmless = zip_declaring(&data(200_000, 5), 300_000);
    let loc = tus.create_ok("harmlos.zip", harmless.len()).await;
    tus.upload_all(&loc, &harmless, SEG).await;
    let zip = file_named(&owner, &client, "harmlos.zip").await;
    assert_eq!(zip["quarantined"], false);
}

async fn same_name_becomes_a_new_version(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);
    for seed in [1u8, 2] {
        let content = data(1000, seed);
        let loc = tus.create_ok("Vollmacht.txt", content.len()).await;
        tus.upload_all(&loc, &content, SEG).await;
    }
    let loc = tus.create_ok("vollmacht.TXT", 0).await;
    assert_eq!(tus.offset(&loc).await, 0);
    let files = files_of(&owner, &client).await;
    let versions: Vec<i64> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![3, 2, 1]);
    assert_eq!(files[0]["quarantined"], true, "an empty file is refused");
    let _ = PASSWORD;
}

async fn staff_send_files_to_a_client(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, _token) = firm_with_link(&app, &[]).await;
    let reader = app.member(&owner, "leser@kanzlei-a.de", "readonly").await;
    let other = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let meta = format!(
        "filename {},client_id {}",
        STANDARD.encode("Vertrag.pdf"),
        STANDARD.encode(&client)
    );
    let create = |c: &Caller| {
        c.http
            .post(format!("{}/api/uploads/", app.url))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", "9")
            .header("Upload-Metadata", meta.clone())
    };
    assert_eq!(
        create(&reader).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        create(&other).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let r = create(&owner).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let r = owner
        .http
        .patch(format!("{}{loc}", app.url))
        .header("Tus-Resumable", "1.0.0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body("%PDF-1.7\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let files = files_of(&owner, &client).await;
    assert_eq!(
        (files[0]["name"].as_str(), files[0]["sent"].as_bool()),
        (Some("Vertrag.pdf"), Some(true))
    );
    // Sending a file does not count as the client delivering documents.
    let (_, d) = owner.call("get_client", &[("id", &client)]).await;
    assert_eq!(d["client"]["status"], "Offen");
    // A staff upload is not reachable with a link token, nor by another firm.
    let r = other
        .http
        .head(format!("{}{loc}", app.url))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

on_both_databases!(
    upload_pages_render,
    staff_send_files_to_a_client,
    protocol_status_codes,
    limits_are_refused_before_upload,
    expired_uploads_answer_410_and_are_removed,
    link_states_passwords_and_isolation,
    suspicious_files_are_quarantined,
    same_name_becomes_a_new_version,
);

async fn master_key_rotation_rewraps_without_reencrypting(db: Db) {
    use kundenportal::server::keys::{self, MasterKey};
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);
    let content = data(3 * SEG + 5, 7);
    let loc = tus.create_ok("Steuer.txt", content.len()).await;
    tus.upload_all(&loc, &content, SEG).await;
    let unfinished = tus.create_ok("halb.txt", 2 * SEG).await;
    assert_eq!(
        tus.patch(&unfinished, 0, &content[..SEG], None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let files = files_of(&owner, &client).await;
    let file_id = files[0]["id"].as_str().unwrap().to_string();
    let dir = app.state.config.server.data_dir.clone();
    let org: String = sqlx::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let blob_before = std::fs::read(dir.join("files").join(&org).join(&file_id)).unwrap();
    let old = MasterKey::load(&dir, None).unwrap();

    let (new, count) = keys::rotate(&app.state.db, &dir, None).await.unwrap();
    assert_eq!(
        count, 4,
        "a file, its finished upload record, an unfinished upload, the client's message key"
    );
    assert_eq!(
        MasterKey::load(&dir, None).unwrap().bytes(),
        new.bytes(),
        "the key file was replaced"
    );
    assert!(!dir.join("master.key.new").exists());
    // Content untouched; the data key now opens only with the new master key.
    assert_eq!(
        std::fs::read(dir.join("files").join(&org).join(&file_id)).unwrap(),
        blob_before
    );
    let wrapped: String = sqlx::query_scalar("SELECT wrapped_key FROM files WHERE id = $1")
        .bind(&file_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let raw = STANDARD.decode(wrapped).unwrap();
    assert!(crypto::unwrap_key(old.bytes(), &raw, file_id.as_bytes()).is_err());
    let key = crypto::unwrap_key(new.bytes(), &raw, file_id.as_bytes()).unwrap();
    assert_eq!(crypto::open_all(&key, &blob_before).unwrap(), content);
    // The old key is refused at start-up with a clear message.
    let err = keys::verify(&app.state.db, &dir, old.clone())
        .await
        .unwrap_err();
    assert!(err.contains("does not fit"), "{err}");

    // A rotation interrupted after the database was re-wrapped, before the key file moved:
    let newer = MasterKey::generate();
    keys::rewrap(&app.state.db, &new, &newer).await.unwrap();
    newer.store_pending(&dir).unwrap();
    let fixed = keys::verify(&app.state.db, &dir, MasterKey::load(&dir, None).unwrap())
        .await
        .unwrap();
    assert_eq!(fixed.bytes(), newer.bytes());
    assert_eq!(
        MasterKey::load(&dir, None).unwrap().bytes(),
        newer.bytes(),
        "master.key.new was put in place"
    );
}

on_both_databases!(master_key_rotation_rewraps_without_reencrypting);

async fn several_files_download_as_one_zip(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, client, token) = firm_with_link(&app, &[]).await;
    let tus = Tus::new(&app.url, &token);
    let mut expected = Vec::new();
    for (name, len, seed) in [
        ("Vollmacht.txt", 100, 1u8),
        ("Vollmacht.txt", 3 * SEG + 17, 2),
        ("Belege.txt", 0, 3),
    ] {
        let content = data(len.max(1), seed);
        let loc = tus.create_ok(name, content.len()).await;
        tus.upload_all(&loc, &content, 2 * SEG).await;
        expected.push((last_segment(&loc), content));
    }
    let ids: Vec<&str> = expected.iter().map(|(id, _)| id.as_str()).collect();
    let url = format!("/api/clients/{client}/files.zip?ids={}", ids.join("&ids="));
    let r = owner.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("Schmidt%20AG.zip"));
    let entries = crate::helpers::zip_entries(r.bytes().await.unwrap().to_vec()).await;
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Vollmacht.txt", "Vollmacht (2).txt", "Belege.txt"]);
    for (i, (_, content)) in expected.iter().enumerate() {
        assert_eq!(&entries[i].1, content, "entry {i}");
    }
    // Only staff of this firm, only this client's clean files.
    assert_eq!(
        app.anonymous().get(&url).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let stranger = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    assert_eq!(stranger.get(&url).await.status(), StatusCode::NOT_FOUND);
    let other_client = owner.create_client("Andere GmbH", "").await;
    assert_eq!(
        owner
            .get(&format!(
                "/api/clients/{other_client}/files.zip?ids={}",
                ids[0]
            ))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        owner
            .get(&format!("/api/clients/{client}/files.zip"))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
}

on_both_databases!(several_files_download_as_one_zip);

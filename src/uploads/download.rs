//! Downloads: a stored file is decrypted segment by segment while it streams out, in constant
//! memory, with a safe `Content-Disposition`. Quarantined files are never served.

use super::repo::StoredFile;
use crate::crypto::{self, SegmentCipher, HEADER_LEN};
use crate::i18n::Lang;
use crate::orgs::domain::Permission;
use crate::server::AppState;
use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

/// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266).
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The data key and header of a stored file.
pub fn file_cipher(st: &AppState, f: &StoredFile) -> Result<SegmentCipher, String> {
    let (key, header) = st
        .master_key
        .open_blob_key(&f.id, &f.wrapped_key, &f.nonce_prefix)?;
    Ok(SegmentCipher::new(&key, header))
}

/// Segments read and decrypted per step of a stream (1 MiB of plaintext).
const BATCH_SEGMENTS: u64 = 16;

/// The plaintext of a sealed blob from segment `start` on, as a stream of decrypted batches:
/// one open file, reads of 16 segments at a time, constant memory. A segment that fails to
/// authenticate ends the stream with an error (the reader sees a broken download, never
/// tampered bytes).
pub fn sealed_plaintext(
    st: &AppState,
    org_id: &str,
    blob_id: &str,
    cipher: SegmentCipher,
    len: u64,
    start: u64,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    let storage = st.storage.clone();
    let (org_id, blob_id) = (org_id.to_string(), blob_id.to_string());
    let count = cipher.header().segment_count(len);
    let sealed = cipher.header().sealed_segment_len() as u64;
    let blob_len = cipher.header().blob_len(len);
    let cipher = std::sync::Arc::new(cipher);
    let state = (None::<crate::server::storage::BlobReader>, start);
    futures::stream::try_unfold(state, move |(reader, index)| {
        let (storage, org_id, blob_id) = (storage.clone(), org_id.clone(), blob_id.clone());
        let cipher = cipher.clone();
        async move {
            if index >= count {
                return Ok(None);
            }
            let mut reader = match reader {
                Some(r) => r,
                None => storage.reader(&org_id, &blob_id).await?,
            };
            let end = (index + BATCH_SEGMENTS).min(count);
            let from = HEADER_LEN as u64 + index * sealed;
            let want = (HEADER_LEN as u64 + end * sealed).min(blob_len) - from;
            let mut raw = reader.read_at(from, want).await?;
            if raw.len() as u64 != want {
                // Truncated: the segments that should follow never open.
                tracing::error!(blob = %blob_id, "stored file is shorter than its size");
                return Err(std::io::Error::other(crypto::CryptoError::Integrity));
            }
            // Decrypted in place, the plaintexts moved together over the tags: one buffer
            // per batch.
            let mut plain_end = 0;
            for (n, i) in (index..end).enumerate() {
                let at = n * sealed as usize;
                let chunk = &mut raw[at..(at + sealed as usize).min(want as usize)];
                let len = cipher.open_slice(i, i + 1 == count, chunk).map_err(|e| {
                    tracing::error!(blob = %blob_id, segment = i, "stored file failed its integrity check");
                    std::io::Error::other(e)
                })?;
                raw.copy_within(at..at + len, plain_end);
                plain_end += len;
            }
            raw.truncate(plain_end);
            Ok(Some((bytes::Bytes::from(raw), (Some(reader), end))))
        }
    })
}

/// The plaintext of a stored file from segment `start` on.
pub fn plaintext_stream_from(
    st: &AppState,
    f: &StoredFile,
    start: u64,
) -> Result<
    impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static,
    String,
> {
    let cipher = file_cipher(st, f)?;
    Ok(sealed_plaintext(
        st,
        &f.org_id,
        &f.id,
        cipher,
        f.size as u64,
        start,
    ))
}

/// GET /api/files/{id}/download — staff of the file's firm.
pub async fn download(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let user = match crate::auth::ctx::staff_http(&st, req.headers(), Permission::ViewClients).await
    {
        Ok(u) => u,
        Err(s) => return s.into_response(),
    };
    let (ip, user_agent) = crate::auth::ctx::origin(&st, req.headers(), req.extensions());
    let actor = crate::audit::repo::Actor {
        user_id: Some(user.user_id.clone()),
        name: user.name.clone(),
        ip,
        user_agent,
    };
    let file = match super::repo::stored_file(&st.db, &user.org_id, &id).await {
        Ok(file) => file,
        Err(e) => return lookup_failed(e),
    };
    if let Some(f) = &file {
        if let Err(s) = crate::auth::ctx::sees_file(&st, &user, &f.id).await {
            return s.into_response();
        }
    }
    serve(&st, file, &actor, Lang::of_headers(req.headers())).await
}

/// GET /api/portal/files/{id} — the signed-in client's own files (sent to them or from them);
/// any other id is "not found".
pub async fn portal_download(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let session = match crate::portal::api::session_of(&st, req.headers()).await {
        Ok(s) => s,
        Err(e) => return lookup_failed(e),
    };
    let Some((org_id, client_id)) = session.as_ref().and_then(|s| s.client.clone()) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if session
        .as_ref()
        .is_some_and(|s| !s.rights.has(crate::portal::Right::Files))
    {
        return StatusCode::FORBIDDEN.into_response();
    }
    let (ip, user_agent) = crate::auth::ctx::origin(&st, req.headers(), req.extensions());
    let actor = crate::audit::repo::Actor {
        user_id: None,
        name: session.map(|s| s.client_name).unwrap_or_default(),
        ip,
        user_agent,
    };
    match super::repo::stored_file(&st.db, &org_id, &id).await {
        Ok(file) => {
            let lang = Lang::of_headers(req.headers());
            serve(&st, file.filter(|f| f.client_id == client_id), &actor, lang).await
        }
        Err(e) => lookup_failed(e),
    }
}

fn lookup_failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "download lookup failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// Streams a file the caller may have (after the audit record of the download).
async fn serve(
    st: &AppState,
    file: Option<super::repo::StoredFile>,
    actor: &crate::audit::repo::Actor,
    lang: Lang,
) -> Response {
    let Some(file) = file else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if file.quarantined {
        return (StatusCode::FORBIDDEN, "quarantined").into_response();
    }
    if let Err(e) = crate::audit::repo::record(
        &st.db,
        &file.org_id,
        actor,
        Some(&file.client_id),
        crate::audit::action::FILE_DOWNLOADED,
        &file.name,
    )
    .await
    {
        tracing::error!(error = %e, "audit failed");
        // No download goes unrecorded: with the database's disk full, none goes out.
        if crate::error::out_of_space(&e) {
            let t = lang.t();
            return (StatusCode::SERVICE_UNAVAILABLE, t.err_storage_full).into_response();
        }
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    // The first batch is checked before any header goes out, so a damaged file is reported
    // as such instead of as a broken connection.
    let mut plain = match plaintext_stream_from(st, &file, 0) {
        Ok(s) => Box::pin(s),
        Err(e) => {
            tracing::error!(error = %e, "file key unusable");
            return (StatusCode::INTERNAL_SERVER_ERROR, "integrity check failed").into_response();
        }
    };
    let Some(Ok(first)) = futures::StreamExt::next(&mut plain).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "integrity check failed").into_response();
    };
    let first = futures::stream::once(async move { Ok(first) });
    let body = futures::StreamExt::chain(first, plain);
    // Never the declared type: a file is data to save, not a page to render.
    let mut r = attachment(
        Body::from_stream(body),
        "application/octet-stream",
        &file.name,
    );
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    r
}

/// A download to save as `name` (never rendered inline, never cached): files, ZIPs, exports.
pub fn attachment(body: Body, content_type: &'static str, name: &str) -> Response {
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_is_safe_and_keeps_the_name() {
        assert_eq!(
            content_disposition("Prüfung \"2025\".pdf"),
            "attachment; filename=\"Pr_fung _2025_.pdf\"; filename*=UTF-8''Pr%C3%BCfung%20%222025%22.pdf"
        );
        assert!(!content_disposition("a\r\nSet-Cookie: x").contains('\n'));
    }
}

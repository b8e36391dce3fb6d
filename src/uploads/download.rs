//! Downloads: a stored file is decrypted segment by segment while it streams out, in constant
//! memory, with a safe `Content-Disposition`. Quarantined files are never served.

use super::repo::StoredFile;
use crate::crypto::{self, Header, SegmentCipher, HEADER_LEN};
use crate::server::AppState;
use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::STANDARD, Engine};

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
    let wrapped = STANDARD.decode(&f.wrapped_key).map_err(|e| e.to_string())?;
    let key = crypto::unwrap_key(st.master_key.bytes(), &wrapped, f.id.as_bytes())
        .map_err(|e| e.to_string())?;
    let prefix: [u8; crypto::PREFIX_LEN] = STANDARD
        .decode(&f.nonce_prefix)
        .map_err(|e| e.to_string())?
        .try_into()
        .map_err(|_| "bad prefix".to_string())?;
    Ok(SegmentCipher::new(&key, Header::new(prefix)))
}

/// Decrypts segment `index` of a stored file.
async fn open_segment(
    st: &AppState,
    f: &StoredFile,
    cipher: &SegmentCipher,
    index: u64,
) -> Result<Vec<u8>, std::io::Error> {
    let count = cipher.header().segment_count(f.size as u64);
    let sealed = cipher.header().sealed_segment_len() as u64;
    let mut buf = st
        .storage
        .read_at(
            &f.org_id,
            &f.id,
            HEADER_LEN as u64 + index * sealed,
            sealed as usize,
        )
        .await?;
    cipher.open(index, index + 1 == count, &mut buf).map_err(|e| {
        tracing::error!(file = %f.id, segment = index, "stored file failed its integrity check");
        std::io::Error::other(e)
    })?;
    Ok(buf)
}

/// The plaintext of a stored file from segment `start` on, as a stream of decrypted segments.
/// A segment that fails to authenticate ends the stream with an error (the client sees a
/// broken download, never tampered bytes).
pub fn plaintext_stream_from(
    st: AppState,
    f: StoredFile,
    start: u64,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    let state = (st, f, start, None::<SegmentCipher>);
    futures::stream::try_unfold(state, |(st, f, index, cipher)| async move {
        let cipher = match cipher {
            Some(c) => c,
            None => file_cipher(&st, &f).map_err(std::io::Error::other)?,
        };
        if index >= cipher.header().segment_count(f.size as u64) {
            return Ok(None);
        }
        let buf = open_segment(&st, &f, &cipher, index).await?;
        Ok(Some((
            bytes::Bytes::from(buf),
            (st, f, index + 1, Some(cipher)),
        )))
    })
}

pub fn plaintext_stream(
    st: AppState,
    f: StoredFile,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    plaintext_stream_from(st, f, 0)
}

/// GET /api/files/{id}/download — staff of the file's firm.
pub async fn download(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(user) = super::http::staff_from_headers(&st, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let file = match super::repo::stored_file(&st.db, &user.org_id, &id).await {
        Ok(Some(f)) => f,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "download lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if file.quarantined {
        return (StatusCode::FORBIDDEN, "quarantined").into_response();
    }
    let actor = crate::audit::repo::Actor {
        user_id: Some(user.user_id.clone()),
        name: user.name.clone(),
        ..Default::default()
    };
    if let Err(e) = crate::audit::repo::record(
        &st.db,
        &user.org_id,
        &actor,
        Some(&file.client_id),
        crate::audit::action::FILE_DOWNLOADED,
        &file.name,
    )
    .await
    {
        tracing::error!(error = %e, "audit failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    // The first segment is checked before any header goes out, so a damaged file is reported
    // as such instead of as a broken connection.
    let first = match file_cipher(&st, &file) {
        Ok(cipher) => open_segment(&st, &file, &cipher, 0).await,
        Err(e) => Err(std::io::Error::other(e)),
    };
    let Ok(first) = first else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "integrity check failed").into_response();
    };
    let rest = plaintext_stream_from(st.clone(), file.clone(), 1);
    let first = futures::stream::once(async move { Ok(bytes::Bytes::from(first)) });
    let mut r = Response::new(Body::from_stream(futures::StreamExt::chain(first, rest)));
    let h = r.headers_mut();
    // Never the declared type: a file is data to save, not a page to render.
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&file.name)) {
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

//! Several files of a client as one ZIP, streamed: each file is decrypted segment by segment
//! straight into the archive, which flows into the response through a small pipe — constant
//! memory whatever the total size. Entries are stored (documents are mostly compressed already).
//! The same writer makes a client's whole export (`clients::export`).

use super::download::plaintext_stream_from;
use crate::orgs::domain::Permission;
use crate::server::AppState;
use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use axum::{
    body::Body,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use futures::{AsyncWriteExt, StreamExt};
use std::collections::HashSet;

/// Unique names inside the archive: a second "Vollmacht.pdf" becomes "Vollmacht (2).pdf".
pub fn unique_name(name: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 2;
    while !taken.insert(candidate.to_lowercase()) {
        candidate = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!("{stem} ({n}).{ext}"),
            _ => format!("{name} ({n})"),
        };
        n += 1;
    }
    candidate
}

/// `ids=a&ids=b` (a plain GET form with checkboxes) or `ids=a,b`.
pub fn ids_from_query(query: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k == "ids" || *k == "ids%5B%5D" || *k == "ids[]")
        .flat_map(|(_, v)| {
            v.split("%2C")
                .flat_map(|x| x.split(','))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|v| !v.is_empty())
        .take(500)
        .collect()
}

/// GET /api/clients/{client_id}/files.zip?ids=…  — staff of the client's firm.
pub async fn download_zip(
    State(st): State<AppState>,
    Path(client_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let user = match crate::auth::ctx::staff_http(&st, &headers, Permission::ViewClients).await {
        Ok(u) => u,
        Err(s) => return s.into_response(),
    };
    let ids = ids_from_query(query.as_deref().unwrap_or(""));
    if ids.is_empty() {
        return (StatusCode::BAD_REQUEST, "no files selected").into_response();
    }
    if let Err(s) = crate::auth::ctx::sees_client(&st, &user, &client_id).await {
        return s.into_response();
    }
    let (client, ..) = match crate::clients::repo::get(
        &st.db,
        &user.org_id,
        &client_id,
        crate::clients::access::viewer(&user),
    )
    .await
    {
        Ok(Some(c)) => c,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "zip lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut files = Vec::with_capacity(ids.len());
    for id in &ids {
        match super::repo::stored_file(&st.db, &user.org_id, id).await {
            Ok(Some(f)) if f.client_id == client_id && !f.quarantined => {
                if let Err(s) = crate::auth::ctx::sees_file(&st, &user, &f.id).await {
                    return s.into_response();
                }
                files.push(f)
            }
            Ok(_) => return StatusCode::NOT_FOUND.into_response(),
            Err(e) => {
                tracing::error!(error = %e, "zip lookup failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    }
    let actor = crate::audit::repo::Actor {
        user_id: Some(user.user_id.clone()),
        name: user.name.clone(),
        ..Default::default()
    };
    let detail = format!("{} files (ZIP)", files.len());
    if let Err(e) = crate::audit::repo::record(
        &st.db,
        &user.org_id,
        &actor,
        Some(&client_id),
        crate::audit::action::FILE_DOWNLOADED,
        &detail,
    )
    .await
    {
        tracing::error!(error = %e, "audit failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }

    let parts = files
        .into_iter()
        .map(|f| Part::File {
            path: f.name.clone(),
            file: f,
        })
        .collect();
    let name = format!("{}.zip", super::domain::sanitize_filename(&client.name));
    response(stream(&st, parts), &name)
}

/// An entry of a streamed archive: bytes at hand, or a stored file decrypted on the way.
pub enum Part {
    Data {
        path: String,
        bytes: Vec<u8>,
    },
    File {
        path: String,
        file: super::repo::StoredFile,
    },
}

/// The archive of `parts` as a body: written by a task into a small pipe, so memory stays
/// constant whatever the total size. Paths are made unique ("a.pdf", "a (2).pdf").
pub fn stream(st: &AppState, parts: Vec<Part>) -> Body {
    let (pipe_in, mut pipe_out) = tokio::io::duplex(256 * 1024);
    let state = st.clone();
    tokio::spawn(async move {
        let mut zip = ZipFileWriter::with_tokio(pipe_in);
        let mut taken = HashSet::new();
        for part in parts {
            let path = match &part {
                Part::Data { path, .. } | Part::File { path, .. } => unique_name(path, &mut taken),
            };
            let entry = ZipEntryBuilder::new(path.into(), Compression::Stored);
            let Ok(mut w) = zip.write_entry_stream(entry).await else {
                return;
            };
            match part {
                Part::Data { bytes, .. } => {
                    if w.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
                Part::File { file, .. } => {
                    let Ok(plain) = plaintext_stream_from(&state, &file, 0) else {
                        return;
                    };
                    let mut plain = Box::pin(plain);
                    while let Some(chunk) = plain.next().await {
                        // An integrity failure or a closed connection ends the archive
                        // unfinished: the reader sees a broken download, never altered content.
                        let Ok(chunk) = chunk else { return };
                        if w.write_all(&chunk).await.is_err() {
                            return;
                        }
                    }
                }
            }
            if w.close().await.is_err() {
                return;
            }
        }
        let _ = zip.close().await;
    });
    let body = futures::stream::poll_fn(move |cx| {
        let mut buf = vec![0u8; 64 * 1024];
        let mut read_buf = tokio::io::ReadBuf::new(&mut buf);
        match tokio::io::AsyncRead::poll_read(std::pin::Pin::new(&mut pipe_out), cx, &mut read_buf)
        {
            std::task::Poll::Ready(Ok(())) if read_buf.filled().is_empty() => {
                std::task::Poll::Ready(None)
            }
            std::task::Poll::Ready(Ok(())) => {
                let n = read_buf.filled().len();
                buf.truncate(n);
                std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(bytes::Bytes::from(buf))))
            }
            std::task::Poll::Ready(Err(e)) => std::task::Poll::Ready(Some(Err(e))),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    });
    Body::from_stream(body)
}

/// A ZIP download named `name`, never cached.
pub fn response(body: Body, name: &str) -> Response {
    super::download::attachment(body, "application/zip", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_the_archive_are_unique() {
        let mut taken = HashSet::new();
        assert_eq!(unique_name("Vollmacht.pdf", &mut taken), "Vollmacht.pdf");
        assert_eq!(
            unique_name("vollmacht.PDF", &mut taken),
            "vollmacht (2).PDF"
        );
        assert_eq!(
            unique_name("Vollmacht.pdf", &mut taken),
            "Vollmacht (3).pdf"
        );
        assert_eq!(unique_name("README", &mut taken), "README");
        assert_eq!(unique_name("README", &mut taken), "README (2)");
    }

    #[test]
    fn ids_from_a_form_or_a_list() {
        assert_eq!(ids_from_query("ids=a&ids=b&x=1"), vec!["a", "b"]);
        assert_eq!(ids_from_query("ids=a%2Cb"), vec!["a", "b"]);
        assert!(ids_from_query("").is_empty());
    }
}

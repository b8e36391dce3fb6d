//! Finishing an upload: content checks, the file record (with its version), the client's
//! counters and status (Offen → Teilweise on the first accepted file), the link's use count
//! the audit event and, for a chat attachment, its message — in one transaction.

use super::domain::{self, QuarantineReason, ScanVerdict};
use super::repo::UploadRow;
use crate::clients::domain::{next_status, StatusEvent};
use crate::clients::ClientStatus;
use crate::crypto::{self, Header, SegmentCipher};
use crate::server::{db::now_ms, AppState};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// A finished upload's sealed blob, read back as plaintext — always through the one streaming
/// reader downloads use.
struct Blob<'a> {
    st: &'a AppState,
    up: &'a UploadRow,
    key: &'a [u8; crypto::KEY_LEN],
    header: Header,
}

impl Blob<'_> {
    /// The plaintext from segment `first` on.
    fn stream_from(
        &self,
        first: u64,
    ) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
        super::download::sealed_plaintext(
            self.st,
            &self.up.org_id,
            &self.up.id,
            SegmentCipher::new(self.key, self.header),
            self.up.length as u64,
            first,
        )
    }

    /// Plaintext bytes `[start, end)`, decrypting only from the segment holding `start`.
    async fn read(&self, start: u64, end: u64) -> Result<Vec<u8>, String> {
        use futures::StreamExt;
        let end = end.min(self.up.length as u64);
        if start >= end {
            return Ok(Vec::new());
        }
        let first = start / self.header.segment_len as u64;
        let base = first * self.header.segment_len as u64;
        let mut plain = Box::pin(self.stream_from(first));
        let mut out = Vec::new();
        while (out.len() as u64) < end - base {
            match plain.next().await {
                Some(batch) => out.extend_from_slice(&batch.map_err(|e| e.to_string())?),
                None => return Err("blob shorter than its upload".into()),
            }
        }
        Ok(out[(start - base) as usize..(end - base) as usize].to_vec())
    }

    /// The SHA-256 of the whole plaintext (after a restart the running hash of the upload is
    /// gone).
    async fn sha256(&self) -> Result<[u8; 32], String> {
        use futures::StreamExt;
        let mut plain = Box::pin(self.stream_from(0));
        let mut h = Sha256::new();
        while let Some(batch) = plain.next().await {
            h.update(batch.map_err(|e| e.to_string())?);
        }
        Ok(h.finalize().into())
    }
}

/// Whether a ZIP declares a disproportionate unpacked size (a decompression bomb). Reads only
/// the end record and the central directory. An unreadable directory is not judged here.
async fn is_zip_bomb(blob: &Blob<'_>) -> Result<bool, String> {
    let len = blob.up.length as u64;
    let tail_start = len.saturating_sub(65_535 + 22 + 20);
    let tail = blob.read(tail_start, len).await?;
    let end = match domain::zip_end(&tail) {
        None => return Ok(false),
        Some(domain::ZipEnd::Zip64At(at)) => {
            match domain::zip64_directory(&blob.read(at, at + 56).await?) {
                Some(e) => e,
                None => return Ok(false),
            }
        }
        Some(e) => e,
    };
    let domain::ZipEnd::Directory { offset, size } = end else {
        return Ok(false);
    };
    // Millions of entries are themselves a way to exhaust an unpacker.
    if size > 64 * 1024 * 1024 {
        return Ok(true);
    }
    if offset.saturating_add(size) > len {
        return Ok(false);
    }
    let cd = blob.read(offset, offset + size).await?;
    Ok(domain::zip_declared_size(&cd)
        .is_some_and(|declared| domain::is_archive_bomb(len, declared)))
}

pub fn scan(filename: &str, length: i64, head: &[u8]) -> ScanVerdict {
    if length == 0 {
        return ScanVerdict::Quarantined(QuarantineReason::Empty);
    }
    let trimmed = head.trim_ascii_end();
    if length <= 128 && trimmed.starts_with(domain::EICAR) {
        return ScanVerdict::Quarantined(QuarantineReason::Eicar);
    }
    if !domain::type_matches(filename, head) {
        return ScanVerdict::Quarantined(QuarantineReason::TypeMismatch);
    }
    ScanVerdict::Clean
}

pub async fn finish(
    st: &AppState,
    up: &UploadRow,
    key: &[u8; crypto::KEY_LEN],
    header: Header,
    digest: Option<[u8; 32]>,
) -> Result<(), String> {
    let blob = Blob {
        st,
        up,
        key,
        header,
    };
    let head = blob.read(0, header.segment_len as u64).await?;
    let digest = match digest {
        Some(d) => d,
        None => blob.sha256().await?,
    };
    let mut verdict = scan(&up.filename, up.length, &head);
    // The allow-list may have changed since the upload was accepted.
    if verdict == ScanVerdict::Clean && up.direction == "received" {
        let allowed = crate::orgs::repo::allowed_types(&st.db, &up.org_id)
            .await
            .map_err(|e| e.to_string())?;
        if !domain::extension_allowed(&up.filename, &allowed) {
            verdict = ScanVerdict::Quarantined(QuarantineReason::TypeNotAllowed);
        }
    }
    if verdict == ScanVerdict::Clean
        && domain::sniff(&head) == Some("application/zip")
        && is_zip_bomb(&blob).await?
    {
        verdict = ScanVerdict::Quarantined(QuarantineReason::ArchiveBomb);
    }
    let mut reason = match verdict {
        ScanVerdict::Clean => String::new(),
        ScanVerdict::Quarantined(r) => r.code().to_string(),
    };
    let clamd = &st.config.uploads.clamd;
    if reason.is_empty() && !clamd.is_empty() {
        let max = st.config.uploads.clamd_max_mb as u64 * 1024 * 1024;
        reason = match super::clamav::scan(clamd, blob.stream_from(0), max).await {
            Ok(super::clamav::Verdict::Clean) => String::new(),
            Ok(super::clamav::Verdict::Found(sig)) => {
                format!("{}:{sig}", QuarantineReason::Malware.code())
            }
            Err(e) => {
                // Fail closed: a file nobody could scan is not handed out.
                tracing::error!(upload = %up.id, error = %e, "virus scan failed");
                QuarantineReason::ScanFailed.code().to_string()
            }
        };
    }
    let scan_state = if reason.is_empty() {
        "clean"
    } else {
        "quarantined"
    };
    let now = now_ms();
    let db = &st.db;
    // A chat attachment becomes a message in the same transaction: sealed with the client's
    // message key, fetched (or made) before.
    let chat_key = match (&up.chat_conv, &up.ticket_id) {
        (None, None) => None,
        _ => Some(crate::chat::repo::key(db, &st.master_key, &up.org_id, &up.client_id).await?),
    };
    // The case the file goes to — whose item it answers, or in whose conversation it is posted:
    // only those who see that case hear of it.
    let case: Option<String> = match &up.item_id {
        Some(item) => sqlx::query_scalar("SELECT case_id FROM case_items WHERE id = $1")
            .bind(item)
            .fetch_optional(db)
            .await
            .map_err(|e| e.to_string())?,
        None => up.chat_conv.clone().filter(|c| !c.is_empty()),
    };
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    // Marking the upload done first takes the write lock and makes finishing happen once.
    let n =
        sqlx::query("UPDATE uploads SET completed_at = $2 WHERE id = $1 AND completed_at IS NULL")
            .bind(&up.id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?
            .rows_affected();
    if n == 0 {
        return Ok(());
    }
    let name_key = up.filename.to_lowercase();
    let version: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM files WHERE client_id = $1 AND direction = $2 AND name_key = $3",
    )
    .bind(&up.client_id)
    .bind(&up.direction)
    .bind(&name_key)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| e.to_string())?;
    sqlx::query(
        "INSERT INTO files (id, org_id, client_id, direction, name, name_key, version, size, mime, sha256, wrapped_key, \
         nonce_prefix, scan_state, scan_reason, review_state, link_id, uploaded_by, created_at, item_id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,'neu',$15,$16,$17,$18)",
    )
    .bind(&up.id)
    .bind(&up.org_id)
    .bind(&up.client_id)
    .bind(&up.direction)
    .bind(&up.filename)
    .bind(&name_key)
    .bind(version)
    .bind(up.length)
    .bind(&up.mime)
    .bind(hex::encode(digest))
    .bind(&up.wrapped_key)
    .bind(&up.nonce_prefix)
    .bind(scan_state)
    .bind(&reason)
    .bind(up.link_id.as_deref())
    .bind(up.uploaded_by.as_deref())
    .bind(now)
    .bind(up.item_id.as_deref())
    .execute(&mut *tx)
    .await
    .map_err(|e| e.to_string())?;
    if let Some(link) = &up.link_id {
        sqlx::query("UPDATE upload_links SET files_received = files_received + 1 WHERE id = $1")
            .bind(link)
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
    }
    if let (Some(item), "clean") = (&up.item_id, scan_state) {
        crate::cases::repo::file_arrived(&mut tx, item, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    if scan_state == "clean" && up.direction == "received" {
        let row = sqlx::query("SELECT status FROM clients WHERE id = $1 AND org_id = $2")
            .bind(&up.client_id)
            .bind(&up.org_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        let status: String = row.try_get("status").map_err(|e| e.to_string())?;
        let next = next_status(
            ClientStatus::parse(&status).unwrap_or_default(),
            StatusEvent::UploadAccepted,
        );
        sqlx::query(
            "UPDATE clients SET file_count = file_count + 1, last_upload_at = $3, last_activity_at = $3, status = $4 \
             WHERE id = $1 AND org_id = $2",
        )
        .bind(&up.client_id)
        .bind(&up.org_id)
        .bind(now)
        .bind(next.as_str())
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    }
    if up.direction == "received" {
        let kind = if scan_state == "clean" {
            crate::notify::Kind::Upload
        } else {
            crate::notify::Kind::Quarantine
        };
        let received = crate::notify::repo::Received {
            client_id: &up.client_id,
            case_id: case.as_deref(),
            file_id: &up.id,
            filename: &up.filename,
            kind,
        };
        crate::notify::repo::upload_received(&mut tx, &up.org_id, &received, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    let name = match &up.uploaded_by {
        Some(user) => sqlx::query_scalar::<_, String>("SELECT name FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| e.to_string())?
            .unwrap_or_default(),
        None if up.via_portal => {
            sqlx::query_scalar::<_, String>("SELECT name FROM clients WHERE id = $1")
                .bind(&up.client_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| e.to_string())?
                .unwrap_or_default()
        }
        None => "Upload-Link".to_string(),
    };
    let message = match (&up.chat_conv, &chat_key) {
        (Some(conv), Some(key)) => {
            let author = if up.direction == "sent" {
                crate::chat::Author::Staff
            } else {
                crate::chat::Author::Client
            };
            let idem = format!("file:{}", up.id);
            let m = crate::chat::repo::NewMessage {
                org_id: &up.org_id,
                client_id: &up.client_id,
                conv,
                author,
                author_id: up.uploaded_by.as_deref(),
                author_name: &name,
                text: "",
                file_id: Some(&up.id),
                idem_key: Some(&idem),
                now,
            };
            let (id, new) = crate::chat::repo::insert_sealed(&mut tx, key, &m).await?;
            let tell = if new {
                crate::chat::api::tell_of_message(&mut tx, &m, &id)
                    .await
                    .map_err(|e| e.to_string())?
            } else {
                None
            };
            Some((id, tell))
        }
        _ => None,
    };
    // A ticket attachment is a post of the ticket's thread.
    if let (Some(ticket), Some(key)) = (&up.ticket_id, &chat_key) {
        let kind = if up.direction == "sent" {
            crate::tickets::PostKind::Staff
        } else {
            crate::tickets::PostKind::Client
        };
        crate::tickets::repo::insert_post(
            &mut tx,
            key,
            &crate::tickets::repo::NewPost {
                org_id: &up.org_id,
                client_id: &up.client_id,
                ticket_id: ticket,
                kind,
                author_id: up.uploaded_by.as_deref(),
                author_name: &name,
                text: "",
                file_id: Some(&up.id),
                via: "portal",
                idem_key: Some(&format!("file:{}", up.id)),
                now,
            },
        )
        .await?;
    }
    let actor = crate::audit::repo::Actor {
        user_id: up.uploaded_by.clone(),
        name,
        ..Default::default()
    };
    let action = if scan_state == "clean" {
        crate::audit::action::FILE_UPLOADED
    } else {
        crate::audit::action::FILE_QUARANTINED
    };
    crate::audit::repo::record(
        &mut *tx,
        &up.org_id,
        &actor,
        Some(&up.client_id),
        action,
        &up.filename,
    )
    .await
    .map_err(|e| e.to_string())?;
    // The firm sent the client a file (not in a chat or ticket): the client is told for sure.
    let sent = up.ticket_id.is_none()
        && up.direction != "received"
        && scan_state == "clean"
        && message.is_none();
    let told = if sent {
        let tell = crate::notify::prefs::Tell::Client {
            org_id: &up.org_id,
            client_id: &up.client_id,
            event: crate::notify::Event::Upload,
        };
        Some(tell.later(&mut tx).await.map_err(|e| e.to_string())?)
    } else {
        None
    };
    tx.commit().await.map_err(|e| e.to_string())?;
    let kind = if scan_state == "clean" {
        crate::live::kind::UPLOAD
    } else {
        crate::live::kind::QUARANTINE
    };
    let about = crate::server::events::About {
        client_id: Some(&up.client_id),
        case_id: case.as_deref(),
    };
    crate::server::events::emit(st, &up.org_id, about, kind, &up.filename).await;
    if let Some((id, tell)) = &message {
        crate::server::events::emit(st, &up.org_id, about, crate::live::kind::MESSAGE, id).await;
        if let Some(job) = tell {
            crate::notify::prefs::told(st, job).await;
        }
    }
    if let Some(ticket) = &up.ticket_id {
        // The ticket's thread shows the file (and whether it is held back); a client's file is
        // news for the firm like a client's answer.
        if up.direction == "received" {
            crate::tickets::client_news(st, ticket, now)
                .await
                .map_err(|e| e.to_string())?;
        }
    } else if up.direction == "received" {
        // The chat says so too: in the case's conversation when the file answers a request.
        // (A chat attachment is its own message; only the check's verdict follows it.)
        use crate::chat::domain::System;
        let (org, client, name) = (&up.org_id, &up.client_id, &up.filename);
        if message.is_none() {
            crate::chat::api::system(
                st,
                org,
                client,
                case.as_deref(),
                System::Uploaded(name.clone()),
            )
            .await;
        }
        let verdict = if scan_state == "clean" {
            System::ScanClean(name.clone())
        } else {
            System::Quarantined(name.clone())
        };
        crate::chat::api::system(st, org, client, case.as_deref(), verdict).await;
    }
    if let Some(job) = told {
        crate::notify::prefs::told(st, &job).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_checks() {
        assert_eq!(
            scan("a.pdf", 0, b""),
            ScanVerdict::Quarantined(QuarantineReason::Empty)
        );
        let mut eicar = domain::EICAR.to_vec();
        eicar.extend_from_slice(b"\r\n");
        assert_eq!(
            scan("eicar.com", eicar.len() as i64, &eicar),
            ScanVerdict::Quarantined(QuarantineReason::Eicar)
        );
        assert_eq!(
            scan("rechnung.pdf", 4, b"MZ\x90\x00"),
            ScanVerdict::Quarantined(QuarantineReason::TypeMismatch)
        );
        assert_eq!(scan("rechnung.pdf", 9, b"%PDF-1.7\n"), ScanVerdict::Clean);
    }
}

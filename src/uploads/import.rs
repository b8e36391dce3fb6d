//! A file that arrives in one piece rather than over tus (an e-mail's attachment): sealed into
//! the same segment format with a fresh data key, then finished by the same code as every
//! upload — checked, scanned, recorded, posted to its ticket or chat.

use super::repo::{self, NewUpload};
use crate::crypto::{self, Header, SegmentCipher};
use crate::server::{db::now_ms, AppState};
use base64::{engine::general_purpose::STANDARD, Engine};
use sha2::{Digest, Sha256};

/// Where the file goes.
pub struct Import<'a> {
    pub org_id: &'a str,
    pub client_id: &'a str,
    pub filename: &'a str,
    pub mime: &'a str,
    /// Posted to this ticket.
    pub ticket_id: Option<&'a str>,
    /// Posted to this chat conversation ('' the general one).
    pub chat_conv: Option<&'a str>,
}

/// The keys of a new blob: a fresh data key (wrapped by the master key, the blob's id as
/// associated data) and a fresh nonce prefix in its header.
pub struct NewBlob {
    pub data_key: [u8; crypto::KEY_LEN],
    pub header: Header,
    /// base64, as stored.
    pub wrapped: String,
    /// base64, as stored.
    pub prefix: String,
}

impl NewBlob {
    pub fn fresh(master: &crate::server::keys::MasterKey, id: &str) -> NewBlob {
        use rand::RngCore;
        let mut data_key = [0u8; crypto::KEY_LEN];
        let mut prefix = [0u8; crypto::PREFIX_LEN];
        let mut wrap_nonce = [0u8; 12];
        let mut rng = rand::rngs::OsRng;
        rng.fill_bytes(&mut data_key);
        rng.fill_bytes(&mut prefix);
        rng.fill_bytes(&mut wrap_nonce);
        let wrapped = crypto::wrap_key(master.bytes(), &data_key, wrap_nonce, id.as_bytes());
        NewBlob {
            data_key,
            header: Header::new(prefix),
            wrapped: STANDARD.encode(wrapped),
            prefix: STANDARD.encode(prefix),
        }
    }
}

/// Stores `data` as a file the client sent; returns its id.
pub async fn import(st: &AppState, f: &Import<'_>, data: &[u8]) -> Result<String, String> {
    let id = crate::server::db::new_id();
    let NewBlob {
        data_key,
        header,
        wrapped,
        prefix,
    } = NewBlob::fresh(&st.master_key, &id);
    let filename = super::domain::sanitize_filename(f.filename);
    let now = now_ms();
    st.storage
        .create(f.org_id, &id, &header.encode())
        .await
        .map_err(|e| e.to_string())?;
    let new = NewUpload {
        id: &id,
        org_id: f.org_id,
        client_id: f.client_id,
        link_id: None,
        uploaded_by: None,
        direction: "received",
        filename: &filename,
        mime: f.mime,
        length: data.len() as i64,
        wrapped_key: &wrapped,
        nonce_prefix: &prefix,
        now,
        expires_at: now + st.config.uploads.expire_hours * 3_600_000,
        item_id: None,
        via_portal: true,
        chat_conv: f.chat_conv,
        ticket_id: f.ticket_id,
    };
    if let Err(e) = repo::create_upload(&st.db, &new).await {
        let _ = st.storage.delete(f.org_id, &id).await;
        return Err(e.to_string());
    }
    let cipher = SegmentCipher::new(&data_key, header);
    let segment = header.segment_len as usize;
    let mut w = st
        .storage
        .writer_at(f.org_id, &id, crypto::HEADER_LEN as u64)
        .await
        .map_err(|e| e.to_string())?;
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(segment).collect()
    };
    let last = chunks.len() - 1;
    for (i, chunk) in chunks.into_iter().enumerate() {
        let mut buf = chunk.to_vec();
        cipher
            .seal(i as u64, i == last, &mut buf)
            .map_err(|e| e.to_string())?;
        w.write(&buf).await.map_err(|e| e.to_string())?;
    }
    w.commit().await.map_err(|e| e.to_string())?;
    repo::advance(&st.db, &id, data.len() as i64)
        .await
        .map_err(|e| e.to_string())?;
    let up = repo::upload(&st.db, &id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("upload vanished")?;
    let digest: [u8; 32] = Sha256::digest(data).into();
    super::finish::finish(st, &up, &data_key, header, Some(digest)).await?;
    Ok(id)
}

//! The master key that wraps every file's data key. Read from `KUNDENPORTAL_MASTER_KEY`
//! (base64, 32 bytes) or `<data_dir>/master.key`, which is created with mode 0600 on first run.

use crate::crypto::KEY_LEN;
use base64::{engine::general_purpose::STANDARD, Engine};
use rand::RngCore;
use std::path::Path;

/// Key material; never printed.
#[derive(Clone)]
pub struct MasterKey([u8; KEY_LEN]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    pub fn from_base64(s: &str) -> Result<MasterKey, String> {
        let raw = STANDARD
            .decode(s.trim())
            .map_err(|_| "master key is not valid base64".to_string())?;
        let key: [u8; KEY_LEN] = raw
            .try_into()
            .map_err(|_| "master key must be 32 bytes".to_string())?;
        Ok(MasterKey(key))
    }

    /// The data key and sealing header of blob `id`, from the stored (base64) wrapped key and
    /// nonce prefix of its upload or file row.
    pub fn open_blob_key(
        &self,
        id: &str,
        wrapped_key: &str,
        nonce_prefix: &str,
    ) -> Result<([u8; KEY_LEN], crate::crypto::Header), String> {
        let wrapped = STANDARD.decode(wrapped_key).map_err(|e| e.to_string())?;
        let key = crate::crypto::unwrap_key(&self.0, &wrapped, id.as_bytes())
            .map_err(|e| e.to_string())?;
        let prefix: [u8; crate::crypto::PREFIX_LEN] = STANDARD
            .decode(nonce_prefix)
            .map_err(|e| e.to_string())?
            .try_into()
            .map_err(|_| "bad nonce prefix".to_string())?;
        Ok((key, crate::crypto::Header::new(prefix)))
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub fn generate() -> MasterKey {
        let mut k = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut k);
        MasterKey(k)
    }

    /// The configured key: environment first, else the key file (created if missing).
    pub fn load(data_dir: &Path, from_env: Option<&str>) -> Result<MasterKey, String> {
        if let Some(v) = from_env.filter(|v| !v.is_empty()) {
            return MasterKey::from_base64(v);
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(s) => MasterKey::from_base64(&s).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = MasterKey::generate();
                write_private(&path, key.to_base64().as_bytes())
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                tracing::info!(path = %path.display(), "created a new master key; back it up — without it no file can be read");
                Ok(key)
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Writes `master.key.new` (what `rotate` does before re-wrapping; tests simulate a crash).
    pub fn store_pending(&self, data_dir: &Path) -> Result<(), String> {
        let path = data_dir.join("master.key.new");
        let _ = std::fs::remove_file(&path);
        write_private(&path, self.to_base64().as_bytes()).map_err(|e| e.to_string())
    }
}

/// The key's file in the data directory.
pub const KEY_FILE: &str = "master.key";

const CHECK_KEY: &str = "master_key_check";
const CHECK_CONTEXT: &[u8] = b"kundenportal master key check";

fn random_nonce() -> [u8; 12] {
    let mut n = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut n);
    n
}

fn check_value(key: &MasterKey) -> String {
    STANDARD.encode(crate::crypto::wrap_key(
        &key.0,
        &[0u8; KEY_LEN],
        random_nonce(),
        CHECK_CONTEXT,
    ))
}

fn opens_check(key: &MasterKey, check: &str) -> bool {
    STANDARD
        .decode(check)
        .ok()
        .is_some_and(|w| crate::crypto::unwrap_key(&key.0, &w, CHECK_CONTEXT).is_ok())
}

/// Makes sure `key` is the key the database's data keys are wrapped with (recording it on a
/// fresh database). If a key rotation stopped after the database was re-wrapped but before the
/// key file was replaced, `master.key.new` is the right key and is put in place.
pub async fn verify(
    db: &crate::server::db::Db,
    data_dir: &Path,
    key: MasterKey,
) -> Result<MasterKey, String> {
    let check: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(CHECK_KEY)
        .fetch_optional(db)
        .await
        .map_err(|e| e.to_string())?;
    let Some(check) = check else {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
            .bind(CHECK_KEY)
            .bind(check_value(&key))
            .execute(db)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(key);
    };
    if opens_check(&key, &check) {
        let _ = std::fs::remove_file(data_dir.join("master.key.new"));
        return Ok(key);
    }
    let pending = data_dir.join("master.key.new");
    if let Ok(text) = std::fs::read_to_string(&pending) {
        if let Ok(new) = MasterKey::from_base64(&text) {
            if opens_check(&new, &check) {
                std::fs::rename(&pending, data_dir.join(KEY_FILE)).map_err(|e| e.to_string())?;
                tracing::warn!("completed an interrupted master key rotation");
                return Ok(new);
            }
        }
    }
    Err("the master key does not fit this database: check KUNDENPORTAL_MASTER_KEY or <data_dir>/master.key".into())
}

/// `kundenportal rotate-master-key`: wraps every data key with a new master key, without
/// re-encrypting any content. Crash-safe: the new key is written beside the old one first, the
/// database is re-wrapped in one transaction, then the key file is replaced (`verify` finishes
/// an interrupted run). With the key in the environment, the new key is returned for the
/// operator to set instead.
pub async fn rotate(
    db: &crate::server::db::Db,
    data_dir: &Path,
    from_env: Option<&str>,
) -> Result<(MasterKey, u64), String> {
    let old = verify(db, data_dir, MasterKey::load(data_dir, from_env)?).await?;
    let new = MasterKey::generate();
    let file_based = from_env.is_none_or(|v| v.is_empty());
    let pending = data_dir.join("master.key.new");
    if file_based {
        new.store_pending(data_dir)?;
    }
    let count = rewrap(db, &old, &new).await?;
    if file_based {
        std::fs::rename(&pending, data_dir.join(KEY_FILE)).map_err(|e| e.to_string())?;
    }
    Ok((new, count))
}

/// Re-wraps all data keys and the check value in one transaction.
pub async fn rewrap(
    db: &crate::server::db::Db,
    old: &MasterKey,
    new: &MasterKey,
) -> Result<u64, String> {
    use sqlx::Row;
    let err = |e: sqlx::Error| e.to_string();
    let mut tx = db.begin().await.map_err(err)?;
    sqlx::query("UPDATE settings SET value = $2 WHERE key = $1")
        .bind(CHECK_KEY)
        .bind(check_value(new))
        .execute(&mut *tx)
        .await
        .map_err(err)?;
    let mut count = 0;
    for table in [
        "files",
        "uploads",
        "message_keys",
        "totp_keys",
        "payment_settings",
    ] {
        let rows = sqlx::query(&format!("SELECT id, wrapped_key FROM {table}"))
            .fetch_all(&mut *tx)
            .await
            .map_err(err)?;
        for r in rows {
            let id: String = r.try_get("id").map_err(err)?;
            let wrapped: String = r.try_get("wrapped_key").map_err(err)?;
            let raw = STANDARD
                .decode(&wrapped)
                .map_err(|e| format!("{table} {id}: {e}"))?;
            let data_key = crate::crypto::unwrap_key(&old.0, &raw, id.as_bytes())
                .map_err(|e| format!("{table} {id}: {e}"))?;
            let rewrapped = STANDARD.encode(crate::crypto::wrap_key(
                &new.0,
                &data_key,
                random_nonce(),
                id.as_bytes(),
            ));
            sqlx::query(&format!(
                "UPDATE {table} SET wrapped_key = $2 WHERE id = $1"
            ))
            .bind(&id)
            .bind(rewrapped)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            count += 1;
        }
    }
    tx.commit().await.map_err(err)?;
    Ok(count)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_once_with_private_permissions_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = MasterKey::load(dir.path(), None).unwrap();
        let mode = std::fs::metadata(dir.path().join("master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let b = MasterKey::load(dir.path(), None).unwrap();
        assert_eq!(a.bytes(), b.bytes());
        assert!(!format!("{a:?}").contains(&a.to_base64()));
        let env = MasterKey::generate();
        assert_eq!(
            MasterKey::load(dir.path(), Some(&env.to_base64()))
                .unwrap()
                .bytes(),
            env.bytes()
        );
        assert!(MasterKey::from_base64("kurz").is_err());
    }
}

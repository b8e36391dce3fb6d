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
        let path = data_dir.join("master.key");
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

    /// Writes a replacement key file (after `rotate-master-key` re-wrapped every data key).
    pub fn store(&self, data_dir: &Path) -> Result<(), String> {
        let path = data_dir.join("master.key");
        let tmp = data_dir.join("master.key.new");
        write_private(&tmp, self.to_base64().as_bytes()).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &path).map_err(|e| e.to_string())
    }
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

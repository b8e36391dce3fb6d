//! `kundenportal backup <dir>`: a copy of a node's data taken while it runs. The SQLite
//! database through `VACUUM INTO` (a consistent snapshot, the server keeps serving), then the
//! sealed files and the master key. On PostgreSQL the database is left to `pg_dump` (see
//! docs/deployment.md); files and key are copied the same way. Restoring is starting the app
//! with the backup as its data directory.
//!
//! The database is copied first: a file uploaded meanwhile is copied without being
//! referenced (harmless), while every file the snapshot references is already on disk —
//! sealed blobs are only appended to, never rewritten.

use super::db::{Backend, Db};
use crate::config::Config;
use std::path::{Path, PathBuf};

/// What a backup holds.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    /// The database snapshot's file (SQLite), `None` on PostgreSQL.
    pub database: Option<PathBuf>,
    pub files: u64,
    pub bytes: u64,
    /// The master key was copied (it is not when it comes from the environment).
    pub key: bool,
}

/// The database file's name in a data directory (see `Config::database_url`).
pub const DATABASE_FILE: &str = Config::DATABASE_FILE;

/// Writes a backup into `dest`, which must not exist yet or be empty.
pub async fn run(config: &Config, db: &Db, dest: &Path) -> Result<Summary, String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
    if let Ok(mut entries) = std::fs::read_dir(dest) {
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty: a backup goes into a new directory",
                dest.display()
            ));
        }
    }
    std::fs::create_dir_all(dest)
        .map_err(|e| fail(&format!("cannot create {}", dest.display()), &e))?;
    let data = &config.server.data_dir;
    let database = match Backend::of_url(&config.database_url()) {
        Backend::Sqlite => {
            let file = dest.join(DATABASE_FILE);
            let target = file
                .to_str()
                .ok_or_else(|| format!("{} is not valid UTF-8", file.display()))?;
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(db)
                .await
                .map_err(|e| fail("database snapshot failed", &e))?;
            Some(file)
        }
        Backend::Postgres => None,
    };
    let (files, bytes) = copy_tree(&data.join("files"), &dest.join("files"))
        .await
        .map_err(|e| fail("copying the files failed", &e))?;
    let key_file = data.join(super::keys::KEY_FILE);
    let key = key_file.exists();
    if key {
        copy_private(&key_file, &dest.join(super::keys::KEY_FILE))
            .await
            .map_err(|e| fail("copying the master key failed", &e))?;
    }
    Ok(Summary {
        database,
        files,
        bytes,
        key,
    })
}

/// Copies a directory tree (the files: `<org>/<blob>`); returns files and bytes copied.
async fn copy_tree(from: &Path, to: &Path) -> std::io::Result<(u64, u64)> {
    let (mut files, mut bytes) = (0, 0);
    let mut dirs = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = dirs.pop() {
        tokio::fs::create_dir_all(&dst).await?;
        let mut entries = match tokio::fs::read_dir(&src).await {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        while let Some(entry) = entries.next_entry().await? {
            let kind = entry.file_type().await?;
            let target = dst.join(entry.file_name());
            if kind.is_dir() {
                dirs.push((entry.path(), target));
            } else if kind.is_file() {
                match tokio::fs::copy(entry.path(), &target).await {
                    Ok(n) => {
                        files += 1;
                        bytes += n;
                    }
                    // Removed meanwhile (an expired upload): not part of the snapshot anyway.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok((files, bytes))
}

/// Copies a secret, readable by the owner only.
async fn copy_private(from: &Path, to: &Path) -> std::io::Result<()> {
    tokio::fs::copy(from, to).await?;
    use std::os::unix::fs::PermissionsExt;
    tokio::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600)).await
}

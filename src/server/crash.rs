//! Crash points for the fault tests: a server started with `KUNDENPORTAL_CRASH_AT=<name>`
//! kills itself with SIGKILL — no destructors, no flushed buffers, no rollback but the
//! database's own — the moment it reaches the point of that name. The tests then restart it
//! on the same data and check that nothing was lost, duplicated or left half-written.
//! Without the variable a point costs one comparison.

use std::sync::OnceLock;

static AT: OnceLock<Option<String>> = OnceLock::new();

/// Dies here if this is the configured crash point.
pub fn point(name: &str) {
    let at = AT.get_or_init(|| {
        std::env::var("KUNDENPORTAL_CRASH_AT")
            .ok()
            .filter(|v| !v.is_empty())
    });
    if at.as_deref() == Some(name) {
        eprintln!("crash point {name}: SIGKILL");
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &std::process::id().to_string()])
            .status();
        // Never reached; if `kill` were missing, die just as hard.
        std::process::abort();
    }
}

//! Server entry: CLI (clap) → config → database → router → serve.

use clap::{Parser, Subcommand};
use kundenportal::{config::Config, server};
use std::path::PathBuf;

/// mimalloc instead of glibc's malloc (see Cargo.toml; figures in docs/performance.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "kundenportal",
    version,
    about = "Kundenportal — secure client portal for small firms"
)]
struct Cli {
    /// Configuration file (defaults built in; see Leptos.toml). KUNDENPORTAL_* variables override it.
    #[arg(long, short, global = true, env = "KUNDENPORTAL_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations and serve HTTP (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create a firm and its owner account (non-interactive setup).
    CreateAdmin {
        #[arg(long)]
        firm: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// The password; read from KUNDENPORTAL_ADMIN_PASSWORD if not given.
        #[arg(long, env = "KUNDENPORTAL_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "solo")]
        plan: String,
    },
    /// Load a realistic demo firm with ~30 clients (only into an empty database).
    SeedDemo,
    /// Fill an empty database with benchmark firms for `make bench`.
    #[command(hide = true)]
    SeedBench {
        #[arg(long, default_value_t = 1)]
        firms: usize,
        #[arg(long, default_value_t = 10_000)]
        clients: usize,
        #[arg(long, default_value_t = 50_000)]
        cases: usize,
        #[arg(long, default_value_t = 500_000)]
        files: usize,
    },
    /// The benchmark's baseline: a bare axum server answering GET / with `bytes` bytes of HTML.
    #[command(hide = true)]
    BenchBaseline {
        #[arg(long)]
        listen: std::net::SocketAddr,
        #[arg(long)]
        bytes: usize,
    },
    /// The audit trail: `audit verify` checks every firm's hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Copy the data while the server runs: the SQLite database (a consistent snapshot), the
    /// sealed files and the master key, into a new directory. Restore by starting the app with
    /// that directory as its data directory. On PostgreSQL, dump the database with pg_dump.
    Backup {
        /// Where the backup goes (a new or empty directory).
        dest: PathBuf,
    },
    /// Wrap every file's data key with a new master key (no content is re-encrypted).
    /// Stop the server first and restart it afterwards.
    RotateMasterKey,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Seal events not chained yet, then check each firm's chain event by event; names the
    /// first broken link and exits with an error if an event was changed or deleted.
    Verify {
        /// Only this firm (its id).
        #[arg(long)]
        org: Option<String>,
    },
}

// mimalloc's option setter, in the C library the `mimalloc` crate links in.
extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
/// `mi_option_purge_delay` in `mi_option_e` (15 in mimalloc 2 and 3; libmimalloc-sys 0.1.49 builds 3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() -> std::process::ExitCode {
    // Freed memory goes back to the system at once: an argon2 sign-in alone would otherwise
    // keep ~20 MB resident in an idle server — unless the operator chose a delay
    // (MIMALLOC_PURGE_DELAY). The price is a page fault per page of every fresh large
    // allocation, so hot paths reuse their big buffers (uploads, downloads).
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option; mimalloc reads it on its next purge.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    run_main()
}

#[tokio::main]
async fn run_main() -> std::process::ExitCode {
    server::init_tracing();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = Config::load(cli.config.as_deref()).map_err(|e| e.to_string())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve(config).await,
        Command::Migrate => {
            let db = server::open_db(&config).await?;
            println!(
                "migrations applied to {}",
                server::redact_url(&config.database_url())
            );
            db.close().await;
            Ok(())
        }
        Command::CreateAdmin {
            firm,
            name,
            email,
            password,
            plan,
        } => {
            let db = server::open_db(&config).await?;
            let plan = kundenportal::orgs::Plan::parse(&plan)
                .ok_or_else(|| format!("unknown plan {plan:?} (solo, pro, team)"))?;
            kundenportal::auth::setup::create_firm(&db, &firm, &name, &email, &password, plan)
                .await
                .map_err(|e| e.to_string())?;
            println!("created firm {firm:?} with owner {email}");
            Ok(())
        }
        Command::RotateMasterKey => {
            let db = server::open_db(&config).await?;
            let env = std::env::var("KUNDENPORTAL_MASTER_KEY").ok();
            let (new, count) =
                kundenportal::server::keys::rotate(&db, &config.server.data_dir, env.as_deref())
                    .await?;
            println!("re-wrapped {count} data keys with a new master key");
            if env.is_some_and(|v| !v.is_empty()) {
                println!(
                    "set KUNDENPORTAL_MASTER_KEY={} before the next start",
                    new.to_base64()
                );
            } else {
                println!(
                    "new key in {}",
                    config
                        .server
                        .data_dir
                        .join(server::keys::KEY_FILE)
                        .display()
                );
            }
            Ok(())
        }
        Command::SeedBench {
            firms,
            clients,
            cases,
            files,
        } => {
            let db = server::open_db(&config).await?;
            let started = std::time::Instant::now();
            let size = server::bench_seed::Size {
                firms,
                clients,
                cases,
                files,
            };
            let summary = server::bench_seed::seed(&db, size).await?;
            println!("{summary} in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { org },
        } => {
            let db = server::open_db(&config).await?;
            kundenportal::audit::repo::seal(&db)
                .await
                .map_err(|e| e.to_string())?;
            let reports = kundenportal::audit::repo::verify(&db, org.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            let mut broken = 0;
            for r in &reports {
                match (&r.broken, &r.head) {
                    (None, Some((seq, hash))) => {
                        println!(
                            "ok      firm {}: {} events, head #{seq} {hash}",
                            r.org_id, r.events
                        )
                    }
                    (None, None) => println!("ok      firm {}: no events", r.org_id),
                    (Some(b), _) => {
                        broken += 1;
                        println!(
                            "BROKEN  firm {}: {}",
                            r.org_id,
                            kundenportal::audit::describe(b)
                        );
                    }
                }
            }
            if broken > 0 {
                return Err(format!(
                    "the audit trail of {broken} firm(s) was tampered with"
                ));
            }
            println!("audit trail intact ({} firms)", reports.len());
            Ok(())
        }
        Command::Backup { dest } => {
            let db = server::open_db(&config).await?;
            let s = server::backup::run(&config, &db, &dest).await?;
            match &s.database {
                Some(file) => println!("database snapshot: {}", file.display()),
                None => {
                    println!("database: PostgreSQL — dump it with pg_dump (see docs/deployment.md)")
                }
            }
            println!(
                "files: {} ({:.1} MB, sealed) in {}",
                s.files,
                s.bytes as f64 / 1e6,
                dest.join("files").display()
            );
            if s.key {
                println!(
                    "master key copied: keep this backup as safe as the key — or store {} apart",
                    dest.join(server::keys::KEY_FILE).display()
                );
            } else {
                println!("master key: from KUNDENPORTAL_MASTER_KEY — back it up separately");
            }
            Ok(())
        }
        Command::BenchBaseline { listen, bytes } => {
            let page: &'static str = Box::leak(
                format!("<!DOCTYPE html>{}", "x".repeat(bytes.saturating_sub(15))).into(),
            );
            // Every path answers the page: a handler and nothing else.
            let app =
                axum::Router::new().fallback(move || async move { axum::response::Html(page) });
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| e.to_string())?;
            axum::serve(listener, app).await.map_err(|e| e.to_string())
        }
        Command::SeedDemo => {
            let db = server::open_db(&config).await?;
            let summary = server::demo::seed(&db).await?;
            println!("{summary}");
            Ok(())
        }
    }
}

//! The database goes away for a while (PostgreSQL restarted, the network to it cut): requests
//! fail fast with a clear answer — 503, a page that says so and reloads itself — instead of
//! hanging, and the app recovers on its own once the database answers again.
//!
//! Two ways: a TCP proxy between the app and the shared PostgreSQL server drops every open
//! connection and refuses new ones for as long as the test likes; and a PostgreSQL cluster of
//! the test's own is really restarted and stopped under a stream of requests.

use crate::helpers::{Db, TestApp};
use reqwest::StatusCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A proxy to PostgreSQL that can cut all connections and refuse new ones.
struct Proxy {
    port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up2, conns2) = (up.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(std::sync::atomic::Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let target = target.clone();
                conns2.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }));
            }
        });
        Proxy { port, up, conns }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_fails_fast_and_recovers_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let direct = crate::helpers::database_url(Db::Postgres, dir.path()).await;
    // postgres://user:pass@host:port/name → the proxy in between.
    let (creds, rest) = direct.split_once('@').unwrap();
    let (hostport, name) = rest.split_once('/').unwrap();
    let proxy = Proxy::start(hostport.to_string()).await;
    let url = format!("{creds}@127.0.0.1:{}/{name}", proxy.port);
    let app = TestApp::start(dir, url, &[]).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    owner.create_client("Schmidt AG", "").await;
    assert_eq!(owner.get("/clients").await.status(), StatusCode::OK);

    proxy.cut();
    // The first request finds the database gone within the pool's short wait …
    let t = Instant::now();
    let (s, e) = owner.call("list_clients", &[]).await;
    let first = t.elapsed();
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{e}");
    assert!(first < Duration::from_secs(6), "failed fast: {first:?}");
    assert!(e["Unavailable"]
        .as_str()
        .unwrap()
        .contains("nicht erreichbar"));
    // … and from then on every request is answered at once, pages with a page that says so.
    let t = Instant::now();
    let (s, _) = owner.call("list_clients", &[]).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let page = owner.get("/clients").await;
    let at_once = t.elapsed();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers()["retry-after"], "5");
    let html = page.text().await.unwrap();
    assert!(html.contains("nicht erreichbar") && html.contains("http-equiv=\"refresh\""));
    assert!(
        at_once < Duration::from_millis(500),
        "answered at once: {at_once:?}"
    );
    // The health check tells the truth meanwhile.
    let health = crate::helpers::get(format!("{}/healthz", app.url))
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);

    // The database is back: nobody restarts anything, the app answers again by itself.
    proxy.restore();
    let t = Instant::now();
    loop {
        let (s, v) = owner.call("list_clients", &[]).await;
        if s == StatusCode::OK {
            assert_eq!(v["rows"].as_array().unwrap().len(), 1);
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "not recovered: {s} {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("recovered {:?} after the database came back", t.elapsed());
    assert_eq!(owner.get("/clients").await.status(), StatusCode::OK);
}

/// A PostgreSQL cluster of this test's own (initdb in a temporary directory, run as the
/// `postgres` user), so it can be restarted without disturbing the tests beside it.
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn pg(tool: &str, args: &[&str]) {
        let out = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(format!("/usr/lib/postgresql/15/bin/{tool}"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start() -> Cluster {
        // The directory (data and socket) belongs to the postgres user.
        let dir = tempfile::tempdir().unwrap();
        let id = |flag: &str| {
            let out = std::process::Command::new("id")
                .args([flag, "postgres"])
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse::<u32>()
                .unwrap()
        };
        std::os::unix::fs::chown(dir.path(), Some(id("-u")), Some(id("-g"))).unwrap();
        let data = dir.path().join("data");
        Cluster::pg(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "kp",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        let port = crate::uploads_crash::free_port();
        let cluster = Cluster { dir, port };
        cluster.ctl("start");
        cluster
    }

    fn ctl(&self, what: &str) {
        let dir = self.dir.path();
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={}",
            self.port,
            dir.display()
        );
        let data = dir.join("data");
        let log = dir.join("log");
        Cluster::pg(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-m",
                "fast",
                "-w",
                what,
            ],
        );
    }

    fn url(&self) -> String {
        format!("postgres://kp@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = std::process::Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                "/usr/lib/postgresql/15/bin/pg_ctl",
                "-D",
            ])
            .arg(data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// PostgreSQL itself restarted (fast shutdown: every session terminated, then connections
/// refused until it is up), then stopped for five seconds, while a client keeps sending
/// requests: each one is answered — 200, or 503 with the sentence, never a 500 or a hang —
/// and the answers are 200 again without anyone touching the app.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_during_a_request_stream() {
    let cluster = Cluster::start();
    let app = TestApp::start(tempfile::tempdir().unwrap(), cluster.url(), &[]).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    owner.create_client("Schmidt AG", "").await;

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stream = {
        let stop = stop.clone();
        let owner = crate::helpers::Caller {
            http: owner.http.clone(),
            base: owner.base.clone(),
        };
        tokio::spawn(async move {
            let mut seen: Vec<(StatusCode, Duration)> = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let t = Instant::now();
                let (s, v) = owner.call("list_clients", &[]).await;
                assert!(
                    s == StatusCode::OK || s == StatusCode::SERVICE_UNAVAILABLE,
                    "{s}: {v}"
                );
                if s == StatusCode::SERVICE_UNAVAILABLE {
                    assert!(v.to_string().contains("nicht erreichbar"), "{v}");
                }
                seen.push((s, t.elapsed()));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A quick restart (the pool's wait for a connection bridges it), then PostgreSQL down for
    // longer than that wait.
    let c = tokio::task::spawn_blocking(move || {
        cluster.ctl("restart");
        std::thread::sleep(Duration::from_millis(500));
        cluster.ctl("stop");
        std::thread::sleep(Duration::from_secs(5));
        cluster.ctl("start");
        cluster
    })
    .await
    .unwrap();
    // Back up: within a few seconds the stream is answered 200 again.
    let t = Instant::now();
    loop {
        let (s, _) = owner.call("list_clients", &[]).await;
        if s == StatusCode::OK {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(15), "not recovered: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = stream.await.unwrap();
    let unavailable = seen
        .iter()
        .filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    let slowest = seen.iter().map(|(_, d)| *d).max().unwrap();
    println!(
        "{} requests during the restart and the stop: {unavailable} answered 503, slowest {slowest:?}",
        seen.len()
    );
    assert!(unavailable > 0, "the outage was noticed");
    assert!(
        slowest < Duration::from_secs(6),
        "no request hung: {slowest:?}"
    );
    assert_eq!(seen.last().unwrap().0, StatusCode::OK);
    drop(c);
}

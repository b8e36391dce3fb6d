//! The database goes away for a while (PostgreSQL restarted, the network to it cut): requests
//! fail fast with a clear answer — 503, a page that says so and reloads itself — instead of
//! hanging, and the app recovers on its own once the database answers again.
//!
//! The cut is made by a TCP proxy between the app and the real PostgreSQL server: it drops
//! every open connection and refuses new ones, exactly what the app sees of a restart.

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
    let health = reqwest::get(format!("{}/healthz", app.url)).await.unwrap();
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

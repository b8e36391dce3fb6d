//! Oversized, endless and trickled requests: refused with 413 or 408, or their connection
//! closed, while the server keeps answering everybody else.

use crate::helpers::{Db, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long the health check takes right now (it reads the database).
async fn health(app: &TestApp) -> Duration {
    let t = Instant::now();
    let r = crate::helpers::get(format!("{}/healthz", app.url))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    t.elapsed()
}

/// Reads what the server sends until it closes the connection (or `limit` passes).
async fn until_closed(s: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let end = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(end, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

async fn slow_and_endless_requests_are_cut_off(db: Db) {
    let app = TestApp::spawn_with(
        db,
        &[
            ("KUNDENPORTAL_SERVER_HEADER_TIMEOUT_SECS", "2"),
            ("KUNDENPORTAL_SERVER_REQUEST_TIMEOUT_SECS", "2"),
        ],
    )
    .await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let http = crate::helpers::client();

    // A server function body over the limit: 413, whether its length is declared…
    let r = http
        .post(format!("{}/api/login", app.url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // …or an endless chunked stream: cut off after the limit, not read forever.
    let endless = futures::stream::repeat_with(|| Ok::<_, std::io::Error>(vec![b'a'; 64 * 1024]));
    let r = http
        .post(format!("{}/api/login", app.url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(reqwest::Body::wrap_stream(endless))
        .send()
        .await;
    match r {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        // The server may answer and close before the client has stopped sending.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }

    // 100 slow-loris connections trickle header bytes; a body is trickled on one more.
    let mut loris = Vec::new();
    for _ in 0..100 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        loris.push(tokio::spawn(async move {
            let start = Instant::now();
            for n in 0.. {
                if s.write_all(format!("X-{n}: a\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
                let mut b = [0u8; 1];
                match tokio::time::timeout(Duration::from_millis(300), s.read(&mut b)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    Ok(Ok(_)) => {
                        // An answer (408) instead of a plain close is fine as well.
                        break;
                    }
                    Err(_) => {}
                }
                assert!(start.elapsed() < Duration::from_secs(20), "never closed");
            }
            start.elapsed()
        }));
    }
    let mut trickle = TcpStream::connect(&addr).await.unwrap();
    trickle
        .write_all(
            format!(
                "POST /api/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: 1000\r\n\r\nemail="
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let trickler = tokio::spawn(async move {
        let start = Instant::now();
        let mut answer = String::new();
        let mut buf = [0u8; 4096];
        loop {
            if trickle.write_all(b"a").await.is_err() {
                break;
            }
            match tokio::time::timeout(Duration::from_millis(200), trickle.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => {
                    answer.push_str(&String::from_utf8_lossy(&buf[..n]));
                    if let Some(rest) = until_closed(&mut trickle, Duration::from_secs(5)).await {
                        answer.push_str(&rest);
                    }
                    break;
                }
                Err(_) => {}
            }
            assert!(start.elapsed() < Duration::from_secs(20), "never answered");
        }
        (start.elapsed(), answer)
    });

    // Meanwhile everybody else is served at once.
    for _ in 0..10 {
        let took = health(&app).await;
        assert!(took < Duration::from_secs(1), "health check took {took:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let (took, answer) = trickler.await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "a trickled body gets 408: {answer:?}"
    );
    assert!(
        took < Duration::from_secs(6),
        "after the request timeout: {took:?}"
    );
    for l in loris {
        let took = l.await.unwrap();
        assert!(
            took >= Duration::from_millis(1500) && took < Duration::from_secs(6),
            "slow headers cut off after the header timeout: {took:?}"
        );
    }
    // And afterwards, too.
    assert!(health(&app).await < Duration::from_secs(1));
}

on_both_databases!(slow_and_endless_requests_are_cut_off);

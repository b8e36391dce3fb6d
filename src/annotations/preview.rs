//! PDF pages as PNG images, rendered by poppler (`pdfinfo`, `pdftoppm` from Debian's
//! poppler-utils, installed by the setup scripts) in a subprocess that reads the PDF from
//! stdin and writes the image to stdout — no plaintext touches the disk. Each run is bounded:
//! `prlimit` caps address space and CPU seconds, a wall-clock timeout kills it, at most two
//! run at a time, the long side of the image is scaled to 1600 px whatever size the page
//! claims, and only so many bytes are read back. A malformed or hostile PDF ends as
//! [`Unavailable`], never as a crash or a hang.

use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// Wall-clock time a render may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// More pages than this are not shown (a page-count bomb).
pub const MAX_PAGES: i64 = 500;
/// Larger PDFs are not rendered.
pub const MAX_PDF: usize = 100 * 1024 * 1024;
const MEMORY: u64 = 768 * 1024 * 1024;
const CPU_SECONDS: u64 = 10;
const LONG_SIDE: &str = "1600";
const MAX_OUT: usize = 32 * 1024 * 1024;

static RENDERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Why a preview cannot be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Not a PDF poppler can read, or the page does not exist.
    Broken,
    /// Too many pages, too large a file or image.
    TooLarge,
    /// It took longer than [`TIMEOUT`] (or its CPU time ran out).
    TooSlow,
    /// poppler is not installed.
    Missing,
}

/// Runs `program args` under the limits with `input` on stdin; its stdout.
async fn run(program: &str, args: &[&str], input: &[u8]) -> Result<Vec<u8>, Unavailable> {
    let _permit = RENDERS.acquire().await.map_err(|_| Unavailable::Broken)?;
    let mut child = Command::new("prlimit")
        .arg(format!("--as={MEMORY}"))
        .arg(format!("--cpu={CPU_SECONDS}"))
        .arg("--")
        .arg(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|_| Unavailable::Missing)?;
    let mut stdin = child.stdin.take().ok_or(Unavailable::Broken)?;
    let input = input.to_vec();
    // A renderer that stops reading early makes this fail; that is fine.
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&input).await;
    });
    let mut stdout = child.stdout.take().ok_or(Unavailable::Broken)?;
    let result = tokio::time::timeout(TIMEOUT, async {
        let mut out = Vec::new();
        (&mut stdout)
            .take(MAX_OUT as u64 + 1)
            .read_to_end(&mut out)
            .await
            .map_err(|_| Unavailable::Broken)?;
        if out.len() > MAX_OUT {
            return Err(Unavailable::TooLarge);
        }
        let status = child.wait().await.map_err(|_| Unavailable::Broken)?;
        if !status.success() {
            // Killed by its CPU limit, or refused the input.
            return Err(Unavailable::Broken);
        }
        Ok(out)
    })
    .await;
    writer.abort();
    match result {
        Ok(r) => r,
        Err(_) => {
            let _ = child.kill().await;
            Err(Unavailable::TooSlow)
        }
    }
}

/// A page side larger than this (in points; 14 400 is the format's usual maximum, 5 m) is a
/// page-size bomb.
pub const MAX_SIDE: f64 = 14_400.0;

/// The number of pages ([`Unavailable::TooLarge`] above [`MAX_PAGES`], or when a page is
/// larger than [`MAX_SIDE`]).
pub async fn pages(pdf: &[u8]) -> Result<i64, Unavailable> {
    if pdf.len() > MAX_PDF {
        return Err(Unavailable::TooLarge);
    }
    let last = MAX_PAGES.to_string();
    let out = run("pdfinfo", &["-f", "1", "-l", &last, "-"], pdf).await?;
    let text = String::from_utf8_lossy(&out);
    let n: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or(Unavailable::Broken)?;
    // "Page    1 size: 595.276 x 841.89 pts (A4)"
    let too_big = text
        .lines()
        .filter(|l| l.starts_with("Page ") && l.contains(" size:"))
        .filter_map(|l| l.split_once("size:").map(|(_, v)| v.to_string()))
        .any(|v| {
            let mut it = v.split_whitespace();
            let w: f64 = it
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or(f64::INFINITY);
            let _x = it.next();
            let h: f64 = it
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or(f64::INFINITY);
            !(w.is_finite() && h.is_finite()) || w > MAX_SIDE || h > MAX_SIDE
        });
    match n {
        n if n < 1 => Err(Unavailable::Broken),
        n if n > MAX_PAGES || too_big => Err(Unavailable::TooLarge),
        n => Ok(n),
    }
}

/// Page `page` (1-based) as a PNG, its long side 1600 px.
pub async fn page_png(pdf: &[u8], page: i64) -> Result<Vec<u8>, Unavailable> {
    if pdf.len() > MAX_PDF {
        return Err(Unavailable::TooLarge);
    }
    let p = page.to_string();
    let png = run(
        "pdftoppm",
        &[
            "-f",
            &p,
            "-l",
            &p,
            "-png",
            "-scale-to",
            LONG_SIDE,
            "-singlefile",
            "-",
        ],
        pdf,
    )
    .await?;
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(Unavailable::Broken);
    }
    Ok(png)
}

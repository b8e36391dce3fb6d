//! ClamAV's daemon over TCP: `zINSTREAM`, then the content as chunks of `<u32 BE length><bytes>`,
//! a zero-length chunk to end, and one reply line: `stream: OK`, `stream: <signature> FOUND`
//! or `… ERROR`. The plaintext goes from the decrypting stream straight into the socket —
//! it never touches the disk.

use futures::{Stream, StreamExt};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// The signature clamd found.
    Found(String),
}

/// A whole scan may take this long (connect, stream, verdict).
const TIMEOUT: Duration = Duration::from_secs(120);

/// Streams up to `max_bytes` of `content` to clamd at `addr` and returns its verdict. Any
/// failure to get a verdict (unreachable, refused, timeout, an ERROR reply) is an `Err`.
pub async fn scan<S>(addr: &str, content: S, max_bytes: u64) -> Result<Verdict, String>
where
    S: Stream<Item = Result<bytes::Bytes, std::io::Error>>,
{
    tokio::time::timeout(TIMEOUT, scan_inner(addr, content, max_bytes))
        .await
        .map_err(|_| "clamd did not answer in time".to_string())?
}

async fn scan_inner<S>(addr: &str, content: S, max_bytes: u64) -> Result<Verdict, String>
where
    S: Stream<Item = Result<bytes::Bytes, std::io::Error>>,
{
    let mut sock = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("clamd at {addr}: {e}"))?;
    let io = |e: std::io::Error| format!("clamd: {e}");
    sock.write_all(b"zINSTREAM\0").await.map_err(io)?;
    let mut sent = 0u64;
    let mut content = std::pin::pin!(content);
    while let Some(chunk) = content.next().await {
        let chunk = chunk.map_err(|e| format!("reading the file: {e}"))?;
        let take = chunk.len().min((max_bytes - sent) as usize);
        if take > 0 {
            sock.write_all(&(take as u32).to_be_bytes())
                .await
                .map_err(io)?;
            sock.write_all(&chunk[..take]).await.map_err(io)?;
            sent += take as u64;
        }
        if sent >= max_bytes {
            break;
        }
    }
    sock.write_all(&0u32.to_be_bytes()).await.map_err(io)?;
    let mut reply = Vec::new();
    (&mut sock)
        .take(4096)
        .read_to_end(&mut reply)
        .await
        .map_err(io)?;
    parse_reply(&reply)
}

/// Reads clamd's answer to INSTREAM.
pub fn parse_reply(reply: &[u8]) -> Result<Verdict, String> {
    let text = String::from_utf8_lossy(reply);
    let line = text.trim_end_matches(['\0', '\n', '\r']).trim();
    let body = line.strip_prefix("stream:").unwrap_or(line).trim();
    if body == "OK" {
        Ok(Verdict::Clean)
    } else if let Some(sig) = body.strip_suffix(" FOUND") {
        Ok(Verdict::Found(sig.trim().to_string()))
    } else {
        Err(format!("clamd: {line}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies() {
        assert_eq!(parse_reply(b"stream: OK\0"), Ok(Verdict::Clean));
        assert_eq!(
            parse_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND\0"),
            Ok(Verdict::Found("Win.Test.EICAR_HDB-1".into()))
        );
        assert!(parse_reply(b"INSTREAM size limit exceeded. ERROR\0").is_err());
        assert!(parse_reply(b"").is_err());
    }
}

//! The built-in SMTP listener (RFC 5321, the part a receiving MX needs): HELO/EHLO, MAIL,
//! RCPT (only addresses of the reply domain), DATA (dot-unstuffed, size-limited), RSET,
//! NOOP, QUIT. Every accepted mail goes to [`super::receive`]; the answer is 250 whatever
//! became of it (held, dropped), so the listener tells no one which addresses or threads
//! exist. No TLS and no AUTH: it sits behind the firm's MX or on a private network.

use crate::server::AppState;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A command line longer than this is refused (RFC 5321: 512 octets; some clients send more).
const LINE_MAX: usize = 4096;
/// A data line longer than this ends the connection (RFC 5322 allows 998 octets).
const DATA_LINE_MAX: usize = 1 << 20;
const RCPT_MAX: usize = 50;
const IDLE: Duration = Duration::from_secs(300);

/// Accepts connections until the listener fails.
pub async fn serve(listener: TcpListener, st: AppState) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let st = st.clone();
                tokio::spawn(async move {
                    if let Err(e) = session(stream, &st).await {
                        tracing::debug!(%peer, error = %e, "smtp session ended");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "smtp accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// The address inside `<…>` after `FROM:` / `TO:` (case-insensitive keyword), and the rest.
fn path_arg<'a>(args: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let rest = args.trim_start();
    if rest.len() < keyword.len() || !rest[..keyword.len()].eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = rest[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some((&rest[..end], &rest[end + 1..]))
}

async fn read_line(
    r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<bool> {
    buf.clear();
    let n = tokio::time::timeout(IDLE, (&mut *r).take(max as u64 + 1).read_until(b'\n', buf))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
    if n == 0 {
        return Ok(false);
    }
    if buf.len() > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "line too long",
        ));
    }
    Ok(true)
}

use tokio::io::AsyncReadExt;

async fn session(stream: TcpStream, st: &AppState) -> std::io::Result<()> {
    let domain = st.config.inbound.reply_domain.to_lowercase();
    let max = (st.config.inbound.max_mb * 1024 * 1024) as usize;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(format!("220 {domain} Kundenportal ESMTP\r\n").as_bytes())
        .await?;
    let mut line = Vec::new();
    let mut mail_from: Option<String> = None;
    let mut rcpts: Vec<String> = Vec::new();
    loop {
        if !read_line(&mut r, &mut line, LINE_MAX).await? {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, args) = text.split_once(' ').unwrap_or((text, ""));
        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => format!("250-{domain}\r\n250-SIZE {max}\r\n250-8BITMIME\r\n250 SMTPUTF8"),
            "HELO" => format!("250 {domain}"),
            "MAIL" => match path_arg(args, "FROM:") {
                None => "501 Syntax: MAIL FROM:<address>".into(),
                Some((from, params)) => {
                    let size = params.split_whitespace().find_map(|p| {
                        p.get(..5)
                            .filter(|k| k.eq_ignore_ascii_case("SIZE="))
                            .and_then(|_| p[5..].parse::<usize>().ok())
                    });
                    if size.is_some_and(|s| s > max) {
                        "552 Message size exceeds the limit".into()
                    } else {
                        mail_from = Some(from.trim().to_lowercase());
                        rcpts.clear();
                        "250 OK".into()
                    }
                }
            },
            "RCPT" => match (&mail_from, path_arg(args, "TO:")) {
                (None, _) => "503 MAIL first".into(),
                (_, None) => "501 Syntax: RCPT TO:<address>".into(),
                (Some(_), Some((to, _))) => {
                    let to = to.trim().to_lowercase();
                    let ours = to
                        .rsplit_once('@')
                        .is_some_and(|(_, host)| !domain.is_empty() && host == domain);
                    if !ours {
                        "550 No such recipient here".into()
                    } else if rcpts.len() >= RCPT_MAX {
                        "452 Too many recipients".into()
                    } else {
                        rcpts.push(to);
                        "250 OK".into()
                    }
                }
            },
            "DATA" if rcpts.is_empty() => "503 RCPT first".into(),
            "DATA" => {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = Vec::new();
                let mut too_big = false;
                loop {
                    if !read_line(&mut r, &mut line, DATA_LINE_MAX).await? {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 4.5.2).
                    let content = line.strip_prefix(b".").unwrap_or(&line);
                    if data.len() + content.len() > max {
                        too_big = true;
                    } else {
                        data.extend_from_slice(content);
                    }
                }
                let env = super::Envelope {
                    mail_from: mail_from.take(),
                    rcpt_to: std::mem::take(&mut rcpts),
                };
                if too_big {
                    "552 Message size exceeds the limit".into()
                } else {
                    match super::receive(st, &data, &env).await {
                        Ok(outcome) => {
                            tracing::info!(?outcome, "inbound mail");
                            "250 OK".into()
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "inbound mail failed");
                            "451 Please try again later".into()
                        }
                    }
                }
            }
            "RSET" => {
                mail_from = None;
                rcpts.clear();
                "250 OK".into()
            }
            "NOOP" => "250 OK".into(),
            "VRFY" => "252 Cannot verify".into(),
            "QUIT" => {
                w.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => "502 Command not implemented".into(),
        };
        w.write_all(reply.as_bytes()).await?;
        w.write_all(b"\r\n").await?;
    }
}

#[cfg(test)]
mod tests {
    use super::path_arg;

    #[test]
    fn paths_are_read_from_mail_and_rcpt() {
        assert_eq!(
            path_arg("FROM:<a@b.de> SIZE=12", "FROM:"),
            Some(("a@b.de", " SIZE=12"))
        );
        assert_eq!(path_arg("from: <a@b.de>", "FROM:"), Some(("a@b.de", "")));
        assert_eq!(path_arg("FROM:<>", "FROM:"), Some(("", "")));
        assert_eq!(path_arg("TO:a@b.de", "TO:"), None);
        assert_eq!(path_arg("", "TO:"), None);
    }
}

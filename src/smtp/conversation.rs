//! One SMTP conversation (RFC 5321) over a plain or TLS stream: send a command, read the reply
//! (multi-line replies joined), every read and write within the probe's timeout. Commands are
//! never logged: AUTH carries the password.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpStream;

use crate::text::{Text, codes};

/// The longest reply taken (a server listing many extensions stays far below).
const MAX_REPLY_BYTES: usize = 64 * 1024;

/// The connection, before or after TLS.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A server's reply: its code and its lines' text (after the code and separator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// The reply as the server wrote it, on one line: `535 5.7.8 Username and Password not
    /// accepted`.
    pub fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" ").trim())
    }
}

/// Why a conversation step did not get a reply.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("no answer within {} s", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("the server closed the connection")]
    Closed,
    #[error("the server's answer is not SMTP: {0}")]
    Garbled(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Failure {
    /// The failure as a finding, to be worded in the reader's language.
    pub fn text(&self) -> Text {
        match self {
            Failure::Timeout(limit) => codes::smtp_io_timeout(limit.as_secs_f64().to_string()),
            Failure::Closed => codes::smtp_io_closed(),
            Failure::Garbled(line) => codes::smtp_io_garbled(line),
            Failure::Io(error) => codes::smtp_io_error(error.to_string()),
        }
    }
}

pub struct Conversation {
    reader: BufReader<Stream>,
    timeout: Duration,
}

impl Conversation {
    pub fn new(stream: Stream, timeout: Duration) -> Self {
        Conversation {
            reader: BufReader::new(stream),
            timeout,
        }
    }

    /// The stream, for the TLS upgrade. `Err` when the server sent more than was read: bytes
    /// pipelined after the STARTTLS reply would be read as if they came over TLS (RFC 3207,
    /// section 5: the client must discard them), so the upgrade is refused.
    pub fn into_stream(self) -> Result<Stream, Failure> {
        if !self.reader.buffer().is_empty() {
            return Err(Failure::Garbled(
                "data sent after the STARTTLS reply, before TLS (a command injection attempt \
                 or a broken server)"
                    .to_string(),
            ));
        }
        Ok(self.reader.into_inner())
    }

    pub fn stream(&self) -> &Stream {
        self.reader.get_ref()
    }

    /// Reads one reply (all its lines).
    pub async fn read_reply(&mut self) -> Result<Reply, Failure> {
        let timeout = self.timeout;
        tokio::time::timeout(timeout, self.read_reply_unbounded())
            .await
            .map_err(|_| Failure::Timeout(timeout))?
    }

    async fn read_reply_unbounded(&mut self) -> Result<Reply, Failure> {
        let mut lines = Vec::new();
        let mut total = 0;
        loop {
            let mut raw = Vec::new();
            let read = tokio::io::AsyncReadExt::take(
                &mut self.reader,
                (MAX_REPLY_BYTES - total) as u64 + 1,
            )
            .read_until(b'\n', &mut raw)
            .await?;
            if read == 0 {
                return Err(Failure::Closed);
            }
            total += read;
            if total > MAX_REPLY_BYTES {
                return Err(Failure::Garbled("a reply longer than 64 KiB".to_string()));
            }
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\r', '\n']);
            let bytes = line.as_bytes();
            let code = line
                .get(..3)
                .filter(|code| code.bytes().all(|byte| byte.is_ascii_digit()))
                .and_then(|code| code.parse::<u16>().ok())
                .ok_or_else(|| Failure::Garbled(printable(line)))?;
            let separator = bytes.get(3).copied();
            if !matches!(separator, None | Some(b' ') | Some(b'-')) {
                return Err(Failure::Garbled(printable(line)));
            }
            lines.push(line.get(4..).unwrap_or_default().to_string());
            if separator != Some(b'-') {
                return Ok(Reply { code, lines });
            }
        }
    }

    /// Sends one command line (CRLF added) and reads the reply.
    pub async fn command(&mut self, line: &str) -> Result<Reply, Failure> {
        self.send(line).await?;
        self.read_reply().await
    }

    /// Sends one command line without reading.
    pub async fn send(&mut self, line: &str) -> Result<(), Failure> {
        let timeout = self.timeout;
        let write = async {
            let stream = self.reader.get_mut();
            stream.write_all(line.as_bytes()).await?;
            stream.write_all(b"\r\n").await?;
            stream.flush().await
        };
        tokio::time::timeout(timeout, write)
            .await
            .map_err(|_| Failure::Timeout(timeout))??;
        Ok(())
    }
}

/// A line received, shortened and with control characters shown, for messages.
pub fn printable(line: &str) -> String {
    let shown: String = line
        .chars()
        .take(120)
        .map(|c| if c.is_control() { '�' } else { c })
        .collect();
    format!("{shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn reply_of(server_says: &'static [u8]) -> Result<Reply, Failure> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.write_all(server_says).await.unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
        });
        let stream = TcpStream::connect(address).await.unwrap();
        Conversation::new(Stream::Plain(stream), Duration::from_millis(200))
            .read_reply()
            .await
    }

    #[tokio::test]
    async fn multi_line_replies_are_joined_and_junk_is_named() {
        let reply = reply_of(b"250-smtp.example Hello\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n")
            .await
            .unwrap();
        assert_eq!(reply.code, 250);
        assert_eq!(
            reply.lines,
            ["smtp.example Hello", "STARTTLS", "AUTH PLAIN LOGIN"]
        );
        assert!(matches!(
            reply_of(b"\x16\x03\x01 binary\r\n").await,
            Err(Failure::Garbled(_))
        ));
        assert!(matches!(
            reply_of(b"220-partial\r\n").await,
            Err(Failure::Timeout(_))
        ));
        assert!(matches!(
            reply_of(b"").await,
            Err(Failure::Timeout(_) | Failure::Closed)
        ));
    }
}

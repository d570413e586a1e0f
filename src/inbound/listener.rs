//! The receive-only SMTP listener: accepts connections, reads bounded lines with RFC 5321's
//! timeouts, drives one `Session` per connection and does what it says — ask the `Inbox` about a
//! recipient, upgrade to TLS, hand a message over, close. Sessions are bounded in all and per
//! client address (421 beyond either); a client that stalls is dropped with 421 and nothing it
//! sent half-way is kept.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::session::{
    Action, Limits, MAX_COMMAND_LINE, MAX_TEXT_LINE, Received, Recipient, Session,
};

/// How the listener runs.
#[derive(Clone)]
pub struct Settings {
    /// The host name in the greeting and EHLO reply.
    pub host: String,
    /// STARTTLS is offered when set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub limits: Limits,
    /// Sessions open at once; one more is told 421 and closed.
    pub max_sessions: usize,
    /// Sessions one client address may hold at once.
    pub max_per_client: usize,
    /// Messages arriving (in DATA, or being judged) at once, each buffered up to
    /// `limits.max_message_bytes`: memory is bounded by their product. One more is told 452.
    pub max_receiving: usize,
    /// The wait for a command (RFC 5321 §4.5.3.2.7: at least 5 minutes).
    pub command_timeout: Duration,
    /// The wait for each line of a message (RFC 5321 §4.5.3.2.5/6: 3 minutes a block).
    pub data_timeout: Duration,
}

impl Settings {
    pub fn new(host: &str) -> Self {
        Settings {
            host: host.to_string(),
            tls: None,
            limits: Limits::default(),
            max_sessions: 1000,
            max_per_client: 50,
            max_receiving: 32,
            command_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(180),
        }
    }
}

/// The STARTTLS configuration from a PEM certificate chain and its private key, read now so a
/// missing or mismatched file stops the daemon at start with the reason.
pub fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|error| format!("cannot read the certificate {}: {error}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no PEM certificate", cert.display()));
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|error| format!("cannot read the private key {}: {error}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(chain, private)
        })
        .map(Arc::new)
        .map_err(|error| {
            format!(
                "the certificate {} and key {} cannot be used together: {error}",
                cert.display(),
                key.display()
            )
        })
}

/// Where recipients are decided and messages go.
#[async_trait::async_trait]
pub trait Inbox: Send + Sync + 'static {
    /// Whether `address` (lower case) is a live test address.
    async fn recipient(&self, address: &str) -> Recipient;
    /// Judges and keeps a message; `false` when it could not be kept (the client is told 451).
    async fn deliver(&self, received: Received, client: SocketAddr) -> bool;
}

/// Accepts sessions on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    inbox: Arc<dyn Inbox>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let settings = Arc::new(settings);
    let sessions = Arc::new(Semaphore::new(settings.max_sessions.max(1)));
    let receiving = Arc::new(Semaphore::new(settings.max_receiving.max(1)));
    let clients = crate::per_client::PerClient::default();
    tokio::pin!(shutdown);
    loop {
        let (mut stream, peer) = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "inbound SMTP: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let slot = sessions.clone().try_acquire_owned().ok();
        let client = clients.take(peer.ip(), settings.max_per_client.max(1));
        let (Some(slot), Some(client)) = (slot, client) else {
            // Told why, without waiting on a slow reader.
            let host = settings.host.clone();
            tokio::spawn(async move {
                let reply = format!("421 4.7.0 {host} Too many sessions; try again later\r\n");
                let _ = tokio::time::timeout(
                    Duration::from_secs(5),
                    stream.write_all(reply.as_bytes()),
                )
                .await;
            });
            continue;
        };
        let settings = settings.clone();
        let inbox = inbox.clone();
        let receiving = receiving.clone();
        tokio::spawn(async move {
            let _held = (slot, client);
            if let Err(error) = session(stream, peer, &settings, inbox.as_ref(), receiving).await {
                tracing::debug!(%peer, %error, "inbound SMTP session ended");
            }
        });
    }
}

/// The connection, before and after STARTTLS.
enum Conn {
    Plain(BufReader<TcpStream>),
    Tls(Box<BufReader<tokio_rustls::server::TlsStream<TcpStream>>>),
}

impl Conn {
    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Conn::Plain(stream) => write_all(stream.get_mut(), bytes).await,
            Conn::Tls(stream) => write_all(stream.get_mut(), bytes).await,
        }
    }

    async fn line(&mut self, limit: usize) -> std::io::Result<Line> {
        match self {
            Conn::Plain(stream) => read_line(stream, limit).await,
            Conn::Tls(stream) => read_line(stream.as_mut(), limit).await,
        }
    }
}

async fn write_all(stream: &mut (impl AsyncWrite + Unpin), bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(bytes).await?;
    stream.flush().await
}

/// One line as read.
enum Line {
    /// Its bytes, without the CRLF.
    Text(Vec<u8>),
    /// Longer than the limit: read to its end and dropped.
    TooLong,
    /// The client closed the connection.
    End,
}

/// Reads up to CRLF (RFC 5321 §2.3.8: a bare LF is not a line end, so "\n.\n" never ends a
/// message), keeping at most `limit` bytes.
async fn read_line(
    reader: &mut (impl AsyncBufRead + Unpin),
    limit: usize,
) -> std::io::Result<Line> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(Line::End);
        }
        let (taken, done) = match buffer.iter().position(|byte| *byte == b'\n') {
            Some(at) => (at + 1, true),
            None => (buffer.len(), false),
        };
        if !too_long {
            line.extend_from_slice(&buffer[..taken]);
            if line.len() > limit {
                too_long = true;
                line = Vec::new();
            }
        }
        reader.consume(taken);
        if done {
            if too_long {
                return Ok(Line::TooLong);
            }
            if line.ends_with(b"\r\n") {
                line.truncate(line.len() - 2);
                return Ok(Line::Text(line));
            }
            // A bare LF: part of the line, which goes on.
        }
    }
}

async fn session(
    stream: TcpStream,
    peer: SocketAddr,
    settings: &Settings,
    inbox: &dyn Inbox,
    receiving: Arc<Semaphore>,
) -> std::io::Result<()> {
    // Room for this session's message while it arrives and is judged.
    let mut room: Option<tokio::sync::OwnedSemaphorePermit> = None;
    let mut session = Session::new(
        &settings.host,
        settings.limits.clone(),
        settings.tls.is_some(),
    );
    let mut conn = Conn::Plain(BufReader::new(stream));
    conn.write(session.greeting().as_bytes()).await?;
    loop {
        if !session.in_data() {
            // The message is in (or was refused): its room goes back.
            drop(room.take());
        }
        let (limit, wait) = if session.in_data() {
            (MAX_TEXT_LINE, settings.data_timeout)
        } else {
            (MAX_COMMAND_LINE, settings.command_timeout)
        };
        let line = match tokio::time::timeout(wait, conn.line(limit)).await {
            Ok(line) => line?,
            Err(_) => {
                let reply = format!("421 4.4.2 {} Timeout; closing\r\n", settings.host);
                let _ = tokio::time::timeout(Duration::from_secs(5), conn.write(reply.as_bytes()))
                    .await;
                return Ok(());
            }
        };
        let mut pending: std::collections::VecDeque<Action> = match line {
            Line::End => return Ok(()),
            Line::TooLong => session.line_too_long(),
            Line::Text(text) => session.line(&text),
        }
        .into();
        while let Some(action) = pending.pop_front() {
            match action {
                Action::Reply(reply) => conn.write(reply.as_bytes()).await?,
                Action::CheckRecipient(address) => {
                    let verdict = inbox.recipient(&address).await;
                    pending.extend(session.recipient(verdict));
                }
                Action::OpenData => {
                    room = receiving.clone().try_acquire_owned().ok();
                    let opened = session.data_opened(room.is_some());
                    pending.extend(opened);
                }
                Action::StartTls => {
                    let Some(config) = &settings.tls else {
                        return Ok(());
                    };
                    // Whatever the client sent after STARTTLS in the clear is dropped with the
                    // old buffer (RFC 3207 §4: no command injection across the handshake).
                    let plain = match conn {
                        Conn::Plain(reader) => reader.into_inner(),
                        Conn::Tls(_) => return Ok(()),
                    };
                    let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
                    let handshake =
                        tokio::time::timeout(settings.command_timeout, acceptor.accept(plain));
                    let tls = match handshake.await {
                        Ok(Ok(tls)) => tls,
                        Ok(Err(error)) => return Err(error),
                        Err(_) => return Ok(()),
                    };
                    conn = Conn::Tls(Box::new(BufReader::new(tls)));
                    session.tls_started();
                }
                Action::Deliver(received) => {
                    let stored = inbox.deliver(*received, peer).await;
                    let reply = session.delivered(stored);
                    conn.write(reply.as_bytes()).await?;
                }
                Action::Close => return Ok(()),
            }
        }
    }
}

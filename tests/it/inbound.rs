//! The receive-only SMTP listener on 127.0.0.1, driven by independent clients: Python's
//! `smtplib` (plain and STARTTLS with a certificate made here by rcgen) and raw TCP sessions
//! from the test (200 at once, a client that stalls mid-DATA). The inbox is an in-memory one of
//! the test: which addresses are live and what arrived.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sendercheck::inbound::listener::{Inbox, Settings, serve};
use sendercheck::inbound::session::{Limits, Received, Recipient};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Live addresses are `t-…@tests.example`; what arrives is kept.
#[derive(Default)]
struct TestInbox {
    received: Mutex<Vec<(Received, SocketAddr)>>,
}

#[async_trait::async_trait]
impl Inbox for TestInbox {
    async fn recipient(&self, address: &str) -> Recipient {
        match address.split_once('@') {
            Some((local, "tests.example")) if local.starts_with("t-") => Recipient::Accepted,
            Some((_, "tests.example")) => Recipient::Unknown,
            _ => Recipient::NotLocal,
        }
    }

    async fn deliver(&self, received: Received, client: SocketAddr) -> bool {
        self.received.lock().unwrap().push((received, client));
        true
    }
}

struct Running {
    addr: SocketAddr,
    inbox: Arc<TestInbox>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn start(settings: Settings) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let inbox = Arc::new(TestInbox::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, settings, inbox.clone(), async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        inbox,
        stop: Some(stop),
    }
}

fn settings() -> Settings {
    let mut settings = Settings::new("mx.tests.example");
    settings.limits = Limits {
        max_message_bytes: 64 * 1024,
        ..Limits::default()
    };
    settings
}

/// Runs a Python snippet with `smtplib` imported and `PORT` set; its standard output.
fn python(port: u16, code: &str) -> String {
    let script = format!("import smtplib, ssl, sys\nPORT = {port}\n{code}\n");
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

const MESSAGE: &str = "From: news@shop.example\\r\\nTo: t-1@tests.example\\r\\nSubject: test\\r\\n\\r\\nHello.\\r\\n.leading dot\\r\\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtplib_delivers_to_a_test_address_and_is_refused_elsewhere() {
    let running = start(settings()).await;
    let port = running.addr.port();
    let out = tokio::task::spawn_blocking(move || {
        python(
            port,
            &format!(
                "s = smtplib.SMTP('127.0.0.1', PORT, local_hostname='client.example')\n\
                 refused = s.sendmail('bounce@shop.example', ['t-1@tests.example'], '{MESSAGE}')\n\
                 print('refused', refused)\n\
                 for rcpt in ['gone@tests.example', 'victim@elsewhere.example']:\n\
                 \x20   try:\n\
                 \x20       s.sendmail('bounce@shop.example', [rcpt], 'x')\n\
                 \x20   except smtplib.SMTPRecipientsRefused as e:\n\
                 \x20       code, text = e.recipients[rcpt]\n\
                 \x20       print(rcpt, code, text.decode())\n\
                 s.quit()"
            ),
        )
    })
    .await
    .unwrap();
    assert!(out.contains("refused {}"), "{out}");
    assert!(out.contains("gone@tests.example 550 5.1.1"), "{out}");
    assert!(
        out.contains("victim@elsewhere.example 550 5.7.1 Relaying denied"),
        "no relay: {out}"
    );
    let received = running.inbox.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (message, client) = &received[0];
    assert_eq!(message.mail_from, "bounce@shop.example");
    assert_eq!(message.helo, "client.example");
    assert_eq!(client.ip(), std::net::IpAddr::from([127, 0, 0, 1]));
    assert!(!message.tls);
    let data = String::from_utf8_lossy(&message.data);
    assert!(
        data.contains("Subject: test\r\n\r\nHello.\r\n.leading dot\r\n"),
        "{data:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_message_is_refused_with_552() {
    let mut settings = settings();
    settings.limits.max_message_bytes = 2000;
    let running = start(settings).await;
    let port = running.addr.port();
    let out = tokio::task::spawn_blocking(move || {
        python(
            port,
            "s = smtplib.SMTP('127.0.0.1', PORT)\n\
             body = 'Subject: big\\r\\n\\r\\n' + ('x' * 70 + '\\r\\n') * 100\n\
             try:\n\
             \x20   s.sendmail('a@shop.example', ['t-1@tests.example'], body)\n\
             except smtplib.SMTPSenderRefused as e:\n\
             \x20   print('sender refused', e.smtp_code)\n\
             # Without SIZE announced, the limit is counted as the data arrives.\n\
             s.ehlo_resp = None\n\
             s.esmtp_features = {}\n\
             s.does_esmtp = False\n\
             s.helo('client.example')\n\
             try:\n\
             \x20   s.sendmail('a@shop.example', ['t-1@tests.example'], body)\n\
             except smtplib.SMTPDataError as e:\n\
             \x20   print('data refused', e.smtp_code)\n\
             s.quit()",
        )
    })
    .await
    .unwrap();
    assert!(out.contains("sender refused 552"), "{out}");
    assert!(out.contains("data refused 552"), "{out}");
    assert!(running.inbox.received.lock().unwrap().is_empty());
}

/// A self-signed certificate for the listener, made now.
fn tls_config() -> Arc<rustls::ServerConfig> {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["mx.tests.example".to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let der = rustls_pki_types::CertificateDer::from(cert.der().to_vec());
    let key = rustls_pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .unwrap();
    Arc::new(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_a_test_certificate_then_delivers() {
    let mut settings = settings();
    settings.tls = Some(tls_config());
    let running = start(settings).await;
    let port = running.addr.port();
    let out = tokio::task::spawn_blocking(move || {
        python(
            port,
            &format!(
                "s = smtplib.SMTP('127.0.0.1', PORT)\n\
                 s.ehlo()\n\
                 print('offered', s.has_extn('starttls'))\n\
                 context = ssl.create_default_context()\n\
                 context.check_hostname = False\n\
                 context.verify_mode = ssl.CERT_NONE\n\
                 print('starttls', s.starttls(context=context)[0])\n\
                 s.ehlo()\n\
                 print('offered again', s.has_extn('starttls'))\n\
                 s.sendmail('a@shop.example', ['t-2@tests.example'], '{MESSAGE}')\n\
                 print('version', s.sock.version())\n\
                 s.quit()"
            ),
        )
    })
    .await
    .unwrap();
    assert!(out.contains("offered True"), "{out}");
    assert!(out.contains("starttls 220"), "{out}");
    assert!(out.contains("offered again False"), "{out}");
    assert!(out.contains("version TLSv1.3"), "{out}");
    let received = running.inbox.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert!(received[0].0.tls);
}

/// The first line of the next reply (a multi-line reply read to its end); empty once closed.
async fn next_reply(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    let mut first = String::new();
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await.unwrap() == 0 {
            return first;
        }
        if first.is_empty() {
            first = line.trim_end().to_string();
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return first;
        }
    }
}

/// A raw session: the greeting, then each line sent and its reply read (none for the lines of
/// a message before its final "."); the replies' first lines.
async fn raw(addr: SocketAddr, lines: &[&str]) -> Vec<String> {
    raw_from([127, 0, 0, 1], addr, lines).await
}

/// As `raw`, from the source address `source` (any of 127.0.0.0/8).
async fn raw_from(source: [u8; 4], addr: SocketAddr, lines: &[&str]) -> Vec<String> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut replies = vec![next_reply(&mut read).await];
    let mut in_data = false;
    for line in lines {
        write
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        if in_data && *line != "." {
            continue;
        }
        let reply = next_reply(&mut read).await;
        in_data = reply.starts_with("354");
        replies.push(reply);
    }
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_sessions_at_once_are_all_served() {
    // Room for every message at once (the default, 32, would tell the rest 452: that bound
    // has its own test below).
    let mut settings = settings();
    settings.max_receiving = 200;
    let running = start(settings).await;
    let sessions = (0..200).map(|n| {
        let addr = running.addr;
        tokio::spawn(async move {
            let to = format!("RCPT TO:<t-{n}@tests.example>");
            // Four sessions a client address: well within the per-client limit.
            let source = [127, 0, 1, u8::try_from(n / 4).unwrap()];
            raw_from(
                source,
                addr,
                &[
                    "EHLO c.example",
                    "MAIL FROM:<a@shop.example>",
                    &to,
                    "DATA",
                    "Subject: x",
                    ".",
                    "QUIT",
                ],
            )
            .await
        })
    });
    for replies in futures_util::future::join_all(sessions).await {
        let replies = replies.unwrap();
        assert!(replies[0].starts_with("220"), "{replies:?}");
        assert!(replies[5].starts_with("250 2.0.0"), "{replies:?}");
        assert!(replies[6].starts_with("221"), "{replies:?}");
    }
    assert_eq!(running.inbox.received.lock().unwrap().len(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_beyond_the_limits_are_told_421() {
    let mut settings = settings();
    settings.max_per_client = 2;
    let running = start(settings).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let stream = tokio::net::TcpStream::connect(running.addr).await.unwrap();
        let mut read = BufReader::new(stream);
        let mut greeting = String::new();
        read.read_line(&mut greeting).await.unwrap();
        assert!(greeting.starts_with("220"), "{greeting}");
        held.push(read);
    }
    let third = raw(running.addr, &[]).await;
    assert!(third[0].starts_with("421 4.7.0"), "{third:?}");
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let again = raw(running.addr, &["QUIT"]).await;
    assert!(
        again[0].starts_with("220"),
        "a slot is given back: {again:?}"
    );
}

/// A session opened and taken into DATA: the reader, the writer, and the 354 line.
async fn in_data(
    addr: SocketAddr,
) -> (
    BufReader<tokio::net::tcp::OwnedReadHalf>,
    tokio::net::tcp::OwnedWriteHalf,
    String,
) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    read.read_line(&mut line).await.unwrap();
    for command in [
        "HELO c",
        "MAIL FROM:<a@shop.example>",
        "RCPT TO:<t-1@tests.example>",
        "DATA",
    ] {
        write
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .unwrap();
        line.clear();
        read.read_line(&mut line).await.unwrap();
    }
    (read, write, line)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stalls_mid_data_is_dropped_and_nothing_is_kept() {
    let mut settings = settings();
    settings.data_timeout = Duration::from_millis(300);
    let running = start(settings).await;
    let (mut read, mut write, mut line) = in_data(running.addr).await;
    assert!(line.starts_with("354"), "{line}");
    write
        .write_all(b"Subject: half\r\n\r\npart of a mess")
        .await
        .unwrap();
    line.clear();
    let answered = tokio::time::timeout(Duration::from_secs(5), read.read_line(&mut line)).await;
    assert!(answered.is_ok(), "the listener must not wait forever");
    assert!(line.starts_with("421 4.4.2"), "{line}");
    line.clear();
    assert_eq!(read.read_line(&mut line).await.unwrap(), 0, "closed");
    assert!(running.inbox.received.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_lf_never_ends_a_message() {
    let running = start(settings()).await;
    let (mut read, mut write, mut line) = in_data(running.addr).await;
    // SMTP smuggling: "\n.\n" inside the data, then a real end.
    write
        .write_all(b"Subject: one\r\n\r\nbody\n.\nMAIL FROM:<x@evil.example>\r\n.\r\n")
        .await
        .unwrap();
    line.clear();
    read.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("250 2.0.0"), "{line}");
    let received = running.inbox.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert!(
        String::from_utf8_lossy(&received[0].0.data)
            .contains("body\n.\nMAIL FROM:<x@evil.example>"),
        "the smuggled lines stay data"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_arriving_at_once_are_bounded_and_a_refused_data_may_be_sent_again() {
    let mut settings = settings();
    settings.max_receiving = 1;
    let running = start(settings).await;
    // The first client holds the only room: it is in DATA.
    let (mut read, mut write, line) = in_data(running.addr).await;
    assert!(line.starts_with("354"), "{line}");
    write.write_all(b"Subject: first\r\n").await.unwrap();
    // The second is told to wait, and its transaction survives.
    let stream = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    let (second_read, mut second_write) = stream.into_split();
    let mut second_read = BufReader::new(second_read);
    next_reply(&mut second_read).await;
    let mut say = async |command: &str| {
        second_write
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .unwrap();
        next_reply(&mut second_read).await
    };
    say("HELO c").await;
    say("MAIL FROM:<a@shop.example>").await;
    say("RCPT TO:<t-2@tests.example>").await;
    let refused = say("DATA").await;
    assert!(refused.starts_with("452 4.3.1"), "{refused}");
    // The first message ends; its room is given back.
    write.write_all(b"\r\nbody\r\n.\r\n").await.unwrap();
    let mut line = String::new();
    read.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("250"), "{line}");
    let accepted = say("DATA").await;
    assert!(accepted.starts_with("354"), "{accepted}");
    assert!(
        say("Subject: second\r\n\r\nbody\r\n.")
            .await
            .starts_with("250")
    );
    assert_eq!(running.inbox.received.lock().unwrap().len(), 2);
}

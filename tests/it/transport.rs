//! The DNS transport under loss: a proxy in front of the fixture server drops 30% of the
//! queries it receives, and every query must still be answered, most of them quickly.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sendercheck::checks::{Answer, Query, QueryType};
use sendercheck::dns::{Resolver, ResolverSettings};
use tokio::net::UdpSocket;

use crate::fixture_dns::FixtureDns;

/// A UDP relay to `upstream` that drops every query whose sequence number falls in the first
/// `percent` of each hundred (spread by a multiplier, so drops are not bunched).
async fn lossy_proxy(upstream: SocketAddr, percent: u64) -> (SocketAddr, Arc<AtomicU64>) {
    let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let addr = socket.local_addr().unwrap();
    let dropped = Arc::new(AtomicU64::new(0));
    let counter = dropped.clone();
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        let mut sequence: u64 = 0;
        loop {
            let Ok((length, client)) = socket.recv_from(&mut buffer).await else {
                return;
            };
            sequence += 1;
            if (sequence * 37) % 100 < percent {
                counter.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let query = buffer[..length].to_vec();
            let reply_to = socket.clone();
            tokio::spawn(async move {
                let relay = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                relay.send_to(&query, upstream).await.unwrap();
                let mut answer = vec![0u8; 4096];
                if let Ok(Ok(length)) =
                    tokio::time::timeout(Duration::from_secs(3), relay.recv(&mut answer)).await
                {
                    let _ = reply_to.send_to(&answer[..length], client).await;
                }
            });
        }
    });
    (addr, dropped)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_dropping_30_percent_still_answers_every_query_without_stalls() {
    let dns = FixtureDns::start_own();
    let (proxy, dropped) = lossy_proxy(dns.addr, 30).await;
    let resolver = Resolver::new(&ResolverSettings {
        nameservers: vec![proxy],
        timeout: Duration::from_secs(2),
        attempts: 2,
        authoritative_port: None,
        ..ResolverSettings::default()
    })
    .unwrap();
    let names = [
        "good.example",
        "broken-spf.example",
        "_dmarc.good.example",
        "split.example",
        "nested.example",
    ];
    // Warm up: the first answers give the transport its RTT estimate.
    for name in names {
        resolver.resolve(&Query::txt(name)).await;
    }
    let queries: Vec<Query> = (0..600)
        .map(|index| Query::new(names[index % names.len()], QueryType::Txt))
        .collect();
    let started = Instant::now();
    let timed = futures_util::future::join_all(queries.iter().map(|query| {
        let resolver = resolver.clone();
        async move {
            let asked = Instant::now();
            let answer = resolver.resolve(query).await;
            (answer, asked.elapsed())
        }
    }))
    .await;
    let total = started.elapsed();
    for (answer, _) in &timed {
        assert!(
            matches!(answer, Answer::Records(_)),
            "a query was not answered: {answer:?}"
        );
    }
    let mut latencies: Vec<Duration> = timed.iter().map(|(_, latency)| *latency).collect();
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    assert!(
        dropped.load(Ordering::Relaxed) >= 150,
        "the proxy dropped queries"
    );
    let stats = &resolver.server_stats()[0];
    assert!(stats.losses > 0 && stats.retransmits > 0, "{stats:?}");
    // A fixed 2 s retransmit timer would put every dropped query (30%) at 2 s or more; the
    // adaptive timeout resends after tens of milliseconds (about 0.2 s median here for 600
    // queries queued at once; the bound leaves room for a loaded machine).
    assert!(
        median < Duration::from_secs(1),
        "median {median:?}, all {total:?}, {stats:?}"
    );
}

use hickory_resolver::proto::op::{Message, MessageType};
use hickory_resolver::proto::rr::rdata::TXT;
use hickory_resolver::proto::rr::{Name, RData, Record};

/// A scripted DNS server: for each query, `answer` says what to send back, from which socket
/// (`true`: a second socket on another port, as an off-path forger would).
async fn scripted_server(
    answer: impl Fn(&Message) -> Vec<(bool, Message)> + Send + Sync + 'static,
) -> SocketAddr {
    let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let other = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        loop {
            let Ok((length, client)) = socket.recv_from(&mut buffer).await else {
                return;
            };
            let Ok(query) = Message::from_vec(&buffer[..length]) else {
                continue;
            };
            for (forged, reply) in answer(&query) {
                let from = if forged { &other } else { &socket };
                let _ = from.send_to(&reply.to_vec().unwrap(), client).await;
            }
        }
    });
    addr
}

/// A response to `query` with one TXT record, its question echoed as `name`.
fn txt_reply(query: &Message, name: Name, text: &str) -> Message {
    let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
    let mut question = query.queries[0].clone();
    question.set_name(name.clone());
    reply.add_query(question);
    reply.add_answer(Record::from_rdata(
        name,
        300,
        RData::TXT(TXT::new(vec![text.to_string()])),
    ));
    reply.metadata.message_type = MessageType::Response;
    reply
}

fn resolver_for(server: SocketAddr) -> Resolver {
    Resolver::new(&ResolverSettings {
        nameservers: vec![server],
        timeout: Duration::from_millis(500),
        attempts: 2,
        authoritative_port: None,
        ..ResolverSettings::default()
    })
    .unwrap()
}

#[tokio::test]
async fn an_answer_from_another_port_or_in_another_case_is_refused() {
    // Every query gets a forged answer first (right ID and question, wrong source port), then
    // one with the name's letter case changed (right source), then the real one.
    let server = scripted_server(|query| {
        let asked = query.queries[0].name().clone();
        let flipped = Name::from_ascii(
            asked
                .to_ascii()
                .chars()
                .map(|c| {
                    if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect::<String>(),
        )
        .unwrap();
        vec![
            (true, txt_reply(query, asked.clone(), "forged")),
            (false, txt_reply(query, flipped, "forged-case")),
            (false, txt_reply(query, asked, "real")),
        ]
    })
    .await;
    let resolver = resolver_for(server);
    for _ in 0..3 {
        let answer = resolver.resolve(&Query::txt("shop.example")).await;
        assert_eq!(answer, Answer::Records(vec!["real".to_string()]));
    }
    let stats = &resolver.server_stats()[0];
    assert!(stats.mismatched >= 6, "{stats:?}");
}

#[tokio::test]
async fn a_server_that_folds_case_is_asked_in_lower_case_after_a_few_strikes() {
    let server = scripted_server(|query| {
        let lower = query.queries[0].name().to_lowercase();
        vec![(false, txt_reply(query, lower, "folded"))]
    })
    .await;
    let resolver = resolver_for(server);
    // Ten queries at once: their answers all come back in lower case and are refused, which
    // is enough to switch 0x20 off for this server; the resends are then answered.
    let answers = futures_util::future::join_all((0..10).map(|_| {
        let resolver = resolver.clone();
        async move { resolver.resolve(&Query::txt("mixed-case.example")).await }
    }))
    .await;
    for answer in answers {
        assert_eq!(answer, Answer::Records(vec!["folded".to_string()]));
    }
}

//! Webhook delivery throughput: 10,000 pending events (one `domain.deleted` per registration,
//! each written with its transition as the daemon writes them) delivered by the dispatcher to a
//! receiver on 127.0.0.1 that checks nothing and answers 204, in the same process.
//!
//! cargo bench --bench webhook_delivery   (BENCH_EVENTS=N, default 10000)

#[path = "support/report.rs"]
mod report;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::Utc;
use sendercheck::config::{Secret, WebhookConfig};
use sendercheck::store::{DeliveryStatus, Registration, SqliteStore, Store};

#[tokio::main]
async fn main() {
    let events: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(10_000);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hooks.db").display());
    let store = Arc::new(SqliteStore::connect(&url).await.unwrap());
    let registrations: Vec<Registration> = (0..events)
        .map(|n| Registration {
            domain: format!("shop{n:06}.example"),
            profile: "mandrill".into(),
            token: None,
            params: Default::default(),
        })
        .collect();
    let now = Utc::now();
    store.register_all(&registrations, now, now).await.unwrap();
    let enqueued = Instant::now();
    for registration in &registrations {
        store
            .unregister(&registration.domain, Utc::now())
            .await
            .unwrap();
    }
    let enqueue_seconds = enqueued.elapsed().as_secs_f64();

    // The receiver: counts and answers 204.
    let received = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let counter = received.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });

    let dispatcher = sendercheck::webhooks::Dispatcher::new(
        store.clone(),
        Arc::new(sendercheck::clock::SystemClock),
        vec![WebhookConfig {
            url: format!("http://{address}/hook"),
            secret: Secret::new("bench-secret-0123456789".into()),
            events: vec!["domain.deleted".into()],
        }],
        Arc::new(sendercheck::telemetry::Metrics::new(false)),
        std::sync::Arc::new(sendercheck::api::webhooks::event_body),
    )
    .unwrap();
    let started = Instant::now();
    loop {
        dispatcher.tick().await.unwrap();
        let delivered = store
            .delivery_counts()
            .await
            .unwrap()
            .into_iter()
            .find(|(status, _)| *status == DeliveryStatus::Delivered)
            .map_or(0, |(_, count)| count);
        if delivered as usize >= events {
            break;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = events as f64 / seconds;
    let body = format!(
        "## Webhook delivery\n\n\
         `cargo bench --bench webhook_delivery` — {events} pending `domain.deleted` events (each \
         written with its transition, as the daemon writes them: {:.0} events/s into the outbox, \
         one SQLite transaction with `synchronous = FULL` each), delivered by the dispatcher \
         (batches of 64 concurrent POSTs, each delivery's outcome stored) to a receiver on \
         127.0.0.1 in the same process that answers 204.\n\n\
         | measure | value |\n|---|---:|\n\
         | events delivered | {} |\n\
         | time | {seconds:.1} s |\n\
         | deliveries per second | {rate:.0} |\n\n\
         What bounds it: every delivery's outcome is its own committed SQLite write (so a crash \
         never loses which events were sent), and the body is rendered from the stored payload \
         each time. No peer runs here to compare with (the peers of the README poll or post \
         without an outbox).\n\n\
         Machine: {}.\n",
        events as f64 / enqueue_seconds,
        received.load(Ordering::Relaxed),
        report::machine()
    );
    report::write_section("webhook_delivery", &body);
}

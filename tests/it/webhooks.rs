//! Webhooks with real parts: a receiver on 127.0.0.1 inside the test (a real HTTP server that
//! records every request, checks its signature, and answers 2xx, 500, 410 or not at all on
//! demand), the daemon in process with a hand-driven clock, and for the crash test the real
//! binary killed with SIGKILL.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture_dns::FixtureDns;
use crate::support::{AppOptions, TestApp, spawn_app};

pub(crate) const SECRET: &str = "whsec-test-0123456789abcdef";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Ok,
    Fail,
    Gone,
    /// Holds the request past the dispatcher's 10 s timeout.
    Hang,
}

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) event_id: String,
    pub(crate) signature_valid: bool,
    pub(crate) body: Value,
    pub(crate) answered: u16,
}

#[derive(Clone)]
pub(crate) struct Receiver {
    addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    seen: Arc<Mutex<Vec<Received>>>,
}

/// Checks `t=UNIX,v1=HEX` as the README tells consumers to.
fn valid_signature(header: &str, body: &[u8]) -> bool {
    use hmac::{Hmac, KeyInit, Mac};
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    expected == v1
}

async fn receive(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let mode = *receiver.mode.lock().unwrap();
    let answered = match mode {
        Mode::Ok => StatusCode::NO_CONTENT,
        Mode::Fail => StatusCode::INTERNAL_SERVER_ERROR,
        Mode::Gone => StatusCode::GONE,
        Mode::Hang => {
            tokio::time::sleep(sendercheck::webhooks::ATTEMPT_TIMEOUT + Duration::from_secs(2))
                .await;
            StatusCode::NO_CONTENT
        }
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    receiver.seen.lock().unwrap().push(Received {
        event_id: header("sendercheck-event-id"),
        signature_valid: valid_signature(&header("sendercheck-signature"), &body),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        answered: answered.as_u16(),
    });
    answered
}

impl Receiver {
    pub(crate) async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Receiver::serve(listener)
    }

    /// A receiver answering on `listener`, in `Mode::Ok`.
    fn serve(listener: tokio::net::TcpListener) -> Receiver {
        let receiver = Receiver {
            addr: listener.local_addr().unwrap(),
            mode: Arc::new(Mutex::new(Mode::Ok)),
            seen: Arc::default(),
        };
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        receiver
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub(crate) fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }
}

pub(crate) fn endpoint(url: String) -> sendercheck::config::WebhookConfig {
    sendercheck::config::WebhookConfig {
        url,
        secret: sendercheck::config::Secret::new(SECRET.to_string()),
        events: sendercheck::config::WEBHOOK_EVENTS
            .iter()
            .map(|kind| kind.to_string())
            .collect(),
    }
}

async fn deliveries(app: &TestApp, status: &str) -> Vec<Value> {
    let (code, body) = app
        .get(&format!("/v1/webhooks/deliveries?status={status}"))
        .await;
    assert_eq!(code, 200, "{body}");
    body["deliveries"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_changes_are_delivered_signed_retried_and_given_up() {
    let receiver = Receiver::start().await;
    let dns = FixtureDns::start_own();
    let app = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        webhooks: vec![endpoint(receiver.url())],
        ..AppOptions::default()
    })
    .await;
    let hour = Duration::from_secs(3600);

    // A new registration and checks that change nothing send nothing.
    app.register("broken-spf.example", None).await;
    app.until_checked("broken-spf.example").await;
    app.advance_and_tick(Duration::from_secs(200)).await;
    assert_eq!(app.dispatcher.tick().await.unwrap(), 0);
    assert!(receiver.seen().is_empty());

    // DNS fixed: one signed domain.verified event with the transition and the domain object.
    dns.replace_txt(
        "broken-spf.example",
        &[vec![
            "v=spf1 a include:spf.mandrillapp.com -all".to_string(),
        ]],
    )
    .await;
    let (status, checked) = app
        .call(Method::POST, "/v1/domains/broken-spf.example/check", None)
        .await;
    assert_eq!(
        (status, checked["status"].as_str()),
        (200, Some("verified"))
    );
    assert_eq!(app.dispatcher.tick().await.unwrap(), 1);
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let verified = &seen[0];
    assert!(verified.signature_valid, "{verified:?}");
    assert_eq!(verified.body["type"], "domain.verified");
    assert_eq!(verified.body["id"], verified.event_id);
    assert!(verified.event_id.starts_with("evt_"));
    assert_eq!(verified.body["transition"]["from"], "pending");
    assert_eq!(verified.body["transition"]["to"], "verified");
    assert_eq!(verified.body["domain"]["domain"], "broken-spf.example");
    assert_eq!(verified.body["domain"]["status"], "verified");
    assert_eq!(
        verified.body["domain"]["records"].as_array().unwrap().len(),
        4
    );
    // Nothing more to send, and nothing sent twice.
    assert_eq!(app.dispatcher.tick().await.unwrap(), 0);
    assert_eq!(deliveries(&app, "delivered").await.len(), 1);

    // The receiver fails: the delivery is tried again later, with the same event id.
    receiver.set(Mode::Fail);
    let (status, _) = app
        .call(Method::DELETE, "/v1/domains/broken-spf.example", None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(app.dispatcher.tick().await.unwrap(), 1);
    let failed = deliveries(&app, "failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["attempts"], 1);
    // The endpoint's path (where receivers keep a secret) is not shown.
    assert_eq!(
        failed[0]["url"],
        format!("http://{}/***", receiver.addr),
        "{:?}",
        failed[0]
    );
    assert!(
        failed[0]["last_error"].as_str().unwrap().contains("500"),
        "{:?}",
        failed[0]
    );
    assert_eq!(failed[0]["event"]["type"], "domain.deleted");
    // Not due yet: nothing is sent before the backoff.
    assert_eq!(app.dispatcher.tick().await.unwrap(), 0);
    app.clock.advance(hour);
    assert_eq!(app.dispatcher.tick().await.unwrap(), 1);
    receiver.set(Mode::Ok);
    app.clock.advance(2 * hour);
    assert_eq!(app.dispatcher.tick().await.unwrap(), 1);
    let deleted: Vec<Received> = receiver
        .seen()
        .into_iter()
        .filter(|seen| seen.body["type"] == "domain.deleted")
        .collect();
    assert_eq!(deleted.len(), 3, "two failures, then the success");
    assert!(
        deleted
            .iter()
            .all(|seen| seen.event_id == deleted[0].event_id)
    );
    assert!(deleted.iter().all(|seen| seen.signature_valid));
    assert_eq!(deleted.last().unwrap().answered, 204);

    // A receiver down for more than 24 hours: the delivery is dead; a retry by hand sends it.
    receiver.set(Mode::Fail);
    app.register("good.example", Some("GOODKEY")).await;
    app.until_checked("good.example").await; // verified: an event
    assert_eq!(app.dispatcher.tick().await.unwrap(), 1);
    for _ in 0..30 {
        app.clock.advance(2 * hour);
        app.dispatcher.tick().await.unwrap();
    }
    let dead = deliveries(&app, "dead").await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0]["last_error"].as_str().unwrap().contains("gave up"));
    let attempts_before = receiver.seen().len();
    app.clock.advance(10 * hour);
    assert_eq!(app.dispatcher.tick().await.unwrap(), 0, "dead stays dead");
    assert_eq!(receiver.seen().len(), attempts_before);
    receiver.set(Mode::Ok);
    let id = dead[0]["id"].as_i64().unwrap();
    let (status, retried) = app
        .call(
            Method::POST,
            &format!("/v1/webhooks/deliveries/{id}/retry"),
            None,
        )
        .await;
    assert_eq!((status, retried["status"].as_str()), (200, Some("pending")));
    assert_eq!(app.dispatcher.tick().await.unwrap(), 1);
    assert_eq!(
        receiver.seen().last().unwrap().body["type"],
        "domain.verified"
    );
    let (status, _) = app
        .call(Method::POST, "/v1/webhooks/deliveries/999999/retry", None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/v1/webhooks/deliveries?status=lost").await;
    assert_eq!(status, 400);

    // A paused registration sends nothing, even when deleted.
    app.call(
        Method::PUT,
        "/v1/domains/good.example",
        Some(json!({"paused": true})),
    )
    .await;
    app.call(Method::DELETE, "/v1/domains/good.example", None)
        .await;
    assert_eq!(app.dispatcher.tick().await.unwrap(), 0);

    // 410 Gone disables the endpoint: the delivery is dead and later events are not sent.
    receiver.set(Mode::Gone);
    app.register("nested.example", Some("KEY")).await;
    app.until_checked("nested.example").await;
    app.call(Method::DELETE, "/v1/domains/nested.example", None)
        .await;
    let before = receiver.seen().len();
    assert_eq!(app.dispatcher.tick().await.unwrap(), 1);
    assert_eq!(receiver.seen().len(), before + 1);
    assert!(
        deliveries(&app, "dead")
            .await
            .iter()
            .any(|delivery| delivery["last_error"].as_str().unwrap().contains("410"))
    );
    receiver.set(Mode::Ok);
    app.register("split.example", None).await;
    app.until_checked("split.example").await;
    app.call(Method::DELETE, "/v1/domains/split.example", None)
        .await;
    app.clock.advance(hour);
    assert_eq!(app.dispatcher.tick().await.unwrap(), 0);
    assert_eq!(receiver.seen().len(), before + 1, "nothing after 410");

    // Every attempt was counted.
    let metrics = app.text("/metrics").await;
    assert!(
        metrics.contains("sendercheck_webhook_attempts_total{outcome=\"delivered\"} 3"),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_survives_sigkill_between_the_transition_and_its_delivery() {
    use crate::support::{signal, start_daemon_process_with_args, temp_db};
    // The receiver's port, with nothing listening yet: the first attempt is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sendercheck.toml");
    std::fs::write(
        &config,
        format!(
            "[[webhooks]]\nurl = \"http://127.0.0.1:{port}/hook\"\nsecret = \"{SECRET}\"\n\
             events = [\"domain.verified\"]\n"
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let (db_url, _db) = temp_db();
    let (mut daemon, base, _logs) = start_daemon_process_with_args(&db_url, &["--config", &config]);
    let client = reqwest::Client::new();
    let status = client
        .put(format!("{base}/v1/domains/good.example"))
        .json(&json!({"profile": "mandrill", "verification_token": "GOODKEY"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 201);
    // Verified: the event is in the outbox, its first attempt refused.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let failed: Value = client
            .get(format!("{base}/v1/webhooks/deliveries?status=failed"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if failed["deliveries"]
            .as_array()
            .is_some_and(|all| !all.is_empty())
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no failed delivery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    signal(&daemon, "-KILL");
    let _ = daemon.wait();

    // The receiver comes up, the daemon starts again: the event arrives.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let receiver = Receiver::serve(listener);
    let (mut daemon, _base, _logs) =
        start_daemon_process_with_args(&db_url, &["--config", &config]);
    // Retried within 15 s of the refused attempt (10 s ± 50%).
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    while receiver.seen().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the event was lost");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = receiver.seen();
    assert!(seen.iter().all(|seen| seen.signature_valid));
    assert_eq!(seen[0].body["type"], "domain.verified");
    assert_eq!(seen[0].body["domain"]["domain"], "good.example");
    signal(&daemon, "-TERM");
    let _ = daemon.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_failing_after_the_window_is_told_and_a_hung_receiver_is_tried_again() {
    let receiver = Receiver::start().await;
    let app = spawn_app(AppOptions {
        webhooks: vec![endpoint(receiver.url())],
        ..AppOptions::default()
    })
    .await;
    app.register("broken-spf.example", None).await;
    app.until_checked("broken-spf.example").await;
    // The propagation window (72 h) runs out with SPF still broken: domain.failing.
    receiver.set(Mode::Hang);
    assert_eq!(
        app.advance_and_tick(Duration::from_secs(73 * 3600)).await,
        1
    );
    assert_eq!(app.dispatcher.tick().await.unwrap(), 1);
    let failed = deliveries(&app, "failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["event"]["type"], "domain.failing");
    assert!(
        failed[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("no answer within 10 s"),
        "{:?}",
        failed[0]
    );
    receiver.set(Mode::Ok);
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(app.dispatcher.tick().await.unwrap(), 1);
    let seen = receiver.seen();
    let last = seen.last().unwrap();
    assert_eq!(last.body["type"], "domain.failing");
    assert_eq!(last.body["transition"]["from"], "pending");
    assert_eq!(last.body["transition"]["to"], "failing");
    assert!(last.signature_valid);
    assert_eq!(deliveries(&app, "delivered").await.len(), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_database_send_each_event_once() {
    let receiver = Receiver::start().await;
    let db_url = crate::postgres::Postgres::shared().database().await;
    let mut replicas = Vec::new();
    for id in ["replica-a", "replica-b"] {
        replicas.push(
            spawn_app(AppOptions {
                db_url: Some(db_url.clone()),
                replica_id: Some(id.to_string()),
                webhooks: vec![endpoint(receiver.url())],
                ..AppOptions::default()
            })
            .await,
        );
    }
    let (a, b) = (&replicas[0], &replicas[1]);
    // Registered through one replica, deleted through the other: one domain.deleted each.
    const DOMAINS: usize = 30;
    for n in 0..DOMAINS {
        let domain = format!("w{n:02}.example");
        assert_eq!(a.register(&domain, None).await.0, 201);
        let (status, _) = b
            .call(Method::DELETE, &format!("/v1/domains/{domain}"), None)
            .await;
        assert_eq!(status, 204);
    }
    // Both dispatchers at once, round after round, until nothing is left.
    for _ in 0..20 {
        let (sent_a, sent_b) = tokio::join!(a.dispatcher.tick(), b.dispatcher.tick());
        if sent_a.unwrap() + sent_b.unwrap() == 0 && receiver.seen().len() >= DOMAINS {
            break;
        }
    }
    let seen = receiver.seen();
    let mut ids: Vec<&str> = seen.iter().map(|r| r.event_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(seen.len(), DOMAINS, "one POST per event: {seen:?}");
    assert_eq!(ids.len(), DOMAINS);
    assert!(
        seen.iter()
            .all(|r| r.signature_valid && r.body["type"] == "domain.deleted")
    );
    // Either replica tells the same story.
    assert_eq!(deliveries(a, "delivered").await.len(), DOMAINS);
    assert_eq!(deliveries(b, "delivered").await.len(), DOMAINS);
    for app in replicas {
        app.stop().await;
    }
}

#[tokio::test]
async fn a_replica_that_does_not_know_an_endpoint_leaves_its_deliveries_to_one_that_does() {
    // A rolling configuration change: replica "old" knows the endpoint, "new" not yet.
    let receiver = Receiver::start().await;
    let db_url = crate::postgres::Postgres::shared().database().await;
    let knows = spawn_app(AppOptions {
        db_url: Some(db_url.clone()),
        replica_id: Some("knows".to_string()),
        webhooks: vec![endpoint(receiver.url())],
        ..AppOptions::default()
    })
    .await;
    let unaware = spawn_app(AppOptions {
        db_url: Some(db_url.clone()),
        replica_id: Some("unaware".to_string()),
        ..AppOptions::default()
    })
    .await;
    receiver.set(Mode::Fail);
    assert_eq!(knows.register("rolling.example", None).await.0, 201);
    let (status, _) = knows
        .call(Method::DELETE, "/v1/domains/rolling.example", None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(knows.dispatcher.tick().await.unwrap(), 1);
    let failed = deliveries(&knows, "failed").await;
    assert_eq!(failed.len(), 1);
    // Due again: the replica that does not know the endpoint takes it, and leaves it.
    unaware.clock.advance(Duration::from_secs(3600));
    assert_eq!(unaware.dispatcher.tick().await.unwrap(), 1);
    assert!(
        deliveries(&knows, "dead").await.is_empty(),
        "killed by a replica that did not know the endpoint"
    );
    let left = deliveries(&knows, "failed").await;
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0]["attempts"], 1,
        "not counted as an attempt: {:?}",
        left[0]
    );
    // The replica that knows it delivers it once it is due again.
    receiver.set(Mode::Ok);
    knows.clock.advance(Duration::from_secs(3600 + 60));
    assert_eq!(knows.dispatcher.tick().await.unwrap(), 1);
    assert_eq!(deliveries(&knows, "delivered").await.len(), 1);
    knows.stop().await;
    unaware.stop().await;
}

#[tokio::test]
async fn an_endpoint_added_later_gets_no_flood_of_old_events() {
    // Months with no endpoint configured: events are written and wait.
    let (db_url, _db) = crate::support::temp_db();
    let start = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap();
    let before = spawn_app(AppOptions {
        db_url: Some(db_url.clone()),
        clock: Some(std::sync::Arc::new(sendercheck::clock::ManualClock::new(
            start,
        ))),
        ..AppOptions::default()
    })
    .await;
    for n in 0..5 {
        let domain = format!("old{n}.example");
        assert_eq!(before.register(&domain, None).await.0, 201);
        let (status, _) = before
            .call(Method::DELETE, &format!("/v1/domains/{domain}"), None)
            .await;
        assert_eq!(status, 204);
    }
    before.stop().await;
    // Two days later the endpoint is configured: only what happens from then on is sent.
    let receiver = Receiver::start().await;
    let later = spawn_app(AppOptions {
        db_url: Some(db_url.clone()),
        clock: Some(std::sync::Arc::new(sendercheck::clock::ManualClock::new(
            start + chrono::Duration::days(2),
        ))),
        webhooks: vec![endpoint(receiver.url())],
        ..AppOptions::default()
    })
    .await;
    assert_eq!(later.dispatcher.tick().await.unwrap(), 0);
    assert!(receiver.seen().is_empty(), "{:?}", receiver.seen());
    assert_eq!(later.register("new.example", None).await.0, 201);
    let (status, _) = later
        .call(Method::DELETE, "/v1/domains/new.example", None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(later.dispatcher.tick().await.unwrap(), 1);
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].body["domain"]["domain"], "new.example",
        "{:?}",
        seen[0].body
    );
    later.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_endpoint_does_not_hold_back_another() {
    let hung = Receiver::start().await;
    hung.set(Mode::Hang);
    let quick = Receiver::start().await;
    let app = spawn_app(AppOptions {
        webhooks: vec![endpoint(hung.url()), endpoint(quick.url())],
        ..AppOptions::default()
    })
    .await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(app.dispatcher.clone().run(stopped));
    // The first event goes to both: the hung endpoint holds its POST for 12 s.
    assert_eq!(app.register("one.example", None).await.0, 201);
    let (status, _) = app
        .call(Method::DELETE, "/v1/domains/one.example", None)
        .await;
    assert_eq!(status, 204);
    // A second event, while the first POST to the hung endpoint is still out: the quick
    // endpoint gets it long before the hung one's attempt ends (10 s).
    assert_eq!(app.register("two.example", None).await.0, 201);
    let (status, _) = app
        .call(Method::DELETE, "/v1/domains/two.example", None)
        .await;
    assert_eq!(status, 204);
    let started = std::time::Instant::now();
    while quick.seen().len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "the quick endpoint waited for the hung one: {:?}",
            quick.seen()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap();
    app.stop().await;
}

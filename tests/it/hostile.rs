//! Hostile HTTP input: every one gets a 4xx with the contract's JSON error, or is shed; never a
//! 5xx, a panic or unbounded memory.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use crate::support::{AppOptions, TestApp, spawn_app};

fn address(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// Sends raw bytes and reads the whole answer (the connection is closed by `Connection: close`).
/// Blocking: call it from `spawn_blocking`, never on the runtime that serves the daemon.
fn raw_to(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_and_json(answer: &str) -> (u16, Value) {
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_bodies_get_a_4xx_json_error() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    let put = |body: Vec<u8>| {
        let app = &app;
        async move {
            let response = app
                .client
                .put(app.url("/v1/domains/shop.example"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let huge_profile = format!("{{\"profile\": \"{}\"}}", "p".repeat(500_000));
    for (body, code) in [
        (b"\xff\xfe\x00not utf-8".to_vec(), "invalid_json"),
        (b"<xml>not json</xml>".to_vec(), "invalid_json"),
        (b"[1, 2, 3]".to_vec(), "invalid_body"),
        (b"{\"profile\": [\"mandrill\"]}".to_vec(), "invalid_body"),
        (b"{\"verification_token\": 12}".to_vec(), "invalid_body"),
        (
            b"{\"profile\": \"mandrill\", \"extra\": 1}".to_vec(),
            "invalid_body",
        ),
        (b"{\"profile\": \"mandrill\"".to_vec(), "invalid_json"),
        (
            b"{\"profile\": \"mandrill\", \"profile\": \"x\"}".to_vec(),
            "invalid_body",
        ),
        (huge_profile.into_bytes(), "unknown_profile"),
        // Found by schema fuzzing: an unknown key of 500k characters came back whole.
        (
            format!("{{\"{}\": 1}}", "k".repeat(500_000)).into_bytes(),
            "invalid_body",
        ),
        (
            format!("{{\"verification_token\": \"{}\"}}", "t".repeat(10_000)).into_bytes(),
            "invalid_token",
        ),
    ] {
        let (status, json) = put(body).await;
        assert_eq!(status, 400, "{json}");
        assert_eq!(json["error"]["code"], code, "{json}");
        assert!(
            json.to_string().len() < 2000,
            "errors never echo huge input: {}",
            json.to_string().len()
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn odd_domains_in_the_path_get_a_4xx_json_error() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    let long_label = format!("/v1/domains/{}.example", "a".repeat(300));
    let long_path = format!("/v1/domains/{}", "a.".repeat(5000));
    for path in [
        "/v1/domains/%2e%2e",
        "/v1/domains/..%2F..%2Fetc%2Fpasswd",
        "/v1/domains/a%00b.example",
        "/v1/domains/%FF%FE.example",
        "/v1/domains/%C0%AF.example",
        "/v1/domains/a%2Fb.example",
        "/v1/domains/%E2%80%AEevil.example",
        "/v1/domains/xn--.example",
        "/v1/domains/ex%20ample.com",
        "/v1/domains/%25",
        "/v1/domains/shop.example%0d%0aX-Injected:%201",
        "/v1/domains/<script>.example",
        long_label.as_str(),
        long_path.as_str(),
        "/v1/domains/a/b/c",
        "/v1/domains//",
    ] {
        let (status, json) = app.get(path).await;
        assert!((400..500).contains(&status), "{path}: {status} {json}");
        assert!(json["error"]["code"].is_string(), "{path}: {json}");
    }
    // Not a domain at all: an emoji (UTS #46 maps it, IDNA2008 forbids it), a public suffix,
    // and no domain in the path.
    for path in ["/v1/domains/%F0%9F%98%80.example", "/v1/domains/co.uk"] {
        let (status, json) = app
            .call(
                reqwest::Method::PUT,
                path,
                Some(serde_json::json!({"profile": "mandrill"})),
            )
            .await;
        assert_eq!(
            (status, json["error"]["code"].as_str()),
            (400, Some("invalid_domain")),
            "{path}: {json}"
        );
    }
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::GET,
        reqwest::Method::DELETE,
    ] {
        let (status, json) = app.call(method.clone(), "/v1/domains/", None).await;
        assert_eq!(
            (status, json["error"]["code"].as_str()),
            (400, Some("invalid_domain")),
            "{method}: {json}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn slow_drip_headers_and_bodies_are_cut_off() {
    let second = Duration::from_secs(1);
    let app = spawn_app(AppOptions {
        connections: Some((64, second, second)),
        ..Default::default()
    })
    .await;
    // Headers, a byte at a time, never finished: the connection is closed (or answered 408)
    // long before the client would give up dripping.
    let address = address(&app);
    let cut_off = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Drip: ")
            .unwrap();
        for _ in 0..100 {
            if stream.write_all(b"a").is_err() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
            stream
                .set_read_timeout(Some(Duration::from_millis(1)))
                .unwrap();
            let mut buffer = [0u8; 256];
            if stream.read(&mut buffer).is_ok() {
                return true; // closed (0) or answered (408)
            }
        }
        false
    })
    .await
    .unwrap();
    assert!(cut_off, "dripping headers were never cut off");

    // A body announced but never sent: 408, a 4xx, with the JSON error.
    let answer = tokio::task::spawn_blocking({
        let app_address = address_of(&app);
        move || {
            let mut stream = TcpStream::connect(app_address).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            stream
                .write_all(b"PUT /v1/domains/shop.example HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pro")
                .unwrap();
            let mut answer = vec![0u8; 1024];
            let read = stream.read(&mut answer).unwrap_or(0);
            String::from_utf8_lossy(&answer[..read]).into_owned()
        }
    })
    .await
    .unwrap();
    let (status, json) = status_and_json(&answer);
    assert_eq!(status, 408, "{answer}");
    assert_eq!(json["error"]["code"], "request_timeout");
    app.stop().await;
}

fn address_of(app: &TestApp) -> String {
    address(app)
}

#[tokio::test]
async fn thousands_of_connections_are_held_to_the_cap_and_service_resumes() {
    let app = spawn_app(AppOptions {
        connections: Some((500, Duration::from_secs(1), Duration::from_secs(1))),
        ..Default::default()
    })
    .await;
    // 2000 connections that never send a byte; past the cap and the kernel's accept queue,
    // connecting fails fast rather than taking the daemon down.
    let address: std::net::SocketAddr = address(&app).parse().unwrap();
    let idle: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..2000)
            .filter_map(|_| TcpStream::connect_timeout(&address, Duration::from_millis(200)).ok())
            .collect()
    })
    .await
    .unwrap();
    assert!(idle.len() >= 1000, "only {} connections opened", idle.len());
    // The cap holds them off; the header timeout frees the slots they take; a real request is
    // served soon after (the request's own 60 s timeout is the deadline), never with a 5xx.
    let response = app
        .client
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("served once slots free up");
    assert_eq!(response.status().as_u16(), 200);
    drop(idle);
    let address = address_of(&app);
    let raw_answer = tokio::task::spawn_blocking(move || {
        raw_to(
            &address,
            b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
    })
    .await
    .unwrap();
    assert_eq!(status_and_json(&raw_answer).0, 200);
    app.stop().await;
}

/// Opens `count` connections that never send a byte.
async fn silent_connections(app: &crate::support::TestApp, count: usize) -> Vec<TcpStream> {
    let address: std::net::SocketAddr = address(app).parse().unwrap();
    let held: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..count)
            .filter_map(|_| TcpStream::connect_timeout(&address, Duration::from_secs(1)).ok())
            .collect()
    })
    .await
    .unwrap();
    held
}

/// GET `path` on a new connection (a new client), within 5 s.
async fn fresh_get(app: &crate::support::TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|error| panic!("{path} was not answered: {error}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_are_answered_when_every_slot_is_taken() {
    let ten = Duration::from_secs(10);
    let app = spawn_app(AppOptions {
        connections: Some((32, ten, ten)),
        per_client: Some(10_000),
        ..Default::default()
    })
    .await;
    // Every slot held by a silent client, and more waiting behind it.
    let held = silent_connections(&app, 32 + 300).await;
    assert!(held.len() > 32, "only {} connections opened", held.len());
    for path in ["/healthz", "/metrics"] {
        assert_eq!(fresh_get(&app, path).await.status().as_u16(), 200, "{path}");
    }
    let response = fresh_get(&app, "/v1/domains").await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "overloaded");
    drop(held);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_cannot_take_every_slot() {
    let ten = Duration::from_secs(10);
    let app = spawn_app(AppOptions {
        connections: Some((500, ten, ten)),
        per_client: Some(8),
        ..Default::default()
    })
    .await;
    let held = silent_connections(&app, 8).await;
    assert_eq!(held.len(), 8);
    // This client's share is used up: its next connection is in overload mode.
    assert_eq!(fresh_get(&app, "/v1/domains").await.status().as_u16(), 503);
    assert_eq!(fresh_get(&app, "/healthz").await.status().as_u16(), 200);
    // Its share back, it is served again.
    drop(held);
    let mut served = false;
    for _ in 0..100 {
        if fresh_get(&app, "/v1/domains").await.status().as_u16() == 200 {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        served,
        "the client was not served after closing its connections"
    );
    app.stop().await;
}

#[tokio::test]
async fn without_a_token_only_this_machines_pages_may_drive_the_api() {
    let app = spawn_app(AppOptions::default()).await;
    let client = reqwest::Client::new();
    // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
    let rebound = client
        .get(app.url("/v1/domains"))
        .header("host", "evil.example:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status().as_u16(), 421);
    let body: Value = rebound.json().await.unwrap();
    assert_eq!(body["error"]["code"], "misdirected_request");
    // A cross-site POST: refused whatever it carries.
    let cross = client
        .put(app.url("/v1/domains/shop.example"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({"profile": "mandrill"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status().as_u16(), 403);
    let body: Value = cross.json().await.unwrap();
    assert_eq!(body["error"]["code"], "cross_origin");
    // JSON under a type a page may send without a preflight: refused.
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let simple = client
            .put(app.url("/v1/domains/shop.example"))
            .header("content-type", content_type)
            .body("{\"profile\": \"mandrill\"}")
            .send()
            .await
            .unwrap();
        assert_eq!(simple.status().as_u16(), 415, "{content_type}");
    }
    let untyped = client
        .put(app.url("/v1/domains/shop.example"))
        .body("{\"profile\": \"mandrill\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(untyped.status().as_u16(), 415);
    // The same machine's own requests pass: localhost, a same-origin page.
    let local = client
        .put(app.url("/v1/domains/shop.example"))
        .header("host", "localhost")
        .header("origin", app.base.clone())
        .json(&serde_json::json!({"profile": "mandrill"}))
        .send()
        .await
        .unwrap();
    assert_eq!(local.status().as_u16(), 201);
    app.stop().await;
}

#[tokio::test]
async fn with_a_token_any_host_name_is_served() {
    // Behind a load balancer the Host is the public name; the token is what protects.
    let app = spawn_app(AppOptions {
        api_token: Some("the-token".to_string()),
        ..AppOptions::default()
    })
    .await;
    let response = reqwest::Client::new()
        .get(app.url("/v1/domains"))
        .header("host", "sendercheck.example.com")
        .bearer_auth("the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    app.stop().await;
}

/// Sends the head of a request and a few bytes of its body, never the rest, and returns what
/// the daemon answers within 10 s (empty when it is still reading).
fn unfinished_upload(address: String, head: String) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream
        .write_all(b"--b\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nFrom: x")
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let read = stream.read(&mut answer).unwrap_or(0);
    String::from_utf8_lossy(&answer[..read]).into_owned()
}

#[tokio::test]
async fn a_page_upload_is_not_read_before_sign_in_nor_waited_for_past_the_body_timeout() {
    let head = |cookie: &str| {
        format!(
            "POST /dkim HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; \
             boundary=b\r\nContent-Length: 5000000\r\n{cookie}\r\n"
        )
    };
    // With a token and no session: refused at once, the 5 MB never awaited.
    let app = spawn_app(AppOptions {
        api_token: Some("the-token".to_string()),
        ..Default::default()
    })
    .await;
    let target = address(&app);
    let answer = tokio::task::spawn_blocking(move || unfinished_upload(target, head("")))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer:?}");
    assert!(answer.contains("no session"), "{answer}");
    app.stop().await;

    // Without a token, with a session: the body is read within the body timeout, then 408.
    let second = Duration::from_secs(1);
    let app = spawn_app(AppOptions {
        connections: Some((64, Duration::from_secs(10), second)),
        ..Default::default()
    })
    .await;
    let page = reqwest::get(app.url("/dkim")).await.unwrap();
    let cookie = crate::support::cookie_of(&page);
    let target = address(&app);
    let answer = tokio::task::spawn_blocking(move || {
        unfinished_upload(target, head(&format!("Cookie: {cookie}\r\n")))
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    app.stop().await;
}

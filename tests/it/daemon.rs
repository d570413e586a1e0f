//! `sendercheck serve` over HTTP: registrations, the scheduler's rules, history, restarts.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture_dns::{FixtureDns, SilentDns};
use crate::support::{AppOptions, spawn_app, statuses, temp_db};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn register_then_poll_until_the_first_check_verifies_it() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    let (status, body) = app.register("Good.Example.", Some("GOODKEY")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["domain"], "good.example");
    assert_eq!(body["status"], "pending");
    assert_eq!(body["ready"], false);
    assert_eq!(body["checked_at"], Value::Null);
    assert_eq!(body["records"], json!([]));
    for field in ["status_since", "next_check_at"] {
        let text = body[field].as_str().unwrap();
        assert!(
            text.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            "{text}"
        );
    }

    let checked = app.until_checked("good.example").await;
    assert_eq!(checked["status"], "verified", "{checked:#}");
    assert_eq!(checked["ready"], true);
    assert_eq!(checked["records"].as_array().unwrap().len(), 5);

    let (again, body) = app.register("good.example", Some("GOODKEY")).await;
    assert_eq!(again, 200, "an unchanged PUT is idempotent");
    assert_eq!(body["status"], "verified");

    let (_, history) = app.get("/v1/domains/good.example/history").await;
    assert_eq!(statuses(&history), ["none->pending", "pending->verified"]);
    assert_eq!(
        history["transitions"][1]["reason"],
        "every required record passes"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_pending_domain_is_verified_by_the_scheduler_after_its_record_is_fixed() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    app.register("fixme.example", None).await;
    let first = app.until_checked("fixme.example").await;
    assert_eq!(first["status"], "pending");
    assert_eq!(first["records"][0]["status"], "missing");

    // Not due yet: a tick checks nothing.
    assert_eq!(app.advance_and_tick(Duration::from_secs(30)).await, 0);

    FixtureDns::shared()
        .add_txt("fixme.example", "v=spf1 include:spf.mandrillapp.com -all")
        .await;
    assert_eq!(app.advance_and_tick(3 * MINUTE).await, 1);
    let (_, body) = app.get("/v1/domains/fixme.example").await;
    assert_eq!(body["status"], "verified", "{body:#}");

    let (_, history) = app.get("/v1/domains/fixme.example/history").await;
    assert_eq!(statuses(&history), ["none->pending", "pending->verified"]);
    assert_eq!(
        history["transitions"][1]["reason"],
        "every required record passes (spf fixme.example: missing → pass)"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_verified_domain_fails_only_after_fail_after_definitive_failures() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    app.register("demote.example", None).await;
    assert_eq!(
        app.until_checked("demote.example").await["status"],
        "verified"
    );

    // A second SPF record is a permanent error for every receiver.
    FixtureDns::shared()
        .add_txt("demote.example", "v=spf1 ip4:192.0.2.1 -all")
        .await;
    for round in 1..=2 {
        assert_eq!(app.advance_and_tick(2 * HOUR).await, 1);
        let (_, body) = app.get("/v1/domains/demote.example").await;
        assert_eq!(body["status"], "verified", "after {round} failing check(s)");
        assert_eq!(body["ready"], false);
    }
    assert_eq!(app.advance_and_tick(2 * HOUR).await, 1);
    let (_, body) = app.get("/v1/domains/demote.example").await;
    assert_eq!(body["status"], "failing", "{body:#}");

    let (_, history) = app.get("/v1/domains/demote.example/history").await;
    assert_eq!(
        statuses(&history),
        ["none->pending", "pending->verified", "verified->failing"]
    );
    let reason = history["transitions"][2]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("3 consecutive checks failed: spf demote.example: fail"),
        "{reason}"
    );

    let (_, failing) = app.get("/v1/domains?status=failing").await;
    assert_eq!(failing["domains"][0]["domain"], "demote.example");
    app.stop().await;
}

#[tokio::test]
async fn a_pending_domain_fails_when_the_propagation_window_runs_out() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    app.register("nothing-here.example", None).await;
    assert_eq!(
        app.until_checked("nothing-here.example").await["status"],
        "pending"
    );
    assert_eq!(app.advance_and_tick(71 * HOUR).await, 1);
    assert_eq!(
        app.get("/v1/domains/nothing-here.example").await.1["status"],
        "pending"
    );
    assert_eq!(app.advance_and_tick(2 * HOUR).await, 1);
    let (_, body) = app.get("/v1/domains/nothing-here.example").await;
    assert_eq!(body["status"], "failing");
    app.stop().await;
}

#[tokio::test]
async fn dns_timeouts_change_no_status_and_a_restart_keeps_every_answer() {
    let (db_url, _dir) = temp_db();
    let clock = {
        let start = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap();
        std::sync::Arc::new(sendercheck::clock::ManualClock::new(start))
    };
    let options = AppOptions {
        db_url: Some(db_url.clone()),
        clock: Some(clock.clone()),
        ..Default::default()
    };
    let app = spawn_app(options.clone()).await;
    app.register("good.example", Some("GOODKEY")).await;
    let verified = app.until_checked("good.example").await;
    assert_eq!(verified["status"], "verified");
    let (_, history_before) = app.get("/v1/domains/good.example/history").await;
    app.stop().await;

    // The same database, served again: every answer is as it was.
    let app = spawn_app(options.clone()).await;
    assert_eq!(app.get("/v1/domains/good.example").await.1, verified);
    assert_eq!(
        app.get("/v1/domains/good.example/history").await.1,
        history_before
    );
    app.stop().await;

    // Now DNS never answers: checks are inconclusive and the domain stays verified.
    let silent = SilentDns::start().unwrap();
    let app = spawn_app(AppOptions {
        nameserver: Some(silent.addr),
        ..options
    })
    .await;
    for _ in 0..4 {
        assert_eq!(app.advance_and_tick(2 * HOUR).await, 1);
    }
    let (_, body) = app.get("/v1/domains/good.example").await;
    assert_eq!(body["status"], "verified", "{body:#}");
    // Operators gate sending on `ready`: an outage keeps the last conclusive verdict.
    assert_eq!(body["ready"], true, "{body:#}");
    for record in body["records"].as_array().unwrap() {
        assert_eq!(record["status"], "error", "{record:#}");
        assert_eq!(
            record["last_conclusive"],
            serde_json::json!({"status": "pass", "checked_at": verified["checked_at"]}),
            "{record:#}"
        );
    }
    // The CSV tells the outage from a broken record.
    let csv = app.text("/v1/domains?format=csv").await;
    let row = csv.lines().nth(1).expect("a row");
    assert!(
        row.starts_with("good.example,mandrill,verified,true,"),
        "{csv}"
    );
    assert!(row.ends_with(",,spf;dkim;dmarc;verification"), "{csv}");
    assert_eq!(
        app.get("/v1/domains/good.example/history").await.1,
        history_before
    );
    app.stop().await;
}

#[tokio::test]
async fn lists_filter_by_status_and_page_by_domain() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    for domain in [
        "e.example",
        "b.example",
        "d.example",
        "a.example",
        "c.example",
    ] {
        assert_eq!(app.register(domain, None).await.0, 201);
    }
    app.register("good.example", Some("GOODKEY")).await;
    app.until_checked("good.example").await;

    let mut seen = Vec::new();
    let mut path = "/v1/domains?limit=2".to_string();
    loop {
        let (status, page) = app.get(&path).await;
        assert_eq!(status, 200, "{page}");
        let domains = page["domains"].as_array().unwrap();
        assert!(domains.len() <= 2);
        seen.extend(
            domains
                .iter()
                .map(|d| d["domain"].as_str().unwrap().to_string()),
        );
        match page["next"].as_str() {
            Some(next) => path = format!("/v1/domains?limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "a.example",
            "b.example",
            "c.example",
            "d.example",
            "e.example",
            "good.example"
        ]
    );
    let (_, verified) = app.get("/v1/domains?status=verified").await;
    let names: Vec<&str> = verified["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["domain"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["good.example"]);
    assert_eq!(verified["next"], Value::Null);

    for bad in [
        "status=done",
        "limit=0",
        "limit=1001",
        "limit=x",
        "sort=domain",
    ] {
        let (status, body) = app.get(&format!("/v1/domains?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["code"], "invalid_parameter", "{bad}");
    }
    app.stop().await;
}

#[tokio::test]
async fn check_now_delete_and_profiles() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    app.register("broken-spf.example", Some("BROKENKEY")).await;
    let (status, body) = app
        .call(Method::POST, "/v1/domains/broken-spf.example/check", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["records"][0]["fix"]["value"],
        "v=spf1 a include:spf.mandrillapp.com -all"
    );
    assert!(!body["checked_at"].is_null());

    let (status, body) = app
        .call(Method::DELETE, "/v1/domains/broken-spf.example", None)
        .await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, body) = app.get("/v1/domains/broken-spf.example").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(
        app.call(Method::DELETE, "/v1/domains/broken-spf.example", None)
            .await
            .0,
        404
    );
    assert_eq!(
        app.call(Method::POST, "/v1/domains/broken-spf.example/check", None)
            .await
            .0,
        404
    );
    // Its history is kept and stays readable, ending with the unregistration.
    let (status, history) = app.get("/v1/domains/broken-spf.example/history").await;
    assert_eq!(status, 200, "{history}");
    let last = history["transitions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            last["from"].as_str(),
            last["to"].as_str(),
            last["reason"].as_str()
        ),
        (Some("pending"), Some("unregistered"), Some("unregistered"))
    );

    let (status, profiles) = app.get("/v1/profiles").await;
    assert_eq!(status, 200);
    let mandrill = profiles["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|profile| profile["name"] == "mandrill")
        .unwrap();
    assert_eq!(mandrill["spf_include"], "spf.mandrillapp.com");
    app.stop().await;
}

#[tokio::test]
async fn bad_requests_get_the_contract_error_body() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    let expect = |(status, body): (u16, Value), want_status: u16, code: &str| {
        assert_eq!(status, want_status, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    };
    expect(
        app.register("shop..example", None).await,
        400,
        "invalid_domain",
    );
    expect(
        app.register("a%2Fb.example", None).await,
        400,
        "invalid_domain",
    );
    expect(
        app.call(
            Method::PUT,
            "/v1/domains/a.example",
            Some(json!({"profile": "nope"})),
        )
        .await,
        400,
        "unknown_profile",
    );
    expect(
        app.call(
            Method::PUT,
            "/v1/domains/a.example",
            Some(json!({"profile": 7})),
        )
        .await,
        400,
        "invalid_body",
    );
    expect(
        app.call(
            Method::PUT,
            "/v1/domains/a.example",
            Some(json!({"profil": "mandrill"})),
        )
        .await,
        400,
        "invalid_body",
    );
    expect(
        app.call(
            Method::PUT,
            "/v1/domains/a.example",
            Some(json!({"verification_token": "has space"})),
        )
        .await,
        400,
        "invalid_token",
    );
    let app_ref = &app;
    let raw = |body: &'static str| async move {
        let response = app_ref
            .client
            .put(app_ref.url("/v1/domains/a.example"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.unwrap())
    };
    expect(raw("{\"profile\":").await, 400, "invalid_json");
    let huge = format!("{{\"profile\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let response = app
        .client
        .put(app.url("/v1/domains/a.example"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "payload_too_large"
    );

    expect(app.get("/v1/nothing").await, 404, "not_found");
    expect(app.get("/nothing").await, 404, "not_found");
    expect(
        app.get("/v1/domains/unregistered.example").await,
        404,
        "not_found",
    );
    expect(
        app.get("/v1/domains/unregistered.example/history").await,
        404,
        "not_found",
    );
    expect(
        app.call(Method::PATCH, "/v1/domains/a.example", None).await,
        405,
        "method_not_allowed",
    );

    // The body is a JSON object: not empty, not an array, not a positional struct.
    expect(
        app.call(Method::PUT, "/v1/domains/empty-body.example", None)
            .await,
        400,
        "invalid_body",
    );
    for body in [
        json!([]),
        json!(["mandrill"]),
        json!("mandrill"),
        json!(null),
    ] {
        expect(
            app.call(Method::PUT, "/v1/domains/array.example", Some(body))
                .await,
            400,
            "invalid_body",
        );
    }
    // `{}` registers with the default profile.
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/domains/empty-body.example",
            Some(json!({})),
        )
        .await;
    assert_eq!((status, body["profile"].as_str()), (201, Some("mandrill")));
    app.stop().await;
}

#[tokio::test]
async fn a_field_left_out_of_a_put_keeps_its_stored_value_and_null_removes_it() {
    let app = spawn_app(AppOptions::default()).await;
    let put =
        |body: serde_json::Value| app.call(Method::PUT, "/v1/domains/good.example", Some(body));
    assert_eq!(put(json!({"verification_token": "GOODKEY"})).await.0, 201);
    app.until_checked("good.example").await;
    // `{}` changes nothing: the token stays, so the registration does not start over.
    let (status, body) = put(json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "verified", "{body:#}");
    let kinds: Vec<&str> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|record| record["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"verification"),
        "the token is still judged: {kinds:?}"
    );
    let (_, history) = app.get("/v1/domains/good.example/history").await;
    assert_eq!(
        history["transitions"].as_array().unwrap().len(),
        2,
        "{history:#}"
    );
    // An explicit null removes it: the registration changes.
    let (status, body) = put(json!({"verification_token": null})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "pending", "{body:#}");
    let (_, history) = app.get("/v1/domains/good.example/history").await;
    assert_eq!(
        history["transitions"][2]["reason"], "verification token changed",
        "{history:#}"
    );
    app.stop().await;
}

#[tokio::test]
async fn with_a_token_every_v1_request_needs_it_and_health_does_not() {
    let app = spawn_app(AppOptions {
        api_token: Some("s3cret-token".into()),
        ..Default::default()
    })
    .await;
    let send = |token: Option<&'static str>, path: &'static str| {
        let mut request = app.client.get(app.url(path));
        if let Some(token) = token {
            request = request.header("authorization", token);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let challenge = response.headers().get("www-authenticate").cloned();
            (status, challenge, response.json::<Value>().await.unwrap())
        }
    };
    for token in [
        None,
        Some("Bearer wrong"),
        Some("Bearer s3cret-toke"),
        Some("Basic s3cret-token"),
    ] {
        let (status, challenge, body) = send(token, "/v1/domains").await;
        assert_eq!(status, 401, "{token:?}");
        assert_eq!(body["error"]["code"], "unauthorized");
        assert!(challenge.is_some());
        assert!(
            !body.to_string().contains("s3cret"),
            "the token never shows"
        );
    }
    assert_eq!(send(None, "/v1/unknown-route").await.0, 401);
    assert_eq!(
        send(Some("Bearer s3cret-token"), "/v1/domains").await.0,
        200
    );
    assert_eq!(
        send(Some("bearer s3cret-token"), "/v1/profiles").await.0,
        200
    );
    assert_eq!(send(None, "/healthz").await.0, 200);
    let (status, _, body) = send(None, "/readyz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    app.stop().await;
}

#[tokio::test]
async fn a_fresh_daemon_shows_every_contract_series_before_any_check() {
    let app = spawn_app(AppOptions::default()).await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.unwrap();
    for expected in [
        "sendercheck_domains{status=\"pending\"} 0",
        "sendercheck_domains{status=\"verified\"} 0",
        "sendercheck_domains{status=\"failing\"} 0",
        "sendercheck_checks_total{outcome=\"pass\"} 0",
        "sendercheck_checks_total{outcome=\"fail\"} 0",
        "sendercheck_checks_total{outcome=\"error\"} 0",
        "sendercheck_check_duration_seconds_bucket{le=\"+Inf\"} 0",
        "sendercheck_check_duration_seconds_count 0",
        "sendercheck_check_duration_seconds_sum 0",
        "sendercheck_dns_servers_held_back 0",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_scrape_counts_the_domains_table_at_most_every_five_seconds() {
    let app = spawn_app(AppOptions::default()).await;
    let scrape = || app.text("/metrics");
    assert!(
        scrape()
            .await
            .contains("sendercheck_domains{status=\"pending\"} 0")
    );
    app.register("nothing-here.example", None).await;
    // Within five seconds of the last count, scrapes reuse it: no count of the table each.
    for _ in 0..3 {
        assert!(
            scrape()
                .await
                .contains("sendercheck_domains{status=\"pending\"} 0")
        );
    }
    app.clock.advance(Duration::from_secs(5));
    assert!(
        scrape()
            .await
            .contains("sendercheck_domains{status=\"pending\"} 1")
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_and_openapi_are_served() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    app.register("good.example", Some("GOODKEY")).await;
    app.until_checked("good.example").await;
    app.register("nothing-here.example", None).await;
    app.until_checked("nothing-here.example").await;
    app.get("/v1/domains/does-not-exist.example").await;

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    for expected in [
        "sendercheck_domains{status=\"verified\"} 1",
        "sendercheck_domains{status=\"pending\"} 1",
        "sendercheck_domains{status=\"failing\"} 0",
        "sendercheck_checks_total{outcome=\"pass\"} 1",
        "sendercheck_checks_total{outcome=\"fail\"} 1",
        "sendercheck_check_duration_seconds_count 2",
        "sendercheck_dns_queries_total{outcome=\"answer\"}",
        "sendercheck_dns_queries_total{outcome=\"nxdomain\"}",
        "sendercheck_checks_in_flight 0",
        "sendercheck_scheduler_lag_seconds 0",
        "sendercheck_http_requests_total{route=\"/v1/domains/{domain}\",method=\"PUT\",status=\"201\"} 2",
        "sendercheck_http_requests_total{route=\"/v1/domains/{domain}\",method=\"GET\",status=\"404\"} 1",
        "sendercheck_http_request_duration_seconds_bucket{route=\"/v1/domains/{domain}\",method=\"GET\"",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(
        !text.contains("good.example"),
        "no per-domain series unless metrics.per_domain"
    );

    let (status, document) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/v1/dkim/verify"]["post"].is_object());
    // The profiles this daemon knows are the only values `profile` takes (schemathesis found
    // "" and other strings documented as valid, then refused).
    assert_eq!(
        document["components"]["schemas"]["RegisterBody"]["properties"]["profile"]["enum"],
        {
            let mut names: Vec<Value> = sendercheck::profile::Profiles::default()
                .names()
                .map(|name| json!(name))
                .collect();
            names.push(Value::Null);
            Value::Array(names)
        }
    );
    // Propagation: the record's object, the domain's valid_after.
    let schemas = &document["components"]["schemas"];
    assert!(
        schemas["DomainObject"]["properties"]["valid_after"].is_object(),
        "{:#}",
        schemas["DomainObject"]
    );
    assert!(schemas["RecordCheck"]["properties"]["propagation"].is_object());
    let states = schemas["PropagationStateObject"]["enum"].to_string();
    for state in ["published", "propagating", "not_published", "inconsistent"] {
        assert!(states.contains(state), "{states}");
    }
    for field in ["state", "servers", "resolver", "expected_at"] {
        assert!(
            schemas["Propagation"]["properties"][field].is_object(),
            "{field}: {:#}",
            schemas["Propagation"]
        );
    }
    let params = &document["components"]["schemas"]["RegisterBody"]["properties"]["params"];
    assert_eq!(params["additionalProperties"], false, "{params}");
    // One profile declares `code`: its pattern is the schema's. Several declare `token`, each
    // with its own pattern: the schema leaves it to the profile.
    assert_eq!(
        params["properties"]["code"]["pattern"], "^[0-9a-f]{32}$",
        "{params}"
    );
    assert!(
        params["properties"]["token"]["pattern"].is_null(),
        "{params}"
    );
    app.stop().await;
}

#[tokio::test]
async fn csv_export_streams_every_matching_domain_in_order() {
    use sendercheck::store::Registration;
    let (db_url, _dir) = temp_db();
    let app = spawn_app(AppOptions {
        db_url: Some(db_url.clone()),
        ..Default::default()
    })
    .await;
    app.register("good.example", Some("GOODKEY")).await;
    app.until_checked("good.example").await;
    app.register("broken-spf.example", None).await;
    app.until_checked("broken-spf.example").await;
    // More than two pages of the export, written straight through the daemon's store.
    let store = app.store.clone();
    let bulk: Vec<Registration> = (0..2500)
        .map(|n| Registration {
            domain: format!("bulk{n:05}.example"),
            profile: "mandrill".into(),
            token: None,
            params: Default::default(),
        })
        .collect();
    let far = chrono::Utc::now() + chrono::Duration::days(1);
    assert_eq!(
        store
            .register_all(&bulk, chrono::Utc::now(), far)
            .await
            .unwrap(),
        2500
    );

    let response = app
        .client
        .get(app.url("/v1/domains?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|line| !line.is_empty()).collect();
    assert_eq!(
        lines[0],
        "domain,profile,status,ready,checked_at,failing,dns_errors"
    );
    assert_eq!(lines.len(), 1 + 2502);
    assert!(
        lines[1].starts_with("broken-spf.example,mandrill,pending,false,20"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",spf,"), "{}", lines[1]);
    assert_eq!(lines[2], "bulk00000.example,mandrill,pending,false,,,");
    assert!(
        lines[2502].starts_with("good.example,mandrill,verified,true,20"),
        "{}",
        lines[2502]
    );
    let mut sorted = lines[1..].to_vec();
    sorted.sort();
    assert_eq!(sorted, lines[1..], "in domain order");

    let verified = app
        .client
        .get(app.url("/v1/domains?status=verified"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(verified.lines().count(), 2);
    let capped = app
        .client
        .get(app.url("/v1/domains?format=csv&limit=10"))
        .send()
        .await
        .unwrap();
    assert_eq!(capped.text().await.unwrap().lines().count(), 11);
    assert_eq!(app.get("/v1/domains?format=xml").await.0, 400);
    app.stop().await;
}

#[tokio::test]
async fn a_backlog_is_worked_off_without_waiting_for_ticks() {
    use sendercheck::store::{Registration, SqliteStore, Store};
    let (db_url, _dir) = temp_db();
    // Six domains due now, two check slots, and a tick once an hour: only taking more work as
    // slots free up gets through them.
    let store = SqliteStore::connect(&db_url).await.unwrap();
    let due: Vec<Registration> = (0..6)
        .map(|n| Registration {
            domain: format!("backlog{n}.example"),
            profile: "mandrill".into(),
            token: None,
            params: Default::default(),
        })
        .collect();
    let now = chrono::Utc::now();
    store
        .register_all(
            &due,
            now - chrono::Duration::minutes(1),
            now - chrono::Duration::minutes(1),
        )
        .await
        .unwrap();
    store.close().await;
    let scheduler = sendercheck::config::SchedulerConfig {
        tick: HOUR,
        concurrency: 2,
        ..Default::default()
    };
    let app = spawn_app(AppOptions {
        db_url: Some(db_url),
        scheduler: Some(scheduler),
        ..Default::default()
    })
    .await;
    for n in 0..6 {
        app.until_checked(&format!("backlog{n}.example")).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn profile_parameters_are_registered_checked_and_shown() {
    let app = spawn_app(AppOptions::default()).await;
    // `params.token` is the ownership token under its contract name.
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/domains/good.example",
            Some(json!({"profile": "mandrill", "params": {"token": "GOODKEY"}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["params"], json!({}), "the token is not shown: {body}");
    let checked = app.until_checked("good.example").await;
    assert_eq!(checked["status"], "verified", "{checked:#}");
    // An unknown parameter: 400 invalid_params; a malformed token keeps its own code.
    for (body, code) in [
        (json!({"params": {"region": "eu"}}), "invalid_params"),
        (json!({"params": {"token": "has space"}}), "invalid_token"),
    ] {
        let (status, answer) = app
            .call(Method::PUT, "/v1/domains/good.example", Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
    }
    // A value its pattern refuses is named with what the profile says it is, not only the
    // pattern: support passes this on to the customer.
    let (status, answer) = app
        .call(
            Method::PUT,
            "/v1/domains/good.example",
            Some(json!({"profile": "mailgun", "params": {"region": "ap"}})),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_params", "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"region\" does not look like what the profile asks for: us or eu"),
        "{answer}"
    );
    // Under both names, params.token is the token used.
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/domains/good.example",
            Some(json!({"verification_token": "OLD", "params": {"token": "GOODKEY"}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn one_profile_is_served_with_its_parameters_and_records() {
    let app = spawn_app(AppOptions::default()).await;
    let (status, profile) = app.get("/v1/profiles/mandrill").await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["title"], "Mailchimp Transactional (Mandrill)");
    assert_eq!(profile["records"][1]["name"], "mte1._domainkey.{domain}");
    assert_eq!(profile["records"][1]["type"], "CNAME");
    // The first release's fields are still there.
    assert_eq!(profile["spf_include"], "spf.mandrillapp.com");
    let (status, body) = app.get("/v1/profiles/nope").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    app.stop().await;
}

#[tokio::test]
async fn check_now_answers_the_verdict_and_stores_nothing() {
    let app = spawn_app(AppOptions::default()).await;
    let (status, report) = app
        .call(
            Method::POST,
            "/v1/check",
            Some(json!({"domain": "Good.Example.", "profile": "mandrill", "params": {"token": "GOODKEY"}})),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["domain"], "good.example");
    assert_eq!(report["ready"], true, "{report:#}");
    assert_eq!(report["records"].as_array().unwrap().len(), 5);
    // The same JSON as `check --format json`, and nothing registered.
    let cli = crate::support::json(&crate::support::check(&[
        "good.example",
        "--token",
        "GOODKEY",
        "--format",
        "json",
    ]));
    // Equal but for the time each was checked at.
    let untimed = |mut report: Value| {
        report.as_object_mut().unwrap().remove("valid_after");
        report
    };
    assert!(report["valid_after"].is_string() && cli["valid_after"].is_string());
    assert_eq!(untimed(report.clone()), untimed(cli));
    assert_eq!(app.get("/v1/domains/good.example").await.0, 404);
    for (body, code) in [
        (json!({"domain": "co.uk"}), "invalid_domain"),
        (
            json!({"domain": "good.example", "profile": "nope"}),
            "unknown_profile",
        ),
        (
            json!({"domain": "good.example", "params": {"x": "1"}}),
            "invalid_params",
        ),
        (json!({"profile": "mandrill"}), "invalid_body"),
    ] {
        let (status, answer) = app
            .call(Method::POST, "/v1/check", Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
    }
    app.stop().await;
}

#[tokio::test]
async fn lists_and_the_csv_export_search_by_substring() {
    let app = spawn_app(AppOptions::default()).await;
    for domain in ["good.example", "broken-spf.example", "bücher.example"] {
        app.register(domain, None).await;
    }
    let names = |body: &Value| -> Vec<String> {
        body["domains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|domain| domain["domain"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, body) = app.get("/v1/domains?q=SPF").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["broken-spf.example"]);
    // Unicode is looked for in its A-label form.
    let (_, body) = app.get("/v1/domains?q=b%C3%BCcher").await;
    assert_eq!(names(&body), ["xn--bcher-kva.example"]);
    let (_, body) = app.get("/v1/domains?q=").await;
    assert_eq!(names(&body).len(), 3, "an empty search keeps all");
    let (status, body) = app.get(&format!("/v1/domains?q={}", "a".repeat(300))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_parameter"))
    );
    let csv = app.text("/v1/domains?format=csv&q=good").await;
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert!(rows[0].starts_with("good.example,"), "{csv}");
    app.stop().await;
}

#[tokio::test]
async fn a_paused_registration_keeps_its_state_and_is_not_checked_until_resumed() {
    let app = spawn_app(AppOptions::default()).await;
    app.register("good.example", Some("GOODKEY")).await;
    let checked = app.until_checked("good.example").await;
    assert_eq!(checked["status"], "verified");
    assert_eq!(checked["paused"], false);
    let pause = |paused: Value| {
        app.call(
            Method::PUT,
            "/v1/domains/good.example",
            Some(json!({"paused": paused})),
        )
    };
    let (status, paused) = pause(json!(true)).await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(paused["paused"], true);
    assert_eq!(paused["status"], "verified", "the status is kept");
    assert_eq!(paused["checked_at"], checked["checked_at"]);
    // Days pass: the scheduler leaves it alone, and a manual check is refused.
    assert_eq!(
        app.advance_and_tick(Duration::from_secs(3 * 86_400)).await,
        0
    );
    let (status, body) = app
        .call(Method::POST, "/v1/domains/good.example/check", None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("paused"))
    );
    let (_, listed) = app.get("/v1/domains?paused=true").await;
    assert_eq!(listed["domains"][0]["domain"], "good.example");
    let (_, running) = app.get("/v1/domains?paused=false").await;
    assert_eq!(running["domains"], json!([]));
    let (status, _) = app.get("/v1/domains?paused=maybe").await;
    assert_eq!(status, 400);
    let (status, body) = pause(json!("yes")).await;
    assert_eq!(status, 400, "{body}");
    // A PUT that leaves `paused` out keeps it.
    let (_, kept) = app
        .call(
            Method::PUT,
            "/v1/domains/good.example",
            Some(json!({"profile": "mandrill"})),
        )
        .await;
    assert_eq!(kept["paused"], true);
    // Resumed: checked again at once.
    let (status, resumed) = pause(json!(false)).await;
    assert_eq!(status, 200);
    assert_eq!(resumed["paused"], false);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, now) = app.get("/v1/domains/good.example").await;
        if now["checked_at"] != checked["checked_at"] {
            assert_eq!(now["status"], "verified");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not checked after resuming"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Paused, unregistered, registered again: a fresh registration, not paused, unless the
    // new body says so.
    let (status, _) = pause(json!(true)).await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(Method::DELETE, "/v1/domains/good.example", None)
        .await;
    assert_eq!(status, 204);
    let (status, fresh) = app
        .call(Method::PUT, "/v1/domains/good.example", Some(json!({})))
        .await;
    assert_eq!(status, 201, "{fresh}");
    assert_eq!(fresh["paused"], false, "{fresh}");
    app.call(Method::DELETE, "/v1/domains/good.example", None)
        .await;
    let (status, asked) = app
        .call(
            Method::PUT,
            "/v1/domains/good.example",
            Some(json!({"paused": true})),
        )
        .await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!(asked["paused"], true, "{asked}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_older_than_its_retention_is_pruned_at_start_and_counted() {
    use sendercheck::clock::ManualClock;
    let (db_url, _dir) = crate::support::temp_db();
    let start = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let clock = std::sync::Arc::new(ManualClock::new(start));
    let options = AppOptions {
        db_url: Some(db_url),
        clock: Some(clock.clone()),
        ..AppOptions::default()
    };
    let app = spawn_app(options.clone()).await;
    // Three transitions: registered, then twice back to pending as the token changes.
    assert_eq!(app.register("kept.example", None).await.0, 201);
    assert_eq!(app.register("kept.example", Some("A")).await.0, 200);
    assert_eq!(app.register("kept.example", Some("B")).await.0, 200);
    let (_, history) = app.get("/v1/domains/kept.example/history").await;
    assert_eq!(history["transitions"].as_array().unwrap().len(), 3);
    app.stop().await;

    // 401 days later (transitions are kept 400): the start-up pruning keeps only the one
    // that set the current status.
    clock.advance(std::time::Duration::from_secs(401 * 24 * 3600));
    let app = spawn_app(options).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, history) = app.get("/v1/domains/kept.example/history").await;
        if history["transitions"].as_array().unwrap().len() == 1 {
            assert_eq!(
                history["transitions"][0]["reason"],
                "verification token changed"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{history}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("sendercheck_retention_deleted_total{table=\"transitions\"} 2"),
        "{metrics}"
    );
    app.stop().await;
}

/// Every record object carries the stable code of its message and of each warning, codes
/// `GET /v1/codes` lists with their templates; the stored result carries them too.
#[tokio::test]
async fn every_record_and_warning_has_a_code_that_get_v1_codes_lists() {
    let app = spawn_app(AppOptions::default()).await;
    let (status, listed) = app.get("/v1/codes").await;
    assert_eq!(status, 200, "{listed}");
    let listed = listed["codes"].as_array().unwrap().clone();
    let known: std::collections::BTreeSet<&str> =
        listed.iter().map(|c| c["code"].as_str().unwrap()).collect();
    let missing = listed
        .iter()
        .find(|c| c["code"] == "spf.include_missing")
        .expect("spf.include_missing is listed");
    assert_eq!(
        missing["message"],
        "SPF record does not include { $provider }"
    );
    assert_eq!(missing["params"], json!(["provider"]));
    let check_codes = |record: &Value| {
        let code = record["code"].as_str().unwrap();
        assert!(known.contains(code), "{code} is not listed: {record:#}");
        let warnings = record["warnings"].as_array().unwrap();
        let codes = record["warning_codes"].as_array().unwrap();
        assert_eq!(warnings.len(), codes.len(), "{record:#}");
        for code in codes {
            assert!(known.contains(code.as_str().unwrap()), "{record:#}");
        }
    };
    let (status, report) = app
        .call(
            Method::POST,
            "/v1/check",
            Some(json!({"domain": "broken-spf.example"})),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    let spf = &report["records"][0];
    assert_eq!(spf["kind"], "spf");
    assert_ne!(spf["status"], "pass", "{spf:#}");
    report["records"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(check_codes);

    assert_eq!(app.register("broken-spf.example", None).await.0, 201);
    let stored = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            let (_, domain) = app.get("/v1/domains/broken-spf.example").await;
            if domain["checked_at"].is_string() {
                break domain;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the first check is stored within 30 s");
    stored["records"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(check_codes);
    assert_eq!(stored["records"][0]["code"], spf["code"]);

    let (status, refused) = app.get("/v1/codes?lang=xx").await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_parameter");
    app.stop().await;
}

/// GET /v1/domains/{d} with `Accept-Encoding: accept`: the status, the headers named, the body
/// (gunzipped when it came gzip).
async fn read_encoded(
    app: &crate::support::TestApp,
    path: &str,
    accept: &str,
) -> (u16, Option<String>, Option<String>, Value) {
    use std::io::Read;
    let response = app
        .client
        .get(app.url(path))
        .header("accept-encoding", accept)
        .send()
        .await
        .expect("the daemon answers");
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_string())
    };
    let (encoding, vary) = (header("content-encoding"), header("vary"));
    let bytes = response.bytes().await.expect("a body");
    let text = if encoding.as_deref() == Some("gzip") {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut text)
            .expect("a gzip body");
        text
    } else {
        bytes.to_vec()
    };
    let body = serde_json::from_slice(&text).expect("JSON");
    (status, encoding, vary, body)
}

#[tokio::test]
async fn status_reads_are_kept_compressed_sent_as_kept_to_gzip_clients_and_never_stale() {
    let app = spawn_app(AppOptions::default()).await;
    app.register("good.example", Some("GOODKEY")).await;
    let checked = app.until_checked("good.example").await;
    let path = "/v1/domains/good.example";
    let (_, plain) = app.get(path).await;
    assert_eq!(plain, checked);
    // First read renders and keeps the body, the next ones send what was kept: all the same
    // JSON, gzip only to a client that takes it.
    for accept in ["gzip", "br, gzip;q=0.5", "x-gzip", "*"] {
        for _ in 0..2 {
            let (status, encoding, vary, body) = read_encoded(&app, path, accept).await;
            assert_eq!(status, 200);
            assert_eq!(encoding.as_deref(), Some("gzip"), "{accept}");
            assert_eq!(vary.as_deref(), Some("accept-encoding"));
            assert_eq!(body, plain, "{accept}");
        }
    }
    for accept in ["identity", "gzip;q=0, *", "br", "*;q=0"] {
        let (status, encoding, vary, body) = read_encoded(&app, path, accept).await;
        assert_eq!(status, 200);
        assert_eq!(encoding, None, "{accept}");
        assert_eq!(vary.as_deref(), Some("accept-encoding"));
        assert_eq!(body, plain, "{accept}");
    }
    // Another language is rendered for the request, never the kept English body.
    let (_, encoding, _, french) = read_encoded(&app, &format!("{path}?lang=fr"), "gzip").await;
    assert_eq!(encoding, None);
    assert_ne!(french["records"], plain["records"]);
    // A write forgets the kept body: the next read, in either encoding, shows the change.
    let (status, _) = app
        .call(Method::PUT, path, Some(json!({"paused": true})))
        .await;
    assert_eq!(status, 200);
    for accept in ["gzip", "identity"] {
        let (_, _, _, body) = read_encoded(&app, path, accept).await;
        assert_eq!(body["paused"], true, "{accept}");
    }
    app.stop().await;
}

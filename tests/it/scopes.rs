//! Every route with each scope: the route table is the one place a route's owner scope is
//! decided, and each route answers each kind of token as that scope says — 401 without a
//! token or with one no one has (the configured SHA-256 itself included), 403
//! `forbidden_scope` below the scope, and through when it suffices.

use std::collections::BTreeMap;

use reqwest::Method;
use sendercheck::api::access::Access;
use sendercheck::auth::{NamedToken, Scope, digest, hex};

use crate::support::{AppOptions, TestApp, spawn_app};

fn token(scope: Scope) -> String {
    format!("{scope}-token-0123456789")
}

fn tokens() -> Vec<NamedToken> {
    Scope::ALL
        .into_iter()
        .map(|scope| NamedToken {
            name: format!("{scope}-team"),
            sha256: digest(&token(scope)),
            scope,
        })
        .collect()
}

/// A request to `path` (its `{…}` filled in) that reaches the handler.
fn concrete(path: &str) -> String {
    path.replace("{domain}", "scoped.example")
        .replace("{name}", "mandrill")
        .replace("{id}", "1")
}

/// A client from its own loopback address: each route's failures count apart (30 a minute).
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 1, last]))
        .build()
        .unwrap()
}

async fn send(app: &TestApp, method: &Method, path: &str, bearer: Option<&str>) -> (u16, String) {
    send_from(&app.client, app, method, path, bearer).await
}

async fn send_from(
    client: &reqwest::Client,
    app: &TestApp,
    method: &Method,
    path: &str,
    bearer: Option<&str>,
) -> (u16, String) {
    let mut request = client
        .request(method.clone(), app.url(&concrete(path)))
        .header("content-type", "application/json")
        .body("{}");
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[test]
fn each_route_has_the_scope_the_contract_gives_it() {
    let routes = sendercheck::api::all_routes(&sendercheck::config::Limits::default());
    let public = [
        "GET /healthz",
        "GET /readyz",
        "GET /openapi.json",
        "GET /login",
        "POST /login",
        "POST /logout",
        "GET /assets/style.css",
        "GET /assets/app.js",
    ];
    let mut by_route = BTreeMap::new();
    for route in &routes {
        let name = format!("{} {}", route.method, route.path);
        let expected = if public.contains(&name.as_str()) {
            None
        } else if route.path == "/v1/webhooks/deliveries/{id}/retry"
            || route.path == "/v1/audit"
            || route.path == "/audit"
        {
            Some(Scope::Admin)
        } else if route.method == Method::GET {
            // read: every GET of /v1/, /metrics and the pages.
            Some(Scope::Read)
        } else if [
            "/v1/check",
            "/v1/domains/{domain}/check",
            "/v1/dkim/verify",
            "/v1/smtp/probe",
            "/domains/{domain}/check",
            "/domains/{domain}/smtp-probe",
            "/dkim",
        ]
        .contains(&route.path)
        {
            Some(Scope::Check)
        } else {
            Some(Scope::Write)
        };
        assert_eq!(route.access.scope(), expected, "{name}");
        let api = route.path.starts_with("/v1/") || route.path == "/metrics";
        match route.access {
            Access::Api(_) => assert!(api, "{name} is a page: its scope comes by session"),
            Access::Page(_) => assert!(!api, "{name} is the API's: its scope comes by bearer"),
            Access::Public => {}
        }
        by_route.insert(name, route.access);
    }
    assert_eq!(
        by_route.len(),
        routes.len(),
        "one entry per method and path"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_answers_each_scope_as_its_own_scope_says() {
    let app = spawn_app(AppOptions {
        tokens: tokens(),
        ..AppOptions::default()
    })
    .await;
    let routes = sendercheck::api::routes(&sendercheck::config::Limits::default());
    for (index, route) in routes.iter().enumerate() {
        let name = format!("{} {}", route.method, route.path);
        let client = client_from(index as u8 + 1);
        let send = async |method: &Method, path: &str, bearer: Option<&str>| {
            send_from(&client, &app, method, path, bearer).await
        };
        let Some(needed) = route.access.scope() else {
            let (status, _) = send(&route.method, route.path, None).await;
            assert!(status < 400, "{name} is public: {status}");
            continue;
        };
        let hash = hex(&digest(&token(Scope::Admin)));
        for bearer in [None, Some("not-a-token-0123456789"), Some(hash.as_str())] {
            let (status, body) = send(&route.method, route.path, bearer).await;
            assert_eq!(status, 401, "{name} with {bearer:?}: {body}");
            assert!(body.contains("unauthorized"), "{body}");
        }
        for scope in Scope::ALL {
            let (status, body) = send(&route.method, route.path, Some(&token(scope))).await;
            if scope.allows(needed) {
                assert!(
                    status != 401 && status != 403,
                    "{name} refused {scope}: {status} {body}"
                );
            } else {
                assert_eq!(status, 403, "{name} let {scope} through: {body}");
                let error: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(error["error"]["code"], "forbidden_scope");
                let message = error["error"]["message"].as_str().unwrap();
                assert!(
                    message.contains(&format!("{scope}-team"))
                        && message.contains(&format!("needs {needed}")),
                    "{message}"
                );
            }
        }
    }
    // An unknown /v1/ route tells nothing without a token.
    assert_eq!(send(&app, &Method::GET, "/v1/nothing", None).await.0, 401);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token(Scope::Read))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for reason in ["missing", "unknown", "forbidden_scope"] {
        let line = metrics
            .lines()
            .find(|line| {
                line.starts_with(&format!(
                    "sendercheck_auth_failures_total{{reason=\"{reason}\"}}"
                ))
            })
            .unwrap_or_else(|| panic!("no {reason} series"));
        let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(count > 0.0, "{line}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_that_keeps_guessing_is_refused_for_the_rest_of_the_minute() {
    let app = spawn_app(AppOptions {
        tokens: tokens(),
        ..AppOptions::default()
    })
    .await;
    let limit = sendercheck::api::access::FAILURES_PER_MINUTE;
    for guess in 0..limit {
        let (status, _) = send(
            &app,
            &Method::GET,
            "/v1/profiles",
            Some(&format!("guess-{guess}")),
        )
        .await;
        assert_eq!(status, 401);
    }
    let response = app
        .client
        .get(app.url("/v1/profiles"))
        .bearer_auth(token(Scope::Admin))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429, "even a right token waits");
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_failures");
    // Health and readiness stay open.
    assert_eq!(send(&app, &Method::GET, "/healthz", None).await.0, 200);
    app.stop().await;
}

/// The `csrf` value a page's form carries.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..].chars().take_while(|c| *c != '"').collect()
}

/// The `name=value` of the session cookie a response sets.
fn session_cookie(response: &reqwest::Response) -> String {
    crate::support::cookie_of(response)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_through_the_api_or_the_pages_is_in_the_audit_log_with_its_token() {
    let dns = crate::fixture_dns::FixtureDns::start_own();
    let app = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        tokens: tokens(),
        inbound: Some(sendercheck::config::InboundConfig {
            domain: Some(sendercheck::domain::DomainName::parse("check.platform.example").unwrap()),
            ..Default::default()
        }),
        ..AppOptions::default()
    })
    .await;
    let call = async |method: Method, path: &str, scope: Scope, body: serde_json::Value| {
        let response = app
            .client
            .request(method, app.url(path))
            .bearer_auth(token(scope))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response
                .json::<serde_json::Value>()
                .await
                .unwrap_or_default(),
        )
    };
    let empty = serde_json::json!({});
    assert_eq!(
        call(
            Method::PUT,
            "/v1/domains/audit.example",
            Scope::Write,
            serde_json::json!({"verification_token": "KEY"})
        )
        .await
        .0,
        201
    );
    assert_eq!(
        call(
            Method::PUT,
            "/v1/domains/audit.example",
            Scope::Write,
            serde_json::json!({"paused": true})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::PUT,
            "/v1/domains/audit.example",
            Scope::Admin,
            serde_json::json!({"paused": false})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/v1/domains/audit.example/check",
            Scope::Check,
            empty.clone()
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/v1/domains/audit.example/test-address",
            Scope::Write,
            empty.clone()
        )
        .await
        .0,
        201
    );
    // A read changes nothing and leaves nothing.
    assert_eq!(
        call(
            Method::GET,
            "/v1/domains/audit.example",
            Scope::Read,
            empty.clone()
        )
        .await
        .0,
        200
    );

    // Through the pages, signed in with the check token: a check now, then a refused delete.
    let login = app.client.get(app.url("/login")).send().await.unwrap();
    let anonymous = session_cookie(&login);
    let csrf = csrf_of(&login.text().await.unwrap());
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = no_redirects
        .post(app.url("/login"))
        .header("cookie", &anonymous)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&token={}&next=/", token(Scope::Check)))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303);
    let cookie = session_cookie(&signed_in);
    let page = app
        .client
        .get(app.url("/domains/audit.example"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Signed in as"), "{page}");
    let csrf = csrf_of(&page);
    let checked = no_redirects
        .post(app.url("/domains/audit.example/check"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert!(checked.status().as_u16() < 400, "{}", checked.status());
    let refused = no_redirects
        .post(app.url("/domains/audit.example/delete"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(
        call(
            Method::DELETE,
            "/v1/domains/audit.example",
            Scope::Admin,
            empty.clone()
        )
        .await
        .0,
        204
    );

    let (status, log) = call(Method::GET, "/v1/audit", Scope::Admin, empty.clone()).await;
    assert_eq!(status, 200, "{log}");
    let entries: Vec<(String, String)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            assert_eq!(entry["domain"], "audit.example", "{entry}");
            (
                entry["action"].as_str().unwrap().to_string(),
                entry["token"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("delete", "admin-team"),
        ("check", "check-team"),
        ("test_address", "write-team"),
        ("check", "check-team"),
        ("resume", "admin-team"),
        ("pause", "write-team"),
        ("register", "write-team"),
    ]
    .iter()
    .map(|(action, token)| (action.to_string(), token.to_string()))
    .collect();
    assert_eq!(entries, expected, "{log:#}");
    let (_, only) = call(
        Method::GET,
        "/v1/audit?token=check-team&limit=1",
        Scope::Admin,
        empty.clone(),
    )
    .await;
    assert_eq!(only["entries"].as_array().unwrap().len(), 1);
    assert_eq!(only["entries"][0]["token"], "check-team");
    let (_, other) = call(
        Method::GET,
        "/v1/audit?domain=other.example",
        Scope::Admin,
        empty.clone(),
    )
    .await;
    assert!(other["entries"].as_array().unwrap().is_empty());
    assert_eq!(
        call(
            Method::GET,
            "/v1/audit?limit=0",
            Scope::Admin,
            empty.clone()
        )
        .await
        .0,
        400
    );
    // The audit log is an admin's: even a write token may not read it.
    let (status, body) = call(Method::GET, "/v1/audit", Scope::Write, empty.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden_scope"))
    );
    // Its page likewise.
    let page = no_redirects
        .get(app.url("/audit"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 403);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_route_answers_each_scope_as_its_own_scope_says() {
    let app = spawn_app(AppOptions {
        tokens: tokens(),
        ..AppOptions::default()
    })
    .await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let routes: Vec<_> = sendercheck::api::all_routes(&sendercheck::config::Limits::default())
        .into_iter()
        .filter(|route| matches!(route.access, Access::Page(_)))
        .collect();
    // Deleting goes last, so the other routes still find the domain.
    let mut routes = routes;
    routes.sort_by_key(|route| route.path.ends_with("/delete"));
    for scope in Scope::ALL {
        let registered = app
            .client
            .put(app.url("/v1/domains/scoped.example"))
            .bearer_auth(token(Scope::Admin))
            .json(&serde_json::json!({"paused": false}))
            .send()
            .await
            .unwrap();
        assert!(registered.status().is_success());
        // Signed in with this scope's token, with the session's CSRF token for every form.
        let login = app.client.get(app.url("/login")).send().await.unwrap();
        let anonymous = session_cookie(&login);
        let csrf = csrf_of(&login.text().await.unwrap());
        let signed_in = no_redirects
            .post(app.url("/login"))
            .header("cookie", &anonymous)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}&token={}&next=/domains", token(scope)))
            .send()
            .await
            .unwrap();
        let cookie = session_cookie(&signed_in);
        let page = app
            .client
            .get(app.url("/domains"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&page);
        for route in &routes {
            let Some(needed) = route.access.scope() else {
                continue;
            };
            let name = format!("{} {}", route.method, route.path);
            let response = no_redirects
                .request(route.method.clone(), app.url(&concrete(route.path)))
                .header("cookie", &cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf={csrf}&domain=scoped.example&paused=true"))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .map(|value| value.to_str().unwrap().to_string());
            let body = response.text().await.unwrap_or_default();
            assert!(
                !location.is_some_and(|to| to.starts_with("/login")),
                "{name} sent a signed-in {scope} session to sign in"
            );
            if scope.allows(needed) {
                assert_ne!(status, 403, "{name} refused {scope}: {body}");
            } else {
                assert_eq!(status, 403, "{name} let {scope} through");
                assert!(body.contains(&format!("this needs {needed}")), "{body}");
            }
        }
    }
    app.stop().await;
}

//! The HTTP API: the only module that knows HTTP and JSON. Routes, authentication, limits,
//! metrics of every request, the OpenAPI document, and the mapping of every error to the
//! contract's JSON body.

pub mod access;
pub(crate) mod audit;
mod check;
mod codes;
mod dkim;
mod domains;
mod error;
mod extract;
mod health;
pub mod messages;
mod metrics;
pub mod openapi;
pub mod profiles;
pub mod server;
pub(crate) mod smtp;
pub(crate) mod ui;
pub mod webhooks;
pub mod wire;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use tower::util::MapRequestLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::config::Limits;
use crate::profile::Profiles;
use crate::scheduler::Scheduler;
use crate::store::Store;
use crate::telemetry::Metrics;

/// What every handler can reach. One shared value: axum clones the state for each extractor
/// and middleware that asks for it, so a clone is one reference count rather than one per
/// field (issue 31: the field-by-field clone and drop were 3.5% of a status read's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state's fields (`AppState` derefs to them).
pub struct Shared {
    pub store: Arc<dyn Store>,
    /// The language of words when a request asks for none (`[defaults] lang`).
    pub lang: crate::text::Lang,
    pub scheduler: Scheduler,
    /// The profiles, the default one, the token and the page sessions' key: SIGHUP may swap
    /// each (`crate::reload`), so a handler loads them once and uses what it loaded.
    pub profiles: crate::reload::Swap<Profiles>,
    pub tokens: crate::reload::Swap<crate::auth::Tokens>,
    /// Failed authentications per client address (`access::admit`).
    pub auth_failures: Arc<access::FailureLimiter>,
    pub request_timeout: Duration,
    pub limits: Limits,
    /// The longest a client may take to send a request body.
    pub body_timeout: Duration,
    pub metrics: Arc<Metrics>,
    /// The profile used when a request names none.
    pub default_profile: crate::reload::Swap<String>,
    /// DKIM key answers reused for their TTL (at most 5 minutes) by `POST /v1/dkim/verify`.
    pub dkim_keys: Arc<crate::message::dkim::KeyAnswers>,
    /// Signs the web pages' sessions and CSRF tokens; drawn at start.
    pub ui_keys: crate::reload::Swap<ui::session::Keys>,
    /// This process's replica id (`store.replica_id`).
    pub replica: Arc<str>,
    /// Which SMTP gateways `POST /v1/smtp/probe` may test, and how many at once.
    pub smtp: Arc<crate::smtp::Policy>,
    /// Without a token: host names `Host` may carry besides loopback and `localhost`.
    pub allowed_hosts: Arc<[String]>,
    /// The store's counts `/metrics` shows, reused for a few seconds.
    pub store_counts: Arc<tokio::sync::Mutex<Option<metrics::StoreCounts>>>,
    /// Where test addresses are given out (`[inbound] domain`, `address_ttl`).
    pub test_addresses: Arc<messages::TestAddresses>,
}

/// One route of the API. The router and the OpenAPI completeness test are both built from
/// `routes()`, so a route cannot exist without being checked against the document.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    /// Who may use it (`access::GuardLayer` enforces it).
    pub access: access::Access,
    handler: MethodRouter<AppState>,
}

pub(crate) fn route(
    method: Method,
    path: &'static str,
    access: access::Access,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        method,
        path,
        access,
        handler,
    }
}

/// Every route the daemon serves: the API's and the pages'.
pub fn all_routes(limits: &Limits) -> Vec<Route> {
    let mut all = routes(limits);
    all.extend(ui::routes(limits));
    all
}

/// The API's routes (the OpenAPI document's), each with its owner scope: `read` every GET of
/// `/v1/` and `/metrics`; `check` what checks or judges without changing anything; `write`
/// registrations and test addresses; `admin` the rest.
pub fn routes(limits: &Limits) -> Vec<Route> {
    use crate::auth::Scope::{Admin, Check, Read, Write};
    use access::Access::{Api, Public};
    let message_limit = DefaultBodyLimit::max(limits.max_message_bytes);
    vec![
        route(Method::GET, "/healthz", Public, get(health::healthz)),
        route(Method::GET, "/readyz", Public, get(health::readyz)),
        route(Method::GET, "/metrics", Api(Read), get(metrics::scrape)),
        route(Method::GET, "/openapi.json", Public, get(openapi::document)),
        route(Method::GET, "/v1/domains", Api(Read), get(domains::list)),
        route(
            Method::PUT,
            "/v1/domains/{domain}",
            Api(Write),
            put(domains::put),
        ),
        route(
            Method::GET,
            "/v1/domains/{domain}",
            Api(Read),
            get(domains::get),
        ),
        route(
            Method::DELETE,
            "/v1/domains/{domain}",
            Api(Write),
            delete(domains::delete),
        ),
        route(
            Method::POST,
            "/v1/domains/{domain}/check",
            Api(Check),
            post(domains::check),
        ),
        route(
            Method::GET,
            "/v1/domains/{domain}/history",
            Api(Read),
            get(domains::history),
        ),
        route(
            Method::POST,
            "/v1/domains/{domain}/test-address",
            Api(Write),
            post(messages::create_test_address),
        ),
        route(
            Method::GET,
            "/v1/domains/{domain}/messages",
            Api(Read),
            get(messages::list),
        ),
        route(Method::POST, "/v1/check", Api(Check), post(check::check)),
        route(Method::GET, "/v1/profiles", Api(Read), get(profiles::list)),
        route(Method::GET, "/v1/codes", Api(Read), get(codes::list)),
        route(
            Method::GET,
            "/v1/profiles/{name}",
            Api(Read),
            get(profiles::get),
        ),
        route(
            Method::POST,
            "/v1/dkim/verify",
            Api(Check),
            post(dkim::verify).layer(message_limit),
        ),
        route(
            Method::POST,
            "/v1/smtp/probe",
            Api(Check),
            post(smtp::probe),
        ),
        route(
            Method::GET,
            "/v1/webhooks/deliveries",
            Api(Read),
            get(webhooks::list),
        ),
        route(
            Method::POST,
            "/v1/webhooks/deliveries/{id}/retry",
            Api(Admin),
            post(webhooks::retry),
        ),
        // The one GET beyond `read`: who did what is for operators.
        route(Method::GET, "/v1/audit", Api(Admin), get(audit::list)),
    ]
}

/// The whole HTTP surface.
pub fn router(state: AppState, limits: &Limits) -> Router {
    let mut router = Router::new();
    for route in all_routes(limits) {
        let guard = access::GuardLayer::new(state.clone(), route.access);
        router = router.route(route.path, route.handler.layer(guard));
    }
    // One `from_fn` around the router: each such layer clones the service under it and boxes
    // its future on every request, so measuring, the time limit and the same-site rule share
    // one (issue 31); the route is noted by a plain request map, which boxes nothing.
    router
        .route_layer(MapRequestLayer::new(note_route))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found(State(state): State<AppState>, request: Request) -> ApiError {
    // With tokens, an unknown `/v1/` route is as closed as a known one: no token, no answer
    // about what exists.
    let path = request.uri().path();
    if (path == "/v1" || path.starts_with("/v1/")) && !access::has_valid_token(&state, &request) {
        return ApiError::unauthorized();
    }
    // `/v1/domains/` with the domain left out (`PUT /v1/domains/`, `/v1/domains//check`) is a
    // request about a domain, not an unknown route: say what is wrong with it.
    if let Some(rest) = path.strip_prefix("/v1/domains/")
        && (rest.is_empty() || rest.starts_with('/'))
    {
        return ApiError::bad_request("invalid_domain", "the domain is missing from the path");
    }
    ApiError::not_found(format!(
        "no route {} {}",
        request.method(),
        request.uri().path()
    ))
}

async fn method_not_allowed(State(state): State<AppState>, request: Request) -> ApiError {
    let path = request.uri().path();
    if (path == "/v1" || path.starts_with("/v1/")) && !access::has_valid_token(&state, &request) {
        return ApiError::unauthorized();
    }
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

/// Where the route template of a request is left for `front` (routing happens inside it).
#[derive(Clone, Default)]
struct RouteSlot(Arc<Mutex<Option<MatchedPath>>>);

/// Runs after routing: records the matched template (`/v1/domains/{domain}`).
fn note_route(request: Request) -> Request {
    if let (Some(slot), Some(path)) = (
        request.extensions().get::<RouteSlot>(),
        request.extensions().get::<MatchedPath>(),
    ) {
        *slot
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(path.clone());
    }
    request
}

/// What every request passes first: the same-site rule of the token-less mode, then the
/// routes under `server.request_timeout`, the whole counted by route template, method and
/// status, with its latency.
async fn front(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let slot = RouteSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method = request.method().clone();
    let response = match other_site_refused(&state, &request) {
        Some(refused) => refused,
        None => time_limit(&state, next.run(request)).await,
    };
    let route = slot
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    state.metrics.http_request(
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        method.as_str(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Without an API token (loopback only), any page the operator's browser opens could reach the
/// daemon: a cross-site form or `fetch` POSTing to `http://127.0.0.1:8080/v1/…`, or a page
/// whose name is rebound to 127.0.0.1 reading the answers as its own origin. So the token-less
/// mode answers only requests whose `Host` names a loopback address, `localhost` or a name of
/// `server.allowed_hosts` (421 otherwise), and refuses a state-changing request whose `Origin`
/// is another site (403). JSON bodies must be `application/json` (`extract::JsonBody`), which a
/// cross-site page cannot send without a CORS preflight this daemon never grants.
fn other_site_refused(state: &AppState, request: &Request) -> Option<Response> {
    if !state.tokens.load().is_empty() {
        return None;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(|authority| authority.as_str())
        });
    if let Some(host) = host
        && !local_host(host, &state.allowed_hosts)
    {
        return Some(
            ApiError::new(
                StatusCode::MISDIRECTED_REQUEST,
                "misdirected_request",
                "this daemon has no API token, so it answers only requests for a loopback \
                 address, localhost or a name in server.allowed_hosts",
            )
            .into_response(),
        );
    }
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .map(|value| value.to_str().unwrap_or("null"));
    if changes_state
        && let Some(origin) = origin
        && !origin
            .split_once("://")
            .is_some_and(|(_, authority)| local_host(authority, &state.allowed_hosts))
    {
        return Some(
            ApiError::new(
                StatusCode::FORBIDDEN,
                "cross_origin",
                "a page of another site may not change anything here",
            )
            .into_response(),
        );
    }
    None
}

/// Whether a `Host` (or an origin's authority) names this machine: a loopback address,
/// `localhost` (and names under it, RFC 6761) or one of `allowed`. The port is not compared:
/// a rebinding page controls the name it is served under, not which port it reaches.
fn local_host(authority: &str, allowed: &[String]) -> bool {
    let authority = authority.trim().trim_end_matches('/');
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, port)| {
                if port.bytes().all(|b| b.is_ascii_digit()) {
                    host
                } else {
                    authority
                }
            })
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    host == "localhost" || host.ends_with(".localhost") || allowed.contains(&host)
}

/// Answers 503 with a JSON error when a request takes longer than `server.request_timeout`.
async fn time_limit(state: &AppState, answer: impl Future<Output = Response>) -> Response {
    match tokio::time::timeout(state.request_timeout, answer).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took longer than server.request_timeout",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_host;

    #[test]
    fn the_token_less_mode_answers_only_names_of_this_machine() {
        let allowed = ["sendercheck.internal".to_string()];
        for local in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "127.9.9.9:1",
            "[::1]:8080",
            "localhost:8080",
            "LOCALHOST",
            "app.localhost:3000",
            "sendercheck.internal:8080",
        ] {
            assert!(local_host(local, &allowed), "{local}");
        }
        for foreign in [
            "evil.example:8080",
            "evil.example",
            "10.0.0.1:8080",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "[::2]:8080",
            "",
        ] {
            assert!(!local_host(foreign, &allowed), "{foreign}");
        }
    }
}

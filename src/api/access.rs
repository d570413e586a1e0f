//! Every route's owner scope, decided in one place: the route table (`api::routes`,
//! `api::ui::routes`) gives each route an `Access`, and `GuardLayer` enforces it. The API and
//! `/metrics` take a bearer token; the pages take the session signed in with one. With no
//! token configured at all (allowed on loopback only) everything is open, as before tokens.
//!
//! A request without a token or with an unknown one is 401; a token whose scope is too low is
//! 403 `forbidden_scope` naming the scope needed. Both are counted by reason in
//! `sendercheck_auth_failures_total`, and a client address that fails `FAILURES_PER_MINUTE`
//! times within a minute is answered 429 `too_many_failures` until the minute is over, before
//! any token it sends is even compared.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::{Ready, ready};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use tower::{Layer, Service};

use super::{ApiError, AppState};
use crate::auth::Scope;

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, readiness, the OpenAPI document, sign-in and the pages' assets.
    Public,
    /// A bearer token of at least this scope.
    Api(Scope),
    /// A page session signed in with a token of at least this scope.
    Page(Scope),
}

impl Access {
    /// The scope needed, if any.
    pub fn scope(self) -> Option<Scope> {
        match self {
            Access::Public => None,
            Access::Api(scope) | Access::Page(scope) => Some(scope),
        }
    }
}

/// The token a request was made with, for handlers (the audit log) to name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub scope: Scope,
}

/// The author of a change, for the audit log: the token the request was made with (none when
/// no token is configured). An extractor: `Who(actor)`.
pub struct Who(pub crate::store::Actor);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Who {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Who(crate::store::Actor {
            token: parts
                .extensions
                .get::<Caller>()
                .map(|caller| caller.name.clone()),
        }))
    }
}

/// Failed authentications a client address may make in a minute before it is refused.
pub const FAILURES_PER_MINUTE: u32 = 30;
/// Client addresses tracked at once; beyond it, new addresses are not limited (the map never
/// grows without bound).
const TRACKED: usize = 10_000;
const WINDOW: Duration = Duration::from_secs(60);

/// Failed authentications per client address, in fixed one-minute windows.
#[derive(Default)]
pub struct FailureLimiter {
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl FailureLimiter {
    /// When `ip` may try again, if it has used up its failures for this minute.
    pub fn blocked_for(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (start, count) = windows.get(&ip)?;
        let left = WINDOW.checked_sub(now.duration_since(*start))?;
        (*count >= FAILURES_PER_MINUTE && !left.is_zero()).then_some(left)
    }

    /// Counts one failure of `ip`.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() >= TRACKED && !windows.contains_key(&ip) {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
            if windows.len() >= TRACKED {
                return;
            }
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

/// The client's address, as the server put it on the request (none in in-process tests).
fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip())
}

fn route_name(request: &Request) -> String {
    let path = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_string(),
        |matched| matched.as_str().to_string(),
    );
    format!("{} {path}", request.method())
}

/// Whether the request carries a configured token (or none is configured).
pub fn has_valid_token(state: &AppState, request: &Request) -> bool {
    let tokens = state.tokens.load();
    tokens.is_empty() || bearer(request).is_some_and(|presented| tokens.find(presented).is_some())
}

/// The bearer token of `Authorization`, if any.
fn bearer(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
}

/// Enforces a route's `Access` (layered on each route by `api::router`): the route runs only
/// when `admit` lets the request through. A tower layer rather than a `from_fn` middleware: the
/// decision needs no waiting, so an admitted request goes on to the route's own future without
/// a clone of the route and a boxed future of its own (issue 31).
#[derive(Clone)]
pub struct GuardLayer {
    state: AppState,
    access: Access,
}

impl GuardLayer {
    pub fn new(state: AppState, access: Access) -> Self {
        GuardLayer { state, access }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            state: self.state.clone(),
            access: self.access,
        }
    }
}

/// A route behind its `Access` (`GuardLayer`).
#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    state: AppState,
    access: Access,
}

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, Ready<Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        match admit(&self.state, self.access, &mut request) {
            None => Either::Left(self.inner.call(request)),
            Some(refused) => Either::Right(ready(Ok(refused))),
        }
    }
}

/// Whether `request` may reach a route of `access`: `None` lets it through (with the
/// `Caller` its token names), `Some` is the answer refusing it.
fn admit(state: &AppState, access: Access, request: &mut Request) -> Option<Response> {
    let needed = access.scope()?;
    let tokens = state.tokens.load_full();
    if tokens.is_empty() {
        return None;
    }
    if let Access::Page(_) = access {
        return super::ui::session_refusal(state, &tokens, needed, request);
    }
    let client = client_ip(request);
    let now = Instant::now();
    if let Some(left) = client.and_then(|ip| state.auth_failures.blocked_for(ip, now)) {
        state.metrics.auth_failure("rate_limited");
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_failures",
            format!(
                "more than {FAILURES_PER_MINUTE} failed authentications from this address in a \
                 minute: try again in {} s",
                left.as_secs().max(1)
            ),
        )
        .into_response();
        if let Ok(value) = HeaderValue::from_str(&left.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Some(response);
    }
    let token = match bearer(request).map(|presented| tokens.find(presented)) {
        Some(Some(token)) => token,
        failure => {
            let reason = if failure.is_none() {
                "missing"
            } else {
                "unknown"
            };
            state.metrics.auth_failure(reason);
            if let Some(ip) = client {
                state.auth_failures.failed(ip, now);
            }
            return Some(ApiError::unauthorized().into_response());
        }
    };
    if !token.scope.allows(needed) {
        state.metrics.auth_failure("forbidden_scope");
        return Some(
            ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden_scope",
                format!(
                    "the token {:?} has the {} scope; {} needs {needed}",
                    token.name,
                    token.scope,
                    route_name(request)
                ),
            )
            .into_response(),
        );
    }
    request.extensions_mut().insert(Caller {
        name: token.name.clone(),
        scope: token.scope,
    });
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_for_the_rest_of_the_minute_after_its_failures() {
        let limiter = FailureLimiter::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let start = Instant::now();
        for _ in 0..FAILURES_PER_MINUTE - 1 {
            limiter.failed(ip, start);
        }
        assert_eq!(limiter.blocked_for(ip, start), None);
        limiter.failed(ip, start);
        let later = start + Duration::from_secs(20);
        assert_eq!(
            limiter.blocked_for(ip, later),
            Some(Duration::from_secs(40))
        );
        assert_eq!(limiter.blocked_for(other, later), None);
        // A new minute starts afresh.
        let next = start + Duration::from_secs(61);
        assert_eq!(limiter.blocked_for(ip, next), None);
        limiter.failed(ip, next);
        assert_eq!(limiter.blocked_for(ip, next), None);
    }
}

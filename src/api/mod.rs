//! The HTTP API: the only module that knows HTTP and JSON. Routes, authentication, limits, and
//! the mapping of every error to the contract's JSON body.

mod dkim;
mod domains;
mod error;
mod extract;
mod health;
mod profiles;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::config::{Limits, Secret};
use crate::profile::Profiles;
use crate::scheduler::Scheduler;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub scheduler: Scheduler,
    pub profiles: Arc<Profiles>,
    pub api_token: Option<Arc<Secret>>,
    pub request_timeout: Duration,
    pub limits: Limits,
}

/// The whole HTTP surface.
pub fn router(state: AppState, limits: &Limits) -> Router {
    let v1 = Router::new()
        .route("/domains", get(domains::list))
        .route(
            "/domains/{domain}",
            put(domains::put).get(domains::get).delete(domains::delete),
        )
        .route("/domains/{domain}/check", post(domains::check))
        .route("/domains/{domain}/history", get(domains::history))
        .route("/profiles", get(profiles::list))
        .route(
            "/dkim/verify",
            post(dkim::verify).layer(DefaultBodyLimit::max(limits.max_message_bytes)),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), authenticate));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/v1", v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), time_limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route {} {}",
        request.method(),
        request.uri().path()
    ))
}

async fn method_not_allowed(request: Request) -> ApiError {
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

/// With a configured token, every request needs `Authorization: Bearer TOKEN`. The comparison
/// is of SHA-256 digests in constant time, so neither the content nor the length of the token
/// leaks through timing.
async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(expected) = &state.api_token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let matches = presented.is_some_and(|presented| {
            let presented = Sha256::digest(presented.as_bytes());
            let expected = Sha256::digest(expected.expose().as_bytes());
            bool::from(presented.as_slice().ct_eq(expected.as_slice()))
        });
        if !matches {
            return ApiError::unauthorized().into_response();
        }
    }
    next.run(request).await
}

/// Answers 503 with a JSON error when a request takes longer than `server.request_timeout`.
async fn time_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took longer than server.request_timeout",
        )
        .into_response(),
    }
}

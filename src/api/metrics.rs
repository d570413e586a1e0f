//! `GET /metrics`: the Prometheus text exposition.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use crate::telemetry::ScrapeState;

/// Prometheus text exposition of every sendercheck metric.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4", body = String,
         content_type = "text/plain"),
        (status = 503, description = "The store could not be read", body = super::error::ErrorBody),
    )
)]
pub async fn scrape(State(state): State<AppState>) -> Result<Response, ApiError> {
    let domains_by_status = state.store.count_by_status().await?;
    let now = state.scheduler.now();
    let lag = match state.store.oldest_due().await? {
        Some(due) if due < now => (now - due).num_milliseconds() as f64 / 1000.0,
        _ => 0.0,
    };
    let dns_servers = state.scheduler.resolver().server_stats();
    let body = state.metrics.render(&ScrapeState {
        domains_by_status: &domains_by_status,
        checks_in_flight: state.scheduler.in_flight(),
        scheduler_lag_seconds: lag,
        dns: state.scheduler.resolver().counters(),
        dns_servers: &dns_servers,
        dns_servers_held_back: state.scheduler.resolver().held_back_servers(),
        store_pool: state.store.pool_stats(),
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

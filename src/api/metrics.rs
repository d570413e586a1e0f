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
    let now = state.scheduler.now();
    let (domains_by_status, oldest_due, replicas) = store_counts(&state, now).await?;
    let lag = match oldest_due {
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
        replicas,
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

/// How long the store's counts are reused: a scrape never costs more than one count of the
/// domains table per this period, however often it comes (several Prometheus servers, a scrape
/// in overload mode), and a count is at most this old.
pub const COUNTS_FRESH_FOR: chrono::TimeDelta = chrono::TimeDelta::seconds(5);

/// The store's counts as of one moment: domains by status and the oldest due check.
#[derive(Clone, Debug)]
pub struct StoreCounts {
    at: chrono::DateTime<chrono::Utc>,
    by_status: Vec<(crate::status::DomainStatus, u64)>,
    oldest_due: Option<chrono::DateTime<chrono::Utc>>,
    replicas: (u64, u64),
}

/// Domains by status, the oldest due check, replicas alive and missing.
type Counts = (
    Vec<(crate::status::DomainStatus, u64)>,
    Option<chrono::DateTime<chrono::Utc>>,
    (u64, u64),
);

/// The counts, read from the store at most once per `COUNTS_FRESH_FOR`; concurrent scrapes
/// wait for the one read under way instead of each starting their own.
async fn store_counts(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Counts, ApiError> {
    let mut cached = state.store_counts.lock().await;
    if let Some(counts) = cached.as_ref()
        && now >= counts.at
        && now - counts.at < COUNTS_FRESH_FOR
    {
        return Ok((counts.by_status.clone(), counts.oldest_due, counts.replicas));
    }
    let by_status = state.store.count_by_status().await?;
    let oldest_due = state.store.oldest_due().await?;
    // Heartbeats are written on each machine's own clock.
    let wall = chrono::Utc::now();
    let replicas = state
        .store
        .replicas(
            wall - chrono::Duration::minutes(2),
            wall - chrono::Duration::hours(24),
        )
        .await?;
    *cached = Some(StoreCounts {
        at: now,
        by_status: by_status.clone(),
        oldest_due,
        replicas,
    });
    Ok((by_status, oldest_due, replicas))
}

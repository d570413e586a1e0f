//! Retention: what is older than `[retention]` says is deleted in small batches (1,000 rows of
//! each table a transaction, so a write never waits long behind one), at start and every hour.
//! On PostgreSQL one replica prunes at a time (a transaction advisory lock); the others skip.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::RetentionConfig;
use crate::store::{Cutoffs, Pruned, Store, StoreError};
use crate::telemetry::Metrics;

/// Rows of each table one transaction deletes at most.
pub const BATCH: u32 = 1_000;
/// How often pruning runs after the first time.
const EVERY: Duration = Duration::from_secs(3600);
/// Batches one run takes at most: a backlog is worked off over several hours, never in one
/// long burst.
const MAX_BATCHES: usize = 1_000;

/// The cutoffs `retention` gives at `now`.
pub fn cutoffs(retention: &RetentionConfig, now: chrono::DateTime<chrono::Utc>) -> Cutoffs {
    let before = |keep: Duration| {
        now - chrono::Duration::from_std(keep)
            .unwrap_or(chrono::Duration::MAX.min(chrono::Duration::days(3660)))
    };
    Cutoffs {
        transitions: before(retention.transitions),
        events: before(retention.events),
        messages: before(retention.messages),
    }
}

/// Prunes until a batch comes back short (or `MAX_BATCHES`); the rows deleted, by table.
pub async fn prune_all(
    store: &dyn Store,
    clock: &dyn Clock,
    retention: &RetentionConfig,
    metrics: &Metrics,
) -> Result<Pruned, StoreError> {
    let cutoffs = cutoffs(retention, clock.now());
    let mut total = Pruned::default();
    for _ in 0..MAX_BATCHES {
        let pruned = store.prune(&cutoffs, BATCH).await?;
        for (table, count) in pruned.by_table() {
            metrics.retention_deleted(table, count);
        }
        total.transitions += pruned.transitions;
        total.webhook_events += pruned.webhook_events;
        total.webhook_deliveries += pruned.webhook_deliveries;
        total.test_messages += pruned.test_messages;
        total.test_addresses += pruned.test_addresses;
        if !pruned.full(BATCH) {
            break;
        }
        // Give writers their turn between batches.
        tokio::task::yield_now().await;
    }
    Ok(total)
}

/// Prunes at start and every hour until `stop` turns true.
pub async fn run(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    retention: RetentionConfig,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match prune_all(store.as_ref(), clock.as_ref(), &retention, &metrics).await {
            Ok(pruned) if pruned != Pruned::default() => {
                tracing::info!(
                    transitions = pruned.transitions,
                    webhook_events = pruned.webhook_events,
                    webhook_deliveries = pruned.webhook_deliveries,
                    test_messages = pruned.test_messages,
                    test_addresses = pruned.test_addresses,
                    "old history pruned"
                );
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %format!("{:#}", anyhow::Error::from(error)), "history not pruned; tried again in an hour");
            }
        }
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}

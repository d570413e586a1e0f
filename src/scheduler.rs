//! Background re-checking: each tick takes the due registrations from the store (an indexed
//! query), checks them with bounded concurrency, and stores results and status transitions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use crate::checks::{LastConclusive, Plan, RecordCheck, RecordStatus};
use crate::clock::Clock;
use crate::config::SchedulerConfig;
use crate::dns::Resolver;
use crate::domain::DomainName;
use crate::probe;
use crate::profile::Profiles;
use crate::store::{Basis, CheckResult, DomainRecord, Store, StoreError};
use crate::telemetry::{CheckOutcome, Metrics};

/// How long a claimed registration is held before another tick may take it again: longer than
/// any check can run, so a check still running is never doubled, yet a check lost to a crash is
/// retried soon after a restart.
/// Checks registrations: those that are due, in the background, and single ones on request.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    resolver: Resolver,
    /// Shared with the API; SIGHUP swaps in the file's new profiles (`crate::reload`).
    profiles: crate::reload::Swap<Profiles>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    config: SchedulerConfig,
    /// One permit per check allowed to run at once.
    permits: Arc<Semaphore>,
    /// When the background loop last completed a tick (ms since the epoch), for readiness.
    last_tick: AtomicI64,
    /// The check running for each domain: a second caller awaits it instead of starting one.
    flights: Mutex<HashMap<String, Flight>>,
    /// Woken whenever a flight ends, for the shutdown drain.
    flight_ended: tokio::sync::Notify,
}

/// What a check comes to, shared by everyone who asked for it while it ran.
type FlightResult = Result<Option<DomainRecord>, Arc<StoreError>>;
type Flight = Shared<BoxFuture<'static, FlightResult>>;

impl Scheduler {
    pub fn new(
        store: Arc<dyn Store>,
        resolver: Resolver,
        profiles: crate::reload::Swap<Profiles>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        config: SchedulerConfig,
    ) -> Self {
        Scheduler {
            inner: Arc::new(Inner {
                store,
                resolver,
                profiles,
                clock,
                metrics,
                permits: Arc::new(Semaphore::new(config.concurrency)),
                config,
                last_tick: AtomicI64::new(0),
                flights: Mutex::new(HashMap::new()),
                flight_ended: tokio::sync::Notify::new(),
            }),
        }
    }

    /// The resolver every check uses, for other verdicts that need the same DNS.
    pub fn resolver(&self) -> &Resolver {
        &self.inner.resolver
    }

    pub fn config(&self) -> &SchedulerConfig {
        &self.inner.config
    }

    /// The time registration and result writes use.
    /// The clock checks and their times follow.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock.clone()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// When a registration made now should get its first check if nobody checks it sooner.
    pub fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        crate::status::add_saturating(now, self.inner.config.lease)
    }

    /// Checks currently running.
    pub fn in_flight(&self) -> usize {
        self.inner.config.concurrency - self.inner.permits.available_permits()
    }

    /// Whether the background loop has ticked recently (or is not meant to run).
    pub fn is_alive(&self) -> bool {
        if !self.inner.config.enabled {
            return true;
        }
        let last = self.inner.last_tick.load(Ordering::Relaxed);
        let allowed = (self.inner.config.tick * 3 + Duration::from_secs(5)).as_millis() as i64;
        last > 0 && Utc::now().timestamp_millis() - last <= allowed
    }

    /// Records that the background loop is starting, so readiness holds from the first moment.
    pub fn mark_alive(&self) {
        self.inner
            .last_tick
            .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// One tick: takes every free check slot, claims that many due registrations, and starts
    /// a check for each in a slot already held, so a claimed row never waits for a slot (and
    /// never outlives its lease unchecked). Returns the started checks, so a caller (a test)
    /// can wait for them.
    pub async fn tick(&self) -> Result<Vec<JoinHandle<()>>, StoreError> {
        let mut slots = Vec::new();
        while let Ok(permit) = self.inner.permits.clone().try_acquire_owned() {
            slots.push(permit);
        }
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let due = self
            .inner
            .store
            .claim_due(
                now,
                self.lease_until(now),
                u32::try_from(slots.len()).unwrap_or(u32::MAX),
            )
            .await?;
        // Slots not needed are released as `slots` drops.
        let mut started = Vec::with_capacity(due.len());
        for (record, permit) in due.into_iter().zip(slots.drain(..)) {
            started.push(self.spawn_flight(record, Some(permit)).1);
        }
        Ok(started)
    }

    /// Runs one tick and waits for every check it started.
    pub async fn tick_and_wait(&self) -> Result<usize, StoreError> {
        let started = self.tick().await?;
        let count = started.len();
        for handle in started {
            let _ = handle.await;
        }
        Ok(count)
    }

    /// Starts a check of one registration in the background, within the concurrency bound
    /// (or joins the one already running for it).
    pub fn spawn_check(&self, record: DomainRecord) -> JoinHandle<()> {
        self.spawn_flight(record, None).1
    }

    /// Checks one registration now, within the concurrency bound, and stores the result.
    /// Returns the registration as stored after the check, or `None` when it changed or went
    /// away meanwhile (the result was then dropped). When a check of the same domain is already
    /// running, this awaits that one's result instead of starting another.
    pub async fn check(&self, record: DomainRecord) -> Result<Option<DomainRecord>, StoreError> {
        let (flight, _) = self.spawn_flight(record, None);
        flight.await.map_err(StoreError::Shared)
    }

    /// The flight checking `record.domain`: the running one, or a new task that takes a slot
    /// (unless `permit` is one already held), checks, stores and leaves the map. The task runs
    /// to its end even if every caller stops waiting, so the map never keeps a dead flight.
    fn spawn_flight(
        &self,
        record: DomainRecord,
        permit: Option<OwnedSemaphorePermit>,
    ) -> (Flight, JoinHandle<()>) {
        let mut flights = self
            .inner
            .flights
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(running) = flights.get(&record.domain) {
            let running = running.clone();
            let waiter = running.clone();
            // A claimed row whose domain is already being checked: the running check's result
            // is stored for it, and the slot is released.
            drop(permit);
            return (
                running,
                tokio::spawn(async move {
                    let _ = waiter.await;
                }),
            );
        }
        let domain = record.domain.clone();
        let scheduler = self.clone();
        let (sender, receiver) = tokio::sync::oneshot::channel::<FlightResult>();
        let flight: Flight = async move {
            receiver.await.unwrap_or_else(|_| {
                Err(Arc::new(StoreError::Corrupt {
                    domain: String::new(),
                    reason: "the check task ended without a result".to_string(),
                }))
            })
        }
        .boxed()
        .shared();
        flights.insert(domain.clone(), flight.clone());
        drop(flights);
        let handle = tokio::spawn(async move {
            let permit = match permit {
                Some(permit) => permit,
                None => scheduler
                    .inner
                    .permits
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the scheduler's semaphore is never closed"),
            };
            let result = scheduler.check_unbounded(record).await.map_err(Arc::new);
            drop(permit);
            if let Err(error) = &result {
                tracing::error!(%domain, error = %anyhow::Error::from(StoreError::Shared(error.clone())), "check not stored");
            }
            scheduler
                .inner
                .flights
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(&domain);
            let _ = sender.send(result);
            scheduler.inner.flight_ended.notify_waiters();
        }.in_current_span());
        (flight, handle)
    }

    #[tracing::instrument(skip_all, fields(domain = %record.domain))]
    async fn check_unbounded(
        &self,
        record: DomainRecord,
    ) -> Result<Option<DomainRecord>, StoreError> {
        let inner = &self.inner;
        let schedule = &inner.config.schedule;
        let profiles = inner.profiles.load();
        let (Some(profile), Ok(domain)) = (
            profiles.get(&record.profile),
            DomainName::parse(&record.domain),
        ) else {
            // The profile left the config file since registration: keep the data, retry later.
            tracing::warn!(profile = %record.profile, "registration's profile is not configured");
            let now = self.now();
            let result = CheckResult {
                basis: Basis::of(&record),
                next_check_at: record
                    .lifecycle
                    .next_check_at(&record.domain, now, schedule),
                checked_at: record.checked_at.unwrap_or(now),
                domain: record.domain.clone(),
                generation: record.generation,
                lifecycle: record.lifecycle.clone(),
                ready: record.ready,
                records: record.records.clone(),
                transition: None,
            };
            inner.store.save_result(&result).await?;
            return Ok(None);
        };
        let plan = Plan::new(&domain, profile, record.token.as_deref()).with_params(&record.params);
        let started = self.now();
        let probe = probe::check_at(
            &inner.resolver,
            &plan,
            Some(inner.config.check_timeout),
            started,
        )
        .await;
        let now = self.now();
        let mut lifecycle = record.lifecycle.clone();
        let transition = lifecycle.apply(&probe.report, &record.records, now, schedule);
        let inconclusive = probe.report.has_errors();
        // An outage is not a verdict: `ready` follows the last conclusive one unless a record
        // now definitely fails, and each unanswered record keeps its last conclusive status.
        let ready = if probe.report.has_failures() {
            false
        } else if inconclusive {
            record.ready
        } else {
            probe.report.ready
        };
        let mut records = probe.report.records;
        for check in records
            .iter_mut()
            .filter(|check| check.status == RecordStatus::Error)
        {
            check.last_conclusive = last_conclusive(&record, check);
        }
        let next_check_at = revisit_after_propagation(
            lifecycle.next_check_at(&record.domain, now, schedule),
            ready,
            probe.report.valid_after,
            now,
        );
        let result = CheckResult {
            domain: record.domain.clone(),
            generation: record.generation,
            basis: Basis::of(&record),
            next_check_at,
            lifecycle,
            checked_at: now,
            ready,
            records,
            transition,
        };
        if !inner.store.save_result(&result).await? {
            inner.metrics.check_dropped();
            tracing::debug!(
                "registration or its state changed during the check, or another replica holds \
                 its lease; result dropped"
            );
            return Ok(None);
        }
        let outcome = if inconclusive {
            CheckOutcome::Error
        } else if result.ready {
            CheckOutcome::Pass
        } else {
            CheckOutcome::Fail
        };
        inner
            .metrics
            .check_finished(outcome, probe.elapsed, &result.domain);
        tracing::debug!(
            domain = %result.domain,
            duration_ms = probe.elapsed.as_millis() as u64,
            outcome = outcome.as_str(),
            queries = probe.queries,
            "checked"
        );
        if let Some(transition) = &result.transition {
            tracing::info!(
                domain = %result.domain,
                from = transition.from.map_or("none", |status| status.as_str()),
                to = transition.to.as_str(),
                reason = %transition.reason.en(),
                "status changed"
            );
        }
        Ok(Some(DomainRecord {
            domain: result.domain,
            profile: record.profile,
            token: record.token,
            params: record.params,
            generation: record.generation,
            created_at: record.created_at,
            lifecycle: result.lifecycle,
            checked_at: Some(result.checked_at),
            next_check_at: result.next_check_at,
            ready: result.ready,
            records: result.records,
            paused: record.paused,
            proven_at: record.proven_at,
        }))
    }

    /// The background loop until `shutdown` turns true, then waits up to `grace` for running
    /// checks to store their results. Every `tick` it takes what is due; while a tick fills
    /// every free check slot (so more may be due), it takes more as soon as a check finishes,
    /// rather than idling until the next tick.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, grace: Duration) {
        let mut interval = tokio::time::interval(self.inner.config.tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        'ticks: loop {
            tokio::select! {
                _ = interval.tick() => {}
                _ = shutdown.changed() => break,
            }
            loop {
                let free = self.inner.permits.available_permits();
                let started = match self.tick().await {
                    Ok(started) => started.len(),
                    Err(error) => {
                        tracing::error!(error = %anyhow::Error::from(error), "scheduler tick failed");
                        continue 'ticks;
                    }
                };
                self.mark_alive();
                if started < free {
                    // Everything due was taken: wait for the next tick.
                    continue 'ticks;
                }
                // A backlog: wait for a slot, then take more.
                tokio::select! {
                    permit = self.inner.permits.acquire() => drop(permit),
                    _ = shutdown.changed() => break 'ticks,
                }
            }
        }
        self.drain(grace).await;
    }

    /// Waits until no check is running or waiting for a slot (every check a tick, a `PUT` or
    /// a `POST …/check` started has stored its result), or `grace` has passed.
    pub async fn drain(&self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let ended = self.inner.flight_ended.notified();
            let running = self
                .inner
                .flights
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .len();
            if running == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                tracing::warn!(
                    in_flight = running,
                    "checks still running at shutdown; their registrations are retried at restart"
                );
                return;
            }
        }
    }
}

/// The last conclusive verdict on the record `check` stands for, from the stored state: the
/// stored record's own when DNS answered then, or the one it carried.
fn last_conclusive(stored: &DomainRecord, check: &RecordCheck) -> Option<LastConclusive> {
    let previous = stored
        .records
        .iter()
        .find(|previous| previous.kind == check.kind && previous.name == check.name)?;
    if previous.status == RecordStatus::Error {
        previous.last_conclusive.clone()
    } else {
        Some(LastConclusive {
            status: previous.status,
            checked_at: stored.checked_at?,
        })
    }
}

/// A little after the resolvers' cached answers run out, so the check sees the records pass.
const AFTER_PROPAGATION: chrono::Duration = chrono::Duration::seconds(5);

/// The next check of a domain that is not ready yet but whose records are all published and
/// only waiting for cached answers to expire: just after `valid_after`, when that comes
/// before the interval's next check.
fn revisit_after_propagation(
    interval_next: DateTime<Utc>,
    ready: bool,
    valid_after: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    match valid_after {
        Some(at) if !ready && at + AFTER_PROPAGATION < interval_next => {
            (at + AFTER_PROPAGATION).max(now)
        }
        _ => interval_next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_propagating_domain_is_checked_again_just_after_its_valid_after() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let interval = now + chrono::Duration::minutes(10);
        let soon = now + chrono::Duration::seconds(41);
        assert_eq!(
            revisit_after_propagation(interval, false, Some(soon), now),
            soon + AFTER_PROPAGATION
        );
        // Ready, or nothing to wait for, or later than the interval: the interval rules.
        assert_eq!(
            revisit_after_propagation(interval, true, Some(soon), now),
            interval
        );
        assert_eq!(
            revisit_after_propagation(interval, false, None, now),
            interval
        );
        let late = now + chrono::Duration::hours(1);
        assert_eq!(
            revisit_after_propagation(interval, false, Some(late), now),
            interval
        );
        // Already past: no earlier than now.
        let past = now - chrono::Duration::minutes(5);
        assert_eq!(
            revisit_after_propagation(interval, false, Some(past), now),
            now
        );
    }
}

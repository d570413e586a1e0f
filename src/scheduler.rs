//! Background re-checking: each tick takes the due registrations from the store (an indexed
//! query), checks them with bounded concurrency, and stores results and status transitions.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::checks::Plan;
use crate::clock::Clock;
use crate::config::SchedulerConfig;
use crate::dns::Resolver;
use crate::domain::DomainName;
use crate::probe;
use crate::profile::Profiles;
use crate::store::{CheckResult, DomainRecord, Store, StoreError};
use crate::telemetry::{CheckOutcome, Metrics};

/// How long a claimed registration is held before another tick may take it again: longer than
/// any check can run, so a check still running is never doubled, yet a check lost to a crash is
/// retried soon after a restart.
const LEASE: Duration = Duration::from_secs(120);

/// Checks registrations: those that are due, in the background, and single ones on request.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    resolver: Resolver,
    profiles: Arc<Profiles>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    config: SchedulerConfig,
    /// One permit per check allowed to run at once.
    permits: Arc<Semaphore>,
    /// When the background loop last completed a tick (ms since the epoch), for readiness.
    last_tick: AtomicI64,
}

impl Scheduler {
    pub fn new(
        store: Arc<dyn Store>,
        resolver: Resolver,
        profiles: Arc<Profiles>,
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
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// When a registration made now should get its first check if nobody checks it sooner.
    pub fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::MAX)
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

    /// One tick: claims as many due registrations as there are free check slots and starts a
    /// check for each. Returns the started checks, so a caller (a test) can wait for them.
    pub async fn tick(&self) -> Result<Vec<JoinHandle<()>>, StoreError> {
        let free = self.inner.permits.available_permits();
        if free == 0 {
            return Ok(Vec::new());
        }
        let now = self.now();
        let due = self
            .inner
            .store
            .claim_due(
                now,
                self.lease_until(now),
                u32::try_from(free).unwrap_or(u32::MAX),
            )
            .await?;
        let mut started = Vec::with_capacity(due.len());
        for record in due {
            started.push(self.spawn_check(record));
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

    /// Starts a check of one registration in the background, within the concurrency bound.
    pub fn spawn_check(&self, record: DomainRecord) -> JoinHandle<()> {
        let scheduler = self.clone();
        tokio::spawn(async move {
            let domain = record.domain.clone();
            if let Err(error) = scheduler.check(record).await {
                tracing::error!(%domain, error = %anyhow::Error::from(error), "check not stored");
            }
        })
    }

    /// Checks one registration now, within the concurrency bound, and stores the result.
    /// Returns the registration as stored after the check, or `None` when it changed or went
    /// away meanwhile (the result was then dropped).
    pub async fn check(&self, record: DomainRecord) -> Result<Option<DomainRecord>, StoreError> {
        let _permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the scheduler's semaphore is never closed");
        self.check_unbounded(record).await
    }

    #[tracing::instrument(skip_all, fields(domain = %record.domain))]
    async fn check_unbounded(
        &self,
        record: DomainRecord,
    ) -> Result<Option<DomainRecord>, StoreError> {
        let inner = &self.inner;
        let schedule = &inner.config.schedule;
        let (Some(profile), Ok(domain)) = (
            inner.profiles.get(&record.profile),
            DomainName::parse(&record.domain),
        ) else {
            // The profile left the config file since registration: keep the data, retry later.
            tracing::warn!(profile = %record.profile, "registration's profile is not configured");
            let now = self.now();
            let result = CheckResult {
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
        let plan = Plan::new(&domain, profile, record.token.as_deref());
        let probe =
            probe::check_within(&inner.resolver, &plan, Some(inner.config.check_timeout)).await;
        let now = self.now();
        let mut lifecycle = record.lifecycle.clone();
        let transition = lifecycle.apply(&probe.report, &record.records, now, schedule);
        let inconclusive = probe.report.has_errors();
        let result = CheckResult {
            domain: record.domain.clone(),
            generation: record.generation,
            next_check_at: lifecycle.next_check_at(&record.domain, now, schedule),
            lifecycle,
            checked_at: now,
            ready: probe.report.ready,
            records: probe.report.records,
            transition,
        };
        if !inner.store.save_result(&result).await? {
            tracing::debug!("registration changed during the check; result dropped");
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
                reason = %transition.reason,
                "status changed"
            );
        }
        Ok(Some(DomainRecord {
            domain: result.domain,
            profile: record.profile,
            token: record.token,
            generation: record.generation,
            created_at: record.created_at,
            lifecycle: result.lifecycle,
            checked_at: Some(result.checked_at),
            next_check_at: result.next_check_at,
            ready: result.ready,
            records: result.records,
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

    /// Waits until no check is running, or `grace` has passed.
    pub async fn drain(&self, grace: Duration) {
        let all = u32::try_from(self.inner.config.concurrency).unwrap_or(u32::MAX);
        match tokio::time::timeout(grace, self.inner.permits.acquire_many(all)).await {
            Ok(Ok(permits)) => drop(permits),
            _ => tracing::warn!(
                in_flight = self.in_flight(),
                "checks still running at shutdown; their registrations are retried at restart"
            ),
        }
    }
}

//! One check of one domain: collect the answers the profile needs (through `dns/`), then judge
//! them (through `checks/`). The CLI, the API and the scheduler all call this.
//!
//! With the authoritative view on (`ResolverSettings::authoritative_port`), the zone that holds
//! the domain is found while the resolver's answers are collected; then each of its servers is
//! asked the same questions directly, the plan judged over each server's answers, and the views
//! compared (`checks::propagation`). The record statuses stay the resolver's: they are what
//! receivers see.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::future::join_all;

use crate::checks::propagation::{self, ServerReport};
use crate::checks::{DnsSnapshot, DomainReport, Observed, Plan, Query};
use crate::dns::{Resolver, Zone, in_zone};

/// Rounds of follow-up queries a check may take. SPF's lookup limit ends the walk well before:
/// each round follows one more level of includes.
const MAX_ROUNDS: usize = 16;

/// The verdict of one check, with what it cost.
#[derive(Clone, Debug)]
pub struct Probe {
    pub report: DomainReport,
    pub snapshot: DnsSnapshot,
    /// The zone whose servers were asked; `Err` says why none were; `None`: the view is off.
    pub zone: Option<Result<Zone, String>>,
    pub queries: usize,
    pub elapsed: Duration,
}

/// Resolves everything `plan` needs, round by round, each round's queries concurrently, then
/// evaluates.
pub async fn check(resolver: &Resolver, plan: &Plan<'_>) -> Probe {
    check_at(resolver, plan, None, Utc::now()).await
}

/// As `check`, but stops collecting at `deadline`: queries not answered by then are left out
/// of the snapshot, so the records that needed them come out as `error` (no verdict).
pub async fn check_within(
    resolver: &Resolver,
    plan: &Plan<'_>,
    deadline: Option<Duration>,
) -> Probe {
    check_at(resolver, plan, deadline, Utc::now()).await
}

/// As `check_within`, with `now` the time the check counts from (`expected_at` of a
/// propagating record is `now` plus the resolver's remaining TTL).
#[tracing::instrument(skip_all, fields(domain = %plan.domain))]
pub async fn check_at(
    resolver: &Resolver,
    plan: &Plan<'_>,
    deadline: Option<Duration>,
    now: DateTime<Utc>,
) -> Probe {
    let started = Instant::now();
    let resolver_view = collect(plan, started, deadline, |queries| {
        resolver.observe_all(queries)
    });
    let zone = async {
        let port = resolver.authoritative_port()?;
        let found = resolver.zone_of(plan.domain.as_str(), port);
        Some(
            within(started, deadline, found)
                .await
                .unwrap_or_else(|| Err("the check's deadline passed".to_string())),
        )
    };
    let ((snapshot, mut queries), zone) = futures_util::join!(resolver_view, zone);
    let mut report = plan.evaluate(&snapshot);
    match &zone {
        Some(Ok(zone)) => {
            let servers = within(
                started,
                deadline,
                join_all(zone.servers.iter().map(|server| {
                    let snapshot = &snapshot;
                    async move {
                        let serial = resolver.serial_at(server.address, &zone.apex);
                        let view = collect(plan, started, deadline, |asked| {
                            resolver.observe_at(server.address, &zone.apex, asked, snapshot)
                        });
                        let (serial, (view, asked)) = futures_util::join!(serial, view);
                        let report = ServerReport {
                            name: server.name.clone(),
                            address: server.address,
                            serial,
                            report: plan.evaluate(&view),
                        };
                        (report, asked + 1)
                    }
                })),
            )
            .await
            .unwrap_or_default();
            queries += servers.iter().map(|(_, asked)| asked).sum::<usize>();
            let servers: Vec<ServerReport> =
                servers.into_iter().map(|(report, _)| report).collect();
            propagation::judge(
                &mut report,
                &snapshot,
                &servers,
                |name| in_zone(name, &zone.apex),
                now,
            );
        }
        Some(Err(reason)) => {
            tracing::debug!(domain = %plan.domain, %reason, "no authoritative view");
        }
        None => {}
    }
    report.valid_after = propagation::valid_after(&report.records, now);
    let elapsed = started.elapsed();
    tracing::debug!(
        queries,
        elapsed_ms = elapsed.as_millis() as u64,
        ready = report.ready,
        "checked"
    );
    Probe {
        report,
        snapshot,
        zone,
        queries,
        elapsed,
    }
}

/// `work`'s output, or `None` when `deadline` (from `started`) passes first.
async fn within<T>(
    started: Instant,
    deadline: Option<Duration>,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    match deadline {
        None => Some(work.await),
        Some(deadline) => {
            let left = deadline.saturating_sub(started.elapsed());
            tokio::time::timeout(left, work).await.ok()
        }
    }
}

/// Asks what `plan` needs through `ask`, round by round, until it needs nothing more, the
/// rounds run out, or `deadline` (from `started`) passes.
async fn collect<F, Fut>(
    plan: &Plan<'_>,
    started: Instant,
    deadline: Option<Duration>,
    ask: F,
) -> (DnsSnapshot, usize)
where
    F: Fn(Vec<Query>) -> Fut,
    Fut: std::future::Future<Output = Vec<(Query, Observed)>>,
{
    let mut snapshot = DnsSnapshot::new();
    let mut queries = 0;
    for _ in 0..MAX_ROUNDS {
        let needed = plan.queries(&snapshot);
        if needed.is_empty() {
            break;
        }
        queries += needed.len();
        let round = ask(needed);
        match deadline.map(|deadline| deadline.saturating_sub(started.elapsed())) {
            None => snapshot.extend(round.await),
            Some(left) => match tokio::time::timeout(left, round).await {
                Ok(answers) => snapshot.extend(answers),
                Err(_) => {
                    tracing::warn!(domain = %plan.domain, "check deadline passed");
                    break;
                }
            },
        }
    }
    (snapshot, queries)
}

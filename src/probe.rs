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

use crate::checks::propagation::{self, ServerProblem, ServerReport};
use crate::checks::{DnsSnapshot, DomainReport, Observed, Plan, Query};
use crate::dns::{Resolver, Zones};

/// Rounds of follow-up queries a check may take. SPF's lookup limit ends the walk well before:
/// each round follows one more level of includes.
const MAX_ROUNDS: usize = 16;

/// The verdict of one check, with what it cost.
#[derive(Clone, Debug)]
pub struct Probe {
    pub report: DomainReport,
    pub snapshot: DnsSnapshot,
    /// The zones whose servers were asked; `Err` says why none were; `None`: the view is off.
    pub zones: Option<Result<Zones, String>>,
    pub queries: usize,
    pub elapsed: Duration,
    /// How long the authoritative view kept the check after the resolver's answers were in
    /// (zero with the view off): never more than the budget.
    pub authoritative_wait: Duration,
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
///
/// The authoritative view never holds the verdict longer than the resolver's answers plus
/// `authoritative_budget`: zone discovery runs beside the resolver's rounds, the servers of
/// every zone are asked in parallel, and whatever has not answered when the budget ends is
/// reported as not answering (and remembered by the health memory, so the next checks do not
/// wait for it at all).
#[tracing::instrument(skip_all, fields(domain = %plan.domain))]
pub async fn check_at(
    resolver: &Resolver,
    plan: &Plan<'_>,
    deadline: Option<Duration>,
    now: DateTime<Utc>,
) -> Probe {
    let started = Instant::now();
    let check_deadline = deadline.map(|deadline| started + deadline);
    let resolver_view = collect(plan, check_deadline, |queries| {
        resolver.observe_all(queries)
    });
    let names = plan.record_names();
    let zones = async {
        let port = resolver.authoritative_port()?;
        Some(resolver.zones_of(plan.domain.as_str(), &names, port).await)
    };
    tokio::pin!(resolver_view, zones);
    let mut zones_found = None;
    let (snapshot, mut queries) = loop {
        tokio::select! {
            collected = &mut resolver_view => break collected,
            found = &mut zones, if zones_found.is_none() => zones_found = Some(found),
        }
    };
    let resolver_done = Instant::now();
    if check_deadline.is_some_and(|deadline| resolver_done >= deadline) {
        tracing::warn!(domain = %plan.domain, "check deadline passed");
    }
    let budget_end = {
        let end = resolver_done + resolver.authoritative_budget();
        check_deadline.map_or(end, |deadline| end.min(deadline))
    };
    let zones = match zones_found {
        Some(found) => found,
        None => tokio::time::timeout_at(budget_end.into(), &mut zones)
            .await
            .unwrap_or_else(|_| {
                Some(Err(
                    "the zone's servers were not found within the authoritative budget".to_string(),
                ))
            }),
    };
    let mut report = plan.evaluate(&snapshot);
    match &zones {
        Some(Ok(found)) => {
            let snapshot = &snapshot;
            let servers = join_all(found.zones.iter().flat_map(|zone| {
                let cuts = found.cuts_below(&zone.apex);
                zone.servers.iter().map(move |server| {
                    let cuts = cuts.clone();
                    async move {
                        let waited = || ServerProblem::NoAnswer {
                            waited: budget_end.saturating_duration_since(resolver_done),
                        };
                        let serial = async {
                            tokio::time::timeout_at(
                                budget_end.into(),
                                resolver.serial_at(server.address, &zone.apex),
                            )
                            .await
                            .unwrap_or_else(|_| Err(waited()))
                        };
                        let view = collect(plan, Some(budget_end), |asked| {
                            resolver.observe_at(server.address, &zone.apex, &cuts, asked, snapshot)
                        });
                        let (serial, (view, asked)) = futures_util::join!(serial, view);
                        let report = ServerReport {
                            name: server.name.clone(),
                            address: server.address,
                            apex: zone.apex.clone(),
                            serial,
                            report: plan.evaluate(&view),
                        };
                        (report, asked + 1)
                    }
                })
            }))
            .await;
            queries += servers.iter().map(|(_, asked)| asked).sum::<usize>();
            let servers: Vec<ServerReport> =
                servers.into_iter().map(|(report, _)| report).collect();
            propagation::judge(
                &mut report,
                snapshot,
                &servers,
                |name| found.apex(name),
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
    let authoritative_wait = resolver_done.elapsed();
    tracing::debug!(
        queries,
        elapsed_ms = elapsed.as_millis() as u64,
        authoritative_wait_ms = authoritative_wait.as_millis() as u64,
        ready = report.ready,
        "checked"
    );
    Probe {
        report,
        snapshot,
        zones,
        queries,
        elapsed,
        authoritative_wait: if resolver.authoritative_port().is_some() {
            authoritative_wait
        } else {
            Duration::ZERO
        },
    }
}

/// Asks what `plan` needs through `ask`, round by round, until it needs nothing more, the
/// rounds run out, or `deadline` passes. The queries of a round cut by the deadline are left
/// out of the snapshot (their records are `error`); earlier rounds' answers stay.
async fn collect<F, Fut>(plan: &Plan<'_>, deadline: Option<Instant>, ask: F) -> (DnsSnapshot, usize)
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
        match deadline {
            None => snapshot.extend(round.await),
            Some(deadline) => match tokio::time::timeout_at(deadline.into(), round).await {
                Ok(answers) => snapshot.extend(answers),
                Err(_) => {
                    tracing::debug!(domain = %plan.domain, "deadline passed while collecting");
                    break;
                }
            },
        }
    }
    (snapshot, queries)
}

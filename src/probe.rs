//! One check of one domain: collect the answers the profile needs (through `dns/`), then judge
//! them (through `checks/`). The CLI, the API and the scheduler all call this.

use std::time::{Duration, Instant};

use crate::checks::{DnsSnapshot, DomainReport, Plan};
use crate::dns::Resolver;

/// Rounds of follow-up queries a check may take. SPF's lookup limit ends the walk well before:
/// each round follows one more level of includes.
const MAX_ROUNDS: usize = 16;

/// The verdict of one check, with what it cost.
#[derive(Clone, Debug)]
pub struct Probe {
    pub report: DomainReport,
    pub snapshot: DnsSnapshot,
    pub queries: usize,
    pub elapsed: Duration,
}

/// Resolves everything `plan` needs, round by round, each round's queries concurrently, then
/// evaluates.
pub async fn check(resolver: &Resolver, plan: &Plan<'_>) -> Probe {
    check_within(resolver, plan, None).await
}

/// As `check`, but stops collecting at `deadline`: queries not answered by then are left out
/// of the snapshot, so the records that needed them come out as `error` (no verdict).
#[tracing::instrument(skip_all, fields(domain = %plan.domain))]
pub async fn check_within(
    resolver: &Resolver,
    plan: &Plan<'_>,
    deadline: Option<Duration>,
) -> Probe {
    let started = Instant::now();
    let mut snapshot = DnsSnapshot::new();
    let mut queries = 0;
    for _ in 0..MAX_ROUNDS {
        let needed = plan.queries(&snapshot);
        if needed.is_empty() {
            break;
        }
        queries += needed.len();
        let round = resolver.resolve_all(needed);
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
    let report = plan.evaluate(&snapshot);
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
        queries,
        elapsed,
    }
}

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
#[tracing::instrument(skip_all, fields(domain = %plan.domain))]
pub async fn check(resolver: &Resolver, plan: &Plan<'_>) -> Probe {
    let started = Instant::now();
    let mut snapshot = DnsSnapshot::new();
    let mut queries = 0;
    for _ in 0..MAX_ROUNDS {
        let needed = plan.queries(&snapshot);
        if needed.is_empty() {
            break;
        }
        queries += needed.len();
        snapshot.extend(resolver.resolve_all(needed).await);
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

//! A registered domain's lifecycle: pending → verified → failing and back, and when to check it
//! next. Pure: the scheduler and the API pass in the time and the check's report.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::checks::{DomainReport, RecordCheck, RecordStatus};
use crate::text::{Arg, Text, codes};

/// Where a registered domain stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DomainStatus {
    /// Not yet passing, still inside the propagation window.
    Pending,
    /// Every required record passes.
    Verified,
    /// A required record fails: the window ran out, or a verified domain failed repeatedly.
    Failing,
    /// Only in history: the registration was deleted (a domain object never has it).
    Unregistered,
}

impl DomainStatus {
    pub const ALL: [DomainStatus; 3] = [
        DomainStatus::Pending,
        DomainStatus::Verified,
        DomainStatus::Failing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DomainStatus::Pending => "pending",
            DomainStatus::Verified => "verified",
            DomainStatus::Failing => "failing",
            DomainStatus::Unregistered => "unregistered",
        }
    }
}

impl fmt::Display for DomainStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a domain status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a status: expected pending, verified or failing")]
pub struct UnknownStatus(pub String);

impl FromStr for DomainStatus {
    type Err = UnknownStatus;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        DomainStatus::ALL
            .into_iter()
            .chain([DomainStatus::Unregistered])
            .find(|status| status.as_str() == value)
            .ok_or_else(|| UnknownStatus(value.to_string()))
    }
}

/// The timing and tolerance rules of the lifecycle.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// How often a pending domain is checked during its first `pending_fast_for`.
    pub pending_interval: Duration,
    pub pending_fast_for: Duration,
    /// How often a pending domain is checked after that.
    pub pending_slow_interval: Duration,
    pub verified_interval: Duration,
    pub failing_interval: Duration,
    /// Each interval is spread by ± this fraction, so domains registered together drift apart.
    pub jitter: f64,
    /// How long a domain may stay pending before it counts as failing.
    pub propagation_window: Duration,
    /// Consecutive conclusive failing checks that turn a verified domain into failing.
    pub fail_after: u32,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            pending_interval: Duration::from_secs(2 * 60),
            pending_fast_for: Duration::from_secs(60 * 60),
            pending_slow_interval: Duration::from_secs(10 * 60),
            verified_interval: Duration::from_secs(60 * 60),
            failing_interval: Duration::from_secs(15 * 60),
            jitter: 0.1,
            propagation_window: Duration::from_secs(72 * 60 * 60),
            fail_after: 3,
        }
    }
}

/// A status change, as history keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub at: DateTime<Utc>,
    pub from: Option<DomainStatus>,
    pub to: DomainStatus,
    /// Why, as a finding (the store keeps its code and values).
    pub reason: Text,
}

/// The part of a registration the lifecycle changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    pub status: DomainStatus,
    pub status_since: DateTime<Utc>,
    /// Conclusive failing checks in a row while verified.
    pub consecutive_failures: u32,
}

impl Lifecycle {
    /// A fresh registration: pending from now.
    pub fn registered(now: DateTime<Utc>) -> Self {
        Lifecycle {
            status: DomainStatus::Pending,
            status_since: now,
            consecutive_failures: 0,
        }
    }

    /// Applies one check's report. `previous` holds the records of the check before, to name
    /// what changed. Returns the transition when the status changes.
    pub fn apply(
        &mut self,
        report: &DomainReport,
        previous: &[RecordCheck],
        now: DateTime<Utc>,
        schedule: &Schedule,
    ) -> Option<Transition> {
        // A check with any lookup error has no verdict: it must not move the status, in either
        // direction, nor count towards fail_after.
        if report.has_errors() {
            return None;
        }
        let (next, reason) = if report.ready {
            self.consecutive_failures = 0;
            match self.status {
                DomainStatus::Verified => return None,
                // A registration is never stored unregistered; were one checked, it is new.
                DomainStatus::Pending | DomainStatus::Unregistered => (
                    DomainStatus::Verified,
                    codes::history_passes(changes(report, previous)),
                ),
                DomainStatus::Failing => (
                    DomainStatus::Verified,
                    codes::history_passes_again(changes(report, previous)),
                ),
            }
        } else {
            match self.status {
                DomainStatus::Failing => return None,
                DomainStatus::Pending | DomainStatus::Unregistered => {
                    let pending_for = (now - self.status_since).to_std().unwrap_or_default();
                    if pending_for < schedule.propagation_window {
                        return None;
                    }
                    (
                        DomainStatus::Failing,
                        codes::history_window_expired(
                            humantime::format_duration(schedule.propagation_window).to_string(),
                            failing_records(report),
                        ),
                    )
                }
                DomainStatus::Verified => {
                    self.consecutive_failures += 1;
                    if self.consecutive_failures < schedule.fail_after {
                        return None;
                    }
                    (
                        DomainStatus::Failing,
                        codes::history_checks_failed(
                            self.consecutive_failures,
                            failing_records(report),
                            changes(report, previous),
                        ),
                    )
                }
            }
        };
        let transition = Transition {
            at: now,
            from: Some(self.status),
            to: next,
            reason,
        };
        self.status = next;
        self.status_since = now;
        if next != DomainStatus::Verified {
            self.consecutive_failures = 0;
        }
        Some(transition)
    }

    /// When to check next, from `now`, with a jitter that is stable for a given domain and time
    /// but differs between domains.
    pub fn next_check_at(
        &self,
        domain: &str,
        now: DateTime<Utc>,
        schedule: &Schedule,
    ) -> DateTime<Utc> {
        let interval = match self.status {
            DomainStatus::Pending | DomainStatus::Unregistered => {
                let pending_for = (now - self.status_since).to_std().unwrap_or_default();
                if pending_for < schedule.pending_fast_for {
                    schedule.pending_interval
                } else {
                    schedule.pending_slow_interval
                }
            }
            DomainStatus::Verified => schedule.verified_interval,
            DomainStatus::Failing => schedule.failing_interval,
        };
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (domain, now.timestamp_millis()).hash(&mut hasher);
        // A fraction in [-1, 1], spread evenly over domains.
        let spread = (hasher.finish() % 2001) as f64 / 1000.0 - 1.0;
        let factor = 1.0 + schedule.jitter.clamp(0.0, 0.5) * spread;
        let jittered = interval.mul_f64(factor);
        add_saturating(now, jittered)
    }
}

/// `time + duration`, or the latest representable time instead of an overflow panic.
pub fn add_saturating(time: DateTime<Utc>, duration: std::time::Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(duration)
        .ok()
        .and_then(|duration| time.checked_add_signed(duration))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// "spf shop.example: fail, dkim mte1._domainkey.shop.example: missing".
fn failing_records(report: &DomainReport) -> String {
    let failing: Vec<String> = report
        .records
        .iter()
        .filter(|record| record.status != RecordStatus::Pass)
        .map(|record| format!("{} {}: {}", record.kind, record.name, record.status))
        .collect();
    failing.join(", ")
}

/// " (spf shop.example: fail → pass)": the records whose status differs from the check before
/// (nothing when none does).
fn changes(report: &DomainReport, previous: &[RecordCheck]) -> Arg {
    let changed: Vec<String> = report
        .records
        .iter()
        .filter_map(|record| {
            let before = previous
                .iter()
                .find(|old| old.kind == record.kind && old.name == record.name)?;
            (before.status != record.status).then(|| {
                format!(
                    "{} {}: {} → {}",
                    record.kind, record.name, before.status, record.status
                )
            })
        })
        .collect();
    if changed.is_empty() {
        Arg::from("")
    } else {
        Arg::from(codes::history_changes(changed.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::RecordKind;

    fn record(status: RecordStatus) -> RecordCheck {
        RecordCheck {
            kind: RecordKind::Spf,
            name: "shop.example".into(),
            record_type: "TXT".into(),
            status,
            expected: crate::text::codes::spf_expected("spf.example"),
            found: vec![],
            message: crate::text::codes::spf_missing("shop.example"),
            fix: None,
            warnings: vec![],
            last_conclusive: None,
            required: true,
            propagation: None,
            dnssec: None,
        }
    }

    fn report(status: RecordStatus) -> DomainReport {
        DomainReport::new("shop.example", "mandrill", vec![record(status)])
    }

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap() + chrono::Duration::hours(hours)
    }

    #[test]
    fn pending_becomes_verified_when_everything_passes() {
        let mut life = Lifecycle::registered(at(0));
        let schedule = Schedule::default();
        assert_eq!(
            life.apply(&report(RecordStatus::Fail), &[], at(1), &schedule),
            None
        );
        let transition = life
            .apply(
                &report(RecordStatus::Pass),
                &[record(RecordStatus::Fail)],
                at(2),
                &schedule,
            )
            .unwrap();
        assert_eq!(transition.from, Some(DomainStatus::Pending));
        assert_eq!(transition.to, DomainStatus::Verified);
        assert_eq!(
            transition.reason.en(),
            "every required record passes (spf shop.example: fail → pass)"
        );
        assert_eq!(life.status_since, at(2));
    }

    #[test]
    fn absurd_intervals_saturate_instead_of_panicking() {
        let schedule = Schedule {
            verified_interval: std::time::Duration::from_secs(u64::MAX / 4),
            ..Schedule::default()
        };
        let life = Lifecycle {
            status: DomainStatus::Verified,
            status_since: at(0),
            consecutive_failures: 0,
        };
        assert_eq!(
            life.next_check_at("shop.example", at(1), &schedule),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(
            add_saturating(DateTime::<Utc>::MAX_UTC, std::time::Duration::from_secs(1)),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn pending_becomes_failing_only_after_the_propagation_window() {
        let mut life = Lifecycle::registered(at(0));
        let schedule = Schedule::default();
        assert_eq!(
            life.apply(&report(RecordStatus::Missing), &[], at(71), &schedule),
            None
        );
        let transition = life
            .apply(&report(RecordStatus::Missing), &[], at(72), &schedule)
            .unwrap();
        assert_eq!(transition.to, DomainStatus::Failing);
        assert!(
            transition.reason.en().contains("3days propagation window"),
            "{}",
            transition.reason.en()
        );
        assert!(transition.reason.en().contains("spf shop.example: missing"));
    }

    #[test]
    fn verified_needs_fail_after_consecutive_failures_and_a_pass_resets_the_count() {
        let schedule = Schedule::default();
        let mut life = Lifecycle {
            status: DomainStatus::Verified,
            status_since: at(0),
            consecutive_failures: 0,
        };
        let fail = report(RecordStatus::Fail);
        assert_eq!(life.apply(&fail, &[], at(1), &schedule), None);
        assert_eq!(life.apply(&fail, &[], at(2), &schedule), None);
        assert_eq!(
            life.apply(&report(RecordStatus::Pass), &[], at(3), &schedule),
            None
        );
        assert_eq!(life.consecutive_failures, 0);
        assert_eq!(life.apply(&fail, &[], at(4), &schedule), None);
        assert_eq!(life.apply(&fail, &[], at(5), &schedule), None);
        let transition = life.apply(&fail, &[], at(6), &schedule).unwrap();
        assert_eq!(transition.to, DomainStatus::Failing);
        assert!(
            transition
                .reason
                .en()
                .starts_with("3 consecutive checks failed")
        );
        let back = life
            .apply(&report(RecordStatus::Pass), &[], at(7), &schedule)
            .unwrap();
        assert_eq!(back.to, DomainStatus::Verified);
        assert!(back.reason.en().contains("again"));
    }

    #[test]
    fn inconclusive_checks_change_nothing() {
        let schedule = Schedule::default();
        let mut life = Lifecycle {
            status: DomainStatus::Verified,
            status_since: at(0),
            consecutive_failures: 2,
        };
        let inconclusive = DomainReport::new(
            "shop.example",
            "mandrill",
            vec![record(RecordStatus::Fail), record(RecordStatus::Error)],
        );
        for hour in 1..100 {
            assert_eq!(life.apply(&inconclusive, &[], at(hour), &schedule), None);
        }
        assert_eq!(life.status, DomainStatus::Verified);
        assert_eq!(life.consecutive_failures, 2);
        let mut pending = Lifecycle::registered(at(0));
        assert_eq!(pending.apply(&inconclusive, &[], at(100), &schedule), None);
        assert_eq!(pending.status, DomainStatus::Pending);
    }

    #[test]
    fn next_check_follows_the_status_with_bounded_jitter() {
        let schedule = Schedule::default();
        let pending = Lifecycle::registered(at(0));
        let within = |next: DateTime<Utc>, now: DateTime<Utc>, minutes: i64| {
            let seconds = (next - now).num_seconds();
            let nominal = minutes * 60;
            assert!(
                (nominal * 9 / 10..=nominal * 11 / 10).contains(&seconds),
                "{seconds}s vs {nominal}s"
            );
        };
        within(
            pending.next_check_at("a.example", at(0), &schedule),
            at(0),
            2,
        );
        within(
            pending.next_check_at("a.example", at(2), &schedule),
            at(2),
            10,
        );
        let verified = Lifecycle {
            status: DomainStatus::Verified,
            ..pending.clone()
        };
        within(
            verified.next_check_at("a.example", at(0), &schedule),
            at(0),
            60,
        );
        let failing = Lifecycle {
            status: DomainStatus::Failing,
            ..pending.clone()
        };
        within(
            failing.next_check_at("a.example", at(0), &schedule),
            at(0),
            15,
        );
        // Domains registered at the same moment spread out.
        let times: std::collections::BTreeSet<_> = (0..50)
            .map(|n| pending.next_check_at(&format!("d{n}.example"), at(0), &schedule))
            .collect();
        assert!(times.len() > 40, "only {} distinct times", times.len());
    }

    #[test]
    fn statuses_parse_from_their_names_only() {
        assert_eq!("verified".parse(), Ok(DomainStatus::Verified));
        assert!("Verified".parse::<DomainStatus>().is_err());
    }
}

//! Memory of authoritative servers that do not answer, as BIND's address database and
//! unbound's infrastructure cache keep it: a server that timed out or refused the connection
//! is held back (not asked) for a period that doubles with each failure in a row, from
//! `FIRST_HOLD` to `MAX_HOLD`, and is asked again once it ends. Any answer — even REFUSED or
//! a lame one — clears the memory: the server is there, and what it said is judged elsewhere.
//!
//! Entries are bounded (`MAX_ENTRIES`); past the bound the entry whose hold ends first is
//! dropped, so a flood of dead servers costs memory of a fixed size and at worst one more
//! budget per check for a forgotten one.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// How long a server is held back after its first failure.
pub const FIRST_HOLD: Duration = Duration::from_secs(60);
/// The longest hold, however many failures in a row.
pub const MAX_HOLD: Duration = Duration::from_secs(30 * 60);
/// Servers remembered at once.
pub const MAX_ENTRIES: usize = 10_000;

/// Why a server gave no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer before the wait ended (a silent or firewalled server, or the budget ran out).
    Timeout,
    /// The port is closed: an ICMP port-unreachable (UDP) or a refused connection (TCP).
    Refused,
}

/// What is remembered of one server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    /// Failures in a row.
    failures: u32,
    /// When the first of them happened (wall clock, for "no answer since …").
    since: DateTime<Utc>,
    last: Failure,
    held_until: Instant,
}

/// A server not to ask now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    /// When it last answered nothing for the first time in this run of failures.
    pub since: DateTime<Utc>,
    pub last: Failure,
    /// Failures in a row.
    pub failures: u32,
}

/// The memory, shared by every check of one resolver.
#[derive(Debug, Default)]
pub struct Health {
    entries: Mutex<HashMap<SocketAddr, Entry>>,
}

impl Health {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Some` while `server` is held back; `None` when it may be asked (never failed, or its
    /// hold ended: this query is the probe that tells whether it is back).
    pub fn held(&self, server: SocketAddr, now: Instant) -> Option<Held> {
        let entries = self.lock();
        let entry = entries.get(&server)?;
        (now < entry.held_until).then_some(Held {
            since: entry.since,
            last: entry.last,
            failures: entry.failures,
        })
    }

    /// `server` answered: it is forgotten.
    pub fn answered(&self, server: SocketAddr) {
        let mut entries = self.lock();
        if !entries.is_empty() {
            entries.remove(&server);
        }
    }

    /// `server` gave no answer. Failures while it is already held (the other queries of the
    /// check that found it silent) are the same event and do not lengthen the hold.
    pub fn failed(&self, server: SocketAddr, failure: Failure, now: Instant, wall: DateTime<Utc>) {
        let mut entries = self.lock();
        if let Some(entry) = entries.get_mut(&server) {
            if now < entry.held_until {
                return;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last = failure;
            entry.held_until = now + hold_for(entry.failures);
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            // Make room: the entry whose hold ends first is the one closest to being asked
            // again anyway.
            if let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, entry)| entry.held_until)
                .map(|(address, _)| *address)
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            server,
            Entry {
                failures: 1,
                since: wall,
                last: failure,
                held_until: now + hold_for(1),
            },
        );
    }

    /// Servers held back at `now`, for `/metrics`.
    pub fn held_count(&self, now: Instant) -> usize {
        self.lock()
            .values()
            .filter(|entry| now < entry.held_until)
            .count()
    }

    /// Servers remembered (held back, or waiting for the probe after their hold).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The hold after `failures` failures in a row: `FIRST_HOLD` doubled for each one after the
/// first, at most `MAX_HOLD`.
pub fn hold_for(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_HOLD.saturating_mul(1 << doublings).min(MAX_HOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(last: u8) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, last], 53))
    }

    #[test]
    fn the_hold_doubles_with_each_failure_up_to_the_ceiling() {
        assert_eq!(hold_for(1), Duration::from_secs(60));
        assert_eq!(hold_for(2), Duration::from_secs(120));
        assert_eq!(hold_for(5), Duration::from_secs(960));
        assert_eq!(hold_for(6), MAX_HOLD);
        assert_eq!(hold_for(u32::MAX), MAX_HOLD);
    }

    #[test]
    fn a_failed_server_is_held_then_probed_and_forgotten_when_it_answers() {
        let health = Health::default();
        let start = Instant::now();
        let wall = Utc::now();
        assert_eq!(health.held(server(1), start), None);
        health.failed(server(1), Failure::Timeout, start, wall);
        let held = health.held(server(1), start).expect("held");
        assert_eq!((held.since, held.failures), (wall, 1));
        // The check's other queries failing at once are the same event.
        health.failed(server(1), Failure::Timeout, start, wall);
        assert_eq!(health.held(server(1), start).unwrap().failures, 1);
        assert_eq!(health.held_count(start), 1);
        // The hold ends: the next query is the probe.
        let later = start + FIRST_HOLD;
        assert_eq!(health.held(server(1), later), None);
        assert_eq!(health.held_count(later), 0);
        // The probe fails: held twice as long, still "since" the first failure.
        health.failed(server(1), Failure::Refused, later, wall);
        let held = health.held(server(1), later).unwrap();
        assert_eq!(
            (held.failures, held.last, held.since),
            (2, Failure::Refused, wall)
        );
        assert!(health.held(server(1), later + FIRST_HOLD).is_some());
        assert!(health.held(server(1), later + FIRST_HOLD * 2).is_none());
        health.answered(server(1));
        assert!(health.is_empty());
    }

    #[test]
    fn entries_are_bounded() {
        let health = Health::default();
        let start = Instant::now();
        for index in 0..MAX_ENTRIES + 10 {
            let address =
                SocketAddr::from((std::net::Ipv4Addr::from(0x0a00_0000 + index as u32), 53));
            health.failed(
                address,
                Failure::Timeout,
                start + Duration::from_millis(index as u64),
                Utc::now(),
            );
        }
        assert_eq!(health.len(), MAX_ENTRIES);
    }
}

//! The time the daemon acts on: the system clock in production, a hand-driven one in tests, so
//! scheduler rules that span hours are tested without waiting.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Whether this is the machine's own clock (which replicas replace by the database's).
    fn is_system(&self) -> bool {
        false
    }
}

/// The system's UTC clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn is_system(&self) -> bool {
        true
    }
}

/// The machine's clock moved by an offset measured against another clock: replicas sharing a
/// PostgreSQL database all act on the database's time, so leases, due times and check times
/// agree whatever each machine's clock says.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ms: std::sync::atomic::AtomicI64,
}

impl OffsetClock {
    /// Sets the offset from a reading of the other clock, `theirs`, taken when this machine's
    /// clock said `ours`.
    pub fn follow(&self, theirs: DateTime<Utc>, ours: DateTime<Utc>) {
        self.offset_ms.store(
            (theirs - ours).num_milliseconds(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    pub fn offset(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(self.offset_ms.load(std::sync::atomic::Ordering::Relaxed))
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: Mutex::new(start),
        }
    }

    pub fn advance(&self, by: std::time::Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_follows_the_other_clock_whichever_way_it_is_off() {
        let clock = OffsetClock::default();
        let ours = Utc::now();
        // The database is 90 s ahead of this machine.
        clock.follow(ours + chrono::Duration::seconds(90), ours);
        let ahead = clock.now() - Utc::now();
        assert!(
            (ahead - chrono::Duration::seconds(90))
                .num_milliseconds()
                .abs()
                < 1_000
        );
        // Then 2 s behind.
        clock.follow(ours - chrono::Duration::seconds(2), ours);
        assert_eq!(clock.offset(), chrono::Duration::seconds(-2));
        assert!(SystemClock.is_system() && !clock.is_system());
    }
}

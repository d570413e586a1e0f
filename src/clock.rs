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

/// One reading of another clock: `theirs`, taken between this machine's `sent` and
/// `received`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub theirs: DateTime<Utc>,
    pub sent: DateTime<Utc>,
    pub received: DateTime<Utc>,
}

impl Sample {
    /// The round trip: the reading's uncertainty.
    pub fn round_trip(&self) -> chrono::Duration {
        self.received - self.sent
    }

    /// This machine's time when the other clock was read: the round trip's midpoint.
    pub fn ours(&self) -> DateTime<Utc> {
        self.sent + self.round_trip() / 2
    }
}

/// Of several readings, the one with the shortest round trip (NTP's choice): a reading delayed
/// by a busy server or a scheduler hiccup moves the midpoint by up to half its round trip.
pub fn best_sample(samples: &[Sample]) -> Option<Sample> {
    samples
        .iter()
        .filter(|sample| sample.received >= sample.sent)
        .min_by_key(|sample| sample.round_trip())
        .copied()
}

/// Whether this machine's clock was stepped (NTP, an operator) between two readings: the wall
/// clock moved by more than `tolerance` away from the monotonic clock, so an offset measured
/// before is wrong now.
pub fn stepped(
    wall_elapsed: chrono::Duration,
    monotonic_elapsed: std::time::Duration,
    tolerance: chrono::Duration,
) -> bool {
    let monotonic = chrono::Duration::from_std(monotonic_elapsed).unwrap_or(chrono::Duration::MAX);
    (wall_elapsed - monotonic).abs() > tolerance
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

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
    }

    #[test]
    fn the_reading_with_the_shortest_round_trip_is_kept() {
        let sample = |theirs, sent, received| Sample {
            theirs: at(theirs),
            sent: at(sent),
            received: at(received),
        };
        let samples = [
            // Waited 1 s for a pool connection inside the reading: its midpoint is 500 ms off.
            sample(1_010, 0, 1_010),
            sample(2_005, 2_000, 2_010),
            sample(3_050, 3_000, 3_100),
        ];
        let best = best_sample(&samples).unwrap();
        assert_eq!(best.round_trip(), chrono::Duration::milliseconds(10));
        assert_eq!(best.ours(), at(2_005));
        assert_eq!(best_sample(&[]), None);
    }

    #[test]
    fn a_step_of_the_wall_clock_is_noticed() {
        let tolerance = chrono::Duration::milliseconds(500);
        let second = std::time::Duration::from_secs(1);
        assert!(!stepped(
            chrono::Duration::milliseconds(1_010),
            second,
            tolerance
        ));
        assert!(stepped(chrono::Duration::seconds(4), second, tolerance));
        assert!(stepped(chrono::Duration::seconds(-2), second, tolerance));
    }

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

//! Every active registration's latest state, in memory: status reads (`get`, `list`) are
//! answered from here and never wait for a database connection, so a burst of readers cannot
//! exhaust the pool. The store feeds it after each committed write.
//!
//! Writes commit in the database's order but may reach this map out of order, so each update
//! carries the sequence number its transaction took while it held SQLite's write lock, and an
//! older update never replaces a newer one.
//!
//! Memory: a registration's record set is kept as its stored row (`rows::encode`), deflated —
//! about a tenth of the decoded structs — and decoded when read. 100,000 registrations then fit
//! the daemon's 150 MiB budget (BENCHMARKS.md, status reads).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::ops::Bound;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{DomainRecord, rows};
use crate::checks::RecordCheck;
use crate::status::DomainStatus;

/// A registration as held in memory: everything but the records as is, the records packed.
#[derive(Debug)]
struct Packed {
    /// The record with `records` empty.
    head: DomainRecord,
    records: Records,
}

#[derive(Debug)]
enum Records {
    /// The stored row's JSON, deflated.
    Deflated(Box<[u8]>),
    /// Kept as is when packing failed (it cannot, short of memory).
    Plain(Vec<RecordCheck>),
}

impl Packed {
    fn new(mut record: DomainRecord) -> Self {
        let checks = std::mem::take(&mut record.records);
        let records = match deflate(&checks) {
            Some(bytes) => Records::Deflated(bytes),
            None => Records::Plain(checks),
        };
        Packed {
            head: record,
            records,
        }
    }

    fn unpack(&self) -> DomainRecord {
        let mut record = self.head.clone();
        record.records = match &self.records {
            Records::Plain(checks) => checks.clone(),
            Records::Deflated(bytes) => inflate(bytes).unwrap_or_else(|problem| {
                tracing::error!(domain = %record.domain, %problem, "a packed record set does not unpack");
                Vec::new()
            }),
        };
        record
    }
}

fn deflate(records: &[RecordCheck]) -> Option<Box<[u8]>> {
    let text = rows::encode(records).ok()?;
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes()).ok()?;
    encoder.finish().ok().map(Vec::into_boxed_slice)
}

fn inflate(bytes: &[u8]) -> Result<Vec<RecordCheck>, String> {
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|error| error.to_string())?;
    rows::decode(rows::RECORDS_VERSION, &text)
}

#[derive(Debug, Default)]
pub struct ReadModel {
    sequence: AtomicU64,
    /// Domain → (sequence of the write that set it, the record; `None` once unregistered).
    rows: RwLock<BTreeMap<String, (u64, Option<Packed>)>>,
}

impl ReadModel {
    /// A model holding `records` (tests; the store loads row by row with `put`).
    #[cfg(test)]
    pub fn new(records: impl IntoIterator<Item = DomainRecord>) -> Self {
        let rows = records
            .into_iter()
            .map(|record| (record.domain.clone(), (0, Some(Packed::new(record)))))
            .collect();
        ReadModel {
            sequence: AtomicU64::new(0),
            rows: RwLock::new(rows),
        }
    }

    /// The next write's sequence number; taken inside the write transaction.
    pub fn next_sequence(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Stores the state a committed write left, unless a later write already did.
    pub fn put(&self, sequence: u64, record: DomainRecord) {
        self.set(sequence, record.domain.clone(), Some(record));
    }

    /// Forgets a registration, unless a later write already stored it again.
    pub fn remove(&self, sequence: u64, domain: &str) {
        self.set(sequence, domain.to_string(), None);
    }

    fn set(&self, sequence: u64, domain: String, record: Option<DomainRecord>) {
        // Packed before the lock is taken: readers never wait for compression.
        let record = record.map(Packed::new);
        let mut rows = self
            .rows
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match rows.get(&domain) {
            Some((current, _)) if *current > sequence => {}
            _ => {
                rows.insert(domain, (sequence, record));
            }
        }
    }

    pub fn get(&self, domain: &str) -> Option<DomainRecord> {
        let rows = self
            .rows
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let packed = rows.get(domain).and_then(|(_, record)| record.as_ref());
        packed.map(Packed::unpack)
    }

    /// Up to `limit` registrations after `after`, in domain order, optionally of one status.
    pub fn list(
        &self,
        status: Option<DomainStatus>,
        after: Option<&str>,
        limit: usize,
    ) -> Vec<DomainRecord> {
        let rows = self
            .rows
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = match after {
            Some(after) => Bound::Excluded(after.to_string()),
            None => Bound::Unbounded,
        };
        rows.range((start, Bound::Unbounded))
            .filter_map(|(_, (_, record))| record.as_ref())
            .filter(|packed| status.is_none_or(|status| packed.head.lifecycle.status == status))
            .take(limit)
            .map(Packed::unpack)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Lifecycle;

    fn record(domain: &str, status: DomainStatus) -> DomainRecord {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        DomainRecord {
            domain: domain.into(),
            profile: "mandrill".into(),
            token: None,
            params: Default::default(),
            generation: 1,
            created_at: at,
            lifecycle: Lifecycle {
                status,
                status_since: at,
                consecutive_failures: 0,
            },
            checked_at: None,
            next_check_at: at,
            ready: false,
            records: vec![],
        }
    }

    #[test]
    fn an_older_write_never_replaces_a_newer_one() {
        let model = ReadModel::default();
        let first = model.next_sequence();
        let second = model.next_sequence();
        model.put(second, record("a.example", DomainStatus::Verified));
        model.put(first, record("a.example", DomainStatus::Pending));
        assert_eq!(
            model.get("a.example").unwrap().lifecycle.status,
            DomainStatus::Verified
        );
        model.remove(first, "a.example");
        assert!(
            model.get("a.example").is_some(),
            "a stale removal is ignored"
        );
        let third = model.next_sequence();
        model.remove(third, "a.example");
        assert!(model.get("a.example").is_none());
    }

    #[test]
    fn records_come_back_whole_from_their_packed_form() {
        let mut with_records = record("a.example", DomainStatus::Pending);
        let check = crate::checks::RecordCheck::new(
            crate::checks::RecordKind::Mx,
            "a.example",
            "MX",
            "MX 10 mx.example.net".to_string(),
            crate::checks::Fix::mx("a.example", &["10 mx.example.net".to_string()]),
        );
        with_records.records = vec![check; 5];
        let model = ReadModel::new([with_records.clone()]);
        assert_eq!(model.get("a.example"), Some(with_records.clone()));
        assert_eq!(model.list(None, None, 1), [with_records]);
    }

    #[test]
    fn lists_page_in_domain_order_and_filter_by_status() {
        let model = ReadModel::new([
            record("c.example", DomainStatus::Pending),
            record("a.example", DomainStatus::Verified),
            record("b.example", DomainStatus::Pending),
        ]);
        let names = |records: Vec<DomainRecord>| -> Vec<String> {
            records.into_iter().map(|record| record.domain).collect()
        };
        assert_eq!(names(model.list(None, None, 2)), ["a.example", "b.example"]);
        assert_eq!(
            names(model.list(None, Some("b.example"), 10)),
            ["c.example"]
        );
        assert_eq!(
            names(model.list(Some(DomainStatus::Pending), None, 10)),
            ["b.example", "c.example"]
        );
    }
}

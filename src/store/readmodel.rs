//! Every active registration's latest state, in memory: status reads (`get`, `list`) are
//! answered from here and never wait for a database connection, so a burst of readers cannot
//! exhaust the pool. The store feeds it after each committed write.
//!
//! Writes commit in the database's order but may reach this map out of order, so each update
//! carries the sequence number its transaction took while it held SQLite's write lock, and an
//! older update never replaces a newer one.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::DomainRecord;
use crate::status::DomainStatus;

#[derive(Debug, Default)]
pub struct ReadModel {
    sequence: AtomicU64,
    /// Domain → (sequence of the write that set it, the record; `None` once unregistered).
    rows: RwLock<BTreeMap<String, (u64, Option<DomainRecord>)>>,
}

impl ReadModel {
    /// A model holding `records`, as loaded at start.
    pub fn new(records: impl IntoIterator<Item = DomainRecord>) -> Self {
        let rows = records
            .into_iter()
            .map(|record| (record.domain.clone(), (0, Some(record))))
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
        rows.get(domain).and_then(|(_, record)| record.clone())
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
            .filter(|record| status.is_none_or(|status| record.lifecycle.status == status))
            .take(limit)
            .cloned()
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

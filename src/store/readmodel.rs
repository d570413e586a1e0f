//! Every active registration's latest state, in memory: status reads (`get`, `list`) are
//! answered from here and never wait for a database connection, so a burst of readers cannot
//! exhaust the pool. The store feeds it after each committed write.
//!
//! Writes commit in the database's order but may reach this map out of order, so each update
//! carries the sequence number its transaction took while it held SQLite's write lock, and an
//! older update never replaces a newer one.
//!
//! Memory: a registration is kept as one deflated JSON document (its records as their stored
//! row, `rows::encode`) beside its status, and decoded when read, so 100,000 registrations fit
//! the daemon's 150 MiB budget (BENCHMARKS.md, status reads).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use std::sync::Arc;

use super::{DomainRecord, Snapshot, rows};
use crate::status::{DomainStatus, Lifecycle};

/// A registration as held in memory: its status (lists filter on it) beside the whole
/// registration as one deflated JSON document (`PackedRow`, the records being their stored
/// row) — about a sixth of the decoded structs.
#[derive(Debug)]
struct Packed {
    status: DomainStatus,
    paused: bool,
    form: Form,
}

#[derive(Debug)]
enum Form {
    /// The registration as one deflated JSON document (`PackedRow`).
    Deflated(Box<[u8]>),
    /// Kept as is when packing failed (it cannot, short of memory).
    Plain(Box<DomainRecord>),
}

/// What `Packed` deflates: a `DomainRecord` without its domain (the map's key).
#[derive(Serialize, Deserialize)]
struct PackedRow<'a> {
    profile: String,
    token: Option<String>,
    params: BTreeMap<String, String>,
    generation: i64,
    created_at: DateTime<Utc>,
    status_since: DateTime<Utc>,
    consecutive_failures: u32,
    checked_at: Option<DateTime<Utc>>,
    next_check_at: DateTime<Utc>,
    ready: bool,
    #[serde(default)]
    proven_at: Option<DateTime<Utc>>,
    #[serde(borrow)]
    records: &'a RawValue,
}

impl Packed {
    fn new(record: DomainRecord) -> Self {
        let status = record.lifecycle.status;
        let paused = record.paused;
        let form = match deflate(&record) {
            Some(bytes) => Form::Deflated(bytes),
            None => Form::Plain(Box::new(record)),
        };
        Packed {
            status,
            paused,
            form,
        }
    }

    fn unpack(&self, domain: &str) -> Option<DomainRecord> {
        match &self.form {
            Form::Plain(record) => Some(record.as_ref().clone()),
            Form::Deflated(bytes) => match inflate(domain, self.status, self.paused, bytes) {
                Ok(record) => Some(record),
                Err(problem) => {
                    tracing::error!(%domain, %problem, "a packed registration does not unpack");
                    None
                }
            },
        }
    }
}

fn deflate(record: &DomainRecord) -> Option<Box<[u8]>> {
    let records = rows::encode(&record.records).ok()?;
    let records = RawValue::from_string(records).ok()?;
    let row = PackedRow {
        profile: record.profile.clone(),
        token: record.token.clone(),
        params: record.params.clone(),
        generation: record.generation,
        created_at: record.created_at,
        status_since: record.lifecycle.status_since,
        consecutive_failures: record.lifecycle.consecutive_failures,
        checked_at: record.checked_at,
        next_check_at: record.next_check_at,
        ready: record.ready,
        proven_at: record.proven_at,
        records: &records,
    };
    let text = serde_json::to_vec(&row).ok()?;
    crate::compress::deflate(&text)
        .ok()
        .map(Vec::into_boxed_slice)
}

fn inflate(
    domain: &str,
    status: DomainStatus,
    paused: bool,
    bytes: &[u8],
) -> Result<DomainRecord, String> {
    let text = crate::compress::inflate(bytes)?;
    let row: PackedRow<'_> = serde_json::from_slice(&text).map_err(|error| error.to_string())?;
    Ok(DomainRecord {
        domain: domain.to_string(),
        profile: row.profile,
        token: row.token,
        params: row.params,
        generation: row.generation,
        created_at: row.created_at,
        lifecycle: Lifecycle {
            status,
            status_since: row.status_since,
            consecutive_failures: row.consecutive_failures,
        },
        checked_at: row.checked_at,
        next_check_at: row.next_check_at,
        ready: row.ready,
        records: rows::decode(rows::RECORDS_VERSION, row.records.get())?,
        paused,
        proven_at: row.proven_at,
    })
}

/// Registrations kept decoded because they were read lately: operators poll the few domains
/// they wait for, which then skip the inflating, and whose JSON body the API renders once per
/// change (`Snapshot`). Bounded (about 10 KiB each); reads in the default language meet the
/// kept bodies first, so these serve the other languages and reads the bodies' budget left out.
const HOT_ENTRIES: usize = 1024;

/// What the kept response bodies may hold in all, gzip compressed (about a kilobyte a verified
/// registration: 20,000 fit). When it is spent, one read in `ADMIT_WHEN_FULL` that misses
/// keeps its body in place of others: what is read again and again (a poller's domains) gets
/// in within a few reads, while a sweep over more registrations than fit pays the compression
/// on few of its misses.
const BODY_BUDGET: usize = 24 << 20;
const ADMIT_WHEN_FULL: u64 = 8;

/// Response bodies of status reads, gzip compressed, by domain (`body`, `keep_body`).
#[derive(Debug, Default)]
struct Bodies {
    map: std::collections::HashMap<String, bytes::Bytes>,
    /// Bytes held: bodies and keys.
    size: usize,
    /// Misses asked about while the budget was spent (`admits`).
    misses_when_full: u64,
}

impl Bodies {
    fn remove(&mut self, domain: &str) {
        if let Some(body) = self.map.remove(domain) {
            self.size = self.size.saturating_sub(body.len() + domain.len());
        }
    }

    fn has_room(&self, size: usize) -> bool {
        self.size + size <= BODY_BUDGET
    }

    /// Whether a body of about `size` bytes is to be kept: when there is room, and else for one
    /// miss in `ADMIT_WHEN_FULL`.
    fn admits(&mut self, size: usize) -> bool {
        if self.has_room(size) {
            return true;
        }
        self.misses_when_full += 1;
        self.misses_when_full.is_multiple_of(ADMIT_WHEN_FULL)
    }

    /// Keeps `body`, making room by forgetting others (whichever the map yields first).
    fn insert(&mut self, domain: &str, body: bytes::Bytes) {
        self.remove(domain);
        let size = body.len() + domain.len();
        if size > BODY_BUDGET {
            return;
        }
        while !self.has_room(size) {
            let Some(other) = self.map.keys().next().cloned() else {
                break;
            };
            self.remove(&other);
        }
        self.size += size;
        self.map.insert(domain.to_string(), body);
    }
}

#[derive(Debug, Default)]
pub struct ReadModel {
    sequence: AtomicU64,
    /// Domain → (sequence of the write that set it, the record; `None` once unregistered).
    rows: RwLock<BTreeMap<String, (u64, Option<Packed>)>>,
    /// Lately read registrations, decoded. Changed only under `rows`' lock (read to fill,
    /// write to invalidate), so an entry is never older than the row.
    hot: std::sync::Mutex<std::collections::HashMap<String, Arc<Snapshot>>>,
    /// Rendered status-read bodies, gzip compressed, kept until a write changes the
    /// registration (under `rows`' write lock, as `hot`) or the budget is spent: a read of any
    /// registration already read is a lookup, whether or not it is among the decoded ones.
    bodies: std::sync::Mutex<Bodies>,
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
            hot: Default::default(),
            bodies: Default::default(),
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
                self.hot().remove(&domain);
                self.bodies().remove(&domain);
                rows.insert(domain, (sequence, record));
            }
        }
    }

    fn hot(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Arc<Snapshot>>> {
        self.hot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bodies(&self) -> std::sync::MutexGuard<'_, Bodies> {
        self.bodies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The kept response body of `domain` (gzip), if no write changed it since it was kept.
    pub fn body(&self, domain: &str) -> Option<bytes::Bytes> {
        self.bodies().map.get(domain).cloned()
    }

    /// Whether a body of `domain` of about `size` bytes is to be kept now (so a reader past
    /// the budget does not compress one for nothing); see `ADMIT_WHEN_FULL`.
    pub fn admits(&self, domain: &str, size: usize) -> bool {
        self.bodies().admits(size + domain.len())
    }

    /// Keeps `body` as the response `snapshot` renders to, if `snapshot` is still the
    /// registration's state: checked and kept under the rows' read lock, so a write (which
    /// forgets the body under the write lock) cannot come in between.
    pub fn keep_body(&self, domain: &str, snapshot: &Snapshot, body: bytes::Bytes) {
        let rows = self
            .rows
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if matches!(rows.get(domain), Some((sequence, Some(_))) if *sequence == snapshot.version) {
            self.bodies().insert(domain, body);
        }
    }

    /// The registration's state; the same snapshot for every read until a write replaces it
    /// (or it leaves the bounded set of lately read ones).
    pub fn get(&self, domain: &str) -> Option<Arc<Snapshot>> {
        let rows = self
            .rows
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(snapshot) = self.hot().get(domain) {
            return Some(Arc::clone(snapshot));
        }
        let (sequence, packed) = rows.get(domain)?;
        let packed = packed.as_ref()?;
        let record = Arc::new(Snapshot::at(packed.unpack(domain)?, *sequence));
        // Filled while the rows are read-locked: a write (which invalidates under the write
        // lock) cannot slip in between the unpacking and the filling.
        let mut hot = self.hot();
        if hot.len() >= HOT_ENTRIES {
            // Crude but bounded: start over; polled domains come back at once.
            hot.clear();
        }
        hot.insert(domain.to_string(), Arc::clone(&record));
        Some(record)
    }

    /// Up to `limit` registrations after `after`, in domain order, that match `filter`.
    pub fn list(
        &self,
        filter: &super::ListFilter,
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
            .filter_map(|(domain, (_, record))| Some((domain, record.as_ref()?)))
            .filter(|(domain, packed)| filter.matches(domain, packed.status, packed.paused))
            .take(limit)
            .filter_map(|(domain, packed)| packed.unpack(domain))
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
            paused: false,
            proven_at: Some(at),
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
            model.get("a.example").unwrap().record.lifecycle.status,
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
    fn a_lately_read_registration_is_never_served_older_than_its_row() {
        let model = ReadModel::new([record("a.example", DomainStatus::Pending)]);
        assert_eq!(
            model.get("a.example").unwrap().record.lifecycle.status,
            DomainStatus::Pending
        );
        // Read once: now kept decoded, and what a reader rendered is kept with it.
        let render = |record: &DomainRecord| {
            Ok::<_, ()>(bytes::Bytes::from(record.lifecycle.status.to_string()))
        };
        let first = model.get("a.example").unwrap().rendered(render).unwrap();
        assert_eq!(first, "pending");
        let again = model.get("a.example").unwrap();
        assert_eq!(again.rendered(|_| Err(())), Ok(first));
        // A write replaces both the state and its rendering.
        let sequence = model.next_sequence();
        model.put(sequence, record("a.example", DomainStatus::Verified));
        assert_eq!(
            model.get("a.example").unwrap().record.lifecycle.status,
            DomainStatus::Verified
        );
        let after = model.get("a.example").unwrap().rendered(render).unwrap();
        assert_eq!(after, "verified");
        model.remove(model.next_sequence(), "a.example");
        assert!(model.get("a.example").is_none());
        // Bounded: far more domains read than kept.
        let many = ReadModel::new(
            (0..HOT_ENTRIES * 2).map(|n| record(&format!("d{n}.example"), DomainStatus::Pending)),
        );
        for n in 0..HOT_ENTRIES * 2 {
            assert!(many.get(&format!("d{n}.example")).is_some());
        }
        assert!(many.hot().len() <= HOT_ENTRIES);
    }

    #[test]
    fn kept_bodies_are_forgotten_on_write_never_kept_stale_and_stay_in_budget() {
        let model = ReadModel::new([record("a.example", DomainStatus::Pending)]);
        let body = bytes::Bytes::from_static(b"gzip bytes");
        let first = model.get("a.example").unwrap();
        model.keep_body("a.example", &first, body.clone());
        assert_eq!(model.body("a.example"), Some(body.clone()));
        // A write forgets it; the snapshot read before the write is not kept again.
        model.put(
            model.next_sequence(),
            record("a.example", DomainStatus::Verified),
        );
        assert_eq!(model.body("a.example"), None);
        model.keep_body("a.example", &first, body.clone());
        assert_eq!(model.body("a.example"), None, "a stale body is refused");
        let second = model.get("a.example").unwrap();
        model.keep_body("a.example", &second, body.clone());
        assert_eq!(model.body("a.example"), Some(body));
        // Unregistered: gone, and not kept again.
        model.remove(model.next_sequence(), "a.example");
        assert_eq!(model.body("a.example"), None);
        model.keep_body("a.example", &second, bytes::Bytes::from_static(b"x"));
        assert_eq!(model.body("a.example"), None);
        // Past the budget a body is kept in place of others.
        let large = bytes::Bytes::from(vec![0u8; BODY_BUDGET / 2]);
        let many = ReadModel::new(
            ["b.example", "c.example", "d.example"]
                .map(|domain| record(domain, DomainStatus::Pending)),
        );
        for domain in ["b.example", "c.example", "d.example"] {
            let snapshot = many.get(domain).unwrap();
            many.keep_body(domain, &snapshot, large.clone());
        }
        // Each kept in place of the one before: never more than the budget.
        assert!(many.body("d.example").is_some());
        assert_eq!(many.body("b.example"), None);
        assert_eq!(many.body("c.example"), None);
        assert!(many.bodies().size <= BODY_BUDGET);
        // Full: one miss in ADMIT_WHEN_FULL is kept; a write frees room for every one.
        let admitted = (0..ADMIT_WHEN_FULL * 4)
            .filter(|_| many.admits("b.example", large.len()))
            .count();
        assert_eq!(admitted, 4);
        many.put(
            many.next_sequence(),
            record("d.example", DomainStatus::Verified),
        );
        assert!((0..8).all(|_| many.admits("b.example", large.len())));
    }

    #[test]
    fn records_come_back_whole_from_their_packed_form() {
        let mut with_records = record("a.example", DomainStatus::Pending);
        let check = crate::checks::RecordCheck::new(
            crate::checks::RecordKind::Mx,
            "a.example",
            "MX",
            crate::text::codes::expect_mx("10 mx.example.net"),
            crate::checks::Fix::mx("a.example", &["10 mx.example.net".to_string()]),
        );
        with_records.records = vec![check; 5];
        let model = ReadModel::new([with_records.clone()]);
        assert_eq!(
            model.get("a.example").map(|s| s.record.clone()),
            Some(with_records.clone())
        );
        assert_eq!(model.list(&Default::default(), None, 1), [with_records]);
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
        assert_eq!(
            names(model.list(&Default::default(), None, 2)),
            ["a.example", "b.example"]
        );
        assert_eq!(
            names(model.list(&Default::default(), Some("b.example"), 10)),
            ["c.example"]
        );
        assert_eq!(
            names(model.list(
                &super::super::ListFilter {
                    status: Some(DomainStatus::Pending),
                    contains: None,
                    paused: None,
                },
                None,
                10
            )),
            ["b.example", "c.example"]
        );
    }
}

//! Persistence: the only module that knows SQL. A `Store` trait, its SQLite implementation
//! (the embedded default, one process) and its PostgreSQL one (a shared database, several
//! replicas); `open` picks one by the URL's scheme. Each backend's schema lives in
//! `migrations/<backend>/` and is applied at start.

mod postgres;
mod readmodel;
pub mod rows;
mod sql;
mod sqlite;
mod statements;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::checks::RecordCheck;
use crate::status::{DomainStatus, Lifecycle, Transition};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Why the store could not do what was asked. Never "the domain is wrong": that is data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {}", database_cause(.0))]
    Database(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("store URL {0:?} is not supported: use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnsupportedUrl(String),
    #[error("the database takes no writes (a read-only standby, or read-only transactions)")]
    ReadOnly,
    #[error("disk full: {0}")]
    NoRoom(String),
    #[error("stored row for {domain} is corrupt: {reason}")]
    Corrupt { domain: String, reason: String },
    /// The failure of a check another caller was running, shared with those who awaited it.
    #[error(transparent)]
    Shared(std::sync::Arc<StoreError>),
}

/// What went wrong with the database, in the words an operator acts on.
fn database_cause(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(database)
            if database
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some() =>
        {
            // PostgreSQL's SQLSTATE: its class (two first characters) says what to do.
            let code = database.code().unwrap_or_default();
            let cause = match (code.get(..2), code.as_ref()) {
                (_, "53100") => "disk full",
                (_, "25006") => "database is read-only",
                (Some("53"), _) => "the database server is out of resources",
                (Some("57"), _) => "the database server is shutting down or restarting",
                (Some("08"), _) => "the connection to the database failed",
                (Some("28"), _) => "the database refused the credentials",
                _ => "",
            };
            if cause.is_empty() {
                format!("{} (SQLSTATE {code})", database.message())
            } else {
                format!("{cause} ({}, SQLSTATE {code})", database.message())
            }
        }
        sqlx::Error::Database(database) => {
            // SQLite's extended result code; the primary code is its low byte.
            let code = database
                .code()
                .and_then(|code| code.parse::<i64>().ok())
                .map(|code| code & 0xff);
            let cause = match code {
                Some(13) => "disk full",
                Some(8) => "database is read-only",
                Some(5) | Some(6) => "database is locked",
                Some(10) => "disk I/O error",
                Some(14) => "cannot open the database file",
                Some(11) | Some(26) => "database file is corrupt",
                _ => "",
            };
            if cause.is_empty() {
                database.message().to_string()
            } else {
                format!("{cause} ({})", database.message())
            }
        }
        sqlx::Error::PoolTimedOut => "every connection is busy (pool exhausted)".to_string(),
        sqlx::Error::PoolClosed => "the store is closed".to_string(),
        sqlx::Error::Io(io) => format!("I/O error ({io})"),
        other => other.to_string(),
    }
}

impl StoreError {
    /// Whether the store is only busy: every connection was taken for longer than the wait.
    pub fn is_overload(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::PoolTimedOut) => true,
            StoreError::Shared(inner) => inner.is_overload(),
            _ => false,
        }
    }

    /// Whether the failure is about writing (the disk, permissions), as opposed to a busy or
    /// closed store.
    fn is_write_failure(&self) -> bool {
        match self {
            StoreError::ReadOnly | StoreError::NoRoom(_) => true,
            StoreError::Database(sqlx::Error::Database(database))
                if database
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some() =>
            {
                matches!(database.code().as_deref(), Some("53100" | "25006"))
            }
            StoreError::Database(sqlx::Error::Database(database)) => database
                .code()
                .and_then(|code| code.parse::<i64>().ok())
                .is_some_and(|code| matches!(code & 0xff, 8 | 10 | 13 | 14)),
            StoreError::Database(sqlx::Error::Io(_)) => true,
            StoreError::Shared(inner) => inner.is_write_failure(),
            _ => false,
        }
    }
}

/// How a store is opened, besides its URL.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// The replica the leases taken through this store belong to.
    pub replica_id: String,
    /// Connections in the pool; `None` for the backend's default.
    pub pool_size: Option<u32>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            replica_id: crate::config::default_replica_id(),
            pool_size: None,
        }
    }
}

/// Opens the store a URL names: `sqlite://PATH` or `postgres://…` (`postgresql://…`).
pub async fn open(
    url: &str,
    options: &StoreOptions,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(
            SqliteStore::connect_with(url, options).await?,
        ))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(std::sync::Arc::new(
            PostgresStore::connect_with(url, options).await?,
        ))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}

/// A random identifier: `prefix_` and 32 hex digits (events, test messages).
pub fn random_id(prefix: &str) -> String {
    let id: [u8; 16] = rand::random();
    let id: String = id.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{prefix}_{id}")
}

/// Copies the SQLite store at `url` to `path` (a new file), consistent while other processes
/// write it: `VACUUM INTO` a temporary file beside `path`, renamed once complete, so `path`
/// is never half a backup. PostgreSQL is backed up with `pg_dump`.
pub async fn backup(url: &str, path: &std::path::Path) -> Result<(), BackupError> {
    use sqlx::ConnectOptions;
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        return Err(BackupError::Postgres);
    }
    if !url.starts_with("sqlite:") {
        return Err(BackupError::Store(StoreError::UnsupportedUrl(
            url.to_string(),
        )));
    }
    if path.exists() {
        return Err(BackupError::Exists(path.to_path_buf()));
    }
    let partial = path.with_file_name(format!(
        ".{}.partial",
        path.file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("backup")
    ));
    let _ = std::fs::remove_file(&partial);
    let mut connection = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
        .map_err(StoreError::from)?
        .create_if_missing(false)
        .read_only(true)
        .busy_timeout(std::time::Duration::from_secs(30))
        .connect()
        .await
        .map_err(StoreError::from)?;
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(partial.to_string_lossy().into_owned())
        .execute(&mut connection)
        .await;
    drop(connection);
    if let Err(error) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(BackupError::Store(error.into()));
    }
    std::fs::rename(&partial, path).map_err(|source| BackupError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "the store is PostgreSQL: back it up with pg_dump (e.g. pg_dump -Fc -f sendercheck.dump DBNAME)"
    )]
    Postgres,
    #[error("{} exists: a backup never overwrites a file, name a new one", .0.display())]
    Exists(std::path::PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The connection pool, for metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open.
    pub size: u32,
    /// Of those, waiting for work.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// A registration and its latest state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainRecord {
    pub domain: String,
    pub profile: String,
    pub token: Option<String>,
    /// The profile's other parameters, by name.
    pub params: std::collections::BTreeMap<String, String>,
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub lifecycle: Lifecycle,
    pub checked_at: Option<DateTime<Utc>>,
    pub next_check_at: DateTime<Utc>,
    pub ready: bool,
    pub records: Vec<RecordCheck>,
    /// Not checked by the scheduler, and no events, until resumed; status and history kept.
    pub paused: bool,
    /// When a test message last passed (DMARC aligned, From this domain) since the
    /// registration last changed.
    pub proven_at: Option<DateTime<Utc>>,
}

/// A registration's state as the read model shares it: read-only, with one slot for what its
/// reader made of it (the API keeps the JSON body there), so a domain polled again and again
/// is rendered once per change. The slot goes with the snapshot when a write replaces it, so
/// it never outlives the state it was made from.
#[derive(Debug)]
pub struct Snapshot {
    pub record: DomainRecord,
    rendered: std::sync::OnceLock<bytes::Bytes>,
    /// The sequence of the write that left this state, for a store that numbers its writes
    /// (the read model); 0 otherwise.
    version: u64,
}

impl Snapshot {
    pub fn new(record: DomainRecord) -> Self {
        Self::at(record, 0)
    }

    fn at(record: DomainRecord, version: u64) -> Self {
        Snapshot {
            record,
            rendered: std::sync::OnceLock::new(),
            version,
        }
    }

    /// What `render` makes of the record, made on the first call only. An error is returned
    /// and nothing kept, so the next reader tries again.
    pub fn rendered<E>(
        &self,
        render: impl FnOnce(&DomainRecord) -> Result<bytes::Bytes, E>,
    ) -> Result<bytes::Bytes, E> {
        if let Some(bytes) = self.rendered.get() {
            return Ok(bytes.clone());
        }
        let bytes = render(&self.record)?;
        Ok(self.rendered.get_or_init(|| bytes).clone())
    }
}

/// A webhook event as the outbox holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Unique, random: consumers de-duplicate by it.
    pub id: String,
    /// `domain.verified`, `domain.failing`, `domain.pending`, `domain.deleted`,
    /// `domain.test_message`.
    pub kind: String,
    pub created_at: DateTime<Utc>,
    /// The status change reported; `None` for a test message.
    pub transition: Option<Transition>,
    /// The registration as of the event (no token).
    pub record: DomainRecord,
    /// The test message a `domain.test_message` event reports.
    pub message: Option<Box<StoredMessage>>,
}

/// What `Store::prune` deletes: rows older than these times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cutoffs {
    /// Status changes before this, except each domain's latest (the one that set its current
    /// status), which is always kept.
    pub transitions: DateTime<Utc>,
    /// Webhook events created before this whose every delivery is finished (delivered or
    /// dead), with those deliveries; an event still being delivered is kept.
    pub events: DateTime<Utc>,
    /// Test messages received before this, and test addresses expired before it.
    pub messages: DateTime<Utc>,
}

/// How many rows one pruning batch deleted, by table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub transitions: u64,
    pub webhook_events: u64,
    pub webhook_deliveries: u64,
    pub test_messages: u64,
    pub test_addresses: u64,
    pub audit: u64,
}

impl Pruned {
    /// Each table's name and count, for metrics and logs.
    pub fn by_table(&self) -> [(&'static str, u64); 6] {
        [
            ("transitions", self.transitions),
            ("webhook_events", self.webhook_events),
            ("webhook_deliveries", self.webhook_deliveries),
            ("test_messages", self.test_messages),
            ("test_addresses", self.test_addresses),
            ("audit", self.audit),
        ]
    }

    /// Whether some table had a full batch: more may be left.
    pub fn full(&self, batch: u32) -> bool {
        self.by_table()
            .iter()
            .any(|(table, count)| *table != "webhook_deliveries" && *count >= u64::from(batch))
    }
}

/// Who made a change through the API or the pages, for the audit log: the token's name, or
/// `None` when no token is configured (loopback only).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    pub token: Option<String>,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The token's name; `None` when no token was configured.
    pub token: Option<String>,
    /// `register`, `update`, `pause`, `resume`, `delete`, `check`, `test_address`,
    /// `webhook_retry`.
    pub action: String,
    pub domain: Option<String>,
    /// What changed, in words (never a token or a test address).
    pub detail: String,
}

/// Which audit entries `Store::audit` returns.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub domain: Option<String>,
    pub token: Option<String>,
}

/// A test address given out for a registered domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestAddress {
    /// The unguessable local part (lower case); the address is `local_part@` the inbound
    /// domain.
    pub local_part: String,
    pub domain: String,
    pub created_at: DateTime<Utc>,
    /// Mail is refused (550) after this.
    pub expires_at: DateTime<Utc>,
}

/// A message received at a test address: its envelope, header block and verdict (the body is
/// not kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    /// Unique, random (`msg_…`).
    pub id: String,
    /// The registered domain the test address belongs to.
    pub domain: String,
    pub received_at: DateTime<Utc>,
    pub client_ip: String,
    pub helo: String,
    /// The reverse path; empty for the null sender.
    pub mail_from: String,
    /// The test address it was sent to.
    pub recipient: String,
    /// Whether it came over TLS (STARTTLS).
    pub tls: bool,
    /// The header block as received (at most 64 KiB).
    pub headers: String,
    pub verdict: crate::message::MessageVerdict,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not tried yet.
    Pending,
    /// Tried and failed; tried again at `next_attempt_at`.
    Failed,
    Delivered,
    /// Given up: past its 24 h budget, or the endpoint is gone (410).
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Failed,
            DeliveryStatus::Delivered,
            DeliveryStatus::Dead,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// One event to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub url: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub give_up_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub event: OutboxEvent,
}

/// An endpoint and the event kinds it wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub events: Vec<String>,
}

/// What became of one delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    /// Try again at this time.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// Out of budget.
    Dead {
        error: String,
    },
    /// The endpoint answered 410: it and its open deliveries are done with.
    Gone {
        error: String,
    },
    /// Not attempted: this replica's configuration does not name the endpoint (a rolling
    /// change not yet everywhere). Due again at `at` for a replica that knows it; no attempt
    /// counted, the status kept.
    LeftForAnother {
        at: DateTime<Utc>,
        note: String,
    },
}

/// Which registrations a list keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<DomainStatus>,
    /// Only domains whose name contains this (lower-case ASCII: an A-label's part).
    pub contains: Option<String>,
    /// Only paused (or only running) registrations.
    pub paused: Option<bool>,
}

impl ListFilter {
    pub fn matches(&self, domain: &str, status: DomainStatus, paused: bool) -> bool {
        self.status.is_none_or(|wanted| wanted == status)
            && self.paused.is_none_or(|wanted| wanted == paused)
            && self
                .contains
                .as_deref()
                .is_none_or(|text| domain.contains(text))
    }
}

/// What a `PUT` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub domain: String,
    pub profile: String,
    pub token: Option<String>,
    /// The profile's other parameters, by name.
    pub params: std::collections::BTreeMap<String, String>,
}

/// Whether `register` created the domain or changed an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registered {
    Created,
    /// The profile or token changed: the domain starts over as pending.
    Updated,
    /// Nothing changed.
    Unchanged,
}

/// The stored state a check started from. A result is written only while the row still holds
/// exactly this state (compare-and-set), so two checks computed from one state never both
/// apply: no duplicated transition, no failure counted once for two checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Basis {
    pub status: DomainStatus,
    pub status_since: DateTime<Utc>,
    pub consecutive_failures: u32,
    pub checked_at: Option<DateTime<Utc>>,
}

impl Basis {
    pub fn of(record: &DomainRecord) -> Self {
        Basis {
            status: record.lifecycle.status,
            status_since: record.lifecycle.status_since,
            consecutive_failures: record.lifecycle.consecutive_failures,
            checked_at: record.checked_at,
        }
    }
}

/// One check's outcome, written in one transaction with its transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub domain: String,
    /// The registration generation the check was run for; a newer one wins.
    pub generation: i64,
    /// The state the check was computed from; the write is dropped when the row moved on.
    pub basis: Basis,
    pub lifecycle: Lifecycle,
    pub checked_at: DateTime<Utc>,
    pub next_check_at: DateTime<Utc>,
    pub ready: bool,
    pub records: Vec<RecordCheck>,
    pub transition: Option<Transition>,
}

/// The persistence the daemon needs.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for readiness and metrics.
    fn backend(&self) -> &'static str;

    /// The connection pool's size now.
    fn pool_stats(&self) -> PoolStats;

    /// Closes every connection, waiting for those in use to come back.
    async fn close(&self);

    /// Lets go of every lease this replica holds (graceful shutdown): its claimed
    /// registrations are due at `now` for the other replicas, its deliveries free. Returns
    /// how many registrations were released.
    async fn release_leases(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// The database server's clock, read now, and this machine's clock at the middle of the
    /// round trip; `None` when the database is a file on this machine (SQLite).
    async fn database_time(&self) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, StoreError> {
        Ok(None)
    }

    /// Cheap round trip, for readiness.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Whether the store can write: a heartbeat row written now, in a way that needs room on
    /// the disk (SQLite truncates its WAL first), so readiness follows the disk even when
    /// nothing else writes.
    async fn writable(&self) -> Result<(), StoreError>;

    /// Creates or updates a registration. A new one (or one whose profile or token changed)
    /// starts pending at `now`, due at `first_check_at`, with a history row.
    async fn register(
        &self,
        registration: &Registration,
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
    ) -> Result<(Registered, DomainRecord), StoreError> {
        self.register_as(registration, now, first_check_at, None)
            .await
    }

    /// As `register`; a change made by `actor` is written to the audit log in the same
    /// transaction (`register` or `update`).
    async fn register_as(
        &self,
        registration: &Registration,
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
        actor: Option<&Actor>,
    ) -> Result<(Registered, DomainRecord), StoreError>;

    /// Registers many domains in one transaction (imports, benchmarks): each as `register`
    /// would, but one commit for all. Returns how many were created or changed.
    async fn register_all(
        &self,
        registrations: &[Registration],
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// An active registration.
    async fn get(&self, domain: &str) -> Result<Option<DomainRecord>, StoreError>;

    /// An active registration as a shared snapshot (status reads). A store that keeps its
    /// lately read registrations hands out the same snapshot until a write replaces it.
    async fn snapshot(&self, domain: &str) -> Result<Option<std::sync::Arc<Snapshot>>, StoreError> {
        Ok(self
            .get(domain)
            .await?
            .map(|record| std::sync::Arc::new(Snapshot::new(record))))
    }

    /// The response body of `GET /v1/domains/{domain}` in the default language, gzip
    /// compressed, when this store keeps it (`keep_body`) and no write changed the
    /// registration since.
    fn kept_body(&self, _domain: &str) -> Option<bytes::Bytes> {
        None
    }

    /// Keeps `body` (gzip, the default language) as what `snapshot` renders to, unless a write
    /// replaced the snapshot meanwhile. A store without a read model keeps nothing.
    fn keep_body(&self, _domain: &str, _snapshot: &Snapshot, _body: bytes::Bytes) {}

    /// Whether `keep_body` would keep a body of about `size` bytes for `domain` now.
    fn keeps_body(&self, _domain: &str, _size: usize) -> bool {
        false
    }

    /// Active registrations that match `filter`, ordered by domain, after `after`, at most
    /// `limit`.
    async fn list(
        &self,
        filter: &ListFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DomainRecord>, StoreError>;

    /// Unregisters; history is kept. False when there was no active registration.
    async fn unregister(&self, domain: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.unregister_as(domain, now, None).await
    }

    /// As `unregister`, audited (`delete`) in the same transaction when `actor` is given.
    async fn unregister_as(
        &self,
        domain: &str,
        now: DateTime<Utc>,
        actor: Option<&Actor>,
    ) -> Result<bool, StoreError>;

    /// Pauses or resumes an active registration (resumed, it is due at once); `None` when
    /// there is none. A check running meanwhile cannot store its result.
    async fn set_paused(
        &self,
        domain: &str,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<DomainRecord>, StoreError> {
        self.set_paused_as(domain, paused, now, None).await
    }

    /// As `set_paused`, audited (`pause` or `resume`) in the same transaction.
    async fn set_paused_as(
        &self,
        domain: &str,
        paused: bool,
        now: DateTime<Utc>,
        actor: Option<&Actor>,
    ) -> Result<Option<DomainRecord>, StoreError>;

    /// Status changes of a domain, oldest first.
    async fn history(&self, domain: &str) -> Result<Vec<Transition>, StoreError>;

    /// Takes up to `limit` registrations due at `now`, most overdue first, that no replica
    /// holds a live lease on, and leases them to this replica until `lease_until`: no other
    /// tick or replica takes them meanwhile, and their result is stored only while the lease
    /// is this replica's (or nobody's). Replicas claiming at once get disjoint sets.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DomainRecord>, StoreError>;

    /// Stores a check's result and its transition atomically. False when the registration
    /// changed or went away meanwhile, and the result was dropped.
    async fn save_result(&self, result: &CheckResult) -> Result<bool, StoreError>;

    /// Creates the deliveries of events not yet fanned out, one per endpoint that wants the
    /// event's kind and is not disabled, due at once and given up at `give_up_after` past the
    /// event. Returns how many were created.
    async fn fan_out(
        &self,
        endpoints: &[Endpoint],
        now: DateTime<Utc>,
        give_up_after: chrono::Duration,
    ) -> Result<u64, StoreError>;

    /// Open deliveries due at `now`, each the oldest open one of its endpoint and domain (so a
    /// domain's events arrive in order), at most `limit`, leased to this replica until
    /// `lease_until` so no other replica sends them meanwhile.
    /// Endpoints in `busy` (their concurrency bound reached here) are skipped.
    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        busy: &[String],
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Gives back the lease of a delivery claimed but not attempted: due again at once, for
    /// this replica or another.
    async fn release_delivery(&self, id: i64) -> Result<(), StoreError>;

    /// Records what one attempt came to — only while this replica still holds the delivery's
    /// lease (a lease that ran out during a slow attempt may be another replica's now).
    async fn finish_delivery(
        &self,
        id: i64,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Deliveries of one status (any when `None`), newest first, at most `limit`.
    async fn deliveries(
        &self,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Makes a delivery due again now with a fresh budget (re-enabling its endpoint); `None`
    /// when there is no such delivery.
    async fn retry_delivery(
        &self,
        id: i64,
        now: DateTime<Utc>,
        give_up_after: chrono::Duration,
    ) -> Result<Option<Delivery>, StoreError> {
        self.retry_delivery_as(id, now, give_up_after, None).await
    }

    /// As `retry_delivery`, audited (`webhook_retry`) in the same transaction.
    async fn retry_delivery_as(
        &self,
        id: i64,
        now: DateTime<Utc>,
        give_up_after: chrono::Duration,
        actor: Option<&Actor>,
    ) -> Result<Option<Delivery>, StoreError>;

    /// Writes one audit entry on its own (a change that is not one row's write: a check
    /// asked for now).
    async fn record_audit(
        &self,
        actor: &Actor,
        action: &str,
        domain: Option<&str>,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Audit entries matching `filter`, newest first, at most `limit`.
    async fn audit(&self, filter: &AuditFilter, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;

    /// Deliveries by status.
    async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, u64)>, StoreError>;

    /// Active registrations by status.
    async fn count_by_status(&self) -> Result<Vec<(DomainStatus, u64)>, StoreError>;

    /// The `next_check_at` of the most overdue active registration.
    async fn oldest_due(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Keeps a test address for its domain; false (nothing kept) when the domain has no active
    /// registration.
    async fn create_test_address(&self, address: &TestAddress) -> Result<bool, StoreError> {
        self.create_test_address_as(address, None).await
    }

    /// As `create_test_address`, audited (`test_address`) in the same transaction.
    async fn create_test_address_as(
        &self,
        address: &TestAddress,
        actor: Option<&Actor>,
    ) -> Result<bool, StoreError>;

    /// The test address with this local part (lower case), expired or not.
    async fn test_address(&self, local_part: &str) -> Result<Option<TestAddress>, StoreError>;

    /// The test address of a domain that stays live longest after `now` (the newest).
    async fn live_test_address(
        &self,
        domain: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TestAddress>, StoreError>;

    /// Keeps a received message, in one transaction with what it changes: a passing message
    /// sets the registration's `proven_at`, and a `domain.test_message` event goes to the
    /// outbox (none while paused). `None` (nothing kept) when the domain has no active
    /// registration; otherwise the registration as of the message.
    async fn save_message(
        &self,
        message: &StoredMessage,
    ) -> Result<Option<DomainRecord>, StoreError>;

    /// The messages received for a domain, newest first, at most `limit`.
    async fn messages(&self, domain: &str, limit: u32) -> Result<Vec<StoredMessage>, StoreError>;

    /// Replicas by heartbeat (the readiness write): those written since `alive_since`, and
    /// those written since `seen_since` but not since `alive_since`.
    async fn replicas(
        &self,
        alive_since: DateTime<Utc>,
        seen_since: DateTime<Utc>,
    ) -> Result<(u64, u64), StoreError>;

    /// Deletes, in one batch of at most `batch` rows of each table, what is older than its
    /// retention (see `Retention`); returns how many rows of each table went.
    async fn prune(&self, cutoffs: &Cutoffs, batch: u32) -> Result<Pruned, StoreError>;
}

//! The SQLite store, through sqlx. WAL journal with `synchronous = FULL`: a write the API has
//! answered 2xx for is on disk, and survives the process being killed (or the machine losing
//! power) at any moment after.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Sqlite;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::readmodel::ReadModel;
use super::sql::{
    DeliveryRow, DomainRow, TransitionRow, delivery_columns, domain_columns, event_finished,
    from_millis, millis,
};
use super::{
    AttemptOutcome, CheckResult, Delivery, DeliveryStatus, DomainRecord, Endpoint, PoolStats,
    Registered, Registration, Store, StoreError, StoreOptions,
};
use crate::status::{DomainStatus, Transition};

/// The schema's migrations, in order: (version, description, SQL), embedded so the binary
/// needs no files beside it.
const MIGRATIONS: [(i64, &str, &str); 9] = [
    (1, "init", include_str!("migrations/sqlite/0001_init.sql")),
    (
        2,
        "records version",
        include_str!("migrations/sqlite/0002_records_version.sql"),
    ),
    (
        3,
        "params",
        include_str!("migrations/sqlite/0003_params.sql"),
    ),
    (
        4,
        "paused",
        include_str!("migrations/sqlite/0004_paused.sql"),
    ),
    (
        5,
        "webhooks",
        include_str!("migrations/sqlite/0005_webhooks.sql"),
    ),
    (
        6,
        "leases",
        include_str!("migrations/sqlite/0006_leases.sql"),
    ),
    (
        7,
        "test messages",
        include_str!("migrations/sqlite/0007_test_messages.sql"),
    ),
    (
        8,
        "retention",
        include_str!("migrations/sqlite/0008_retention.sql"),
    ),
    (9, "audit", include_str!("migrations/sqlite/0009_audit.sql")),
];

/// Write transactions take the write lock at once. A deferred transaction that reads first
/// and then writes cannot wait for the lock in WAL mode: SQLite fails it with SQLITE_BUSY
/// instead of applying the busy timeout.
const WRITE_TRANSACTION: &str = "BEGIN IMMEDIATE";

/// A write transaction on a connection of its own. Committed, the connection goes back to the
/// pool; dropped for any other reason (an error anywhere, a failed COMMIT on a full disk), the
/// connection is closed instead, so a transaction SQLite or sqlx left half open can never
/// poison the next write: writes work again as soon as the cause is gone.
struct WriteTx {
    connection: PoolConnection<Sqlite>,
    committed: bool,
}

impl WriteTx {
    async fn begin(pool: &SqlitePool) -> Result<WriteTx, StoreError> {
        let mut connection = pool.acquire().await?;
        if let Err(error) = sqlx::query(WRITE_TRANSACTION)
            .execute(&mut *connection)
            .await
        {
            connection.close_on_drop();
            return Err(error.into());
        }
        Ok(WriteTx {
            connection,
            committed: false,
        })
    }

    async fn commit(mut self) -> Result<(), StoreError> {
        sqlx::query("COMMIT").execute(&mut *self.connection).await?;
        self.committed = true;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &Self::Target {
        &self.connection
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.connection
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if !self.committed {
            // Closing the connection rolls back whatever is still open on it.
            self.connection.close_on_drop();
        }
    }
}

/// A SQLite database file (created on first start) holding registrations and history.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The replica id leases are taken in (one process writes a SQLite file, but the columns
    /// and rules are the same as PostgreSQL's).
    owner: std::sync::Arc<str>,
    /// The last write that failed for lack of space or permission, until a write succeeds.
    write_failure: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    /// Every active registration, for reads that need no connection.
    model: std::sync::Arc<ReadModel>,
    /// The database file, whose file system readiness looks at.
    file: std::path::PathBuf,
}

/// Free space under which the store is not ready: room for the WAL to grow and a checkpoint.
const MIN_FREE_BYTES: u64 = 1024 * 1024;

impl SqliteStore {
    /// Opens (creating if needed) the database at a `sqlite://PATH` URL and migrates it, with
    /// default options.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, &StoreOptions::default()).await
    }

    /// Opens (creating if needed) the database at a `sqlite://PATH` URL and migrates it.
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        if !url.starts_with("sqlite:") {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        // Migrations and the read model's load run on a connection of their own, with no
        // pool deadline: on a loaded machine, opening a first connection can take longer than
        // the pool's one-second wait, which is meant for writes, not for starting.
        let mut setup = {
            use sqlx::ConnectOptions;
            connect.connect().await?
        };
        super::sql::migrator(&MIGRATIONS).run(&mut setup).await?;
        // Row by row into the read model, each packed as it is read: holding every decoded
        // row at once would take the daemon's start-up to several hundred MiB at 100k domains.
        let model = ReadModel::default();
        {
            use futures_util::TryStreamExt;
            let mut rows = sqlx::query_as::<_, DomainRow>(concat!(
                "SELECT ",
                domain_columns!(),
                " FROM domains WHERE active"
            ))
            .fetch(&mut setup);
            while let Some(row) = rows.try_next().await? {
                model.put(0, row.decode()?);
            }
        }
        drop(setup);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.pool_size.unwrap_or(8))
            // Reads never wait here (they use the read model); a write that cannot get a
            // connection within a second is answered 503 overloaded rather than queued on.
            .acquire_timeout(Duration::from_secs(1))
            // Each sqlx SQLite connection lives on its own thread, so a ping before every use
            // doubles the thread hand-offs of a read; a local file connection does not go stale.
            .test_before_acquire(false)
            .connect_lazy_with(connect.clone());
        Ok(SqliteStore {
            pool,
            owner: options.replica_id.as_str().into(),
            write_failure: Default::default(),
            model: std::sync::Arc::new(model),
            file: connect.get_filename().to_path_buf(),
        })
    }

    async fn register_now(
        &self,
        registration: &Registration,
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
        actor: Option<&super::Actor>,
    ) -> Result<(Registered, DomainRecord), StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let outcome = register_in(&mut tx, registration, now, first_check_at).await?;
        audit_registration_in(&mut tx, registration, outcome, actor, now).await?;
        let record = stored_row(&mut tx, &registration.domain).await?;
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        self.model.put(sequence, record.clone());
        Ok((outcome, record))
    }

    async fn register_all_now(
        &self,
        registrations: &[Registration],
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let mut changed = Vec::new();
        for registration in registrations {
            if register_in(&mut tx, registration, now, first_check_at).await?
                != Registered::Unchanged
            {
                changed.push(stored_row(&mut tx, &registration.domain).await?);
            }
        }
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        let count = changed.len() as u64;
        for record in changed {
            self.model.put(sequence, record);
        }
        Ok(count)
    }

    async fn unregister_now(
        &self,
        domain: &str,
        now: DateTime<Utc>,
        actor: Option<&super::Actor>,
    ) -> Result<bool, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let unregistered = unregister_in(&mut tx, domain, now).await?;
        if let (true, Some(actor)) = (unregistered, actor) {
            audit_in(&mut tx, actor, "delete", Some(domain), "unregistered", now).await?;
        }
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        if unregistered {
            self.model.remove(sequence, domain);
        }
        Ok(unregistered)
    }

    async fn set_paused_now(
        &self,
        domain: &str,
        paused: bool,
        now: DateTime<Utc>,
        actor: Option<&super::Actor>,
    ) -> Result<Option<DomainRecord>, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let record = set_paused_in(&mut tx, domain, paused, now).await?;
        if let (Some(_), Some(actor)) = (&record, actor) {
            let (action, detail) = super::sql::pause_audit(paused);
            audit_in(&mut tx, actor, action, Some(domain), detail, now).await?;
        }
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        if let Some(record) = &record {
            self.model.put(sequence, record.clone());
        }
        Ok(record)
    }

    async fn claim_due_now(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DomainRecord>, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let records = claim_in(&mut tx, &self.owner, now, lease_until, limit).await?;
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        for record in &records {
            self.model.put(sequence, record.clone());
        }
        Ok(records)
    }

    async fn save_result_now(&self, result: &CheckResult) -> Result<bool, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let Some(record) = save_result_in(&mut tx, &self.owner, result).await? else {
            // Nothing was written: the transaction ends empty.
            tx.commit().await?;
            return Ok(false);
        };
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        self.model.put(sequence, record);
        Ok(true)
    }

    /// Why the database's file system has too little room left, if it has.
    fn room_problem(&self) -> Option<String> {
        let dir = match self.file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => std::path::Path::new("."),
        };
        let stats = rustix::fs::statvfs(dir).ok()?;
        let free = stats.f_bavail.saturating_mul(stats.f_frsize);
        (free < MIN_FREE_BYTES).then(|| {
            format!(
                "{} KiB free on the file system of {} (at least {} KiB needed)",
                free / 1024,
                self.file.display(),
                MIN_FREE_BYTES / 1024
            )
        })
    }

    /// Passes a write's result through, remembering whether writes currently fail for a
    /// reason of the disk (full, read-only, I/O) so readiness can say so.
    fn noted<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        let mut failure = self
            .write_failure
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match &result {
            Ok(_) => *failure = None,
            Err(error) if error.is_write_failure() => *failure = Some(error.to_string()),
            Err(_) => {}
        }
        result
    }
}

super::statements::statements!(sqlx::SqliteConnection, "", "");

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    async fn close(&self) {
        // Closing every connection checkpoints the WAL.
        self.pool.close().await;
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn writable(&self) -> Result<(), StoreError> {
        // Room first: SQLite can often still write into a WAL file already grown (so a small
        // write succeeds on a full disk), but the next checkpoint or larger write will not.
        if let Some(problem) = self.room_problem() {
            return self.noted(Err(StoreError::NoRoom(problem)));
        }
        // Then a real write: this replica's heartbeat (permissions, a read-only file).
        let probe = async {
            let mut tx = WriteTx::begin(&self.pool).await?;
            sqlx::query(
                "INSERT INTO heartbeats (replica, at, pad) VALUES ($1, $2, randomblob(4096)) \
                 ON CONFLICT (replica) DO UPDATE SET at = excluded.at, pad = excluded.pad",
            )
            .bind(&*self.owner)
            .bind(chrono::Utc::now().timestamp_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        };
        match probe.await {
            // Every connection busy: overloaded, not unable to write.
            Err(error) if error.is_overload() => Ok(()),
            result => self.noted(result),
        }
    }

    async fn register_as(
        &self,
        registration: &Registration,
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
        actor: Option<&super::Actor>,
    ) -> Result<(Registered, DomainRecord), StoreError> {
        self.noted(
            self.register_now(registration, now, first_check_at, actor)
                .await,
        )
    }

    async fn register_all(
        &self,
        registrations: &[Registration],
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.noted(
            self.register_all_now(registrations, now, first_check_at)
                .await,
        )
    }

    async fn get(&self, domain: &str) -> Result<Option<DomainRecord>, StoreError> {
        Ok(self
            .model
            .get(domain)
            .map(|snapshot| snapshot.record.clone()))
    }

    async fn snapshot(
        &self,
        domain: &str,
    ) -> Result<Option<std::sync::Arc<super::Snapshot>>, StoreError> {
        Ok(self.model.get(domain))
    }

    fn kept_body(&self, domain: &str) -> Option<bytes::Bytes> {
        self.model.body(domain)
    }

    fn keep_body(&self, domain: &str, snapshot: &super::Snapshot, body: bytes::Bytes) {
        self.model.keep_body(domain, snapshot, body);
    }

    fn keeps_body(&self, domain: &str, size: usize) -> bool {
        self.model.admits(domain, size)
    }

    async fn list(
        &self,
        filter: &super::ListFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DomainRecord>, StoreError> {
        Ok(self
            .model
            .list(filter, after, usize::try_from(limit).unwrap_or(usize::MAX)))
    }

    async fn unregister_as(
        &self,
        domain: &str,
        now: DateTime<Utc>,
        actor: Option<&super::Actor>,
    ) -> Result<bool, StoreError> {
        self.noted(self.unregister_now(domain, now, actor).await)
    }

    async fn set_paused_as(
        &self,
        domain: &str,
        paused: bool,
        now: DateTime<Utc>,
        actor: Option<&super::Actor>,
    ) -> Result<Option<DomainRecord>, StoreError> {
        self.noted(self.set_paused_now(domain, paused, now, actor).await)
    }

    async fn record_audit(
        &self,
        actor: &super::Actor,
        action: &str,
        domain: Option<&str>,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.noted(
            async {
                let mut tx = WriteTx::begin(&self.pool).await?;
                audit_in(&mut tx, actor, action, domain, detail, at).await?;
                tx.commit().await
            }
            .await,
        )
    }

    async fn audit(
        &self,
        filter: &super::AuditFilter,
        limit: u32,
    ) -> Result<Vec<super::AuditEntry>, StoreError> {
        audit_entries_in(&mut *self.pool.acquire().await?, filter, limit).await
    }

    async fn release_leases(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let released = release_in(&mut tx, &self.owner, now).await?;
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        let count = released.len() as u64;
        for record in released {
            // Inactive rows hold no lease (unregistering lets it go): all are active.
            self.model.put(sequence, record);
        }
        Ok(count)
    }

    async fn fan_out(
        &self,
        endpoints: &[Endpoint],
        now: DateTime<Utc>,
        give_up_after: chrono::Duration,
    ) -> Result<u64, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let created = fan_out_in(&mut tx, endpoints, now, give_up_after).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        busy: &[String],
    ) -> Result<Vec<Delivery>, StoreError> {
        // SQLite's write lock makes the read and the lease one step; its UPDATE cannot feed
        // a join, so the claimed ids come back as a JSON array.
        let mut tx = WriteTx::begin(&self.pool).await?;
        let deliveries = sqlx::query_as::<_, DeliveryRow>(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq \
             WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= $1 \
             AND (d.lease_until IS NULL OR d.lease_until <= $1) \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.url = d.url \
             AND o.domain = d.domain AND o.status IN ('pending', 'failed') \
             AND o.event_seq < d.event_seq) \
             AND d.url NOT IN (SELECT value FROM json_each($3)) \
             ORDER BY d.event_seq LIMIT $2"
        ))
        .bind(millis(now))
        .bind(i64::from(limit))
        .bind(serde_json::Value::from(busy.to_vec()).to_string())
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(DeliveryRow::decode)
        .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<i64> = deliveries.iter().map(|delivery| delivery.id).collect();
        sqlx::query(
            "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 \
             WHERE id IN (SELECT value FROM json_each($3))",
        )
        .bind(&*self.owner)
        .bind(millis(lease_until))
        .bind(serde_json::Value::from(ids).to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(deliveries)
    }

    async fn finish_delivery(
        &self,
        id: i64,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        finish_delivery_in(&mut tx, id, outcome, now, &self.owner).await?;
        tx.commit().await
    }

    async fn release_delivery(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        release_delivery_in(&mut tx, id, &self.owner).await?;
        tx.commit().await
    }

    async fn deliveries(
        &self,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        deliveries_in(&mut *self.pool.acquire().await?, status, limit).await
    }

    async fn retry_delivery_as(
        &self,
        id: i64,
        now: DateTime<Utc>,
        give_up_after: chrono::Duration,
        actor: Option<&super::Actor>,
    ) -> Result<Option<Delivery>, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let delivery = retry_delivery_in(&mut tx, id, now, give_up_after).await?;
        if let (Some(delivery), Some(actor)) = (&delivery, actor) {
            let detail = super::sql::retry_audit(delivery);
            let domain = Some(delivery.event.record.domain.as_str());
            audit_in(&mut tx, actor, "webhook_retry", domain, &detail, now).await?;
        }
        tx.commit().await?;
        Ok(delivery)
    }

    async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, u64)>, StoreError> {
        delivery_counts_in(&mut *self.pool.acquire().await?).await
    }

    async fn history(&self, domain: &str) -> Result<Vec<Transition>, StoreError> {
        history_in(&mut *self.pool.acquire().await?, domain).await
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DomainRecord>, StoreError> {
        self.noted(self.claim_due_now(now, lease_until, limit).await)
    }

    async fn save_result(&self, result: &CheckResult) -> Result<bool, StoreError> {
        self.noted(self.save_result_now(result).await)
    }

    async fn count_by_status(&self) -> Result<Vec<(DomainStatus, u64)>, StoreError> {
        count_by_status_in(&mut *self.pool.acquire().await?).await
    }

    async fn oldest_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        oldest_due_in(&mut *self.pool.acquire().await?).await
    }

    async fn create_test_address_as(
        &self,
        address: &super::TestAddress,
        actor: Option<&super::Actor>,
    ) -> Result<bool, StoreError> {
        self.noted(
            async {
                let mut tx = WriteTx::begin(&self.pool).await?;
                let created = create_test_address_in(&mut tx, address).await?;
                if let (true, Some(actor)) = (created, actor) {
                    let detail = super::sql::test_address_audit(address);
                    let (domain, at) = (Some(address.domain.as_str()), address.created_at);
                    audit_in(&mut tx, actor, "test_address", domain, &detail, at).await?;
                }
                tx.commit().await?;
                Ok(created)
            }
            .await,
        )
    }

    async fn test_address(
        &self,
        local_part: &str,
    ) -> Result<Option<super::TestAddress>, StoreError> {
        test_address_in(&mut *self.pool.acquire().await?, local_part).await
    }

    async fn live_test_address(
        &self,
        domain: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<super::TestAddress>, StoreError> {
        live_test_address_in(&mut *self.pool.acquire().await?, domain, now).await
    }

    async fn save_message(
        &self,
        message: &super::StoredMessage,
    ) -> Result<Option<DomainRecord>, StoreError> {
        self.noted(
            async {
                let mut tx = WriteTx::begin(&self.pool).await?;
                let saved = save_message_in(&mut tx, message).await?;
                let sequence = self.model.next_sequence();
                tx.commit().await?;
                // Only a message that proved the domain changed its row.
                if let Some((record, true)) = &saved {
                    self.model.put(sequence, record.clone());
                }
                Ok(saved.map(|(record, _)| record))
            }
            .await,
        )
    }

    async fn messages(
        &self,
        domain: &str,
        limit: u32,
    ) -> Result<Vec<super::StoredMessage>, StoreError> {
        messages_in(&mut *self.pool.acquire().await?, domain, limit).await
    }

    async fn replicas(
        &self,
        alive_since: DateTime<Utc>,
        seen_since: DateTime<Utc>,
    ) -> Result<(u64, u64), StoreError> {
        replicas_in(&mut *self.pool.acquire().await?, alive_since, seen_since).await
    }

    async fn prune(
        &self,
        cutoffs: &super::Cutoffs,
        batch: u32,
    ) -> Result<super::Pruned, StoreError> {
        self.noted(
            async {
                let mut tx = WriteTx::begin(&self.pool).await?;
                let pruned = prune_in(&mut tx, cutoffs, batch).await?;
                tx.commit().await?;
                Ok(pruned)
            }
            .await,
        )
    }
}

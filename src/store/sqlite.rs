//! The SQLite store, through sqlx. WAL journal with `synchronous = FULL`: a write the API has
//! answered 2xx for is on disk, and survives the process being killed (or the machine losing
//! power) at any moment after.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Sqlite;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::readmodel::ReadModel;
use super::rows;
use super::sql::{
    DeliveryRow, DomainRow, ExistingRow, TransitionRow, delivery_columns, domain_columns,
    from_millis, millis,
};
use super::{
    AttemptOutcome, CheckResult, Delivery, DeliveryStatus, DomainRecord, Endpoint, PoolStats,
    Registered, Registration, Store, StoreError, StoreOptions,
};
use crate::status::{DomainStatus, Transition};

/// The schema's migrations, in order: (version, description, SQL), embedded so the binary
/// needs no files beside it.
const MIGRATIONS: [(i64, &str, &str); 6] = [
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
];

fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    sqlx::AssertSqlSafe(*sql).into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

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
}

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
        let pool = SqlitePoolOptions::new()
            .max_connections(options.pool_size.unwrap_or(8))
            // Reads never wait here (they use the read model); a write that cannot get a
            // connection within a second is answered 503 overloaded rather than queued on.
            .acquire_timeout(Duration::from_secs(1))
            // Each sqlx SQLite connection lives on its own thread, so a ping before every use
            // doubles the thread hand-offs of a read; a local file connection does not go stale.
            .test_before_acquire(false)
            .connect_with(connect)
            .await?;
        migrator().run(&pool).await?;
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
            .fetch(&pool);
            while let Some(row) = rows.try_next().await? {
                model.put(0, row.decode()?);
            }
        }
        Ok(SqliteStore {
            pool,
            owner: options.replica_id.as_str().into(),
            write_failure: Default::default(),
            model: std::sync::Arc::new(model),
        })
    }

    async fn register_now(
        &self,
        registration: &Registration,
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
    ) -> Result<(Registered, DomainRecord), StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let outcome = register_in(&mut tx, registration, now, first_check_at).await?;
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

    async fn unregister_now(&self, domain: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let before = stored_row(&mut tx, domain).await.ok();
        let status: Option<String> = sqlx::query_scalar(
            "UPDATE domains SET active = FALSE, generation = generation + 1, updated_at = ?, \
             lease_owner = NULL, lease_until = NULL WHERE domain = ? AND active RETURNING status",
        )
        .bind(millis(now))
        .bind(domain)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(status) = status else {
            tx.commit().await?;
            return Ok(false);
        };
        // The history stays readable, ending with the unregistration.
        let transition = Transition {
            at: now,
            from: DomainStatus::from_str(&status).ok(),
            to: DomainStatus::Unregistered,
            reason: "unregistered".to_string(),
        };
        insert_transition(&mut tx, domain, &transition).await?;
        if let Some(before) = &before {
            enqueue_event(&mut tx, &transition, before).await?;
        }
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        self.model.remove(sequence, domain);
        Ok(true)
    }

    async fn set_paused_now(
        &self,
        domain: &str,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<DomainRecord>, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        // A new generation: a check that started before the pause cannot store its result,
        // so its lease is let go. Resumed, the registration is due at once.
        let row = sqlx::query_as::<_, DomainRow>(concat!(
            "UPDATE domains SET paused = ?, generation = generation + 1, updated_at = ?, \
             next_check_at = CASE WHEN ? THEN next_check_at ELSE ? END, \
             lease_owner = NULL, lease_until = NULL \
             WHERE domain = ? AND active RETURNING ",
            domain_columns!()
        ))
        .bind(paused)
        .bind(millis(now))
        .bind(paused)
        .bind(millis(now))
        .bind(domain)
        .fetch_optional(&mut *tx)
        .await?;
        let record = row.map(DomainRow::decode).transpose()?;
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
        // The inner SELECT walks the partial index domains_due from its oldest entry and stops
        // after `limit` rows: its cost depends on the due set, not on how many rows there are.
        // The claim moves next_check_at to the lease's end, so leased rows leave the index's
        // head, and a row whose replica died is due again when its lease runs out.
        let mut tx = WriteTx::begin(&self.pool).await?;
        let rows = sqlx::query_as::<_, DomainRow>(concat!(
            "UPDATE domains SET next_check_at = ?, lease_owner = ?, lease_until = ? \
             WHERE domain IN (",
            "SELECT domain FROM domains WHERE active AND NOT paused AND next_check_at <= ? ",
            "AND (lease_until IS NULL OR lease_until <= ?) ",
            "ORDER BY next_check_at LIMIT ?) RETURNING ",
            domain_columns!()
        ))
        .bind(millis(lease_until))
        .bind(&*self.owner)
        .bind(millis(lease_until))
        .bind(millis(now))
        .bind(millis(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let mut records = rows
            .into_iter()
            .map(DomainRow::decode)
            .collect::<Result<Vec<_>, _>>()?;
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        records.sort_by(|a, b| a.domain.cmp(&b.domain));
        for record in &records {
            self.model.put(sequence, record.clone());
        }
        Ok(records)
    }

    async fn save_result_now(&self, result: &CheckResult) -> Result<bool, StoreError> {
        let records = super::sql::encode_records(&result.domain, &result.records)?;
        let mut tx = WriteTx::begin(&self.pool).await?;
        // Written only while this replica holds the lease (or nobody holds a live one), from
        // the generation and state the check started from; the lease is let go.
        let updated = sqlx::query(
            "UPDATE domains SET status = ?, status_since = ?, consecutive_failures = ?, \
             checked_at = ?, next_check_at = ?, ready = ?, records = ?, records_version = ?, \
             lease_owner = NULL, lease_until = NULL \
             WHERE domain = ? AND active AND generation = ? \
             AND status = ? AND status_since = ? AND consecutive_failures = ? \
             AND checked_at IS ? \
             AND (lease_owner IS NULL OR lease_owner = ? OR lease_until <= ?)",
        )
        .bind(result.lifecycle.status.as_str())
        .bind(millis(result.lifecycle.status_since))
        .bind(i64::from(result.lifecycle.consecutive_failures))
        .bind(millis(result.checked_at))
        .bind(millis(result.next_check_at))
        .bind(result.ready)
        .bind(records)
        .bind(rows::RECORDS_VERSION)
        .bind(&result.domain)
        .bind(result.generation)
        .bind(result.basis.status.as_str())
        .bind(millis(result.basis.status_since))
        .bind(i64::from(result.basis.consecutive_failures))
        .bind(result.basis.checked_at.map(millis))
        .bind(&*self.owner)
        .bind(millis(result.checked_at))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            // Nothing was written: the transaction ends empty.
            tx.commit().await?;
            return Ok(false);
        }
        if let Some(transition) = &result.transition {
            insert_transition(&mut tx, &result.domain, transition).await?;
        }
        let record = stored_row(&mut tx, &result.domain).await?;
        if let Some(transition) = &result.transition {
            enqueue_event(&mut tx, transition, &record).await?;
        }
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        self.model.put(sequence, record);
        Ok(true)
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

use sqlx::SqlSafeStr;

/// The row of `domain` as this transaction sees it, whether or not it is active.
async fn stored_row(
    connection: &mut sqlx::SqliteConnection,
    domain: &str,
) -> Result<DomainRecord, StoreError> {
    sqlx::query_as::<_, DomainRow>(concat!(
        "SELECT ",
        domain_columns!(),
        " FROM domains WHERE domain = ?"
    ))
    .bind(domain)
    .fetch_one(connection)
    .await?
    .decode()
}

async fn insert_transition(
    connection: &mut sqlx::SqliteConnection,
    domain: &str,
    transition: &Transition,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO transitions (domain, at, from_status, to_status, reason) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(domain)
    .bind(millis(transition.at))
    .bind(transition.from.map(DomainStatus::as_str))
    .bind(transition.to.as_str())
    .bind(&transition.reason)
    .execute(connection)
    .await?;
    Ok(())
}

/// Creates or updates one registration inside a write transaction, with its history row.
async fn register_in(
    connection: &mut sqlx::SqliteConnection,
    registration: &Registration,
    now: DateTime<Utc>,
    first_check_at: DateTime<Utc>,
) -> Result<Registered, StoreError> {
    let existing = sqlx::query_as::<_, ExistingRow>(
        "SELECT active, profile, token, params, status FROM domains WHERE domain = ?",
    )
    .bind(&registration.domain)
    .fetch_optional(&mut *connection)
    .await?;
    let (outcome, from, reason) = super::sql::registration_change(existing, registration);
    if outcome == Registered::Unchanged {
        return Ok(outcome);
    }
    sqlx::query(
        "INSERT INTO domains (domain, profile, token, params, active, generation, created_at, \
         updated_at, status, status_since, consecutive_failures, checked_at, \
         next_check_at, ready, records) \
         VALUES (?, ?, ?, ?, TRUE, 1, ?, ?, 'pending', ?, 0, NULL, ?, FALSE, '[]') \
         ON CONFLICT (domain) DO UPDATE SET profile = excluded.profile, \
         token = excluded.token, params = excluded.params, active = TRUE, generation = domains.generation + 1, \
         created_at = CASE WHEN domains.active THEN domains.created_at \
         ELSE excluded.created_at END, updated_at = excluded.updated_at, \
         status = 'pending', status_since = excluded.status_since, \
         consecutive_failures = 0, checked_at = NULL, \
         next_check_at = excluded.next_check_at, ready = FALSE, records = '[]', records_version = 1, \
         lease_owner = NULL, lease_until = NULL",
    )
    .bind(&registration.domain)
    .bind(&registration.profile)
    .bind(&registration.token)
    .bind(super::sql::params_json(registration))
    .bind(millis(now))
    .bind(millis(now))
    .bind(millis(now))
    .bind(millis(first_check_at))
    .execute(&mut *connection)
    .await?;
    let transition = Transition {
        at: now,
        from,
        to: DomainStatus::Pending,
        reason,
    };
    insert_transition(connection, &registration.domain, &transition).await?;
    if transition.from.is_some() {
        // Back to pending from another state: the registration re-entered the window.
        let record = stored_row(connection, &registration.domain).await?;
        enqueue_event(connection, &transition, &record).await?;
    }
    Ok(outcome)
}

/// The outbox row of a transition, in the transaction that records it.
async fn enqueue_event(
    connection: &mut sqlx::SqliteConnection,
    transition: &Transition,
    record: &DomainRecord,
) -> Result<(), StoreError> {
    let Some(event) = super::sql::event_for(transition, record)? else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO webhook_events (id, domain, type, created_at, payload) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(event.id)
    .bind(&record.domain)
    .bind(event.kind)
    .bind(millis(transition.at))
    .bind(event.payload)
    .execute(connection)
    .await?;
    Ok(())
}

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
        let failed = self
            .write_failure
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some();
        if !failed {
            return Ok(());
        }
        // Rewriting the schema cookie's neighbour, user_version, with its own value is a real
        // write (a WAL frame) that changes nothing.
        let probe = async {
            let mut tx = WriteTx::begin(&self.pool).await?;
            let version: i64 = sqlx::query_scalar("PRAGMA user_version")
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "PRAGMA user_version = {version}"
            )))
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        };
        self.noted(probe.await)
    }

    async fn register(
        &self,
        registration: &Registration,
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
    ) -> Result<(Registered, DomainRecord), StoreError> {
        self.noted(self.register_now(registration, now, first_check_at).await)
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

    async fn unregister(&self, domain: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.noted(self.unregister_now(domain, now).await)
    }

    async fn set_paused(
        &self,
        domain: &str,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<DomainRecord>, StoreError> {
        self.noted(self.set_paused_now(domain, paused, now).await)
    }

    async fn release_leases(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let rows = sqlx::query_as::<_, DomainRow>(concat!(
            "UPDATE domains SET lease_owner = NULL, lease_until = NULL, next_check_at = ? \
             WHERE lease_owner = ? AND active RETURNING ",
            domain_columns!()
        ))
        .bind(millis(now))
        .bind(&*self.owner)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL \
             WHERE lease_owner = ?",
        )
        .bind(&*self.owner)
        .execute(&mut *tx)
        .await?;
        let sequence = self.model.next_sequence();
        tx.commit().await?;
        let released = rows.len() as u64;
        for row in rows {
            self.model.put(sequence, row.decode()?);
        }
        Ok(released)
    }

    async fn fan_out(
        &self,
        endpoints: &[Endpoint],
        now: DateTime<Utc>,
        give_up_after: chrono::Duration,
    ) -> Result<u64, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let events: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT seq, domain, type, created_at FROM webhook_events WHERE NOT fanned_out \
             ORDER BY seq LIMIT 1000",
        )
        .fetch_all(&mut *tx)
        .await?;
        let disabled: Vec<String> = sqlx::query_scalar("SELECT url FROM webhook_endpoints")
            .fetch_all(&mut *tx)
            .await?;
        let mut created = 0;
        for (seq, domain, kind, at) in &events {
            let give_up = millis(from_millis(domain, *at)? + give_up_after).max(millis(now));
            for endpoint in super::sql::recipients(endpoints, kind, &disabled) {
                sqlx::query(
                    "INSERT INTO webhook_deliveries (event_seq, domain, url, status, attempts, \
                     next_attempt_at, give_up_at, updated_at) VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)",
                )
                .bind(seq)
                .bind(domain)
                .bind(&endpoint.url)
                .bind(millis(now))
                .bind(give_up)
                .bind(millis(now))
                .execute(&mut *tx)
                .await?;
                created += 1;
            }
            sqlx::query("UPDATE webhook_events SET fanned_out = TRUE WHERE seq = ?")
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(created)
    }

    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let rows = sqlx::query_as::<_, DeliveryRow>(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq \
             WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= ? \
             AND (d.lease_until IS NULL OR d.lease_until <= ?) \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.url = d.url \
             AND o.domain = d.domain AND o.status IN ('pending', 'failed') \
             AND o.event_seq < d.event_seq) \
             ORDER BY d.event_seq LIMIT ?"
        ))
        .bind(millis(now))
        .bind(millis(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let deliveries = rows
            .into_iter()
            .map(DeliveryRow::decode)
            .collect::<Result<Vec<_>, _>>()?;
        let ids = serde_json::to_string(
            &deliveries
                .iter()
                .map(|delivery| delivery.id)
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".to_string());
        sqlx::query(
            "UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? \
             WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(&*self.owner)
        .bind(millis(lease_until))
        .bind(ids)
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
        let (status, next, error) = super::sql::attempt_columns(outcome, now);
        let url: Option<String> = sqlx::query_scalar(
            "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, \
             next_attempt_at = ?, last_error = ?, updated_at = ?, lease_owner = NULL, \
             lease_until = NULL WHERE id = ? RETURNING url",
        )
        .bind(status)
        .bind(millis(next))
        .bind(&error)
        .bind(millis(now))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let (AttemptOutcome::Gone { error }, Some(url)) = (outcome, url) {
            sqlx::query(
                "INSERT INTO webhook_endpoints (url, disabled_at, reason) VALUES (?, ?, ?) \
                 ON CONFLICT (url) DO UPDATE SET disabled_at = excluded.disabled_at, \
                 reason = excluded.reason",
            )
            .bind(&url)
            .bind(millis(now))
            .bind(error)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'dead', last_error = ?, updated_at = ? \
                 WHERE url = ? AND status IN ('pending', 'failed')",
            )
            .bind(format!("the endpoint is disabled: {error}"))
            .bind(millis(now))
            .bind(&url)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn deliveries(
        &self,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        sqlx::query_as::<_, DeliveryRow>(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq \
             WHERE (? IS NULL OR d.status = ?) ORDER BY d.id DESC LIMIT ?"
        ))
        .bind(status.map(DeliveryStatus::as_str))
        .bind(status.map(DeliveryStatus::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(DeliveryRow::decode)
        .collect()
    }

    async fn retry_delivery(
        &self,
        id: i64,
        now: DateTime<Utc>,
        give_up_after: chrono::Duration,
    ) -> Result<Option<Delivery>, StoreError> {
        let mut tx = WriteTx::begin(&self.pool).await?;
        let url: Option<String> = sqlx::query_scalar(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, \
             give_up_at = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL \
             WHERE id = ? RETURNING url",
        )
        .bind(millis(now))
        .bind(millis(now + give_up_after))
        .bind(millis(now))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(url) = &url {
            sqlx::query("DELETE FROM webhook_endpoints WHERE url = ?")
                .bind(url)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        if url.is_none() {
            return Ok(None);
        }
        sqlx::query_as::<_, DeliveryRow>(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq WHERE d.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(DeliveryRow::decode)
        .transpose()
    }

    async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, u64)>, StoreError> {
        let rows = sqlx::query_as(
            "SELECT status, COUNT(*) AS count FROM webhook_deliveries GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(super::sql::delivery_counts(rows))
    }

    async fn history(&self, domain: &str) -> Result<Vec<Transition>, StoreError> {
        sqlx::query_as::<_, TransitionRow>(
            "SELECT at, from_status, to_status, reason FROM transitions \
             WHERE domain = ? ORDER BY id",
        )
        .bind(domain)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| row.decode(domain))
        .collect()
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
        let rows = sqlx::query_as(
            "SELECT status, COUNT(*) AS count FROM domains WHERE active GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(super::sql::status_counts(rows))
    }

    async fn oldest_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let oldest: Option<i64> =
            sqlx::query_scalar("SELECT MIN(next_check_at) FROM domains WHERE active")
                .fetch_one(&self.pool)
                .await?;
        oldest
            .map(|value| from_millis("(oldest due)", value))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Basis;
    use sqlx::Row;
    use std::collections::BTreeMap;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    async fn store() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        (SqliteStore::connect(&url).await.unwrap(), dir)
    }

    fn registration(domain: &str, profile: &str, token: Option<&str>) -> Registration {
        Registration {
            domain: domain.into(),
            profile: profile.into(),
            token: token.map(Into::into),
            params: BTreeMap::new(),
        }
    }

    #[tokio::test]
    async fn register_is_idempotent_and_updates_start_over() {
        let (store, _dir) = store().await;
        let shop = registration("shop.example", "mandrill", Some("K1"));
        let (outcome, record) = store.register(&shop, at(0), at(0)).await.unwrap();
        assert_eq!(outcome, Registered::Created);
        assert_eq!(record.lifecycle.status, DomainStatus::Pending);
        assert_eq!(record.checked_at, None);
        let (again, _) = store.register(&shop, at(5), at(5)).await.unwrap();
        assert_eq!(again, Registered::Unchanged);
        let (changed, record) = store
            .register(
                &registration("shop.example", "mandrill", Some("K2")),
                at(9),
                at(9),
            )
            .await
            .unwrap();
        assert_eq!(changed, Registered::Updated);
        assert_eq!(record.generation, 2);
        assert_eq!(record.created_at, at(0));
        let history = store.history("shop.example").await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].reason, "verification token changed");
    }

    #[tokio::test]
    async fn unregistered_domains_vanish_but_keep_history() {
        let (store, _dir) = store().await;
        let shop = registration("shop.example", "mandrill", None);
        store.register(&shop, at(0), at(0)).await.unwrap();
        assert!(store.unregister("shop.example", at(1)).await.unwrap());
        assert!(!store.unregister("shop.example", at(2)).await.unwrap());
        assert_eq!(store.get("shop.example").await.unwrap(), None);
        assert_eq!(store.claim_due(at(10), at(20), 10).await.unwrap(), vec![]);
        let (outcome, _) = store.register(&shop, at(3), at(3)).await.unwrap();
        assert_eq!(outcome, Registered::Created);
        let history = store.history("shop.example").await.unwrap();
        assert_eq!(history.len(), 3, "{history:?}");
        assert_eq!(history[1].to, DomainStatus::Unregistered);
        assert_eq!(history[1].from, Some(DomainStatus::Pending));
    }

    #[tokio::test]
    async fn due_registrations_are_claimed_once_and_results_need_the_same_generation() {
        let (store, _dir) = store().await;
        for (n, domain) in ["a.example", "b.example", "c.example"].iter().enumerate() {
            let due = at(n as i64 * 10);
            store
                .register(&registration(domain, "mandrill", None), at(0), due)
                .await
                .unwrap();
        }
        let claimed = store.claim_due(at(10), at(100), 10).await.unwrap();
        let names: Vec<&str> = claimed.iter().map(|r| r.domain.as_str()).collect();
        assert_eq!(names, ["a.example", "b.example"]);
        assert!(
            store
                .claim_due(at(10), at(100), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.oldest_due().await.unwrap(), Some(at(20)));

        let mut result = CheckResult {
            domain: "a.example".into(),
            generation: claimed[0].generation,
            basis: Basis::of(&claimed[0]),
            lifecycle: claimed[0].lifecycle.clone(),
            checked_at: at(11),
            next_check_at: at(200),
            ready: false,
            records: vec![],
            transition: None,
        };
        assert!(store.save_result(&result).await.unwrap());
        store
            .register(
                &registration("a.example", "mandrill", Some("new")),
                at(12),
                at(12),
            )
            .await
            .unwrap();
        result.checked_at = at(13);
        assert!(
            !store.save_result(&result).await.unwrap(),
            "a stale generation is dropped"
        );
    }

    #[tokio::test]
    async fn a_result_computed_from_a_state_that_moved_on_is_dropped() {
        let (store, _dir) = store().await;
        store
            .register(&registration("a.example", "mandrill", None), at(0), at(0))
            .await
            .unwrap();
        let before = store.get("a.example").await.unwrap().unwrap();
        let mut first = CheckResult {
            domain: "a.example".into(),
            generation: before.generation,
            basis: Basis::of(&before),
            lifecycle: before.lifecycle.clone(),
            checked_at: at(5),
            next_check_at: at(100),
            ready: true,
            records: vec![],
            transition: None,
        };
        first.lifecycle.status = DomainStatus::Verified;
        first.transition = Some(Transition {
            at: at(5),
            from: Some(DomainStatus::Pending),
            to: DomainStatus::Verified,
            reason: "every required record passes".into(),
        });
        // Two checks computed from the same state: only the first applies.
        let second = CheckResult {
            checked_at: at(6),
            ..first.clone()
        };
        assert!(store.save_result(&first).await.unwrap());
        assert!(
            !store.save_result(&second).await.unwrap(),
            "the basis moved on"
        );
        let history = store.history("a.example").await.unwrap();
        assert_eq!(
            history.len(),
            2,
            "one registration, one transition: {history:?}"
        );
        // A check computed from the state after the first applies.
        let after = store.get("a.example").await.unwrap().unwrap();
        let third = CheckResult {
            basis: Basis::of(&after),
            checked_at: at(7),
            transition: None,
            ..first
        };
        assert!(store.save_result(&third).await.unwrap());
    }

    #[tokio::test]
    async fn the_due_query_reads_the_partial_index_not_the_table() {
        let (store, _dir) = store().await;
        let plan: Vec<String> = sqlx::query(
            "EXPLAIN QUERY PLAN SELECT domain FROM domains WHERE active AND NOT paused \
             AND next_check_at <= 1 \
             ORDER BY next_check_at LIMIT 10",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>("detail"))
        .collect();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX domains_due")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.starts_with("SCAN domains")),
            "{plan:?}"
        );
    }

    #[tokio::test]
    async fn list_filters_and_pages_by_domain() {
        let (store, _dir) = store().await;
        for domain in ["c.example", "a.example", "b.example", "d.example"] {
            store
                .register(&registration(domain, "mandrill", None), at(0), at(0))
                .await
                .unwrap();
        }
        let page: Vec<String> = store
            .list(&Default::default(), Some("a.example"), 2)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.domain)
            .collect();
        assert_eq!(page, ["b.example", "c.example"]);
        assert!(
            store
                .list(
                    &super::super::ListFilter {
                        status: Some(DomainStatus::Verified),
                        contains: None,
                        paused: None,
                    },
                    None,
                    10
                )
                .await
                .unwrap()
                .is_empty()
        );
        let found: Vec<String> = store
            .list(
                &super::super::ListFilter {
                    status: None,
                    contains: Some("b.ex".into()),
                    paused: None,
                },
                None,
                10,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.domain)
            .collect();
        assert_eq!(found, ["b.example"]);
        let counts = store.count_by_status().await.unwrap();
        assert_eq!(counts[0], (DomainStatus::Pending, 4));
    }
}

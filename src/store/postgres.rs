//! The PostgreSQL store, through sqlx: one database shared by every replica. PostgreSQL's row
//! locks and transactions are the only coordination between replicas:
//!
//! - a claim is `UPDATE … WHERE domain IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …`, so
//!   replicas claiming at once get disjoint rows and never wait for each other;
//! - a result is written by a compare-and-set `UPDATE` (generation, the state the check started
//!   from, and the lease) — under READ COMMITTED a concurrent writer of the same row waits, and
//!   the condition is evaluated again on the row it left;
//! - webhook deliveries are claimed the same way; events are fanned out under a transaction
//!   advisory lock, so one replica at a time turns events into deliveries, in event order.
//!
//! Reads (`get`, `list`) go to the database: a write through one replica is seen by every
//! other at once, and no replica holds every registration in memory (the SQLite store's read
//! model would need ~1.5 KiB per registration, too much at millions).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use super::sql::{
    DeliveryRow, DomainRow, TransitionRow, delivery_columns, domain_columns, event_finished,
    from_millis, millis,
};
use super::{
    AttemptOutcome, CheckResult, Delivery, DeliveryStatus, DomainRecord, Endpoint, ListFilter,
    PoolStats, Registered, Registration, Store, StoreError, StoreOptions,
};
use crate::status::{DomainStatus, Transition};

/// The schema's migrations, in order, embedded. sqlx serialises migrations across processes
/// with an advisory lock, so replicas starting together migrate once.
const MIGRATIONS: [(i64, &str, &str); 4] = [
    (1, "init", include_str!("migrations/postgres/0001_init.sql")),
    (
        2,
        "test messages",
        include_str!("migrations/postgres/0002_test_messages.sql"),
    ),
    (
        3,
        "retention",
        include_str!("migrations/postgres/0003_retention.sql"),
    ),
    (
        4,
        "audit",
        include_str!("migrations/postgres/0004_audit.sql"),
    ),
];

/// The key of the advisory lock one pruning batch holds.
const RETENTION_LOCK: i64 = 0x5345_4e44_5052_554e; // "SENDPRUN"

/// The key of the advisory lock under which events are fanned out.
const FAN_OUT_LOCK: i64 = 0x5345_4e44_4641_4e4f; // "SENDFANO"

/// A PostgreSQL database shared by the replicas.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    owner: std::sync::Arc<str>,
}

impl PostgresStore {
    /// Connects to a `postgres://` URL and migrates the database.
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let connect = PgConnectOptions::from_str(url)?
            .application_name(&format!("sendercheck {}", options.replica_id));
        let pool = PgPoolOptions::new()
            .max_connections(options.pool_size.unwrap_or(10))
            // A request that cannot get a connection within two seconds is answered 503
            // overloaded rather than queued on.
            .acquire_timeout(Duration::from_secs(2))
            .connect_with(connect)
            .await?;
        super::sql::migrator(&MIGRATIONS).run(&pool).await?;
        Ok(PostgresStore {
            pool,
            owner: options.replica_id.as_str().into(),
        })
    }
}

super::statements::statements!(PgConnection, " FOR UPDATE", " FOR UPDATE SKIP LOCKED");

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn release_leases(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let released = release_in(&mut tx, &self.owner, now).await?;
        tx.commit().await?;
        Ok(released.len() as u64)
    }

    /// Five readings on one connection held for them (so no wait for the pool falls inside a
    /// reading), the one with the shortest round trip kept.
    async fn database_time(&self) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let mut samples = Vec::with_capacity(5);
        for _ in 0..5 {
            let sent = Utc::now();
            let at: i64 =
                sqlx::query_scalar("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT")
                    .fetch_one(&mut *connection)
                    .await?;
            samples.push(crate::clock::Sample {
                theirs: from_millis("(database clock)", at)?,
                sent,
                received: Utc::now(),
            });
        }
        Ok(crate::clock::best_sample(&samples).map(|best| (best.theirs, best.ours())))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// A server that answers but is a standby (after a failover the URL may lead to one)
    /// takes no writes: not ready.
    async fn writable(&self) -> Result<(), StoreError> {
        let (recovery, read_only): (bool, String) =
            sqlx::query_as("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
                .fetch_one(&self.pool)
                .await?;
        if recovery || read_only == "on" {
            return Err(StoreError::ReadOnly);
        }
        // A real write, as every replica's heartbeat: a database that cannot take it (a full
        // disk, a read-only default) is not ready.
        sqlx::query(
            "INSERT INTO heartbeats (replica, at) VALUES ($1, $2) \
             ON CONFLICT (replica) DO UPDATE SET at = excluded.at",
        )
        .bind(&*self.owner)
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn register_as(
        &self,
        registration: &Registration,
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
        actor: Option<&super::Actor>,
    ) -> Result<(Registered, DomainRecord), StoreError> {
        let mut tx = self.pool.begin().await?;
        let outcome = register_in(&mut tx, registration, now, first_check_at).await?;
        audit_registration_in(&mut tx, registration, outcome, actor, now).await?;
        let record = stored_row(&mut tx, &registration.domain).await?;
        tx.commit().await?;
        Ok((outcome, record))
    }

    async fn register_all(
        &self,
        registrations: &[Registration],
        now: DateTime<Utc>,
        first_check_at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut changed = 0;
        for registration in registrations {
            if register_in(&mut tx, registration, now, first_check_at).await?
                != Registered::Unchanged
            {
                changed += 1;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn get(&self, domain: &str) -> Result<Option<DomainRecord>, StoreError> {
        sqlx::query_as::<_, DomainRow>(concat!(
            "SELECT ",
            domain_columns!(),
            " FROM domains WHERE domain = $1 AND active"
        ))
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?
        .map(DomainRow::decode)
        .transpose()
    }

    async fn list(
        &self,
        filter: &ListFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DomainRecord>, StoreError> {
        sqlx::query_as::<_, DomainRow>(concat!(
            "SELECT ",
            domain_columns!(),
            " FROM domains WHERE active \
             AND ($1::TEXT IS NULL OR status = $1) \
             AND ($2::TEXT IS NULL OR strpos(domain, $2) > 0) \
             AND ($3::BOOLEAN IS NULL OR paused = $3) \
             AND ($4::TEXT IS NULL OR domain > $4) \
             ORDER BY domain LIMIT $5"
        ))
        .bind(filter.status.map(DomainStatus::as_str))
        .bind(filter.contains.as_deref())
        .bind(filter.paused)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(DomainRow::decode)
        .collect()
    }

    async fn unregister_as(
        &self,
        domain: &str,
        now: DateTime<Utc>,
        actor: Option<&super::Actor>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let unregistered = unregister_in(&mut tx, domain, now).await?;
        if let (true, Some(actor)) = (unregistered, actor) {
            audit_in(&mut tx, actor, "delete", Some(domain), "unregistered", now).await?;
        }
        tx.commit().await?;
        Ok(unregistered)
    }

    async fn set_paused_as(
        &self,
        domain: &str,
        paused: bool,
        now: DateTime<Utc>,
        actor: Option<&super::Actor>,
    ) -> Result<Option<DomainRecord>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let record = set_paused_in(&mut tx, domain, paused, now).await?;
        if let (Some(_), Some(actor)) = (&record, actor) {
            let (action, detail) = super::sql::pause_audit(paused);
            audit_in(&mut tx, actor, action, Some(domain), detail, now).await?;
        }
        tx.commit().await?;
        Ok(record)
    }

    async fn record_audit(
        &self,
        actor: &super::Actor,
        action: &str,
        domain: Option<&str>,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        audit_in(
            &mut *self.pool.acquire().await?,
            actor,
            action,
            domain,
            detail,
            at,
        )
        .await
    }

    async fn audit(
        &self,
        filter: &super::AuditFilter,
        limit: u32,
    ) -> Result<Vec<super::AuditEntry>, StoreError> {
        audit_entries_in(&mut *self.pool.acquire().await?, filter, limit).await
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
        // Rows another replica is claiming this instant are skipped, not waited for.
        claim_in(
            &mut *self.pool.acquire().await?,
            &self.owner,
            now,
            lease_until,
            limit,
        )
        .await
    }

    async fn save_result(&self, result: &CheckResult) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let saved = save_result_in(&mut tx, &self.owner, result).await?;
        tx.commit().await?;
        Ok(saved.is_some())
    }

    async fn fan_out(
        &self,
        endpoints: &[Endpoint],
        now: DateTime<Utc>,
        give_up_after: chrono::Duration,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        // One replica at a time turns events into deliveries, so deliveries of one domain are
        // created in event order; the others skip this round.
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(FAN_OUT_LOCK)
            .fetch_one(&mut *tx)
            .await?;
        if !locked {
            return Ok(0);
        }
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
        sqlx::query_as::<_, DeliveryRow>(concat!(
            "WITH claimed AS (UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 \
             WHERE id IN (SELECT d.id FROM webhook_deliveries d \
             WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= $3 \
             AND (d.lease_until IS NULL OR d.lease_until <= $3) \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.url = d.url \
             AND o.domain = d.domain AND o.status IN ('pending', 'failed') \
             AND o.event_seq < d.event_seq) \
             AND d.url <> ALL($5) \
             ORDER BY d.event_seq LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *) \
             SELECT ",
            delivery_columns!(),
            " FROM claimed d JOIN webhook_events e ON e.seq = d.event_seq ORDER BY d.event_seq"
        ))
        .bind(&*self.owner)
        .bind(millis(lease_until))
        .bind(millis(now))
        .bind(i64::from(limit))
        .bind(busy.to_vec())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(DeliveryRow::decode)
        .collect()
    }

    async fn finish_delivery(
        &self,
        id: i64,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        finish_delivery_in(&mut tx, id, outcome, now, &self.owner).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn release_delivery(&self, id: i64) -> Result<(), StoreError> {
        release_delivery_in(&mut *self.pool.acquire().await?, id, &self.owner).await
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
        let mut tx = self.pool.begin().await?;
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
        let mut tx = self.pool.begin().await?;
        let created = create_test_address_in(&mut tx, address).await?;
        if let (true, Some(actor)) = (created, actor) {
            let detail = super::sql::test_address_audit(address);
            let (domain, at) = (Some(address.domain.as_str()), address.created_at);
            audit_in(&mut tx, actor, "test_address", domain, &detail, at).await?;
        }
        tx.commit().await?;
        Ok(created)
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
        let mut tx = self.pool.begin().await?;
        let saved = save_message_in(&mut tx, message).await?;
        tx.commit().await?;
        Ok(saved.map(|(record, _)| record))
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
        let mut tx = self.pool.begin().await?;
        // One replica prunes at a time; the others find the lock taken and leave it to it.
        let ours: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(RETENTION_LOCK)
            .fetch_one(&mut *tx)
            .await?;
        if !ours {
            return Ok(super::Pruned::default());
        }
        let pruned = prune_in(&mut tx, cutoffs, batch).await?;
        tx.commit().await?;
        Ok(pruned)
    }
}

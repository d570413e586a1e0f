//! The statements both SQL backends run, written once. Their text is the same on SQLite and
//! PostgreSQL: parameters are numbered (`$1`, PostgreSQL's form, which sqlx's SQLite driver
//! maps to the same arguments), and the few clauses only PostgreSQL has (row locks) come in as
//! the macro's literals. `statements!(Connection, "row lock", "claim lock")` expands to free
//! functions on one connection type inside the backend's module; each backend keeps its own
//! transactions, pool, reads and the claims whose SQL differs.

macro_rules! statements {
    ($connection:ty, $row_lock:literal, $claim_lock:literal) => {
        /// The row of `domain` as this transaction sees it, whether or not it is active.
        async fn stored_row(
            connection: &mut $connection,
            domain: &str,
        ) -> Result<DomainRecord, StoreError> {
            sqlx::query_as::<_, DomainRow>(concat!(
                "SELECT ",
                domain_columns!(),
                " FROM domains WHERE domain = $1"
            ))
            .bind(domain)
            .fetch_one(connection)
            .await?
            .decode()
        }

        /// One audit entry, in the caller's transaction.
        async fn audit_in(
            connection: &mut $connection,
            actor: &super::Actor,
            action: &str,
            domain: Option<&str>,
            detail: &str,
            at: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO audit (at, token, action, domain, detail) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(millis(at))
            .bind(actor.token.as_deref())
            .bind(action)
            .bind(domain)
            .bind(detail)
            .execute(connection)
            .await?;
            Ok(())
        }

        /// The audit entry of a registration change (none when nothing changed or no actor).
        async fn audit_registration_in(
            connection: &mut $connection,
            registration: &Registration,
            outcome: Registered,
            actor: Option<&super::Actor>,
            at: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            let (Some(actor), Some(action)) = (
                actor,
                match outcome {
                    Registered::Created => Some("register"),
                    Registered::Updated => Some("update"),
                    Registered::Unchanged => None,
                },
            ) else {
                return Ok(());
            };
            let mut detail = format!("profile {}", registration.profile);
            if !registration.params.is_empty() {
                let names: Vec<&str> = registration.params.keys().map(String::as_str).collect();
                detail.push_str(&format!("; parameters {}", names.join(", ")));
            }
            if registration.token.is_some() {
                detail.push_str("; with an ownership token");
            }
            audit_in(connection, actor, action, Some(&registration.domain), &detail, at).await
        }

        /// Audit entries, newest first.
        async fn audit_entries_in(
            connection: &mut $connection,
            filter: &super::AuditFilter,
            limit: u32,
        ) -> Result<Vec<super::AuditEntry>, StoreError> {
            let rows: Vec<(i64, Option<String>, String, Option<String>, String)> = sqlx::query_as(
                "SELECT at, token, action, domain, detail FROM audit \
                 WHERE ($1 IS NULL OR domain = $1) AND ($2 IS NULL OR token = $2) \
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(filter.domain.as_deref())
            .bind(filter.token.as_deref())
            .bind(i64::from(limit))
            .fetch_all(connection)
            .await?;
            rows.into_iter()
                .map(|(at, token, action, domain, detail)| {
                    Ok(super::AuditEntry {
                        at: from_millis(domain.as_deref().unwrap_or("audit"), at)?,
                        token,
                        action,
                        domain,
                        detail,
                    })
                })
                .collect()
        }

        async fn insert_transition(
            connection: &mut $connection,
            domain: &str,
            transition: &Transition,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO transitions (domain, at, from_status, to_status, reason) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(domain)
            .bind(millis(transition.at))
            .bind(transition.from.map(DomainStatus::as_str))
            .bind(transition.to.as_str())
            .bind(super::rows::encode_reason(&transition.reason))
            .execute(connection)
            .await?;
            Ok(())
        }

        /// The outbox row of a transition, in the transaction that records it.
        async fn enqueue_event(
            connection: &mut $connection,
            transition: &Transition,
            record: &DomainRecord,
        ) -> Result<(), StoreError> {
            match super::sql::event_for(transition, record)? {
                Some(event) => insert_event(connection, &record.domain, event, transition.at).await,
                None => Ok(()),
            }
        }

        async fn insert_event(
            connection: &mut $connection,
            domain: &str,
            event: super::sql::NewEvent,
            at: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO webhook_events (id, domain, type, created_at, payload) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(event.id)
            .bind(domain)
            .bind(event.kind)
            .bind(millis(at))
            .bind(event.payload)
            .execute(connection)
            .await?;
            Ok(())
        }

        /// Creates or updates one registration inside a write transaction, with its history
        /// row. The existing row is locked first, so two writers of one registration take
        /// turns and each sees the other's change.
        async fn register_in(
            connection: &mut $connection,
            registration: &Registration,
            now: DateTime<Utc>,
            first_check_at: DateTime<Utc>,
        ) -> Result<Registered, StoreError> {
            let existing = sqlx::query_as::<_, super::sql::ExistingRow>(concat!(
                "SELECT active, profile, token, params, status FROM domains WHERE domain = $1",
                $row_lock
            ))
            .bind(&registration.domain)
            .fetch_optional(&mut *connection)
            .await?;
            let (outcome, from, reason) = super::sql::registration_change(existing, registration);
            if outcome == Registered::Unchanged {
                return Ok(outcome);
            }
            sqlx::query(
                "INSERT INTO domains (domain, profile, token, params, active, generation, \
                 created_at, updated_at, status, status_since, consecutive_failures, \
                 checked_at, next_check_at, ready, records) \
                 VALUES ($1, $2, $3, $4, TRUE, 1, $5, $5, 'pending', $5, 0, NULL, $6, FALSE, '[]') \
                 ON CONFLICT (domain) DO UPDATE SET profile = excluded.profile, \
                 token = excluded.token, params = excluded.params, active = TRUE, \
                 generation = domains.generation + 1, \
                 created_at = CASE WHEN domains.active THEN domains.created_at \
                 ELSE excluded.created_at END, updated_at = excluded.updated_at, \
                 status = 'pending', status_since = excluded.status_since, \
                 consecutive_failures = 0, checked_at = NULL, \
                 next_check_at = excluded.next_check_at, ready = FALSE, records = '[]', \
                 records_version = 1, lease_owner = NULL, lease_until = NULL, \
                 proven_at = NULL, \
                 paused = CASE WHEN domains.active THEN domains.paused ELSE FALSE END",
            )
            .bind(&registration.domain)
            .bind(&registration.profile)
            .bind(&registration.token)
            .bind(super::sql::params_json(registration))
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

        /// Unregisters inside a write transaction (history kept, ending with the
        /// unregistration); false when there was no active registration.
        async fn unregister_in(
            connection: &mut $connection,
            domain: &str,
            now: DateTime<Utc>,
        ) -> Result<bool, StoreError> {
            let before = sqlx::query_as::<_, DomainRow>(concat!(
                "SELECT ",
                domain_columns!(),
                " FROM domains WHERE domain = $1 AND active",
                $row_lock
            ))
            .bind(domain)
            .fetch_optional(&mut *connection)
            .await?;
            let Some(before) = before else {
                return Ok(false);
            };
            let before = before.decode()?;
            sqlx::query(
                "UPDATE domains SET active = FALSE, generation = generation + 1, \
                 updated_at = $1, lease_owner = NULL, lease_until = NULL WHERE domain = $2",
            )
            .bind(millis(now))
            .bind(domain)
            .execute(&mut *connection)
            .await?;
            let transition = Transition {
                at: now,
                from: Some(before.lifecycle.status),
                to: DomainStatus::Unregistered,
                reason: crate::text::codes::history_unregistered(),
            };
            insert_transition(connection, domain, &transition).await?;
            enqueue_event(connection, &transition, &before).await?;
            Ok(true)
        }

        /// Pauses or resumes. A new generation: a check that started before cannot store its
        /// result, so its lease is let go. Resumed, the registration is due at once.
        async fn set_paused_in(
            connection: &mut $connection,
            domain: &str,
            paused: bool,
            now: DateTime<Utc>,
        ) -> Result<Option<DomainRecord>, StoreError> {
            sqlx::query_as::<_, DomainRow>(concat!(
                "UPDATE domains SET paused = $1, generation = generation + 1, updated_at = $2, \
                 next_check_at = CASE WHEN $1 THEN next_check_at ELSE $2 END, \
                 lease_owner = NULL, lease_until = NULL \
                 WHERE domain = $3 AND active RETURNING ",
                domain_columns!()
            ))
            .bind(paused)
            .bind(millis(now))
            .bind(domain)
            .fetch_optional(connection)
            .await?
            .map(DomainRow::decode)
            .transpose()
        }

        /// Claims up to `limit` due rows for `owner` (see `Store::claim_due`), sorted by
        /// domain. The inner SELECT walks the partial index domains_due from its head and
        /// stops after `limit` rows: its cost follows the due set, not the table. The claim
        /// moves next_check_at to the lease's end, so leased rows leave the index's head and a
        /// dead replica's rows are due again when its lease runs out.
        async fn claim_in(
            connection: &mut $connection,
            owner: &str,
            now: DateTime<Utc>,
            lease_until: DateTime<Utc>,
            limit: u32,
        ) -> Result<Vec<DomainRecord>, StoreError> {
            let mut records = sqlx::query_as::<_, DomainRow>(concat!(
                "UPDATE domains SET next_check_at = $1, lease_owner = $2, lease_until = $1 \
                 WHERE domain IN (SELECT domain FROM domains \
                 WHERE active AND NOT paused AND next_check_at <= $3 \
                 AND (lease_until IS NULL OR lease_until <= $3) \
                 ORDER BY next_check_at LIMIT $4",
                $claim_lock,
                ") RETURNING ",
                domain_columns!()
            ))
            .bind(millis(lease_until))
            .bind(owner)
            .bind(millis(now))
            .bind(i64::from(limit))
            .fetch_all(connection)
            .await?
            .into_iter()
            .map(DomainRow::decode)
            .collect::<Result<Vec<_>, _>>()?;
            records.sort_by(|a, b| a.domain.cmp(&b.domain));
            Ok(records)
        }

        /// Writes a check's result and its transition, only while `owner` holds the lease (or
        /// nobody holds a live one) and from the generation and state the check started
        /// from; the lease is let go. The row as stored after, or `None` when dropped.
        async fn save_result_in(
            connection: &mut $connection,
            owner: &str,
            result: &CheckResult,
        ) -> Result<Option<DomainRecord>, StoreError> {
            let records = super::sql::encode_records(&result.domain, &result.records)?;
            // The row as written comes back with the UPDATE: no second query per check.
            let updated = sqlx::query_as::<_, DomainRow>(concat!(
                "UPDATE domains SET status = $1, status_since = $2, consecutive_failures = $3, \
                 checked_at = $4, next_check_at = $5, ready = $6, records = $7, \
                 records_version = $8, lease_owner = NULL, lease_until = NULL \
                 WHERE domain = $9 AND active AND generation = $10 \
                 AND status = $11 AND status_since = $12 AND consecutive_failures = $13 \
                 AND checked_at IS NOT DISTINCT FROM $14 \
                 AND (lease_owner IS NULL OR lease_owner = $15 OR lease_until <= $4) \
                 RETURNING ",
                domain_columns!()
            ))
            .bind(result.lifecycle.status.as_str())
            .bind(millis(result.lifecycle.status_since))
            .bind(i64::from(result.lifecycle.consecutive_failures))
            .bind(millis(result.checked_at))
            .bind(millis(result.next_check_at))
            .bind(result.ready)
            .bind(records)
            .bind(super::rows::RECORDS_VERSION)
            .bind(&result.domain)
            .bind(result.generation)
            .bind(result.basis.status.as_str())
            .bind(millis(result.basis.status_since))
            .bind(i64::from(result.basis.consecutive_failures))
            .bind(result.basis.checked_at.map(millis))
            .bind(owner)
            .fetch_optional(&mut *connection)
            .await?;
            let Some(record) = updated.map(DomainRow::decode).transpose()? else {
                return Ok(None);
            };
            if let Some(transition) = &result.transition {
                insert_transition(connection, &result.domain, transition).await?;
                enqueue_event(connection, transition, &record).await?;
            }
            Ok(Some(record))
        }

        /// Lets go of `owner`'s leases: its registrations due at `now`, its deliveries free.
        /// Returns the registrations released, as stored after.
        async fn release_in(
            connection: &mut $connection,
            owner: &str,
            now: DateTime<Utc>,
        ) -> Result<Vec<DomainRecord>, StoreError> {
            let released = sqlx::query_as::<_, DomainRow>(concat!(
                "UPDATE domains SET lease_owner = NULL, lease_until = NULL, next_check_at = $1 \
                 WHERE lease_owner = $2 RETURNING ",
                domain_columns!()
            ))
            .bind(millis(now))
            .bind(owner)
            .fetch_all(&mut *connection)
            .await?;
            sqlx::query(
                "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL \
                 WHERE lease_owner = $1",
            )
            .bind(owner)
            .execute(connection)
            .await?;
            released.into_iter().map(DomainRow::decode).collect()
        }

        /// Creates the deliveries of events not yet fanned out (see `Store::fan_out`).
        async fn fan_out_in(
            connection: &mut $connection,
            endpoints: &[Endpoint],
            now: DateTime<Utc>,
            give_up_after: chrono::Duration,
        ) -> Result<u64, StoreError> {
            let events: Vec<(i64, String, String, i64)> = sqlx::query_as(
                "SELECT seq, domain, type, created_at FROM webhook_events WHERE NOT fanned_out \
                 ORDER BY seq LIMIT 1000",
            )
            .fetch_all(&mut *connection)
            .await?;
            let disabled: Vec<String> = sqlx::query_scalar("SELECT url FROM webhook_endpoints")
                .fetch_all(&mut *connection)
                .await?;
            let mut created = 0;
            for (seq, domain, kind, at) in &events {
                let window_end = from_millis(domain, *at)? + give_up_after;
                // An event older than the delivery window (made while no endpoint was
                // configured, say) would only flood a new endpoint with stale history: it is
                // marked fanned out with no delivery.
                let recipients: Vec<&Endpoint> = if window_end < now {
                    Vec::new()
                } else {
                    super::sql::recipients(endpoints, kind, &disabled).collect()
                };
                let give_up = millis(window_end);
                for endpoint in recipients {
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (event_seq, domain, url, status, \
                         attempts, next_attempt_at, give_up_at, updated_at) \
                         VALUES ($1, $2, $3, 'pending', 0, $4, $5, $4)",
                    )
                    .bind(seq)
                    .bind(domain)
                    .bind(&endpoint.url)
                    .bind(millis(now))
                    .bind(give_up)
                    .execute(&mut *connection)
                    .await?;
                    created += 1;
                }
                sqlx::query("UPDATE webhook_events SET fanned_out = TRUE WHERE seq = $1")
                    .bind(seq)
                    .execute(&mut *connection)
                    .await?;
            }
            Ok(created)
        }

        /// Records one attempt's outcome; a 410 disables the endpoint and kills its open
        /// deliveries.
        /// Gives a claimed delivery's lease back (see `Store::release_delivery`).
        async fn release_delivery_in(
            connection: &mut $connection,
            id: i64,
            owner: &str,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2",
            )
            .bind(id)
            .bind(owner)
            .execute(connection)
            .await?;
            Ok(())
        }

        async fn finish_delivery_in(
            connection: &mut $connection,
            id: i64,
            outcome: &AttemptOutcome,
            now: DateTime<Utc>,
            owner: &str,
        ) -> Result<(), StoreError> {
            let (status, next, error) = super::sql::attempt_columns(outcome, now);
            // A delivery left for another replica keeps its status and attempt count.
            let attempted = !matches!(outcome, AttemptOutcome::LeftForAnother { .. });
            let url: Option<String> = sqlx::query_scalar(
                "UPDATE webhook_deliveries SET status = CASE WHEN $6 THEN $1 ELSE status END, \
                 attempts = attempts + CASE WHEN $6 THEN 1 ELSE 0 END, \
                 next_attempt_at = $2, last_error = $3, updated_at = $4, lease_owner = NULL, \
                 lease_until = NULL WHERE id = $5 AND lease_owner = $7 RETURNING url",
            )
            .bind(status)
            .bind(millis(next))
            .bind(&error)
            .bind(millis(now))
            .bind(id)
            .bind(attempted)
            .bind(owner)
            .fetch_optional(&mut *connection)
            .await?;
            if url.is_none() {
                tracing::warn!(
                    delivery = id,
                    "a webhook attempt outlived its lease: its outcome is not recorded (another \
                     replica may hold the delivery now)"
                );
            }
            if let (AttemptOutcome::Gone { error }, Some(url)) = (outcome, url) {
                sqlx::query(
                    "INSERT INTO webhook_endpoints (url, disabled_at, reason) \
                     VALUES ($1, $2, $3) \
                     ON CONFLICT (url) DO UPDATE SET disabled_at = excluded.disabled_at, \
                     reason = excluded.reason",
                )
                .bind(&url)
                .bind(millis(now))
                .bind(error)
                .execute(&mut *connection)
                .await?;
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'dead', last_error = $1, \
                     updated_at = $2 WHERE url = $3 AND status IN ('pending', 'failed')",
                )
                .bind(format!("the endpoint is disabled: {error}"))
                .bind(millis(now))
                .bind(&url)
                .execute(connection)
                .await?;
            }
            Ok(())
        }

        /// Makes a delivery due again with a fresh budget, re-enabling its endpoint.
        async fn retry_delivery_in(
            connection: &mut $connection,
            id: i64,
            now: DateTime<Utc>,
            give_up_after: chrono::Duration,
        ) -> Result<Option<Delivery>, StoreError> {
            let url: Option<String> = sqlx::query_scalar(
                "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, \
                 give_up_at = $2, updated_at = $1, lease_owner = NULL, lease_until = NULL \
                 WHERE id = $3 RETURNING url",
            )
            .bind(millis(now))
            .bind(millis(now + give_up_after))
            .bind(id)
            .fetch_optional(&mut *connection)
            .await?;
            let Some(url) = url else {
                return Ok(None);
            };
            sqlx::query("DELETE FROM webhook_endpoints WHERE url = $1")
                .bind(&url)
                .execute(&mut *connection)
                .await?;
            sqlx::query_as::<_, DeliveryRow>(concat!(
                "SELECT ",
                delivery_columns!(),
                " FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq \
                 WHERE d.id = $1"
            ))
            .bind(id)
            .fetch_optional(connection)
            .await?
            .map(DeliveryRow::decode)
            .transpose()
        }

        /// Deliveries of one status (any when `None`), newest first.
        async fn deliveries_in(
            connection: &mut $connection,
            status: Option<DeliveryStatus>,
            limit: u32,
        ) -> Result<Vec<Delivery>, StoreError> {
            sqlx::query_as::<_, DeliveryRow>(concat!(
                "SELECT ",
                delivery_columns!(),
                " FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq \
                 WHERE (CAST($1 AS TEXT) IS NULL OR d.status = $1) ORDER BY d.id DESC LIMIT $2"
            ))
            .bind(status.map(DeliveryStatus::as_str))
            .bind(i64::from(limit))
            .fetch_all(connection)
            .await?
            .into_iter()
            .map(DeliveryRow::decode)
            .collect()
        }

        async fn delivery_counts_in(
            connection: &mut $connection,
        ) -> Result<Vec<(DeliveryStatus, u64)>, StoreError> {
            let rows = sqlx::query_as(
                "SELECT status, COUNT(*) AS count FROM webhook_deliveries GROUP BY status",
            )
            .fetch_all(connection)
            .await?;
            Ok(super::sql::delivery_counts(rows))
        }

        async fn count_by_status_in(
            connection: &mut $connection,
        ) -> Result<Vec<(DomainStatus, u64)>, StoreError> {
            let rows = sqlx::query_as(
                "SELECT status, COUNT(*) AS count FROM domains WHERE active GROUP BY status",
            )
            .fetch_all(connection)
            .await?;
            Ok(super::sql::status_counts(rows))
        }

        async fn history_in(
            connection: &mut $connection,
            domain: &str,
        ) -> Result<Vec<Transition>, StoreError> {
            sqlx::query_as::<_, TransitionRow>(
                "SELECT at, from_status, to_status, reason FROM transitions \
                 WHERE domain = $1 ORDER BY id",
            )
            .bind(domain)
            .fetch_all(connection)
            .await?
            .into_iter()
            .map(|row| row.decode(domain))
            .collect()
        }

        /// Keeps a test address when its domain is registered (see `Store::create_test_address`).
        async fn create_test_address_in(
            connection: &mut $connection,
            address: &super::TestAddress,
        ) -> Result<bool, StoreError> {
            let active: Option<bool> = sqlx::query_scalar(concat!(
                "SELECT active FROM domains WHERE domain = $1",
                $row_lock
            ))
            .bind(&address.domain)
            .fetch_optional(&mut *connection)
            .await?;
            if active != Some(true) {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO test_addresses (local_part, domain, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&address.local_part)
            .bind(&address.domain)
            .bind(millis(address.created_at))
            .bind(millis(address.expires_at))
            .execute(connection)
            .await?;
            Ok(true)
        }

        async fn test_address_in(
            connection: &mut $connection,
            local_part: &str,
        ) -> Result<Option<super::TestAddress>, StoreError> {
            sqlx::query_as::<_, super::sql::TestAddressRow>(
                "SELECT local_part, domain, created_at, expires_at FROM test_addresses \
                 WHERE local_part = $1",
            )
            .bind(local_part)
            .fetch_optional(connection)
            .await?
            .map(super::sql::TestAddressRow::decode)
            .transpose()
        }

        async fn live_test_address_in(
            connection: &mut $connection,
            domain: &str,
            now: DateTime<Utc>,
        ) -> Result<Option<super::TestAddress>, StoreError> {
            sqlx::query_as::<_, super::sql::TestAddressRow>(
                "SELECT local_part, domain, created_at, expires_at FROM test_addresses \
                 WHERE domain = $1 AND expires_at > $2 ORDER BY expires_at DESC LIMIT 1",
            )
            .bind(domain)
            .bind(millis(now))
            .fetch_optional(connection)
            .await?
            .map(super::sql::TestAddressRow::decode)
            .transpose()
        }

        /// Keeps a received message with what it changes (see `Store::save_message`): the
        /// registration as of it, and whether the message changed it (`proven_at`).
        async fn save_message_in(
            connection: &mut $connection,
            message: &super::StoredMessage,
        ) -> Result<Option<(DomainRecord, bool)>, StoreError> {
            let generation: Option<(bool, i64)> = sqlx::query_as(concat!(
                "SELECT active, generation FROM domains WHERE domain = $1",
                $row_lock
            ))
            .bind(&message.domain)
            .fetch_optional(&mut *connection)
            .await?;
            let Some((true, generation)) = generation else {
                return Ok(None);
            };
            let verdict = super::rows::encode_message(message).map_err(|error| {
                StoreError::Corrupt {
                    domain: message.domain.clone(),
                    reason: format!("test message does not serialise: {error}"),
                }
            })?;
            sqlx::query(
                "INSERT INTO test_messages (id, domain, received_at, generation, outcome, \
                 verdict, verdict_version) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&message.id)
            .bind(&message.domain)
            .bind(millis(message.received_at))
            .bind(generation)
            .bind(message.verdict.verdict.as_str())
            .bind(verdict)
            .bind(super::rows::MESSAGE_VERSION)
            .execute(&mut *connection)
            .await?;
            let mut proven = false;
            if message.verdict.verdict == crate::message::Outcome::Pass {
                proven = sqlx::query(
                    "UPDATE domains SET proven_at = $1 WHERE domain = $2 \
                     AND (proven_at IS NULL OR proven_at < $1)",
                )
                .bind(millis(message.received_at))
                .bind(&message.domain)
                .execute(&mut *connection)
                .await?
                .rows_affected()
                    > 0;
            }
            let record = stored_row(connection, &message.domain).await?;
            if let Some(event) = super::sql::message_event(message, &record)? {
                insert_event(connection, &record.domain, event, message.received_at).await?;
            }
            Ok(Some((record, proven)))
        }

        async fn messages_in(
            connection: &mut $connection,
            domain: &str,
            limit: u32,
        ) -> Result<Vec<super::StoredMessage>, StoreError> {
            sqlx::query_as::<_, super::sql::MessageRow>(
                "SELECT domain, verdict, verdict_version FROM test_messages WHERE domain = $1 \
                 ORDER BY seq DESC LIMIT $2",
            )
            .bind(domain)
            .bind(i64::from(limit))
            .fetch_all(connection)
            .await?
            .into_iter()
            .map(super::sql::MessageRow::decode)
            .collect()
        }

        async fn replicas_in(
            connection: &mut $connection,
            alive_since: DateTime<Utc>,
            seen_since: DateTime<Utc>,
        ) -> Result<(u64, u64), StoreError> {
            let (alive, missing): (i64, i64) = sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN at >= $1 THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN at < $1 AND at >= $2 THEN 1 ELSE 0 END), 0) \
                 FROM heartbeats",
            )
            .bind(millis(alive_since))
            .bind(millis(seen_since))
            .fetch_one(connection)
            .await?;
            Ok((alive.max(0) as u64, missing.max(0) as u64))
        }

        /// One pruning batch (see `Store::prune`).
        async fn prune_in(
            connection: &mut $connection,
            cutoffs: &super::Cutoffs,
            batch: u32,
        ) -> Result<super::Pruned, StoreError> {
            let batch = i64::from(batch);
            // Each domain's latest transition set its current status: never deleted.
            let transitions = sqlx::query(
                "DELETE FROM transitions WHERE id IN (SELECT t.id FROM transitions t \
                 WHERE t.at < $1 AND t.id < (SELECT MAX(u.id) FROM transitions u \
                 WHERE u.domain = t.domain) ORDER BY t.id LIMIT $2)",
            )
            .bind(millis(cutoffs.transitions))
            .bind(batch)
            .execute(&mut *connection)
            .await?
            .rows_affected();
            // Events whose deliveries are all finished (or that had none), with those
            // deliveries; an event still being delivered waits.
            let events: Vec<i64> = sqlx::query_scalar(concat!(
                "SELECT e.seq FROM webhook_events e WHERE ",
                event_finished!("$1"),
                " ORDER BY e.seq LIMIT $2"
            ))
            .bind(millis(cutoffs.events))
            .bind(batch)
            .fetch_all(&mut *connection)
            .await?;
            let (mut webhook_events, mut webhook_deliveries) = (0, 0);
            if let (Some(first), Some(last)) = (events.first(), events.last()) {
                // The batch is in seq order: delete by range, rechecking the same conditions.
                webhook_deliveries = sqlx::query(concat!(
                    "DELETE FROM webhook_deliveries WHERE event_seq BETWEEN $1 AND $2 \
                     AND event_seq IN (SELECT e.seq FROM webhook_events e \
                     WHERE e.seq BETWEEN $1 AND $2 AND ",
                    event_finished!("$3"),
                    ")"
                ))
                .bind(first)
                .bind(last)
                .bind(millis(cutoffs.events))
                .execute(&mut *connection)
                .await?
                .rows_affected();
                webhook_events = sqlx::query(
                    "DELETE FROM webhook_events WHERE seq BETWEEN $1 AND $2 \
                     AND created_at < $3 AND fanned_out AND NOT EXISTS \
                     (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = webhook_events.seq)",
                )
                .bind(first)
                .bind(last)
                .bind(millis(cutoffs.events))
                .execute(&mut *connection)
                .await?
                .rows_affected();
            }
            let test_messages = sqlx::query(
                "DELETE FROM test_messages WHERE seq IN (SELECT seq FROM test_messages \
                 WHERE received_at < $1 ORDER BY seq LIMIT $2)",
            )
            .bind(millis(cutoffs.messages))
            .bind(batch)
            .execute(&mut *connection)
            .await?
            .rows_affected();
            let test_addresses = sqlx::query(
                "DELETE FROM test_addresses WHERE local_part IN (SELECT local_part FROM \
                 test_addresses WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)",
            )
            .bind(millis(cutoffs.messages))
            .bind(batch)
            .execute(&mut *connection)
            .await?
            .rows_affected();
            // The audit log is history like the transitions: the same age.
            let audit = sqlx::query(
                "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < $1 \
                 ORDER BY id LIMIT $2)",
            )
            .bind(millis(cutoffs.transitions))
            .bind(batch)
            .execute(connection)
            .await?
            .rows_affected();
            Ok(super::Pruned {
                transitions,
                webhook_events,
                webhook_deliveries,
                test_messages,
                test_addresses,
                audit,
            })
        }

        /// The most overdue check's due time, read from the head of domains_due.
        async fn oldest_due_in(
            connection: &mut $connection,
        ) -> Result<Option<DateTime<Utc>>, StoreError> {
            let oldest: Option<i64> = sqlx::query_scalar(
                "SELECT next_check_at FROM domains WHERE active AND NOT paused \
                 ORDER BY next_check_at LIMIT 1",
            )
            .fetch_optional(connection)
            .await?;
            oldest
                .map(|value| from_millis("(oldest due)", value))
                .transpose()
        }
    };
}

pub(super) use statements;

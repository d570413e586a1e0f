//! What the SQL backends share: rows as the database returns them (`sqlx::FromRow` on plain
//! column types, so one struct decodes from SQLite and PostgreSQL alike), their decoding into
//! the store's types, and the decisions a write makes before it writes (what a registration
//! change is, which event a transition sends). Each backend keeps only its SQL text.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::rows;
use super::{Delivery, DeliveryStatus, DomainRecord, OutboxEvent, Registered, Registration};
use super::{Endpoint, StoreError};
use crate::status::{DomainStatus, Lifecycle, Transition};
use crate::text::{Text, codes};

/// The columns of a registration, in the order `DomainRow` reads them.
macro_rules! domain_columns {
    () => {
        "domain, profile, token, generation, created_at, status, status_since, \
         consecutive_failures, checked_at, next_check_at, ready, records, records_version, \
         params, paused, proven_at"
    };
}
pub(super) use domain_columns;

/// The columns of a delivery joined with its event (`d` and `e`).
macro_rules! delivery_columns {
    () => {
        "d.id, d.url, d.status, d.attempts, d.next_attempt_at, d.give_up_at, d.last_error, \
         e.id AS event_id, e.domain, e.type, e.created_at, e.payload"
    };
}
pub(super) use delivery_columns;

/// The condition under which retention may delete webhook event `e` (created before `$N`):
/// fanned out, and none of its deliveries still pending or failed (to be tried again).
macro_rules! event_finished {
    ($before:literal) => {
        concat!(
            "e.created_at < ",
            $before,
            " AND e.fanned_out AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d \
             WHERE d.event_seq = e.seq AND d.status IN ('pending', 'failed'))"
        )
    };
}
pub(super) use event_finished;

/// A backend's migrations, (version, description, SQL) in order, embedded so the binary
/// needs no files beside it.
pub(super) fn migrator(
    migrations: &[(i64, &'static str, &'static str)],
) -> sqlx::migrate::Migrator {
    use sqlx::SqlSafeStr;
    sqlx::migrate::Migrator::with_migrations(
        migrations
            .iter()
            .map(|(version, description, sql)| {
                sqlx::migrate::Migration::new(
                    *version,
                    std::borrow::Cow::Borrowed(*description),
                    sqlx::migrate::MigrationType::Simple,
                    sqlx::AssertSqlSafe(*sql).into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

pub(super) fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub(super) fn from_millis(domain: &str, value: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(value).ok_or_else(|| StoreError::Corrupt {
        domain: domain.to_string(),
        reason: format!("timestamp {value} is out of range"),
    })
}

/// A `domains` row as stored (`domain_columns!`).
#[derive(sqlx::FromRow)]
pub(super) struct DomainRow {
    domain: String,
    profile: String,
    token: Option<String>,
    generation: i64,
    created_at: i64,
    status: String,
    status_since: i64,
    consecutive_failures: i64,
    checked_at: Option<i64>,
    next_check_at: i64,
    ready: bool,
    records: String,
    records_version: i64,
    params: String,
    paused: bool,
    proven_at: Option<i64>,
}

impl DomainRow {
    pub(super) fn decode(self) -> Result<DomainRecord, StoreError> {
        let domain = self.domain;
        let corrupt = |reason: String| StoreError::Corrupt {
            domain: domain.clone(),
            reason,
        };
        let status =
            DomainStatus::from_str(&self.status).map_err(|error| corrupt(error.to_string()))?;
        let records = rows::decode(self.records_version, &self.records).map_err(corrupt)?;
        let params = serde_json::from_str(&self.params).map_err(|error| {
            corrupt(format!("params are not a JSON object of strings: {error}"))
        })?;
        Ok(DomainRecord {
            profile: self.profile,
            token: self.token,
            params,
            generation: self.generation,
            created_at: from_millis(&domain, self.created_at)?,
            lifecycle: Lifecycle {
                status,
                status_since: from_millis(&domain, self.status_since)?,
                consecutive_failures: u32::try_from(self.consecutive_failures).unwrap_or(u32::MAX),
            },
            checked_at: self
                .checked_at
                .map(|value| from_millis(&domain, value))
                .transpose()?,
            next_check_at: from_millis(&domain, self.next_check_at)?,
            ready: self.ready,
            records,
            paused: self.paused,
            proven_at: self
                .proven_at
                .map(|value| from_millis(&domain, value))
                .transpose()?,
            domain,
        })
    }
}

/// A `transitions` row.
#[derive(sqlx::FromRow)]
pub(super) struct TransitionRow {
    at: i64,
    from_status: Option<String>,
    to_status: String,
    reason: String,
}

impl TransitionRow {
    pub(super) fn decode(self, domain: &str) -> Result<Transition, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            domain: domain.to_string(),
            reason,
        };
        Ok(Transition {
            at: from_millis(domain, self.at)?,
            from: self
                .from_status
                .map(|from| DomainStatus::from_str(&from))
                .transpose()
                .map_err(|error| corrupt(error.to_string()))?,
            to: DomainStatus::from_str(&self.to_status)
                .map_err(|error| corrupt(error.to_string()))?,
            reason: super::rows::decode_reason(&self.reason),
        })
    }
}

/// A delivery joined with its event (`delivery_columns!`).
#[derive(sqlx::FromRow)]
pub(super) struct DeliveryRow {
    id: i64,
    url: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    give_up_at: i64,
    last_error: Option<String>,
    event_id: String,
    domain: String,
    #[sqlx(rename = "type")]
    kind: String,
    created_at: i64,
    payload: String,
}

impl DeliveryRow {
    pub(super) fn decode(self) -> Result<Delivery, StoreError> {
        let domain = self.domain;
        let corrupt = |reason: String| StoreError::Corrupt {
            domain: domain.clone(),
            reason,
        };
        let status = DeliveryStatus::parse(&self.status)
            .ok_or_else(|| corrupt(format!("unknown delivery status {:?}", self.status)))?;
        let (transition, record, message) =
            rows::decode_event(&domain, &self.payload).map_err(corrupt)?;
        Ok(Delivery {
            id: self.id,
            url: self.url,
            status,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            next_attempt_at: from_millis(&domain, self.next_attempt_at)?,
            give_up_at: from_millis(&domain, self.give_up_at)?,
            last_error: self.last_error,
            event: OutboxEvent {
                id: self.event_id,
                kind: self.kind,
                created_at: from_millis(&domain, self.created_at)?,
                transition,
                record,
                message: message.map(Box::new),
            },
        })
    }
}

/// A `test_addresses` row.
#[derive(sqlx::FromRow)]
pub(super) struct TestAddressRow {
    local_part: String,
    domain: String,
    created_at: i64,
    expires_at: i64,
}

impl TestAddressRow {
    pub(super) fn decode(self) -> Result<super::TestAddress, StoreError> {
        Ok(super::TestAddress {
            created_at: from_millis(&self.domain, self.created_at)?,
            expires_at: from_millis(&self.domain, self.expires_at)?,
            local_part: self.local_part,
            domain: self.domain,
        })
    }
}

/// A `test_messages` row.
#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    domain: String,
    verdict: String,
    verdict_version: i64,
}

impl MessageRow {
    pub(super) fn decode(self) -> Result<super::StoredMessage, StoreError> {
        rows::decode_message(&self.domain, self.verdict_version, &self.verdict).map_err(|reason| {
            StoreError::Corrupt {
                domain: self.domain.clone(),
                reason,
            }
        })
    }
}

/// The outbox row a test message makes: none while the registration is paused.
pub(super) fn message_event(
    message: &super::StoredMessage,
    record: &DomainRecord,
) -> Result<Option<NewEvent>, StoreError> {
    if record.paused {
        return Ok(None);
    }
    let payload =
        rows::encode_message_event(message, record).map_err(|error| StoreError::Corrupt {
            domain: record.domain.clone(),
            reason: format!("event does not serialise: {error}"),
        })?;
    Ok(Some(NewEvent {
        id: super::random_id("evt"),
        kind: "domain.test_message",
        payload,
    }))
}

/// What a registration already stored holds, as `register` compares it.
#[derive(sqlx::FromRow)]
pub(super) struct ExistingRow {
    active: bool,
    profile: String,
    token: Option<String>,
    params: String,
    status: String,
}

/// What `register` does with `registration` given what is stored: the outcome, the status it
/// leaves (for the history row) and the reason; nothing is written when unchanged.
pub(super) fn registration_change(
    existing: Option<ExistingRow>,
    registration: &Registration,
) -> (Registered, Option<DomainStatus>, Text) {
    let Some(row) = existing else {
        return (Registered::Created, None, codes::history_registered());
    };
    let params: BTreeMap<String, String> = serde_json::from_str(&row.params).unwrap_or_default();
    let status = DomainStatus::from_str(&row.status).ok();
    if !row.active {
        (Registered::Created, None, codes::history_registered_again())
    } else if row.profile == registration.profile
        && row.token == registration.token
        && params == registration.params
    {
        (Registered::Unchanged, status, codes::history_registered())
    } else if row.profile != registration.profile {
        (
            Registered::Updated,
            status,
            codes::history_profile_changed(&row.profile, &registration.profile),
        )
    } else if row.token != registration.token {
        (Registered::Updated, status, codes::history_token_changed())
    } else {
        (Registered::Updated, status, codes::history_params_changed())
    }
}

/// A registration's parameters as stored.
pub(super) fn params_json(registration: &Registration) -> String {
    serde_json::to_string(&registration.params).unwrap_or_else(|_| "{}".to_string())
}

/// A result's records as stored.
pub(super) fn encode_records(
    domain: &str,
    records: &[crate::checks::RecordCheck],
) -> Result<String, StoreError> {
    rows::encode(records).map_err(|error| StoreError::Corrupt {
        domain: domain.to_string(),
        reason: format!("records do not serialise: {error}"),
    })
}

/// An outbox row to insert.
pub(super) struct NewEvent {
    pub id: String,
    pub kind: &'static str,
    pub payload: String,
}

/// The outbox row a transition makes, if any. A paused registration sends nothing; a
/// brand-new registration (pending from nothing) is not an event.
pub(super) fn event_for(
    transition: &Transition,
    record: &DomainRecord,
) -> Result<Option<NewEvent>, StoreError> {
    if record.paused {
        return Ok(None);
    }
    let kind = match (transition.from, transition.to) {
        (_, DomainStatus::Verified) => "domain.verified",
        (_, DomainStatus::Failing) => "domain.failing",
        (Some(_), DomainStatus::Pending) => "domain.pending",
        (None, DomainStatus::Pending) => return Ok(None),
        (_, DomainStatus::Unregistered) => "domain.deleted",
    };
    let payload = rows::encode_event(transition, record).map_err(|error| StoreError::Corrupt {
        domain: record.domain.clone(),
        reason: format!("event does not serialise: {error}"),
    })?;
    Ok(Some(NewEvent {
        id: super::random_id("evt"),
        kind,
        payload,
    }))
}

/// The endpoints an event of `kind` goes to: those that want it and are not disabled.
pub(super) fn recipients<'a>(
    endpoints: &'a [Endpoint],
    kind: &'a str,
    disabled: &'a [String],
) -> impl Iterator<Item = &'a Endpoint> + 'a {
    endpoints
        .iter()
        .filter(move |endpoint| endpoint.events.iter().any(|wanted| wanted == kind))
        .filter(move |endpoint| !disabled.contains(&endpoint.url))
}

/// What a finished attempt writes: status, next attempt, error.
pub(super) fn attempt_columns(
    outcome: &super::AttemptOutcome,
    now: DateTime<Utc>,
) -> (&'static str, DateTime<Utc>, Option<String>) {
    use super::AttemptOutcome;
    match outcome {
        AttemptOutcome::Delivered => ("delivered", now, None),
        AttemptOutcome::Retry { at, error } => ("failed", *at, Some(error.clone())),
        AttemptOutcome::Dead { error } | AttemptOutcome::Gone { error } => {
            ("dead", now, Some(error.clone()))
        }
        // The status column keeps its value for this one (see `finish_delivery_in`).
        AttemptOutcome::LeftForAnother { at, note } => ("", *at, Some(note.clone())),
    }
}

/// Counts by status, every status present (zero when none).
pub(super) fn status_counts(rows: Vec<(String, i64)>) -> Vec<(DomainStatus, u64)> {
    let mut counts: Vec<(DomainStatus, u64)> = DomainStatus::ALL
        .iter()
        .map(|status| (*status, 0))
        .collect();
    for (status, count) in rows {
        if let Some(entry) = counts
            .iter_mut()
            .find(|(known, _)| known.as_str() == status)
        {
            entry.1 = u64::try_from(count).unwrap_or_default();
        }
    }
    counts
}

/// Delivery counts by status.
pub(super) fn delivery_counts(rows: Vec<(String, i64)>) -> Vec<(DeliveryStatus, u64)> {
    rows.into_iter()
        .filter_map(|(status, count)| {
            DeliveryStatus::parse(&status).map(|status| (status, u64::try_from(count).unwrap_or(0)))
        })
        .collect()
}

/// The audit entry of a pause or resume: its action and detail.
pub(super) fn pause_audit(paused: bool) -> (&'static str, &'static str) {
    if paused {
        ("pause", "checks paused")
    } else {
        ("resume", "checks resumed, checked at once")
    }
}

/// The audit detail of a webhook retry (the endpoint masked as everywhere else).
pub(super) fn retry_audit(delivery: &super::Delivery) -> String {
    format!(
        "delivery {} of {} to {} due again, with a fresh 24-hour budget",
        delivery.id,
        delivery.event.kind,
        crate::webhooks::masked_url(&delivery.url)
    )
}

/// The audit detail of a test address: never the address, which admits mail.
pub(super) fn test_address_audit(address: &super::TestAddress) -> String {
    format!(
        "test address made, valid until {}",
        address
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

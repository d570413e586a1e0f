//! The webhook side of the API: the body every delivery POSTs (the contract's event object),
//! and `GET /v1/webhooks/deliveries`, `POST /v1/webhooks/deliveries/{id}/retry`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::AppState;
use super::domains::{DomainObject, TransitionObject};
use super::error::ApiError;
use crate::store::{Delivery, DeliveryStatus, OutboxEvent};
use crate::text::Lang;

/// The body of a webhook POST.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EventObject {
    /// Unique: de-duplicate by it (also the `Sendercheck-Event-Id` header).
    pub id: String,
    /// `domain.verified`, `domain.failing`, `domain.pending`, `domain.deleted` or
    /// `domain.test_message`.
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
    /// The status change; null for `domain.test_message`.
    pub transition: Option<TransitionObject>,
    /// The registration as of the event.
    pub domain: DomainObject,
    /// `domain.test_message` only: the message received and its verdicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<super::messages::MessageObject>,
}

impl From<&OutboxEvent> for EventObject {
    fn from(event: &OutboxEvent) -> Self {
        EventObject::new(event, Lang::En)
    }
}

impl EventObject {
    pub fn new(event: &OutboxEvent, lang: Lang) -> Self {
        EventObject {
            id: event.id.clone(),
            kind: event.kind.clone(),
            created_at: time(&event.created_at),
            transition: event
                .transition
                .clone()
                .map(|transition| TransitionObject::new(transition, lang)),
            domain: DomainObject::new(event.record.clone(), lang),
            message: event
                .message
                .as_deref()
                .map(|message| super::messages::MessageObject::new(message, lang)),
        }
    }
}

fn time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The JSON body POSTed for `event`, its records' words in English: the same bytes on every
/// attempt.
pub fn event_body(event: &OutboxEvent) -> Vec<u8> {
    serde_json::to_vec(&EventObject::new(event, Lang::En)).unwrap_or_default()
}

/// Event bodies with their records' words in `lang` (`[defaults] lang`).
pub fn renderer(lang: Lang) -> crate::webhooks::Render {
    std::sync::Arc::new(move |event: &OutboxEvent| {
        serde_json::to_vec(&EventObject::new(event, lang)).unwrap_or_default()
    })
}

/// One delivery of one event to one endpoint.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveryObject {
    pub id: i64,
    /// The endpoint, with its path and query masked (they often hold its secret).
    pub url: String,
    /// `pending` (not tried yet), `failed` (tried, tried again at `next_attempt_at`),
    /// `delivered`, `dead` (24 h budget spent, or the endpoint answered 410).
    pub status: String,
    pub attempts: u32,
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: String,
    #[schema(value_type = String, format = DateTime)]
    pub give_up_at: String,
    pub last_error: Option<String>,
    pub event: EventObject,
}

impl From<&Delivery> for DeliveryObject {
    fn from(delivery: &Delivery) -> Self {
        DeliveryObject {
            id: delivery.id,
            url: crate::webhooks::masked_url(&delivery.url),
            status: delivery.status.as_str().to_string(),
            attempts: delivery.attempts,
            next_attempt_at: time(&delivery.next_attempt_at),
            give_up_at: time(&delivery.give_up_at),
            last_error: delivery.last_error.clone(),
            event: EventObject::from(&delivery.event),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryObject>,
}

/// `GET /v1/webhooks/deliveries?status=S&limit=N`: newest first.
#[utoipa::path(
    get,
    path = "/v1/webhooks/deliveries",
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("status" = Option<String>, Query, pattern = "^(pending|failed|delivered|dead)$", description = "Only deliveries with this status"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "At most this many (default 100)"),
    ),
    responses(
        (status = 200, description = "Deliveries, newest first", body = DeliveryList),
        (status = 400, description = "invalid_parameter", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Json<DeliveryList>, ApiError> {
    let Query(params) = query?;
    let mut status = None;
    let mut limit = 100;
    for (key, value) in &params {
        match key.as_str() {
            "status" => {
                status = Some(DeliveryStatus::parse(value).ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_parameter",
                        "status must be pending, failed, delivered or dead",
                    )
                })?)
            }
            "limit" => limit = super::extract::parse_limit(value, 1000)?,
            other => {
                let shown: String = other.chars().take(64).collect();
                return Err(ApiError::bad_request(
                    "invalid_parameter",
                    format!("unknown parameter {shown:?}; use status and limit"),
                ));
            }
        }
    }
    let deliveries = state.store.deliveries(status, limit).await?;
    Ok(Json(DeliveryList {
        deliveries: deliveries.iter().map(DeliveryObject::from).collect(),
    }))
}

/// `POST /v1/webhooks/deliveries/{id}/retry`: due again now, with a fresh 24-hour budget.
#[utoipa::path(
    post,
    path = "/v1/webhooks/deliveries/{id}/retry",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The delivery's id")),
    responses(
        (status = 200, description = "The delivery, pending again (its endpoint re-enabled)", body = DeliveryObject),
        (status = 400, description = "invalid_parameter", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 404, description = "No such delivery", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
pub async fn retry(
    State(state): State<AppState>,
    super::access::Who(actor): super::access::Who,
    Path(id): Path<String>,
) -> Result<Json<DeliveryObject>, ApiError> {
    let id: i64 = id.parse().map_err(|_| {
        ApiError::bad_request("invalid_parameter", "the delivery id is a whole number")
    })?;
    let retried = state
        .store
        .retry_delivery_as(
            id,
            state.scheduler.now(),
            crate::webhooks::RETRY_BUDGET,
            Some(&actor),
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no delivery {id}")))?;
    Ok(Json(DeliveryObject::from(&retried)))
}

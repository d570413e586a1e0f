//! `GET /v1/audit`: who changed what, through the API or the pages — every registration,
//! update, pause, resume, deletion, check asked for, test address and webhook retry, each
//! written by the store in the transaction of the change (the check's on its own), kept as long
//! as `[retention] transitions`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::SecondsFormat;
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use crate::store::{AuditEntry, AuditFilter};

/// One change.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntryObject {
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub at: String,
    /// The name of the token it was made with; null when no token is configured.
    pub token: Option<String>,
    /// `register`, `update`, `pause`, `resume`, `delete`, `check`, `test_address` or
    /// `webhook_retry`.
    pub action: String,
    /// The domain it concerns.
    pub domain: Option<String>,
    /// What changed, in words (never a token or a test address).
    pub detail: String,
}

impl From<&AuditEntry> for AuditEntryObject {
    fn from(entry: &AuditEntry) -> Self {
        AuditEntryObject {
            at: entry.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            token: entry.token.clone(),
            action: entry.action.clone(),
            domain: entry.domain.clone(),
            detail: entry.detail.clone(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditList {
    /// Newest first.
    pub entries: Vec<AuditEntryObject>,
}

/// The filter and limit of `?domain=D&token=NAME&limit=N` (1–1000, default 100).
pub(crate) fn parse_query(
    params: &BTreeMap<String, String>,
) -> Result<(AuditFilter, u32), ApiError> {
    let mut filter = AuditFilter::default();
    let mut limit = 100;
    for (key, value) in params {
        let value = value.trim();
        match key.as_str() {
            "domain" if !value.is_empty() => {
                let domain = crate::domain::DomainName::parse(value)
                    .map_err(|error| ApiError::bad_request("invalid_domain", error.to_string()))?;
                filter.domain = Some(domain.as_str().to_string());
            }
            "token" if !value.is_empty() => filter.token = Some(value.to_string()),
            "domain" | "token" => {}
            "limit" => {
                limit = super::extract::parse_limit(value, 1000)?;
            }
            other => {
                let shown: String = other.chars().take(64).collect();
                return Err(ApiError::bad_request(
                    "invalid_parameter",
                    format!("unknown parameter {shown:?}; use domain, token and limit"),
                ));
            }
        }
    }
    Ok((filter, limit))
}

/// `GET /v1/audit?domain=D&token=NAME&limit=N`: changes, newest first.
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "operations",
    security(("bearer" = [])),
    params(
        ("domain" = Option<String>, Query, description = "Only changes to this domain"),
        ("token" = Option<String>, Query, description = "Only changes made with the token of this name"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "At most this many (default 100)"),
    ),
    responses(
        (status = 200, description = "Changes, newest first", body = AuditList),
        (status = 400, description = "invalid_domain, invalid_parameter", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 403, description = "forbidden_scope: the audit log is for admin tokens", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Json<AuditList>, ApiError> {
    let Query(params) = query?;
    let (filter, limit) = parse_query(&params)?;
    let entries = state.store.audit(&filter, limit).await?;
    Ok(Json(AuditList {
        entries: entries.iter().map(AuditEntryObject::from).collect(),
    }))
}

//! `POST /v1/check`: one fresh check of any domain, stored nowhere: what support staff run
//! before a domain is registered.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use super::extract::{JsonBody, RequestLang};
use super::wire::ReportObject;
use crate::checks::Plan;
use crate::domain::DomainName;
use crate::probe;

/// The body of `POST /v1/check`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// The sender domain, at least two labels, not a public suffix. The pattern is the ASCII
    /// form; Unicode (IDNA2008), upper case and a trailing dot are accepted too.
    #[schema(
        min_length = 1,
        max_length = 254,
        pattern = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$"
    )]
    pub domain: String,
    /// The profile whose requirements apply; `[defaults] profile` (mandrill) when left out.
    #[serde(default)]
    pub profile: Option<String>,
    /// The profile's parameters (`token` is the ownership token).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// Checks a domain now and answers the verdict, as `sendercheck check --format json` prints it.
#[utoipa::path(
    post,
    path = "/v1/check",
    tag = "domains",
    security(("bearer" = [])),
    request_body(content = CheckBody),
    responses(
        (status = 200, description = "The verdict: domain, profile, ready, records", body = Object),
        (status = 400, description = "invalid_domain, unknown_profile, invalid_params, invalid_json, invalid_body", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 503, description = "The check outlasted server.request_timeout", body = super::error::ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn check(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    JsonBody(body): JsonBody<CheckBody>,
) -> Result<Json<ReportObject>, ApiError> {
    Ok(Json(ReportObject::new(
        &check_any(&state, body).await?,
        lang,
    )))
}

/// One fresh check of any domain, stored nowhere (`POST /v1/check`, the web page's check).
pub(crate) async fn check_any(
    state: &AppState,
    body: CheckBody,
) -> Result<crate::checks::DomainReport, ApiError> {
    let domain = DomainName::parse_sender(&body.domain)
        .map_err(|error| ApiError::bad_request("invalid_domain", error.to_string()))?;
    let name = body
        .profile
        .unwrap_or_else(|| state.default_profile.load().to_string());
    let profiles = state.profiles.load_full();
    let Some(profile) = profiles.get(&name) else {
        let known: Vec<&str> = profiles.names().collect();
        let shown: String = name.chars().take(64).collect();
        return Err(ApiError::bad_request(
            "unknown_profile",
            format!(
                "unknown profile {shown:?}; known profiles: {}",
                known.join(", ")
            ),
        ));
    };
    profile
        .check_params(&body.params)
        .map_err(|error| ApiError::bad_request("invalid_params", error.to_string()))?;
    let mut params = body.params;
    let token = params.remove("token").filter(|token| !token.is_empty());
    let plan = Plan::new(&domain, profile, token.as_deref()).with_params(&params);
    let checked = probe::check_within(
        state.scheduler.resolver(),
        &plan,
        Some(state.scheduler.config().check_timeout),
    )
    .await;
    Ok(checked.report)
}

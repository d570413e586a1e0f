//! `POST /v1/dkim/verify`: the DKIM verdict for a raw message pasted by support staff.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::StatusCode;

use super::AppState;
use super::error::ApiError;
use super::extract::{body_too_slow, refuse_declared_oversize};
use crate::message::dkim::{self, DkimVerdict};
use crate::profile::expand;

/// The raw message, refused with 413 as soon as it passes `limits.max_message_bytes` (the body
/// is read through a limit, never buffered whole first).
pub struct RawMessage(Bytes);

impl FromRequest<AppState> for RawMessage {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        refuse_declared_oversize(&request, state.limits.max_message_bytes, "message")?;
        tokio::time::timeout(state.body_timeout, Bytes::from_request(request, state))
            .await
            .map_err(|_| body_too_slow())?
            .map(RawMessage)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "the message is larger than limits.max_message_bytes",
                    )
                } else {
                    ApiError::bad_request("not_a_message", rejection.body_text())
                }
            })
    }
}

/// Verifies every signature, then says for registered signing domains whether the selector is
/// one their profile requires.
#[utoipa::path(
    post,
    path = "/v1/dkim/verify",
    tag = "dkim",
    security(("bearer" = [])),
    params(("fresh" = Option<String>, Query, pattern = "^(1|0|true|false)$", description = "`1` or `true`: look every key up again now instead of reusing one fetched in the last 5 minutes (at most its TTL); for support staff who just changed a key")),
    request_body(
        content = String,
        content_type = "message/rfc822",
        description = "The raw message (RFC 5322); CRLF or bare LF; at most limits.max_message_bytes"
    ),
    responses(
        (status = 200, description = "The DKIM verdict", body = DkimVerdict),
        (status = 400, description = "Empty, or no header block (not_a_message)", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 413, description = "Larger than limits.max_message_bytes", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be read", body = super::error::ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(bytes = message.len()))]
pub async fn verify(
    State(state): State<AppState>,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
    super::extract::RequestLang(lang): super::extract::RequestLang,
    RawMessage(message): RawMessage,
) -> Result<Json<DkimVerdict>, ApiError> {
    let Query(params) = query?;
    let mut fresh = false;
    for (key, value) in &params {
        match (key.as_str(), value.as_str()) {
            ("fresh", "1" | "true") => fresh = true,
            ("fresh", "0" | "false") => fresh = false,
            // The language of the reasons (read by `RequestLang`).
            ("lang", _) => {}
            ("fresh", _) => {
                return Err(ApiError::bad_request(
                    "invalid_parameter",
                    "fresh must be 1, true, 0 or false",
                ));
            }
            (other, _) => {
                let shown: String = other.chars().take(64).collect();
                return Err(ApiError::bad_request(
                    "invalid_parameter",
                    format!("unknown parameter {shown:?}; this route takes fresh and lang"),
                ));
            }
        }
    }
    let mut verdict = verify_message(&state, &message, fresh).await?;
    verdict.localize(lang);
    Ok(Json(verdict))
}

/// The DKIM verdict for a raw message, each signature annotated with the registration of its
/// domain (the endpoint and the web page's paste box).
pub(crate) async fn verify_message(
    state: &AppState,
    message: &[u8],
    fresh: bool,
) -> Result<DkimVerdict, ApiError> {
    let mut verdict =
        dkim::verify_cached(state.scheduler.resolver(), &state.dkim_keys, message, fresh)
            .await
            .map_err(|error| ApiError::bad_request("not_a_message", error.to_string()))?;
    let mut registered = BTreeMap::new();
    for signature in &verdict.signatures {
        if signature.domain.is_empty() || registered.contains_key(&signature.domain) {
            continue;
        }
        let requirement = state
            .store
            .get(&signature.domain)
            .await?
            .and_then(|record| {
                let profiles = state.profiles.load();
                let profile = profiles.get(&record.profile)?;
                let values = profile.values(&record.params);
                let selectors = profile
                    .dkim_names()
                    .filter_map(|name| expand(name, &record.domain, &values).ok())
                    .filter_map(|name| {
                        name.split_once("._domainkey.")
                            .map(|(s, _)| s.to_ascii_lowercase())
                    })
                    .collect();
                Some((record.profile, selectors))
            });
        registered.insert(signature.domain.clone(), requirement);
    }
    verdict.annotate_registrations(|domain| registered.get(domain).cloned().flatten());
    state.metrics.dkim_verdict(verdict.result.as_str());
    tracing::debug!(result = verdict.result.as_str(), "dkim verdict");
    Ok(verdict)
}

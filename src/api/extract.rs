//! Request extractors whose every rejection is the contract's JSON error.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;
use crate::domain::DomainName;
use crate::text::Lang;

/// The answer to a client that sends its body too slowly: its fault, so 408, not a 5xx.
pub fn body_too_slow() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        "the request body did not arrive within server.body_timeout",
    )
}

/// Answers 413 at once when the declared Content-Length is over `limit`, before any of the
/// body is read. (The body limit itself only counts bytes as they arrive.)
pub fn refuse_declared_oversize(
    request: &Request,
    limit: usize,
    what: &str,
) -> Result<(), ApiError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > u64::try_from(limit).unwrap_or(u64::MAX) => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the {what} is larger than the {limit}-byte limit"),
        )),
        _ => Ok(()),
    }
}

/// A JSON object body (`{}` at least: an empty body, an array or a scalar is refused). Bodies
/// over the configured limit are refused with 413 before they are read whole.
pub struct JsonBody<T>(pub T);

impl<T> FromRequest<AppState> for JsonBody<T>
where
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        refuse_declared_oversize(&request, state.limits.max_body_bytes, "request body")?;
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| {
                value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            });
        let reading = Bytes::from_request(request, state);
        let bytes = tokio::time::timeout(state.body_timeout, reading)
            .await
            .map_err(|_| body_too_slow())?
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "the request body is larger than limits.max_body_bytes",
                    )
                } else {
                    ApiError::bad_request("invalid_body", rejection.body_text())
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "invalid_body",
                "the body is empty: send a JSON object, at least {}",
            ));
        }
        // Only JSON labelled as JSON: a form-encoded or text/plain body (or one without a type)
        // is what a page of another site can send without asking (a CORS "simple" request),
        // so accepting it would let any web page the operator opens drive the API.
        let is_json = content_type.as_deref().is_some_and(|content_type| {
            content_type == "application/json" || content_type.ends_with("+json")
        });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "send the body as JSON with Content-Type: application/json (curl: -H \
                     'Content-Type: application/json'), not {}",
                    content_type.as_deref().unwrap_or("no Content-Type")
                ),
            ));
        }
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| ApiError::bad_request("invalid_json", "the body is not valid UTF-8"))?;
        // An object, never an array: serde would read `["mandrill"]` as a positional struct.
        let value: serde_json::Value = serde_json::from_str(text).map_err(|error| {
            ApiError::bad_request("invalid_json", format!("the body is not JSON: {error}"))
        })?;
        if !value.is_object() {
            return Err(ApiError::bad_request(
                "invalid_body",
                "the body must be a JSON object, like {\"profile\": \"mandrill\"}",
            ));
        }
        // Parsed again from the text, not from `value`: a map forgets repeated keys, and a
        // repeated field must stay an error.
        serde_json::from_str(text).map(JsonBody).map_err(|error| {
            let code = if error.is_data() {
                "invalid_body"
            } else {
                "invalid_json"
            };
            ApiError::bad_request(
                code,
                format!("the body is not what this endpoint takes: {error}"),
            )
        })
    }
}

/// The `{domain}` path segment, percent-decoded and validated: Unicode, upper case and a
/// trailing dot are accepted and normalised. Anything else is a JSON 400 `invalid_domain`.
pub struct DomainPath(pub DomainName);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for DomainPath {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| {
                    ApiError::bad_request("invalid_domain", rejection.body_text())
                })?;
        DomainName::parse_sender(&raw)
            .map(DomainPath)
            .map_err(|error| ApiError::bad_request("invalid_domain", error.to_string()))
    }
}

/// A `limit` query parameter: a whole number from 1 to `max`, else 400 `invalid_parameter`.
pub(crate) fn parse_limit(value: &str, max: u32) -> Result<u32, ApiError> {
    value
        .parse::<u32>()
        .ok()
        .filter(|limit| (1..=max).contains(limit))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_parameter",
                format!("limit must be a whole number from 1 to {max}"),
            )
        })
}

/// The language of a response's words: `?lang=` when given (an unknown one is a 400
/// `invalid_parameter`), else the best of `Accept-Language` with a catalog, else the
/// configured default (`[defaults] lang`, else English). Codes, JSON keys, status words and
/// DNS values are never translated.
pub struct RequestLang(pub Lang);

impl axum::extract::FromRequestParts<AppState> for RequestLang {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        #[derive(serde::Deserialize)]
        struct LangQuery {
            lang: Option<String>,
        }
        let asked = axum::extract::Query::<LangQuery>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|query| query.0.lang);
        if let Some(asked) = asked {
            return Lang::parse(&asked).map(RequestLang).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_parameter",
                    format!("lang: \"{asked}\" is not a language sendercheck speaks: en, fr or pt"),
                )
            });
        }
        let accepted = parts
            .headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .and_then(Lang::negotiate);
        Ok(RequestLang(accepted.unwrap_or(state.lang)))
    }
}

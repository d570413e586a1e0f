//! Every error answer of the API: a status code and the contract's body
//! `{"error": {"code", "message"}}`. Internal causes are logged, never sent.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::store::StoreError;

/// The body of every error answer, as the OpenAPI document shows it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code, e.g. `invalid_domain`, `unknown_profile`, `not_found`, `unauthorized`.
    pub code: String,
    /// What went wrong, for people (at most 300 characters of it).
    pub message: String,
}

/// An error the API answers with.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// The longest error message sent: messages quote client input (an unknown JSON key, a bad
/// domain), and an error must never echo a megabyte back.
const MAX_MESSAGE_CHARS: usize = 300;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: truncated(message.into()),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this API needs the header Authorization: Bearer TOKEN with the configured token",
        )
    }
}

/// `message` cut to `MAX_MESSAGE_CHARS` characters, marked as cut.
fn truncated(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => message,
        Some((end, _)) => format!("{}… (message truncated)", &message[..end]),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // Overload and an unreachable store both pass: say when to come back.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if error.is_overload() {
            tracing::warn!(error = %anyhow::Error::from(error), "store overloaded");
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "no database connection came free in time (too many requests at once, or the database is slow or unreachable); retry in a second",
            );
        }
        tracing::error!(error = %anyhow::Error::from(error), "store failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "the database could not be reached; try again",
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("invalid_parameter", rejection.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_input_is_truncated_on_a_character_boundary() {
        let long = format!("unknown field `{}`", "é".repeat(500_000));
        let error = ApiError::bad_request("invalid_body", long);
        assert!(error.message.chars().count() <= MAX_MESSAGE_CHARS + 24);
        assert!(error.message.ends_with("(message truncated)"));
        let short = ApiError::bad_request("invalid_body", "short");
        assert_eq!(short.message, "short");
    }
}

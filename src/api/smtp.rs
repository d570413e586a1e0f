//! `POST /v1/smtp/probe`: tests a customer's SMTP gateway step by step (`crate::smtp`). The
//! target must pass `[smtp]`'s policy (no private addresses unless allowed; bounded at once
//! and per minute). The password is used for the AUTH step only: never logged, stored or
//! echoed.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use super::extract::JsonBody;
use crate::config::Secret;
use crate::smtp::{self, ProbeError, Refused, Report, Security};

/// The body of `POST /v1/smtp/probe`: the fields of a platform's "SMTP settings" form.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeBody {
    /// Host name or IP address (may carry `:PORT`); the preset's when left out.
    #[serde(default)]
    #[schema(max_length = 260)]
    pub host: Option<String>,
    /// Default: 465 for `tls`, 587 for `starttls`, 25 for `none`.
    #[serde(default)]
    pub port: Option<u16>,
    /// `tls` (implicit, SMTPS), `starttls` or `none`; default from the port or the preset.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "starttls")]
    pub security: Option<String>,
    /// `gmail`, `office365`, `yahoo`, `mandrill`, `sendgrid`, `mailgun`, `ses-REGION`, …
    #[serde(default)]
    pub preset: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    /// Used for AUTH only; never logged, stored or echoed.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<String>,
    /// CA certificates (PEM) to trust beside the public roots.
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// Go on over an untrusted certificate, reported as a warning.
    #[serde(default)]
    pub insecure: bool,
    /// Send the password over a connection without TLS.
    #[serde(default)]
    pub allow_plaintext_auth: bool,
    /// The name sent in EHLO (default `sendercheck.invalid`).
    #[serde(default)]
    pub helo: Option<String>,
    /// Each step's limit in seconds, 1 to 30 (default 10).
    #[serde(default)]
    pub timeout: Option<f64>,
}

impl std::fmt::Debug for ProbeBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeBody")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Tests an SMTP gateway: DNS, connection, TLS and certificate, greeting, EHLO, STARTTLS,
/// AUTH, QUIT — each step with its status, code, time and, on failure, what to change, in the
/// language of `?lang=` or `Accept-Language`. No mail is sent. The answer is 200 whatever the gateway's verdict (`result`); 4xx only when the
/// probe could not be asked.
#[utoipa::path(
    post,
    path = "/v1/smtp/probe",
    tag = "smtp",
    security(("bearer" = [])),
    params(("lang" = Option<String>, Query, description = "The language of the messages: en, fr or pt (else Accept-Language)")),
    request_body(content = ProbeBody),
    responses(
        (status = 200, description = "The probe's report", body = Report),
        (status = 400, description = "invalid_probe, invalid_json, invalid_body", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 403, description = "target_not_allowed: the host or its address is outside `[smtp] allowed` (private addresses need an explicit pattern)", body = super::error::ErrorBody),
        (status = 429, description = "too_many_probes: `[smtp] max_concurrent` at once or `per_minute` reached", body = super::error::ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn probe(
    State(state): State<AppState>,
    super::extract::RequestLang(lang): super::extract::RequestLang,
    JsonBody(body): JsonBody<ProbeBody>,
) -> Result<Json<Report>, ApiError> {
    let mut report = run(&state, body).await?;
    report.localize(lang);
    Ok(Json(report))
}

/// Runs one probe within `[smtp]`'s policy and bounds: the API route's core, and the domain
/// page's probe form's.
pub async fn run(state: &AppState, body: ProbeBody) -> Result<Report, ApiError> {
    let invalid = |message: String| ApiError::bad_request("invalid_probe", message);
    let security = body
        .security
        .as_deref()
        .map(str::parse::<Security>)
        .transpose()
        .map_err(invalid)?;
    let timeout = match body.timeout {
        None => Duration::from_secs(10),
        Some(seconds) if (1.0..=30.0).contains(&seconds) => Duration::from_secs_f64(seconds),
        Some(_) => return Err(invalid("timeout must be from 1 to 30 seconds".to_string())),
    };
    let request = smtp::Request {
        host: body.host,
        port: body.port,
        security,
        preset: body.preset,
        username: body.username.filter(|username| !username.is_empty()),
        password: body.password.map(Secret::new),
        ca_pem: body.ca_pem,
        insecure: body.insecure,
        allow_plaintext_auth: body.allow_plaintext_auth,
        helo: body.helo,
        timeout,
        // Ends well inside server.request_timeout, so a slow gateway is reported as far as
        // it got instead of being cut off with a 503.
        deadline: Some(
            state
                .request_timeout
                .saturating_sub(Duration::from_secs(2))
                .max(Duration::from_secs(1)),
        ),
    };
    // Bad input is told before the request takes a place in the per-minute budget.
    request.validate().map_err(invalid)?;
    let refuse = |why: Refused| {
        state.metrics.smtp_probe("refused");
        refused(why)
    };
    let _slot = state.smtp.admit().map_err(refuse)?;
    let report = smtp::run(state.scheduler.resolver(), &request, Some(&state.smtp))
        .await
        .map_err(|error| match error {
            ProbeError::Invalid(message) => invalid(message),
            ProbeError::Refused(why) => refuse(why),
        })?;
    state.metrics.smtp_probe(match report.result {
        smtp::Verdict::Pass => "pass",
        smtp::Verdict::Fail => "fail",
        smtp::Verdict::Error => "error",
    });
    tracing::info!(
        host = %report.host,
        port = report.port,
        result = ?report.result,
        "smtp probe"
    );
    Ok(report)
}

fn refused(why: Refused) -> ApiError {
    match why {
        Refused::NotAllowed(message) => {
            ApiError::new(StatusCode::FORBIDDEN, "target_not_allowed", message)
        }
        Refused::Busy(message) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_probes",
            format!("too many SMTP probes: at most {message}; try again shortly"),
        ),
    }
}

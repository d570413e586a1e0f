//! Test addresses and the messages received at them: `POST /v1/domains/{domain}/test-address`
//! and `GET /v1/domains/{domain}/messages`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use super::extract::DomainPath;
use crate::domain::DomainName;
use crate::message::dkim::DkimVerdict;
use crate::message::{ArcVerdict, DmarcResult, Outcome, SpfVerdict};
use crate::store::{StoredMessage, TestAddress};

/// Messages listed by default, and at most.
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

/// Where test addresses are and how long they live (`[inbound]`).
#[derive(Clone, Debug, Default)]
pub struct TestAddresses {
    /// The domain of test addresses; `None`: none can be given out.
    pub domain: Option<String>,
    pub ttl: std::time::Duration,
}

fn rfc3339(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A fresh test address.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TestAddressObject {
    /// Send the test message here, From an address at the registered domain.
    pub address: String,
    /// Mail to it is refused (550) after this.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: String,
}

/// Gives out a new test address for a registered domain: the core of the API route and of the
/// domain page's button.
pub async fn issue(
    state: &AppState,
    domain: &DomainName,
    actor: &crate::store::Actor,
) -> Result<TestAddressObject, ApiError> {
    let Some(inbound_domain) = state.test_addresses.domain.as_deref() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "inbound_not_configured",
            "no test addresses: set [inbound] domain (the domain whose MX points at this \
             daemon's SMTP listener) in the configuration",
        ));
    };
    let now = state.scheduler.now();
    let ttl = chrono::Duration::from_std(state.test_addresses.ttl)
        .unwrap_or_else(|_| chrono::Duration::days(7));
    let address = TestAddress {
        local_part: crate::inbound::inbox::new_local_part(),
        domain: domain.as_str().to_string(),
        created_at: now,
        expires_at: now + ttl,
    };
    if !state
        .store
        .create_test_address_as(&address, Some(actor))
        .await?
    {
        return Err(ApiError::not_found(format!("{domain} is not registered")));
    }
    Ok(TestAddressObject {
        address: format!("{}@{inbound_domain}", address.local_part),
        expires_at: rfc3339(&address.expires_at),
    })
}

/// `POST /v1/domains/{domain}/test-address`: a fresh address that receives the test message.
#[utoipa::path(
    post,
    path = "/v1/domains/{domain}/test-address",
    tag = "domains",
    security(("bearer" = [])),
    params(("domain" = String, Path, description = "A registered sender domain")),
    responses(
        (status = 201, description = "A new address, valid until expires_at", body = TestAddressObject),
        (status = 400, description = "invalid_domain", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 404, description = "Not registered", body = super::error::ErrorBody),
        (status = 409, description = "inbound_not_configured: [inbound] domain is not set", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
pub async fn create_test_address(
    State(state): State<AppState>,
    super::access::Who(actor): super::access::Who,
    DomainPath(domain): DomainPath,
) -> Result<(StatusCode, Json<TestAddressObject>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(issue(&state, &domain, &actor).await?),
    ))
}

/// DMARC, as the message object gives it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MessageDmarc {
    pub result: DmarcResult,
    pub policy: Option<String>,
    pub spf_aligned: bool,
    pub dkim_aligned: bool,
    pub reason: String,
}

/// A message received at a test address, with its verdicts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MessageObject {
    pub id: String,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: String,
    /// The connecting client's address.
    pub client_ip: String,
    /// The EHLO/HELO name it gave.
    pub helo: String,
    /// The envelope sender (MAIL FROM); empty for the null sender.
    pub mail_from: String,
    /// The test address it was sent to.
    pub recipient: String,
    /// Whether it came over TLS (STARTTLS).
    pub tls: bool,
    /// The From header's address.
    pub from: Option<String>,
    pub subject: Option<String>,
    pub spf: SpfVerdict,
    /// As `POST /v1/dkim/verify` answers it.
    pub dkim: DkimVerdict,
    pub dmarc: MessageDmarc,
    pub arc: ArcVerdict,
    /// The Authentication-Results header this receiver would add.
    pub authentication_results: String,
    /// `pass`: DMARC passes for the registered domain, From that domain.
    pub verdict: Outcome,
    /// Why, in words support staff can pass on.
    pub reason: String,
    /// The header block as received (the body is not kept).
    pub headers: String,
}

impl From<&StoredMessage> for MessageObject {
    fn from(message: &StoredMessage) -> Self {
        MessageObject::new(message, crate::text::Lang::En)
    }
}

impl MessageObject {
    /// The message with its verdicts' reasons in `lang` (a verdict stored before its findings
    /// were kept stays in English).
    pub fn new(message: &StoredMessage, lang: crate::text::Lang) -> Self {
        let mut verdict = message.verdict.clone();
        verdict.localize(lang);
        MessageObject {
            id: message.id.clone(),
            received_at: rfc3339(&message.received_at),
            client_ip: message.client_ip.clone(),
            helo: message.helo.clone(),
            mail_from: message.mail_from.clone(),
            recipient: message.recipient.clone(),
            tls: message.tls,
            from: verdict.from,
            subject: verdict.subject,
            spf: verdict.spf,
            dkim: verdict.dkim,
            dmarc: MessageDmarc {
                result: verdict.dmarc.result,
                policy: verdict.dmarc.policy,
                spf_aligned: verdict.dmarc.spf_aligned,
                dkim_aligned: verdict.dmarc.dkim_aligned,
                reason: verdict.dmarc.reason,
            },
            arc: verdict.arc,
            authentication_results: verdict.authentication_results,
            verdict: verdict.verdict,
            reason: verdict.reason,
            headers: message.headers.clone(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MessageList {
    pub messages: Vec<MessageObject>,
}

/// `GET /v1/domains/{domain}/messages?limit=N`: the messages received at the domain's test
/// addresses, newest first.
#[utoipa::path(
    get,
    path = "/v1/domains/{domain}/messages",
    tag = "domains",
    security(("bearer" = [])),
    params(
        ("domain" = String, Path, description = "A registered sender domain"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "At most this many, 1 to 100 (default 20)"),
        ("lang" = Option<String>, Query, description = "The language of the reasons: en, fr or pt (else Accept-Language)"),
    ),
    responses(
        (status = 200, description = "Newest first; kept 30 days", body = MessageList),
        (status = 400, description = "invalid_domain, invalid_parameter", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 404, description = "Not registered", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    super::extract::RequestLang(lang): super::extract::RequestLang,
    DomainPath(domain): DomainPath,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Json<MessageList>, ApiError> {
    let Query(params) = query?;
    let mut limit = DEFAULT_LIMIT;
    for (key, value) in &params {
        match key.as_str() {
            "limit" => limit = super::extract::parse_limit(value, MAX_LIMIT)?,
            // The language of the reasons (read by `RequestLang`).
            "lang" => {}
            other => {
                return Err(ApiError::bad_request(
                    "invalid_parameter",
                    format!("unknown parameter {other:?}; use limit or lang"),
                ));
            }
        }
    }
    if state.store.snapshot(domain.as_str()).await?.is_none() {
        return Err(ApiError::not_found(format!("{domain} is not registered")));
    }
    let messages = state.store.messages(domain.as_str(), limit).await?;
    Ok(Json(MessageList {
        messages: messages
            .iter()
            .map(|message| MessageObject::new(message, lang))
            .collect(),
    }))
}

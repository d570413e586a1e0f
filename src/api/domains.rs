//! `/v1/domains`: register, read, list, check now, unregister, and history.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};

use super::AppState;
use super::access::Who;
use super::error::ApiError;
use super::extract::{DomainPath, JsonBody, RequestLang};
use super::wire::RecordObject;
use crate::domain::DomainName;
use crate::status::{DomainStatus, Transition};
use crate::store::ListFilter;
use crate::store::{DomainRecord, Registered, Registration};
use crate::text::Lang;

/// The most domains one list page holds.
const MAX_LIMIT: u32 = 1000;
const DEFAULT_LIMIT: u32 = 100;
/// The longest verification token accepted; real ones are tens of characters.
const MAX_TOKEN_LEN: usize = 255;

fn rfc3339<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn rfc3339_opt<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => rfc3339(time, serializer),
        None => serializer.serialize_none(),
    }
}

/// The contract's domain object.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DomainObject {
    /// Lower-case A-label, no trailing dot.
    pub domain: String,
    pub profile: String,
    pub status: DomainStatus,
    /// True when every required record passed at the latest check.
    pub ready: bool,
    #[serde(serialize_with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub status_since: DateTime<Utc>,
    /// Null before the first check.
    #[serde(serialize_with = "rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub checked_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_check_at: DateTime<Utc>,
    /// The profile parameters given at registration (the ownership token is not shown).
    pub params: std::collections::BTreeMap<String, String>,
    /// Paused: kept as it is, not checked, no events, until resumed.
    pub paused: bool,
    /// When every required record is expected to pass everywhere, as of the latest check:
    /// its time when all are published, the latest `expected_at` of those propagating; null
    /// before the first check and when a required record is not published, inconsistent or
    /// failing.
    #[serde(serialize_with = "rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_after: Option<DateTime<Utc>>,
    /// The DNSSEC summary as of the latest check: the worst status among the records, its
    /// zone, and why when `bogus` or `indeterminate`; null when DNSSEC is off or before the
    /// first check.
    pub dnssec: Option<super::wire::DnssecObject>,
    /// When a test message last passed (DMARC aligned, From this domain) since the
    /// registration last changed; null until then.
    #[serde(serialize_with = "rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub proven_at: Option<DateTime<Utc>>,
    pub records: Vec<RecordObject>,
}

impl From<DomainRecord> for DomainObject {
    fn from(record: DomainRecord) -> Self {
        DomainObject::new(record, Lang::En)
    }
}

impl DomainObject {
    /// The registration with its records' words in `lang`.
    pub fn new(record: DomainRecord, lang: Lang) -> Self {
        DomainObject {
            domain: record.domain,
            profile: record.profile,
            status: record.lifecycle.status,
            ready: record.ready,
            status_since: record.lifecycle.status_since,
            checked_at: record.checked_at,
            next_check_at: record.next_check_at,
            params: record.params,
            paused: record.paused,
            valid_after: record
                .checked_at
                .and_then(|at| crate::checks::propagation::valid_after(&record.records, at)),
            dnssec: super::wire::dnssec_summary(&record.records, lang),
            proven_at: record.proven_at,
            records: super::wire::records(&record.records, lang),
        }
    }
}

/// The body of `PUT /v1/domains/{domain}`: a JSON object whose fields may each be left out. A
/// field left out keeps the stored value (or the default for a new domain); an explicit
/// `"verification_token": null` removes the token.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// The profile whose requirements apply; kept when left out, `mandrill` for a new domain.
    #[serde(default)]
    pub profile: Option<String>,
    /// The ownership token; without it the verification record is not judged. Left out: kept;
    /// `null`: removed.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 255, pattern = "^[!-~]*$")]
    pub verification_token: Option<Option<String>>,
    /// The profile's parameters by name (`token` is the ownership token). Left out: kept.
    #[serde(default)]
    pub params: Option<std::collections::BTreeMap<String, String>>,
    /// `true` pauses the registration: its status and history are kept, the scheduler does
    /// not check it and no webhook event is sent until `false` resumes it (checked at once).
    /// Left out: kept (`false` for a new domain).
    #[serde(default)]
    pub paused: Option<bool>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`, by `default`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PUT /v1/domains/{domain}`: registers or updates, and starts a first check at once.
#[utoipa::path(
    put,
    path = "/v1/domains/{domain}",
    tag = "domains",
    security(("bearer" = [])),
    params(("domain" = String, Path, min_length = 1, max_length = 254, pattern = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$", description = "The sender domain, at least two labels, not a public suffix. The pattern is the ASCII form; Unicode (IDNA2008), upper case and a trailing dot are accepted too and normalised to the A-label")),
    request_body(content = RegisterBody, description = "A JSON object; `{}` keeps what is stored"),
    responses(
        (status = 201, description = "Registered; the first check has started", body = DomainObject),
        (status = 200, description = "Updated (starts over as pending) or unchanged", body = DomainObject),
        (status = 400, description = "invalid_domain, unknown_profile, invalid_token, invalid_json, invalid_body", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 413, description = "Body over limits.max_body_bytes", body = super::error::ErrorBody),
        (status = 415, description = "Body is not JSON", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(domain = %domain))]
pub async fn put(
    State(state): State<AppState>,
    Who(actor): Who,
    DomainPath(domain): DomainPath,
    RequestLang(lang): RequestLang,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<Response, ApiError> {
    let (outcome, record) = register(&state, domain, body, &actor).await?;
    let status = match outcome {
        Registered::Created => StatusCode::CREATED,
        Registered::Updated | Registered::Unchanged => StatusCode::OK,
    };
    Ok((status, Json(DomainObject::new(record, lang))).into_response())
}

/// Registers or updates `domain` as `PUT` does (the web page's register button too); a new or
/// changed registration is checked at once.
pub(crate) async fn register(
    state: &AppState,
    domain: DomainName,
    body: RegisterBody,
    actor: &crate::store::Actor,
) -> Result<(Registered, DomainRecord), ApiError> {
    let pause = body.paused;
    let stored = state.store.get(domain.as_str()).await?;
    let profile = body
        .profile
        .or_else(|| stored.as_ref().map(|record| record.profile.clone()))
        .unwrap_or_else(|| state.default_profile.load().to_string());
    let profiles = state.profiles.load_full();
    if profiles.get(&profile).is_none() {
        let known: Vec<&str> = profiles.names().collect();
        // Echo at most a short prefix: the value is the client's, and may be huge.
        let shown: String = profile.chars().take(64).collect();
        let more = if shown.len() < profile.len() {
            "…"
        } else {
            ""
        };
        return Err(ApiError::bad_request(
            "unknown_profile",
            format!(
                "unknown profile {shown:?}{more}; known profiles: {}",
                known.join(", ")
            ),
        ));
    }
    // `params` replaces the stored parameters when given; `verification_token` is the `token`
    // parameter under its first name (when both are given, `params.token` is used).
    let (mut params, stored_token) = match &stored {
        Some(record) if record.profile == profile => (record.params.clone(), record.token.clone()),
        _ => (Default::default(), None),
    };
    let mut token = stored_token;
    let mut token_in_params = false;
    if let Some(given) = body.params {
        params = given;
        token_in_params = params.contains_key("token");
        if token_in_params {
            token = params.remove("token").filter(|token| !token.is_empty());
        }
    }
    // A token is checked under either name, even the one not used.
    if let Some(Some(given)) = &body.verification_token
        && !given.is_empty()
        && !valid_token(given)
    {
        return Err(invalid_token());
    }
    match body.verification_token {
        // Left out: what `params` or the stored registration say.
        None => {}
        // Given under both names, `params.token` (the contract's name) is the one used.
        Some(_) if token_in_params => {}
        // An explicit null (or ""): no token.
        Some(None) => token = None,
        Some(Some(given)) if given.is_empty() => token = None,
        Some(Some(given)) => token = Some(given),
    }
    if token.as_deref().is_some_and(|token| !valid_token(token)) {
        return Err(invalid_token());
    }
    if let Some(profile) = profiles.get(&profile) {
        let mut all = params.clone();
        all.extend(token.clone().map(|token| ("token".to_string(), token)));
        profile
            .check_params(&all)
            .map_err(|error| ApiError::bad_request("invalid_params", error.to_string()))?;
    }
    let registration = Registration {
        domain: domain.into_string(),
        profile,
        token,
        params,
    };
    let now = state.scheduler.now();
    let (outcome, mut record) = state
        .store
        .register_as(
            &registration,
            now,
            state.scheduler.lease_until(now),
            Some(actor),
        )
        .await?;
    let mut resumed = false;
    if let Some(paused) = pause
        && paused != record.paused
    {
        resumed = !paused;
        if let Some(changed) = state
            .store
            .set_paused_as(&record.domain, paused, now, Some(actor))
            .await?
        {
            record = changed;
        }
    }
    if !record.paused && (outcome != Registered::Unchanged || resumed) {
        // The lease above keeps the scheduler off it; this check answers within seconds.
        state.scheduler.spawn_check(record.clone());
    }
    Ok((outcome, record))
}

/// 1 to `MAX_TOKEN_LEN` printable ASCII characters without spaces.
fn valid_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token.bytes().all(|byte| byte.is_ascii_graphic())
}

fn invalid_token() -> ApiError {
    ApiError::bad_request(
        "invalid_token",
        format!(
            "verification_token must be 1 to {MAX_TOKEN_LEN} printable ASCII characters without \
             spaces"
        ),
    )
}

/// `GET /v1/domains/{domain}`: the latest status.
#[utoipa::path(
    get,
    path = "/v1/domains/{domain}",
    tag = "domains",
    security(("bearer" = [])),
    params(("domain" = String, Path, min_length = 1, max_length = 254, pattern = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$", description = "The sender domain, at least two labels, not a public suffix. The pattern is the ASCII form; Unicode (IDNA2008), upper case and a trailing dot are accepted too and normalised to the A-label")),
    responses(
        (status = 200, description = "The latest status and records", body = DomainObject),
        (status = 400, description = "invalid_domain", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 404, description = "Not registered", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    DomainPath(domain): DomainPath,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let gzip = accepts_gzip(&headers);
    // In the default language, the body rendered when the registration was first read since
    // its last change, kept gzip compressed (the read model's `bodies`): a read is a lookup,
    // and a client that takes gzip gets the bytes as kept.
    if lang == state.lang
        && let Some(kept) = state.store.kept_body(domain.as_str())
    {
        return kept_response(kept, gzip);
    }
    let snapshot = state
        .store
        .snapshot(domain.as_str())
        .await?
        .ok_or_else(|| not_registered(&domain))?;
    let render = |record: &DomainRecord| {
        serde_json::to_vec(&DomainObject::new(record.clone(), lang))
            .map(axum::body::Bytes::from)
            .map_err(|error| {
                tracing::error!(%error, "a registration does not serialise");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the registration could not be serialised",
                )
            })
    };
    // Rendered once per change of the registration in the default language, and kept (see
    // above). Another language is rendered for the request.
    if lang != state.lang {
        let body = render(&snapshot.record)?;
        return Ok((STATUS_HEADERS, body).into_response());
    }
    let body = snapshot.rendered(render)?;
    // Compressed only when it will be kept (a body shrinks to about a quarter).
    if !state.store.keeps_body(domain.as_str(), body.len() / 4) {
        return Ok((STATUS_HEADERS, body).into_response());
    }
    match crate::compress::gzip(&body) {
        Ok(member) => {
            let member = axum::body::Bytes::from(member);
            state
                .store
                .keep_body(domain.as_str(), &snapshot, member.clone());
            if gzip {
                return kept_response(member, true);
            }
        }
        Err(error) => tracing::warn!(%error, "a status body does not compress"),
    }
    Ok((STATUS_HEADERS, body).into_response())
}

/// The headers of every status read: its body may come gzip compressed.
const STATUS_HEADERS: [(header::HeaderName, &str); 2] = [
    (header::CONTENT_TYPE, "application/json"),
    (header::VARY, "accept-encoding"),
];

/// A kept body (gzip): as is to a client that takes gzip, else inflated.
fn kept_response(member: axum::body::Bytes, gzip: bool) -> Result<Response, ApiError> {
    if gzip {
        return Ok((STATUS_HEADERS, [(header::CONTENT_ENCODING, "gzip")], member).into_response());
    }
    let body = crate::compress::gunzip(&member).map_err(|error| {
        tracing::error!(%error, "a kept status body does not inflate");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the registration could not be read",
        )
    })?;
    Ok((STATUS_HEADERS, body).into_response())
}

/// Whether `Accept-Encoding` takes gzip (RFC 9110 §12.5.3): `gzip`, `x-gzip` or `*` with a
/// weight above 0, and no `gzip;q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut star = false;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let weight = parts
                .filter_map(|param| {
                    let (name, value) = param.split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| value.trim().parse::<f32>().ok())?
                })
                .next()
                .unwrap_or(1.0);
            match coding.as_str() {
                "gzip" | "x-gzip" => return weight > 0.0,
                "*" => star = weight > 0.0,
                _ => {}
            }
        }
    }
    star
}

fn not_registered(domain: &DomainName) -> ApiError {
    ApiError::not_found(format!("{domain} is not registered"))
}

/// `DELETE /v1/domains/{domain}`: unregisters; history is kept.
#[utoipa::path(
    delete,
    path = "/v1/domains/{domain}",
    tag = "domains",
    security(("bearer" = [])),
    params(("domain" = String, Path, min_length = 1, max_length = 254, pattern = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$", description = "The sender domain, at least two labels, not a public suffix. The pattern is the ASCII form; Unicode (IDNA2008), upper case and a trailing dot are accepted too and normalised to the A-label")),
    responses(
        (status = 204, description = "Unregistered"),
        (status = 400, description = "invalid_domain", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 404, description = "Not registered", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Who(actor): Who,
    DomainPath(domain): DomainPath,
) -> Result<StatusCode, ApiError> {
    if state
        .store
        .unregister_as(domain.as_str(), state.scheduler.now(), Some(&actor))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_registered(&domain))
    }
}

/// `POST /v1/domains/{domain}/check`: checks now and answers with the result.
#[utoipa::path(
    post,
    path = "/v1/domains/{domain}/check",
    tag = "domains",
    security(("bearer" = [])),
    params(("domain" = String, Path, min_length = 1, max_length = 254, pattern = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$", description = "The sender domain, at least two labels, not a public suffix. The pattern is the ASCII form; Unicode (IDNA2008), upper case and a trailing dot are accepted too and normalised to the A-label")),
    responses(
        (status = 200, description = "Checked now; the stored result", body = DomainObject),
        (status = 400, description = "invalid_domain", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 404, description = "Not registered", body = super::error::ErrorBody),
        (status = 409, description = "paused: the registration is paused", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached, or the check outlasted server.request_timeout", body = super::error::ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(domain = %domain))]
pub async fn check(
    State(state): State<AppState>,
    Who(actor): Who,
    DomainPath(domain): DomainPath,
    RequestLang(lang): RequestLang,
) -> Result<Json<DomainObject>, ApiError> {
    Ok(Json(DomainObject::new(
        check_now(&state, &domain, &actor).await?,
        lang,
    )))
}

/// Checks a registered domain now and answers what is stored after it.
pub(crate) async fn check_now(
    state: &AppState,
    domain: &DomainName,
    actor: &crate::store::Actor,
) -> Result<DomainRecord, ApiError> {
    let record = state
        .store
        .get(domain.as_str())
        .await?
        .ok_or_else(|| not_registered(domain))?;
    if record.paused {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "paused",
            format!("{domain} is paused: resume it (PUT with \"paused\": false) to check it"),
        ));
    }
    // Asked for, not scheduled: an entry of its own (the result is stored by the check, which
    // others asking meanwhile share).
    state
        .store
        .record_audit(
            actor,
            "check",
            Some(domain.as_str()),
            "checked now on request",
            state.scheduler.now(),
        )
        .await?;
    let checked = match state.scheduler.check(record).await? {
        Some(checked) => checked,
        // Re-registered or removed while checking: answer with what is stored now.
        None => state
            .store
            .get(domain.as_str())
            .await?
            .ok_or_else(|| not_registered(domain))?,
    };
    Ok(checked)
}

/// One status change.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TransitionObject {
    #[serde(serialize_with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// Null for the registration itself.
    pub from: Option<DomainStatus>,
    pub to: DomainStatus,
    pub reason: String,
}

impl From<Transition> for TransitionObject {
    fn from(transition: Transition) -> Self {
        TransitionObject::new(transition, Lang::En)
    }
}

impl TransitionObject {
    /// The transition, its reason in `lang`.
    pub fn new(transition: Transition, lang: Lang) -> Self {
        TransitionObject {
            at: transition.at,
            from: transition.from,
            to: transition.to,
            reason: transition.reason.render(lang),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct History {
    pub transitions: Vec<TransitionObject>,
}

/// `GET /v1/domains/{domain}/history`: status changes, oldest first.
#[utoipa::path(
    get,
    path = "/v1/domains/{domain}/history",
    tag = "domains",
    security(("bearer" = [])),
    params(("domain" = String, Path, min_length = 1, max_length = 254, pattern = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$", description = "The sender domain, at least two labels, not a public suffix. The pattern is the ASCII form; Unicode (IDNA2008), upper case and a trailing dot are accepted too and normalised to the A-label")),
    responses(
        (status = 200, description = "Status changes, oldest first, each with a reason", body = History),
        (status = 400, description = "invalid_domain", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 404, description = "Not registered", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
pub async fn history(
    State(state): State<AppState>,
    super::extract::RequestLang(lang): super::extract::RequestLang,
    DomainPath(domain): DomainPath,
) -> Result<Json<History>, ApiError> {
    // A deleted registration's history stays readable; only a domain never registered is 404.
    let transitions = state.store.history(domain.as_str()).await?;
    if transitions.is_empty() {
        return Err(not_registered(&domain));
    }
    Ok(Json(History {
        transitions: transitions
            .into_iter()
            .map(|transition| TransitionObject::new(transition, lang))
            .collect(),
    }))
}

/// A page of domains; `next` is the `after` of the following page, null on the last one.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DomainList {
    pub domains: Vec<DomainObject>,
    pub next: Option<String>,
}

/// `GET /v1/domains?status=S&limit=N&after=D`: a page in domain order; `next` is the `after`
/// of the following page.
#[utoipa::path(
    get,
    path = "/v1/domains",
    tag = "domains",
    security(("bearer" = [])),
    params(
        ("status" = Option<DomainStatus>, Query, description = "Only domains with this status"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Page size, 1 to 1000 (default 100)"),
        ("after" = Option<String>, Query, description = "Start after this domain: the previous page's next"),
        ("paused" = Option<bool>, Query, description = "Only paused (true) or only running (false) registrations"),
        ("q" = Option<String>, Query, max_length = 254, description = "Only domains whose name contains this text (case-insensitive; Unicode is matched in its A-label form)"),
        ("format" = Option<String>, Query, pattern = "^(csv|json)$", description = "`csv` exports every matching domain as CSV (as does `Accept: text/csv`); `json` (default) answers a page"),
    ),
    responses(
        (status = 200, description = "A page in domain order (JSON), or every matching domain streamed as CSV: domain,profile,status,ready,checked_at,failing,dns_errors",
         content((DomainList = "application/json"), (String = "text/csv"))),
        (status = 400, description = "invalid_parameter", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 503, description = "The store could not be reached", body = super::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    query: Result<Query<BTreeMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = query?;
    let mut filter = ListFilter::default();
    let mut limit = None;
    let mut after = None;
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("text/csv"));
    let mut csv = wants_csv;
    for (key, value) in &params {
        match key.as_str() {
            "status" => {
                filter.status = Some(value.parse::<DomainStatus>().map_err(|error| {
                    ApiError::bad_request("invalid_parameter", error.to_string())
                })?)
            }
            "q" => filter.contains = search_text(value)?,
            // The language of the records' words (read by `RequestLang`).
            "lang" => {}
            "paused" => {
                filter.paused = Some(match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ApiError::bad_request(
                            "invalid_parameter",
                            "paused must be true or false",
                        ));
                    }
                })
            }
            "limit" => limit = super::extract::parse_limit(value, MAX_LIMIT).map(Some)?,
            "format" => {
                csv = match value.as_str() {
                    "csv" => true,
                    "json" => false,
                    other => {
                        return Err(ApiError::bad_request(
                            "invalid_parameter",
                            format!("format {other:?} is not csv or json"),
                        ));
                    }
                }
            }
            "after" => {
                after = Some(
                    DomainName::parse(value)
                        .map(DomainName::into_string)
                        .unwrap_or_else(|_| value.to_ascii_lowercase()),
                )
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_parameter",
                    format!(
                        "unknown parameter {other:?}; use status, paused, q, limit, after and format"
                    ),
                ));
            }
        }
    }
    if csv {
        return Ok(csv_export(state, filter, after, limit));
    }
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    // One row more than asked tells whether a next page exists.
    let mut records = state
        .store
        .list(&filter, after.as_deref(), limit + 1)
        .await?;
    let next = if records.len() > limit as usize {
        records.truncate(limit as usize);
        records.last().map(|record| record.domain.clone())
    } else {
        None
    };
    Ok(Json(DomainList {
        domains: records
            .into_iter()
            .map(|record| DomainObject::new(record, lang))
            .collect(),
        next,
    })
    .into_response())
}

/// The text a `q` search looks for: lower case, a Unicode part in its A-label form; empty
/// means no search.
pub fn search_text(value: &str) -> Result<Option<String>, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > 254 {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            "q is longer than a domain name (254 characters)",
        ));
    }
    let lower = value.to_lowercase();
    if lower.is_ascii() {
        return Ok(Some(lower));
    }
    idna::domain_to_ascii(&lower)
        .map(Some)
        .map_err(|_| ApiError::bad_request("invalid_parameter", "q is not part of a domain name"))
}

/// Rows read from the store per chunk of a CSV export.
const CSV_PAGE: u32 = 1000;

/// Every matching domain as CSV, streamed: the store is read a page at a time as the client
/// reads, so an export of any size holds one page in memory. `limit`, when given, caps the rows.
pub fn csv_export(
    state: AppState,
    filter: ListFilter,
    after: Option<String>,
    limit: Option<u32>,
) -> Response {
    struct Cursor {
        state: AppState,
        after: Option<String>,
        left: u64,
        header_sent: bool,
        done: bool,
    }
    let cursor = Cursor {
        state,
        after,
        left: limit.map_or(u64::MAX, u64::from),
        header_sent: false,
        done: false,
    };
    let filter = std::sync::Arc::new(filter);
    let chunks = futures_util::stream::unfold(cursor, move |mut cursor| {
        let filter = filter.clone();
        async move {
            if !cursor.header_sent {
                cursor.header_sent = true;
                let header =
                    "domain,profile,status,ready,checked_at,failing,dns_errors\r\n".to_string();
                return Some((Ok::<_, std::io::Error>(header), cursor));
            }
            if cursor.done || cursor.left == 0 {
                return None;
            }
            let page = CSV_PAGE.min(u32::try_from(cursor.left).unwrap_or(u32::MAX));
            match cursor
                .state
                .store
                .list(&filter, cursor.after.as_deref(), page)
                .await
            {
                Ok(records) => {
                    if records.is_empty() {
                        return None;
                    }
                    cursor.done = records.len() < page as usize;
                    cursor.left -= records.len() as u64;
                    cursor.after = records.last().map(|record| record.domain.clone());
                    let mut chunk = String::with_capacity(records.len() * 80);
                    for record in &records {
                        csv_row(&mut chunk, record);
                    }
                    Some((Ok(chunk), cursor))
                }
                Err(error) => {
                    // The status line is gone already: end the body early, which clients see as a
                    // truncated transfer, and say why in the log.
                    tracing::error!(error = %anyhow::Error::from(error), "CSV export stopped");
                    cursor.done = true;
                    Some((Err(std::io::Error::other("the store failed")), cursor))
                }
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"domains.csv\"",
            ),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response()
}

/// One CSV line (RFC 4180): failing record kinds are joined with ';'.
fn csv_row(out: &mut String, record: &DomainRecord) {
    let checked_at = record
        .checked_at
        .map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default();
    // A record that is wrong or absent, and one DNS did not answer for, are told apart: an
    // outage is not a broken record.
    let kinds = |wanted: &dyn Fn(crate::checks::RecordStatus) -> bool| {
        let mut kinds: Vec<&str> = record
            .records
            .iter()
            .filter(|check| wanted(check.status))
            .map(|check| check.kind.as_str())
            .collect();
        kinds.dedup();
        kinds.join(";")
    };
    let failing = kinds(&|status| {
        matches!(
            status,
            crate::checks::RecordStatus::Fail | crate::checks::RecordStatus::Missing
        )
    });
    let dns_errors = kinds(&|status| status == crate::checks::RecordStatus::Error);
    let fields = [
        record.domain.as_str(),
        record.profile.as_str(),
        record.lifecycle.status.as_str(),
        if record.ready { "true" } else { "false" },
        checked_at.as_str(),
        &failing,
        &dns_errors,
    ];
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

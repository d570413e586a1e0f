//! The contract's JSON for check results (docs/reference.md, `RecordCheck`), owned here: the core
//! (`checks/`) knows nothing of serde, and the stored rows (`store/rows.rs`) keep their own
//! format, so renaming a field here never touches stored data. The CLI prints these too.

use crate::checks::propagation::{Propagation, PropagationState};
use crate::text::Lang;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::checks::{
    ActionKind, DnssecState, DomainReport, Fix, FixAction, RecordCheck, RecordKind, RecordStatus,
};

/// The kinds of record a profile can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Spf,
    Dkim,
    Dmarc,
    Verification,
    Cname,
    Mx,
    Txt,
}

impl From<RecordKind> for Kind {
    fn from(kind: RecordKind) -> Self {
        match kind {
            RecordKind::Spf => Kind::Spf,
            RecordKind::Dkim => Kind::Dkim,
            RecordKind::Dmarc => Kind::Dmarc,
            RecordKind::Verification => Kind::Verification,
            RecordKind::Cname => Kind::Cname,
            RecordKind::Mx => Kind::Mx,
            RecordKind::Txt => Kind::Txt,
        }
    }
}

/// The verdict on one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The record is what the profile requires.
    Pass,
    /// The record is present but wrong.
    Fail,
    /// There is no such record.
    Missing,
    /// DNS could not answer (timeout, SERVFAIL, REFUSED): no verdict.
    Error,
}

impl From<RecordStatus> for Status {
    fn from(status: RecordStatus) -> Self {
        match status {
            RecordStatus::Pass => Status::Pass,
            RecordStatus::Fail => Status::Fail,
            RecordStatus::Missing => Status::Missing,
            RecordStatus::Error => Status::Error,
        }
    }
}

/// The contract's record object.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RecordCheck)]
pub struct RecordObject {
    pub kind: Kind,
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: String,
    pub status: Status,
    pub expected: String,
    pub found: Vec<String>,
    pub message: String,
    /// The stable code of `message` (its first finding when it lists several), the same in
    /// every language: `GET /v1/codes` lists them.
    pub code: String,
    /// The exact record to publish; null when the record passes or DNS did not answer.
    pub fix: Option<FixObject>,
    pub warnings: Vec<String>,
    /// The code of each warning, in the same order.
    pub warning_codes: Vec<String>,
    /// For an `error` record: the last verdict DNS gave, and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_conclusive: Option<LastConclusiveObject>,
    /// Present, and `false`, for a recommended record: shown, never blocking `ready`.
    #[serde(skip_serializing_if = "is_true")]
    #[schema(default = true)]
    pub required: bool,
    /// The record seen from each of the zone's authoritative servers and from the resolver;
    /// absent when the authoritative view is off or the zone's servers could not be found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagation: Option<PropagationObject>,
    /// The worst DNSSEC status among the answers the verdict rests on; null when DNSSEC is
    /// off. A `bogus` record is `fail`: validating resolvers refuse its answers.
    pub dnssec: Option<DnssecStateObject>,
}

/// What DNSSEC validation says of an answer (RFC 4035 §4.3).
#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DnssecStateObject {
    /// Signed, and every signature up to a trust anchor verifies.
    Secure,
    /// Proven unsigned (no DS above it): receivers accept it unsigned.
    Insecure,
    /// Signed, but the signatures do not verify: validating resolvers answer SERVFAIL.
    Bogus,
    /// Could not be decided (the chain could not be fetched, or the resolver strips
    /// DNSSEC records).
    Indeterminate,
}

impl From<DnssecState> for DnssecStateObject {
    fn from(state: DnssecState) -> Self {
        match state {
            DnssecState::Secure => DnssecStateObject::Secure,
            DnssecState::Insecure => DnssecStateObject::Insecure,
            DnssecState::Bogus => DnssecStateObject::Bogus,
            DnssecState::Indeterminate => DnssecStateObject::Indeterminate,
        }
    }
}

/// A domain's DNSSEC summary: the worst status among its records, the zone that decided it,
/// and for `bogus` or `indeterminate` why.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Dnssec)]
pub struct DnssecObject {
    pub status: DnssecStateObject,
    pub zone: Option<String>,
    pub reason: Option<String>,
}

/// The DNSSEC summary of a record list (`None`: DNSSEC off, or not checked yet), its reason
/// in `lang`.
pub fn dnssec_summary(records: &[RecordCheck], lang: Lang) -> Option<DnssecObject> {
    crate::checks::dnssec::worst(records.iter().filter_map(|record| record.dnssec.as_ref())).map(
        |worst| DnssecObject {
            status: worst.state.into(),
            zone: worst.zone.clone(),
            reason: worst.reason.as_ref().map(|reason| reason.render(lang)),
        },
    )
}

/// Where a record stands between the zone's servers and the resolver.
#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PropagationStateObject {
    /// The servers and the resolver agree, and the record passes.
    Published,
    /// The servers pass; the resolver still serves an older answer until `expected_at`.
    Propagating,
    /// No server has the record as required.
    NotPublished,
    /// The servers disagree (see their `serial`s).
    Inconsistent,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Propagation)]
pub struct PropagationObject {
    pub state: PropagationStateObject,
    pub servers: Vec<ServerObject>,
    pub resolver: ResolverObject,
    /// For `propagating`: when the resolver's cached answer runs out (now + its TTL).
    #[serde(serialize_with = "rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expected_at: Option<DateTime<Utc>>,
}

/// One authoritative server's verdict on the record.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PropagationServer)]
pub struct ServerObject {
    /// The server's NS name.
    pub name: String,
    /// The address asked.
    pub address: String,
    /// `error`: it did not answer (authoritatively).
    pub status: Status,
    /// The zone's SOA serial it gave; null when it gave none.
    pub serial: Option<u32>,
    /// For `error`: why it gave no verdict — "not asked: no answer since …" (held back after
    /// failing), "no answer within N ms" (the authoritative budget), "refused: nothing listens
    /// on port 53", "does not serve ZONE (…)" (lame), or the lookup's failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The resolver's verdict and what is left of the TTL of the answer it holds.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PropagationResolver)]
pub struct ResolverObject {
    pub status: Status,
    /// Seconds (for NXDOMAIN and NODATA: the negative TTL); null when unknown.
    pub ttl: Option<u32>,
}

/// RFC 3339 UTC to the second, or null.
pub fn rfc3339_opt<S: serde::Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => {
            serializer.serialize_str(&time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        }
        None => serializer.serialize_none(),
    }
}

impl PropagationObject {
    pub fn new(seen: &Propagation, lang: Lang) -> Self {
        PropagationObject {
            state: match seen.state {
                PropagationState::Published => PropagationStateObject::Published,
                PropagationState::Propagating => PropagationStateObject::Propagating,
                PropagationState::NotPublished => PropagationStateObject::NotPublished,
                PropagationState::Inconsistent => PropagationStateObject::Inconsistent,
            },
            servers: seen
                .servers
                .iter()
                .map(|server| ServerObject {
                    name: server.name.clone(),
                    address: server.address.ip().to_string(),
                    status: server.status.into(),
                    serial: server.serial,
                    reason: server.reason.as_ref().map(|reason| reason.render(lang)),
                })
                .collect(),
            resolver: ResolverObject {
                status: seen.resolver.status.into(),
                ttl: seen.resolver.ttl,
            },
            expected_at: seen.expected_at,
        }
    }
}

fn is_true(value: &bool) -> bool {
    *value
}

/// The record to publish, and every change that goes with it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Fix)]
pub struct FixObject {
    #[serde(rename = "type")]
    pub record_type: String,
    pub name: String,
    pub value: String,
    /// The value as character-strings of at most 255 bytes.
    pub strings: Vec<String>,
    /// The record as one zone-file line.
    pub zone: String,
    /// Publish, replace and remove, in order; empty when no single record can fix it, or
    /// when there is nothing to change (then `explanation` says why).
    pub actions: Vec<FixActionObject>,
    /// Present when nothing is to be changed although the record does not pass yet: it is
    /// already on the zone's servers, and this says when receivers will see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Publish,
    Replace,
    Remove,
}

/// One change to a zone.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = FixAction)]
pub struct FixActionObject {
    pub action: Action,
    #[serde(rename = "type")]
    pub record_type: String,
    pub name: String,
    pub value: String,
    /// For `replace`: the record's current value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    pub zone: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = LastConclusive)]
pub struct LastConclusiveObject {
    pub status: Status,
    #[schema(value_type = String, format = DateTime)]
    pub checked_at: DateTime<Utc>,
}

/// `check --format json` and `POST /v1/check`: one fresh check of a domain.
#[derive(Clone, Debug, Serialize)]
pub struct ReportObject {
    pub domain: String,
    pub profile: String,
    pub ready: bool,
    /// When every required record is expected to pass everywhere (the resolver's cached
    /// answers run out); null when one is not published, inconsistent or failing.
    #[serde(serialize_with = "rfc3339_opt")]
    pub valid_after: Option<DateTime<Utc>>,
    /// The DNSSEC summary; null when DNSSEC is off.
    pub dnssec: Option<DnssecObject>,
    pub records: Vec<RecordObject>,
}

impl From<&RecordCheck> for RecordObject {
    fn from(record: &RecordCheck) -> Self {
        RecordObject::new(record, Lang::En)
    }
}

impl RecordObject {
    /// The record object with its words in `lang` (codes and values are never translated).
    pub fn new(record: &RecordCheck, lang: Lang) -> Self {
        RecordObject {
            kind: record.kind.into(),
            name: record.name.clone(),
            record_type: record.record_type.clone(),
            status: record.status.into(),
            expected: record.expected.render(lang),
            found: record.found.clone(),
            message: record.message.render(lang),
            code: record.message.code.to_string(),
            fix: record.fix.as_ref().map(|fix| FixObject::new(fix, lang)),
            warnings: record.warnings.iter().map(|w| w.render(lang)).collect(),
            warning_codes: record.warnings.iter().map(|w| w.code.to_string()).collect(),
            last_conclusive: record
                .last_conclusive
                .as_ref()
                .map(|last| LastConclusiveObject {
                    status: last.status.into(),
                    checked_at: last.checked_at,
                }),
            required: record.required,
            propagation: record
                .propagation
                .as_ref()
                .map(|seen| PropagationObject::new(seen, lang)),
            dnssec: record.dnssec.as_ref().map(|dnssec| dnssec.state.into()),
        }
    }
}

impl FixObject {
    pub fn new(fix: &Fix, lang: Lang) -> Self {
        FixObject {
            record_type: fix.record_type.clone(),
            name: fix.name.clone(),
            value: fix.value.clone(),
            strings: fix.strings.clone(),
            zone: fix.zone.clone(),
            actions: fix.actions.iter().map(FixActionObject::from).collect(),
            explanation: fix.explanation.as_ref().map(|text| text.render(lang)),
        }
    }
}

impl From<&FixAction> for FixActionObject {
    fn from(action: &FixAction) -> Self {
        FixActionObject {
            action: match action.action {
                ActionKind::Publish => Action::Publish,
                ActionKind::Replace => Action::Replace,
                ActionKind::Remove => Action::Remove,
            },
            record_type: action.record_type.clone(),
            name: action.name.clone(),
            value: action.value.clone(),
            replaces: action.replaces.clone(),
            zone: action.zone.clone(),
        }
    }
}

impl From<&DomainReport> for ReportObject {
    fn from(report: &DomainReport) -> Self {
        ReportObject::new(report, Lang::En)
    }
}

impl ReportObject {
    pub fn new(report: &DomainReport, lang: Lang) -> Self {
        ReportObject {
            domain: report.domain.clone(),
            profile: report.profile.clone(),
            ready: report.ready,
            valid_after: report.valid_after,
            dnssec: dnssec_summary(&report.records, lang),
            records: records(&report.records, lang),
        }
    }
}

/// The wire form of a record list, its words in `lang`.
pub fn records(records: &[RecordCheck], lang: Lang) -> Vec<RecordObject> {
    records.iter().map(|r| RecordObject::new(r, lang)).collect()
}

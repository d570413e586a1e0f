//! How check results are stored: a versioned row format owned by the store, so the core's
//! types and the API's JSON can change without touching stored data. `records_version` in the
//! `domains` table says which format a row holds; version 1 is the JSON written since the first
//! release (it matches the API's record object of that time field for field). Version 2 adds the
//! kinds `cname`, `mx` and `txt` and `required` (absent means `true`), so every version 1 row
//! reads as version 2; a release that knows only version 1 refuses version 2 rows by their
//! version instead of misreading them. Version 3 adds `propagation` (absent: none), so version
//! 1 and 2 rows read as version 3.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::checks::propagation::{Propagation, PropagationState, ResolverVerdict, ServerVerdict};
use crate::checks::{
    ActionKind, Dnssec, DnssecState, Fix, FixAction, LastConclusive, RecordCheck, RecordKind,
    RecordStatus,
};
use crate::text::{Arg, Join, Text, codes};

/// The format rows are written in.
pub const RECORDS_VERSION: i64 = 4;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindV1 {
    Spf,
    Dkim,
    Dmarc,
    Verification,
    Cname,
    Mx,
    Txt,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum StatusV1 {
    Pass,
    Fail,
    Missing,
    Error,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ActionV1 {
    Publish,
    Replace,
    Remove,
}

#[derive(Serialize, Deserialize)]
struct RecordV1 {
    kind: KindV1,
    name: String,
    #[serde(rename = "type")]
    record_type: String,
    status: StatusV1,
    expected: TextV4,
    found: Vec<String>,
    message: TextV4,
    fix: Option<FixV1>,
    warnings: Vec<TextV4>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_conclusive: Option<LastConclusiveV1>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    propagation: Option<PropagationV3>,
    /// The DNSSEC status of the answers the verdict rested on (absent before 2026-12-03, and
    /// with DNSSEC off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dnssec: Option<DnssecV3>,
}

#[derive(Serialize, Deserialize)]
struct DnssecV3 {
    /// `secure`, `insecure`, `indeterminate` or `bogus`.
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zone: Option<String>,
    /// Words before 2026-12-04 (read as `stored.text`), then a code and its values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<TextV4>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    warning: Option<TextV4>,
}

#[derive(Serialize, Deserialize)]
struct PropagationV3 {
    /// `published`, `propagating`, `not_published` or `inconsistent`.
    state: String,
    servers: Vec<ServerV3>,
    resolver_status: StatusV1,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resolver_ttl: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expected_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, Deserialize)]
struct ServerV3 {
    name: String,
    address: std::net::SocketAddr,
    status: StatusV1,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    serial: Option<u32>,
    /// Why the server gave no verdict (absent before 2026-12-03, and for a verdict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<TextV4>,
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

#[derive(Serialize, Deserialize)]
struct FixV1 {
    #[serde(rename = "type")]
    record_type: String,
    name: String,
    value: String,
    #[serde(default)]
    strings: Vec<String>,
    #[serde(default)]
    zone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    explanation: Option<TextV4>,
    #[serde(default)]
    actions: Vec<FixActionV1>,
}

#[derive(Serialize, Deserialize)]
struct FixActionV1 {
    action: ActionV1,
    #[serde(rename = "type")]
    record_type: String,
    name: String,
    value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    replaces: Option<String>,
    zone: String,
}

/// A finding as stored since version 4: its code and parameters, so it can be shown in any
/// language later. Versions 1 to 3 stored English words: they read as `stored.text`.
/// Read by the JSON value's kind (`Deserialize` below), not tried variant by variant: serde's
/// `untagged` buffers each value and formats an error for every variant that does not fit,
/// which was a tenth of a status read's CPU (issue 31).
#[derive(Serialize)]
#[serde(untagged)]
enum TextV4 {
    Coded(CodedV4),
    Words(String),
}

impl<'de> Deserialize<'de> for TextV4 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = TextV4;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("words or a coded finding")
            }

            fn visit_str<E: serde::de::Error>(self, words: &str) -> Result<TextV4, E> {
                Ok(TextV4::Words(words.to_string()))
            }

            fn visit_string<E: serde::de::Error>(self, words: String) -> Result<TextV4, E> {
                Ok(TextV4::Words(words))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<TextV4, A::Error> {
                CodedV4::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(TextV4::Coded)
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

#[derive(Serialize, Deserialize)]
struct CodedV4 {
    code: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    args: BTreeMap<String, ArgV4>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    more: Vec<CodedV4>,
}

/// Written untagged; read by the JSON value's kind (`Deserialize` below), as `TextV4` is.
#[derive(Serialize)]
#[serde(untagged)]
enum ArgV4 {
    Num(i64),
    Str(String),
    Text(Box<CodedV4>),
    /// `join`: `semicolon`, `and` or `or`.
    List {
        items: Vec<CodedV4>,
        join: String,
    },
}

/// An object argument: a coded finding (`code`, as the untagged order tried first) or a list
/// (`items` and `join`).
#[derive(Deserialize)]
struct ObjectArgV4 {
    code: Option<String>,
    #[serde(default)]
    args: BTreeMap<String, ArgV4>,
    #[serde(default)]
    more: Vec<CodedV4>,
    items: Option<Vec<CodedV4>>,
    join: Option<String>,
}

impl<'de> Deserialize<'de> for ArgV4 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = ArgV4;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, a string, a coded finding or a list")
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<ArgV4, E> {
                Ok(ArgV4::Num(value))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<ArgV4, E> {
                i64::try_from(value)
                    .map(ArgV4::Num)
                    .map_err(|_| E::custom("a number out of range"))
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<ArgV4, E> {
                Ok(ArgV4::Str(value.to_string()))
            }

            fn visit_string<E: serde::de::Error>(self, value: String) -> Result<ArgV4, E> {
                Ok(ArgV4::Str(value))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<ArgV4, A::Error> {
                let object =
                    ObjectArgV4::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                match object {
                    ObjectArgV4 {
                        code: Some(code),
                        args,
                        more,
                        ..
                    } => Ok(ArgV4::Text(Box::new(CodedV4 { code, args, more }))),
                    ObjectArgV4 {
                        items: Some(items),
                        join: Some(join),
                        ..
                    } => Ok(ArgV4::List { items, join }),
                    _ => Err(serde::de::Error::custom(
                        "an argument object without a code or a list",
                    )),
                }
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

impl From<&Text> for CodedV4 {
    fn from(text: &Text) -> Self {
        CodedV4 {
            code: text.code.to_string(),
            args: text
                .args
                .iter()
                .map(|(name, arg)| {
                    let arg = match arg {
                        Arg::Num(value) => ArgV4::Num(*value),
                        Arg::Str(value) => ArgV4::Str(value.clone()),
                        Arg::Text(inner) => ArgV4::Text(Box::new(CodedV4::from(&**inner))),
                        Arg::List(items, join) => ArgV4::List {
                            items: items.iter().map(CodedV4::from).collect(),
                            join: match join {
                                Join::Semicolon => "semicolon",
                                Join::And => "and",
                                Join::Or => "or",
                            }
                            .to_string(),
                        },
                    };
                    (name.to_string(), arg)
                })
                .collect(),
            more: text.more.iter().map(CodedV4::from).collect(),
        }
    }
}

impl From<&Text> for TextV4 {
    fn from(text: &Text) -> Self {
        TextV4::Coded(CodedV4::from(text))
    }
}

impl From<CodedV4> for Text {
    /// A code this release does not know (never removed, so only from a newer release) is
    /// kept as its name; parameters the code does not take are dropped.
    fn from(stored: CodedV4) -> Self {
        let CodedV4 {
            code,
            mut args,
            more,
        } = stored;
        let Some(known) = codes::find(&code) else {
            return codes::stored_text(code);
        };
        let args = known
            .params
            .iter()
            .filter_map(|param| {
                let arg = match args.remove(*param)? {
                    ArgV4::Num(value) => Arg::Num(value),
                    ArgV4::Str(value) => Arg::Str(value),
                    ArgV4::Text(inner) => Arg::Text(Box::new(Text::from(*inner))),
                    ArgV4::List { items, join } => Arg::List(
                        items.into_iter().map(Text::from).collect(),
                        match join.as_str() {
                            "and" => Join::And,
                            "or" => Join::Or,
                            _ => Join::Semicolon,
                        },
                    ),
                };
                Some((*param, arg))
            })
            .collect();
        let mut text = Text::new(known.code, args);
        text.more = more.into_iter().map(Text::from).collect();
        text
    }
}

/// A transition's reason as the `transitions.reason` column and event payloads keep it: its
/// code and values as JSON.
pub fn encode_reason(reason: &Text) -> String {
    serde_json::to_string(&CodedV4::from(reason)).unwrap_or_else(|_| reason.en())
}

/// A stored transition's reason: a code and its values, or the English words a release before
/// 2026-12-04 wrote (read as `stored.text`).
pub fn decode_reason(stored: &str) -> Text {
    match serde_json::from_str::<CodedV4>(stored) {
        Ok(coded) => coded.into(),
        Err(_) => codes::stored_text(stored),
    }
}

impl From<TextV4> for Text {
    fn from(stored: TextV4) -> Self {
        match stored {
            TextV4::Coded(coded) => coded.into(),
            TextV4::Words(words) => codes::stored_text(words),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct LastConclusiveV1 {
    status: StatusV1,
    checked_at: DateTime<Utc>,
}

/// The stored text of a record list, in `RECORDS_VERSION`.
pub fn encode(records: &[RecordCheck]) -> Result<String, serde_json::Error> {
    let rows: Vec<RecordV1> = records.iter().map(RecordV1::from).collect();
    serde_json::to_string(&rows)
}

/// A record list read back from its stored text.
pub fn decode(version: i64, text: &str) -> Result<Vec<RecordCheck>, String> {
    if !(1..=RECORDS_VERSION).contains(&version) {
        return Err(format!("records are in unknown format version {version}"));
    }
    let rows: Vec<RecordV1> = serde_json::from_str(text)
        .map_err(|error| format!("records are not valid JSON: {error}"))?;
    Ok(rows.into_iter().map(RecordCheck::from).collect())
}

impl From<&RecordCheck> for RecordV1 {
    fn from(record: &RecordCheck) -> Self {
        RecordV1 {
            kind: match record.kind {
                RecordKind::Spf => KindV1::Spf,
                RecordKind::Dkim => KindV1::Dkim,
                RecordKind::Dmarc => KindV1::Dmarc,
                RecordKind::Verification => KindV1::Verification,
                RecordKind::Cname => KindV1::Cname,
                RecordKind::Mx => KindV1::Mx,
                RecordKind::Txt => KindV1::Txt,
            },
            name: record.name.clone(),
            record_type: record.record_type.clone(),
            status: record.status.into(),
            expected: TextV4::from(&record.expected),
            found: record.found.clone(),
            message: TextV4::from(&record.message),
            fix: record.fix.as_ref().map(|fix| FixV1 {
                record_type: fix.record_type.clone(),
                name: fix.name.clone(),
                value: fix.value.clone(),
                strings: fix.strings.clone(),
                zone: fix.zone.clone(),
                explanation: fix.explanation.as_ref().map(TextV4::from),
                actions: fix
                    .actions
                    .iter()
                    .map(|action| FixActionV1 {
                        action: match action.action {
                            ActionKind::Publish => ActionV1::Publish,
                            ActionKind::Replace => ActionV1::Replace,
                            ActionKind::Remove => ActionV1::Remove,
                        },
                        record_type: action.record_type.clone(),
                        name: action.name.clone(),
                        value: action.value.clone(),
                        replaces: action.replaces.clone(),
                        zone: action.zone.clone(),
                    })
                    .collect(),
            }),
            warnings: record.warnings.iter().map(TextV4::from).collect(),
            last_conclusive: record
                .last_conclusive
                .as_ref()
                .map(|last| LastConclusiveV1 {
                    status: last.status.into(),
                    checked_at: last.checked_at,
                }),
            required: record.required,
            dnssec: record.dnssec.as_ref().map(|dnssec| DnssecV3 {
                state: dnssec.state.as_str().to_string(),
                zone: dnssec.zone.clone(),
                reason: dnssec.reason.as_ref().map(TextV4::from),
                warning: dnssec.warning.as_ref().map(TextV4::from),
            }),
            propagation: record.propagation.as_ref().map(|seen| PropagationV3 {
                state: seen.state.as_str().to_string(),
                servers: seen
                    .servers
                    .iter()
                    .map(|server| ServerV3 {
                        name: server.name.clone(),
                        address: server.address,
                        status: server.status.into(),
                        serial: server.serial,
                        reason: server.reason.as_ref().map(TextV4::from),
                    })
                    .collect(),
                resolver_status: seen.resolver.status.into(),
                resolver_ttl: seen.resolver.ttl,
                expected_at: seen.expected_at,
            }),
        }
    }
}

impl From<RecordStatus> for StatusV1 {
    fn from(status: RecordStatus) -> Self {
        match status {
            RecordStatus::Pass => StatusV1::Pass,
            RecordStatus::Fail => StatusV1::Fail,
            RecordStatus::Missing => StatusV1::Missing,
            RecordStatus::Error => StatusV1::Error,
        }
    }
}

impl From<StatusV1> for RecordStatus {
    fn from(status: StatusV1) -> Self {
        match status {
            StatusV1::Pass => RecordStatus::Pass,
            StatusV1::Fail => RecordStatus::Fail,
            StatusV1::Missing => RecordStatus::Missing,
            StatusV1::Error => RecordStatus::Error,
        }
    }
}

impl From<RecordV1> for RecordCheck {
    fn from(row: RecordV1) -> Self {
        RecordCheck {
            kind: match row.kind {
                KindV1::Spf => RecordKind::Spf,
                KindV1::Dkim => RecordKind::Dkim,
                KindV1::Dmarc => RecordKind::Dmarc,
                KindV1::Verification => RecordKind::Verification,
                KindV1::Cname => RecordKind::Cname,
                KindV1::Mx => RecordKind::Mx,
                KindV1::Txt => RecordKind::Txt,
            },
            name: row.name,
            record_type: row.record_type,
            status: row.status.into(),
            expected: row.expected.into(),
            found: row.found,
            message: row.message.into(),
            fix: row.fix.map(|fix| Fix {
                record_type: fix.record_type,
                name: fix.name,
                value: fix.value,
                strings: fix.strings,
                zone: fix.zone,
                explanation: fix.explanation.map(Text::from),
                actions: fix
                    .actions
                    .into_iter()
                    .map(|action| FixAction {
                        action: match action.action {
                            ActionV1::Publish => ActionKind::Publish,
                            ActionV1::Replace => ActionKind::Replace,
                            ActionV1::Remove => ActionKind::Remove,
                        },
                        record_type: action.record_type,
                        name: action.name,
                        value: action.value,
                        replaces: action.replaces,
                        zone: action.zone,
                    })
                    .collect(),
            }),
            warnings: row.warnings.into_iter().map(Text::from).collect(),
            last_conclusive: row.last_conclusive.map(|last| LastConclusive {
                status: last.status.into(),
                checked_at: last.checked_at,
            }),
            required: row.required,
            // A state this release does not know is dropped rather than misread.
            dnssec: row.dnssec.and_then(|dnssec| {
                Some(Dnssec {
                    state: DnssecState::parse(&dnssec.state)?,
                    zone: dnssec.zone,
                    reason: dnssec.reason.map(Text::from),
                    warning: dnssec.warning.map(Text::from),
                })
            }),
            propagation: row.propagation.and_then(|seen| {
                Some(Propagation {
                    state: PropagationState::parse(&seen.state)?,
                    servers: seen
                        .servers
                        .into_iter()
                        .map(|server| ServerVerdict {
                            name: server.name,
                            address: server.address,
                            status: server.status.into(),
                            serial: server.serial,
                            reason: server.reason.map(Text::from),
                        })
                        .collect(),
                    resolver: ResolverVerdict {
                        status: seen.resolver_status.into(),
                        ttl: seen.resolver_ttl,
                    },
                    expected_at: seen.expected_at,
                })
            }),
        }
    }
}

/// A webhook event's stored payload: the transition and the registration as of it. Version 1
/// (`EVENT_VERSION` inside the JSON); a release that does not know a version refuses it.
/// Version 2 adds `proven_at` and `message` (a `domain.test_message` event: the message, and
/// the registration's status in `to` with no transition); version 1 rows read as version 2.
#[derive(Serialize, Deserialize)]
struct EventV1 {
    version: i64,
    #[serde(default)]
    proven_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<MessageV1>,
    at: DateTime<Utc>,
    from: Option<String>,
    to: String,
    reason: String,
    profile: String,
    params: std::collections::BTreeMap<String, String>,
    generation: i64,
    created_at: DateTime<Utc>,
    status_since: DateTime<Utc>,
    consecutive_failures: u32,
    checked_at: Option<DateTime<Utc>>,
    next_check_at: DateTime<Utc>,
    ready: bool,
    paused: bool,
    records: Vec<RecordV1>,
}

const EVENT_VERSION: i64 = 2;

/// The stored payload of an event reporting `transition` of `record` (the token is left out:
/// events never carry it).
pub fn encode_event(
    transition: &crate::status::Transition,
    record: &crate::store::DomainRecord,
) -> Result<String, serde_json::Error> {
    encode_event_of(transition, record, None)
}

/// The stored payload of a `domain.test_message` event: the message and the registration as
/// of it.
pub fn encode_message_event(
    message: &crate::store::StoredMessage,
    record: &crate::store::DomainRecord,
) -> Result<String, serde_json::Error> {
    let status = crate::status::Transition {
        at: message.received_at,
        from: None,
        to: record.lifecycle.status,
        reason: codes::history_registered(),
    };
    encode_event_of(&status, record, Some(message))
}

fn encode_event_of(
    transition: &crate::status::Transition,
    record: &crate::store::DomainRecord,
    message: Option<&crate::store::StoredMessage>,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&EventV1 {
        version: EVENT_VERSION,
        proven_at: record.proven_at,
        message: message.map(MessageV1::from),
        at: transition.at,
        from: transition.from.map(|status| status.as_str().to_string()),
        to: transition.to.as_str().to_string(),
        reason: encode_reason(&transition.reason),
        profile: record.profile.clone(),
        params: record.params.clone(),
        generation: record.generation,
        created_at: record.created_at,
        status_since: record.lifecycle.status_since,
        consecutive_failures: record.lifecycle.consecutive_failures,
        checked_at: record.checked_at,
        next_check_at: record.next_check_at,
        ready: record.ready,
        paused: record.paused,
        records: record.records.iter().map(RecordV1::from).collect(),
    })
}

/// What an event's payload reads back as: the transition (none for a test message), the
/// registration as of it, and the test message it reports.
pub type DecodedEvent = (
    Option<crate::status::Transition>,
    crate::store::DomainRecord,
    Option<crate::store::StoredMessage>,
);

/// An event's payload read back.
pub fn decode_event(domain: &str, text: &str) -> Result<DecodedEvent, String> {
    use std::str::FromStr;
    let row: EventV1 =
        serde_json::from_str(text).map_err(|error| format!("event is not valid JSON: {error}"))?;
    if !(1..=EVENT_VERSION).contains(&row.version) {
        return Err(format!(
            "event is in unknown format version {}",
            row.version
        ));
    }
    let status =
        |text: &str| crate::status::DomainStatus::from_str(text).map_err(|error| error.to_string());
    let to = status(&row.to)?;
    let from = row.from.as_deref().map(status).transpose()?;
    let transition = crate::status::Transition {
        at: row.at,
        from,
        to,
        reason: decode_reason(&row.reason),
    };
    let record = crate::store::DomainRecord {
        domain: domain.to_string(),
        profile: row.profile,
        token: None,
        params: row.params,
        generation: row.generation,
        created_at: row.created_at,
        lifecycle: crate::status::Lifecycle {
            status: to,
            status_since: row.status_since,
            consecutive_failures: row.consecutive_failures,
        },
        checked_at: row.checked_at,
        next_check_at: row.next_check_at,
        ready: row.ready,
        records: row.records.into_iter().map(RecordCheck::from).collect(),
        paused: row.paused,
        proven_at: row.proven_at,
    };
    match row.message {
        Some(message) => Ok((None, record, Some(message.into_stored(domain)))),
        None => Ok((Some(transition), record, None)),
    }
}

/// A received test message's stored verdict (`test_messages.verdict`, version
/// `MESSAGE_VERSION`): the envelope and the message verdict in the JSON of this version.
#[derive(Serialize, Deserialize)]
struct MessageV1 {
    id: String,
    received_at: DateTime<Utc>,
    client_ip: String,
    helo: String,
    mail_from: String,
    recipient: String,
    tls: bool,
    headers: String,
    verdict: crate::message::MessageVerdict,
    /// The verdict's reasons as codes and values, to show them in any language (absent before
    /// 2026-12-04: those verdicts keep their English words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    findings: Option<FindingsV1>,
}

#[derive(Serialize, Deserialize)]
struct FindingsV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spf: Option<TextV4>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dmarc: Option<TextV4>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    arc: Option<TextV4>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verdict: Option<TextV4>,
    /// Each DKIM signature's reason and warnings, in the order of `verdict.dkim.signatures`.
    #[serde(default)]
    dkim: Vec<Option<(TextV4, Vec<TextV4>)>>,
}

impl FindingsV1 {
    fn of(verdict: &crate::message::MessageVerdict) -> Self {
        let text = |text: &Option<Text>| text.as_ref().map(TextV4::from);
        FindingsV1 {
            spf: text(&verdict.spf.text),
            dmarc: text(&verdict.dmarc.text),
            arc: text(&verdict.arc.text),
            verdict: text(&verdict.text),
            dkim: verdict
                .dkim
                .signatures
                .iter()
                .map(|signature| {
                    signature.findings.as_ref().map(|(reason, warnings)| {
                        (
                            TextV4::from(reason),
                            warnings.iter().map(TextV4::from).collect(),
                        )
                    })
                })
                .collect(),
        }
    }

    fn restore(self, verdict: &mut crate::message::MessageVerdict) {
        verdict.spf.text = self.spf.map(Text::from);
        verdict.dmarc.text = self.dmarc.map(Text::from);
        verdict.arc.text = self.arc.map(Text::from);
        verdict.text = self.verdict.map(Text::from);
        for (signature, found) in verdict.dkim.signatures.iter_mut().zip(self.dkim) {
            signature.findings = found.map(|(reason, warnings)| {
                (
                    Text::from(reason),
                    warnings.into_iter().map(Text::from).collect(),
                )
            });
        }
    }
}

/// The format `test_messages.verdict` is written in.
pub const MESSAGE_VERSION: i64 = 1;

impl From<&crate::store::StoredMessage> for MessageV1 {
    fn from(message: &crate::store::StoredMessage) -> Self {
        MessageV1 {
            id: message.id.clone(),
            received_at: message.received_at,
            client_ip: message.client_ip.clone(),
            helo: message.helo.clone(),
            mail_from: message.mail_from.clone(),
            recipient: message.recipient.clone(),
            tls: message.tls,
            headers: message.headers.clone(),
            verdict: message.verdict.clone(),
            findings: Some(FindingsV1::of(&message.verdict)),
        }
    }
}

impl MessageV1 {
    fn into_stored(mut self, domain: &str) -> crate::store::StoredMessage {
        if let Some(findings) = self.findings.take() {
            findings.restore(&mut self.verdict);
        }
        crate::store::StoredMessage {
            id: self.id,
            domain: domain.to_string(),
            received_at: self.received_at,
            client_ip: self.client_ip,
            helo: self.helo,
            mail_from: self.mail_from,
            recipient: self.recipient,
            tls: self.tls,
            headers: self.headers,
            verdict: self.verdict,
        }
    }
}

/// A test message as stored.
pub fn encode_message(message: &crate::store::StoredMessage) -> Result<String, serde_json::Error> {
    serde_json::to_string(&MessageV1::from(message))
}

/// A stored test message read back.
pub fn decode_message(
    domain: &str,
    version: i64,
    text: &str,
) -> Result<crate::store::StoredMessage, String> {
    if version != MESSAGE_VERSION {
        return Err(format!(
            "test message is in unknown format version {version}"
        ));
    }
    let row: MessageV1 = serde_json::from_str(text)
        .map_err(|error| format!("test message is not valid JSON: {error}"))?;
    Ok(row.into_stored(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_written_by_earlier_releases_still_read() {
        // A row as the first release stored it: no strings, zone, actions or last_conclusive.
        let stored = r#"[{"kind":"spf","name":"shop.example","type":"TXT","status":"fail",
            "expected":"include:spf.mandrillapp.com in the SPF record","found":["v=spf1 a -all"],
            "message":"SPF record does not include spf.mandrillapp.com",
            "fix":{"type":"TXT","name":"shop.example","value":"v=spf1 a include:spf.mandrillapp.com -all"},
            "warnings":[]}]"#;
        let records = decode(1, stored).unwrap();
        assert_eq!(records[0].status, RecordStatus::Fail);
        assert_eq!(
            records[0].fix.as_ref().unwrap().value,
            "v=spf1 a include:spf.mandrillapp.com -all"
        );
        // And a record survives a round trip whole.
        let again = decode(RECORDS_VERSION, &encode(&records).unwrap()).unwrap();
        assert_eq!(again, records);
        assert!(records[0].required);
        assert!(decode(RECORDS_VERSION + 1, stored).is_err());
        // A recommended record of a new kind survives too.
        let mut mx = records[0].clone();
        mx.kind = RecordKind::Mx;
        mx.required = false;
        assert_eq!(
            decode(RECORDS_VERSION, &encode(&[mx.clone()]).unwrap()).unwrap(),
            [mx]
        );
        // So does a record seen from the zone's servers (version 3).
        let mut seen = records[0].clone();
        seen.propagation = Some(Propagation {
            state: PropagationState::Propagating,
            servers: vec![
                ServerVerdict {
                    name: "ns1.shop.example".into(),
                    address: "192.0.2.1:53".parse().unwrap(),
                    status: RecordStatus::Pass,
                    serial: Some(2026120201),
                    reason: None,
                },
                ServerVerdict {
                    name: "ns2.shop.example".into(),
                    address: "192.0.2.2:53".parse().unwrap(),
                    status: RecordStatus::Error,
                    serial: None,
                    reason: Some(crate::text::codes::server_held_back("2026-12-03T07:00:00Z")),
                },
            ],
            resolver: ResolverVerdict {
                status: RecordStatus::Missing,
                ttl: Some(41),
            },
            expected_at: Some(records[0].last_conclusive.as_ref().map_or_else(
                || "2026-12-02T10:00:41Z".parse().unwrap(),
                |last| last.checked_at,
            )),
        });
        assert_eq!(
            decode(RECORDS_VERSION, &encode(&[seen.clone()]).unwrap()).unwrap(),
            [seen]
        );
        // A DNSSEC reason: a code and its values now, the English words of before 2026-12-04
        // read as `stored.text`.
        let mut bogus = records[0].clone();
        bogus.dnssec = Some(Dnssec::new(
            DnssecState::Bogus,
            Some("shop.example".into()),
            Some(crate::text::codes::dnssec_expired(
                crate::text::codes::dnssec_what_rrset("TXT", "shop.example"),
                "2026-11-20 00:00 UTC",
            )),
        ));
        assert_eq!(
            decode(RECORDS_VERSION, &encode(&[bogus.clone()]).unwrap()).unwrap(),
            [bogus]
        );
        let words = r#"[{"kind":"spf","name":"shop.example","type":"TXT","status":"fail",
            "expected":"x","found":[],"message":"y","warnings":[],
            "dnssec":{"state":"bogus","zone":"shop.example","reason":"signatures expired"}}]"#;
        let read = decode(RECORDS_VERSION, words).unwrap();
        let reason = read[0].dnssec.as_ref().unwrap().reason.clone().unwrap();
        assert_eq!(reason.code, crate::text::codes::id::stored_text);
        assert_eq!(reason.en(), "signatures expired");
    }

    #[test]
    fn transition_reasons_are_stored_as_codes_and_older_words_still_read() {
        let reason = codes::history_checks_failed(
            3,
            "spf shop.example: fail",
            Arg::from(codes::history_changes("spf shop.example: pass → fail")),
        );
        let stored = encode_reason(&reason);
        assert_eq!(decode_reason(&stored), reason);
        assert_eq!(
            reason.en(),
            "3 consecutive checks failed: spf shop.example: fail (spf shop.example: pass → fail)"
        );
        let older = decode_reason("every required record passes");
        assert_eq!(older.code, codes::id::stored_text);
        assert_eq!(
            older.render(crate::text::Lang::Fr),
            "every required record passes"
        );
    }

    #[test]
    fn findings_read_by_the_kind_of_each_value() {
        // Every kind of argument: a number and a string (history_checks_failed), a finding
        // (history_changes) inside a list of findings (alternative), and words.
        let failed = codes::history_checks_failed(
            2,
            "dkim: fail",
            Arg::from(codes::history_changes("dkim: pass → fail")),
        );
        let reason = codes::alternative(Arg::all(vec![failed.clone(), failed]));
        assert_eq!(decode_reason(&encode_reason(&reason)), reason);
        let words: TextV4 = serde_json::from_str(r#""older words""#).unwrap();
        assert!(matches!(words, TextV4::Words(text) if text == "older words"));
        // An object argument with neither a code nor a list, or a value of another kind, is
        // refused, as the untagged form refused it.
        for bad in [r#"{"join":"and"}"#, "1.5", "true", "-1e3"] {
            assert!(serde_json::from_str::<ArgV4>(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<TextV4>("3").is_err());
    }

    #[test]
    fn a_stored_message_keeps_its_findings_and_an_older_one_its_words() {
        let no_headers = crate::message::dkim::MessageError::NoHeaders;
        let verdict = crate::message::MessageVerdict::unreadable(&no_headers);
        let message = crate::store::StoredMessage {
            id: "msg_1".into(),
            domain: "shop.example".into(),
            received_at: "2026-12-03T21:00:00Z".parse().unwrap(),
            client_ip: "192.0.2.1".into(),
            helo: "mx.example".into(),
            mail_from: String::new(),
            recipient: "t@in.example".into(),
            tls: false,
            headers: String::new(),
            verdict,
        };
        let stored = encode_message(&message).unwrap();
        let mut read = decode_message("shop.example", MESSAGE_VERSION, &stored).unwrap();
        assert_eq!(read.verdict.text, message.verdict.text);
        assert_eq!(read.verdict.arc.text, message.verdict.arc.text);
        read.verdict.localize(crate::text::Lang::Fr);
        assert!(
            read.verdict
                .reason
                .starts_with("ce n'est pas un message : "),
            "{}",
            read.verdict.reason
        );
        // As a release before 2026-12-04 stored it: no findings, the English words stay.
        let mut older: serde_json::Value = serde_json::from_str(&stored).unwrap();
        older.as_object_mut().unwrap().remove("findings");
        let mut read = decode_message("shop.example", MESSAGE_VERSION, &older.to_string()).unwrap();
        assert_eq!(read.verdict.text, None);
        read.verdict.localize(crate::text::Lang::Fr);
        assert_eq!(read.verdict.reason, message.verdict.reason);
    }
}

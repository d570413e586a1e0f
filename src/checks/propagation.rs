//! The same requirement judged from several views — the resolver's, and each authoritative
//! server's — and what their agreement says: `published` (servers and resolver pass),
//! `propagating` (the servers pass, the resolver still holds an older answer: expected to
//! pass once that answer's TTL runs out), `not_published` (no server has it) or
//! `inconsistent` (the servers disagree: a stale secondary, an update half done).
//!
//! Pure: the views are judged by `Plan::evaluate` elsewhere and only compared here.

use std::net::SocketAddr;

use chrono::{DateTime, Utc};

use super::{DnsSnapshot, DomainReport, Query, QueryType, RecordCheck, RecordStatus};
pub use crate::answer::ServerProblem;
use crate::text::{Text, codes};

/// What the views' agreement says of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropagationState {
    Published,
    Propagating,
    NotPublished,
    Inconsistent,
}

impl PropagationState {
    pub fn as_str(self) -> &'static str {
        match self {
            PropagationState::Published => "published",
            PropagationState::Propagating => "propagating",
            PropagationState::NotPublished => "not_published",
            PropagationState::Inconsistent => "inconsistent",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            PropagationState::Published,
            PropagationState::Propagating,
            PropagationState::NotPublished,
            PropagationState::Inconsistent,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// One authoritative server's verdict on a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerVerdict {
    /// The server's NS name.
    pub name: String,
    pub address: SocketAddr,
    /// `error` when it did not answer authoritatively.
    pub status: RecordStatus,
    /// The zone's serial it gave (`None`: it gave none).
    pub serial: Option<u32>,
    /// For `error`: why it gave no verdict (not asked, no answer within the budget, nothing
    /// listens, does not serve the zone, or the record's own lookup failure).
    pub reason: Option<Text>,
}

/// The resolver's verdict on a record and how long it may keep the answer it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolverVerdict {
    pub status: RecordStatus,
    /// Seconds the resolver may still serve its answer (for NXDOMAIN and NODATA, the
    /// negative TTL).
    pub ttl: Option<u32>,
}

/// A record seen from every view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Propagation {
    pub state: PropagationState,
    pub servers: Vec<ServerVerdict>,
    pub resolver: ResolverVerdict,
    /// When a propagating record is expected to pass at the resolver (now + what is left of
    /// the TTL it holds); `None` in every other state, or when the TTL is unknown.
    pub expected_at: Option<DateTime<Utc>>,
}

/// One authoritative server's view of the whole check.
#[derive(Clone, Debug)]
pub struct ServerReport {
    pub name: String,
    pub address: SocketAddr,
    /// The apex of the zone it serves (a check may meet several: `_domainkey` or `_dmarc`
    /// delegated to another provider).
    pub apex: String,
    /// The zone's serial, or why the server gave none.
    pub serial: Result<u32, ServerProblem>,
    /// The plan judged over this server's answers (the resolver's for names outside the zone).
    pub report: DomainReport,
}

/// Sets `propagation` on every record of `resolver` held by a zone whose servers were asked
/// (`zone_of` names the apex of the zone holding a record name), comparing it with the same
/// record judged from each of that zone's servers; adds a warning where the views say
/// something the record's status alone does not, and one per lame server.
/// Whether a record's verdict rests on an answer DNSSEC finds bogus.
fn is_bogus(record: &RecordCheck) -> bool {
    record
        .dnssec
        .as_ref()
        .is_some_and(|dnssec| dnssec.state == crate::answer::DnssecState::Bogus)
}

pub fn judge<'z>(
    resolver: &mut DomainReport,
    snapshot: &DnsSnapshot,
    all_servers: &[ServerReport],
    zone_of: impl Fn(&str) -> Option<&'z str>,
    now: DateTime<Utc>,
) {
    if all_servers.is_empty() {
        return;
    }
    for (index, record) in resolver.records.iter_mut().enumerate() {
        let Some(apex) = zone_of(&record.name) else {
            continue;
        };
        let servers: Vec<&ServerReport> = all_servers
            .iter()
            .filter(|server| server.apex == apex)
            .collect();
        if servers.is_empty() {
            continue;
        }
        let verdicts: Vec<ServerVerdict> = servers
            .iter()
            .map(|server| {
                let seen = server.report.records.get(index);
                let status = seen.map_or(RecordStatus::Error, |seen| seen.status);
                let bogus = seen.is_some_and(is_bogus);
                let reason =
                    (status == RecordStatus::Error || bogus).then(|| match &server.serial {
                        Err(problem) if !bogus => server_problem(problem),
                        _ => seen.map_or_else(codes::server_no_answer, |seen| seen.message.clone()),
                    });
                ServerVerdict {
                    name: server.name.clone(),
                    address: server.address,
                    status,
                    serial: server.serial.as_ref().ok().copied(),
                    reason,
                }
            })
            .collect();
        // A server whose answers do not validate (stale signatures on a secondary) fails every
        // receiver whose resolver picks it, whatever the resolver now caches: named on the record.
        if !is_bogus(record) {
            for (server, verdict) in servers.iter().zip(&verdicts) {
                let seen = server.report.records.get(index);
                if let Some(seen) = seen.filter(|seen| is_bogus(seen)) {
                    let cause = seen
                        .dnssec
                        .as_ref()
                        .and_then(|dnssec| dnssec.reason.clone())
                        .unwrap_or_else(codes::dnssec_not_valid);
                    record.warnings.push(codes::server_bogus(
                        &verdict.name,
                        verdict.address.ip().to_string(),
                        &record.name,
                        cause,
                    ));
                }
            }
        }
        // A lame server answers, so a resolver that picks it gets a referral or a refusal
        // instead of the record: named on every record of its zone, the verdict unchanged.
        for server in &servers {
            if let Err(problem @ ServerProblem::Lame { .. }) = &server.serial {
                record.warnings.push(codes::server_lame(
                    &server.name,
                    server.address.ip().to_string(),
                    server_problem(problem),
                ));
            }
        }
        let answered: Vec<&RecordCheck> = servers
            .iter()
            .filter_map(|server| server.report.records.get(index))
            .filter(|seen| seen.status != RecordStatus::Error)
            .collect();
        // No server answered for it (unreachable, or not authoritative): where the record
        // stands in propagation is unknown, which says nothing about the record itself, so no
        // warning (it would turn a passing domain's exit code to 1).
        let Some(first) = answered.first() else {
            continue;
        };
        let ttl = resolver_ttl(snapshot, record);
        let agree = answered
            .iter()
            .all(|seen| seen.status == first.status && same_found(seen, first));
        let state = if !agree {
            let views: Vec<Text> = servers
                .iter()
                .zip(&verdicts)
                .map(|(server, verdict)| {
                    let address = server.address.ip().to_string();
                    let status = verdict.status.as_str();
                    match &server.serial {
                        Ok(serial) => codes::server_view(&server.name, address, *serial, status),
                        Err(_) => codes::server_view_no_serial(&server.name, address, status),
                    }
                })
                .collect();
            record.warnings.push(codes::propagation_inconsistent(views));
            PropagationState::Inconsistent
        } else if first.status == RecordStatus::Pass {
            if record.status == RecordStatus::Pass {
                PropagationState::Published
            } else {
                PropagationState::Propagating
            }
        } else {
            if record.status == RecordStatus::Pass {
                record.warnings.push(match ttl {
                    Some(ttl) => codes::propagation_withdrawn_for(ttl),
                    None => codes::propagation_withdrawn(),
                });
            }
            PropagationState::NotPublished
        };
        let expected_at = (state == PropagationState::Propagating)
            .then(|| ttl.map(|ttl| now + chrono::Duration::seconds(i64::from(ttl))))
            .flatten();
        if state == PropagationState::Propagating
            && let Some(fix) = &mut record.fix
        {
            // Nothing to publish: telling the customer to publish again would only make them
            // doubt a record that is right.
            fix.actions.clear();
            fix.explanation = Some(match expected_at {
                Some(at) => codes::propagation_nothing_to_change_by(
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
                None => codes::propagation_nothing_to_change(),
            });
        }
        if state == PropagationState::Propagating {
            record.warnings.push(match expected_at {
                Some(at) => codes::propagation_propagating_until(
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
                None => codes::propagation_propagating(),
            });
        }
        record.propagation = Some(Propagation {
            state,
            servers: verdicts,
            resolver: ResolverVerdict {
                status: record.status,
                ttl,
            },
            expected_at,
        });
    }
}

/// Why an authoritative server gave no verdict, as a finding.
pub fn server_problem(problem: &ServerProblem) -> Text {
    match problem {
        ServerProblem::HeldBack { since } => {
            codes::server_held_back(since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        }
        ServerProblem::NoAnswer { waited } => {
            codes::server_timed_out(u64::try_from(waited.as_millis()).unwrap_or(u64::MAX))
        }
        ServerProblem::PortClosed { port } => codes::server_port_closed(*port),
        ServerProblem::Lame { apex, answered } => codes::server_not_serving(apex, answered),
        ServerProblem::Other(reason) => codes::dns_other(reason),
    }
}

/// When every required record is expected to pass everywhere: the latest `expected_at` of
/// those propagating, `checked_at` when all are published (or pass with no propagation
/// known). `None` when one is not published, inconsistent, or failing without a view.
pub fn valid_after(records: &[RecordCheck], checked_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut latest = checked_at;
    for record in records.iter().filter(|record| record.required) {
        match &record.propagation {
            Some(propagation) => match propagation.state {
                PropagationState::Published => {}
                PropagationState::Propagating => latest = latest.max(propagation.expected_at?),
                PropagationState::NotPublished | PropagationState::Inconsistent => return None,
            },
            None if record.status == RecordStatus::Pass => {}
            None => return None,
        }
    }
    Some(latest)
}

fn same_found(a: &RecordCheck, b: &RecordCheck) -> bool {
    let mut a = a.found.clone();
    let mut b = b.found.clone();
    a.sort();
    b.sort();
    a == b
}

/// The TTL of the resolver's answer for the record's own name and type.
fn resolver_ttl(snapshot: &DnsSnapshot, record: &RecordCheck) -> Option<u32> {
    let query_type = match record.record_type.as_str() {
        "CNAME" => QueryType::Cname,
        "MX" => QueryType::Mx,
        _ => QueryType::Txt,
    };
    snapshot
        .ttl(&Query::new(&record.name, query_type))
        .or_else(|| snapshot.ttl(&Query::txt(&record.name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{Dnssec, DnssecState};
    use crate::checks::{Fix, RecordKind};

    fn dmarc(state: DnssecState, status: RecordStatus) -> RecordCheck {
        let name = "_dmarc.shop.example";
        let mut check = RecordCheck::new(
            RecordKind::Dmarc,
            name,
            "TXT",
            crate::text::codes::expect_dmarc(),
            Fix::txt(name, "v=DMARC1; p=none"),
        );
        let cause = "signatures on TXT _dmarc.shop.example expired on 2026-11-20 00:00 UTC";
        check.status = status;
        if state == DnssecState::Bogus {
            check.message = crate::text::codes::dnssec_bogus(cause);
        }
        check.dnssec = Some(Dnssec::new(
            state,
            Some("shop.example".into()),
            (state == DnssecState::Bogus).then(|| crate::text::codes::value(cause)),
        ));
        check
    }

    #[test]
    fn a_server_serving_stale_signatures_is_named_while_the_resolver_passes() {
        let mut resolver = DomainReport::new(
            "shop.example",
            "mandrill",
            vec![dmarc(DnssecState::Secure, RecordStatus::Pass)],
        );
        let server = |name: &str, last: u8, state, status| ServerReport {
            name: name.into(),
            address: SocketAddr::from(([192, 0, 2, last], 53)),
            apex: "shop.example".into(),
            serial: Ok(7),
            report: DomainReport::new("shop.example", "mandrill", vec![dmarc(state, status)]),
        };
        let servers = [
            server(
                "ns1.shop.example",
                1,
                DnssecState::Secure,
                RecordStatus::Pass,
            ),
            server(
                "ns2.shop.example",
                2,
                DnssecState::Bogus,
                RecordStatus::Fail,
            ),
        ];
        judge(
            &mut resolver,
            &DnsSnapshot::new(),
            &servers,
            |_| Some("shop.example"),
            Utc::now(),
        );
        let record = &resolver.records[0];
        assert!(
            record
                .warnings
                .iter()
                .any(|warning| warning.en().starts_with(
                    "ns2.shop.example (192.0.2.2) serves _dmarc.shop.example with DNSSEC that does \
                 not validate: signatures on TXT _dmarc.shop.example expired on 2026-11-20"
                )),
            "{:?}",
            record.warnings
        );
        let verdicts = &record.propagation.as_ref().unwrap().servers;
        assert_eq!(verdicts[0].reason, None);
        assert!(
            verdicts[1]
                .reason
                .as_ref()
                .unwrap()
                .en()
                .contains("expired on 2026-11-20"),
            "{verdicts:?}"
        );
    }
}

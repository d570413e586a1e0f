//! The authoritative view: the zone that holds a domain, its name servers, and each server
//! asked directly (recursion not desired), so a check can tell a record nobody published from
//! one the resolver still hides behind a cached answer, or one the zone's servers disagree on.
//!
//! Discovery goes through the resolver: one SOA query names the zone's apex (the SOA sits in
//! the answer for an apex, in the authority section of any other answer), one NS query lists
//! its servers, one A query per server name gives the addresses (AAAA only for a server
//! without IPv4). A name that is a CNAME is walked up a label at a time.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use futures_util::future::join_all;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};

use super::transport::ExchangeError;
use super::{Resolved, Resolver, Route, absolute_free, wire_name, with_derived};
use crate::answer::{Answer, DnsSnapshot, Observed, Origin, Query, QueryType, ServerProblem};

/// The most servers of one zone asked (addresses, over all its NS names).
pub const MAX_SERVERS: usize = 8;
/// Labels walked up from the domain before giving up on finding its zone.
const MAX_WALK: usize = 8;

/// A zone and the servers that serve it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    /// The apex, lower case, no trailing dot.
    pub apex: String,
    pub servers: Vec<NameServer>,
}

/// One authoritative server: its NS name and one of its addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameServer {
    pub name: String,
    pub address: SocketAddr,
}

/// The zones that hold a check's record names: usually one, more where a name below the
/// domain is delegated (`_domainkey` to a DKIM provider, `_dmarc` to a reporting service).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Zones {
    /// Each zone found, with its servers; the first holds the domain.
    pub zones: Vec<Zone>,
    /// Record name → apex of the zone holding it (names whose zone was not found are absent).
    pub apex_of: BTreeMap<String, String>,
}

impl Zones {
    /// The apex of the zone holding `name`, when it was found.
    pub fn apex(&self, name: &str) -> Option<&str> {
        self.apex_of.get(name).map(String::as_str)
    }

    /// The apexes of the zones found below `apex` (its delegated children).
    pub fn cuts_below(&self, apex: &str) -> Vec<String> {
        self.zones
            .iter()
            .map(|zone| zone.apex.clone())
            .filter(|other| other != apex && in_zone(other, apex))
            .collect()
    }
}

impl Resolver {
    /// The zones holding `domain` and each of `names` (the check's record names), with their
    /// servers on `port`. Each distinct name's zone cut is found by its own SOA walk, so a
    /// delegated `_domainkey` or `_dmarc` is asked of its own servers. `Err` when not even
    /// the domain's zone could be found.
    pub async fn zones_of(
        &self,
        domain: &str,
        names: &[String],
        port: u16,
    ) -> Result<Zones, String> {
        let mut distinct: Vec<&str> = std::iter::once(domain)
            .chain(names.iter().map(String::as_str))
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        let apexes = self.apexes_of(&distinct).await;
        let mut apex_of = BTreeMap::new();
        let mut domain_apex = Err(String::new());
        for (name, apex) in distinct.iter().zip(apexes) {
            match apex {
                Ok(apex) => {
                    if *name == domain {
                        domain_apex = Ok(apex.clone());
                    }
                    apex_of.insert(name.to_string(), apex);
                }
                Err(reason) if *name == domain => domain_apex = Err(reason),
                Err(reason) => tracing::debug!(%name, %reason, "no zone found"),
            }
        }
        let domain_apex = domain_apex?;
        let mut apexes: Vec<String> = apex_of.values().cloned().collect();
        apexes.sort_unstable();
        apexes.dedup();
        // The domain's zone first: its failure is the check's; a child's only its records'.
        apexes.retain(|apex| *apex != domain_apex);
        apexes.insert(0, domain_apex.clone());
        let found = join_all(apexes.iter().map(|apex| self.servers_of(apex, port))).await;
        let mut zones = Vec::new();
        for (apex, servers) in apexes.iter().zip(found) {
            match servers {
                Ok(zone) => zones.push(zone),
                Err(reason) if *apex == domain_apex => return Err(reason),
                Err(reason) => {
                    tracing::debug!(%apex, %reason, "no servers found for a delegated zone");
                    apex_of.retain(|_, held_by| held_by != apex);
                }
            }
        }
        Ok(Zones { zones, apex_of })
    }

    /// The zone that holds `name` and its servers (at most `MAX_SERVERS`), their addresses on
    /// `port`. `Err` says why the zone or its servers could not be found.
    pub async fn zone_of(&self, name: &str, port: u16) -> Result<Zone, String> {
        let apex = self.apex_of(name).await?;
        self.servers_of(&apex, port).await
    }

    /// The servers of the zone at `apex` (at most `MAX_SERVERS` addresses).
    async fn servers_of(&self, apex: &str, port: u16) -> Result<Zone, String> {
        let apex = apex.to_string();
        let ns = self.resolve(&Query::new(&apex, QueryType::Ns)).await;
        let mut hosts: Vec<String> = match ns {
            Answer::Records(hosts) => hosts.into_iter().map(|host| host.to_lowercase()).collect(),
            Answer::NxDomain | Answer::NoData => {
                return Err(format!("the zone {apex} lists no name servers"));
            }
            Answer::Failed(failure) => {
                return Err(format!(
                    "the name servers of {apex} could not be read: {failure}"
                ));
            }
        };
        hosts.sort();
        hosts.dedup();
        let addresses = join_all(hosts.iter().map(|host| self.addresses_of(host))).await;
        let mut servers = Vec::new();
        let mut problems = Vec::new();
        for (host, found) in hosts.iter().zip(addresses) {
            match found {
                Ok(ips) => servers.extend(ips.into_iter().map(|ip| NameServer {
                    name: host.clone(),
                    address: SocketAddr::new(ip, port),
                })),
                Err(problem) => problems.push(problem),
            }
        }
        servers.truncate(MAX_SERVERS);
        if servers.is_empty() {
            return Err(format!(
                "no address of a name server of {apex} was found: {}",
                problems.join("; ")
            ));
        }
        Ok(Zone { apex, servers })
    }

    /// The apex of the zone holding `name`.
    async fn apex_of(&self, name: &str) -> Result<String, String> {
        let mut found = self.apexes_of(&[name]).await;
        found
            .pop()
            .unwrap_or_else(|| Err(format!("no zone holding {name} was found")))
    }

    /// The apex of the zone holding each of `names`, in order. The walks go together, a round
    /// at a time, and each name is asked once a round however many walks reach it (two DKIM
    /// selectors that are CNAMEs both walk up to `_domainkey`). A walk at a name above another
    /// walk's name waits a round, and a walk at or above a name found in the zone at apex A,
    /// and at or below A, is in that zone too (no zone cut lies between an apex and a name of
    /// its zone) and asks nothing: the domain's own zone follows from `_dmarc`'s answer. The
    /// wait costs no time a walk would not already take: `zones_of` ends with its slowest
    /// walk, and a deeper walk that fails lets the waiting one ask the next round.
    async fn apexes_of(&self, names: &[&str]) -> Vec<Result<String, String>> {
        let mut walks: Vec<Walk> = names
            .iter()
            .map(|name| Walk {
                current: name.to_ascii_lowercase(),
                steps: 0,
                found: None,
            })
            .collect();
        // Each round moves every asked walk a label up or ends it, and may imply waiting ones;
        // the deepest pending walk never waits, so a walk waits at most MAX_WALK rounds.
        for _ in 0..2 * MAX_WALK + 1 {
            let pending: Vec<usize> = (0..walks.len())
                .filter(|&i| walks[i].found.is_none())
                .collect();
            if pending.is_empty() {
                break;
            }
            let mut asked: Vec<String> = Vec::new();
            for &i in &pending {
                let current = &walks[i].current;
                // A name above another walk's waits: the answer below may imply its zone.
                let waits = pending.iter().any(|&j| {
                    walks[j].current != *current && at_or_below(&walks[j].current, current)
                });
                if !waits && !asked.contains(current) {
                    asked.push(current.clone());
                }
            }
            let answers = join_all(asked.iter().map(|name| async move {
                let query = Query::new(name, QueryType::Soa);
                (name, self.resolve_full(&query, Route::FirstAnswer).await)
            }))
            .await;
            for (asked_name, resolved) in answers {
                for i in pending.iter().copied() {
                    if walks[i].current == *asked_name {
                        walks[i].take(names[i], &resolved);
                    }
                }
            }
            // What the answers imply for the walks that reached a name below which another
            // walk already found its zone.
            let known: Vec<(String, String)> = walks
                .iter()
                .filter_map(|walk| match &walk.found {
                    Some(Ok(apex)) => Some((walk.current.clone(), apex.clone())),
                    _ => None,
                })
                .collect();
            for walk in walks.iter_mut().filter(|walk| walk.found.is_none()) {
                if let Some((_, apex)) = known.iter().find(|(below, apex)| {
                    at_or_below(below, &walk.current) && at_or_below(&walk.current, apex)
                }) {
                    walk.found = Some(Ok(apex.clone()));
                }
            }
        }
        walks
            .into_iter()
            .zip(names)
            .map(|(walk, name)| {
                walk.found.unwrap_or_else(|| {
                    Err(format!(
                        "no zone holding {name} was found (no SOA in any answer)"
                    ))
                })
            })
            .collect()
    }

    async fn addresses_of(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        for query_type in [QueryType::A, QueryType::Aaaa] {
            match self.resolve(&Query::new(host, query_type)).await {
                Answer::Records(records) => {
                    let ips: Vec<IpAddr> = records.iter().filter_map(|r| r.parse().ok()).collect();
                    if !ips.is_empty() {
                        return Ok(ips);
                    }
                }
                Answer::NxDomain | Answer::NoData => {}
                Answer::Failed(failure) => {
                    return Err(format!(
                        "the address of {host} could not be read: {failure}"
                    ));
                }
            }
        }
        Err(format!("{host} has no address"))
    }

    /// The zone's serial as `server` gives it, or why it gives none: held back by the health
    /// memory, no answer, nothing listening, or a lame answer (no AA bit, REFUSED, SERVFAIL,
    /// no SOA at the apex).
    pub async fn serial_at(&self, server: SocketAddr, apex: &str) -> Result<u32, ServerProblem> {
        let apex_name = wire_name(apex).map_err(ServerProblem::Other)?;
        let started = std::time::Instant::now();
        let exchanged = self
            .transport
            .exchange_direct(server, &apex_name, RecordType::SOA, started + self.deadline)
            .await;
        let message = match exchanged {
            Ok(message) => message,
            Err(ExchangeError::HeldBack(held)) => {
                return Err(ServerProblem::HeldBack { since: held.since });
            }
            Err(ExchangeError::Timeout) => {
                return Err(ServerProblem::NoAnswer {
                    waited: started.elapsed(),
                });
            }
            Err(ExchangeError::Refused) => {
                return Err(ServerProblem::PortClosed {
                    port: server.port(),
                });
            }
            Err(ExchangeError::Io(reason)) => return Err(ServerProblem::Other(reason)),
        };
        let lame = |answered: &str| ServerProblem::Lame {
            apex: apex.to_string(),
            answered: answered.to_string(),
        };
        match message.metadata.response_code {
            ResponseCode::NoError if message.metadata.authoritative => {}
            ResponseCode::NoError | ResponseCode::NXDomain if !message.metadata.authoritative => {
                return Err(lame("it answers without the authoritative flag"));
            }
            ResponseCode::NXDomain => return Err(lame("it says the zone's name does not exist")),
            ResponseCode::Refused => return Err(lame("it answers REFUSED")),
            ResponseCode::ServFail => return Err(lame("it answers SERVFAIL")),
            other => return Err(lame(&format!("it answers {other}"))),
        }
        message
            .answers
            .iter()
            .find_map(|record| match &record.data {
                RData::SOA(soa) if record.name == apex_name => Some(soa.serial),
                _ => None,
            })
            .ok_or_else(|| lame("it has no SOA record at the apex"))
    }

    /// Asks `server`, authoritative for the zone at `apex`, every query whose name is in the
    /// zone; a query outside it, or the rest of a CNAME chain that leaves it, is answered from
    /// `outside` (the resolver's view of the same check) or, when that lacks it, the resolver.
    /// Names under one of `cuts` (child zones found for the check) belong to the child's
    /// servers, so they are answered from outside too.
    pub async fn observe_at(
        &self,
        server: SocketAddr,
        apex: &str,
        cuts: &[String],
        queries: Vec<Query>,
        outside: &DnsSnapshot,
    ) -> Vec<(Query, Observed)> {
        let Ok(apex_name) = wire_name(apex) else {
            return self.observe_all(queries).await;
        };
        let cuts: Vec<Name> = cuts.iter().filter_map(|cut| wire_name(cut).ok()).collect();
        let resolved = join_all(queries.iter().map(|query| {
            let apex_name = &apex_name;
            let cuts = &cuts;
            async move {
                let in_zone = wire_name(&query.name).is_ok_and(|name| {
                    apex_name.zone_of(&name) && !cuts.iter().any(|cut| cut.zone_of(&name))
                });
                let origin = if in_zone {
                    Origin::Server(server)
                } else {
                    Origin::Resolver
                };
                if !in_zone {
                    return (self.outside(query, outside).await, origin);
                }
                let route = Route::Direct {
                    server,
                    apex: apex_name,
                };
                let mut resolved = self.resolve_full(query, route).await;
                if let Some(target) = resolved.left_zone.take() {
                    let rest = Query::new(&absolute_free(&target), query.query_type);
                    let end = self.outside(&rest, outside).await;
                    resolved.answer = end.answer;
                    resolved.ttl = match (resolved.ttl, end.ttl) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                (resolved, origin)
            }
        }))
        .await;
        // Each answer keeps its own origin; derived CNAMEs take their query's and come after
        // every asked one, which they never replace.
        let mut asked = Vec::new();
        let mut derived = Vec::new();
        for (query, (resolved, origin)) in queries.iter().zip(resolved) {
            let mut one = with_derived(std::slice::from_ref(query), vec![resolved], &origin);
            derived.extend(one.drain(1..));
            asked.extend(one);
        }
        derived.retain(|(query, _)| !queries.contains(query));
        derived.sort_by(|a, b| a.0.cmp(&b.0));
        derived.dedup_by(|a, b| a.0 == b.0);
        asked.extend(derived);
        asked
    }

    /// The resolver's answer to a query outside the zone: from the check's own resolver view
    /// when it has it, else asked.
    async fn outside(&self, query: &Query, outside: &DnsSnapshot) -> Resolved {
        if let Some(answer) = outside.get(query) {
            return Resolved {
                answer: answer.clone(),
                ttl: outside.ttl(query),
                cname: outside.get(&Query::cname(&query.name)).cloned(),
                zone_apex: None,
                left_zone: None,
                dnssec: outside.dnssec(query).cloned(),
            };
        }
        self.resolve_full(query, Route::Recursive).await
    }
}

/// One name's walk up to the apex of its zone.
struct Walk {
    /// The name asked next (lower case, no trailing dot).
    current: String,
    /// Names asked so far.
    steps: usize,
    /// The apex, or why none was found; `None` while walking.
    found: Option<Result<String, String>>,
}

impl Walk {
    /// Takes the SOA answer for `current` (the walk of `name`): the apex when the answer's
    /// SOA holds it, else a label up — a CNAME's answer speaks of another zone, and an answer
    /// may carry no SOA — until `MAX_WALK` names were asked.
    fn take(&mut self, name: &str, resolved: &Resolved) {
        self.steps += 1;
        if let Answer::Failed(failure) = &resolved.answer {
            self.found = Some(Err(format!(
                "the zone of {name} could not be found: {failure}"
            )));
            return;
        }
        let asked = match wire_name(&self.current) {
            Ok(asked) => asked,
            Err(reason) => {
                self.found = Some(Err(reason));
                return;
            }
        };
        let is_alias = matches!(&resolved.cname, Some(Answer::Records(_)));
        if !is_alias
            && let Some(apex) = &resolved.zone_apex
            && apex.zone_of(&asked)
        {
            self.found = Some(Ok(absolute_free(apex).to_ascii_lowercase()));
            return;
        }
        match self.current.split_once('.') {
            Some((_, parent)) if parent.contains('.') && self.steps < MAX_WALK => {
                self.current = parent.to_string();
            }
            _ => {
                self.found = Some(Err(format!(
                    "no zone holding {name} was found (no SOA in any answer)"
                )));
            }
        }
    }
}

/// `in_zone` for the walk's names (lower case, no trailing dot), without building names: a
/// name with an escape in it is left to `in_zone`.
fn at_or_below(name: &str, apex: &str) -> bool {
    if name.contains('\\') || apex.contains('\\') {
        return in_zone(name, apex);
    }
    apex.is_empty()
        || name == apex
        || name
            .strip_suffix(apex)
            .is_some_and(|head| head.ends_with('.') && head.len() > 1)
}

/// Whether `name` is `apex` or under it.
pub fn in_zone(name: &str, apex: &str) -> bool {
    match (
        Name::from_ascii(format!("{name}.")),
        Name::from_ascii(format!("{apex}.")),
    ) {
        (Ok(name), Ok(apex)) => apex.zone_of(&name),
        _ => false,
    }
}

//! DNS resolution: the only module that knows hickory. Turns every lookup into an `Answer`:
//! records, NXDOMAIN, NODATA, or a failure that is never mistaken for "no record". Queries go
//! through `transport` (adaptive timeouts and windows per server, RFC 5452 spoofing resistance);
//! hickory provides the wire format and the system configuration.

mod authoritative;
pub mod dnssec;
pub mod health;
mod transport;

pub use authoritative::{MAX_SERVERS, NameServer, Zone, Zones, in_zone};

pub use transport::{MIN_RTO, ServerStats};

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::{TokioResolver, system_conf};

use crate::answer::{
    Answer, Dnssec, DnssecState, LookupFailure, Observed, Origin, Query, QueryType,
};

/// How to reach DNS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolverSettings {
    /// Servers to ask, each over UDP with TCP fallback; empty means the system resolver.
    pub nameservers: Vec<SocketAddr>,
    /// How long one attempt of one query may take.
    pub timeout: Duration,
    /// Attempts per query before it counts as timed out.
    pub attempts: usize,
    /// The port the zone's authoritative servers are asked on; `None` turns the authoritative
    /// view off (every check then asks the resolver only).
    pub authoritative_port: Option<u16>,
    /// The most the authoritative view may add to a check beyond the resolver's answers: the
    /// zone's servers still silent by then are reported as such, and the verdict is the
    /// resolver's.
    pub authoritative_budget: Duration,
    /// Validate every answer a verdict rests on (DNSSEC) from the trust anchors.
    pub dnssec: bool,
    /// A file of DS or DNSKEY records trusted instead of the IANA root anchors.
    pub trust_anchors: Option<std::path::PathBuf>,
}

/// `[dns] authoritative_budget` unless configured.
pub const DEFAULT_AUTHORITATIVE_BUDGET: Duration = Duration::from_secs(1);

impl Default for ResolverSettings {
    fn default() -> Self {
        ResolverSettings {
            nameservers: Vec::new(),
            timeout: Duration::from_secs(2),
            attempts: 2,
            authoritative_port: None,
            authoritative_budget: DEFAULT_AUTHORITATIVE_BUDGET,
            dnssec: true,
            trust_anchors: None,
        }
    }
}

/// Why a resolver could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ResolverError {
    #[error("cannot read the system resolver configuration")]
    SystemConfig(#[source] NetError),
    #[error("cannot build the DNS resolver")]
    Build(#[source] NetError),
    #[error("cannot use the DNSSEC trust anchors: {0}")]
    TrustAnchors(String),
}

/// Counters of the answers this resolver has seen, by outcome.
#[derive(Debug, Default)]
pub struct QueryCounters {
    pub answer: AtomicU64,
    pub nxdomain: AtomicU64,
    pub nodata: AtomicU64,
    pub timeout: AtomicU64,
    pub servfail: AtomicU64,
    pub refused: AtomicU64,
    pub other: AtomicU64,
    /// Answers by DNSSEC status (validated answers only).
    pub dnssec_secure: AtomicU64,
    pub dnssec_insecure: AtomicU64,
    pub dnssec_bogus: AtomicU64,
    pub dnssec_indeterminate: AtomicU64,
}

impl QueryCounters {
    fn count(&self, answer: &Answer) {
        let counter = match answer {
            Answer::Records(_) => &self.answer,
            Answer::NxDomain => &self.nxdomain,
            Answer::NoData => &self.nodata,
            Answer::Failed(LookupFailure::Timeout) => &self.timeout,
            Answer::Failed(LookupFailure::ServFail) => &self.servfail,
            Answer::Failed(LookupFailure::Refused) => &self.refused,
            Answer::Failed(LookupFailure::Unreachable(_)) => &self.other,
            Answer::Failed(LookupFailure::Other(_)) => &self.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn count_dnssec(&self, dnssec: Option<&Dnssec>) {
        let Some(dnssec) = dnssec else { return };
        let counter = match dnssec.state {
            DnssecState::Secure => &self.dnssec_secure,
            DnssecState::Insecure => &self.dnssec_insecure,
            DnssecState::Bogus => &self.dnssec_bogus,
            DnssecState::Indeterminate => &self.dnssec_indeterminate,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Every query answered so far, whatever the outcome.
    pub fn total(&self) -> u64 {
        [
            &self.answer,
            &self.nxdomain,
            &self.nodata,
            &self.timeout,
            &self.servfail,
            &self.refused,
            &self.other,
        ]
        .iter()
        .map(|counter| counter.load(Ordering::Relaxed))
        .sum()
    }
}

/// A DNS client with caching off, so every check sees DNS as it is now.
#[derive(Clone)]
pub struct Resolver {
    /// Kept for mail-auth's API only: every query of sendercheck goes through `transport`.
    inner: TokioResolver,
    transport: Arc<transport::Transport>,
    /// Hard stop for one query, whatever hickory's retries do.
    deadline: Duration,
    counters: Arc<QueryCounters>,
    /// The configured servers (empty: the system's), to tell "nothing listens" from a timeout.
    nameservers: Arc<Vec<SocketAddr>>,
    /// When the servers were last found refusing connections; rechecked after a few seconds.
    refused_at: Arc<std::sync::Mutex<Option<(std::time::Instant, bool)>>>,
    authoritative_port: Option<u16>,
    authoritative_budget: Duration,
    /// Validates answers (`None`: DNSSEC is off).
    validator: Option<Arc<dnssec::Validator>>,
}

/// How long a "nothing listens there" finding is reused before the servers are probed again.
const REFUSAL_MEMORY: Duration = Duration::from_secs(5);

impl Resolver {
    pub fn new(settings: &ResolverSettings) -> Result<Self, ResolverError> {
        let mut addresses = settings.nameservers.clone();
        let config = if settings.nameservers.is_empty() {
            let (config, _) =
                system_conf::read_system_conf().map_err(ResolverError::SystemConfig)?;
            addresses = config
                .name_servers()
                .iter()
                .map(|server| SocketAddr::new(server.ip, port_of(server)))
                .collect();
            // Keep the system's servers, but never its search list: names are absolute.
            let servers = config
                .name_servers()
                .iter()
                .map(|server| udp_and_tcp(server.ip, port_of(server)))
                .collect();
            ResolverConfig::from_parts(None, vec![], servers)
        } else {
            let servers = settings
                .nameservers
                .iter()
                .map(|address| udp_and_tcp(address.ip(), address.port()))
                .collect();
            ResolverConfig::from_parts(None, vec![], servers)
        };
        let mut options = ResolverOpts::default();
        options.cache_size = 0;
        options.use_hosts_file = ResolveHosts::Never;
        options.timeout = settings.timeout;
        options.attempts = settings.attempts.max(1);
        options.ndots = 0;
        options.preserve_intermediates = false;
        let inner = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(options)
            .build()
            .map_err(ResolverError::Build)?;
        let attempts = u32::try_from(settings.attempts.max(1)).unwrap_or(u32::MAX);
        let transport = Arc::new(transport::Transport::new(&addresses, settings.timeout));
        let validator = if settings.dnssec {
            let anchors = match &settings.trust_anchors {
                Some(path) => dnssec::Anchors::load(path).map_err(ResolverError::TrustAnchors)?,
                None => dnssec::Anchors::builtin(),
            };
            Some(Arc::new(dnssec::Validator::new(transport.clone(), anchors)))
        } else {
            None
        };
        Ok(Resolver {
            inner,
            transport,
            validator,
            deadline: settings.timeout.saturating_mul(attempts) + Duration::from_millis(250),
            counters: Arc::new(QueryCounters::default()),
            nameservers: Arc::new(settings.nameservers.clone()),
            refused_at: Arc::default(),
            authoritative_port: settings.authoritative_port,
            authoritative_budget: settings.authoritative_budget,
        })
    }

    /// The port authoritative servers are asked on; `None` when the authoritative view is off.
    pub fn authoritative_port(&self) -> Option<u16> {
        self.authoritative_port
    }

    /// The most the authoritative view may add to a check beyond the resolver's answers.
    pub fn authoritative_budget(&self) -> Duration {
        self.authoritative_budget
    }

    /// Authoritative servers held back now (no answer lately), for `/metrics`.
    pub fn held_back_servers(&self) -> usize {
        self.transport
            .health()
            .held_count(std::time::Instant::now())
    }

    /// The answer counters shared by every clone of this resolver.
    pub fn counters(&self) -> &Arc<QueryCounters> {
        &self.counters
    }

    /// What the transport knows of each server: window, RTT, retransmits, losses.
    pub fn server_stats(&self) -> Vec<ServerStats> {
        self.transport.stats()
    }

    /// The resolver hickory runs on, for libraries that take one (mail-auth).
    pub fn hickory(&self) -> &TokioResolver {
        &self.inner
    }

    /// Asks every query at once and returns the answers in the same order.
    /// Beside each answer, what it shows of the asked name's CNAME (a server must put the
    /// CNAME of a name in any answer for it, RFC 1034 §3.6.2), so a check that needs both the
    /// TXT records and the CNAME of a name asks once.
    pub async fn resolve_all(&self, queries: Vec<Query>) -> Vec<(Query, Answer)> {
        self.observe_all(queries)
            .await
            .into_iter()
            .map(|(query, observed)| (query, observed.answer))
            .collect()
    }

    /// As `resolve_all`, each answer with its TTL and origin.
    pub async fn observe_all(&self, queries: Vec<Query>) -> Vec<(Query, Observed)> {
        let resolved = join_all(
            queries
                .iter()
                .map(|query| self.resolve_full(query, Route::Recursive)),
        )
        .await;
        with_derived(&queries, resolved, &Origin::Resolver)
    }

    /// Asks one query. Never fails: a DNS failure is an `Answer::Failed`.
    pub async fn resolve(&self, query: &Query) -> Answer {
        self.resolve_with_ttl(query).await.0
    }

    /// As `resolve`, with the smallest TTL of the records answered (for callers that may
    /// keep an answer: the DKIM key cache); the negative TTL for NXDOMAIN and NODATA.
    pub async fn resolve_with_ttl(&self, query: &Query) -> (Answer, Option<u32>) {
        let resolved = self.resolve_full(query, Route::Recursive).await;
        (resolved.answer, resolved.ttl)
    }

    async fn resolve_full(&self, query: &Query, route: Route<'_>) -> Resolved {
        let lookup = self.lookup(query, route);
        let mut resolved = match tokio::time::timeout(self.deadline, lookup).await {
            Ok(answered) => answered,
            Err(_) => Resolved::failed(LookupFailure::Timeout),
        };
        if matches!(route, Route::Recursive | Route::FirstAnswer)
            && resolved.answer == Answer::Failed(LookupFailure::Timeout)
            && self.nothing_listens().await
        {
            let servers: Vec<String> = self.nameservers.iter().map(ToString::to_string).collect();
            resolved.answer = Answer::Failed(LookupFailure::Unreachable(servers.join(", ")));
        }
        self.counters.count(&resolved.answer);
        self.counters.count_dnssec(resolved.dnssec.as_ref());
        tracing::trace!(%query, answer = ?resolved.answer, "dns answer");
        resolved
    }

    /// Whether every configured server refuses TCP connections: UDP cannot tell a silent
    /// server from an absent one, but a refused TCP connection says nothing listens there.
    /// Probed at most once per `REFUSAL_MEMORY`, so an outage costs no extra traffic.
    async fn nothing_listens(&self) -> bool {
        if self.nameservers.is_empty() {
            return false;
        }
        let remembered = *self
            .refused_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((at, refused)) = remembered
            && at.elapsed() < REFUSAL_MEMORY
        {
            return refused;
        }
        let mut refused = true;
        for server in self.nameservers.iter() {
            let connect = tokio::net::TcpStream::connect(server);
            match tokio::time::timeout(Duration::from_millis(500), connect).await {
                Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {}
                _ => refused = false,
            }
        }
        *self
            .refused_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((std::time::Instant::now(), refused));
        refused
    }

    async fn lookup(&self, query: &Query, route: Route<'_>) -> Resolved {
        // Absolute names only: no search domain may ever be appended.
        let name = match wire_name(&query.name) {
            Ok(name) => name,
            Err(reason) => return Resolved::failed(LookupFailure::Other(reason)),
        };
        let record_type = record_type(query.query_type);
        let deadline = std::time::Instant::now() + self.deadline;
        // A server that is authoritative rather than recursive answers a name that is a CNAME
        // into another zone with the CNAME alone: the chain is followed here, as a resolver
        // would, up to MAX_CNAME_HOPS.
        let mut current = name.clone();
        // What the first answer says of the asked name's own CNAME.
        let mut cname: Option<Answer> = None;
        // The worst DNSSEC status along the chain of answers.
        let mut dnssec: Option<Dnssec> = None;
        let validator = self
            .validator
            .as_ref()
            .filter(|_| validated_type(query.query_type) && !query.is_probe());
        for _ in 0..=MAX_CNAME_HOPS {
            let exchanged = match route {
                Route::Recursive | Route::FirstAnswer => match validator {
                    Some(validator) => {
                        validator
                            .exchange(None, &current, record_type, deadline)
                            .await
                    }
                    None => self
                        .transport
                        .exchange(&current, record_type, deadline)
                        .await
                        .map(dnssec::Validated::plain),
                },
                Route::Direct { server, apex } => {
                    if !apex.zone_of(&current) {
                        // The chain left the server's zone: the rest is the resolver's.
                        return Resolved {
                            answer: Answer::NoData,
                            ttl: None,
                            cname,
                            zone_apex: None,
                            left_zone: Some(current),
                            dnssec,
                        };
                    }
                    match validator {
                        Some(validator) => {
                            validator
                                .exchange(Some(server), &current, record_type, deadline)
                                .await
                        }
                        None => self
                            .transport
                            .exchange_direct(server, &current, record_type, deadline)
                            .await
                            .map(dnssec::Validated::plain),
                    }
                }
            };
            let message = match exchanged {
                Ok(validated) => {
                    dnssec = worse(dnssec, validated.dnssec);
                    validated.message
                }
                Err(transport::ExchangeError::Timeout) => {
                    return Resolved::failed(LookupFailure::Timeout);
                }
                Err(transport::ExchangeError::Refused) => {
                    let server = match route {
                        Route::Direct { server, .. } => server.to_string(),
                        Route::Recursive | Route::FirstAnswer => "the DNS server".to_string(),
                    };
                    return Resolved::failed(LookupFailure::Other(format!(
                        "nothing listens on {server} (port unreachable)"
                    )));
                }
                Err(transport::ExchangeError::HeldBack(held)) => {
                    return Resolved::failed(LookupFailure::Other(format!(
                        "not asked: no answer since {}",
                        held.since
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    )));
                }
                Err(transport::ExchangeError::Io(reason)) => {
                    return Resolved::failed(LookupFailure::Other(reason));
                }
            };
            if let Route::Direct { server, .. } = route
                && !message.metadata.authoritative
                && matches!(
                    message.metadata.response_code,
                    ResponseCode::NoError | ResponseCode::NXDomain
                )
            {
                // A referral to a zone below, or a server that is not (or no longer)
                // authoritative: its answer is no verdict on the zone's data.
                return Resolved::failed(LookupFailure::Other(format!(
                    "{server} does not answer authoritatively for {}",
                    absolute_free(&current)
                )));
            }
            let answer = classify(&message, record_type);
            if cname.is_none() && record_type != RecordType::CNAME {
                cname = own_cname(&message, &name, &answer);
            }
            let zone_apex = soa_owner(&message);
            if answer != Answer::NoData || record_type == RecordType::CNAME {
                let ttl = match answer {
                    Answer::Records(_) => message
                        .answers
                        .iter()
                        .filter(|record| record.record_type() == record_type)
                        .map(|record| record.ttl)
                        .min(),
                    _ => negative_ttl(&message),
                };
                return Resolved {
                    answer,
                    ttl,
                    cname,
                    zone_apex,
                    left_zone: None,
                    dnssec,
                };
            }
            match chain_end(&message, &current) {
                Some(target) if !matches!(route, Route::FirstAnswer) => current = target,
                _ => {
                    return Resolved {
                        answer,
                        ttl: negative_ttl(&message),
                        cname,
                        zone_apex,
                        left_zone: None,
                        dnssec,
                    };
                }
            }
        }
        let reason = format!(
            "{} is a chain of more than {MAX_CNAME_HOPS} CNAMEs",
            query.name
        );
        Resolved::failed(LookupFailure::Other(reason))
    }
}

/// The record types whose answers verdicts rest on, and so are validated: a zone's SOA and NS
/// (found for the authoritative view) are not, nor are look-alike wildcard probes
/// (`Query::is_probe`).
fn validated_type(query_type: QueryType) -> bool {
    !matches!(query_type, QueryType::Soa | QueryType::Ns)
}

/// The worse of two DNSSEC statuses along a chain of answers (the first on a tie).
fn worse(held: Option<Dnssec>, new: Option<Dnssec>) -> Option<Dnssec> {
    match (held, new) {
        (Some(held), Some(new)) if new.state > held.state => Some(new),
        (Some(held), _) => Some(held),
        (None, new) => new,
    }
}

/// How a lookup reaches DNS.
#[derive(Clone, Copy, Debug)]
enum Route<'a> {
    /// The configured resolver, recursion desired.
    Recursive,
    /// As `Recursive`, but the first answer is the lookup's: a CNAME is reported (in
    /// `Resolved::cname`), never followed. The zone walk asks this way: where a name is an
    /// alias, the zone of its target says nothing of the name's own.
    FirstAnswer,
    /// One authoritative server of the zone at `apex`, recursion not desired; a CNAME chain
    /// that leaves the zone stops there.
    Direct { server: SocketAddr, apex: &'a Name },
}

/// One lookup's outcome: the answer, its TTL, and what it showed of the name's own CNAME.
struct Resolved {
    answer: Answer,
    /// The smallest TTL of the records, or the negative TTL of NXDOMAIN and NODATA.
    ttl: Option<u32>,
    cname: Option<Answer>,
    /// The owner of the SOA the answer carried (answer or authority section): the apex of
    /// the zone that holds the name.
    zone_apex: Option<Name>,
    /// Where a CNAME chain left the zone of a direct lookup.
    left_zone: Option<Name>,
    /// What DNSSEC validation said of the answer (`None`: not validated).
    dnssec: Option<Dnssec>,
}

impl Resolved {
    fn failed(failure: LookupFailure) -> Self {
        Resolved {
            answer: Answer::Failed(failure),
            ttl: None,
            cname: None,
            zone_apex: None,
            left_zone: None,
            dnssec: None,
        }
    }
}

/// The answers in the order asked, then the CNAME answers derived from them (for names whose
/// CNAME was not asked itself).
fn with_derived(
    queries: &[Query],
    resolved: Vec<Resolved>,
    origin: &Origin,
) -> Vec<(Query, Observed)> {
    let mut all: Vec<(Query, Observed)> = Vec::with_capacity(queries.len() * 2);
    let mut derived = Vec::new();
    for (query, resolved) in queries.iter().zip(resolved) {
        if let Some(cname) = resolved.cname {
            let cname_query = Query::cname(&query.name);
            if !queries.contains(&cname_query) {
                derived.push((
                    cname_query,
                    Observed {
                        answer: cname,
                        ttl: resolved.ttl,
                        origin: origin.clone(),
                        dnssec: resolved.dnssec.clone(),
                    },
                ));
            }
        }
        all.push((
            query.clone(),
            Observed {
                answer: resolved.answer,
                ttl: resolved.ttl,
                origin: origin.clone(),
                dnssec: resolved.dnssec,
            },
        ));
    }
    derived.sort_by(|a, b| a.0.cmp(&b.0));
    derived.dedup_by(|a, b| a.0 == b.0);
    all.extend(derived);
    all
}

/// A query name as an absolute wire name. A name SPF may expand to can hold any octet in a
/// label (`foo:bar`, `x%20y`): such a name is sent as raw labels, as the wire format allows.
fn wire_name(name: &str) -> Result<Name, String> {
    Name::from_ascii(name)
        .or_else(|_| Name::from_labels(name.split('.').map(str::as_bytes)))
        .map(|mut wire| {
            wire.set_fqdn(true);
            wire
        })
        .map_err(|error| format!("{name} is not a valid DNS name: {error}"))
}

fn record_type(query_type: QueryType) -> RecordType {
    match query_type {
        QueryType::Txt => RecordType::TXT,
        QueryType::Cname => RecordType::CNAME,
        QueryType::A => RecordType::A,
        QueryType::Aaaa => RecordType::AAAA,
        QueryType::Mx => RecordType::MX,
        QueryType::Ptr => RecordType::PTR,
        QueryType::Soa => RecordType::SOA,
        QueryType::Ns => RecordType::NS,
    }
}

/// The owner of the SOA record an answer carries, in its answer or authority section.
fn soa_owner(message: &hickory_resolver::proto::op::Message) -> Option<Name> {
    message
        .answers
        .iter()
        .chain(message.authorities.iter())
        .find(|record| record.record_type() == RecordType::SOA)
        .map(|record| record.name.clone())
}

/// How long a negative answer may be kept (RFC 2308 §5): the TTL of the SOA in its authority
/// section, capped by the SOA's minimum field.
fn negative_ttl(message: &hickory_resolver::proto::op::Message) -> Option<u32> {
    message
        .authorities
        .iter()
        .find_map(|record| match &record.data {
            RData::SOA(soa) => Some(record.ttl.min(soa.minimum)),
            _ => None,
        })
}

/// What an answer for `name` says of `name`'s own CNAME: the CNAME record it carries, or, for an
/// answer that a CNAME would have had to appear in (NOERROR, NXDOMAIN), that there is none.
fn own_cname(
    message: &hickory_resolver::proto::op::Message,
    name: &Name,
    answer: &Answer,
) -> Option<Answer> {
    let target = message
        .answers
        .iter()
        .find_map(|record| match &record.data {
            RData::CNAME(target) if record.name == *name => Some(absolute_free(&target.0)),
            _ => None,
        });
    match (target, answer) {
        (Some(target), _) => Some(Answer::Records(vec![target])),
        (None, Answer::NxDomain) => Some(Answer::NxDomain),
        (None, Answer::NoData | Answer::Records(_)) => Some(Answer::NoData),
        (None, Answer::Failed(_)) => None,
    }
}

/// CNAMEs followed for one lookup, as resolvers bound them.
const MAX_CNAME_HOPS: usize = 8;

/// Where the CNAMEs of an answer lead from `name`, when they lead anywhere.
fn chain_end(message: &hickory_resolver::proto::op::Message, name: &Name) -> Option<Name> {
    let mut current = name.clone();
    let mut moved = false;
    for _ in 0..=MAX_CNAME_HOPS {
        let next = message
            .answers
            .iter()
            .find_map(|record| match &record.data {
                RData::CNAME(target) if record.name == current => Some(target.0.clone()),
                _ => None,
            });
        match next {
            Some(target) => {
                current = target;
                moved = true;
            }
            None => break,
        }
    }
    moved.then_some(current)
}

fn udp_and_tcp(ip: std::net::IpAddr, port: u16) -> NameServerConfig {
    let mut udp = ConnectionConfig::udp();
    udp.port = port;
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = port;
    NameServerConfig::new(ip, true, vec![udp, tcp])
}

fn port_of(server: &NameServerConfig) -> u16 {
    server
        .connections
        .first()
        .map_or(53, |connection| connection.port)
}

/// The text sendercheck compares for one record.
fn rdata_text(data: &RData) -> Option<String> {
    match data {
        // A TXT record's character-strings are one value, joined with no separator.
        RData::TXT(txt) => {
            let bytes: Vec<u8> = txt
                .txt_data
                .iter()
                .flat_map(|s| s.iter().copied())
                .collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        RData::CNAME(cname) => Some(absolute_free(&cname.0)),
        RData::MX(mx) => {
            // A null MX (RFC 7505) names the root: shown as "." rather than nothing.
            let exchange = if mx.exchange.is_root() {
                ".".to_string()
            } else {
                absolute_free(&mx.exchange)
            };
            Some(format!("{} {exchange}", mx.preference))
        }
        RData::PTR(ptr) => Some(absolute_free(&ptr.0)),
        RData::A(a) => Some(a.0.to_string()),
        RData::NS(ns) => Some(absolute_free(&ns.0)),
        RData::SOA(soa) => Some(format!(
            "{} {} {} {} {} {} {}",
            absolute_free(&soa.mname),
            absolute_free(&soa.rname),
            soa.serial,
            soa.refresh,
            soa.retry,
            soa.expire,
            soa.minimum
        )),
        RData::AAAA(aaaa) => Some(aaaa.0.to_string()),
        _ => None,
    }
}

fn absolute_free(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_string()
}

/// Reads an answer: NXDOMAIN and NODATA are answers; SERVFAIL, REFUSED and other codes are
/// failures with no verdict.
fn classify(message: &hickory_resolver::proto::op::Message, record_type: RecordType) -> Answer {
    match message.metadata.response_code {
        ResponseCode::NoError => {
            let records: Vec<String> = message
                .answers
                .iter()
                .filter(|record| record.record_type() == record_type)
                .filter_map(|record| rdata_text(&record.data))
                .collect();
            if records.is_empty() {
                Answer::NoData
            } else {
                Answer::Records(records)
            }
        }
        ResponseCode::NXDomain => Answer::NxDomain,
        ResponseCode::ServFail => match extended_error(message) {
            // A validating resolver may say why (a DNSSEC failure among them).
            Some(reason) => Answer::Failed(LookupFailure::Other(format!("SERVFAIL ({reason})"))),
            None => Answer::Failed(LookupFailure::ServFail),
        },
        ResponseCode::Refused => Answer::Failed(LookupFailure::Refused),
        other => Answer::Failed(LookupFailure::Other(format!("response code {other}"))),
    }
}

/// The Extended DNS Error (RFC 8914) an answer carries, in words: its code's name and the
/// server's extra text.
fn extended_error(message: &hickory_resolver::proto::op::Message) -> Option<String> {
    use hickory_resolver::proto::rr::rdata::opt::EdnsOption;
    const NAMES: [&str; 25] = [
        "other error",
        "unsupported DNSKEY algorithm",
        "unsupported DS digest type",
        "stale answer",
        "forged answer",
        "DNSSEC indeterminate",
        "DNSSEC bogus",
        "signature expired",
        "signature not yet valid",
        "DNSKEY missing",
        "RRSIGs missing",
        "no zone key bit set",
        "NSEC missing",
        "cached error",
        "not ready",
        "blocked",
        "censored",
        "filtered",
        "prohibited",
        "stale NXDOMAIN answer",
        "not authoritative",
        "not supported",
        "no reachable authority",
        "network error",
        "invalid data",
    ];
    let edns = message.edns.as_ref()?;
    edns.options()
        .as_ref()
        .iter()
        .find_map(|(_, option)| match option {
            EdnsOption::Unknown(15, data) if data.len() >= 2 => {
                let code = u16::from_be_bytes([data[0], data[1]]);
                let name = NAMES
                    .get(usize::from(code))
                    .map_or_else(|| format!("code {code}"), |name| (*name).to_string());
                let text = String::from_utf8_lossy(&data[2..]);
                let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
                Some(if text.is_empty() {
                    format!("extended DNS error {code}: {name}")
                } else {
                    format!("extended DNS error {code}: {name}: {text}")
                })
            }
            _ => None,
        })
}

/// The addresses the system gives `host` without asking DNS: its hosts file (`/etc/hosts`),
/// then RFC 6761 §6.3's rule that `localhost` and every name under it are the loopback
/// addresses. `None`: the system has no entry, so DNS decides. Read at each call (the file is
/// small, and an edit must count at once).
pub fn system_hosts(host: &str) -> Option<Vec<std::net::IpAddr>> {
    let name = Name::from_ascii(format!("{}.", host.trim_end_matches('.'))).ok()?;
    if let Ok(hosts) = hickory_resolver::Hosts::from_system() {
        let mut found = Vec::new();
        for record_type in [RecordType::A, RecordType::AAAA] {
            let query = hickory_resolver::proto::op::Query::query(name.clone(), record_type);
            if let Some(lookup) = hosts.lookup_static_host(&query) {
                found.extend(
                    lookup
                        .answers()
                        .iter()
                        .filter_map(|record| record.data.ip_addr()),
                );
            }
        }
        if !found.is_empty() {
            return Some(found);
        }
    }
    let localhost = Name::from_ascii("localhost.").ok()?;
    localhost.zone_of(&name).then(|| {
        vec![
            std::net::IpAddr::from(std::net::Ipv4Addr::LOCALHOST),
            std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ]
    })
}

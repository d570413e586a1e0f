//! The DNS answers a check works from, as plain data: the questions, what DNS said to each
//! (with its TTL, origin and DNSSEC status), and why a server said nothing. `dns/` fills them,
//! `checks/` judges them; neither depends on the other through these types.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Mutex;

/// The record types sendercheck asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueryType {
    Txt,
    Cname,
    A,
    Aaaa,
    Mx,
    Ptr,
    /// The zone's start of authority: finding a zone's apex and its serial.
    Soa,
    /// The zone's name servers.
    Ns,
}

impl fmt::Display for QueryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QueryType::Txt => "TXT",
            QueryType::Cname => "CNAME",
            QueryType::A => "A",
            QueryType::Aaaa => "AAAA",
            QueryType::Mx => "MX",
            QueryType::Ptr => "PTR",
            QueryType::Soa => "SOA",
            QueryType::Ns => "NS",
        })
    }
}

/// One question: a name (lower-case, no trailing dot) and a record type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Query {
    pub name: String,
    pub query_type: QueryType,
}

impl Query {
    pub fn new(name: &str, query_type: QueryType) -> Self {
        Query {
            name: normalize_name(name),
            query_type,
        }
    }

    pub fn txt(name: &str) -> Self {
        Self::new(name, QueryType::Txt)
    }

    pub fn cname(name: &str) -> Self {
        Self::new(name, QueryType::Cname)
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.query_type)
    }
}

/// The first label of a look-alike wildcard probe starts so (`checks/lookalike.rs`): a name no
/// one publishes, asked only to tell whether a wildcard answers. No verdict rests on it, so its
/// answer is not DNSSEC-validated.
pub const PROBE_LABEL_PREFIX: &str = "sendercheck-wildcard-probe-";

impl Query {
    /// Whether this is a look-alike wildcard probe.
    pub fn is_probe(&self) -> bool {
        self.name.starts_with(PROBE_LABEL_PREFIX)
    }
}

/// Lower-cases a DNS name and drops one trailing dot, so names compare as DNS compares them.
pub fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// An MX record's preference and host. A record without a preference (as older snapshots and
/// tests write them) is the host alone; a null MX (RFC 7505) has the host `.`.
pub fn mx_parts(record: &str) -> (Option<u16>, &str) {
    match record.split_once(' ') {
        Some((preference, host)) => match preference.parse() {
            Ok(preference) => (Some(preference), host.trim()),
            Err(_) => (None, record),
        },
        None => (None, record),
    }
}

/// Why DNS gave no verdict. Never to be read as "no such record".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupFailure {
    Timeout,
    ServFail,
    Refused,
    /// No DNS server listens at the configured addresses (UDP timed out, TCP refused).
    Unreachable(String),
    Other(String),
}

impl fmt::Display for LookupFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupFailure::Timeout => f.write_str("timed out"),
            LookupFailure::ServFail => f.write_str("SERVFAIL"),
            LookupFailure::Refused => f.write_str("REFUSED"),
            LookupFailure::Unreachable(servers) => write!(
                f,
                "no DNS server listens at {servers} (UDP timed out, TCP connection refused)"
            ),
            LookupFailure::Other(reason) => f.write_str(reason),
        }
    }
}

/// What DNS said to one query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// At least one record of the asked type. TXT records are their strings joined with no
    /// separator; CNAME records are target names without the trailing dot; MX records are
    /// `PREFERENCE HOST` (see `mx_parts`).
    Records(Vec<String>),
    /// The name does not exist.
    NxDomain,
    /// The name exists but has no record of this type.
    NoData,
    /// No verdict: timeout, SERVFAIL, REFUSED or another failure.
    Failed(LookupFailure),
}

impl Answer {
    /// The records, or an empty slice when the name has none (NXDOMAIN or NODATA).
    /// `Err` when DNS failed to answer.
    pub fn records(&self) -> Result<&[String], &LookupFailure> {
        match self {
            Answer::Records(records) => Ok(records),
            Answer::NxDomain | Answer::NoData => Ok(&[]),
            Answer::Failed(failure) => Err(failure),
        }
    }

    /// True for NXDOMAIN and NODATA: the "void lookups" of RFC 7208 §4.6.4.
    pub fn is_void(&self) -> bool {
        matches!(self, Answer::NxDomain | Answer::NoData)
            || matches!(self, Answer::Records(records) if records.is_empty())
    }
}

/// Where an answer came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// The configured resolver (or the system's).
    Resolver,
    /// One authoritative server of the zone, asked directly without recursion.
    Server(std::net::SocketAddr),
}

/// What DNSSEC validation (RFC 4035 §4.3) says of an answer, ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DnssecState {
    /// Signed, and every signature up to a trust anchor verifies.
    Secure,
    /// Proven unsigned: a parent proves there is no DS for the zone (or the chain ends in
    /// an algorithm no validator implements). Receivers accept it as it is.
    Insecure,
    /// Could not be decided: the chain could not be fetched, or the resolver strips DNSSEC
    /// records.
    Indeterminate,
    /// Signed, but the signatures do not verify (expired, no matching key, a DS matching no
    /// key, a record without signature): validating resolvers answer SERVFAIL.
    Bogus,
}

impl DnssecState {
    pub fn as_str(self) -> &'static str {
        match self {
            DnssecState::Secure => "secure",
            DnssecState::Insecure => "insecure",
            DnssecState::Indeterminate => "indeterminate",
            DnssecState::Bogus => "bogus",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            DnssecState::Secure,
            DnssecState::Insecure,
            DnssecState::Indeterminate,
            DnssecState::Bogus,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

impl fmt::Display for DnssecState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The DNSSEC status of one answer: its state, the zone that decided it and, when it is not
/// simply secure or insecure, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dnssec {
    pub state: DnssecState,
    /// The zone whose keys (or proven absence of them) decided the state.
    pub zone: Option<String>,
    /// For `bogus`, the cause and what to change; for `indeterminate`, why it could not be
    /// decided; for `insecure`, where the chain of trust ends.
    pub reason: Option<crate::text::Text>,
    /// A warning every record resting on this answer shows (a resolver that strips DNSSEC
    /// records, so nothing can be proven).
    pub warning: Option<crate::text::Text>,
}

impl Dnssec {
    pub fn new(
        state: DnssecState,
        zone: Option<String>,
        reason: Option<crate::text::Text>,
    ) -> Self {
        Dnssec {
            state,
            zone,
            reason,
            warning: None,
        }
    }
}

/// One answer as it was seen: what it said, for how long it may be kept (the smallest TTL of
/// its records; for NXDOMAIN and NODATA the negative TTL of RFC 2308 §5, the SOA's TTL capped
/// by its minimum), who said it and what DNSSEC says of it (`None`: not validated — DNSSEC is
/// off, or the answer was derived from another).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    pub answer: Answer,
    pub ttl: Option<u32>,
    pub origin: Origin,
    pub dnssec: Option<Dnssec>,
}

impl Observed {
    /// An answer from the resolver with no TTL known (tests, fixtures, derived answers).
    pub fn resolver(answer: Answer) -> Self {
        Observed {
            answer,
            ttl: None,
            origin: Origin::Resolver,
            dnssec: None,
        }
    }
}

/// What came with an answer beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    ttl: Option<u32>,
    origin: Origin,
    dnssec: Option<Dnssec>,
}

/// All answers gathered for one check, from one view (the resolver's, or one authoritative
/// server's with the resolver answering for names outside its zone).
#[derive(Debug, Default)]
pub struct DnsSnapshot {
    answers: BTreeMap<Query, Answer>,
    /// TTL, origin and DNSSEC status of the answers that came with them.
    seen: BTreeMap<Query, Seen>,
    /// While `reads` runs: every query whose answer was looked at.
    reading: Mutex<Option<BTreeSet<Query>>>,
}

impl Clone for DnsSnapshot {
    fn clone(&self) -> Self {
        DnsSnapshot {
            answers: self.answers.clone(),
            seen: self.seen.clone(),
            reading: Mutex::new(None),
        }
    }
}

impl PartialEq for DnsSnapshot {
    fn eq(&self, other: &Self) -> bool {
        self.answers == other.answers && self.seen == other.seen
    }
}

impl Eq for DnsSnapshot {}

impl DnsSnapshot {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, query: Query, answer: Answer) {
        self.seen.remove(&query);
        self.answers.insert(query, answer);
    }

    /// Keeps an answer with its TTL, origin and DNSSEC status.
    pub fn observe(&mut self, query: Query, observed: Observed) {
        self.seen.insert(
            query.clone(),
            Seen {
                ttl: observed.ttl,
                origin: observed.origin,
                dnssec: observed.dnssec,
            },
        );
        self.answers.insert(query, observed.answer);
    }

    /// The TTL an answer came with (`None`: unknown, or not asked).
    pub fn ttl(&self, query: &Query) -> Option<u32> {
        self.seen.get(query).and_then(|seen| seen.ttl)
    }

    /// Who answered a query (`None`: not asked, or inserted without an origin).
    pub fn origin(&self, query: &Query) -> Option<&Origin> {
        self.seen.get(query).map(|seen| &seen.origin)
    }

    /// What DNSSEC says of an answer (`None`: not validated, or not asked).
    pub fn dnssec(&self, query: &Query) -> Option<&Dnssec> {
        self.seen.get(query).and_then(|seen| seen.dnssec.as_ref())
    }

    /// Runs `judge` and returns, beside its result, every query whose answer it looked at:
    /// the answers a verdict rests on.
    pub fn reads<T>(&self, judge: impl FnOnce(&Self) -> T) -> (T, BTreeSet<Query>) {
        *self.reading_lock() = Some(BTreeSet::new());
        let judged = judge(self);
        let read = self.reading_lock().take().unwrap_or_default();
        (judged, read)
    }

    fn reading_lock(&self) -> std::sync::MutexGuard<'_, Option<BTreeSet<Query>>> {
        self.reading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every query asked, with its answer.
    pub fn iter(&self) -> impl Iterator<Item = (&Query, &Answer)> {
        self.answers.iter()
    }

    /// The answer to a query, or `None` when it has not been asked yet.
    pub fn get(&self, query: &Query) -> Option<&Answer> {
        if let Some(read) = self.reading_lock().as_mut()
            && !read.contains(query)
        {
            // Judging reads the same answers again and again (an SPF record once for every
            // address tried): a query is copied only the first time.
            read.insert(query.clone());
        }
        self.answers.get(query)
    }

    pub fn contains(&self, query: &Query) -> bool {
        self.answers.contains_key(query)
    }

    pub fn len(&self) -> usize {
        self.answers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }

    /// Builder used by tests and fixtures: a TXT answer.
    pub fn with_txt(mut self, name: &str, records: &[&str]) -> Self {
        self.insert(
            Query::txt(name),
            Answer::Records(records.iter().map(|r| r.to_string()).collect()),
        );
        self
    }

    /// Builder used by tests and fixtures: any answer.
    pub fn with(mut self, name: &str, query_type: QueryType, answer: Answer) -> Self {
        self.insert(Query::new(name, query_type), answer);
        self
    }
}

impl FromIterator<(Query, Answer)> for DnsSnapshot {
    fn from_iter<I: IntoIterator<Item = (Query, Answer)>>(iter: I) -> Self {
        let mut snapshot = DnsSnapshot::new();
        snapshot.extend(iter);
        snapshot
    }
}

impl Extend<(Query, Answer)> for DnsSnapshot {
    fn extend<I: IntoIterator<Item = (Query, Answer)>>(&mut self, iter: I) {
        for (query, answer) in iter {
            self.insert(query, answer);
        }
    }
}

impl Extend<(Query, Observed)> for DnsSnapshot {
    fn extend<I: IntoIterator<Item = (Query, Observed)>>(&mut self, iter: I) {
        for (query, observed) in iter {
            self.observe(query, observed);
        }
    }
}

/// Why an authoritative server gave no verdict on its zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerProblem {
    /// Held back by the health memory: it has given no answer since `since`.
    HeldBack {
        since: chrono::DateTime<chrono::Utc>,
    },
    /// No answer within `waited` (the authoritative budget, or the query's own deadline).
    NoAnswer { waited: std::time::Duration },
    /// Nothing listens at its port (ICMP port-unreachable).
    PortClosed { port: u16 },
    /// It answers, but not for the zone (no AA bit, REFUSED, SERVFAIL, no SOA): a lame
    /// delegation. The text says what it answered.
    Lame { apex: String, answered: String },
    /// Anything else (a socket error, a malformed name).
    Other(String),
}

impl std::fmt::Display for ServerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerProblem::HeldBack { since } => write!(
                f,
                "not asked: no answer since {}",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            ServerProblem::NoAnswer { waited } => {
                write!(f, "no answer within {} ms", waited.as_millis())
            }
            ServerProblem::PortClosed { port } => {
                write!(f, "refused: nothing listens on port {port}")
            }
            ServerProblem::Lame { apex, answered } => {
                write!(f, "does not serve {apex} ({answered})")
            }
            ServerProblem::Other(reason) => f.write_str(reason),
        }
    }
}

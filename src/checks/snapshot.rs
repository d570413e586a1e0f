//! The DNS answers one check works from: a plain map of query to answer, filled by `dns/`.

use std::collections::BTreeMap;
use std::fmt;

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

/// One answer as it was seen: what it said, for how long it may be kept (the smallest TTL of
/// its records; for NXDOMAIN and NODATA the negative TTL of RFC 2308 §5, the SOA's TTL capped
/// by its minimum) and who said it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    pub answer: Answer,
    pub ttl: Option<u32>,
    pub origin: Origin,
}

impl Observed {
    /// An answer from the resolver with no TTL known (tests, fixtures, derived answers).
    pub fn resolver(answer: Answer) -> Self {
        Observed {
            answer,
            ttl: None,
            origin: Origin::Resolver,
        }
    }
}

/// All answers gathered for one check, from one view (the resolver's, or one authoritative
/// server's with the resolver answering for names outside its zone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsSnapshot {
    answers: BTreeMap<Query, Answer>,
    /// TTL and origin of the answers that came with them.
    seen: BTreeMap<Query, (Option<u32>, Origin)>,
}

impl DnsSnapshot {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, query: Query, answer: Answer) {
        self.seen.remove(&query);
        self.answers.insert(query, answer);
    }

    /// Keeps an answer with its TTL and origin.
    pub fn observe(&mut self, query: Query, observed: Observed) {
        self.seen
            .insert(query.clone(), (observed.ttl, observed.origin));
        self.answers.insert(query, observed.answer);
    }

    /// The TTL an answer came with (`None`: unknown, or not asked).
    pub fn ttl(&self, query: &Query) -> Option<u32> {
        self.seen.get(query).and_then(|(ttl, _)| *ttl)
    }

    /// Who answered a query (`None`: not asked, or inserted without an origin).
    pub fn origin(&self, query: &Query) -> Option<&Origin> {
        self.seen.get(query).map(|(_, origin)| origin)
    }

    /// Every query asked, with its answer.
    pub fn iter(&self) -> impl Iterator<Item = (&Query, &Answer)> {
        self.answers.iter()
    }

    /// The answer to a query, or `None` when it has not been asked yet.
    pub fn get(&self, query: &Query) -> Option<&Answer> {
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

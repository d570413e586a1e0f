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

/// All answers gathered for one check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsSnapshot {
    answers: BTreeMap<Query, Answer>,
}

impl DnsSnapshot {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, query: Query, answer: Answer) {
        self.answers.insert(query, answer);
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
        DnsSnapshot {
            answers: iter.into_iter().collect(),
        }
    }
}

impl Extend<(Query, Answer)> for DnsSnapshot {
    fn extend<I: IntoIterator<Item = (Query, Answer)>>(&mut self, iter: I) {
        self.answers.extend(iter);
    }
}

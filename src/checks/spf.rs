//! SPF (RFC 7208): is the provider's include reached, and is the record one receivers accept?
//!
//! The record tree (includes and redirects) is walked over the snapshot. `queries` returns what
//! the walk could not yet see, so the shell fetches it and calls again; `evaluate` judges the
//! complete tree. Lookups are counted statically as the worst case over the whole tree
//! (RFC 7208 §4.6.4): every include, a, mx, ptr, exists and effective redirect counts one.

use std::borrow::Cow;

use mail_auth::common::parse::TxtRecordParser;
use mail_auth::spf::{Macro, Mechanism, Qualifier, Spf, Variable, Variables};

use super::snapshot::{Answer, DnsSnapshot, LookupFailure, Query, QueryType, normalize_name};
use super::{Fix, RecordCheck, RecordKind, RecordStatus};

/// DNS-querying terms allowed over the whole tree (RFC 7208 §4.6.4).
pub const MAX_LOOKUPS: usize = 10;
/// Lookups that may return no records before evaluation fails (RFC 7208 §4.6.4).
pub const MAX_VOID_LOOKUPS: usize = 2;
/// From this many lookups on, one more include breaks the record: warn.
const WARN_LOOKUPS: usize = 9;
/// Longer records risk UDP truncation and some providers' TXT limits.
const WARN_RECORD_BYTES: usize = 450;
/// How deep includes and redirects are followed; far beyond what the lookup limit allows.
const MAX_DEPTH: usize = 12;

const MECHANISMS: [&str; 8] = ["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"];

/// The SPF records among a name's TXT records: those starting `v=spf1` followed by a space or
/// the end of the record (RFC 7208 §4.5), compared case-insensitively.
pub fn spf_records(txt_records: &[String]) -> Vec<&str> {
    txt_records
        .iter()
        .map(String::as_str)
        .filter(|record| is_spf_record(record))
        .collect()
}

fn is_spf_record(record: &str) -> bool {
    let bytes = record.as_bytes();
    bytes.len() >= 6
        && bytes[..6].eq_ignore_ascii_case(b"v=spf1")
        && bytes.get(6).is_none_or(|&next| next == b' ')
}

/// The terms of an SPF record after its version, split on spaces as RFC 7208 §4.6.1 does.
fn terms(record: &str) -> impl Iterator<Item = &str> {
    record.split_ascii_whitespace().skip(1)
}

/// A term's qualifier and the rest of it.
fn split_qualifier(term: &str) -> (Option<char>, &str) {
    match term.chars().next() {
        Some(q @ ('+' | '-' | '~' | '?')) => (Some(q), &term[1..]),
        _ => (None, term),
    }
}

fn is_all(term: &str) -> bool {
    split_qualifier(term).1.eq_ignore_ascii_case("all")
}

/// Whether `text` starts with the ASCII `prefix`, compared without case. On bytes: a record may
/// hold any UTF-8, and slicing it at a fixed byte offset could split a character.
fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

fn is_redirect(term: &str) -> bool {
    term.len() > 9 && starts_with_ignore_case(term, "redirect=")
}

/// A modifier is `name=value`, where the name comes before any ':' or '/'.
fn is_modifier(term: &str) -> bool {
    let name_end = term.find([':', '/', '=']);
    name_end.is_some_and(|end| term.as_bytes()[end] == b'=')
}

/// The include target named by a term, if it is an include.
fn include_target(term: &str) -> Option<(Option<char>, String)> {
    let (qualifier, rest) = split_qualifier(term);
    if !starts_with_ignore_case(rest, "include:") {
        return None;
    }
    // The prefix is ASCII, so byte 8 is a character boundary.
    Some((qualifier, normalize_name(&rest[8..])))
}

/// Why a single term makes the record invalid, or `None` when it is valid. mail-auth parses the
/// term's syntax; it accepts unknown mechanisms as if they were modifiers, which RFC 7208 §5
/// makes a permanent error, so the mechanism name is checked here too.
fn term_error(term: &str) -> Option<String> {
    if !is_modifier(term) {
        let name = split_qualifier(term).1;
        let name = &name[..name.find([':', '/']).unwrap_or(name.len())];
        if !MECHANISMS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(name))
        {
            return Some(format!("unknown mechanism '{term}'"));
        }
    }
    if let Some(error) = address_error(term) {
        return Some(error);
    }
    match Spf::parse(format!("v=spf1 {term}").as_bytes()) {
        Ok(_) => None,
        Err(_) => Some(format!("invalid term '{term}'")),
    }
}

/// mail-auth reads `ip4:192.0.2.300` as some address; RFC 7208 §5.6 wants a real one, with a
/// prefix length no longer than the address.
fn address_error(term: &str) -> Option<String> {
    let rest = split_qualifier(term).1;
    let (mechanism, value) = rest.split_once(':')?;
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let (address_ok, max_prefix) = if mechanism.eq_ignore_ascii_case("ip4") {
        (address.parse::<std::net::Ipv4Addr>().is_ok(), 32)
    } else if mechanism.eq_ignore_ascii_case("ip6") {
        (address.parse::<std::net::Ipv6Addr>().is_ok(), 128)
    } else {
        return None;
    };
    if !address_ok {
        return Some(format!("invalid address in '{term}'"));
    }
    let prefix_ok = prefix.is_none_or(|prefix| {
        prefix.len() <= 3
            && prefix
                .parse::<u8>()
                .is_ok_and(|length| length <= max_prefix)
    });
    (!prefix_ok).then(|| format!("invalid prefix length in '{term}'"))
}

/// Parses a whole record with mail-auth, naming the bad terms when it is invalid.
fn parse_record(record: &str) -> Result<Spf, Vec<String>> {
    let term_errors: Vec<String> = terms(record).filter_map(term_error).collect();
    if !term_errors.is_empty() {
        return Err(term_errors);
    }
    Spf::parse(record.as_bytes()).map_err(|_| {
        // Each term is valid alone, so the combination is wrong: a repeated modifier.
        vec!["a modifier (redirect= or exp=) appears more than once".to_string()]
    })
}

/// Whether a macro expands to a name that depends only on the checked domain (`%{d}`), so the
/// walk can follow it without knowing the sender or the connecting IP.
fn depends_only_on_domain(macro_string: &Macro) -> bool {
    match macro_string {
        Macro::Literal(_) | Macro::None => true,
        Macro::Variable { letter, .. } => matches!(letter, Variable::Domain),
        Macro::List(items) => items.iter().all(depends_only_on_domain),
    }
}

/// The host a mechanism or modifier names, with `%{d}` expanded; `None` when it depends on the
/// sender or the connecting IP.
fn target_of(macro_string: &Macro, domain: &str) -> Option<String> {
    if !depends_only_on_domain(macro_string) {
        return None;
    }
    let mut variables = Variables::new();
    variables.set_domain(domain.as_bytes().to_vec());
    let expanded: Cow<'_, str> = macro_string.eval(&variables, domain, false);
    Some(normalize_name(&expanded))
}

/// How the walk found the required include.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reach {
    NotFound,
    /// Present only after an `all` mechanism, where evaluation never gets to it.
    AfterAll {
        record: String,
    },
    /// Present with a qualifier other than `+`, so it never authorises the provider.
    BadQualifier {
        record: String,
        qualifier: char,
    },
    Reached,
}

impl Reach {
    fn rank(&self) -> u8 {
        match self {
            Reach::NotFound => 0,
            Reach::AfterAll { .. } => 1,
            Reach::BadQualifier { .. } => 2,
            Reach::Reached => 3,
        }
    }
}

/// The state of one walk over a record tree.
struct Walk<'s> {
    snapshot: &'s DnsSnapshot,
    required: &'s str,
    lookups: usize,
    /// True when the walk stopped following includes because the limit was already passed,
    /// so `lookups` is a lower bound.
    truncated: bool,
    void_lookups: usize,
    needed: Vec<Query>,
    failures: Vec<(Query, LookupFailure)>,
    problems: Vec<String>,
    warnings: Vec<String>,
    reach: Reach,
}

impl<'s> Walk<'s> {
    fn new(snapshot: &'s DnsSnapshot, required: &'s str) -> Self {
        Walk {
            snapshot,
            required,
            lookups: 0,
            truncated: false,
            void_lookups: 0,
            needed: Vec::new(),
            failures: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            reach: Reach::NotFound,
        }
    }

    fn note_reach(&mut self, reach: Reach) {
        if reach.rank() > self.reach.rank() {
            self.reach = reach;
        }
    }

    /// The answer to a query, recording it as needed or failed when there is none to use.
    fn answer(&mut self, query: Query) -> Option<&'s Answer> {
        match self.snapshot.get(&query) {
            None => {
                self.needed.push(query);
                None
            }
            Some(Answer::Failed(failure)) => {
                self.failures.push((query, failure.clone()));
                None
            }
            Some(answer) => Some(answer),
        }
    }

    /// Walks one parsed record published at `domain`; `path` holds the records being evaluated
    /// above it, to detect loops.
    fn record(&mut self, domain: &str, spf: &Spf, path: &mut Vec<String>) {
        let all_index = spf
            .directives
            .iter()
            .position(|directive| matches!(directive.mechanism, Mechanism::All));
        for (index, directive) in spf.directives.iter().enumerate() {
            match &directive.mechanism {
                Mechanism::Include { macro_string } => {
                    self.lookups += 1;
                    let Some(target) = target_of(macro_string, domain) else {
                        self.warnings.push(format!(
                            "an include in the SPF record of {domain} depends on the sender and \
                             was not followed"
                        ));
                        continue;
                    };
                    if target == self.required {
                        let reach = if all_index.is_some_and(|all| index > all) {
                            Reach::AfterAll {
                                record: domain.to_string(),
                            }
                        } else if directive.qualifier != Qualifier::Pass {
                            Reach::BadQualifier {
                                record: domain.to_string(),
                                qualifier: qualifier_char(&directive.qualifier),
                            }
                        } else {
                            Reach::Reached
                        };
                        self.note_reach(reach);
                    }
                    self.follow(&target, "include", path);
                }
                Mechanism::A { macro_string, .. } => {
                    self.lookups += 1;
                    if let Some(target) = target_of(macro_string, domain) {
                        self.void_check(&[
                            Query::new(&target, QueryType::A),
                            Query::new(&target, QueryType::Aaaa),
                        ]);
                    }
                }
                Mechanism::Mx { macro_string, .. } => {
                    self.lookups += 1;
                    if let Some(target) = target_of(macro_string, domain) {
                        self.void_check(&[Query::new(&target, QueryType::Mx)]);
                    }
                }
                Mechanism::Ptr { .. } => {
                    self.lookups += 1;
                    self.warnings.push(format!(
                        "the SPF record of {domain} uses 'ptr', which RFC 7208 §5.5 says not to \
                         use: it is slow and many receivers ignore it"
                    ));
                }
                Mechanism::Exists { .. } => self.lookups += 1,
                Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {}
            }
        }
        // RFC 7208 §6.1: a redirect has no effect when the record has an `all` mechanism.
        if let (None, Some(redirect)) = (all_index, &spf.redirect) {
            self.lookups += 1;
            match target_of(redirect, domain) {
                Some(target) => {
                    if target == self.required {
                        self.note_reach(Reach::Reached);
                    }
                    self.follow(&target, "redirect", path);
                }
                None => self.warnings.push(format!(
                    "the redirect in the SPF record of {domain} depends on the sender and was \
                     not followed"
                )),
            }
        }
    }

    /// Follows an include or redirect to the record at `target`.
    fn follow(&mut self, target: &str, how: &str, path: &mut Vec<String>) {
        if path.iter().any(|above| above == target) {
            self.problems.push(format!(
                "{how}:{target} loops back to a record already being evaluated"
            ));
            return;
        }
        if self.lookups > MAX_LOOKUPS {
            self.truncated = true;
            return;
        }
        if path.len() >= MAX_DEPTH {
            self.problems
                .push(format!("{how}:{target} is nested too deeply to evaluate"));
            return;
        }
        let Some(answer) = self.answer(Query::txt(target)) else {
            return;
        };
        if answer.is_void() {
            self.void_lookups += 1;
        }
        let records = answer.records().unwrap_or_default();
        match spf_records(records).as_slice() {
            [] => self
                .problems
                .push(format!("{how}:{target} has no SPF record")),
            [record] => match parse_record(record) {
                Ok(spf) => {
                    path.push(target.to_string());
                    self.record(target, &spf, path);
                    path.pop();
                }
                Err(errors) => self.problems.push(format!(
                    "the SPF record of {target} (reached by {how}) is invalid: {}",
                    errors.join(", ")
                )),
            },
            several => self.problems.push(format!(
                "{target} (reached by {how}) has {} SPF records",
                several.len()
            )),
        }
    }

    /// Counts one void lookup when every query of a mechanism comes back empty.
    fn void_check(&mut self, queries: &[Query]) {
        let mut void = true;
        for query in queries {
            match self.answer(query.clone()) {
                Some(answer) => void &= answer.is_void(),
                None => void = false,
            }
        }
        if void {
            self.void_lookups += 1;
        }
    }
}

fn qualifier_char(qualifier: &Qualifier) -> char {
    match qualifier {
        Qualifier::Pass => '+',
        Qualifier::Fail => '-',
        Qualifier::SoftFail => '~',
        Qualifier::Neutral => '?',
    }
}

/// Everything known about a domain's SPF from one snapshot.
struct Analysis<'s> {
    /// The SPF records at the domain; `None` while the apex TXT is unknown or failed.
    records: Option<Vec<&'s str>>,
    apex_failure: Option<LookupFailure>,
    /// Per-record syntax errors at the domain.
    syntax_errors: Vec<String>,
    walk: Walk<'s>,
    /// Lookups the required include itself costs, for the fixed record's count.
    include_cost: Option<usize>,
    needed: Vec<Query>,
}

fn analyse<'s>(domain: &str, required: &'s str, snapshot: &'s DnsSnapshot) -> Analysis<'s> {
    let apex = Query::txt(domain);
    let mut analysis = Analysis {
        records: None,
        apex_failure: None,
        syntax_errors: Vec::new(),
        walk: Walk::new(snapshot, required),
        include_cost: None,
        needed: Vec::new(),
    };
    let txt_records = match snapshot.get(&apex) {
        None => {
            analysis.needed.push(apex);
            return analysis;
        }
        Some(Answer::Failed(failure)) => {
            analysis.apex_failure = Some(failure.clone());
            return analysis;
        }
        Some(answer) => answer.records().unwrap_or_default(),
    };
    let records = spf_records(txt_records);
    for record in &records {
        match parse_record(record) {
            Ok(spf) => analysis
                .walk
                .record(domain, &spf, &mut vec![domain.to_string()]),
            Err(errors) => analysis.syntax_errors.extend(errors),
        }
    }
    if analysis.walk.reach == Reach::NotFound && !records.is_empty() {
        // The fixed record adds the include: learn what the include itself costs.
        let mut include_walk = Walk::new(snapshot, required);
        include_walk.lookups = 1;
        include_walk.follow(required, "include", &mut vec![domain.to_string()]);
        analysis.include_cost = include_walk
            .failures
            .is_empty()
            .then_some(include_walk.lookups);
        analysis.needed.append(&mut include_walk.needed);
    }
    analysis.records = Some(records);
    analysis.needed.extend(analysis.walk.needed.iter().cloned());
    analysis
}

/// The queries SPF still needs for `domain`, given the snapshot.
pub fn queries(domain: &str, required_include: &str, snapshot: &DnsSnapshot) -> Vec<Query> {
    analyse(domain, required_include, snapshot).needed
}

/// Judges the SPF record(s) at `domain` against the required include.
pub fn evaluate(domain: &str, required_include: &str, snapshot: &DnsSnapshot) -> RecordCheck {
    let analysis = analyse(domain, required_include, snapshot);
    let mut check = RecordCheck {
        kind: RecordKind::Spf,
        name: domain.to_string(),
        record_type: "TXT".to_string(),
        status: RecordStatus::Pass,
        expected: format!("include:{required_include} in the SPF record"),
        found: Vec::new(),
        message: String::new(),
        fix: None,
        warnings: Vec::new(),
    };
    if let Some(failure) = &analysis.apex_failure {
        return RecordCheck::lookup_failed(
            RecordKind::Spf,
            domain,
            "TXT",
            check.expected,
            &Query::txt(domain),
            failure,
        );
    }
    let Some(records) = &analysis.records else {
        return not_looked_up(check, &analysis.needed);
    };
    let fix = |value: String| {
        Some(Fix {
            record_type: "TXT".to_string(),
            name: domain.to_string(),
            value,
        })
    };
    if records.is_empty() {
        check.status = RecordStatus::Missing;
        check.message = format!("no SPF record at {domain}");
        check.fix = fix(format!("v=spf1 include:{required_include} -all"));
        return check;
    }
    check.found = records.iter().map(|record| record.to_string()).collect();
    let walk = &analysis.walk;
    check.warnings = top_level_warnings(records, domain);
    check.warnings.extend(walk.warnings.iter().cloned());

    let mut problems = Vec::new();
    if records.len() > 1 {
        problems.push(format!(
            "{domain} has {} SPF records; receivers treat that as a permanent error \
             (RFC 7208 §4.5): publish one",
            records.len()
        ));
    }
    if !analysis.syntax_errors.is_empty() {
        problems.push(format!(
            "SPF record has a syntax error: {}",
            analysis.syntax_errors.join(", ")
        ));
    }
    problems.extend(walk.problems.iter().cloned());
    if walk.lookups > MAX_LOOKUPS {
        let at_least = if walk.truncated { "at least " } else { "" };
        problems.push(format!(
            "SPF needs {at_least}{} DNS lookups, more than the limit of {MAX_LOOKUPS} \
             (RFC 7208 §4.6.4)",
            walk.lookups
        ));
    }
    if walk.void_lookups > MAX_VOID_LOOKUPS {
        problems.push(format!(
            "SPF has {} lookups that return no records, more than the limit of \
             {MAX_VOID_LOOKUPS} (RFC 7208 §4.6.4)",
            walk.void_lookups
        ));
    }
    let reach_problem = match &walk.reach {
        Reach::Reached => None,
        Reach::NotFound => Some(format!("SPF record does not include {required_include}")),
        Reach::AfterAll { record } => Some(format!(
            "include:{required_include} in the SPF record of {record} comes after 'all' and is \
             never evaluated"
        )),
        Reach::BadQualifier { record, qualifier } => Some(format!(
            "include:{required_include} in the SPF record of {record} has the qualifier \
             '{qualifier}', so it never authorises {required_include}"
        )),
    };

    if problems.is_empty() && !walk.needed.is_empty() {
        return not_looked_up(check, &walk.needed);
    }
    if problems.is_empty() && !walk.failures.is_empty() {
        // The tree is incomplete: the include may sit behind the lookup that failed.
        check.status = RecordStatus::Error;
        check.message = failures_message(&walk.failures);
        return check;
    }
    problems.extend(reach_problem);
    if problems.is_empty() {
        check.message = format!(
            "SPF record includes {required_include} ({} of {MAX_LOOKUPS} DNS lookups)",
            walk.lookups
        );
        if walk.lookups >= WARN_LOOKUPS {
            check.warnings.push(format!(
                "SPF uses {} of {MAX_LOOKUPS} DNS lookups: one more include breaks it",
                walk.lookups
            ));
        }
        return check;
    }

    check.status = RecordStatus::Fail;
    check.message = problems.join("; ");
    if !walk.failures.is_empty() {
        check
            .message
            .push_str(&format!(" (also: {})", failures_message(&walk.failures)));
    }
    let fixed = fixed_record(records, required_include);
    if !fixed.dropped.is_empty() {
        check.warnings.push(format!(
            "the suggested record drops terms that are not valid SPF: {}",
            fixed.dropped.join(" ")
        ));
    }
    let fixed_lookups = match (&walk.reach, analysis.include_cost) {
        (Reach::NotFound, Some(cost)) => Some(walk.lookups + cost),
        (Reach::NotFound, None) => None,
        _ => Some(walk.lookups),
    };
    if let Some(lookups) = fixed_lookups.filter(|&lookups| lookups > MAX_LOOKUPS) {
        check.warnings.push(format!(
            "the fixed record would need {}{lookups} DNS lookups, more than {MAX_LOOKUPS}: \
             remove includes or replace them with ip4:/ip6: ranges",
            if walk.truncated { "at least " } else { "" }
        ));
    }
    check.fix = fix(fixed.value);
    check
}

fn not_looked_up(mut check: RecordCheck, needed: &[Query]) -> RecordCheck {
    check.status = RecordStatus::Error;
    let names: Vec<String> = needed.iter().map(Query::to_string).collect();
    check.message = format!("SPF lookups did not complete: {}", names.join(", "));
    check
}

fn failures_message(failures: &[(Query, LookupFailure)]) -> String {
    let described: Vec<String> = failures
        .iter()
        .map(|(query, failure)| format!("{query}: {failure}"))
        .collect();
    format!("DNS lookups failed: {}", described.join(", "))
}

fn top_level_warnings(records: &[&str], domain: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    for record in records {
        if terms(record).any(|term| term.eq_ignore_ascii_case("+all")) {
            warnings.push(format!(
                "'+all' lets every server on the internet send as {domain}"
            ));
        } else if terms(record).any(|term| term.eq_ignore_ascii_case("all")) {
            warnings.push(format!(
                "'all' without a qualifier means '+all': every server on the internet may send \
                 as {domain}"
            ));
        }
        if record.len() > WARN_RECORD_BYTES {
            warnings.push(format!(
                "the SPF record is {} bytes long; over {WARN_RECORD_BYTES} it risks truncated \
                 DNS answers (RFC 7208 §3.4)",
                record.len()
            ));
        }
    }
    warnings
}

/// The record to publish in place of the existing one(s), and the terms it had to drop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedRecord {
    pub value: String,
    pub dropped: Vec<String>,
}

/// Merges the existing SPF record(s) into one that reaches `include`: the include goes just
/// before the terminal `all` (keeping its qualifier) or before `redirect=`, or at the end.
/// Several records are merged into one; invalid terms are dropped and reported. Applying it to
/// its own result returns the same record.
pub fn fixed_record(records: &[&str], include: &str) -> FixedRecord {
    let include = normalize_name(include);
    let mut dropped = Vec::new();
    let mut mechanisms: Vec<&str> = Vec::new();
    let mut terminal_all: Option<&str> = None;
    let mut redirect: Option<&str> = None;
    let mut modifiers: Vec<&str> = Vec::new();
    let mut well_placed_include = false;

    for record in records {
        let mut seen_all = false;
        for term in terms(record) {
            if term_error(term).is_some() {
                dropped.push(term.to_string());
                continue;
            }
            if let Some((qualifier, target)) = include_target(term)
                && target == include
            {
                // A misplaced include (after `all`, or not '+') is dropped and re-added.
                if seen_all || !matches!(qualifier, None | Some('+')) {
                    continue;
                }
                well_placed_include = true;
            }
            if is_all(term) {
                seen_all = true;
                terminal_all.get_or_insert(term);
            } else if is_redirect(term) {
                redirect.get_or_insert(term);
            } else if is_modifier(term) {
                if !modifiers.iter().any(|kept| same_modifier(kept, term)) {
                    modifiers.push(term);
                }
            } else if seen_all {
                // Terms after `all` are never evaluated: keep them, but before `all` they would
                // change the record's meaning, so they stay where they were, after it.
                modifiers.push(term);
            } else if !mechanisms
                .iter()
                .any(|kept| kept.eq_ignore_ascii_case(term))
            {
                mechanisms.push(term);
            }
        }
    }

    let include_term = format!("include:{include}");
    let mut value = vec!["v=spf1"];
    value.extend(mechanisms.iter().copied());
    if !well_placed_include {
        value.push(&include_term);
    }
    // RFC 7208 §6.1: with `all` present a redirect has no effect; it is kept (the customer's
    // term), after `all`, where it stays as harmless as it was.
    match (terminal_all, redirect) {
        (Some(all), Some(redirect)) => value.extend([all, redirect]),
        (Some(all), None) => value.push(all),
        (None, Some(redirect)) => value.push(redirect),
        (None, None) => {}
    }
    value.extend(modifiers.iter().copied());
    FixedRecord {
        value: value.join(" "),
        dropped,
    }
}

fn same_modifier(left: &str, right: &str) -> bool {
    let name = |term: &str| {
        term.split('=')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    name(left) == name(right)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANDRILL: &str = "spf.mandrillapp.com";
    const MANDRILL_SPF: &str = "v=spf1 ip4:198.2.128.0/18 ip4:205.201.128.0/20 -all";

    /// A snapshot where the provider's own record exists, plus `extra` TXT records.
    fn zone(extra: &[(&str, &[&str])]) -> DnsSnapshot {
        let mut snapshot = DnsSnapshot::new().with_txt(MANDRILL, &[MANDRILL_SPF]);
        for (name, records) in extra {
            snapshot = snapshot.with_txt(name, records);
        }
        snapshot
    }

    /// Evaluates `shop.example` after answering every follow-up query the walk asks for from
    /// `zone` (names absent from it answer NXDOMAIN), as the shell does.
    fn check(zone: DnsSnapshot) -> RecordCheck {
        let mut snapshot = DnsSnapshot::new();
        for _ in 0..20 {
            let needed = queries("shop.example", MANDRILL, &snapshot);
            if needed.is_empty() {
                break;
            }
            for query in needed {
                let answer = zone.get(&query).cloned().unwrap_or(Answer::NxDomain);
                snapshot.insert(query, answer);
            }
        }
        evaluate("shop.example", MANDRILL, &snapshot)
    }

    fn assert_status(check: &RecordCheck, status: RecordStatus, message_part: &str) {
        assert_eq!(check.status, status, "{check:#?}");
        assert!(
            check.message.contains(message_part),
            "message {:?} lacks {message_part:?}",
            check.message
        );
    }

    fn fix_value(check: &RecordCheck) -> &str {
        &check.fix.as_ref().expect("a fix").value
    }

    #[test]
    fn direct_include_passes_with_no_fix() {
        let result = check(zone(&[(
            "shop.example",
            &["v=spf1 include:spf.mandrillapp.com -all"],
        )]));
        assert_status(&result, RecordStatus::Pass, "1 of 10");
        assert_eq!(result.fix, None);
        assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    }

    #[test]
    fn include_case_and_trailing_dot_do_not_matter() {
        let result = check(zone(&[(
            "shop.example",
            &["V=SPF1 include:SPF.MandrillApp.com. ~all"],
        )]));
        assert_status(&result, RecordStatus::Pass, "includes");
    }

    #[test]
    fn absent_include_fails_and_the_fix_inserts_it_before_all() {
        let result = check(zone(&[("shop.example", &["v=spf1 a -all"])]));
        assert_status(
            &result,
            RecordStatus::Fail,
            "SPF record does not include spf.mandrillapp.com",
        );
        assert_eq!(
            fix_value(&result),
            "v=spf1 a include:spf.mandrillapp.com -all"
        );
        assert_eq!(result.found, ["v=spf1 a -all"]);
    }

    #[test]
    fn no_spf_record_is_missing_with_a_fresh_record_as_fix() {
        let result = check(zone(&[("shop.example", &["google-site-verification=x"])]));
        assert_status(&result, RecordStatus::Missing, "no SPF record");
        assert_eq!(
            fix_value(&result),
            "v=spf1 include:spf.mandrillapp.com -all"
        );
        let nxdomain = check(zone(&[]));
        assert_eq!(nxdomain.status, RecordStatus::Missing);
    }

    #[test]
    fn spf_prefix_needs_a_space_or_the_end() {
        assert_eq!(
            spf_records(&["v=spf10 -all".into(), "v=spf1".into(), "v=spf1 a".into()]),
            ["v=spf1", "v=spf1 a"]
        );
    }

    #[test]
    fn nested_include_and_redirect_reach_the_provider() {
        let nested = check(zone(&[
            ("shop.example", &["v=spf1 include:_spf.shop.example -all"]),
            (
                "_spf.shop.example",
                &["v=spf1 include:spf.mandrillapp.com ~all"],
            ),
        ]));
        assert_status(&nested, RecordStatus::Pass, "2 of 10");
        let redirect = check(zone(&[
            ("shop.example", &["v=spf1 redirect=_spf.shop.example"]),
            (
                "_spf.shop.example",
                &["v=spf1 include:spf.mandrillapp.com ~all"],
            ),
        ]));
        assert_status(&redirect, RecordStatus::Pass, "2 of 10");
    }

    #[test]
    fn redirect_is_ignored_when_all_is_present() {
        let result = check(zone(&[
            ("shop.example", &["v=spf1 -all redirect=_spf.shop.example"]),
            (
                "_spf.shop.example",
                &["v=spf1 include:spf.mandrillapp.com ~all"],
            ),
        ]));
        assert_status(&result, RecordStatus::Fail, "does not include");
        assert_eq!(
            fix_value(&result),
            "v=spf1 include:spf.mandrillapp.com -all redirect=_spf.shop.example"
        );
    }

    #[test]
    fn fix_goes_before_redirect() {
        let result = check(zone(&[
            ("shop.example", &["v=spf1 mx redirect=_spf.shop.example"]),
            ("_spf.shop.example", &["v=spf1 ip4:192.0.2.0/24 -all"]),
        ]));
        assert_status(&result, RecordStatus::Fail, "does not include");
        assert_eq!(
            fix_value(&result),
            "v=spf1 mx include:spf.mandrillapp.com redirect=_spf.shop.example"
        );
    }

    #[test]
    fn eleven_lookups_fail_and_ten_warn() {
        let includes = |count: usize| {
            (1..=count)
                .map(|n| format!("include:n{n}.example"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut base = zone(&[]);
        for n in 1..=11 {
            base = base.with_txt(&format!("n{n}.example"), &["v=spf1 ip4:192.0.2.1 -all"]);
        }
        let ten = base.clone().with_txt(
            "shop.example",
            &[&format!(
                "v=spf1 {} include:spf.mandrillapp.com -all",
                includes(9)
            )],
        );
        let result = check(ten);
        assert_status(&result, RecordStatus::Pass, "10 of 10");
        assert!(result.warnings.iter().any(|w| w.contains("10 of 10")));

        let eleven = base.with_txt(
            "shop.example",
            &[&format!(
                "v=spf1 {} include:spf.mandrillapp.com -all",
                includes(10)
            )],
        );
        let result = check(eleven);
        assert_status(&result, RecordStatus::Fail, "11 DNS lookups");
    }

    #[test]
    fn lookups_are_counted_over_the_whole_tree() {
        // 4 at the top (a, mx, include, include) + 4 in the nested record + 3 in the next = 11.
        let result = check(zone(&[
            (
                "shop.example",
                &["v=spf1 a mx include:one.example include:spf.mandrillapp.com -all"],
            ),
            (
                "one.example",
                &["v=spf1 a mx exists:%{i}.one.example include:two.example -all"],
            ),
            ("two.example", &["v=spf1 a mx ptr -all"]),
        ]));
        assert_status(&result, RecordStatus::Fail, "11 DNS lookups");
    }

    #[test]
    fn fix_that_would_exceed_ten_lookups_says_so() {
        let mut base = zone(&[]);
        let mut record = String::from("v=spf1");
        for n in 1..=10 {
            base = base.with_txt(&format!("n{n}.example"), &["v=spf1 ip4:192.0.2.1 -all"]);
            record.push_str(&format!(" include:n{n}.example"));
        }
        record.push_str(" -all");
        let result = check(base.with_txt("shop.example", &[&record]));
        assert_status(&result, RecordStatus::Fail, "does not include");
        assert!(
            result
                .warnings
                .iter()
                .any(|w| w.contains("would need 11 DNS lookups")),
            "{:?}",
            result.warnings
        );
    }

    #[test]
    fn two_spf_records_fail_and_are_merged() {
        let result = check(zone(&[(
            "shop.example",
            &[
                "v=spf1 ip4:192.0.2.0/24 -all",
                "v=spf1 include:_spf.google.com ~all",
            ],
        )]));
        assert_status(&result, RecordStatus::Fail, "2 SPF records");
        assert_eq!(
            fix_value(&result),
            "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com include:spf.mandrillapp.com -all"
        );
    }

    #[test]
    fn syntax_errors_fail_and_the_fix_drops_bad_terms() {
        let result = check(zone(&[(
            "shop.example",
            &["v=spf1 ip4:192.0.2.300 ip6:2001:db8::/129 incude:spf.mandrillapp.com -all"],
        )]));
        assert_status(&result, RecordStatus::Fail, "syntax error");
        assert!(result.message.contains("unknown mechanism 'incude:"));
        assert!(
            result
                .message
                .contains("invalid address in 'ip4:192.0.2.300'")
        );
        assert!(
            result
                .message
                .contains("invalid prefix length in 'ip6:2001:db8::/129'")
        );
        assert_eq!(
            fix_value(&result),
            "v=spf1 include:spf.mandrillapp.com -all"
        );
        assert!(result.warnings.iter().any(|w| w.contains("drops")));
    }

    #[test]
    fn include_loops_fail() {
        let result = check(zone(&[
            (
                "shop.example",
                &["v=spf1 include:loop.example include:spf.mandrillapp.com -all"],
            ),
            ("loop.example", &["v=spf1 include:shop.example -all"]),
        ]));
        assert_status(&result, RecordStatus::Fail, "loops back");
    }

    #[test]
    fn more_than_two_void_lookups_fail() {
        let result = check(zone(&[(
            "shop.example",
            &["v=spf1 a:gone1.example a:gone2.example mx:gone3.example \
               include:spf.mandrillapp.com -all"],
        )]));
        assert_status(
            &result,
            RecordStatus::Fail,
            "3 lookups that return no records",
        );
        let two = check(zone(&[(
            "shop.example",
            &["v=spf1 a:gone1.example a:gone2.example include:spf.mandrillapp.com -all"],
        )]));
        assert_eq!(two.status, RecordStatus::Pass, "{two:#?}");
    }

    #[test]
    fn include_without_spf_record_fails() {
        let result = check(zone(&[(
            "shop.example",
            &["v=spf1 include:nothing.example include:spf.mandrillapp.com -all"],
        )]));
        assert_status(
            &result,
            RecordStatus::Fail,
            "include:nothing.example has no SPF",
        );
    }

    #[test]
    fn include_after_all_or_with_minus_is_not_reached() {
        let after = check(zone(&[(
            "shop.example",
            &["v=spf1 a -all include:spf.mandrillapp.com"],
        )]));
        assert_status(&after, RecordStatus::Fail, "comes after 'all'");
        assert_eq!(
            fix_value(&after),
            "v=spf1 a include:spf.mandrillapp.com -all"
        );
        let minus = check(zone(&[(
            "shop.example",
            &["v=spf1 -include:spf.mandrillapp.com ~all"],
        )]));
        assert_status(&minus, RecordStatus::Fail, "qualifier '-'");
        assert_eq!(fix_value(&minus), "v=spf1 include:spf.mandrillapp.com ~all");
    }

    #[test]
    fn warnings_for_plus_all_ptr_and_length() {
        let long = format!(
            "v=spf1 ptr {} include:spf.mandrillapp.com +all",
            (0..40)
                .map(|n| format!("ip4:192.0.2.{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let result = check(zone(&[("shop.example", &[&long])]));
        assert_eq!(result.status, RecordStatus::Pass);
        let joined = result.warnings.join("\n");
        assert!(joined.contains("'+all'"), "{joined}");
        assert!(joined.contains("'ptr'"), "{joined}");
        assert!(joined.contains("bytes long"), "{joined}");
    }

    #[test]
    fn a_failed_lookup_is_an_error_never_missing() {
        let snapshot = DnsSnapshot::new().with(
            "shop.example",
            QueryType::Txt,
            Answer::Failed(LookupFailure::Timeout),
        );
        let result = evaluate("shop.example", MANDRILL, &snapshot);
        assert_status(&result, RecordStatus::Error, "timed out");
        assert_eq!(result.fix, None);
    }

    #[test]
    fn a_failed_nested_lookup_is_an_error_unless_the_record_is_wrong_anyway() {
        let mut failing = zone(&[("shop.example", &["v=spf1 include:_spf.shop.example -all"])]);
        failing.insert(
            Query::txt("_spf.shop.example"),
            Answer::Failed(LookupFailure::ServFail),
        );
        assert_status(&check(failing.clone()), RecordStatus::Error, "SERVFAIL");
        failing = failing.with_txt(
            "shop.example",
            &["v=spf1 include:_spf.shop.example -all", "v=spf1 -all"],
        );
        assert_status(&check(failing), RecordStatus::Fail, "2 SPF records");
    }

    #[test]
    fn domain_macro_is_expanded_and_sender_macros_are_not_followed() {
        let expanded = check(zone(&[
            ("shop.example", &["v=spf1 include:_spf.%{d} -all"]),
            (
                "_spf.shop.example",
                &["v=spf1 include:spf.mandrillapp.com -all"],
            ),
        ]));
        assert_status(&expanded, RecordStatus::Pass, "includes");
        let sender = check(zone(&[(
            "shop.example",
            &["v=spf1 include:%{l}.users.example include:spf.mandrillapp.com -all"],
        )]));
        assert_eq!(sender.status, RecordStatus::Pass);
        assert!(sender.warnings.iter().any(|w| w.contains("not followed")));
    }

    #[test]
    fn non_ascii_terms_are_invalid_not_a_crash() {
        // Found by the fuzzer: a multi-byte character where a prefix was sliced by bytes.
        let result = check(zone(&[("shop.example", &["v=spf1 redirec\u{fffd}x -all"])]));
        assert_eq!(result.status, RecordStatus::Fail);
        let result = check(zone(&[(
            "shop.example",
            &["v=spf1 includ\u{e9}:x.example -all"],
        )]));
        assert_eq!(result.status, RecordStatus::Fail);
    }

    #[test]
    fn fixed_record_is_idempotent_and_keeps_exp_after_all() {
        let once = fixed_record(&["v=spf1 a mx ?all exp=explain.shop.example"], MANDRILL).value;
        assert_eq!(
            once,
            "v=spf1 a mx include:spf.mandrillapp.com ?all exp=explain.shop.example"
        );
        assert_eq!(fixed_record(&[&once], MANDRILL).value, once);
        let no_all = fixed_record(&["v=spf1 a"], MANDRILL).value;
        assert_eq!(no_all, "v=spf1 a include:spf.mandrillapp.com");
        assert_eq!(fixed_record(&[&no_all], MANDRILL).value, no_all);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        const INCLUDE: &str = "spf.mandrillapp.com";

        fn qualifier() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec!["", "+", "-", "~", "?"])
        }

        fn host() -> impl Strategy<Value = String> {
            "[a-z]{1,8}\\.(example|test|net)".prop_map(|host| host.to_string())
        }

        /// One mechanism other than `all` and other than the required include.
        fn mechanism() -> impl Strategy<Value = String> {
            prop_oneof![
                (qualifier(), prop::option::of(host())).prop_map(|(q, h)| format!(
                    "{q}a{}",
                    h.map(|h| format!(":{h}")).unwrap_or_default()
                )),
                (qualifier(), prop::option::of(host()), 8u8..=32).prop_map(|(q, h, n)| format!(
                    "{q}mx{}/{n}",
                    h.map(|h| format!(":{h}")).unwrap_or_default()
                )),
                (qualifier(), any::<[u8; 4]>(), 0u8..=32).prop_map(|(q, a, n)| format!(
                    "{q}ip4:{}.{}.{}.{}/{n}",
                    a[0], a[1], a[2], a[3]
                )),
                (qualifier(), any::<u16>()).prop_map(|(q, n)| format!("{q}ip6:2001:db8::{n:x}/64")),
                (qualifier(), host()).prop_map(|(q, h)| format!("{q}include:{h}")),
                (qualifier(), host()).prop_map(|(q, h)| format!("{q}exists:%{{i}}.{h}")),
            ]
        }

        /// A valid SPF record: mechanisms, maybe a terminal `all`, maybe a redirect and an exp.
        fn record() -> impl Strategy<Value = (String, Option<String>)> {
            (
                prop::collection::vec(mechanism(), 0..8),
                prop::option::of(qualifier()),
                prop::option::of(host()),
                prop::option::of(host()),
            )
                .prop_map(|(mechanisms, all, redirect, exp)| {
                    let all_term = all.map(|q| format!("{q}all"));
                    let mut terms = mechanisms;
                    terms.extend(all_term.clone());
                    terms.extend(redirect.map(|h| format!("redirect={h}")));
                    terms.extend(exp.map(|h| format!("exp={h}")));
                    (
                        format!("v=spf1 {}", terms.join(" ")).trim_end().to_string(),
                        all_term,
                    )
                })
        }

        proptest! {
            #[test]
            fn the_fixed_record_is_valid_complete_and_idempotent((original, all) in record()) {
                let fixed = fixed_record(&[&original], INCLUDE);
                prop_assert!(fixed.dropped.is_empty(), "valid terms were dropped: {:?}", fixed.dropped);
                // It parses, with sendercheck's term checks and with mail-auth.
                prop_assert!(parse_record(&fixed.value).is_ok(), "{}", fixed.value);
                let fixed_terms: Vec<&str> = terms(&fixed.value).collect();
                // The include exactly once.
                let includes = fixed_terms
                    .iter()
                    .filter(|term| include_target(term).is_some_and(|(_, t)| t == INCLUDE))
                    .count();
                prop_assert_eq!(includes, 1);
                // Every original term is still there.
                for term in terms(&original) {
                    prop_assert!(
                        fixed_terms.iter().any(|kept| kept.eq_ignore_ascii_case(term)),
                        "{} lost {}", fixed.value, term
                    );
                }
                // The original all, with its qualifier, is the terminal mechanism.
                if let Some(all) = all {
                    let last_mechanism = fixed_terms.iter().rev().find(|term| !is_modifier(term));
                    prop_assert_eq!(last_mechanism.copied(), Some(all.as_str()));
                }
                // Fixing the fixed record changes nothing.
                prop_assert_eq!(fixed_record(&[&fixed.value], INCLUDE).value, fixed.value.clone());
            }
        }
    }
}

//! SPF (RFC 7208): is the record one receivers accept for every sender, and does the
//! provider's mail pass it?
//!
//! Three parts, each pure: `parse` reads a record by the §12 grammar into terms with positions;
//! `eval` runs `check_host()` (§4) over a DNS snapshot; `fix` builds the record to publish and
//! proves it by evaluating it the same way. A record passes only when both hold:
//!
//! 1. it is valid on its worst path: parsed whole, and evaluated for a client that matches
//!    nothing (IPv4 and IPv6), so every limit is counted over every term a receiver can reach
//!    for the domain's other senders;
//! 2. the provider's mail passes: `check_host(ip, domain, postmaster@domain)` is `pass` for a
//!    sample address from each network the provider's own record publishes.

pub mod eval;
pub mod fix;
pub mod parse;

use std::net::{IpAddr, Ipv4Addr};

use super::{Fix, RecordCheck, RecordKind, RecordStatus};
use crate::answer::{Answer, DnsSnapshot, LookupFailure, Query, normalize_name};
use crate::checks::failure_text;
use crate::text::{Text, codes};
pub use eval::{Client, Evaluation, Family, MAX_LOOKUPS, MAX_VOID_LOOKUPS, SpfResult};
pub use parse::{is_spf_record, spf_records};

/// From this many lookups on, one more include breaks the record: warn.
const WARN_LOOKUPS: usize = 9;
/// Longer records risk UDP truncation and some providers' TXT limits.
const WARN_RECORD_BYTES: usize = 450;
/// How many of the provider's addresses are tried.
const MAX_SAMPLES: usize = 32;
/// How many records of the provider's own tree are read for addresses.
const MAX_PROVIDER_RECORDS: usize = 12;
/// Stands in for the provider when its record lists no address (it authorises by `a`, `mx` or
/// `exists`): an address from 240.0.0.0/4, reserved and never in a customer's record.
const STAND_IN: Ipv4Addr = Ipv4Addr::new(240, 0, 0, 1);

/// The provider's sending addresses, read from the record it publishes.
#[derive(Clone, Debug, Default)]
pub struct ProviderAddresses {
    pub samples: Vec<IpAddr>,
    pub needed: Vec<Query>,
    pub failures: Vec<(Query, LookupFailure)>,
    /// Whether the provider's own name publishes exactly one valid SPF record.
    pub record_valid: bool,
}

/// One sample address from each network the provider's record (and its includes) authorise.
pub fn provider_addresses(snapshot: &DnsSnapshot, provider: &str) -> ProviderAddresses {
    let mut found = ProviderAddresses::default();
    let mut queue = vec![normalize_name(provider)];
    let mut seen: Vec<String> = Vec::new();
    while let Some(host) = queue.pop() {
        if seen.contains(&host) || seen.len() >= MAX_PROVIDER_RECORDS {
            continue;
        }
        seen.push(host.clone());
        let query = Query::txt(&host);
        let records = match snapshot.get(&query) {
            None => {
                found.needed.push(query);
                continue;
            }
            Some(Answer::Failed(failure)) => {
                found.failures.push((query, failure.clone()));
                continue;
            }
            Some(answer) => answer.records().unwrap_or_default(),
        };
        let spf = spf_records(records);
        let [record] = spf.as_slice() else {
            continue;
        };
        let parsed = parse::parse_shared(record);
        let Ok(parsed) = &*parsed else {
            continue;
        };
        if seen.len() == 1 {
            found.record_valid = true;
        }
        let mut nested = Vec::new();
        for term in &parsed.terms {
            match &term.kind {
                parse::TermKind::Directive {
                    qualifier: parse::Qualifier::Pass,
                    mechanism,
                } => match mechanism {
                    parse::Mechanism::Ip4 { network, .. } => {
                        found.samples.push(IpAddr::V4(*network));
                    }
                    parse::Mechanism::Ip6 { network, .. } => {
                        found.samples.push(IpAddr::V6(*network));
                    }
                    parse::Mechanism::Include(spec) => {
                        nested.extend(eval::static_target(spec, &host))
                    }
                    _ => {}
                },
                parse::TermKind::Modifier(parse::Modifier::Redirect(spec)) if !parsed.has_all() => {
                    nested.extend(eval::static_target(spec, &host));
                }
                _ => {}
            }
        }
        // Depth first, in record order.
        nested.reverse();
        queue.extend(nested);
    }
    found.samples.dedup();
    found.samples.truncate(MAX_SAMPLES);
    found
}

/// What the snapshot says about the name's own TXT records.
enum Apex<'s> {
    Needed(Query),
    Failed(LookupFailure),
    Records(&'s [String]),
}

/// Everything judged about one domain's SPF.
struct Analysis<'s> {
    apex: Apex<'s>,
    /// The CNAME the domain's name holds, if any: its TXT records are the target's.
    cname: Option<String>,
    records: Vec<&'s str>,
    syntax_errors: Vec<Vec<parse::SyntaxError>>,
    worst: Vec<Evaluation>,
    provider: ProviderAddresses,
    /// Whether `provider.samples` were replaced by the stand-in address.
    stand_in: bool,
    provider_results: Vec<(IpAddr, Evaluation)>,
    fix: Option<fix::Proposal>,
}

impl Analysis<'_> {
    fn needed(&self) -> Vec<Query> {
        let mut needed = Vec::new();
        if let Apex::Needed(query) = &self.apex {
            needed.push(query.clone());
        }
        for evaluation in self.worst.iter().chain(
            self.provider_results
                .iter()
                .map(|(_, evaluation)| evaluation),
        ) {
            needed.extend(evaluation.needed.iter().cloned());
        }
        needed.extend(self.provider.needed.iter().cloned());
        if let Some(fix) = &self.fix {
            needed.extend(fix.needed.iter().cloned());
        }
        needed.sort();
        needed.dedup();
        needed
    }
}

fn analyse<'s>(domain: &str, provider: &str, snapshot: &'s DnsSnapshot) -> Analysis<'s> {
    let provider = normalize_name(provider);
    let cname_query = Query::cname(domain);
    let cname = match snapshot.get(&cname_query) {
        Some(Answer::Records(targets)) => targets.first().map(|target| normalize_name(target)),
        _ => None,
    };
    let apex_query = Query::txt(domain);
    let apex = match snapshot.get(&apex_query) {
        None => Apex::Needed(apex_query),
        Some(Answer::Failed(failure)) => Apex::Failed(failure.clone()),
        Some(answer) => Apex::Records(answer.records().unwrap_or_default()),
    };
    let mut analysis = Analysis {
        apex,
        cname,
        records: Vec::new(),
        syntax_errors: Vec::new(),
        worst: Vec::new(),
        provider: ProviderAddresses::default(),
        stand_in: false,
        provider_results: Vec::new(),
        fix: None,
    };
    let Apex::Records(txt_records) = analysis.apex else {
        return analysis;
    };
    analysis.records = spf_records(txt_records);
    analysis.provider = provider_addresses(snapshot, &provider);
    if !analysis.provider.needed.is_empty() {
        return analysis;
    }
    // A provider whose record lists no address is stood in for by one that only its record
    // authorises, so reach is still decided by evaluation.
    let stand_in_snapshot;
    // A provider name that publishes no valid record is not stood in for: an include of it is
    // a permerror, and the evaluation over the real answers must say so.
    if analysis.provider.samples.is_empty() && !analysis.provider.record_valid {
        analysis.stand_in = true;
        analysis.provider.samples.push(IpAddr::V4(STAND_IN));
    }
    let provider_snapshot = if analysis.provider.samples.is_empty() {
        analysis.stand_in = true;
        analysis.provider.samples.push(IpAddr::V4(STAND_IN));
        let mut replaced = snapshot.clone();
        replaced.insert(
            Query::txt(&provider),
            Answer::Records(vec![format!("v=spf1 ip4:{STAND_IN} -all")]),
        );
        stand_in_snapshot = replaced;
        &stand_in_snapshot
    } else {
        snapshot
    };
    if let [record] = analysis.records.as_slice() {
        match &*parse::parse_shared(record) {
            Ok(_) => {
                analysis.worst = [Family::V4, Family::V6]
                    .into_iter()
                    .map(|family| eval::check_host(snapshot, domain, Client::Unmatched(family)))
                    .collect();
                analysis.provider_results = analysis
                    .provider
                    .samples
                    .iter()
                    .map(|ip| {
                        (
                            *ip,
                            eval::check_host(provider_snapshot, domain, Client::Address(*ip)),
                        )
                    })
                    .collect();
            }
            Err(errors) => analysis.syntax_errors.push(errors.clone()),
        }
    } else {
        for record in &analysis.records {
            if let Err(errors) = &*parse::parse_shared(record) {
                analysis.syntax_errors.push(errors.clone());
            }
        }
    }
    let evaluations_needed = analysis
        .worst
        .iter()
        .chain(analysis.provider_results.iter().map(|(_, e)| e))
        .any(|evaluation| !evaluation.complete());
    let passes = analysis.records.len() == 1
        && analysis.syntax_errors.is_empty()
        && analysis
            .worst
            .iter()
            .all(|e| !matches!(e.result(), SpfResult::PermError | SpfResult::TempError))
        && analysis
            .provider_results
            .iter()
            .all(|(_, e)| e.result() == SpfResult::Pass);
    if !evaluations_needed && !passes {
        // With no SPF record, a TXT record meant as one (a TAB after the version, a leading
        // byte-order mark) still holds the customer's terms: start from it.
        let lookalikes: Vec<&str> = txt_records
            .iter()
            .filter(|record| analysis.records.is_empty() && looks_like_spf(record))
            .map(|record| {
                record
                    .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '"')
            })
            .collect();
        let base = if analysis.records.is_empty() {
            &lookalikes
        } else {
            &analysis.records
        };
        analysis.fix = Some(fix::propose(
            domain,
            base,
            &provider,
            &analysis.provider.samples,
            provider_snapshot,
        ));
    }
    analysis
}

/// The worst paths' problems (IPv4 then IPv6), each once. A limit reached on one family's
/// path only (three `a` terms on names with A records but no AAAA are three void lookups for
/// an IPv6 sender alone) says which senders it breaks, so the customer is not told that all
/// mail fails.
fn family_problems(worst: &[Evaluation]) -> Vec<Text> {
    // `worst` is evaluated IPv4 first, then IPv6.
    let families = [("IPv4", "IPv6"), ("IPv6", "IPv4")];
    let problems: Vec<Option<&Text>> = worst
        .iter()
        .map(|evaluation| evaluation.problem.as_ref().map(|p| &p.message))
        .collect();
    let mut messages: Vec<Text> = Vec::new();
    for (index, ((this, other), problem)) in families.iter().zip(&problems).enumerate() {
        let Some(message) = problem else {
            continue;
        };
        let other_problem = problems.get(1 - index).copied().flatten();
        let message = match other_problem {
            Some(_) if worst.len() == 2 => (*message).clone(),
            None if worst.len() == 2 => codes::spf_one_family(*this, (*message).clone(), *other),
            _ => (*message).clone(),
        };
        if !messages.contains(&message) {
            messages.push(message);
        }
    }
    messages
}

/// The queries SPF still needs for `domain`, given the snapshot.
pub fn queries(domain: &str, provider: &str, snapshot: &DnsSnapshot) -> Vec<Query> {
    let mut needed = analyse(domain, provider, snapshot).needed();
    // The provider's record is asked from the first round on (its addresses are what the
    // record must pass). Whether the name is a CNAME comes with the TXT answer (`dns/` reads
    // it from there); it is asked only when an answer did not tell.
    let mut extra = vec![Query::txt(provider)];
    if snapshot.contains(&Query::txt(domain)) {
        extra.push(Query::cname(domain));
    }
    for query in extra {
        if !snapshot.contains(&query) && !needed.contains(&query) {
            needed.push(query);
        }
    }
    needed
}

/// Judges the SPF record(s) at `domain` for the provider whose record is at `provider`.
pub fn evaluate(domain: &str, provider: &str, snapshot: &DnsSnapshot) -> RecordCheck {
    let provider = normalize_name(provider);
    let analysis = analyse(domain, &provider, snapshot);
    let mut check = RecordCheck {
        kind: RecordKind::Spf,
        name: domain.to_string(),
        record_type: "TXT".to_string(),
        status: RecordStatus::Pass,
        expected: codes::spf_expected(&provider),
        found: Vec::new(),
        message: codes::record_as_expected(domain),
        fix: None,
        warnings: Vec::new(),
        last_conclusive: None,
        required: true,
        propagation: None,
        dnssec: None,
    };
    let txt_records = match &analysis.apex {
        Apex::Needed(query) => return check.not_looked_up(query),
        Apex::Failed(failure) => {
            return RecordCheck::lookup_failed(
                RecordKind::Spf,
                domain,
                "TXT",
                check.expected,
                &Query::txt(domain),
                failure,
            );
        }
        Apex::Records(records) => *records,
    };
    if let Some(target) = &analysis.cname {
        check.warnings.push(codes::spf_cname(domain, target));
    }
    if analysis.records.is_empty() {
        check.status = RecordStatus::Missing;
        let lookalikes: Vec<&String> = txt_records
            .iter()
            .filter(|record| looks_like_spf(record))
            .collect();
        check.message = match lookalikes.first() {
            Some(record) => {
                check.found = lookalikes.iter().map(|r| r.to_string()).collect();
                codes::spf_lookalike(domain, parse::printable(record))
            }
            None => codes::spf_missing(domain),
        };
        let value = match &analysis.fix {
            Some(proposal) => proposal.value.clone(),
            None => format!("v=spf1 include:{provider} -all"),
        };
        let mut fix = Fix::txt(domain, &value);
        if let Some(old) = lookalikes.first() {
            fix = fix.replacing(old);
        }
        check.fix = Some(at_cname_target(fix, analysis.cname.as_deref()));
        return check;
    }
    check.found = analysis.records.iter().map(|r| r.to_string()).collect();
    check
        .warnings
        .extend(top_level_warnings(&analysis.records, domain));

    let mut problems = Vec::new();
    if analysis.records.len() > 1 {
        problems.push(codes::spf_several_records(domain, analysis.records.len()));
    }
    for errors in &analysis.syntax_errors {
        let described: Vec<Text> = errors.iter().map(parse::SyntaxError::text).collect();
        problems.push(codes::spf_invalid(described));
    }
    let mut failures: Vec<(Query, LookupFailure)> = Vec::new();
    for message in family_problems(&analysis.worst) {
        if !problems.contains(&message) {
            problems.push(message);
        }
    }
    for evaluation in &analysis.worst {
        failures.extend(evaluation.failures.iter().cloned());
    }
    for (_, evaluation) in &analysis.provider_results {
        failures.extend(evaluation.failures.iter().cloned());
    }
    failures.extend(analysis.provider.failures.iter().cloned());
    failures.sort_by(|a, b| a.0.cmp(&b.0));
    failures.dedup_by(|a, b| a.0 == b.0);

    let needed = analysis.needed();
    if problems.is_empty() && !needed.is_empty() {
        return not_looked_up(check, &needed);
    }
    if problems.is_empty() && !failures.is_empty() {
        check.status = RecordStatus::Error;
        check.message = failures_message(&failures);
        return check;
    }
    let lookups = analysis.worst.iter().map(|e| e.lookups).max().unwrap_or(0);
    for evaluation in &analysis.worst {
        let unfollowed = evaluation
            .unfollowed
            .iter()
            .map(|term| codes::spf_unfollowed(term.clone()));
        for warning in evaluation.notes.iter().cloned().chain(unfollowed) {
            if !check.warnings.contains(&warning) {
                check.warnings.push(warning);
            }
        }
    }
    if problems.is_empty() {
        let not_passing: Vec<&(IpAddr, Evaluation)> = analysis
            .provider_results
            .iter()
            .filter(|(_, evaluation)| evaluation.result() != SpfResult::Pass)
            .collect();
        let mentioned = analysis
            .records
            .iter()
            .any(|record| mentions(record, &provider));
        let none_pass = not_passing.len() == analysis.provider_results.len();
        if none_pass && !mentioned && !reached_anywhere(&analysis, &provider) {
            problems.push(codes::spf_include_missing(&provider));
        } else if let Some((ip, evaluation)) = not_passing.first() {
            problems.push(reach_problem(
                domain,
                &provider,
                *ip,
                evaluation,
                analysis.stand_in,
                not_passing.len(),
                analysis.provider_results.len(),
            ));
        }
    }
    if problems.is_empty() {
        let samples = analysis.provider_results.len();
        check.message = if analysis.stand_in {
            codes::spf_pass_authorised(&provider, lookups, MAX_LOOKUPS)
        } else {
            codes::spf_pass(&provider, samples, lookups, MAX_LOOKUPS)
        };
        let reached = analysis.worst.iter().any(|e| e.targets.contains(&provider));
        if !reached && !analysis.stand_in {
            check
                .warnings
                .push(codes::spf_addresses_without_include(&provider));
        }
        if lookups >= WARN_LOOKUPS {
            check
                .warnings
                .push(codes::spf_near_limit(lookups, MAX_LOOKUPS));
        }
        return check;
    }

    check.status = RecordStatus::Fail;
    check.message = Text::join(problems).unwrap_or_else(|| codes::spf_missing(domain));
    if !failures.is_empty() {
        check.message = check.message.and(failures_message(&failures));
    }
    if let Some(proposal) = &analysis.fix {
        check.warnings.extend(proposal.warnings.iter().cloned());
        let mut fix = Fix::txt(domain, &proposal.value).replacing(analysis.records[0]);
        for extra in &analysis.records[1..] {
            fix = fix.removing(domain, extra);
        }
        if analysis.records == [proposal.value.as_str()] {
            // Nothing a single record can change: the warnings say why.
            fix.actions.clear();
        }
        check.fix = Some(at_cname_target(fix, analysis.cname.as_deref()));
    }
    check
}

/// Whether a record names `include:provider` among its own terms (wherever it stands).
fn mentions(record: &str, provider: &str) -> bool {
    parse::parse_shared(record)
        .as_ref()
        .as_ref()
        .is_ok_and(|parsed| {
            parsed.terms.iter().any(|term| match &term.kind {
                parse::TermKind::Directive {
                    mechanism: parse::Mechanism::Include(spec),
                    ..
                } => eval::static_target(spec, "example.invalid").is_some_and(|t| t == provider),
                _ => false,
            })
        })
}

/// Whether any evaluation reached the provider's record.
fn reached_anywhere(analysis: &Analysis<'_>, provider: &str) -> bool {
    analysis
        .worst
        .iter()
        .chain(analysis.provider_results.iter().map(|(_, e)| e))
        .any(|evaluation| evaluation.targets.iter().any(|t| t == provider))
}

/// A fix for a name that holds a CNAME can only be published at the CNAME's target.
fn at_cname_target(fix: Fix, cname: Option<&str>) -> Fix {
    match cname {
        Some(target) => fix.moved_to(target),
        None => fix,
    }
}

/// A TXT record that was meant as SPF but is not one: a leading space or byte-order mark, a
/// TAB after the version, a missing space, a quote.
fn looks_like_spf(record: &str) -> bool {
    let trimmed =
        record.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '"');
    trimmed
        .as_bytes()
        .get(..5)
        .is_some_and(|head| head.eq_ignore_ascii_case(b"v=spf"))
        || record
            .as_bytes()
            .get(..4)
            .is_some_and(|head| head.eq_ignore_ascii_case(b"spf1"))
}

fn reach_problem(
    domain: &str,
    provider: &str,
    ip: IpAddr,
    evaluation: &Evaluation,
    stand_in: bool,
    failing: usize,
    tried: usize,
) -> Text {
    let result = evaluation.result().as_str();
    let whose = if stand_in {
        codes::spf_mail_from(provider)
    } else {
        codes::spf_mail_from_sampled(provider, failing, tried, ip.to_string())
    };
    match &evaluation.decision {
        Some(decision) => {
            codes::spf_matched_first(whose, result, domain, decision.term, &decision.text)
        }
        None => codes::spf_not_authorised(whose, result, domain, provider),
    }
}

fn not_looked_up(mut check: RecordCheck, needed: &[Query]) -> RecordCheck {
    check.status = RecordStatus::Error;
    let names: Vec<String> = needed.iter().map(Query::to_string).collect();
    check.message = codes::spf_incomplete(names.join(", "));
    check
}

fn failures_message(failures: &[(Query, LookupFailure)]) -> Text {
    let described: Vec<Text> = failures
        .iter()
        .map(|(query, failure)| codes::dns_query_failed(query.to_string(), failure_text(failure)))
        .collect();
    codes::dns_lookups_failed(described)
}

fn top_level_warnings(records: &[&str], domain: &str) -> Vec<Text> {
    let mut warnings = Vec::new();
    for record in records {
        let terms: Vec<&str> = record.split(' ').skip(1).collect();
        if terms.iter().any(|term| term.eq_ignore_ascii_case("+all")) {
            warnings.push(codes::spf_plus_all(domain));
        } else if terms.iter().any(|term| term.eq_ignore_ascii_case("all")) {
            warnings.push(codes::spf_bare_all(domain));
        }
        if record.len() > WARN_RECORD_BYTES {
            warnings.push(codes::spf_long_record(record.len(), WARN_RECORD_BYTES));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::QueryType;

    /// Evaluates `domain` after answering every query it asks from `zone` (NXDOMAIN when the
    /// zone has no answer), round by round as the probe does.
    fn check(domain: &str, provider: &str, zone: &DnsSnapshot) -> RecordCheck {
        let mut snapshot = DnsSnapshot::new();
        for _ in 0..16 {
            let needed = queries(domain, provider, &snapshot);
            if needed.is_empty() {
                break;
            }
            for query in needed {
                let answer = zone.get(&query).cloned().unwrap_or(Answer::NxDomain);
                snapshot.insert(query, answer);
            }
        }
        evaluate(domain, provider, &snapshot)
    }

    #[test]
    fn a_provider_name_without_a_record_is_never_ready() {
        let zone = DnsSnapshot::new()
            .with_txt("shop.example", &["v=spf1 include:spf.nowhere.example -all"]);
        let result = check("shop.example", "spf.nowhere.example", &zone);
        assert_eq!(result.status, RecordStatus::Fail, "{result:#?}");
        assert!(
            result.message.en().contains("no SPF record"),
            "{}",
            result.message.en()
        );
    }

    #[test]
    fn a_provider_that_lists_no_address_is_judged_by_a_stand_in() {
        let provider =
            DnsSnapshot::new().with_txt("spf.esp.example", &["v=spf1 a:out.esp.example -all"]);
        let included = provider
            .clone()
            .with_txt("shop.example", &["v=spf1 mx include:spf.esp.example -all"]);
        let result = check("shop.example", "spf.esp.example", &included);
        assert_eq!(result.status, RecordStatus::Pass, "{result:#?}");
        let caught = provider.with_txt("shop.example", &["v=spf1 -include:spf.esp.example -all"]);
        let result = check("shop.example", "spf.esp.example", &caught);
        assert_eq!(result.status, RecordStatus::Fail, "{result:#?}");
        assert!(
            result.message.en().contains("gets 'fail'"),
            "{}",
            result.message.en()
        );
    }

    #[test]
    fn a_provider_record_that_cannot_be_fetched_is_an_error_not_a_pass() {
        let zone = DnsSnapshot::new()
            .with_txt("shop.example", &["v=spf1 include:spf.esp.example -all"])
            .with(
                "spf.esp.example",
                QueryType::Txt,
                Answer::Failed(LookupFailure::Timeout),
            );
        let result = check("shop.example", "spf.esp.example", &zone);
        assert_eq!(result.status, RecordStatus::Error, "{result:#?}");
        assert_eq!(result.fix, None);
    }

    #[test]
    fn a_long_fix_is_split_into_character_strings() {
        let mut zone =
            DnsSnapshot::new().with_txt("spf.esp.example", &["v=spf1 ip4:198.51.100.0/24 -all"]);
        let long: Vec<String> = (0..40).map(|n| format!("ip4:192.0.2.{n}")).collect();
        zone = zone.with_txt(
            "shop.example",
            &[&format!("v=spf1 {} -all", long.join(" "))],
        );
        let result = check("shop.example", "spf.esp.example", &zone);
        let fix = result.fix.expect("a fix");
        assert!(fix.value.len() > 255);
        assert_eq!(fix.strings.concat(), fix.value);
        assert!(fix.strings.iter().all(|string| string.len() <= 255));
        assert!(
            fix.zone.starts_with("shop.example. IN TXT \"v=spf1 "),
            "{}",
            fix.zone
        );
        assert_eq!(fix.zone.matches("\" \"").count(), fix.strings.len() - 1);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        const PROVIDER: &str = "spf.esp.example";

        fn qualifier() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec!["", "+", "-", "~", "?"])
        }

        fn host() -> impl Strategy<Value = String> {
            "[a-z]{1,8}\\.(example|test|net)".prop_map(|host| host.to_string())
        }

        /// One mechanism other than `all` and other than the provider's include.
        fn mechanism() -> impl Strategy<Value = String> {
            prop_oneof![
                (qualifier(), prop::option::of(host())).prop_map(|(q, h)| format!(
                    "{q}a{}",
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

        fn record() -> impl Strategy<Value = String> {
            (
                prop::collection::vec(mechanism(), 0..6),
                prop::option::of(qualifier()),
                prop::option::of(host()),
            )
                .prop_map(|(mechanisms, all, exp)| {
                    let mut terms = mechanisms;
                    terms.extend(all.map(|q| format!("{q}all")));
                    terms.extend(exp.map(|h| format!("exp={h}")));
                    format!("v=spf1 {}", terms.join(" ")).trim_end().to_string()
                })
        }

        /// Every host a record names publishes a small record; the provider lists addresses.
        fn zone(record: &str) -> DnsSnapshot {
            let mut zone = DnsSnapshot::new()
                .with_txt("shop.example", &[record])
                .with_txt(
                    PROVIDER,
                    &["v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:ff::/48 -all"],
                );
            for term in record.split(' ') {
                if let Some((_, host)) = term.split_once("include:") {
                    zone = zone.with_txt(host, &["v=spf1 ip4:192.0.2.0/24 -all"]);
                }
            }
            zone
        }

        proptest! {
            #[test]
            fn every_fix_passes_keeps_the_customers_terms_and_is_stable(record in record()) {
                let zone = zone(&record);
                let first = super::check("shop.example", PROVIDER, &zone);
                if first.status == RecordStatus::Pass {
                    prop_assert!(first.fix.is_none());
                    return Ok(());
                }
                let fix = first.fix.clone().expect("a failing record has a fix");
                let unfixable = first.warnings.iter().any(|w| w.en().contains("no single record"));
                let fixed_zone = zone.clone().with_txt("shop.example", &[&fix.value]);
                let again = super::check("shop.example", PROVIDER, &fixed_zone);
                prop_assert!(
                    again.status == RecordStatus::Pass || unfixable,
                    "{} -> {}: {:?} {}", record, fix.value, again.status, again.message.en()
                );
                // Every term of the original is kept, or a warning names it and says why.
                for term in record.split(' ').skip(1) {
                    let kept = fix.value.split(' ').any(|kept| kept.eq_ignore_ascii_case(term));
                    let explained = first.warnings.iter().any(|w| w.en().contains(&format!("\"{term}\"")));
                    prop_assert!(kept || explained, "{} lost {}: {:?}", fix.value, term, first.warnings);
                }
                prop_assert_eq!(
                    fix.value.matches(&format!("include:{PROVIDER}")).count(),
                    1
                );
            }
        }
    }
}

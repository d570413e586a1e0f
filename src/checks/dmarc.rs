//! DMARC (RFC 7489): exactly one valid record at `_dmarc.DOMAIN`, or at the organizational
//! domain's `_dmarc` when the domain has none (§6.6.3).
//!
//! §6.3 decides what is fatal: `v` and `p` must be present, in that order, with valid values
//! (an invalid `sp` is treated like an invalid `p`, §6.6.3); a syntax error anywhere else is
//! ignored by receivers, who use the tag's default. So those are warnings here, each saying
//! what receivers do instead, and a fix keeps every valid tag and repairs only what is broken.
//!
//! The strictest widely deployed receiver is stricter: OpenDMARC's record parser (libopendmarc,
//! used by the OpenDMARC milter and by Exim) discards the whole record when `adkim` or `aspf`
//! is not a prefix of relaxed/strict, an `rf` format is not a prefix of afrf/iodef, `pct` is
//! outside 0–100, or `ri` is not digits. Those are errors here too (`fail`), the fix setting
//! the one tag to its default and keeping the others; what OpenDMARC also tolerates (unknown
//! tags, a part without `=`, `fo=2`, a report URI that is not `mailto:`) stays a warning.

use super::{ActionKind, Fix, RecordCheck, RecordKind, RecordStatus};
use crate::answer::{Answer, DnsSnapshot, Query};
use crate::profile::PolicyLevel;
use crate::text::{Text, codes};

/// The record published when there is none: monitoring only, which the providers require.
pub const DEFAULT_RECORD: &str = "v=DMARC1; p=none;";

/// The organizational domain of `domain`, from the public suffix list (RFC 7489 §3.2).
pub fn organizational_domain(domain: &str) -> String {
    psl::domain_str(domain).unwrap_or(domain).to_string()
}

fn policy_name(domain: &str) -> String {
    format!("_dmarc.{domain}")
}

/// The DMARC records among TXT records: those whose first tag is `v=DMARC1` (§6.6.3 discards
/// the rest). White space may surround the `=` (§6.4 `dmarc-version`).
pub fn dmarc_records(txt_records: &[String]) -> Vec<&str> {
    txt_records
        .iter()
        .map(String::as_str)
        .filter(|record| is_dmarc_record(record))
        .collect()
}

fn is_dmarc_record(record: &str) -> bool {
    let first = record.split(';').next().unwrap_or_default();
    let Some((tag, value)) = first.split_once('=') else {
        return false;
    };
    // No white space before `v` (§6.4 `dmarc-version = "v" *WSP "=" *WSP "DMARC1"`), and the
    // version's letters are given as hex in the ABNF: upper-case exactly.
    tag.trim_end_matches(is_wsp).eq_ignore_ascii_case("v") && value.trim_matches(is_wsp) == "DMARC1"
}

fn is_wsp(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A requested policy (§6.3 `p`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    None,
    Quarantine,
    Reject,
}

impl Policy {
    fn parse(value: &str) -> Option<Policy> {
        match value.to_ascii_lowercase().as_str() {
            "none" => Some(Policy::None),
            "quarantine" => Some(Policy::Quarantine),
            "reject" => Some(Policy::Reject),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Quarantine => "quarantine",
            Policy::Reject => "reject",
        }
    }
}

/// One `tag=value` of a record, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tag {
    name: String,
    value: String,
    text: String,
}

/// A DMARC record read by §6.3's rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    tags: Vec<Tag>,
    /// What makes the record unusable: receivers apply no DMARC (or only p=none).
    pub errors: Vec<Text>,
    /// What receivers ignore, with the default they use instead.
    pub warnings: Vec<Text>,
    pub policy: Option<Policy>,
    pub subdomain_policy: Option<Policy>,
    /// Report addresses that are `mailto:` URIs: (tag, address domain).
    pub report_domains: Vec<(String, String)>,
    /// Tags whose value receivers ignore (invalid), and report URIs they ignore.
    ignored_tags: Vec<String>,
    ignored_uris: Vec<String>,
    /// Tags that make OpenDMARC discard the record, with the default the fix sets instead.
    broken_tags: Vec<(String, &'static str)>,
}

/// Whether `value` is a non-empty, case-insensitive prefix of one of `words` (OpenDMARC reads
/// `adkim=s`, `p=rej` or `rf=a` this way).
fn prefix_of_any(value: &str, words: &[&str]) -> bool {
    !value.is_empty()
        && words.iter().any(|word| {
            word.len() >= value.len()
                && word.as_bytes()[..value.len()].eq_ignore_ascii_case(value.as_bytes())
        })
}

/// Reads a DMARC record (one that `is_dmarc_record`).
pub fn parse(record: &str) -> Record {
    let mut parsed = Record::default();
    for part in record.split(';') {
        let text = part.trim_matches(is_wsp);
        if text.is_empty() {
            continue;
        }
        let Some((name, value)) = text.split_once('=') else {
            parsed.warnings.push(codes::dmarc_not_a_pair(text));
            continue;
        };
        let name = name.trim_matches(is_wsp).to_ascii_lowercase();
        let value = value.trim_matches(is_wsp).to_string();
        if parsed.tags.iter().any(|tag| tag.name == name) {
            if name == "v" || name == "p" || name == "sp" {
                parsed.errors.push(codes::dmarc_repeated_policy_tag(&name));
            } else {
                parsed.warnings.push(codes::dmarc_repeated_tag(&name));
            }
            continue;
        }
        parsed.tags.push(Tag {
            name,
            value,
            text: text.to_string(),
        });
    }
    let names: Vec<&str> = parsed.tags.iter().map(|tag| tag.name.as_str()).collect();
    if names.first() != Some(&"v") {
        parsed.errors.push(codes::dmarc_version_first());
    }
    match names.iter().position(|name| *name == "p") {
        None => parsed.errors.push(codes::dmarc_no_policy()),
        Some(1) => {}
        Some(_) => parsed.errors.push(codes::dmarc_policy_second()),
    }
    let tags = parsed.tags.clone();
    for tag in &tags {
        check_tag(&mut parsed, tag);
    }
    parsed
}

/// Judges one tag's value by §6.4's grammar.
fn check_tag(parsed: &mut Record, tag: &Tag) {
    let value = tag.value.as_str();
    let warnings_before = parsed.warnings.len();
    let ignored = |default: Text| codes::dmarc_ignored_value(&tag.text, default);
    check_value(parsed, tag, value, ignored);
    let ignores_value = parsed.warnings[warnings_before..]
        .iter()
        .any(|warning| warning.code == codes::id::dmarc_ignored_value);
    if ignores_value {
        parsed.ignored_tags.push(tag.name.clone());
    }
}

fn check_value(parsed: &mut Record, tag: &Tag, value: &str, ignored: impl Fn(Text) -> Text) {
    match tag.name.as_str() {
        "v" => {}
        "p" => match Policy::parse(value) {
            Some(policy) => parsed.policy = Some(policy),
            None => parsed.errors.push(codes::dmarc_bad_policy(&tag.text)),
        },
        "sp" => match Policy::parse(value) {
            Some(policy) => parsed.subdomain_policy = Some(policy),
            None => parsed
                .errors
                .push(codes::dmarc_bad_subdomain_policy(&tag.text)),
        },
        "np" => {
            if Policy::parse(value).is_none() {
                parsed.warnings.push(ignored(codes::dmarc_default_np()));
            }
        }
        // An empty value is skipped by OpenDMARC like a missing tag; RFC 7489 ignores it.
        "adkim" | "aspf" if !value.is_empty() && !prefix_of_any(value, &["relaxed", "strict"]) => {
            parsed.errors.push(codes::dmarc_bad_alignment(&tag.text));
            parsed.broken_tags.push((tag.name.clone(), "r"));
        }
        "adkim" | "aspf" => {
            if !matches!(value.to_ascii_lowercase().as_str(), "r" | "s") {
                parsed
                    .warnings
                    .push(ignored(codes::dmarc_default_relaxed()));
            }
        }
        "pct" if pct_out_of_range(value) => {
            parsed.errors.push(codes::dmarc_bad_pct(&tag.text));
            parsed.broken_tags.push((tag.name.clone(), "100"));
        }
        "pct" => match value.parse::<u8>() {
            Ok(pct)
                if pct <= 100 && value.len() <= 3 && value.bytes().all(|b| b.is_ascii_digit()) =>
            {
                if pct < 100 {
                    parsed.warnings.push(codes::dmarc_partial_pct(pct));
                }
            }
            _ => parsed.warnings.push(ignored(codes::value("pct=100"))),
        },
        "ri" if !value.is_empty() && !value.bytes().all(|b| b.is_ascii_digit()) => {
            parsed.errors.push(codes::dmarc_bad_interval(&tag.text));
            parsed.broken_tags.push((tag.name.clone(), "86400"));
        }
        "ri" => {
            let valid = !value.is_empty()
                && value.bytes().all(|b| b.is_ascii_digit())
                && value.parse::<u32>().is_ok();
            if !valid {
                parsed
                    .warnings
                    .push(ignored(codes::dmarc_default_interval()));
            }
        }
        "fo" => {
            let valid = value
                .split(':')
                .all(|option| matches!(option.trim_matches(is_wsp), "0" | "1" | "d" | "s"));
            if !valid {
                parsed.warnings.push(ignored(codes::value("fo=0")));
            }
        }
        "rf" if !value.is_empty()
            && value
                .split([',', ':'])
                .map(|format| format.trim_matches(is_wsp))
                .any(|format| !prefix_of_any(format, &["afrf", "iodef"])) =>
        {
            parsed
                .errors
                .push(codes::dmarc_bad_report_format(&tag.text));
            parsed.broken_tags.push((tag.name.clone(), "afrf"));
        }
        "rf" => {
            let formats: Vec<&str> = value.split(':').map(|f| f.trim_matches(is_wsp)).collect();
            if !formats
                .iter()
                .any(|format| format.eq_ignore_ascii_case("afrf"))
            {
                parsed.warnings.push(ignored(codes::dmarc_default_afrf()));
            }
        }
        "rua" | "ruf" => check_uris(parsed, tag),
        "psd" | "t" => {}
        unknown => parsed.warnings.push(codes::dmarc_unknown_tag(unknown)),
    }
}

/// Whether OpenDMARC refuses a `pct` value: it reads the leading number as `strtoul` does
/// (a sign, then digits; trailing text ignored) and refuses one above 100 or below 0. A value
/// with no leading number reads as 0 there (RFC 7489 ignores it: a warning).
fn pct_out_of_range(value: &str) -> bool {
    let trimmed = value.trim_start();
    let (negative, rest) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let number = rest[..digits].bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    (negative && number > 0) || number > 100
}

/// `dmarc-uri *(*WSP "," *WSP dmarc-uri)`, `dmarc-uri = URI [ "!" 1*DIGIT [ "k"/"m"/"g"/"t" ] ]`.
fn check_uris(parsed: &mut Record, tag: &Tag) {
    for uri in tag.value.split(',') {
        let uri = uri.trim_matches(is_wsp);
        let (address, size) = match uri.rsplit_once('!') {
            Some((address, size)) => (address, Some(size)),
            None => (uri, None),
        };
        let size_ok = size.is_none_or(|size| {
            let digits = size.trim_end_matches(['k', 'm', 'g', 't', 'K', 'M', 'G', 'T']);
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && size.len() - digits.len() <= 1
        });
        let Some((scheme, rest)) = address.split_once(':') else {
            parsed
                .warnings
                .push(codes::dmarc_uri_no_scheme(&tag.name, uri));
            parsed.ignored_uris.push(uri.to_string());
            continue;
        };
        let scheme_ok = scheme
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphabetic)
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        let characters_ok = address.bytes().all(|b| b.is_ascii_graphic());
        if !scheme_ok || !characters_ok || !size_ok || rest.is_empty() {
            parsed
                .warnings
                .push(codes::dmarc_uri_invalid(&tag.name, uri));
            parsed.ignored_uris.push(uri.to_string());
            continue;
        }
        if !scheme.eq_ignore_ascii_case("mailto") {
            parsed
                .warnings
                .push(codes::dmarc_uri_not_mailto(&tag.name, uri));
            continue;
        }
        match rest.rsplit_once('@') {
            Some((local, host)) if !local.is_empty() && host.contains('.') => {
                let host = host.split('?').next().unwrap_or(host).to_ascii_lowercase();
                parsed
                    .report_domains
                    .push((tag.name.clone(), host.trim_end_matches('.').to_string()));
            }
            _ => parsed
                .warnings
                .push(codes::dmarc_uri_not_address(&tag.name, uri)),
        }
    }
}

/// The record with every valid tag kept, in order, and only what is broken repaired: `v`
/// first, a valid `p` second (`none` when it was missing or invalid), broken and repeated tags
/// left out.
pub fn repaired(record: &str) -> String {
    let parsed = parse(record);
    let mut parts = vec!["v=DMARC1".to_string()];
    parts.push(format!(
        "p={}",
        parsed.policy.unwrap_or(Policy::None).as_str()
    ));
    for tag in &parsed.tags {
        match tag.name.as_str() {
            "v" | "p" => {}
            "sp" if Policy::parse(&tag.value).is_none() => {}
            name if parsed.broken_tags.iter().any(|(broken, _)| broken == name) => {
                if let Some((_, default)) =
                    parsed.broken_tags.iter().find(|(broken, _)| broken == name)
                {
                    parts.push(format!("{name}={default}"));
                }
            }
            name if parsed.ignored_tags.iter().any(|ignored| ignored == name) => {}
            "rua" | "ruf" => {
                let kept: Vec<&str> = tag
                    .value
                    .split(',')
                    .map(|uri| uri.trim_matches(is_wsp))
                    .filter(|uri| !parsed.ignored_uris.iter().any(|bad| bad == uri))
                    .collect();
                if !kept.is_empty() {
                    parts.push(format!("{}={}", tag.name, kept.join(",")));
                }
            }
            _ => parts.push(format!("{}={}", tag.name, tag.value)),
        }
    }
    format!("{};", parts.join("; "))
}

/// The name where `report_domain` authorises reports about `domain` (§7.1).
pub fn report_authorization_name(domain: &str, report_domain: &str) -> String {
    format!("{domain}._report._dmarc.{report_domain}")
}

/// Report addresses in another organizational domain than `domain`'s: those need the
/// destination's authorisation record (§7.1).
fn external_destinations(domain: &str, record: &Record) -> Vec<(String, String)> {
    let own = organizational_domain(domain);
    let mut external: Vec<(String, String)> = record
        .report_domains
        .iter()
        .filter(|(_, host)| organizational_domain(host) != own)
        .cloned()
        .collect();
    external.sort();
    external.dedup();
    external
}

/// Where the applicable record is, once known: the name it was found at and the records there.
fn applicable<'s>(
    domain: &str,
    snapshot: &'s DnsSnapshot,
) -> Result<Option<(String, Vec<&'s str>)>, Query> {
    let own = policy_name(domain);
    match snapshot.get(&Query::txt(&own)).map(Answer::records) {
        None => return Err(Query::txt(&own)),
        Some(Err(_)) => return Ok(None),
        Some(Ok(records)) => {
            let found = dmarc_records(records);
            if !found.is_empty() {
                return Ok(Some((own, found)));
            }
        }
    }
    let organizational = organizational_domain(domain);
    if organizational == domain {
        return Ok(None);
    }
    let org = policy_name(&organizational);
    match snapshot.get(&Query::txt(&org)).map(Answer::records) {
        None => Err(Query::txt(&org)),
        Some(Ok(records)) if !dmarc_records(records).is_empty() => {
            Ok(Some((org, dmarc_records(records))))
        }
        Some(_) => Ok(None),
    }
}

/// The queries still needed: the domain's record, the organizational domain's when the domain
/// has none, and the authorisation of each external report destination.
pub fn queries(domain: &str, snapshot: &DnsSnapshot) -> Vec<Query> {
    match applicable(domain, snapshot) {
        Err(query) => vec![query],
        Ok(Some((name, records))) if records.len() == 1 => {
            let policy_domain = name.trim_start_matches("_dmarc.");
            external_destinations(policy_domain, &parse(records[0]))
                .into_iter()
                .map(|(_, host)| Query::txt(&report_authorization_name(policy_domain, &host)))
                .filter(|query| !snapshot.contains(query))
                .collect()
        }
        Ok(_) => Vec::new(),
    }
}

/// Judges the DMARC record that applies to `domain`.
pub fn evaluate(domain: &str, snapshot: &DnsSnapshot) -> RecordCheck {
    let own_name = policy_name(domain);
    let mut check = RecordCheck::new(
        RecordKind::Dmarc,
        &own_name,
        "TXT",
        codes::dmarc_expected(),
        Fix::txt(&own_name, DEFAULT_RECORD),
    );
    let own_records = match lookup(&mut check, snapshot, &own_name) {
        Some(records) => records,
        None => return check,
    };
    let own_dmarc = dmarc_records(own_records);
    if !own_dmarc.is_empty() {
        judge(&mut check, snapshot, &own_dmarc, &own_name, false);
        return check;
    }
    let organizational = organizational_domain(domain);
    if organizational != domain {
        let org_name = policy_name(&organizational);
        let org_records = match lookup(&mut check, snapshot, &org_name) {
            Some(records) => dmarc_records(records),
            None => return check,
        };
        if !org_records.is_empty() {
            check.name = org_name.clone();
            judge(&mut check, snapshot, &org_records, &org_name, true);
            return check;
        }
    }
    check.status = RecordStatus::Missing;
    check.message = if organizational == domain {
        codes::dmarc_missing(&own_name)
    } else {
        codes::dmarc_missing_both(&own_name, policy_name(&organizational))
    };
    // A TXT record at _dmarc that is not DMARC: say what it is, so the customer sees why.
    if let Some(other) = own_records.first() {
        check.found = own_records.to_vec();
        let not_dmarc = if super::spf::is_spf_record(other) {
            codes::dmarc_spf_at_dmarc(&own_name, other)
        } else {
            codes::dmarc_not_dmarc(&own_name, other)
        };
        check.message = check.message.clone().and(not_dmarc);
        if super::spf::is_spf_record(other)
            && let Some(fix) = check.fix.take()
        {
            check.fix = Some(fix.removing(&own_name, other));
        }
    }
    check
}

/// As `evaluate`, and a record that applies with a weaker policy than `min_policy` fails (for
/// a domain without its own record, the organizational domain's `sp=`, else `p=`).
pub fn evaluate_at_least(
    domain: &str,
    min_policy: Option<PolicyLevel>,
    snapshot: &DnsSnapshot,
) -> RecordCheck {
    let mut check = evaluate(domain, snapshot);
    let Some(min_policy) = min_policy else {
        return check;
    };
    check.expected = codes::dmarc_expected_at_least(min_policy.as_str());
    if check.status != RecordStatus::Pass {
        if let Some(fix) = check.fix.take() {
            let value = with_policy(&fix.value, min_policy);
            let mut raised = Fix::txt(&fix.name, &value);
            for action in &fix.actions {
                raised = match (action.action, &action.replaces) {
                    (ActionKind::Replace, Some(old)) => raised.replacing(old),
                    (ActionKind::Remove, _) => raised.removing(&action.name, &action.value),
                    _ => raised,
                };
            }
            check.fix = Some(raised);
        }
        return check;
    }
    let Some(record) = applicable_record(domain, snapshot) else {
        return check;
    };
    let parsed = parse(record);
    let inherited = check.name != policy_name(domain);
    let applied = if inherited {
        parsed.subdomain_policy.or(parsed.policy)
    } else {
        parsed.policy
    }
    .unwrap_or(Policy::None);
    let level = match applied {
        Policy::None => PolicyLevel::None,
        Policy::Quarantine => PolicyLevel::Quarantine,
        Policy::Reject => PolicyLevel::Reject,
    };
    if level < min_policy {
        check.status = RecordStatus::Fail;
        check.message = codes::dmarc_policy_too_weak(applied.as_str(), min_policy.as_str());
        let name = check.name.clone();
        check.fix =
            Some(Fix::txt(&name, &with_policy(&repaired(record), min_policy)).replacing(record));
    }
    check
}

/// A DMARC record with its `p=` set to `policy` (added after `v=` when absent).
fn with_policy(record: &str, policy: PolicyLevel) -> String {
    let mut parts: Vec<String> = record
        .split(';')
        .map(|part| part.trim().to_string())
        .filter(|part| !part.is_empty())
        .collect();
    let tag = format!("p={}", policy.as_str());
    match parts.iter().position(|part| {
        part.split('=')
            .next()
            .is_some_and(|name| name.trim() == "p")
    }) {
        Some(index) => parts[index] = tag,
        None => parts.insert(1.min(parts.len()), tag),
    }
    parts.join("; ")
}

/// The TXT records at `name`, or `None` after marking `check` as an error.
fn lookup<'s>(
    check: &mut RecordCheck,
    snapshot: &'s DnsSnapshot,
    name: &str,
) -> Option<&'s [String]> {
    let query = Query::txt(name);
    match snapshot.get(&query).map(Answer::records) {
        None => {
            *check = check.clone().not_looked_up(&query);
            None
        }
        Some(Err(failure)) => {
            *check = RecordCheck::lookup_failed(
                RecordKind::Dmarc,
                &check.name,
                "TXT",
                check.expected.clone(),
                &query,
                failure,
            );
            None
        }
        Some(Ok(records)) => Some(records),
    }
}

/// Judges the DMARC records found at `name`; `inherited` when they are the organizational
/// domain's.
fn judge(
    check: &mut RecordCheck,
    snapshot: &DnsSnapshot,
    records: &[&str],
    name: &str,
    inherited: bool,
) {
    check.found = records.iter().map(|record| record.to_string()).collect();
    if records.len() > 1 {
        check.status = RecordStatus::Fail;
        check.message = codes::dmarc_several_records(name, records.len());
        // Keep the best record, repaired, so the customer's policy and reports survive.
        let keep = records
            .iter()
            .find(|record| parse(record).errors.is_empty())
            .unwrap_or(&records[0]);
        let mut fix = Fix::txt(name, &repaired(keep)).replacing(keep);
        for other in records.iter().filter(|record| *record != keep) {
            fix = fix.removing(name, other);
        }
        check.fix = Some(fix);
        return;
    }
    let record = records[0];
    let parsed = parse(record);
    check.warnings.extend(parsed.warnings.iter().cloned());
    if !parsed.errors.is_empty() {
        check.status = RecordStatus::Fail;
        check.message = codes::dmarc_invalid(name, parsed.errors.clone());
        check.fix = Some(Fix::txt(name, &repaired(record)).replacing(record));
        return;
    }
    check.fix = None;
    let policy_domain = name.trim_start_matches("_dmarc.");
    for (tag, host) in external_destinations(policy_domain, &parsed) {
        let authorization = report_authorization_name(policy_domain, &host);
        match snapshot
            .get(&Query::txt(&authorization))
            .map(Answer::records)
        {
            Some(Ok(records)) if !dmarc_records(records).is_empty() => {}
            Some(Ok(_)) => check.warnings.push(codes::dmarc_reports_unauthorised(
                tag,
                &host,
                &authorization,
            )),
            Some(Err(failure)) => check.warnings.push(codes::dmarc_reports_lookup_failed(
                &host,
                policy_domain,
                &authorization,
                super::failure_text(failure),
            )),
            None => check.warnings.push(codes::dmarc_reports_not_looked_up(
                &host,
                policy_domain,
                &authorization,
            )),
        }
    }
    let applied = if inherited {
        parsed.subdomain_policy.or(parsed.policy)
    } else {
        parsed.policy
    }
    .unwrap_or(Policy::None);
    let policy = applied.as_str();
    check.message = if inherited {
        codes::dmarc_inherited(name, policy)
    } else {
        codes::dmarc_pass(name, policy)
    };
    if applied == Policy::None {
        check.warnings.push(codes::dmarc_policy_none());
    }
}

/// The alignment mode a From domain's DMARC record asks for DKIM: `true` for strict
/// (`adkim=s`), `false` for relaxed, the default (§6.3).
pub fn strict_dkim_alignment(record: &str) -> bool {
    parse(record)
        .tags
        .iter()
        .any(|tag| tag.name == "adkim" && tag.value.eq_ignore_ascii_case("s"))
}

/// The policy a receiver applies to a message whose From domain is `domain` (RFC 7489 §6.6.3),
/// as far as the snapshot shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessagePolicy {
    /// No DMARC record: DMARC does not apply (result `none`).
    None,
    /// DNS did not answer: `temperror`, a later try may find the record.
    TempError(Text),
    /// A record that receivers cannot use: several records, or what OpenDMARC discards.
    PermError(Text),
    Found {
        /// Where the record is (`_dmarc.` the domain, or its organizational domain).
        name: String,
        /// `p=`, or `sp=` for a subdomain under an organizational domain's record.
        policy: Policy,
        /// `aspf=s` and `adkim=s`: strict alignment.
        strict_spf: bool,
        strict_dkim: bool,
    },
}

/// Finds the policy for a message From `domain`; `Err` names the query still needed.
pub fn message_policy(domain: &str, snapshot: &DnsSnapshot) -> Result<MessagePolicy, Query> {
    let own = policy_name(domain);
    let failed = |name: &str, failure: &crate::answer::LookupFailure| {
        MessagePolicy::TempError(codes::dmarc_lookup_failed(
            name,
            super::failure_text(failure),
        ))
    };
    let found = match snapshot.get(&Query::txt(&own)) {
        None => return Err(Query::txt(&own)),
        Some(Answer::Failed(failure)) => return Ok(failed(&own, failure)),
        Some(answer) => {
            let records = dmarc_records(answer.records().unwrap_or_default());
            if records.is_empty() {
                None
            } else {
                Some((own, records))
            }
        }
    };
    let organizational = organizational_domain(domain);
    let found = match found {
        Some(found) => Some(found),
        None if organizational == domain => None,
        None => {
            let org = policy_name(&organizational);
            match snapshot.get(&Query::txt(&org)) {
                None => return Err(Query::txt(&org)),
                Some(Answer::Failed(failure)) => return Ok(failed(&org, failure)),
                Some(answer) => {
                    let records = dmarc_records(answer.records().unwrap_or_default());
                    (!records.is_empty()).then_some((org, records))
                }
            }
        }
    };
    let Some((name, records)) = found else {
        return Ok(MessagePolicy::None);
    };
    if records.len() > 1 {
        return Ok(MessagePolicy::PermError(codes::dmarc_several_records(
            &name,
            records.len(),
        )));
    }
    let record = parse(records[0]);
    if let Some(error) = record.errors.first() {
        return Ok(MessagePolicy::PermError(codes::dmarc_unusable(
            &name,
            error.clone(),
        )));
    }
    let at_organizational = name != policy_name(domain);
    let policy = if at_organizational {
        record.subdomain_policy.or(record.policy)
    } else {
        record.policy
    }
    .unwrap_or(Policy::None);
    let strict = |tag_name: &str| {
        record
            .tags
            .iter()
            .any(|tag| tag.name == tag_name && tag.value.to_ascii_lowercase().starts_with('s'))
    };
    Ok(MessagePolicy::Found {
        strict_spf: strict("aspf"),
        strict_dkim: strict("adkim"),
        name,
        policy,
    })
}

/// The DMARC record that applies to `domain` in `snapshot`, if exactly one is found.
pub fn applicable_record<'s>(domain: &str, snapshot: &'s DnsSnapshot) -> Option<&'s str> {
    match applicable(domain, snapshot) {
        Ok(Some((_, records))) if records.len() == 1 => Some(records[0]),
        _ => None,
    }
}

/// The queries that find the DMARC record applying to `domain`.
pub fn record_queries(domain: &str, snapshot: &DnsSnapshot) -> Option<Query> {
    applicable(domain, snapshot).err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_v_and_p_are_fatal() {
        for (record, fatal) in [
            ("v=DMARC1; p=reject", false),
            (
                "v=DMARC1; p=reject; pct=abc; adkim=relaxed; fo=2; foo=bar; rua=https://x.example",
                false,
            ),
            // What OpenDMARC discards the whole record for.
            ("v=DMARC1; p=reject; pct=150", true),
            ("v=DMARC1; p=reject; pct=-1", true),
            ("v=DMARC1; p=reject; adkim=x", true),
            ("v=DMARC1; p=reject; aspf=loose", true),
            ("v=DMARC1; p=reject; rf=xml", true),
            ("v=DMARC1; p=reject; rf=afrf,bob", true),
            ("v=DMARC1; p=reject; ri=daily", true),
            // Prefixes OpenDMARC reads, and RFC lists it keeps.
            (
                "v=DMARC1; p=reject; adkim=S; aspf=rel; rf=afrf:iodef; ri=3600",
                false,
            ),
            ("v=DMARC1; p=maybe", true),
            ("v=DMARC1; rua=mailto:d@shop.example", true),
            ("v=DMARC1; sp=none; p=reject", true),
            ("v=DMARC1; p=reject; sp=bogus", true),
        ] {
            assert_eq!(!parse(record).errors.is_empty(), fatal, "{record}");
        }
    }

    #[test]
    fn the_repair_keeps_every_valid_tag() {
        assert_eq!(
            repaired("v=DMARC1; rua=mailto:d@shop.example; p=reject; pct=150; fo=1"),
            "v=DMARC1; p=reject; rua=mailto:d@shop.example; pct=100; fo=1;"
        );
        assert_eq!(
            repaired(
                "v=DMARC1; p=reject; adkim=x; rf=xml; ri=daily; pct=abc; rua=mailto:d@shop.example"
            ),
            "v=DMARC1; p=reject; adkim=r; rf=afrf; ri=86400; rua=mailto:d@shop.example;"
        );
        assert_eq!(repaired("v=DMARC1; p=bogus"), "v=DMARC1; p=none;");
        assert_eq!(
            repaired("v=DMARC1; p=quarantine; pct=25; rua=https://r.example"),
            "v=DMARC1; p=quarantine; pct=25; rua=https://r.example;"
        );
    }

    #[test]
    fn selection_wants_v_first_and_dmarc1_exactly() {
        let records: Vec<String> = [
            "v=DMARC1; p=none",
            "v = DMARC1;p=none",
            "v=dmarc1; p=none",
            " v=DMARC1",
            "p=none; v=DMARC1",
        ]
        .iter()
        .map(|r| r.to_string())
        .collect();
        assert_eq!(
            dmarc_records(&records),
            vec!["v=DMARC1; p=none", "v = DMARC1;p=none"]
        );
    }

    #[test]
    fn external_report_destinations_are_found_by_organizational_domain() {
        let record = parse(
            "v=DMARC1; p=none; rua=mailto:a@shop.example,mailto:b@reports.shop.example,mailto:c@agg.example.net",
        );
        assert_eq!(
            external_destinations("shop.example", &record),
            vec![("rua".to_string(), "agg.example.net".to_string())]
        );
        assert_eq!(
            report_authorization_name("shop.example", "agg.example.net"),
            "shop.example._report._dmarc.agg.example.net"
        );
    }
}

//! The SPF record to publish: the customer's terms kept, repaired where a typo broke them, the
//! provider's include merged in, and the result proven by evaluating it over the same snapshot
//! (worst path and the provider's addresses). What no single record can repair is said in a
//! warning that gives the fixed record's own figures.

use std::net::IpAddr;

use super::eval::{self, Client, Evaluation, Family, MAX_LOOKUPS, MAX_VOID_LOOKUPS, SpfResult};
use super::parse::{self, Mechanism, Modifier, Qualifier, TermKind};
use crate::answer::{Answer, DnsSnapshot, Query, QueryType, normalize_name};
use crate::text::{Arg, Text, codes};

/// The record proposed, and what to know about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proposal {
    pub value: String,
    /// About the proposed record: terms dropped or repaired, and why it may still not pass.
    pub warnings: Vec<Text>,
    /// Answers still needed to prove the proposal.
    pub needed: Vec<Query>,
    /// Whether the proposal passes over the snapshot.
    pub passes: bool,
}

/// One kept term.
#[derive(Clone, Debug)]
struct Piece {
    text: String,
    kind: TermKind,
}

/// Where the provider's include goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// Just before the terminal `all` or `redirect=`, or at the end: the usual merge.
    BeforeAll,
    /// First: when an earlier term would catch the provider's mail.
    Front,
}

#[derive(Default)]
struct Parts {
    before_all: Vec<Piece>,
    all: Option<Piece>,
    after_all: Vec<Piece>,
    redirect: Option<Piece>,
    explanation: Option<Piece>,
    others: Vec<Piece>,
}

impl Parts {
    fn compose(&self, include: &str, placement: Placement) -> String {
        let mut terms = vec!["v=spf1".to_string()];
        let include_term = format!("include:{include}");
        if placement == Placement::Front {
            terms.push(include_term.clone());
        }
        terms.extend(self.before_all.iter().map(|piece| piece.text.clone()));
        if placement == Placement::BeforeAll {
            terms.push(include_term);
        }
        terms.extend(self.all.iter().map(|piece| piece.text.clone()));
        terms.extend(self.after_all.iter().map(|piece| piece.text.clone()));
        for piece in [&self.redirect, &self.explanation].into_iter().flatten() {
            terms.push(piece.text.clone());
        }
        terms.extend(self.others.iter().map(|piece| piece.text.clone()));
        terms.join(" ")
    }
}

/// Builds the record to publish at `domain` in place of `records` (empty when there is none).
pub fn propose(
    domain: &str,
    records: &[&str],
    provider: &str,
    samples: &[IpAddr],
    snapshot: &DnsSnapshot,
) -> Proposal {
    let provider = normalize_name(provider);
    let mut warnings = Vec::new();
    let mut needed = Vec::new();
    let mut parts = collect(records, &provider, &mut warnings);
    if records.is_empty() {
        parts.all = parse_term("-all").map(|(text, kind)| Piece { text, kind });
    }
    drop_broken_targets(&mut parts, snapshot, &mut warnings, &mut needed);
    if !needed.is_empty() {
        return Proposal {
            value: parts.compose(&provider, Placement::BeforeAll),
            warnings,
            needed,
            passes: false,
        };
    }
    let mut placement = Placement::BeforeAll;
    let mut value = parts.compose(&provider, placement);
    let mut judged = judge(domain, &value, samples, snapshot);
    if judged.complete() && !judged.provider_passes() && !judged.permerror() {
        placement = Placement::Front;
        value = parts.compose(&provider, placement);
        judged = judge(domain, &value, samples, snapshot);
    }
    while judged.complete() && judged.lookups() > MAX_LOOKUPS {
        let Some(flattened) = flatten_one(&mut parts, &provider, snapshot) else {
            break;
        };
        warnings.push(flattened);
        value = parts.compose(&provider, placement);
        judged = judge(domain, &value, samples, snapshot);
    }
    if judged.complete() && judged.voids() > MAX_VOID_LOOKUPS {
        let dropped = drop_voids(&mut parts, domain, snapshot);
        if !dropped.is_empty() {
            warnings.push(codes::spf_fix_drops_voids(
                quoted(&dropped),
                MAX_VOID_LOOKUPS,
            ));
            value = parts.compose(&provider, placement);
            judged = judge(domain, &value, samples, snapshot);
        }
    }
    needed.extend(judged.needed());
    let passes = judged.complete() && judged.passes();
    if judged.complete() && !passes {
        warnings.push(judged.why_not(&provider));
    } else if passes && judged.lookups() >= MAX_LOOKUPS - 1 {
        warnings.push(codes::spf_fix_near_limit(judged.lookups(), MAX_LOOKUPS));
    }
    Proposal {
        value,
        warnings,
        needed,
        passes,
    }
}

/// Every valid term of `records`, merged; repaired where a stray character broke a term.
fn collect(records: &[&str], provider: &str, warnings: &mut Vec<Text>) -> Parts {
    let mut parts = Parts::default();
    let mut dropped = Vec::new();
    let mut repaired = Vec::new();
    for record in records {
        let mut seen_all = false;
        // Any white space separates terms here: a TAB or line break inside a record is a
        // syntax error for receivers, and the fix is to make it a space.
        for raw in record.split_ascii_whitespace() {
            if raw.eq_ignore_ascii_case("v=spf1") {
                continue;
            }
            let Some((text, kind)) = parse_term(raw) else {
                dropped.push(raw.to_string());
                continue;
            };
            if text != raw {
                repaired.push(codes::spf_fix_corrected_term(parse::printable(raw), &text));
            }
            let piece = Piece { text, kind };
            match &piece.kind {
                TermKind::Directive {
                    mechanism: Mechanism::All,
                    ..
                } => {
                    seen_all = true;
                    if parts.all.is_none() {
                        parts.all = Some(piece);
                    }
                }
                TermKind::Directive {
                    mechanism: Mechanism::Include(spec),
                    ..
                } if eval::static_target(spec, "example.invalid").is_some_and(|target| {
                    let target = normalize_name(&target);
                    if target == provider {
                        return true;
                    }
                    let distance = edit_distance(&target, provider);
                    if (1..=2).contains(&distance) {
                        warnings.push(codes::spf_fix_misspelled_include(
                            &piece.text,
                            &target,
                            provider,
                        ));
                        return true;
                    }
                    false
                }) =>
                {
                    // The provider's include (or a misspelling of it) is placed anew.
                }
                TermKind::Directive { .. } => {
                    let list = if seen_all {
                        &mut parts.after_all
                    } else {
                        &mut parts.before_all
                    };
                    if !list
                        .iter()
                        .any(|kept| kept.text.eq_ignore_ascii_case(&piece.text))
                    {
                        list.push(piece);
                    }
                }
                TermKind::Modifier(Modifier::Redirect(_)) => {
                    parts.redirect.get_or_insert(piece);
                }
                TermKind::Modifier(Modifier::Explanation(_)) => {
                    parts.explanation.get_or_insert(piece);
                }
                TermKind::Modifier(Modifier::Unknown { .. }) => {
                    if !parts
                        .others
                        .iter()
                        .any(|kept| kept.text.eq_ignore_ascii_case(&piece.text))
                    {
                        parts.others.push(piece);
                    }
                }
            }
        }
    }
    if !repaired.is_empty() {
        warnings.push(codes::spf_fix_corrects(Arg::all(repaired)));
    }
    if !dropped.is_empty() {
        warnings.push(codes::spf_fix_drops_invalid(quoted(&dropped)));
    }
    parts
}

/// A term as the grammar reads it, or repaired: stray trailing punctuation or quotes removed.
fn parse_term(raw: &str) -> Option<(String, TermKind)> {
    let trimmed_quotes = raw.trim_matches(|c| c == '"' || c == '\'');
    let candidates = [
        raw,
        raw.trim_end_matches(['.', ',', ';']),
        trimmed_quotes,
        trimmed_quotes.trim_end_matches(['.', ',', ';']),
    ];
    candidates.into_iter().find_map(|candidate| {
        if candidate.is_empty() {
            return None;
        }
        let record = parse::parse(&format!("v=spf1 {candidate}")).ok()?;
        let [term] = <[parse::Term; 1]>::try_from(record.terms).ok()?;
        Some((candidate.to_string(), term.kind))
    })
}

/// Leaves out includes and a redirect whose target makes every evaluation a permanent error
/// (no SPF record, an invalid one, its own limits broken).
fn drop_broken_targets(
    parts: &mut Parts,
    snapshot: &DnsSnapshot,
    warnings: &mut Vec<Text>,
    needed: &mut Vec<Query>,
) {
    let mut broken = |piece: &Piece, spec: &parse::MacroString| -> bool {
        let Some(target) = eval::static_target(spec, "example.invalid") else {
            return false;
        };
        let evaluation = eval::check_host(snapshot, &target, Client::Unmatched(Family::V4));
        if !evaluation.complete() {
            needed.extend(evaluation.needed.iter().cloned());
            return false;
        }
        let reason = match evaluation.result() {
            SpfResult::None => codes::spf_fix_target_no_record(&target),
            SpfResult::PermError => evaluation.problem.as_ref().map_or_else(
                || codes::spf_fix_target_invalid(&target),
                |p| p.message.clone(),
            ),
            _ => return false,
        };
        warnings.push(codes::spf_fix_drops_broken(&piece.text, reason, &target));
        true
    };
    parts.before_all.retain(|piece| match &piece.kind {
        TermKind::Directive {
            mechanism: Mechanism::Include(spec),
            ..
        } => !broken(piece, spec),
        _ => true,
    });
    if parts.all.is_none()
        && let Some(piece) = &parts.redirect
        && let TermKind::Modifier(Modifier::Redirect(spec)) = &piece.kind
        && broken(piece, spec)
    {
        parts.redirect = None;
    }
}

/// Replaces one include whose record lists only addresses by those addresses, which gives the
/// same result for every sender with one lookup fewer.
fn flatten_one(parts: &mut Parts, provider: &str, snapshot: &DnsSnapshot) -> Option<Text> {
    for index in 0..parts.before_all.len() {
        let piece = &parts.before_all[index];
        let TermKind::Directive {
            qualifier,
            mechanism: Mechanism::Include(spec),
        } = &piece.kind
        else {
            continue;
        };
        let Some(target) = eval::static_target(spec, "example.invalid") else {
            continue;
        };
        if target == provider {
            continue;
        }
        let Some(addresses) = address_terms(snapshot, &target) else {
            continue;
        };
        let prefix = match qualifier {
            Qualifier::Pass => "",
            Qualifier::Fail => "-",
            Qualifier::SoftFail => "~",
            Qualifier::Neutral => "?",
        };
        let replaced = piece.text.clone();
        let flattened: Vec<Piece> = addresses
            .into_iter()
            .filter_map(|address| parse_term(&format!("{prefix}{address}")))
            .map(|(text, kind)| Piece { text, kind })
            .collect();
        let count = flattened.len();
        parts.before_all.splice(index..=index, flattened);
        return Some(codes::spf_fix_flattened(
            replaced,
            count,
            target,
            MAX_LOOKUPS,
        ));
    }
    None
}

/// The address terms of the record at `target` when they decide its result alone: only `+`
/// ip4/ip6 terms before a non-`+` `all`, no redirect.
fn address_terms(snapshot: &DnsSnapshot, target: &str) -> Option<Vec<String>> {
    let answer = snapshot.get(&Query::txt(target))?;
    let records = answer.records().ok()?;
    let spf = super::spf_records(records);
    let [record] = spf.as_slice() else {
        return None;
    };
    let parsed = parse::parse(record).ok()?;
    let mut addresses = Vec::new();
    for term in &parsed.terms {
        match &term.kind {
            TermKind::Directive {
                qualifier,
                mechanism: Mechanism::All,
            } => {
                if *qualifier == Qualifier::Pass {
                    return None;
                }
                break;
            }
            TermKind::Directive {
                qualifier: Qualifier::Pass,
                mechanism: Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. },
            } => addresses.push(term.text.trim_start_matches('+').to_string()),
            TermKind::Modifier(Modifier::Explanation(_) | Modifier::Unknown { .. }) => {}
            _ => return None,
        }
    }
    if parsed.redirect().is_some() && !parsed.has_all() {
        return None;
    }
    Some(addresses)
}

/// Leaves out `a`, `mx` and `exists` terms whose lookups return nothing for every sender.
fn drop_voids(parts: &mut Parts, domain: &str, snapshot: &DnsSnapshot) -> Vec<String> {
    let void = |name: &str, types: &[QueryType]| {
        types.iter().all(|query_type| {
            snapshot
                .get(&Query::new(name, *query_type))
                .is_some_and(Answer::is_void)
        })
    };
    let mut dropped = Vec::new();
    parts.before_all.retain(|piece| {
        let TermKind::Directive { mechanism, .. } = &piece.kind else {
            return true;
        };
        let target = |spec: Option<&parse::MacroString>| match spec {
            None => Some(domain.to_string()),
            Some(spec) => eval::static_target(spec, domain),
        };
        let is_void = match mechanism {
            Mechanism::A { domain: spec, .. } => target(spec.as_ref())
                .is_some_and(|name| void(&name, &[QueryType::A, QueryType::Aaaa])),
            Mechanism::Mx { domain: spec, .. } => {
                target(spec.as_ref()).is_some_and(|name| void(&name, &[QueryType::Mx]))
            }
            Mechanism::Exists(spec) => {
                target(Some(spec)).is_some_and(|name| void(&name, &[QueryType::A]))
            }
            _ => false,
        };
        if is_void {
            dropped.push(piece.text.clone());
        }
        !is_void
    });
    dropped
}

/// A proposed record evaluated like a published one.
struct Judgement {
    parsed: bool,
    worst: Vec<Evaluation>,
    provider: Vec<(IpAddr, Evaluation)>,
}

fn judge(domain: &str, value: &str, samples: &[IpAddr], snapshot: &DnsSnapshot) -> Judgement {
    let Ok(record) = parse::parse(value) else {
        return Judgement {
            parsed: false,
            worst: Vec::new(),
            provider: Vec::new(),
        };
    };
    let worst = [Family::V4, Family::V6]
        .into_iter()
        .map(|family| eval::check_record(snapshot, domain, &record, Client::Unmatched(family)))
        .collect();
    let provider = samples
        .iter()
        .map(|ip| {
            (
                *ip,
                eval::check_record(snapshot, domain, &record, Client::Address(*ip)),
            )
        })
        .collect();
    Judgement {
        parsed: true,
        worst,
        provider,
    }
}

impl Judgement {
    fn evaluations(&self) -> impl Iterator<Item = &Evaluation> {
        self.worst
            .iter()
            .chain(self.provider.iter().map(|(_, evaluation)| evaluation))
    }

    fn needed(&self) -> Vec<Query> {
        self.evaluations()
            .flat_map(|evaluation| evaluation.needed.iter().cloned())
            .collect()
    }

    fn complete(&self) -> bool {
        self.evaluations().all(Evaluation::complete)
    }

    fn permerror(&self) -> bool {
        !self.parsed
            || self
                .worst
                .iter()
                .any(|e| e.result() == SpfResult::PermError)
    }

    fn provider_passes(&self) -> bool {
        self.provider
            .iter()
            .all(|(_, evaluation)| evaluation.result() == SpfResult::Pass)
    }

    fn passes(&self) -> bool {
        self.parsed
            && !self.permerror()
            && self.provider_passes()
            && self
                .worst
                .iter()
                .all(|e| e.result() != SpfResult::TempError)
    }

    fn lookups(&self) -> usize {
        self.worst.iter().map(|e| e.lookups).max().unwrap_or(0)
    }

    fn voids(&self) -> usize {
        self.worst.iter().map(|e| e.void_lookups).max().unwrap_or(0)
    }

    /// Why no single record can pass, in the fixed record's own figures.
    fn why_not(&self, provider: &str) -> Text {
        if let Some(problem) = self.worst.iter().find_map(|e| e.problem.as_ref()) {
            let figures = if self.lookups() > MAX_LOOKUPS {
                codes::spf_fix_too_many_lookups(self.lookups(), MAX_LOOKUPS)
            } else {
                problem.message.clone()
            };
            return codes::spf_fix_unfixable(figures);
        }
        if let Some((ip, evaluation)) = self
            .provider
            .iter()
            .find(|(_, evaluation)| evaluation.result() != SpfResult::Pass)
        {
            return codes::spf_fix_provider_still_fails(
                provider,
                ip.to_string(),
                evaluation.result().as_str(),
            );
        }
        codes::spf_fix_unproven()
    }
}

fn quoted(terms: &[String]) -> String {
    terms
        .iter()
        .map(|term| format!("\"{}\"", parse::printable(term)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Edit distance between two host names (ASCII).
fn edit_distance(left: &str, right: &str) -> usize {
    strsim::levenshtein(left, right)
}

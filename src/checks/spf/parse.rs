//! The SPF record grammar of RFC 7208 §12, parsed exactly: a record becomes a syntax tree whose
//! every term keeps its position, or a list of findings that each point at the offending term.
//!
//! The parser is strict where receivers are (§4.6: one syntax error anywhere makes the whole
//! record a permerror) and lenient where the grammar is: unknown modifiers with any
//! macro-string value, `:` and `/` inside a domain-spec's labels, every macro expansion.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use crate::text::{Text, codes};

/// A term's qualifier (§4.6.2); `+` when none is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

impl Qualifier {
    pub fn as_char(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }
}

/// A macro letter of §7.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacroLetter {
    Sender,
    LocalPart,
    SenderDomain,
    Domain,
    Ip,
    ValidatedName,
    IpVersion,
    Helo,
    /// `c`, `r`, `t`: allowed only in explanation text.
    ClientIp,
    Receiver,
    Timestamp,
}

impl MacroLetter {
    fn parse(letter: u8) -> Option<MacroLetter> {
        Some(match letter.to_ascii_lowercase() {
            b's' => MacroLetter::Sender,
            b'l' => MacroLetter::LocalPart,
            b'o' => MacroLetter::SenderDomain,
            b'd' => MacroLetter::Domain,
            b'i' => MacroLetter::Ip,
            b'p' => MacroLetter::ValidatedName,
            b'v' => MacroLetter::IpVersion,
            b'h' => MacroLetter::Helo,
            b'c' => MacroLetter::ClientIp,
            b'r' => MacroLetter::Receiver,
            b't' => MacroLetter::Timestamp,
            _ => return None,
        })
    }

    /// Whether the letter may appear outside `exp=` text (§7.2).
    fn allowed_in_domain_spec(self) -> bool {
        !matches!(
            self,
            MacroLetter::ClientIp | MacroLetter::Receiver | MacroLetter::Timestamp
        )
    }
}

/// One piece of a macro-string (§7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MacroToken {
    Literal(String),
    Expand {
        letter: MacroLetter,
        /// An upper-case letter: the value is URL-escaped (§7.3).
        escape: bool,
        /// Keep this many right-hand parts; `None` keeps all.
        keep: Option<usize>,
        reverse: bool,
        /// The delimiters to split on; empty means ".".
        delimiters: String,
    },
    /// `%%`, `%_`, `%-`.
    Percent,
    Space,
    UrlSpace,
}

/// A macro-string: a domain-spec, or an unknown modifier's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroString {
    pub tokens: Vec<MacroToken>,
    pub text: String,
}

impl MacroString {
    /// True when expanding needs nothing but the current domain (and the IP version).
    pub fn letters(&self) -> impl Iterator<Item = MacroLetter> + '_ {
        self.tokens.iter().filter_map(|token| match token {
            MacroToken::Expand { letter, .. } => Some(*letter),
            _ => None,
        })
    }
}

impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A mechanism (§5) with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mechanism {
    All,
    Include(MacroString),
    A {
        domain: Option<MacroString>,
        ip4_prefix: u8,
        ip6_prefix: u8,
    },
    Mx {
        domain: Option<MacroString>,
        ip4_prefix: u8,
        ip6_prefix: u8,
    },
    Ptr(Option<MacroString>),
    Ip4 {
        network: Ipv4Addr,
        prefix: u8,
    },
    Ip6 {
        network: Ipv6Addr,
        prefix: u8,
    },
    Exists(MacroString),
}

impl Mechanism {
    /// Whether evaluating it costs one of the ten DNS lookups (§4.6.4).
    pub fn counts_as_lookup(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

/// A modifier (§6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modifier {
    Redirect(MacroString),
    Explanation(MacroString),
    Unknown { name: String, value: MacroString },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermKind {
    Directive {
        qualifier: Qualifier,
        mechanism: Mechanism,
    },
    Modifier(Modifier),
}

/// One term of a record, with where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// 1 for the first term after `v=spf1`.
    pub number: usize,
    /// Byte range of the term in the record text.
    pub span: Range<usize>,
    pub text: String,
    pub kind: TermKind,
}

impl Term {
    pub fn is_all(&self) -> bool {
        matches!(
            self.kind,
            TermKind::Directive {
                mechanism: Mechanism::All,
                ..
            }
        )
    }
}

/// A parsed SPF record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub terms: Vec<Term>,
}

impl Record {
    pub fn redirect(&self) -> Option<&Term> {
        self.terms
            .iter()
            .find(|term| matches!(term.kind, TermKind::Modifier(Modifier::Redirect(_))))
    }

    pub fn has_all(&self) -> bool {
        self.terms.iter().any(Term::is_all)
    }
}

/// One syntax error, pointing at its term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// The term's number (1-based), or 0 for the record as a whole.
    pub term: usize,
    pub span: Range<usize>,
    pub text: String,
    pub problem: Text,
    /// The section of RFC 7208 that the record breaks.
    pub section: &'static str,
}

impl SyntaxError {
    /// The error as a finding: the term, the problem and the section.
    pub fn text(&self) -> Text {
        if self.term == 0 {
            codes::spf_syntax_record(self.problem.clone(), self.section)
        } else {
            codes::spf_syntax_term(
                self.term,
                printable(&self.text),
                self.problem.clone(),
                self.section,
            )
        }
    }
}

/// The text of a term with control characters and non-ASCII shown as escapes, so a message
/// never carries a raw TAB, NUL or byte-order mark.
pub fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                vec![c]
            } else {
                c.escape_unicode().collect()
            }
        })
        .collect()
}

/// Whether a TXT record is an SPF record: `v=spf1` (any case) followed by a space or its end
/// (§4.5).
pub fn is_spf_record(record: &str) -> bool {
    let bytes = record.as_bytes();
    bytes.len() >= 6
        && bytes[..6].eq_ignore_ascii_case(b"v=spf1")
        && bytes.get(6).is_none_or(|&next| next == b' ')
}

/// The SPF records among a name's TXT records.
pub fn spf_records(txt_records: &[String]) -> Vec<&str> {
    txt_records
        .iter()
        .map(String::as_str)
        .filter(|record| is_spf_record(record))
        .collect()
}

/// Records longer than this are parsed each time rather than remembered.
const REMEMBERED_LENGTH: usize = 1024;
/// Parsed records remembered per thread; the memory is cleared when full.
const REMEMBERED: usize = 256;

/// A record parsed and its parse.
pub type Parsed = std::sync::Arc<Result<Record, Vec<SyntaxError>>>;

thread_local! {
    /// `parse_shared`'s memory: parses by record text.
    static PARSED: std::cell::RefCell<std::collections::HashMap<Box<str>, Parsed>> =
        std::cell::RefCell::default();
}

/// `parse`, remembered by the record's text on this thread: a check evaluates the domain's
/// record and the provider's again for every address it tries, in every round, and the
/// provider's record is the same for every domain. A parse depends on the text alone, so a
/// remembered one is never stale.
pub fn parse_shared(record: &str) -> Parsed {
    if record.len() > REMEMBERED_LENGTH {
        return std::sync::Arc::new(parse(record));
    }
    PARSED.with_borrow_mut(|parsed| {
        if let Some(known) = parsed.get(record) {
            return known.clone();
        }
        if parsed.len() >= REMEMBERED {
            parsed.clear();
        }
        let fresh = std::sync::Arc::new(parse(record));
        parsed.insert(record.into(), fresh.clone());
        fresh
    })
}

/// Parses a whole record (which must be an SPF record, see `is_spf_record`). Every syntax
/// error is reported, not only the first, so a customer can fix them all at once.
pub fn parse(record: &str) -> Result<Record, Vec<SyntaxError>> {
    let mut terms = Vec::new();
    let mut errors = Vec::new();
    let mut position = 6;
    let bytes = record.as_bytes();
    let mut number = 0;
    // Terms are separated by one or more SP (and only SP: §12 `terms = *( 1*SP ( directive /
    // modifier ) )`); a TAB or a line break is part of a term, and makes it invalid.
    while position < bytes.len() {
        if bytes[position] == b' ' {
            position += 1;
            continue;
        }
        let start = position;
        while position < bytes.len() && bytes[position] != b' ' {
            position += 1;
        }
        number += 1;
        let text = &record[start..position];
        match parse_term(text) {
            Ok(kind) => terms.push(Term {
                number,
                span: start..position,
                text: text.to_string(),
                kind,
            }),
            Err((problem, section)) => errors.push(SyntaxError {
                term: number,
                span: start..position,
                text: text.to_string(),
                problem,
                section,
            }),
        }
    }
    for (modifier, section) in [("redirect", "§6"), ("exp", "§6")] {
        let repeated: Vec<&Term> = terms
            .iter()
            .filter(|term| match &term.kind {
                TermKind::Modifier(Modifier::Redirect(_)) => modifier == "redirect",
                TermKind::Modifier(Modifier::Explanation(_)) => modifier == "exp",
                _ => false,
            })
            .collect();
        if let [_, again, ..] = repeated.as_slice() {
            errors.push(SyntaxError {
                term: again.number,
                span: again.span.clone(),
                text: again.text.clone(),
                problem: codes::spf_syntax_modifier_repeated(modifier),
                section,
            });
        }
    }
    if errors.is_empty() {
        Ok(Record { terms })
    } else {
        errors.sort_by_key(|error| error.term);
        Err(errors)
    }
}

type TermError = (Text, &'static str);

fn parse_term(text: &str) -> Result<TermKind, TermError> {
    // A modifier is `name "=" macro-string`, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
    let name_end = text
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .unwrap_or(text.len());
    if text.as_bytes().get(name_end) == Some(&b'=') {
        let name = &text[..name_end];
        let value = &text[name_end + 1..];
        if name.is_empty() {
            return Err((codes::spf_syntax_modifier_no_name(), "§12"));
        }
        if !name.as_bytes()[0].is_ascii_alphabetic() {
            return Err((codes::spf_syntax_modifier_name_letter(name), "§12"));
        }
        return parse_modifier(name, value).map(TermKind::Modifier);
    }
    let (qualifier, rest) = match text.as_bytes().first() {
        Some(b'+') => (Qualifier::Pass, &text[1..]),
        Some(b'-') => (Qualifier::Fail, &text[1..]),
        Some(b'~') => (Qualifier::SoftFail, &text[1..]),
        Some(b'?') => (Qualifier::Neutral, &text[1..]),
        _ => (Qualifier::Pass, text),
    };
    let mechanism = parse_mechanism(rest)?;
    Ok(TermKind::Directive {
        qualifier,
        mechanism,
    })
}

fn parse_modifier(name: &str, value: &str) -> Result<Modifier, TermError> {
    if name.eq_ignore_ascii_case("redirect") {
        Ok(Modifier::Redirect(domain_spec(value, "redirect=")?))
    } else if name.eq_ignore_ascii_case("exp") {
        Ok(Modifier::Explanation(domain_spec(value, "exp=")?))
    } else {
        let value = macro_string(value, true)?;
        Ok(Modifier::Unknown {
            name: name.to_string(),
            value,
        })
    }
}

fn parse_mechanism(text: &str) -> Result<Mechanism, TermError> {
    let name_end = text.find([':', '/']).unwrap_or(text.len());
    let (name, rest) = text.split_at(name_end);
    let lower = name.to_ascii_lowercase();
    let argument = rest.strip_prefix(':');
    match lower.as_str() {
        "all" => {
            if rest.is_empty() {
                Ok(Mechanism::All)
            } else {
                Err((codes::spf_syntax_all_argument(), "§5.1"))
            }
        }
        "include" | "exists" => {
            let section = if lower == "include" { "§5.2" } else { "§5.7" };
            let Some(argument) = argument else {
                return Err((codes::spf_syntax_needs_domain(&lower), section));
            };
            let domain = domain_spec(argument, &format!("{lower}:"))?;
            Ok(if lower == "include" {
                Mechanism::Include(domain)
            } else {
                Mechanism::Exists(domain)
            })
        }
        "a" | "mx" => {
            let section = if lower == "a" { "§5.3" } else { "§5.4" };
            let (domain_text, ip4_prefix, ip6_prefix) = dual_cidr(rest, section)?;
            let domain = match domain_text {
                None => None,
                Some(text) => {
                    let Some(text) = text.strip_prefix(':') else {
                        return Err((codes::spf_syntax_unexpected_after(text, &lower), section));
                    };
                    Some(domain_spec(text, &format!("{lower}:"))?)
                }
            };
            Ok(if lower == "a" {
                Mechanism::A {
                    domain,
                    ip4_prefix,
                    ip6_prefix,
                }
            } else {
                Mechanism::Mx {
                    domain,
                    ip4_prefix,
                    ip6_prefix,
                }
            })
        }
        "ptr" => match rest {
            "" => Ok(Mechanism::Ptr(None)),
            _ => match argument {
                Some(argument) => Ok(Mechanism::Ptr(Some(domain_spec(argument, "ptr:")?))),
                None => Err((codes::spf_syntax_ptr_prefix(), "§5.5")),
            },
        },
        "ip4" => {
            let Some(argument) = argument else {
                return Err((codes::spf_syntax_needs_address("ip4"), "§5.6"));
            };
            let (address, prefix) = split_prefix(argument);
            let network = ip4_network(address)
                .ok_or_else(|| (codes::spf_syntax_ip4_invalid(address), "§5.6"))?;
            let prefix = match prefix {
                None => 32,
                Some(prefix) => cidr_length(prefix, 32)
                    .ok_or_else(|| (codes::spf_syntax_ip4_prefix(format!("/{prefix}")), "§5.6"))?,
            };
            Ok(Mechanism::Ip4 { network, prefix })
        }
        "ip6" => {
            let Some(argument) = argument else {
                return Err((codes::spf_syntax_needs_address("ip6"), "§5.6"));
            };
            // An IPv6 address holds ':' but never '/': the prefix is after the first '/'.
            let (address, prefix) = match argument.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (argument, None),
            };
            let network = address
                .parse::<Ipv6Addr>()
                .map_err(|_| (codes::spf_syntax_ip6_invalid(address), "§5.6"))?;
            let prefix = match prefix {
                None => 128,
                Some(prefix) => cidr_length(prefix, 128)
                    .ok_or_else(|| (codes::spf_syntax_ip6_prefix(format!("/{prefix}")), "§5.6"))?,
            };
            Ok(Mechanism::Ip6 { network, prefix })
        }
        "" => Err((codes::spf_syntax_empty_mechanism(), "§12")),
        _ => Err((codes::spf_syntax_unknown_mechanism(printable(name)), "§5")),
    }
}

/// Splits `[":" domain-spec] [dual-cidr-length]` from the end: the prefix lengths are the
/// trailing `/N` and `//N`, so a '/' inside the domain-spec stays part of it.
fn dual_cidr<'t>(
    rest: &'t str,
    section: &'static str,
) -> Result<(Option<&'t str>, u8, u8), TermError> {
    let mut remaining = rest;
    let mut ip6 = None;
    let mut ip4 = None;
    if let Some((before, digits)) = trailing_number(remaining)
        && before.ends_with("//")
    {
        ip6 = Some(digits);
        remaining = &before[..before.len() - 2];
    }
    if let Some((before, digits)) = trailing_number(remaining)
        && before.ends_with('/')
        && !before.ends_with("//")
    {
        ip4 = Some(digits);
        remaining = &before[..before.len() - 1];
    }
    let ip4_prefix = match ip4 {
        None => 32,
        Some(digits) => cidr_length(digits, 32)
            .ok_or_else(|| (codes::spf_syntax_ip4_prefix(format!("/{digits}")), section))?,
    };
    let ip6_prefix = match ip6 {
        None => 128,
        Some(digits) => cidr_length(digits, 128)
            .ok_or_else(|| (codes::spf_syntax_ip6_prefix(format!("//{digits}")), section))?,
    };
    if remaining.starts_with('/') {
        return Err((codes::spf_syntax_bad_prefix(printable(remaining)), section));
    }
    let domain = (!remaining.is_empty()).then_some(remaining);
    Ok((domain, ip4_prefix, ip6_prefix))
}

/// The trailing run of digits of `text` and what comes before it, if there is one.
fn trailing_number(text: &str) -> Option<(&str, &str)> {
    let start = text
        .bytes()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |index| index + 1);
    (start < text.len()).then(|| (&text[..start], &text[start..]))
}

fn split_prefix(argument: &str) -> (&str, Option<&str>) {
    match argument.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (argument, None),
    }
}

/// `ip4-cidr-length` / `ip6-cidr-length`: "0", or a number without a leading zero, at most
/// `max`.
fn cidr_length(digits: &str, max: u8) -> Option<u8> {
    let well_formed = !digits.is_empty()
        && digits.len() <= 3
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    let value: u16 = digits.parse().ok().filter(|_| well_formed)?;
    (value <= u16::from(max)).then_some(value as u8)
}

/// `ip4-network`: four `qnum`s (0-255, no leading zeros).
fn ip4_network(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        let well_formed = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'));
        if !well_formed {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

/// `domain-spec = macro-string domain-end`, `domain-end = ( "." toplabel [ "." ] ) /
/// macro-expand` (§7.1).
fn domain_spec(text: &str, what: &str) -> Result<MacroString, TermError> {
    if text.is_empty() {
        return Err((codes::spf_syntax_domain_needed(what), "§7.1"));
    }
    let spec = macro_string(text, false)?;
    let ends_with_expand = matches!(
        spec.tokens.last(),
        Some(
            MacroToken::Expand { .. }
                | MacroToken::Percent
                | MacroToken::Space
                | MacroToken::UrlSpace
        )
    );
    if ends_with_expand {
        return Ok(spec);
    }
    let Some(MacroToken::Literal(tail)) = spec.tokens.last() else {
        return Err((codes::spf_syntax_domain_needed(what), "§7.1"));
    };
    let tail = tail.strip_suffix('.').unwrap_or(tail);
    let shown = printable(text);
    let Some(dot) = tail.rfind('.') else {
        return Err((codes::spf_syntax_domain_two_labels(&shown), "§7.1"));
    };
    let toplabel = &tail[dot + 1..];
    if !is_toplabel(toplabel) {
        let problem = if toplabel.is_empty() {
            codes::spf_syntax_domain_empty_label(&shown)
        } else {
            codes::spf_syntax_domain_bad_toplabel(&shown, printable(toplabel))
        };
        return Err((problem, "§7.1"));
    }
    Ok(spec)
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`
fn is_toplabel(label: &str) -> bool {
    let bytes = label.as_bytes();
    if bytes.is_empty()
        || !bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        return false;
    }
    if !bytes.contains(&b'-') {
        return bytes.iter().any(u8::is_ascii_alphabetic);
    }
    bytes[0].is_ascii_alphanumeric() && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

/// `macro-string = *( macro-expand / macro-literal )`; `explain` allows the letters c, r, t.
fn macro_string(text: &str, explain: bool) -> Result<MacroString, TermError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte != b'%' {
            // macro-literal = %x21-24 / %x26-7E
            if !(0x21..=0x7e).contains(&byte) {
                let character = text[index..].chars().next().unwrap_or('\u{fffd}');
                return Err((
                    codes::spf_syntax_bad_character(character.escape_unicode().to_string()),
                    "§7.1",
                ));
            }
            literal.push(byte as char);
            index += 1;
            continue;
        }
        if !literal.is_empty() {
            tokens.push(MacroToken::Literal(std::mem::take(&mut literal)));
        }
        match bytes.get(index + 1) {
            Some(b'%') => {
                tokens.push(MacroToken::Percent);
                index += 2;
            }
            Some(b'_') => {
                tokens.push(MacroToken::Space);
                index += 2;
            }
            Some(b'-') => {
                tokens.push(MacroToken::UrlSpace);
                index += 2;
            }
            Some(b'{') => {
                let Some(close) = text[index..].find('}') else {
                    return Err((codes::spf_syntax_macro_unclosed(), "§7.1"));
                };
                let body = &text[index + 2..index + close];
                tokens.push(macro_expand(body, explain)?);
                index += close + 1;
            }
            _ => {
                return Err((codes::spf_syntax_percent(), "§7.1"));
            }
        }
    }
    if !literal.is_empty() {
        tokens.push(MacroToken::Literal(literal));
    }
    Ok(MacroString {
        tokens,
        text: text.to_string(),
    })
}

/// The inside of `%{…}`: `macro-letter transformers *delimiter`.
fn macro_expand(body: &str, explain: bool) -> Result<MacroToken, TermError> {
    let bytes = body.as_bytes();
    let Some(&first) = bytes.first() else {
        return Err((codes::spf_syntax_macro_empty(), "§7.1"));
    };
    let Some(letter) = MacroLetter::parse(first) else {
        return Err((codes::spf_syntax_macro_letter(printable(body)), "§7.2"));
    };
    if !explain && !letter.allowed_in_domain_spec() {
        return Err((codes::spf_syntax_macro_exp_only(body), "§7.2"));
    }
    let mut index = 1;
    let digits_start = index;
    while index < bytes.len() && bytes[index].is_ascii_digit() {
        index += 1;
    }
    let keep = if index > digits_start {
        let digits = &body[digits_start..index];
        // §7.3: the number of parts, if given, must be nonzero.
        match digits.parse::<usize>() {
            Ok(0) => {
                return Err((codes::spf_syntax_macro_zero_parts(body), "§7.3"));
            }
            Ok(count) => Some(count),
            Err(_) => Some(usize::MAX),
        }
    } else {
        None
    };
    let reverse = bytes
        .get(index)
        .is_some_and(|b| b.eq_ignore_ascii_case(&b'r'));
    if reverse {
        index += 1;
    }
    let delimiters = &body[index..];
    if let Some(bad) = delimiters
        .chars()
        .find(|c| !matches!(c, '.' | '-' | '+' | ',' | '/' | '_' | '='))
    {
        return Err((
            codes::spf_syntax_macro_delimiter(printable(body), printable(&bad.to_string())),
            "§7.1",
        ));
    }
    Ok(MacroToken::Expand {
        letter,
        escape: first.is_ascii_uppercase(),
        keep,
        reverse,
        delimiters: delimiters.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_parse_is_the_parse_of_that_text_and_the_memory_stays_bounded() {
        let records = [
            "v=spf1 include:spf.mandrillapp.com -all",
            "v=spf1 ip4:192.0.2.0/33 -all",
            "v=spf1 a mx ~all",
        ];
        for record in records {
            let first = parse_shared(record);
            assert_eq!(*first, parse(record), "{record}");
            assert!(std::sync::Arc::ptr_eq(&first, &parse_shared(record)));
        }
        // Texts that differ only in case or spacing are different texts.
        assert_ne!(
            *parse_shared("v=spf1 a -all"),
            *parse_shared("v=spf1 a  ?all")
        );
        // Many distinct records: each still gets its own parse, and at most REMEMBERED stay.
        for n in 0..(3 * REMEMBERED) {
            let record = format!("v=spf1 ip4:192.0.2.{} -all", n % 250);
            let shared = parse_shared(&record);
            assert_eq!(*shared, parse(&record));
            assert!(PARSED.with_borrow(|parsed| parsed.len()) <= REMEMBERED);
        }
        let long = format!("v=spf1 {}-all", "a ".repeat(REMEMBERED_LENGTH));
        assert!(!std::sync::Arc::ptr_eq(
            &parse_shared(&long),
            &parse_shared(&long)
        ));
    }

    /// `Ok` when the term is valid, else the text the error must contain.
    fn check(term: &str, expected: Result<(), &str>) {
        let result = parse(&format!("v=spf1 {term}"));
        match (result, expected) {
            (Ok(_), Ok(())) => {}
            (Err(errors), Err(text)) => {
                let described = errors[0].text().en();
                assert!(described.contains(text), "{term}: {described}");
                assert!(described.starts_with("term 1 "), "{described}");
            }
            (result, expected) => panic!("{term}: {result:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn terms_follow_the_abnf() {
        for (term, expected) in [
            ("a:foo-bar", Err("at least two labels")),
            ("a:111.222.33.44", Err("not a valid top-level label")),
            ("mx:abc.123", Err("\"123\"")),
            ("a:example.com-", Err("not a valid top-level label")),
            ("a:example.com:8080", Err("\"com:8080\"")),
            ("a/33", Err("0-32")),
            ("a//129", Err("0-128")),
            ("a/24/64", Err("0-32")),
            ("ip4:192.0.2.4/032", Err("without leading zeros")),
            ("ip4:192.0.02.4", Err("not an IPv4 address")),
            ("redirect=-all", Err("at least two labels")),
            ("1up=foo", Err("start with a letter")),
            ("=all", Err("needs a name")),
            ("exists:%{c}.example.com", Err("only in exp=")),
            ("exists:%{d0}.example.com", Err("must not be zero")),
            ("exists:%x.example.com", Err("'%' must be followed")),
            ("incude:spf.example.com", Err("unknown mechanism")),
            ("a:foo\tbar.example.com", Err("\\u{9}")),
            ("a:foo:bar/baz.example.com", Ok(())),
            ("a:x.example.com/24//64", Ok(())),
            ("a//64", Ok(())),
            ("foo=", Ok(())),
            ("foo=bar/baz", Ok(())),
            ("foo=%{c}", Ok(())),
            ("exists:%{ir}.%{v}._spf.%{d2}", Ok(())),
            ("exists:x%%y%_z%-.example.com", Ok(())),
            ("a:%{d}", Ok(())),
            ("ip6:::ffff:192.0.2.1/128", Ok(())),
            ("-ALL", Ok(())),
        ] {
            check(term, expected);
        }
    }

    #[test]
    fn every_error_is_reported_with_its_position() {
        let record = "v=spf1 a/33 include:ok.example.com ip4:1.2.3 -all";
        let errors = parse(record).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(
            (errors[0].term, &record[errors[0].span.clone()]),
            (1, "a/33")
        );
        assert_eq!(
            (errors[1].term, &record[errors[1].span.clone()]),
            (3, "ip4:1.2.3")
        );
    }

    #[test]
    fn record_selection_needs_a_space_or_the_end_after_the_version() {
        assert!(is_spf_record("v=spf1"));
        assert!(is_spf_record("V=SPF1 -all"));
        assert!(!is_spf_record("v=spf1\t-all"));
        assert!(!is_spf_record("v=spf10 -all"));
        assert!(!is_spf_record(" v=spf1 -all"));
    }
}

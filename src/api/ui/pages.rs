//! The HTML of the web pages (maud: every value is escaped unless marked otherwise, so what
//! came from DNS or a message is always shown as text).

use chrono::{DateTime, SecondsFormat, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::checks::propagation::Propagation;
use crate::checks::{ActionKind, Dnssec, DnssecState, DomainReport, RecordCheck, RecordStatus};
use crate::message::dkim::{DkimVerdict, Verdict};
use crate::profile::Profile;
use crate::smtp::{Report, StepStatus};
use crate::status::{DomainStatus, Transition};
use crate::store::{DomainRecord, StoredMessage};

/// Which page the navigation marks as current.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Check,
    Domains,
    Dkim,
    Audit,
    None,
}

/// The frame of every page: title, landmarks, navigation, the live region copy buttons report
/// to.
/// Who is signed in, for the header: the token's name and scope, and the sign-out form's CSRF
/// token.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub csrf: String,
    pub name: String,
    pub scope: crate::auth::Scope,
}

/// What the visitor's token may do, so a page shows only the buttons that would work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Can {
    /// Check, judge a message, probe a gateway (`check` scope).
    pub check: bool,
    /// Register, pause, delete, make test addresses (`write` scope).
    pub write: bool,
}

impl Can {
    pub const ALL: Can = Can {
        check: true,
        write: true,
    };

    pub fn scope(scope: Option<crate::auth::Scope>) -> Can {
        use crate::auth::Scope;
        Can {
            check: scope.is_some_and(|scope| scope.allows(Scope::Check)),
            write: scope.is_some_and(|scope| scope.allows(Scope::Write)),
        }
    }
}

/// Says what a button would need, where it is left out.
fn needs(scope: &str, what: &str) -> Markup {
    html! {
        p class="needs-scope" { "Your token's scope does not allow " (what) " (it needs " code { (scope) } ")." }
    }
}

pub fn layout(title: &str, nav: Nav, signed_in: Option<&SignedIn>, body: Markup) -> Markup {
    let item = |href: &str, label: &str, this: Nav| {
        html! {
            li { a href=(href) aria-current=[(nav == this).then_some("page")] { (label) } }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · sendercheck" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header role="banner" {
                    nav aria-label="Main" {
                        span class="brand" { "sendercheck" }
                        ul {
                            (item("/", "Check now", Nav::Check))
                            (item("/domains", "Domains", Nav::Domains))
                            (item("/dkim", "DKIM", Nav::Dkim))
                            // For admins (everyone without tokens): the others' scope cannot open it.
                            @if signed_in.is_none_or(|signed_in| signed_in.scope == crate::auth::Scope::Admin) {
                                (item("/audit", "Audit", Nav::Audit))
                            }
                        }
                        @if let Some(signed_in) = signed_in {
                            form method="post" action="/logout" class="logout" {
                                span class="signed-in" { "Signed in as " strong { (signed_in.name) } " (" (signed_in.scope) ")" } " "
                                input type="hidden" name="csrf" value=(signed_in.csrf);
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main id="main" {
                    h1 { (title) }
                    (body)
                }
                p id="copy-status" class="visually-hidden" role="status" aria-live="polite" {}
                script src="/assets/app.js" defer {}
            }
        }
    }
}

/// A status as an icon and its word, never colour alone.
pub fn status_badge(status: RecordStatus) -> Markup {
    let (icon, class) = match status {
        RecordStatus::Pass => ("✔", "pass"),
        RecordStatus::Fail => ("✘", "fail"),
        RecordStatus::Missing => ("✘", "missing"),
        RecordStatus::Error => ("?", "error"),
    };
    html! { span class={"badge " (class)} { span aria-hidden="true" { (icon) } " " (status.as_str()) } }
}

pub fn domain_badge(status: DomainStatus) -> Markup {
    let (icon, class) = match status {
        DomainStatus::Verified => ("✔", "pass"),
        DomainStatus::Pending => ("…", "pending"),
        DomainStatus::Failing => ("✘", "fail"),
        DomainStatus::Unregistered => ("–", "error"),
    };
    html! { span class={"badge " (class)} { span aria-hidden="true" { (icon) } " " (status.as_str()) } }
}

fn time(at: &DateTime<Utc>) -> Markup {
    let text = at.to_rfc3339_opts(SecondsFormat::Secs, true);
    html! { time datetime=(text) { (text.replace('T', " ").replace('Z', " UTC")) } }
}

fn copy_button(value: &str, what: &str) -> Markup {
    html! {
        button type="button" class="copy" data-copy=(value) aria-label={"Copy " (what)} { "Copy" }
    }
}

/// An error box.
pub fn problem(message: &str) -> Markup {
    html! { div class="problem" role="alert" { p { (message) } } }
}

/// The verdict on a domain's records, one section per record.
pub fn records(records: &[RecordCheck]) -> Markup {
    html! {
        @for record in records {
            section class={"record " (record.status.as_str())} aria-label={(record.kind.as_str()) " record at " (record.name)} {
                h3 {
                    (status_badge(record.status)) " "
                    span class="kind" { (record.kind.as_str()) } " "
                    code class="name" { (record.name) }
                    @if !record.required { " " span class="note" { "(recommended)" } }
                }
                p class="message" { (record.message.en()) }
                dl {
                    dt { "Expected" } dd { (record.expected.en()) }
                    dt { "Found" }
                    dd {
                        @if record.found.is_empty() { "nothing" }
                        @for found in &record.found { code class="found" { (found) } br; }
                    }
                    @if let Some(dnssec) = &record.dnssec {
                        dt { "DNSSEC" } dd class={"dnssec " (dnssec.state.as_str())} { (dnssec_words(dnssec, false)) }
                    }
                }
                @if let Some(fix) = &record.fix {
                    div class="fix" {
                        h4 { "Fix" }
                        @if let Some(explanation) = &fix.explanation {
                            p class="explanation" { (explanation.en()) }
                        } @else if fix.actions.is_empty() {
                            p { "No single record can fix this; see the warnings." }
                        }
                        @for action in &fix.actions {
                            div class="action" {
                                p class="verb" {
                                    (match action.action {
                                        ActionKind::Publish => "Publish",
                                        ActionKind::Replace => "Replace",
                                        ActionKind::Remove => "Remove",
                                    })
                                    @if let Some(old) = &action.replaces { " (in place of " code { (old) } ")" }
                                }
                                table class="fix-fields" {
                                    tr { th scope="row" { "Type" } td { code { (action.record_type) } } td { (copy_button(&action.record_type, "type")) } }
                                    tr { th scope="row" { "Name" } td { code class="fix-name" { (action.name) } } td { (copy_button(&action.name, "name")) } }
                                    tr { th scope="row" { "Value" } td { code class="fix-value" { (action.value) } } td { (copy_button(&action.value, "value")) } }
                                    tr { th scope="row" { "Zone line" } td { code { (action.zone) } } td { (copy_button(&action.zone, "zone line")) } }
                                }
                            }
                        }
                    }
                }
                @if !record.warnings.is_empty() {
                    ul class="warnings" aria-label="Warnings" {
                        @for warning in &record.warnings { li { span aria-hidden="true" { "⚠ " } (warning.en()) } }
                    }
                }
                @if let Some(propagation) = &record.propagation { (propagation_detail(propagation)) }
            }
        }
    }
}

fn propagation_detail(seen: &Propagation) -> Markup {
    html! {
        details class="propagation" open[seen.state != crate::checks::propagation::PropagationState::Published] {
            summary {
                "Propagation: " strong { (seen.state.as_str().replace('_', " ")) }
                @if let Some(at) = &seen.expected_at { " — expected by " (time(at)) }
            }
            table {
                caption { "Each authoritative server and the resolver" }
                thead { tr { th scope="col" { "Server" } th scope="col" { "Address" } th scope="col" { "Status" } th scope="col" { "SOA serial" } } }
                tbody {
                    @for server in &seen.servers {
                        tr {
                            td { (server.name) }
                            td { code { (server.address.ip().to_string()) } }
                            td {
                                (status_badge(server.status))
                                @if let Some(reason) = &server.reason { br; small class="reason" { (reason.en()) } }
                            }
                            td { @if let Some(serial) = server.serial { (serial) } @else { "—" } }
                        }
                    }
                    tr {
                        td { "resolver" } td { "—" }
                        td { (status_badge(seen.resolver.status)) }
                        td { @if let Some(ttl) = seen.resolver.ttl { "cached " (ttl) " s" } @else { "—" } }
                    }
                }
            }
        }
    }
}

/// A DNSSEC status in words a customer can act on.
fn dnssec_words(dnssec: &Dnssec, summary: bool) -> String {
    let zone = dnssec
        .zone
        .as_deref()
        .map(|zone| format!(" ({zone})"))
        .unwrap_or_default();
    match dnssec.state {
        DnssecState::Secure => {
            format!("secure{zone}: signed, and every signature validates up to the root")
        }
        DnssecState::Insecure => {
            format!("insecure{zone}: not signed; receivers accept the records as they are")
        }
        // The cause already says what validating resolvers do and what to change.
        DnssecState::Bogus if summary => format!(
            "bogus{zone}: {}",
            dnssec.reason.as_deref().unwrap_or(
                "the signatures do not validate: validating resolvers refuse the records"
            )
        ),
        // A bogus record's message already names the cause.
        DnssecState::Bogus => format!("bogus{zone}: validating resolvers refuse this record"),
        DnssecState::Indeterminate => format!(
            "could not be checked{zone}: {}",
            dnssec
                .reason
                .as_deref()
                .unwrap_or("the chain of trust could not be fetched")
        ),
    }
}

/// The domain's DNSSEC line, when DNSSEC is checked.
pub fn dnssec_line(records: &[RecordCheck]) -> Markup {
    let summary = crate::checks::dnssec::worst(records.iter().filter_map(|r| r.dnssec.as_ref()));
    html! {
        @if let Some(dnssec) = summary {
            p class={"dnssec " (dnssec.state.as_str())} { strong { "DNSSEC: " } (dnssec_words(dnssec, true)) }
        }
    }
}

/// The summary line of a report or registration.
pub fn verdict_line(ready: bool, valid_after: Option<&DateTime<Utc>>) -> Markup {
    html! {
        p class={"verdict " (if ready { "pass" } else { "fail" })} {
            @if ready { span aria-hidden="true" { "✔ " } "Ready to send: every required record passes." }
            @else { span aria-hidden="true" { "✘ " } "Not ready: see the records below." }
            @if let (false, Some(at)) = (ready, valid_after) {
                " Every required record is published; resolvers still serve older answers until " (time(at)) "."
            }
        }
    }
}

/// The check form: domain, profile, the profile's parameters.
pub fn check_form(
    profiles: &[&Profile],
    chosen: &Profile,
    domain: &str,
    values: &std::collections::BTreeMap<String, String>,
    can: Can,
) -> Markup {
    if !can.check {
        return needs("check", "checking a domain here");
    }
    html! {
        form method="get" action="/" class="check" id="check-form" {
            p {
                label for="domain" { "Domain" }
                input id="domain" name="domain" type="text" required value=(domain) placeholder="shop.example" autocomplete="off" autocapitalize="none" spellcheck="false";
            }
            p {
                label for="profile" { "Provider profile" }
                select id="profile" name="profile" {
                    @for profile in profiles {
                        option value=(profile.name) selected[profile.name == chosen.name] { (profile.title) " (" (profile.name) ")" }
                    }
                }
                button type="submit" name="edit" value="1" class="secondary" { "Show this profile's fields" }
            }
            @if !chosen.params.is_empty() {
                fieldset {
                    legend { "Parameters of " (chosen.title) }
                    @for (name, param) in &chosen.params {
                        p {
                            label for={"param-" (name)} { (name) @if param.required { " (required)" } }
                            input id={"param-" (name)} name={"param." (name)} type="text" value=[values.get(name)] aria-describedby={"help-" (name)} autocomplete="off" spellcheck="false";
                            small id={"help-" (name)} { (param.description) }
                        }
                    }
                }
            }
            p { button type="submit" { "Check now" } }
        }
    }
}

/// A fresh check's result, with the register button.
pub fn report(
    report: &DomainReport,
    csrf: &str,
    params: &std::collections::BTreeMap<String, String>,
    can: Can,
) -> Markup {
    html! {
        section aria-labelledby="result" class="result" {
            h2 id="result" { "Result for " code { (report.domain) } " (" (report.profile) ")" }
            (verdict_line(report.ready, report.valid_after.as_ref()))
            (dnssec_line(&report.records))
            (records(&report.records))
            @if can.write {
                form method="post" action="/domains" class="register" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="domain" value=(report.domain);
                    input type="hidden" name="profile" value=(report.profile);
                    @for (name, value) in params {
                        input type="hidden" name={"param." (name)} value=(value);
                    }
                    button type="submit" { "Register " (report.domain) " and keep checking it" }
                }
            }
        }
    }
}

/// Counts per status, the filter form and one page of the list.
pub fn domain_list(
    counts: &[(DomainStatus, u64)],
    status: Option<DomainStatus>,
    q: &str,
    domains: &[DomainRecord],
    next: Option<&str>,
    csv_href: &str,
) -> Markup {
    let total: u64 = counts.iter().map(|(_, count)| count).sum();
    html! {
        ul class="counts" aria-label="Domains per status" {
            li { a href="/domains" { "all: " (total) } }
            @for (each, count) in counts {
                li { a href={"/domains?status=" (each.as_str())} { (domain_badge(*each)) ": " (count) } }
            }
        }
        form method="get" action="/domains" class="filter" role="search" {
            p {
                label for="q" { "Domain contains" }
                input id="q" name="q" type="search" value=(q) spellcheck="false";
            }
            p {
                label for="status" { "Status" }
                select id="status" name="status" {
                    option value="" selected[status.is_none()] { "any" }
                    @for each in [DomainStatus::Pending, DomainStatus::Verified, DomainStatus::Failing] {
                        option value=(each.as_str()) selected[status == Some(each)] { (each.as_str()) }
                    }
                }
            }
            p { button type="submit" { "Filter" } " " a href=(csv_href) { "Export as CSV" } }
        }
        @if domains.is_empty() {
            p class="empty" { "No registered domain matches." }
        } @else {
            table class="domains" {
                caption { "Registered domains" }
                thead { tr { th scope="col" { "Domain" } th scope="col" { "Status" } th scope="col" { "Profile" } th scope="col" { "Last check" } th scope="col" { "Next check" } } }
                tbody {
                    @for record in domains {
                        tr {
                            td { a href={"/domains/" (record.domain)} { (record.domain) } }
                            td { (domain_badge(record.lifecycle.status)) @if record.paused { " " span class="note" { "(paused)" } } }
                            td { (record.profile) }
                            td { @if let Some(at) = &record.checked_at { (time(at)) } @else { "not yet" } }
                            td { (time(&record.next_check_at)) }
                        }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p { a rel="next" href=(next) { "Next page →" } }
        }
    }
}

/// One registered domain: its state, records, history and actions.
/// The test-message part of a domain page: where to send, and what arrived.
pub struct TestMessages<'a> {
    /// `[inbound] domain`; `None`: test addresses are not configured.
    pub inbound_domain: Option<&'a str>,
    /// The live address (full) and when it expires.
    pub address: Option<(String, DateTime<Utc>)>,
    pub messages: &'a [StoredMessage],
}

/// What the probe form was filled with (never the password), and the report it gave.
#[derive(Default)]
pub struct ProbeForm {
    pub host: String,
    pub port: String,
    pub security: String,
    pub username: String,
    pub helo: String,
}

pub fn domain_detail(
    record: &DomainRecord,
    history: &[Transition],
    csrf: &str,
    tests: &TestMessages<'_>,
    probe: (&ProbeForm, Option<Result<&Report, &str>>),
    can: Can,
) -> Markup {
    let valid_after = record
        .checked_at
        .and_then(|at| crate::checks::propagation::valid_after(&record.records, at));
    html! {
        dl class="state" {
            dt { "Status" } dd { (domain_badge(record.lifecycle.status)) " since " (time(&record.lifecycle.status_since)) }
            dt { "Profile" } dd { (record.profile) }
            dt { "Checks" } dd { @if record.paused { "paused: not checked, no webhook events" } @else { "running" } }
            dt { "Last check" } dd { @if let Some(at) = &record.checked_at { (time(at)) } @else { "not yet (it starts within seconds)" } }
            dt { "Next check" } dd { (time(&record.next_check_at)) }
        }
        div class="actions" {
            @if can.check {
                form method="post" action={"/domains/" (record.domain) "/check"} {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" { "Check again now" }
                }
            }
            @if can.write {
                form method="post" action={"/domains/" (record.domain) "/pause"} {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="paused" value=(if record.paused { "false" } else { "true" });
                    button type="submit" class="secondary" { @if record.paused { "Resume checks" } @else { "Pause checks" } }
                }
                form method="post" action={"/domains/" (record.domain) "/delete"} {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" class="danger" { "Delete registration" }
                }
            }
        }
        @if record.checked_at.is_some() {
            (verdict_line(record.ready, valid_after.as_ref()))
            (dnssec_line(&record.records))
        }
        section aria-labelledby="records" {
            h2 id="records" { "Records" }
            @if record.records.is_empty() { p { "No check has finished yet." } }
            (records(&record.records))
        }
        (test_message_section(record, csrf, tests, can))
        @if can.check {
            (probe_section(&record.domain, csrf, probe.0, probe.1))
        }
        section aria-labelledby="history" {
            h2 id="history" { "History" }
            ol class="history" {
                @for transition in history.iter().rev() {
                    li {
                        (time(&transition.at)) " "
                        @if let Some(from) = transition.from { (domain_badge(from)) " → " }
                        (domain_badge(transition.to)) " "
                        span class="reason" { (transition.reason) }
                    }
                }
            }
        }
    }
}

/// Where to send a test message, and the messages received so far.
fn test_message_section(
    record: &DomainRecord,
    csrf: &str,
    tests: &TestMessages<'_>,
    can: Can,
) -> Markup {
    html! {
        section aria-labelledby="test-message" {
            h2 id="test-message" { "Test message" }
            p {
                "DNS records show that keys are published, not that the provider signs with them. \
                 Ask the customer to send a message through their provider, "
                strong { "From an address at " (record.domain) }
                ", to the address below: its SPF, DKIM, DMARC and ARC verdicts appear here."
            }
            @if let Some(at) = &record.proven_at {
                p class="verdict pass" id="proven" { "Proven by a real message at " (time(at)) }
            }
            @match tests.inbound_domain {
                None => {
                    p { "Test addresses are off: set " code { "[inbound] domain" } " and " code { "listen" } " in the configuration, and point that domain's MX at this daemon." }
                }
                Some(_) => {
                    @if let Some((address, expires)) = &tests.address {
                        p class="test-address" {
                            code id="test-address" { (address) } " " (copy_button(address, "the test address"))
                            " valid until " (time(expires))
                        }
                    }
                    @if can.write {
                        form method="post" action={"/domains/" (record.domain) "/test-address"} {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" class=(if tests.address.is_some() { "secondary" } else { "" }) {
                                @if tests.address.is_some() { "New test address" } @else { "Get a test address" }
                            }
                        }
                    } @else if tests.address.is_none() {
                        (needs("write", "making a test address"))
                    }
                }
            }
            div id="messages" data-poll={"/domains/" (record.domain) "/messages"} aria-live="polite" {
                (message_list(tests.messages))
            }
        }
    }
}

fn result_class(result: &str) -> &'static str {
    match result {
        "pass" => "pass",
        "fail" | "softfail" | "permerror" => "fail",
        _ => "error",
    }
}

/// The messages received at a domain's test addresses, newest first (also served alone, so the
/// page can refresh it as messages arrive).
pub fn message_list(messages: &[StoredMessage]) -> Markup {
    html! {
        @if messages.is_empty() {
            p class="muted" { "No message received yet. This list refreshes by itself." }
        }
        @for message in messages {
            @let verdict = &message.verdict;
            article class={"record message " (verdict.verdict.as_str())} aria-label={"Message " (verdict.subject.as_deref().unwrap_or("(no subject)"))} {
                h3 {
                    span class={"badge " (verdict.verdict.as_str())} { (verdict.verdict.as_str()) } " "
                    (verdict.subject.as_deref().unwrap_or("(no subject)"))
                }
                p class="reason message-reason" { (verdict.reason) }
                dl {
                    dt { "Received" } dd { (time(&message.received_at)) " from " code { (message.client_ip) } " (HELO " code { (message.helo) } ")" @if message.tls { ", over TLS" } }
                    dt { "From" } dd { code { (verdict.from.as_deref().unwrap_or("(none)")) } }
                    dt { "MAIL FROM" } dd { code { @if message.mail_from.is_empty() { "<>" } @else { (message.mail_from) } } }
                    dt { "SPF" } dd { span class={"badge " (result_class(&verdict.spf.result))} { (verdict.spf.result) } @if verdict.spf.aligned { " aligned" } " — " (verdict.spf.reason) }
                    dt { "DKIM" } dd {
                        span class={"badge " (result_class(verdict.dkim.result.as_str()))} { (verdict.dkim.result.as_str()) }
                        @for signature in &verdict.dkim.signatures {
                            br; "d=" code { (signature.domain) } " s=" code { (signature.selector) } ": " (signature.result.as_str())
                            @if signature.aligned { " (aligned)" } " — " (signature.reason)
                        }
                    }
                    dt { "DMARC" } dd {
                        span class={"badge " (result_class(verdict.dmarc.result.as_str()))} { (verdict.dmarc.result.as_str()) }
                        @if let Some(policy) = &verdict.dmarc.policy { " p=" (policy) }
                        " — " (verdict.dmarc.reason)
                    }
                    dt { "ARC" } dd { (verdict.arc.result) " — " (verdict.arc.reason) }
                }
                p { "Authentication-Results: " code class="authentication-results" { (verdict.authentication_results) } " " (copy_button(&verdict.authentication_results, "Authentication-Results")) }
                details { summary { "Headers as received" } pre { (message.headers) } }
            }
        }
    }
}

/// The SMTP gateway probe, from the domain page.
fn probe_section(
    domain: &str,
    csrf: &str,
    form: &ProbeForm,
    outcome: Option<Result<&Report, &str>>,
) -> Markup {
    let security = |value: &str| form.security == value;
    html! {
        section aria-labelledby="smtp-probe" {
            h2 id="smtp-probe" { "Probe the customer's SMTP gateway" }
            form method="post" action={"/domains/" (domain) "/smtp-probe"} class="probe" {
                input type="hidden" name="csrf" value=(csrf);
                p { label for="probe-host" { "Host" } input id="probe-host" name="host" required value=(form.host) placeholder="smtp.example.com"; }
                p { label for="probe-port" { "Port" } input id="probe-port" name="port" inputmode="numeric" value=(form.port) placeholder="587"; }
                p {
                    label for="probe-security" { "Security" }
                    select id="probe-security" name="security" {
                        option value="" selected[form.security.is_empty()] { "by the port" }
                        option value="starttls" selected[security("starttls")] { "STARTTLS" }
                        option value="tls" selected[security("tls")] { "TLS from the start" }
                        option value="none" selected[security("none")] { "none" }
                    }
                }
                p { label for="probe-username" { "Username (optional)" } input id="probe-username" name="username" autocomplete="off" value=(form.username); }
                p { label for="probe-password" { "Password (used once, never kept)" } input id="probe-password" name="password" type="password" autocomplete="off"; }
                p { label for="probe-helo" { "EHLO name (optional)" } input id="probe-helo" name="helo" value=(form.helo); }
                p { button type="submit" { "Probe" } }
            }
            @match outcome {
                Some(Ok(report)) => (probe_report(report)),
                Some(Err(message)) => (problem(message)),
                None => {}
            }
        }
    }
}

fn probe_report(report: &Report) -> Markup {
    let (class, word) = match report.result {
        crate::smtp::Verdict::Pass => ("pass", "pass"),
        crate::smtp::Verdict::Fail => ("fail", "fail"),
        crate::smtp::Verdict::Error => ("error", "could not test"),
    };
    html! {
        p class={"verdict " (class)} id="probe-result" {
            "SMTP gateway " code { (report.host) ":" (report.port) } " (" (report.security.as_str()) "): " strong { (word) }
        }
        ol class="steps" {
            @for step in &report.steps {
                @let status = match step.status { StepStatus::Pass => "pass", StepStatus::Warn => "warn", StepStatus::Fail => "fail", StepStatus::Skipped => "skipped" };
                li class={"step " (status)} { strong { (step.step) } " " span class="badge" { (status) } " " (step.message) }
            }
        }
    }
}

/// The paste box.
pub fn dkim_form(csrf: &str, message: &str, can: Can) -> Markup {
    if !can.check {
        return needs("check", "judging a message here");
    }
    html! {
        form method="post" action="/dkim" enctype="multipart/form-data" class="dkim" {
            input type="hidden" name="csrf" value=(csrf);
            p {
                label for="message" { "Raw message (headers and body, as received)" }
                textarea id="message" name="message" rows="14" spellcheck="false" { (message) }
            }
            p {
                label for="file" { "…or upload a .eml file" }
                input id="file" name="file" type="file" accept=".eml,message/rfc822,text/plain";
            }
            p { button type="submit" { "Verify DKIM" } }
        }
    }
}

/// A DKIM verdict.
pub fn dkim_verdict(verdict: &DkimVerdict) -> Markup {
    let class = match verdict.result {
        Verdict::Pass => "pass",
        Verdict::Temperror | Verdict::None | Verdict::Neutral => "error",
        Verdict::Fail | Verdict::Permerror => "fail",
    };
    html! {
        section aria-labelledby="verdict" class="result" {
            h2 id="verdict" { "Verdict" }
            p class={"verdict " (class)} id="dkim-result" {
                "DKIM: " strong { (verdict.result.as_str()) }
                @if let Some(from) = &verdict.from_domain { " — From domain " code { (from) } }
                @if verdict.aligned_pass { " — an aligned signature passes: DKIM alone satisfies DMARC" }
            }
            @if !verdict.signatures.is_empty() {
                table class="signatures" {
                    caption { "Signatures" }
                    thead { tr { th scope="col" { "d=" } th scope="col" { "s=" } th scope="col" { "Algorithm" } th scope="col" { "Result" } th scope="col" { "Aligned" } th scope="col" { "Reason" } } }
                    tbody {
                        @for signature in &verdict.signatures {
                            tr {
                                td { code { (signature.domain) } }
                                td { code { (signature.selector) } }
                                td { (signature.algorithm) }
                                td { strong { (signature.result.as_str()) } }
                                td { @if signature.aligned { "yes" } @else { "no" } }
                                td {
                                    (signature.reason)
                                    @for warning in &signature.warnings { br; span aria-hidden="true" { "⚠ " } (warning) }
                                }
                            }
                        }
                    }
                }
            }
            p { "Authentication-Results:" }
            p { code id="authentication-results" { (verdict.authentication_results) } " " (copy_button(&verdict.authentication_results, "Authentication-Results")) }
        }
    }
}

/// The sign-in form.
pub fn login(csrf: &str, next: &str, failed: bool) -> Markup {
    html! {
        @if failed { (problem("That is not the API token, nor any token of this daemon.")) }
        form method="post" action="/login" class="login" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="next" value=(next);
            p {
                label for="token" { "Token (server.api_token or one of [[tokens]])" }
                input id="token" name="token" type="password" required autocomplete="current-password";
            }
            p { button type="submit" { "Sign in" } }
        }
    }
}

/// The audit log: a filter by domain and token, and the entries, newest first.
pub fn audit(entries: &[crate::store::AuditEntry], filter: &crate::store::AuditFilter) -> Markup {
    html! {
        form method="get" action="/audit" class="filter" role="search" {
            p {
                label for="audit-domain" { "Domain" }
                input id="audit-domain" name="domain" type="text" value=[filter.domain.as_deref()] autocomplete="off" spellcheck="false";
                label for="audit-token" { "Token" }
                input id="audit-token" name="token" type="text" value=[filter.token.as_deref()] autocomplete="off" spellcheck="false";
                " " button type="submit" { "Filter" }
            }
        }
        @if entries.is_empty() {
            p { "No changes recorded." }
        } @else {
            table class="audit" {
                thead { tr { th { "When" } th { "Token" } th { "Action" } th { "Domain" } th { "Detail" } } }
                tbody {
                    @for entry in entries {
                        tr {
                            td { (time(&entry.at)) }
                            td { @if let Some(token) = &entry.token { (token) } @else { "(no token)" } }
                            td { code { (entry.action) } }
                            td { @if let Some(domain) = &entry.domain { a href={"/domains/" (domain)} { (domain) } } }
                            td { (entry.detail) }
                        }
                    }
                }
            }
        }
    }
}

/// Marks up nothing: for pages whose body is only an error.
pub fn nothing() -> Markup {
    PreEscaped(String::new())
}

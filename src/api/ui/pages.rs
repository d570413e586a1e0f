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
use crate::text::{Arg, Lang, ui};

/// An interface word or sentence of the pages in `lang` (`ui-page-…` in the catalogs).
fn t(lang: Lang, id: &str) -> String {
    ui(lang, id, &[])
}

/// The same, with parameters.
fn tw(lang: Lang, id: &str, args: &[(&'static str, Arg)]) -> String {
    ui(lang, id, args)
}

/// What every page's frame needs: the language, where the page is (for the language switch,
/// without `lang`), and who is signed in.
pub struct Chrome {
    pub lang: Lang,
    /// The page's path and query, without `lang`: the language switch links here.
    pub here: String,
    pub signed_in: Option<SignedIn>,
}

impl Chrome {
    /// `here` with `lang=LANG` added to its query.
    fn switch_to(&self, lang: Lang) -> String {
        let separator = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{separator}lang={}", self.here, lang.as_str())
    }
}

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
fn needs(lang: Lang, scope: &str, what: &str) -> Markup {
    let what = t(lang, what);
    html! {
        p class="needs-scope" { (tw(lang, "ui-page-needs_scope", &[("what", Arg::from(what)), ("scope", Arg::from(scope))])) }
    }
}

pub fn layout(title: &str, nav: Nav, chrome: &Chrome, body: Markup) -> Markup {
    let lang = chrome.lang;
    let item = |href: &str, label: &str, this: Nav| {
        html! {
            li { a href=(href) aria-current=[(nav == this).then_some("page")] { (t(lang, label)) } }
        }
    };
    html! {
        (DOCTYPE)
        html lang=(lang.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · sendercheck" }
                link rel="stylesheet" href="/assets/style.css";
            }
            // The copy buttons' words, for app.js.
            body data-copy=(t(lang, "ui-page-copy")) data-copied=(t(lang, "ui-page-copied")) data-copy-failed=(t(lang, "ui-page-copy_failed")) data-copied-status=(t(lang, "ui-page-copied_status")) data-copy-failed-status=(t(lang, "ui-page-copy_failed_status")) {
                a class="skip" href="#main" { (t(lang, "ui-page-skip")) }
                header role="banner" {
                    nav aria-label=(t(lang, "ui-page-main_nav")) {
                        span class="brand" { "sendercheck" }
                        ul {
                            (item("/", "ui-page-nav_check", Nav::Check))
                            (item("/domains", "ui-page-nav_domains", Nav::Domains))
                            (item("/dkim", "ui-page-nav_dkim", Nav::Dkim))
                            // For admins (everyone without tokens): the others' scope cannot open it.
                            @if chrome.signed_in.as_ref().is_none_or(|signed_in| signed_in.scope == crate::auth::Scope::Admin) {
                                (item("/audit", "ui-page-nav_audit", Nav::Audit))
                            }
                        }
                        ul class="languages" aria-label=(t(lang, "ui-page-language")) {
                            @for each in Lang::ALL {
                                li { a href=(chrome.switch_to(each)) hreflang=(each.as_str()) lang=(each.as_str()) aria-current=[(each == lang).then_some("true")] { (each.native_name()) } }
                            }
                        }
                        @if let Some(signed_in) = &chrome.signed_in {
                            form method="post" action="/logout" class="logout" {
                                span class="signed-in" { (t(lang, "ui-page-signed_in_as")) " " strong { (signed_in.name) } " (" (signed_in.scope) ")" } " "
                                input type="hidden" name="csrf" value=(signed_in.csrf);
                                button type="submit" { (t(lang, "ui-page-sign_out")) }
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
pub fn status_badge(lang: Lang, status: RecordStatus) -> Markup {
    let (icon, class) = match status {
        RecordStatus::Pass => ("✔", "pass"),
        RecordStatus::Fail => ("✘", "fail"),
        RecordStatus::Missing => ("✘", "missing"),
        RecordStatus::Error => ("?", "error"),
    };
    let word = t(lang, &format!("ui-page-status-{}", status.as_str()));
    html! { span class={"badge " (class)} { span aria-hidden="true" { (icon) } " " (word) } }
}

pub fn domain_badge(lang: Lang, status: DomainStatus) -> Markup {
    let (icon, class) = match status {
        DomainStatus::Verified => ("✔", "pass"),
        DomainStatus::Pending => ("…", "pending"),
        DomainStatus::Failing => ("✘", "fail"),
        DomainStatus::Unregistered => ("–", "error"),
    };
    let word = t(lang, &format!("ui-page-domain-{}", status.as_str()));
    html! { span class={"badge " (class)} { span aria-hidden="true" { (icon) } " " (word) } }
}

/// The chrono locale of a language's month names.
fn locale(lang: Lang) -> chrono::Locale {
    match lang {
        Lang::En => chrono::Locale::en_GB,
        Lang::Fr => chrono::Locale::fr_FR,
        Lang::Pt => chrono::Locale::pt_BR,
    }
}

/// `at` as the language writes a date and time (`ui-page-date`, a strftime pattern), in UTC;
/// the machine-readable value in `datetime`.
fn time(lang: Lang, at: &DateTime<Utc>) -> Markup {
    let machine = at.to_rfc3339_opts(SecondsFormat::Secs, true);
    html! { time datetime=(machine) { (date_words(lang, at)) } }
}

fn date_words(lang: Lang, at: &DateTime<Utc>) -> String {
    use std::fmt::Write as _;
    let pattern = t(lang, "ui-page-date");
    let mut out = String::new();
    // A bad pattern in a catalog (the tests refuse one) falls back to RFC 3339.
    match write!(out, "{}", at.format_localized(&pattern, locale(lang))) {
        Ok(()) => out,
        Err(_) => at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

fn copy_button(lang: Lang, value: &str, what: &str) -> Markup {
    let label = tw(
        lang,
        "ui-page-copy_what",
        &[("what", Arg::from(t(lang, what)))],
    );
    html! {
        button type="button" class="copy" data-copy=(value) aria-label=(label) { (t(lang, "ui-page-copy")) }
    }
}

/// An error box.
pub fn problem(message: &str) -> Markup {
    html! { div class="problem" role="alert" { p { (message) } } }
}

/// The verdict on a domain's records, one section per record.
pub fn records(lang: Lang, records: &[RecordCheck]) -> Markup {
    html! {
        @for record in records {
            section class={"record " (record.status.as_str())} aria-label=(tw(lang, "ui-page-record_at", &[("kind", Arg::from(record.kind.as_str())), ("name", Arg::from(&record.name))])) {
                h3 {
                    (status_badge(lang, record.status)) " "
                    span class="kind" { (record.kind.as_str()) } " "
                    code class="name" { (record.name) }
                    @if !record.required { " " span class="note" { (t(lang, "ui-page-recommended")) } }
                }
                p class="message" { (record.message.render(lang)) }
                dl {
                    dt { (t(lang, "ui-page-expected")) } dd { (record.expected.render(lang)) }
                    dt { (t(lang, "ui-page-found")) }
                    dd {
                        @if record.found.is_empty() { (t(lang, "ui-page-nothing")) }
                        @for found in &record.found { code class="found" { (found) } br; }
                    }
                    @if let Some(dnssec) = &record.dnssec {
                        dt { "DNSSEC" } dd class={"dnssec " (dnssec.state.as_str())} { (dnssec_words(lang, dnssec, false)) }
                    }
                }
                @if let Some(fix) = &record.fix {
                    div class="fix" {
                        h4 { (t(lang, "ui-page-fix")) }
                        @if let Some(explanation) = &fix.explanation {
                            p class="explanation" { (explanation.render(lang)) }
                        } @else if fix.actions.is_empty() {
                            p { (t(lang, "ui-page-no_single_fix")) }
                        }
                        @for action in &fix.actions {
                            div class="action" {
                                p class="verb" {
                                    (t(lang, match action.action {
                                        ActionKind::Publish => "ui-page-publish",
                                        ActionKind::Replace => "ui-page-replace",
                                        ActionKind::Remove => "ui-page-remove",
                                    }))
                                    @if let Some(old) = &action.replaces { " (" (t(lang, "ui-page-in_place_of")) " " code { (old) } ")" }
                                }
                                table class="fix-fields" {
                                    tr { th scope="row" { (t(lang, "ui-page-type")) } td { code { (action.record_type) } } td { (copy_button(lang, &action.record_type, "ui-page-copy_type")) } }
                                    tr { th scope="row" { (t(lang, "ui-page-name")) } td { code class="fix-name" { (action.name) } } td { (copy_button(lang, &action.name, "ui-page-copy_name")) } }
                                    tr { th scope="row" { (t(lang, "ui-page-value")) } td { code class="fix-value" { (action.value) } } td { (copy_button(lang, &action.value, "ui-page-copy_value")) } }
                                    tr { th scope="row" { (t(lang, "ui-page-zone_line")) } td { code { (action.zone) } } td { (copy_button(lang, &action.zone, "ui-page-copy_zone")) } }
                                }
                            }
                        }
                    }
                }
                @if !record.warnings.is_empty() {
                    ul class="warnings" aria-label=(t(lang, "ui-page-warnings")) {
                        @for warning in &record.warnings { li { span aria-hidden="true" { "⚠ " } (warning.render(lang)) } }
                    }
                }
                @if let Some(propagation) = &record.propagation { (propagation_detail(lang, propagation)) }
            }
        }
    }
}

fn propagation_detail(lang: Lang, seen: &Propagation) -> Markup {
    html! {
        details class="propagation" open[seen.state != crate::checks::propagation::PropagationState::Published] {
            summary {
                (t(lang, "ui-page-propagation")) " " strong { (t(lang, &format!("ui-page-propagation-{}", seen.state.as_str()))) }
                @if let Some(at) = &seen.expected_at { " — " (t(lang, "ui-page-expected_by")) " " (time(lang, at)) }
            }
            table {
                caption { (t(lang, "ui-page-servers_caption")) }
                thead { tr { th scope="col" { (t(lang, "ui-page-server")) } th scope="col" { (t(lang, "ui-page-address")) } th scope="col" { (t(lang, "ui-page-status")) } th scope="col" { (t(lang, "ui-page-soa_serial")) } } }
                tbody {
                    @for server in &seen.servers {
                        tr {
                            td { (server.name) }
                            td { code { (server.address.ip().to_string()) } }
                            td {
                                (status_badge(lang, server.status))
                                @if let Some(reason) = &server.reason { br; small class="reason" { (reason.render(lang)) } }
                            }
                            td { @if let Some(serial) = server.serial { (serial) } @else { "—" } }
                        }
                    }
                    tr {
                        td { (t(lang, "ui-page-resolver")) } td { "—" }
                        td { (status_badge(lang, seen.resolver.status)) }
                        td { @if let Some(ttl) = seen.resolver.ttl { (tw(lang, "ui-page-cached", &[("seconds", Arg::from(ttl))])) } @else { "—" } }
                    }
                }
            }
        }
    }
}

/// A DNSSEC status in words a customer can act on.
fn dnssec_words(lang: Lang, dnssec: &Dnssec, summary: bool) -> String {
    let zone = dnssec
        .zone
        .as_deref()
        .map(|zone| format!(" ({zone})"))
        .unwrap_or_default();
    let zone = Arg::from(zone);
    match dnssec.state {
        DnssecState::Secure => tw(lang, "ui-page-dnssec_secure", &[("zone", zone)]),
        DnssecState::Insecure => tw(lang, "ui-page-dnssec_insecure", &[("zone", zone)]),
        // The cause already says what validating resolvers do and what to change.
        DnssecState::Bogus if summary => {
            let reason = dnssec
                .reason
                .as_ref()
                .map_or_else(|| t(lang, "ui-page-dnssec_not_valid"), |r| r.render(lang));
            tw(
                lang,
                "ui-page-dnssec_bogus",
                &[("zone", zone), ("reason", Arg::from(reason))],
            )
        }
        // A bogus record's message already names the cause.
        DnssecState::Bogus => tw(lang, "ui-page-dnssec_bogus_record", &[("zone", zone)]),
        DnssecState::Indeterminate => {
            let reason = dnssec
                .reason
                .as_ref()
                .map_or_else(|| t(lang, "ui-cli-dnssec_no_chain"), |r| r.render(lang));
            tw(
                lang,
                "ui-page-dnssec_unchecked",
                &[("zone", zone), ("reason", Arg::from(reason))],
            )
        }
    }
}

/// The domain's DNSSEC line, when DNSSEC is checked.
pub fn dnssec_line(lang: Lang, records: &[RecordCheck]) -> Markup {
    let summary = crate::checks::dnssec::worst(records.iter().filter_map(|r| r.dnssec.as_ref()));
    html! {
        @if let Some(dnssec) = summary {
            p class={"dnssec " (dnssec.state.as_str())} { strong { "DNSSEC: " } (dnssec_words(lang, dnssec, true)) }
        }
    }
}

/// The summary line of a report or registration.
pub fn verdict_line(lang: Lang, ready: bool, valid_after: Option<&DateTime<Utc>>) -> Markup {
    html! {
        p class={"verdict " (if ready { "pass" } else { "fail" })} {
            @if ready { span aria-hidden="true" { "✔ " } (t(lang, "ui-page-ready")) }
            @else { span aria-hidden="true" { "✘ " } (t(lang, "ui-page-not_ready")) }
            @if let (false, Some(at)) = (ready, valid_after) {
                " " (t(lang, "ui-page-valid_after")) " " (time(lang, at)) "."
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
    lang: Lang,
) -> Markup {
    if !can.check {
        return needs(lang, "check", "ui-page-needs_check_domain");
    }
    html! {
        form method="get" action="/" class="check" id="check-form" {
            p {
                label for="domain" { (t(lang, "ui-page-domain")) }
                input id="domain" name="domain" type="text" required value=(domain) placeholder="shop.example" autocomplete="off" autocapitalize="none" spellcheck="false";
            }
            p {
                label for="profile" { (t(lang, "ui-page-profile")) }
                select id="profile" name="profile" {
                    @for profile in profiles {
                        option value=(profile.name) selected[profile.name == chosen.name] { (profile.title) " (" (profile.name) ")" }
                    }
                }
                button type="submit" name="edit" value="1" class="secondary" { (t(lang, "ui-page-show_fields")) }
            }
            @if !chosen.params.is_empty() {
                fieldset {
                    legend { (tw(lang, "ui-page-parameters_of", &[("profile", Arg::from(&chosen.title))])) }
                    @for (name, param) in &chosen.params {
                        p {
                            label for={"param-" (name)} { (name) @if param.required { " " (t(lang, "ui-page-required")) } }
                            input id={"param-" (name)} name={"param." (name)} type="text" value=[values.get(name)] aria-describedby={"help-" (name)} autocomplete="off" spellcheck="false";
                            small id={"help-" (name)} { (param.description) }
                        }
                    }
                }
            }
            p { button type="submit" { (t(lang, "ui-page-check_now")) } }
        }
    }
}

/// A fresh check's result, with the register button.
pub fn report(
    report: &DomainReport,
    csrf: &str,
    params: &std::collections::BTreeMap<String, String>,
    can: Can,
    lang: Lang,
) -> Markup {
    html! {
        section aria-labelledby="result" class="result" {
            h2 id="result" { (t(lang, "ui-page-result_for")) " " code { (report.domain) } " (" (report.profile) ")" }
            (verdict_line(lang, report.ready, report.valid_after.as_ref()))
            (dnssec_line(lang, &report.records))
            (records(lang, &report.records))
            @if can.write {
                form method="post" action="/domains" class="register" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="domain" value=(report.domain);
                    input type="hidden" name="profile" value=(report.profile);
                    @for (name, value) in params {
                        input type="hidden" name={"param." (name)} value=(value);
                    }
                    button type="submit" { (tw(lang, "ui-page-register", &[("domain", Arg::from(&report.domain))])) }
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
    lang: Lang,
) -> Markup {
    let total: u64 = counts.iter().map(|(_, count)| count).sum();
    html! {
        ul class="counts" aria-label=(t(lang, "ui-page-per_status")) {
            li { a href="/domains" { (t(lang, "ui-page-all")) ": " (total) } }
            @for (each, count) in counts {
                li { a href={"/domains?status=" (each.as_str())} { (domain_badge(lang, *each)) ": " (count) } }
            }
        }
        form method="get" action="/domains" class="filter" role="search" {
            p {
                label for="q" { (t(lang, "ui-page-domain_contains")) }
                input id="q" name="q" type="search" value=(q) spellcheck="false";
            }
            p {
                label for="status" { (t(lang, "ui-page-status")) }
                select id="status" name="status" {
                    option value="" selected[status.is_none()] { (t(lang, "ui-page-any")) }
                    @for each in [DomainStatus::Pending, DomainStatus::Verified, DomainStatus::Failing] {
                        option value=(each.as_str()) selected[status == Some(each)] { (t(lang, &format!("ui-page-domain-{}", each.as_str()))) }
                    }
                }
            }
            p { button type="submit" { (t(lang, "ui-page-filter")) } " " a href=(csv_href) { (t(lang, "ui-page-export_csv")) } }
        }
        @if domains.is_empty() {
            p class="empty" { (t(lang, "ui-page-no_match")) }
        } @else {
            table class="domains" {
                caption { (t(lang, "ui-page-registered")) }
                thead { tr { th scope="col" { (t(lang, "ui-page-domain")) } th scope="col" { (t(lang, "ui-page-status")) } th scope="col" { (t(lang, "ui-page-profile_short")) } th scope="col" { (t(lang, "ui-page-last_check")) } th scope="col" { (t(lang, "ui-page-next_check")) } } }
                tbody {
                    @for record in domains {
                        tr {
                            td { a href={"/domains/" (record.domain)} { (record.domain) } }
                            td { (domain_badge(lang, record.lifecycle.status)) @if record.paused { " " span class="note" { (t(lang, "ui-page-paused_note")) } } }
                            td { (record.profile) }
                            td { @if let Some(at) = &record.checked_at { (time(lang, at)) } @else { (t(lang, "ui-page-not_yet")) } }
                            td { (time(lang, &record.next_check_at)) }
                        }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p { a rel="next" href=(next) { (t(lang, "ui-page-next_page")) " →" } }
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
    lang: Lang,
) -> Markup {
    let valid_after = record
        .checked_at
        .and_then(|at| crate::checks::propagation::valid_after(&record.records, at));
    html! {
        dl class="state" {
            dt { (t(lang, "ui-page-status")) } dd { (domain_badge(lang, record.lifecycle.status)) " " (t(lang, "ui-page-since")) " " (time(lang, &record.lifecycle.status_since)) }
            dt { (t(lang, "ui-page-profile_short")) } dd { (record.profile) }
            dt { (t(lang, "ui-page-checks")) } dd { @if record.paused { (t(lang, "ui-page-checks_paused")) } @else { (t(lang, "ui-page-checks_running")) } }
            dt { (t(lang, "ui-page-last_check")) } dd { @if let Some(at) = &record.checked_at { (time(lang, at)) } @else { (t(lang, "ui-page-not_yet_soon")) } }
            dt { (t(lang, "ui-page-next_check")) } dd { (time(lang, &record.next_check_at)) }
        }
        div class="actions" {
            @if can.check {
                form method="post" action={"/domains/" (record.domain) "/check"} {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" { (t(lang, "ui-page-check_again")) }
                }
            }
            @if can.write {
                form method="post" action={"/domains/" (record.domain) "/pause"} {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="paused" value=(if record.paused { "false" } else { "true" });
                    button type="submit" class="secondary" { @if record.paused { (t(lang, "ui-page-resume")) } @else { (t(lang, "ui-page-pause")) } }
                }
                form method="post" action={"/domains/" (record.domain) "/delete"} {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" class="danger" { (t(lang, "ui-page-delete")) }
                }
            }
        }
        @if record.checked_at.is_some() {
            (verdict_line(lang, record.ready, valid_after.as_ref()))
            (dnssec_line(lang, &record.records))
        }
        section aria-labelledby="records" {
            h2 id="records" { (t(lang, "ui-page-records")) }
            @if record.records.is_empty() { p { (t(lang, "ui-page-no_check_yet")) } }
            (records(lang, &record.records))
        }
        (test_message_section(lang, record, csrf, tests, can))
        @if can.check {
            (probe_section(lang, &record.domain, csrf, probe.0, probe.1))
        }
        section aria-labelledby="history" {
            h2 id="history" { (t(lang, "ui-page-history")) }
            ol class="history" {
                @for transition in history.iter().rev() {
                    li {
                        (time(lang, &transition.at)) " "
                        @if let Some(from) = transition.from { (domain_badge(lang, from)) " → " }
                        (domain_badge(lang, transition.to)) " "
                        span class="reason" { (transition.reason.render(lang)) }
                    }
                }
            }
        }
    }
}

/// Where to send a test message, and the messages received so far.
fn test_message_section(
    lang: Lang,
    record: &DomainRecord,
    csrf: &str,
    tests: &TestMessages<'_>,
    can: Can,
) -> Markup {
    html! {
        section aria-labelledby="test-message" {
            h2 id="test-message" { (t(lang, "ui-page-test_message")) }
            p {
                (t(lang, "ui-page-test_intro")) " "
                strong { (tw(lang, "ui-page-test_from", &[("domain", Arg::from(&record.domain))])) }
                (t(lang, "ui-page-test_to"))
            }
            @if let Some(at) = &record.proven_at {
                p class="verdict pass" id="proven" { (t(lang, "ui-page-proven")) " " (time(lang, at)) }
            }
            @match tests.inbound_domain {
                None => {
                    p { (t(lang, "ui-page-test_off")) }
                }
                Some(_) => {
                    @if let Some((address, expires)) = &tests.address {
                        p class="test-address" {
                            code id="test-address" { (address) } " " (copy_button(lang, address, "ui-page-copy_address"))
                            " " (t(lang, "ui-page-valid_until")) " " (time(lang, expires))
                        }
                    }
                    @if can.write {
                        form method="post" action={"/domains/" (record.domain) "/test-address"} {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" class=(if tests.address.is_some() { "secondary" } else { "" }) {
                                @if tests.address.is_some() { (t(lang, "ui-page-new_address")) } @else { (t(lang, "ui-page-get_address")) }
                            }
                        }
                    } @else if tests.address.is_none() {
                        (needs(lang, "write", "ui-page-needs_test_address"))
                    }
                }
            }
            div id="messages" data-poll={"/domains/" (record.domain) "/messages"} aria-live="polite" {
                (message_list(lang, tests.messages))
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

/// A stored verdict with its reasons in `lang`.
fn localized(
    verdict: &crate::message::MessageVerdict,
    lang: Lang,
) -> crate::message::MessageVerdict {
    let mut verdict = verdict.clone();
    verdict.localize(lang);
    verdict
}

/// The messages received at a domain's test addresses, newest first (also served alone, so the
/// page can refresh it as messages arrive).
pub fn message_list(lang: Lang, messages: &[StoredMessage]) -> Markup {
    let no_subject = t(lang, "ui-page-no_subject");
    html! {
        @if messages.is_empty() {
            p class="muted" { (t(lang, "ui-page-no_message")) }
        }
        @for message in messages {
            @let verdict = &localized(&message.verdict, lang);
            @let subject = verdict.subject.as_deref().unwrap_or(&no_subject);
            article class={"record message " (verdict.verdict.as_str())} aria-label=(tw(lang, "ui-page-message_named", &[("subject", Arg::from(subject))])) {
                h3 {
                    span class={"badge " (verdict.verdict.as_str())} { (verdict.verdict.as_str()) } " "
                    (subject)
                }
                p class="reason message-reason" { (verdict.reason) }
                dl {
                    dt { (t(lang, "ui-page-received")) } dd { (time(lang, &message.received_at)) " " (t(lang, "ui-page-from_client")) " " code { (message.client_ip) } " (HELO " code { (message.helo) } ")" @if message.tls { ", " (t(lang, "ui-page-over_tls")) } }
                    dt { "From" } dd { code { @if let Some(from) = &verdict.from { (from) } @else { (t(lang, "ui-page-none")) } } }
                    dt { "MAIL FROM" } dd { code { @if message.mail_from.is_empty() { "<>" } @else { (message.mail_from) } } }
                    dt { "SPF" } dd { span class={"badge " (result_class(&verdict.spf.result))} { (verdict.spf.result) } @if verdict.spf.aligned { " " (t(lang, "ui-page-aligned")) } " — " (verdict.spf.reason) }
                    dt { "DKIM" } dd {
                        span class={"badge " (result_class(verdict.dkim.result.as_str()))} { (verdict.dkim.result.as_str()) }
                        @for signature in &verdict.dkim.signatures {
                            br; "d=" code { (signature.domain) } " s=" code { (signature.selector) } ": " (signature.result.as_str())
                            @if signature.aligned { " (" (t(lang, "ui-page-aligned")) ")" } " — " (signature.reason)
                        }
                    }
                    dt { "DMARC" } dd {
                        span class={"badge " (result_class(verdict.dmarc.result.as_str()))} { (verdict.dmarc.result.as_str()) }
                        @if let Some(policy) = &verdict.dmarc.policy { " p=" (policy) }
                        " — " (verdict.dmarc.reason)
                    }
                    dt { "ARC" } dd { (verdict.arc.result) " — " (verdict.arc.reason) }
                }
                p { "Authentication-Results: " code class="authentication-results" { (verdict.authentication_results) } " " (copy_button(lang, &verdict.authentication_results, "ui-page-copy_results")) }
                details { summary { (t(lang, "ui-page-headers")) } pre { (message.headers) } }
            }
        }
    }
}

/// The SMTP gateway probe, from the domain page.
fn probe_section(
    lang: Lang,
    domain: &str,
    csrf: &str,
    form: &ProbeForm,
    outcome: Option<Result<&Report, &str>>,
) -> Markup {
    let security = |value: &str| form.security == value;
    html! {
        section aria-labelledby="smtp-probe" {
            h2 id="smtp-probe" { (t(lang, "ui-page-probe_title")) }
            form method="post" action={"/domains/" (domain) "/smtp-probe"} class="probe" {
                input type="hidden" name="csrf" value=(csrf);
                p { label for="probe-host" { (t(lang, "ui-page-host")) } input id="probe-host" name="host" required value=(form.host) placeholder="smtp.example.com"; }
                p { label for="probe-port" { (t(lang, "ui-page-port")) } input id="probe-port" name="port" inputmode="numeric" value=(form.port) placeholder="587"; }
                p {
                    label for="probe-security" { (t(lang, "ui-page-security")) }
                    select id="probe-security" name="security" {
                        option value="" selected[form.security.is_empty()] { (t(lang, "ui-page-security_by_port")) }
                        option value="starttls" selected[security("starttls")] { "STARTTLS" }
                        option value="tls" selected[security("tls")] { (t(lang, "ui-page-security_tls")) }
                        option value="none" selected[security("none")] { (t(lang, "ui-page-security_none")) }
                    }
                }
                p { label for="probe-username" { (t(lang, "ui-page-username")) } input id="probe-username" name="username" autocomplete="off" value=(form.username); }
                p { label for="probe-password" { (t(lang, "ui-page-password")) } input id="probe-password" name="password" type="password" autocomplete="off"; }
                p { label for="probe-helo" { (t(lang, "ui-page-helo")) } input id="probe-helo" name="helo" value=(form.helo); }
                p { button type="submit" { (t(lang, "ui-page-probe")) } }
            }
            @match outcome {
                Some(Ok(report)) => (probe_report(lang, report)),
                Some(Err(message)) => (problem(message)),
                None => {}
            }
        }
    }
}

fn probe_report(lang: Lang, report: &Report) -> Markup {
    let (class, word) = match report.result {
        crate::smtp::Verdict::Pass => ("pass", "ui-smtp-pass"),
        crate::smtp::Verdict::Fail => ("fail", "ui-page-probe_fail"),
        crate::smtp::Verdict::Error => ("error", "ui-smtp-error"),
    };
    html! {
        p class={"verdict " (class)} id="probe-result" {
            (t(lang, "ui-page-gateway")) " " code { (report.host) ":" (report.port) } " (" (report.security.as_str()) "): " strong { (t(lang, word)) }
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
pub fn dkim_form(csrf: &str, message: &str, can: Can, lang: Lang) -> Markup {
    if !can.check {
        return needs(lang, "check", "ui-page-needs_judge");
    }
    html! {
        form method="post" action="/dkim" enctype="multipart/form-data" class="dkim" {
            input type="hidden" name="csrf" value=(csrf);
            p {
                label for="message" { (t(lang, "ui-page-raw_message")) }
                textarea id="message" name="message" rows="14" spellcheck="false" { (message) }
            }
            p {
                label for="file" { (t(lang, "ui-page-upload")) }
                input id="file" name="file" type="file" accept=".eml,message/rfc822,text/plain";
            }
            p { button type="submit" { (t(lang, "ui-page-verify_dkim")) } }
        }
    }
}

/// A DKIM verdict.
pub fn dkim_verdict(lang: Lang, verdict: &DkimVerdict) -> Markup {
    let class = match verdict.result {
        Verdict::Pass => "pass",
        Verdict::Temperror | Verdict::None | Verdict::Neutral => "error",
        Verdict::Fail | Verdict::Permerror => "fail",
    };
    html! {
        section aria-labelledby="verdict" class="result" {
            h2 id="verdict" { (t(lang, "ui-page-verdict")) }
            p class={"verdict " (class)} id="dkim-result" {
                "DKIM: " strong { (verdict.result.as_str()) }
                @if let Some(from) = &verdict.from_domain { " — " (t(lang, "ui-page-from_domain")) " " code { (from) } }
                @if verdict.aligned_pass { " — " (t(lang, "ui-page-aligned_pass")) }
            }
            @if !verdict.signatures.is_empty() {
                table class="signatures" {
                    caption { (t(lang, "ui-page-signatures")) }
                    thead { tr { th scope="col" { "d=" } th scope="col" { "s=" } th scope="col" { (t(lang, "ui-page-algorithm")) } th scope="col" { (t(lang, "ui-page-result")) } th scope="col" { (t(lang, "ui-page-aligned_column")) } th scope="col" { (t(lang, "ui-page-reason")) } } }
                    tbody {
                        @for signature in &verdict.signatures {
                            tr {
                                td { code { (signature.domain) } }
                                td { code { (signature.selector) } }
                                td { (signature.algorithm) }
                                td { strong { (signature.result.as_str()) } }
                                td { @if signature.aligned { (t(lang, "ui-page-yes")) } @else { (t(lang, "ui-page-no")) } }
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
            p { code id="authentication-results" { (verdict.authentication_results) } " " (copy_button(lang, &verdict.authentication_results, "ui-page-copy_results")) }
        }
    }
}

/// The sign-in form.
pub fn login(csrf: &str, next: &str, failed: bool, lang: Lang) -> Markup {
    html! {
        @if failed { (problem(&t(lang, "ui-page-login_failed"))) }
        form method="post" action="/login" class="login" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="next" value=(next);
            p {
                label for="token" { (t(lang, "ui-page-token")) }
                input id="token" name="token" type="password" required autocomplete="current-password";
            }
            p { button type="submit" { (t(lang, "ui-page-sign_in")) } }
        }
    }
}

/// The audit log: a filter by domain and token, and the entries, newest first.
pub fn audit(
    entries: &[crate::store::AuditEntry],
    filter: &crate::store::AuditFilter,
    lang: Lang,
) -> Markup {
    html! {
        form method="get" action="/audit" class="filter" role="search" {
            p {
                label for="audit-domain" { (t(lang, "ui-page-domain")) }
                input id="audit-domain" name="domain" type="text" value=[filter.domain.as_deref()] autocomplete="off" spellcheck="false";
                label for="audit-token" { (t(lang, "ui-page-token_short")) }
                input id="audit-token" name="token" type="text" value=[filter.token.as_deref()] autocomplete="off" spellcheck="false";
                " " button type="submit" { (t(lang, "ui-page-filter")) }
            }
        }
        @if entries.is_empty() {
            p { (t(lang, "ui-page-no_changes")) }
        } @else {
            table class="audit" {
                thead { tr { th { (t(lang, "ui-page-when")) } th { (t(lang, "ui-page-token_short")) } th { (t(lang, "ui-page-action")) } th { (t(lang, "ui-page-domain")) } th { (t(lang, "ui-page-detail")) } } }
                tbody {
                    @for entry in entries {
                        tr {
                            td { (time(lang, &entry.at)) }
                            td { @if let Some(token) = &entry.token { (token) } @else { (t(lang, "ui-page-no_token")) } }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every interface id the pages name, literally or made from a status word.
    fn ids() -> Vec<String> {
        let sources = [include_str!("pages.rs"), include_str!("mod.rs")];
        let mut ids: Vec<String> = sources
            .iter()
            .flat_map(|source| source.split('"'))
            .filter(|piece| {
                piece.starts_with("ui-")
                    && piece.len() > 3
                    && piece[3..]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
                    && piece[3..].contains('-')
                    && !piece.ends_with('-')
            })
            .map(str::to_string)
            .collect();
        for status in [
            RecordStatus::Pass,
            RecordStatus::Fail,
            RecordStatus::Missing,
            RecordStatus::Error,
        ] {
            ids.push(format!("ui-page-status-{}", status.as_str()));
        }
        for status in [
            DomainStatus::Verified,
            DomainStatus::Pending,
            DomainStatus::Failing,
            DomainStatus::Unregistered,
        ] {
            ids.push(format!("ui-page-domain-{}", status.as_str()));
        }
        use crate::checks::propagation::PropagationState;
        for state in [
            PropagationState::Published,
            PropagationState::Propagating,
            PropagationState::NotPublished,
            PropagationState::Inconsistent,
        ] {
            ids.push(format!("ui-page-propagation-{}", state.as_str()));
        }
        ids.sort();
        ids.dedup();
        ids
    }

    #[test]
    fn every_word_of_the_pages_is_in_every_language() {
        let ids = ids();
        assert!(ids.len() > 150, "{ids:?}");
        for lang in Lang::ALL {
            for id in &ids {
                assert!(
                    crate::text::template(id, lang).is_some(),
                    "{id} is not in the {lang} catalog"
                );
            }
        }
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T21:09:05Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(date_words(Lang::En, &at), "2026-12-03 21:09:05 UTC");
        assert_eq!(date_words(Lang::Fr, &at), "3 décembre 2026 à 21:09:05 UTC");
        assert_eq!(
            date_words(Lang::Pt, &at),
            "3 de dezembro de 2026, 21:09:05 UTC"
        );
        for lang in Lang::ALL {
            let pattern = t(lang, "ui-page-date");
            assert!(
                !chrono::format::StrftimeItems::new(&pattern)
                    .any(|item| item == chrono::format::Item::Error),
                "{lang}: {pattern}"
            );
            let shown = time(lang, &at).into_string();
            assert!(
                shown.starts_with("<time datetime=\"2026-12-03T21:09:05Z\">"),
                "{shown}"
            );
        }
    }

    #[test]
    fn the_language_switch_keeps_the_page_and_its_query() {
        let chrome = Chrome {
            lang: Lang::Fr,
            here: "/domains?q=shop&status=pending".to_string(),
            signed_in: None,
        };
        let page = layout("Domaines", Nav::Domains, &chrome, nothing()).into_string();
        assert!(page.contains("<html lang=\"fr\">"), "{page}");
        for lang in ["en", "fr", "pt"] {
            assert!(
                page.contains(&format!(
                    "href=\"/domains?q=shop&amp;status=pending&amp;lang={lang}\""
                )),
                "{lang}: {page}"
            );
        }
        assert!(page.contains(">Domaines</a>"), "{page}");
        assert!(!page.contains("ui-page"), "{page}");
        let bare = Chrome {
            here: "/dkim".to_string(),
            ..chrome
        };
        assert_eq!(bare.switch_to(Lang::Pt), "/dkim?lang=pt");
    }
}

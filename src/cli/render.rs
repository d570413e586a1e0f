//! Human-readable output: a table per domain, one summary line per domain in batches. Colour
//! only when standard output is a terminal and `NO_COLOR` is not set.

use std::fmt::Write;
use std::io::IsTerminal;

use crate::checks::{ActionKind, DnssecState, DomainReport, RecordCheck, RecordStatus};
use crate::text::{Arg, Lang, ui};

/// Whether to colour the output, and the language of its words (status words, column titles,
/// codes and DNS values stay as they are).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    colour: bool,
    pub lang: Lang,
}

impl Style {
    pub fn for_stdout(lang: Lang) -> Self {
        Style {
            colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            lang,
        }
    }

    #[cfg(test)]
    pub fn plain() -> Self {
        Style {
            colour: false,
            lang: Lang::En,
        }
    }

    /// A word of the interface in the output's language.
    fn word(self, id: &str, args: &[(&'static str, Arg)]) -> String {
        ui(self.lang, id, args)
    }

    fn paint(self, text: &str, code: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A status word padded to `width` before colouring, so columns stay aligned.
    fn status(self, status: RecordStatus, width: usize) -> String {
        let padded = format!("{:<width$}", status.as_str());
        let code = match status {
            RecordStatus::Pass => "32",
            RecordStatus::Fail | RecordStatus::Missing => "31;1",
            RecordStatus::Error => "33",
        };
        self.paint(&padded, code)
    }
}

const INDENT: &str = "    ";

/// The full table for one domain.
pub fn report(report: &DomainReport, style: Style) -> String {
    let mut out = String::new();
    let attention = report
        .records
        .iter()
        .filter(|record| record.status != RecordStatus::Pass)
        .count();
    let verdict = if report.ready {
        style.paint(&style.word("ui-cli-ready", &[]), "32;1")
    } else if report.has_failures() {
        style.paint(&style.word("ui-cli-not_ready", &[]), "31;1")
    } else {
        style.paint(&style.word("ui-cli-unknown", &[]), "33;1")
    };
    let heading = style.word(
        "ui-cli-heading",
        &[
            ("domain", Arg::from(&report.domain)),
            ("profile", Arg::from(&report.profile)),
            ("verdict", Arg::from(verdict)),
            ("attention", Arg::from(attention)),
            ("total", Arg::from(report.records.len())),
        ],
    );
    let _ = writeln!(out, "{heading}\n");
    let kind_width = column_width(report, "KIND", |record| record.kind.as_str().len());
    let name_width = column_width(report, "NAME", |record| record.name.len());
    let status_width = "missing".len();
    let cells: Vec<String> = report.records.iter().map(propagation_cell).collect();
    let shown = cells.iter().any(|cell| cell != "-");
    let propagation_width = cells
        .iter()
        .map(|cell| cell.chars().count())
        .chain(["PROPAGATION".len()])
        .max()
        .unwrap_or(0);
    let propagation_title = if shown {
        format!("{:<propagation_width$}  ", "PROPAGATION")
    } else {
        String::new()
    };
    if let Some(dnssec) = report.dnssec() {
        let zone = || ("zone", Arg::from(dnssec.zone.as_deref().unwrap_or("-")));
        let line = match dnssec.state {
            DnssecState::Secure => Some(style.word("ui-cli-dnssec_secure", &[zone()])),
            DnssecState::Insecure => Some(style.word("ui-cli-dnssec_insecure", &[zone()])),
            DnssecState::Bogus => Some(
                style.word(
                    "ui-cli-dnssec_bogus",
                    &[
                        ("state", Arg::from(style.paint("bogus", "31;1"))),
                        zone(),
                        (
                            "reason",
                            Arg::from(
                                dnssec
                                    .reason
                                    .as_ref()
                                    .map(|reason| reason.render(style.lang))
                                    .unwrap_or_else(|| style.word("ui-cli-dnssec_not_valid", &[])),
                            ),
                        ),
                    ],
                ),
            ),
            // Said only when it is news: a resolver stripping signatures, anchors matching
            // no key (the records carry the warning).
            DnssecState::Indeterminate => dnssec.warning.as_ref().map(|_| {
                let reason = dnssec.reason.as_ref().map_or_else(
                    || style.word("ui-cli-dnssec_no_chain", &[]),
                    |reason| reason.render(style.lang),
                );
                style.word("ui-cli-dnssec_unchecked", &[("reason", Arg::from(reason))])
            }),
        };
        if let Some(line) = line {
            let _ = writeln!(out, "{line}\n");
        }
    }
    if let (false, Some(at)) = (report.ready, report.valid_after) {
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let line = style.word("ui-cli-valid_after", &[("at", Arg::from(at))]);
        let _ = writeln!(out, "{line}\n");
    }
    let _ = writeln!(
        out,
        "{:<kind_width$}  {:<name_width$}  {:<status_width$}  {propagation_title}FOUND",
        "KIND", "NAME", "STATUS"
    );
    for (record, cell) in report.records.iter().zip(&cells) {
        let found = if record.found.is_empty() {
            "-".to_string()
        } else {
            record.found.join(" | ")
        };
        let propagation = if shown {
            format!("{cell:<propagation_width$}  ")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<kind_width$}  {:<name_width$}  {}  {propagation}{found}",
            record.kind.as_str(),
            record.name,
            style.status(record.status, status_width),
        );
        details(&mut out, record, style);
    }
    out
}

/// The compact propagation column: the state, how many of the zone's servers pass, and for a
/// record the resolver does not pass yet, how long it may keep its answer
/// (`propagating 3/3 servers, resolver: cached 41m`).
fn propagation_cell(record: &RecordCheck) -> String {
    let Some(seen) = &record.propagation else {
        return "-".to_string();
    };
    let passing = seen
        .servers
        .iter()
        .filter(|server| server.status == RecordStatus::Pass)
        .count();
    let mut cell = format!(
        "{} {passing}/{} servers",
        seen.state.as_str(),
        seen.servers.len()
    );
    if seen.resolver.status != RecordStatus::Pass
        && let Some(ttl) = seen.resolver.ttl
    {
        let _ = write!(cell, ", resolver: cached {}", human_seconds(ttl));
    }
    cell
}

/// Seconds as the largest whole unit: `45s`, `41m`, `3h`, `2d`.
fn human_seconds(seconds: u32) -> String {
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86400),
    }
}

fn column_width(
    report: &DomainReport,
    title: &str,
    width: impl Fn(&RecordCheck) -> usize,
) -> usize {
    report
        .records
        .iter()
        .map(width)
        .chain([title.len()])
        .max()
        .unwrap_or(title.len())
}

/// The lines under a record's row: what is wrong, the fix and the warnings.
fn details(out: &mut String, record: &RecordCheck, style: Style) {
    if record.status != RecordStatus::Pass {
        let lang = style.lang;
        let _ = writeln!(out, "{INDENT}{}", record.message.render(lang));
        let expected = record.expected.render(lang);
        let expected = style.word("ui-cli-expected", &[("expected", Arg::from(expected))]);
        let _ = writeln!(out, "{INDENT}{expected}");
        if !record.required {
            let _ = writeln!(out, "{INDENT}{}", style.word("ui-cli-recommended", &[]));
        }
    }
    if let Some(fix) = &record.fix {
        // Each change as a zone-file line, ready to paste into a zone or to read into a panel.
        let label = style.paint(&style.word("ui-cli-fix", &[]), "1");
        if let Some(explanation) = &fix.explanation {
            let _ = writeln!(out, "{INDENT}{label} {}", explanation.render(style.lang));
        } else if fix.actions.is_empty() {
            let none = style.word("ui-cli-no_single_fix", &[]);
            let _ = writeln!(out, "{INDENT}{label} {none}");
        }
        // The three verbs padded to one width, so the zone lines align.
        let verbs = [
            "ui-cli-fix_publish",
            "ui-cli-fix_replace",
            "ui-cli-fix_remove",
        ]
        .map(|id| style.word(id, &[]));
        let width = verbs
            .iter()
            .map(|verb| verb.chars().count())
            .max()
            .unwrap_or(0);
        for action in &fix.actions {
            let verb = match action.action {
                ActionKind::Publish => &verbs[0],
                ActionKind::Replace => &verbs[1],
                ActionKind::Remove => &verbs[2],
            };
            let padded = format!("{verb:<width$}");
            let _ = writeln!(out, "{INDENT}{} {}", style.paint(&padded, "1"), action.zone);
            if let Some(old) = &action.replaces {
                let old = style.word("ui-cli-in_place_of", &[("old", Arg::from(old))]);
                let _ = writeln!(out, "{INDENT}    {old}");
            }
        }
    }
    for warning in &record.warnings {
        let label = style.paint(&style.word("ui-cli-warning", &[]), "33");
        let _ = writeln!(out, "{INDENT}{label} {}", warning.render(style.lang));
    }
}

/// One line for a domain in a batch: its verdict and each record's status.
pub fn summary_line(report: &DomainReport, style: Style) -> String {
    let verdict = if report.ready {
        style.paint("ready    ", "32")
    } else if report.has_failures() {
        style.paint("not-ready", "31;1")
    } else {
        style.paint("unknown  ", "33")
    };
    let mut line = format!("{}  {verdict}", report.domain);
    for record in &report.records {
        let label = match record.kind {
            crate::checks::RecordKind::Dkim => {
                format!(
                    "dkim({})",
                    record.name.split('.').next().unwrap_or_default()
                )
            }
            kind => kind.as_str().to_string(),
        };
        let status = style.status(record.status, 0);
        let _ = write!(line, "  {label}={status}");
    }
    if report.has_warnings() {
        let warnings: usize = report.records.iter().map(|r| r.warnings.len()).sum();
        let _ = write!(line, "  warnings={warnings}");
    }
    line
}

/// One line for an unusable input line in a batch.
pub fn error_line(input: &str, message: &str, style: Style) -> String {
    format!("{input}  {}  {message}", style.paint("error", "31;1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Fix, RecordKind};

    fn record(kind: RecordKind, name: &str, status: RecordStatus) -> RecordCheck {
        RecordCheck {
            kind,
            name: name.into(),
            record_type: "TXT".into(),
            status,
            expected: crate::text::codes::value("something"),
            found: vec!["v=spf1 a -all".into()],
            message: crate::text::codes::spf_include_missing("spf.mandrillapp.com"),
            fix: (status != RecordStatus::Pass)
                .then(|| Fix::txt(name, "v=spf1 a include:spf.mandrillapp.com -all")),
            warnings: vec![],
            last_conclusive: None,
            required: true,
            propagation: None,
            dnssec: None,
        }
    }

    #[test]
    fn table_shows_status_found_message_and_fix() {
        let report = DomainReport::new(
            "shop.example",
            "mandrill",
            vec![
                record(RecordKind::Spf, "shop.example", RecordStatus::Fail),
                record(RecordKind::Dmarc, "_dmarc.shop.example", RecordStatus::Pass),
            ],
        );
        let text = super::report(&report, Style::plain());
        assert!(text.starts_with("shop.example (profile mandrill): not ready, 1 of 2"));
        assert!(
            text.contains("spf    shop.example         fail     v=spf1 a -all"),
            "{text}"
        );
        // The fix is a zone-file line: absolute owner, class, type, quoted data.
        assert!(
            text.contains(
                "fix: publish shop.example. IN TXT \"v=spf1 a include:spf.mandrillapp.com -all\""
            ),
            "{text}"
        );
        assert!(!text.contains('\x1b'));
        let line = summary_line(&report, Style::plain());
        assert_eq!(line, "shop.example  not-ready  spf=fail  dmarc=pass");
    }
}

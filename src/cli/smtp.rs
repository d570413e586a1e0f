//! `sendercheck smtp`: tests an SMTP gateway step by step and says which step fails and what
//! to change. Exit 0 pass, 1 pass with warnings, 2 fail, 3 could not test.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use anyhow::{Context, bail};

use super::{Format, SmtpArgs, parse_nameservers};
use crate::config::{Config, Secret, parse_duration};
use crate::dns::Resolver;
use crate::smtp::{self, Report, StepStatus, Verdict};
use crate::text::{Arg, Lang, ui};

pub async fn run(args: SmtpArgs, lang: Lang) -> anyhow::Result<u8> {
    let format = args.format;
    let report = probe(args).await.map(|mut report| {
        report.localize(lang);
        report
    });
    let mut stdout = std::io::stdout().lock();
    match (format, report) {
        (Format::Json, Ok(report)) => {
            writeln!(stdout, "{}", serde_json::to_string_pretty(&report)?)?;
            Ok(report.exit_code())
        }
        (Format::Text, Ok(report)) => {
            write!(stdout, "{}", render(&report, lang))?;
            Ok(report.exit_code())
        }
        (Format::Json, Err(error)) => {
            let body = serde_json::json!({
                "error": {"code": "invalid_probe", "message": format!("{error:#}")}
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&body)?)?;
            Ok(super::EXIT_UNKNOWN)
        }
        (Format::Text, Err(error)) => Err(error),
    }
}

async fn probe(args: SmtpArgs) -> anyhow::Result<Report> {
    let mut config = Config::load(args.config.as_deref(), |key| std::env::var(key).ok())?;
    if !args.nameservers.is_empty() {
        config.dns.nameservers = parse_nameservers(&args.nameservers)?;
    }
    let timeout = match &args.timeout {
        Some(text) => parse_duration("--timeout", text)?,
        None => Duration::from_secs(10),
    };
    let password = match &args.password_env {
        Some(variable) => Some(Secret::new(std::env::var(variable).with_context(|| {
            format!("--password-env {variable}: the environment variable is not set")
        })?)),
        None => None,
    };
    if password.is_some() && args.username.is_none() {
        bail!("--password-env needs --username");
    }
    let ca_pem = match &args.ca_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the CA file {}", path.display()))?,
        ),
        None => None,
    };
    let request = smtp::Request {
        host: args.host,
        port: args.port,
        security: args
            .security
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        preset: args.preset,
        username: args.username,
        password,
        ca_pem,
        insecure: args.insecure,
        allow_plaintext_auth: args.allow_plaintext_auth,
        helo: args.helo,
        timeout,
        // The operator's own command: each step has its timeout, the whole no other limit.
        deadline: None,
    };
    let resolver = Resolver::new(&config.dns)?;
    Ok(smtp::run(&resolver, &request, None).await?)
}

/// The report for people, in `lang` (the report's messages already are): one line per
/// step, then TLS, certificate and warnings. Step names and status words stay as in the JSON.
pub fn render(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let label = |id: &str| ui(lang, id, &[]);
    let verdict = label(match report.result {
        Verdict::Pass if report.warnings.is_empty() => "ui-smtp-pass",
        Verdict::Pass => "ui-smtp-pass_warnings",
        Verdict::Fail => "ui-smtp-fail",
        Verdict::Error => "ui-smtp-error",
    });
    // An IPv6 address is bracketed before its port.
    let host = if report.host.contains(':') {
        format!("[{}]", report.host)
    } else {
        report.host.clone()
    };
    let _ = writeln!(
        out,
        "{host}:{} ({}) — {verdict}",
        report.port,
        report.security.as_str()
    );
    for step in &report.steps {
        let status = match step.status {
            StepStatus::Pass => "ok",
            StepStatus::Fail => "FAIL",
            StepStatus::Warn => "warn",
            StepStatus::Skipped => "skip",
        };
        let _ = writeln!(
            out,
            "  {status:<4}  {:<11} {:>5} ms  {}",
            step.step, step.ms, step.message
        );
    }
    if let Some(tls) = &report.tls {
        let tls = ui(
            lang,
            "ui-smtp-tls",
            &[
                ("version", Arg::from(&tls.version)),
                ("cipher", Arg::from(&tls.cipher)),
            ],
        );
        let _ = writeln!(out, "{tls}");
    }
    if let Some(certificate) = &report.certificate {
        let names = if certificate.names.is_empty() {
            certificate.subject.clone()
        } else {
            certificate.names.join(", ")
        };
        let until = certificate
            .not_after
            .map(|at| at.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "?".to_string());
        let trusted = label(if certificate.trusted {
            "ui-smtp-trusted"
        } else {
            "ui-smtp-not_trusted"
        });
        let matches = label(if certificate.hostname_match {
            "ui-smtp-name_matches"
        } else {
            "ui-smtp-name_mismatch"
        });
        let line = ui(
            lang,
            "ui-smtp-certificate",
            &[
                ("names", Arg::from(names)),
                ("issuer", Arg::from(&certificate.issuer)),
                ("until", Arg::from(until)),
                ("trusted", Arg::from(trusted)),
                ("matches", Arg::from(matches)),
            ],
        );
        let _ = writeln!(out, "{line}");
    }
    if !report.extensions.is_empty() {
        let list = Arg::from(report.extensions.join(", "));
        let _ = writeln!(out, "{}", ui(lang, "ui-smtp-extensions", &[("list", list)]));
    }
    let warning = label("ui-cli-warning");
    for text in &report.warnings {
        let _ = writeln!(out, "{warning} {text}");
    }
    out
}

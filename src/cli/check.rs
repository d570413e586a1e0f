//! `sendercheck check`: one domain, or a file of them, checked now with no daemon.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{Context, bail};
use futures_util::StreamExt;
use serde_json::json;

use super::render::{self, Style};
use super::{CheckArgs, Format, parse_nameservers, worst};
use crate::api::wire::ReportObject;
use crate::checks::{Outcome, Plan};
use crate::config::{Config, parse_duration};
use crate::dns::Resolver;
use crate::domain::DomainName;
use crate::probe;
use crate::profile::Profile;

pub async fn run(args: CheckArgs, lang: crate::text::Lang) -> anyhow::Result<Outcome> {
    let mut config = Config::load(args.config.as_deref(), |key| std::env::var(key).ok())?;
    if !args.nameservers.is_empty() {
        config.dns.nameservers = parse_nameservers(&args.nameservers)?;
    }
    if let Some(timeout) = &args.timeout {
        config.dns.timeout = parse_duration("--timeout", timeout)?;
    }
    if args.no_authoritative {
        config.dns.authoritative_port = None;
    } else if let Some(port) = args.authoritative_port {
        config.dns.authoritative_port = Some(port);
    }
    if let Some(budget) = &args.authoritative_budget {
        config.dns.authoritative_budget =
            crate::config::parse_budget("--authoritative-budget", budget)?;
    }
    args.dnssec.apply(&mut config)?;
    let name = args
        .profile
        .clone()
        .unwrap_or_else(|| config.default_profile.clone());
    let Some(profile) = config.profiles.get(&name) else {
        let known: Vec<&str> = config.profiles.names().collect();
        bail!(
            "unknown profile {:?}; known profiles: {}",
            name,
            known.join(", ")
        );
    };
    let resolver = Resolver::new(&config.dns)?;
    let style = Style::for_stdout(lang);
    match (&args.domain, &args.domains_file) {
        (Some(domain), _) => {
            let (token, params) = parameters(profile, args.token.as_deref(), &args.params)?;
            check_one(
                &resolver,
                profile,
                domain,
                token.as_deref(),
                &params,
                args.format,
                style,
            )
            .await
        }
        (None, Some(file)) => {
            // --param applies to every line; each line's token joins it.
            let (token, params) = parameters_unchecked(args.token.as_deref(), &args.params)?;
            if token.is_some() {
                bail!(
                    "with --domains-file, give each domain's token on its line, not as --param token="
                );
            }
            let text = read_domains_file(file)?;
            check_many(
                &resolver,
                profile,
                &params,
                &text,
                args.concurrency,
                args.format,
                style,
            )
            .await
        }
        (None, None) => bail!("give a DOMAIN or --domains-file FILE"),
    }
}

/// The token and the other parameters from `--token` and `--param KEY=VALUE`, checked against
/// the profile: an unknown or malformed one is refused (exit 3), naming it.
fn parameters(
    profile: &Profile,
    token: Option<&str>,
    given: &[String],
) -> anyhow::Result<(Option<String>, BTreeMap<String, String>)> {
    let (token, params) = parameters_unchecked(token, given)?;
    let mut all = params.clone();
    all.extend(token.clone().map(|token| ("token".to_string(), token)));
    profile.check_params(&all)?;
    Ok((token, params))
}

/// `--token` and `--param KEY=VALUE` read, not yet checked against a profile.
fn parameters_unchecked(
    token: Option<&str>,
    given: &[String],
) -> anyhow::Result<(Option<String>, BTreeMap<String, String>)> {
    let mut params = BTreeMap::new();
    for pair in given {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("--param {pair:?}: expected KEY=VALUE");
        };
        params.insert(key.trim().to_string(), value.to_string());
    }
    let from_params = params.remove("token");
    if let (Some(flag), Some(param)) = (token, &from_params)
        && flag != param
    {
        bail!("--token and --param token= differ: give the token once");
    }
    Ok((token.map(str::to_string).or(from_params), params))
}

async fn check_one(
    resolver: &Resolver,
    profile: &Profile,
    input: &str,
    token: Option<&str>,
    params: &BTreeMap<String, String>,
    format: Format,
    style: Style,
) -> anyhow::Result<Outcome> {
    let domain = match DomainName::parse_sender(input) {
        Ok(domain) => domain,
        Err(error) => {
            if format == Format::Json {
                println!("{}", invalid_domain_json(input, &error));
            }
            bail!(error);
        }
    };
    let plan = Plan::new(&domain, profile, token).with_params(params);
    let probe = probe::check(resolver, &plan).await;
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&ReportObject::new(&probe.report, style.lang))?
        )?,
        Format::Text => {
            write!(stdout, "{}", render::report(&probe.report, style))?;
            for (kind, name, param) in plan.unchecked() {
                let line = if param == crate::profile::TOKEN_PARAM {
                    crate::text::ui(style.lang, "ui-cli-unchecked_token", &[])
                } else {
                    crate::text::ui(
                        style.lang,
                        "ui-cli-unchecked_param",
                        &[
                            ("kind", kind.as_str().into()),
                            ("name", name.into()),
                            ("param", param.into()),
                        ],
                    )
                };
                writeln!(stdout, "\n{line}")?;
            }
        }
    }
    Ok(probe.report.outcome())
}

/// One line of a domains file: a domain and an optional token, or why the line is unusable.
enum Line<'a> {
    Domain {
        domain: DomainName,
        token: Option<&'a str>,
    },
    Invalid {
        input: &'a str,
        code: &'static str,
        message: String,
    },
}

fn parse_lines(text: &str) -> Vec<Line<'_>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.split_whitespace();
            let input = fields.next().unwrap_or_default();
            let token = fields.next();
            if fields.next().is_some() {
                return Line::Invalid {
                    input,
                    code: "invalid_line",
                    message: format!("expected DOMAIN [TOKEN], got {line:?}"),
                };
            }
            match DomainName::parse_sender(input) {
                Ok(domain) => Line::Domain { domain, token },
                Err(error) => Line::Invalid {
                    input,
                    code: "invalid_domain",
                    message: error.to_string(),
                },
            }
        })
        .collect()
}

async fn check_many(
    resolver: &Resolver,
    profile: &Profile,
    params: &BTreeMap<String, String>,
    text: &str,
    concurrency: u16,
    format: Format,
    style: Style,
) -> anyhow::Result<Outcome> {
    let lines = parse_lines(text);
    // `buffered` runs up to `concurrency` checks at once and yields them in input order, so
    // output streams out as soon as the next domain in order is done.
    let mut results = futures_util::stream::iter(lines.iter())
        .map(|line| async move {
            match line {
                Line::Domain { domain, token } => {
                    let mut all = params.clone();
                    all.extend(token.map(|token| ("token".to_string(), token.to_string())));
                    if let Err(error) = profile.check_params(&all) {
                        return Err((domain.as_str(), "invalid_params", error.to_string()));
                    }
                    let plan = Plan::new(domain, profile, *token).with_params(params);
                    Ok(probe::check(resolver, &plan).await.report)
                }
                Line::Invalid {
                    input,
                    code,
                    message,
                } => Err((*input, *code, message.clone())),
            }
        })
        .buffered(usize::from(concurrency));
    let mut outcomes = Vec::with_capacity(lines.len());
    // Lines are written as they come and flushed whenever the next result is not ready yet:
    // one write for a burst of finished checks instead of one per domain, and nothing kept
    // back while the program waits.
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    while let Some(result) = next_or_flush(&mut results, &mut stdout).await? {
        match result {
            Ok(report) => {
                outcomes.push(report.outcome());
                match format {
                    Format::Json => writeln!(
                        stdout,
                        "{}",
                        serde_json::to_string(&ReportObject::new(&report, style.lang))?
                    )?,
                    Format::Text => writeln!(stdout, "{}", render::summary_line(&report, style))?,
                }
            }
            Err((input, code, message)) => {
                outcomes.push(Outcome::Unknown);
                match format {
                    Format::Json => writeln!(
                        stdout,
                        "{}",
                        json!({"domain": input, "error": {"code": code, "message": message}})
                    )?,
                    Format::Text => {
                        writeln!(stdout, "{}", render::error_line(input, &message, style))?
                    }
                }
            }
        }
    }
    stdout.flush()?;
    Ok(worst(outcomes))
}

/// The stream's next item; when it has none ready, `out` is flushed before waiting for one.
async fn next_or_flush<S: futures_util::Stream + Unpin>(
    stream: &mut S,
    out: &mut impl Write,
) -> std::io::Result<Option<S::Item>> {
    std::future::poll_fn(|cx| match stream.poll_next_unpin(cx) {
        std::task::Poll::Pending => match out.flush() {
            Ok(()) => std::task::Poll::Pending,
            Err(error) => std::task::Poll::Ready(Err(error)),
        },
        ready => ready.map(Ok),
    })
    .await
}

fn read_domains_file(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut stdin = std::io::stdin();
        if stdin.is_terminal() {
            eprintln!("reading DOMAIN [TOKEN] lines from standard input; end with Ctrl-D");
        }
        let mut text = String::new();
        stdin
            .read_to_string(&mut text)
            .context("cannot read domains from standard input")?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read domains file {}", path.display()))
    }
}

fn invalid_domain_json(input: &str, error: &crate::domain::DomainError) -> String {
    json!({"domain": input, "error": {"code": "invalid_domain", "message": error.to_string()}})
        .to_string()
}

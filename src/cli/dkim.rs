//! `sendercheck dkim`: the DKIM verdict for a raw message from a file or standard input.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{Context, bail};

use super::{DkimArgs, Format, parse_nameservers};
use crate::config::{Config, parse_duration};
use crate::dns::Resolver;
use crate::message::dkim::{self, Alignment, DkimVerdict, Verdict};
use crate::text::{Arg, Lang, ui};

/// Runs the command; the exit code is the verdict's (0 pass, 2 fail/permerror/none, 3
/// temperror). With `--format json` every outcome is one JSON object on standard output: the
/// verdict, or `{"error": {"code", "message"}}` (exit 3) when there is nothing to verify.
pub async fn run(args: DkimArgs, lang: Lang) -> anyhow::Result<u8> {
    let format = args.format;
    let outcome = verdict(args).await.map(|mut verdict| {
        verdict.localize(lang);
        verdict
    });
    let mut stdout = std::io::stdout().lock();
    match (format, outcome) {
        (Format::Json, Ok(verdict)) => {
            writeln!(stdout, "{}", serde_json::to_string_pretty(&verdict)?)?;
            Ok(verdict.result.exit_code())
        }
        (Format::Text, Ok(verdict)) => {
            write!(stdout, "{}", render(&verdict, lang))?;
            Ok(verdict.result.exit_code())
        }
        (Format::Json, Err(error)) => {
            let code = match error.downcast_ref::<dkim::MessageError>() {
                Some(_) => "not_a_message",
                None => "cannot_verify",
            };
            let body = serde_json::json!({
                "error": {"code": code, "message": format!("{error:#}")}
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&body)?)?;
            Ok(super::EXIT_UNKNOWN)
        }
        (Format::Text, Err(error)) => Err(error),
    }
}

async fn verdict(args: DkimArgs) -> anyhow::Result<DkimVerdict> {
    let mut config = Config::load(args.config.as_deref(), |key| std::env::var(key).ok())?;
    if !args.nameservers.is_empty() {
        config.dns.nameservers = parse_nameservers(&args.nameservers)?;
    }
    if let Some(timeout) = &args.timeout {
        config.dns.timeout = parse_duration("--timeout", timeout)?;
    }
    let limit = config.limits.max_message_bytes;
    let raw = read_message(args.file.as_deref(), limit)?;
    let resolver = Resolver::new(&config.dns)?;
    Ok(dkim::verify(&resolver, &raw).await?)
}

/// Reads at most `limit` bytes; a larger message is refused rather than read whole.
fn read_message(file: Option<&Path>, limit: usize) -> anyhow::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    match file {
        None => read_stdin(&mut raw, cap)?,
        Some(path) if path == Path::new("-") => read_stdin(&mut raw, cap)?,
        Some(path) => {
            std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?
                .take(cap)
                .read_to_end(&mut raw)
                .with_context(|| format!("cannot read {}", path.display()))?;
        }
    }
    if raw.len() > limit {
        bail!("the message is larger than limits.max_message_bytes ({limit} bytes)");
    }
    Ok(raw)
}

fn read_stdin(raw: &mut Vec<u8>, cap: u64) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("paste the raw message, then Ctrl-D");
    }
    stdin
        .lock()
        .take(cap)
        .read_to_end(raw)
        .context("cannot read the message from standard input")?;
    Ok(())
}

/// The verdict as text, in `lang`: every sentence from the catalogs (`ui-cli-dkim_*`); the
/// RFC 8601 result words, names and the Authentication-Results header stay as they are.
fn render(verdict: &DkimVerdict, lang: Lang) -> String {
    let word = |id: &str, args: &[(&'static str, Arg)]| ui(lang, id, args);
    let mut out = String::new();
    let count = ("count", Arg::from(verdict.signatures.len()));
    let result = ("result", Arg::from(verdict.result.as_str()));
    let heading = match verdict.from_domain.as_deref() {
        Some(from) => word(
            "ui-cli-dkim_heading_from",
            &[result, count, ("from", Arg::from(from))],
        ),
        None => word("ui-cli-dkim_heading", &[result, count]),
    };
    let _ = writeln!(out, "{heading}\n");
    if !verdict.signatures.is_empty() {
        let dmarc = if verdict.aligned_pass {
            word("ui-cli-dkim_dmarc_satisfied", &[])
        } else {
            word("ui-cli-dkim_dmarc_not_satisfied", &[])
        };
        let _ = writeln!(out, "{dmarc}\n");
    }
    for signature in &verdict.signatures {
        let key = signature
            .key
            .as_ref()
            .map_or(word("ui-cli-dkim_key_not_fetched", &[]), |key| {
                let bits = key.bits.map_or("?".to_string(), |bits| bits.to_string());
                word(
                    "ui-cli-dkim_key",
                    &[
                        ("type", Arg::from(&key.key_type)),
                        ("bits", Arg::from(bits)),
                    ],
                )
            });
        let aligned = word(
            match (signature.alignment, signature.aligned) {
                (Alignment::Strict, _) => "ui-cli-dkim_aligned_strict",
                (Alignment::Relaxed, true) => "ui-cli-dkim_aligned_relaxed",
                (Alignment::Relaxed, false) => "ui-cli-dkim_relaxed_not_enough",
                (Alignment::None, _) => "ui-cli-dkim_not_aligned",
            },
            &[],
        );
        let _ = writeln!(
            out,
            "{:<10} d={} s={} a={}",
            signature.result.as_str(),
            signature.domain,
            signature.selector,
            signature.algorithm
        );
        let _ = writeln!(out, "           {}", signature.reason);
        let _ = writeln!(out, "           {key}; {aligned}");
        if let Some(registration) = &signature.registration {
            let id = if registration.selector_required {
                "ui-cli-dkim_registered_required"
            } else {
                "ui-cli-dkim_registered_not_required"
            };
            let registered = word(id, &[("profile", Arg::from(&registration.profile))]);
            let _ = writeln!(out, "           {registered}");
        }
        for warning in &signature.warnings {
            let _ = writeln!(out, "           {} {warning}", word("ui-cli-warning", &[]));
        }
    }
    if verdict.result == Verdict::None {
        let _ = writeln!(out, "{}", word("ui-cli-dkim_no_signature", &[]));
    }
    let _ = writeln!(
        out,
        "\nAuthentication-Results: {}",
        verdict.authentication_results
    );
    out
}

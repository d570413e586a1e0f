//! `sendercheck profiles [NAME]`: what each provider profile requires, as the API shows it.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::bail;

use super::{Format, ProfilesArgs};
use crate::api::profiles::ProfileObject;
use crate::config::Config;
use crate::text::{Arg, Lang, ui};

/// Prints the profiles (or one), each record's `expected` and the labels in `lang`; exit 0,
/// or 3 for an unknown name.
pub fn run(args: ProfilesArgs, lang: Lang) -> anyhow::Result<u8> {
    let config = Config::load(args.config.as_deref(), |key| std::env::var(key).ok())?;
    let profiles: Vec<ProfileObject> = match &args.name {
        Some(name) => match config.profiles.get(name) {
            Some(profile) => vec![ProfileObject::new(profile, lang)],
            None => {
                let known: Vec<&str> = config.profiles.names().collect();
                bail!(
                    "unknown profile {name:?}; known profiles: {}",
                    known.join(", ")
                );
            }
        },
        None => config
            .profiles
            .iter()
            .map(|profile| ProfileObject::new(profile, lang))
            .collect(),
    };
    let mut stdout = std::io::stdout().lock();
    match (args.format, &args.name) {
        (Format::Json, Some(_)) => {
            writeln!(stdout, "{}", serde_json::to_string_pretty(&profiles[0])?)?;
        }
        (Format::Json, None) => writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "profiles": profiles }))?
        )?,
        (Format::Text, _) => write!(stdout, "{}", render(&profiles, lang))?,
    }
    Ok(0)
}

fn render(profiles: &[ProfileObject], lang: Lang) -> String {
    let mut out = String::new();
    let word = |id: &str| ui(lang, id, &[]);
    for profile in profiles {
        let _ = writeln!(out, "{} — {}", profile.name, profile.title);
        if let Some(docs) = &profile.docs {
            let _ = writeln!(out, "  {}: {docs}", word("ui-cli-profile_docs"));
        }
        for (name, param) in &profile.params {
            let mut facts = Vec::new();
            if param.required {
                facts.push(word("ui-cli-profile_required"));
            }
            if let Some(default) = &param.default {
                facts.push(ui(
                    lang,
                    "ui-cli-profile_default",
                    &[("value", Arg::from(default))],
                ));
            }
            let facts = if facts.is_empty() {
                String::new()
            } else {
                format!(" ({})", facts.join(", "))
            };
            let label = word("ui-cli-profile_param");
            let _ = writeln!(out, "  {label} {name}{facts}: {}", param.description);
        }
        let name_width = profile
            .records
            .iter()
            .flat_map(|record| {
                std::iter::once(record.name.len())
                    .chain(record.any_of.iter().flatten().map(|r| r.name.len()))
            })
            .max()
            .unwrap_or(0);
        for record in &profile.records {
            let mut notes = Vec::new();
            if !record.required {
                notes.push(word("ui-cli-profile_recommended"));
            }
            if !record.when.is_empty() {
                let params = record.when.join(&word("join-and"));
                notes.push(ui(
                    lang,
                    "ui-cli-profile_when",
                    &[("params", Arg::from(params))],
                ));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!("  [{}]", notes.join("; "))
            };
            let rows: Vec<(&str, &str, &str, &str)> = if record.any_of.is_empty() {
                vec![(
                    record.kind,
                    record.record_type,
                    &record.name,
                    &record.expected,
                )]
            } else {
                record
                    .any_of
                    .iter()
                    .flatten()
                    .map(|r| (r.kind, r.record_type, r.name.as_str(), r.expected.as_str()))
                    .collect()
            };
            for (index, (kind, record_type, name, expected)) in rows.iter().enumerate() {
                // Alternatives after the first are marked: any one form passes.
                let first_of_form = record.any_of.is_empty()
                    || record
                        .any_of
                        .iter()
                        .scan(0, |start, form| {
                            let here = *start;
                            *start += form.len();
                            Some(here)
                        })
                        .any(|start| start == index);
                let lead = if index > 0 && first_of_form {
                    format!("{:<3}", word("ui-cli-profile_or") + " ")
                } else {
                    "   ".to_string()
                };
                let _ = writeln!(
                    out,
                    "  {lead}{kind:<13} {record_type:<5} {name:<name_width$}  {expected}{}",
                    if index == 0 { notes.as_str() } else { "" }
                );
            }
        }
        out.push('\n');
    }
    out
}

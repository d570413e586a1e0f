//! `sendercheck profiles [NAME]`: what each provider profile requires, as the API shows it.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::bail;

use super::{Format, ProfilesArgs};
use crate::api::profiles::ProfileObject;
use crate::config::Config;

/// Prints the profiles (or one); exit 0, or 3 for an unknown name.
pub fn run(args: ProfilesArgs) -> anyhow::Result<u8> {
    let config = Config::load(args.config.as_deref(), |key| std::env::var(key).ok())?;
    let profiles: Vec<ProfileObject> = match &args.name {
        Some(name) => match config.profiles.get(name) {
            Some(profile) => vec![ProfileObject::from(profile)],
            None => {
                let known: Vec<&str> = config.profiles.names().collect();
                bail!(
                    "unknown profile {name:?}; known profiles: {}",
                    known.join(", ")
                );
            }
        },
        None => config.profiles.iter().map(ProfileObject::from).collect(),
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
        (Format::Text, _) => write!(stdout, "{}", render(&profiles))?,
    }
    Ok(0)
}

fn render(profiles: &[ProfileObject]) -> String {
    let mut out = String::new();
    for profile in profiles {
        let _ = writeln!(out, "{} — {}", profile.name, profile.title);
        if let Some(docs) = &profile.docs {
            let _ = writeln!(out, "  docs: {docs}");
        }
        for (name, param) in &profile.params {
            let required = if param.required { ", required" } else { "" };
            let _ = writeln!(out, "  param {name}{required}: {}", param.description);
        }
        for record in &profile.records {
            let _ = writeln!(
                out,
                "  {:<13} {:<5} {:<28} {}",
                record.kind, record.record_type, record.name, record.expected
            );
        }
        out.push('\n');
    }
    out
}

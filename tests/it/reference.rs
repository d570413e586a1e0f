//! `docs/reference.md`, the whole contract inside the repository, kept true against the code:
//! every route of the router, every command and flag of the CLI, every configuration key,
//! environment variable, JSON object (and field) of the OpenAPI document and metric is in it,
//! and nothing it names has gone from the code.

use std::collections::BTreeSet;
use std::path::Path;

use clap::CommandFactory;
use regex::Regex;

use crate::support::{AppOptions, spawn_app};

fn reference() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md"))
        .expect("docs/reference.md")
}

/// The text under `heading` (a whole line, e.g. "## HTTP routes"), up to the next heading of
/// the same or a higher level.
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let level = heading.chars().take_while(|c| *c == '#').count();
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("docs/reference.md has no heading {heading:?}"))
        + heading.len()
        + 2;
    let rest = &text[start..];
    let end = rest
        .match_indices("\n#")
        .find(|(at, _)| {
            let hashes = rest[at + 1..].chars().take_while(|c| *c == '#').count();
            hashes <= level && rest[at + 1 + hashes..].starts_with(' ')
        })
        .map_or(rest.len(), |(at, _)| at);
    &rest[..end]
}

fn assert_same(what: &str, in_code: &BTreeSet<String>, in_doc: &BTreeSet<String>) {
    let undocumented: Vec<_> = in_code.difference(in_doc).collect();
    let stale: Vec<_> = in_doc.difference(in_code).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "docs/reference.md and the code disagree on {what}:\n  not documented: {undocumented:?}\n  \
         documented but not in the code: {stale:?}"
    );
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let in_code: BTreeSet<String> =
        sendercheck::api::all_routes(&sendercheck::config::Limits::default())
            .iter()
            .map(|route| format!("{} {}", route.method, route.path))
            .collect();
    let doc = reference();
    let mentioned = Regex::new(r"`(GET|PUT|POST|DELETE|PATCH) (/[^`?\s]*)").unwrap();
    let in_doc: BTreeSet<String> = mentioned
        .captures_iter(&doc)
        .map(|found| format!("{} {}", &found[1], &found[2]))
        .collect();
    assert_same("HTTP routes", &in_code, &in_doc);
}

#[test]
fn every_command_and_flag_is_documented() {
    let doc = reference();
    let cli = sendercheck::cli::Cli::command();
    let global: BTreeSet<String> = cli
        .get_arguments()
        .filter_map(|arg| arg.get_long())
        .map(|long| format!("--{long}"))
        .chain(["--help".to_string(), "--version".to_string()])
        .collect();
    let flag = Regex::new(r"--[a-z][a-z-]*").unwrap();
    let commands: BTreeSet<String> = cli
        .get_subcommands()
        .map(|command| command.get_name().to_string())
        .collect();
    let headings = Regex::new(r"(?m)^### `sendercheck ([a-z]+)`").unwrap();
    let documented: BTreeSet<String> = headings
        .captures_iter(section(&doc, "## Command line"))
        .map(|found| found[1].to_string())
        .collect();
    assert_same("commands", &commands, &documented);
    for command in cli.get_subcommands() {
        let name = command.get_name();
        let text = section(&doc, &format!("### `sendercheck {name}`"));
        let in_code: BTreeSet<String> = command
            .get_arguments()
            .filter_map(|arg| arg.get_long())
            .map(|long| format!("--{long}"))
            .filter(|long| !global.contains(long) && long != "--help")
            .collect();
        let in_doc: BTreeSet<String> = flag
            .find_iter(text)
            .map(|found| found.as_str().to_string())
            .filter(|long| !global.contains(long))
            .collect();
        assert_same(
            &format!("the flags of `sendercheck {name}`"),
            &in_code,
            &in_doc,
        );
    }
    let in_doc: BTreeSet<String> = flag
        .find_iter(section(&doc, "### Every command"))
        .map(|found| found.as_str().to_string())
        .collect();
    assert_same("the flags every command takes", &global, &in_doc);
}

#[test]
fn every_configuration_key_is_documented() {
    let in_code: BTreeSet<String> = sendercheck::config::keys().into_iter().collect();
    let doc = reference();
    let row = Regex::new(r"(?m)^\| `([a-z_]+(?:\[\])?\.[A-Za-z_0-9]+)` \|").unwrap();
    let in_doc: BTreeSet<String> = row
        .captures_iter(section(&doc, "## Configuration file"))
        .map(|found| found[1].to_string())
        .collect();
    assert_same("configuration keys", &in_code, &in_doc);
}

#[test]
fn every_environment_variable_is_documented() {
    let name = Regex::new(r"SENDERCHECK_[A-Z_]*[A-Z]").unwrap();
    // Only names the code reads: quoted (`env("…")`, clap's `env = "…"`).
    let quoted = Regex::new(r#""(SENDERCHECK_[A-Z_]*[A-Z])""#).unwrap();
    let mut in_code = BTreeSet::new();
    let mut pending = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                in_code.extend(
                    quoted
                        .captures_iter(&text)
                        .map(|found| found[1].to_string()),
                );
            }
        }
    }
    let doc = reference();
    let in_doc: BTreeSet<String> = name
        .find_iter(section(&doc, "## Environment variables"))
        .map(|found| found.as_str().to_string())
        .collect();
    assert_same("environment variables", &in_code, &in_doc);
}

#[test]
fn every_json_object_and_field_is_documented() {
    use utoipa::OpenApi as _;
    let document = serde_json::to_value(sendercheck::api::openapi::ApiDoc::openapi()).unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let doc = reference();
    let objects = section(&doc, "## JSON objects");
    let headings = Regex::new(r"(?m)^### `([A-Za-z]+)`").unwrap();
    let in_doc: BTreeSet<String> = headings
        .captures_iter(objects)
        .map(|found| found[1].to_string())
        .collect();
    let in_code: BTreeSet<String> = schemas.keys().cloned().collect();
    assert_same(
        "JSON objects (the OpenAPI document's schemas)",
        &in_code,
        &in_doc,
    );
    let field = Regex::new(r"(?m)^\| `([a-z_0-9]+)` \|").unwrap();
    for (name, schema) in schemas {
        let text = section(objects, &format!("### `{name}`"));
        let in_code: BTreeSet<String> = schema["properties"]
            .as_object()
            .map(|properties| properties.keys().cloned().collect())
            .unwrap_or_default();
        let in_doc: BTreeSet<String> = field
            .captures_iter(text)
            .map(|found| found[1].to_string())
            .collect();
        assert_same(&format!("the fields of {name}"), &in_code, &in_doc);
        // A string enumeration lists its words.
        for word in schema["enum"].as_array().into_iter().flatten() {
            let word = word.as_str().unwrap();
            assert!(
                text.contains(&format!("`{word}`")),
                "{name} in docs/reference.md does not list `{word}`"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_is_documented() {
    let app = spawn_app(AppOptions::default()).await;
    // The HTTP series exist once a request has been answered.
    let _ = app.metrics().await;
    let exposed = app.metrics().await;
    app.stop().await;
    let mut in_code: BTreeSet<String> = exposed
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect();
    // Only with `[metrics] per_domain = true`.
    in_code.insert("sendercheck_domain_ready".to_string());
    let doc = reference();
    let name = Regex::new(r"`(sendercheck_[a-z_]+)").unwrap();
    let in_doc: BTreeSet<String> = name
        .captures_iter(section(&doc, "## Metrics"))
        .map(|found| found[1].to_string())
        .collect();
    assert_same("metrics", &in_code, &in_doc);
}

#[test]
fn the_docs_point_nowhere_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "README.md",
        "ARCHITECTURE.md",
        "SECURITY.md",
        "docs/reference.md",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            !text.contains("../shared"),
            "{file} points outside the repository"
        );
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("(docs/reference.md)"),
        "README links the reference"
    );
}

#[test]
fn every_route_is_documented_with_its_scope() {
    let in_code: BTreeSet<String> =
        sendercheck::api::all_routes(&sendercheck::config::Limits::default())
            .iter()
            .map(|route| {
                let scope = route.access.scope().map_or("—", |scope| scope.as_str());
                format!("{} {} {scope}", route.method, route.path)
            })
            .collect();
    let row = Regex::new(r"(?m)^\| `(GET|PUT|POST|DELETE) (/[^`]*)` \| ([a-z—]+) \|").unwrap();
    let doc = reference();
    let in_doc: BTreeSet<String> = row
        .captures_iter(section(&doc, "## HTTP routes"))
        .map(|found| format!("{} {} {}", &found[1], &found[2], &found[3]))
        .collect();
    assert_same("routes' scopes", &in_code, &in_doc);
}

//! The README's walk-throughs, followed exactly: what they print is what the daemon answers.

use serde_json::json;

use crate::fixture_dns::FixtureDns;
use crate::support::{AppOptions, spawn_app, statuses};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_curl_walk_through_ends_verified() {
    // A server of its own: the walk-through publishes a record, which no other test may see.
    let dns = FixtureDns::start_own();
    let app = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        ..AppOptions::default()
    })
    .await;
    // Register a domain; its first check starts at once.
    let (status, body) = app
        .call(
            reqwest::Method::PUT,
            "/v1/domains/fixme.example",
            Some(json!({"profile": "mandrill", "verification_token": "KEY"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["ready"].as_bool()),
        (Some("pending"), Some(false))
    );
    // Poll it: SPF is missing, with the exact record to publish; the rest passes.
    let polled = app.until_checked("fixme.example").await;
    assert_eq!(polled["status"], "pending");
    let spf = &polled["records"][0];
    assert_eq!(spf["kind"], "spf");
    assert_eq!(spf["status"], "missing");
    assert_eq!(spf["message"], "no SPF record at fixme.example");
    assert_eq!(
        spf["fix"]["value"],
        "v=spf1 include:spf.mandrillapp.com -all"
    );
    for record in polled["records"].as_array().unwrap().iter().skip(1) {
        assert_eq!(record["status"], "pass", "{record:#}");
    }
    // The customer publishes the record; support checks at once.
    dns.add_txt("fixme.example", "v=spf1 include:spf.mandrillapp.com -all")
        .await;
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/v1/domains/fixme.example/check",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["status"].as_str(), body["ready"].as_bool()),
        (Some("verified"), Some(true)),
        "{body:#}"
    );
    let (_, history) = app.get("/v1/domains/fixme.example/history").await;
    assert_eq!(statuses(&history), ["none->pending", "pending->verified"]);
    assert_eq!(
        history["transitions"][1]["reason"],
        "every required record passes (spf fixme.example: missing → pass)"
    );
    let (_, list) = app.get("/v1/domains?status=verified&limit=100").await;
    assert_eq!(list["domains"][0]["domain"], "fixme.example");
    assert_eq!(list["next"], serde_json::Value::Null);
    app.stop().await;
}

/// The TOML code blocks of a Markdown file.
fn toml_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_profile_files_the_docs_show_load() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut loaded = Vec::new();
    for doc in ["README.md", "profiles/README.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        let blocks = toml_blocks(&text);
        // Configuration examples with tokens load as a configuration file.
        for block in blocks
            .iter()
            .filter(|block| block.starts_with("[[tokens]]"))
        {
            let config = sendercheck::config::Config::from_toml(block, std::path::Path::new(doc))
                .unwrap_or_else(|error| {
                    panic!("a [[tokens]] example in {doc} does not load: {error}")
                });
            assert!(config.tokens().len() >= 2, "{block}");
        }
        for block in blocks
            .into_iter()
            .filter(|block| !block.starts_with("[[tokens]]"))
            .filter(|block| block.contains("\nname = ") || block.starts_with("name = "))
        {
            let profile = sendercheck::profile::Profile::from_file(doc, &block)
                .unwrap_or_else(|error| panic!("a profile in {doc} does not load: {error}"));
            loaded.push(profile.name);
        }
    }
    assert_eq!(loaded, ["acme", "acme"]);
}

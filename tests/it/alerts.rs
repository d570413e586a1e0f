//! The alert rules of `deploy/prometheus/`: their unit tests run by `promtool` (Debian's
//! `prometheus` package; `.ci/run` installs it), and every sendercheck metric they name is
//! exposed by a fresh daemon, so no rule waits on a series that never comes.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{AppOptions, installed, spawn_app};

fn rules_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus")
}

#[test]
fn the_rules_pass_promtool_and_their_unit_tests() {
    if !installed("promtool", "prometheus") {
        return;
    }
    for args in [
        vec!["check", "rules", "sendercheck.rules.yml"],
        vec!["test", "rules", "sendercheck.rules.test.yml"],
    ] {
        let output = Command::new("promtool")
            .args(&args)
            .current_dir(rules_dir())
            .output()
            .expect("promtool runs");
        assert!(
            output.status.success(),
            "promtool {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The `sendercheck_…` metric names an expression text mentions.
fn metric_names(text: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("sendercheck_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        names.insert(name);
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_rules_name_is_exposed_by_a_fresh_daemon() {
    let rules = std::fs::read_to_string(rules_dir().join("sendercheck.rules.yml")).unwrap();
    let expressions: String = rules
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter(|line| !line.contains("summary:") && !line.contains("description:"))
        .collect::<Vec<_>>()
        .join("\n");
    let named = metric_names(&expressions);
    assert!(named.len() >= 6, "{named:?}");
    let app = spawn_app(AppOptions::default()).await;
    // The heartbeat runs at start: readiness and the store's writability are known at once.
    // The replica counts are read from the store at most every 5 s of the daemon's clock
    // (`COUNTS_FRESH_FOR`): a scrape before the first heartbeat row shows none alive until the
    // hand-driven clock moves past that.
    let deadline = Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let metrics = app.metrics().await;
        if metrics.contains("sendercheck_store_writable 1")
            && metrics.contains("sendercheck_ready 1")
            && metrics.contains("sendercheck_replicas{state=\"alive\"} 1")
        {
            break metrics;
        }
        assert!(Instant::now() < deadline, "{metrics}");
        app.clock.advance(Duration::from_secs(6));
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for name in &named {
        assert!(
            metrics.contains(&format!("# TYPE {name} ")),
            "the rules name {name}, which a fresh daemon does not expose"
        );
    }
    // One replica, alive (its heartbeat), none missing.
    assert!(
        metrics.contains("sendercheck_replicas{state=\"alive\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sendercheck_replicas{state=\"missing\"} 0"),
        "{metrics}"
    );
    app.stop().await;
}

/// `deploy/grafana/sendercheck.json`: a dashboard whose every panel reads series a fresh
/// daemon exposes (histograms by their `_bucket` series), through the `datasource` variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grafana_dashboard_reads_only_metrics_a_fresh_daemon_exposes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/grafana/sendercheck.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("valid JSON");
    assert_eq!(dashboard["uid"], "sendercheck");
    let panels = dashboard["panels"].as_array().expect("panels");
    let mut ids = std::collections::BTreeSet::new();
    let mut expressions = String::new();
    for panel in panels {
        assert!(
            ids.insert(panel["id"].as_i64().unwrap()),
            "a panel id twice"
        );
        assert_eq!(
            panel["datasource"]["uid"], "${datasource}",
            "{}",
            panel["title"]
        );
        for target in panel["targets"].as_array().unwrap() {
            expressions.push_str(target["expr"].as_str().unwrap());
            expressions.push('\n');
        }
    }
    let named = metric_names(&expressions);
    assert!(named.len() >= 15, "{named:?}");
    let app = spawn_app(AppOptions::default()).await;
    // The HTTP series exist once a request has been answered.
    let _ = app.metrics().await;
    let metrics = app.metrics().await;
    for name in &named {
        let family = name
            .strip_suffix("_bucket")
            .or_else(|| name.strip_suffix("_sum"))
            .or_else(|| name.strip_suffix("_count"))
            .filter(|family| metrics.contains(&format!("# TYPE {family} histogram")))
            .unwrap_or(name);
        assert!(
            metrics.contains(&format!("# TYPE {family} ")),
            "the dashboard reads {name}, which a fresh daemon does not expose"
        );
    }
    app.stop().await;
}

//! The real `sendercheck serve` process: start-up refusals, signals, clean exit.

use std::process::{Command, Stdio};

use crate::support::{exit_code, run, stderr, temp_db};

#[test]
fn refuses_a_public_address_without_a_token() {
    let output = run(&["serve", "--listen", "0.0.0.0:0"], None);
    assert_eq!(exit_code(&output), 3);
    assert!(stderr(&output).contains("refusing to listen on 0.0.0.0:0 without an API token"));
}

#[test]
fn refuses_a_bad_config_with_the_key_named() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "[schedule]\nfail_after = 0\n").unwrap();
    let output = run(
        &["serve", "--config", config.path().to_str().unwrap()],
        None,
    );
    assert_eq!(exit_code(&output), 3);
    assert!(
        stderr(&output).contains("schedule.fail_after"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn serves_then_stops_cleanly_on_sigterm() {
    let (db_url, _dir) = temp_db();
    let (mut child, base, logs) = crate::support::start_daemon_process_with_logs(&db_url);
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("the daemon answers");
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.text().await.unwrap(), r#"{"status":"ok"}"#);
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(
        ready.status().as_u16(),
        200,
        "the scheduler ticks in the real process"
    );

    crate::support::signal(&child, "-TERM");
    let exit = child.wait().unwrap();
    let rest: Vec<String> = logs.iter().collect();
    assert_eq!(exit.code(), Some(0), "{rest:?}");
    assert!(rest.iter().any(|line| line.contains("stopped")), "{rest:?}");
}

#[test]
fn the_systemd_unit_is_hardened_and_its_command_line_parses() {
    use clap::Parser;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/sendercheck.service");
    let unit = std::fs::read_to_string(path).unwrap();
    let settings: Vec<(&str, &str)> = unit
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect();
    for required in [
        ("User", "sendercheck"),
        ("StateDirectory", "sendercheck"),
        ("WorkingDirectory", "/var/lib/sendercheck"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("CapabilityBoundingSet", ""),
        ("RestrictAddressFamilies", "AF_INET AF_INET6"),
        ("KillSignal", "SIGTERM"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
    ] {
        assert!(
            settings.contains(&required),
            "{required:?} missing from the unit"
        );
    }
    let exec = settings
        .iter()
        .find(|(key, _)| *key == "ExecStart")
        .map(|(_, value)| value.split_whitespace().collect::<Vec<_>>())
        .expect("ExecStart");
    let cli = sendercheck::cli::Cli::try_parse_from(&exec).expect("ExecStart parses");
    assert!(matches!(cli.command, sendercheck::cli::Command::Serve(_)));
}

#[tokio::test]
async fn every_acknowledged_registration_survives_sigkill() {
    use crate::support::{signal, start_daemon_process};
    use std::sync::{Arc, Mutex};
    let (db_url, _dir) = temp_db();
    let (mut child, base) = start_daemon_process(&db_url);
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let client = reqwest::Client::new();
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (client, base, acknowledged) = (client.clone(), base.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let domain = format!("crash{writer}-{n}.example");
                let token = format!("token-{writer}-{n}");
                let sent = client
                    .put(format!("{base}/v1/domains/{domain}"))
                    .json(&serde_json::json!({"profile": "mandrill", "verification_token": token}))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status().is_success() => {
                        acknowledged.lock().unwrap().push((domain, token));
                    }
                    // The daemon is gone: stop writing.
                    _ => break,
                }
            }
        }));
    }
    // Kill it mid-stream, once a good number of writes were acknowledged.
    while acknowledged.lock().unwrap().len() < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    signal(&child, "-KILL");
    child.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 200);

    // Restarted on the same file, every acknowledged registration is there, data intact.
    let (mut child, base) = start_daemon_process(&db_url);
    for (domain, _) in &acknowledged {
        let response = client
            .get(format!("{base}/v1/domains/{domain}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{domain} was lost");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["profile"], "mandrill");
    }
    signal(&child, "-TERM");
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let store = sendercheck::store::SqliteStore::connect(&db_url)
        .await
        .unwrap();
    use sendercheck::store::Store;
    for (domain, token) in &acknowledged {
        let record = store.get(domain).await.unwrap().expect("present");
        assert_eq!(
            record.token.as_deref(),
            Some(token.as_str()),
            "{domain}'s token"
        );
    }
}

#[tokio::test]
async fn no_token_ever_appears_in_logs_errors_or_metrics() {
    use std::io::Read;
    let (db_url, _dir) = temp_db();
    let api_token = "api-SECRET-4f1c9a";
    let verification_token = "verify-SECRET-77b2";
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sendercheck"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SENDERCHECK_STORE_URL", &db_url)
        .env(
            "SENDERCHECK_DNS_NAMESERVERS",
            crate::support::fixture_nameserver(),
        )
        .env(
            "SENDERCHECK_DNS_AUTHORITATIVE_PORT",
            crate::fixture_dns::FixtureDns::shared()
                .addr
                .port()
                .to_string(),
        )
        .env("SENDERCHECK_API_TOKEN", api_token)
        .env("SENDERCHECK_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let address = loop {
        let mut text = String::new();
        log.reopen().unwrap().read_to_string(&mut text).unwrap();
        if let Some(rest) = text.split("address=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the daemon logged no address within 30 s: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let client = reqwest::Client::new();
    let base = format!("http://{address}");
    let mut bodies = String::new();
    for (token, domain) in [(api_token, "good.example"), ("wrong-token", "x.example")] {
        let response = client
            .put(format!("{base}/v1/domains/{domain}"))
            .bearer_auth(token)
            .json(&serde_json::json!({"verification_token": verification_token}))
            .send()
            .await
            .unwrap();
        bodies.push_str(&response.text().await.unwrap());
        let bad = client
            .put(format!("{base}/v1/domains/{domain}"))
            .bearer_auth(token)
            .json(&serde_json::json!({"verification_token": format!("{verification_token} x")}))
            .send()
            .await
            .unwrap();
        bodies.push_str(&bad.text().await.unwrap());
    }
    let check = client
        .post(format!("{base}/v1/domains/good.example/check"))
        .bearer_auth(api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(check.status().as_u16(), 200);
    bodies.push_str(
        &client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    crate::support::signal(&child, "-TERM");
    child.wait().unwrap();
    let mut logs = String::new();
    log.reopen().unwrap().read_to_string(&mut logs).unwrap();
    assert!(logs.contains("listening"), "the log was captured");
    for secret in [api_token, verification_token] {
        assert!(!logs.contains(secret), "{secret} is in the logs");
        assert!(
            !bodies.contains(secret),
            "{secret} is in an error body or /metrics"
        );
    }
}

#[test]
fn refuses_an_inbound_listener_whose_certificate_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sendercheck.toml");
    std::fs::write(dir.path().join("inbound.crt"), "not a certificate\n").unwrap();
    let (db, _db_dir) = temp_db();
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"{db}\"\n[inbound]\nlisten = \"127.0.0.1:0\"\n\
             domain = \"check.example\"\ntls_cert = \"inbound.crt\"\n\
             tls_key = \"missing.key\"\n"
        ),
    )
    .unwrap();
    let output = run(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(exit_code(&output), 3, "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("cannot start the inbound SMTP listener") && text.contains("inbound.crt"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_made_while_the_daemon_runs_restores_whole() {
    use crate::support::{AppOptions, spawn_app, stdout};
    let (db, _db_dir) = temp_db();
    let app = spawn_app(AppOptions {
        db_url: Some(db.clone()),
        ..AppOptions::default()
    })
    .await;
    for domain in ["one.example", "two.example", "three.example"] {
        assert_eq!(app.register(domain, None).await.0, 201);
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sendercheck.toml");
    std::fs::write(&config, format!("[store]\nurl = \"{db}\"\n")).unwrap();
    let copy = dir.path().join("copy.db");
    let args: Vec<String> = vec![
        "backup".into(),
        copy.display().to_string(),
        "--config".into(),
        config.display().to_string(),
    ];
    let args_again = args.clone();
    // Taken while the daemon runs and writes.
    let writing = {
        let app_url = app.url("/v1/domains/four.example");
        let client = app.client.clone();
        tokio::spawn(async move {
            client
                .put(app_url)
                .json(&serde_json::json!({"profile": "mandrill"}))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, None)
    })
    .await
    .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).contains("backed up"), "{}", stdout(&output));
    assert!(writing.await.unwrap().is_success());
    // Never over an existing file.
    let again = run(
        &args_again.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    );
    assert_eq!(exit_code(&again), 3);
    assert!(stderr(&again).contains("exists"), "{}", stderr(&again));
    app.stop().await;

    // Restored: a daemon on the copy has every registration made before it.
    let restored = spawn_app(AppOptions {
        db_url: Some(format!("sqlite://{}", copy.display())),
        ..AppOptions::default()
    })
    .await;
    for domain in ["one.example", "two.example", "three.example"] {
        let (status, body) = restored.get(&format!("/v1/domains/{domain}")).await;
        assert_eq!(status, 200, "{domain}: {body}");
    }
    restored.stop().await;

    // PostgreSQL is pg_dump's job.
    std::fs::write(&config, "[store]\nurl = \"postgres://u@localhost/db\"\n").unwrap();
    let output = run(
        &[
            "backup",
            dir.path().join("pg.db").to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(exit_code(&output), 3);
    assert!(stderr(&output).contains("pg_dump"), "{}", stderr(&output));
}

/// The next log line containing `wanted`, within 20 s.
fn log_line(logs: &std::sync::mpsc::Receiver<String>, wanted: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = logs
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no log line with {wanted:?} within 20 s"));
        if line.contains(wanted) {
            return line;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_swaps_profiles_webhooks_and_token_and_keeps_all_when_the_file_is_bad() {
    use crate::support::{signal, start_daemon_process_with_args};
    use crate::webhooks::Receiver;
    let (db_url, _dir) = temp_db();
    let receiver = Receiver::start().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    let path = file.path().to_str().unwrap().to_string();
    std::fs::write(&path, "[server]\napi_token = \"first-token-0123456789\"\n").unwrap();
    let (mut child, base, logs) = start_daemon_process_with_args(&db_url, &["--config", &path]);
    let client = reqwest::Client::new();
    let status = async |path: &str, token: &str| -> u16 {
        let response = client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send();
        response.await.unwrap().status().as_u16()
    };
    assert_eq!(
        status("/v1/profiles/own", "first-token-0123456789").await,
        404
    );

    // A new token, a profile of its own as the default, and a webhook endpoint.
    std::fs::write(
        &path,
        format!(
            "[server]\napi_token = \"second-token-0123456789\"\n\
             [defaults]\nprofile = \"own\"\n\
             [profiles.own]\nspf_include = \"spf.own.example\"\n\
             [[webhooks]]\nurl = \"{}\"\nsecret = \"{}\"\n",
            receiver.url(),
            crate::webhooks::SECRET
        ),
    )
    .unwrap();
    signal(&child, "-HUP");
    let line = log_line(&logs, "configuration reloaded");
    assert!(
        line.contains("webhooks=1") && line.contains("token_changed=true"),
        "{line}"
    );
    assert_eq!(status("/v1/profiles", "first-token-0123456789").await, 401);
    assert_eq!(
        status("/v1/profiles/own", "second-token-0123456789").await,
        200
    );
    // The new default profile, and the new endpoint told of the deletion.
    let registered: serde_json::Value = client
        .put(format!("{base}/v1/domains/reload.example"))
        .bearer_auth("second-token-0123456789")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registered["profile"], "own", "{registered}");
    let deleted = client
        .delete(format!("{base}/v1/domains/reload.example"))
        .bearer_auth("second-token-0123456789")
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while receiver.seen().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no webhook within 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let delivered = &receiver.seen()[0];
    assert!(delivered.signature_valid);
    assert_eq!(
        delivered.body["type"], "domain.deleted",
        "{:?}",
        delivered.body
    );
    assert_eq!(
        delivered.body["domain"]["domain"], "reload.example",
        "{:?}",
        delivered.body
    );

    // A file that does not parse, then one that names an unknown default: each refused with
    // its reason, and everything the last good file set still holds.
    for (bad, reason) in [
        ("[server\napi_token = \"third-token-0123456789\"\n", "TOML"),
        ("[defaults]\nprofile = \"nosuch\"\n", "nosuch"),
    ] {
        std::fs::write(&path, bad).unwrap();
        signal(&child, "-HUP");
        let line = log_line(&logs, "configuration not reloaded");
        assert!(line.contains(reason) && line.contains(&path), "{line}");
        assert_eq!(
            status("/v1/profiles/own", "second-token-0123456789").await,
            200
        );
    }
    let metrics = client
        .get(format!("{base}/metrics"))
        .bearer_auth("second-token-0123456789")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("sendercheck_config_reloads_total{result=\"applied\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sendercheck_config_reloads_total{result=\"refused\"} 2"),
        "{metrics}"
    );

    signal(&child, "-TERM");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn token_new_and_token_hash_agree_and_hash_refuses_empty_input() {
    let made = run(&["token", "new"], None);
    assert_eq!(exit_code(&made), 0, "{}", stderr(&made));
    let text = crate::support::stdout(&made);
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .map(|rest| rest.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} line in {text}"))
    };
    let (token, sha256) = (field("token"), field("sha256"));
    assert!(token.starts_with("sck_") && token.len() == 68, "{token}");
    let hashed = run(&["token", "hash"], Some(&format!("{token}\n")));
    assert_eq!(exit_code(&hashed), 0);
    assert_eq!(crate::support::stdout(&hashed).trim(), sha256);
    assert_eq!(sha256.len(), 64);
    let empty = run(&["token", "hash"], Some(""));
    assert_eq!(exit_code(&empty), 3);
    assert!(stderr(&empty).contains("no token"), "{}", stderr(&empty));
}

//! `sendercheck check` as a user runs it: the real binary, real DNS from the fixture server.

use serde_json::Value;

use crate::support::{check, exit_code, json, run, stderr, stdout};

/// The record of `kind` (and, for DKIM, whose name starts with `name_prefix`).
fn record<'a>(report: &'a Value, kind: &str, name_prefix: &str) -> &'a Value {
    report["records"]
        .as_array()
        .expect("a records array")
        .iter()
        .find(|record| {
            record["kind"] == kind
                && record["name"]
                    .as_str()
                    .is_some_and(|name| name.starts_with(name_prefix))
        })
        .unwrap_or_else(|| panic!("no {kind} record {name_prefix}* in {report:#}"))
}

#[test]
fn a_correct_domain_is_ready_and_exits_0() {
    let output = check(&["good.example", "--token", "GOODKEY", "--format", "json"]);
    let report = json(&output);
    assert_eq!(exit_code(&output), 0, "{report:#}");
    assert_eq!(report["domain"], "good.example");
    assert_eq!(report["profile"], "mandrill");
    assert_eq!(report["ready"], true);
    let records = report["records"].as_array().unwrap();
    assert_eq!(records.len(), 5);
    for record in records {
        assert_eq!(record["status"], "pass", "{record:#}");
        assert_eq!(record["fix"], Value::Null);
        assert_eq!(record["warnings"], Value::Array(vec![]));
        for field in ["kind", "name", "type", "expected", "found", "message"] {
            assert!(record.get(field).is_some(), "{field} missing in {record:#}");
        }
    }
}

#[test]
fn a_broken_spf_record_fails_with_the_exact_fix_and_exits_2() {
    let output = check(&[
        "broken-spf.example",
        "--token",
        "BROKENKEY",
        "--format",
        "json",
    ]);
    let report = json(&output);
    assert_eq!(exit_code(&output), 2);
    assert_eq!(report["ready"], false);
    let spf = record(&report, "spf", "");
    assert_eq!(spf["status"], "fail");
    assert_eq!(spf["name"], "broken-spf.example");
    assert_eq!(spf["type"], "TXT");
    assert_eq!(
        spf["expected"],
        "include:spf.mandrillapp.com in the SPF record"
    );
    assert_eq!(spf["found"], serde_json::json!(["v=spf1 a -all"]));
    assert_eq!(
        spf["message"],
        "SPF record does not include spf.mandrillapp.com"
    );
    assert_eq!(spf["fix"]["type"], "TXT");
    assert_eq!(spf["fix"]["name"], "broken-spf.example");
    assert_eq!(
        spf["fix"]["value"],
        "v=spf1 a include:spf.mandrillapp.com -all"
    );
    // Beside the contract's record: the zone-file line and the actions, here one replace.
    assert_eq!(
        spf["fix"]["zone"],
        "broken-spf.example. IN TXT \"v=spf1 a include:spf.mandrillapp.com -all\""
    );
    assert_eq!(spf["fix"]["actions"][0]["action"], "replace");
    assert_eq!(spf["fix"]["actions"][0]["replaces"], "v=spf1 a -all");
    assert_eq!(record(&report, "verification", "")["status"], "pass");
}

#[test]
fn text_output_is_a_table_with_the_fix() {
    let output = check(&["broken-spf.example"]);
    let text = stdout(&output);
    assert_eq!(exit_code(&output), 2, "{text}");
    assert!(
        text.starts_with("broken-spf.example (profile mandrill): not ready"),
        "{text}"
    );
    assert!(text.contains("KIND"), "{text}");
    assert!(
        text.contains(
            "fix: replace broken-spf.example. IN TXT \"v=spf1 a include:spf.mandrillapp.com -all\""
        ),
        "{text}"
    );
    assert!(text.contains("(in place of \"v=spf1 a -all\")"), "{text}");
    assert!(text.contains("give --token"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn spf_rules_over_real_dns() {
    let spf_of = |domain: &str| {
        let report = json(&check(&[domain, "--format", "json"]));
        record(&report, "spf", "").clone()
    };
    let split = spf_of("split.example");
    assert_eq!(split["status"], "pass", "{split:#}");
    assert_eq!(
        split["found"],
        serde_json::json!(["v=spf1 include:spf.mandrillapp.com -all"])
    );
    assert_eq!(spf_of("nested.example")["status"], "pass");
    assert_eq!(spf_of("redirect.example")["status"], "pass");
    let big = spf_of("bigtxt.example");
    assert_eq!(
        big["status"], "pass",
        "a truncated UDP answer is retried over TCP: {big:#}"
    );

    let eleven = spf_of("eleven.example");
    assert_eq!(eleven["status"], "fail");
    let message = eleven["message"].as_str().unwrap();
    assert!(message.contains("lookup 11"), "{message}");

    let two = spf_of("twospf.example");
    assert_eq!(two["status"], "fail");
    assert!(two["message"].as_str().unwrap().contains("2 SPF records"));
    assert_eq!(
        two["fix"]["value"],
        "v=spf1 ip4:192.0.2.0/24 include:spf.mandrillapp.com -all"
    );

    let missing = spf_of("nothing-here.example");
    assert_eq!(missing["status"], "missing");
    assert_eq!(
        missing["fix"]["value"],
        "v=spf1 include:spf.mandrillapp.com -all"
    );
}

#[test]
fn dkim_rules_over_real_dns() {
    let flat = json(&check(&["flat.example", "--format", "json"]));
    let mte1 = record(&flat, "dkim", "mte1.");
    assert_eq!(mte1["status"], "pass", "{mte1:#}");
    assert!(
        mte1["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("flattened")
    );
    let mte2 = record(&flat, "dkim", "mte2.");
    assert_eq!(mte2["status"], "fail");
    assert_eq!(
        mte2["found"],
        serde_json::json!(["v=DKIM1; k=rsa; p=ANOTHERKEYTHATISNOTMANDRILLS"])
    );

    let wrong = json(&check(&["wrongcname.example", "--format", "json"]));
    let mte1 = record(&wrong, "dkim", "mte1.");
    assert_eq!(mte1["status"], "fail");
    assert_eq!(mte1["type"], "CNAME");
    assert_eq!(
        mte1["found"],
        serde_json::json!(["dkim1.otherprovider.example"])
    );
    assert_eq!(mte1["fix"]["type"], "CNAME");
    assert_eq!(mte1["fix"]["name"], "mte1._domainkey.wrongcname.example");
    assert_eq!(mte1["fix"]["value"], "dkim1.mandrillapp.com");
    assert_eq!(
        mte1["fix"]["zone"],
        "mte1._domainkey.wrongcname.example. IN CNAME dkim1.mandrillapp.com."
    );
    assert_eq!(record(&wrong, "dkim", "mte2.")["status"], "fail");
    assert_eq!(
        record(
            &json(&check(&["nothing-here.example", "--format", "json"])),
            "dkim",
            "mte1."
        )["status"],
        "missing"
    );
}

#[test]
fn dmarc_rules_over_real_dns() {
    let inherited = json(&check(&["news.orgdmarc.example", "--format", "json"]));
    let dmarc = record(&inherited, "dmarc", "");
    assert_eq!(dmarc["status"], "pass", "{dmarc:#}");
    assert_eq!(dmarc["name"], "_dmarc.orgdmarc.example");
    assert!(
        dmarc["message"]
            .as_str()
            .unwrap()
            .contains("organizational domain")
    );

    let psl = json(&check(&["mail.shop.co.uk", "--format", "json"]));
    let dmarc = record(&psl, "dmarc", "");
    assert_eq!(dmarc["status"], "pass", "{dmarc:#}");
    assert_eq!(dmarc["name"], "_dmarc.shop.co.uk");

    let two = json(&check(&["twodmarc.example", "--format", "json"]));
    let dmarc = record(&two, "dmarc", "");
    assert_eq!(dmarc["status"], "fail");
    assert!(
        dmarc["message"]
            .as_str()
            .unwrap()
            .contains("2 DMARC records")
    );
    assert_eq!(dmarc["found"].as_array().unwrap().len(), 2);
}

#[test]
fn unicode_input_is_checked_as_its_a_label_and_warnings_exit_1() {
    let output = check(&["BÜCHER.example.", "--format", "json"]);
    let report = json(&output);
    assert_eq!(report["domain"], "xn--bcher-kva.example");
    assert_eq!(report["ready"], true, "{report:#}");
    // Every record passes; DMARC p=none carries a warning.
    assert_eq!(exit_code(&output), 1);
    assert!(
        !record(&report, "dmarc", "")["warnings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_wrong_verification_token_fails_showing_the_record_found() {
    let report = json(&check(&[
        "good.example",
        "--token",
        "NEWKEY",
        "--format",
        "json",
    ]));
    let verification = record(&report, "verification", "");
    assert_eq!(verification["status"], "fail");
    assert_eq!(
        verification["found"],
        serde_json::json!(["mandrill_verify.GOODKEY"])
    );
    assert_eq!(verification["fix"]["value"], "mandrill_verify.NEWKEY");
}

#[test]
fn bad_input_exits_3_with_a_clear_message() {
    for bad in [
        "",
        "shop..example",
        "-bad.example",
        "under_score.example",
        "localhost",
    ] {
        let output = check(&[bad]);
        assert_eq!(exit_code(&output), 3, "{bad:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("domain"),
            "{bad:?}: {}",
            stderr(&output)
        );
    }
    let long_label = format!("{}.example", "a".repeat(64));
    let output = check(&[&long_label, "--format", "json"]);
    assert_eq!(exit_code(&output), 3);
    assert_eq!(json(&output)["error"]["code"], "invalid_domain");

    let unknown_profile = check(&["good.example", "--profile", "nope"]);
    assert_eq!(exit_code(&unknown_profile), 3);
    assert!(stderr(&unknown_profile).contains("unknown profile \"nope\""));

    assert_eq!(
        exit_code(&run(&["check"], None)),
        3,
        "no domain is bad usage"
    );
    assert_eq!(exit_code(&run(&["frobnicate"], None)), 3);
    let bad_nameserver = run(
        &["check", "good.example", "--nameserver", "localhost"],
        None,
    );
    assert_eq!(exit_code(&bad_nameserver), 3);
    assert!(stderr(&bad_nameserver).contains("IP:PORT"));
    assert_eq!(exit_code(&run(&["--help"], None)), 0);
}

#[test]
fn many_domains_are_reported_in_input_order_as_json_lines() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        "# customers\n\ngood.example GOODKEY\nbroken-spf.example\nnot a domain line\n\
         bad..example\nBÜCHER.example\n",
    )
    .unwrap();
    let path = file.path().to_str().unwrap();
    let output = check(&[
        "--domains-file",
        path,
        "--format",
        "json",
        "--concurrency",
        "2",
    ]);
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    let domains: Vec<&str> = lines
        .iter()
        .map(|l| l["domain"].as_str().unwrap())
        .collect();
    assert_eq!(
        domains,
        [
            "good.example",
            "broken-spf.example",
            "not",
            "bad..example",
            "xn--bcher-kva.example"
        ]
    );
    assert_eq!(lines[0]["ready"], true);
    assert_eq!(
        lines[0]["records"].as_array().unwrap().len(),
        5,
        "the token was used"
    );
    assert_eq!(lines[1]["ready"], false);
    assert_eq!(lines[2]["error"]["code"], "invalid_line");
    assert_eq!(lines[3]["error"]["code"], "invalid_domain");
    assert_eq!(exit_code(&output), 2, "the worst of all domains");
}

#[test]
fn domains_come_from_standard_input_with_a_dash() {
    let nameserver = crate::support::fixture_nameserver();
    let output = run(
        &["check", "--nameserver", &nameserver, "--domains-file", "-"],
        Some("good.example GOODKEY\ntwospf.example\n"),
    );
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("good.example  ready"), "{text}");
    assert!(lines[1].starts_with("twospf.example  not-ready"), "{text}");
    assert_eq!(exit_code(&output), 2);
}

#[test]
fn a_profile_from_the_config_file_is_used() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "[profiles.spfonly]\nspf_include = \"spf.mandrillapp.com\"\n",
    )
    .unwrap();
    let path = config.path().to_str().unwrap();
    let output = check(&[
        "good.example",
        "--config",
        path,
        "--profile",
        "spfonly",
        "--format",
        "json",
    ]);
    let report = json(&output);
    assert_eq!(report["profile"], "spfonly");
    assert_eq!(report["records"].as_array().unwrap().len(), 1);
    assert_eq!(exit_code(&output), 0);

    std::fs::write(config.path(), "[profiles.x]\nunknown_key = 1\n").unwrap();
    let output = check(&["good.example", "--config", path]);
    assert_eq!(exit_code(&output), 3);
    assert!(
        stderr(&output).contains("unknown field"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn json_logs_are_one_object_per_line() {
    let nameserver = crate::support::fixture_nameserver();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sendercheck"));
    let output = command
        .args([
            "--log-format",
            "json",
            "check",
            "good.example",
            "--nameserver",
            &nameserver,
        ])
        .env("SENDERCHECK_LOG", "sendercheck=debug")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let logs = stderr(&output);
    let lines: Vec<Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let checked = lines
        .iter()
        .find(|line| line["message"] == "checked")
        .unwrap_or_else(|| panic!("no 'checked' event in {logs}"));
    assert_eq!(checked["level"], "DEBUG");
    assert_eq!(checked["span"]["domain"], "good.example");
    assert!(checked["elapsed_ms"].is_u64());
}

#[test]
fn params_on_the_command_line_are_checked_against_the_profile() {
    // --param token= is --token.
    let output = check(&[
        "good.example",
        "--param",
        "token=GOODKEY",
        "--format",
        "json",
    ]);
    assert_eq!(exit_code(&output), 0, "{}", stdout(&output));
    let report = json(&output);
    assert_eq!(record(&report, "verification", "")["status"], "pass");
    // An unknown parameter, or one that is not KEY=VALUE, is refused naming it.
    let unknown = check(&["good.example", "--param", "region=eu"]);
    assert_eq!(exit_code(&unknown), 3);
    assert!(
        stderr(&unknown).contains("has no parameter \"region\""),
        "{}",
        stderr(&unknown)
    );
    let malformed = check(&["good.example", "--param", "region"]);
    assert_eq!(exit_code(&malformed), 3);
    assert!(stderr(&malformed).contains("expected KEY=VALUE"));
    let invalid = check(&["good.example", "--param", "token=has space"]);
    assert_eq!(exit_code(&invalid), 3);
    // What the value is, in the profile's words, not only the pattern it must match.
    assert!(
        stderr(&invalid).contains(
            "parameter \"token\" does not look like what the profile asks for: The ownership token Mandrill shows"
        ),
        "{}",
        stderr(&invalid)
    );
}

#[test]
fn profiles_are_listed_with_parameters_and_records() {
    let text = run(&["profiles"], None);
    assert_eq!(exit_code(&text), 0);
    let printed = stdout(&text);
    assert!(
        printed.contains("mandrill — Mailchimp Transactional"),
        "{printed}"
    );
    assert!(printed.contains("mte1._domainkey.{domain}"), "{printed}");
    let one = json(&run(&["profiles", "mandrill", "--format", "json"], None));
    assert_eq!(one["name"], "mandrill");
    assert_eq!(one["params"]["token"]["required"], false);
    assert_eq!(one["records"][0]["kind"], "spf");
    assert_eq!(one["records"].as_array().unwrap().len(), 5);
    let all = json(&run(&["profiles", "--format", "json"], None));
    let names: Vec<&str> = all["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|profile| profile["name"].as_str())
        .collect();
    assert!(
        names.contains(&"mandrill") && names.contains(&"ses"),
        "{names:?}"
    );
    let unknown = run(&["profiles", "nope"], None);
    assert_eq!(exit_code(&unknown), 3);
    assert!(stderr(&unknown).contains("unknown profile \"nope\""));
}

#[test]
fn the_default_profile_comes_from_the_config() {
    let mut config = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(
        &mut config,
        b"[defaults]\nprofile = \"dmarc-only\"\n[profiles.dmarc-only]\ndmarc = true\n",
    )
    .unwrap();
    let path = config.path().to_str().unwrap().to_string();
    let report = json(&check(&[
        "good.example",
        "--config",
        &path,
        "--format",
        "json",
    ]));
    assert_eq!(report["profile"], "dmarc-only");
    assert_eq!(report["records"].as_array().unwrap().len(), 1);
    assert_eq!(report["records"][0]["kind"], "dmarc");
    // --profile still wins.
    let report = json(&check(&[
        "good.example",
        "--config",
        &path,
        "--profile",
        "mandrill",
        "--format",
        "json",
    ]));
    assert_eq!(report["profile"], "mandrill");
}

#[test]
fn a_domains_line_is_written_as_soon_as_it_is_known() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    // The second domain's name server never answers: its line comes seconds later, and the
    // first must not wait for it (output is buffered only while more results are ready).
    let server = crate::fixture_dns::FixtureDns::start_own();
    server.set_fault(
        "broken-spf.example",
        Some(crate::fixture_dns::Fault::Timeout),
    );
    let nameserver = server.addr.to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sendercheck"))
        .args(["check", "--nameserver", &nameserver, "--timeout", "2s"])
        .args(["--concurrency", "2", "--domains-file", "-"])
        .env(
            "SENDERCHECK_DNS_AUTHORITATIVE_PORT",
            server.addr.port().to_string(),
        )
        .env("NO_COLOR", "1")
        .env("LANG", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sendercheck starts");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"good.example GOODKEY\nbroken-spf.example\n")
            .unwrap();
    }
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").unwrap();
    let first_at = std::time::Instant::now();
    assert!(first.starts_with("good.example  ready"), "{first}");
    let second = lines.next().expect("a second line").unwrap();
    assert!(second.starts_with("broken-spf.example"), "{second}");
    // The unanswered domain takes at least its 2 s timeout; the answered one milliseconds.
    assert!(
        first_at.elapsed() >= std::time::Duration::from_millis(500),
        "the first line came only with the second, {:?} before it",
        first_at.elapsed()
    );
    assert_eq!(
        child.wait().unwrap().code(),
        Some(3),
        "an unanswered domain"
    );
}

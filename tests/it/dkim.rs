//! DKIM verdicts for raw messages, through the CLI and the HTTP endpoint alike, against keys the
//! fixture DNS server publishes.

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::{Value, json};

use crate::fixture_dns::SilentDns;
use crate::signing::{Signing, ed25519_signature, message, rsa_sha1_signature, rsa_signature};
use crate::support::{AppOptions, TestApp, exit_code, fixture_nameserver, run, spawn_app};

/// Runs `sendercheck dkim --format json` on `raw`; the exit code and the JSON.
fn cli(raw: &[u8], nameserver: &str) -> (i32, Value) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(raw).unwrap();
    let path = file.path().to_str().unwrap().to_string();
    let output = run(
        &[
            "dkim",
            &path,
            "--nameserver",
            nameserver,
            "--format",
            "json",
            "--timeout",
            "300ms",
        ],
        None,
    );
    let code = exit_code(&output);
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (code, json)
}

async fn http(app: &TestApp, raw: Vec<u8>) -> (u16, Value) {
    http_with(app, "", raw).await
}

/// As `http`, with a query string (`?fresh=1`).
async fn http_with(app: &TestApp, query: &str, raw: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/v1/dkim/verify{query}")))
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// One message, its expected overall verdict, and per signature its result and a fragment of
/// its reason.
struct Case {
    name: &'static str,
    raw: String,
    result: &'static str,
    signatures: Vec<(&'static str, &'static str)>,
}

fn case(
    name: &'static str,
    raw: String,
    result: &'static str,
    signatures: Vec<(&'static str, &'static str)>,
) -> Case {
    Case {
        name,
        raw,
        result,
        signatures,
    }
}

fn cases() -> Vec<Case> {
    let msg = message();
    let signed = |signature: String| format!("{signature}{msg}");
    let altered_body = rsa_signature(&msg, Signing::relaxed("rsa"))
        + &msg.replace("test message", "changed message");
    let altered_header = rsa_signature(&msg, Signing::relaxed("rsa"))
        + &msg.replace("Subject: DKIM test", "Subject: DKIM test!");
    let other_body = msg.replace("test message", "different message");
    let two = format!(
        "{}{}{msg}",
        ed25519_signature(&other_body, Signing::relaxed("ed")),
        rsa_signature(&msg, Signing::relaxed("rsa"))
    );
    let length_limited = rsa_signature(
        &msg,
        Signing {
            body_length: true,
            ..Signing::relaxed("rsa")
        },
    ) + &msg
        + "Appended after signing.\r\n";
    vec![
        case(
            "rsa relaxed",
            signed(rsa_signature(&msg, Signing::relaxed("rsa"))),
            "pass",
            vec![("pass", "signature verified")],
        ),
        case(
            "rsa simple",
            signed(rsa_signature(&msg, Signing::simple("rsa"))),
            "pass",
            vec![("pass", "signature verified")],
        ),
        case(
            "ed25519 simple",
            signed(ed25519_signature(&msg, Signing::simple("ed"))),
            "pass",
            vec![("pass", "signature verified")],
        ),
        case(
            "ed25519 relaxed",
            signed(ed25519_signature(&msg, Signing::relaxed("ed"))),
            "pass",
            vec![("pass", "signature verified")],
        ),
        case(
            "selector published as a CNAME",
            signed(rsa_signature(&msg, Signing::relaxed("mte1"))),
            "pass",
            vec![("pass", "signature verified")],
        ),
        case(
            "altered body",
            altered_body,
            "fail",
            vec![("fail", "body hash did not verify")],
        ),
        case(
            "altered header",
            altered_header,
            "fail",
            vec![("fail", "signature did not verify")],
        ),
        case(
            "missing key",
            signed(rsa_signature(&msg, Signing::relaxed("nokey"))),
            "permerror",
            vec![("permerror", "key not found")],
        ),
        case(
            "revoked key",
            signed(rsa_signature(&msg, Signing::relaxed("revoked"))),
            "permerror",
            vec![("permerror", "key revoked")],
        ),
        case(
            "not a key",
            signed(rsa_signature(&msg, Signing::relaxed("garbage"))),
            "permerror",
            vec![("permerror", "bad key record")],
        ),
        case(
            "rsa-sha1",
            signed(rsa_sha1_signature(&msg)),
            "fail",
            vec![("fail", "rsa-sha1 signatures are not accepted")],
        ),
        case(
            "512-bit RSA key",
            signed(rsa_signature(&msg, Signing::relaxed("weak"))),
            "fail",
            vec![("fail", "512 bits, under the 1024-bit minimum")],
        ),
        case(
            "two signatures, one fails",
            two,
            "pass",
            vec![
                ("fail", "body hash did not verify"),
                ("pass", "signature verified"),
            ],
        ),
        case("unsigned", msg.clone(), "none", vec![]),
        case(
            "bare LF line ends",
            signed(rsa_signature(&msg, Signing::relaxed("rsa"))).replace("\r\n", "\n"),
            "pass",
            vec![("pass", "signature verified")],
        ),
        case(
            "l= with appended content",
            length_limited,
            "pass",
            vec![("pass", "signature verified")],
        ),
        case(
            "test-mode key",
            signed(rsa_signature(&msg, Signing::relaxed("testing"))),
            "pass",
            vec![("pass", "signature verified")],
        ),
        case(
            "malformed signature",
            format!("DKIM-Signature: v=1; a=rsa-sha256; d=signer.example; s=rsa; bh=!!\r\n{msg}"),
            "permerror",
            vec![("permerror", "malformed DKIM-Signature")],
        ),
        case(
            "a DKIM-Signature that is no signature",
            format!("DKIM-Signature: not a signature\r\n{msg}"),
            "permerror",
            vec![("permerror", "malformed DKIM-Signature")],
        ),
    ]
}

#[tokio::test]
async fn every_case_gets_the_same_verdict_from_the_cli_and_the_api() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    let nameserver = fixture_nameserver();
    for case in cases() {
        let (code, from_cli) = cli(case.raw.as_bytes(), &nameserver);
        let (status, from_api) = http(&app, case.raw.clone().into_bytes()).await;
        assert_eq!(status, 200, "{}: {from_api}", case.name);
        assert_eq!(
            from_cli, from_api,
            "{}: the CLI and the API differ",
            case.name
        );
        assert_eq!(
            from_api["result"], case.result,
            "{}: {from_api:#}",
            case.name
        );
        let expected_code = match case.result {
            "pass" => 0,
            "temperror" => 3,
            _ => 2,
        };
        assert_eq!(code, expected_code, "{}", case.name);
        let signatures = from_api["signatures"].as_array().unwrap();
        assert_eq!(
            signatures.len(),
            case.signatures.len(),
            "{}: {from_api:#}",
            case.name
        );
        for (signature, (result, reason)) in signatures.iter().zip(&case.signatures) {
            assert_eq!(signature["result"], *result, "{}: {signature:#}", case.name);
            let text = signature["reason"].as_str().unwrap();
            assert!(
                text.contains(reason),
                "{}: reason {text:?} lacks {reason:?}",
                case.name
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_passing_signature_reports_key_alignment_and_authentication_results() {
    let msg = message();
    let raw = rsa_signature(&msg, Signing::relaxed("rsa")) + &msg;
    let (_, verdict) = cli(raw.as_bytes(), &fixture_nameserver());
    let signature = &verdict["signatures"][0];
    assert_eq!(signature["domain"], "signer.example");
    assert_eq!(signature["selector"], "rsa");
    assert_eq!(signature["algorithm"], "rsa-sha256");
    assert_eq!(
        signature["key"],
        json!({"name": "rsa._domainkey.signer.example", "type": "rsa", "bits": 2048, "testing": false})
    );
    assert_eq!(signature["alignment"], "strict");
    assert_eq!(signature["aligned"], true);
    assert_eq!(verdict["aligned_pass"], true);
    assert_eq!(verdict["from_domain"], "signer.example");
    let results = verdict["authentication_results"].as_str().unwrap();
    assert!(
        results.starts_with(
            "dkim=pass header.d=signer.example header.s=rsa header.a=rsa-sha256 header.b="
        ),
        "{results}"
    );

    let ed = ed25519_signature(&msg, Signing::relaxed("ed")) + &msg;
    let (_, verdict) = cli(ed.as_bytes(), &fixture_nameserver());
    assert_eq!(verdict["signatures"][0]["key"]["type"], "ed25519");
    assert_eq!(verdict["signatures"][0]["key"]["bits"], 256);

    let testing = rsa_signature(&msg, Signing::relaxed("testing")) + &msg;
    let (_, verdict) = cli(testing.as_bytes(), &fixture_nameserver());
    assert_eq!(verdict["signatures"][0]["key"]["testing"], true);
    assert!(
        verdict["signatures"][0]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("test mode")
    );

    let limited = rsa_signature(
        &msg,
        Signing {
            body_length: true,
            ..Signing::relaxed("rsa")
        },
    ) + &msg;
    let (_, verdict) = cli(limited.as_bytes(), &fixture_nameserver());
    assert!(
        verdict["signatures"][0]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("unsigned")
    );

    let (code, unsigned) = cli(message().as_bytes(), &fixture_nameserver());
    assert_eq!(
        (code, unsigned["authentication_results"].as_str()),
        (2, Some("dkim=none"))
    );
}

#[tokio::test]
async fn registered_signing_domains_say_whether_the_selector_is_required() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    assert_eq!(app.register("signer.example", None).await.0, 201);
    let msg = message();
    let raw = format!(
        "{}{}{msg}",
        rsa_signature(&msg, Signing::relaxed("mte1")),
        rsa_signature(&msg, Signing::relaxed("rsa"))
    );
    let (status, verdict) = http(&app, raw.into_bytes()).await;
    assert_eq!(status, 200);
    assert_eq!(
        verdict["signatures"][0]["registration"],
        json!({"profile": "mandrill", "selector_required": true})
    );
    assert_eq!(
        verdict["signatures"][1]["registration"],
        json!({"profile": "mandrill", "selector_required": false})
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_400_or_413_and_the_cli_exits_3() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    for garbage in [
        &b""[..],
        b"   \r\n",
        b"this is not a message",
        b"\x00\x01\x02garbage",
    ] {
        let (status, body) = http(&app, garbage.to_vec()).await;
        assert_eq!(status, 400, "{garbage:?}");
        assert_eq!(body["error"]["code"], "not_a_message");
        // With --format json, bad input is one JSON object too, with the API's error code.
        let (code, json) = cli(garbage, &fixture_nameserver());
        assert_eq!(code, 3, "{garbage:?}");
        assert_eq!(
            json["error"]["code"], "not_a_message",
            "{garbage:?}: {json}"
        );
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let oversized = vec![b'a'; 10 * 1024 * 1024 + 1];
    let (status, body) = http(&app, oversized).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "payload_too_large");
    app.stop().await;
}

#[tokio::test]
async fn an_oversized_message_is_refused_before_it_is_sent_whole() {
    let app = spawn_app(AppOptions {
        ..Default::default()
    })
    .await;
    let address = app.base.trim_start_matches("http://").to_string();
    // Announce 100 MiB, send 1 KiB, and wait: the answer must come without the rest.
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "POST /v1/dkim/verify HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
            100 * 1024 * 1024
        )
        .unwrap();
        stream.write_all(&[b'a'; 1024]).unwrap();
        let mut response = [0u8; 512];
        let read = stream
            .read(&mut response)
            .expect("an answer before the body is complete");
        String::from_utf8_lossy(&response[..read]).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");
    app.stop().await;
}

#[test]
fn a_key_lookup_that_times_out_is_temperror_and_exit_3() {
    let silent = SilentDns::start().unwrap();
    let msg = message();
    let raw = rsa_signature(&msg, Signing::relaxed("rsa")) + &msg;
    let (code, verdict) = cli(raw.as_bytes(), &silent.addr.to_string());
    assert_eq!(code, 3);
    assert_eq!(verdict["result"], "temperror");
    assert!(
        verdict["signatures"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("timed out")
    );
}

#[tokio::test]
async fn only_the_first_sixteen_signatures_are_verified() {
    let msg = message();
    let mut raw = String::new();
    // Twenty signatures, each with a selector of its own: twenty keys to fetch.
    for n in 0..20 {
        raw.push_str(&rsa_signature(&msg, Signing::relaxed(&format!("s{n}"))));
    }
    raw.push_str(&msg);
    let resolver = crate::support::fixture_resolver();
    let verdict = sendercheck::message::dkim::verify(&resolver, raw.as_bytes())
        .await
        .unwrap();
    assert_eq!(verdict.signatures.len(), 20);
    let skipped: Vec<_> = verdict
        .signatures
        .iter()
        .filter(|signature| signature.reason.starts_with("skipped"))
        .collect();
    assert_eq!(skipped.len(), 4);
    assert!(
        skipped
            .iter()
            .all(|s| s.result == sendercheck::message::dkim::Verdict::Neutral)
    );
    // Sixteen keys and the From domain's DMARC record: the skipped ones cost nothing.
    assert_eq!(resolver.counters().total(), 17);
}

#[tokio::test]
async fn fifty_signatures_cost_one_query_per_distinct_key() {
    let msg = message();
    let rsa = rsa_signature(&msg, Signing::relaxed("rsa"));
    let ed = ed25519_signature(&msg, Signing::relaxed("ed"));
    let mut raw = String::new();
    for n in 0..50 {
        raw.push_str(if n % 2 == 0 { &rsa } else { &ed });
    }
    raw.push_str(&msg);
    let resolver = crate::support::fixture_resolver();
    let verdict = sendercheck::message::dkim::verify(&resolver, raw.as_bytes())
        .await
        .unwrap();
    assert_eq!(verdict.signatures.len(), 50);
    assert_eq!(verdict.result, sendercheck::message::dkim::Verdict::Pass);
    // One query per distinct key, and one for the From domain's DMARC record (its adkim=).
    assert_eq!(resolver.counters().total(), 3, "one query per distinct key");
}

#[tokio::test]
async fn keys_are_reused_for_their_ttl_and_fresh_looks_again() {
    let dns = crate::fixture_dns::FixtureDns::start_own();
    let app = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        ..AppOptions::default()
    })
    .await;
    let msg = message();
    let raw = format!("{}{msg}", rsa_signature(&msg, Signing::relaxed("rsa"))).into_bytes();
    let post = |query: &'static str| http_with(&app, query, raw.clone());
    let (status, verdict) = post("").await;
    assert_eq!(
        (status, verdict["result"].as_str()),
        (200, Some("pass")),
        "{verdict:#}"
    );
    // The key is revoked in DNS: a verdict within the TTL still uses the key fetched before...
    dns.replace_txt(
        "rsa._domainkey.signer.example",
        &[vec!["v=DKIM1; k=rsa; p=".to_string()]],
    )
    .await;
    let (_, cached) = post("").await;
    assert_eq!(cached["result"], "pass", "{cached:#}");
    // ...and ?fresh=1 looks again, for support staff who just changed the key.
    let (_, fresh) = post("?fresh=1").await;
    assert_ne!(fresh["result"], "pass", "{fresh:#}");
    let (_, after) = post("").await;
    assert_ne!(
        after["result"], "pass",
        "the fresh answer replaced the kept one: {after:#}"
    );
    let (status, error) = post("?fresh=maybe").await;
    assert_eq!(status, 400);
    assert_eq!(error["error"]["code"], "invalid_parameter");
    app.stop().await;
}

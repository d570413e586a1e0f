//! Every built-in profile end to end: a correct and a typically broken customer domain of each
//! (`fixtures/zones/example.net.zone`), checked through the real binary and through the daemon's
//! `POST /v1/check` and `PUT /v1/domains`, against the fixture DNS server; and a custom profile
//! file with every kind, alternatives and conditional records.

use serde_json::{Value, json};

use crate::support::{AppOptions, check, exit_code, json, run, spawn_app, stderr};

/// The key the fixture providers "show" their customers (key A of example.net.zone).
const KEY_A: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAp4cW4OIKnxV/nZieBwvCl2xjix3cA0JRY5KlA0+uQvO9xECWdZrR+EU/bSSApzVwtx9Ox+DnX0T+w/RgZH3bzyglWY8h4PSzLbNavdNo0QOlwF7pSH91HtIdrhvgcTFfG9jn1LyRqIbkXoCif0BdxhXpb+Arp39ITSWDZm8d/3m96YZDbwMycilyQTXlTz/1pju/d/KAaM/CjZIAizJprhiRWky92aflicfFHNEp5PIb1WwBaN30zCxn3sMng55rxIea7T4x9GxVtI2MN3vrtOziRTcg1vjAuJ4aiS47I5h0T/J1EKvHuRZTYE37gBxo35TVt6qVbS5s1xMchkDX/QIDAQAB";

const T1: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
const T2: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2";
const T3: &str = "ccccccccccccccccccccccccccccccc3";

/// One customer domain, the parameters it registers with, and what each record must come to.
struct Case {
    profile: &'static str,
    domain: &'static str,
    params: &'static [(&'static str, &'static str)],
    exit: i32,
    ready: bool,
    /// (kind, name without `.example.net`, status, required) in the order shown.
    records: &'static [(&'static str, &'static str, &'static str, bool)],
}

const SES: &[(&str, &str)] = &[
    ("dkim_token_1", T1),
    ("dkim_token_2", T2),
    ("dkim_token_3", T3),
    ("region", "us-east-1"),
    ("mail_from", "mail"),
];

const CASES: &[Case] = &[
    Case {
        profile: "ses",
        domain: "good-ses.example.net",
        params: &[
            ("dkim_token_1", T1),
            ("dkim_token_2", T2),
            ("dkim_token_3", T3),
            ("region", "us-east-1"),
            ("mail_from", "mail"),
            ("token", "SESTOKEN123="),
        ],
        exit: 0,
        ready: true,
        records: &[
            (
                "dkim",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1._domainkey.good-ses",
                "pass",
                true,
            ),
            (
                "dkim",
                "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2._domainkey.good-ses",
                "pass",
                true,
            ),
            (
                "dkim",
                "ccccccccccccccccccccccccccccccc3._domainkey.good-ses",
                "pass",
                true,
            ),
            ("mx", "mail.good-ses", "pass", true),
            ("spf", "mail.good-ses", "pass", true),
            ("verification", "_amazonses.good-ses", "pass", false),
            ("dmarc", "_dmarc.good-ses", "pass", false),
        ],
    },
    Case {
        profile: "ses",
        domain: "broken-ses.example.net",
        params: SES,
        exit: 2,
        ready: false,
        records: &[
            (
                "dkim",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1._domainkey.broken-ses",
                "pass",
                true,
            ),
            (
                "dkim",
                "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2._domainkey.broken-ses",
                "fail",
                true,
            ),
            (
                "dkim",
                "ccccccccccccccccccccccccccccccc3._domainkey.broken-ses",
                "pass",
                true,
            ),
            ("mx", "mail.broken-ses", "missing", true),
            ("spf", "mail.broken-ses", "missing", true),
            ("dmarc", "_dmarc.broken-ses", "missing", false),
        ],
    },
    Case {
        profile: "sendgrid",
        domain: "good-sendgrid.example.net",
        params: &[
            ("return_path", "em1234"),
            ("target", "u1234567.wl123.sendgrid.net"),
        ],
        exit: 0,
        ready: true,
        records: &[
            ("cname", "em1234.good-sendgrid", "pass", true),
            ("dkim", "s1._domainkey.good-sendgrid", "pass", true),
            ("dkim", "s2._domainkey.good-sendgrid", "pass", true),
            ("dmarc", "_dmarc.good-sendgrid", "pass", false),
        ],
    },
    Case {
        profile: "sendgrid",
        domain: "broken-sendgrid.example.net",
        params: &[
            ("return_path", "em1234"),
            ("target", "u1234567.wl123.sendgrid.net"),
        ],
        exit: 2,
        ready: false,
        records: &[
            ("cname", "em1234.broken-sendgrid", "missing", true),
            ("dkim", "s1._domainkey.broken-sendgrid", "pass", true),
            ("dkim", "s2._domainkey.broken-sendgrid", "fail", true),
            ("dmarc", "_dmarc.broken-sendgrid", "pass", false),
        ],
    },
    Case {
        profile: "sendgrid-manual",
        domain: "good-sendgrid-manual.example.net",
        params: &[("return_path", "em77"), ("dkim_key", KEY_A)],
        exit: 0,
        ready: true,
        records: &[
            ("mx", "em77.good-sendgrid-manual", "pass", true),
            ("spf", "em77.good-sendgrid-manual", "pass", true),
            ("dkim", "m1._domainkey.good-sendgrid-manual", "pass", true),
            ("dmarc", "_dmarc.good-sendgrid-manual", "pass", false),
        ],
    },
    Case {
        profile: "sendgrid-manual",
        domain: "broken-sendgrid-manual.example.net",
        params: &[("return_path", "em77")],
        exit: 2,
        ready: false,
        records: &[
            ("mx", "em77.broken-sendgrid-manual", "fail", true),
            ("spf", "em77.broken-sendgrid-manual", "missing", true),
            ("dkim", "m1._domainkey.broken-sendgrid-manual", "pass", true),
            ("dmarc", "_dmarc.broken-sendgrid-manual", "missing", false),
        ],
    },
    Case {
        profile: "mailgun",
        domain: "good-mailgun.example.net",
        params: &[
            ("region", "eu"),
            ("dkim_selector", "k1"),
            ("dkim_key", KEY_A),
        ],
        exit: 0,
        ready: true,
        records: &[
            ("spf", "good-mailgun", "pass", true),
            ("dkim", "k1._domainkey.good-mailgun", "pass", true),
            ("cname", "email.good-mailgun", "pass", false),
            ("mx", "good-mailgun", "pass", false),
            ("dmarc", "_dmarc.good-mailgun", "pass", false),
        ],
    },
    Case {
        profile: "mailgun",
        domain: "good-mailgun-cname.example.net",
        params: &[("dkim_id", "abc123")],
        // Ready; the recommended tracking CNAME and MX are absent, which warns.
        exit: 1,
        ready: true,
        records: &[
            ("spf", "good-mailgun-cname", "pass", true),
            ("dkim", "pdk1._domainkey.good-mailgun-cname", "pass", true),
            ("dkim", "pdk2._domainkey.good-mailgun-cname", "pass", true),
            ("cname", "email.good-mailgun-cname", "missing", false),
            ("mx", "good-mailgun-cname", "missing", false),
            ("dmarc", "_dmarc.good-mailgun-cname", "pass", false),
        ],
    },
    Case {
        profile: "mailgun",
        domain: "broken-mailgun.example.net",
        params: &[("region", "eu"), ("dkim_selector", "k1")],
        exit: 2,
        ready: false,
        records: &[
            ("spf", "broken-mailgun", "pass", true),
            ("dkim", "k1._domainkey.broken-mailgun", "fail", true),
            ("cname", "email.broken-mailgun", "missing", false),
            ("mx", "broken-mailgun", "fail", false),
            ("dmarc", "_dmarc.broken-mailgun", "missing", false),
        ],
    },
    Case {
        profile: "postmark",
        domain: "good-postmark.example.net",
        params: &[("dkim_selector", "20240131120000pm"), ("dkim_key", KEY_A)],
        exit: 0,
        ready: true,
        records: &[
            (
                "dkim",
                "20240131120000pm._domainkey.good-postmark",
                "pass",
                true,
            ),
            ("cname", "pm-bounces.good-postmark", "pass", false),
            ("dmarc", "_dmarc.good-postmark", "pass", false),
        ],
    },
    Case {
        profile: "postmark",
        domain: "broken-postmark.example.net",
        params: &[("dkim_selector", "20240131120000pm"), ("dkim_key", KEY_A)],
        exit: 2,
        ready: false,
        records: &[
            (
                "dkim",
                "20240131120000pm._domainkey.broken-postmark",
                "fail",
                true,
            ),
            ("cname", "pm-bounces.broken-postmark", "missing", false),
            ("dmarc", "_dmarc.broken-postmark", "pass", false),
        ],
    },
    Case {
        profile: "google",
        domain: "good-google.example.net",
        params: &[
            ("verification", "abcdefghijklmnop1234"),
            ("dkim_key", KEY_A),
        ],
        exit: 0,
        ready: true,
        records: &[
            ("spf", "good-google", "pass", true),
            ("dkim", "google._domainkey.good-google", "pass", true),
            ("verification", "good-google", "pass", true),
            ("mx", "good-google", "pass", false),
            ("dmarc", "_dmarc.good-google", "pass", false),
        ],
    },
    Case {
        profile: "google",
        domain: "broken-google.example.net",
        params: &[("verification", "abcdefghijklmnop1234")],
        exit: 2,
        ready: false,
        records: &[
            ("spf", "broken-google", "fail", true),
            ("dkim", "google._domainkey.broken-google", "pass", true),
            ("verification", "broken-google", "pass", true),
            // The older five-host set is the other accepted form.
            ("mx", "broken-google", "pass", false),
            ("dmarc", "_dmarc.broken-google", "pass", false),
        ],
    },
    Case {
        profile: "microsoft365",
        domain: "good-microsoft365.example.net",
        params: &[("tenant", "contoso"), ("verification", "ms12345678")],
        exit: 0,
        ready: true,
        records: &[
            ("spf", "good-microsoft365", "pass", true),
            ("verification", "good-microsoft365", "pass", true),
            (
                "dkim",
                "selector1._domainkey.good-microsoft365",
                "pass",
                true,
            ),
            (
                "dkim",
                "selector2._domainkey.good-microsoft365",
                "pass",
                true,
            ),
            ("mx", "good-microsoft365", "pass", false),
            ("dmarc", "_dmarc.good-microsoft365", "pass", false),
        ],
    },
    Case {
        profile: "microsoft365",
        domain: "broken-microsoft365.example.net",
        params: &[("tenant", "contoso"), ("verification", "ms12345678")],
        exit: 2,
        ready: false,
        records: &[
            ("spf", "broken-microsoft365", "pass", true),
            ("verification", "broken-microsoft365", "pass", true),
            (
                "dkim",
                "selector1._domainkey.broken-microsoft365",
                "fail",
                true,
            ),
            (
                "dkim",
                "selector2._domainkey.broken-microsoft365",
                "fail",
                true,
            ),
            ("mx", "broken-microsoft365", "pass", false),
            ("dmarc", "_dmarc.broken-microsoft365", "missing", false),
        ],
    },
    Case {
        profile: "brevo",
        domain: "good-brevo.example.net",
        params: &[("code", "0123456789abcdef0123456789abcdef")],
        // p=none, as Brevo suggests, passes with its warning.
        exit: 1,
        ready: true,
        records: &[
            ("verification", "good-brevo", "pass", true),
            ("dkim", "brevo1._domainkey.good-brevo", "pass", true),
            ("dkim", "brevo2._domainkey.good-brevo", "pass", true),
            ("dmarc", "_dmarc.good-brevo", "pass", true),
            ("spf", "good-brevo", "pass", false),
        ],
    },
    Case {
        profile: "brevo",
        domain: "broken-brevo.example.net",
        params: &[("code", "0123456789abcdef0123456789abcdef")],
        exit: 2,
        ready: false,
        records: &[
            ("verification", "broken-brevo", "pass", true),
            ("dkim", "brevo1._domainkey.broken-brevo", "pass", true),
            ("dkim", "brevo2._domainkey.broken-brevo", "pass", true),
            ("dmarc", "_dmarc.broken-brevo", "missing", true),
            ("spf", "broken-brevo", "missing", false),
        ],
    },
    Case {
        profile: "mailjet",
        domain: "good-mailjet.example.net",
        params: &[
            ("token_name", "a1b2c3"),
            ("token", "mjtoken-42"),
            ("dkim_key", KEY_A),
        ],
        exit: 0,
        ready: true,
        records: &[
            ("verification", "mailjet._a1b2c3.good-mailjet", "pass", true),
            ("spf", "good-mailjet", "pass", true),
            ("dkim", "mailjet._domainkey.good-mailjet", "pass", true),
            ("dmarc", "_dmarc.good-mailjet", "pass", false),
        ],
    },
    Case {
        profile: "mailjet",
        domain: "broken-mailjet.example.net",
        params: &[("token_name", "a1b2c3"), ("token", "mjtoken-42")],
        exit: 2,
        ready: false,
        records: &[
            (
                "verification",
                "mailjet._a1b2c3.broken-mailjet",
                "missing",
                true,
            ),
            ("spf", "broken-mailjet", "pass", true),
            ("dkim", "mailjet._domainkey.broken-mailjet", "pass", true),
            ("dmarc", "_dmarc.broken-mailjet", "missing", false),
        ],
    },
    Case {
        profile: "resend",
        domain: "good-resend.example.net",
        params: &[("region", "eu-west-1"), ("dkim_key", KEY_A)],
        exit: 0,
        ready: true,
        records: &[
            ("dkim", "resend._domainkey.good-resend", "pass", true),
            ("mx", "send.good-resend", "pass", true),
            ("spf", "send.good-resend", "pass", true),
            ("dmarc", "_dmarc.good-resend", "pass", false),
        ],
    },
    Case {
        profile: "resend",
        domain: "broken-resend.example.net",
        params: &[("region", "eu-west-1")],
        exit: 2,
        ready: false,
        records: &[
            ("dkim", "resend._domainkey.broken-resend", "pass", true),
            ("mx", "send.broken-resend", "fail", true),
            ("spf", "send.broken-resend", "missing", true),
            ("dmarc", "_dmarc.broken-resend", "missing", false),
        ],
    },
    Case {
        profile: "sparkpost",
        domain: "good-sparkpost.example.net",
        params: &[
            ("dkim_selector", "scph0123"),
            ("dkim_key", KEY_A),
            ("bounce", "bounces"),
            ("region", "eu"),
        ],
        exit: 0,
        ready: true,
        records: &[
            ("dkim", "scph0123._domainkey.good-sparkpost", "pass", true),
            ("cname", "bounces.good-sparkpost", "pass", true),
            ("dmarc", "_dmarc.good-sparkpost", "pass", false),
        ],
    },
    Case {
        profile: "sparkpost",
        domain: "broken-sparkpost.example.net",
        params: &[
            ("dkim_selector", "scph0123"),
            ("dkim_key", KEY_A),
            ("bounce", "bounces"),
            ("region", "eu"),
        ],
        exit: 2,
        ready: false,
        records: &[
            ("dkim", "scph0123._domainkey.broken-sparkpost", "fail", true),
            ("cname", "bounces.broken-sparkpost", "fail", true),
            ("dmarc", "_dmarc.broken-sparkpost", "missing", false),
        ],
    },
];

/// The `check` arguments of a case.
fn arguments(case: &Case) -> Vec<String> {
    let mut args = vec![
        case.domain.to_string(),
        "--profile".to_string(),
        case.profile.to_string(),
        "--format".to_string(),
        "json".to_string(),
    ];
    for (key, value) in case.params {
        args.push("--param".to_string());
        args.push(format!("{key}={value}"));
    }
    args
}

fn params_object(case: &Case) -> Value {
    Value::Object(
        case.params
            .iter()
            .map(|(key, value)| (key.to_string(), json!(value)))
            .collect(),
    )
}

/// Asserts a report matches the case, record by record.
fn assert_case(case: &Case, report: &Value) {
    let context = format!("{} ({}): {report:#}", case.domain, case.profile);
    assert_eq!(report["profile"], case.profile, "{context}");
    assert_eq!(report["ready"], case.ready, "{context}");
    let records = report["records"].as_array().expect("records");
    let seen: Vec<(String, String, String, bool)> = records
        .iter()
        .map(|record| {
            (
                record["kind"].as_str().unwrap_or_default().to_string(),
                record["name"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_end_matches(".example.net")
                    .to_string(),
                record["status"].as_str().unwrap_or_default().to_string(),
                record
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
            )
        })
        .collect();
    let expected: Vec<(String, String, String, bool)> = case
        .records
        .iter()
        .map(|(kind, name, status, required)| {
            (
                kind.to_string(),
                name.to_string(),
                status.to_string(),
                *required,
            )
        })
        .collect();
    assert_eq!(seen, expected, "{context}");
    for record in records {
        // `required` is shown only for recommended records, so mandrill's output is unchanged.
        assert_ne!(record.get("required"), Some(&json!(true)), "{context}");
        if record["status"] == "pass" {
            assert_eq!(record["fix"], Value::Null, "{context}");
        } else {
            assert!(record["fix"].is_object(), "{context}");
        }
    }
}

fn record<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|record| record["name"] == name)
        .unwrap_or_else(|| panic!("no record {name} in {report:#}"))
}

#[test]
fn every_built_in_profile_judges_its_fixture_domains_through_the_cli() {
    let mut profiles_seen = std::collections::BTreeSet::new();
    for case in CASES {
        let args = arguments(case);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = check(&args);
        let report = json(&output);
        assert_case(case, &report);
        assert_eq!(exit_code(&output), case.exit, "{}: {report:#}", case.domain);
        profiles_seen.insert(case.profile);
    }
    let built_in = json(&run(&["profiles", "--format", "json"], None));
    for profile in built_in["profiles"].as_array().unwrap() {
        let name = profile["name"].as_str().unwrap();
        assert!(
            name == "mandrill" || profiles_seen.contains(name),
            "built-in profile {name} has no fixture domains"
        );
    }
}

#[test]
fn fixes_name_the_exact_records_of_every_kind() {
    let case = |domain: &str| CASES.iter().find(|case| case.domain == domain).unwrap();
    let report_of = |domain: &str| {
        let args = arguments(case(domain));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        json(&check(&args))
    };

    let ses = report_of("broken-ses.example.net");
    let mx = &record(&ses, "mail.broken-ses.example.net")["fix"];
    assert_eq!(mx["type"], "MX");
    assert_eq!(mx["value"], "10 feedback-smtp.us-east-1.amazonses.com");
    assert_eq!(
        mx["zone"],
        "mail.broken-ses.example.net. IN MX 10 feedback-smtp.us-east-1.amazonses.com."
    );
    let spf = ses["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|record| record["kind"] == "spf")
        .unwrap();
    assert_eq!(spf["fix"]["name"], "mail.broken-ses.example.net");
    assert!(
        spf["fix"]["value"]
            .as_str()
            .unwrap()
            .contains("include:amazonses.com"),
        "{spf:#}"
    );
    let dkim = &record(
        &ses,
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2._domainkey.broken-ses.example.net",
    )["fix"];
    assert_eq!(dkim["type"], "CNAME");
    assert_eq!(dkim["value"], format!("{T2}.dkim.amazonses.com"));

    let sendgrid = report_of("broken-sendgrid.example.net");
    let cname = &record(&sendgrid, "em1234.broken-sendgrid.example.net")["fix"];
    assert_eq!(
        (cname["type"].as_str(), cname["value"].as_str()),
        (Some("CNAME"), Some("u1234567.wl123.sendgrid.net"))
    );

    let manual = report_of("broken-sendgrid-manual.example.net");
    let mx = record(&manual, "em77.broken-sendgrid-manual.example.net");
    assert!(
        mx["message"]
            .as_str()
            .unwrap()
            .contains("mx.other-provider.example")
    );
    let actions = mx["fix"]["actions"].as_array().unwrap();
    assert_eq!(actions[0]["action"], "publish");
    assert_eq!(actions[0]["value"], "10 mx.sendgrid.net");
    assert_eq!(actions[1]["action"], "remove");

    let postmark = report_of("broken-postmark.example.net");
    let dkim = record(
        &postmark,
        "20240131120000pm._domainkey.broken-postmark.example.net",
    );
    assert!(
        dkim["message"]
            .as_str()
            .unwrap()
            .contains("not the provider's key")
    );
    assert_eq!(dkim["fix"]["value"], format!("v=DKIM1; k=rsa; p={KEY_A}"));
    assert_eq!(dkim["fix"]["actions"][0]["action"], "replace");
    assert_eq!(dkim["fix"]["strings"].as_array().unwrap().len(), 2);

    let mailgun = report_of("broken-mailgun.example.net");
    let dkim = record(&mailgun, "k1._domainkey.broken-mailgun.example.net");
    assert!(
        dkim["message"].as_str().unwrap().contains("revoked"),
        "{dkim:#}"
    );
    // Without the key parameter there is no exact record to publish: said, not invented.
    assert_eq!(dkim["fix"]["actions"], json!([]));
    assert!(
        dkim["warnings"][0].as_str().unwrap().contains("dkim_key"),
        "{dkim:#}"
    );
    // Given both forms' parameters, the failing one names the other accepted form.
    let both = json(&check(&[
        "broken-mailgun.example.net",
        "--profile",
        "mailgun",
        "--param",
        "region=eu",
        "--param",
        "dkim_selector=k1",
        "--param",
        "dkim_id=abc123",
        "--format",
        "json",
    ]));
    let dkim = record(&both, "k1._domainkey.broken-mailgun.example.net");
    assert!(
        dkim["message"].as_str().unwrap().contains(
            "also accepted instead: CNAME pdk1._domainkey.broken-mailgun.example.net → \
             pdk1._domainkey.abc123.dkim1.mailgun.com and CNAME pdk2"
        ),
        "{dkim:#}"
    );

    let sparkpost = report_of("broken-sparkpost.example.net");
    let dkim = record(
        &sparkpost,
        "scph0123._domainkey.broken-sparkpost.example.net",
    );
    assert!(
        dkim["message"].as_str().unwrap().contains("k=ed25519"),
        "{dkim:#}"
    );
    let bounce = record(&sparkpost, "bounces.broken-sparkpost.example.net");
    assert_eq!(bounce["fix"]["value"], "eu.sparkpostmail.com");

    let mailjet = report_of("broken-mailjet.example.net");
    let dkim = record(&mailjet, "mailjet._domainkey.broken-mailjet.example.net");
    assert!(
        dkim["warnings"][0].as_str().unwrap().contains("1024 bits"),
        "{dkim:#}"
    );
}

#[test]
fn missing_unknown_and_unusable_parameters_exit_3_naming_them() {
    let cases: &[(&[&str], &str)] = &[
        (&["--profile", "brevo"], "needs the parameter \"code\""),
        (
            &["--profile", "brevo", "--param", "code=XYZ"],
            "parameter \"code\" does not look like",
        ),
        (
            &[
                "--profile",
                "postmark",
                "--param",
                "dkim_selector=pm",
                "--param",
                "colour=red",
            ],
            "no parameter \"colour\"",
        ),
        (&["--profile", "mailgun"], "\"dkim_id\""),
        (
            &[
                "--profile",
                "ses",
                "--param",
                "dkim_token_1=aaaaaaaaaaaaaaaa",
                "--param",
                "dkim_token_2=bbbbbbbbbbbbbbbb",
                "--param",
                "dkim_token_3=cccccccccccccccc",
                "--param",
                "mail_from=mail",
            ],
            "\"region\"",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["good-ses.example.net"];
        args.extend_from_slice(extra);
        let output = check(&args);
        assert_eq!(exit_code(&output), 3, "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[tokio::test]
async fn the_api_gives_the_same_verdicts_and_keeps_each_registrations_parameters() {
    let app = spawn_app(AppOptions::default()).await;
    for case in CASES {
        let response = app
            .client
            .post(app.url("/v1/check"))
            .json(&json!({"domain": case.domain, "profile": case.profile, "params": params_object(case)}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", case.domain);
        let report: Value = response.json().await.unwrap();
        assert_case(case, &report);
        // The CLI prints the very same JSON, but for the time it was checked at.
        let args = arguments(case);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let untimed = |mut report: Value| {
            if let Some(object) = report.as_object_mut() {
                assert!(object.remove("valid_after").is_some(), "{report:?}");
            }
            report
        };
        assert_eq!(
            untimed(json(&check(&args))),
            untimed(report.clone()),
            "{}",
            case.domain
        );
    }

    // A registration keeps its profile and parameters; recommended records never block it.
    let case = CASES
        .iter()
        .find(|case| case.domain == "good-mailgun-cname.example.net")
        .unwrap();
    let response = app
        .client
        .put(app.url("/v1/domains/good-mailgun-cname.example.net"))
        .json(&json!({"profile": "mailgun", "params": params_object(case)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let domain = app.until_checked("good-mailgun-cname.example.net").await;
    assert_eq!(domain["status"], "verified", "{domain:#}");
    assert_eq!(domain["params"]["dkim_id"], "abc123");
    assert_case(case, &domain);

    let response = app
        .client
        .put(app.url("/v1/domains/broken-brevo.example.net"))
        .json(&json!({"profile": "brevo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_params");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"code\""),
        "{error:#}"
    );
    app.stop().await;
}

/// A custom profile with every kind, an alternative, a recommended and conditional records.
const EVERY_KIND: &str = include_str!("../../fixtures/profiles/every.toml");

#[test]
fn a_custom_profile_directory_brings_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("profiles")).unwrap();
    std::fs::write(dir.path().join("profiles/every.toml"), EVERY_KIND).unwrap();
    let config = dir.path().join("sendercheck.toml");
    std::fs::write(&config, "[profiles]\ndir = \"profiles\"\n").unwrap();
    let config = config.to_str().unwrap();
    let every = |extra: &[&str]| {
        let mut args = vec![
            "every.example.net",
            "--config",
            config,
            "--profile",
            "every",
            "--format",
            "json",
            "--param",
            "code=c0de",
        ];
        args.extend_from_slice(extra);
        check(&args)
    };
    // No bounce: the bounce records do not apply. The CNAME alternative of DKIM passes; the
    // recommended TXT is missing; DMARC p=none is weaker than the quarantine required.
    let output = every(&[]);
    let report = json(&output);
    assert_eq!(exit_code(&output), 2, "{report:#}");
    let statuses: Vec<(&str, &str)> = report["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("spf", "pass"),
            ("dkim", "pass"),
            ("dkim", "pass"),
            ("txt", "missing"),
            ("verification", "pass"),
            ("dmarc", "fail")
        ],
        "{report:#}"
    );
    let dmarc = record(&report, "_dmarc.every.example.net");
    assert!(
        dmarc["message"]
            .as_str()
            .unwrap()
            .contains("at least quarantine")
    );
    assert_eq!(dmarc["fix"]["value"], "v=DMARC1; p=quarantine");
    let txt = record(&report, "_every.every.example.net");
    assert_eq!(txt["required"], false);
    assert_eq!(txt["fix"]["value"], "every-site=every-example-net");

    // With a bounce label in the eu region both conditional records apply.
    let report = json(&every(&[
        "--param",
        "bounce=bounce",
        "--param",
        "region=eu",
    ]));
    let kinds: Vec<(&str, &str)> = report["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            ["bounce.every.example.net", "in.every.example.net"]
                .contains(&r["name"].as_str().unwrap())
        })
        .map(|r| (r["kind"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("cname", "pass"), ("mx", "pass")], "{report:#}");
    // In the us region the CNAME target differs and the MX does not apply.
    let report = json(&every(&["--param", "bounce=bounce"]));
    let bounce = record(&report, "bounce.every.example.net");
    assert_eq!(bounce["status"], "fail");
    assert_eq!(bounce["fix"]["value"], "bounces.us.every.example.net");

    // The profile is listed like a built-in one.
    let listed = json(&run(
        &["profiles", "every", "--config", config, "--format", "json"],
        None,
    ));
    assert_eq!(listed["records"][1]["any_of"].as_array().unwrap().len(), 2);
    assert_eq!(listed["records"][3]["when"], json!(["bounce", "region=eu"]));

    // A broken profile file stops the program with the file, the record and the problem.
    std::fs::write(
        dir.path().join("profiles/broken.toml"),
        "name = \"broken\"\ntitle = \"B\"\n[[records]]\nkind = \"mx\"\nname = \"{domain}\"\n",
    )
    .unwrap();
    let output = every(&[]);
    assert_eq!(exit_code(&output), 3);
    let message = stderr(&output);
    assert!(
        message.contains("broken.toml, record 1 (mx at {domain}): an mx record needs hosts"),
        "{message}"
    );
}

#[test]
fn a_domains_file_applies_the_parameters_to_every_line() {
    let nameserver = crate::support::fixture_nameserver();
    let output = run(
        &[
            "check",
            "--nameserver",
            &nameserver,
            "--domains-file",
            "-",
            "--profile",
            "mailjet",
            "--param",
            "token_name=a1b2c3",
            "--param",
            &format!("dkim_key={KEY_A}"),
            "--format",
            "json",
        ],
        Some(
            "good-mailjet.example.net mjtoken-42\nbroken-mailjet.example.net mjtoken-42\ngood-brevo.example.net\n",
        ),
    );
    let lines: Vec<Value> = crate::support::stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert_eq!(lines[0]["ready"], true, "{:#}", lines[0]);
    assert_eq!(lines[1]["ready"], false, "{:#}", lines[1]);
    // The mailjet token is required: a line without one is refused, naming it.
    assert_eq!(
        lines[2]["error"]["code"], "invalid_params",
        "{:#}",
        lines[2]
    );
    assert!(
        lines[2]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"token\"")
    );
    assert_eq!(exit_code(&output), 2);
}

#[test]
fn the_text_output_names_the_parameter_a_skipped_record_needs() {
    let output = check(&["good-google.example.net", "--profile", "google"]);
    let text = crate::support::stdout(&output);
    assert!(
        text.contains(
            "The verification record at good-google.example.net was not checked: give --param \
             verification=… to check it."
        ),
        "{text}"
    );
    assert!(!text.contains("give --token"), "{text}");
}

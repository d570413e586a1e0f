//! The profile model, its files and its config forms.

use std::path::Path;

use super::*;

#[test]
fn configured_profiles_are_validated_and_normalised() {
    let raw = RawProfile {
        spf_include: Some("SPF.Example.NET.".to_string()),
        dkim: vec![DkimSelector {
            selector: "K1".to_string(),
            cname: "Dkim.Example.net".to_string(),
        }],
        dmarc: true,
        verification: Some("example-verify={token}".to_string()),
    };
    let profiles = Profiles::with_configured([("example".to_string(), raw)]).unwrap();
    let example = profiles.get("example").unwrap();
    assert_eq!(example.spf_include(), Some("spf.example.net"));
    assert_eq!(example.dkim()[0].selector, "k1");
    assert_eq!(example.dkim()[0].cname, "dkim.example.net");
    // The short form becomes requirements in the order their verdicts are shown.
    let names: Vec<&str> = example
        .requirements
        .iter()
        .map(|requirement| requirement.any_of[0][0].name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "{domain}",
            "k1._domainkey.{domain}",
            "_dmarc.{domain}",
            "{domain}"
        ]
    );
    assert!(profiles.get("mandrill").is_some());
    assert_eq!(
        profiles.names().collect::<Vec<_>>(),
        [
            "brevo",
            "example",
            "google",
            "mailgun",
            "mailjet",
            "mandrill",
            "microsoft365",
            "postmark",
            "resend",
            "sendgrid",
            "sendgrid-manual",
            "ses",
            "sparkpost"
        ]
    );
}

#[test]
fn bad_profiles_are_refused_with_a_reason() {
    let bad = |name: &str, raw: RawProfile| Profile::from_raw(name, raw).unwrap_err();
    let dmarc_only = RawProfile {
        dmarc: true,
        ..RawProfile::default()
    };
    assert!(matches!(
        bad("Bad Name", dmarc_only.clone()),
        ProfileError::BadName(_)
    ));
    assert!(matches!(
        bad("p", RawProfile::default()),
        ProfileError::Empty { .. }
    ));
    assert!(matches!(
        bad(
            "p",
            RawProfile {
                spf_include: Some("not a host".into()),
                ..dmarc_only.clone()
            }
        ),
        ProfileError::BadSpfInclude { .. }
    ));
    assert!(matches!(
        bad(
            "p",
            RawProfile {
                verification: Some("verify-without-placeholder".into()),
                ..dmarc_only.clone()
            }
        ),
        ProfileError::BadVerification { .. }
    ));
    assert!(matches!(
        bad(
            "p",
            RawProfile {
                dkim: vec![DkimSelector {
                    selector: "bad selector".into(),
                    cname: "dkim.example.net".into()
                }],
                ..dmarc_only
            }
        ),
        ProfileError::BadSelector { .. }
    ));
}

#[test]
fn every_built_in_profile_file_loads() {
    for (file, text) in BUILT_IN {
        let profile = Profile::from_file(file, text)
            .unwrap_or_else(|error| panic!("{file} does not load: {error}"));
        assert!(file.ends_with(&format!("{}.toml", profile.name)), "{file}");
    }
    let mandrill = Profiles::built_in("mandrill").expect("mandrill is built in");
    assert_eq!(mandrill.spf_include(), Some("spf.mandrillapp.com"));
    assert_eq!(mandrill.dkim().len(), 2);
    assert!(mandrill.dmarc());
    assert_eq!(mandrill.verification(), Some("mandrill_verify.{token}"));
    // The same requirements as the short form would give, in the same order.
    let short = Profile::from_raw(
        "mandrill",
        RawProfile {
            spf_include: Some("spf.mandrillapp.com".into()),
            dkim: mandrill.dkim(),
            dmarc: true,
            verification: Some("mandrill_verify.{token}".into()),
        },
    )
    .unwrap();
    assert_eq!(short.requirements, mandrill.requirements);
}

#[test]
fn a_broken_profile_file_names_the_record_and_the_problem() {
    let file = |records: &str| {
        format!("name = \"p\"\ntitle = \"P\"\n[params.code]\ndescription = \"x\"\n{records}")
    };
    let error = |records: &str| {
        Profile::from_file("profiles/p.toml", &file(records))
            .unwrap_err()
            .to_string()
    };
    assert!(
        error("[[records]]\nkind = \"ptr\"\nname = \"{domain}\"")
            .contains("profile file profiles/p.toml, record 1 (ptr at {domain}): unknown kind")
    );
    assert!(
        error("[[records]]\nkind = \"spf\"\nname = \"{domain}\"")
            .contains("a spf record needs include")
    );
    assert!(
        error("[[records]]\nkind = \"verification\"\nname = \"{domain}\"\nvalue = \"v={token}\"")
            .contains("{token} in \"v={token}\" is neither {domain} nor a declared parameter")
    );
    assert!(
        error(
            "[[records]]\nkind = \"dkim\"\nname = \"k._domainkey.{domain}\"\ncname = \"not a host\""
        )
        .contains("cname \"not a host\" is not a valid host name")
    );
    assert!(
        Profile::from_file(
            "profiles/p.toml",
            "name = \"p\"\ntitle = \"P\"\nrecords = []"
        )
        .unwrap_err()
        .to_string()
        .contains("requires nothing")
    );
    assert!(
        Profile::from_file("profiles/p.toml", "name = 1")
            .unwrap_err()
            .to_string()
            .starts_with("profile file profiles/p.toml:")
    );
    // Declared parameters may be used.
    assert!(
        Profile::from_file(
            "profiles/p.toml",
            &file(
                "[[records]]\nkind = \"verification\"\nname = \"{domain}\"\nvalue = \"v={code}\""
            )
        )
        .is_ok()
    );
}

/// A custom profile with every kind, an alternative, a recommended and a conditional record.
pub(crate) const EVERY_KIND: &str = include_str!("../../fixtures/profiles/every.toml");

#[test]
fn a_profile_with_every_kind_loads_with_alternatives_and_conditions() {
    let profile = Profile::from_file("every.toml", EVERY_KIND).unwrap();
    let kinds: Vec<RecordKind> = profile
        .requirements
        .iter()
        .map(|requirement| requirement.any_of[0][0].expect.kind())
        .collect();
    assert_eq!(
        kinds,
        [
            RecordKind::Spf,
            RecordKind::Dkim,
            RecordKind::Cname,
            RecordKind::Mx,
            RecordKind::Txt,
            RecordKind::Verification,
            RecordKind::Dmarc
        ]
    );
    assert_eq!(profile.requirements[1].any_of.len(), 2);
    assert_eq!(profile.requirements[1].any_of[1].len(), 2);
    assert!(!profile.requirements[4].required);
    assert_eq!(
        profile.requirements[3].when,
        [
            Condition::Given("bounce".into()),
            Condition::Equals("region".into(), "eu".into())
        ]
    );
    assert_eq!(
        profile.requirements[3].any_of[0][0].expect,
        Expectation::Mx(vec![
            MxHost {
                preference: Some(10),
                host: "mx1.every.example.net".into()
            },
            MxHost {
                preference: None,
                host: "mx2.every.example.net".into()
            }
        ])
    );
    // Defaults fill in; a blank value is no value.
    let values = profile.values(&BTreeMap::from([("bounce".to_string(), String::new())]));
    assert_eq!(values.get("selector").map(String::as_str), Some("k1"));
    assert!(!values.contains_key("bounce"));
    assert!(!profile.requirements[2].applies(&values));
}

#[test]
fn parameters_are_checked_against_the_records_that_apply() {
    let profile = Profile::from_file("every.toml", EVERY_KIND).unwrap();
    let params = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert!(profile.check_params(&params(&[("code", "c")])).is_ok());
    let missing = profile.check_params(&params(&[])).unwrap_err().to_string();
    assert!(
        missing.contains("needs the parameter \"code\""),
        "{missing}"
    );
    let unknown = profile
        .check_params(&params(&[("code", "c"), ("colour", "red")]))
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("no parameter \"colour\""), "{unknown}");
    let invalid = profile
        .check_params(&params(&[("code", "c"), ("region", "ap")]))
        .unwrap_err();
    assert!(matches!(invalid, ParamError::Invalid { .. }));
    // A parameter without a pattern still cannot make a name DNS cannot carry.
    let bad_name = profile
        .check_params(&params(&[("code", "c"), ("bounce", "a..b")]))
        .unwrap_err()
        .to_string();
    assert!(
        bad_name.contains("\"a..b.shop.example\", not a valid DNS name"),
        "{bad_name}"
    );

    // An alternative needing a parameter nobody gave is not a way to pass; when every
    // alternative needs one, the error names them.
    let mailgun = Profiles::built_in("mailgun").unwrap();
    let error = mailgun.check_params(&params(&[])).unwrap_err().to_string();
    assert!(
        error.contains("\"dkim_selector\", or the parameter \"dkim_id\"")
            || error.contains("\"dkim_selector\", or \"dkim_id\""),
        "{error}"
    );
    assert!(mailgun.check_params(&params(&[("dkim_id", "abc")])).is_ok());
    let ses = Profiles::built_in("ses").unwrap();
    let tokens = [
        ("dkim_token_1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("dkim_token_2", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
        ("dkim_token_3", "cccccccccccccccccccccccccccccccc"),
    ];
    assert!(ses.check_params(&params(&tokens)).is_ok());
    let mut with_mail_from = tokens.to_vec();
    with_mail_from.push(("mail_from", "mail"));
    let error = ses
        .check_params(&params(&with_mail_from))
        .unwrap_err()
        .to_string();
    assert!(error.contains("\"region\""), "{error}");
}

#[test]
fn broken_files_fail_to_load_naming_file_record_and_problem() {
    let with = |records: &str| {
        format!(
            "name = \"p\"\ntitle = \"P\"\n[params.code]\ndescription = \"x\"\n\
             [[records]]\nkind = \"dmarc\"\nname = \"_dmarc.{{domain}}\"\n{records}"
        )
    };
    let error = |records: &str| {
        Profile::from_file("custom/p.toml", &with(records))
            .unwrap_err()
            .to_string()
    };
    let cases = [
        (
            "[[records]]\nkind = \"mx\"\nname = \"{domain}\"",
            "record 2 (mx at {domain}): an mx record needs hosts",
        ),
        (
            "[[records]]\nkind = \"mx\"\nname = \"{domain}\"\nhosts = [\"high mx.example.net\"]",
            "PREFERENCE HOST",
        ),
        (
            "[[records]]\nkind = \"cname\"\nname = \"www.example.net\"\ncname = \"x.example.net\"",
            "must be {domain} or end in .{domain}",
        ),
        (
            "[[records]]\nkind = \"txt\"\nname = \"{domain}\"\ninclude = \"x.example.net\"",
            "a txt record takes no include",
        ),
        (
            "[[records]]\nkind = \"dkim\"\nname = \"k._domainkey.{domain}\"\ncname = \"x.example.net\"\nkey = \"{code}\"",
            "either a CNAME",
        ),
        (
            "[[records]]\nkind = \"dkim\"\nname = \"k._domainkey.{domain}\"\nkey_type = \"dsa\"",
            "key_type \"dsa\"",
        ),
        (
            "[[records]]\nkind = \"dmarc\"\nname = \"_dmarc.{domain}\"\nmin_policy = \"strict\"",
            "min_policy \"strict\"",
        ),
        (
            "[[records]]\nkind = \"txt\"\nname = \"{domain}\"\nvalue = \"x\"\nwhen = \"colour\"",
            "when \"colour\" names \"colour\", which is not a declared parameter",
        ),
        (
            "[[records]]\nany_of = [[{ kind = \"txt\", name = \"{domain}\", value = \"a\" }]]",
            "any_of needs at least two alternatives",
        ),
        (
            "[[records]]\nany_of = [[{ kind = \"txt\", name = \"{domain}\", value = \"a\" }], [{ kind = \"cname\", name = \"{nope}.{domain}\", cname = \"x.example.net\" }]]",
            "record 2, alternative 2.1 (cname at {nope}.{domain}): {nope}",
        ),
        (
            "[[records]]\nany_of = [[{ kind = \"txt\", name = \"{domain}\", value = \"a\", required = false }], [{ kind = \"txt\", name = \"{domain}\", value = \"b\" }]]",
            "belong to the record holding any_of",
        ),
    ];
    for (records, expected) in cases {
        let message = error(records);
        assert!(
            message.starts_with("profile file custom/p.toml"),
            "{message}"
        );
        assert!(
            message.contains(expected),
            "{expected:?} not in {message:?}"
        );
    }
    let only_recommended = "name = \"p\"\ntitle = \"P\"\n[[records]]\nkind = \"dmarc\"\n\
                            name = \"_dmarc.{domain}\"\nrequired = false";
    assert!(
        Profile::from_file("p.toml", only_recommended)
            .unwrap_err()
            .to_string()
            .contains("requires nothing")
    );
    let default_off_pattern = "name = \"p\"\ntitle = \"P\"\n[params.r]\ndescription = \"r\"\n\
                               default = \"xx\"\npattern = \"^(us|eu)$\"\n[[records]]\n\
                               kind = \"dmarc\"\nname = \"_dmarc.{domain}\"";
    assert!(
        Profile::from_file("p.toml", default_off_pattern)
            .unwrap_err()
            .to_string()
            .contains("default \"xx\" does not match its pattern")
    );
}

#[test]
fn a_pattern_is_compiled_once_and_matched_as_json_schema_matches() {
    let file = |pattern: &str| {
        format!(
            "name = \"p\"\ntitle = \"P\"\n[params.r]\ndescription = \"r\"\n\
             pattern = {pattern:?}\n[[records]]\nkind = \"dmarc\"\nname = \"_dmarc.{{domain}}\""
        )
    };
    let given = |value: &str| BTreeMap::from([("r".to_string(), value.to_string())]);
    let anchored = Profile::from_file("p.toml", &file("^(us|eu)$")).unwrap();
    assert_eq!(
        anchored.params["r"].pattern.as_ref().map(Pattern::as_str),
        Some("^(us|eu)$"),
        "kept as written, for GET /v1/profiles and the OpenAPI schema"
    );
    assert!(anchored.check_params(&given("eu")).is_ok());
    assert_eq!(
        anchored.check_params(&given("eu-west")),
        Err(ParamError::Invalid {
            name: "r".to_string(),
            description: "r".to_string(),
            pattern: "^(us|eu)$".to_string()
        })
    );
    // Unanchored, a match anywhere in the value is enough, as in JSON Schema.
    let loose = Profile::from_file("p.toml", &file("(us|eu)")).unwrap();
    assert!(loose.check_params(&given("eu-west")).is_ok());
    assert!(loose.check_params(&given("ap")).is_err());
    // Profiles compare by the pattern's text, and profiles holding the same pattern share its
    // compiled regex.
    let again = Profile::from_file("p.toml", &file("(us|eu)")).unwrap();
    assert_eq!(loose, again);
    assert_ne!(loose, anchored);
    let compiled = |profile: &Profile| profile.params["r"].pattern.clone().unwrap().0;
    assert!(std::sync::Arc::ptr_eq(&compiled(&loose), &compiled(&again)));
    assert!(!std::sync::Arc::ptr_eq(
        &compiled(&loose),
        &compiled(&anchored)
    ));
}

#[test]
fn a_profile_directory_and_config_tables_add_to_the_built_ins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("every.toml"), EVERY_KIND).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a profile").unwrap();
    let full: toml::Table = toml::from_str(
        "title = \"Inline\"\n[[records]]\nkind = \"txt\"\nname = \"{domain}\"\nvalue = \"x=1\"",
    )
    .unwrap();
    let short: toml::Table = toml::from_str("dmarc = true").unwrap();
    let profiles = Profiles::configured(
        Some(dir.path()),
        [
            ("inline".to_string(), ConfiguredProfile::from_table(full)),
            ("short".to_string(), ConfiguredProfile::from_table(short)),
        ],
    )
    .unwrap();
    assert!(profiles.get("every").is_some());
    assert_eq!(profiles.get("inline").unwrap().title, "Inline");
    assert!(profiles.get("short").unwrap().dmarc());
    assert!(profiles.get("ses").is_some());

    std::fs::write(dir.path().join("z-broken.toml"), "name = \"z\"\ntitle = 3").unwrap();
    let error = Profiles::configured(Some(dir.path()), [])
        .unwrap_err()
        .to_string();
    assert!(error.contains("z-broken.toml"), "{error}");
    std::fs::remove_file(dir.path().join("z-broken.toml")).unwrap();
    std::fs::write(dir.path().join("again.toml"), EVERY_KIND).unwrap();
    let error = Profiles::configured(Some(dir.path()), [])
        .unwrap_err()
        .to_string();
    assert!(error.contains("also defined by"), "{error}");
    let missing = Profiles::configured(Some(Path::new("/nonexistent/profiles")), [])
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("cannot read the profile directory"),
        "{missing}"
    );
    let misnamed: toml::Table = toml::from_str(
        "name = \"other\"\n[[records]]\nkind = \"dmarc\"\nname = \"_dmarc.{domain}\"",
    )
    .unwrap();
    let error = ConfiguredProfile::from_table(misnamed)
        .into_profile("mine")
        .unwrap_err()
        .to_string();
    assert!(error.contains("[profiles.mine]"), "{error}");
}

#[test]
fn no_provider_is_named_in_code() {
    // Providers live in profiles/*.toml only.
    for source in [include_str!("mod.rs"), include_str!("file.rs")] {
        let code: String = source
            .lines()
            .filter(|line| !line.contains("include_str!") && !line.contains("profiles/"))
            .collect();
        for provider in ["mandrill", "amazonses", "sendgrid", "mailgun", "mtasv"] {
            assert!(!code.to_ascii_lowercase().contains(provider), "{provider}");
        }
    }
}

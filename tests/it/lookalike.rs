//! Look-alike mistakes, through the real binary against the fixture server: each a finding
//! with the fix (publish at the right name, remove the misplaced record).

use serde_json::Value;

use crate::support::{check, exit_code, json, record};

fn report(domain: &str) -> (i32, Value) {
    let output = check(&[domain, "--format", "json"]);
    (exit_code(&output), json(&output))
}

/// The fix's actions as (action, type, name) triples.
fn actions(record: &Value) -> Vec<(String, String, String)> {
    record["fix"]["actions"]
        .as_array()
        .unwrap_or_else(|| panic!("no fix: {record:#}"))
        .iter()
        .map(|action| {
            (
                action["action"].as_str().unwrap().to_string(),
                action["type"].as_str().unwrap().to_string(),
                action["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn owned(triples: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    triples
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

#[test]
fn a_doubled_zone_suffix_is_found_and_the_fix_moves_the_record() {
    let (code, report) = report("lookalike-doubled.example");
    assert_eq!(code, 2, "{report:#}");
    let dmarc = record(&report, "dmarc", "_dmarc.lookalike-doubled.example");
    assert_eq!(dmarc["status"], "missing");
    let at = "_dmarc.lookalike-doubled.example.lookalike-doubled.example";
    assert!(dmarc["message"].as_str().unwrap().contains(at), "{dmarc:#}");
    assert!(
        dmarc["message"]
            .as_str()
            .unwrap()
            .contains("appended twice")
    );
    assert_eq!(
        actions(dmarc),
        owned(&[
            ("publish", "TXT", "_dmarc.lookalike-doubled.example"),
            ("remove", "TXT", at),
        ])
    );
}

#[test]
fn records_at_the_wrong_names_are_found() {
    let (code, report) = report("lookalike-names.example");
    assert_eq!(code, 2, "{report:#}");
    // The DKIM CNAME without _domainkey.
    let mte1 = record(&report, "dkim", "mte1._domainkey.lookalike-names.example");
    assert_eq!(mte1["status"], "missing");
    assert!(
        mte1["warnings"]
            .to_string()
            .contains("mte1.lookalike-names.example"),
        "{mte1:#}"
    );
    assert_eq!(
        actions(mte1),
        owned(&[
            (
                "publish",
                "CNAME",
                "mte1._domainkey.lookalike-names.example"
            ),
            ("remove", "CNAME", "mte1.lookalike-names.example"),
        ])
    );
    // A DKIM key (a TXT-key profile: google) at the domain itself.
    let output = check(&[
        "lookalike-names.example",
        "--profile",
        "google",
        "--format",
        "json",
    ]);
    let google = json(&output);
    let key = record(&google, "dkim", "google._domainkey.lookalike-names.example");
    assert_eq!(key["status"], "missing");
    assert!(
        key["message"]
            .as_str()
            .unwrap()
            .contains("the domain itself"),
        "{key:#}"
    );
    assert!(actions(key).contains(&(
        "remove".to_string(),
        "TXT".to_string(),
        "lookalike-names.example".to_string()
    )));
    // DMARC at the domain itself.
    let dmarc = record(&report, "dmarc", "_dmarc.lookalike-names.example");
    assert!(
        dmarc["message"].as_str().unwrap().contains("_dmarc.DOMAIN"),
        "{dmarc:#}"
    );
    let removed: Vec<&str> = dmarc["fix"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|action| action["action"] == "remove")
        .map(|action| action["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        removed,
        ["v=DMARC1; p=reject"],
        "only the DMARC record, not the DKIM key"
    );
    // SPF only at _spf, referenced by nothing.
    let spf = record(&report, "spf", "lookalike-names.example");
    assert!(
        spf["message"]
            .as_str()
            .unwrap()
            .contains("_spf.lookalike-names.example"),
        "{spf:#}"
    );
    assert!(spf["warnings"].to_string().contains("wrong name"));
}

#[test]
fn a_wildcard_that_answers_for_a_record_is_warned_about() {
    let (_, report) = report("lookalike-wildcard.example");
    let dmarc = record(&report, "dmarc", "_dmarc.lookalike-wildcard.example");
    assert_eq!(
        dmarc["status"], "pass",
        "the wildcard does answer receivers: {dmarc:#}"
    );
    assert!(
        dmarc["warnings"].to_string().contains("a wildcard answers"),
        "{dmarc:#}"
    );
    let mte1 = record(
        &report,
        "dkim",
        "mte1._domainkey.lookalike-wildcard.example",
    );
    assert_eq!(mte1["status"], "pass");
    assert!(
        mte1["warnings"].to_string().contains("passes by accident"),
        "{mte1:#}"
    );
    // A record published for itself draws no such warning.
    let (_, good) = crate::lookalike::report("good.example");
    for record in good["records"].as_array().unwrap() {
        assert!(
            !record["warnings"].to_string().contains("wildcard"),
            "{record:#}"
        );
    }
}

#[test]
fn a_misspelled_provider_host_is_named_but_a_sibling_host_is_not() {
    let (code, report) = report("lookalike-typo.example");
    assert_eq!(code, 2);
    let mte1 = record(&report, "dkim", "mte1._domainkey.lookalike-typo.example");
    assert_eq!(mte1["status"], "fail");
    assert!(
        mte1["warnings"]
            .to_string()
            .contains("dkim1.mandrilapp.com looks like a misspelling of dkim1.mandrillapp.com"),
        "{mte1:#}"
    );
    let (_, wildcard) = crate::lookalike::report("lookalike-wildcard.example");
    // mte2 points at dkim1 of the same provider: wrong, but not a typo.
    let mte2 = record(
        &wildcard,
        "dkim",
        "mte2._domainkey.lookalike-wildcard.example",
    );
    assert_eq!(mte2["status"], "fail");
    assert!(
        !mte2["warnings"].to_string().contains("misspelling"),
        "{mte2:#}"
    );
}

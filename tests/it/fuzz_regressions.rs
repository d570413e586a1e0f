//! Every input the fuzzers ever crashed on, kept in `fuzz/regressions/TARGET/`, replayed through
//! the same harness the fuzz targets use.

#[path = "../../fuzz/harness.rs"]
mod harness;

fn replay(target: &str, harness: fn(&[u8])) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("the regressions directory") {
        let path = entry.unwrap().path();
        if path.is_file() && !path.ends_with(".keep") {
            harness(&std::fs::read(&path).unwrap());
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn kept_fuzz_inputs_no_longer_fail() {
    // Every target replays something: a folder holding only .keep would test nothing.
    assert!(replay("checks", harness::checks) >= 1);
    assert!(replay("domain", harness::domain) >= 1);
    assert!(replay("dkim_message", harness::dkim_message) >= 1);
    assert!(replay("smtp_session", harness::smtp_session) >= 1);
}

use proptest::strategy::Strategy as _;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Without cargo-fuzz at hand (it needs nightly), the SMTP session harness also runs over
    /// generated sessions: plausible commands, addresses and data lines mixed with arbitrary
    /// bytes, in any order.
    #[test]
    fn generated_smtp_sessions_keep_the_harness_invariants(
        lines in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec![
                    "EHLO c.example", "HELO c", "STARTTLS", "MAIL FROM:<a@b.example>",
                    "MAIL FROM:<> SIZE=999999", "MAIL FROM:<a@b.example> SIZE=10 BODY=8BITMIME",
                    "RCPT TO:<t-1@tests.example>", "RCPT TO:<t-2@TESTS.example>",
                    "RCPT TO:<x@elsewhere.example>", "RCPT TO:<gone@tests.example>", "DATA", ".",
                    "..", "RSET", "NOOP", "VRFY x", "HELP", "QUIT", "",
                ]).prop_map(|line| line.as_bytes().to_vec()),
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1200),
            ],
            0..60,
        )
    ) {
        harness::smtp_session(&lines.join(&b"\r\n"[..]));
    }
}

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
}

//! Writes a benchmark's results into its own section of BENCHMARKS.md, with the command that
//! reproduces them and the machine they were measured on.

#![allow(dead_code)]

use std::path::Path;

/// The machine, as the table's footnote shows it.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("MemTotal"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or("unknown memory".to_string(), |kb| {
            format!("{} GiB", kb / 1024 / 1024)
        });
    format!("{cores} cores ({cpu}), {memory}, Linux")
}

/// Replaces (or appends) the section between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`.
pub fn write_section(name: &str, body: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let current = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "# Benchmarks\n\nEach section is written by the benchmark it names; rerun the command \
         shown to refresh it. Speed targets live here, never in timed tests.\n"
            .to_string()
    });
    let start = format!("<!-- bench:{name} -->");
    let end = format!("<!-- /bench:{name} -->");
    let section = format!("{start}\n{}\n{end}", body.trim_end());
    let updated = match (current.find(&start), current.find(&end)) {
        (Some(from), Some(to)) if to > from => {
            format!(
                "{}{section}{}",
                &current[..from],
                &current[to + end.len()..]
            )
        }
        _ => format!("{}\n{section}\n", current.trim_end()),
    };
    std::fs::write(&path, updated).expect("BENCHMARKS.md is writable");
    println!("{body}");
    println!("(written to {})", path.display());
}

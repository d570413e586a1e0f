//! What DNSSEC validation costs a check: `sendercheck check --domains-file` (the release binary,
//! authoritative view on, concurrency 64) over the domains of a generated zone signed at bench
//! time under a test root (ECDSA P-256, `dnssec-signzone`), served by BIND on 127.0.0.1, with
//! DNSSEC on (`--trust-anchors` the test root) and off (`--no-dnssec`). Beside wall time: the
//! checker's CPU (user+sys of the process, read from /proc as it exits) and BIND's CPU for the
//! same run, so the ratio holds on a shared 2-core machine; and the queries one check sends with
//! an empty and with a warm chain cache.
//!
//! cargo bench --bench dnssec_cost   (BENCH_DOMAINS=N, default 2000). Needs `apt-get install
//! bind9 bind9-utils`.

#[path = "support/bind.rs"]
mod bind;
#[path = "../tests/support/fixture_dns.rs"]
mod fixture_dns;
#[path = "support/report.rs"]
mod report;
#[path = "support/zones.rs"]
mod zones;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sendercheck::dns::{Resolver, ResolverSettings};

/// Clock ticks per second of /proc/PID/stat's times (Linux's USER_HZ).
const TICKS: f64 = 100.0;

fn sh(script: &str, dir: &Path) {
    let output = Command::new("sh")
        .args(["-ec", script])
        .current_dir(dir)
        .output()
        .expect("sh runs");
    assert!(
        output.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Signs `bench.zone` and a root delegating to it (with DS) and to the unsigned provider zone;
/// the root's key is the anchor (`root.key`).
fn sign(dir: &Path) {
    let keygen =
        "dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -P 20240101000000 -A 20240101000000 -K keys";
    let sign = "dnssec-signzone -q -z -S -K keys -O full -e +2592000";
    sh(
        &format!(
            "mkdir -p keys\n\
             {keygen} bench >bench.keyname\n\
             {sign} -o bench -f bench.signed bench.zone >/dev/null\n\
             cat >root.unsigned <<EOF\n\
             \\$TTL 300\n\
             . IN SOA ns1.bench. hostmaster.bench. ( 1 3600 600 86400 300 )\n\
             . IN NS ns1.bench.\n\
             bench. IN NS ns1.bench.\n\
             ns1.bench. IN A 127.0.0.1\n\
             mandrillapp.com. IN NS ns1.mandrillapp.com.\n\
             ns1.mandrillapp.com. IN A 127.0.0.1\n\
             EOF\n\
             dnssec-dsfromkey -2 keys/$(cat bench.keyname).key >>root.unsigned\n\
             {keygen} . >root.keyname\n\
             {sign} -o . -f root.signed root.unsigned >/dev/null\n\
             grep -E 'DNSKEY[[:space:]]+257' keys/$(cat root.keyname).key >root.key\n"
        ),
        dir,
    );
}

/// BIND serving the signed tree on 127.0.0.1:`port`.
fn start_bind(dir: &Path, port: u16) -> Child {
    let dir_text = dir.display();
    let config = format!(
        "options {{ directory \"{dir_text}\"; listen-on port {port} {{ 127.0.0.1; }}; \
         listen-on-v6 {{ none; }}; recursion no; pid-file \"{dir_text}/named.pid\"; \
         session-keyfile \"{dir_text}/session.key\"; dnssec-validation no; }};\n\
         controls {{ }};\n\
         zone \".\" {{ type primary; file \"{dir_text}/root.signed\"; }};\n\
         zone \"bench\" {{ type primary; file \"{dir_text}/bench.signed\"; }};\n\
         zone \"mandrillapp.com\" {{ type primary; file \"{dir_text}/mandrillapp.com.zone\"; }};\n"
    );
    std::fs::write(dir.join("named.conf"), config).expect("named.conf");
    Command::new("named")
        .args(["-g", "-n", "2", "-u", "root", "-c"])
        .arg(dir.join("named.conf"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("named.log")).expect("a log file"))
        .spawn()
        .expect("named starts")
}

/// user+sys seconds of a process so far, from /proc/PID/stat; and whether it has exited.
fn cpu_of(pid: u32) -> Option<(f64, bool)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let state = fields.first()?;
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some(((user + system) / TICKS, *state == "Z"))
}

struct Run {
    rate: f64,
    all_ready: bool,
    checker_cpu: f64,
    bind_cpu: f64,
}

/// One bulk run: domains per second, whether all were ready, the checker's and BIND's CPU.
fn bulk(
    binary: &Path,
    file: &Path,
    dir: &Path,
    server: SocketAddr,
    bind: u32,
    dnssec: bool,
) -> Run {
    let out = dir.join("out.jsonl");
    let mut command = Command::new(binary);
    command
        .args([
            "check",
            "--format",
            "json",
            "--timeout",
            "2s",
            "--concurrency",
            "64",
        ])
        .arg("--nameserver")
        .arg(server.to_string())
        .args(["--authoritative-port", &server.port().to_string()])
        .arg("--domains-file")
        .arg(file)
        .stdout(std::fs::File::create(&out).expect("an output file"))
        .stderr(Stdio::null());
    if dnssec {
        command.arg("--trust-anchors").arg(dir.join("root.key"));
    } else {
        command.arg("--no-dnssec");
    }
    let bind_before = cpu_of(bind).map_or(0.0, |(cpu, _)| cpu);
    let started = Instant::now();
    let mut child = command.spawn().expect("the bulk check runs");
    let pid = child.id();
    // Read the child's CPU while it is a zombie: once reaped, /proc forgets it.
    let mut checker_cpu = 0.0;
    while let Some((cpu, exited)) = cpu_of(pid) {
        checker_cpu = cpu;
        if exited {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = child.wait().expect("the check ends");
    let elapsed = started.elapsed();
    let bind_cpu = cpu_of(bind).map_or(0.0, |(cpu, _)| cpu) - bind_before;
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let ready = text
        .lines()
        .filter(|line| line.contains("\"ready\":true"))
        .count();
    let checked = std::fs::read_to_string(file).map_or(0, |text| text.lines().count());
    Run {
        rate: checked as f64 / elapsed.as_secs_f64(),
        all_ready: ready == checked && status.code() == Some(0),
        checker_cpu,
        bind_cpu,
    }
}

/// The median run (by rate) of three.
fn median(runs: &mut [Run]) -> &Run {
    runs.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    &runs[runs.len() / 2]
}

/// Queries one check sends (every server, chain lookups included), with the chain cache empty
/// and then warm (another domain of the same zone).
async fn queries_per_check(dir: &Path, server: SocketAddr, dnssec: bool) -> (u64, u64) {
    let resolver = Resolver::new(&ResolverSettings {
        nameservers: vec![server],
        timeout: Duration::from_secs(2),
        attempts: 2,
        authoritative_port: Some(server.port()),
        dnssec,
        trust_anchors: dnssec.then(|| dir.join("root.key")),
        ..ResolverSettings::default()
    })
    .expect("a resolver");
    let sent = |resolver: &Resolver| -> u64 {
        resolver
            .server_stats()
            .iter()
            .map(|server| server.sent)
            .sum()
    };
    let profile = sendercheck::profile::Profiles::built_in("mandrill").expect("mandrill");
    let mut counts = Vec::new();
    for n in [1, 2] {
        let before = sent(&resolver);
        let domain = sendercheck::domain::DomainName::parse(&zones::domain(n)).expect("a domain");
        let plan = sendercheck::checks::Plan::new(&domain, &profile, None);
        let report = sendercheck::probe::check(&resolver, &plan).await.report;
        assert!(report.ready, "the generated domain is ready");
        if dnssec {
            assert_eq!(
                report.dnssec().map(|status| status.state),
                Some(sendercheck::checks::DnssecState::Secure),
                "the signed domain validates"
            );
        }
        counts.push(sent(&resolver) - before);
    }
    (counts[0], counts[1])
}

#[tokio::main]
async fn main() {
    assert!(
        bind::installed("named") && bind::installed("dnssec-signzone"),
        "apt-get install bind9 bind9-utils"
    );
    let domains: usize = std::env::var("BENCH_DOMAINS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    zones::write(dir.path(), domains);
    let signing = Instant::now();
    sign(dir.path());
    let signing = signing.elapsed();
    let port = bind::free_port();
    let mut named = start_bind(dir.path(), port);
    let server = SocketAddr::from(([127, 0, 0, 1], port));
    bind::wait_for(server).await;
    let file = dir.path().join("domains.txt");
    let list: String = (0..domains)
        .map(|n| format!("{}\n", zones::domain(n)))
        .collect();
    std::fs::write(&file, list).expect("the domains file");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_sendercheck"));
    let bind_pid = named.id();
    // Warm BIND and the kernel; not counted.
    bulk(&binary, &file, dir.path(), server, bind_pid, true);

    let mut off: Vec<Run> = (0..3)
        .map(|_| bulk(&binary, &file, dir.path(), server, bind_pid, false))
        .collect();
    let mut on: Vec<Run> = (0..3)
        .map(|_| bulk(&binary, &file, dir.path(), server, bind_pid, true))
        .collect();
    let off = median(&mut off);
    let on = median(&mut on);
    let (cold_off, warm_off) = queries_per_check(dir.path(), server, false).await;
    let (cold_on, warm_on) = queries_per_check(dir.path(), server, true).await;
    let _ = named.kill();
    let _ = named.wait();

    let per_domain = |cpu: f64| cpu * 1e6 / domains as f64;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "## DNSSEC validation per check\n\n`cargo bench --bench dnssec_cost` — `sendercheck \
         check --domains-file` (the release binary, authoritative view on, concurrency 64) over \
         {domains} mandrill-shaped domains of a zone signed at bench time (ECDSA P-256, \
         signed in {:.1} s) under a test root, the provider's zone unsigned, all served by BIND \
         9 (`named -n 2`) on 127.0.0.1. Median of 3 runs each; CPU is user+sys of the whole \
         process (the checker from /proc as it exits, BIND's over the same run).\n",
        signing.as_secs_f64()
    );
    let _ = writeln!(
        body,
        "| DNSSEC | domains/s | checker CPU per domain | BIND CPU per domain | checker / BIND CPU | all ready (and `secure`) |\n|---|---:|---:|---:|---:|---|"
    );
    for (name, run) in [("off (`--no-dnssec`)", off), ("on (validated)", on)] {
        let _ = writeln!(
            body,
            "| {name} | {:.0} | {:.0} µs | {:.0} µs | {:.2} | {} |",
            run.rate,
            per_domain(run.checker_cpu),
            per_domain(run.bind_cpu),
            run.checker_cpu / run.bind_cpu.max(1e-9),
            if run.all_ready { "yes" } else { "NO" }
        );
    }
    let _ = writeln!(
        body,
        "\nValidation costs {:.0} µs of checker CPU a domain ({:.2}× off), and {:.2}× the \
         wall time. Queries one check sends (every server, chain lookups included): DNSSEC off \
         {cold_off} ({warm_off} for a second domain); on {cold_on} with an empty chain cache \
         (the root's and the zone's DNSKEY, the zone's DS, the NS walk proving the provider's \
         zone unsigned) and {warm_on} once the chain is cached (DNSKEY, DS and NS answers kept \
         for their TTL): with a warm cache validation adds no query, only signature checks \
         (ECDSA P-256 verifications of each answer and its denial proofs).\n",
        per_domain(on.checker_cpu - off.checker_cpu),
        on.checker_cpu / off.checker_cpu.max(1e-9),
        off.rate / on.rate.max(1e-9),
    );
    let _ = writeln!(body, "Machine: {}.", report::machine());
    report::write_section("dnssec_cost", &body);
}

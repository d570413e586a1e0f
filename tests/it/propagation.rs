//! Propagation seen from every view, with real parts: three in-process authoritative servers on
//! 127.0.0.2, 127.0.0.3 and 127.0.0.4 (one port) serving a parent zone `example` that delegates
//! `shop.example` to them (NS and glue), and Debian's `unbound` as the caching resolver with
//! stub zones pointing at them. Each scenario drives the real binary (`sendercheck check`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hickory_server::proto::rr::Name;
use hickory_server::proto::rr::RData;
use hickory_server::proto::rr::rdata::{CNAME, TXT};
use serde_json::Value;

use crate::fixture_dns::{Fault, FixtureDns};
use crate::support::{exit_code, json, record, run, stdout};

/// The negative TTL of `shop.example` (its SOA's TTL and minimum): short, so a cached NXDOMAIN
/// runs out within the test.
const NEGATIVE_TTL: u32 = 8;

/// The three servers of `shop.example`, one port.
struct Servers {
    servers: Vec<FixtureDns>,
    port: u16,
    _dir: tempfile::TempDir,
}

fn write_zones(dir: &Path) {
    let glue = |zone: &mut String, owner: &str| {
        for n in 2..=4 {
            zone.push_str(&format!("{owner} IN NS ns{n}.shop.example.\n"));
        }
    };
    let mut parent = String::from(
        "$ORIGIN example.\n$TTL 300\n\
         @ IN SOA ns2.shop.example. hostmaster.example. ( 1 3600 600 86400 300 )\n",
    );
    glue(&mut parent, "@");
    glue(&mut parent, "shop");
    for n in 2..=4 {
        parent.push_str(&format!("ns{n}.shop IN A 127.0.0.{n}\n"));
    }
    std::fs::write(dir.join("example.zone"), parent).unwrap();
    let mut child = format!(
        "$ORIGIN shop.example.\n$TTL 300\n\
         @ {NEGATIVE_TTL} IN SOA ns2.shop.example. hostmaster.shop.example. ( 1 3600 600 86400 {NEGATIVE_TTL} )\n"
    );
    glue(&mut child, "@");
    for n in 2..=4 {
        child.push_str(&format!("ns{n} IN A 127.0.0.{n}\n"));
    }
    child.push_str(
        "@ IN TXT \"v=spf1 include:spf.mandrillapp.com -all\"\n\
         mte1._domainkey IN CNAME dkim1.mandrillapp.com.\n",
    );
    std::fs::write(dir.join("shop.example.zone"), child).unwrap();
    std::fs::copy(
        crate::fixture_dns::zone_dir().join("mandrillapp.com.zone"),
        dir.join("mandrillapp.com.zone"),
    )
    .unwrap();
}

impl Servers {
    fn start() -> Servers {
        let dir = tempfile::tempdir().unwrap();
        write_zones(dir.path());
        // One port on all three addresses: take a free one on the first, retry if the others
        // have it taken.
        for _ in 0..20 {
            let first = FixtureDns::start(dir.path(), SocketAddr::from(([127, 0, 0, 2], 0)))
                .expect("a server on 127.0.0.2");
            let port = first.addr.port();
            let others: Result<Vec<FixtureDns>, _> = [3u8, 4]
                .iter()
                .map(|n| FixtureDns::start(dir.path(), SocketAddr::from(([127, 0, 0, *n], port))))
                .collect();
            if let Ok(mut others) = others {
                let mut servers = vec![first];
                servers.append(&mut others);
                return Servers {
                    servers,
                    port,
                    _dir: dir,
                };
            }
        }
        panic!("no port free on 127.0.0.2, 127.0.0.3 and 127.0.0.4");
    }

    fn addresses(&self) -> Vec<SocketAddr> {
        self.servers.iter().map(|server| server.addr).collect()
    }
}

/// `unbound` on 127.0.0.1, a free port, resolving the test zones through stub zones.
struct Unbound {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `unbound` can run here; without it the test says so and stops, except in CI
/// (`.ci/run` installs it), where its absence fails the test.
fn unbound_installed() -> bool {
    crate::support::installed("unbound", "unbound")
}

impl Unbound {
    /// Starts unbound on a free port, waiting until it answers; a start that fails (the port
    /// taken meanwhile, a slow machine) is tried again on another port, and the last failure
    /// names what unbound logged.
    fn start(servers: &[SocketAddr]) -> Unbound {
        let mut last_log = String::new();
        for _ in 0..3 {
            match Unbound::try_start(servers) {
                Ok(unbound) => return unbound,
                Err(log) => last_log = log,
            }
        }
        panic!("unbound never answered; its log:\n{last_log}");
    }

    fn try_start(servers: &[SocketAddr]) -> Result<Unbound, String> {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let stubs: String = ["example", "shop.example", "mandrillapp.com"]
            .iter()
            .map(|zone| {
                let addrs: String = servers
                    .iter()
                    .map(|addr| format!("  stub-addr: {}@{}\n", addr.ip(), addr.port()))
                    .collect();
                format!("stub-zone:\n  name: \"{zone}.\"\n{addrs}")
            })
            .collect();
        let config = format!(
            "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-daemonize: no\n  \
             username: \"\"\n  chroot: \"\"\n  directory: \"{dir}\"\n  pidfile: \"\"\n  \
             use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n  do-ip6: no\n  \
             do-not-query-localhost: no\n  access-control: 127.0.0.0/8 allow\n  \
             module-config: \"iterator\"\n  qname-minimisation: no\n  \
             harden-referral-path: no\n  prefetch: no\n  serve-expired: no\n  \
             cache-min-ttl: 0\n  infra-host-ttl: 1\n  num-threads: 1\n{stubs}",
            dir = dir.path().display()
        );
        let path = dir.path().join("unbound.conf");
        std::fs::write(&path, config).unwrap();
        let log_path = dir.path().join("unbound.log");
        let binary = if Path::new("/usr/sbin/unbound").exists() {
            "/usr/sbin/unbound"
        } else {
            "unbound"
        };
        let child = Command::new(binary)
            .arg("-c")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .expect("unbound starts");
        let mut unbound = Unbound {
            child,
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            _dir: dir,
        };
        let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
        // Ready when it resolves the test zone through its stubs.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = unbound.child.try_wait() {
                return Err(format!("exited with {status}\n{}", log()));
            }
            let probe = unbound.check(&["shop.example", "--no-authoritative"], 1);
            let answered = stdout(&probe).starts_with('{')
                && json(&probe)["records"]
                    .as_array()
                    .is_some_and(|records| records.iter().any(|r| r["status"] != "error"));
            if answered {
                return Ok(unbound);
            }
            if Instant::now() >= deadline {
                return Err(log());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `sendercheck check … --format json` through this resolver.
    fn check(&self, args: &[&str], authoritative_port: u16) -> std::process::Output {
        let nameserver = self.addr.to_string();
        let port = authoritative_port.to_string();
        let mut full = vec![
            "check",
            "--nameserver",
            &nameserver,
            "--format",
            "json",
            "--timeout",
            "500ms",
        ];
        if !args.contains(&"--no-authoritative") {
            full.extend(["--authoritative-port", &port]);
        }
        full.extend_from_slice(args);
        run(&full, None)
    }
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .parse()
        .unwrap()
}

fn serials(record: &Value) -> Vec<(String, Value)> {
    record["propagation"]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|server| {
            (
                server["address"].as_str().unwrap().to_string(),
                server["serial"].clone(),
            )
        })
        .collect()
}

fn txt(value: &str) -> RData {
    RData::TXT(TXT::new(vec![value.to_string()]))
}

#[tokio::test]
async fn propagation_tells_unpublished_cached_and_inconsistent_records_apart() {
    if !unbound_installed() {
        return;
    }
    let servers = Servers::start();
    let unbound = Unbound::start(&servers.addresses());
    let port = servers.port;

    // 1. Published records and a missing one. mte2 and _dmarc do not exist (NXDOMAIN, cached
    //    by unbound for the zone's negative TTL).
    let output = unbound.check(&["shop.example"], port);
    let report = json(&output);
    assert_eq!(exit_code(&output), 2, "{report:#}");
    let spf = record(&report, "spf", "shop.example");
    assert_eq!(spf["status"], "pass");
    assert_eq!(spf["propagation"]["state"], "published", "{spf:#}");
    let listed: Vec<&str> = spf["propagation"]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|server| server["address"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["127.0.0.2", "127.0.0.3", "127.0.0.4"]);
    assert!(serials(spf).iter().all(|(_, serial)| *serial == 1));
    assert_eq!(spf["propagation"]["resolver"]["status"], "pass");
    assert!(spf["propagation"]["resolver"]["ttl"].as_u64().unwrap() <= 300);
    assert!(spf["propagation"]["expected_at"].is_null());
    let mte2 = record(&report, "dkim", "mte2._domainkey.shop.example");
    assert_eq!(mte2["status"], "missing");
    assert_eq!(mte2["propagation"]["state"], "not_published", "{mte2:#}");
    assert!(report["valid_after"].is_null(), "{report:#}");

    // 2. The fix is published on every server while unbound still holds the NXDOMAIN:
    //    propagating, expected when the negative TTL runs out.
    let target = Name::from_ascii("dkim2.mandrillapp.com.").unwrap();
    for server in &servers.servers {
        server
            .add_record(
                "mte2._domainkey.shop.example",
                300,
                RData::CNAME(CNAME(target.clone())),
            )
            .await;
    }
    let before = Utc::now();
    let output = unbound.check(&["shop.example"], port);
    let report = json(&output);
    let mte2 = record(&report, "dkim", "mte2._domainkey.shop.example");
    assert_eq!(
        mte2["status"], "missing",
        "the resolver still caches: {mte2:#}"
    );
    assert_eq!(mte2["propagation"]["state"], "propagating", "{mte2:#}");
    assert!(
        mte2["propagation"]["servers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|server| server["status"] == "pass"),
        "{mte2:#}"
    );
    let ttl = mte2["propagation"]["resolver"]["ttl"].as_u64().unwrap();
    assert!(ttl <= u64::from(NEGATIVE_TTL), "the negative TTL: {ttl}");
    let expected_at = time(&mte2["propagation"]["expected_at"]);
    assert!(
        expected_at >= before - chrono::Duration::seconds(1)
            && expected_at <= Utc::now() + chrono::Duration::seconds(i64::from(NEGATIVE_TTL) + 1),
        "{expected_at} for a {ttl} s negative TTL"
    );
    assert!(mte2["warnings"].to_string().contains("older answer"));
    // Nothing to publish: the fix says the record is on the servers and when receivers see it.
    assert_eq!(mte2["fix"]["actions"], Value::Array(Vec::new()), "{mte2:#}");
    let explanation = mte2["fix"]["explanation"].as_str().unwrap_or_default();
    assert!(
        explanation
            .starts_with("Nothing to change: the record is already on all of the zone's servers")
            && explanation.contains(mte2["propagation"]["expected_at"].as_str().unwrap()),
        "{mte2:#}"
    );
    // The record still missing everywhere keeps its publish action.
    let dmarc = record(&report, "dmarc", "_dmarc.shop.example");
    assert_eq!(dmarc["fix"]["actions"][0]["action"], "publish", "{dmarc:#}");
    assert!(dmarc["fix"].get("explanation").is_none(), "{dmarc:#}");
    // DMARC is still missing everywhere: nothing to wait for.
    assert!(report["valid_after"].is_null());

    // 3. Once the cached NXDOMAIN runs out, the record is published.
    let wait = (expected_at - Utc::now()).num_milliseconds().max(0) as u64 + 1500;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let report = json(&unbound.check(&["shop.example"], port));
    let mte2 = record(&report, "dkim", "mte2._domainkey.shop.example");
    assert_eq!(mte2["status"], "pass", "{mte2:#}");
    assert_eq!(mte2["propagation"]["state"], "published");

    // 4. A change on the primary only: the servers disagree, and say so with their serials.
    servers.servers[0]
        .add_record("_dmarc.shop.example", 300, txt("v=DMARC1; p=none"))
        .await;
    servers.servers[0].set_serial("shop.example", 2).await;
    let report = json(&unbound.check(&["shop.example"], port));
    let dmarc = record(&report, "dmarc", "_dmarc.shop.example");
    assert_eq!(dmarc["propagation"]["state"], "inconsistent", "{dmarc:#}");
    assert_eq!(
        serials(dmarc),
        [
            ("127.0.0.2".to_string(), Value::from(2)),
            ("127.0.0.3".to_string(), Value::from(1)),
            ("127.0.0.4".to_string(), Value::from(1)),
        ]
    );
    let warning = dmarc["warnings"].to_string();
    assert!(
        warning.contains("disagree") && warning.contains("serial 2"),
        "{warning}"
    );
    assert!(report["valid_after"].is_null());

    // 5. The secondaries catch up: once the resolver's cached answer runs out, published, and
    //    the domain has a valid_after.
    for server in &servers.servers[1..] {
        server
            .add_record("_dmarc.shop.example", 300, txt("v=DMARC1; p=none"))
            .await;
        server.set_serial("shop.example", 2).await;
    }
    tokio::time::sleep(Duration::from_secs(u64::from(NEGATIVE_TTL) + 1)).await;
    let checked = Utc::now();
    let output = unbound.check(&["shop.example"], port);
    let report = json(&output);
    // Ready (p=none passes with a warning: exit 1).
    assert_eq!(exit_code(&output), 1, "{report:#}");
    assert_eq!(report["ready"], true);
    let dmarc = record(&report, "dmarc", "_dmarc.shop.example");
    assert_eq!(dmarc["propagation"]["state"], "published", "{dmarc:#}");
    assert!(serials(dmarc).iter().all(|(_, serial)| *serial == 2));
    let valid_after = time(&report["valid_after"]);
    assert!(valid_after >= checked - chrono::Duration::seconds(1));

    // 6. A server that does not answer: its entries are `error`, the others still count.
    servers.servers[2].set_fault("shop.example", Some(Fault::Timeout));
    let output = unbound.check(&["shop.example"], port);
    let report = json(&output);
    let spf = record(&report, "spf", "shop.example");
    assert_eq!(spf["propagation"]["state"], "published", "{spf:#}");
    let statuses: Vec<&str> = spf["propagation"]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|server| server["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass", "pass", "error"]);
    assert!(spf["propagation"]["servers"][2]["serial"].is_null());

    // 7. --no-authoritative asks the resolver only.
    let report = json(&unbound.check(&["shop.example", "--no-authoritative"], port));
    let spf = record(&report, "spf", "shop.example");
    assert!(spf.get("propagation").is_none(), "{spf:#}");
    assert!(report["valid_after"].is_string(), "ready: {report:#}");
}

#[tokio::test]
async fn the_text_output_shows_the_propagation_column() {
    if !unbound_installed() {
        return;
    }
    let servers = Servers::start();
    let unbound = Unbound::start(&servers.addresses());
    let nameserver = unbound.addr.to_string();
    let port = servers.port.to_string();
    let output = run(
        &[
            "check",
            "shop.example",
            "--nameserver",
            &nameserver,
            "--authoritative-port",
            &port,
        ],
        None,
    );
    let text = stdout(&output);
    assert!(text.contains("PROPAGATION"), "{text}");
    assert!(text.contains("published 3/3 servers"), "{text}");
    assert!(
        text.contains("not_published 0/3 servers, resolver: cached "),
        "{text}"
    );
}

#[tokio::test]
async fn the_daemon_stores_propagation_and_checks_again_when_caches_run_out() {
    if !unbound_installed() {
        return;
    }
    let servers = Servers::start();
    let unbound = Unbound::start(&servers.addresses());
    let app = crate::support::spawn_app(crate::support::AppOptions {
        nameserver: Some(unbound.addr),
        authoritative_port: Some(servers.port),
        dns_timeout: Some(Duration::from_millis(500)),
        ..Default::default()
    })
    .await;
    let (status, _) = app.register("shop.example", None).await;
    assert_eq!(status, 201);
    let body = app.until_checked("shop.example").await;
    assert_eq!(body["status"], "pending");
    let mte2 = record(&body, "dkim", "mte2._domainkey.shop.example");
    assert_eq!(mte2["propagation"]["state"], "not_published", "{mte2:#}");
    assert!(body["valid_after"].is_null());

    // Everything published on the servers; unbound still caches the NXDOMAINs.
    let target = Name::from_ascii("dkim2.mandrillapp.com.").unwrap();
    for server in &servers.servers {
        server
            .add_record(
                "mte2._domainkey.shop.example",
                300,
                RData::CNAME(CNAME(target.clone())),
            )
            .await;
        server
            .add_record("_dmarc.shop.example", 300, txt("v=DMARC1; p=reject"))
            .await;
    }
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/v1/domains/shop.example/check",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    let mte2 = record(&body, "dkim", "mte2._domainkey.shop.example");
    assert_eq!(mte2["propagation"]["state"], "propagating", "{mte2:#}");
    let valid_after = time(&body["valid_after"]);
    // The scheduler comes back just after the caches run out, not after its interval.
    assert_eq!(
        time(&body["next_check_at"]) - valid_after,
        chrono::Duration::seconds(5),
        "{body:#}"
    );
    // And GET shows the same stored state.
    let (_, stored) = app.get("/v1/domains/shop.example").await;
    assert_eq!(stored["records"], body["records"]);
    assert_eq!(stored["valid_after"], body["valid_after"]);
    app.stop().await;
}

//! The authoritative view against servers that misbehave, with real sockets on 127.0.0.0/8:
//! one where nothing listens (the port answers ICMP port-unreachable), one that reads queries
//! and never answers, one that does not serve the zone (lame: REFUSED), and a `_domainkey`
//! delegated to servers of its own. The resolver is an in-process server holding every zone;
//! the zones' NS records name the other addresses, on the same port.
//!
//! Times are asserted as bounds the design guarantees ("no wait beyond the budget"), never as
//! races: each bound is far from what the old behaviour took (query timeout × attempts per
//! round).

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::time::Duration;

use sendercheck::checks::{DomainReport, Plan, RecordStatus};
use sendercheck::dns::{Resolver, ResolverSettings, Zones};
use sendercheck::domain::DomainName;
use sendercheck::probe;
use sendercheck::profile::Profiles;

use crate::fixture_dns::{Fault, FixtureDns};

/// The address where nothing listens.
const CLOSED: [u8; 4] = [127, 0, 0, 21];
/// The address of the server that reads and never answers.
const SILENT: [u8; 4] = [127, 0, 0, 22];
/// The server that serves only `shop-parent.example`'s zone (and so is lame for the others).
const PARENT: [u8; 4] = [127, 0, 0, 25];
/// The server of the delegated `_domainkey.delegated.example`.
const CHILD: [u8; 4] = [127, 0, 0, 24];

/// Mandrill's records for `domain`, in zone-file lines relative to it.
fn mandrill_records() -> &'static str {
    "@ IN TXT \"v=spf1 include:spf.mandrillapp.com -all\"\n\
     @ IN TXT \"mandrill_verify.KEY\"\n\
     _dmarc IN TXT \"v=DMARC1; p=none;\"\n"
}

fn zone(apex: &str, ns: &[(&str, [u8; 4])], body: &str) -> String {
    let mut text = format!(
        "$ORIGIN {apex}.\n$TTL 300\n@ IN SOA {first}. hostmaster.{apex}. ( 1 3600 600 86400 60 )\n",
        first = ns[0].0
    );
    for (name, address) in ns {
        text.push_str(&format!("@ IN NS {name}.\n"));
        if name.ends_with(apex) {
            let [a, b, c, d] = address;
            text.push_str(&format!("{name}. IN A {a}.{b}.{c}.{d}\n"));
        }
    }
    text.push_str(body);
    text
}

fn dkim_cnames() -> &'static str {
    "mte1._domainkey IN CNAME dkim1.mandrillapp.com.\n\
     mte2._domainkey IN CNAME dkim2.mandrillapp.com.\n"
}

/// Writes the resolver's zones into `all`, the parent server's into `parent` and the child's
/// into `child`.
fn write_zones(all: &Path, parent: &Path, child: &Path) {
    std::fs::copy(
        crate::fixture_dns::zone_dir().join("mandrillapp.com.zone"),
        all.join("mandrillapp.com.zone"),
    )
    .unwrap();
    let write = |dir: &Path, apex: &str, text: String| {
        std::fs::write(dir.join(format!("{apex}.zone")), text).unwrap();
    };
    write(
        all,
        "example",
        zone("example", &[("ns.example", [127, 0, 0, 1])], ""),
    );
    let dead_body = format!("{}{}", mandrill_records(), dkim_cnames());
    write(
        all,
        "dead.example",
        zone(
            "dead.example",
            &[("ns1.dead.example", CLOSED), ("ns2.dead.example", SILENT)],
            &dead_body,
        ),
    );
    write(
        all,
        "closed.example",
        zone(
            "closed.example",
            &[("ns1.closed.example", CLOSED)],
            &dead_body,
        ),
    );
    // lame.example: ns1 is the resolver itself (it serves the zone), ns2 the parent server,
    // which does not.
    write(
        all,
        "lame.example",
        zone(
            "lame.example",
            &[
                ("ns1.lame.example", [127, 0, 0, 1]),
                ("ns2.lame.example", PARENT),
            ],
            &dead_body,
        ),
    );
    write(
        all,
        "mixed.example",
        zone(
            "mixed.example",
            &[
                ("ns1.mixed.example", [127, 0, 0, 1]),
                ("ns2.mixed.example", SILENT),
                ("ns3.mixed.example", CLOSED),
            ],
            &dead_body,
        ),
    );
    // aliased.example: its _dmarc and a selector are CNAMEs into another zone.
    write(
        all,
        "aliased.example",
        zone(
            "aliased.example",
            &[("ns1.aliased.example", [127, 0, 0, 1])],
            "_dmarc IN CNAME dmarc.mandrillapp.com.\n\
             mte1._domainkey IN CNAME dkim1.mandrillapp.com.\n",
        ),
    );
    // delegated.example on the parent server; its _domainkey on the child server.
    let parent_zone = zone(
        "delegated.example",
        &[("ns1.delegated.example", PARENT)],
        &format!(
            "{}_domainkey IN NS ns1._domainkey.delegated.example.\n\
             ns1._domainkey IN A 127.0.0.24\n",
            mandrill_records()
        ),
    );
    let child_zone = zone(
        "_domainkey.delegated.example",
        &[("ns1._domainkey.delegated.example", CHILD)],
        "mte1 IN CNAME dkim1.mandrillapp.com.\nmte2 IN CNAME dkim2.mandrillapp.com.\n",
    );
    write(all, "delegated.example", parent_zone.clone());
    write(parent, "delegated.example", parent_zone);
    write(all, "_domainkey.delegated.example", child_zone.clone());
    write(child, "_domainkey.delegated.example", child_zone);
}

/// The resolver, the parent and child servers, the silent socket, on one port.
struct Servers {
    resolver: FixtureDns,
    _parent: FixtureDns,
    _child: FixtureDns,
    _silent: UdpSocket,
    _dirs: [tempfile::TempDir; 3],
}

impl Servers {
    fn start() -> Servers {
        let dirs = [(); 3].map(|_| tempfile::tempdir().unwrap());
        write_zones(dirs[0].path(), dirs[1].path(), dirs[2].path());
        for _ in 0..20 {
            let resolver =
                FixtureDns::start(dirs[0].path(), SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
            let port = resolver.addr.port();
            let parent = FixtureDns::start(dirs[1].path(), SocketAddr::from((PARENT, port)));
            let child = FixtureDns::start(dirs[2].path(), SocketAddr::from((CHILD, port)));
            let silent = UdpSocket::bind(SocketAddr::from((SILENT, port)));
            let closed_free = UdpSocket::bind(SocketAddr::from((CLOSED, port))).is_ok();
            if let (Ok(parent), Ok(child), Ok(silent), true) = (parent, child, silent, closed_free)
            {
                // Reads every query and answers none.
                let reader = silent.try_clone().unwrap();
                std::thread::spawn(move || {
                    let mut buffer = [0u8; 4096];
                    while reader.recv_from(&mut buffer).is_ok() {}
                });
                return Servers {
                    resolver,
                    _parent: parent,
                    _child: child,
                    _silent: silent,
                    _dirs: dirs,
                };
            }
        }
        panic!("no port free on 127.0.0.1, .21, .22, .24 and .25");
    }

    fn resolver(&self, authoritative: bool, budget: Duration) -> Resolver {
        Resolver::new(&ResolverSettings {
            nameservers: vec![self.resolver.addr],
            timeout: Duration::from_secs(2),
            attempts: 2,
            authoritative_port: authoritative.then_some(self.resolver.addr.port()),
            authoritative_budget: budget,
            ..ResolverSettings::default()
        })
        .unwrap()
    }
}

async fn check(resolver: &Resolver, domain: &str) -> probe::Probe {
    let domain = DomainName::parse(domain).unwrap();
    let profile = Profiles::built_in("mandrill").unwrap();
    let plan = Plan::new(&domain, &profile, Some("KEY"));
    probe::check_within(resolver, &plan, Some(Duration::from_secs(30))).await
}

fn statuses(report: &DomainReport) -> Vec<(String, RecordStatus)> {
    report
        .records
        .iter()
        .map(|record| (record.name.clone(), record.status))
        .collect()
}

#[tokio::test]
async fn dead_servers_cost_at_most_the_budget_once_and_never_change_the_verdict() {
    let servers = Servers::start();
    let budget = Duration::from_millis(400);
    let resolver = servers.resolver(true, budget);
    let alone = check(&servers.resolver(false, budget), "dead.example").await;
    assert!(alone.report.ready, "{:#?}", alone.report);

    // First check: one server refuses (ICMP), the other is silent. Without the budget each
    // round would wait 2 s × 2 attempts for the silent one.
    let first = check(&resolver, "dead.example").await;
    assert!(
        first.authoritative_wait <= budget + Duration::from_millis(600),
        "the view waited {:?} beyond the resolver, with a budget of {budget:?}",
        first.authoritative_wait
    );
    assert_eq!(statuses(&first.report), statuses(&alone.report));
    assert!(first.report.ready);
    let warnings = |report: &DomainReport| -> Vec<Vec<String>> {
        report
            .records
            .iter()
            .map(|r| r.warnings.iter().map(|w| w.en()).collect())
            .collect()
    };
    assert_eq!(warnings(&first.report), warnings(&alone.report));
    // Nobody answered: the state is unknown, so no propagation object, and no warning.
    assert!(
        first.report.records.iter().all(|r| r.propagation.is_none()),
        "{:#?}",
        first.report
    );
    assert_eq!(resolver.held_back_servers(), 2, "both are held back now");

    // Second check: neither is asked at all.
    let second = check(&resolver, "dead.example").await;
    assert_eq!(statuses(&second.report), statuses(&alone.report));
    assert!(
        second.authoritative_wait < budget,
        "held-back servers are not waited for: {:?}",
        second.authoritative_wait
    );
}

#[tokio::test]
async fn a_closed_port_ends_the_wait_at_once() {
    let servers = Servers::start();
    // A long budget: only the ICMP port-unreachable can end the wait early.
    let budget = Duration::from_secs(10);
    let resolver = servers.resolver(true, budget);
    let probe = check(&resolver, "closed.example").await;
    assert!(probe.report.ready, "{:#?}", probe.report);
    assert!(
        probe.authoritative_wait < Duration::from_secs(2),
        "a refused port waited {:?} (query timeout 2 s)",
        probe.authoritative_wait
    );
}

#[tokio::test]
async fn each_server_says_why_it_gave_no_verdict() {
    let servers = Servers::start();
    let budget = Duration::from_millis(400);
    let resolver = servers.resolver(true, budget);
    // lame.example: ns1 answers, ns2 does not serve the zone.
    let probe = check(&resolver, "lame.example").await;
    assert!(
        probe.report.ready,
        "the verdict is unchanged: {:#?}",
        probe.report
    );
    let spf = &probe.report.records[0];
    let propagation = spf.propagation.as_ref().expect("ns1 answered");
    let lame = propagation
        .servers
        .iter()
        .find(|server| server.name == "ns2.lame.example")
        .unwrap();
    assert_eq!(lame.status, RecordStatus::Error);
    assert_eq!(
        lame.reason.as_ref().map(|reason| reason.en()).as_deref(),
        Some("does not serve lame.example (it answers REFUSED)")
    );
    for record in &probe.report.records {
        assert!(
            record
                .warnings
                .iter()
                .any(|warning| warning.en().starts_with(
                    "ns2.lame.example (127.0.0.25) does not serve lame.example (it answers \
                 REFUSED): receivers that pick it get no answer"
                )),
            "{record:#?}"
        );
    }
    // The lame server answered, so it is not held back.
    assert_eq!(resolver.held_back_servers(), 0);

    // mixed.example: ns1 answers, ns2 is silent, ns3's port is closed. Each says why, and
    // the next check names the hold instead of asking.
    let port = servers.resolver.addr.port();
    let reasons = |probe: &probe::Probe| -> Vec<(String, Option<String>)> {
        assert!(probe.report.ready, "{:#?}", probe.report);
        let spf = &probe.report.records[0];
        spf.propagation
            .as_ref()
            .expect("ns1 answered")
            .servers
            .iter()
            .map(|server| (server.name.clone(), server.reason.as_ref().map(|r| r.en())))
            .collect()
    };
    let first = reasons(&check(&resolver, "mixed.example").await);
    assert_eq!(
        first,
        [
            ("ns1.mixed.example".to_string(), None),
            (
                "ns2.mixed.example".to_string(),
                Some("no answer within 400 ms".to_string())
            ),
            (
                "ns3.mixed.example".to_string(),
                Some(format!("refused: nothing listens on port {port}"))
            ),
        ]
    );
    let second = reasons(&check(&resolver, "mixed.example").await);
    assert_eq!(second[0], ("ns1.mixed.example".to_string(), None));
    for (name, reason) in &second[1..] {
        let reason = reason.as_deref().unwrap_or_default();
        assert!(
            reason.starts_with("not asked: no answer since 20"),
            "{name}: {reason}"
        );
    }
    assert_eq!(resolver.held_back_servers(), 2);
}

#[tokio::test]
async fn a_delegated_domainkey_is_asked_of_its_own_servers() {
    let servers = Servers::start();
    let resolver = servers.resolver(true, Duration::from_secs(1));
    let probe = check(&resolver, "delegated.example").await;
    assert!(probe.report.ready, "{:#?}", probe.report);
    let zones = probe.zones.as_ref().unwrap().as_ref().unwrap();
    let apexes: Vec<&str> = zones.zones.iter().map(|zone| zone.apex.as_str()).collect();
    assert_eq!(
        apexes,
        ["delegated.example", "_domainkey.delegated.example"]
    );
    for record in &probe.report.records {
        let propagation = record
            .propagation
            .as_ref()
            .unwrap_or_else(|| panic!("{record:#?}"));
        assert_eq!(propagation.state.as_str(), "published", "{record:#?}");
        let asked: Vec<String> = propagation
            .servers
            .iter()
            .map(|server| server.address.ip().to_string())
            .collect();
        let expected = if record.name.contains("_domainkey") {
            "127.0.0.24"
        } else {
            "127.0.0.25"
        };
        assert_eq!(asked, [expected], "{record:#?}");
        assert!(
            propagation
                .servers
                .iter()
                .all(|server| server.status == RecordStatus::Pass),
            "no false error entries: {record:#?}"
        );
    }
}

/// The zones of `domain` and `names` as `zones_of` finds them, and the SOA questions the
/// resolver was asked meanwhile, sorted.
async fn walk(servers: &Servers, domain: &str, names: &[&str]) -> (Zones, Vec<String>) {
    let resolver = servers.resolver(true, Duration::from_secs(1));
    let before = servers.resolver.asked().len();
    let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let zones = resolver
        .zones_of(domain, &names, servers.resolver.addr.port())
        .await
        .unwrap();
    let mut soa: Vec<String> = servers.resolver.asked()[before..]
        .iter()
        .filter(|(_, query_type)| query_type == "SOA")
        .map(|(name, _)| name.clone())
        .collect();
    soa.sort();
    (zones, soa)
}

#[tokio::test]
async fn the_zone_walk_asks_each_name_once_and_never_follows_a_cname() {
    let servers = Servers::start();
    let (zones, soa) = walk(
        &servers,
        "delegated.example",
        &[
            "delegated.example",
            "_dmarc.delegated.example",
            "mte1._domainkey.delegated.example",
            "mte2._domainkey.delegated.example",
        ],
    )
    .await;
    for (name, apex) in [
        ("delegated.example", "delegated.example"),
        ("_dmarc.delegated.example", "delegated.example"),
        (
            "mte1._domainkey.delegated.example",
            "_domainkey.delegated.example",
        ),
        (
            "mte2._domainkey.delegated.example",
            "_domainkey.delegated.example",
        ),
    ] {
        assert_eq!(zones.apex(name), Some(apex), "{name}: {zones:#?}");
    }
    // The selectors are CNAMEs: their targets' zone is never asked, the walk goes up to
    // `_domainkey` once for both, and the domain's own zone follows from `_dmarc`'s answer.
    assert_eq!(
        soa,
        [
            "_dmarc.delegated.example",
            "_domainkey.delegated.example",
            "mte1._domainkey.delegated.example",
            "mte2._domainkey.delegated.example",
        ],
    );

    // Where `_dmarc` is a CNAME too, the domain's zone follows from `_domainkey`'s answer:
    // the domain itself is never asked.
    let (zones, soa) = walk(
        &servers,
        "aliased.example",
        &[
            "aliased.example",
            "_dmarc.aliased.example",
            "mte1._domainkey.aliased.example",
        ],
    )
    .await;
    for name in [
        "aliased.example",
        "_dmarc.aliased.example",
        "mte1._domainkey.aliased.example",
    ] {
        assert_eq!(
            zones.apex(name),
            Some("aliased.example"),
            "{name}: {zones:#?}"
        );
    }
    assert_eq!(
        soa,
        [
            "_dmarc.aliased.example",
            "_domainkey.aliased.example",
            "mte1._domainkey.aliased.example",
        ],
    );

    // A name below whose zone cannot be found (its servers never answer) leaves the domain's
    // walk to ask for itself: the domain's zone is still found.
    servers
        .resolver
        .set_fault("_dmarc.delegated.example", Some(Fault::Timeout));
    let (zones, soa) = walk(
        &servers,
        "delegated.example",
        &["delegated.example", "_dmarc.delegated.example"],
    )
    .await;
    assert_eq!(zones.apex("delegated.example"), Some("delegated.example"));
    assert_eq!(zones.apex("_dmarc.delegated.example"), None, "{zones:#?}");
    assert!(soa.contains(&"delegated.example".to_string()), "{soa:?}");
}

#[test]
fn the_cli_takes_a_budget_and_shows_each_servers_reason() {
    let servers = Servers::start();
    let nameserver = servers.resolver.addr.to_string();
    let port = servers.resolver.addr.port().to_string();
    let check = |budget: &str| {
        crate::support::run(
            &[
                "check",
                "mixed.example",
                "--token",
                "KEY",
                "--nameserver",
                &nameserver,
                "--authoritative-port",
                &port,
                "--authoritative-budget",
                budget,
                "--format",
                "json",
            ],
            None,
        )
    };
    let refused = check("2m");
    assert_eq!(crate::support::exit_code(&refused), 3);
    assert!(
        crate::support::stderr(&refused).contains("at most 60s"),
        "{}",
        crate::support::stderr(&refused)
    );
    let output = check("300ms");
    let report = crate::support::json(&output);
    let spf = crate::support::record(&report, "spf", "mixed.example");
    let servers: Vec<(String, String, Option<String>)> = spf["propagation"]["servers"]
        .as_array()
        .unwrap_or_else(|| panic!("{spf:#}"))
        .iter()
        .map(|server| {
            (
                server["address"].as_str().unwrap().to_string(),
                server["status"].as_str().unwrap().to_string(),
                server["reason"].as_str().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        servers,
        [
            ("127.0.0.1".to_string(), "pass".to_string(), None),
            (
                "127.0.0.22".to_string(),
                "error".to_string(),
                Some("no answer within 300 ms".to_string())
            ),
            (
                "127.0.0.21".to_string(),
                "error".to_string(),
                Some(format!("refused: nothing listens on port {port}"))
            ),
        ],
        "{spf:#}"
    );
}

//! DNSSEC verdicts against zones signed at test time (`tests/support/dnssec_zones.sh`, Debian's
//! `dnssec-keygen`/`dnssec-signzone`) under a test root with its own anchor, served by BIND on
//! 127.0.0.1: every state through the server directly and through Debian's `unbound`
//! validating with the test anchor, the CLI and the daemon.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{installed, json, record, run, stdout};

fn free_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("a free port");
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The signed tree built in a temporary directory and served by BIND.
struct Tree {
    dir: tempfile::TempDir,
    bind: Option<Running>,
    addr: SocketAddr,
}

const ZONES: [&str; 10] = [
    ".",
    "com",
    "test",
    "secure.test",
    "insecure.test",
    "expired.test",
    "badds.test",
    "nosig.test",
    "nsec3.test",
    "flip.test",
];

impl Tree {
    /// Builds and serves the tree; `None` when BIND or its tools are missing (outside CI).
    fn start() -> Option<Tree> {
        if !installed("named", "bind9") || !installed("dnssec-signzone", "bind9-utils") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/dnssec_zones.sh");
        let built = Command::new("sh")
            .arg(&script)
            .arg(dir.path())
            .output()
            .expect("sh runs");
        assert!(
            built.status.success(),
            "the signed tree was not built: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        let port = free_port();
        let mut tree = Tree {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
            bind: None,
        };
        tree.serve();
        Some(tree)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// (Re)starts BIND on the tree's port with the zone files as they are now.
    fn serve(&mut self) {
        self.bind = None;
        let dir = self.dir.path().display().to_string();
        let mut config = format!(
            "options {{\n  directory \"{dir}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  \
             listen-on-v6 {{ none; }};\n  recursion no;\n  pid-file \"{dir}/named.pid\";\n  \
             session-keyfile \"{dir}/session.key\";\n  dnssec-validation no;\n}};\n\
             controls {{ }};\n",
            port = self.addr.port()
        );
        for zone in ZONES {
            let file = if zone == "." { "root" } else { zone };
            config.push_str(&format!(
                "zone \"{zone}\" {{ type primary; file \"{dir}/{file}.zone\"; }};\n"
            ));
        }
        std::fs::write(self.path("named.conf"), config).unwrap();
        let child = Command::new("named")
            .args(["-g", "-n", "1", "-u", "root", "-c"])
            .arg(self.path("named.conf"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.path("named.log")).unwrap())
            .spawn()
            .expect("named starts");
        self.bind = Some(Running(child));
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let probe = self.check(&self.addr.to_string(), "secure.test", &["--no-dnssec"]);
            if stdout(&probe).contains("\"status\": \"pass\"") {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "BIND never answered; its log:\n{}",
            std::fs::read_to_string(self.path("named.log")).unwrap_or_default()
        );
    }

    /// `check DOMAIN --format json` through `nameserver`, the authoritative view on BIND's port.
    fn check(&self, nameserver: &str, domain: &str, extra: &[&str]) -> std::process::Output {
        let port = self.addr.port().to_string();
        let mut args = vec![
            "check",
            domain,
            "--format",
            "json",
            "--nameserver",
            nameserver,
            "--authoritative-port",
            &port,
            "--timeout",
            "1s",
        ];
        args.extend_from_slice(extra);
        run(&args, None)
    }
}

/// `unbound` validating with the test root's anchor, resolving through BIND.
fn start_unbound(tree: &Tree) -> (Running, SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // One BIND serves every zone, answering a child's names itself rather than referring:
    // a stub per zone keeps unbound's idea of who serves what (an unsigned child answered by
    // "the root's server" would otherwise read as DNSSEC-lame).
    let stubs: String = ZONES
        .iter()
        .map(|zone| {
            let name = if *zone == "." {
                ".".to_string()
            } else {
                format!("{zone}.")
            };
            format!(
                "stub-zone:\n  name: \"{name}\"\n  stub-addr: 127.0.0.1@{}\n",
                tree.addr.port()
            )
        })
        .collect();
    let config = format!(
        "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-daemonize: no\n  \
         username: \"\"\n  chroot: \"\"\n  directory: \"{dir}\"\n  pidfile: \"\"\n  \
         use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n  val-log-level: 2\n  do-ip6: no\n  \
         do-not-query-localhost: no\n  access-control: 127.0.0.0/8 allow\n  \
         module-config: \"validator iterator\"\n  trust-anchor-file: \"{anchor}\"\n  \
         qname-minimisation: no\n  harden-referral-path: no\n  prefetch: no\n  \
         cache-min-ttl: 0\n  infra-host-ttl: 1\n  num-threads: 1\n\
         ede: yes\n  local-zone: \"test.\" nodefault\n\
         {stubs}",
        dir = dir.path().display(),
        anchor = tree.path("root.ds").display(),
    );
    std::fs::write(dir.path().join("unbound.conf"), config).unwrap();
    let binary = if Path::new("/usr/sbin/unbound").exists() {
        "/usr/sbin/unbound"
    } else {
        "unbound"
    };
    let child = Command::new(binary)
        .arg("-c")
        .arg(dir.path().join("unbound.conf"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("unbound.log")).unwrap())
        .spawn()
        .expect("unbound starts");
    let running = Running(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let probe = tree.check(&addr.to_string(), "secure.test", &["--no-dnssec"]);
        if stdout(&probe).contains("\"status\": \"pass\"") {
            return (running, addr, dir);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!(
        "unbound never answered; its log:\n{}",
        std::fs::read_to_string(dir.path().join("unbound.log")).unwrap_or_default()
    );
}

/// Every DNSSEC state, as one resolver path sees it, with `anchor` trusted.
fn assert_every_state(tree: &Tree, nameserver: &str, anchor: &Path) {
    let anchor = anchor.to_str().unwrap();
    let checked = |domain: &str| {
        let output = tree.check(nameserver, domain, &["--trust-anchors", anchor]);
        let report = json(&output);
        assert_eq!(report["domain"], domain, "{}", stdout(&output));
        report
    };
    let states = |report: &serde_json::Value| -> Vec<String> {
        report["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|record| record["dnssec"].as_str().unwrap_or("null").to_string())
            .collect()
    };

    let secure = checked("secure.test");
    assert_eq!(secure["ready"], true, "{secure:#}");
    assert_eq!(secure["dnssec"]["status"], "secure", "{secure:#}");
    assert_eq!(secure["dnssec"]["zone"], "secure.test");
    assert!(
        states(&secure).iter().all(|state| state == "secure"),
        "{secure:#}"
    );

    let insecure = checked("insecure.test");
    assert_eq!(insecure["ready"], true, "{insecure:#}");
    assert_eq!(insecure["dnssec"]["status"], "insecure", "{insecure:#}");
    assert!(states(&insecure).iter().all(|state| state == "insecure"));

    let expired = checked("expired.test");
    assert_eq!(expired["ready"], false);
    assert_eq!(expired["dnssec"]["status"], "bogus", "{expired:#}");
    for record in expired["records"].as_array().unwrap() {
        assert_eq!(record["status"], "fail", "{record:#}");
        assert_eq!(record["dnssec"], "bogus");
        let message = record["message"].as_str().unwrap();
        assert!(
            message.contains("expired on 2025-02-01") && message.contains("re-sign"),
            "{message}"
        );
    }

    let badds = checked("badds.test");
    assert_eq!(badds["ready"], false);
    let dmarc = record(&badds, "dmarc", "_dmarc.badds.test");
    assert_eq!(dmarc["status"], "fail", "{dmarc:#}");
    let message = dmarc["message"].as_str().unwrap();
    assert!(
        message.contains("the DS for badds.test in test")
            && message.contains("matches no DNSKEY of badds.test")
            && message.contains("registrar"),
        "{message}"
    );

    let nosig = checked("nosig.test");
    assert_eq!(nosig["ready"], false);
    let dmarc = record(&nosig, "dmarc", "_dmarc.nosig.test");
    assert_eq!(
        (&dmarc["status"], &dmarc["dnssec"]),
        (&"fail".into(), &"bogus".into())
    );
    assert!(
        dmarc["message"]
            .as_str()
            .unwrap()
            .contains("TXT _dmarc.nosig.test has no signature (RRSIG)"),
        "{dmarc:#}"
    );
    let spf = record(&nosig, "spf", "nosig.test");
    assert_eq!(
        (&spf["status"], &spf["dnssec"]),
        (&"pass".into(), &"secure".into())
    );

    let nsec3 = checked("nsec3.test");
    let dmarc = record(&nsec3, "dmarc", "_dmarc.nsec3.test");
    assert_eq!(
        dmarc["status"], "missing",
        "a proven absence is missing, not bogus: {dmarc:#}"
    );
    assert_eq!(dmarc["dnssec"], "secure");
    assert_eq!(nsec3["dnssec"]["status"], "secure");
}

#[test]
fn every_dnssec_state_through_the_server_and_through_a_validating_resolver() {
    let Some(tree) = Tree::start() else { return };
    let direct = tree.addr.to_string();
    assert_every_state(&tree, &direct, &tree.path("root.key"));

    // The authoritative view validates too: the zone's own server is named with the cause.
    let expired = json(&tree.check(
        &direct,
        "expired.test",
        &["--trust-anchors", tree.path("root.key").to_str().unwrap()],
    ));
    let server = &record(&expired, "spf", "expired.test")["propagation"]["servers"][0];
    assert_eq!(server["status"], "fail", "{server:#}");
    assert!(
        server["reason"]
            .as_str()
            .unwrap()
            .contains("expired on 2025-02-01"),
        "{server:#}"
    );

    // Without validation the same zone is ready: what a non-validating receiver sees.
    let unchecked = json(&tree.check(&direct, "expired.test", &["--no-dnssec"]));
    assert_eq!(unchecked["ready"], true, "{unchecked:#}");
    assert!(unchecked["dnssec"].is_null());

    // With the IANA anchors the test root is trusted by nothing: never secure, never bogus.
    let foreign = json(&tree.check(&direct, "secure.test", &[]));
    assert_eq!(foreign["dnssec"]["status"], "indeterminate", "{foreign:#}");
    assert_eq!(foreign["ready"], true);
    assert!(
        foreign["records"][0]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("match none of the built-in IANA root anchors"),
        "{foreign:#}"
    );

    if !installed("unbound", "unbound") {
        return;
    }
    let (_unbound, resolver, _dir) = start_unbound(&tree);
    // The same verdicts through a validating resolver (asked with CD, so it hands over what
    // it refuses), this time with the anchor given as a DS record.
    assert_every_state(&tree, &resolver.to_string(), &tree.path("root.ds"));
    // Asked without CD (DNSSEC off here), the validating resolver refuses the zone: no
    // verdict, but its Extended DNS Error (RFC 8914) says why.
    let refused = json(&tree.check(&resolver.to_string(), "expired.test", &["--no-dnssec"]));
    let dmarc = record(&refused, "dmarc", "_dmarc.expired.test");
    assert_eq!(dmarc["status"], "error", "{dmarc:#}");
    assert!(
        dmarc["message"]
            .as_str()
            .unwrap()
            .contains("SERVFAIL (extended DNS error"),
        "{dmarc:#}"
    );
}

#[test]
fn a_bad_trust_anchor_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("anchors");
    std::fs::write(&path, ". IN A 192.0.2.1\n").unwrap();
    let output = run(
        &[
            "check",
            "shop.example",
            "--trust-anchors",
            path.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(crate::support::exit_code(&output), 3);
    let error = crate::support::stderr(&output);
    assert!(
        error.contains("only DS and DNSKEY records can be trust anchors"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_domain_whose_signatures_expire_goes_to_failing_with_the_cause() {
    use crate::support::{AppOptions, spawn_app};
    let Some(mut tree) = tokio::task::spawn_blocking(Tree::start).await.unwrap() else {
        return;
    };
    let app = spawn_app(AppOptions {
        nameserver: Some(tree.addr),
        authoritative_port: Some(tree.addr.port()),
        dns_timeout: Some(Duration::from_secs(1)),
        trust_anchors: Some(tree.path("root.key")),
        ..AppOptions::default()
    })
    .await;
    let (status, _) = app.register("flip.test", None).await;
    assert_eq!(status, 201);
    app.scheduler.tick_and_wait().await.unwrap();
    let verified = app.until_checked("flip.test").await;
    assert_eq!(verified["status"], "verified", "{verified:#}");
    assert_eq!(verified["dnssec"]["status"], "secure", "{verified:#}");
    assert_eq!(verified["dnssec"]["zone"], "flip.test");

    // The signer stops: the zone is re-signed with signatures that expired, and served so.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/dnssec_zones.sh");
    let dir = tree.path("");
    let resigned = tokio::task::spawn_blocking(move || {
        Command::new("sh")
            .arg(script)
            .arg(dir)
            .arg("expire-flip")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(resigned.status.success(), "{resigned:?}");
    let mut tree_again = tokio::task::spawn_blocking(move || {
        tree.serve();
        tree
    })
    .await
    .unwrap();

    let mut body = serde_json::Value::Null;
    for _ in 0..6 {
        app.advance_and_tick(Duration::from_secs(6 * 3600)).await;
        body = app.get("/v1/domains/flip.test").await.1;
        if body["status"] == "failing" {
            break;
        }
    }
    assert_eq!(body["status"], "failing", "{body:#}");
    assert_eq!(body["ready"], false);
    assert_eq!(body["dnssec"]["status"], "bogus", "{body:#}");
    let reason = body["dnssec"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("expired on 2025-02-01") && reason.contains("re-sign"),
        "{reason}"
    );
    for record in body["records"].as_array().unwrap() {
        assert_eq!(
            record["status"], "fail",
            "bogus is a verdict, not a DNS error: {record:#}"
        );
        assert_eq!(record["dnssec"], "bogus");
    }
    let metrics = app.text("/metrics").await;
    assert!(
        metrics.lines().any(|line| line
            .starts_with("sendercheck_dns_dnssec_answers_total{status=\"bogus\"}")
            && !line.ends_with(" 0")),
        "{metrics}"
    );
    // The history holds the transition.
    let (_, history) = app.get("/v1/domains/flip.test/history").await;
    assert!(
        crate::support::statuses(&history).contains(&"verified->failing".to_string()),
        "{history:#}"
    );
    // The page shows the DNSSEC line with the cause.
    let page = app.text("/domains/flip.test").await;
    assert!(
        page.contains("DNSSEC") && page.contains("expired on 2025-02-01"),
        "{page}"
    );
    // The cause in French and Portuguese, from the stored codes.
    let (_, french) = app.get("/v1/domains/flip.test?lang=fr").await;
    let reason = french["dnssec"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("ont expiré le 2025-02-01") && reason.contains("signez-la à nouveau"),
        "{reason}"
    );
    let page = app.text("/domains/flip.test?lang=pt").await;
    assert!(
        page.contains("expiraram em 2025-02-01") && page.contains("assine-a de novo"),
        "{page}"
    );
    tree_again.bind = None;
    app.stop().await;
}

#[tokio::test]
async fn a_resolver_that_strips_signatures_gives_indeterminate_with_a_warning_never_secure() {
    use hickory_server::proto::dnssec::rdata::{DNSKEY, DNSSECRData};
    use hickory_server::proto::dnssec::{Algorithm, PublicKeyBuf};
    use hickory_server::proto::rr::RData;
    // hickory's server serves a DNSKEY as any record: asked with DO it sends no RRSIG, as a
    // resolver or middlebox that strips DNSSEC records does.
    let dir = tempfile::tempdir().unwrap();
    let key =
        "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==";
    std::fs::write(
        dir.path().join("root.zone"),
        "$ORIGIN .\n$TTL 300\n@ IN SOA ns.strip.test. h.strip.test. ( 1 3600 600 86400 300 )\n\
         @ IN NS ns.strip.test.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("strip.test.zone"),
        "$ORIGIN strip.test.\n$TTL 300\n@ IN SOA ns h ( 1 3600 600 86400 300 )\n@ IN NS ns\n\
         ns IN A 127.0.0.1\n@ IN TXT \"v=spf1 include:spf.mandrillapp.com -all\"\n\
         mte1._domainkey IN CNAME dkim1.mandrillapp.com.\n\
         mte2._domainkey IN CNAME dkim2.mandrillapp.com.\n\
         _dmarc IN TXT \"v=DMARC1; p=reject\"\n",
    )
    .unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/zones");
    std::fs::copy(
        fixtures.join("mandrillapp.com.zone"),
        dir.path().join("mandrillapp.com.zone"),
    )
    .unwrap();
    let anchors = dir.path().join("anchors");
    std::fs::write(&anchors, format!(". IN DNSKEY 257 3 13 {key}\n")).unwrap();
    let server =
        crate::fixture_dns::FixtureDns::start(dir.path(), SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("the server starts");
    let public = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, key).unwrap();
    let dnskey = DNSKEY::with_flags(257, PublicKeyBuf::new(public, Algorithm::ECDSAP256SHA256));
    server
        .add_record(".", 300, RData::DNSSEC(DNSSECRData::DNSKEY(dnskey)))
        .await;
    let output = run(
        &[
            "check",
            "strip.test",
            "--format",
            "json",
            "--no-authoritative",
            "--nameserver",
            &server.addr.to_string(),
            "--trust-anchors",
            anchors.to_str().unwrap(),
        ],
        None,
    );
    let report = json(&output);
    assert_eq!(report["ready"], true, "{report:#}");
    assert_eq!(report["dnssec"]["status"], "indeterminate", "{report:#}");
    for record in report["records"].as_array().unwrap() {
        assert_eq!(record["dnssec"], "indeterminate");
        assert!(
            record["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|warning| warning.as_str().unwrap().contains("strips the signatures")),
            "{record:#}"
        );
    }
    // A warning is not a pass: the monitoring-plugin exit code says so.
    assert_eq!(crate::support::exit_code(&output), 1);
}

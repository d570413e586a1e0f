//! BIND 9 serving the generated zones (`zones.rs`) on 127.0.0.1, for benchmarks that need a
//! real DNS server beside the checker; killed when dropped.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sendercheck::checks::{Answer, Query};
use sendercheck::dns::{Resolver, ResolverSettings};

pub fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

pub fn free_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a free port");
    socket.local_addr().expect("an address").port()
}

/// BIND serving the generated zones on 127.0.0.1, killed when dropped.
pub struct Bind {
    child: Child,
}

impl Bind {
    /// The `named` process's id, to read its CPU time.
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Bind {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The zones of `dir` served on 127.0.0.1: by BIND when `with_bind` (on `port`), else by the
/// in-process hickory server (on a port of its own). Either stops when the value drops.
pub enum DnsServer {
    Bind(Bind),
    InProcess(crate::fixture_dns::FixtureDns),
}

impl DnsServer {
    /// BIND's process id; `None` for the in-process server (its CPU is this process's).
    pub fn bind_pid(&self) -> Option<String> {
        match self {
            DnsServer::Bind(bind) => Some(bind.pid()),
            DnsServer::InProcess(_) => None,
        }
    }

    pub fn start(dir: &Path, port: u16, with_bind: bool) -> (DnsServer, SocketAddr) {
        if with_bind {
            let bind = start_bind(dir, port);
            (
                DnsServer::Bind(bind),
                SocketAddr::from(([127, 0, 0, 1], port)),
            )
        } else {
            eprintln!("BIND is not installed: the in-process server stands in");
            let fixture =
                crate::fixture_dns::FixtureDns::start(dir, SocketAddr::from(([127, 0, 0, 1], 0)))
                    .expect("the in-process server starts");
            let addr = fixture.addr;
            (DnsServer::InProcess(fixture), addr)
        }
    }
}

/// BIND serving every `NAME.zone` file of `dir` (zone NAME) on 127.0.0.1:`port`.
pub fn start_bind(dir: &Path, port: u16) -> Bind {
    let mut config = format!(
        "options {{\n  directory \"{dir}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  \
         listen-on-v6 {{ none; }};\n  recursion no;\n  pid-file \"{dir}/named.pid\";\n  \
         session-keyfile \"{dir}/session.key\";\n  dnssec-validation no;\n}};\n",
        dir = dir.display()
    );
    let mut zones: Vec<String> = std::fs::read_dir(dir)
        .expect("the zone directory")
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            name.strip_suffix(".zone").map(str::to_string)
        })
        .collect();
    zones.sort();
    for zone in zones {
        config.push_str(&format!(
            "zone \"{zone}\" {{ type primary; file \"{dir}/{zone}.zone\"; }};\n",
            dir = dir.display()
        ));
    }
    let path = dir.join("named.conf");
    std::fs::write(&path, config).expect("named.conf");
    let child = Command::new("named")
        .args(["-g", "-n", "2", "-u", "root", "-c"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("named.log")).expect("a log file"))
        .spawn()
        .expect("named starts");
    Bind { child }
}

fn resolver(server: SocketAddr) -> Resolver {
    Resolver::new(&ResolverSettings {
        nameservers: vec![server],
        timeout: Duration::from_millis(200),
        attempts: 1,
        authoritative_port: None,
        ..ResolverSettings::default()
    })
    .expect("a resolver")
}

/// Waits until the server answers for the generated zone.
pub async fn wait_for(server: SocketAddr) {
    let resolver = resolver(server);
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if matches!(
            resolver.resolve(&Query::txt("d000000.bench")).await,
            Answer::Records(_)
        ) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the DNS server at {server} never answered");
}

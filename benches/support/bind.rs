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

impl Drop for Bind {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_bind(dir: &Path, port: u16) -> Bind {
    let config = format!(
        "options {{\n  directory \"{dir}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  \
         listen-on-v6 {{ none; }};\n  recursion no;\n  pid-file \"{dir}/named.pid\";\n  \
         session-keyfile \"{dir}/session.key\";\n  dnssec-validation no;\n}};\n\
         zone \"bench\" {{ type primary; file \"{dir}/bench.zone\"; }};\n\
         zone \"mandrillapp.com\" {{ type primary; file \"{dir}/mandrillapp.com.zone\"; }};\n",
        dir = dir.display()
    );
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

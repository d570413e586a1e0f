//! Serves the test zones of `fixtures/zones/` (or the `*.zone` files of another directory) on
//! 127.0.0.1, so sendercheck can be tried with no internet:
//! `cargo run --example fixture-dns -- 127.0.0.1:5353 [ZONE_DIR]`, then
//! `sendercheck check broken-spf.example --nameserver 127.0.0.1:5353`.

#[path = "../tests/support/fixture_dns.rs"]
mod fixture_dns;

use std::net::SocketAddr;

fn main() -> std::process::ExitCode {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:5353".to_string());
    let zones = std::env::args()
        .nth(2)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(fixture_dns::zone_dir);
    let listen: SocketAddr = match listen.parse() {
        Ok(listen) => listen,
        Err(_) => {
            eprintln!("usage: fixture-dns [IP:PORT] [ZONE_DIR]   (default 127.0.0.1:5353)");
            return std::process::ExitCode::from(3);
        }
    };
    match fixture_dns::FixtureDns::start(&zones, listen) {
        Ok(server) => {
            println!(
                "serving {} on {} (UDP and TCP); Ctrl-C stops",
                zones.display(),
                server.addr
            );
            loop {
                std::thread::park();
            }
        }
        Err(error) => {
            eprintln!("fixture-dns: {error}");
            std::process::ExitCode::from(3)
        }
    }
}

//! Generates a zone of N sender domains, each configured correctly for the mandrill profile,
//! next to the provider's own zone, for benchmarks that need many distinct domains.

#![allow(dead_code)]

use std::fmt::Write;
use std::path::Path;

/// The name of domain `n` of the generated zone.
pub fn domain(n: usize) -> String {
    format!("d{n:06}.bench")
}

/// Writes `bench.zone` with `count` domains and a copy of the provider's zone into `dir`.
pub fn write(dir: &Path, count: usize) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/zones");
    std::fs::copy(
        fixtures.join("mandrillapp.com.zone"),
        dir.join("mandrillapp.com.zone"),
    )
    .expect("the provider's zone");
    let mut zone = String::from(
        "$ORIGIN bench.\n$TTL 300\n\
         @ IN SOA ns1.bench. hostmaster.bench. ( 1 3600 600 86400 300 )\n\
         @ IN NS ns1.bench.\nns1 IN A 127.0.0.1\n",
    );
    for n in 0..count {
        let label = format!("d{n:06}");
        mandrill_records(&mut zone, &label);
    }
    std::fs::write(dir.join("bench.zone"), zone).expect("the generated zone");
}

/// The name of domain `n` of the silent zone.
pub fn silent_domain(n: usize) -> String {
    format!("s{n:06}.silent")
}

/// Writes `silent.zone`: `count` domains configured like `write`'s, in a zone whose only name
/// server is `ns1.silent` at `server` — an address where the bench runs a socket that reads
/// queries and never answers, as a dead or firewalled server does.
pub fn write_silent(dir: &Path, count: usize, server: std::net::Ipv4Addr) {
    let mut zone = format!(
        "$ORIGIN silent.\n$TTL 300\n\
         @ IN SOA ns1.silent. hostmaster.silent. ( 1 3600 600 86400 300 )\n\
         @ IN NS ns1.silent.\nns1 IN A {server}\n"
    );
    for n in 0..count {
        let label = format!("s{n:06}");
        mandrill_records(&mut zone, &label);
    }
    std::fs::write(dir.join("silent.zone"), zone).expect("the silent zone");
}

/// A correct mandrill configuration for `label`, relative to the zone's origin.
fn mandrill_records(zone: &mut String, label: &str) {
    let _ = write!(
        zone,
        "{label} IN TXT \"v=spf1 include:spf.mandrillapp.com -all\"\n\
         mte1._domainkey.{label} IN CNAME dkim1.mandrillapp.com.\n\
         mte2._domainkey.{label} IN CNAME dkim2.mandrillapp.com.\n\
         _dmarc.{label} IN TXT \"v=DMARC1; p=reject\"\n"
    );
}

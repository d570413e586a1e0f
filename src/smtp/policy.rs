//! Which targets `POST /v1/smtp/probe` may connect to. An endpoint that opens connections
//! anywhere is a way into the operator's own network, so by default it refuses loopback,
//! private, link-local and other non-public addresses unless `[smtp] allowed` names them
//! explicitly; and it bounds how many probes run at once and per minute. The CLI, run by the
//! operator on their own machine, is not limited.
//!
//! The check runs on the addresses the probe then connects to (resolved once), so a name that
//! resolves differently the second time cannot slip past it.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `[smtp]` in the config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    /// Host patterns probes may go to: `*` (any public host), `smtp.example.com`,
    /// `*.example.com`, an IP address, or a network as `10.0.0.0/8`.
    pub allowed: Vec<String>,
    /// Refuse non-public addresses unless a pattern other than `*` allows them.
    pub deny_private: bool,
    /// Probes running at once.
    pub max_concurrent: usize,
    /// Probes started per minute.
    pub per_minute: usize,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            allowed: vec!["*".to_string()],
            deny_private: true,
            max_concurrent: 4,
            per_minute: 30,
        }
    }
}

/// Why a probe was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0}")]
    NotAllowed(String),
    #[error("too many probes: at most {0}")]
    Busy(String),
}

/// The policy and its counters.
#[derive(Debug)]
pub struct Policy {
    config: SmtpConfig,
    running: std::sync::Arc<tokio::sync::Semaphore>,
    started: Mutex<VecDeque<Instant>>,
}

impl Policy {
    pub fn new(config: SmtpConfig) -> Self {
        Policy {
            running: std::sync::Arc::new(tokio::sync::Semaphore::new(config.max_concurrent)),
            config,
            started: Mutex::new(VecDeque::new()),
        }
    }

    /// A slot for one probe, or why there is none now.
    pub fn admit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Refused> {
        let permit = self
            .running
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refused::Busy(format!("{} at once", self.config.max_concurrent)))?;
        let mut started = self
            .started
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        while started
            .front()
            .is_some_and(|at| now.duration_since(*at) >= Duration::from_secs(60))
        {
            started.pop_front();
        }
        if started.len() >= self.config.per_minute {
            return Err(Refused::Busy(format!(
                "{} a minute",
                self.config.per_minute
            )));
        }
        started.push_back(now);
        Ok(permit)
    }

    /// The addresses of `host` (resolved to `addresses`) the probe may dial, or why none.
    ///
    /// A host-name pattern (`smtp.corp.example`, `*.corp.example`) names the host, so every
    /// address it resolves to may be dialled. An address or network pattern allows exactly the
    /// addresses inside it: the others must pass on their own (`*` and public), so a name that
    /// mixes an allowed `10.0.0.9` with `127.0.0.1` is dialled at 10.0.0.9 only. Under `*`
    /// alone, one non-public address refuses the whole target (DNS may point anywhere).
    pub fn check(&self, host: &str, addresses: &[IpAddr]) -> Result<Vec<IpAddr>, Refused> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let patterns: Vec<String> = self
            .config
            .allowed
            .iter()
            .map(|pattern| pattern.trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|pattern| pattern != "*")
            .collect();
        let wildcard = self.config.allowed.iter().any(|pattern| pattern == "*");
        if patterns.iter().any(|pattern| names_host(pattern, &host)) {
            return Ok(addresses.to_vec());
        }
        let by_pattern = |address: &IpAddr| {
            patterns
                .iter()
                .any(|pattern| matches_address(pattern, *address))
        };
        let public_ok =
            |address: &IpAddr| wildcard && (!self.config.deny_private || is_public(address));
        let explicit = addresses.iter().any(by_pattern);
        if !explicit && !wildcard {
            return Err(Refused::NotAllowed(format!(
                "{host} is not in [smtp] allowed"
            )));
        }
        if !explicit && let Some(address) = addresses.iter().find(|address| !public_ok(address)) {
            return Err(private(&host, address));
        }
        let dialled: Vec<IpAddr> = addresses
            .iter()
            .copied()
            .filter(|address| by_pattern(address) || public_ok(address))
            .collect();
        match addresses.iter().find(|address| !dialled.contains(address)) {
            Some(address) if dialled.is_empty() => Err(private(&host, address)),
            _ => Ok(dialled),
        }
    }
}

fn private(host: &str, address: &IpAddr) -> Refused {
    Refused::NotAllowed(format!(
        "{host} resolves to {address}, which is not a public address (loopback, private, \
         link-local or reaching one through NAT64, 6to4 or an embedded IPv4 address): name it \
         in [smtp] allowed to probe it"
    ))
}

/// Whether a host-name pattern (`smtp.example.com`, `*.example.com`) names `host`.
fn names_host(pattern: &str, host: &str) -> bool {
    if let Some(suffix) = pattern.strip_prefix("*.") {
        return host.ends_with(&format!(".{suffix}"));
    }
    if pattern.parse::<IpAddr>().is_ok() || pattern.contains('/') {
        return false;
    }
    host == pattern
}

/// Whether an address or network pattern (`10.0.0.9`, `10.0.0.0/8`) holds `address`.
fn matches_address(pattern: &str, address: IpAddr) -> bool {
    if let Ok(ip) = pattern.parse::<IpAddr>() {
        return address == ip;
    }
    match pattern.split_once('/') {
        Some((network, length)) => match (network.parse::<IpAddr>(), length.parse::<u32>()) {
            (Ok(network), Ok(length)) => in_network(address, network, length),
            _ => false,
        },
        None => false,
    }
}

fn in_network(address: IpAddr, network: IpAddr, length: u32) -> bool {
    match (address, network) {
        (IpAddr::V4(address), IpAddr::V4(network)) if length <= 32 => {
            let mask = u32::MAX.checked_shl(32 - length).unwrap_or(0);
            u32::from(address) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(address), IpAddr::V6(network)) if length <= 128 => {
            let mask = u128::MAX.checked_shl(128 - length).unwrap_or(0);
            u128::from(address) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

/// A globally reachable unicast address. IPv6 forms that carry an IPv4 address to a network
/// (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`,
/// 6to4 `2002::/16`) are judged by that IPv4 address.
fn is_public(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                // Shared address space (RFC 6598) and IETF protocol assignments.
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                // Benchmarking (RFC 2544).
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_ipv4(v6) {
                return is_public(&IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                // Site-local (RFC 3879: deprecated, still routed inside some networks).
                || (first & 0xffc0) == 0xfec0)
        }
    }
}

/// The IPv4 address an IPv6 address carries to a network: IPv4-mapped and IPv4-compatible
/// (`::ffff:a.b.c.d`, `::a.b.c.d`, RFC 4291), NAT64 (`64:ff9b::/96`, RFC 6052; the local-use
/// `64:ff9b:1::/48`, RFC 8215, with the address in its last 32 bits) and 6to4 (`2002:AABB:CCDD::`,
/// RFC 3056).
fn embedded_ipv4(v6: &std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let segments = v6.segments();
    let bits = u128::from(*v6);
    let last32 = std::net::Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    // IPv4-compatible: 96 zero bits, and not :: or ::1 (judged as IPv6 themselves).
    if bits >> 32 == 0 && bits > 1 {
        return Some(last32);
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || segments[..3] == [0x64, 0xff9b, 1] {
        return Some(last32);
    }
    if segments[0] == 0x2002 {
        let [a, b] = segments[1].to_be_bytes();
        let [c, d] = segments[2].to_be_bytes();
        return Some(std::net::Ipv4Addr::new(a, b, c, d));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allowed: &[&str]) -> Policy {
        Policy::new(SmtpConfig {
            allowed: allowed.iter().map(|p| p.to_string()).collect(),
            ..SmtpConfig::default()
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn private_targets_need_an_explicit_pattern() {
        let any = policy(&["*"]);
        assert!(any.check("smtp.gmail.com", &[ip("142.250.1.108")]).is_ok());
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            let refused = any.check("smtp.example", &[ip(inside)]).unwrap_err();
            assert!(
                refused.to_string().contains("not a public address"),
                "{inside}"
            );
        }
        // Ranges that reach private networks through an embedded IPv4 address, and the ones
        // only some networks route.
        for inside in [
            "64:ff9b::a00:1",       // NAT64 of 10.0.0.1
            "64:ff9b::7f00:1",      // NAT64 of 127.0.0.1
            "64:ff9b:1::a9fe:a9fe", // local-use NAT64 of 169.254.169.254
            "2002:a00:1::1",        // 6to4 of 10.0.0.1
            "2002:7f00:1::",        // 6to4 of 127.0.0.1
            "::10.0.0.1",           // IPv4-compatible
            "::127.0.0.1",
            "fec0::1", // site-local
            "198.18.0.1",
            "198.19.255.254", // benchmarking
        ] {
            let refused = any.check("smtp.example", &[ip(inside)]).unwrap_err();
            assert!(
                refused.to_string().contains("not a public address"),
                "{inside}"
            );
        }
        // The same forms around a public IPv4 address are public.
        for outside in ["64:ff9b::808:808", "2002:808:808::1", "198.20.0.1"] {
            assert!(
                any.check("smtp.example", &[ip(outside)]).is_ok(),
                "{outside}"
            );
        }
        // One private address among public ones is enough to refuse (DNS may point anywhere).
        assert!(
            any.check("smtp.example", &[ip("8.8.8.8"), ip("10.0.0.1")])
                .is_err()
        );
        let tests = policy(&["*", "127.0.0.1"]);
        assert!(tests.check("localhost", &[ip("127.0.0.1")]).is_ok());
        // An address pattern allows its addresses only: the others of the same name must be
        // public on their own, and are not dialled otherwise.
        let corp = policy(&["*", "10.0.0.0/8"]);
        assert_eq!(
            corp.check("relay.corp", &[ip("10.0.0.9"), ip("127.0.0.1")]),
            Ok(vec![ip("10.0.0.9")])
        );
        assert_eq!(
            corp.check("relay.corp", &[ip("10.0.0.9"), ip("8.8.8.8")]),
            Ok(vec![ip("10.0.0.9"), ip("8.8.8.8")])
        );
        assert!(corp.check("relay.corp", &[ip("192.168.0.1")]).is_err());
        // A host-name pattern names the host: all of its addresses.
        let named = policy(&["relay.corp.example"]);
        assert_eq!(
            named.check("relay.corp.example", &[ip("10.0.0.9"), ip("127.0.0.1")]),
            Ok(vec![ip("10.0.0.9"), ip("127.0.0.1")])
        );
        let network = policy(&["10.0.0.0/8"]);
        assert!(network.check("relay.corp", &[ip("10.9.8.7")]).is_ok());
        assert!(
            network
                .check("smtp.gmail.com", &[ip("142.250.1.108")])
                .is_err()
        );
        let suffix = policy(&["*.corp.example"]);
        assert!(
            suffix
                .check("relay.corp.example", &[ip("192.168.0.5")])
                .is_ok()
        );
        assert!(
            suffix
                .check("corp.example.evil", &[ip("192.168.0.5")])
                .is_err()
        );
    }

    #[test]
    fn probes_are_bounded_at_once_and_per_minute() {
        let policy = Policy::new(SmtpConfig {
            max_concurrent: 2,
            per_minute: 3,
            ..SmtpConfig::default()
        });
        let first = policy.admit().unwrap();
        let second = policy.admit().unwrap();
        assert!(
            policy
                .admit()
                .unwrap_err()
                .to_string()
                .contains("2 at once")
        );
        drop((first, second));
        let third = policy.admit().unwrap();
        drop(third);
        // Nothing running, but three started within the minute.
        assert!(
            policy
                .admit()
                .unwrap_err()
                .to_string()
                .contains("3 a minute")
        );
    }
}

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

    /// Whether `host`, resolved to `addresses`, may be probed.
    pub fn check(&self, host: &str, addresses: &[IpAddr]) -> Result<(), Refused> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let explicit = self
            .config
            .allowed
            .iter()
            .filter(|pattern| pattern.as_str() != "*")
            .any(|pattern| matches(pattern, &host, addresses));
        let wildcard = self.config.allowed.iter().any(|pattern| pattern == "*");
        if !explicit && !wildcard {
            return Err(Refused::NotAllowed(format!(
                "{host} is not in [smtp] allowed"
            )));
        }
        if self.config.deny_private
            && !explicit
            && let Some(address) = addresses.iter().find(|address| !is_public(address))
        {
            return Err(Refused::NotAllowed(format!(
                "{host} resolves to {address}, which is not a public address (loopback, \
                 private or link-local): name it in [smtp] allowed to probe it"
            )));
        }
        Ok(())
    }
}

/// Whether one pattern allows the host or one of its addresses.
fn matches(pattern: &str, host: &str, addresses: &[IpAddr]) -> bool {
    let pattern = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
    if let Some(suffix) = pattern.strip_prefix("*.") {
        return host.ends_with(&format!(".{suffix}"));
    }
    if let Ok(ip) = pattern.parse::<IpAddr>() {
        return addresses.contains(&ip) || host == ip.to_string();
    }
    if let Some((network, length)) = pattern.split_once('/') {
        let (Ok(network), Ok(length)) = (network.parse::<IpAddr>(), length.parse::<u32>()) else {
            return false;
        };
        return addresses
            .iter()
            .any(|address| in_network(*address, network, length));
    }
    host == pattern
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

/// A globally reachable unicast address.
fn is_public(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                // Shared address space (RFC 6598) and IETF protocol assignments.
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(&IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
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
        // One private address among public ones is enough to refuse (DNS may point anywhere).
        assert!(
            any.check("smtp.example", &[ip("8.8.8.8"), ip("10.0.0.1")])
                .is_err()
        );
        let tests = policy(&["*", "127.0.0.1"]);
        assert!(tests.check("localhost", &[ip("127.0.0.1")]).is_ok());
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

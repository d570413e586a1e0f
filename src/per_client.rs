//! Connections (or sessions) per client address, each given back when its share drops: the
//! HTTP server and the inbound SMTP listener cap what one address may hold.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// How many connections each client address holds.
#[derive(Clone, Default)]
pub struct PerClient(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl PerClient {
    /// Takes a share for `ip` unless it holds `limit` already.
    pub fn take(&self, ip: IpAddr, limit: usize) -> Option<ClientShare> {
        let mut counts = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = counts.entry(ip).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(ClientShare {
            counts: self.clone(),
            ip,
        })
    }
}

/// One connection's share of its client's limit, given back when dropped.
pub struct ClientShare {
    counts: PerClient,
    ip: IpAddr,
}

impl Drop for ClientShare {
    fn drop(&mut self) {
        let mut counts = self
            .counts
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

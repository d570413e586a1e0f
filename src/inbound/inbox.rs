//! The daemon's `Inbox`: recipients are the test addresses in the store, and each message is
//! judged (`message::judge`) and kept with its verdict, in the transaction that sets the
//! registration's `proven_at` and queues the `domain.test_message` event.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use tokio::sync::Semaphore;

use super::listener::Inbox;
use super::session::{Received, Recipient};
use crate::clock::Clock;
use crate::dns::Resolver;
use crate::message::dkim::KeyAnswers;
use crate::message::{self, Connection, MessageVerdict};
use crate::store::{Store, StoredMessage};
use crate::telemetry::Metrics;

/// Messages judged at once; more wait their turn (the client waits for its reply, which RFC
/// 5321 §4.5.3.2.6 lets take 10 minutes).
const JUDGED_AT_ONCE: usize = 16;
/// The most one message's verdict may take: past it the client is told 451 and tries later.
const JUDGE_BUDGET: Duration = Duration::from_secs(60);
/// The header block kept of a message, at most.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Recipients from the store; messages judged and kept.
pub struct StoreInbox {
    store: Arc<dyn Store>,
    resolver: Resolver,
    keys: Arc<KeyAnswers>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    /// The domain of test addresses, lower case; also this receiver's authserv-id.
    domain: String,
    judging: Semaphore,
    /// Live addresses looked up lately (local part → domain, expiry, when read): RCPT and the
    /// delivery after it ask once. Kept `ADDRESS_MEMORY`, at most `ADDRESS_ENTRIES`.
    addresses: Mutex<HashMap<String, Remembered>>,
}

/// A live address as looked up: its registered domain, its expiry, when it was read.
type Remembered = (String, DateTime<Utc>, Instant);

/// How long a looked-up address is reused: its expiry is kept with it, so only a deletion
/// of its registration goes unseen this long, and storing a message checks the registration.
const ADDRESS_MEMORY: Duration = Duration::from_secs(60);
const ADDRESS_ENTRIES: usize = 10_000;

impl StoreInbox {
    pub fn new(
        store: Arc<dyn Store>,
        resolver: Resolver,
        keys: Arc<KeyAnswers>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        domain: &str,
    ) -> Self {
        StoreInbox {
            store,
            resolver,
            keys,
            clock,
            metrics,
            domain: domain.to_ascii_lowercase(),
            judging: Semaphore::new(JUDGED_AT_ONCE),
            addresses: Mutex::default(),
        }
    }

    /// The registered domain a live test address belongs to; `Ok(None)` when the address is
    /// not ours, unknown or expired.
    async fn address_domain(
        &self,
        address: &str,
    ) -> Result<Option<String>, crate::store::StoreError> {
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Ok(None);
        };
        if !domain.eq_ignore_ascii_case(&self.domain) {
            return Ok(None);
        }
        let local = local.to_ascii_lowercase();
        let now = self.clock.now();
        let remembered = self
            .remembered()
            .get(&local)
            .filter(|(_, _, read)| read.elapsed() < ADDRESS_MEMORY)
            .map(|(domain, expires, _)| (domain.clone(), *expires));
        let found = match remembered {
            Some(found) => Some(found),
            None => {
                let found = self
                    .store
                    .test_address(&local)
                    .await?
                    .map(|address| (address.domain, address.expires_at));
                if let Some((domain, expires)) = &found {
                    let mut remembered = self.remembered();
                    if remembered.len() >= ADDRESS_ENTRIES {
                        remembered.clear();
                    }
                    remembered.insert(local, (domain.clone(), *expires, Instant::now()));
                }
                found
            }
        };
        Ok(found
            .filter(|(_, expires)| *expires > now)
            .map(|(domain, _)| domain))
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, HashMap<String, Remembered>> {
        self.addresses
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn keep(&self, received: &Received, client: SocketAddr) -> Result<(), String> {
        let connection = Connection {
            client_ip: client.ip().to_canonical(),
            helo: received.helo.clone(),
            mail_from: received.mail_from.clone(),
        };
        // One verdict per registered domain the message was sent to prove (usually one).
        let mut targets: Vec<(String, String)> = Vec::new();
        for recipient in &received.recipients {
            if let Some(domain) = self
                .address_domain(recipient)
                .await
                .map_err(|error| error.to_string())?
                && !targets.iter().any(|(known, _)| *known == domain)
            {
                targets.push((domain, recipient.clone()));
            }
        }
        let headers = header_block(&received.data);
        for (domain, recipient) in targets {
            let judged = tokio::time::timeout(
                JUDGE_BUDGET,
                message::judge(
                    &self.resolver,
                    &self.keys,
                    &received.data,
                    &connection,
                    &domain,
                    &self.domain,
                ),
            )
            .await
            .map_err(|_| format!("the verdict took longer than {JUDGE_BUDGET:?}"))?;
            let verdict = judged.unwrap_or_else(|error| MessageVerdict::unreadable(&error));
            let outcome = verdict.verdict.as_str();
            let message = StoredMessage {
                id: crate::store::random_id("msg"),
                domain: domain.clone(),
                received_at: self.clock.now(),
                client_ip: connection.client_ip.to_string(),
                helo: received.helo.clone(),
                mail_from: received.mail_from.clone(),
                recipient,
                tls: received.tls,
                headers: headers.clone(),
                verdict,
            };
            let kept = self
                .store
                .save_message(&message)
                .await
                .map_err(|error| error.to_string())?;
            if kept.is_some() {
                self.metrics.inbound_message(outcome);
                tracing::info!(
                    %domain,
                    id = %message.id,
                    verdict = outcome,
                    client = %connection.client_ip,
                    "test message received"
                );
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Inbox for StoreInbox {
    async fn recipient(&self, address: &str) -> Recipient {
        let ours = address
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.eq_ignore_ascii_case(&self.domain));
        if !ours {
            return Recipient::NotLocal;
        }
        match self.address_domain(address).await {
            Ok(Some(_)) => Recipient::Accepted,
            Ok(None) => Recipient::Unknown,
            Err(error) => {
                tracing::warn!(%error, "inbound SMTP: a recipient could not be looked up");
                Recipient::Unavailable
            }
        }
    }

    async fn deliver(&self, received: Received, client: SocketAddr) -> bool {
        let Ok(_turn) = self.judging.acquire().await else {
            return false;
        };
        match self.keep(&received, client).await {
            Ok(()) => true,
            Err(error) => {
                self.metrics.inbound_message("error");
                tracing::warn!(%error, client = %client.ip(), "inbound SMTP: a message was not kept");
                false
            }
        }
    }
}

/// The header block of a message (up to the first empty line), at most `MAX_HEADER_BYTES`,
/// as text.
pub fn header_block(data: &[u8]) -> String {
    let end = data
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map_or(data.len(), |position| position + 2);
    let block = &data[..end.min(MAX_HEADER_BYTES)];
    String::from_utf8_lossy(block).into_owned()
}

/// A fresh test address's local part: 24 base-32 characters (120 random bits), lower case,
/// so it cannot be guessed and survives any mail system's case folding.
pub fn new_local_part() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let bytes: [u8; 24] = rand::random();
    let random: String = bytes
        .iter()
        .map(|byte| ALPHABET[usize::from(byte & 31)] as char)
        .collect();
    format!("chk-{random}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_block_ends_at_the_first_empty_line() {
        assert_eq!(
            header_block(b"From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n"),
            "From: a@b.example\r\nSubject: x\r\n"
        );
        assert_eq!(
            header_block(b"From: a@b.example\r\n"),
            "From: a@b.example\r\n"
        );
        let huge = vec![b'a'; MAX_HEADER_BYTES * 2];
        assert_eq!(header_block(&huge).len(), MAX_HEADER_BYTES);
    }

    #[test]
    fn local_parts_are_long_random_and_lower_case() {
        let a = new_local_part();
        let b = new_local_part();
        assert_ne!(a, b);
        assert_eq!(a.len(), 28);
        assert!(
            a.bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        );
    }
}

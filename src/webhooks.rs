//! Webhooks: the dispatcher that works off the store's outbox. Events are written by the store
//! in the transaction of the transition they report (`store::sqlite::enqueue_event`), so a
//! crash never records a change without its event; the dispatcher fans each event out to the
//! endpoints that want it and POSTs it, oldest first per domain and endpoint, until a 2xx.
//!
//! Each POST carries `Sendercheck-Event-Id` (consumers de-duplicate by it: delivery is at least
//! once) and `Sendercheck-Signature: t=UNIX,v1=HEX`, HEX being HMAC-SHA256(secret,
//! "UNIX.BODY"). A failed attempt (an error status, a timeout, no connection) is tried again
//! after 10 s, 20 s, 40 s … (at most an hour, each ±50% at random) until 24 hours after the
//! event, then the delivery is dead. 410 Gone disables the endpoint until a delivery of it is
//! retried by hand.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngExt as _;
use sha2::Sha256;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::WebhookConfig;
use crate::store::{AttemptOutcome, Delivery, Endpoint, Store, StoreError};
use crate::telemetry::Metrics;

/// How long an event is tried before its deliveries are dead.
pub const RETRY_BUDGET: chrono::Duration = chrono::Duration::hours(24);
/// One POST's limit.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries attempted at once.
const BATCH: u32 = 64;
/// Attempts out at once per endpoint, from one replica.
const PER_ENDPOINT: usize = 8;
/// How often an idle dispatcher counts the deliveries by status for `/metrics`.
const COUNTS_EVERY: Duration = Duration::from_secs(5);
/// How long a delivery this replica cannot send (its endpoint unknown here) waits before a
/// replica is given it again.
const UNKNOWN_ENDPOINT_PAUSE: Duration = Duration::from_secs(30);
/// How long a replica holds the deliveries it is attempting: the attempt's timeout, and the
/// outcome's write.
const ATTEMPT_LEASE: Duration = Duration::from_secs(60);
const FIRST_BACKOFF_SECONDS: f64 = 10.0;
const MAX_BACKOFF_SECONDS: f64 = 3600.0;

/// `t=UNIX,v1=HEX` for `body` sent at `at`.
pub fn signature(secret: &str, at: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(at.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("t={at},v1={hex}")
}

/// When to try again after `attempts` failed attempts (the first retry after about 10 s).
pub fn next_attempt(now: DateTime<Utc>, attempts: u32) -> DateTime<Utc> {
    let base =
        (FIRST_BACKOFF_SECONDS * 2f64.powi(attempts.min(20) as i32)).min(MAX_BACKOFF_SECONDS);
    let jittered = base * rand::rng().random_range(0.5..1.5);
    now + chrono::Duration::milliseconds((jittered * 1000.0) as i64)
}

/// Renders an event's body (the API knows the wire form, and the language of its words).
pub type Render = Arc<dyn Fn(&crate::store::OutboxEvent) -> Vec<u8> + Send + Sync>;

/// Delivers the outbox's events.
#[derive(Clone)]
pub struct Dispatcher {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// The configured endpoints; SIGHUP swaps in the file's new list (`crate::reload`).
    endpoints: crate::reload::Swap<Vec<WebhookConfig>>,
    client: reqwest::Client,
    metrics: Arc<Metrics>,
    render: Render,
    /// When the deliveries were last counted by status for the gauges.
    counted_at: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
    /// Attempts out per endpoint URL, from this replica.
    in_flight: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        endpoints: Vec<WebhookConfig>,
        metrics: Arc<Metrics>,
        render: Render,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sendercheck/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Dispatcher {
            store,
            clock,
            endpoints: crate::reload::swap(endpoints),
            client,
            metrics,
            render,
            counted_at: Arc::default(),
            in_flight: Arc::default(),
        })
    }

    /// The endpoints' holder, for `crate::reload` to swap.
    pub fn endpoints(&self) -> crate::reload::Swap<Vec<WebhookConfig>> {
        self.endpoints.clone()
    }

    /// One round: fan new events out, attempt every due delivery its endpoint has room for,
    /// and wait for those attempts. Returns the attempts made. (The running dispatcher does
    /// not wait: `run` starts rounds while attempts of earlier ones are still out.)
    pub async fn tick(&self) -> Result<usize, StoreError> {
        let started = self.start_due().await?;
        let attempts = started.len();
        for attempt in started {
            let _ = attempt.await;
        }
        self.count_deliveries(attempts > 0).await?;
        Ok(attempts)
    }

    /// Fans new events out and starts an attempt, each in a task of its own that records its
    /// outcome, for every due delivery whose endpoint has fewer than `PER_ENDPOINT` attempts
    /// out: a slow or hung endpoint holds its own slots, never the others'.
    async fn start_due(&self) -> Result<Vec<tokio::task::JoinHandle<()>>, StoreError> {
        let now = self.clock.now();
        let endpoints: Vec<Endpoint> = self
            .endpoints
            .load()
            .iter()
            .map(|endpoint| Endpoint {
                url: endpoint.url.clone(),
                events: endpoint.events.clone(),
            })
            .collect();
        // With no endpoint, events wait unfanned, so one configured later (by SIGHUP, a restart
        // or another replica) still gets those of its last 24 hours. Deliveries made earlier
        // are still taken: left for a replica that knows their endpoint, dead after 24 hours.
        if !endpoints.is_empty() {
            self.store.fan_out(&endpoints, now, RETRY_BUDGET).await?;
        }
        // Every attempt ends within its timeout: the lease covers it, with room for the
        // outcome's write.
        let lease_until = now + chrono::Duration::from_std(ATTEMPT_LEASE).unwrap_or_default();
        let busy = self.busy_endpoints();
        let due = self
            .store
            .due_deliveries(now, lease_until, BATCH, &busy)
            .await?;
        let mut started = Vec::new();
        for delivery in due {
            let Some(slot) = self.endpoint_slot(&delivery.url) else {
                // Its endpoint filled up with this batch: due again at once for whoever has
                // room.
                self.store.release_delivery(delivery.id).await?;
                continue;
            };
            let dispatcher = self.clone();
            started.push(tokio::spawn(async move {
                let outcome = dispatcher.attempt(&delivery).await;
                drop(slot);
                if let Err(error) = dispatcher
                    .store
                    .finish_delivery(delivery.id, &outcome, dispatcher.clock.now())
                    .await
                {
                    tracing::error!(error = %anyhow::Error::from(error), "a webhook outcome could not be recorded");
                }
                let label = match outcome {
                    AttemptOutcome::Delivered => "delivered",
                    AttemptOutcome::Retry { .. } => "failed",
                    AttemptOutcome::Dead { .. } | AttemptOutcome::Gone { .. } => "dead",
                    AttemptOutcome::LeftForAnother { .. } => return,
                };
                dispatcher.metrics.webhook_attempt(label);
            }));
        }
        Ok(started)
    }

    /// Endpoints with `PER_ENDPOINT` attempts out from this replica.
    fn busy_endpoints(&self) -> Vec<String> {
        self.in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .filter(|(_, count)| **count >= PER_ENDPOINT)
            .map(|(url, _)| url.clone())
            .collect()
    }

    /// A place for one more attempt at `url`, or `None` when it has `PER_ENDPOINT` out.
    fn endpoint_slot(&self, url: &str) -> Option<EndpointSlot> {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = in_flight.entry(url.to_string()).or_default();
        if *count >= PER_ENDPOINT {
            return None;
        }
        *count += 1;
        Some(EndpointSlot {
            in_flight: self.in_flight.clone(),
            url: url.to_string(),
        })
    }

    /// The gauges by status: counted when something changed (`changed`), else at most every
    /// few seconds, so an idle dispatcher does not count the table twice a second.
    async fn count_deliveries(&self, changed: bool) -> Result<(), StoreError> {
        let stale = {
            let mut counted = self
                .counted_at
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let stale = changed || counted.is_none_or(|at| at.elapsed() >= COUNTS_EVERY);
            if stale {
                *counted = Some(std::time::Instant::now());
            }
            stale
        };
        if stale {
            for (status, count) in self.store.delivery_counts().await? {
                self.metrics.webhook_deliveries(status.as_str(), count);
            }
        }
        Ok(())
    }

    /// POSTs one delivery and says what became of it.
    async fn attempt(&self, delivery: &Delivery) -> AttemptOutcome {
        let endpoints = self.endpoints.load();
        let Some(endpoint) = endpoints
            .iter()
            .find(|endpoint| endpoint.url == delivery.url)
        else {
            // During a rolling configuration change another replica may know the endpoint
            // already: leave the delivery to it. Only once the delivery's 24 hours are over
            // with no replica having sent it is it dead.
            let now = self.clock.now();
            if now > delivery.give_up_at {
                return AttemptOutcome::Dead {
                    error: "the endpoint is not configured on any replica that tried it within \
                            24 hours"
                        .to_string(),
                };
            }
            return AttemptOutcome::LeftForAnother {
                at: now + chrono::Duration::from_std(UNKNOWN_ENDPOINT_PAUSE).unwrap_or_default(),
                note: "a replica whose configuration does not name this endpoint left it for \
                       one that does"
                    .to_string(),
            };
        };
        let body = (self.render)(&delivery.event);
        let now = self.clock.now();
        let signed = signature(endpoint.secret.expose(), now.timestamp(), &body);
        let sent = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("sendercheck-event-id", &delivery.event.id)
            .header("sendercheck-signature", signed)
            .body(body)
            .send()
            .await;
        let error = match sent {
            Ok(response) if response.status().is_success() => {
                tracing::info!(url = %masked_url(&endpoint.url), event = %delivery.event.id, "webhook delivered");
                return AttemptOutcome::Delivered;
            }
            Ok(response) if response.status() == reqwest::StatusCode::GONE => {
                tracing::warn!(url = %masked_url(&endpoint.url), "webhook endpoint answered 410: disabled");
                return AttemptOutcome::Gone {
                    error: "the endpoint answered 410 Gone".to_string(),
                };
            }
            Ok(response) => format!("the endpoint answered {}", response.status()),
            Err(error) if error.is_timeout() => {
                format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs())
            }
            Err(error) => format!("could not send: {}", root_cause(&error)),
        };
        tracing::warn!(url = %masked_url(&endpoint.url), event = %delivery.event.id, %error, "webhook attempt failed");
        let at = next_attempt(now, delivery.attempts);
        if at > delivery.give_up_at {
            AttemptOutcome::Dead {
                error: format!(
                    "{error}; gave up after {} attempts in 24 hours",
                    delivery.attempts + 1
                ),
            }
        } else {
            AttemptOutcome::Retry { at, error }
        }
    }

    /// Starts rounds until `stop` turns true: at once when one started attempts, else every
    /// half second. Attempts run on while later rounds start (each endpoint bounded by
    /// `PER_ENDPOINT`); on stop, the ones out are awaited (each ends within its timeout).
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut out: Vec<tokio::task::JoinHandle<()>> = Vec::new();
        loop {
            out.retain(|attempt| !attempt.is_finished());
            let worked = match self.start_due().await {
                Ok(started) => {
                    let worked = !started.is_empty();
                    out.extend(started);
                    worked
                }
                Err(error) => {
                    tracing::error!(error = %anyhow::Error::from(error), "webhook dispatch failed");
                    false
                }
            };
            if let Err(error) = self.count_deliveries(worked).await {
                tracing::warn!(error = %anyhow::Error::from(error), "webhook deliveries could not be counted");
            }
            if *stop.borrow() {
                break;
            }
            if !worked {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = stop.changed() => break,
                }
            }
        }
        for attempt in out {
            let _ = attempt.await;
        }
    }
}

/// One attempt's place among its endpoint's, given back when dropped.
struct EndpointSlot {
    in_flight: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    url: String,
}

impl Drop for EndpointSlot {
    fn drop(&mut self) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = in_flight.get_mut(&self.url) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                in_flight.remove(&self.url);
            }
        }
    }
}

/// An endpoint URL as logs and the API show it: scheme, host and port, with the user
/// information, path and query masked — receivers such as Slack's or Zapier's put the secret
/// that authorises a POST in the path.
pub fn masked_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let hidden = if rest.len() > end && &rest[end..] != "/" {
        "/***"
    } else {
        "/"
    };
    format!("{scheme}://{host}{hidden}")
}

/// The innermost error of a chain: what actually went wrong.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_are_shown_without_their_path() {
        assert_eq!(
            masked_url("https://hooks.slack.com/services/T00/B00/XXXXSECRET"),
            "https://hooks.slack.com/***"
        );
        assert_eq!(
            masked_url("https://user:pass@hooks.example:8443/in?token=s3cret"),
            "https://hooks.example:8443/***"
        );
        assert_eq!(
            masked_url("https://hooks.example"),
            "https://hooks.example/"
        );
        assert_eq!(
            masked_url("https://hooks.example/"),
            "https://hooks.example/"
        );
        assert_eq!(masked_url("not a url"), "***");
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            signature("secret", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps_at_an_hour() {
        let now = Utc::now();
        for attempts in 0..30 {
            let wait = (next_attempt(now, attempts) - now).num_milliseconds() as f64 / 1000.0;
            let base = (10.0 * 2f64.powi(attempts as i32)).min(3600.0);
            assert!(
                wait >= base * 0.5 && wait <= base * 1.5,
                "{attempts}: {wait}"
            );
        }
    }
}

//! Prometheus metrics. Each `Metrics` owns its registry (no process-global recorder), so several
//! daemons in one test process never share series. Events are recorded as they happen; state
//! the store and scheduler already hold (domains by status, lag, DNS counters) is read at
//! scrape time, so it can never drift.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use arc_swap::ArcSwap;
use metrics::{Key, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::dns::{QueryCounters, ServerStats};
use crate::status::DomainStatus;

const CHECK_DURATION: &str = "sendercheck_check_duration_seconds";
const HTTP_DURATION: &str = "sendercheck_http_request_duration_seconds";

/// DNS checks take milliseconds on a good day and seconds when servers time out.
const CHECK_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// HTTP answers: sub-millisecond reads to checks that wait on DNS.
const HTTP_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

static METADATA: Metadata<'static> = Metadata::new("sendercheck", Level::INFO, None);

/// How a stored check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Every required record passes.
    Pass,
    /// A required record is definitely wrong or missing.
    Fail,
    /// DNS did not answer for some record: no verdict.
    Error,
}

impl CheckOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Pass => "pass",
            CheckOutcome::Fail => "fail",
            CheckOutcome::Error => "error",
        }
    }
}

/// What a scrape reads from the rest of the daemon.
pub struct ScrapeState<'a> {
    pub domains_by_status: &'a [(DomainStatus, u64)],
    pub checks_in_flight: usize,
    /// Seconds the most overdue check is late (0 when nothing is overdue).
    pub scheduler_lag_seconds: f64,
    pub dns: &'a QueryCounters,
    /// What the DNS transport knows of each server.
    pub dns_servers: &'a [ServerStats],
    /// Authoritative servers held back now by the health memory (no answer lately).
    pub dns_servers_held_back: usize,
    /// The store's connection pool.
    pub store_pool: crate::store::PoolStats,
    /// Replicas whose heartbeat is recent (2 min), and those seen in the last 24 h but not
    /// since.
    pub replicas: (u64, u64),
}

/// The tables `sendercheck_retention_deleted_total` counts.
const RETENTION_TABLES: [&str; 6] = [
    "transitions",
    "webhook_events",
    "webhook_deliveries",
    "test_messages",
    "test_addresses",
    "audit",
];

/// Why `sendercheck_auth_failures_total` counts a request.
const AUTH_FAILURES: [&str; 4] = ["missing", "unknown", "forbidden_scope", "rate_limited"];

/// The verdicts `sendercheck_inbound_messages_total` counts.
const INBOUND_VERDICTS: [&str; 3] = ["pass", "fail", "error"];

/// The daemon's metrics.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    per_domain: bool,
    /// The handles of each request's series, found once per route, method and status: building
    /// the labelled key to look them up again was about 1.4% of a DKIM request's CPU (issue 31).
    /// A kept handle stays its series': the recorder is built without an idle timeout, so it
    /// never drops one.
    http: ArcSwap<HttpSeriesByRoute>,
    /// `sendercheck_dkim_verdicts_total` by result, in `DKIM_VERDICTS`' order.
    dkim_verdicts: [metrics::Counter; 6],
}

/// The overall results of a DKIM verdict.
const DKIM_VERDICTS: [&str; 6] = ["pass", "fail", "neutral", "temperror", "permerror", "none"];

/// By route template, then by the method's place in `HTTP_METHODS` and the status.
type HttpSeriesByRoute = HashMap<Box<str>, HashMap<(u8, u16), HttpSeries>>;

/// The two series one request adds to.
#[derive(Clone)]
struct HttpSeries {
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

impl HttpSeries {
    fn add(&self, duration: Duration) {
        self.requests.increment(1);
        self.duration.record(duration.as_secs_f64());
    }
}

/// The request methods whose series are kept by handle (`Metrics::http`); another method is
/// looked up each time.
const HTTP_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
];

impl Metrics {
    /// A fresh registry; `per_domain` adds one series per registered domain (cardinality!).
    pub fn new(per_domain: bool) -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(CHECK_DURATION.to_string()), &CHECK_BUCKETS)
            .and_then(|builder| {
                builder
                    .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_string()), &HTTP_BUCKETS)
            })
            .expect("bucket lists are non-empty constants")
            .build_recorder();
        let handle = recorder.handle();
        let dkim_verdicts =
            DKIM_VERDICTS.map(|result| Self::dkim_verdict_counter(&recorder, result));
        let metrics = Metrics {
            recorder,
            handle,
            per_domain,
            http: ArcSwap::default(),
            dkim_verdicts,
        };
        metrics.describe();
        metrics.start_at_zero();
        metrics
    }

    /// Every labelled series the contract names exists from the first scrape, at zero: a
    /// monitoring rule on `rate(sendercheck_checks_total{outcome="fail"}[5m])` must not see
    /// "no data" on a fresh daemon.
    fn start_at_zero(&self) {
        for outcome in [CheckOutcome::Pass, CheckOutcome::Fail, CheckOutcome::Error] {
            self.recorder
                .register_counter(
                    &Self::key("sendercheck_checks_total", &[("outcome", outcome.as_str())]),
                    &METADATA,
                )
                .absolute(0);
        }
        self.recorder
            .register_counter(
                &Self::key("sendercheck_checks_dropped_total", &[]),
                &METADATA,
            )
            .absolute(0);
        for counter in &self.dkim_verdicts {
            counter.absolute(0);
        }
        for result in ["pass", "fail", "error", "refused"] {
            self.recorder
                .register_counter(
                    &Self::key("sendercheck_smtp_probes_total", &[("result", result)]),
                    &METADATA,
                )
                .absolute(0);
        }
        // Not known until the first heartbeat (at start, then every 30 s).
        for gauge in ["sendercheck_ready", "sendercheck_store_writable"] {
            self.recorder
                .register_gauge(&Self::key(gauge, &[]), &METADATA)
                .set(0.0);
        }
        for table in RETENTION_TABLES {
            self.recorder
                .register_counter(
                    &Self::key("sendercheck_retention_deleted_total", &[("table", table)]),
                    &METADATA,
                )
                .absolute(0);
        }
        for reason in AUTH_FAILURES {
            self.recorder
                .register_counter(
                    &Self::key("sendercheck_auth_failures_total", &[("reason", reason)]),
                    &METADATA,
                )
                .absolute(0);
        }
        for result in ["applied", "refused"] {
            self.recorder
                .register_counter(
                    &Self::key("sendercheck_config_reloads_total", &[("result", result)]),
                    &METADATA,
                )
                .absolute(0);
        }
        for verdict in INBOUND_VERDICTS {
            self.recorder
                .register_counter(
                    &Self::key(
                        "sendercheck_inbound_messages_total",
                        &[("verdict", verdict)],
                    ),
                    &METADATA,
                )
                .absolute(0);
        }
        for outcome in ["delivered", "failed", "dead"] {
            self.recorder
                .register_counter(
                    &Self::key(
                        "sendercheck_webhook_attempts_total",
                        &[("outcome", outcome)],
                    ),
                    &METADATA,
                )
                .absolute(0);
        }
        for status in ["pending", "failed", "delivered", "dead"] {
            self.recorder
                .register_gauge(
                    &Self::key("sendercheck_webhook_deliveries", &[("status", status)]),
                    &METADATA,
                )
                .set(0.0);
        }
        // Registering the histogram makes its buckets, sum and count render at zero.
        let _ = self
            .recorder
            .register_histogram(&Self::key(CHECK_DURATION, &[]), &METADATA);
    }

    fn describe(&self) {
        let counters = [
            (
                "sendercheck_checks_total",
                "Checks stored, by outcome (pass, fail, error).",
            ),
            (
                "sendercheck_checks_dropped_total",
                "Checks run whose result was not stored: the registration changed meanwhile, or another replica held its lease.",
            ),
            (
                "sendercheck_dns_queries_total",
                "DNS queries answered, by outcome (answer, nxdomain, nodata, timeout, servfail, refused, other).",
            ),
            (
                "sendercheck_dns_dnssec_answers_total",
                "DNS answers validated, by DNSSEC status (secure, insecure, bogus, indeterminate).",
            ),
            (
                "sendercheck_dkim_verdicts_total",
                "DKIM verdicts given, by overall result.",
            ),
            (
                "sendercheck_http_requests_total",
                "HTTP requests answered, by route, method and status.",
            ),
            (
                "sendercheck_dns_server_sent_total",
                "DNS queries sent to each server over UDP, retransmissions included.",
            ),
            (
                "sendercheck_dns_server_retransmits_total",
                "DNS queries sent again after the server's retransmit timeout.",
            ),
            (
                "sendercheck_dns_server_losses_total",
                "DNS queries the server did not answer within its retransmit timeout.",
            ),
            (
                "sendercheck_dns_server_mismatched_total",
                "Answers refused: wrong ID, question, source or letter case (possible spoofing).",
            ),
            (
                "sendercheck_dns_server_tcp_total",
                "Truncated answers asked again over TCP.",
            ),
            (
                "sendercheck_ready",
                "1 when /readyz would answer 200 (store reachable and writable, scheduler ticking), as of the last heartbeat (every 30 s) or /readyz call.",
            ),
            (
                "sendercheck_store_writable",
                "1 when the last heartbeat write (a write that needs room on the disk) succeeded.",
            ),
            (
                "sendercheck_replicas",
                "Replicas by heartbeat: alive (written in the last 2 minutes), missing (seen in the last 24 hours, not since).",
            ),
            (
                "sendercheck_retention_deleted_total",
                "Rows deleted because they were older than [retention] says, by table.",
            ),
            (
                "sendercheck_auth_failures_total",
                "Requests refused by authentication, by reason (missing: no token; unknown: a token no one has; forbidden_scope: a token without the route's scope; rate_limited: an address over its failures per minute).",
            ),
            (
                "sendercheck_config_reloads_total",
                "Configuration reloads on SIGHUP, by result (applied; refused: the file did not load or was unsafe, the running configuration was kept).",
            ),
            (
                "sendercheck_inbound_messages_total",
                "Messages received at test addresses, by verdict (pass, fail; error: not judged or not kept, the client was told to try again).",
            ),
            (
                "sendercheck_smtp_probes_total",
                "SMTP gateway probes through the API, by result (pass, fail, error: could not test, refused: outside [smtp] policy or its bounds).",
            ),
            (
                "sendercheck_webhook_attempts_total",
                "Webhook delivery attempts, by outcome (delivered, failed: tried again later, dead).",
            ),
        ];
        for (name, help) in counters {
            self.recorder
                .describe_counter(name.into(), None, SharedString::from(help));
        }
        let gauges = [
            (
                "sendercheck_domains",
                "Registered domains, by status.",
                None,
            ),
            ("sendercheck_checks_in_flight", "Checks running now.", None),
            (
                "sendercheck_dns_servers_held_back",
                "Authoritative servers not asked now: they gave no answer (timed out or port \
                 closed) and are held back for 1 minute, doubling per failure up to 30 minutes.",
                None,
            ),
            (
                "sendercheck_scheduler_lag_seconds",
                "How late the most overdue check is.",
                Some(Unit::Seconds),
            ),
            (
                "sendercheck_webhook_deliveries",
                "Webhook deliveries, by status (pending, failed, delivered, dead).",
                None,
            ),
            (
                "sendercheck_store_connections",
                "The store's pooled database connections, by state (busy, idle).",
                None,
            ),
            (
                "sendercheck_store_connections_max",
                "The most database connections the store's pool opens (store.pool_size).",
                None,
            ),
            (
                "sendercheck_replica_info",
                "Always 1; names this process's replica id and store backend.",
                None,
            ),
            (
                "sendercheck_domain_ready",
                "1 when the domain's latest check passed (only with metrics.per_domain).",
                None,
            ),
            (
                "sendercheck_dns_server_in_flight",
                "DNS queries waiting for an answer from each server.",
                None,
            ),
            (
                "sendercheck_dns_server_window",
                "How many queries each server may have in flight now (AIMD).",
                None,
            ),
            (
                "sendercheck_dns_server_rtt_seconds",
                "Smoothed round-trip time of each server (RFC 6298).",
                Some(Unit::Seconds),
            ),
            (
                "sendercheck_dns_server_rto_seconds",
                "Each server's retransmit timeout now.",
                Some(Unit::Seconds),
            ),
        ];
        for (name, help, unit) in gauges {
            self.recorder
                .describe_gauge(name.into(), unit, SharedString::from(help));
        }
        self.recorder.describe_histogram(
            CHECK_DURATION.into(),
            Some(Unit::Seconds),
            "How long one check of one domain took.".into(),
        );
        self.recorder.describe_histogram(
            HTTP_DURATION.into(),
            Some(Unit::Seconds),
            "How long HTTP requests took to answer, by route and method.".into(),
        );
    }

    fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
        let labels: Vec<Label> = labels
            .iter()
            .map(|(key, value)| Label::new(*key, value.to_string()))
            .collect();
        Key::from_parts(name, labels)
    }

    /// Records one stored check.
    pub fn check_finished(&self, outcome: CheckOutcome, duration: Duration, domain: &str) {
        self.recorder
            .register_counter(
                &Self::key("sendercheck_checks_total", &[("outcome", outcome.as_str())]),
                &METADATA,
            )
            .increment(1);
        self.recorder
            .register_histogram(&Self::key(CHECK_DURATION, &[]), &METADATA)
            .record(duration.as_secs_f64());
        if self.per_domain && outcome != CheckOutcome::Error {
            let ready = if outcome == CheckOutcome::Pass {
                1.0
            } else {
                0.0
            };
            self.recorder
                .register_gauge(
                    &Self::key("sendercheck_domain_ready", &[("domain", domain)]),
                    &METADATA,
                )
                .set(ready);
        }
    }

    /// Records one webhook delivery attempt (`delivered`, `failed`, `dead`).
    /// A check ran but its result was dropped.
    pub fn check_dropped(&self) {
        self.recorder
            .register_counter(
                &Self::key("sendercheck_checks_dropped_total", &[]),
                &METADATA,
            )
            .increment(1);
    }

    pub fn webhook_attempt(&self, outcome: &str) {
        self.recorder
            .register_counter(
                &Self::key(
                    "sendercheck_webhook_attempts_total",
                    &[("outcome", outcome)],
                ),
                &METADATA,
            )
            .increment(1);
    }

    /// Webhook deliveries by status, as the dispatcher last counted them.
    pub fn webhook_deliveries(&self, status: &str, count: u64) {
        self.recorder
            .register_gauge(
                &Self::key("sendercheck_webhook_deliveries", &[("status", status)]),
                &METADATA,
            )
            .set(count as f64);
    }

    /// Records one DKIM verdict.
    pub fn dkim_verdict(&self, result: &str) {
        match DKIM_VERDICTS.iter().position(|known| *known == result) {
            Some(index) => self.dkim_verdicts[index].increment(1),
            None => Self::dkim_verdict_counter(&self.recorder, result).increment(1),
        }
    }

    fn dkim_verdict_counter(recorder: &PrometheusRecorder, result: &str) -> metrics::Counter {
        recorder.register_counter(
            &Self::key("sendercheck_dkim_verdicts_total", &[("result", result)]),
            &METADATA,
        )
    }

    /// Readiness as just judged: whether the store took a write, and whether `/readyz` would
    /// answer 200.
    pub fn readiness(&self, store_writable: bool, ready: bool) {
        let value = |ok: bool| if ok { 1.0 } else { 0.0 };
        self.recorder
            .register_gauge(&Self::key("sendercheck_store_writable", &[]), &METADATA)
            .set(value(store_writable));
        self.recorder
            .register_gauge(&Self::key("sendercheck_ready", &[]), &METADATA)
            .set(value(ready));
    }

    /// Rows of `table` deleted by retention.
    pub fn retention_deleted(&self, table: &str, count: u64) {
        if count > 0 {
            self.recorder
                .register_counter(
                    &Self::key("sendercheck_retention_deleted_total", &[("table", table)]),
                    &METADATA,
                )
                .increment(count);
        }
    }

    /// One request refused by authentication: `missing`, `unknown`, `forbidden_scope` or
    /// `rate_limited`.
    pub fn auth_failure(&self, reason: &str) {
        self.recorder
            .register_counter(
                &Self::key("sendercheck_auth_failures_total", &[("reason", reason)]),
                &METADATA,
            )
            .increment(1);
    }

    /// One SIGHUP reload: `applied`, or `refused` (the running configuration kept).
    pub fn config_reload(&self, result: &str) {
        self.recorder
            .register_counter(
                &Self::key("sendercheck_config_reloads_total", &[("result", result)]),
                &METADATA,
            )
            .increment(1);
    }

    /// One message received at a test address: `pass`, `fail`, or `error` (not kept).
    pub fn inbound_message(&self, verdict: &str) {
        self.recorder
            .register_counter(
                &Self::key(
                    "sendercheck_inbound_messages_total",
                    &[("verdict", verdict)],
                ),
                &METADATA,
            )
            .increment(1);
    }

    /// One SMTP probe through the API: its verdict (pass, fail, error), or `refused` by the
    /// `[smtp]` policy. Never the host or anything the caller sent.
    pub fn smtp_probe(&self, result: &str) {
        self.recorder
            .register_counter(
                &Self::key("sendercheck_smtp_probes_total", &[("result", result)]),
                &METADATA,
            )
            .increment(1);
    }

    /// Records one answered HTTP request. `route` is the route's template (never the raw path,
    /// which would make a series per domain).
    pub fn http_request(&self, route: &str, method: &str, status: u16, duration: Duration) {
        let Some(method_index) = HTTP_METHODS.iter().position(|known| *known == method) else {
            self.http_series(route, method, status).add(duration);
            return;
        };
        let key = (method_index as u8, status);
        if let Some(series) = self.http.load().get(route).and_then(|kept| kept.get(&key)) {
            series.add(duration);
            return;
        }
        let series = self.http_series(route, method, status);
        self.http.rcu(|kept| {
            let mut kept = HashMap::clone(kept);
            kept.entry(route.into())
                .or_default()
                .insert(key, series.clone());
            kept
        });
        series.add(duration);
    }

    fn http_series(&self, route: &str, method: &str, status: u16) -> HttpSeries {
        let status = status.to_string();
        HttpSeries {
            requests: self.recorder.register_counter(
                &Self::key(
                    "sendercheck_http_requests_total",
                    &[("route", route), ("method", method), ("status", &status)],
                ),
                &METADATA,
            ),
            duration: self.recorder.register_histogram(
                &Self::key(HTTP_DURATION, &[("route", route), ("method", method)]),
                &METADATA,
            ),
        }
    }

    /// Names this process among replicas: `sendercheck_replica_info{replica, backend} 1`.
    pub fn replica(&self, id: &str, backend: &str) {
        self.recorder
            .register_gauge(
                &Self::key(
                    "sendercheck_replica_info",
                    &[("replica", id), ("backend", backend)],
                ),
                &METADATA,
            )
            .set(1.0);
    }

    /// The Prometheus text exposition, with state read now.
    pub fn render(&self, state: &ScrapeState<'_>) -> String {
        let pool = state.store_pool;
        for (connections, value) in [
            ("busy", pool.size.saturating_sub(pool.idle)),
            ("idle", pool.idle),
        ] {
            self.recorder
                .register_gauge(
                    &Self::key("sendercheck_store_connections", &[("state", connections)]),
                    &METADATA,
                )
                .set(f64::from(value));
        }
        self.recorder
            .register_gauge(
                &Self::key("sendercheck_store_connections_max", &[]),
                &METADATA,
            )
            .set(f64::from(pool.max));
        for (status, count) in state.domains_by_status {
            self.recorder
                .register_gauge(
                    &Self::key("sendercheck_domains", &[("status", status.as_str())]),
                    &METADATA,
                )
                .set(*count as f64);
        }
        self.recorder
            .register_gauge(&Self::key("sendercheck_checks_in_flight", &[]), &METADATA)
            .set(state.checks_in_flight as f64);
        for (replicas, count) in [("alive", state.replicas.0), ("missing", state.replicas.1)] {
            self.recorder
                .register_gauge(
                    &Self::key("sendercheck_replicas", &[("state", replicas)]),
                    &METADATA,
                )
                .set(count as f64);
        }
        self.recorder
            .register_gauge(
                &Self::key("sendercheck_dns_servers_held_back", &[]),
                &METADATA,
            )
            .set(state.dns_servers_held_back as f64);
        self.recorder
            .register_gauge(
                &Self::key("sendercheck_scheduler_lag_seconds", &[]),
                &METADATA,
            )
            .set(state.scheduler_lag_seconds);
        let dns = state.dns;
        for (outcome, counter) in [
            ("answer", &dns.answer),
            ("nxdomain", &dns.nxdomain),
            ("nodata", &dns.nodata),
            ("timeout", &dns.timeout),
            ("servfail", &dns.servfail),
            ("refused", &dns.refused),
            ("other", &dns.other),
        ] {
            self.recorder
                .register_counter(
                    &Self::key("sendercheck_dns_queries_total", &[("outcome", outcome)]),
                    &METADATA,
                )
                .absolute(counter.load(Ordering::Relaxed));
        }
        for (status, counter) in [
            ("secure", &dns.dnssec_secure),
            ("insecure", &dns.dnssec_insecure),
            ("bogus", &dns.dnssec_bogus),
            ("indeterminate", &dns.dnssec_indeterminate),
        ] {
            self.recorder
                .register_counter(
                    &Self::key(
                        "sendercheck_dns_dnssec_answers_total",
                        &[("status", status)],
                    ),
                    &METADATA,
                )
                .absolute(counter.load(Ordering::Relaxed));
        }
        for server in state.dns_servers {
            let address = server.server.to_string();
            let labels = [("server", address.as_str())];
            for (name, value) in [
                ("sendercheck_dns_server_in_flight", server.in_flight as f64),
                ("sendercheck_dns_server_window", server.window),
                (
                    "sendercheck_dns_server_rtt_seconds",
                    server.srtt.map_or(0.0, |rtt| rtt.as_secs_f64()),
                ),
                (
                    "sendercheck_dns_server_rto_seconds",
                    server.rto.as_secs_f64(),
                ),
            ] {
                self.recorder
                    .register_gauge(&Self::key(name, &labels), &METADATA)
                    .set(value);
            }
            for (name, value) in [
                ("sendercheck_dns_server_sent_total", server.sent),
                (
                    "sendercheck_dns_server_retransmits_total",
                    server.retransmits,
                ),
                ("sendercheck_dns_server_losses_total", server.losses),
                ("sendercheck_dns_server_mismatched_total", server.mismatched),
                ("sendercheck_dns_server_tcp_total", server.tcp),
            ] {
                self.recorder
                    .register_counter(&Self::key(name, &labels), &METADATA)
                    .absolute(value);
            }
        }
        self.handle.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_registry_has_every_contract_series_at_zero() {
        let metrics = Metrics::new(false);
        let text = metrics.render(&ScrapeState {
            domains_by_status: &[],
            checks_in_flight: 0,
            scheduler_lag_seconds: 0.0,
            dns: &QueryCounters::default(),
            dns_servers: &[],
            dns_servers_held_back: 0,
            store_pool: crate::store::PoolStats {
                size: 2,
                idle: 1,
                max: 8,
            },
            replicas: (1, 0),
        });
        for expected in [
            "sendercheck_checks_total{outcome=\"pass\"} 0",
            "sendercheck_checks_total{outcome=\"fail\"} 0",
            "sendercheck_checks_total{outcome=\"error\"} 0",
            "sendercheck_check_duration_seconds_count 0",
            "sendercheck_check_duration_seconds_bucket{le=\"+Inf\"} 0",
            "sendercheck_dkim_verdicts_total{result=\"pass\"} 0",
            "sendercheck_checks_dropped_total 0",
            "sendercheck_smtp_probes_total{result=\"refused\"} 0",
            "sendercheck_inbound_messages_total{verdict=\"error\"} 0",
            "sendercheck_config_reloads_total{result=\"refused\"} 0",
            "sendercheck_retention_deleted_total{table=\"transitions\"} 0",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }

    #[test]
    fn renders_every_family_with_help_and_units() {
        let metrics = Metrics::new(true);
        metrics.check_finished(CheckOutcome::Pass, Duration::from_millis(20), "a.example");
        metrics.check_finished(CheckOutcome::Error, Duration::from_secs(3), "b.example");
        metrics.dkim_verdict("fail");
        metrics.http_request(
            "/v1/domains/{domain}",
            "GET",
            200,
            Duration::from_micros(700),
        );
        let counters = QueryCounters::default();
        counters.timeout.store(4, Ordering::Relaxed);
        let text = metrics.render(&ScrapeState {
            domains_by_status: &[(DomainStatus::Verified, 7), (DomainStatus::Pending, 0)],
            checks_in_flight: 2,
            scheduler_lag_seconds: 1.5,
            dns: &counters,
            dns_servers_held_back: 2,
            replicas: (1, 0),
            dns_servers: &[ServerStats {
                server: "127.0.0.1:53".parse().unwrap(),
                in_flight: 3,
                window: 64.0,
                srtt: Some(Duration::from_micros(500)),
                rto: Duration::from_millis(50),
                sent: 10,
                retransmits: 2,
                losses: 2,
                mismatched: 1,
                tcp: 0,
            }],
            store_pool: crate::store::PoolStats {
                size: 5,
                idle: 2,
                max: 10,
            },
        });
        metrics.replica("web-1", "postgres");
        let text = format!(
            "{text}{}",
            metrics.render(&ScrapeState {
                domains_by_status: &[],
                checks_in_flight: 0,
                scheduler_lag_seconds: 0.0,
                dns: &counters,
                dns_servers: &[],
                dns_servers_held_back: 0,
                store_pool: crate::store::PoolStats {
                    size: 5,
                    idle: 2,
                    max: 10,
                },
                replicas: (2, 1),
            })
        );
        for expected in [
            "sendercheck_replicas{state=\"missing\"} 1",
            "sendercheck_dns_servers_held_back 2",
            "# HELP sendercheck_dns_servers_held_back Authoritative servers not asked now",
            "sendercheck_checks_total{outcome=\"pass\"} 1",
            "sendercheck_checks_total{outcome=\"error\"} 1",
            "sendercheck_check_duration_seconds_bucket{le=\"0.025\"} 1",
            "sendercheck_check_duration_seconds_count 2",
            "sendercheck_domains{status=\"verified\"} 7",
            "sendercheck_domains{status=\"pending\"} 0",
            "sendercheck_checks_in_flight 2",
            "sendercheck_scheduler_lag_seconds 1.5",
            "sendercheck_dns_queries_total{outcome=\"timeout\"} 4",
            "sendercheck_dkim_verdicts_total{result=\"fail\"} 1",
            "sendercheck_http_requests_total{route=\"/v1/domains/{domain}\",method=\"GET\",status=\"200\"} 1",
            "sendercheck_domain_ready{domain=\"a.example\"} 1",
            "sendercheck_dns_server_in_flight{server=\"127.0.0.1:53\"} 3",
            "sendercheck_dns_server_window{server=\"127.0.0.1:53\"} 64",
            "sendercheck_dns_server_rto_seconds{server=\"127.0.0.1:53\"} 0.05",
            "sendercheck_dns_server_retransmits_total{server=\"127.0.0.1:53\"} 2",
            "sendercheck_dns_server_mismatched_total{server=\"127.0.0.1:53\"} 1",
            "sendercheck_store_connections{state=\"busy\"} 3",
            "sendercheck_store_connections{state=\"idle\"} 2",
            "sendercheck_store_connections_max 10",
            "sendercheck_replica_info{replica=\"web-1\",backend=\"postgres\"} 1",
            "# HELP sendercheck_checks_total Checks stored",
            "# TYPE sendercheck_check_duration_seconds histogram",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(
            !text.contains("b.example"),
            "inconclusive checks leave per-domain series alone"
        );
    }
}

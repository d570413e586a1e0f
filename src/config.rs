//! Configuration: built-in defaults < TOML file < `SENDERCHECK_…` environment < command-line
//! flags. Raw TOML is parsed strictly (unknown keys are errors), then validated into `Config`.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::dns::ResolverSettings;
use crate::profile::{ConfiguredProfile, ProfileError, Profiles};
use crate::status::Schedule;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{key} = {value:?} is not valid: {reason}")]
    Invalid {
        key: String,
        value: String,
        reason: String,
    },
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The file as written. Every table and key is optional; absent ones keep the defaults.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    store: RawStore,
    #[serde(default)]
    dns: RawDns,
    #[serde(default)]
    schedule: RawSchedule,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    smtp: RawSmtp,
    #[serde(default)]
    inbound: RawInbound,
    #[serde(default)]
    retention: RawRetention,
    #[serde(default)]
    metrics: RawMetrics,
    /// `dir = "PATH"` and `[profiles.NAME]` tables (the short or the full form).
    #[serde(default)]
    profiles: toml::Table,
    #[serde(default)]
    defaults: RawDefaults,
    /// `[[webhooks]]` endpoints.
    #[serde(default)]
    webhooks: Vec<RawWebhook>,
    /// `[[tokens]]`: named API tokens with scopes.
    #[serde(default)]
    tokens: Vec<RawToken>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    name: String,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    token: Option<String>,
    scope: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: String,
    secret: String,
    #[serde(default)]
    events: Option<Vec<String>>,
}

/// The event kinds a webhook can ask for.
pub const WEBHOOK_EVENTS: [&str; 5] = [
    "domain.verified",
    "domain.failing",
    "domain.pending",
    "domain.deleted",
    "domain.test_message",
];

/// The kinds an endpoint gets when its table names none: the status changes. A test message
/// (`domain.test_message`, which has no transition) only goes where it is asked for.
pub const DEFAULT_WEBHOOK_EVENTS: [&str; 4] = [
    "domain.verified",
    "domain.failing",
    "domain.pending",
    "domain.deleted",
];

/// One `[[webhooks]]` endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookConfig {
    pub url: String,
    /// Signs every POST (HMAC-SHA256); never logged.
    pub secret: Secret,
    /// The event kinds sent to it (all four when the file names none).
    pub events: Vec<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    profile: Option<String>,
    lang: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    enabled: Option<bool>,
    tick: Option<String>,
    concurrency: Option<usize>,
    check_timeout: Option<String>,
    lease: Option<String>,
    pending_interval: Option<String>,
    pending_fast_for: Option<String>,
    pending_slow_interval: Option<String>,
    verified_interval: Option<String>,
    failing_interval: Option<String>,
    jitter: Option<f64>,
    propagation_window: Option<String>,
    fail_after: Option<u32>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    per_domain: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_body_bytes: Option<usize>,
    max_message_bytes: Option<usize>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<String>,
    api_token: Option<String>,
    session_key: Option<String>,
    request_timeout: Option<String>,
    shutdown_grace: Option<String>,
    header_timeout: Option<String>,
    body_timeout: Option<String>,
    max_connections: Option<usize>,
    max_connections_per_client: Option<usize>,
    allowed_hosts: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    allowed: Option<Vec<String>>,
    deny_private: Option<bool>,
    max_concurrent: Option<usize>,
    per_minute: Option<usize>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    transitions: Option<String>,
    events: Option<String>,
    messages: Option<String>,
}

/// `[retention]`: how long history is kept (pruned in batches at start and every hour).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionConfig {
    /// Status changes (each domain's latest is always kept).
    pub transitions: Duration,
    /// Webhook events whose deliveries are finished (delivered or dead), with them.
    pub events: Duration,
    /// Test messages, and test addresses expired as long ago.
    pub messages: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        const DAY: u64 = 24 * 60 * 60;
        RetentionConfig {
            transitions: Duration::from_secs(400 * DAY),
            events: Duration::from_secs(30 * DAY),
            messages: Duration::from_secs(30 * DAY),
        }
    }
}

/// A retention: at least an hour, at most ten years.
fn parse_retention(key: &str, value: &str) -> Result<Duration, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        key: key.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let duration = humantime::parse_duration(value.trim())
        .map_err(|_| invalid("expected a duration like 30d or 400d"))?;
    if duration < Duration::from_secs(3600) {
        return Err(invalid("must be at least 1h"));
    }
    if duration > Duration::from_secs(3660 * 24 * 3600) {
        return Err(invalid("must be at most 3660d"));
    }
    Ok(duration)
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawInbound {
    listen: Option<String>,
    domain: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    address_ttl: Option<String>,
    max_message_bytes: Option<usize>,
    max_sessions: Option<usize>,
    max_sessions_per_client: Option<usize>,
    max_receiving: Option<usize>,
}

/// `[inbound]`: the receiving SMTP listener of test addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundConfig {
    /// Where the listener accepts SMTP; `None` (the default): no listener in this process.
    pub listen: Option<SocketAddr>,
    /// The domain of test addresses (its MX points at the listener); without it no test
    /// address can be given out.
    pub domain: Option<crate::domain::DomainName>,
    /// PEM certificate chain and private key; STARTTLS is offered when both are set.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// How long a test address takes mail.
    pub address_ttl: Duration,
    /// The largest message taken (SIZE), in bytes; larger ones get 552.
    pub max_message_bytes: usize,
    /// SMTP sessions at once, in all and from one client address (421 beyond).
    pub max_sessions: usize,
    pub max_sessions_per_client: usize,
    /// Messages arriving or being judged at once (452 beyond): with `max_message_bytes`, the
    /// bound on the memory received mail takes.
    pub max_receiving: usize,
}

impl Default for InboundConfig {
    fn default() -> Self {
        InboundConfig {
            listen: None,
            domain: None,
            tls_cert: None,
            tls_key: None,
            address_ttl: Duration::from_secs(7 * 24 * 60 * 60),
            max_message_bytes: 10 * 1024 * 1024,
            max_sessions: 1000,
            max_sessions_per_client: 50,
            max_receiving: 32,
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    url: Option<String>,
    pool_size: Option<usize>,
    replica_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawDns {
    nameservers: Option<Vec<String>>,
    timeout: Option<String>,
    attempts: Option<usize>,
    authoritative: Option<bool>,
    authoritative_port: Option<u16>,
    authoritative_budget: Option<String>,
    dnssec: Option<bool>,
    trust_anchors: Option<PathBuf>,
}

/// The `[[tokens]]` tables, validated: a name of 1–64 of `[A-Za-z0-9._-]`, unique (and not
/// `api_token`, the name of `server.api_token`); exactly one of `sha256` (64 hex digits) and
/// `token` (at least 16 characters, hashed now); a known scope.
fn named_tokens(raw: Vec<RawToken>) -> Result<Vec<crate::auth::NamedToken>, ConfigError> {
    use crate::auth::{NamedToken, Scope, digest, parse_digest};
    let mut tokens: Vec<NamedToken> = Vec::new();
    for (index, raw) in raw.into_iter().enumerate() {
        let key = |field: &str| format!("tokens[{index}].{field}");
        let invalid = |field: &str, value: &str, reason: &str| ConfigError::Invalid {
            key: key(field),
            value: value.to_string(),
            reason: reason.to_string(),
        };
        let name = raw.name.trim().to_string();
        let name_ok = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"._-".contains(&byte));
        if !name_ok {
            return Err(invalid(
                "name",
                &name,
                "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'",
            ));
        }
        if name == "api_token" || tokens.iter().any(|token| token.name == name) {
            return Err(invalid(
                "name",
                &name,
                "is taken (api_token names server.api_token; each name once)",
            ));
        }
        let sha256 = match (raw.sha256, raw.token) {
            (Some(hash), None) => parse_digest(&hash).ok_or_else(|| {
                invalid(
                    "sha256",
                    &hash,
                    "must be 64 hex digits: the output of `sendercheck token hash`",
                )
            })?,
            (None, Some(token)) if token.trim().len() >= 16 => digest(token.trim()),
            (None, Some(_)) => {
                return Err(invalid(
                    "token",
                    "(hidden)",
                    "must be at least 16 characters",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "token",
                    "(hidden)",
                    "give sha256 or token, not both",
                ));
            }
            (None, None) => {
                return Err(invalid(
                    "sha256",
                    "",
                    "is missing: give the token's sha256 (`sendercheck token hash`) or the token",
                ));
            }
        };
        let scope = Scope::parse(raw.scope.trim())
            .ok_or_else(|| invalid("scope", &raw.scope, "must be read, check, write or admin"))?;
        tokens.push(NamedToken {
            name,
            sha256,
            scope,
        });
    }
    Ok(tokens)
}

/// A `[[webhooks]]` table, validated: an http(s) URL, a secret, known event kinds.
fn webhook(index: usize, raw: RawWebhook) -> Result<WebhookConfig, ConfigError> {
    let key = |field: &str| format!("webhooks[{index}].{field}");
    let invalid = |field: &str, value: &str, reason: &str| ConfigError::Invalid {
        key: key(field),
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let url = raw.url.trim().to_string();
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() > 2048 || url.chars().any(char::is_whitespace) {
        return Err(invalid("url", &url, "must be an http:// or https:// URL"));
    }
    if raw.secret.trim().len() < 16 {
        return Err(invalid(
            "secret",
            "(hidden)",
            "must be at least 16 characters: it signs every delivery",
        ));
    }
    let events = raw.events.unwrap_or_else(|| {
        DEFAULT_WEBHOOK_EVENTS
            .iter()
            .map(|kind| kind.to_string())
            .collect()
    });
    if events.is_empty() {
        return Err(invalid(
            "events",
            "[]",
            "names no event: leave it out for all four",
        ));
    }
    for event in &events {
        if !WEBHOOK_EVENTS.contains(&event.as_str()) {
            return Err(invalid(
                "events",
                event,
                "unknown event; known: domain.verified, domain.failing, domain.pending, domain.deleted",
            ));
        }
    }
    Ok(WebhookConfig {
        url,
        secret: Secret::new(raw.secret),
        events,
    })
}

/// The port a zone's authoritative servers are asked on unless `[dns] authoritative_port` says.
pub const DEFAULT_AUTHORITATIVE_PORT: u16 = 53;

/// The HTTP server's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// When set, every `/v1/` request must carry it as a bearer token.
    pub api_token: Option<Secret>,
    /// What the web pages' session key is derived from (else the API token): the same on every
    /// replica, so a cookie from one is good on the others.
    pub session_key: Option<Secret>,
    /// The longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// How long in-flight requests and checks may finish after a shutdown signal.
    pub shutdown_grace: Duration,
    /// The longest a client may take to send a request's headers (slow-drip clients are cut).
    pub header_timeout: Duration,
    /// The longest a client may take to send a request body; then 408.
    pub body_timeout: Duration,
    /// Connections served at once; past it (or past a client's share), a connection is served
    /// only health, readiness and metrics, and 503 with Retry-After for anything else.
    pub max_connections: usize,
    /// Connections one client address may hold, so one client cannot take every slot.
    pub max_connections_per_client: usize,
    /// Without an API token: the host names requests may name in `Host` besides loopback
    /// addresses and `localhost` (a DNS-rebinding page names its own, and is refused).
    pub allowed_hosts: Vec<String>,
}

/// The scheduler's settings and the lifecycle rules it applies.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulerConfig {
    /// Whether the daemon checks registrations in the background (off only in tests that
    /// drive ticks themselves).
    pub enabled: bool,
    /// How often the scheduler looks for due registrations.
    pub tick: Duration,
    /// Checks running at once.
    pub concurrency: usize,
    /// The longest one check may take; lookups still unanswered then count as errors.
    pub check_timeout: Duration,
    /// How long a claimed registration stays with the replica that claimed it: no other
    /// replica checks it before, and a replica that died lets it go when it runs out. Longer
    /// than `check_timeout` by at least `MIN_LEASE_MARGIN`.
    pub lease: Duration,
    pub schedule: Schedule,
}

/// What a lease must leave beyond the check timeout: the wait for a connection and the
/// result's write.
pub const MIN_LEASE_MARGIN: Duration = Duration::from_secs(5);

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            enabled: true,
            tick: Duration::from_secs(1),
            concurrency: 32,
            check_timeout: Duration::from_secs(10),
            lease: Duration::from_secs(120),
            schedule: Schedule::default(),
        }
    }
}

/// Limits on what clients may send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest JSON request body.
    pub max_body_bytes: usize,
    /// The largest raw message `POST /v1/dkim/verify` and `sendercheck dkim` take.
    pub max_message_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_message_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Where results are stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// `sqlite://PATH` (one process) or `postgres://…` (one database shared by replicas).
    pub url: String,
    /// Connections to the database; `None` takes the backend's default (SQLite 8,
    /// PostgreSQL 10).
    pub pool_size: Option<u32>,
    /// This process's name among replicas: it owns the leases it takes, and logs and metrics
    /// carry it. Default: host name and process id.
    pub replica_id: String,
}

/// The default replica id: the host's name and this process's id, unique among processes
/// that run at the same time.
pub fn default_replica_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string());
    format!("{host}-{}", std::process::id())
}

/// The validated configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub server: ServerConfig,
    pub store: StoreConfig,
    pub dns: ResolverSettings,
    pub scheduler: SchedulerConfig,
    pub limits: Limits,
    /// Whether /metrics carries one series per registered domain (high cardinality).
    pub per_domain_metrics: bool,
    pub profiles: Profiles,
    /// The profile a PUT, POST /v1/check or `check` uses when it names none.
    pub default_profile: String,
    /// The language of the API's and the pages' words when a request asks for none.
    pub lang: crate::text::Lang,
    /// Where status changes are POSTed.
    pub webhooks: Vec<WebhookConfig>,
    /// Which SMTP gateways `POST /v1/smtp/probe` may test.
    pub smtp: crate::smtp::policy::SmtpConfig,
    /// The receiving SMTP listener of test addresses.
    pub inbound: InboundConfig,
    /// How long history is kept.
    pub retention: RetentionConfig,
    /// `[[tokens]]`, validated (`server.api_token` is added by `tokens()`).
    pub named_tokens: Vec<crate::auth::NamedToken>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: ServerConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                api_token: None,
                session_key: None,
                request_timeout: Duration::from_secs(30),
                shutdown_grace: Duration::from_secs(10),
                header_timeout: Duration::from_secs(10),
                body_timeout: Duration::from_secs(10),
                max_connections: 1024,
                max_connections_per_client: 256,
                allowed_hosts: Vec::new(),
            },
            store: StoreConfig {
                url: "sqlite://sendercheck.db".to_string(),
                pool_size: None,
                replica_id: default_replica_id(),
            },
            dns: ResolverSettings {
                authoritative_port: Some(DEFAULT_AUTHORITATIVE_PORT),
                ..ResolverSettings::default()
            },
            scheduler: SchedulerConfig::default(),
            limits: Limits::default(),
            per_domain_metrics: false,
            profiles: Profiles::default(),
            default_profile: "mandrill".to_string(),
            lang: crate::text::Lang::En,
            webhooks: Vec::new(),
            smtp: crate::smtp::policy::SmtpConfig::default(),
            inbound: InboundConfig::default(),
            retention: RetentionConfig::default(),
            named_tokens: Vec::new(),
        }
    }
}

/// Every key the configuration file takes, as `table.key` (`webhooks[].url` for the array of
/// tables), from the file's own types: the reference (docs/reference.md) is tested against it.
/// `[profiles]` holds `dir` and one table per profile (their format: profiles/README.md).
pub fn keys() -> Vec<String> {
    let mut raw = RawConfig::default();
    raw.webhooks.push(RawWebhook {
        url: String::new(),
        secret: String::new(),
        events: None,
    });
    raw.tokens.push(RawToken {
        name: String::new(),
        sha256: None,
        token: None,
        scope: String::new(),
    });
    let mut keys = vec!["profiles.dir".to_string(), "profiles.NAME".to_string()];
    let Ok(serde_json::Value::Object(tables)) = serde_json::to_value(&raw) else {
        return keys;
    };
    for (table, value) in tables {
        let (prefix, fields) = match value {
            serde_json::Value::Object(fields) => (table, fields),
            serde_json::Value::Array(items) => match items.into_iter().next() {
                Some(serde_json::Value::Object(fields)) => (format!("{table}[]"), fields),
                _ => continue,
            },
            _ => continue,
        };
        keys.extend(fields.keys().map(|key| format!("{prefix}.{key}")));
    }
    keys.sort();
    keys
}

impl Config {
    /// Every token the daemon accepts: `[[tokens]]`, and `server.api_token` as the admin token
    /// named `api_token`.
    pub fn tokens(&self) -> crate::auth::Tokens {
        let mut tokens = self.named_tokens.clone();
        if let Some(token) = &self.server.api_token {
            tokens.push(crate::auth::NamedToken {
                name: "api_token".to_string(),
                sha256: crate::auth::digest(token.expose().trim()),
                scope: crate::auth::Scope::Admin,
            });
        }
        crate::auth::Tokens::new(tokens)
    }

    /// Loads the defaults, then the file (if any), then the environment read through `env`.
    pub fn load(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let raw = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                Self::parse_raw(&text, path)?
            }
            None => RawConfig::default(),
        };
        let mut config = Config::default();
        config.apply(raw, path.and_then(Path::parent))?;
        config.apply_env(env)?;
        Ok(config)
    }

    /// Parses TOML text as a config file; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        let mut config = Config::default();
        config.apply(Self::parse_raw(text, origin)?, origin.parent())?;
        Ok(config)
    }

    fn parse_raw(text: &str, origin: &Path) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: origin.to_path_buf(),
            message: error.to_string().trim_end().to_string(),
        })
    }

    /// Applies the file's values; `base` is the file's directory, which a relative
    /// `profiles.dir` is read from.
    fn apply(&mut self, raw: RawConfig, base: Option<&Path>) -> Result<(), ConfigError> {
        if let Some(listen) = raw.server.listen {
            self.server.listen = parse_socket_addr("server.listen", &listen)?;
        }
        // A blank token would lock every client out while letting the daemon listen publicly:
        // it means no token.
        if let Some(token) = raw
            .server
            .api_token
            .filter(|token| !token.trim().is_empty())
        {
            self.server.api_token = Some(Secret::new(token));
        }
        if let Some(key) = raw.server.session_key {
            self.server.session_key = Some(parse_session_key("server.session_key", key)?);
        }
        if let Some(timeout) = raw.server.request_timeout {
            self.server.request_timeout = parse_duration("server.request_timeout", &timeout)?;
        }
        if let Some(grace) = raw.server.shutdown_grace {
            self.server.shutdown_grace = parse_duration("server.shutdown_grace", &grace)?;
        }
        if let Some(timeout) = raw.server.header_timeout {
            self.server.header_timeout = parse_duration("server.header_timeout", &timeout)?;
        }
        if let Some(timeout) = raw.server.body_timeout {
            self.server.body_timeout = parse_duration("server.body_timeout", &timeout)?;
        }
        if let Some(connections) = raw.server.max_connections {
            if !(1..=1_000_000).contains(&connections) {
                return Err(invalid_number(
                    "server.max_connections",
                    connections,
                    "1 to 1000000",
                ));
            }
            self.server.max_connections = connections;
        }
        if let Some(connections) = raw.server.max_connections_per_client {
            if !(1..=1_000_000).contains(&connections) {
                return Err(invalid_number(
                    "server.max_connections_per_client",
                    connections,
                    "1 to 1000000",
                ));
            }
            self.server.max_connections_per_client = connections;
        }
        if let Some(hosts) = raw.server.allowed_hosts {
            self.server.allowed_hosts = parse_hosts("server.allowed_hosts", hosts)?;
        }
        if let Some(url) = raw.store.url {
            self.store.url = url;
        }
        if let Some(size) = raw.store.pool_size {
            if !(1..=1000).contains(&size) {
                return Err(invalid_number("store.pool_size", size, "1 to 1000"));
            }
            self.store.pool_size = Some(size as u32);
        }
        if let Some(id) = raw.store.replica_id {
            self.store.replica_id = parse_replica_id("store.replica_id", &id)?;
        }
        if let Some(nameservers) = raw.dns.nameservers {
            self.dns.nameservers = nameservers
                .iter()
                .map(|server| parse_nameserver("dns.nameservers", server))
                .collect::<Result<_, _>>()?;
        }
        if let Some(timeout) = raw.dns.timeout {
            self.dns.timeout = parse_duration("dns.timeout", &timeout)?;
        }
        if let Some(attempts) = raw.dns.attempts {
            if !(1..=10).contains(&attempts) {
                return Err(ConfigError::Invalid {
                    key: "dns.attempts".into(),
                    value: attempts.to_string(),
                    reason: "must be from 1 to 10".into(),
                });
            }
            self.dns.attempts = attempts;
        }
        self.set_authoritative(
            "dns.authoritative_port",
            raw.dns.authoritative,
            raw.dns.authoritative_port,
        )?;
        if let Some(budget) = raw.dns.authoritative_budget {
            self.dns.authoritative_budget = parse_budget("dns.authoritative_budget", &budget)?;
        }
        if let Some(dnssec) = raw.dns.dnssec {
            self.dns.dnssec = dnssec;
        }
        if let Some(path) = raw.dns.trust_anchors {
            let path = match base {
                Some(base) if path.is_relative() => base.join(path),
                _ => path,
            };
            self.set_trust_anchors("dns.trust_anchors", path)?;
        }
        self.apply_schedule(raw.schedule)?;
        self.apply_smtp(raw.smtp)?;
        self.apply_inbound(raw.inbound, base)?;
        if let Some(value) = raw.retention.transitions {
            self.retention.transitions = parse_retention("retention.transitions", &value)?;
        }
        if let Some(value) = raw.retention.events {
            self.retention.events = parse_retention("retention.events", &value)?;
        }
        if let Some(value) = raw.retention.messages {
            self.retention.messages = parse_retention("retention.messages", &value)?;
        }
        if let Some(bytes) = raw.limits.max_body_bytes {
            if !(1024..=64 * 1024 * 1024).contains(&bytes) {
                return Err(invalid_number(
                    "limits.max_body_bytes",
                    bytes,
                    "1024 to 67108864",
                ));
            }
            self.limits.max_body_bytes = bytes;
        }
        if let Some(bytes) = raw.limits.max_message_bytes {
            if !(1024..=256 * 1024 * 1024).contains(&bytes) {
                return Err(invalid_number(
                    "limits.max_message_bytes",
                    bytes,
                    "1024 to 268435456",
                ));
            }
            self.limits.max_message_bytes = bytes;
        }
        if let Some(per_domain) = raw.metrics.per_domain {
            self.per_domain_metrics = per_domain;
        }
        self.profiles = configured_profiles(raw.profiles, base)?;
        if let Some(profile) = raw.defaults.profile {
            if self.profiles.get(&profile).is_none() {
                return Err(ConfigError::Invalid {
                    key: "defaults.profile".to_string(),
                    value: profile,
                    reason: "no such profile".to_string(),
                });
            }
            self.default_profile = profile;
        }
        if let Some(lang) = raw.defaults.lang {
            self.lang = crate::text::Lang::parse(&lang).ok_or_else(|| ConfigError::Invalid {
                key: "defaults.lang".to_string(),
                value: lang.clone(),
                reason: "not a language sendercheck speaks: en, fr or pt".to_string(),
            })?;
        }
        if !raw.tokens.is_empty() {
            self.named_tokens = named_tokens(raw.tokens)?;
        }
        if !raw.webhooks.is_empty() {
            self.webhooks = raw
                .webhooks
                .into_iter()
                .enumerate()
                .map(|(index, raw)| webhook(index, raw))
                .collect::<Result<_, _>>()?;
        }
        Ok(())
    }

    /// Trusts the DS and DNSKEY records of `path` instead of the IANA root anchors; read now,
    /// so a missing or malformed file is refused at start.
    pub fn set_trust_anchors(&mut self, key: &str, path: PathBuf) -> Result<(), ConfigError> {
        crate::dns::dnssec::Anchors::load(&path).map_err(|reason| ConfigError::Invalid {
            key: key.into(),
            value: path.display().to_string(),
            reason,
        })?;
        self.dns.trust_anchors = Some(path);
        Ok(())
    }

    /// Turns the authoritative view on or off and sets its port; what is not given is kept.
    fn set_authoritative(
        &mut self,
        key: &str,
        on: Option<bool>,
        port: Option<u16>,
    ) -> Result<(), ConfigError> {
        if port == Some(0) {
            return Err(ConfigError::Invalid {
                key: key.into(),
                value: "0".into(),
                reason: "must be a port from 1 to 65535".into(),
            });
        }
        let on = on.unwrap_or(self.dns.authoritative_port.is_some());
        let port = port
            .or(self.dns.authoritative_port)
            .unwrap_or(DEFAULT_AUTHORITATIVE_PORT);
        self.dns.authoritative_port = on.then_some(port);
        Ok(())
    }

    fn apply_smtp(&mut self, raw: RawSmtp) -> Result<(), ConfigError> {
        if let Some(allowed) = raw.allowed {
            for pattern in &allowed {
                let valid = pattern == "*"
                    || pattern.parse::<std::net::IpAddr>().is_ok()
                    || pattern.split_once('/').is_some_and(|(network, length)| {
                        network.parse::<std::net::IpAddr>().is_ok()
                            && length.parse::<u8>().is_ok_and(|length| length <= 128)
                    })
                    || (!pattern.is_empty()
                        && pattern.trim_start_matches("*.").split('.').all(|label| {
                            !label.is_empty()
                                && label
                                    .bytes()
                                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
                        }));
                if !valid {
                    return Err(ConfigError::Invalid {
                        key: "smtp.allowed".into(),
                        value: pattern.clone(),
                        reason: "must be \"*\", a host name, \"*.domain\", an IP address or \
                                 a network (10.0.0.0/8)"
                            .into(),
                    });
                }
            }
            self.smtp.allowed = allowed;
        }
        if let Some(deny) = raw.deny_private {
            self.smtp.deny_private = deny;
        }
        if let Some(count) = raw.max_concurrent {
            if !(1..=256).contains(&count) {
                return Err(invalid_number("smtp.max_concurrent", count, "1 to 256"));
            }
            self.smtp.max_concurrent = count;
        }
        if let Some(count) = raw.per_minute {
            if !(1..=100_000).contains(&count) {
                return Err(invalid_number("smtp.per_minute", count, "1 to 100000"));
            }
            self.smtp.per_minute = count;
        }
        Ok(())
    }

    fn apply_inbound(&mut self, raw: RawInbound, base: Option<&Path>) -> Result<(), ConfigError> {
        let inbound = &mut self.inbound;
        if let Some(listen) = raw.listen {
            inbound.listen = Some(parse_socket_addr("inbound.listen", &listen)?);
        }
        if let Some(domain) = raw.domain {
            inbound.domain = Some(parse_inbound_domain("inbound.domain", &domain)?);
        }
        let relative = |path: PathBuf| match base {
            Some(base) if path.is_relative() => base.join(path),
            _ => path,
        };
        if let Some(path) = raw.tls_cert {
            inbound.tls_cert = Some(relative(path));
        }
        if let Some(path) = raw.tls_key {
            inbound.tls_key = Some(relative(path));
        }
        if let Some(ttl) = raw.address_ttl {
            inbound.address_ttl = parse_duration("inbound.address_ttl", &ttl)?;
        }
        if let Some(bytes) = raw.max_message_bytes {
            if !(1024..=256 * 1024 * 1024).contains(&bytes) {
                return Err(invalid_number(
                    "inbound.max_message_bytes",
                    bytes,
                    "1024 to 268435456",
                ));
            }
            inbound.max_message_bytes = bytes;
        }
        if let Some(count) = raw.max_sessions {
            if !(1..=100_000).contains(&count) {
                return Err(invalid_number("inbound.max_sessions", count, "1 to 100000"));
            }
            inbound.max_sessions = count;
        }
        if let Some(count) = raw.max_sessions_per_client {
            if !(1..=100_000).contains(&count) {
                return Err(invalid_number(
                    "inbound.max_sessions_per_client",
                    count,
                    "1 to 100000",
                ));
            }
            inbound.max_sessions_per_client = count;
        }
        if let Some(count) = raw.max_receiving {
            if !(1..=10_000).contains(&count) {
                return Err(invalid_number("inbound.max_receiving", count, "1 to 10000"));
            }
            inbound.max_receiving = count;
        }
        self.check_inbound()
    }

    /// What only makes sense together: a listener needs the domain its addresses are at, and
    /// STARTTLS needs both a certificate and its key.
    fn check_inbound(&self) -> Result<(), ConfigError> {
        let inbound = &self.inbound;
        if let Some(listen) = inbound.listen
            && inbound.domain.is_none()
        {
            return Err(ConfigError::Invalid {
                key: "inbound.listen".into(),
                value: listen.to_string(),
                reason: "needs inbound.domain: the domain of the test addresses, whose MX \
                         points at this listener"
                    .into(),
            });
        }
        match (&inbound.tls_cert, &inbound.tls_key) {
            (Some(path), None) => Err(ConfigError::Invalid {
                key: "inbound.tls_cert".into(),
                value: path.display().to_string(),
                reason: "needs inbound.tls_key as well (the certificate's private key)".into(),
            }),
            (None, Some(path)) => Err(ConfigError::Invalid {
                key: "inbound.tls_key".into(),
                value: path.display().to_string(),
                reason: "needs inbound.tls_cert as well (the certificate chain)".into(),
            }),
            _ => Ok(()),
        }
    }

    fn apply_schedule(&mut self, raw: RawSchedule) -> Result<(), ConfigError> {
        let scheduler = &mut self.scheduler;
        if let Some(enabled) = raw.enabled {
            scheduler.enabled = enabled;
        }
        let durations = [
            ("schedule.tick", raw.tick, &mut scheduler.tick),
            (
                "schedule.check_timeout",
                raw.check_timeout,
                &mut scheduler.check_timeout,
            ),
            ("schedule.lease", raw.lease, &mut scheduler.lease),
            (
                "schedule.pending_interval",
                raw.pending_interval,
                &mut scheduler.schedule.pending_interval,
            ),
            (
                "schedule.pending_fast_for",
                raw.pending_fast_for,
                &mut scheduler.schedule.pending_fast_for,
            ),
            (
                "schedule.pending_slow_interval",
                raw.pending_slow_interval,
                &mut scheduler.schedule.pending_slow_interval,
            ),
            (
                "schedule.verified_interval",
                raw.verified_interval,
                &mut scheduler.schedule.verified_interval,
            ),
            (
                "schedule.failing_interval",
                raw.failing_interval,
                &mut scheduler.schedule.failing_interval,
            ),
            (
                "schedule.propagation_window",
                raw.propagation_window,
                &mut scheduler.schedule.propagation_window,
            ),
        ];
        for (key, value, target) in durations {
            if let Some(value) = value {
                *target = parse_duration(key, &value)?;
            }
        }
        if let Some(concurrency) = raw.concurrency {
            if !(1..=4096).contains(&concurrency) {
                return Err(invalid_number(
                    "schedule.concurrency",
                    concurrency,
                    "1 to 4096",
                ));
            }
            scheduler.concurrency = concurrency;
        }
        if let Some(jitter) = raw.jitter {
            if !(0.0..=0.5).contains(&jitter) {
                return Err(ConfigError::Invalid {
                    key: "schedule.jitter".into(),
                    value: jitter.to_string(),
                    reason: "must be a fraction from 0 to 0.5".into(),
                });
            }
            scheduler.schedule.jitter = jitter;
        }
        if let Some(fail_after) = raw.fail_after {
            if !(1..=1000).contains(&fail_after) {
                return Err(invalid_number(
                    "schedule.fail_after",
                    fail_after as usize,
                    "1 to 1000",
                ));
            }
            scheduler.schedule.fail_after = fail_after;
        }
        if scheduler.lease < scheduler.check_timeout + MIN_LEASE_MARGIN {
            return Err(ConfigError::Invalid {
                key: "schedule.lease".into(),
                value: humantime::format_duration(scheduler.lease).to_string(),
                reason: format!(
                    "must be at least schedule.check_timeout ({}) + {}s, or a replica's check \
                     could outlive its lease and another replica check the same domain",
                    humantime::format_duration(scheduler.check_timeout),
                    MIN_LEASE_MARGIN.as_secs()
                ),
            });
        }
        Ok(())
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(listen) = env("SENDERCHECK_LISTEN") {
            self.server.listen = parse_socket_addr("SENDERCHECK_LISTEN", &listen)?;
        }
        if let Some(token) = env("SENDERCHECK_API_TOKEN").filter(|token| !token.trim().is_empty()) {
            self.server.api_token = Some(Secret::new(token));
        }
        if let Some(hosts) = env("SENDERCHECK_ALLOWED_HOSTS") {
            self.server.allowed_hosts = parse_hosts(
                "SENDERCHECK_ALLOWED_HOSTS",
                hosts.split(',').map(str::to_string).collect(),
            )?;
        }
        if let Some(key) = env("SENDERCHECK_SESSION_KEY") {
            self.server.session_key = Some(parse_session_key("SENDERCHECK_SESSION_KEY", key)?);
        }
        if let Some(url) = env("SENDERCHECK_STORE_URL") {
            self.store.url = url;
        }
        if let Some(id) = env("SENDERCHECK_REPLICA_ID") {
            self.store.replica_id = parse_replica_id("SENDERCHECK_REPLICA_ID", &id)?;
        }
        if let Some(nameservers) = env("SENDERCHECK_DNS_NAMESERVERS") {
            self.dns.nameservers = nameservers
                .split(',')
                .map(str::trim)
                .filter(|server| !server.is_empty())
                .map(|server| parse_nameserver("SENDERCHECK_DNS_NAMESERVERS", server))
                .collect::<Result<_, _>>()?;
        }
        if let Some(timeout) = env("SENDERCHECK_DNS_TIMEOUT") {
            self.dns.timeout = parse_duration("SENDERCHECK_DNS_TIMEOUT", &timeout)?;
        }
        let authoritative = env_flag(&env, "SENDERCHECK_DNS_AUTHORITATIVE")?;
        if let Some(dnssec) = env_flag(&env, "SENDERCHECK_DNS_DNSSEC")? {
            self.dns.dnssec = dnssec;
        }
        if let Some(path) = env("SENDERCHECK_DNS_TRUST_ANCHORS") {
            self.set_trust_anchors("SENDERCHECK_DNS_TRUST_ANCHORS", PathBuf::from(path))?;
        }
        let port = match env("SENDERCHECK_DNS_AUTHORITATIVE_PORT") {
            Some(value) => Some(
                value
                    .trim()
                    .parse::<u16>()
                    .map_err(|_| ConfigError::Invalid {
                        key: "SENDERCHECK_DNS_AUTHORITATIVE_PORT".into(),
                        value: value.clone(),
                        reason: "must be a port from 1 to 65535".into(),
                    })?,
            ),
            None => None,
        };
        self.set_authoritative("SENDERCHECK_DNS_AUTHORITATIVE_PORT", authoritative, port)?;
        if let Some(listen) = env("SENDERCHECK_INBOUND_LISTEN") {
            self.inbound.listen = Some(parse_socket_addr("SENDERCHECK_INBOUND_LISTEN", &listen)?);
        }
        if let Some(domain) = env("SENDERCHECK_INBOUND_DOMAIN") {
            self.inbound.domain =
                Some(parse_inbound_domain("SENDERCHECK_INBOUND_DOMAIN", &domain)?);
        }
        self.check_inbound()?;
        if let Some(budget) = env("SENDERCHECK_DNS_AUTHORITATIVE_BUDGET") {
            self.dns.authoritative_budget =
                parse_budget("SENDERCHECK_DNS_AUTHORITATIVE_BUDGET", &budget)?;
        }
        Ok(())
    }
}

/// A boolean environment variable: true/1 or false/0.
/// The domain of test addresses: a host name (IDNA allowed), not an address.
fn parse_inbound_domain(key: &str, value: &str) -> Result<crate::domain::DomainName, ConfigError> {
    crate::domain::DomainName::parse(value).map_err(|error| ConfigError::Invalid {
        key: key.into(),
        value: value.into(),
        reason: error.to_string(),
    })
}

fn env_flag(env: &impl Fn(&str) -> Option<String>, key: &str) -> Result<Option<bool>, ConfigError> {
    match env(key) {
        Some(value) => match value.trim() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            other => Err(ConfigError::Invalid {
                key: key.into(),
                value: other.to_string(),
                reason: "must be true or false".into(),
            }),
        },
        None => Ok(None),
    }
}

/// The `[profiles]` table: `dir` (a directory of profile files, relative to the config file)
/// and one table per profile.
fn configured_profiles(table: toml::Table, base: Option<&Path>) -> Result<Profiles, ConfigError> {
    let mut dir = None;
    let mut tables = Vec::new();
    for (name, value) in table {
        match (name.as_str(), value) {
            ("dir", toml::Value::String(path)) => {
                let path = PathBuf::from(path);
                dir = Some(match base {
                    Some(base) if path.is_relative() => base.join(path),
                    _ => path,
                });
            }
            ("dir", other) => {
                return Err(ConfigError::Invalid {
                    key: "profiles.dir".to_string(),
                    value: other.to_string(),
                    reason: "must be the path of a directory of profile files".to_string(),
                });
            }
            (_, toml::Value::Table(table)) => {
                tables.push((name, ConfiguredProfile::from_table(table)));
            }
            (_, other) => {
                return Err(ConfigError::Invalid {
                    key: format!("profiles.{name}"),
                    value: other.to_string(),
                    reason: "must be a table: [profiles.NAME] (or profiles.dir)".to_string(),
                });
            }
        }
    }
    Ok(Profiles::configured(dir.as_deref(), tables)?)
}

/// A replica id: 1 to 64 characters of letters, digits, `.`, `-`, `_` (it goes into logs and
/// metric labels as it is).
fn parse_replica_id(key: &str, value: &str) -> Result<String, ConfigError> {
    let value = value.trim();
    let valid = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b".-_".contains(&byte));
    if !valid {
        return Err(ConfigError::Invalid {
            key: key.into(),
            value: value.into(),
            reason: "must be 1 to 64 letters, digits, '.', '-' or '_'".into(),
        });
    }
    Ok(value.to_string())
}

fn invalid_number(key: &str, value: usize, range: &str) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        value: value.to_string(),
        reason: format!("must be from {range}"),
    }
}

/// Parses `IP:PORT` (IPv6 as `[::1]:53`).
/// A DNS server: `IP:PORT`, or a bare IP meaning port 53.
pub fn parse_nameserver(key: &str, value: &str) -> Result<SocketAddr, ConfigError> {
    match value.trim().parse::<std::net::IpAddr>() {
        Ok(ip) => Ok(SocketAddr::new(ip, 53)),
        Err(_) => parse_socket_addr(key, value),
    }
}

pub fn parse_socket_addr(key: &str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::Invalid {
        key: key.to_string(),
        value: value.to_string(),
        reason: "expected IP:PORT, like 127.0.0.1:53 or [::1]:53".to_string(),
    })
}

/// Host names for `server.allowed_hosts`: lower case, no port, each a valid name.
fn parse_hosts(key: &str, hosts: Vec<String>) -> Result<Vec<String>, ConfigError> {
    hosts
        .iter()
        .map(|host| host.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|host| !host.is_empty())
        .map(|host| {
            let valid = host.len() <= 253
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if valid {
                Ok(host)
            } else {
                Err(ConfigError::Invalid {
                    key: key.to_string(),
                    value: host,
                    reason: "must be a host name without a port, like sendercheck.internal"
                        .to_string(),
                })
            }
        })
        .collect()
}

/// A session key: at least 32 characters, since every web session's signature rests on it.
fn parse_session_key(key: &str, value: String) -> Result<Secret, ConfigError> {
    if value.trim().chars().count() < 32 {
        return Err(ConfigError::Invalid {
            key: key.to_string(),
            value: "(hidden)".to_string(),
            reason: "must be at least 32 characters: it signs every web session".to_string(),
        });
    }
    Ok(Secret::new(value))
}

/// The authoritative view's budget: from `0s` (the view adds no wait: only servers that answer
/// while the resolver is being asked count) to one minute.
pub fn parse_budget(key: &str, value: &str) -> Result<Duration, ConfigError> {
    let budget = if value.trim() == "0" || value.trim() == "0s" {
        Duration::ZERO
    } else {
        parse_duration(key, value)?
    };
    if budget > Duration::from_secs(60) {
        return Err(ConfigError::Invalid {
            key: key.to_string(),
            value: value.to_string(),
            reason: "must be at most 60s: a check's verdict waits this long at most for a \
                     zone's silent servers"
                .to_string(),
        });
    }
    Ok(budget)
}

/// Parses a duration like `"2s"`, `"500ms"` or `"1h"`.
pub fn parse_duration(key: &str, value: &str) -> Result<Duration, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        key: key.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let duration = humantime::parse_duration(value.trim())
        .map_err(|_| invalid("expected a duration like 500ms, 2s, 10m or 1h"))?;
    if duration.is_zero() {
        return Err(invalid("must be longer than zero"));
    }
    if duration > MAX_DURATION {
        return Err(invalid("must be at most 366d"));
    }
    Ok(duration)
}

/// The longest duration any setting takes: a year and a day. Longer values are mistakes, and
/// bounding them keeps every time computed from them representable.
const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 60 * 60);

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_example_file_equals_the_built_in_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/sendercheck.toml");
        let config = Config::load(Some(&path), no_env).expect("the example config parses");
        assert_eq!(config, Config::default());
    }

    #[test]
    fn file_values_and_profiles_are_applied() {
        let config = Config::from_toml(
            r#"
            [server]
            listen = "127.0.0.1:9000"
            api_token = "s3cret"
            [dns]
            nameservers = ["127.0.0.1:5353", "[::1]:53"]
            timeout = "500ms"
            attempts = 3
            [profiles.example]
            spf_include = "spf.example.net"
            dkim = [{ selector = "k1", cname = "dkim.example.net" }]
            dmarc = true
            verification = "example-verify={token}"
            "#,
            Path::new("test.toml"),
        )
        .unwrap();
        assert_eq!(config.server.listen.port(), 9000);
        assert_eq!(config.server.api_token.as_ref().unwrap().expose(), "s3cret");
        assert!(!format!("{config:?}").contains("s3cret"));
        assert_eq!(config.dns.nameservers.len(), 2);
        assert_eq!(config.dns.timeout, Duration::from_millis(500));
        assert_eq!(config.dns.attempts, 3);
        assert!(config.profiles.get("example").is_some());
        assert!(config.profiles.get("mandrill").is_some());
    }

    #[test]
    fn retention_takes_days_up_to_ten_years() {
        let config = Config::from_toml(
            "[retention]\ntransitions = \"800d\"\nevents = \"7d\"\nmessages = \"2h\"",
            Path::new("x"),
        )
        .unwrap();
        assert_eq!(
            config.retention.transitions,
            Duration::from_secs(800 * 86_400)
        );
        assert_eq!(config.retention.events, Duration::from_secs(7 * 86_400));
        assert_eq!(config.retention.messages, Duration::from_secs(7200));
        let error = |text: &str| {
            Config::from_toml(text, Path::new("x"))
                .unwrap_err()
                .to_string()
        };
        assert!(error("[retention]\nevents = \"10m\"").contains("at least 1h"));
        assert!(error("[retention]\ntransitions = \"4000d\"").contains("at most 3660d"));
        assert!(error("[retention]\nmessages = \"soon\"").contains("retention.messages"));
        assert!(error("[retention]\nhistory = \"1d\"").contains("unknown field"));
    }

    #[test]
    fn the_inbound_listener_needs_its_domain_and_both_tls_files() {
        let error = |text: &str| {
            Config::from_toml(text, Path::new("/etc/sendercheck/x.toml"))
                .unwrap_err()
                .to_string()
        };
        assert!(error("[inbound]\nlisten = \"0.0.0.0:25\"").contains("needs inbound.domain"));
        assert!(
            error("[inbound]\ndomain = \"check.example\"\ntls_cert = \"a.pem\"")
                .contains("needs inbound.tls_key")
        );
        assert!(error("[inbound]\ndomain = \"not a domain\"").contains("inbound.domain"));
        assert!(error("[inbound]\nmax_message_bytes = 10").contains("1024 to"));
        assert!(error("[inbound]\nrelay = true").contains("unknown field"));
        let config = Config::from_toml(
            "[inbound]\nlisten = \"127.0.0.1:2525\"\ndomain = \"Check.Example.\"\n\
             tls_cert = \"in.crt\"\ntls_key = \"/keys/in.key\"\naddress_ttl = \"2d\"",
            Path::new("/etc/sendercheck/x.toml"),
        )
        .unwrap();
        let inbound = config.inbound;
        assert_eq!(inbound.listen, Some("127.0.0.1:2525".parse().unwrap()));
        assert_eq!(inbound.domain.unwrap().as_str(), "check.example");
        assert_eq!(
            inbound.tls_cert.as_deref(),
            Some(Path::new("/etc/sendercheck/in.crt")),
            "relative to the file"
        );
        assert_eq!(inbound.tls_key.as_deref(), Some(Path::new("/keys/in.key")));
        assert_eq!(inbound.address_ttl, Duration::from_secs(2 * 24 * 3600));
        // The environment may turn it on, but not half.
        let env =
            |key: &str| (key == "SENDERCHECK_INBOUND_LISTEN").then(|| "0.0.0.0:25".to_string());
        let refused = Config::load(None, env).unwrap_err().to_string();
        assert!(refused.contains("needs inbound.domain"), "{refused}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_clear_errors() {
        let error = |text: &str| {
            Config::from_toml(text, Path::new("bad.toml"))
                .unwrap_err()
                .to_string()
        };
        assert!(error("[server]\nlisten_on = \"x\"").contains("unknown field"));
        assert!(error("[dns]\nnameservers = [\"localhost\"]").contains("IP:PORT"));
        // A bare address means port 53.
        let bare = Config::from_toml(
            "[dns]\nnameservers = [\"127.0.0.1\", \"::1\"]",
            Path::new("x"),
        )
        .unwrap();
        assert_eq!(
            bare.dns.nameservers,
            vec!["127.0.0.1:53".parse().unwrap(), "[::1]:53".parse().unwrap()]
        );
        assert!(error("[dns]\ntimeout = \"soon\"").contains("duration"));
        assert!(error("[dns]\nattempts = 0").contains("1 to 10"));
        assert!(error("[server]\nsession_key = \"short\"").contains("at least 32"));
        assert!(error("[server]\nallowed_hosts = [\"x.example:8080\"]").contains("without a port"));
        assert!(!error("[server]\nsession_key = \"short\"").contains("short"));
        // The authoritative budget: 0 s (no wait beyond the resolver) to 60 s.
        assert!(error("[dns]\nauthoritative_budget = \"2m\"").contains("at most 60s"));
        assert!(error("[dns]\nauthoritative_budget = \"soon\"").contains("duration"));
        let budget = |text: &str| {
            Config::from_toml(text, Path::new("x"))
                .unwrap()
                .dns
                .authoritative_budget
        };
        assert_eq!(budget(""), Duration::from_secs(1));
        assert_eq!(
            budget("[dns]\nauthoritative_budget = \"0s\""),
            Duration::ZERO
        );
        assert_eq!(
            budget("[dns]\nauthoritative_budget = \"250ms\""),
            Duration::from_millis(250)
        );
        // Webhooks: an http(s) URL, a real secret, known events; all four when none named.
        let hook = |body: &str| format!("[[webhooks]]\n{body}");
        assert!(error(&hook("url = \"ftp://x\"\nsecret = \"0123456789abcdef\"")).contains("http"));
        assert!(error(&hook("url = \"https://x.example/h\"\nsecret = \"short\"")).contains("16"));
        assert!(
            error(&hook(
                "url = \"https://x.example/h\"\nsecret = \"0123456789abcdef\"\nevents = [\"domain.gone\"]"
            ))
            .contains("unknown event")
        );
        let config = Config::from_toml(
            &hook("url = \"https://x.example/h\"\nsecret = \"0123456789abcdef\""),
            Path::new("."),
        )
        .unwrap();
        assert_eq!(config.webhooks.len(), 1);
        assert_eq!(config.webhooks[0].events.len(), 4);
        assert!(!format!("{:?}", config.webhooks[0]).contains("0123456789abcdef"));
        assert!(error("[schedule]\nconcurrency = 0").contains("1 to 4096"));
        // A lease shorter than a check would let a second replica check the same domain.
        assert!(
            error("[schedule]\ncheck_timeout = \"60s\"\nlease = \"60s\"")
                .contains("schedule.lease")
        );
        assert!(error("[store]\npool_size = 0").contains("store.pool_size"));
        assert!(error("[smtp]\nallowed = [\"bad pattern\"]").contains("smtp.allowed"));
        assert!(error("[smtp]\nmax_concurrent = 0").contains("smtp.max_concurrent"));
        let smtp = Config::from_toml(
            "[smtp]\nallowed = [\"*\", \"127.0.0.1\", \"10.0.0.0/8\", \"*.corp.example\"]\n\
             deny_private = true\nper_minute = 5",
            Path::new("."),
        )
        .unwrap()
        .smtp;
        assert_eq!(smtp.allowed.len(), 4);
        assert_eq!(smtp.per_minute, 5);
        assert!(error("[store]\nreplica_id = \"a b\"").contains("store.replica_id"));
        let config = Config::from_toml(
            "[store]\nurl = \"postgres://db/x\"\npool_size = 20\nreplica_id = \"web-1\"\n\
             [schedule]\ncheck_timeout = \"30s\"\nlease = \"35s\"",
            Path::new("."),
        )
        .unwrap();
        assert_eq!(config.store.pool_size, Some(20));
        assert_eq!(config.store.replica_id, "web-1");
        assert_eq!(config.scheduler.lease, Duration::from_secs(35));
        assert!(error("[schedule]\njitter = 2.0").contains("fraction"));
        assert!(error("[schedule]\nverified_interval = \"0s\"").contains("longer than zero"));
        // Found by an operator: a value this large made every check panic in chrono.
        assert!(error("[schedule]\nverified_interval = \"1000000y\"").contains("at most 366d"));
        assert!(error("[server]\nrequest_timeout = \"400d\"").contains("at most 366d"));
        assert!(error("[limits]\nmax_body_bytes = 1").contains("limits.max_body_bytes"));
        assert!(error("[profiles.x]\ndmarc = false").contains("requires nothing"));
        assert!(error("[profiles.x]\ndmarc = \"yes\"").contains("[profiles.x]"));
        assert!(error("[profiles]\ndir = 3").contains("profiles.dir"));
        assert!(error("[profiles]\nx = 3").contains("must be a table"));
        assert!(error("[profiles]\ndir = \"/nonexistent\"").contains("/nonexistent"));
        let full = Config::from_toml(
            "[profiles.inline]\ntitle = \"Inline\"\n[[profiles.inline.records]]\nkind = \"mx\"\n\
             name = \"{domain}\"\nhosts = [\"10 mx.example.net\"]",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(full.profiles.get("inline").unwrap().title, "Inline");
        assert!(error("[defaults]\nprofile = \"nope\"").contains("no such profile"));
        let own = Config::from_toml(
            "[defaults]\nprofile = \"x\"\n[profiles.x]\ndmarc = true",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(own.default_profile, "x");
    }

    #[test]
    fn environment_overrides_the_file() {
        let env = |key: &str| match key {
            "SENDERCHECK_API_TOKEN" => Some("from-env".to_string()),
            "SENDERCHECK_DNS_NAMESERVERS" => Some("127.0.0.1:5300, 127.0.0.2:5300".to_string()),
            "SENDERCHECK_DNS_AUTHORITATIVE_BUDGET" => Some("300ms".to_string()),
            _ => None,
        };
        let config = Config::load(None, env).unwrap();
        assert_eq!(config.server.api_token.unwrap().expose(), "from-env");
        assert_eq!(config.dns.nameservers.len(), 2);
        assert_eq!(config.dns.authoritative_budget, Duration::from_millis(300));
    }

    #[test]
    fn named_tokens_are_checked_and_kept_as_digests() {
        let hash = crate::auth::hex(&crate::auth::digest("monitoring-token-0123"));
        let config = Config::from_toml(
            &format!(
                "[server]\napi_token = \"admin-token-0123456789\"\n\
                 [[tokens]]\nname = \"prometheus\"\nsha256 = \"{hash}\"\nscope = \"read\"\n\
                 [[tokens]]\nname = \"support.team\"\ntoken = \"support-token-0123\"\nscope = \"check\"\n"
            ),
            Path::new("x.toml"),
        )
        .unwrap();
        let tokens = config.tokens();
        assert_eq!(tokens.len(), 3);
        assert_eq!(
            tokens.find("monitoring-token-0123").unwrap().name,
            "prometheus"
        );
        assert_eq!(
            tokens.find("support-token-0123").unwrap().scope,
            crate::auth::Scope::Check
        );
        assert_eq!(
            tokens.find("admin-token-0123456789").unwrap().name,
            "api_token"
        );
        assert!(!format!("{:?}", config.named_tokens).contains("support-token"));
        let refused = |body: &str| {
            Config::from_toml(&format!("[[tokens]]\n{body}"), Path::new("x.toml"))
                .unwrap_err()
                .to_string()
        };
        assert!(
            refused("name = \"a\"\nsha256 = \"abc\"\nscope = \"read\"")
                .contains("tokens[0].sha256")
        );
        assert!(
            refused("name = \"a\"\ntoken = \"short\"\nscope = \"read\"").contains("at least 16")
        );
        assert!(
            refused(&format!(
                "name = \"a\"\nsha256 = \"{hash}\"\nscope = \"owner\""
            ))
            .contains("read, check, write or admin")
        );
        assert!(
            refused(&format!(
                "name = \"a b\"\nsha256 = \"{hash}\"\nscope = \"read\""
            ))
            .contains("tokens[0].name")
        );
        assert!(refused("name = \"a\"\nscope = \"read\"").contains("is missing"));
        assert!(refused(&format!("name = \"a\"\nsha256 = \"{hash}\"\ntoken = \"support-token-0123\"\nscope = \"read\"")).contains("not both"));
        assert!(
            refused(&format!(
                "name = \"api_token\"\nsha256 = \"{hash}\"\nscope = \"read\""
            ))
            .contains("is taken")
        );
        let twice = format!(
            "name = \"a\"\nsha256 = \"{hash}\"\nscope = \"read\"\n[[tokens]]\nname = \"a\"\nsha256 = \"{hash}\"\nscope = \"admin\""
        );
        assert!(refused(&twice).contains("is taken"));
    }
}

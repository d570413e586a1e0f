//! Reload without restart. On SIGHUP the daemon reads its configuration again — the same file
//! and environment as at start — and swaps in what may change while it runs: the profiles and
//! the default one, the webhook endpoints, the API token, and the page sessions' key derived
//! from it. A file that does not load, or that would leave the daemon unsafe (no token while it
//! listens beyond loopback), is refused whole: the reason is logged and counted, and the running
//! configuration stays as it was. The rest (listen addresses, store, DNS, schedule, limits,
//! inbound) applies at the next start.
//!
//! Each part lives in a `Swap` its readers `load()` per use, so a request or a check sees one
//! consistent value from start to end, and a swap never waits for them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::api::AppState;
use crate::api::ui::session::Keys;
use crate::auth::Tokens;
use crate::config::{Config, WebhookConfig};
use crate::profile::Profiles;
use crate::telemetry::Metrics;

/// A value the daemon reads per use and SIGHUP may replace.
pub type Swap<T> = Arc<ArcSwap<T>>;

/// A `Swap` holding `value`.
pub fn swap<T>(value: T) -> Swap<T> {
    Arc::new(ArcSwap::from_pointee(value))
}

/// What the page sessions' key is derived from: `session_key`, else `api_token`; with
/// neither, a random key drawn at start.
fn session_secret(config: &Config) -> Option<String> {
    config
        .server
        .session_key
        .as_ref()
        .or(config.server.api_token.as_ref())
        .map(|secret| secret.expose().to_string())
}

/// The page sessions' key for `config`.
pub fn session_keys(config: &Config) -> Keys {
    match session_secret(config) {
        Some(secret) => Keys::derived(secret.as_bytes()),
        None => Keys::default(),
    }
}

/// What a reload changed, for the log line.
#[derive(Debug, PartialEq, Eq)]
pub struct Applied {
    pub profiles: usize,
    /// Profiles the running configuration had and the new one has not: registrations using
    /// them keep their data and wait (logged at each check) until the profile is back.
    pub profiles_removed: Vec<String>,
    pub webhooks: usize,
    pub token_changed: bool,
    /// The page sessions' key changed with the token (or `session_key`): everyone signed in
    /// to the pages signs in again.
    pub sessions_reset: bool,
}

/// The running configuration's changeable parts, and how to replace them.
#[derive(Clone)]
pub struct Reloader {
    profiles: Swap<Profiles>,
    default_profile: Swap<String>,
    webhooks: Swap<Vec<WebhookConfig>>,
    tokens: Swap<Tokens>,
    ui_keys: Swap<Keys>,
    /// What `ui_keys` is derived from now.
    session_secret: Arc<Mutex<Option<String>>>,
    /// Where the HTTP API listens: a configuration without a token must not be applied unless
    /// it is a loopback address.
    listen: SocketAddr,
    metrics: Arc<Metrics>,
}

impl Reloader {
    /// The parts `state` and the dispatcher's `webhooks` read, as started from `config` on
    /// `listen`.
    pub fn new(
        state: &AppState,
        webhooks: Swap<Vec<WebhookConfig>>,
        config: &Config,
        listen: SocketAddr,
    ) -> Self {
        Reloader {
            profiles: state.profiles.clone(),
            default_profile: state.default_profile.clone(),
            webhooks,
            tokens: state.tokens.clone(),
            ui_keys: state.ui_keys.clone(),
            session_secret: Arc::new(Mutex::new(session_secret(config))),
            listen,
            metrics: state.metrics.clone(),
        }
    }

    /// Loads the configuration with `load` and applies it, or keeps the running one; logs and
    /// counts either way.
    pub fn reload(&self, load: &dyn Fn() -> anyhow::Result<Config>) {
        match load().and_then(|config| self.apply(&config)) {
            Ok(applied) => {
                self.metrics.config_reload("applied");
                if !applied.profiles_removed.is_empty() {
                    tracing::warn!(
                        removed = %applied.profiles_removed.join(", "),
                        "profiles left the configuration: registrations using them are not checked until they are back"
                    );
                }
                tracing::info!(
                    profiles = applied.profiles,
                    webhooks = applied.webhooks,
                    token_changed = applied.token_changed,
                    sessions_reset = applied.sessions_reset,
                    "configuration reloaded (profiles, webhooks, token; other settings apply at the next start)"
                );
            }
            Err(error) => {
                self.metrics.config_reload("refused");
                tracing::error!(
                    error = %format!("{error:#}"),
                    "configuration not reloaded: the running one is kept"
                );
            }
        }
    }

    /// Swaps in `config`'s profiles, default profile, webhooks and token, or refuses it
    /// whole and changes nothing.
    pub fn apply(&self, config: &Config) -> anyhow::Result<Applied> {
        crate::ensure_safe_listen(self.listen, config)?;
        let running = self.profiles.load();
        let profiles_removed: Vec<String> = running
            .names()
            .filter(|name| config.profiles.get(name).is_none())
            .map(str::to_string)
            .collect();
        let tokens = config.tokens();
        let token_changed = **self.tokens.load() != tokens;
        let secret = session_secret(config);
        let mut current_secret = self
            .session_secret
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // With neither secret the random key drawn at start stays: sessions survive.
        let sessions_reset = *current_secret != secret;
        if sessions_reset {
            self.ui_keys.store(Arc::new(session_keys(config)));
            *current_secret = secret;
        }
        self.profiles.store(Arc::new(config.profiles.clone()));
        self.default_profile
            .store(Arc::new(config.default_profile.clone()));
        self.webhooks.store(Arc::new(config.webhooks.clone()));
        self.tokens.store(Arc::new(tokens));
        Ok(Applied {
            profiles: config.profiles.names().count(),
            profiles_removed,
            webhooks: config.webhooks.len(),
            token_changed,
            sessions_reset,
        })
    }
}

/// Calls `reloader.reload(load)` on every SIGHUP until `stop` turns true. The signal is
/// watched from the moment this returns (the default action of SIGHUP is to end the process).
#[cfg(unix)]
pub fn on_hangup(
    reloader: Reloader,
    load: Arc<dyn Fn() -> anyhow::Result<Config> + Send + Sync>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangup = signal(SignalKind::hangup())?;
    Ok(tokio::spawn(async move {
        loop {
            tokio::select! {
                received = hangup.recv() => {
                    if received.is_none() {
                        break;
                    }
                    tracing::info!("SIGHUP: reading the configuration again");
                    // Reading files: off the async threads.
                    let (reloader, load) = (reloader.clone(), load.clone());
                    let _ = tokio::task::spawn_blocking(move || reloader.reload(load.as_ref())).await;
                }
                _ = async { let _ = stop.wait_for(|stopped| *stopped).await; } => break,
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::from_toml(
            text,
            std::path::Path::new("/etc/sendercheck/sendercheck.toml"),
        )
        .expect("the test config parses")
    }

    struct Parts {
        reloader: Reloader,
        profiles: Swap<Profiles>,
        default_profile: Swap<String>,
        webhooks: Swap<Vec<WebhookConfig>>,
        tokens: Swap<Tokens>,
        ui_keys: Swap<Keys>,
    }

    fn started(from: &Config, listen: &str) -> Parts {
        let profiles = swap(from.profiles.clone());
        let default_profile = swap(from.default_profile.clone());
        let webhooks = swap(from.webhooks.clone());
        let tokens = swap(from.tokens());
        let ui_keys = swap(session_keys(from));
        let reloader = Reloader {
            profiles: profiles.clone(),
            default_profile: default_profile.clone(),
            webhooks: webhooks.clone(),
            tokens: tokens.clone(),
            ui_keys: ui_keys.clone(),
            session_secret: Arc::new(Mutex::new(session_secret(from))),
            listen: listen.parse().unwrap(),
            metrics: Arc::new(Metrics::new(false)),
        };
        Parts {
            reloader,
            profiles,
            default_profile,
            webhooks,
            tokens,
            ui_keys,
        }
    }

    const TOKEN_A: &str = "[server]\napi_token = \"first-token-0123456789\"\n";

    #[test]
    fn a_new_file_swaps_profiles_webhooks_and_token_and_resets_sessions_with_the_token() {
        let parts = started(&config(TOKEN_A), "0.0.0.0:8080");
        let before = parts.ui_keys.load_full();
        let next = config(
            "[server]\napi_token = \"second-token-0123456789\"\n\
             [defaults]\nprofile = \"own\"\n\
             [profiles.own]\nspf_include = \"spf.own.example\"\n\
             [[webhooks]]\nurl = \"https://hooks.example/in\"\nsecret = \"sixteen-chars-secret\"\n",
        );
        let applied = parts.reloader.apply(&next).unwrap();
        assert!(applied.token_changed && applied.sessions_reset);
        assert_eq!(applied.webhooks, 1);
        assert!(applied.profiles_removed.is_empty());
        assert!(parts.profiles.load().get("own").is_some());
        assert_eq!(parts.default_profile.load().as_str(), "own");
        assert_eq!(parts.webhooks.load()[0].url, "https://hooks.example/in");
        assert!(
            parts
                .tokens
                .load()
                .find("second-token-0123456789")
                .is_some()
        );
        assert!(parts.tokens.load().find("first-token-0123456789").is_none());
        assert!(!Arc::ptr_eq(&before, &parts.ui_keys.load_full()));

        // The same file again changes nothing that signs people out.
        let again = parts.reloader.apply(&next).unwrap();
        assert!(!again.token_changed && !again.sessions_reset);
    }

    #[test]
    fn a_file_without_a_token_is_refused_while_listening_beyond_loopback_and_nothing_changes() {
        let parts = started(&config(TOKEN_A), "0.0.0.0:8080");
        let keys = parts.ui_keys.load_full();
        let next = config(
            "[[webhooks]]\nurl = \"https://hooks.example/in\"\nsecret = \"sixteen-chars-secret\"\n",
        );
        let refused = parts.reloader.apply(&next).unwrap_err().to_string();
        assert!(refused.contains("without an API token"), "{refused}");
        assert!(parts.webhooks.load().is_empty());
        assert!(!parts.tokens.load().is_empty());
        assert!(Arc::ptr_eq(&keys, &parts.ui_keys.load_full()));

        // On loopback the same file is fine, and the random session key stays.
        let local = started(&config(""), "127.0.0.1:8080");
        let keys = local.ui_keys.load_full();
        let applied = local.reloader.apply(&next).unwrap();
        assert!(!applied.sessions_reset);
        assert!(Arc::ptr_eq(&keys, &local.ui_keys.load_full()));
    }

    #[test]
    fn a_file_that_does_not_load_leaves_the_running_configuration() {
        let parts = started(&config(TOKEN_A), "127.0.0.1:8080");
        parts
            .reloader
            .reload(&|| Err(anyhow::anyhow!("expected `=`, found newline at line 3")));
        assert!(!parts.tokens.load().is_empty());
        assert!(parts.profiles.load().get("mandrill").is_some());
    }

    #[test]
    fn removed_profiles_are_named() {
        let parts = started(
            &config("[profiles.own]\nspf_include = \"spf.own.example\"\n"),
            "127.0.0.1:8080",
        );
        let applied = parts.reloader.apply(&config("")).unwrap();
        assert_eq!(applied.profiles_removed, vec!["own".to_string()]);
        assert!(parts.profiles.load().get("own").is_none());
    }
}

//! sendercheck: tells an email-sending platform whether each customer's sender domain is ready
//! to send, by resolving and judging the DNS records its provider profile requires.

pub mod answer;
pub mod api;
pub mod auth;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod compress;
pub mod config;
pub mod dns;
pub mod domain;
pub mod inbound;
pub mod memo;
pub mod message;
pub mod per_client;
pub mod probe;
pub mod profile;
pub mod reload;
pub mod retention;
pub mod scheduler;
pub mod smtp;
pub mod status;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod webhooks;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, bail};
use tokio::sync::watch;

use crate::api::AppState;
use crate::clock::Clock;
use crate::config::Config;
use crate::dns::Resolver;
use crate::scheduler::Scheduler;
use crate::store::{Store, StoreError, StoreOptions};
use crate::telemetry::Metrics;

/// Refuses an API without a token on an address other hosts can reach.
pub fn ensure_safe_listen(listen: SocketAddr, config: &Config) -> anyhow::Result<()> {
    if config.tokens().is_empty() && !listen.ip().is_loopback() {
        bail!(
            "refusing to listen on {listen} without an API token: set server.api_token (or \
             SENDERCHECK_API_TOKEN) or [[tokens]], or listen on a loopback address such as \
             127.0.0.1"
        );
    }
    Ok(())
}

/// With a store on another machine (PostgreSQL) and the system clock, the daemon acts on the
/// database's time instead: this machine's clock plus an offset measured at start, every
/// 30 seconds and whenever this machine's clock is stepped, so replicas on machines whose clocks disagree still agree on leases and due
/// times. A hand-driven clock (tests) is kept as it is.
async fn follow_database_clock(
    store: &Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Arc<dyn Clock>> {
    if !clock.is_system() {
        return Ok(clock);
    }
    let Some((theirs, ours)) = store
        .database_time()
        .await
        .context("cannot read the database's clock")?
    else {
        return Ok(clock);
    };
    let database = Arc::new(clock::OffsetClock::default());
    database.follow(theirs, ours);
    tracing::info!(
        offset_ms = database.offset().num_milliseconds(),
        "acting on the database's clock"
    );
    let (store, following) = (Arc::downgrade(store), database.clone());
    tokio::spawn(async move {
        // Re-measured every 30 s, and at once when this machine's clock is stepped (the wall
        // clock moves away from the monotonic one): the offset measured before is wrong then.
        let mut measured = (std::time::Instant::now(), chrono::Utc::now());
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let (since, wall) = measured;
            let due = since.elapsed() >= std::time::Duration::from_secs(30)
                || clock::stepped(
                    chrono::Utc::now() - wall,
                    since.elapsed(),
                    chrono::Duration::milliseconds(500),
                );
            if !due {
                continue;
            }
            // The store gone or closed: the daemon is stopping.
            let Some(store) = store.upgrade() else { break };
            match store.database_time().await {
                Ok(Some((theirs, ours))) => following.follow(theirs, ours),
                Ok(None) => break,
                Err(StoreError::Database(sqlx::Error::PoolClosed)) => break,
                // Kept: the last offset stays good while the database is away.
                Err(_) => {}
            }
            measured = (std::time::Instant::now(), chrono::Utc::now());
        }
    });
    Ok(database)
}

/// Every 30 s (and at start) writes this replica's heartbeat and records readiness for
/// `/metrics` (`sendercheck_ready`, `sendercheck_store_writable`), so alerts see a full disk
/// or a stalled scheduler even when nothing asks `/readyz`; until `stop` turns true.
async fn heartbeat(
    store: Arc<dyn Store>,
    scheduler: Scheduler,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let writable = match store.writable().await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(error = %format!("{:#}", anyhow::Error::from(error)), "heartbeat: the store cannot write");
                false
            }
        };
        let ready = writable && store.ping().await.is_ok() && scheduler.is_alive();
        metrics.readiness(writable, ready);
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
        }
    }
}

/// Binds the inbound SMTP listener and reads its certificate: a port in use or a bad file
/// stops the daemon at start.
async fn bind_inbound(
    listen: SocketAddr,
    config: &config::InboundConfig,
) -> anyhow::Result<(tokio::net::TcpListener, inbound::listener::Settings)> {
    let domain = config
        .domain
        .as_ref()
        .context("[inbound] listen needs [inbound] domain")?;
    let mut settings = inbound::listener::Settings::new(domain.as_str());
    if let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) {
        settings.tls = Some(inbound::listener::tls_config(cert, key).map_err(anyhow::Error::msg)?);
    }
    settings.limits.max_message_bytes = config.max_message_bytes;
    settings.max_sessions = config.max_sessions;
    settings.max_per_client = config.max_sessions_per_client;
    settings.max_receiving = config.max_receiving;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    Ok((listener, settings))
}

/// A store URL with its password, if any, replaced: it goes into messages and logs.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            let hidden = if credentials.contains(':') {
                ":***"
            } else {
                ""
            };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => url.to_string(),
    }
}

/// The daemon's parts, built and ready to serve.
pub struct App {
    pub scheduler: Scheduler,
    /// Delivers webhook events; runs beside the scheduler (both off with `schedule.enabled =
    /// false`, when tests drive them by hand).
    pub dispatcher: webhooks::Dispatcher,
    pub store: Arc<dyn Store>,
    config: Config,
    state: AppState,
    /// The SMTP listener of test addresses, bound (`[inbound] listen`), with its settings.
    inbound: Option<(tokio::net::TcpListener, inbound::listener::Settings)>,
    /// Loads the configuration again on SIGHUP (`reload_with`); none: SIGHUP is not watched.
    reload: Option<Arc<dyn Fn() -> anyhow::Result<Config> + Send + Sync>>,
}

impl App {
    /// Opens the store (creating and migrating it), builds the resolver and the scheduler.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
        let options = StoreOptions {
            replica_id: config.store.replica_id.clone(),
            pool_size: config.store.pool_size,
        };
        let store = store::open(&config.store.url, &options)
            .await
            .with_context(|| format!("cannot open the store at {}", redacted(&config.store.url)))?;
        let clock = follow_database_clock(&store, clock).await?;
        // rustls may be built with more than one crypto provider (tests link another): this
        // process uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let resolver = Resolver::new(&config.dns).context("cannot set up DNS")?;
        let profiles = reload::swap(config.profiles.clone());
        let dyn_store = store.clone();
        let metrics = Arc::new(Metrics::new(config.per_domain_metrics));
        metrics.replica(&config.store.replica_id, store.backend());
        let scheduler = Scheduler::new(
            dyn_store.clone(),
            resolver,
            profiles.clone(),
            clock.clone(),
            metrics.clone(),
            config.scheduler.clone(),
        );
        let inbound = match config.inbound.listen {
            Some(listen) => Some(
                bind_inbound(listen, &config.inbound)
                    .await
                    .context("cannot start the inbound SMTP listener")?,
            ),
            None => None,
        };
        let dispatcher = webhooks::Dispatcher::new(
            dyn_store.clone(),
            clock,
            config.webhooks.clone(),
            metrics.clone(),
            api::webhooks::renderer(config.lang),
        )
        .context("cannot set up the webhook client")?;
        let state = AppState::new(api::Shared {
            store: dyn_store,
            lang: config.lang,
            scheduler: scheduler.clone(),
            profiles,
            tokens: reload::swap(config.tokens()),
            auth_failures: Arc::default(),
            request_timeout: config.server.request_timeout,
            limits: config.limits.clone(),
            body_timeout: config.server.body_timeout,
            metrics,
            default_profile: reload::swap(config.default_profile.clone()),
            dkim_keys: Arc::default(),
            ui_keys: reload::swap(reload::session_keys(&config)),
            replica: config.store.replica_id.as_str().into(),
            smtp: Arc::new(smtp::Policy::new(config.smtp.clone())),
            allowed_hosts: config.server.allowed_hosts.clone().into(),
            store_counts: Arc::default(),
            test_addresses: Arc::new(api::messages::TestAddresses {
                domain: config
                    .inbound
                    .domain
                    .as_ref()
                    .map(|domain| domain.to_string()),
                ttl: config.inbound.address_ttl,
            }),
        });
        Ok(App {
            scheduler,
            dispatcher,
            store,
            config,
            state,
            inbound,
            reload: None,
        })
    }

    /// On SIGHUP, loads the configuration with `load` (the same file and environment as at
    /// start) and swaps in its profiles, webhooks and token (`reload`).
    pub fn reload_with(
        mut self,
        load: impl Fn() -> anyhow::Result<Config> + Send + Sync + 'static,
    ) -> Self {
        self.reload = Some(Arc::new(load));
        self
    }

    /// Where the inbound SMTP listener accepts mail, when it runs.
    pub fn inbound_address(&self) -> Option<SocketAddr> {
        self.inbound
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// Serves HTTP on `listener` and runs the scheduler until `shutdown` completes; then stops
    /// accepting, lets in-flight requests and checks finish within `server.shutdown_grace`, and
    /// closes the store.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        use tracing::Instrument as _;
        // Every log line of this daemon names its replica.
        let span = tracing::info_span!("replica", id = %self.config.store.replica_id);
        self.serve_in_span(listener, shutdown)
            .instrument(span)
            .await
    }

    async fn serve_in_span(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        use tracing::Instrument as _;
        let address = listener.local_addr()?;
        ensure_safe_listen(address, &self.config)?;
        let grace = self.config.server.shutdown_grace;
        let metrics = self.state.metrics.clone();
        let reloader = reload::Reloader::new(
            &self.state,
            self.dispatcher.endpoints(),
            &self.config,
            address,
        );
        let router = api::router(self.state, &self.config.limits);
        let (stop_tx, stop_rx) = watch::channel(false);
        let scheduler_task = self.config.scheduler.enabled.then(|| {
            self.scheduler.mark_alive();
            tokio::spawn(
                self.scheduler
                    .clone()
                    .run(stop_rx.clone(), grace)
                    .in_current_span(),
            )
        });
        // Watched before the address is logged: SIGHUP's default action ends the process.
        #[cfg(unix)]
        let reload_task = match self.reload {
            Some(load) => Some(reload::on_hangup(reloader, load, stop_rx.clone())?),
            None => None,
        };
        // Runs without endpoints too (doing nothing), so SIGHUP can add the first one.
        let dispatcher_task = self.config.scheduler.enabled.then(|| {
            tokio::spawn(
                self.dispatcher
                    .clone()
                    .run(stop_rx.clone())
                    .in_current_span(),
            )
        });
        let inbound_task = self.inbound.map(|(listener, settings)| {
            let inbox = Arc::new(inbound::inbox::StoreInbox::new(
                self.store.clone(),
                self.scheduler.resolver().clone(),
                Arc::new(message::dkim::KeyAnswers::default()),
                self.scheduler.clock(),
                metrics.clone(),
                &settings.host,
            ));
            if let Ok(smtp) = listener.local_addr() {
                tracing::info!(address = %smtp, domain = %settings.host, "inbound SMTP listening");
            }
            let mut stop = stop_rx.clone();
            tokio::spawn(
                inbound::listener::serve(listener, settings, inbox, async move {
                    let _ = stop.wait_for(|stopped| *stopped).await;
                })
                .in_current_span(),
            )
        });
        let heartbeat_task = tokio::spawn(
            heartbeat(
                self.store.clone(),
                self.scheduler.clone(),
                metrics.clone(),
                stop_rx.clone(),
            )
            .in_current_span(),
        );
        let pruning_task = tokio::spawn(
            retention::run(
                self.store.clone(),
                self.scheduler.clock(),
                self.config.retention,
                metrics.clone(),
                stop_rx.clone(),
            )
            .in_current_span(),
        );
        tracing::info!(%address, store = self.store.backend(), "listening");
        let limits = api::server::ConnectionLimits {
            max_connections: self.config.server.max_connections,
            max_connections_per_client: self.config.server.max_connections_per_client,
            header_timeout: self.config.server.header_timeout,
        };
        api::server::serve(
            listener,
            router,
            limits,
            async move {
                shutdown.await;
                let _ = stop_tx.send(true);
            },
            grace,
        )
        .await;
        if let Some(task) = scheduler_task {
            let _ = task.await;
        } else {
            self.scheduler.drain(grace).await;
        }
        let _ = pruning_task.await;
        #[cfg(unix)]
        if let Some(task) = reload_task {
            let _ = task.await;
        }
        let _ = heartbeat_task.await;
        if let Some(task) = inbound_task {
            // Sessions under way end with the listener's timeouts; a message not yet answered
            // is not kept, and its client sends it again.
            task.abort();
        }
        if let Some(task) = dispatcher_task {
            // An attempt under way ends within its timeout; what it did not finish stays in
            // the outbox for the next start.
            let _ = tokio::time::timeout(grace, task).await;
        }
        // What this replica still holds goes back to the others at once, rather than when
        // its leases run out.
        match self.store.release_leases(self.scheduler.now()).await {
            Ok(released) => tracing::info!(released, "leases released"),
            Err(error) => {
                tracing::warn!(error = %format!("{:#}", anyhow::Error::from(error)), "leases not released: they run out by themselves")
            }
        }
        self.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

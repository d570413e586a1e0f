//! `sendercheck serve`: the daemon, until SIGINT or SIGTERM.

use std::sync::Arc;

use anyhow::Context;

use super::ServeArgs;
use crate::checks::Outcome;
use crate::clock::SystemClock;
use crate::config::{Config, parse_socket_addr};
use crate::{App, ensure_safe_listen};

pub async fn run(args: ServeArgs) -> anyhow::Result<Outcome> {
    let path = args.config.clone();
    // What SIGHUP reads again: the same file and environment; its errors name the file.
    let load = move || -> anyhow::Result<Config> {
        let loaded = Config::load(path.as_deref(), |key| std::env::var(key).ok());
        match (loaded, &path) {
            (Ok(config), _) => Ok(config),
            (Err(error), Some(path)) if !error.to_string().contains(&*path.to_string_lossy()) => {
                Err(anyhow::Error::from(error).context(format!("in {}", path.display())))
            }
            (Err(error), _) => Err(error.into()),
        }
    };
    let mut config = load()?;
    args.dnssec.apply(&mut config)?;
    if let Some(listen) = &args.listen {
        config.server.listen = parse_socket_addr("--listen", listen)?;
    }
    let listen = config.server.listen;
    ensure_safe_listen(listen, &config)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    // SIGHUP reads the same file and environment again (profiles, webhooks, token).
    let app = App::build(config, Arc::new(SystemClock))
        .await?
        .reload_with(load);
    app.serve(listener, shutdown_signal()).await?;
    Ok(Outcome::Ok)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot watch SIGTERM; only Ctrl-C stops the daemon");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

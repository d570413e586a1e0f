//! The HTTP server loop: hyper with a timer, so slow-drip headers are cut off; a cap on open
//! connections; graceful shutdown. (`axum::serve` sets neither a header timeout nor a cap.)

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Limits of the connection layer.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Connections open at once; past it, new ones wait in the kernel's accept queue.
    pub max_connections: usize,
    /// The longest a client may take to send a request's headers.
    pub header_timeout: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and lets open
/// connections finish their requests within `grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
    grace: Duration,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // HTTP/1.1 only: detecting HTTP/2 first reads the connection with no timeout. hyper's header
    // timer covers a request once its first byte arrives and kept-alive connections between
    // requests; a new connection that sends nothing is covered below.
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let router = router.clone();
            async move { router.oneshot(request.map(Body::new)).await }
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let first_byte = limits.header_timeout;
        tokio::spawn(async move {
            // hyper's header timer starts with a request's first byte, so a connection that
            // sends nothing at all is closed here, and silent clients cannot hold every slot.
            // `peek` waits for a real byte (readiness alone can be reported spuriously) and
            // leaves it for hyper to read.
            let mut first = [0u8; 1];
            if !matches!(
                tokio::time::timeout(first_byte, stream.peek(&mut first)).await,
                Ok(Ok(1..))
            ) {
                drop(slot);
                return;
            }
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(error = %error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    tracing::info!("shutting down: no new connections");
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the shutdown grace");
    }
}

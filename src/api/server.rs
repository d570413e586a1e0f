//! The HTTP server loop: hyper with a timer, so slow-drip headers are cut off; a cap on open
//! connections and on each client's share; graceful shutdown. (`axum::serve` sets neither a
//! header timeout nor a cap.) A connection past a cap is still accepted, in overload mode: it
//! is answered health, readiness and metrics, so monitoring sees the daemon even when clients
//! hold every slot, and 503 with Retry-After for anything else.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument as _;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// Limits of the connection layer.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Connections served at once; past it, new ones are served in overload mode.
    pub max_connections: usize,
    /// Connections one client address may hold before its next ones are in overload mode.
    pub max_connections_per_client: usize,
    /// The longest a client may take to send a request's headers.
    pub header_timeout: Duration,
}

/// Requests served in overload mode at once. A connection takes one of these only once it has
/// sent a byte, so silent connections never hold them.
const OVERLOAD_CONNECTIONS: usize = 128;
/// How long an overload-mode connection may take to send its request.
const OVERLOAD_HEADER_TIMEOUT: Duration = Duration::from_secs(1);
/// Paths answered in overload mode: what monitoring needs.
const OVERLOAD_PATHS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// What a connection holds while it is served; given back when dropped.
enum Admission {
    Served {
        _slot: OwnedSemaphorePermit,
        _share: crate::per_client::ClientShare,
    },
    /// Past a cap: no slot is held until the connection has sent something.
    Overload,
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
    let overload_slots = Arc::new(Semaphore::new(OVERLOAD_CONNECTIONS));
    let per_client = crate::per_client::PerClient::default();
    // HTTP/1.1 only: detecting HTTP/2 first reads the connection with no timeout. hyper's header
    // timer covers a request once its first byte arrives and kept-alive connections between
    // requests; a new connection that sends nothing is covered below.
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut overload_builder = Builder::new(TokioExecutor::new()).http1_only();
    overload_builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(OVERLOAD_HEADER_TIMEOUT)
        .keep_alive(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A slot and the client's share, or else overload mode.
        let admission = match (
            per_client.take(peer.ip(), limits.max_connections_per_client),
            slots.clone().try_acquire_owned(),
        ) {
            (Some(share), Ok(slot)) => Admission::Served {
                _slot: slot,
                _share: share,
            },
            _ => Admission::Overload,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let overload = matches!(admission, Admission::Overload);
        let overload_slots = overload_slots.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let router = router.clone();
            async move {
                if overload && !OVERLOAD_PATHS.contains(&request.uri().path()) {
                    return Ok(overloaded());
                }
                let mut request = request.map(Body::new);
                // Who is asking: per-address limits of failed authentications.
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                router.oneshot(request).await
            }
        });
        let builder = if overload {
            overload_builder.clone()
        } else {
            builder.clone()
        };
        let watcher = graceful.watcher();
        let first_byte = if overload {
            OVERLOAD_HEADER_TIMEOUT
        } else {
            limits.header_timeout
        };
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
                drop(admission);
                return;
            }
            // In overload mode a slot is taken only now, by a client that has spoken.
            let _overload_slot = if overload {
                match tokio::time::timeout(first_byte, overload_slots.acquire_owned()).await {
                    Ok(Ok(slot)) => Some(slot),
                    _ => {
                        tracing::debug!(%peer, "connection closed: overload slots stayed taken");
                        return;
                    }
                }
            } else {
                None
            };
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(error = %error, "connection ended with an error");
            }
            drop(admission);
        }.in_current_span());
    }
    tracing::info!("shutting down: no new connections");
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the shutdown grace");
    }
}

/// The answer to anything but health and metrics while every slot is taken.
fn overloaded() -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({"error": {
        "code": "overloaded",
        "message": "the server is at its connection limit; retry shortly"
    }});
    let mut response = (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(body),
    )
        .into_response();
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("1"),
    );
    response
}

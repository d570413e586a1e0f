//! Liveness and readiness, for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// The process answers HTTP.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Alive: `{\"status\": \"ok\"}`", body = Object))
)]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The store answers and the scheduler is ticking: 200, else 503 saying which is not.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready: `{\"status\": \"ready\", \"store\": \"ok\", \"scheduler\": \"ok\", \"store_backend\": \"postgres\", \"replica\": \"web-1\"}`. `store` is `failing` when the database does not answer or takes no writes (a full disk; a PostgreSQL standby after a failover)", body = Object),
        (status = 503, description = "Not ready; says whether the store or the scheduler fails", body = Object),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store_ok = match state.store.ping().await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(error = %format!("{:#}", anyhow::Error::from(error)), "readiness: store unreachable");
            false
        }
    };
    // A store that answers but cannot write (a full disk) is not ready either.
    let store_ok = store_ok
        && match state.store.writable().await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(error = %format!("{:#}", anyhow::Error::from(error)), "readiness: store cannot write");
                false
            }
        };
    let scheduler_ok = state.scheduler.is_alive();
    state.metrics.readiness(store_ok, store_ok && scheduler_ok);
    let word = |ok: bool| if ok { "ok" } else { "failing" };
    let body = json!({
        "status": if store_ok && scheduler_ok { "ready" } else { "unavailable" },
        "store": word(store_ok),
        "scheduler": word(scheduler_ok),
        "store_backend": state.store.backend(),
        "replica": &*state.replica,
    });
    if store_ok && scheduler_ok {
        (StatusCode::OK, Json(body))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(body))
    }
}

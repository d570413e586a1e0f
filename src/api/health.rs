//! Liveness and readiness, for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// The process answers HTTP.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The store answers and the scheduler is ticking: 200, else 503 saying which is not.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store_ok = match state.store.ping().await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(error = %anyhow::Error::from(error), "readiness: store unreachable");
            false
        }
    };
    let scheduler_ok = state.scheduler.is_alive();
    let word = |ok: bool| if ok { "ok" } else { "failing" };
    let body = json!({
        "status": if store_ok && scheduler_ok { "ready" } else { "unavailable" },
        "store": word(store_ok),
        "scheduler": word(scheduler_ok),
    });
    if store_ok && scheduler_ok {
        (StatusCode::OK, Json(body))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(body))
    }
}

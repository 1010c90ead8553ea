//! `/healthz` (the process answers), `/readyz` (renderer self-tested, queue reachable, not
//! draining) and `/metrics` (Prometheus text format) on their own port.

use crate::error::{Error, Result};
use crate::telemetry;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::net::SocketAddr;
use tokio::task::JoinHandle;

/// Binds `addr` and serves in the background.
pub async fn serve(addr: SocketAddr) -> Result<JoinHandle<()>> {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Settings(format!("--metrics-addr {addr}: {e}")))?;
    tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("metrics server stopped: {e}");
        }
    }))
}

async fn ready() -> impl IntoResponse {
    let m = telemetry::metrics();
    let status = if m.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, m.readiness())
}

async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        telemetry::metrics().prometheus(),
    )
}

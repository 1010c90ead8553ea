//! `render-worker worker`: jobs from a queue (SQS), models from a blob store (S3), outputs to
//! the store.
//!
//! The loop (`receive`) receives only when a slot is free ([`Config::concurrency`] messages
//! at once, at most ten per long poll), runs each message's jobs (`job`: `input` fetched
//! into memory, processed, `commit`ted manifest last, announced with `events`) while a
//! `heartbeat` keeps the message invisible, and deletes it (in batches, `deleter`) only
//! after every output and the manifest are stored. Transient failures make the message visible
//! again after a growing delay, so the queue's redrive policy moves a message that never
//! succeeds to its dead-letter queue. A [`Drain`] (started by the binary on SIGTERM, SIGINT or
//! a spot interruption notice) stops receiving, lets running jobs finish until the drain
//! deadline, releases the rest and returns, and the process exits 0.
//!
//! The worker sees storage and queue only as [`BlobStore`] and [`JobQueue`]: [`run`] makes the
//! S3 and SQS ones, tests pass in-memory ones to [`serve`]. All jobs share one renderer (jobs
//! take turns on the GPU) and one CPU pool.

mod commit;
mod config;
mod deleter;
mod drain;
mod events;
mod heartbeat;
mod http;
mod input;
mod job;
mod receive;
#[cfg(test)]
mod tests;

pub use config::Config;
pub use drain::{Drain, watch_signals, watch_spot_notices};

use crate::error::{Error, Result};
use crate::queue::{JobQueue, sqs};
use crate::render::{LazyRenderer, Renderer};
use crate::storage::{BlobStore, s3};
use crate::telemetry;
use deleter::Deleter;
use std::sync::Arc;

/// What the worker runs on, built once and shared by every job.
pub struct Services {
    /// Where inputs are read and outputs written.
    pub store: Arc<dyn BlobStore>,
    /// The job queue.
    pub queue: Arc<dyn JobQueue>,
    /// Where completion events go, if anywhere.
    pub results: Option<Arc<dyn JobQueue>>,
    /// The renderer, created on first use unless prepared.
    pub renderer: Arc<LazyRenderer>,
    /// The CPU pool jobs run on.
    pub pool: Arc<rayon::ThreadPool>,
}

/// What every job task shares.
struct Shared {
    config: Config,
    services: Services,
    deleter: Deleter,
    drain: Drain,
}

/// The worker on S3 and SQS: serves `/healthz`, `/readyz` and `/metrics`, prepares the
/// renderer, then receives and runs jobs until `drain` completes. Must run inside a
/// multi-threaded Tokio runtime; a job thread still running after the drain (its message
/// already released) is not waited for.
pub async fn run(config: Config, drain: Drain) -> Result<()> {
    let server = http::serve(config.metrics_addr).await?;
    let sdk = s3::sdk_config(config.endpoint_url.as_deref()).await;
    let queue = Arc::new(sqs::Queue::from_sdk(&sdk, &config.queue_url));
    let results = (config.results_queue.as_ref())
        .map(|url| Arc::new(sqs::Queue::from_sdk(&sdk, url)) as Arc<dyn JobQueue>);
    let encryption = config.encryption.clone();
    let store = s3::S3Store::from_sdk(&sdk, encryption, config.multipart_threshold);
    let services = Services {
        store: Arc::new(store),
        queue,
        results,
        renderer: Arc::new(prepare_renderer(&config).await?),
        pool: Arc::new(cpu_pool(config.threads)?),
    };
    serve(config, services, drain).await;
    server.abort();
    Ok(())
}

/// Receives and runs jobs from `services` until `drain` completes: every message then is
/// deleted or released, and every confirmed delete sent.
pub async fn serve(config: Config, services: Services, drain: Drain) {
    match services.queue.ping().await {
        Ok(()) => telemetry::queue_ready(true),
        Err(e) => {
            tracing::warn!("queue not reachable yet: {e}");
            telemetry::queue_ready(false);
        }
    }
    let (deleter, deleter_task) = Deleter::spawn(services.queue.clone());
    let shared = Arc::new(Shared {
        config,
        services,
        deleter,
        drain,
    });
    tracing::info!(queue = %shared.services.queue.name(), "worker started");
    receive::receive_loop(&shared).await;
    drop(shared);
    let _ = deleter_task.await;
    tracing::info!("drained; exiting");
}

/// The CPU pool of `threads` threads.
fn cpu_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("render-worker-cpu-{i}"))
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the CPU pool: {e}")))
}

/// The renderer: created and self-tested now when rendering is on (so `/readyz` reports the
/// GPU), created on first use otherwise (a message may still ask for thumbnails).
async fn prepare_renderer(config: &Config) -> Result<LazyRenderer> {
    if !config.settings.render {
        telemetry::gpu_ready(None, true);
        return Ok(LazyRenderer::new(config.allow_software));
    }
    let allow_software = config.allow_software;
    let made = tokio::task::spawn_blocking(move || {
        let renderer = Renderer::new(allow_software)?;
        renderer.self_test()?;
        Ok::<_, Error>(renderer)
    })
    .await
    .map_err(|e| Error::Internal(format!("renderer start-up panicked: {e}")))?;
    match made {
        Ok(renderer) => {
            telemetry::gpu_ready(Some(renderer.adapter()), true);
            Ok(LazyRenderer::ready(renderer))
        }
        Err(e) => {
            telemetry::gpu_ready(None, false);
            Err(e)
        }
    }
}

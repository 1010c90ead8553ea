//! `render-worker worker`: jobs from SQS, models from S3, outputs to S3.
//!
//! The loop receives only when a slot is free ([`Config::concurrency`] messages at once, at
//! most ten per long poll), runs each message's jobs ([`job`]) while a heartbeat keeps the
//! message invisible, and deletes it (in batches, [`deleter`]) only after every output and
//! the manifest are in S3. Transient failures make the message visible again after a growing
//! delay, so the queue's redrive policy moves a message that never succeeds to its
//! dead-letter queue. A drain ([`drain`]: SIGTERM, SIGINT or a spot interruption notice)
//! stops receiving, lets running jobs finish until the drain deadline, releases the rest and
//! returns, and the process exits 0.
//!
//! All jobs share one renderer (jobs take turns on the GPU) and one CPU pool.

mod config;
mod deleter;
mod drain;
mod events;
mod http;
mod job;

pub use config::Config;
pub use drain::Drain;

use crate::error::{Error, Result};
use crate::queue::sqs::{Queue, Received};
use crate::render::{LazyRenderer, Renderer};
use crate::storage::s3::S3Store;
use crate::telemetry;
use deleter::Deleter;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument;

/// Longest wait of one receive call, seconds (SQS's maximum long poll).
const LONG_POLL_SECONDS: i32 = 20;

/// What every job task shares.
struct Shared {
    config: Config,
    queue: Queue,
    results: Option<Queue>,
    store: S3Store,
    renderer: Arc<LazyRenderer>,
    pool: Arc<rayon::ThreadPool>,
    deleter: Deleter,
    drain: Drain,
}

/// Runs the worker until a drain completes. Builds its own Tokio runtime; a job thread
/// still running after the drain (its message already released) is not waited for.
pub fn main(config: Config) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("render-worker-io")
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(run(config));
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// The worker: serves `/healthz`, `/readyz` and `/metrics`, prepares the renderer, then
/// receives and runs jobs until drained.
pub async fn run(config: Config) -> Result<()> {
    let drain = Drain::new(config.drain_timeout);
    drain::watch_signals(drain.clone())?;
    if let Some(endpoint) = &config.imds_endpoint {
        drain::watch_spot_notices(endpoint, drain.clone())?;
    }
    let server = http::serve(config.metrics_addr).await?;
    let (s3, sqs) = config.clients().await;
    let queue = Queue::new(sqs.clone(), &config.queue_url);
    let results = config
        .results_queue
        .as_ref()
        .map(|url| Queue::new(sqs, url));
    let store = S3Store::new(s3, config.encryption.clone(), config.multipart_threshold);
    match queue.ping().await {
        Ok(()) => telemetry::queue_ready(true),
        Err(e) => {
            tracing::warn!("queue not reachable yet: {e}");
            telemetry::queue_ready(false);
        }
    }
    let renderer = Arc::new(prepare_renderer(&config).await?);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .thread_name(|i| format!("render-worker-cpu-{i}"))
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the CPU pool: {e}")))?;
    let (deleter, deleter_task) = Deleter::spawn(queue.clone());
    let shared = Arc::new(Shared {
        config,
        queue,
        results,
        store,
        renderer,
        pool: Arc::new(pool),
        deleter,
        drain: drain.clone(),
    });
    tracing::info!(queue = %shared.queue.url(), "worker started");
    receive_loop(&shared).await;
    drop(shared);
    let _ = deleter_task.await;
    tracing::info!("drained; exiting");
    server.abort();
    Ok(())
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

/// Receives while slots are free and nothing drains; returns once every job task ended.
async fn receive_loop(shared: &Arc<Shared>) {
    let slots = Arc::new(Semaphore::new(shared.config.concurrency));
    let mut tasks = JoinSet::new();
    let mut failures = 0u32;
    loop {
        let first = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore stays open"),
            () = shared.drain.started() => break,
        };
        let mut permits = vec![first];
        while permits.len() < 10 {
            match slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let wanted = permits.len() as i32;
        let visibility = shared.config.visibility_timeout as i32;
        // A poll is never abandoned: the server would keep it open and could hand it a
        // message (even one this worker just released) that nobody then sees until its
        // visibility timeout. What arrives after a drain started is released at once.
        let received = shared
            .queue
            .receive(wanted, LONG_POLL_SECONDS, visibility)
            .await;
        if shared.drain.is_started() {
            for message in received.unwrap_or_default() {
                settle(shared, &message, job::Outcome::Abandoned).await;
            }
            break;
        }
        match received {
            Ok(messages) => {
                failures = 0;
                telemetry::queue_ready(true);
                for message in messages {
                    let permit = permits
                        .pop()
                        .expect("SQS returns at most the count asked for");
                    let shared = shared.clone();
                    tasks.spawn(async move {
                        handle(&shared, message).await;
                        drop(permit);
                    });
                }
            }
            Err(e) => {
                failures += 1;
                telemetry::queue_ready(false);
                let pause = Duration::from_secs(u64::from(failures.min(5)) * 2);
                tracing::warn!(
                    "receiving failed ({failures} in a row), retrying in {pause:?}: {e}"
                );
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = shared.drain.started() => break,
                }
            }
        }
        while tasks.try_join_next().is_some() {}
    }
    while tasks.try_join_next().is_some() {}
    let running = tasks.len();
    if running > 0 {
        tracing::info!(running, "waiting for running jobs until the drain deadline");
    }
    while tasks.join_next().await.is_some() {}
}

/// Runs one message to its end: deleted, released for a retry, or released because the
/// drain deadline passed.
async fn handle(shared: &Shared, message: Received) {
    let span = tracing::info_span!(
        "message",
        message_id = %message.message_id,
        receive_count = message.receive_count
    );
    async {
        telemetry::message_received(&message.message_id, message.receive_count);
        let heartbeat = job::Heartbeat::start(
            shared.queue.clone(),
            message.receipt.clone(),
            shared.config.visibility_timeout,
        );
        let outcome = tokio::select! {
            o = job::run_message(shared, &message) => o,
            () = shared.drain.expired() => job::Outcome::Abandoned,
        };
        drop(heartbeat);
        settle(shared, &message, outcome).await;
    }
    .instrument(span)
    .await;
}

/// Deletes or releases a message according to its outcome.
async fn settle(shared: &Shared, message: &Received, outcome: job::Outcome) {
    let id = &message.message_id;
    let release = |delay: u32, reason: String| async move {
        match shared
            .queue
            .set_visibility(&message.receipt, delay as i32)
            .await
        {
            Ok(()) => telemetry::message_released(id, delay as i32, &reason),
            Err(e) => tracing::warn!(
                "releasing the message failed; it returns after its visibility timeout: {e}"
            ),
        }
    };
    match outcome {
        job::Outcome::Done => {
            if shared.deleter.delete(message.receipt.clone()).await {
                telemetry::message_deleted(id);
            }
        }
        job::Outcome::Ignored(reason) => {
            if shared.deleter.delete(message.receipt.clone()).await {
                telemetry::message_ignored(id, &reason);
            }
        }
        job::Outcome::Retry(reason) => {
            let delay = shared.config.retry_delay_for(message.receive_count);
            release(delay, reason).await;
        }
        job::Outcome::Reject(reason) => {
            telemetry::message_rejected(id, &reason);
            release(0, reason).await;
        }
        job::Outcome::Abandoned if shared.drain.is_expired() => {
            release(0, "drain deadline passed".into()).await;
        }
        job::Outcome::Abandoned => release(0, "received while draining".into()).await,
    }
}

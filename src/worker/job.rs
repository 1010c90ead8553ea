//! One message: each of its jobs fetched, processed, committed and announced, and what the
//! message's [`Outcome`] is.
//!
//! A job's outputs go to `<prefix>/<content address>/<settings hash>/`, written once each
//! with `manifest.json` last ([`commit`]), so a prefix holding a manifest is complete and a
//! repeated delivery finds it and does nothing but announce it again. Permanent failures
//! (the model or the request is at fault) write `error.json` and count as done; transient ones
//! (storage, queue, the GPU, timeouts) ask for a retry. What happens to the message then is
//! the receive loop's business ([`super::receive`]).

use super::Shared;
use super::commit::{self, Committed};
use super::config::Config;
use super::events::{Completion, FAILURE, FailureRecord, InputRef, JobRef, OutputRef};
use super::input::{self, Fetched};
use crate::error::{Error, Result};
use crate::job::{self, Manifest, Progress};
use crate::queue::Received;
use crate::queue::message::{self, JobRequest, Parsed};
use crate::settings::Settings;
use crate::storage::MemorySink;
use crate::telemetry;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// How a message ended.
#[derive(Debug)]
pub enum Outcome {
    /// Every job committed or failed for good: delete the message.
    Done,
    /// Nothing to do (`s3:TestEvent`, no ObjectCreated record): delete it.
    Ignored(String),
    /// A job failed transiently: make the message visible again after a delay.
    Retry(String),
    /// Not a message this worker understands: release it at once, so the redrive policy
    /// moves it to the dead-letter queue where someone can look at it.
    Reject(String),
    /// The drain deadline passed first: release the message now.
    Abandoned,
}

/// Runs every job of `message`; jobs after a transiently failed one still run (they are
/// then already done when the message comes back).
pub async fn run_message(shared: &Shared, message: &Received) -> Outcome {
    match message::parse(&message.body) {
        Parsed::Ignore(reason) => Outcome::Ignored(reason),
        Parsed::Invalid(reason) => Outcome::Reject(reason),
        Parsed::Jobs(jobs) if jobs.is_empty() => Outcome::Ignored("no ObjectCreated record".into()),
        Parsed::Jobs(jobs) => {
            let mut retry = None;
            for (index, request) in jobs.iter().enumerate() {
                if let Err(reason) = Job::new(shared, message, index, request).run().await {
                    retry.get_or_insert(reason);
                }
            }
            retry.map_or(Outcome::Done, Outcome::Retry)
        }
    }
}

/// Cancels the pipeline at its next stage boundary on a timeout or an expired drain.
struct Cancel {
    flag: Arc<AtomicBool>,
    drain: super::Drain,
}

impl Progress for Cancel {
    fn phase(&self, name: &str) {
        tracing::debug!(phase = name, "job phase");
    }
    fn lod_written(&self, level: usize, count: usize) {
        tracing::debug!(level, count, "LOD written");
    }
    fn cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst) || self.drain.is_expired()
    }
}

/// One record of a message.
struct Job<'a> {
    shared: &'a Shared,
    request: &'a JobRequest,
    id: JobRef,
    input: InputRef,
    settings_hash: Option<String>,
    cancel: Arc<AtomicBool>,
}

/// Runs `fut` within `limit`, as the `stage` of a job.
async fn timed<T>(
    stage: &'static str,
    limit: Duration,
    fut: impl Future<Output = Result<T>>,
) -> Result<T> {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or(Err(Error::TimedOut {
            stage,
            seconds: limit.as_secs_f64(),
        }))
}

impl<'a> Job<'a> {
    fn new(shared: &'a Shared, message: &Received, index: usize, request: &'a JobRequest) -> Self {
        Job {
            shared,
            request,
            id: JobRef {
                job_id: format!("{}/{index}", message.message_id),
                message_id: message.message_id.clone(),
                receive_count: message.receive_count,
            },
            input: InputRef {
                bucket: request.input.bucket.clone(),
                key: request.input.key.clone(),
                sha256: None,
                bytes: request.size,
            },
            settings_hash: None,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Runs the job to a committed or recorded end; `Err` carries the reason to retry.
    async fn run(mut self) -> std::result::Result<(), String> {
        let span = tracing::info_span!(
            "job",
            job_id = %self.id.job_id,
            bucket = %self.input.bucket,
            key = %self.input.key
        );
        async move {
            let key = self.input.key.clone();
            telemetry::job_started(&key);
            let start = Instant::now();
            let limit = self.shared.config.timeouts.job;
            let result = timed("job", limit, self.attempt()).await;
            self.cancel.store(true, Ordering::SeqCst);
            let result = match result {
                Ok(done) => self.announce_success(&done).await.map(|()| done),
                Err(e) => Err(e),
            };
            match result {
                Ok(done) if done.duplicate => {
                    telemetry::job_already_done(&key, &done.prefix);
                    Ok(())
                }
                Ok(done) => {
                    let ms = start.elapsed().as_secs_f64() * 1e3;
                    telemetry::job_succeeded(&key, &done.prefix, ms, &done.manifest.timings);
                    Ok(())
                }
                Err(e) if e.is_retryable() => {
                    telemetry::job_retry(&key, &e.to_string());
                    Err(e.to_string())
                }
                Err(e) => match self.record_failure(&e).await {
                    Ok(()) => {
                        telemetry::job_failed(&key, e.code(), &e.to_string());
                        Ok(())
                    }
                    Err(write) => {
                        telemetry::job_retry(&key, &write.to_string());
                        Err(write.to_string())
                    }
                },
            }
        }
        .instrument(span)
        .await
    }

    fn settings(&self) -> Result<Settings> {
        let base = &self.shared.config.settings;
        match &self.request.settings {
            Some(overrides) => base.with_overrides(overrides),
            None => Ok(base.clone()),
        }
    }

    fn output_root(&self) -> &str {
        self.request
            .output_prefix
            .as_deref()
            .unwrap_or(&self.shared.config.output_prefix)
    }

    async fn attempt(&mut self) -> Result<Committed> {
        let config = &self.shared.config;
        let store = &self.shared.services.store;
        let settings = self.settings()?;
        let settings_hash = settings.hash();
        self.settings_hash = Some(settings_hash.clone());
        let limit = settings.limits.max_input_bytes;
        // The size an S3 event reports is checked before anything is fetched; the fetch
        // checks each object's declared length before reading it.
        if let Some(size) = self.request.size {
            settings.limits.check_input_bytes(size)?;
        }
        let fetch = input::fetch(store.as_ref(), &self.request.input, limit);
        let fetched = timed("download", config.timeouts.download, fetch).await?;
        self.input.bytes = Some(fetched.bytes);
        self.input.sha256 = Some(fetched.address.clone());
        let prefix = Config::job_prefix(self.output_root(), &fetched.address, &settings_hash);
        let bucket = &config.output_bucket;
        if let Some(done) = commit::existing(store.as_ref(), bucket, &prefix).await? {
            return Ok(done);
        }
        let process = self.process(fetched, settings);
        let (manifest, files) = timed("process", config.timeouts.process, process).await?;
        let upload = commit::upload(store, bucket, &prefix, files, manifest);
        timed("upload", config.timeouts.upload, upload).await
    }

    /// Runs the pipeline on the CPU pool; the renderer is shared with other jobs.
    async fn process(
        &self,
        fetched: Fetched,
        settings: Settings,
    ) -> Result<(Manifest, Vec<(String, Vec<u8>)>)> {
        let renderer = self.shared.services.renderer.clone();
        let pool = self.shared.services.pool.clone();
        let cancel = Cancel {
            flag: self.cancel.clone(),
            drain: self.shared.drain.clone(),
        };
        let span = tracing::Span::current();
        let work = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            pool.install(|| {
                let sink = MemorySink::default();
                let manifest = job::run(fetched.input, &sink, &settings, Some(&renderer), &cancel)?;
                Ok((manifest, sink.into_files()))
            })
        });
        let result = work.await;
        result.unwrap_or_else(|e| Err(Error::Internal(format!("job thread failed: {e}"))))
    }

    fn output(&self, prefix: String, files: Vec<String>) -> OutputRef {
        OutputRef {
            bucket: self.shared.config.output_bucket.clone(),
            prefix,
            files,
        }
    }

    async fn announce_success(&self, done: &Committed) -> Result<()> {
        let output = self.output(done.prefix.clone(), done.files.clone());
        let (job, input) = (self.id.clone(), self.input.clone());
        let event = Completion::succeeded(job, input, output, done.duplicate, &done.manifest);
        self.announce(event).await
    }

    /// Writes `error.json` and announces the failure. The record goes to the job's output
    /// prefix, or, when the input was never read, to `<prefix>/failed/<bucket>/<key>/`.
    async fn record_failure(&self, e: &Error) -> Result<()> {
        let prefix = match (&self.input.sha256, &self.settings_hash) {
            (Some(sha), Some(hash)) => Config::job_prefix(self.output_root(), sha, hash),
            _ => {
                Config::job_prefix(self.output_root(), "failed", &self.input.bucket)
                    + &self.input.key
                    + "/"
            }
        };
        let (job, input) = (self.id.clone(), self.input.clone());
        let record = FailureRecord::new(job.clone(), input.clone(), self.settings_hash.clone(), e);
        let key = format!("{prefix}{FAILURE}");
        let json = serde_json::to_vec_pretty(&record).expect("failure record serializes");
        let bucket = &self.shared.config.output_bucket;
        self.shared
            .services
            .store
            .put_new(bucket, &key, json)
            .await?;
        let output = self.output(prefix, vec![FAILURE.into()]);
        self.announce(Completion::failed(job, input, output, e))
            .await
    }

    async fn announce(&self, event: Completion) -> Result<()> {
        match &self.shared.services.results {
            Some(queue) => {
                let body = serde_json::to_string(&event).expect("event serializes");
                queue.send(body).await
            }
            None => Ok(()),
        }
    }
}

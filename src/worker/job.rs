//! One message: each of its jobs downloaded, processed, uploaded and announced.
//!
//! A job's outputs go to `<prefix>/<input sha256>/<settings hash>/`, written once each
//! (`If-None-Match: *`) with `manifest.json` last, so a prefix holding a manifest is complete
//! and a repeated delivery finds it and does nothing but announce it again. Permanent failures
//! (the model or the request is at fault) write `error.json` and count as done; transient ones
//! (S3, SQS, the GPU, timeouts) ask for a retry.

use super::Shared;
use super::config::Config;
use super::events::{
    Completion, EVENT_SCHEMA_VERSION, ErrorInfo, FailureRecord, InputRef, JobRef, OutputRef,
    Status, Summary, tool,
};
use crate::error::{Error, Result};
use crate::job::{self, Manifest, Progress};
use crate::queue::message::{self, JobRequest, Parsed, S3Object};
use crate::queue::sqs::{Queue, Received};
use crate::settings::{Settings, hex};
use crate::storage::MemorySink;
use crate::storage::fs::MANIFEST;
use crate::storage::s3::Put;
use crate::telemetry;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument;

/// Name of the failure record.
const FAILURE: &str = "error.json";

/// Uploads of one job running at once.
const PARALLEL_UPLOADS: usize = 4;

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

/// Keeps a message invisible while its jobs run, renewing the visibility timeout every third
/// of it. Stops when dropped.
pub struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    /// Starts renewing `receipt` on `queue` for `visibility` seconds at a time.
    pub fn start(queue: Queue, receipt: String, visibility: u32) -> Heartbeat {
        let period = Duration::from_secs_f64(f64::from(visibility) / 3.0);
        let span = tracing::Span::current();
        Heartbeat(tokio::spawn(
            async move {
                loop {
                    tokio::time::sleep(period).await;
                    let result = queue.set_visibility(&receipt, visibility as i32).await;
                    telemetry::heartbeat(result.as_ref().err().map(ToString::to_string));
                }
            }
            .instrument(span),
        ))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
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

/// A job's committed outputs.
struct Committed {
    prefix: String,
    files: Vec<String>,
    manifest: Manifest,
    duplicate: bool,
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

/// A local file name for an object key: its last segment made safe, keeping a `.glb` or
/// `.gltf` extension (the reader uses the name only in reports).
fn local_name(key: &str) -> String {
    let last = std::path::Path::new(key.rsplit('/').next().unwrap_or_default());
    let stem = job::output_name(last);
    match last
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
    {
        Some(ext) if ext == "glb" || ext == "gltf" => format!("{stem}.{ext}"),
        _ => stem,
    }
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
        let shared = self.shared;
        let config = &shared.config;
        let settings = self.settings()?;
        let settings_hash = settings.hash();
        self.settings_hash = Some(settings_hash.clone());
        let limit = settings.limits.max_input_bytes;
        let object = &self.request.input;
        // The size an S3 event reports is checked before anything is fetched; the download
        // checks the object's declared length before reading it.
        if let Some(size) = self.request.size.filter(|s| *s > limit) {
            return Err(Error::LimitExceeded {
                what: "input bytes",
                actual: size,
                limit,
                flag: "--max-input-bytes",
            });
        }
        let dir = tempfile::Builder::new()
            .prefix("render-worker-job")
            .tempdir_in(&config.temp_dir)
            .map_err(Error::output(&config.temp_dir))?;
        let path = dir.path().join(local_name(&object.key));
        let download = shared.store.download(object, &path, limit);
        let fetch = async {
            let (bytes, sha256) = download.await?;
            self.fetch_external_files(dir.path(), &path, bytes, sha256, limit)
                .await
        };
        let (bytes, sha256) = timed("download", config.timeouts.download, fetch).await?;
        self.input.bytes = Some(bytes);
        self.input.sha256 = Some(sha256.clone());
        let prefix = Config::job_prefix(self.output_root(), &sha256, &settings_hash);
        let bucket = &config.output_bucket;
        let manifest_key = format!("{prefix}{MANIFEST}");
        if shared.store.exists(bucket, &manifest_key).await? {
            return self.existing(prefix).await;
        }

        let (manifest, files) = timed(
            "process",
            config.timeouts.process,
            self.process(path, settings),
        )
        .await?;
        drop(dir);
        let upload = upload(shared, &prefix, files, manifest.to_json());
        let (files, duplicate) = timed("upload", config.timeouts.upload, upload).await?;
        Ok(Committed {
            prefix,
            files,
            manifest,
            duplicate,
        })
    }

    /// Downloads the files a `.gltf` input references (relative to its key) beside it in
    /// `dir`, within the byte limit. Returns the total size and the content address: for a
    /// `.gltf` with external files, the SHA-256 of the document's hash followed by each
    /// file's path and hash; otherwise the input's own SHA-256.
    async fn fetch_external_files(
        &self,
        dir: &std::path::Path,
        document: &std::path::Path,
        mut total: u64,
        sha256: String,
        limit: u64,
    ) -> Result<(u64, String)> {
        let input_err = |source| Error::Input {
            path: document.to_path_buf(),
            source,
        };
        // A GLB carries its buffers and images inside: its magic says so without reading the
        // (possibly large) rest.
        let mut magic = [0u8; 4];
        let mut head = tokio::fs::File::open(document).await.map_err(input_err)?;
        let n = tokio::io::AsyncReadExt::read(&mut head, &mut magic)
            .await
            .map_err(input_err)?;
        if &magic[..n] == b"glTF" {
            return Ok((total, sha256));
        }
        let text = tokio::fs::read(document).await.map_err(input_err)?;
        let files = crate::format::uri::external_files(&text);
        if files.is_empty() {
            return Ok((total, sha256));
        }
        let input = &self.request.input;
        let folder = input.key.rsplit_once('/').map_or("", |(d, _)| d);
        let mut address = Sha256::new();
        address.update(sha256.as_bytes());
        for relative in files {
            let rel_key: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let rel_key = rel_key.join("/");
            let object = S3Object {
                bucket: input.bucket.clone(),
                key: if folder.is_empty() {
                    rel_key.clone()
                } else {
                    format!("{folder}/{rel_key}")
                },
            };
            let local = dir.join(&relative);
            if let Some(parent) = local.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(Error::output(parent))?;
            }
            let fetched = self
                .shared
                .store
                .download(&object, &local, limit - total)
                .await;
            let (bytes, sha) = fetched.map_err(|e| match e {
                Error::LimitExceeded { actual, .. } => Error::LimitExceeded {
                    what: "input bytes (document and external files)",
                    actual: total + actual,
                    limit,
                    flag: "--max-input-bytes",
                },
                other => other,
            })?;
            total += bytes;
            address.update(rel_key.as_bytes());
            address.update([0]);
            address.update(sha.as_bytes());
        }
        Ok((total, hex(&address.finalize())))
    }

    /// The committed outputs another delivery (or worker) already made.
    async fn existing(&self, prefix: String) -> Result<Committed> {
        let bucket = &self.shared.config.output_bucket;
        let key = format!("{prefix}{MANIFEST}");
        let bytes = self.shared.store.get(bucket, &key).await?;
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| Error::Remote {
            operation: format!("reading s3://{bucket}/{key}"),
            message: format!("not a manifest of this worker: {e}"),
        })?;
        let mut files: Vec<String> = manifest
            .lods
            .iter()
            .map(|l| l.file.clone())
            .chain(manifest.thumbnails.iter().map(|t| t.file.clone()))
            .collect();
        files.sort();
        files.push(MANIFEST.into());
        Ok(Committed {
            prefix,
            files,
            manifest,
            duplicate: true,
        })
    }

    /// Runs the pipeline on the CPU pool; the renderer is shared with other jobs.
    async fn process(
        &self,
        path: std::path::PathBuf,
        settings: Settings,
    ) -> Result<(Manifest, Vec<(String, Vec<u8>)>)> {
        let renderer = self.shared.renderer.clone();
        let pool = self.shared.pool.clone();
        let cancel = Cancel {
            flag: self.cancel.clone(),
            drain: self.shared.drain.clone(),
        };
        let span = tracing::Span::current();
        let work = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            pool.install(|| {
                let sink = MemorySink::default();
                let input = job::Input::open(&path, &settings.limits)?;
                let manifest = job::run(&input, &sink, &settings, Some(&renderer), &cancel)?;
                Ok((manifest, sink.into_files()))
            })
        });
        let result = work.await;
        result.unwrap_or_else(|e| Err(Error::Internal(format!("job thread failed: {e}"))))
    }

    async fn announce_success(&self, done: &Committed) -> Result<()> {
        self.announce(Completion {
            schema_version: EVENT_SCHEMA_VERSION,
            kind: "render-worker.job",
            status: Status::Succeeded,
            job: self.id.clone(),
            input: self.input.clone(),
            output: OutputRef {
                bucket: self.shared.config.output_bucket.clone(),
                prefix: done.prefix.clone(),
                files: done.files.clone(),
            },
            duplicate: done.duplicate,
            summary: Some(Summary::of(&done.manifest)),
            error: None,
            tool: tool(),
        })
        .await
    }

    /// Writes `error.json` and announces the failure. The record goes to the job's output
    /// prefix, or, when the input was never read, to `<prefix>/failed/<bucket>/<key>/`.
    async fn record_failure(&self, e: &Error) -> Result<()> {
        let config = &self.shared.config;
        let prefix = match (&self.input.sha256, &self.settings_hash) {
            (Some(sha), Some(hash)) => Config::job_prefix(self.output_root(), sha, hash),
            _ => {
                Config::job_prefix(self.output_root(), "failed", &self.input.bucket)
                    + &self.input.key
                    + "/"
            }
        };
        let record = FailureRecord {
            schema_version: EVENT_SCHEMA_VERSION,
            job: self.id.clone(),
            input: self.input.clone(),
            settings_hash: self.settings_hash.clone(),
            error: ErrorInfo::of(e),
            tool: tool(),
        };
        let key = format!("{prefix}{FAILURE}");
        let json = serde_json::to_vec_pretty(&record).expect("failure record serializes");
        self.shared
            .store
            .put_new(&config.output_bucket, &key, json)
            .await?;
        self.announce(Completion {
            schema_version: EVENT_SCHEMA_VERSION,
            kind: "render-worker.job",
            status: Status::Failed,
            job: self.id.clone(),
            input: self.input.clone(),
            output: OutputRef {
                bucket: config.output_bucket.clone(),
                prefix,
                files: vec![FAILURE.into()],
            },
            duplicate: false,
            summary: None,
            error: Some(ErrorInfo::of(e)),
            tool: tool(),
        })
        .await
    }

    async fn announce(&self, event: Completion) -> Result<()> {
        match &self.shared.results {
            Some(queue) => {
                let body = serde_json::to_string(&event).expect("event serializes");
                queue.send(body).await
            }
            None => Ok(()),
        }
    }
}

/// Uploads `files` under `prefix` (a few at a time), then the manifest; returns every file
/// name (manifest last) and whether the manifest existed already.
async fn upload(
    shared: &Shared,
    prefix: &str,
    files: Vec<(String, Vec<u8>)>,
    manifest: Vec<u8>,
) -> Result<(Vec<String>, bool)> {
    let bucket = &shared.config.output_bucket;
    let slots = Arc::new(Semaphore::new(PARALLEL_UPLOADS));
    let mut uploads = JoinSet::new();
    for (name, bytes) in files {
        let (store, bucket, slots) = (shared.store.clone(), bucket.clone(), slots.clone());
        let key = format!("{prefix}{name}");
        uploads.spawn(
            async move {
                let _slot = slots.acquire_owned().await.expect("semaphore open");
                store.put_new(&bucket, &key, bytes).await.map(|_| name)
            }
            .instrument(tracing::Span::current()),
        );
    }
    let mut names = vec![];
    while let Some(done) = uploads.join_next().await {
        names.push(done.map_err(|e| Error::Internal(format!("upload task failed: {e}")))??);
    }
    names.sort();
    let manifest_key = format!("{prefix}{MANIFEST}");
    let put = shared
        .store
        .put_new(bucket, &manifest_key, manifest)
        .await?;
    names.push(MANIFEST.into());
    Ok((names, put == Put::AlreadyExists))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_keep_the_last_segment_safely() {
        assert_eq!(local_name("a/b/My Chair+1 ü.glb"), "My Chair+1 ü.glb");
        assert_eq!(local_name("a/"), "model");
        assert_eq!(local_name(".glb"), "model.glb");
        assert_eq!(local_name("x:y?.GLTF"), "x_y_.gltf");
    }
}

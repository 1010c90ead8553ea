//! Logs and metrics. Logs go to stderr, filtered by `RUST_LOG` (default: warnings for the CLI,
//! info for the worker), as text or as JSON lines (the worker's default, with the job's fields
//! on every line). Every observable worker event is one function here that logs it *and*
//! counts it, so `/metrics` and the logs never disagree. Metrics are the process's one piece of
//! global state.

use crate::render::AdapterReport;
use crate::report::StageTiming;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Mutex, OnceLock};
use tracing_subscriber::EnvFilter;

/// Log targets silenced unless `RUST_LOG` asks for them: backend probes that fail harmlessly.
const QUIET_PROBES: &str = "wgpu_hal::gles=off";

/// Installs the global subscriber once; `verbose` lowers the default level to `debug`.
pub fn init(verbose: bool, json: bool, default_level: &str) {
    let default = if verbose { "debug" } else { default_level };
    // wgpu probes its GL backend too, and on a host without a GL driver (lavapipe only) logs
    // an EGL initialization ERROR that reads like a failure; rendering uses Vulkan.
    let quiet = format!("{default},{QUIET_PROBES}");
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(quiet));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .try_init()
    } else {
        builder.try_init()
    };
}

/// Counters and gauges of one worker process.
#[derive(Default)]
pub struct Metrics {
    jobs: Mutex<BTreeMap<&'static str, u64>>,
    failures: Mutex<BTreeMap<&'static str, u64>>,
    messages: Mutex<BTreeMap<&'static str, u64>>,
    receive_counts: Mutex<BTreeMap<u32, u64>>,
    stages: Mutex<BTreeMap<String, (f64, u64)>>,
    in_flight: AtomicI64,
    adapter: Mutex<Option<AdapterReport>>,
    gpu_ready: AtomicBool,
    queue_ready: AtomicBool,
    draining: AtomicBool,
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(Metrics::default)
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    *map.lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default() += 1;
}

/// A message arrived (`receive_count` from SQS: 1 on first delivery).
pub fn message_received(message_id: &str, receive_count: u32) {
    tracing::info!(message_id, receive_count, "message received");
    bump(&metrics().messages, "received");
    bump(&metrics().receive_counts, receive_count.min(10));
}

/// A message needed no work (`s3:TestEvent`, no ObjectCreated record) and was deleted.
pub fn message_ignored(message_id: &str, reason: &str) {
    tracing::info!(message_id, reason, "message ignored and deleted");
    bump(&metrics().messages, "ignored");
}

/// A message is not a job this worker understands; it goes back to the queue at once and
/// reaches the dead-letter queue after `maxReceiveCount` deliveries.
pub fn message_rejected(message_id: &str, reason: &str) {
    tracing::warn!(
        message_id,
        reason,
        "not a job message; released for the dead-letter queue"
    );
    bump(&metrics().messages, "rejected");
}

/// The heartbeat renewed a message's visibility (`error` when that failed).
pub fn heartbeat(error: Option<String>) {
    match error {
        None => {
            tracing::debug!("visibility renewed");
            bump(&metrics().messages, "heartbeat");
        }
        Some(e) => {
            tracing::warn!("renewing visibility failed: {e}");
            bump(&metrics().messages, "heartbeat_failed");
        }
    }
}

/// A message was deleted after its jobs completed (or failed permanently).
pub fn message_deleted(message_id: &str) {
    tracing::debug!(message_id, "message deleted");
    bump(&metrics().messages, "deleted");
}

/// A message was made visible again for a retry, after `delay` seconds.
pub fn message_released(message_id: &str, delay: i32, reason: &str) {
    tracing::warn!(message_id, delay, reason, "message released for retry");
    bump(&metrics().messages, "released");
}

/// A job started.
pub fn job_started(key: &str) {
    tracing::info!(key, "job started");
    metrics().in_flight.fetch_add(1, Ordering::SeqCst);
}

fn job_ended(result: &'static str) {
    metrics().in_flight.fetch_sub(1, Ordering::SeqCst);
    bump(&metrics().jobs, result);
}

/// A job committed its outputs; `timings` are its stages.
pub fn job_succeeded(key: &str, prefix: &str, ms: f64, timings: &[StageTiming]) {
    tracing::info!(key, prefix, ms, "job succeeded");
    let mut stages = metrics().stages.lock().unwrap_or_else(|e| e.into_inner());
    for t in timings {
        let e = stages.entry(t.stage.clone()).or_default();
        e.0 += t.ms / 1e3;
        e.1 += 1;
    }
    drop(stages);
    job_ended("succeeded");
}

/// The outputs already existed (a duplicate delivery, or an earlier attempt finished).
pub fn job_already_done(key: &str, prefix: &str) {
    tracing::info!(key, prefix, "outputs already committed; nothing to do");
    job_ended("duplicate");
}

/// A job failed for good: its failure record was written. `code` is the error's
/// [`crate::Error::code`].
pub fn job_failed(key: &str, code: &'static str, reason: &str) {
    tracing::warn!(key, code, reason, "job failed permanently");
    bump(&metrics().failures, code);
    job_ended("failed");
}

/// A job failed transiently and will be retried.
pub fn job_retry(key: &str, reason: &str) {
    tracing::warn!(key, reason, "job failed transiently");
    job_ended("retried");
}

/// The GPU adapter and its self-test result.
pub fn gpu_ready(adapter: Option<AdapterReport>, ok: bool) {
    tracing::info!(?adapter, ok, "renderer self-test");
    *metrics().adapter.lock().unwrap_or_else(|e| e.into_inner()) = adapter;
    metrics().gpu_ready.store(ok, Ordering::SeqCst);
}

/// Whether the queue answered the last check.
pub fn queue_ready(ok: bool) {
    metrics().queue_ready.store(ok, Ordering::SeqCst);
}

/// Draining started (signal or spot interruption notice).
pub fn draining(reason: &str) {
    tracing::warn!(reason, "draining: no new messages");
    metrics().draining.store(true, Ordering::SeqCst);
}

impl Metrics {
    /// Jobs in flight now.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// True when the renderer passed its self-test (or rendering is off) and the queue answers.
    pub fn ready(&self) -> bool {
        self.gpu_ready.load(Ordering::SeqCst)
            && self.queue_ready.load(Ordering::SeqCst)
            && !self.draining.load(Ordering::SeqCst)
    }

    /// One line per readiness condition, for `/readyz`'s body.
    pub fn readiness(&self) -> String {
        let yes = |b: &AtomicBool| {
            if b.load(Ordering::SeqCst) {
                "yes"
            } else {
                "no"
            }
        };
        format!(
            "renderer self-tested: {}\nqueue reachable: {}\ndraining: {}\n",
            yes(&self.gpu_ready),
            yes(&self.queue_ready),
            yes(&self.draining)
        )
    }

    /// The Prometheus text exposition of every metric.
    pub fn prometheus(&self) -> String {
        let mut s = String::new();
        let jobs = snapshot(&self.jobs);
        family(&mut s, "jobs_total", "counter", "Jobs by result.");
        samples(&mut s, "jobs_total", "result", &jobs);
        let failures = snapshot(&self.failures);
        family(
            &mut s,
            "failures_total",
            "counter",
            "Permanent job failures by error code.",
        );
        samples(&mut s, "failures_total", "code", &failures);
        let messages = snapshot(&self.messages);
        family(
            &mut s,
            "messages_total",
            "counter",
            "Queue messages by outcome.",
        );
        samples(&mut s, "messages_total", "outcome", &messages);
        let receives = snapshot(&self.receive_counts);
        let help = "Messages by SQS receive count (10 = 10 or more).";
        family(&mut s, "receive_count_total", "counter", help);
        samples(&mut s, "receive_count_total", "receive_count", &receives);
        let stages = self
            .stages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        family(
            &mut s,
            "stage_seconds",
            "summary",
            "Time spent per pipeline stage.",
        );
        let sums: Vec<_> = stages.iter().map(|(k, (sum, _))| (k, sum)).collect();
        samples(&mut s, "stage_seconds_sum", "stage", sums);
        let counts: Vec<_> = stages.iter().map(|(k, (_, n))| (k, n)).collect();
        samples(&mut s, "stage_seconds_count", "stage", counts);
        family(&mut s, "jobs_in_flight", "gauge", "Jobs running now.");
        let _ = writeln!(s, "render_worker_jobs_in_flight {}", self.in_flight());
        family(&mut s, "ready", "gauge", "1 when the worker takes jobs.");
        let _ = writeln!(s, "render_worker_ready {}", u8::from(self.ready()));
        let adapter = self
            .adapter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(a) = adapter {
            let clean = |v: &str| v.replace(['"', '\\', '\n'], " ");
            family(&mut s, "adapter_info", "gauge", "The GPU adapter.");
            let _ = writeln!(
                s,
                "render_worker_adapter_info{{name=\"{}\",backend=\"{}\",device_type=\"{}\",driver=\"{}\"}} 1",
                clean(&a.name),
                clean(&a.backend),
                clean(&a.device_type),
                clean(&a.driver)
            );
        }
        s
    }
}

fn snapshot<K: Clone>(map: &Mutex<BTreeMap<K, u64>>) -> BTreeMap<K, u64> {
    map.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The `# HELP` and `# TYPE` lines of `render_worker_<name>`.
fn family(s: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(
        s,
        "# HELP render_worker_{name} {help}\n# TYPE render_worker_{name} {kind}"
    );
}

/// One sample line per entry: `render_worker_<name>{<label>="<key>"} <value>`.
fn samples<K: std::fmt::Display, V: std::fmt::Display>(
    s: &mut String,
    name: &str,
    label: &str,
    entries: impl IntoIterator<Item = (K, V)>,
) {
    for (k, v) in entries {
        let _ = writeln!(s, "render_worker_{name}{{{label}=\"{k}\"}} {v}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_show_in_the_exposition() {
        let m = Metrics::default();
        bump(&m.jobs, "succeeded");
        bump(&m.jobs, "succeeded");
        m.in_flight.store(3, Ordering::SeqCst);
        let text = m.prometheus();
        assert!(
            text.contains("render_worker_jobs_total{result=\"succeeded\"} 2"),
            "{text}"
        );
        assert!(text.contains("render_worker_jobs_in_flight 3"));
        assert!(text.contains("render_worker_ready 0"));
    }
}

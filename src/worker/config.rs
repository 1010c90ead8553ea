//! The worker's configuration, from `render-worker worker` flags and the environment.

use crate::cli::{Sse, WorkerArgs};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::storage::s3::Encryption;
use std::net::SocketAddr;
use std::time::Duration;

/// Longest delay before a retry, seconds.
const MAX_RETRY_DELAY: u32 = 900;

/// Longest wait of one receive call (SQS's longest long poll).
const LONG_POLL: Duration = Duration::from_secs(20);

/// Time limits of one job's stages.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Downloading the input.
    pub download: Duration,
    /// Reading, rendering and building the LODs.
    pub process: Duration,
    /// Uploading outputs and the manifest.
    pub upload: Duration,
    /// The whole job.
    pub job: Duration,
}

/// Everything the worker needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Queue of S3 events and job messages.
    pub queue_url: String,
    /// Output bucket.
    pub output_bucket: String,
    /// Output key prefix without a trailing slash ("" for the bucket's root).
    pub output_prefix: String,
    /// Queue receiving completion events.
    pub results_queue: Option<String>,
    /// Messages processed at once (at least 1).
    pub concurrency: usize,
    /// Visibility timeout of received messages, seconds (at least 1).
    pub visibility_timeout: u32,
    /// Longest wait of one receive call (20 s, SQS's longest long poll; tests shorten it).
    pub receive_wait: Duration,
    /// Stage and job timeouts.
    pub timeouts: Timeouts,
    /// First retry delay, seconds.
    pub retry_delay: u32,
    /// Drain signal to release of unfinished jobs.
    pub drain_timeout: Duration,
    /// Instance metadata endpoint for spot notices; `None` disables the watch.
    pub imds_endpoint: Option<String>,
    /// Server-side encryption of outputs; `None` leaves it to the bucket's default.
    pub encryption: Option<Encryption>,
    /// Outputs above this size go up in parts, bytes.
    pub multipart_threshold: usize,
    /// CPU pool threads (at least 1).
    pub threads: usize,
    /// Job settings before per-message overrides.
    pub settings: Settings,
    /// Render on a CPU adapter when no GPU exists.
    pub allow_software: bool,
    /// Where `/healthz`, `/readyz` and `/metrics` listen.
    pub metrics_addr: SocketAddr,
    /// S3 and SQS endpoint override.
    pub endpoint_url: Option<String>,
}

fn seconds(flag: &str, value: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Error::Settings(format!("--{flag} {value}: expected seconds above 0")))
}

impl Config {
    /// Checks and converts the command line.
    pub fn from_args(args: &WorkerArgs) -> Result<Config> {
        if args.concurrency == 0 {
            return Err(Error::Settings("--concurrency 0: at least 1".into()));
        }
        if !(1..=43_200).contains(&args.visibility_timeout) {
            return Err(Error::Settings(format!(
                "--visibility-timeout {}: SQS allows 1 to 43200 seconds",
                args.visibility_timeout
            )));
        }
        let encryption = match (args.sse, &args.sse_kms_key_id) {
            (Sse::None, None) => None,
            (Sse::Aes256, None) => Some(Encryption::S3),
            (Sse::AwsKms, key) => Some(Encryption::Kms(key.clone())),
            (_, Some(_)) => {
                return Err(Error::Settings(
                    "--sse-kms-key-id needs --sse aws:kms".into(),
                ));
            }
        };
        let threads = if args.threads == 0 {
            std::thread::available_parallelism().map_or(1, usize::from)
        } else {
            args.threads
        };
        Ok(Config {
            queue_url: args.queue_url.clone(),
            output_bucket: args.output_bucket.clone(),
            output_prefix: args.output_prefix.trim_matches('/').to_string(),
            results_queue: args.results_queue.clone().filter(|u| !u.is_empty()),
            concurrency: args.concurrency,
            visibility_timeout: args.visibility_timeout,
            receive_wait: LONG_POLL,
            timeouts: Timeouts {
                download: seconds("download-timeout", args.download_timeout)?,
                process: seconds("process-timeout", args.process_timeout)?,
                upload: seconds("upload-timeout", args.upload_timeout)?,
                job: seconds("job-timeout", args.job_timeout)?,
            },
            retry_delay: args.retry_delay,
            drain_timeout: Duration::try_from_secs_f64(args.drain_timeout).map_err(|_| {
                Error::Settings(format!(
                    "--drain-timeout {}: expected seconds",
                    args.drain_timeout
                ))
            })?,
            imds_endpoint: Some(args.imds_endpoint.clone()).filter(|e| e != "off" && !e.is_empty()),
            encryption,
            multipart_threshold: args.multipart_threshold.max(5 << 20),
            threads,
            settings: args.job.settings()?,
            allow_software: args.job.allow_software,
            metrics_addr: args.metrics_addr,
            endpoint_url: args.endpoint_url.clone().filter(|u| !u.is_empty()),
        })
    }

    /// Delay before the retry after the `receive_count`th delivery failed transiently:
    /// the base delay doubled per earlier delivery, at most 15 minutes.
    pub fn retry_delay_for(&self, receive_count: u32) -> u32 {
        let doublings = receive_count.saturating_sub(1).min(16);
        self.retry_delay
            .saturating_mul(1 << doublings)
            .min(MAX_RETRY_DELAY)
    }

    /// Key prefix of a job's outputs: `<prefix>/<input sha256>/<settings hash>/`.
    pub fn job_prefix(root: &str, sha256: &str, settings_hash: &str) -> String {
        let root = root.trim_matches('/');
        if root.is_empty() {
            format!("{sha256}/{settings_hash}/")
        } else {
            format!("{root}/{sha256}/{settings_hash}/")
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use clap::Parser;

    /// The configuration of `render-worker worker --queue-url q --output-bucket b` and `extra`.
    pub(in crate::worker) fn parse(extra: &[&str]) -> Result<Config> {
        let mut argv = vec![
            "render-worker",
            "worker",
            "--queue-url",
            "q",
            "--output-bucket",
            "b",
        ];
        argv.extend_from_slice(extra);
        let cli = crate::cli::Cli::try_parse_from(argv).expect("parses");
        let crate::cli::Command::Worker(args) = cli.command else {
            panic!("worker expected")
        };
        Config::from_args(&args)
    }

    #[test]
    fn retry_delays_double_up_to_fifteen_minutes() {
        let c = parse(&["--retry-delay", "10"]).unwrap();
        assert_eq!(c.retry_delay_for(1), 10);
        assert_eq!(c.retry_delay_for(2), 20);
        assert_eq!(c.retry_delay_for(4), 80);
        assert_eq!(c.retry_delay_for(40), 900);
    }

    #[test]
    fn flags_are_checked() {
        assert!(parse(&["--concurrency", "0"]).is_err());
        assert!(parse(&["--visibility-timeout", "0"]).is_err());
        assert!(parse(&["--job-timeout", "0"]).is_err());
        assert!(parse(&["--sse-kms-key-id", "k"]).is_err());
        let c = parse(&[
            "--sse",
            "aws:kms",
            "--sse-kms-key-id",
            "k",
            "--output-prefix",
            "/p/",
        ])
        .unwrap();
        assert_eq!(c.encryption, Some(Encryption::Kms(Some("k".into()))));
        assert_eq!(c.output_prefix, "p");
        assert_eq!(Config::job_prefix(&c.output_prefix, "ab", "cd"), "p/ab/cd/");
        assert_eq!(Config::job_prefix("", "ab", "cd"), "ab/cd/");
        assert_eq!(
            parse(&["--imds-endpoint", "off"]).unwrap().imds_endpoint,
            None
        );
    }
}

//! Local AWS for the worker tests: a moto server (S3 and SQS on loopback) started and stopped
//! per test, a TCP proxy that can cut S3 off, a fake instance metadata service, and the
//! worker binary as a child process with its `/metrics`.

#![allow(dead_code)]

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited with {status} before listening");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A moto server on a free loopback port; killed on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Its address.
    pub addr: SocketAddr,
}

impl Moto {
    /// Starts `python -m moto.server` from `tools/moto/venv` (installed by `make test-deps`).
    pub fn start() -> Moto {
        let port = free_port();
        let python = super::tools::root().join("tools/moto/venv/bin/python");
        assert!(
            python.exists(),
            "moto is not installed: run `make test-deps` (a venv in tools/moto/venv)"
        );
        let mut child = Command::new(python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        wait_for_port(port, &mut child, "moto server");
        Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Test-side clients of a moto server, with helpers.
pub struct Local {
    pub moto: Moto,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
}

fn credentials() -> Credentials {
    Credentials::new("test", "test", None, None, "tests")
}

impl Local {
    /// Starts moto and makes clients for it.
    pub fn start() -> Local {
        let moto = Moto::start();
        let s3 = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .endpoint_url(&moto.endpoint)
            .force_path_style(true)
            .build();
        let sqs = aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .endpoint_url(&moto.endpoint)
            .build();
        Local {
            moto,
            s3: aws_sdk_s3::Client::from_conf(s3),
            sqs: aws_sdk_sqs::Client::from_conf(sqs),
        }
    }

    /// Creates a bucket.
    pub async fn bucket(&self, name: &str) {
        self.s3
            .create_bucket()
            .bucket(name)
            .send()
            .await
            .expect("create bucket");
    }

    /// Turns versioning on, so overwrites would show as extra versions.
    pub async fn versioned(&self, bucket: &str) {
        use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
        self.s3
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("versioning");
    }

    /// Creates a queue with `attributes`; returns its URL.
    pub async fn queue(&self, name: &str, attributes: &[(QueueAttributeName, String)]) -> String {
        let mut req = self.sqs.create_queue().queue_name(name);
        for (k, v) in attributes {
            req = req.attributes(k.clone(), v);
        }
        req.send()
            .await
            .expect("create queue")
            .queue_url
            .expect("queue url")
    }

    /// A queue whose messages move to a new dead-letter queue after `max_receives`
    /// deliveries; returns (queue, dead-letter queue).
    pub async fn queue_with_dlq(&self, name: &str, max_receives: u32) -> (String, String) {
        let dlq = self.queue(&format!("{name}-dlq"), &[]).await;
        let policy = serde_json::json!({
            "deadLetterTargetArn": self.arn(&dlq).await,
            "maxReceiveCount": max_receives.to_string(),
        });
        let q = self
            .queue(
                name,
                &[(QueueAttributeName::RedrivePolicy, policy.to_string())],
            )
            .await;
        (q, dlq)
    }

    /// The ARN of a queue.
    pub async fn arn(&self, url: &str) -> String {
        let a = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue attributes");
        a.attributes().unwrap()[&QueueAttributeName::QueueArn].clone()
    }

    /// Sends ObjectCreated notifications of `bucket` to `queue` (S3 also sends a TestEvent).
    pub async fn notify(&self, bucket: &str, queue: &str) {
        use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
        let config = QueueConfiguration::builder()
            .queue_arn(self.arn(queue).await)
            .events(Event::from("s3:ObjectCreated:*"))
            .build()
            .unwrap();
        self.s3
            .put_bucket_notification_configuration()
            .bucket(bucket)
            .notification_configuration(
                NotificationConfiguration::builder()
                    .queue_configurations(config)
                    .build(),
            )
            .send()
            .await
            .expect("notification configuration");
    }

    /// Uploads an object.
    pub async fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>) {
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(bytes.into())
            .send()
            .await
            .expect("put object");
    }

    /// Reads an object.
    pub async fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        let o = self.s3.get_object().bucket(bucket).key(key).send().await;
        let o = o.unwrap_or_else(|e| panic!("get s3://{bucket}/{key}: {e:?}"));
        o.body.collect().await.unwrap().into_bytes().to_vec()
    }

    /// Every key of a bucket with its number of versions.
    pub async fn versions(&self, bucket: &str) -> Vec<(String, usize)> {
        let out = self
            .s3
            .list_object_versions()
            .bucket(bucket)
            .send()
            .await
            .expect("list versions");
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for v in out.versions() {
            *counts.entry(v.key().unwrap().to_string()).or_default() += 1;
        }
        counts.into_iter().collect()
    }

    /// Every key of a bucket.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let mut keys = vec![];
        let mut token = None;
        loop {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(bucket)
                .set_continuation_token(token)
                .send()
                .await
                .expect("list objects");
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(String::from)),
            );
            token = out.next_continuation_token().map(String::from);
            if token.is_none() {
                return keys;
            }
        }
    }

    /// Sends a message body.
    pub async fn send(&self, queue: &str, body: &str) {
        self.sqs
            .send_message()
            .queue_url(queue)
            .message_body(body)
            .send()
            .await
            .expect("send message");
    }

    /// Receives (and deletes) JSON messages until `count` arrived; panics after `timeout`.
    pub async fn collect(&self, queue: &str, count: usize, timeout: Duration) -> Vec<Value> {
        self.collect_raw(queue, count, timeout)
            .await
            .iter()
            .map(|b| serde_json::from_str(b).unwrap_or_else(|e| panic!("{e}: {b}")))
            .collect()
    }

    /// Receives (and deletes) messages until `count` arrived; returns their bodies.
    pub async fn collect_raw(&self, queue: &str, count: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut got = vec![];
        while got.len() < count {
            assert!(
                Instant::now() < deadline,
                "{} of {count} messages arrived on {queue} within {timeout:?}: {got:#?}",
                got.len()
            );
            let out = self
                .sqs
                .receive_message()
                .queue_url(queue)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive");
            for m in out.messages() {
                got.push(m.body().unwrap().to_string());
                self.sqs
                    .delete_message()
                    .queue_url(queue)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .expect("delete");
            }
        }
        got
    }

    /// Waits up to 30 s until a queue holds no message, visible or in flight.
    pub async fn wait_empty(&self, queue: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let depth = self.depth(queue).await;
            if depth == (0, 0) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{queue} still holds (visible, in flight) {depth:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// (visible, in flight) message counts of a queue.
    pub async fn depth(&self, queue: &str) -> (u64, u64) {
        let a = self
            .sqs
            .get_queue_attributes()
            .queue_url(queue)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .expect("queue attributes");
        let a = a.attributes().unwrap();
        let n = |k: QueueAttributeName| a[&k].parse::<u64>().unwrap();
        (
            n(QueueAttributeName::ApproximateNumberOfMessages),
            n(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        )
    }
}

/// Where the worker finds S3 and SQS.
pub enum Endpoints<'a> {
    /// Both on one server (`--endpoint-url`).
    Both(&'a str),
    /// S3 and SQS apart (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_SQS`).
    Split { s3: &'a str, sqs: &'a str },
}

/// The worker binary as a child process; killed on drop if still running.
pub struct Worker {
    child: Child,
    /// Where `/metrics` listens.
    pub metrics: SocketAddr,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// A GET on loopback: (status, body).
pub fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Ok((status, body))
}

impl Worker {
    /// Starts `render-worker worker` on `queue` writing to `bucket` with `extra` flags, and
    /// waits until `/healthz` answers.
    pub fn spawn(endpoints: Endpoints, queue: &str, bucket: &str, extra: &[&str]) -> Worker {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("worker.log");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_render-worker"));
        cmd.args(["worker", "--queue-url", queue, "--output-bucket", bucket])
            .args(["--metrics-addr", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", &empty)
            .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("RENDER_WORKER_ALLOW_SOFTWARE", "1")
            .env(
                "RUST_LOG",
                "info,render_worker=debug,wgpu_hal=off,wgpu_core=off",
            )
            .env_remove("AWS_ENDPOINT_URL")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        if !extra.contains(&"--imds-endpoint") {
            cmd.env("RENDER_WORKER_IMDS_ENDPOINT", "off");
        }
        match endpoints {
            Endpoints::Both(url) => {
                cmd.args(["--endpoint-url", url]);
            }
            Endpoints::Split { s3, sqs } => {
                cmd.env("AWS_ENDPOINT_URL_S3", s3)
                    .env("AWS_ENDPOINT_URL_SQS", sqs);
            }
        }
        let mut child = cmd.spawn().expect("worker starts");
        wait_for_port(port, &mut child, "worker");
        Worker {
            child,
            metrics: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
            _dir: dir,
        }
    }

    /// The `/metrics` text.
    pub fn metrics_text(&self) -> String {
        http_get(self.metrics, "/metrics")
            .map(|r| r.1)
            .unwrap_or_default()
    }

    /// The sum of the samples whose line starts with `series` (0 when absent).
    pub fn metric(&self, series: &str) -> f64 {
        self.metrics_text()
            .lines()
            .filter(|l| l.starts_with(series))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// Waits until `metric(series) >= at_least`.
    pub async fn wait_metric(&self, series: &str, at_least: f64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.metric(series) < at_least {
            assert!(
                Instant::now() < deadline,
                "{series} stayed below {at_least} for {timeout:?}; log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The worker's stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(ok.success());
    }

    /// Waits for the process to exit.
    pub async fn exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "worker still running after {timeout:?}; log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy to `upstream` that can be cut: while down it refuses to relay (new
/// connections are closed at once, open ones are cut).
pub struct Proxy {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    up: tokio::sync::watch::Sender<bool>,
}

impl Proxy {
    /// Starts relaying to `upstream` (or not, when `up` is false).
    pub async fn start(upstream: SocketAddr, up: bool) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::watch::channel(up);
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let mut state = rx.clone();
                if !*state.borrow() {
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = state.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Proxy { endpoint, up: tx }
    }

    /// Relays again (true) or cuts everything (false).
    pub fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

/// A fake EC2 instance metadata service (IMDSv2): a token endpoint and a spot
/// `instance-action` that answers 404 until [`FakeImds::announce`].
pub struct FakeImds {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    notice: Arc<AtomicBool>,
}

impl FakeImds {
    /// Starts serving on a free loopback port.
    pub async fn start() -> FakeImds {
        use axum::http::StatusCode;
        use axum::routing::{get, put};
        let notice = Arc::new(AtomicBool::new(false));
        let flag = notice.clone();
        let app = axum::Router::new()
            .route(
                "/latest/api/token",
                put(|| async { ([("x-aws-ec2-metadata-token-ttl-seconds", "21600")], "token") }),
            )
            .route(
                "/latest/meta-data/spot/instance-action",
                get(move || {
                    let on = flag.load(Ordering::SeqCst);
                    async move {
                        if on {
                            (
                                StatusCode::OK,
                                r#"{"action": "terminate", "time": "2026-11-26T12:00:00Z"}"#,
                            )
                        } else {
                            (StatusCode::NOT_FOUND, "not found")
                        }
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeImds { endpoint, notice }
    }

    /// Schedules the interruption.
    pub fn announce(&self) {
        self.notice.store(true, Ordering::SeqCst);
    }
}

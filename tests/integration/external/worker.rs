//! `render-worker worker` against a real (local) S3 and SQS: moto, started per test.

use crate::support::aws::{Endpoints, FakeImds, Local, Proxy, Worker, http_get};
use crate::support::scenes;
use render_worker::queue::message::S3Object;
use render_worker::storage::s3::S3Store;
use render_worker::storage::{BlobStore, Put};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

const UPLOADS: &str = "uploads";
const OUTPUTS: &str = "outputs";
const MINUTE: Duration = Duration::from_secs(60);

/// Buckets, a job queue fed by the uploads bucket's notifications, and a results queue.
struct Setup {
    local: Local,
    jobs: String,
    results: String,
}

impl Setup {
    async fn new() -> Setup {
        let local = Local::start();
        local.bucket(UPLOADS).await;
        local.bucket(OUTPUTS).await;
        local.versioned(OUTPUTS).await;
        let jobs = local.queue("jobs", &[]).await;
        let results = local.queue("results", &[]).await;
        local.notify(UPLOADS, &jobs).await;
        Setup {
            local,
            jobs,
            results,
        }
    }

    fn worker(&self, extra: &[&str]) -> Worker {
        let mut args = vec!["--results-queue", self.results.as_str()];
        args.extend_from_slice(extra);
        Worker::spawn(
            Endpoints::Both(&self.local.moto.endpoint),
            &self.jobs,
            OUTPUTS,
            &args,
        )
    }

    /// Waits for `n` completion events.
    async fn events(&self, n: usize) -> Vec<Value> {
        self.local.collect(&self.results, n, 3 * MINUTE).await
    }

    /// Waits until the job queue holds nothing, visible or in flight (messages are deleted
    /// just after their completion events are sent).
    async fn assert_drained(&self) {
        self.local.wait_empty(&self.jobs).await;
    }
}

/// A small model whose bytes differ per `i`.
fn small(i: usize) -> Vec<u8> {
    let mut b = scenes::sphere(6, 8);
    b.doc["nodes"][0]["name"] = json!(format!("Part {i}"));
    b.glb()
}

/// A model that takes seconds to process (about 1.3 million triangles).
fn slow() -> Vec<u8> {
    scenes::sphere(800, 800).glb()
}

fn sha(bytes: &[u8]) -> String {
    render_worker::settings::hex(&Sha256::digest(bytes))
}

fn job_message(key: &str, extra: Value) -> String {
    let mut m = json!({"input": format!("s3://{UPLOADS}/{key}")});
    m.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    m.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_to_outputs_with_headers_and_a_completion_event() {
    let s = Setup::new().await;
    let mut w = s.worker(&["--output-prefix", "v1"]);
    let model = scenes::vase().glb();
    let key = "catalogue/my chair+1 ü.glb";
    s.local.put(UPLOADS, key, model.clone()).await;
    let event = s.events(1).await.remove(0);

    assert_eq!(event["status"], "succeeded", "{event:#}");
    assert_eq!(event["input"]["key"], key, "the key is decoded exactly");
    assert_eq!(event["input"]["sha256"], sha(&model));
    assert_eq!(event["duplicate"], false);
    let prefix = event["output"]["prefix"].as_str().unwrap().to_string();
    let hash = event["summary"]["settings_hash"].as_str().unwrap();
    assert_eq!(prefix, format!("v1/{}/{hash}/", sha(&model)));
    let files: Vec<&str> = event["output"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(files.last(), Some(&"manifest.json"));
    for f in [
        "lod0.glb",
        "lod3.glb",
        "thumb_512.png",
        "thumb_512.jpg",
        "thumb_1024.png",
    ] {
        assert!(files.contains(&f), "{f} missing from {files:?}");
    }
    assert_eq!(event["summary"]["lods"].as_array().unwrap().len(), 4);
    for f in &files {
        let head = s
            .local
            .s3
            .head_object()
            .bucket(OUTPUTS)
            .key(format!("{prefix}{f}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{f}: {e:?}"));
        let expected = match f.rsplit('.').next().unwrap() {
            "glb" => "model/gltf-binary",
            "png" => "image/png",
            "jpg" => "image/jpeg",
            _ => "application/json",
        };
        assert_eq!(head.content_type(), Some(expected), "{f}");
        assert_eq!(
            head.cache_control(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(
            head.server_side_encryption().map(|e| e.as_str()),
            Some("AES256"),
            "{f}"
        );
    }
    let manifest: Value = serde_json::from_slice(
        &s.local
            .get(OUTPUTS, &format!("{prefix}manifest.json"))
            .await,
    )
    .unwrap();
    assert_eq!(manifest["input"]["sha256"], sha(&model));
    let lod0 = s.local.get(OUTPUTS, &format!("{prefix}lod0.glb")).await;
    assert_eq!(&lod0[..4], b"glTF");

    // The TestEvent S3 sent when notifications were configured was deleted without work.
    w.wait_metric(
        "render_worker_messages_total{outcome=\"ignored\"}",
        1.0,
        MINUTE,
    )
    .await;
    w.wait_metric(
        "render_worker_messages_total{outcome=\"deleted\"}",
        1.0,
        MINUTE,
    )
    .await;
    assert_eq!(
        w.metric("render_worker_jobs_total{result=\"succeeded\"}"),
        1.0
    );
    let (code, body) = http_get(w.metrics, "/healthz").unwrap();
    assert_eq!(code, 200);
    assert_eq!(body, "ok\n");
    let (code, body) = http_get(w.metrics, "/readyz").unwrap();
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("renderer self-tested: yes"), "{body}");
    let metrics = w.metrics_text();
    for series in [
        "render_worker_adapter_info{",
        "render_worker_stage_seconds_sum{stage=\"render\"}",
        "render_worker_receive_count_total{receive_count=\"1\"}",
        "render_worker_jobs_in_flight 0",
    ] {
        assert!(metrics.contains(series), "{series} missing:\n{metrics}");
    }
    s.assert_drained().await;

    // JSON logs carry the job's fields on every line of the job.
    let log = w.log();
    let line = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["fields"]["message"] == "job succeeded")
        .unwrap_or_else(|| panic!("no JSON 'job succeeded' line:\n{log}"));
    let spans = json!([line["span"], line["spans"]]).to_string();
    for field in ["job_id", "message_id", "receive_count", "key"] {
        assert!(spans.contains(field), "{field} missing from {line:#}");
    }

    w.terminate();
    assert!(w.exit(MINUTE).await.success(), "{}", w.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_deliveries_leave_one_set_of_outputs() {
    let s = Setup::new().await;
    let mut w = s.worker(&["--no-render", "--concurrency", "3"]);
    let model = small(0);
    s.local.put(UPLOADS, "a.glb", model.clone()).await;
    let first = s.events(1).await.remove(0);
    assert_eq!(first["duplicate"], false);
    // The same object again (a redelivery), the same bytes under another key, and the same
    // job twice at once.
    s.local
        .send(&s.jobs, &job_message("a.glb", json!({})))
        .await;
    s.local.put(UPLOADS, "copy of a.glb", model.clone()).await;
    let events = s.events(2).await;
    for e in &events {
        assert_eq!(e["status"], "succeeded");
        assert_eq!(e["duplicate"], true, "{e:#}");
        assert_eq!(e["output"]["prefix"], first["output"]["prefix"]);
    }
    s.local.put(UPLOADS, "b.glb", small(1)).await;
    s.local
        .send(&s.jobs, &job_message("b.glb", json!({})))
        .await;
    let pair = s.events(2).await;
    assert_eq!(pair[0]["output"]["prefix"], pair[1]["output"]["prefix"]);

    let versions = s.local.versions(OUTPUTS).await;
    let prefixes: std::collections::BTreeSet<&str> = versions
        .iter()
        .map(|(k, _)| k.rsplit_once('/').unwrap().0)
        .collect();
    assert_eq!(prefixes.len(), 2, "{versions:?}");
    assert!(
        versions.iter().all(|(_, n)| *n == 1),
        "an output was written twice: {versions:?}"
    );
    let lods = first["summary"]["lods"].as_array().unwrap().len();
    assert_eq!(
        versions.len(),
        2 * (lods + 1),
        "LODs and a manifest each: {versions:?}"
    );
    w.wait_metric(
        "render_worker_jobs_total{result=\"duplicate\"}",
        3.0,
        MINUTE,
    )
    .await;
    assert_eq!(
        w.metric("render_worker_jobs_total{result=\"succeeded\"}"),
        2.0
    );
    s.assert_drained().await;
    w.terminate();
    assert!(w.exit(MINUTE).await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_failures_write_error_json_and_delete_the_message() {
    let s = Setup::new().await;
    let w = s.worker(&[
        "--no-render",
        "--max-input-triangles",
        "1000",
        "--max-input-bytes",
        "1000000",
    ]);
    let junk = b"glTF\x02\x00\x00\x00junk".to_vec();
    s.local.put(UPLOADS, "bad.glb", junk.clone()).await;
    s.local
        .put(UPLOADS, "big.glb", scenes::sphere(40, 40).glb())
        .await;
    s.local
        .send(&s.jobs, &job_message("gone.glb", json!({})))
        .await;
    s.local.put(UPLOADS, "ok.glb", small(0)).await;
    s.local
        .send(
            &s.jobs,
            &job_message("ok.glb", json!({"settings": {"lodz": [0.5]}})),
        )
        .await;
    // Over the byte limit: refused by the size in the S3 event, and (for a job message,
    // which has no size) by the declared length before the body is read.
    s.local.put(UPLOADS, "huge.glb", vec![0; 2 << 20]).await;
    s.local
        .send(&s.jobs, &job_message("huge.glb", json!({})))
        .await;
    let mut events = s.events(7).await;
    events.sort_by_key(|e| e["input"]["key"].as_str().unwrap().to_string());
    let by_key = |k: &str| events.iter().find(|e| e["input"]["key"] == k).unwrap();

    let bad = by_key("bad.glb");
    assert_eq!(bad["status"], "failed");
    assert_eq!(bad["error"]["code"], "container");
    let prefix = bad["output"]["prefix"].as_str().unwrap();
    assert!(prefix.starts_with(&sha(&junk)), "{prefix}");
    let record: Value =
        serde_json::from_slice(&s.local.get(OUTPUTS, &format!("{prefix}error.json")).await)
            .unwrap();
    assert_eq!(record["error"]["code"], "container");
    assert!(
        record["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("GLB byte"),
        "{record:#}"
    );
    assert_eq!(record["input"]["key"], "bad.glb");

    assert_eq!(by_key("big.glb")["error"]["code"], "limit_exceeded");
    let huge: Vec<&Value> = events
        .iter()
        .filter(|e| e["input"]["key"] == "huge.glb")
        .collect();
    assert_eq!(huge.len(), 2);
    for e in huge {
        assert_eq!(e["error"]["code"], "limit_exceeded", "{e:#}");
        assert!(
            e["error"]["reason"].as_str().unwrap().contains("2097152"),
            "{e:#}"
        );
    }
    let gone = by_key("gone.glb");
    assert_eq!(gone["error"]["code"], "no_such_object");
    let gone_prefix = gone["output"]["prefix"].as_str().unwrap();
    assert_eq!(gone_prefix, format!("failed/{UPLOADS}/gone.glb/"));
    s.local
        .get(OUTPUTS, &format!("{gone_prefix}error.json"))
        .await;
    let settings = events
        .iter()
        .find(|e| e["input"]["key"] == "ok.glb" && e["status"] == "failed")
        .expect("the bad override fails");
    assert_eq!(settings["error"]["code"], "settings");
    assert!(
        settings["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("lodz")
    );
    assert!(
        events
            .iter()
            .any(|e| e["input"]["key"] == "ok.glb" && e["status"] == "succeeded")
    );

    w.wait_metric("render_worker_jobs_total{result=\"failed\"}", 6.0, MINUTE)
        .await;
    assert_eq!(
        w.metric("render_worker_failures_total{code=\"container\"}"),
        1.0
    );
    s.assert_drained().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_outage_is_retried_until_it_passes() {
    let s = Setup::new().await;
    let proxy = Proxy::start(s.local.moto.addr, false).await;
    let w = Worker::spawn(
        Endpoints::Split {
            s3: &proxy.endpoint,
            sqs: &s.local.moto.endpoint,
        },
        &s.jobs,
        OUTPUTS,
        &[
            "--results-queue",
            &s.results,
            "--no-render",
            "--retry-delay",
            "1",
        ],
    );
    s.local.put(UPLOADS, "a b+c ü.glb", small(0)).await;
    w.wait_metric("render_worker_jobs_total{result=\"retried\"}", 2.0, MINUTE)
        .await;
    proxy.set_up(true);
    let event = s.events(1).await.remove(0);
    assert_eq!(event["status"], "succeeded", "{event:#}");
    assert!(event["receive_count"].as_u64().unwrap() >= 3, "{event:#}");
    assert_eq!(event["input"]["key"], "a b+c ü.glb");
    let prefix = event["output"]["prefix"].as_str().unwrap();
    s.local
        .get(OUTPUTS, &format!("{prefix}manifest.json"))
        .await;
    assert!(w.metric("render_worker_messages_total{outcome=\"released\"}") >= 2.0);
    s.assert_drained().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_messages_end_in_the_dead_letter_queue() {
    let local = Local::start();
    local.bucket(UPLOADS).await;
    local.bucket(OUTPUTS).await;
    let (jobs, dlq) = local.queue_with_dlq("jobs", 2).await;
    local
        .put(UPLOADS, "m.glb", scenes::sphere(300, 300).glb())
        .await;
    let w = Worker::spawn(
        Endpoints::Both(&local.moto.endpoint),
        &jobs,
        OUTPUTS,
        // 180 000 triangles take longer than 10 ms: every attempt times out.
        &[
            "--no-render",
            "--retry-delay",
            "1",
            "--process-timeout",
            "0.01",
        ],
    );
    local.send(&jobs, &job_message("m.glb", json!({}))).await;
    local.send(&jobs, "this is not a job").await;
    let dead = local.collect_raw(&dlq, 2, MINUTE).await;
    assert!(dead.iter().any(|b| b == "this is not a job"), "{dead:?}");
    assert!(dead.iter().any(|b| b.contains("m.glb")), "{dead:?}");
    assert!(
        w.log().contains("process took longer than 0.01 s"),
        "{}",
        w.log()
    );
    assert!(w.metric("render_worker_messages_total{outcome=\"rejected\"}") >= 2.0);
    assert_eq!(
        w.metric("render_worker_jobs_total{result=\"succeeded\"}"),
        0.0
    );
    assert!(
        local.keys(OUTPUTS).await.is_empty(),
        "nothing is half-written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_heartbeat_keeps_a_long_job_invisible() {
    let s = Setup::new().await;
    let w = s.worker(&[
        "--no-render",
        "--visibility-timeout",
        "1",
        "--concurrency",
        "2",
        "--threads",
        "1",
        "--lod",
        "1,0.75,0.5,0.25,0.1",
    ]);
    s.local.put(UPLOADS, "slow.glb", slow()).await;
    let event = s.events(1).await.remove(0);
    assert_eq!(event["status"], "succeeded", "{event:#}");
    let ms = event["summary"]["total_ms"].as_f64().unwrap();
    eprintln!("heartbeat test: the job took {ms:.0} ms");
    assert!(
        ms > 2000.0,
        "the job took {ms} ms: too short to outlive the visibility timeout"
    );
    assert_eq!(event["receive_count"], 1);
    // The event goes out before the job is counted: wait for the count (it raced once).
    w.wait_metric("render_worker_jobs_total", 1.0, MINUTE).await;
    // The TestEvent and the job: received once each although the job outlived its
    // visibility timeout several times.
    assert_eq!(
        w.metric("render_worker_messages_total{outcome=\"received\"}"),
        2.0
    );
    assert!(w.metric("render_worker_messages_total{outcome=\"heartbeat\"}") >= 3.0);
    assert_eq!(w.metric("render_worker_jobs_total"), 1.0);
    s.assert_drained().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_job_releases_the_message_for_another_worker() {
    let s = Setup::new().await;
    let mut w = s.worker(&["--no-render", "--drain-timeout", "0.2"]);
    s.local.put(UPLOADS, "slow.glb", slow()).await;
    w.wait_metric("render_worker_jobs_in_flight", 1.0, MINUTE)
        .await;
    w.terminate();
    let status = w.exit(MINUTE).await;
    assert!(status.success(), "{status}: {}", w.log());
    assert!(w.log().contains("drain deadline passed"), "{}", w.log());
    assert!(
        s.local.keys(OUTPUTS).await.is_empty(),
        "no half-written outputs"
    );
    // Released at once, not after the 120 s visibility timeout: another worker finishes it
    // well within a minute. (The first worker's last long poll may have received it again
    // and released it too.)
    let w2 = s.worker(&["--no-render"]);
    let event = s.local.collect(&s.results, 1, MINUTE).await.remove(0);
    assert_eq!(event["status"], "succeeded");
    assert!(
        event["receive_count"].as_u64().unwrap() >= 2,
        "{}",
        w2.log()
    );
    assert_eq!(event["duplicate"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spot_notice_drains_after_finishing_the_running_job() {
    let s = Setup::new().await;
    let imds = FakeImds::start().await;
    let mut w = s.worker(&["--no-render", "--imds-endpoint", &imds.endpoint]);
    s.local.put(UPLOADS, "slow.glb", slow()).await;
    w.wait_metric("render_worker_jobs_in_flight", 1.0, MINUTE)
        .await;
    imds.announce();
    let status = w.exit(2 * MINUTE).await;
    assert!(status.success(), "{status}: {}", w.log());
    assert!(w.log().contains("spot interruption notice"), "{}", w.log());
    let event = s.events(1).await.remove(0);
    assert_eq!(
        event["status"], "succeeded",
        "the running job finished before the exit"
    );
    s.assert_drained().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_megabytes_round_trip_byte_for_byte() {
    let local = Local::start();
    local.bucket(OUTPUTS).await;
    let store = S3Store::new(local.s3.clone(), None, 8 << 20);
    let bytes: Vec<u8> = (0..20u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let key = "big/large file+ü.glb";
    assert_eq!(
        store.put_new(OUTPUTS, key, bytes.clone()).await.unwrap(),
        Put::Created
    );
    assert_eq!(
        store.put_new(OUTPUTS, key, bytes.clone()).await.unwrap(),
        Put::AlreadyExists,
        "write-once, multipart too"
    );
    let head = local
        .s3
        .head_object()
        .bucket(OUTPUTS)
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("model/gltf-binary"));
    assert_eq!(
        head.cache_control(),
        Some("public, max-age=31536000, immutable")
    );
    let object = S3Object {
        bucket: OUTPUTS.into(),
        key: key.into(),
    };
    let read = store.get(&object, 64 << 20).await.unwrap();
    assert_eq!(read.len(), bytes.len());
    assert!(read == bytes, "bytes differ");
    let err = store.get(&object, 1 << 20).await.unwrap_err();
    assert_eq!(err.code(), "limit_exceeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_jobs_none_lost_none_twice() {
    const JOBS: usize = 500;
    let local = Local::start();
    local.bucket(UPLOADS).await;
    local.bucket(OUTPUTS).await;
    let jobs = local.queue("jobs", &[]).await;
    let results = local.queue("results", &[]).await;
    for i in 0..JOBS {
        local.put(UPLOADS, &format!("m/{i}.glb"), small(i)).await;
    }
    let w = Worker::spawn(
        Endpoints::Both(&local.moto.endpoint),
        &jobs,
        OUTPUTS,
        &[
            "--results-queue",
            &results,
            "--no-render",
            "--concurrency",
            "4",
            "--lod",
            "1,0.5",
        ],
    );
    let start = Instant::now();
    for chunk in (0..JOBS).collect::<Vec<_>>().chunks(10) {
        let mut batch = local.sqs.send_message_batch().queue_url(&jobs);
        for i in chunk {
            batch = batch.entries(
                aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(job_message(&format!("m/{i}.glb"), json!({})))
                    .build()
                    .unwrap(),
            );
        }
        batch.send().await.unwrap();
    }
    let events = local.collect(&results, JOBS, 10 * MINUTE).await;
    let seconds = start.elapsed().as_secs_f64();
    let keys: std::collections::BTreeSet<&str> = events
        .iter()
        .map(|e| e["input"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), JOBS, "every job reported once");
    assert!(
        events
            .iter()
            .all(|e| e["status"] == "succeeded" && e["duplicate"] == false)
    );
    // The events go out before the jobs are counted.
    w.wait_metric("render_worker_jobs_total", JOBS as f64, MINUTE)
        .await;
    assert_eq!(
        w.metric("render_worker_jobs_total{result=\"succeeded\"}"),
        JOBS as f64
    );
    assert_eq!(
        w.metric("render_worker_jobs_total"),
        JOBS as f64,
        "nothing done twice"
    );
    local.wait_empty(&jobs).await;
    assert_eq!(local.keys(OUTPUTS).await.len(), JOBS * 3);
    let busy: f64 = events
        .iter()
        .map(|e| e["summary"]["total_ms"].as_f64().unwrap())
        .sum::<f64>()
        / 1e3;
    eprintln!(
        "load: {JOBS} jobs in {seconds:.1} s = {:.1} jobs/s at concurrency 4; pipeline time {busy:.1} s in all",
        JOBS as f64 / seconds
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gltf_upload_brings_its_external_files() {
    let local = Local::start();
    local.bucket(UPLOADS).await;
    local.bucket(OUTPUTS).await;
    let jobs = local.queue("jobs", &[]).await;
    let results = local.queue("results", &[]).await;
    let (document, bin) = scenes::sphere(8, 12).gltf("data/sphere%20mesh.bin");
    local
        .put(UPLOADS, "shop/chair.gltf", document.clone())
        .await;
    local
        .put(UPLOADS, "shop/data/sphere mesh.bin", bin.clone())
        .await;
    local
        .put(UPLOADS, "elsewhere/lonely.gltf", document.clone())
        .await;
    let _w = Worker::spawn(
        Endpoints::Both(&local.moto.endpoint),
        &jobs,
        OUTPUTS,
        &["--results-queue", &results, "--no-render"],
    );
    local
        .send(&jobs, &job_message("shop/chair.gltf", json!({})))
        .await;
    let event = local.collect(&results, 1, MINUTE).await.remove(0);
    assert_eq!(event["status"], "succeeded", "{event:#}");
    assert_eq!(event["input"]["bytes"], (document.len() + bin.len()) as u64);
    let address = event["input"]["sha256"].as_str().unwrap();
    assert_ne!(
        address,
        sha(&document),
        "the address covers the external files too"
    );
    assert!(
        event["output"]["prefix"]
            .as_str()
            .unwrap()
            .starts_with(address)
    );

    // The same document without its buffer beside it: a permanent failure naming the object.
    local
        .send(&jobs, &job_message("elsewhere/lonely.gltf", json!({})))
        .await;
    let event = local.collect(&results, 1, MINUTE).await.remove(0);
    assert_eq!(event["status"], "failed", "{event:#}");
    assert_eq!(event["error"]["code"], "no_such_object");
    let reason = event["error"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("s3://uploads/elsewhere/data/sphere mesh.bin"),
        "{reason}"
    );
}

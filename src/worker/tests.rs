//! The worker's decisions, in process: the real receive loop and jobs against the in-memory
//! store and queue (no moto, no spawned binary). Settings are `--no-render`, so the lazy
//! renderer is never created and no GPU is needed. The moto tests in `tests/integration/`
//! cover the S3 and SQS clients and the binary.

use super::commit;
use super::config::{Config, tests::parse};
use super::{Drain, Services, serve};
use crate::asset::{Asset, Attribute, AttributeData, Primitive, Semantic};
use crate::job::Manifest;
use crate::queue::memory::{MemoryQueue, Snapshot};
use crate::queue::{JobQueue, Received};
use crate::render::LazyRenderer;
use crate::settings::{Compression, hex};
use crate::storage::fs::MANIFEST;
use crate::storage::memory::MemoryStore;
use crate::storage::{BlobStore, BoxFuture};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};

const UPLOADS: &str = "uploads";
const OUTPUTS: &str = "b";

/// Deliveries before the job queue's redrive policy moves a message to the dead letters.
const MAX_RECEIVES: u32 = 4;

/// A flat grid of `n` × `n` quads facing +Z, as GLB bytes; `name` makes the bytes differ.
fn grid(n: u32, name: &str) -> Vec<u8> {
    let (mut positions, mut indices) = (vec![], vec![]);
    for y in 0..=n {
        for x in 0..=n {
            positions.extend([x as f32 / n as f32, y as f32 / n as f32, 0.0]);
        }
    }
    for y in 0..n {
        for x in 0..n {
            let a = y * (n + 1) + x;
            indices.extend([a, a + 1, a + n + 1, a + 1, a + n + 2, a + n + 1]);
        }
    }
    let normals = [0.0, 0.0, 1.0].repeat(positions.len() / 3);
    let primitive = Primitive {
        attributes: vec![
            Attribute {
                semantic: Semantic::Position,
                data: AttributeData::new_float(3, positions),
            },
            Attribute {
                semantic: Semantic::Normal,
                data: AttributeData::new_float(3, normals),
            },
        ],
        indices: Some(indices),
        ..Primitive::default()
    };
    let mut asset = Asset::of_primitive(primitive);
    asset.nodes[0].name = Some(name.into());
    crate::format::write_glb(&asset, Compression::None, false)
}

/// `glb` as a `.gltf` document whose buffer is the external file `uri`, and that file.
fn gltf(glb: &[u8], uri: &str) -> (Vec<u8>, Vec<u8>) {
    let chunks = crate::format::glb::parse(glb).expect("a GLB");
    let mut doc: Value = serde_json::from_slice(chunks.json).expect("JSON");
    let length = doc["buffers"][0]["byteLength"].as_u64().unwrap() as usize;
    doc["buffers"][0]["uri"] = json!(uri);
    let bin = chunks.bin.expect("a BIN chunk")[..length].to_vec();
    (serde_json::to_vec(&doc).unwrap(), bin)
}

fn sha(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn job(key: &str) -> String {
    json!({ "input": format!("s3://{UPLOADS}/{key}") }).to_string()
}

/// A store, a job queue with a dead-letter queue, a results queue, and a configuration.
struct World {
    store: Arc<MemoryStore>,
    queue: Arc<MemoryQueue>,
    dead: Arc<MemoryQueue>,
    results: Arc<MemoryQueue>,
    config: Config,
}

impl World {
    /// `render-worker worker --no-render` with `extra` flags; receive calls wait 20 ms.
    fn new(extra: &[&str]) -> World {
        let mut args = vec!["--no-render", "--threads", "2"];
        args.extend_from_slice(extra);
        let mut config = parse(&args).expect("valid flags");
        config.receive_wait = Duration::from_millis(20);
        let dead = Arc::new(MemoryQueue::new("dead"));
        World {
            store: Arc::default(),
            queue: Arc::new(MemoryQueue::with_redrive(
                "jobs",
                dead.clone(),
                MAX_RECEIVES,
            )),
            dead,
            results: Arc::new(MemoryQueue::new("results")),
            config,
        }
    }

    /// Runs the worker on `queue` until `done` holds (a minute at most), then starts `drain`
    /// and waits for the worker to return.
    async fn run(&self, queue: Arc<dyn JobQueue>, drain: &Drain, done: impl Fn(&World) -> bool) {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build();
        let services = Services {
            store: self.store.clone(),
            queue,
            results: Some(self.results.clone()),
            renderer: Arc::new(LazyRenderer::new(false)),
            pool: Arc::new(pool.expect("a CPU pool")),
        };
        let worker = tokio::spawn(serve(self.config.clone(), services, drain.clone()));
        let start = Instant::now();
        while !done(self) {
            assert!(start.elapsed() < Duration::from_secs(60), "timed out");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drain.start("the test is over");
        worker.await.expect("the worker returns");
    }

    /// Runs the worker on the job queue until `done` holds, then drains.
    async fn run_until(&self, done: impl Fn(&World) -> bool) {
        let drain = Drain::new(Duration::from_secs(60));
        self.run(self.queue.clone(), &drain, done).await;
    }

    /// The completion events sent so far.
    fn events(&self) -> Vec<Value> {
        let bodies = self.results.messages().into_iter().map(|m| m.body);
        bodies
            .map(|b| serde_json::from_str(&b).expect("JSON"))
            .collect()
    }

    fn jobs(&self) -> Vec<Snapshot> {
        self.queue.messages()
    }

    fn prefix_of(&self, input_sha: &str) -> String {
        Config::job_prefix("", input_sha, &self.config.settings.hash())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_commits_its_outputs_manifest_last_and_is_announced() {
    let w = World::new(&[]);
    let model = grid(8, "done");
    w.store.insert(UPLOADS, "shop/chair.glb", model.clone());
    w.queue.push(job("shop/chair.glb"));
    w.run_until(|w| w.events().len() == 1).await;

    let event = &w.events()[0];
    assert_eq!(event["status"], "succeeded", "{event:#}");
    assert_eq!(event["duplicate"], false);
    assert_eq!(event["input"]["sha256"], sha(&model));
    let prefix = w.prefix_of(&sha(&model));
    assert_eq!(event["output"]["prefix"], prefix.as_str());
    let keys = w.store.keys(OUTPUTS);
    assert_eq!(
        keys.last(),
        Some(&format!("{prefix}{MANIFEST}")),
        "manifest last"
    );
    let files = event["output"]["files"].as_array().unwrap();
    assert_eq!(files.len(), keys.len(), "{keys:?}");
    for file in files {
        let key = format!("{prefix}{}", file.as_str().unwrap());
        assert!(keys.contains(&key), "{key} listed but not stored");
    }
    assert!(w.jobs().is_empty(), "the message is deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gltf_is_read_with_its_siblings_from_memory() {
    let w = World::new(&[]);
    let (document, bin) = gltf(&grid(5, "gltf"), "data/grid%20mesh.bin");
    w.store.insert(UPLOADS, "shop/chair.gltf", document.clone());
    w.store
        .insert(UPLOADS, "shop/data/grid mesh.bin", bin.clone());
    w.queue.push(job("shop/chair.gltf"));
    w.run_until(|w| w.events().len() == 1).await;
    let event = &w.events()[0];
    assert_eq!(event["status"], "succeeded", "{event:#}");
    assert_eq!(event["input"]["bytes"], (document.len() + bin.len()) as u64);
    let files = [("data/grid mesh.bin".to_string(), sha(&bin))];
    let address = super::input::content_address(&sha(&document), &files);
    assert_eq!(event["input"]["sha256"], address.as_str());
    assert!(event["summary"]["lods"][0]["triangles"].as_u64() > Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_delivery_is_a_duplicate_and_writes_nothing() {
    let w = World::new(&[]);
    w.store.insert(UPLOADS, "m.glb", grid(6, "again"));
    // One delivery after the other: two at once would race to the manifest, and which of their
    // events comes first is not decided (`a_manifest_written_meanwhile_makes_a_duplicate`).
    w.queue.push(job("m.glb"));
    w.run_until(|w| w.events().len() == 1).await;
    let written = w.store.keys(OUTPUTS);
    w.queue.push(job("m.glb"));
    w.run_until(|w| w.events().len() == 2).await;
    assert_eq!(w.store.keys(OUTPUTS), written, "the repeat wrote nothing");
    let events = w.events();
    assert_eq!(events[0]["duplicate"], false);
    assert_eq!(events[1]["duplicate"], true, "{:#}", events[1]);
    assert_eq!(events[0]["output"], events[1]["output"]);
    assert!(w.jobs().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_written_meanwhile_makes_a_duplicate() {
    let w = World::new(&[]);
    w.store.insert(UPLOADS, "m.glb", grid(4, "first"));
    w.queue.push(job("m.glb"));
    w.run_until(|w| w.events().len() == 1).await;
    let prefix = w.events()[0]["output"]["prefix"]
        .as_str()
        .unwrap()
        .to_string();
    let written = w
        .store
        .object(OUTPUTS, &format!("{prefix}{MANIFEST}"))
        .unwrap();
    let manifest: Manifest = serde_json::from_slice(&written).unwrap();

    // Another worker's manifest appears after this one checked: its put gets a 412.
    let store = Arc::new(MemoryStore::default());
    let theirs = b"their manifest".to_vec();
    store.insert(OUTPUTS, &format!("{prefix}{MANIFEST}"), theirs.clone());
    let files = vec![("lod0.glb".to_string(), b"glb".to_vec())];
    let shared: Arc<dyn BlobStore> = store.clone();
    let done = commit::upload(&shared, OUTPUTS, &prefix, files, manifest).await;
    let done = done.unwrap();
    assert!(done.duplicate);
    assert_eq!(done.files, ["lod0.glb", MANIFEST]);
    let manifest = store.object(OUTPUTS, &format!("{prefix}{MANIFEST}"));
    assert_eq!(
        manifest,
        Some(theirs),
        "an existing manifest is never replaced"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_recorded_and_its_message_deleted() {
    let w = World::new(&[]);
    let junk = b"this is no model".to_vec();
    w.store.insert(UPLOADS, "junk.glb", junk.clone());
    w.queue.push(job("junk.glb"));
    w.queue.push(job("missing.glb"));
    w.queue.push(json!({"Event": "s3:TestEvent"}).to_string());
    w.run_until(|w| w.events().len() == 2 && w.jobs().is_empty())
        .await;

    let events = w.events();
    assert!(
        events.iter().all(|e| e["status"] == "failed"),
        "{events:#?}"
    );
    let record = format!("{}error.json", w.prefix_of(&sha(&junk)));
    let record: Value = serde_json::from_slice(&w.store.object(OUTPUTS, &record).unwrap()).unwrap();
    assert_eq!(record["input"]["sha256"], sha(&junk));
    let missing = events
        .iter()
        .find(|e| e["input"]["key"] == "missing.glb")
        .unwrap();
    assert_eq!(missing["error"]["code"], "no_such_object");
    let prefix = missing["output"]["prefix"].as_str().unwrap();
    assert_eq!(prefix, format!("failed/{UPLOADS}/missing.glb/"));
    assert!(
        w.store
            .object(OUTPUTS, &format!("{prefix}error.json"))
            .is_some()
    );
    let manifests = w
        .store
        .keys(OUTPUTS)
        .into_iter()
        .filter(|k| k.ends_with(MANIFEST));
    assert_eq!(manifests.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storage_outage_is_retried_with_growing_delays() {
    let w = World::new(&["--retry-delay", "1"]);
    w.store.insert(UPLOADS, "m.glb", grid(4, "outage"));
    w.store.set_outage(true);
    w.queue.push(job("m.glb"));
    w.run_until(|w| w.jobs()[0].visibility_changes.len() == 2)
        .await;
    let message = &w.jobs()[0];
    assert_eq!(message.visibility_changes, [1, 2], "doubling delays");
    assert!(w.events().is_empty(), "nothing announced");

    w.store.set_outage(false);
    w.run_until(|w| w.events().len() == 1).await;
    assert_eq!(w.events()[0]["status"], "succeeded");
    assert_eq!(w.events()[0]["receive_count"], 3);
    assert!(w.jobs().is_empty());
}

/// True once the first job message is received.
fn in_flight(w: &World) -> bool {
    w.jobs().first().is_some_and(|m| m.in_flight)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_releases_running_jobs_at_its_deadline() {
    // One slot: the loop waits for it instead of polling, so the released message is not
    // received again (and released again) before the worker returns.
    let w = World::new(&["--concurrency", "1"]);
    w.store.insert(UPLOADS, "m.glb", grid(4, "slow"));
    w.store.set_latency(Duration::from_secs(30));
    w.queue.push(job("m.glb"));
    let deadline_now = Drain::new(Duration::ZERO);
    let queue = w.queue.clone();
    w.run(queue, &deadline_now, in_flight).await;
    let message = &w.jobs()[0];
    assert_eq!(
        message.visibility_changes,
        [0],
        "released for another worker"
    );
    assert!(!message.in_flight);
    assert_eq!(message.receive_count, 1);
    assert!(w.events().is_empty() && w.store.keys(OUTPUTS).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_lets_running_jobs_finish_before_its_deadline() {
    let w = World::new(&[]);
    w.store.insert(UPLOADS, "m.glb", grid(4, "finish"));
    w.store.set_latency(Duration::from_millis(300));
    w.queue.push(job("m.glb"));
    w.run_until(in_flight).await;
    assert_eq!(w.events().len(), 1, "finished during the drain");
    assert_eq!(w.events()[0]["status"], "succeeded");
    assert!(w.jobs().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_messages_end_in_the_dead_letter_queue() {
    let w = World::new(&[]);
    w.queue.push("this is not a job".into());
    w.run_until(|w| w.dead.messages().len() == 1).await;
    assert_eq!(w.dead.messages()[0].body, "this is not a job");
    assert!(w.jobs().is_empty() && w.events().is_empty());
}

/// A queue that hands out every visible message, whatever the worker asked for.
struct Greedy(Arc<MemoryQueue>);

impl JobQueue for Greedy {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn ping(&self) -> BoxFuture<'_, crate::Result<()>> {
        self.0.ping()
    }
    fn receive(
        &self,
        _: usize,
        wait: Duration,
        v: u32,
    ) -> BoxFuture<'_, crate::Result<Vec<Received>>> {
        self.0.receive(10, wait, v)
    }
    fn delete_batch<'a>(&'a self, r: &'a [String]) -> BoxFuture<'a, crate::Result<Vec<String>>> {
        self.0.delete_batch(r)
    }
    fn set_visibility<'a>(&'a self, r: &'a str, s: u32) -> BoxFuture<'a, crate::Result<()>> {
        self.0.set_visibility(r, s)
    }
    fn send(&self, body: String) -> BoxFuture<'_, crate::Result<()>> {
        self.0.send(body)
    }
}

// Regression: the loop trusted the queue to return at most the count asked for, and an
// `expect` would have panicked on one more; surplus messages are now released.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_beyond_the_free_slots_are_released_not_lost() {
    let w = World::new(&["--concurrency", "1"]);
    for i in 0..3 {
        w.store
            .insert(UPLOADS, &format!("{i}.glb"), grid(3, &i.to_string()));
        w.queue.push(job(&format!("{i}.glb")));
    }
    let drain = Drain::new(Duration::from_secs(60));
    let greedy = Arc::new(Greedy(w.queue.clone()));
    w.run(greedy, &drain, |w| w.events().len() == 3).await;
    assert!(w.jobs().is_empty());
    assert!(w.events().iter().all(|e| e["status"] == "succeeded"));
    assert!(w.dead.messages().is_empty());
}

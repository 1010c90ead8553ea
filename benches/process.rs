//! Whole-job and simplification throughput on the 1.1M-triangle bunny
//! (`../shared/corpus/StanfordBunny_Loop2_1M.glb`, or a generated 1M-triangle sphere when the
//! corpus is absent) and on DamagedHelmet when present.
//!
//! Run with `make bench`. Throughput is in input triangles per second; compare against gltfpack
//! with `make bench-peers` (same machine, same run).

#[path = "../tests/integration/support/builder.rs"]
mod builder;
#[path = "../tests/integration/support/scenes.rs"]
mod scenes;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use render_worker::format::{self, resolve::NoFiles};
use render_worker::job::{self, NoProgress};
use render_worker::pipeline::{self, lod};
use render_worker::report::Timings;
use render_worker::settings::{LodTarget, Settings};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn corpus(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name);
    p.exists().then_some(p)
}

/// The big input: the corpus bunny, or a generated sphere of about a million triangles.
fn big_input(dir: &Path) -> PathBuf {
    corpus("StanfordBunny_Loop2_1M.glb").unwrap_or_else(|| {
        let p = dir.join("sphere_1m.glb");
        std::fs::write(&p, scenes::sphere(500, 1000).glb()).unwrap();
        p
    })
}

fn settings(lods: &[f32]) -> Settings {
    Settings {
        lods: lods.iter().map(|&r| LodTarget::Ratio(r)).collect(),
        render: false,
        ..Settings::default()
    }
}

fn whole_job(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let input = big_input(tmp.path());
    let open =
        |path: &std::path::Path| job::Input::open(path, &Settings::default().limits).unwrap();
    let triangles = job::inspect(&open(&input), &Settings::default())
        .unwrap()
        .counts
        .triangles;
    let mut g = c.benchmark_group("process_1m");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(triangles));
    for (name, lods) in [
        ("one_lod_0.5", &[0.5][..]),
        ("chain_1_0.5_0.25_0.1", &[1.0, 0.5, 0.25, 0.1][..]),
    ] {
        let s = settings(lods);
        g.bench_function(name, |b| {
            b.iter(|| {
                job::process(open(&input), &tmp.path().join("out"), &s, None, &NoProgress).unwrap()
            })
        });
    }
    g.finish();

    if let Some(helmet) = corpus("DamagedHelmet.glb") {
        let mut g = c.benchmark_group("process_helmet");
        g.sample_size(20);
        let s = Settings {
            render: false,
            ..Settings::default()
        };
        g.bench_function("default_chain", |b| {
            b.iter(|| {
                job::process(
                    open(&helmet),
                    &tmp.path().join("out"),
                    &s,
                    None,
                    &NoProgress,
                )
                .unwrap()
            })
        });
        g.finish();
    }
}

/// Simplification alone (read and preparation done once, outside the measurement).
fn simplification(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(big_input(tmp.path())).unwrap();
    let s = settings(&[0.5]);
    let mut asset = format::read_bytes(&bytes, &NoFiles, &s.limits)
        .unwrap()
        .asset;
    pipeline::prepare(&mut asset, &s, &Timings::default());
    let diagonal = asset.bounds().map_or(1.0, |b| b.diagonal());
    let mut g = c.benchmark_group("simplify_1m");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Elements(asset.counts().triangles));
    g.bench_function("to_0.5_with_optimize", |b| {
        b.iter(|| lod::build(&asset, &s, diagonal, &Timings::default(), &|_| Ok(())).unwrap())
    });
    g.finish();
}

criterion_group!(benches, whole_job, simplification);
criterion_main!(benches);

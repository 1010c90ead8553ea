//! Thumbnail throughput on whatever adapter the policy picks (lavapipe here, a GPU on GPU
//! hosts): DamagedHelmet and the 1.1M-triangle bunny at 512 and 1024 px, and a 24-frame
//! turntable. Each iteration is a whole `Renderer::render` call (posing, upload, draw,
//! readback) with the device, environment and decoded textures warm, as in a worker.
//!
//! After the criterion groups it prints the GPU time of each case from timestamp queries.
//! Models come from `RENDER_WORKER_CORPUS` or `../shared/corpus`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use render_worker::format::{self, resolve::NoFiles};
use render_worker::render::{Renderer, TextureCache, View, ViewRequest};
use render_worker::settings::Limits;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

fn corpus(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("RENDER_WORKER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let p = dir.join(name);
    p.exists().then_some(p)
}

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::new(true).expect("an adapter"))
}

fn cases() -> Vec<(&'static str, &'static str)> {
    vec![
        ("helmet", "DamagedHelmet.glb"),
        ("bunny_1m", "StanfordBunny_Loop2_1M.glb"),
    ]
}

fn thumbnails(c: &mut Criterion) {
    let r = renderer();
    eprintln!("adapter: {:?}", r.adapter());
    let mut gpu_report = vec![];
    for (name, file) in cases() {
        let Some(path) = corpus(file) else { continue };
        let bytes = std::fs::read(path).unwrap();
        let asset = format::read_bytes(&bytes, &NoFiles, &Limits::default())
            .unwrap()
            .asset;
        let cache = TextureCache::default();
        let mut g = c.benchmark_group(format!("thumbnail_{name}"));
        g.sample_size(10).measurement_time(Duration::from_secs(8));
        g.throughput(Throughput::Elements(1));
        for size in [512u32, 1024] {
            let req = [ViewRequest {
                view: View::ThreeQuarter,
                size,
            }];
            g.bench_function(format!("{size}px"), |b| {
                b.iter(|| r.render(&asset, &req, &cache, None).unwrap())
            });
            if let Some(ms) = gpu_ms_per_view(r, &asset, &cache, size) {
                gpu_report.push(format!("{name} {size}px: {ms:.3} ms GPU per view"));
            }
            // The same geometry in the order `process` delivers it (LOD 0): cache-, overdraw-
            // and fetch-optimized.
            let mut delivered = asset.clone();
            render_worker::pipeline::optimize::run(&mut delivered, &Default::default());
            if let Some(ms) = gpu_ms_per_view(r, &delivered, &cache, size) {
                gpu_report.push(format!(
                    "{name} {size}px, optimized order: {ms:.3} ms GPU per view"
                ));
            }
        }
        let turntable: Vec<ViewRequest> = (0..24)
            .map(|i| ViewRequest {
                view: View::Orbit {
                    azimuth: 15.0 * i as f32,
                    elevation: 20.0,
                },
                size: 512,
            })
            .collect();
        g.throughput(Throughput::Elements(24));
        g.bench_function("turntable_24x512", |b| {
            b.iter(|| r.render(&asset, &turntable, &cache, None).unwrap())
        });
        g.finish();
    }
    for line in gpu_report {
        eprintln!("{line}");
    }
}

/// GPU time of one view: the best of four submissions of eight views (the first submissions
/// pay for allocations and pipeline warm-up).
fn gpu_ms_per_view(
    r: &Renderer,
    asset: &render_worker::asset::Asset,
    cache: &TextureCache,
    size: u32,
) -> Option<f64> {
    let views: Vec<ViewRequest> = (0..8)
        .map(|_| ViewRequest {
            view: View::ThreeQuarter,
            size,
        })
        .collect();
    (0..4)
        .filter_map(|_| r.render(asset, &views, cache, None).unwrap().gpu_ms)
        .map(|ms| ms / 8.0)
        .reduce(f64::min)
}

criterion_group!(benches, thumbnails);
criterion_main!(benches);

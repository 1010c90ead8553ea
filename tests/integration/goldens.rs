//! Golden images rendered on the CPU adapter (Mesa lavapipe, as CI has it): one scene per
//! shading feature, and corpus models when the corpus is present. Compared with FLIP (mean and
//! 99th percentile) plus a separate alpha check, since FLIP ignores alpha. On failure the test
//! writes `<name>-actual.png` and `<name>-difference.png` beside the golden.
//!
//! A missing adapter or a missing golden fails (with or without CI=true): nothing skips.
//! `UPDATE_GOLDENS=1 cargo test goldens` rewrites them; look at every image before committing.
//! With `CI` set it fails instead: a CI run would accept whatever it rendered.

use crate::support::{features, tools};
use render_worker::format::{self, resolve::NoFiles};
use render_worker::qa;
use render_worker::render::{Renderer, RgbaImage, TextureCache, View, ViewRequest};
use render_worker::settings::Limits;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Golden image size, pixels.
const SIZE: u32 = 256;
/// Largest mean FLIP error accepted.
const MAX_MEAN: f32 = 0.01;
/// Largest 99th-percentile FLIP error accepted.
const MAX_P99: f32 = 0.2;
/// Largest fraction of pixels whose alpha may differ by more than 32/255.
const MAX_ALPHA: f32 = 0.002;

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| {
        Renderer::new(true).unwrap_or_else(|e| {
            panic!(
                "no adapter to render the goldens on: {e} (`make test-deps` installs Mesa lavapipe)"
            )
        })
    })
}

fn render(glb: &[u8], view: View) -> RgbaImage {
    let asset = format::read_bytes(glb, &NoFiles, &Limits::default())
        .unwrap()
        .asset;
    let request = ViewRequest { view, size: SIZE };
    let mut r = renderer()
        .render(&asset, &[request], &TextureCache::default(), None)
        .unwrap();
    r.images.remove(0)
}

fn golden_dir() -> PathBuf {
    tools::root().join("tests/golden")
}

fn save(path: &Path, img: &RgbaImage) {
    std::fs::write(path, render_worker::thumbnail::png(img).unwrap()).unwrap();
}

/// Compares `actual` with the golden `name`; returns a description of the failure, if any.
fn check(name: &str, actual: &RgbaImage) -> Option<String> {
    let path = golden_dir().join(format!("{name}.png"));
    if std::env::var_os("UPDATE_GOLDENS").is_some() {
        assert!(
            !tools::is_ci(),
            "UPDATE_GOLDENS is set while CI is: goldens are rewritten only on a developer's \
             machine, by someone who looks at every image before committing them; unset \
             UPDATE_GOLDENS in CI"
        );
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        save(&path, actual);
        return None;
    }
    if !path.exists() {
        return Some(format!(
            "{name}: golden {} is missing (UPDATE_GOLDENS=1 creates it)",
            path.display()
        ));
    }
    let golden = tools::decode_png(&path);
    if (golden.width, golden.height) != (actual.width, actual.height) {
        return Some(format!(
            "{name}: golden is {}x{}, render {}x{}",
            golden.width, golden.height, actual.width, actual.height
        ));
    }
    let mut map = qa::flip_map(&golden, actual);
    let mean = map.iter().sum::<f32>() / map.len() as f32;
    map.sort_by(f32::total_cmp);
    let p99 = map[map.len() * 99 / 100];
    let alpha_off = golden
        .pixels
        .chunks_exact(4)
        .zip(actual.pixels.chunks_exact(4))
        .filter(|(g, a)| g[3].abs_diff(a[3]) > 32)
        .count() as f32
        / map.len() as f32;
    if mean <= MAX_MEAN && p99 <= MAX_P99 && alpha_off <= MAX_ALPHA {
        return None;
    }
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    save(&path.with_file_name(format!("{stem}-actual.png")), actual);
    let diff = qa::flip_map(&golden, actual);
    let heat = RgbaImage {
        width: golden.width,
        height: golden.height,
        pixels: diff
            .iter()
            .flat_map(|&e| {
                let v = (e.clamp(0.0, 1.0) * 255.0) as u8;
                [v, 0, 255 - v, 255]
            })
            .collect(),
    };
    save(
        &path.with_file_name(format!("{stem}-difference.png")),
        &heat,
    );
    Some(format!(
        "{name}: FLIP mean {mean:.4} (max {MAX_MEAN}), p99 {p99:.3} (max {MAX_P99}), alpha differs on {:.3} % of pixels (max {:.3} %)",
        alpha_off * 100.0,
        MAX_ALPHA * 100.0
    ))
}

fn view_for(name: &str) -> View {
    match name {
        "normal_map" | "emissive" | "skinned" => View::ThreeQuarter,
        _ => View::Front,
    }
}

#[test]
fn feature_scenes_match_their_goldens() {
    let failures: Vec<String> = features::all()
        .into_iter()
        .filter_map(|(name, b)| check(name, &render(&b.glb(), view_for(name))))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_lost_device_is_recreated_and_the_render_retried() {
    let glb = features::vertex_colors().glb();
    let before = render(&glb, View::Front);
    let generation = renderer().generation();
    renderer().simulate_device_loss();
    let after = render(&glb, View::Front);
    // Equal images alone would also pass if the loss were ignored and the old device kept
    // rendering; the generation shows a new device was made (exactly one: it is not lost).
    assert_eq!(
        renderer().generation(),
        generation + 1,
        "the render after the loss ran on a new device"
    );
    assert_eq!(
        qa::flip_mean(&before, &after),
        0.0,
        "the retried render is the same image"
    );
}

/// Needs the shared corpus.
mod external {
    use super::*;

    #[test]
    fn corpus_models_match_their_goldens() {
        let Some(corpus) = tools::corpus() else {
            return;
        };
        let models = [
            "DamagedHelmet",
            "CesiumMan",
            "Fox",
            "CesiumMilkTruck",
            "TextureTransformTest",
            "VertexColorTest",
            "MultiUVTest",
            "SpecGlossVsMetalRough",
            "AnimatedMorphCube",
            "SphereMeshAndPointCloud",
            "Spot",
        ];
        let failures: Vec<String> = models
            .iter()
            .filter_map(|m| {
                let bytes = std::fs::read(corpus.join(format!("{m}.glb"))).unwrap();
                let view = if *m == "TextureTransformTest" || *m == "VertexColorTest" {
                    View::Front
                } else {
                    View::ThreeQuarter
                };
                check(&format!("corpus/{m}"), &render(&bytes, view))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

//! Invariant checks on outputs, shared by the fixture and corpus tests.

#![allow(dead_code)]

use render_worker::asset::{Asset, Bounds, Component, Mode, Semantic};
use render_worker::format::{self, ReadOutput, resolve::Folder};
use render_worker::job::Manifest;
use render_worker::settings::Limits;
use std::path::{Path, PathBuf};

/// Reads a file with the crate's reader.
pub fn read(path: &Path) -> ReadOutput {
    let bytes = std::fs::read(path).unwrap();
    let dir = path.parent().unwrap().to_path_buf();
    format::read_bytes(&bytes, &Folder(dir), &Limits::default())
        .unwrap_or_else(|e| panic!("{} does not re-read: {e}", path.display()))
}

/// Runs `render-worker process <input> --out <out> --json --no-render <extra...>` and returns
/// the manifest and the output folder.
pub fn process(input: &Path, out: &Path, extra: &[&str]) -> (Manifest, PathBuf) {
    let mut args = vec!["--no-render"];
    args.extend_from_slice(extra);
    process_rendered(input, out, &args)
}

/// Runs `render-worker process <input> --out <out> --json <extra...>` (rendering unless
/// `extra` says otherwise) and returns the manifest and the output folder.
pub fn process_rendered(input: &Path, out: &Path, extra: &[&str]) -> (Manifest, PathBuf) {
    let mut args = vec![
        "process",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    let o = super::tools::run(&args);
    assert!(
        o.status.success(),
        "process {} failed: {}",
        input.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let manifest: Manifest = serde_json::from_slice(&o.stdout).expect("manifest JSON on stdout");
    let dir = out.join(render_worker::job::output_name(input));
    (manifest, dir)
}

/// Every index is below its primitive's vertex count; every stream has that many elements.
pub fn assert_well_formed(asset: &Asset, what: &str) {
    for (m, p, prim) in asset.primitives() {
        let n = prim.vertex_count();
        for s in prim.streams() {
            assert_eq!(
                s.count(),
                n,
                "{what}: mesh {m} primitive {p}: stream length"
            );
        }
        if let Some(i) = &prim.indices {
            assert!(
                i.iter().all(|&i| (i as usize) < n),
                "{what}: mesh {m} primitive {p}: index out of range"
            );
            if prim.mode == Mode::Triangles {
                assert_eq!(i.len() % 3, 0, "{what}: whole triangles");
            }
        }
    }
}

/// The output's bounds match the input's within `tolerance` (world units) on every side.
pub fn assert_bounds_close(a: Option<Bounds>, b: Option<Bounds>, tolerance: f32, what: &str) {
    let (a, b) = (a.expect("input bounds"), b.expect("output bounds"));
    for k in 0..3 {
        assert!(
            (a.min[k] - b.min[k]).abs() <= tolerance && (a.max[k] - b.max[k]).abs() <= tolerance,
            "{what}: bounds moved: {a:?} vs {b:?} (tolerance {tolerance})"
        );
    }
}

/// Reads `path` with the `gltf` crate (an independent implementation) and checks that it sees
/// the same triangle and vertex counts, for primitives with float positions.
pub fn assert_reads_independently(path: &Path, ours: &Asset) {
    let bytes = std::fs::read(path).unwrap();
    let g = gltf::Gltf::from_slice_without_validation(&bytes)
        .unwrap_or_else(|e| panic!("{}: gltf crate: {e}", path.display()));
    if g.extensions_used()
        .any(|e| e.ends_with("meshopt_compression"))
    {
        return; // the gltf crate has no meshopt decoder
    }
    let blob = g.blob.clone().unwrap_or_default();
    for (mesh, our_mesh) in g.meshes().zip(&ours.meshes) {
        for (prim, our) in mesh.primitives().zip(&our_mesh.primitives) {
            let float = our
                .attribute(&Semantic::Position)
                .is_some_and(|p| p.format.component == Component::F32);
            if !float {
                continue;
            }
            let reader = prim.reader(|_| Some(&blob));
            let positions = reader.read_positions().expect("positions").count();
            assert_eq!(
                positions,
                our.vertex_count(),
                "{}: vertex count",
                path.display()
            );
            if let Some(ind) = reader.read_indices() {
                let ind: Vec<u32> = ind.into_u32().collect();
                assert_eq!(ind.len(), our.indices.as_ref().unwrap().len());
                assert!(ind.iter().all(|&i| (i as usize) < positions));
            }
        }
    }
}

/// All the checks a written LOD must pass: re-reads, well formed, independent reader agrees.
pub fn assert_lod_ok(path: &Path) -> Asset {
    let out = read(path);
    let what = path.display().to_string();
    assert_well_formed(&out.asset, &what);
    assert_reads_independently(path, &out.asset);
    out.asset
}

/// The JSON chunk of a GLB file.
pub fn glb_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap();
    let len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    serde_json::from_slice(&bytes[20..20 + len]).unwrap()
}

/// The strings of array `key` of `doc` (e.g. `extensionsUsed`), empty when absent.
pub fn string_list(doc: &serde_json::Value, key: &str) -> Vec<String> {
    doc[key]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Peak signal-to-noise ratio over `channels` (0 = R .. 3 = A) of two RGBA8 pixel buffers of
/// the same size, dB (capped near 90 dB when they are equal).
pub fn psnr(a: &[u8], b: &[u8], channels: &[usize]) -> f64 {
    let (mut sum, mut n) = (0.0, 0.0);
    for (pa, pb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for &k in channels {
            let d = f64::from(pa[k]) - f64::from(pb[k]);
            sum += d * d;
            n += 1.0;
        }
    }
    10.0 * (255.0 * 255.0 / (sum / n).max(1e-9)).log10()
}

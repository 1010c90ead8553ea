//! Running the binary, the Khronos validator, and finding the shared corpus.

#![allow(dead_code)]

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `render-worker` with `args`.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_render-worker"))
        .args(args)
        .env("NO_COLOR", "1")
        // CI has no GPU: the tests render on Mesa lavapipe.
        .env("RENDER_WORKER_ALLOW_SOFTWARE", "1")
        .output()
        .expect("render-worker runs")
}

/// The public corpus (`../shared/corpus`, or `RENDER_WORKER_CORPUS`), when this checkout has
/// it. CI has it (with `CI` set, a missing corpus fails the test); elsewhere the corpus cases
/// are skipped with a note, and the suite does not depend on them alone.
pub fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("RENDER_WORKER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus"));
    if dir.join("DamagedHelmet.glb").exists() {
        Some(dir)
    } else if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") {
        // CI has the corpus: its absence there is a broken setup, not a reason to skip.
        panic!("CI is set but the corpus is not at {}", dir.display());
    } else {
        eprintln!(
            "note: corpus not found at {}; corpus cases not run",
            dir.display()
        );
        None
    }
}

/// One file's validation result.
#[derive(Debug, Deserialize)]
pub struct Validation {
    pub file: String,
    pub errors: u64,
    pub warnings: u64,
    pub codes: BTreeMap<String, u64>,
    pub messages: Vec<String>,
}

/// Validates `files` with the Khronos glTF validator (npm `gltf-validator`, installed by
/// `make test-deps` into tools/validator). Panics with instructions when it is missing.
pub fn validate(files: &[PathBuf]) -> Vec<Validation> {
    let tool = root().join("tools/validator");
    assert!(
        tool.join("node_modules/gltf-validator").exists(),
        "the Khronos validator is not installed: run `make test-deps` (npm ci in tools/validator)"
    );
    let out = Command::new("node")
        .arg(tool.join("validate.mjs"))
        .args(files)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "validator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("validator JSON line"))
        .collect()
}

/// Every `.glb` in `dir`.
pub fn glbs_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "glb"))
        .collect();
    v.sort();
    v
}

/// Decodes a PNG into an RGBA image.
pub fn decode_png(path: &Path) -> render_worker::render::RgbaImage {
    let img = image::open(path).unwrap().to_rgba8();
    render_worker::render::RgbaImage {
        width: img.width(),
        height: img.height(),
        pixels: img.into_raw(),
    }
}

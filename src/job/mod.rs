//! One job: a model file in, a folder with a LOD chain and `manifest.json` out.
//!
//! [`process`] reads, prepares, builds and writes the LODs, and commits the folder with the
//! manifest last. [`inspect`] reads and reports without writing anything. The [`Manifest`] and
//! [`InputReport`] types are the documented output schemas (see the README).

mod budget;
mod manifest;
mod visuals;

pub use budget::{Attempt, BudgetReport};

pub use manifest::{
    InputReport, LodEntry, MANIFEST_SCHEMA_VERSION, Manifest, ThumbnailEntry, Tool,
};

use crate::error::{Error, Result};
use crate::format::{self, uri::Resources};
use crate::pipeline::{self, lod};
use crate::render::{LazyRenderer, Renderer};
use crate::report::{Timings, Warning};
use crate::settings::{Settings, hex};
use crate::storage::{OutputSink, fs::StagedDir};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Receives progress events; the CLI draws a bar from them. Calls may come from any thread.
pub trait Progress: Sync {
    /// A named phase started.
    fn phase(&self, name: &str);
    /// LOD `level` of `count` was written.
    fn lod_written(&self, level: usize, count: usize);
    /// True when the job should stop at the next stage boundary (a worker draining or timing
    /// out); the job then fails with [`Error::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

fn checkpoint(progress: &dyn Progress) -> Result<()> {
    if progress.cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
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

/// Reads `input` into an asset (with the reader's warnings), for rendering it as it is.
pub fn read_asset(
    input: &Path,
    settings: &Settings,
) -> Result<(crate::asset::Asset, Vec<Warning>)> {
    let input = read_input(input, settings, &Timings::default())?;
    Ok((input.output.asset, input.output.warnings))
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

/// Runs the whole job into `sink`: one GLB per LOD, thumbnails (unless `settings.render` is
/// off); returns the manifest, which the caller commits last.
///
/// `renderer` is required when rendering; it is created (if lazy) only after the input has
/// been read, so bad input is refused first. `progress` may cancel the job between stages.
/// With a budget (`settings.budget`), settings are first searched until LOD 0 fits (see
/// [`budget`]), and the manifest records the search.
pub fn run(
    input: &Path,
    sink: &dyn OutputSink,
    settings: &Settings,
    renderer: Option<&LazyRenderer>,
    progress: &dyn Progress,
) -> Result<Manifest> {
    settings.validate()?;
    if !settings.budget.is_set() {
        return run_once(input, sink, settings, renderer, progress);
    }
    let trial = |s: &Settings| {
        run_once(
            input,
            &crate::storage::MemorySink::default(),
            s,
            None,
            progress,
        )
    };
    let (chosen, report) = budget::fit(settings, &trial)?;
    let mut manifest = run_once(input, sink, &chosen, renderer, progress)?;
    manifest.budget = Some(report);
    Ok(manifest)
}

/// [`run`] without the budget search.
fn run_once(
    input: &Path,
    sink: &dyn OutputSink,
    settings: &Settings,
    renderer: Option<&LazyRenderer>,
    progress: &dyn Progress,
) -> Result<Manifest> {
    if settings.render && renderer.is_none() {
        return Err(Error::Settings(
            "rendering needs a renderer; --no-render skips it".into(),
        ));
    }
    let start = Instant::now();
    let timings = Timings::default();
    progress.phase("reading");
    let Input { output, report } = read_input(input, settings, &timings)?;
    let renderer = match renderer.filter(|_| settings.render) {
        Some(lazy) => Some(lazy.get()?),
        None => None,
    };
    let mut asset = output.asset;
    let mut warnings = output.warnings;
    let mut thumbnails = vec![];
    let reference = match renderer {
        Some(r) => {
            checkpoint(progress)?;
            progress.phase("rendering");
            let t = timings.time("render", || visuals::thumbnails(r, &asset, settings, sink))?;
            thumbnails = t.entries;
            warnings.extend(t.warnings);
            Some(t.reference)
        }
        None => None,
    };
    checkpoint(progress)?;
    progress.phase("cleaning");
    warnings.extend(pipeline::prepare(&mut asset, settings, &timings));
    check_uv_sets(&asset, settings)?;
    checkpoint(progress)?;
    progress.phase("textures");
    let (textures, texture_warnings) = timings.time("textures", || {
        pipeline::textures::encode(&asset, &settings.delivery)
    });
    warnings.extend(texture_warnings);
    let diagonal = report
        .bounds
        .map(|b| b.diagonal())
        .filter(|d| *d > 0.0)
        .unwrap_or(1.0);

    let lods: Mutex<Vec<LodEntry>> = Mutex::new(vec![]);
    let level_warnings: Mutex<Vec<Warning>> = Mutex::new(vec![]);
    let count = settings.lods.len();
    progress.phase("building LODs");
    let write_level = |lod: lod::Lod| -> Result<()> {
        checkpoint(progress)?;
        let s = &lod.stats;
        let mut asset = lod.asset;
        let (_, quantize_warnings) = timings.time("quantize", || {
            pipeline::quantize::run(&mut asset, &settings.delivery)
        });
        level_warnings
            .lock()
            .expect("warnings lock")
            .extend(quantize_warnings);
        let visual = match &reference {
            Some(r) => Some(timings.time("visual_qa", || r.judge(&asset))?),
            None => None,
        };
        if let (Some(max), Some(v)) = (settings.max_visual_error, visual)
            && v.flip_mean > max
        {
            level_warnings.lock().expect("warnings lock").push(Warning::global(
                    "LOD_DROPPED_VISUAL_ERROR",
                    format!(
                        "LOD {} ({} triangles) level_warnings: mean FLIP error {:.4} exceeds --max-visual-error {max}",
                        s.level, s.triangles, v.flip_mean
                    ),
                ));
            progress.lod_written(s.level, count);
            return Ok(());
        }
        pipeline::textures::apply(&mut asset, &textures);
        let d = &settings.delivery;
        let bytes = timings.time("write", || {
            format::write_glb(&asset, d.compress, d.fallback)
        });
        let file = format!("lod{}.glb", s.level);
        let size = sink.put(&file, &bytes)?;
        lods.lock().expect("lods lock").push(LodEntry {
            level: s.level,
            target: s.target,
            file,
            triangles: s.triangles,
            // Quantization merges vertices it made identical: count what ships.
            vertices: asset.counts().vertices,
            bytes: size,
            error_relative: s.error_relative,
            error_absolute: s.error_absolute,
            screen_size_px: (s.error_relative > 0.0).then(|| 1.0 / f64::from(s.error_relative)),
            visual,
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
    let mut level_warnings = level_warnings.into_inner().expect("warnings lock");
    // Quantization warns once per level about the same streams.
    level_warnings.sort_by(|a, b| a.message.cmp(&b.message));
    level_warnings.dedup_by(|a, b| a.message == b.message);
    warnings.extend(level_warnings);

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
        thumbnails,
        renderer: renderer.map(Renderer::adapter),
        warnings,
        timings: timings.snapshot(),
        total_ms: start.elapsed().as_secs_f64() * 1e3,
        budget: None,
    };
    Ok(manifest)
}

/// Refuses a model whose materials sample more UV sets than the profile's platform reads.
fn check_uv_sets(asset: &crate::asset::Asset, settings: &Settings) -> Result<()> {
    let Some((profile, max)) = settings
        .profile
        .and_then(|p| p.max_uv_sets().map(|m| (p, m)))
    else {
        return Ok(());
    };
    for (i, m) in asset.materials.iter().enumerate() {
        let mut worst = None;
        m.for_each_texture(|_, uv| worst = worst.max(Some(uv)));
        if let Some(uv) = worst.filter(|&uv| uv >= max) {
            return Err(Error::Budget(format!(
                "profile {profile:?}: material {i} samples TEXCOORD_{uv}, but the platform reads {max} UV set(s)"
            )));
        }
    }
    Ok(())
}

/// Runs the whole job into `<out_root>/<stem>/`, staged and renamed into place with
/// `manifest.json` last; see [`run`]. On error nothing is left in `out_root`.
pub fn process(
    input: &Path,
    out_root: &Path,
    settings: &Settings,
    renderer: Option<&LazyRenderer>,
    progress: &dyn Progress,
) -> Result<(Manifest, PathBuf)> {
    settings.validate()?;
    let staged = StagedDir::new(out_root, &output_name(input))?;
    let manifest = run(input, &staged, settings, renderer, progress)?;
    let dir = staged.commit(&manifest.to_json())?;
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

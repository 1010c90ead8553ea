//! One job: a model file in, a folder with a LOD chain and `manifest.json` out.
//!
//! [`process`] reads an [`Input`], prepares, builds and writes the LODs, and commits the folder with the
//! manifest last. [`inspect`] reads and reports without writing anything. The [`Manifest`] and
//! [`InputReport`] types are the documented output schemas (see the README).

mod budget;
pub mod encoders;
mod input;
mod levels;
mod manifest;
mod visuals;

pub use budget::{Attempt, BudgetReport};
use input::ReadInput;
pub use input::{Input, output_name};

pub use manifest::{
    InputReport, LodEntry, MANIFEST_SCHEMA_VERSION, Manifest, ThumbnailEntry, Tool,
};

use crate::asset::Asset;
use crate::error::{Error, Result};
use crate::pipeline::{
    self,
    textures::{Plan, Planner},
};
use crate::render::{LazyRenderer, Renderer};
use crate::report::{StageReport, Timings, Warning};
use crate::settings::Settings;
use crate::storage::{OutputSink, fs::StagedDir};
use std::path::{Path, PathBuf};
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

/// Reads `input` into an asset (with the reader's warnings), for rendering it as it is.
pub fn read_asset(input: &Input, settings: &Settings) -> Result<(Asset, Vec<Warning>)> {
    let read = input.read(settings)?;
    Ok((read.output.asset, read.output.warnings))
}

/// Reads `input` and reports what it holds, writing nothing.
pub fn inspect(input: &Input, settings: &Settings) -> Result<InputReport> {
    Ok(input.read(settings)?.report)
}

/// The named steps of a job: each checks for cancellation, reports its phase and, when it
/// is not made of stages timed on their own, is timed.
struct Steps<'a> {
    progress: &'a dyn Progress,
    timings: &'a Timings,
}

impl Steps<'_> {
    /// Runs step `phase` (as the progress bar names it), timed under `timing` when given.
    fn run<T>(
        &self,
        phase: &str,
        timing: Option<&str>,
        f: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        checkpoint(self.progress)?;
        self.progress.phase(phase);
        match timing {
            Some(stage) => self.timings.time(stage, f),
            None => f(),
        }
    }
}

/// Runs the whole job into `sink`: one file per LOD and delivery format, thumbnails (unless
/// `settings.render` is off); returns the manifest, which the caller commits last.
///
/// `renderer` is required when rendering; it is created (if lazy) only after the input has
/// been read, so bad input is refused first. `progress` may cancel the job between steps.
/// Textures are planned first (see `pipeline::textures::Planner`) and encoded as planned.
/// With a budget (`settings.budget`), settings and plan are first searched until LOD 0 fits
/// (see `budget`): the input is read, rendered and prepared once, each attempt builds LOD 0
/// alone, and each image is encoded in full once per pick tried; the manifest records it.
pub fn run(
    input: Input,
    sink: &dyn OutputSink,
    settings: &Settings,
    renderer: Option<&LazyRenderer>,
    progress: &dyn Progress,
) -> Result<Manifest> {
    settings.validate()?;
    if settings.render && renderer.is_none() {
        return Err(Error::Settings(
            "rendering needs a renderer; --no-render skips it".into(),
        ));
    }
    let start = Instant::now();
    let timings = Timings::default();
    let steps = Steps {
        progress,
        timings: &timings,
    };

    let read = steps.run("reading", Some("read"), || input.read(settings))?;
    // The upload's bytes are decoded: do not hold them through the rest of the job.
    drop(input);
    let renderer = match renderer.filter(|_| settings.render) {
        Some(lazy) => Some(lazy.get()?),
        None => None,
    };
    let ReadInput { output, report } = read;
    let mut asset = output.asset;
    let mut warnings = output.warnings;
    let sources = match renderer {
        Some(r) => Some(steps.run("rendering", Some("render"), || {
            visuals::thumbnails(r, &asset, settings, sink)
        })?),
        None => None,
    };
    let mut stages = steps.run("cleaning", None, || prepare(&mut asset, settings, &timings))?;
    let levels = levels::Levels {
        asset: &asset,
        diagonal: diagonal(&report),
        timings: &timings,
        progress,
    };
    let byte_budget = settings.budget.max_bytes.is_some();
    let planner = Planner::new(&asset, &settings.delivery, byte_budget, &timings);
    let (chosen, plan, budget_report) = if settings.budget.is_set() {
        let fit = || fit_budget(&levels, &planner, settings);
        let (s, plan, r) = steps.run("fitting the budget", None, fit)?;
        (s, plan, Some(r))
    } else {
        let plan = planner.auto();
        (settings.clone(), plan, None)
    };
    let textures = steps.run("textures", Some("textures"), || Ok(planner.encode(&plan)))?;
    let written = steps.run("building LODs", None, || {
        let out = levels::Output {
            textures: &textures.0,
            reference: sources.as_ref().map(|t| &t.reference),
            sink,
        };
        levels.write(&chosen, &out)
    })?;

    let mut thumbnails = vec![];
    if let Some(t) = sources {
        thumbnails = t.entries;
        warnings.extend(t.warnings);
    }
    for stage in &mut stages {
        warnings.append(&mut stage.warnings);
    }
    warnings.extend(textures.1.iter().cloned());
    warnings.extend(written.warnings);
    stages.extend(written.stages);
    Ok(Manifest {
        schema_version: MANIFEST_SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        input: report,
        settings_hash: chosen.hash(),
        settings: chosen,
        lods: written.lods,
        textures: textures.0.entries().to_vec(),
        thumbnails,
        renderer: renderer.map(Renderer::adapter),
        warnings,
        stages,
        timings: timings.snapshot(),
        total_ms: start.elapsed().as_secs_f64() * 1e3,
        budget: budget_report,
    })
}

/// The model's bounding-box diagonal in world units; 1 for a model without extent.
fn diagonal(report: &InputReport) -> f32 {
    let d = report.bounds.map(|b| b.diagonal());
    d.filter(|d| *d > 0.0).unwrap_or(1.0)
}

/// Prepares the read asset (stages 1-7, see [`pipeline::prepare`]) and checks that the
/// profile's platform can read its UV sets; returns the stages' reports.
fn prepare(asset: &mut Asset, settings: &Settings, timings: &Timings) -> Result<Vec<StageReport>> {
    let reports = pipeline::prepare(asset, settings, timings);
    check_uv_sets(asset, settings)?;
    Ok(reports)
}

/// Searches the settings and texture plan under which LOD 0 fits the budget: each attempt
/// builds LOD 0 alone into memory (see [`budget::fit`]), its textures encoded as the plan
/// says (each pick once per job).
fn fit_budget(
    levels: &levels::Levels<'_>,
    planner: &Planner<'_>,
    settings: &Settings,
) -> Result<(Settings, Plan, BudgetReport)> {
    let mut attempt = |s: &Settings, plan: &Plan| -> Result<budget::Measured> {
        checkpoint(levels.progress)?;
        let textures = levels.timings.time("textures", || planner.encode(plan));
        let first = Settings {
            lods: s.lods[..1].to_vec(),
            max_visual_error: None,
            ..s.clone()
        };
        let memory = crate::storage::MemorySink::default();
        let out = levels::Output {
            textures: &textures.0,
            reference: None,
            sink: &memory,
        };
        let written = levels.write(&first, &out)?;
        let lod0 = written
            .lods
            .first()
            .ok_or_else(|| Error::Budget("no LOD was delivered".into()))?;
        Ok(budget::Measured {
            triangles: lod0.triangles,
            bytes: lod0.bytes,
            texture_bytes: planner.planned_bytes(&textures.0),
        })
    };
    budget::fit(settings, planner, &mut attempt)
}

/// Refuses a model whose materials sample more UV sets than the profile's platform reads.
fn check_uv_sets(asset: &Asset, settings: &Settings) -> Result<()> {
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
    input: Input,
    out_root: &Path,
    settings: &Settings,
    renderer: Option<&LazyRenderer>,
    progress: &dyn Progress,
) -> Result<(Manifest, PathBuf)> {
    settings.validate()?;
    let staged = StagedDir::new(out_root, &output_name(Path::new(&input.name)))?;
    let manifest = run(input, &staged, settings, renderer, progress)?;
    let dir = staged.commit(&manifest.to_json())?;
    Ok((manifest, dir))
}

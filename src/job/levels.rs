//! Building and writing a prepared asset's LOD chain: the part of a job the budget search
//! repeats.
//!
//! [`lod::build`] schedules the simplification; each simplified level is then finished by one
//! function, [`Levels::finish`], in order: points thinned, optimized, quantized, judged against
//! the source's renders (when there are any), given the encoded textures and judged again as it
//! ships, encoded by every delivery format ([`super::encoders`]) and stored. The caller owns
//! reading, preparation, texture encoding and the manifest.

use super::encoders::ENCODERS;
use super::manifest::LodEntry;
use super::visuals::Reference;
use super::{Progress, checkpoint};
use crate::asset::Asset;
use crate::error::Result;
use crate::pipeline::{self, lod, optimize, points, quantize, textures::Encoded};
use crate::report::{StageReport, Timings, Warning};
use crate::settings::Settings;
use crate::storage::OutputSink;
use std::sync::Mutex;

/// What every pass over one job's chain shares.
pub struct Levels<'a> {
    /// The prepared asset (after `pipeline::prepare`).
    pub asset: &'a Asset,
    /// The model's bounding-box diagonal, world units (> 0).
    pub diagonal: f32,
    /// Stage timings, shared with the rest of the job.
    pub timings: &'a Timings,
    /// Progress and cancellation.
    pub progress: &'a dyn Progress,
}

/// Where one pass writes, and with what.
pub struct Output<'a> {
    /// The images as delivered.
    pub textures: &'a Encoded,
    /// The source's QA renders; `None` skips visual QA.
    pub reference: Option<&'a Reference<'a>>,
    /// Where the GLBs go.
    pub sink: &'a dyn OutputSink,
}

/// What one pass produced: the delivered levels' entries (in level order; levels that visual
/// QA dropped are missing), the warnings, and the per-level stage reports (by level).
pub struct Written {
    /// Manifest entries of the delivered levels.
    pub lods: Vec<LodEntry>,
    /// Warnings of the chain and of every level.
    pub warnings: Vec<Warning>,
    /// Reports of the per-level stages, level by level, each in the order it ran.
    pub stages: Vec<StageReport>,
}

/// One level's results, as [`Levels::finish`] returns them.
struct Finished {
    entry: Option<LodEntry>,
    warnings: Vec<Warning>,
    stages: Vec<StageReport>,
}

impl Levels<'_> {
    /// Builds and writes every level `settings.lods` asks for into `out`.
    pub fn write(&self, settings: &Settings, out: &Output<'_>) -> Result<Written> {
        let finished: Mutex<Vec<(usize, Finished)>> = Mutex::new(vec![]);
        let count = settings.lods.len();
        let write_level = |lod: lod::Lod| -> Result<()> {
            checkpoint(self.progress)?;
            let level = lod.stats.level;
            let done = self.finish(lod, settings, out)?;
            finished.lock().expect("levels lock").push((level, done));
            self.progress.lod_written(level, count);
            Ok(())
        };
        let mut warnings = lod::build(
            self.asset,
            settings,
            self.diagonal,
            self.timings,
            &write_level,
        )?;
        let mut finished = finished.into_inner().expect("levels lock");
        finished.sort_by_key(|(level, _)| *level);
        let mut written = Written {
            lods: vec![],
            warnings: vec![],
            stages: vec![],
        };
        for (_, f) in finished {
            written.lods.extend(f.entry);
            written.warnings.extend(f.warnings);
            written.stages.extend(f.stages);
        }
        // Quantization warns once per level about the same streams.
        written.warnings.sort_by(|a, b| a.message.cmp(&b.message));
        written.warnings.dedup_by(|a, b| a.message == b.message);
        warnings.append(&mut written.warnings);
        written.warnings = warnings;
        Ok(written)
    }

    /// Everything that happens to one level, in order: the simplified triangles (from the
    /// chain), points thinned, optimized, quantized, judged against the source's renders
    /// with the source's textures (dropped when too far off), given the delivered textures and
    /// judged again with them (when any changed), encoded in every delivery format and stored.
    fn finish(&self, lod: lod::Lod, settings: &Settings, out: &Output<'_>) -> Result<Finished> {
        let s = &lod.stats;
        let t = self.timings;
        let mut asset = lod.asset;
        let mut simplified = StageReport::new("simplify");
        let input_triangles = self.asset.counts().triangles;
        simplified.removed(
            "triangles",
            input_triangles.saturating_sub(s.triangles) as usize,
        );
        let mut stages = vec![
            simplified,
            points::run(&mut asset, settings, lod.ratio),
            pipeline::run_stage(optimize::run, &mut asset, settings, t),
            pipeline::run_stage(quantize::run, &mut asset, settings, t),
        ];
        let mut warnings = vec![];
        for report in &mut stages {
            report.lod = Some(s.level);
            warnings.append(&mut report.warnings);
        }
        let judge = |a: &Asset| {
            out.reference
                .map(|r| t.time("visual_qa", || r.judge(a)))
                .transpose()
        };
        // Judged with the source's textures first: the drop below is about simplification (the
        // textures, and what their encoding costs, are the same at every level).
        let geometry = judge(&asset)?;
        if let (Some(max), Some(v)) = (settings.max_visual_error, geometry)
            && v.flip_mean > max
        {
            warnings.push(Warning::global(
                "LOD_DROPPED_VISUAL_ERROR",
                format!(
                    "LOD {} ({} triangles): mean FLIP error {:.4} exceeds --max-visual-error {max}",
                    s.level, s.triangles, v.flip_mean
                ),
            ));
            return Ok(Finished {
                entry: None,
                warnings,
                stages,
            });
        }
        pipeline::textures::apply(&mut asset, out.textures);
        let visual = match out.textures.changes_images() {
            true => judge(&asset)?,
            false => geometry,
        };
        let mut entry = LodEntry {
            level: s.level,
            target: s.target,
            file: String::new(),
            triangles: s.triangles,
            // Quantization merges vertices it made identical: count what ships.
            vertices: asset.counts().vertices,
            bytes: 0,
            error_relative: s.error_relative,
            error_absolute: s.error_absolute,
            screen_size_px: (s.error_relative > 0.0).then(|| 1.0 / f64::from(s.error_relative)),
            visual,
            visual_geometry: geometry,
        };
        for encoder in ENCODERS {
            let bytes = t.time("write", || (encoder.encode)(&asset, &settings.delivery));
            let file = encoder.file_name(s.level);
            let size = out.sink.put(&file, &bytes)?;
            (encoder.record)(&mut entry, file, size);
        }
        Ok(Finished {
            entry: Some(entry),
            warnings,
            stages,
        })
    }
}

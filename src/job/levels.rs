//! Building and writing a prepared asset's LOD chain: the part of a job the budget search
//! repeats.
//!
//! Each level is quantized, judged against the source's renders (when there are any), given
//! the encoded textures and written to the sink as `lod<N>.glb`. The caller owns reading,
//! preparation, texture encoding and the manifest.

use super::manifest::LodEntry;
use super::visuals::Reference;
use super::{Progress, checkpoint};
use crate::asset::Asset;
use crate::error::Result;
use crate::format;
use crate::pipeline::{self, lod, textures::Encoded};
use crate::report::{Timings, Warning};
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

impl Levels<'_> {
    /// Builds and writes every level `settings.lods` asks for into `out`; returns their
    /// entries in level order (levels that visual QA dropped are missing) and the warnings.
    pub fn write(
        &self,
        settings: &Settings,
        out: &Output<'_>,
    ) -> Result<(Vec<LodEntry>, Vec<Warning>)> {
        let lods: Mutex<Vec<LodEntry>> = Mutex::new(vec![]);
        let level_warnings: Mutex<Vec<Warning>> = Mutex::new(vec![]);
        let count = settings.lods.len();
        let write_level = |lod: lod::Lod| -> Result<()> {
            checkpoint(self.progress)?;
            let level = lod.stats.level;
            let (entry, warnings) = self.write_one(lod, settings, out)?;
            lods.lock().expect("lods lock").extend(entry);
            level_warnings
                .lock()
                .expect("warnings lock")
                .extend(warnings);
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
        let mut lods = lods.into_inner().expect("lods lock");
        lods.sort_by_key(|l| l.level);
        let mut level_warnings = level_warnings.into_inner().expect("warnings lock");
        // Quantization warns once per level about the same streams.
        level_warnings.sort_by(|a, b| a.message.cmp(&b.message));
        level_warnings.dedup_by(|a, b| a.message == b.message);
        warnings.extend(level_warnings);
        Ok((lods, warnings))
    }

    /// Quantizes, judges and writes one level; returns its entry (`None` when visual QA
    /// dropped it) and its warnings.
    fn write_one(
        &self,
        lod: lod::Lod,
        settings: &Settings,
        out: &Output<'_>,
    ) -> Result<(Option<LodEntry>, Vec<Warning>)> {
        let s = &lod.stats;
        let mut asset = lod.asset;
        let t = self.timings;
        let (_, mut warnings) = t.time("quantize", || {
            pipeline::quantize::run(&mut asset, &settings.delivery)
        });
        let visual = match out.reference {
            Some(r) => Some(t.time("visual_qa", || r.judge(&asset))?),
            None => None,
        };
        if let (Some(max), Some(v)) = (settings.max_visual_error, visual)
            && v.flip_mean > max
        {
            warnings.push(Warning::global(
                "LOD_DROPPED_VISUAL_ERROR",
                format!(
                    "LOD {} ({} triangles): mean FLIP error {:.4} exceeds --max-visual-error {max}",
                    s.level, s.triangles, v.flip_mean
                ),
            ));
            return Ok((None, warnings));
        }
        pipeline::textures::apply(&mut asset, out.textures);
        let d = &settings.delivery;
        let bytes = t.time("write", || {
            format::write_glb(&asset, d.compress, d.fallback)
        });
        let file = format!("lod{}.glb", s.level);
        let size = out.sink.put(&file, &bytes)?;
        let entry = LodEntry {
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
        };
        Ok((Some(entry), warnings))
    }
}

//! The processing stages, in the order they run.
//!
//! Preparation, once per job ([`prepare`]):
//!
//! 1. [`repair`]: renormalize skin weights that do not sum to one.
//! 2. [`weld`]: merge identical vertices, drop unused vertices and degenerate triangles.
//! 3. [`dedup`]: merge identical images, samplers, textures, materials and meshes.
//! 4. [`fold`]: solid-colour textures into factors, opaque BLEND/MASK materials to OPAQUE.
//! 5. [`prune`]: drop unread vertex streams and unreferenced nodes and objects.
//! 6. [`flatten`]: primitives of one material merged; static meshes into world space, merged
//!    by material (then pruned again).
//! 7. [`animation`]: resample dense animation tracks, drop constant ones.
//!
//! Then the LOD chain: [`lod::build`] schedules [`simplify`] (attribute-aware meshopt
//! simplification, each level from the previous), and each simplified level is finished by
//! one function (`job::levels`), in order:
//!
//! 8. [`points`]: point clouds thinned to the level's ratio.
//! 9. [`optimize`]: vertex cache, overdraw and vertex fetch order (also compacts vertices).
//! 10. [`quantize`]: `KHR_mesh_quantization` storage (the writer then compresses, if asked).
//! 11. visual QA against the source's renders, then [`textures::apply`]: the encoded images
//!     replace the originals (QA samples the originals), then the encoders and the store.
//!
//! Once per job, between preparation and the chain: a [`textures::Planner`] fits every image
//! to the size budget and encodes it as asked ([`textures::encode`] without a byte budget).
//!
//! Welding comes first because simplification and optimization work on shared vertices;
//! pruning comes before simplification so unused streams do not weigh in the error;
//! optimization comes after simplification because simplification discards any order;
//! quantization comes last so no stage works on rounded data. This mirrors gltfpack's
//! `processMesh` (filter, reindex, filter triangles, simplify, optimize).
//!
//! Stages never do I/O; they edit an [`Asset`] and report what they did ([`StageReport`]:
//! counts by kind and warnings, which the job lists in the manifest).

pub mod animation;
pub mod chunks;
pub mod dedup;
pub mod flatten;
pub mod fold;
pub mod lod;
pub mod optimize;
pub mod points;
pub mod prune;
pub mod quantize;
pub mod repair;
pub mod simplify;
pub mod textures;
pub mod weld;

use crate::asset::Asset;
use crate::report::{StageReport, Timings};
use crate::settings::Settings;

/// A stage: edits the asset as the settings say and reports what it did. Every preparation
/// stage is one; the per-level stages ([`optimize`], [`quantize`]) are too, and
/// [`points::run`] takes the level's ratio besides.
pub type Stage = fn(&mut Asset, &Settings) -> StageReport;

/// Runs `stage` on `asset`, timed under the stage's name.
pub fn run_stage(
    stage: Stage,
    asset: &mut Asset,
    settings: &Settings,
    timings: &Timings,
) -> StageReport {
    let start = std::time::Instant::now();
    let report = stage(asset, settings);
    timings.add(&report.stage, start.elapsed());
    report
}

/// Runs stages 1-7 on `asset`; returns their reports in the order they ran.
pub fn prepare(asset: &mut Asset, settings: &Settings, timings: &Timings) -> Vec<StageReport> {
    let mut run = |stage: Stage| run_stage(stage, asset, settings, timings);
    let cleaning: [Stage; 6] = [
        repair::run,
        weld::run,
        dedup::run,
        fold::run,
        prune::run,
        flatten::run,
    ];
    let mut reports: Vec<StageReport> = cleaning.into_iter().map(&mut run).collect();
    // Flattening leaves emptied nodes and merged-away objects behind.
    if reports.last().is_some_and(|f| !f.merged.is_empty()) {
        reports.push(run(prune::run));
    }
    reports.push(run(animation::run));
    reports
}

#[cfg(test)]
mod test_meshes;

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
//! Then the LOD chain ([`lod::build`]), per level:
//!
//! 8. [`simplify`]: attribute-aware meshopt simplification from the previous level; point
//!    clouds thinned to the level's ratio ([`points`]).
//! 9. [`optimize`]: vertex cache, overdraw and vertex fetch order (also compacts vertices).
//!
//! Once per job, between the two: [`textures::encode`] fits every image to the size budget
//! and encodes it as asked.
//!
//! And last, on each finished level, as it is written:
//!
//! 10. [`quantize`]: `KHR_mesh_quantization` storage (the writer then compresses, if asked).
//! 11. [`textures::apply`]: the encoded images replace the originals (after visual QA, which
//!     samples the originals).
//!
//! Welding comes first because simplification and optimization work on shared vertices;
//! pruning comes before simplification so unused streams do not weigh in the error;
//! optimization comes after simplification because simplification discards any order;
//! quantization comes last so no stage works on rounded data. This mirrors gltfpack's
//! `processMesh` (filter, reindex, filter triangles, simplify, optimize).
//!
//! Stages never do I/O; they edit an [`Asset`] and report what they did.

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
use crate::report::{Timings, Warning};
use crate::settings::Settings;

/// Runs stages 1-7 on `asset`; returns warnings about what they changed.
pub fn prepare(asset: &mut Asset, settings: &Settings, timings: &Timings) -> Vec<Warning> {
    let mut warnings = timings.time("repair", || repair::run(asset));
    let welded = timings.time("weld", || weld::run(asset));
    if welded.triangles_removed > 0 {
        warnings.push(Warning::global(
            "DEGENERATE_TRIANGLES_REMOVED",
            format!("{} degenerate triangles removed", welded.triangles_removed),
        ));
    }
    timings.time("dedup", || dedup::run(asset, settings.keep_named));
    let folded = timings.time("fold", || fold::run(asset));
    if folded != fold::Folded::default() {
        warnings.push(Warning::global(
            "MATERIALS_SIMPLIFIED",
            format!(
                "{} solid-colour or flat textures folded into factors, {} materials made opaque (their alpha is 1 everywhere)",
                folded.textures, folded.opaque
            ),
        ));
    }
    timings.time("prune", || prune::run(asset, settings.keep_named));
    if timings.time("flatten", || flatten::run(asset, settings.keep_named)) > 0 {
        timings.time("prune", || prune::run(asset, settings.keep_named));
    }
    timings.time("animation", || {
        animation::run(asset, settings.delivery.animation_fps);
    });
    warnings
}

#[cfg(test)]
mod test_meshes;

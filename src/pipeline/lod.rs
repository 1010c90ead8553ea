//! The LOD chain: each level simplified from the previous one, error accumulated per level.
//!
//! This module is the scheduling: every triangle primitive runs its own chain on a rayon task;
//! as soon as the last primitive finishes level k, level k is assembled and handed to the
//! caller (who finishes and writes it, see `job::levels`) while the chains go on with level
//! k+1. On a single-mesh model this overlaps writing one level with simplifying the next.
//!
//! Errors: meshopt reports each step's deviation in the primitive's units; a level's error is the
//! sum of its steps (an upper bound by the triangle inequality), scaled to world units by the
//! largest scale any instance of the mesh is drawn with. The model's error is the largest over
//! its primitives; `error_relative` divides it by the diagonal of the model's bounding box, and
//! `screen_size_px` = 1 / `error_relative` is the on-screen size (of that diagonal, in pixels) up
//! to which the level differs from the original by less than one pixel.

use super::simplify::Simplifier;
use crate::asset::{Asset, Mat4Ext};
use crate::error::{Error, Result};
use crate::report::{Timings, Warning};
use crate::settings::{LodTarget, Settings};
use glam::{Mat4, Vec3};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Measurements of one LOD level.
#[derive(Debug, Clone, PartialEq)]
pub struct LodStats {
    /// Position in the chain, 0 first.
    pub level: usize,
    /// What was asked for.
    pub target: LodTarget,
    /// Triangles over all primitives.
    pub triangles: u64,
    /// Accumulated deviation from the original, world units.
    pub error_absolute: f32,
    /// `error_absolute` over the model's bounding-box diagonal.
    pub error_relative: f32,
}

/// Per level, per chain: the level's triangles (primitive vertex numbering) and accumulated
/// error in the primitive's units, set once when the chain reaches that level.
type Slots = Vec<Vec<OnceLock<(Vec<u32>, f32)>>>;

/// One simplified level, handed to the caller to finish (thin points, optimize, quantize,
/// encode: see `job::levels`).
pub struct Lod {
    /// The level's measurements.
    pub stats: LodStats,
    /// The level's share of the input's triangles (and points), 0..=1, budget cap applied.
    pub ratio: f64,
    /// The level's asset: the base with each simplified primitive's triangles of this level.
    pub asset: Asset,
}

/// One primitive's chain: where it lives, how to simplify it, how its units relate to the world.
struct Chain {
    mesh: usize,
    primitive: usize,
    simplifier: Simplifier,
    triangles: usize,
    /// World units per primitive unit (largest over the mesh's instances).
    scale: f32,
}

/// Builds the LOD chain of `base` and calls `on_level` for each simplified level, possibly
/// concurrently and in any order. Returns warnings about targets that could not be reached.
pub fn build(
    base: &Asset,
    settings: &Settings,
    diagonal: f32,
    timings: &Timings,
    on_level: &(dyn Fn(Lod) -> Result<()> + Sync),
) -> Result<Vec<Warning>> {
    let input_triangles = base.counts().triangles;
    // A triangle budget is the full-detail count (the budget search lowers it when bytes are
    // short): ratio targets are fractions of it, so a capped chain still halves level by level;
    // triangle-count targets are capped by it.
    let cap = settings.budget.max_triangles.map_or(1.0, |max| {
        (max as f64 / input_triangles.max(1) as f64).min(1.0)
    });
    let ratios: Vec<f64> = settings
        .lods
        .iter()
        .map(|t| match *t {
            LodTarget::Ratio(r) => f64::from(r) * cap,
            LodTarget::Triangles(_) => t.ratio(input_triangles).min(cap),
        })
        .collect();
    if ratios.windows(2).any(|w| w[1] > w[0]) {
        return Err(Error::Settings(format!(
            "LOD targets must not increase along the chain (each level is simplified from the previous one): {}",
            settings
                .lods
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        )));
    }
    let chains = timings.time("simplify_prepare", || prepare_chains(base, settings));
    let mut warnings: Vec<Warning> = chains
        .iter()
        .filter(|c| c.simplifier.locked_for_morphs)
        .map(|c| {
            Warning::at(
                "SIMPLIFY_MORPH_VERTICES_LOCKED",
                format!("/meshes/{}/primitives/{}", c.mesh, c.primitive),
                "too many morph targets to weigh in the error; vertices they move were kept",
            )
        })
        .collect();
    // 1.0 means "no limit": let meshopt go as far as the targets ask.
    let world_budget = if settings.max_error >= 1.0 {
        f32::INFINITY
    } else {
        settings.max_error * diagonal
    };
    let levels = ratios.len();
    let slots: Slots = (0..levels)
        .map(|_| (0..chains.len()).map(|_| OnceLock::new()).collect())
        .collect();
    let remaining: Vec<AtomicUsize> = (0..levels)
        .map(|_| AtomicUsize::new(chains.len()))
        .collect();
    let failures: Mutex<Vec<Error>> = Mutex::new(vec![]);
    let stats: Mutex<Vec<LodStats>> = Mutex::new(vec![]);

    let finish = |k: usize| {
        let asset = timings.time("assemble", || assemble(base, &chains, &slots[k]));
        let counts = asset.counts();
        let error_absolute = chains
            .iter()
            .zip(&slots[k])
            .map(|(c, s)| s.get().map_or(0.0, |(_, e)| e * c.scale))
            .fold(0.0f32, f32::max);
        let lod_stats = LodStats {
            level: k,
            target: settings.lods[k],
            triangles: counts.triangles,
            error_absolute,
            error_relative: if diagonal > 0.0 {
                error_absolute / diagonal
            } else {
                0.0
            },
        };
        stats.lock().expect("stats lock").push(lod_stats.clone());
        if let Err(e) = on_level(Lod {
            stats: lod_stats,
            ratio: ratios[k],
            asset,
        }) {
            failures.lock().expect("failures lock").push(e);
        }
    };

    rayon::scope(|s| {
        if chains.is_empty() {
            for k in 0..levels {
                let finish = &finish;
                s.spawn(move |_| finish(k));
            }
        }
        for (j, chain) in chains.iter().enumerate() {
            let (slots, remaining, finish, ratios) = (&slots, &remaining, &finish, &ratios);
            s.spawn(move |s| {
                let budget = world_budget / chain.scale;
                let mut current = chain.simplifier.base().to_vec();
                let mut accumulated = 0.0f32;
                for k in 0..levels {
                    let target = (ratios[k] * chain.triangles as f64).round() as usize;
                    let left = budget - accumulated;
                    if target * 3 < current.len() && left > 0.0 {
                        let r = timings
                            .time("simplify", || chain.simplifier.run(&current, target, left));
                        // Never simplify a primitive away entirely: keep its last non-empty level.
                        if !r.indices.is_empty() {
                            current = r.indices;
                            accumulated += r.error;
                        }
                    }
                    let original = chain.simplifier.to_original(&current);
                    let _ = slots[k][j].set((original, accumulated));
                    if remaining[k].fetch_sub(1, Ordering::AcqRel) == 1 {
                        s.spawn(move |_| finish(k));
                    }
                }
            });
        }
    });

    if let Some(e) = failures
        .into_inner()
        .expect("failures lock")
        .into_iter()
        .next()
    {
        return Err(e);
    }
    let mut stats = stats.into_inner().expect("stats lock");
    stats.sort_by_key(|s| s.level);
    warnings.extend(shortfalls(
        &stats,
        &ratios,
        input_triangles,
        settings.max_error,
    ));
    Ok(warnings)
}

/// Warns about levels that kept more than 5 % over their triangle target, saying why.
fn shortfalls(
    stats: &[LodStats],
    ratios: &[f64],
    input_triangles: u64,
    max_error: f32,
) -> Vec<Warning> {
    stats
        .iter()
        .filter_map(|s| {
            let target = ratios[s.level] * input_triangles as f64;
            (s.triangles as f64 > target * 1.05 + 1.0).then(|| {
                let why = if max_error < 1.0 && s.error_relative >= 0.9 * max_error {
                    format!(
                        "the error limit stopped it (--error {max_error}; raise it to go further)"
                    )
                } else {
                    "the mesh topology stopped it (seams, borders, morph targets or tiny parts)"
                        .to_string()
                };
                Warning::global(
                    "SIMPLIFY_TARGET_NOT_REACHED",
                    format!(
                        "LOD {}: {} triangles for a target of {:.0}: {why}",
                        s.level, s.triangles, target
                    ),
                )
            })
        })
        .collect()
}

/// A copy of `base` whose simplified primitives use the level's triangles.
fn assemble(base: &Asset, chains: &[Chain], slots: &[OnceLock<(Vec<u32>, f32)>]) -> Asset {
    let mut asset = base.clone();
    for (chain, slot) in chains.iter().zip(slots) {
        if let Some((indices, _)) = slot.get() {
            asset.meshes[chain.mesh].primitives[chain.primitive].indices = Some(indices.clone());
        }
    }
    asset
}

fn prepare_chains(base: &Asset, settings: &Settings) -> Vec<Chain> {
    let scales = mesh_scales(base);
    let world = base.world_matrices_all();
    let mut jobs = vec![];
    for (m, mesh) in base.meshes.iter().enumerate() {
        let joints = skin_joint_positions(base, m, &world);
        for (p, prim) in mesh.primitives.iter().enumerate() {
            jobs.push((m, p, prim, joints.clone()));
        }
    }
    use rayon::prelude::*;
    jobs.into_par_iter()
        .filter_map(|(m, p, prim, joints)| {
            let simplifier = Simplifier::new(prim, joints.as_deref(), settings)?;
            Some(Chain {
                mesh: m,
                primitive: p,
                simplifier,
                triangles: prim.triangle_count(),
                scale: scales[m],
            })
        })
        .collect()
}

/// Largest world scale each mesh is drawn with (1 for meshes no node draws).
fn mesh_scales(asset: &Asset) -> Vec<f32> {
    let world = asset.world_matrices_all();
    let mut scales = vec![0.0f32; asset.meshes.len()];
    for (n, node) in asset.nodes.iter().enumerate() {
        let Some(m) = node.mesh else { continue };
        let s = match node.skin.and_then(|s| asset.skins.get(s)) {
            Some(skin) => asset
                .joint_matrices(skin, &world)
                .iter()
                .map(Mat4::max_scale)
                .fold(0.0, f32::max),
            None => node
                .instance_matrices()
                .iter()
                .map(|i| (world[n] * *i).max_scale())
                .fold(0.0, f32::max),
        };
        scales[m] = scales[m].max(s);
    }
    scales
        .into_iter()
        .map(|s| if s > 0.0 && s.is_finite() { s } else { 1.0 })
        .collect()
}

/// Bind-pose joint positions in the mesh's space, when a node draws mesh `m` with a skin.
fn skin_joint_positions(asset: &Asset, m: usize, world: &[Mat4]) -> Option<Vec<Vec3>> {
    let skin = asset
        .nodes
        .iter()
        .find(|n| n.mesh == Some(m) && n.skin.is_some())
        .and_then(|n| asset.skins.get(n.skin?))?;
    Some(
        skin.joints
            .iter()
            .enumerate()
            .map(|(j, &node)| {
                match skin.inverse_bind_matrices.as_ref().and_then(|m| m.get(j)) {
                    // The inverse of the inverse bind matrix places the joint in mesh space.
                    Some(ibm) => Mat4::from_cols_array(ibm).inverse().w_axis.truncate(),
                    None => world[node].w_axis.truncate(),
                }
            })
            .collect(),
    )
}

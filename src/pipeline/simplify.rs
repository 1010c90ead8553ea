//! Simplification of one triangle primitive through meshopt, attribute- and skin-aware.
//!
//! The error metric is meshopt's quadric error on positions plus weighted attribute terms:
//! normals, vertex colours (premultiplied), the first UV set, a skinning term (the weighted
//! centroid of each vertex's joints, so collapses do not cross joint boundaries) and morph target
//! position deltas (so a vertex that moves in a blend shape is not collapsed into one that does
//! not). Primitives with more morph targets than fit meshopt's 32 attribute slots lock every
//! vertex that any target moves instead, which keeps the targets exact.
//!
//! UV seams and hard normals are vertices that share a position with different attributes;
//! meshopt recognises them and only collapses along them. Mirrored UV charts meet at vertices
//! whose triangles have opposite UV winding; those vertices are split before simplifying (the
//! copies look like a seam to meshopt) and mapped back after, as gltfpack does. Open borders
//! only collapse along the border. Disconnected pieces that become smaller than the error are
//! pruned, unless borders are locked.
//!
//! Errors are absolute, in the primitive's own units (`SimplifyOptions::ErrorAbsolute`).

use super::chunks;
use crate::asset::{Mode, Primitive, Semantic};
use crate::settings::{AttributeWeights, Settings};
use glam::Vec3;
use meshopt::{SimplifyOptions, SimplifyVertex, VertexDataAdapter};
use rayon::prelude::*;

/// meshopt accepts at most this many attribute floats per vertex.
const MAX_ATTRIBUTES: usize = 32;

/// Simplification steps on more triangles than twice this are split into spatial chunks
/// simplified in parallel (see [`chunks`]).
const TRIANGLES_PER_CHUNK: usize = 256_000;

/// A primitive prepared for repeated simplification (one LOD chain).
pub struct Simplifier {
    /// Positions in "split space": the primitive's vertices, then mirror-seam copies.
    positions: Vec<[f32; 3]>,
    /// `weights.len()` floats per split-space vertex.
    attributes: Vec<f32>,
    /// Weight of each attribute float.
    weights: Vec<f32>,
    /// Per split-space vertex; empty when nothing is locked.
    locks: Vec<SimplifyVertex>,
    /// Split-space vertex -> primitive vertex.
    to_original: Vec<u32>,
    /// The primitive's triangles in split space.
    base: Vec<u32>,
    options: SimplifyOptions,
    /// True when morph targets forced vertex locks (reported as a warning).
    pub locked_for_morphs: bool,
}

/// One simplification result.
pub struct Simplified {
    /// Triangles in split space.
    pub indices: Vec<u32>,
    /// Deviation from the input of this step, in the primitive's units.
    pub error: f32,
}

impl Simplifier {
    /// Prepares `prim`; `None` when it is not a triangle list with positions (points and lines
    /// pass through untouched).
    ///
    /// `joint_positions` are the bind-pose positions of the skin's joints in the mesh's space,
    /// when the primitive is skinned.
    pub fn new(
        prim: &Primitive,
        joint_positions: Option<&[Vec3]>,
        settings: &Settings,
    ) -> Option<Simplifier> {
        let positions = prim.positions();
        let indices = prim.indices.as_ref()?;
        if prim.mode != Mode::Triangles || positions.is_empty() || indices.is_empty() {
            return None;
        }
        let extent = meshopt::simplify_scale_decoder(positions).max(f32::MIN_POSITIVE);
        let w = &settings.weights;
        let mut layout = AttributeLayout::default();
        layout.add_normal(prim, w);
        layout.add_color(prim, w);
        layout.add_uv(prim, w);
        if let Some(joints) = joint_positions {
            layout.add_skin(prim, joints, extent, w);
        }
        let locked_for_morphs = !layout.add_morphs(prim, extent, w);
        let mut locks = vec![];
        if locked_for_morphs {
            locks = morph_locks(prim, extent);
        }
        let mut options = SimplifyOptions::ErrorAbsolute;
        options |= if settings.lock_borders {
            SimplifyOptions::LockBorder
        } else {
            SimplifyOptions::Prune
        };
        let mut s = Simplifier {
            positions: positions.to_vec(),
            attributes: layout.values(prim.vertex_count()),
            weights: layout.weights,
            locks,
            to_original: (0..positions.len() as u32).collect(),
            base: indices.clone(),
            options,
            locked_for_morphs,
        };
        if let Some(uv) = prim.attribute(&Semantic::TexCoord(0)) {
            s.split_mirrored_uvs(&uv.values);
        }
        Some(s)
    }

    /// The primitive's triangles in split space: the start of a chain.
    pub fn base(&self) -> &[u32] {
        &self.base
    }

    /// Simplifies `from` (split space) towards `target_triangles`, never exceeding `max_error`
    /// (absolute, the primitive's units; `f32::INFINITY` for no limit).
    pub fn run(&self, from: &[u32], target_triangles: usize, max_error: f32) -> Simplified {
        let target = target_triangles * 3;
        if target >= from.len() {
            return Simplified {
                indices: from.to_vec(),
                error: 0.0,
            };
        }
        let mut options = self.options;
        // Later levels index a shrinking subset of the vertices.
        if from.len() * 2 < self.base.len() {
            options |= SimplifyOptions::Sparse;
        }
        let k = chunks::count(from.len() / 3, TRIANGLES_PER_CHUNK);
        if k == 1 {
            let locks = (!self.locks.is_empty()).then_some(&self.locks[..]);
            return self.run_one(from, target, max_error, options, locks);
        }
        // A very large mesh: simplify spatial slabs in parallel, their shared border vertices
        // locked so the slabs still meet exactly. The dense seam this leaves is removed by the
        // next, unsplit, level of the chain. No pruning inside a slab: a piece that looks
        // disconnected there may be attached through the neighbouring slab.
        let options = options - SimplifyOptions::Prune;
        let slabs = chunks::spatial(from, &self.positions, k);
        let shared = chunks::shared_vertices(&slabs, &self.positions);
        let locks: Vec<SimplifyVertex> = (0..self.positions.len())
            .map(|v| {
                let own = self.locks.get(v).copied().unwrap_or(SimplifyVertex::None);
                if shared[v] {
                    own | SimplifyVertex::Lock
                } else {
                    own
                }
            })
            .collect();
        let parts: Vec<Simplified> = slabs
            .par_iter()
            .map(|slab| {
                let share = (target as f64 * slab.len() as f64 / from.len() as f64) as usize;
                let share = share / 3 * 3;
                self.run_one(
                    slab,
                    share,
                    max_error,
                    options | SimplifyOptions::Sparse,
                    Some(&locks),
                )
            })
            .collect();
        Simplified {
            error: parts.iter().map(|p| p.error).fold(0.0, f32::max),
            indices: parts.into_iter().flat_map(|p| p.indices).collect(),
        }
    }

    /// One meshopt call on `from` towards `target` indices.
    fn run_one(
        &self,
        from: &[u32],
        target: usize,
        max_error: f32,
        options: SimplifyOptions,
        locks: Option<&[SimplifyVertex]>,
    ) -> Simplified {
        let adapter = VertexDataAdapter::new(meshopt::typed_to_bytes(&self.positions), 12, 0)
            .expect("positions are 12-byte elements");
        let mut error = 0.0f32;
        let indices = match locks {
            None if self.weights.is_empty() => {
                meshopt::simplify(from, &adapter, target, max_error, options, Some(&mut error))
            }
            _ => {
                let none;
                let locks = match locks {
                    Some(l) => l,
                    None => {
                        none = vec![SimplifyVertex::None; self.positions.len()];
                        &none
                    }
                };
                meshopt::simplify_with_attributes_and_locks(
                    from,
                    &adapter,
                    &self.attributes,
                    &self.weights,
                    self.weights.len() * 4,
                    locks,
                    target,
                    max_error,
                    options,
                    Some(&mut error),
                )
            }
        };
        Simplified { indices, error }
    }

    /// Maps split-space indices back to the primitive's vertices.
    pub fn to_original(&self, indices: &[u32]) -> Vec<u32> {
        indices
            .iter()
            .map(|&i| self.to_original[i as usize])
            .collect()
    }

    /// Splits vertices where triangles of opposite UV winding meet (mirrored UV charts), so
    /// the simplifier treats the mirror line as a seam.
    fn split_mirrored_uvs(&mut self, uv: &[f32]) {
        let n = self.positions.len();
        let sign = |t: &[u32]| {
            let p = |i: u32| (uv[2 * i as usize], uv[2 * i as usize + 1]);
            let (a, b, c) = (p(t[0]), p(t[1]), p(t[2]));
            let area = (b.0 - a.0) * (c.1 - a.1) - (c.0 - a.0) * (b.1 - a.1);
            if area > 0.0 {
                1u8
            } else if area < 0.0 {
                2
            } else {
                0
            }
        };
        let mut seen = vec![0u8; n];
        for t in self.base.chunks_exact(3) {
            let s = sign(t);
            t.iter().for_each(|&v| seen[v as usize] |= s);
        }
        let stride = self.weights.len();
        let mut copy = vec![u32::MAX; n];
        for v in 0..n {
            if seen[v] == 3 {
                copy[v] = self.positions.len() as u32;
                self.positions.push(self.positions[v]);
                self.to_original.push(v as u32);
                self.attributes
                    .extend_from_within(v * stride..(v + 1) * stride);
                if !self.locks.is_empty() {
                    self.locks.push(self.locks[v]);
                }
            }
        }
        for t in self.base.chunks_exact_mut(3) {
            if sign(t) == 2 {
                for v in t.iter_mut() {
                    if copy[*v as usize] != u32::MAX {
                        *v = copy[*v as usize];
                    }
                }
            }
        }
    }
}

/// Appends one source's floats for vertex `v` to the output.
type AttributeSource = Box<dyn Fn(usize, &mut Vec<f32>)>;

/// Which attribute floats go into the metric, with their weights.
#[derive(Default)]
struct AttributeLayout {
    weights: Vec<f32>,
    /// Per source: a function of the vertex index that yields its floats.
    sources: Vec<AttributeSource>,
}

impl AttributeLayout {
    fn push(&mut self, weight: f32, n: usize, f: AttributeSource) {
        if weight > 0.0 {
            self.weights.extend(std::iter::repeat_n(weight, n));
            self.sources.push(f);
        }
    }

    fn add_normal(&mut self, prim: &Primitive, w: &AttributeWeights) {
        if let Some(n) = prim.attribute(&Semantic::Normal) {
            let n = n.clone();
            self.push(
                w.normal,
                3,
                Box::new(move |v, out| out.extend_from_slice(n.get(v))),
            );
        }
    }

    fn add_color(&mut self, prim: &Primitive, w: &AttributeWeights) {
        if let Some(c) = prim.attribute(&Semantic::Color(0)) {
            let c = c.clone();
            self.push(
                w.color,
                3,
                Box::new(move |v, out| {
                    let e = c.get(v);
                    let a = e.get(3).copied().unwrap_or(1.0);
                    out.extend_from_slice(&[e[0] * a, e[1] * a, e[2] * a]);
                }),
            );
        }
    }

    fn add_uv(&mut self, prim: &Primitive, w: &AttributeWeights) {
        if let Some(uv) = prim.attribute(&Semantic::TexCoord(0)) {
            let uv = uv.clone();
            self.push(
                w.uv,
                2,
                Box::new(move |v, out| out.extend_from_slice(uv.get(v))),
            );
        }
    }

    /// The weighted centroid of each vertex's joints, relative to the mesh extent.
    fn add_skin(&mut self, prim: &Primitive, joints: &[Vec3], extent: f32, w: &AttributeWeights) {
        let sets: Vec<_> = (0..)
            .map_while(|n| {
                Some((
                    prim.attribute(&Semantic::Joints(n))?.clone(),
                    prim.attribute(&Semantic::Weights(n))?.clone(),
                ))
            })
            .collect();
        if sets.is_empty() {
            return;
        }
        let joints = joints.to_vec();
        self.push(
            w.skin,
            3,
            Box::new(move |v, out| {
                let mut c = Vec3::ZERO;
                let mut total = 0.0;
                for (j, wt) in &sets {
                    for (&j, &wt) in j.get(v).iter().zip(wt.get(v)) {
                        if let Some(p) = joints.get(j as usize) {
                            c += *p * wt;
                            total += wt;
                        }
                    }
                }
                let c = if total > 0.0 { c / total } else { c } / extent;
                out.extend_from_slice(&c.to_array());
            }),
        );
    }

    /// Adds morph position deltas; false when they do not fit (the caller locks instead).
    fn add_morphs(&mut self, prim: &Primitive, extent: f32, w: &AttributeWeights) -> bool {
        let deltas: Vec<_> = prim
            .targets
            .iter()
            .filter_map(|t| t.iter().find(|a| a.semantic == Semantic::Position))
            .map(|a| a.data.clone())
            .collect();
        if deltas.is_empty() {
            return true;
        }
        if self.weights.len() + deltas.len() * 3 > MAX_ATTRIBUTES {
            return false;
        }
        for d in deltas {
            self.push(
                w.morph,
                3,
                Box::new(move |v, out| out.extend(d.get(v).iter().map(|x| x / extent))),
            );
        }
        true
    }

    fn values(&self, vertex_count: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(vertex_count * self.weights.len());
        for v in 0..vertex_count {
            for s in &self.sources {
                s(v, &mut out);
            }
        }
        out
    }
}

/// Locks every vertex that some morph target moves by more than a millionth of the extent.
fn morph_locks(prim: &Primitive, extent: f32) -> Vec<SimplifyVertex> {
    let eps = extent * 1e-6;
    let mut locks = vec![SimplifyVertex::None; prim.vertex_count()];
    for a in prim.targets.iter().flatten() {
        if a.semantic != Semantic::Position {
            continue;
        }
        for (v, d) in a.data.values.chunks_exact(3).enumerate() {
            if d.iter().any(|x| x.abs() > eps) {
                locks[v] = SimplifyVertex::Lock;
            }
        }
    }
    locks
}

#[cfg(test)]
mod tests;

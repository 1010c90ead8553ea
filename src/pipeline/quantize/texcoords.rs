//! Texture coordinates as unsigned normalized shorts.
//!
//! A UV stream is stored relative to its range, `uv = min + (max - min) ⊙ q / (2^bits - 1)`
//! with `q` the integer in the low bits of each short, and every textureInfo that reads it gets
//! that map prepended to its `KHR_texture_transform` (gltfpack's approach: small integers are
//! what the meshopt vertex codec compresses best, a third smaller than the same bits stored in
//! the high end). The range belongs to a (material, UV set) pair, the union over the primitives
//! drawn with that material, since a material has one transform per texture.
//!
//! Without a transform to carry the range (a primitive with no material, or materials that
//! would need different ranges for one stream) a stream inside [0, 1] is stored directly, its
//! bits in the high end of the short so the stored value is the UV; outside [0, 1] it stays
//! float. A primitive whose materials (its own and its `KHR_materials_variants` ones) would need
//! different ranges thus demotes those materials to direct storage for that set.

use super::{is_float, unorm};
use crate::asset::{Asset, Component, Semantic};
use crate::report::Warning;
use std::collections::BTreeMap;

const STORAGE_BITS: u32 = 16;

/// Per component (u, v): lowest and highest value.
type Range = [[f32; 2]; 2];

/// What one (material, UV set) pair does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum MaterialMap {
    /// No transform: only UVs in [0, 1] can be quantized.
    Direct,
    /// Transform from this range.
    Ranged(Range),
}

/// What one primitive's UV stream becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stream {
    Float,
    Direct,
    Ranged(Range),
}

/// One float UV stream: where it is and what it spans.
struct UvStream {
    mesh: usize,
    primitive: usize,
    set: u32,
    range: Range,
    materials: Vec<usize>,
}

/// Quantizes every float `TEXCOORD_n` with `bits` significant bits; returns warnings for
/// streams kept float.
pub(super) fn run(asset: &mut Asset, bits: u32) -> Vec<Warning> {
    let streams = collect(asset);
    let mut maps: BTreeMap<(usize, u32), MaterialMap> = BTreeMap::new();
    for s in &streams {
        for &m in &s.materials {
            let e = maps
                .entry((m, s.set))
                .or_insert(MaterialMap::Ranged(s.range));
            if let MaterialMap::Ranged(r) = e {
                *r = union(*r, s.range);
            }
        }
    }
    let decisions = settle(&streams, &mut maps);
    let mut warnings = vec![];
    for (s, decision) in streams.iter().zip(&decisions) {
        let p = &mut asset.meshes[s.mesh].primitives[s.primitive];
        let Some(a) = p
            .attributes
            .iter_mut()
            .find(|a| a.semantic == Semantic::TexCoord(s.set))
        else {
            continue;
        };
        let (range, low_bits) = match decision {
            Stream::Float => {
                warnings.push(Warning::global(
                    "TEXCOORDS_KEPT_FLOAT",
                    format!(
                        "mesh {} primitive {} TEXCOORD_{}: UVs outside [0, 1] that no single material transform maps; kept float",
                        s.mesh, s.primitive, s.set
                    ),
                ));
                continue;
            }
            Stream::Direct => ([[0.0, 1.0]; 2], false),
            Stream::Ranged(r) => (*r, true),
        };
        for uv in a.data.values.chunks_exact_mut(2) {
            for k in 0..2 {
                let [lo, hi] = range[k];
                let t = if hi > lo {
                    (uv[k] - lo) / (hi - lo)
                } else {
                    0.0
                };
                uv[k] = if low_bits {
                    integer(t, bits)
                } else {
                    unorm(t, bits, STORAGE_BITS)
                };
            }
        }
        a.data.format.component = Component::U16;
        a.data.format.normalized = true;
    }
    for (&(m, set), map) in &maps {
        if let MaterialMap::Ranged(r) = map {
            let (offset, scale) = affine(*r, bits);
            asset.materials[m].for_each_info_mut(|t| {
                if t.uv_set() == set {
                    t.prepend_uv_affine(offset, scale);
                }
            });
        }
    }
    warnings
}

fn collect(asset: &Asset) -> Vec<UvStream> {
    let mut out = vec![];
    for (mesh, primitive, p) in asset.primitives() {
        for a in &p.attributes {
            let Semantic::TexCoord(set) = a.semantic else {
                continue;
            };
            if !is_float(&a.data) || a.data.format.dims != 2 || a.data.count() == 0 {
                continue;
            }
            let mut range = [[f32::INFINITY, f32::NEG_INFINITY]; 2];
            for uv in a.data.values.chunks_exact(2) {
                for k in 0..2 {
                    range[k] = [range[k][0].min(uv[k]), range[k][1].max(uv[k])];
                }
            }
            if range.iter().flatten().all(|v| v.is_finite()) {
                out.push(UvStream {
                    mesh,
                    primitive,
                    set,
                    range,
                    materials: p.materials().collect(),
                });
            }
        }
    }
    out
}

/// Decides every stream, demoting material maps to `Direct` where a stream cannot follow
/// them, until nothing changes (each round demotes at least one map, so this ends).
fn settle(streams: &[UvStream], maps: &mut BTreeMap<(usize, u32), MaterialMap>) -> Vec<Stream> {
    loop {
        let mut changed = false;
        let mut decisions = Vec::with_capacity(streams.len());
        for s in streams {
            let ms: Vec<MaterialMap> = s.materials.iter().map(|&m| maps[&(m, s.set)]).collect();
            let decision = match ms.first() {
                Some(MaterialMap::Ranged(r))
                    if ms.iter().all(|m| *m == MaterialMap::Ranged(*r)) =>
                {
                    Stream::Ranged(*r)
                }
                _ if inside_unit(s.range)
                    && !ms.iter().any(|m| matches!(m, MaterialMap::Ranged(_))) =>
                {
                    Stream::Direct
                }
                _ => Stream::Float,
            };
            if decision == Stream::Float {
                for &m in &s.materials {
                    let map = maps.get_mut(&(m, s.set)).expect("collected");
                    changed |= *map != MaterialMap::Direct;
                    *map = MaterialMap::Direct;
                }
            }
            decisions.push(decision);
        }
        if !changed {
            return decisions;
        }
    }
}

fn union(a: Range, b: Range) -> Range {
    [0, 1].map(|k| [a[k][0].min(b[k][0]), a[k][1].max(b[k][1])])
}

fn inside_unit(r: Range) -> bool {
    r.iter().all(|[lo, hi]| *lo >= 0.0 && *hi <= 1.0)
}

/// `t` in [0, 1] as a `bits`-bit integer in the low bits of an unsigned short, as the normalized
/// float a reader will see.
fn integer(t: f32, bits: u32) -> f32 {
    let levels = ((1u32 << bits) - 1) as f32;
    (t.clamp(0.0, 1.0) * levels).round() / 65535.0
}

/// The `(offset, scale)` that maps stored normalized values back onto `range`: stored values
/// top out at `(2^bits - 1) / 65535`, not 1.
fn affine(range: Range, bits: u32) -> ([f32; 2], [f32; 2]) {
    let top = integer(1.0, bits);
    let scale = [0, 1].map(|k| {
        let w = range[k][1] - range[k][0];
        if w > 0.0 { w / top } else { 1.0 }
    });
    ([range[0][0], range[1][0]], scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranged_values_come_back_through_the_affine() {
        let range = [[-2.0, 3.0], [0.5, 0.75]];
        let (offset, scale) = affine(range, 12);
        for u in [-2.0f32, 0.1, 3.0] {
            let [lo, hi] = range[0];
            let q = integer((u - lo) / (hi - lo), 12);
            let back = offset[0] + scale[0] * q;
            assert!((back - u).abs() <= 5.0 / 4095.0, "{u} -> {back}");
        }
    }
}

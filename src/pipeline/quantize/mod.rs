//! Quantization for delivery (`KHR_mesh_quantization`), gltfpack's scheme and defaults.
//!
//! * Positions: unsigned 16-bit integers on one grid for the whole model (14 bits by default),
//!   so parts that touch stay touching; the grid's offset and step become a node transform or
//!   are folded into inverse bind matrices (`positions`). Morph position deltas share the grid.
//! * Normals and tangents: signed normalized bytes (8 bits), renormalized first.
//! * Texture coordinates: unsigned normalized shorts holding 12 significant bits; UVs outside
//!   [0, 1] are mapped through a per-material `KHR_texture_transform` (`texcoords`).
//! * Colours: unsigned normalized bytes (8 bits) when every value lies in [0, 1].
//! * Skin weights: unsigned normalized bytes whose sum is exactly 255 per vertex.
//! * Morph normal/tangent deltas: signed normalized bytes (when within [-1, 1]).
//! * Rotation keys: signed normalized shorts; morph weight keys: unsigned normalized bytes.
//!
//! The asset keeps holding floats; after this stage they are the exact values the writer will
//! store, so what is rendered and measured afterwards is what ships. The stage runs on every LOD
//! just before writing, after optimization (gltfpack's order).

mod positions;
mod texcoords;

use crate::asset::{Asset, AttributeData, Component, Format, Mode, Primitive, Semantic};
use crate::report::StageReport;
use crate::settings::Settings;

/// Quantizes `asset` in place as `settings.delivery` says; reports the float streams it
/// stored as integers, the vertices it made identical and merged, and the position grid step
/// (in the meshes' own units), and warns about streams it had to leave as floats.
pub fn run(asset: &mut Asset, settings: &Settings) -> StageReport {
    let delivery = &settings.delivery;
    let mut report = StageReport::new("quantize");
    if !delivery.quantize {
        return report;
    }
    let before = (float_streams(asset), asset.counts().vertices);
    if !delivery.float_positions {
        let (step, w) = positions::run(asset, delivery.position_bits);
        if step > 0.0 {
            report.measured("position_grid_step", f64::from(step));
        }
        report.warnings.extend(w);
    }
    report
        .warnings
        .extend(texcoords::run(asset, delivery.texcoord_bits));
    for mesh in &mut asset.meshes {
        for p in &mut mesh.primitives {
            quantize_vectors(p, delivery.normal_bits);
            quantize_vector_deltas(p, delivery.normal_bits);
            quantize_colors(p, delivery.color_bits);
            quantize_weights(p);
            narrow_joints(p);
            merge_quantized_duplicates(p);
        }
    }
    quantize_keys(asset);
    report.changed(
        "float_streams_quantized",
        before.0.saturating_sub(float_streams(asset)),
    );
    report.merged(
        "vertices",
        before.1.saturating_sub(asset.counts().vertices) as usize,
    );
    report
}

/// Float vertex streams (attributes and morph deltas) over every primitive.
fn float_streams(asset: &Asset) -> usize {
    let prims = asset.meshes.iter().flat_map(|m| &m.primitives);
    prims
        .flat_map(|p| p.streams())
        .filter(|s| is_float(s))
        .count()
}

/// Merges the vertices of an indexed triangle primitive that quantization made identical
/// (normals a few thousandths apart, UVs within one step): fewer vertices to store, as
/// gltfpack does. Triangles stay as they are, so triangle counts do not change.
fn merge_quantized_duplicates(p: &mut Primitive) {
    if p.mode == Mode::Triangles && p.indices.is_some() {
        super::weld::weld(p);
    }
}

/// Animation keys in the integer forms core glTF allows (gltfpack writes them so): rotation
/// keys as signed normalized shorts (unit length first), morph weight keys in [0, 1] as
/// unsigned normalized bytes. Cubic spline tangents are neither unit quaternions nor weights:
/// those tracks stay float.
fn quantize_keys(asset: &mut Asset) {
    for a in &mut asset.animations {
        let paths = a.sampler_paths();
        for (sampler, path) in a.samplers.iter_mut().zip(paths) {
            let out = &mut sampler.output;
            if sampler.interpolation == "CUBICSPLINE" || !is_float(out) {
                continue;
            }
            match path.as_deref() {
                Some("rotation") if out.format.dims == 4 => {
                    for q in out.values.chunks_exact_mut(4) {
                        let len = q.iter().map(|c| c * c).sum::<f32>().sqrt();
                        for c in q.iter_mut() {
                            *c = (*c / len.max(f32::MIN_POSITIVE) * 32767.0).round() / 32767.0;
                        }
                    }
                    out.format = normalized(Component::I16, 4);
                }
                // Exporters leave float noise around 0 and 1 (AnimatedMorphCube has -1.5e-7).
                Some("weights") if out.values.iter().all(|v| (-1e-4..=1.0 + 1e-4).contains(v)) => {
                    for v in &mut out.values {
                        *v = unorm(*v, 8, 8);
                    }
                    out.format = normalized(Component::U8, 1);
                }
                _ => {}
            }
        }
    }
}

/// A float stream that quantization may rewrite.
fn is_float(data: &AttributeData) -> bool {
    data.format.component == Component::F32
}

fn normalized(component: Component, dims: usize) -> Format {
    Format {
        component,
        normalized: true,
        dims,
        matrix: false,
    }
}

/// `bits`-bit unsigned value of `v` in [0, 1], stored in the top bits of a `storage_bits`
/// integer (low bits zero: identical low bits compress to nothing), as the normalized float a
/// reader will see.
fn unorm(v: f32, bits: u32, storage_bits: u32) -> f32 {
    let shift = storage_bits - bits;
    let max = (1u32 << storage_bits) - 1;
    let q = (v.clamp(0.0, 1.0) * max as f32 / (1u32 << shift) as f32).round() as u32;
    let stored = (q << shift).min(max - (max % (1 << shift)));
    stored as f32 / max as f32
}

/// `bits`-bit signed value of `v` in [-1, 1] stored in a signed byte, as the normalized float a
/// reader will see.
fn snorm8(v: f32, bits: u32) -> f32 {
    let levels = ((1u32 << (bits - 1)) - 1).max(1) as f32;
    let q = (v.clamp(-1.0, 1.0) * levels).round() / levels;
    (q * 127.0).round() / 127.0
}

/// Normals and tangents as signed normalized bytes (unit length first).
fn quantize_vectors(p: &mut Primitive, bits: u32) {
    for a in &mut p.attributes {
        if !matches!(a.semantic, Semantic::Normal | Semantic::Tangent) || !is_float(&a.data) {
            continue;
        }
        let dims = a.data.format.dims;
        for v in a.data.values.chunks_exact_mut(dims) {
            let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
            let inv = if len > 0.0 { 1.0 / len } else { 0.0 };
            for (k, c) in v.iter_mut().enumerate() {
                // The tangent's w is a handedness sign, not a component of the direction.
                let x = if k < 3 { *c * inv } else { c.signum() };
                *c = snorm8(x, bits);
            }
        }
        a.data.format = normalized(Component::I8, dims);
    }
}

/// Morph target normal and tangent deltas as signed normalized bytes, when every delta lies in
/// [-1, 1] (KHR_mesh_quantization allows them; deltas of unit vectors rarely leave it).
fn quantize_vector_deltas(p: &mut Primitive, bits: u32) {
    for a in p.targets.iter_mut().flatten() {
        let fits = a.data.values.iter().all(|v| (-1.0..=1.0).contains(v));
        if !matches!(a.semantic, Semantic::Normal | Semantic::Tangent)
            || !is_float(&a.data)
            || !fits
        {
            continue;
        }
        for v in &mut a.data.values {
            *v = snorm8(*v, bits);
        }
        a.data.format = normalized(Component::I8, a.data.format.dims);
    }
}

/// Colours as unsigned normalized bytes, when they fit [0, 1] (HDR colours stay float).
fn quantize_colors(p: &mut Primitive, bits: u32) {
    for a in &mut p.attributes {
        let fits = a.data.values.iter().all(|v| (0.0..=1.0).contains(v));
        if !matches!(a.semantic, Semantic::Color(_)) || !is_float(&a.data) || !fits {
            continue;
        }
        for v in &mut a.data.values {
            *v = unorm(*v, bits, 8);
        }
        a.data.format = normalized(Component::U8, a.data.format.dims);
    }
}

/// Skin weights as unsigned normalized bytes summing to exactly 255 per vertex over all
/// `WEIGHTS_n` sets (the rounding error goes to the largest weight, as gltfpack does).
fn quantize_weights(p: &mut Primitive) {
    let sets: Vec<usize> = (0..p.attributes.len())
        .filter(|&i| matches!(p.attributes[i].semantic, Semantic::Weights(_)))
        .collect();
    if sets.is_empty() || sets.iter().any(|&i| p.attributes[i].data.format.dims != 4) {
        return;
    }
    for v in 0..p.vertex_count() {
        let mut q: Vec<i32> = vec![];
        for &i in &sets {
            q.extend(
                p.attributes[i]
                    .data
                    .get(v)
                    .iter()
                    .map(|w| (w.clamp(0.0, 1.0) * 255.0).round() as i32),
            );
        }
        let largest = (0..q.len()).max_by_key(|&k| q[k]).unwrap_or(0);
        q[largest] += 255 - q.iter().sum::<i32>();
        if q[largest] < 0 {
            continue; // all-zero weights: leave for the validator to report as they were
        }
        for (s, &i) in sets.iter().enumerate() {
            let values = &mut p.attributes[i].data.values[v * 4..v * 4 + 4];
            for (k, w) in values.iter_mut().enumerate() {
                *w = q[s * 4 + k] as f32 / 255.0;
            }
        }
    }
    for &i in &sets {
        p.attributes[i].data.format = normalized(Component::U8, 4);
    }
}

/// Joint indices as unsigned bytes when every index is below 256 (half the bytes of the
/// shorts most exporters write; gltfpack does the same).
fn narrow_joints(p: &mut Primitive) {
    for a in &mut p.attributes {
        let f = a.data.format;
        if matches!(a.semantic, Semantic::Joints(_))
            && f.component == Component::U16
            && a.data.values.iter().all(|&j| j < 256.0)
        {
            a.data.format.component = Component::U8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::Attribute;

    #[test]
    fn unorm_keeps_the_top_bits_and_never_overflows() {
        assert_eq!(unorm(0.0, 12, 16), 0.0);
        assert_eq!(unorm(1.0, 12, 16), 65520.0 / 65535.0);
        let v = unorm(0.3, 12, 16) * 65535.0;
        assert_eq!(v.round() as u32 % 16, 0);
        assert!((unorm(0.3, 12, 16) - 0.3).abs() < 1.0 / 4096.0);
        assert_eq!(unorm(1.0, 8, 8), 1.0);
    }

    #[test]
    fn weights_sum_to_255() {
        let mut p = Primitive {
            attributes: vec![Attribute {
                semantic: Semantic::Weights(0),
                data: AttributeData::new_float(4, vec![0.333, 0.333, 0.334, 0.0]),
            }],
            ..Primitive::default()
        };
        quantize_weights(&mut p);
        let w = p.attribute(&Semantic::Weights(0)).unwrap();
        let sum: f32 = w.values.iter().map(|v| (v * 255.0).round()).sum();
        assert_eq!(sum, 255.0);
        assert_eq!(w.format.component, Component::U8);
    }

    #[test]
    fn joints_narrow_to_bytes_only_when_they_fit() {
        let joints = |values: Vec<f32>| Primitive {
            attributes: vec![Attribute {
                semantic: Semantic::Joints(0),
                data: AttributeData {
                    format: Format {
                        component: Component::U16,
                        normalized: false,
                        dims: 4,
                        matrix: false,
                    },
                    values,
                },
            }],
            ..Primitive::default()
        };
        let mut small = joints(vec![0.0, 3.0, 255.0, 18.0]);
        narrow_joints(&mut small);
        assert_eq!(small.attributes[0].data.format.component, Component::U8);
        let mut large = joints(vec![0.0, 3.0, 256.0, 18.0]);
        narrow_joints(&mut large);
        assert_eq!(large.attributes[0].data.format.component, Component::U16);
    }

    #[test]
    fn normals_become_unit_bytes() {
        let mut p = Primitive {
            attributes: vec![Attribute {
                semantic: Semantic::Normal,
                data: AttributeData::new_float(3, vec![0.0, 2.0, 0.0]),
            }],
            ..Primitive::default()
        };
        quantize_vectors(&mut p, 8);
        assert_eq!(p.attributes[0].data.values, vec![0.0, 1.0, 0.0]);
        assert_eq!(p.attributes[0].data.format, normalized(Component::I8, 3));
    }

    /// Triangles 0-1-2 and 3-1-2 over four vertices with these streams.
    fn two_triangles(streams: Vec<(Semantic, AttributeData)>) -> Primitive {
        Primitive {
            attributes: streams
                .into_iter()
                .map(|(semantic, data)| Attribute { semantic, data })
                .collect(),
            indices: Some(vec![0, 1, 2, 3, 1, 2]),
            ..Primitive::default()
        }
    }

    #[test]
    fn vertices_quantization_made_identical_merge() {
        let positions = vec![0., 0., 0., 1., 0., 0., 0., 1., 0., 0., 0., 0.];
        // Vertex 3 repeats vertex 0 but for a normal 0.001 off: one 8-bit step is 1/127.
        let normals = vec![0., 0., 1., 0., 0., 1., 0., 0., 1., 0.001, 0., 1.];
        let mut p = two_triangles(vec![
            (Semantic::Position, AttributeData::new_float(3, positions)),
            (Semantic::Normal, AttributeData::new_float(3, normals)),
        ]);
        quantize_vectors(&mut p, 8);
        merge_quantized_duplicates(&mut p);
        assert_eq!(p.vertex_count(), 3);
        assert_eq!(p.triangle_count(), 2, "triangles are kept");
    }

    #[test]
    fn vertices_stored_alike_merge_whatever_their_floats() {
        // Regression: CesiumMan kept 318 vertices the file stores identically (2,930 against
        // gltfpack's 2,612). Floats that differ but are stored alike (-0.0 and 0.0, UVs a
        // fraction of a step apart) must merge.
        let positions = vec![0., 0., 0., 1., 0., 0., 0., 1., 0., 0., 0., 0.];
        let normals = vec![0., 0., 1., 0., 0., 1., 0., 0., 1., -0., 0., 1.];
        let uv = vec![0.5, 0.5, 1., 0., 0., 1., 0.5 + 1e-6, 0.5];
        let mut p = two_triangles(vec![
            (Semantic::Position, AttributeData::new_float(3, positions)),
            (
                Semantic::Normal,
                AttributeData {
                    format: normalized(Component::I8, 3),
                    values: normals,
                },
            ),
            (
                Semantic::TexCoord(0),
                AttributeData {
                    format: normalized(Component::U16, 2),
                    values: uv,
                },
            ),
        ]);
        merge_quantized_duplicates(&mut p);
        assert_eq!(p.vertex_count(), 3);
    }
}

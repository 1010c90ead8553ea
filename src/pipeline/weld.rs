//! Welding: merge vertices whose every stream (attributes and morph deltas) is bit-identical,
//! drop vertices no triangle uses, and drop degenerate triangles.
//!
//! Morph deltas are part of the key: two vertices that coincide at rest but move apart in a
//! morph target must stay two vertices (gltfpack leaves them out of its key and can merge them).

use crate::asset::{Asset, AttributeData, Component, Mode, Primitive};
use crate::report::{StageReport, Warning};
use crate::settings::Settings;
use meshopt::VertexStream;

/// Welds every triangle primitive of `asset`; reports the vertices and degenerate triangles
/// removed, and warns when triangles went.
pub fn run(asset: &mut Asset, _: &Settings) -> StageReport {
    let mut report = StageReport::new("weld");
    let (mut vertices, mut triangles) = (0, 0);
    for prim in asset
        .meshes
        .iter_mut()
        .flat_map(|m| m.primitives.iter_mut())
    {
        if prim.mode != Mode::Triangles || prim.indices.is_none() {
            continue;
        }
        let before = (prim.vertex_count(), prim.triangle_count());
        weld(prim);
        drop_degenerate(prim);
        vertices += before.0 - prim.vertex_count();
        triangles += before.1 - prim.triangle_count();
    }
    report.removed("vertices", vertices);
    report.removed("degenerate_triangles", triangles);
    if triangles > 0 {
        report.warnings.push(Warning::global(
            "DEGENERATE_TRIANGLES_REMOVED",
            format!("{triangles} degenerate triangles removed"),
        ));
    }
    report
}

/// Merges vertices that the file would store identically (every stream compared in its
/// stored form: integers as rounded, `-0.0` as `0.0`) and removes unreferenced ones.
pub fn weld(prim: &mut Primitive) {
    let vertex_count = prim.vertex_count();
    let Some(indices) = prim.indices.as_deref() else {
        return;
    };
    if vertex_count == 0 {
        return;
    }
    let keys: Vec<Vec<u32>> = prim.streams().map(stored_keys).collect();
    let streams: Vec<VertexStream<'_>> = prim
        .streams()
        .zip(&keys)
        .map(|(s, k)| {
            let bytes = s.format.dims * 4;
            let mut stream = VertexStream::new_with_stride::<u8, u32>(k.as_ptr(), bytes);
            stream.size = bytes;
            stream
        })
        .collect();
    let (unique, remap) =
        meshopt::generate_vertex_remap_multi(vertex_count, &streams, Some(indices));
    prim.remap_vertices(&remap, unique);
}

/// One 32-bit key per component of `data`, equal exactly when the stored values are.
fn stored_keys(data: &AttributeData) -> Vec<u32> {
    let f = data.format;
    data.values
        .iter()
        .map(|&v| match f.component {
            Component::F32 => (v + 0.0).to_bits(),
            c => c.stored(f.normalized, v) as i64 as u32,
        })
        .collect()
}

/// Removes triangles that repeat a vertex or whose corners coincide in position (zero area).
pub fn drop_degenerate(prim: &mut Primitive) {
    let positions: Vec<[f32; 3]> = prim.positions().to_vec();
    let Some(indices) = &mut prim.indices else {
        return;
    };
    let same = |a: u32, b: u32| {
        a == b || (!positions.is_empty() && positions[a as usize] == positions[b as usize])
    };
    let mut write = 0;
    for t in 0..indices.len() / 3 {
        let (a, b, c) = (indices[3 * t], indices[3 * t + 1], indices[3 * t + 2]);
        if !(same(a, b) || same(b, c) || same(a, c)) {
            indices.copy_within(3 * t..3 * t + 3, write);
            write += 3;
        }
    }
    indices.truncate(write);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::{Attribute, AttributeData, Semantic};

    fn quad(extra: Vec<f32>) -> Primitive {
        // Two triangles over 6 vertices, corner pairs duplicated.
        let p = [
            0., 0., 0., 1., 0., 0., 1., 1., 0., 0., 0., 0., 1., 1., 0., 0., 1., 0.,
        ];
        Primitive {
            attributes: vec![
                Attribute {
                    semantic: Semantic::Position,
                    data: AttributeData::new_float(3, p.to_vec()),
                },
                Attribute {
                    semantic: Semantic::TexCoord(0),
                    data: AttributeData::new_float(2, extra),
                },
            ],
            indices: Some(vec![0, 1, 2, 3, 4, 5]),
            ..Primitive::default()
        }
    }

    #[test]
    fn identical_vertices_merge_and_seams_stay() {
        let mut q = quad(vec![0., 0., 1., 0., 1., 1., 0., 0., 1., 1., 0., 1.]);
        weld(&mut q);
        assert_eq!(q.vertex_count(), 4);
        assert_eq!(q.triangle_count(), 2);
        // A UV seam at vertex 3: positions equal, UVs differ, so it is kept apart.
        let mut q = quad(vec![0., 0., 1., 0., 1., 1., 0.5, 0., 1., 1., 0., 1.]);
        weld(&mut q);
        assert_eq!(q.vertex_count(), 5);
    }

    #[test]
    fn degenerate_triangles_go() {
        let mut q = quad(vec![0.; 12]);
        q.indices = Some(vec![0, 1, 2, 0, 0, 1, 0, 3, 1]);
        drop_degenerate(&mut q);
        // 0 and 3 share a position: the third triangle has zero area.
        assert_eq!(q.indices.unwrap(), vec![0, 1, 2]);
    }
}

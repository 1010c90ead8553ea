//! Point clouds in the LOD chain: each level keeps the level's ratio of the points, chosen by
//! meshopt's point simplifier (spatially even, colour-aware), as gltfpack `-si` does.
//!
//! The points at the cloud's six axis extremes are always kept, so a level's bounds are the
//! input's. Lines are left as they are.

use crate::asset::{Asset, Mode, Primitive, Semantic};
use crate::report::StageReport;
use crate::settings::Settings;
use meshopt::VertexDataAdapter;

/// Keeps `ratio` (0..=1, the level's share of the input) of the points of every point
/// primitive of `asset`; reports the points removed. A per-level stage: the ratio is the
/// level's, not a setting.
pub fn run(asset: &mut Asset, _: &Settings, ratio: f64) -> StageReport {
    let mut report = StageReport::new("thin_points");
    if ratio >= 1.0 {
        return report;
    }
    let before = points(asset);
    for prim in asset
        .meshes
        .iter_mut()
        .flat_map(|m| m.primitives.iter_mut())
        .filter(|p| p.mode == Mode::Points)
    {
        thin_primitive(prim, ratio);
    }
    report.removed("points", before.saturating_sub(points(asset)));
    report
}

/// Points over every point primitive.
fn points(asset: &Asset) -> usize {
    let prims = asset.meshes.iter().flat_map(|m| &m.primitives);
    let points = prims.filter(|p| p.mode == Mode::Points);
    points.map(Primitive::vertex_count).sum()
}

fn thin_primitive(prim: &mut Primitive, ratio: f64) {
    // Indexed points become the points their indices draw, in that order.
    if let Some(indices) = prim.indices.take() {
        for s in prim.streams_mut() {
            *s = s.gather(&indices);
        }
    }
    let count = prim.vertex_count();
    let target = ((count as f64 * ratio).round() as usize).max(1);
    let positions = prim.positions();
    if target >= count || positions.len() != count {
        return;
    }
    let colors: Option<Vec<[f32; 3]>> = prim.attribute(&Semantic::Color(0)).map(|c| {
        (0..count)
            .map(|i| {
                let v = c.get(i);
                [v[0], v[1], v[2]]
            })
            .collect()
    });
    let adapter = VertexDataAdapter::new(bytemuck::cast_slice(positions), 12, 0)
        .expect("positions are 12-byte elements");
    let mut kept = meshopt::simplify_points(&adapter, colors.as_deref(), 1.0, target);
    let extremes = (0..3).flat_map(|axis| {
        let by = move |i: &usize, j: &usize| positions[*i][axis].total_cmp(&positions[*j][axis]);
        [(0..count).min_by(by), (0..count).max_by(by)]
    });
    for extreme in extremes {
        let e = extreme.expect("at least one point") as u32;
        if !kept.contains(&e) {
            kept.push(e);
        }
    }
    for s in prim.streams_mut() {
        *s = s.gather(&kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::{Attribute, AttributeData, Mesh};

    fn cloud(n: usize) -> Asset {
        let mut p = vec![];
        let mut c = vec![];
        for i in 0..n {
            let (x, y, z) = ((i % 10) as f32, ((i / 10) % 10) as f32, (i / 100) as f32);
            p.extend([x, y, z]);
            c.extend([x / 10.0, y / 10.0, z / 10.0, 1.0]);
        }
        let prim = Primitive {
            mode: Mode::Points,
            attributes: vec![
                Attribute {
                    semantic: Semantic::Position,
                    data: AttributeData::new_float(3, p),
                },
                Attribute {
                    semantic: Semantic::Color(0),
                    data: AttributeData::new_float(4, c),
                },
            ],
            ..Primitive::default()
        };
        Asset {
            meshes: vec![Mesh {
                primitives: vec![prim],
                ..Mesh::default()
            }],
            ..Asset::default()
        }
    }

    #[test]
    fn a_quarter_of_the_points_stay_with_their_attributes_and_the_bounds() {
        let bounds = |p: &Primitive| {
            let (mut lo, mut hi) = ([f32::MAX; 3], [f32::MIN; 3]);
            for q in p.positions() {
                for k in 0..3 {
                    (lo[k], hi[k]) = (lo[k].min(q[k]), hi[k].max(q[k]));
                }
            }
            (lo, hi)
        };
        let mut a = cloud(1000);
        let before = bounds(&a.meshes[0].primitives[0]);
        run(&mut a, &Settings::default(), 0.25);
        let p = &a.meshes[0].primitives[0];
        let n = p.vertex_count();
        // meshopt's target is approximate on a regular grid.
        assert!((200..=270).contains(&n), "{n} points");
        // Each kept point still carries its own colour.
        let colors = p.attribute(&Semantic::Color(0)).unwrap();
        for (i, pos) in p.positions().iter().enumerate() {
            assert_eq!(
                colors.get(i)[..3],
                [pos[0] / 10.0, pos[1] / 10.0, pos[2] / 10.0]
            );
        }
        assert_eq!(bounds(p), before);
    }

    #[test]
    fn full_ratio_and_other_modes_are_left_alone() {
        let mut a = cloud(100);
        run(&mut a, &Settings::default(), 1.0);
        assert_eq!(a.meshes[0].primitives[0].vertex_count(), 100);
        a.meshes[0].primitives[0].mode = Mode::Lines;
        run(&mut a, &Settings::default(), 0.5);
        assert_eq!(a.meshes[0].primitives[0].vertex_count(), 100);
    }
}

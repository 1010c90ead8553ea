//! Positions on one integer grid, dequantized by the scene graph.
//!
//! Every eligible mesh stores `q = round((p - offset) / step)` as unsigned shorts, with one
//! `offset` and `step` for the whole model (gltfpack does the same: adjacent parts keep sharing
//! their seams). The dequantization `D = translate(offset) · scale(step)` then reaches the
//! vertices in one of three ways, chosen per node:
//!
//! * skinned nodes: folded into the skin's inverse bind matrices (`IBM' = IBM · D`), since a
//!   skinned mesh ignores its node's transform;
//! * GPU-instanced nodes (`EXT_mesh_gpu_instancing`): folded into every instance's
//!   translation and scale, which apply to the mesh before the node's transform does;
//! * leaf nodes whose transform is not animated and that carry no camera or light: folded into
//!   the node's own transform;
//! * other nodes: the mesh moves to a new child node whose transform is `D` (with the node's
//!   morph weights), unless a `weights` animation targets the node.
//!
//! A mesh that some node cannot dequantize (a weights-animated node whose transform cannot take
//! `D`), whose positions are not float, or whose morph deltas would not fit 16 bits keeps
//! float positions. Meshes sharing a skin decide together.

use super::is_float;
use crate::asset::{Asset, AttributeData, Component, Format, InstanceAttribute, Node, Semantic};
use crate::report::Warning;
use glam::{Mat4, Quat, Vec3};
use std::collections::BTreeSet;

/// How one node reaches its mesh's dequantization.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Placement {
    Skin,
    Instances,
    Fold,
    Child,
}

/// The grid: `p = offset + step * q`.
#[derive(Debug, Clone, Copy)]
struct Grid {
    offset: Vec3,
    step: f32,
}

impl Grid {
    fn matrix(self) -> Mat4 {
        Mat4::from_scale_rotation_translation(Vec3::splat(self.step), Quat::IDENTITY, self.offset)
    }
}

/// Quantizes positions with `bits` per component; returns the grid step (0 when nothing was
/// quantized) and warnings about meshes left as floats.
pub(super) fn run(asset: &mut Asset, bits: u32) -> (f32, Vec<Warning>) {
    let placements: Vec<Option<Placement>> = asset
        .nodes
        .iter()
        .enumerate()
        .map(|(n, node)| placement(asset, n, node))
        .collect();
    let mut eligible: Vec<bool> = (0..asset.meshes.len())
        .map(|m| mesh_can_be_placed(asset, m, &placements))
        .collect();
    let mut warnings: Vec<Warning> = (0..asset.meshes.len())
        .filter(|&m| !eligible[m] && has_float_positions(asset, m))
        .map(|m| {
            Warning::global(
                "POSITIONS_KEPT_FLOAT",
                format!(
                    "mesh {m}: a node drawing it cannot take the dequantization (a weights animation on a node with children or an animated transform); positions stay float"
                ),
            )
        })
        .collect();
    let grid = loop {
        share_skin_decisions(asset, &mut eligible);
        let Some(grid) = grid_of(asset, &eligible, bits) else {
            return (0.0, warnings);
        };
        // Morph deltas are stored as signed shorts on the same grid.
        let overflowing: Vec<usize> = (0..asset.meshes.len())
            .filter(|&m| eligible[m] && max_delta(asset, m) / grid.step > 32767.0)
            .collect();
        if overflowing.is_empty() {
            break grid;
        }
        for m in overflowing {
            eligible[m] = false;
            warnings.push(Warning::global(
                "POSITIONS_KEPT_FLOAT",
                format!(
                    "mesh {m}: morph target deltas exceed the position grid; positions stay float"
                ),
            ));
        }
    };
    for (m, mesh) in asset.meshes.iter_mut().enumerate() {
        if !eligible[m] {
            continue;
        }
        for p in &mut mesh.primitives {
            for a in &mut p.attributes {
                if a.semantic == Semantic::Position {
                    a.data.values = snap(&a.data.values, grid, bits);
                    a.data.format = integer(Component::U16);
                }
            }
            for a in p.targets.iter_mut().flatten() {
                if a.semantic == Semantic::Position && is_float(&a.data) {
                    a.data.values = a
                        .data
                        .values
                        .iter()
                        .map(|d| (d / grid.step).round())
                        .collect();
                    a.data.format = integer(Component::I16);
                }
            }
        }
    }
    place(asset, &placements, &eligible, grid);
    (grid.step, warnings)
}

fn integer(component: Component) -> Format {
    Format {
        component,
        normalized: false,
        dims: 3,
        matrix: false,
    }
}

fn snap(values: &[f32], grid: Grid, bits: u32) -> Vec<f32> {
    let max = ((1u32 << bits) - 1) as f32;
    values
        .chunks_exact(3)
        .flat_map(|p| {
            let o = grid.offset.to_array();
            [0, 1, 2].map(|k| ((p[k] - o[k]) / grid.step).round().clamp(0.0, max))
        })
        .collect()
}

/// How node `n` can apply a dequantization, if it can.
fn placement(asset: &Asset, n: usize, node: &Node) -> Option<Placement> {
    node.mesh?;
    if !node.instancing.is_empty() {
        return Some(Placement::Instances);
    }
    if node.skin.is_some() {
        return Some(Placement::Skin);
    }
    let animated = |paths: &[&str]| {
        asset
            .animations
            .iter()
            .flat_map(|a| &a.channels)
            .any(|c| c.target.node == Some(n) && paths.contains(&c.target.path.as_str()))
    };
    let carries_more =
        node.camera.is_some() || node.ext.extensions.contains_key("KHR_lights_punctual");
    if node.children.is_empty() && !carries_more && !animated(&["translation", "rotation", "scale"])
    {
        Some(Placement::Fold)
    } else if !animated(&["weights"]) {
        Some(Placement::Child)
    } else {
        None
    }
}

/// True when every primitive of mesh `m` has float 3D positions (what this stage quantizes).
fn has_float_positions(asset: &Asset, m: usize) -> bool {
    asset.meshes[m].primitives.iter().all(|p| {
        p.attribute(&Semantic::Position)
            .is_some_and(|a| is_float(a) && a.format.dims == 3)
    })
}

fn mesh_can_be_placed(asset: &Asset, m: usize, placements: &[Option<Placement>]) -> bool {
    let mut users = asset
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.mesh == Some(m));
    let mut any = false;
    has_float_positions(asset, m)
        && users.all(|(n, _)| {
            any = true;
            placements[n].is_some()
        })
        && any
}

/// Meshes drawn with the same skin share its inverse bind matrices, so they are quantized
/// together or not at all.
fn share_skin_decisions(asset: &Asset, eligible: &mut [bool]) {
    for s in 0..asset.skins.len() {
        let meshes: BTreeSet<usize> = asset
            .nodes
            .iter()
            .filter(|n| n.skin == Some(s))
            .filter_map(|n| n.mesh)
            .collect();
        if meshes.iter().any(|&m| !eligible[m]) {
            for m in meshes {
                eligible[m] = false;
            }
        }
    }
}

/// The grid covering every eligible mesh's positions with `bits` per component.
fn grid_of(asset: &Asset, eligible: &[bool], bits: u32) -> Option<Grid> {
    let mut lo = Vec3::splat(f32::INFINITY);
    let mut hi = Vec3::splat(f32::NEG_INFINITY);
    for (m, mesh) in asset.meshes.iter().enumerate() {
        if !eligible[m] {
            continue;
        }
        for p in mesh.primitives.iter().flat_map(|p| p.positions()) {
            lo = lo.min(Vec3::from(*p));
            hi = hi.max(Vec3::from(*p));
        }
    }
    if !lo.is_finite() {
        return None;
    }
    let extent = (hi - lo).max_element();
    let step = if extent > 0.0 {
        extent / ((1u32 << bits) - 1) as f32
    } else {
        1.0
    };
    Some(Grid { offset: lo, step })
}

fn max_delta(asset: &Asset, m: usize) -> f32 {
    asset.meshes[m]
        .primitives
        .iter()
        .flat_map(|p| p.targets.iter().flatten())
        .filter(|a| a.semantic == Semantic::Position)
        .flat_map(|a| a.data.values.iter())
        .fold(0.0f32, |acc, v| acc.max(v.abs()))
}

/// Applies the dequantization to every node that draws an eligible mesh.
fn place(asset: &mut Asset, placements: &[Option<Placement>], eligible: &[bool], grid: Grid) {
    let d = grid.matrix();
    let mut skins = BTreeSet::new();
    for (n, placement) in placements.iter().enumerate() {
        let (Some(placement), Some(m)) = (*placement, asset.nodes[n].mesh) else {
            continue;
        };
        if !eligible[m] {
            continue;
        }
        match placement {
            Placement::Skin => {
                skins.extend(asset.nodes[n].skin);
            }
            Placement::Instances => fold_instances(&mut asset.nodes[n], grid),
            Placement::Fold => fold(&mut asset.nodes[n], grid),
            Placement::Child => {
                let index = asset.nodes.len();
                let node = &mut asset.nodes[n];
                let child = Node {
                    mesh: node.mesh.take(),
                    weights: node.weights.take(),
                    translation: Some(grid.offset.to_array()),
                    scale: Some([grid.step; 3]),
                    ..Node::default()
                };
                node.children.push(index);
                asset.nodes.push(child);
            }
        }
    }
    for s in skins {
        let skin = &mut asset.skins[s];
        let joints = skin.joints.len();
        let ibms = skin
            .inverse_bind_matrices
            .get_or_insert_with(|| vec![Mat4::IDENTITY.to_cols_array(); joints]);
        for m in ibms.iter_mut() {
            *m = (Mat4::from_cols_array(m) * d).to_cols_array();
        }
    }
}

/// Makes `node`'s transform `local · D`, keeping its form (matrix or TRS).
fn fold(node: &mut Node, grid: Grid) {
    if let Some(m) = node.matrix {
        node.matrix = Some((Mat4::from_cols_array(&m) * grid.matrix()).to_cols_array());
        return;
    }
    let t = node.translation.map_or(Vec3::ZERO, Vec3::from);
    let r = node.rotation.map_or(Quat::IDENTITY, Quat::from_array);
    let s = node.scale.map_or(Vec3::ONE, Vec3::from);
    let (t, s) = fold_trs(t, r, s, grid);
    node.translation = Some(t.to_array());
    node.scale = Some(s.to_array());
}

/// The translation and scale of `T·R·S·D`, whose rotation stays `r`:
/// `T·R·S·T_o·S_step = T_(t + R(s ⊙ o)) · R · S_(s·step)`.
fn fold_trs(t: Vec3, r: Quat, s: Vec3, grid: Grid) -> (Vec3, Vec3) {
    (t + r * (s * grid.offset), s * grid.step)
}

/// Makes every GPU instance's transform `instance · D`: new float `TRANSLATION` and `SCALE`
/// streams (added when the node had none), `ROTATION` untouched.
fn fold_instances(node: &mut Node, grid: Grid) {
    let count = node.instancing.first().map_or(0, |a| a.data.count());
    let stream = |name: &str| node.instancing.iter().find(|a| a.name == name);
    let (t, r, s) = (stream("TRANSLATION"), stream("ROTATION"), stream("SCALE"));
    let (mut translations, mut scales) = (vec![], vec![]);
    for i in 0..count {
        let (ti, si) = fold_trs(
            t.map_or(Vec3::ZERO, |a| Vec3::from_slice(a.data.get(i))),
            r.map_or(Quat::IDENTITY, |a| Quat::from_slice(a.data.get(i))),
            s.map_or(Vec3::ONE, |a| Vec3::from_slice(a.data.get(i))),
            grid,
        );
        translations.extend(ti.to_array());
        scales.extend(si.to_array());
    }
    for (name, values) in [("TRANSLATION", translations), ("SCALE", scales)] {
        let data = AttributeData::new_float(3, values);
        match node.instancing.iter_mut().find(|a| a.name == name) {
            Some(a) => a.data = data,
            None => node.instancing.push(InstanceAttribute {
                name: name.into(),
                data,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        Grid {
            offset: Vec3::new(-1.0, 4.0, 0.5),
            step: 0.01,
        }
    }

    #[test]
    fn folding_keeps_world_positions() {
        let mut node = Node {
            translation: Some([1.0, 2.0, 3.0]),
            rotation: Some(Quat::from_rotation_y(0.7).to_array()),
            scale: Some([2.0, 1.0, 0.5]),
            ..Node::default()
        };
        let grid = grid();
        let before = node.local_matrix();
        fold(&mut node, grid);
        let q = Vec3::new(100.0, 7.0, 3000.0);
        let want = before.transform_point3(grid.offset + q * grid.step);
        let got = node.local_matrix().transform_point3(q);
        assert!((want - got).length() < 1e-4, "{want} {got}");
    }

    #[test]
    fn instances_take_the_dequantization() {
        let rotation = Quat::from_rotation_z(1.1);
        let mut node = Node {
            mesh: Some(0),
            instancing: vec![
                InstanceAttribute {
                    name: "TRANSLATION".into(),
                    data: AttributeData::new_float(3, vec![0., 0., 0., 5., -2., 1.]),
                },
                InstanceAttribute {
                    name: "ROTATION".into(),
                    data: AttributeData::new_float(
                        4,
                        [[0., 0., 0., 1.], rotation.to_array()].concat(),
                    ),
                },
            ],
            ..Node::default()
        };
        let grid = grid();
        let before = node.instance_matrices();
        fold_instances(&mut node, grid);
        let after = node.instance_matrices();
        assert_eq!(after.len(), 2);
        assert!(
            node.instancing.iter().any(|a| a.name == "SCALE"),
            "a SCALE stream is added"
        );
        let q = Vec3::new(100.0, 7.0, 3000.0);
        for (b, a) in before.iter().zip(&after) {
            let want = b.transform_point3(grid.offset + q * grid.step);
            let got = a.transform_point3(q);
            assert!((want - got).length() < 1e-4, "{want} {got}");
        }
    }
}

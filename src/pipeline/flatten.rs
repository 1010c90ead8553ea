//! Flattening: fewer draw calls. Within every mesh, primitives with the same material, mode
//! and stream formats merge into one; then static meshes move into world space and merge into
//! one mesh on one node, as gltfpack does by default (its `-kn` keeps named nodes; our default
//! `keep_named` does too).
//!
//! A mesh moves only when nothing at run time can move it apart from the rest: exactly one
//! node draws it; that node is neither skinned nor GPU-instanced; neither it nor any ancestor
//! is animated, a skin joint or (with `keep_named`) named; the mesh has no morph targets and no
//! extensions or extras; the asset has one scene. Nor does a mesh move whose geometry another
//! mesh shares (stored once as it is, twice once baked). Vertices take the node's world matrix
//! (normals its inverse transpose; a mirroring matrix also flips triangle winding and tangent
//! handedness). The moved primitives then merge like those of one mesh: one draw call where
//! there was one per node, and one simplification budget across them.
//!
//! Merged parts are welded where they touch, so simplification treats them as one surface.
//! Fewer than two movable meshes move nothing. The emptied nodes are left for pruning.
//! Primitives with morph targets, material variants or extensions never merge (they move when
//! their mesh does).

use crate::asset::{Asset, Format, Mesh, Mode, Node, Primitive, Semantic};
use crate::report::StageReport;
use crate::settings::Settings;
use glam::{Mat3, Mat4, Vec3};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Merges primitives and moves static meshes (see the module docs; named nodes stay with
/// `settings.keep_named`); reports how many primitives were merged into others and how many
/// static meshes were moved into world space and merged.
pub fn run(asset: &mut Asset, settings: &Settings) -> StageReport {
    let mut report = StageReport::new("flatten");
    for mesh in &mut asset.meshes {
        let (merged, absorbed) = merge(std::mem::take(&mut mesh.primitives));
        mesh.primitives = merged;
        report.merged("primitives", absorbed);
    }
    let movable = movable_nodes(asset, settings.keep_named);
    if movable.len() < 2 {
        return report;
    }
    let mut moved = vec![];
    for &(node, world) in &movable {
        let mesh = asset.nodes[node]
            .mesh
            .take()
            .expect("movable nodes draw a mesh");
        for mut p in std::mem::take(&mut asset.meshes[mesh].primitives) {
            bake(&mut p, world);
            moved.push(p);
        }
    }
    let (merged, _) = merge(moved);
    asset.meshes.push(Mesh {
        primitives: merged,
        ..Mesh::default()
    });
    asset.nodes.push(Node {
        mesh: Some(asset.meshes.len() - 1),
        ..Node::default()
    });
    asset.scenes[0].nodes.push(asset.nodes.len() - 1);
    report.merged("static_meshes", movable.len());
    report
}

/// `primitives` with every mergeable one appended to the first it can join (order otherwise
/// kept); returns them and how many were absorbed.
fn merge(primitives: Vec<Primitive>) -> (Vec<Primitive>, usize) {
    let mut out: Vec<(Primitive, bool)> = vec![];
    let mut absorbed = 0;
    for p in primitives {
        match out.iter_mut().find(|(m, _)| mergeable(m, &p)) {
            Some((m, grew)) => {
                append(m, p);
                *grew = true;
                absorbed += 1;
            }
            None => out.push((p, false)),
        }
    }
    let out = out
        .into_iter()
        .map(|(mut p, grew)| {
            // Parts that touch now share vertices: simplification cannot open cracks there.
            if grew && p.mode == Mode::Triangles {
                super::weld::weld(&mut p);
            }
            p
        })
        .collect();
    (out, absorbed)
}

/// Nodes whose mesh may move into world space, with their world matrices, in node order.
fn movable_nodes(asset: &Asset, keep_named: bool) -> Vec<(usize, Mat4)> {
    if asset.scenes.len() != 1 {
        return vec![];
    }
    let n = asset.nodes.len();
    let mut pinned = vec![false; n];
    for s in &asset.skins {
        for &j in s.joints.iter().chain(&s.skeleton) {
            pinned[j] = true;
        }
    }
    for c in asset.animations.iter().flat_map(|a| &a.channels) {
        if let Some(t) = c.target.node {
            pinned[t] = true;
        }
    }
    let named = |node: &Node| keep_named && node.name.as_deref().is_some_and(|s| !s.is_empty());
    let mut drawn_by = vec![0usize; asset.meshes.len()];
    for m in asset.nodes.iter().filter_map(|node| node.mesh) {
        drawn_by[m] += 1;
    }
    let shared = sharing_positions(asset);
    let mut out = vec![];
    let mut stack: Vec<(usize, Mat4)> = asset.scenes[0]
        .nodes
        .iter()
        .map(|&r| (r, Mat4::IDENTITY))
        .collect();
    while let Some((i, parent)) = stack.pop() {
        let node = &asset.nodes[i];
        if pinned[i] || named(node) {
            continue; // it, and everything under it, can be moved at run time
        }
        let world = parent * node.local_matrix();
        stack.extend(node.children.iter().map(|&c| (c, world)));
        let Some(m) = node.mesh else { continue };
        let mesh = &asset.meshes[m];
        let det = world.determinant();
        if drawn_by[m] == 1
            && !shared[m]
            && node.skin.is_none()
            && node.instancing.is_empty()
            && mesh.ext.is_empty()
            && mesh.primitives.iter().all(|p| p.targets.is_empty())
            && det.is_finite()
            && det != 0.0
        {
            out.push((i, world));
        }
    }
    out.sort_by_key(|&(i, _)| i);
    out
}

/// Per mesh: true when one of its primitives has exactly the positions of another mesh's
/// (the same geometry with another material, say). Those stay where they are: the writer stores
/// the shared streams once, where baking would store two transformed copies.
fn sharing_positions(asset: &Asset) -> Vec<bool> {
    let mut by_hash: HashMap<u64, Vec<(usize, &[f32])>> = HashMap::new();
    let mut shared = vec![false; asset.meshes.len()];
    for (m, mesh) in asset.meshes.iter().enumerate() {
        for p in &mesh.primitives {
            let Some(positions) = p.attribute(&Semantic::Position) else {
                continue;
            };
            let mut h = DefaultHasher::new();
            positions
                .values
                .iter()
                .for_each(|v| v.to_bits().hash(&mut h));
            let same = by_hash.entry(h.finish()).or_default();
            for &(other, values) in same.iter() {
                if other != m && values == &positions.values[..] {
                    shared[m] = true;
                    shared[other] = true;
                }
            }
            same.push((m, &positions.values));
        }
    }
    shared
}

/// Transforms `p`'s positions, normals and tangents by `world`; they become float streams
/// (quantization, later, stores them again).
fn bake(p: &mut Primitive, world: Mat4) {
    let normal_matrix = Mat3::from_mat4(world).inverse().transpose();
    let mirrored = world.determinant() < 0.0;
    for a in &mut p.attributes {
        let dims = a.data.format.dims;
        let apply: &dyn Fn(Vec3) -> Vec3 = match a.semantic {
            Semantic::Position if dims == 3 => &|v| world.transform_point3(v),
            Semantic::Normal if dims == 3 => &|v| (normal_matrix * v).normalize_or_zero(),
            Semantic::Tangent if dims == 4 => &|v| world.transform_vector3(v).normalize_or_zero(),
            _ => continue,
        };
        for v in a.data.values.chunks_exact_mut(dims) {
            let t = apply(Vec3::new(v[0], v[1], v[2]));
            v[..3].copy_from_slice(&t.to_array());
            if dims == 4 && mirrored {
                v[3] = -v[3];
            }
        }
        a.data.format = Format::float(dims);
    }
    if mirrored
        && p.mode == Mode::Triangles
        && let Some(indices) = &mut p.indices
    {
        indices.chunks_exact_mut(3).for_each(|t| t.swap(1, 2));
    }
}

/// True when `b` can be appended to `a` as one draw call.
fn mergeable(a: &Primitive, b: &Primitive) -> bool {
    let layout = |p: &Primitive| -> Vec<(Semantic, Format)> {
        p.attributes
            .iter()
            .map(|x| (x.semantic.clone(), x.data.format))
            .collect()
    };
    let plain = |p: &Primitive| p.targets.is_empty() && p.variants.is_empty() && p.ext.is_empty();
    plain(a)
        && plain(b)
        && a.mode == b.mode
        && a.material == b.material
        && a.indices.is_some() == b.indices.is_some()
        && layout(a) == layout(b)
}

/// Appends `b`'s vertices and indices to `a` (precondition: [`mergeable`]).
fn append(a: &mut Primitive, b: Primitive) {
    let base = a.vertex_count() as u32;
    for (x, y) in a.attributes.iter_mut().zip(b.attributes) {
        x.data.values.extend_from_slice(&y.data.values);
    }
    if let (Some(ai), Some(bi)) = (&mut a.indices, b.indices) {
        ai.extend(bi.into_iter().map(|i| i + base));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Primitives merged plus static meshes moved: what `run` changed.
    fn flattened(a: &mut Asset, keep_named: bool) -> u64 {
        let settings = Settings {
            keep_named,
            ..Settings::default()
        };
        let r = run(a, &settings);
        r.count("primitives") + r.count("static_meshes")
    }
    use crate::asset::{Animation, Attribute, AttributeData, Channel, ChannelTarget, Scene};

    /// A right triangle of side `size` drawn with `material` (sizes tell meshes apart).
    fn triangle(material: usize, size: f32) -> Mesh {
        let attribute = |semantic, dims, values: Vec<f32>| Attribute {
            semantic,
            data: AttributeData::new_float(dims, values),
        };
        Mesh {
            primitives: vec![Primitive {
                attributes: vec![
                    attribute(
                        Semantic::Position,
                        3,
                        vec![0., 0., 0., size, 0., 0., 0., size, 0.],
                    ),
                    attribute(
                        Semantic::Normal,
                        3,
                        vec![0., 0., 1., 0., 0., 1., 0., 0., 1.],
                    ),
                ],
                indices: Some(vec![0, 1, 2]),
                material: Some(material),
                ..Primitive::default()
            }],
            ..Mesh::default()
        }
    }

    fn node(mesh: usize, name: Option<&str>, scale: [f32; 3]) -> Node {
        Node {
            mesh: Some(mesh),
            name: name.map(Into::into),
            translation: Some([5., 0., 0.]),
            scale: Some(scale),
            ..Node::default()
        }
    }

    fn scene(nodes: Vec<Node>, meshes: Vec<Mesh>) -> Asset {
        Asset {
            scenes: vec![Scene {
                nodes: (0..nodes.len()).collect(),
                ..Scene::default()
            }],
            nodes,
            meshes,
            ..Asset::default()
        }
    }

    #[test]
    fn static_unnamed_meshes_merge_in_world_space() {
        let mut a = scene(
            vec![node(0, None, [1., 1., 1.]), node(1, None, [-2., 2., 2.])],
            vec![triangle(0, 1.0), triangle(0, 0.5)],
        );
        a.nodes[1].translation = Some([0., 5., 0.]);
        assert_eq!(flattened(&mut a, true), 2);
        assert!(a.nodes[..2].iter().all(|n| n.mesh.is_none()));
        let merged = &a.meshes[2].primitives;
        assert_eq!(merged.len(), 1, "one material, one draw call");
        let p = &merged[0];
        assert_eq!(p.vertex_count(), 6);
        let mut corners = p.positions().to_vec();
        corners.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let first = [[5., 0., 0.], [5., 1., 0.], [6., 0., 0.]];
        let mirrored = [[-1., 5., 0.], [0., 5., 0.], [0., 6., 0.]];
        assert_eq!(corners, [mirrored, first].concat());
        // The mirrored part (x scaled by -2) has its winding flipped: every triangle still
        // faces its +z normal.
        let at = |i: u32| Vec3::from(p.positions()[i as usize]);
        for t in p.indices.as_deref().unwrap().chunks_exact(3) {
            let facing = (at(t[1]) - at(t[0])).cross(at(t[2]) - at(t[0]));
            assert!(facing.z > 0.0, "triangle {t:?} faces {facing}");
        }
        let n = p.attribute(&Semantic::Normal).unwrap();
        assert!((0..6).all(|v| n.get(v) == [0., 0., 1.]));
        assert_eq!(a.scenes[0].nodes, vec![0, 1, 2]);
    }

    #[test]
    fn primitives_of_one_material_merge_within_a_mesh() {
        let mut mesh = triangle(0, 1.0);
        let second = triangle(0, 2.0).primitives.remove(0);
        let third = triangle(1, 3.0).primitives.remove(0);
        mesh.primitives.push(second.clone());
        mesh.primitives.push(third.clone());
        let mut morphed = second;
        morphed.targets.push(morphed.attributes[..1].to_vec());
        mesh.primitives.push(morphed);
        // One named node: nothing moves, but the mesh's own primitives still merge.
        let mut a = scene(vec![node(0, Some("door"), [1.; 3])], vec![mesh]);
        assert_eq!(flattened(&mut a, true), 1);
        let p = &a.meshes[0].primitives;
        assert_eq!(
            p.len(),
            3,
            "material 0 merged; material 1 and the morphed one apart"
        );
        // Both triangles have a corner at the origin with the same normal: welded.
        assert_eq!((p[0].vertex_count(), p[0].triangle_count()), (5, 2));
        assert_eq!(p[1], third);
        assert_eq!(p[2].targets.len(), 1);
    }

    #[test]
    fn named_animated_instanced_or_shared_meshes_stay() {
        // Named nodes are kept: configurators move them.
        let mut a = scene(
            vec![node(0, Some("door"), [1.; 3]), node(1, None, [1.; 3])],
            vec![triangle(0, 1.0), triangle(0, 2.0)],
        );
        assert_eq!(
            flattened(&mut a, true),
            0,
            "one movable mesh merges nothing"
        );
        assert_eq!(
            flattened(&mut a, false),
            2,
            "--drop-names lets named nodes go"
        );
        // One mesh drawn twice stays instanced instead of being copied.
        let mut a = scene(
            vec![
                node(0, None, [1.; 3]),
                node(0, None, [1.; 3]),
                node(1, None, [1.; 3]),
            ],
            vec![triangle(0, 1.0), triangle(1, 2.0)],
        );
        assert_eq!(flattened(&mut a, true), 0);
        // Different materials move together but stay two primitives.
        let mut a = scene(
            vec![node(0, None, [1.; 3]), node(1, None, [1.; 3])],
            vec![triangle(0, 1.0), triangle(1, 2.0)],
        );
        assert_eq!(flattened(&mut a, true), 2);
        assert_eq!(a.meshes[2].primitives.len(), 2);
        // The same geometry in two meshes (another material): stored once where it is.
        let mut a = scene(
            vec![node(0, None, [1.; 3]), node(1, None, [1.; 3])],
            vec![triangle(0, 1.0), triangle(1, 1.0)],
        );
        assert_eq!(flattened(&mut a, true), 0);
        // A node under an animated parent moves with it.
        let mut a = scene(
            vec![node(0, None, [1.; 3]), node(1, None, [1.; 3])],
            vec![triangle(0, 1.0), triangle(0, 2.0)],
        );
        a.nodes[0].children = vec![1];
        a.scenes[0].nodes = vec![0];
        a.animations.push(Animation {
            name: None,
            channels: vec![Channel {
                sampler: 0,
                target: ChannelTarget {
                    node: Some(0),
                    path: "rotation".into(),
                    ext: Default::default(),
                },
                ext: Default::default(),
            }],
            samplers: vec![],
            ext: Default::default(),
        });
        assert_eq!(flattened(&mut a, true), 0);
    }
}

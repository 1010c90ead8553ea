//! What is drawn where: for every node that draws a mesh, how its vertices reach world space.
//!
//! A [`Placement`] is rigid (the node's world matrix times each `EXT_mesh_gpu_instancing`
//! instance's matrix) or skinned (the skin's joint matrices, applied to each vertex by
//! [`super::skinning`]). This is the one place where the node graph becomes world-space
//! geometry: bounds, LOD error scales, the renderer and the surface-error tool all read it.
//!
//! It applies neither animation nor morph targets: the renderer passes in its posed copy of the
//! nodes and morphs vertices itself before they are placed.

use super::pose::{rest_of, world_of};
use super::{Asset, Mat4Ext, Node, Primitive, skinning::skinned_positions};
use glam::{Mat4, Vec3};

/// How one node's mesh reaches world space.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// The vertices as stored, taken to world space by each matrix: the node's world matrix
    /// times one GPU instance's local matrix, one matrix when the node has no instances.
    Rigid(Vec<Mat4>),
    /// The vertices deformed by the node's skin into world space (the node's own transform does
    /// not apply, as glTF specifies).
    Skinned {
        /// Joint matrices (joint world matrix times inverse bind matrix), in the skin's joint
        /// order.
        joints: Vec<Mat4>,
        /// One matrix per GPU instance, applied after skinning (one identity when the node has
        /// none). The renderer draws the skinned vertices through each; bounds and LOD error
        /// scales take the skinned vertices once.
        instances: Vec<Mat4>,
    },
}

/// One node that draws a mesh, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// Node index.
    pub node: usize,
    /// Mesh index (below the asset's mesh count).
    pub mesh: usize,
    /// How the mesh's vertices reach world space.
    pub placement: Placement,
}

impl Placement {
    /// The matrices that take the vertices this placement yields (as stored when rigid, skinned
    /// when skinned) to world space, one per GPU instance.
    pub fn instances(&self) -> &[Mat4] {
        match self {
            Placement::Rigid(instances) | Placement::Skinned { instances, .. } => instances,
        }
    }

    /// Largest factor by which the placement stretches a length in the mesh's units: over the
    /// instance matrices when rigid, over the joint matrices when skinned; 0 when there are none.
    pub fn max_scale(&self) -> f32 {
        let matrices = match self {
            Placement::Rigid(instances) => instances,
            Placement::Skinned { joints, .. } => joints,
        };
        matrices.iter().map(Mat4::max_scale).fold(0.0, f32::max)
    }
}

impl Drawn {
    /// World-space positions of `prim` (a primitive of this mesh), one list per GPU instance.
    pub fn world_positions(&self, prim: &Primitive) -> Vec<Vec<Vec3>> {
        let vertices: Vec<Vec3> = match &self.placement {
            Placement::Rigid(_) => prim.positions().iter().map(|p| Vec3::from(*p)).collect(),
            Placement::Skinned { joints, .. } => skinned_positions(prim, joints),
        };
        self.placement
            .instances()
            .iter()
            .map(|m| vertices.iter().map(|&v| m.transform_point3(v)).collect())
            .collect()
    }
}

/// What `nodes` (the asset's, or a posed copy of them) draw when the scene starts at `roots`, in
/// node order. Joints are posed by `nodes` too, every parentless node a root, so joints outside
/// the scene still get a pose. Nodes whose mesh index is out of range draw nothing; a skin index
/// out of range leaves the node rigid.
pub fn drawn(asset: &Asset, nodes: &[Node], roots: &[usize]) -> Vec<Drawn> {
    let world = world_of(nodes, roots);
    let rest = rest_of(nodes);
    nodes
        .iter()
        .enumerate()
        .filter_map(|(n, node)| {
            let model = world[n]?;
            let mesh = node.mesh.filter(|&m| m < asset.meshes.len())?;
            let instances = node.instance_matrices();
            let placement = match node.skin.and_then(|s| asset.skins.get(s)) {
                Some(skin) => Placement::Skinned {
                    joints: asset.joint_matrices(skin, &rest),
                    // Skinned vertices are in world space already: the identity model matrix,
                    // then each instance's (the renderer's product, kept bit for bit).
                    instances: instances.iter().map(|i| Mat4::IDENTITY * *i).collect(),
                },
                None => Placement::Rigid(instances.iter().map(|i| model * *i).collect()),
            };
            Some(Drawn {
                node: n,
                mesh,
                placement,
            })
        })
        .collect()
}

impl Asset {
    /// What the default scene draws in its rest pose; empty when there is no scene.
    pub fn drawn_in_scene(&self) -> Vec<Drawn> {
        let roots = self
            .default_scene()
            .and_then(|s| self.scenes.get(s))
            .map_or(&[][..], |s| &s.nodes[..]);
        drawn(self, &self.nodes, roots)
    }

    /// What every node draws in its rest pose, in a scene or not (every parentless node a root).
    pub fn drawn_anywhere(&self) -> Vec<Drawn> {
        drawn(self, &self.nodes, &super::pose::parentless(&self.nodes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::skinning::tests::skinned_strip;
    use crate::asset::{AttributeData, InstanceAttribute, Mesh, Scene, Skin};

    /// Mesh 0 (a skinned strip along x) drawn by node 0, at (0, 0, 5), with GPU instances at
    /// x = 0 and x = 10 and by node 1, skinned to joint node 2 (lifted by 2 in y); node 3
    /// draws it outside the scene.
    fn scene() -> Asset {
        let instanced = Node {
            mesh: Some(0),
            translation: Some([0., 0., 5.]),
            instancing: vec![InstanceAttribute {
                name: "TRANSLATION".into(),
                data: AttributeData::new_float(3, vec![0., 0., 0., 10., 0., 0.]),
            }],
            ..Node::default()
        };
        let skinned = Node {
            mesh: Some(0),
            skin: Some(0),
            // Ignored: a skinned mesh follows its joints.
            translation: Some([100., 0., 0.]),
            ..Node::default()
        };
        let joint = Node {
            translation: Some([0., 2., 0.]),
            ..Node::default()
        };
        Asset {
            scenes: vec![Scene {
                nodes: vec![0, 1, 2],
                ..Scene::default()
            }],
            nodes: vec![
                instanced,
                skinned,
                joint,
                Node {
                    mesh: Some(0),
                    ..Node::default()
                },
            ],
            meshes: vec![Mesh {
                primitives: vec![skinned_strip()],
                ..Mesh::default()
            }],
            skins: vec![Skin {
                joints: vec![2],
                ..Skin::default()
            }],
            ..Asset::default()
        }
    }

    #[test]
    fn rigid_placements_carry_every_gpu_instance() {
        let a = scene();
        let drawn = a.drawn_in_scene();
        assert_eq!(drawn.len(), 2, "node 3 is in no scene");
        let Placement::Rigid(instances) = &drawn[0].placement else {
            panic!("node 0 is not skinned");
        };
        assert_eq!(instances.len(), 2);
        let prim = &a.meshes[0].primitives[0];
        let world = drawn[0].world_positions(prim);
        assert_eq!(world[0][1], Vec3::new(1., 0., 5.));
        assert_eq!(world[1][1], Vec3::new(11., 0., 5.));
        assert_eq!(drawn[0].placement.max_scale(), 1.0);
        assert_eq!(
            a.drawn_anywhere().len(),
            3,
            "node 3 is drawn outside the scene"
        );
    }

    #[test]
    fn skinned_placements_follow_their_joints() {
        let a = scene();
        let drawn = &a.drawn_in_scene()[1];
        assert_eq!(drawn.node, 1);
        let Placement::Skinned { joints, instances } = &drawn.placement else {
            panic!("node 1 is skinned");
        };
        assert_eq!(joints, &[Mat4::from_translation(Vec3::Y * 2.)]);
        assert_eq!(instances, &[Mat4::IDENTITY]);
        let world = drawn.world_positions(&a.meshes[0].primitives[0]);
        // Vertices 0 to 2 are on the joint (vertex 2 partly on a joint the skin lacks, which
        // does not count); vertex 3 has no weight and keeps its bind position.
        let lifted = Vec3::Y * 2.;
        assert_eq!(
            world[0][..3],
            [lifted, Vec3::X + lifted, 2. * Vec3::X + lifted]
        );
        assert_eq!(world[0][3], Vec3::new(3., 0., 0.));
    }

    #[test]
    fn bounds_cover_exactly_what_is_drawn() {
        let a = scene();
        let (mut lo, mut hi) = (Vec3::INFINITY, Vec3::NEG_INFINITY);
        for d in a.drawn_in_scene() {
            for p in d.world_positions(&a.meshes[0].primitives[0]).concat() {
                (lo, hi) = (lo.min(p), hi.max(p));
            }
        }
        let b = a.bounds().expect("the scene draws something");
        assert_eq!((Vec3::from(b.min), Vec3::from(b.max)), (lo, hi));
        assert_eq!(
            hi,
            Vec3::new(13., 2., 5.),
            "the far instance's end sets the maximum"
        );
    }
}

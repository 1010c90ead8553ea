//! The scene in its rest pose: world matrices of nodes and skinned vertex positions.
//!
//! "Rest pose" is the node transforms as written in the file (no animation applied). Skinned
//! meshes ignore their own node's transform and follow their joints, as glTF specifies.

use super::{Asset, Node, Primitive, Semantic, Skin};
use glam::{Mat4, Vec3, Vec4};

impl Asset {
    /// World matrix of every node reachable from `scene`'s roots; `None` for the others.
    ///
    /// Precondition: the node graph is a forest (the reader rejects cycles and shared children).
    pub fn world_matrices(&self, scene: usize) -> Vec<Option<Mat4>> {
        let roots = self.scenes.get(scene).map_or(&[][..], |s| &s.nodes[..]);
        world_of(&self.nodes, roots)
    }

    /// World matrix of every node, treating every parentless node as a root (so joints outside
    /// the scene still get a pose).
    pub fn world_matrices_all(&self) -> Vec<Mat4> {
        let mut has_parent = vec![false; self.nodes.len()];
        for node in &self.nodes {
            for &c in &node.children {
                if let Some(p) = has_parent.get_mut(c) {
                    *p = true;
                }
            }
        }
        let roots: Vec<usize> = (0..self.nodes.len()).filter(|&n| !has_parent[n]).collect();
        world_of(&self.nodes, &roots)
            .into_iter()
            .map(|m| m.unwrap_or(Mat4::IDENTITY))
            .collect()
    }

    /// Joint matrices of `skin` (joint world matrix times inverse bind matrix), in joint order.
    pub fn joint_matrices(&self, skin: &Skin, world: &[Mat4]) -> Vec<Mat4> {
        skin.joints
            .iter()
            .enumerate()
            .map(|(j, &node)| {
                let ibm = skin
                    .inverse_bind_matrices
                    .as_ref()
                    .and_then(|m| m.get(j))
                    .map_or(Mat4::IDENTITY, Mat4::from_cols_array);
                world.get(node).copied().unwrap_or(Mat4::IDENTITY) * ibm
            })
            .collect()
    }
}

/// World matrices of `nodes` reachable from `roots` (`None` for the others); the nodes may be
/// a posed copy of an asset's.
pub fn world_of(nodes: &[Node], roots: &[usize]) -> Vec<Option<Mat4>> {
    let mut world = vec![None; nodes.len()];
    let mut stack: Vec<(usize, Mat4)> = roots.iter().map(|&n| (n, Mat4::IDENTITY)).collect();
    while let Some((n, parent)) = stack.pop() {
        let Some(node) = nodes.get(n) else {
            continue;
        };
        if world[n].is_some() {
            continue;
        }
        let m = parent * node.local_matrix();
        world[n] = Some(m);
        stack.extend(node.children.iter().map(|&c| (c, m)));
    }
    world
}

/// Positions of `prim` deformed by `joints` (from [`Asset::joint_matrices`]), in world space.
///
/// Every `JOINTS_n`/`WEIGHTS_n` pair contributes; vertices whose weights sum to zero keep their
/// bind position. Joint indices past `joints` are ignored.
pub fn skinned_positions(prim: &Primitive, joints: &[Mat4]) -> Vec<Vec3> {
    let positions = prim.positions();
    let mut sets = vec![];
    for n in 0.. {
        match (
            prim.attribute(&Semantic::Joints(n)),
            prim.attribute(&Semantic::Weights(n)),
        ) {
            (Some(j), Some(w)) => sets.push((j, w)),
            _ => break,
        }
    }
    positions
        .iter()
        .enumerate()
        .map(|(v, p)| {
            let p = Vec4::new(p[0], p[1], p[2], 1.0);
            let mut acc = Vec4::ZERO;
            let mut total = 0.0;
            for (j, w) in &sets {
                for (&joint, &weight) in j.get(v).iter().zip(w.get(v)) {
                    if weight != 0.0
                        && let Some(m) = joints.get(joint as usize)
                    {
                        acc += weight * (*m * p);
                        total += weight;
                    }
                }
            }
            if total > 0.0 {
                (acc / total).truncate()
            } else {
                p.truncate()
            }
        })
        .collect()
}

/// Matrix helpers the scene model needs.
pub trait Mat4Ext {
    /// Largest factor by which the matrix stretches a length (largest column of its 3x3 part).
    fn max_scale(&self) -> f32;
}

impl Mat4Ext for Mat4 {
    fn max_scale(&self) -> f32 {
        self.x_axis
            .truncate()
            .length()
            .max(self.y_axis.truncate().length())
            .max(self.z_axis.truncate().length())
    }
}

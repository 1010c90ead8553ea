//! World matrices of nodes and joints, from the node transforms as written in the file (the rest
//! pose, no animation applied) or from a posed copy of the nodes.
//!
//! What is drawn with these matrices (rigid instances or skinned vertices) is
//! [`super::placement`]'s business.

use super::{Asset, Node, Skin};
use glam::{Mat4, Vec3};

impl Asset {
    /// World matrix of every node, treating every parentless node as a root (so joints outside
    /// the scene still get a pose).
    pub fn world_matrices_all(&self) -> Vec<Mat4> {
        rest_of(&self.nodes)
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

impl Skin {
    /// Bind-pose position of every joint in the skinned mesh's space, in joint order: the
    /// translation of the inverse of its inverse bind matrix, or of its world matrix in `world`
    /// (one per node, e.g. [`Asset::world_matrices_all`]) when the skin has none.
    ///
    /// Precondition: every joint is a node index below `world.len()`.
    pub fn bind_joint_positions(&self, world: &[Mat4]) -> Vec<Vec3> {
        self.joints
            .iter()
            .enumerate()
            .map(|(j, &node)| {
                match self.inverse_bind_matrices.as_ref().and_then(|m| m.get(j)) {
                    // The inverse of the inverse bind matrix places the joint in mesh space.
                    Some(ibm) => Mat4::from_cols_array(ibm).inverse().w_axis.truncate(),
                    None => world[node].w_axis.truncate(),
                }
            })
            .collect()
    }
}

/// World matrix of every node of `nodes` (the asset's or a posed copy), every parentless node a
/// root.
pub fn rest_of(nodes: &[Node]) -> Vec<Mat4> {
    world_of(nodes, &parentless(nodes))
        .into_iter()
        .map(|m| m.unwrap_or(Mat4::IDENTITY))
        .collect()
}

/// Indices of the nodes that are no node's child.
pub fn parentless(nodes: &[Node]) -> Vec<usize> {
    let mut has_parent = vec![false; nodes.len()];
    for node in nodes {
        for &c in &node.children {
            if let Some(p) = has_parent.get_mut(c) {
                *p = true;
            }
        }
    }
    (0..nodes.len()).filter(|&n| !has_parent[n]).collect()
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

//! Linear blend skinning: the one kernel that deforms skinned vertices into world space, for
//! bounds, the surface-error tool and the renderer alike.
//!
//! Each vertex's skin matrix is the weighted sum of its joints' matrices over every
//! `JOINTS_n`/`WEIGHTS_n` pair, divided by the sum of the weights that counted (weights are
//! renormalized, as viewers do). Positions, normals and tangents are all deformed by that one
//! matrix. Where the joint matrices come from (which pose, which nodes) is
//! [`super::placement`]'s business, not this module's.

use super::{AttributeData, Primitive, Semantic};
use glam::{Mat3, Mat4, Vec3};

/// The skinning streams of one primitive together with the joint matrices they index.
pub struct Skinning<'a> {
    sets: Vec<(&'a AttributeData, &'a AttributeData)>,
    joints: &'a [Mat4],
}

/// The blended joint matrix of one vertex: takes its bind-pose (mesh-space) attributes to world
/// space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkinMatrix(Mat4);

impl<'a> Skinning<'a> {
    /// Reads `prim`'s `JOINTS_n`/`WEIGHTS_n` pairs (n = 0, 1, … while both exist); `joints` are
    /// joint matrices (joint world matrix times inverse bind matrix) in the skin's joint order.
    pub fn new(prim: &'a Primitive, joints: &'a [Mat4]) -> Self {
        let sets = (0..)
            .map_while(|k| {
                Some((
                    prim.attribute(&Semantic::Joints(k))?,
                    prim.attribute(&Semantic::Weights(k))?,
                ))
            })
            .collect();
        Skinning { sets, joints }
    }

    /// The skin matrix of vertex `v`, or `None` when its weights that count sum to zero or less
    /// (such a vertex keeps its bind-pose attributes). Zero weights and joint indices past the
    /// joint matrices do not count.
    ///
    /// Precondition: `v` is below the primitive's vertex count.
    pub fn matrix(&self, v: usize) -> Option<SkinMatrix> {
        let mut m = Mat4::ZERO;
        let mut total = 0.0;
        for (j, w) in &self.sets {
            for (&joint, &weight) in j.get(v).iter().zip(w.get(v)) {
                if let (true, Some(jm)) = (weight != 0.0, self.joints.get(joint as usize)) {
                    m += *jm * weight;
                    total += weight;
                }
            }
        }
        if total <= 0.0 {
            return None;
        }
        Some(SkinMatrix(m * (1.0 / total)))
    }
}

impl SkinMatrix {
    /// A position, deformed.
    pub fn point(&self, p: Vec3) -> Vec3 {
        self.0.transform_point3(p)
    }

    /// A normal, deformed by the inverse transpose and made unit length (zero stays zero).
    pub fn normal(&self, n: Vec3) -> Vec3 {
        (Mat3::from_mat4(self.0).inverse().transpose() * n).normalize_or_zero()
    }

    /// A direction such as a tangent, deformed by the matrix's 3x3 part (not renormalized).
    pub fn vector(&self, t: Vec3) -> Vec3 {
        Mat3::from_mat4(self.0) * t
    }
}

/// Positions of `prim` deformed by `joints` into world space; vertices whose weights do not count
/// keep their bind position (see [`Skinning::matrix`]).
pub fn skinned_positions(prim: &Primitive, joints: &[Mat4]) -> Vec<Vec3> {
    let skinning = Skinning::new(prim, joints);
    prim.positions()
        .iter()
        .enumerate()
        .map(|(v, p)| {
            let p = Vec3::from(*p);
            skinning.matrix(v).map_or(p, |m| m.point(p))
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::asset::Attribute;

    /// Two vertices on joint 0, one split evenly between joints 0 and 1, one with no weight.
    pub(in crate::asset) fn skinned_strip() -> Primitive {
        let float = |semantic, dims, values| Attribute {
            semantic,
            data: AttributeData::new_float(dims, values),
        };
        Primitive {
            attributes: vec![
                float(
                    Semantic::Position,
                    3,
                    vec![0., 0., 0., 1., 0., 0., 2., 0., 0., 3., 0., 0.],
                ),
                // Joint indices are stored as bytes in files; the kernel reads them as floats.
                float(
                    Semantic::Joints(0),
                    4,
                    vec![
                        0., 0., 0., 0., 0., 0., 0., 0., 0., 1., 0., 0., 0., 0., 0., 0.,
                    ],
                ),
                float(
                    Semantic::Weights(0),
                    4,
                    vec![
                        1., 0., 0., 0., 1., 0., 0., 0., 0.5, 0.5, 0., 0., 0., 0., 0., 0.,
                    ],
                ),
            ],
            ..Primitive::default()
        }
    }

    #[test]
    fn vertices_follow_their_weighted_joints() {
        let up = Mat4::from_translation(Vec3::Y * 2.0);
        let joints = [Mat4::IDENTITY, up];
        let p = skinned_positions(&skinned_strip(), &joints);
        assert_eq!(p[0], Vec3::ZERO);
        assert_eq!(p[1], Vec3::X);
        // Half on each joint: half of joint 1's lift.
        assert_eq!(p[2], Vec3::new(2., 1., 0.));
        // No weight: the bind position.
        assert_eq!(p[3], Vec3::new(3., 0., 0.));
    }

    #[test]
    fn normals_take_the_inverse_transpose() {
        let squash = Mat4::from_scale(Vec3::new(1., 0.5, 1.));
        let prim = skinned_strip();
        let skinning = Skinning::new(&prim, std::slice::from_ref(&squash));
        let m = skinning.matrix(0).expect("vertex 0 is weighted");
        let n = m.normal(Vec3::new(1., 1., 0.).normalize());
        // Squashing y tilts a 45-degree normal towards y (it stays perpendicular to the surface).
        assert!(
            (n - Vec3::new(1., 2., 0.).normalize()).length() < 1e-6,
            "{n}"
        );
        assert_eq!(m.vector(Vec3::Y), Vec3::Y * 0.5);
        // Joint 1 is past the one matrix given: vertex 2 keeps only joint 0's half, renormalized.
        assert_eq!(skinning.matrix(2), Some(SkinMatrix(squash)));
    }
}

//! Counts and bounds of an asset, as reported in the manifest and by `inspect`.

use super::{Asset, Mode, Placement, skinning::skinned_positions};
use glam::Vec3;
use serde::{Deserialize, Serialize};

/// How much of everything an asset holds. Geometry counts are per mesh, not per instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Triangles over all triangle primitives (strips and fans counted as the triangles they draw).
    pub triangles: u64,
    /// Vertices over all primitives.
    pub vertices: u64,
    /// Points and line primitives (passed through untouched).
    pub point_and_line_primitives: u64,
    /// Nodes.
    pub nodes: u64,
    /// Meshes.
    pub meshes: u64,
    /// Primitives over all meshes.
    pub primitives: u64,
    /// Materials.
    pub materials: u64,
    /// Textures.
    pub textures: u64,
    /// Images.
    pub images: u64,
    /// Animations.
    pub animations: u64,
    /// Skins.
    pub skins: u64,
    /// Morph targets over all primitives.
    pub morph_targets: u64,
    /// Cameras.
    pub cameras: u64,
    /// Scenes.
    pub scenes: u64,
}

/// An axis-aligned box in world units (metres, by glTF convention).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// Minimum corner.
    pub min: [f32; 3],
    /// Maximum corner.
    pub max: [f32; 3],
}

impl Bounds {
    /// Length of the box diagonal; 0 for a point.
    pub fn diagonal(&self) -> f32 {
        (Vec3::from(self.max) - Vec3::from(self.min)).length()
    }

    /// Centre of the box.
    pub fn center(&self) -> Vec3 {
        (Vec3::from(self.max) + Vec3::from(self.min)) * 0.5
    }

    fn extend(acc: &mut Option<(Vec3, Vec3)>, p: Vec3) {
        *acc = Some(match *acc {
            None => (p, p),
            Some((lo, hi)) => (lo.min(p), hi.max(p)),
        });
    }
}

impl Asset {
    /// Counts of every kind of object.
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            nodes: self.nodes.len() as u64,
            meshes: self.meshes.len() as u64,
            materials: self.materials.len() as u64,
            textures: self.textures.len() as u64,
            images: self.images.len() as u64,
            animations: self.animations.len() as u64,
            skins: self.skins.len() as u64,
            cameras: self.cameras.len() as u64,
            scenes: self.scenes.len() as u64,
            ..Counts::default()
        };
        for (_, _, prim) in self.primitives() {
            c.primitives += 1;
            c.triangles += prim.triangle_count() as u64;
            c.vertices += prim.vertex_count() as u64;
            c.morph_targets += prim.targets.len() as u64;
            if !matches!(
                prim.mode,
                Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan
            ) {
                c.point_and_line_primitives += 1;
            }
        }
        c
    }

    /// World-space bounds of the default scene in its rest pose (skinned meshes posed by their
    /// joints, GPU instances included). `None` when nothing with positions is in the scene.
    pub fn bounds(&self) -> Option<Bounds> {
        let mut acc = None;
        for drawn in self.drawn_in_scene() {
            for prim in &self.meshes[drawn.mesh].primitives {
                match &drawn.placement {
                    Placement::Skinned { joints, .. } => {
                        for p in skinned_positions(prim, joints) {
                            Bounds::extend(&mut acc, p);
                        }
                    }
                    Placement::Rigid(instances) => {
                        let Some((lo, hi)) = local_box(prim.positions()) else {
                            continue;
                        };
                        for inst in instances {
                            for corner in box_corners(lo, hi) {
                                Bounds::extend(&mut acc, inst.transform_point3(corner));
                            }
                        }
                    }
                }
            }
        }
        acc.map(|(lo, hi)| Bounds {
            min: lo.into(),
            max: hi.into(),
        })
    }
}

/// Local bounding box of a position list.
pub fn local_box(positions: &[[f32; 3]]) -> Option<(Vec3, Vec3)> {
    let mut acc = None;
    for p in positions {
        Bounds::extend(&mut acc, Vec3::from(*p));
    }
    acc
}

fn box_corners(lo: Vec3, hi: Vec3) -> [Vec3; 8] {
    std::array::from_fn(|i| {
        Vec3::new(
            if i & 1 == 0 { lo.x } else { hi.x },
            if i & 2 == 0 { lo.y } else { hi.y },
            if i & 4 == 0 { lo.z } else { hi.z },
        )
    })
}

//! Nodes, scenes, skins and cameras.

use super::{AttributeData, Ext};
use glam::{Mat4, Quat, Vec3};
use serde::{Deserialize, Serialize};

/// One `EXT_mesh_gpu_instancing` stream (`TRANSLATION`, `ROTATION`, `SCALE` or custom).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceAttribute {
    /// Attribute name as in the file.
    pub name: String,
    /// One element per instance.
    pub data: AttributeData,
}

/// A node of the scene graph, in glTF's JSON shape.
///
/// The transform is kept the way the file wrote it (`matrix` or TRS), so a node that was a matrix
/// stays one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Node {
    /// Name; named nodes are kept by pruning by default, configurators address them by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Child node indices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<usize>,
    /// Mesh drawn at this node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh: Option<usize>,
    /// Skin deforming the mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skin: Option<usize>,
    /// Camera at this node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<usize>,
    /// Column-major local matrix, when the file used one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<[f32; 16]>,
    /// Translation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation: Option<[f32; 3]>,
    /// Rotation quaternion (x, y, z, w).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<[f32; 4]>,
    /// Scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<[f32; 3]>,
    /// Morph weights overriding the mesh's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f32>>,
    /// Extensions (e.g. `KHR_lights_punctual`) and extras.
    #[serde(flatten)]
    pub ext: Ext,
    /// Decoded `EXT_mesh_gpu_instancing` streams; written back into that extension.
    #[serde(skip)]
    pub instancing: Vec<InstanceAttribute>,
}

impl Node {
    /// The local transform as a matrix.
    pub fn local_matrix(&self) -> Mat4 {
        if let Some(m) = self.matrix {
            return Mat4::from_cols_array(&m);
        }
        let t = self.translation.map_or(Vec3::ZERO, Vec3::from);
        let r = self.rotation.map_or(Quat::IDENTITY, Quat::from_array);
        let s = self.scale.map_or(Vec3::ONE, Vec3::from);
        Mat4::from_scale_rotation_translation(s, r, t)
    }

    /// Local transforms of the node's GPU instances (`EXT_mesh_gpu_instancing`), or one identity
    /// when the node is not instanced.
    pub fn instance_matrices(&self) -> Vec<Mat4> {
        let stream = |name: &str| self.instancing.iter().find(|a| a.name == name);
        let count = self.instancing.first().map_or(0, |a| a.data.count());
        if count == 0 {
            return vec![Mat4::IDENTITY];
        }
        let (t, r, s) = (stream("TRANSLATION"), stream("ROTATION"), stream("SCALE"));
        (0..count)
            .map(|i| {
                let t = t.map_or(Vec3::ZERO, |a| Vec3::from_slice(a.data.get(i)));
                let r = r.map_or(Quat::IDENTITY, |a| Quat::from_slice(a.data.get(i)));
                let s = s.map_or(Vec3::ONE, |a| Vec3::from_slice(a.data.get(i)));
                Mat4::from_scale_rotation_translation(s, r, t)
            })
            .collect()
    }

    /// True when the node has a transform other than identity written in the file.
    pub fn has_transform(&self) -> bool {
        self.matrix.is_some()
            || self.translation.is_some()
            || self.rotation.is_some()
            || self.scale.is_some()
    }
}

/// A scene: a set of root nodes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scene {
    /// Name from the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Root node indices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<usize>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// A skin: joints and their inverse bind matrices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Skin {
    /// Name from the file.
    pub name: Option<String>,
    /// Column-major inverse bind matrices, one per joint; `None` means identities.
    pub inverse_bind_matrices: Option<Vec<[f32; 16]>>,
    /// Root of the joint hierarchy, if given.
    pub skeleton: Option<usize>,
    /// Joint node indices.
    pub joints: Vec<usize>,
    /// Extensions and extras.
    pub ext: Ext,
}

/// Perspective projection parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Perspective {
    /// Width over height; `None` uses the viewport's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<f32>,
    /// Vertical field of view in radians.
    pub yfov: f32,
    /// Far plane distance; `None` means infinite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zfar: Option<f32>,
    /// Near plane distance.
    pub znear: f32,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// Orthographic projection parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Orthographic {
    /// Half width of the view volume.
    pub xmag: f32,
    /// Half height of the view volume.
    pub ymag: f32,
    /// Far plane distance.
    pub zfar: f32,
    /// Near plane distance.
    pub znear: f32,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// A camera, in glTF's JSON shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    /// Name from the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// "perspective" or "orthographic".
    #[serde(rename = "type")]
    pub kind: String,
    /// Set when `kind` is "perspective".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perspective: Option<Perspective>,
    /// Set when `kind` is "orthographic".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orthographic: Option<Orthographic>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

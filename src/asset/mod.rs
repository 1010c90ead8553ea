//! The crate's own scene model: a decoded, mutable glTF asset.
//!
//! An [`Asset`] holds everything a glTF file holds, with the binary parts decoded: vertex
//! attributes and animation keys are plain `f32` arrays that remember the storage format they came
//! in, indices are `u32`, images are shared byte buffers. Objects that glTF describes purely in
//! JSON (materials, cameras, samplers, nodes, scenes) keep the JSON shape, so they can be
//! serialized back without loss; their `extensions` and `extras` ride along in [`Ext`].
//!
//! This module knows nothing about files, GPUs or queues. `format::read` fills it and
//! `format::write` turns it back into a GLB; the pipeline stages edit it in between.

mod animation;
mod material;
mod mesh;
pub mod placement;
pub mod pose;
mod scene;
pub mod skinning;
mod stats;
mod texture;
mod texture_info;

pub use animation::{Animation, AnimationSampler, Channel, ChannelTarget};
pub use material::{AlphaMode, Material, PbrMetallicRoughness};
pub use mesh::{
    Attribute, AttributeData, Component, Format, Mesh, Mode, Primitive, Semantic, VariantMapping,
    weight_sum_tolerance,
};
pub use placement::{Drawn, Placement};
pub use pose::Mat4Ext;
pub use scene::{Camera, InstanceAttribute, Node, Scene, Skin};
pub use stats::{Bounds, Counts};
pub use texture::{Image, Sampler, Texture};
pub use texture_info::{TextureInfo, UvTransform};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Extension objects and application-specific extras of one glTF object, kept verbatim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ext {
    /// `extensions`: extension name to its JSON object.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Value>,
    /// `extras`: any JSON value the author attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extras: Option<Value>,
}

impl Ext {
    /// True when there is neither an extension nor extras.
    pub fn is_empty(&self) -> bool {
        self.extensions.is_empty() && self.extras.is_none()
    }
}

/// The `asset` object: version and provenance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetInfo {
    /// glTF version, "2.0".
    pub version: String,
    /// Minimum glTF version a loader must support, if the author set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_version: Option<String>,
    /// Tool that wrote the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// Copyright notice; always kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright: Option<String>,
    /// Extensions and extras of the `asset` object.
    #[serde(flatten)]
    pub ext: Ext,
}

/// A whole decoded glTF asset. Indices between objects are positions in these vectors, as in glTF.
#[derive(Debug, Clone, Default)]
pub struct Asset {
    /// The `asset` object.
    pub info: AssetInfo,
    /// Scenes; `scene` selects the default one.
    pub scenes: Vec<Scene>,
    /// Default scene index, if the file names one.
    pub scene: Option<usize>,
    /// All nodes, in file order.
    pub nodes: Vec<Node>,
    /// Meshes with decoded geometry.
    pub meshes: Vec<Mesh>,
    /// Materials.
    pub materials: Vec<Material>,
    /// Textures (image + sampler pairs).
    pub textures: Vec<Texture>,
    /// Images with their encoded bytes.
    pub images: Vec<Image>,
    /// Texture samplers.
    pub samplers: Vec<Sampler>,
    /// Skins with decoded inverse bind matrices.
    pub skins: Vec<Skin>,
    /// Animations with decoded keyframes.
    pub animations: Vec<Animation>,
    /// Cameras.
    pub cameras: Vec<Camera>,
    /// Extensions the input declared as required; used to keep `extensionsRequired` right.
    pub extensions_required: BTreeSet<String>,
    /// Root-level extensions (e.g. `KHR_lights_punctual`) and extras.
    pub ext: Ext,
}

impl Asset {
    /// An asset of one scene with one node drawing one mesh of `primitive` (fixtures, the
    /// renderer's self-test).
    pub fn of_primitive(primitive: Primitive) -> Asset {
        Asset {
            meshes: vec![Mesh {
                primitives: vec![primitive],
                ..Mesh::default()
            }],
            nodes: vec![Node {
                mesh: Some(0),
                ..Node::default()
            }],
            scenes: vec![Scene {
                nodes: vec![0],
                ..Scene::default()
            }],
            ..Asset::default()
        }
    }

    /// The scene a viewer shows first: `scene`, else the first scene, else none.
    pub fn default_scene(&self) -> Option<usize> {
        self.scene.or(if self.scenes.is_empty() {
            None
        } else {
            Some(0)
        })
    }

    /// Every primitive of every mesh, with its mesh and primitive index.
    pub fn primitives(&self) -> impl Iterator<Item = (usize, usize, &Primitive)> {
        self.meshes.iter().enumerate().flat_map(|(m, mesh)| {
            mesh.primitives
                .iter()
                .enumerate()
                .map(move |(p, prim)| (m, p, prim))
        })
    }
}

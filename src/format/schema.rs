//! The glTF JSON document for the objects that carry binary data.
//!
//! Objects that are pure JSON (materials, textures, samplers, cameras, nodes, scenes) are
//! deserialized straight into the [`crate::asset`] types. The ones here (accessors, buffer views,
//! buffers, images, meshes, skins, animations) hold references into binary buffers; the reader
//! decodes them into the asset model and the writer produces them anew.

use crate::asset::{AssetInfo, Camera, Ext, Material, Node, Sampler, Scene, Texture};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn is_zero(v: &usize) -> bool {
    *v == 0
}

fn is_false(v: &bool) -> bool {
    !*v
}

/// The root object.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Root {
    /// Extension names used anywhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions_used: Vec<String>,
    /// Extension names a loader must support.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions_required: Vec<String>,
    /// Version and provenance.
    pub asset: AssetInfo,
    /// Default scene.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene: Option<usize>,
    /// Scenes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenes: Vec<Scene>,
    /// Nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<Node>,
    /// Meshes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meshes: Vec<Mesh>,
    /// Materials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub materials: Vec<Material>,
    /// Textures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub textures: Vec<Texture>,
    /// Images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    /// Samplers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samplers: Vec<Sampler>,
    /// Skins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skins: Vec<Skin>,
    /// Animations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub animations: Vec<Animation>,
    /// Cameras.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cameras: Vec<Camera>,
    /// Accessors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accessors: Vec<Accessor>,
    /// Buffer views.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buffer_views: Vec<BufferView>,
    /// Buffers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buffers: Vec<Buffer>,
    /// Root extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// A typed view into a buffer view.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accessor {
    /// Source buffer view; `None` means zeros (possibly overridden by `sparse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_view: Option<usize>,
    /// Offset into the buffer view, bytes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub byte_offset: usize,
    /// glTF component type code.
    pub component_type: u32,
    /// Normalized integers.
    #[serde(default, skip_serializing_if = "is_false")]
    pub normalized: bool,
    /// Number of elements.
    pub count: usize,
    /// "SCALAR", "VEC2", ... "MAT4".
    #[serde(rename = "type")]
    pub kind: String,
    /// Per-component maximum, in stored (not normalized) units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Vec<f64>>,
    /// Per-component minimum, in stored (not normalized) units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Vec<f64>>,
    /// Sparse substitution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sparse: Option<Sparse>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// Sparse storage of an accessor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sparse {
    /// Number of substituted elements.
    pub count: usize,
    /// Which elements are substituted.
    pub indices: SparseIndices,
    /// The substituted values.
    pub values: SparseValues,
}

/// Indices of a sparse accessor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SparseIndices {
    /// Buffer view holding the indices.
    pub buffer_view: usize,
    /// Offset into it, bytes.
    #[serde(default)]
    pub byte_offset: usize,
    /// 5121, 5123 or 5125.
    pub component_type: u32,
}

/// Values of a sparse accessor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SparseValues {
    /// Buffer view holding the values.
    pub buffer_view: usize,
    /// Offset into it, bytes.
    #[serde(default)]
    pub byte_offset: usize,
}

/// A byte range of a buffer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BufferView {
    /// Buffer index.
    pub buffer: usize,
    /// Offset into the buffer, bytes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub byte_offset: usize,
    /// Length, bytes.
    pub byte_length: usize,
    /// Distance between elements, bytes (vertex attributes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_stride: Option<usize>,
    /// 34962 ARRAY_BUFFER or 34963 ELEMENT_ARRAY_BUFFER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<u32>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// A binary blob: the GLB BIN chunk, a data: URI or an external file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Buffer {
    /// Where the bytes are; `None` for the GLB BIN chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Length, bytes.
    pub byte_length: usize,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// An image, by URI or buffer view.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// URI (data: or relative path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// MIME type; required with `buffer_view`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Buffer view holding the encoded image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_view: Option<usize>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// A mesh.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Mesh {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Primitives.
    pub primitives: Vec<Primitive>,
    /// Default morph weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f32>>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// A primitive: attribute name to accessor index, and so on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Primitive {
    /// Attribute semantic to accessor.
    pub attributes: BTreeMap<String, usize>,
    /// Index accessor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indices: Option<usize>,
    /// Material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<usize>,
    /// Topology code; 4 (triangles) by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// Morph targets: semantic to accessor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<BTreeMap<String, usize>>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// A skin.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skin {
    /// Accessor of MAT4 inverse bind matrices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inverse_bind_matrices: Option<usize>,
    /// Skeleton root node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skeleton: Option<usize>,
    /// Joint nodes.
    pub joints: Vec<usize>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// An animation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Animation {
    /// Channels.
    pub channels: Vec<Channel>,
    /// Samplers.
    pub samplers: Vec<AnimationSampler>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// An animation channel.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Channel {
    /// Sampler index within the animation.
    pub sampler: usize,
    /// Animated property.
    pub target: ChannelTarget,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// An animation channel target.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChannelTarget {
    /// Node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<usize>,
    /// Property path.
    pub path: String,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// An animation sampler.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AnimationSampler {
    /// Accessor of key times.
    pub input: usize,
    /// Interpolation; "LINEAR" by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpolation: Option<String>,
    /// Accessor of key values.
    pub output: usize,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

//! Meshes, primitives and their decoded vertex streams.

use super::Ext;
use serde::{Deserialize, Serialize};
use std::fmt;

/// glTF accessor component types (the `componentType` codes of the specification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// 5120, signed byte.
    I8,
    /// 5121, unsigned byte.
    U8,
    /// 5122, signed short.
    I16,
    /// 5123, unsigned short.
    U16,
    /// 5125, unsigned int (indices only).
    U32,
    /// 5126, 32-bit float.
    F32,
}

impl Component {
    /// Parses a glTF `componentType` code.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            5120 => Component::I8,
            5121 => Component::U8,
            5122 => Component::I16,
            5123 => Component::U16,
            5125 => Component::U32,
            5126 => Component::F32,
            _ => return None,
        })
    }

    /// The glTF `componentType` code.
    pub fn code(self) -> u32 {
        match self {
            Component::I8 => 5120,
            Component::U8 => 5121,
            Component::I16 => 5122,
            Component::U16 => 5123,
            Component::U32 => 5125,
            Component::F32 => 5126,
        }
    }

    /// Size of one component in bytes.
    pub fn size(self) -> usize {
        match self {
            Component::I8 | Component::U8 => 1,
            Component::I16 | Component::U16 => 2,
            Component::U32 | Component::F32 => 4,
        }
    }

    /// The number a file stores for the value `v`: integer types round (after scaling by
    /// their maximum when `normalized`) and clamp to their range; floats are `v` itself.
    pub fn stored(self, normalized: bool, v: f32) -> f64 {
        let scaled = |max: f32| f64::from(if normalized { v * max } else { v }).round();
        match self {
            Component::I8 => scaled(127.0).clamp(-128.0, 127.0),
            Component::U8 => scaled(255.0).clamp(0.0, 255.0),
            Component::I16 => scaled(32767.0).clamp(-32768.0, 32767.0),
            Component::U16 => scaled(65535.0).clamp(0.0, 65535.0),
            Component::U32 => f64::from(v).round().clamp(0.0, f64::from(u32::MAX)),
            Component::F32 => f64::from(v),
        }
    }
}

/// How one element of an accessor is stored: component type, normalization and component count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Format {
    /// Component type.
    pub component: Component,
    /// Integer components map to [0, 1] or [-1, 1] when true.
    pub normalized: bool,
    /// Components per element: 1 (SCALAR), 2-4 (VECn), 4/9/16 for MAT2/3/4 (see `matrix`).
    pub dims: usize,
    /// True for MAT2/MAT3/MAT4, whose small-component columns are padded to 4 bytes.
    pub matrix: bool,
}

impl Format {
    /// A float format with `dims` components.
    pub fn float(dims: usize) -> Self {
        Format {
            component: Component::F32,
            normalized: false,
            dims,
            matrix: false,
        }
    }

    /// The glTF accessor `type` string.
    pub fn type_name(&self) -> &'static str {
        match (self.matrix, self.dims) {
            (true, 4) => "MAT2",
            (true, 9) => "MAT3",
            (true, 16) => "MAT4",
            (_, 1) => "SCALAR",
            (_, 2) => "VEC2",
            (_, 3) => "VEC3",
            _ => "VEC4",
        }
    }

    /// Parses an accessor `type` string into (dims, matrix).
    pub fn dims_of(type_name: &str) -> Option<(usize, bool)> {
        Some(match type_name {
            "SCALAR" => (1, false),
            "VEC2" => (2, false),
            "VEC3" => (3, false),
            "VEC4" => (4, false),
            "MAT2" => (4, true),
            "MAT3" => (9, true),
            "MAT4" => (16, true),
            _ => return None,
        })
    }

    /// Bytes of one tightly packed element, including the column padding glTF requires for
    /// MAT2 of 1-byte and MAT3 of 1- or 2-byte components.
    pub fn element_size(&self) -> usize {
        let (rows, column) = self.columns();
        (self.dims / rows) * column
    }

    /// Byte offset of component `k` inside one element (accounts for matrix column padding).
    pub fn component_offset(&self, k: usize) -> usize {
        let (rows, column) = self.columns();
        (k / rows) * column + (k % rows) * self.component.size()
    }

    /// (components per column, bytes per column): matrix columns start on 4-byte boundaries;
    /// a vector is one column.
    fn columns(&self) -> (usize, usize) {
        let c = self.component.size();
        if self.matrix {
            let rows = match self.dims {
                4 => 2,
                9 => 3,
                _ => 4,
            };
            (rows, (rows * c).next_multiple_of(4))
        } else {
            (self.dims, self.dims * c)
        }
    }
}

/// A decoded accessor: `count * format.dims` floats, element-major.
///
/// Normalized integers are stored as their float value (e.g. u8 255 -> 1.0); the format remembers
/// how they were stored so the writer can store them the same way without loss.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeData {
    /// Storage format of the source accessor.
    pub format: Format,
    /// Element-major values; `values.len()` is a multiple of `format.dims`.
    pub values: Vec<f32>,
}

impl AttributeData {
    /// Float data with `dims` components per element.
    pub fn new_float(dims: usize, values: Vec<f32>) -> Self {
        AttributeData {
            format: Format::float(dims),
            values,
        }
    }

    /// Number of elements.
    pub fn count(&self) -> usize {
        self.values.len() / self.format.dims
    }

    /// Components of element `i`. Panics when `i >= count()`.
    pub fn get(&self, i: usize) -> &[f32] {
        let d = self.format.dims;
        &self.values[i * d..i * d + d]
    }

    /// Moves element `i` to position `remap[i]` of a stream of `new_count` elements; elements
    /// whose entry is `u32::MAX` are dropped (meshopt's remap-table convention).
    ///
    /// Precondition: `remap.len() == self.count()` and every other entry is `< new_count`.
    pub fn scatter(&self, remap: &[u32], new_count: usize) -> AttributeData {
        let d = self.format.dims;
        let mut values = vec![0.0; new_count * d];
        for (i, &r) in remap.iter().enumerate() {
            if r != u32::MAX {
                let r = r as usize;
                values[r * d..r * d + d].copy_from_slice(&self.values[i * d..i * d + d]);
            }
        }
        AttributeData {
            format: self.format,
            values,
        }
    }

    /// Keeps the elements listed in `order`, in that order (a gather).
    pub fn gather(&self, order: &[u32]) -> AttributeData {
        let d = self.format.dims;
        let mut values = Vec::with_capacity(order.len() * d);
        for &i in order {
            let i = i as usize;
            values.extend_from_slice(&self.values[i * d..i * d + d]);
        }
        AttributeData {
            format: self.format,
            values,
        }
    }
}

/// A vertex attribute semantic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Semantic {
    /// `POSITION`
    Position,
    /// `NORMAL`
    Normal,
    /// `TANGENT`
    Tangent,
    /// `TEXCOORD_n`
    TexCoord(u32),
    /// `COLOR_n`
    Color(u32),
    /// `JOINTS_n`
    Joints(u32),
    /// `WEIGHTS_n`
    Weights(u32),
    /// An application-specific attribute (`_NAME`) or any other name, kept verbatim.
    Custom(String),
}

impl Semantic {
    /// Parses an attribute name as written in the glTF JSON.
    pub fn parse(name: &str) -> Semantic {
        let indexed = |prefix: &str| -> Option<u32> {
            name.strip_prefix(prefix)
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse().ok())
        };
        match name {
            "POSITION" => Semantic::Position,
            "NORMAL" => Semantic::Normal,
            "TANGENT" => Semantic::Tangent,
            _ => {
                if let Some(n) = indexed("TEXCOORD_") {
                    Semantic::TexCoord(n)
                } else if let Some(n) = indexed("COLOR_") {
                    Semantic::Color(n)
                } else if let Some(n) = indexed("JOINTS_") {
                    Semantic::Joints(n)
                } else if let Some(n) = indexed("WEIGHTS_") {
                    Semantic::Weights(n)
                } else {
                    Semantic::Custom(name.to_string())
                }
            }
        }
    }
}

impl fmt::Display for Semantic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Semantic::Position => f.write_str("POSITION"),
            Semantic::Normal => f.write_str("NORMAL"),
            Semantic::Tangent => f.write_str("TANGENT"),
            Semantic::TexCoord(n) => write!(f, "TEXCOORD_{n}"),
            Semantic::Color(n) => write!(f, "COLOR_{n}"),
            Semantic::Joints(n) => write!(f, "JOINTS_{n}"),
            Semantic::Weights(n) => write!(f, "WEIGHTS_{n}"),
            Semantic::Custom(s) => f.write_str(s),
        }
    }
}

/// How far skin weights of storage `component` may sum from 1 before the Khronos validator
/// reports them (it allows for the storage precision).
pub fn weight_sum_tolerance(component: Component) -> f32 {
    match component {
        Component::U8 => 2.0 / 255.0,
        Component::U16 => 2.0 / 65535.0,
        _ => 2e-3,
    }
}

/// One named vertex stream of a primitive (or of a morph target).
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// What the stream means.
    pub semantic: Semantic,
    /// One element per vertex.
    pub data: AttributeData,
}

/// Primitive topology (`mode`). Strips and fans are converted to `Triangles` when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// 0
    Points,
    /// 1
    Lines,
    /// 2
    LineLoop,
    /// 3
    LineStrip,
    /// 4
    #[default]
    Triangles,
    /// 5
    TriangleStrip,
    /// 6
    TriangleFan,
}

impl Mode {
    /// Parses a glTF `mode` code.
    pub fn from_code(code: u32) -> Option<Mode> {
        Some(match code {
            0 => Mode::Points,
            1 => Mode::Lines,
            2 => Mode::LineLoop,
            3 => Mode::LineStrip,
            4 => Mode::Triangles,
            5 => Mode::TriangleStrip,
            6 => Mode::TriangleFan,
            _ => return None,
        })
    }

    /// The glTF `mode` code.
    pub fn code(self) -> u32 {
        match self {
            Mode::Points => 0,
            Mode::Lines => 1,
            Mode::LineLoop => 2,
            Mode::LineStrip => 3,
            Mode::Triangles => 4,
            Mode::TriangleStrip => 5,
            Mode::TriangleFan => 6,
        }
    }
}

/// One `KHR_materials_variants` mapping of a primitive: these variants use this material.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantMapping {
    /// Material index used by the listed variants.
    pub material: usize,
    /// Indices into the root `KHR_materials_variants.variants` array.
    pub variants: Vec<usize>,
    /// Optional name of the mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Extensions and extras of the mapping.
    #[serde(flatten)]
    pub ext: Ext,
}

/// A draw call's worth of geometry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Primitive {
    /// Topology.
    pub mode: Mode,
    /// Vertex streams; all have the same element count.
    pub attributes: Vec<Attribute>,
    /// Index buffer; `None` for non-indexed points and lines (triangles are always indexed once
    /// read).
    pub indices: Option<Vec<u32>>,
    /// Material index.
    pub material: Option<usize>,
    /// Morph targets: per target, the delta streams (same vertex count as `attributes`).
    pub targets: Vec<Vec<Attribute>>,
    /// `KHR_materials_variants` mappings.
    pub variants: Vec<VariantMapping>,
    /// Other extensions and extras of the primitive.
    pub ext: Ext,
}

impl Primitive {
    /// Number of vertices (elements of the first stream).
    pub fn vertex_count(&self) -> usize {
        self.attributes.first().map_or(0, |a| a.data.count())
    }

    /// Number of triangles drawn (0 for points and lines).
    pub fn triangle_count(&self) -> usize {
        let n = self
            .indices
            .as_ref()
            .map_or(self.vertex_count(), |i| i.len());
        match self.mode {
            Mode::Triangles => n / 3,
            Mode::TriangleStrip | Mode::TriangleFan => n.saturating_sub(2),
            _ => 0,
        }
    }

    /// The stream with this semantic, if present.
    pub fn attribute(&self, semantic: &Semantic) -> Option<&AttributeData> {
        self.attributes
            .iter()
            .find(|a| &a.semantic == semantic)
            .map(|a| &a.data)
    }

    /// Positions as `[x, y, z]` triples. Empty when the primitive has no POSITION.
    pub fn positions(&self) -> &[[f32; 3]] {
        match self.attribute(&Semantic::Position) {
            Some(a) if a.format.dims == 3 => {
                let (chunks, _) = a.values.as_chunks::<3>();
                chunks
            }
            _ => &[],
        }
    }

    /// Every vertex stream, base and morph target deltas.
    pub fn streams(&self) -> impl Iterator<Item = &AttributeData> {
        self.attributes
            .iter()
            .chain(self.targets.iter().flatten())
            .map(|a| &a.data)
    }

    /// Applies a vertex remap table to every stream and the index buffer (see
    /// [`AttributeData::scatter`]).
    pub fn remap_vertices(&mut self, remap: &[u32], new_count: usize) {
        for s in self.streams_mut() {
            *s = s.scatter(remap, new_count);
        }
        if let Some(indices) = &mut self.indices {
            for i in indices.iter_mut() {
                *i = remap[*i as usize];
            }
        }
    }

    /// Sum of all `WEIGHTS_n` of vertex `v`; `None` when the primitive is not skinned.
    pub fn weight_sum(&self, v: usize) -> Option<f32> {
        let mut sum = None;
        for n in 0.. {
            let Some(w) = self.attribute(&Semantic::Weights(n)) else {
                break;
            };
            *sum.get_or_insert(0.0) += w.get(v).iter().sum::<f32>();
        }
        sum
    }

    /// Every vertex stream, base and morph target deltas, mutably (for remapping vertices).
    pub fn streams_mut(&mut self) -> impl Iterator<Item = &mut AttributeData> {
        self.attributes
            .iter_mut()
            .chain(self.targets.iter_mut().flatten())
            .map(|a| &mut a.data)
    }

    /// Materials this primitive can be drawn with: its own and every variant's.
    pub fn materials(&self) -> impl Iterator<Item = usize> + '_ {
        self.material
            .into_iter()
            .chain(self.variants.iter().map(|v| v.material))
    }
}

/// A mesh: a list of primitives drawn together, plus default morph weights.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mesh {
    /// Name from the file.
    pub name: Option<String>,
    /// Primitives.
    pub primitives: Vec<Primitive>,
    /// Default morph target weights (empty when the mesh has none declared).
    pub weights: Vec<f32>,
    /// Extensions and extras (e.g. `extras.targetNames`).
    pub ext: Ext,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantics_round_trip() {
        for name in [
            "POSITION",
            "NORMAL",
            "TANGENT",
            "TEXCOORD_0",
            "TEXCOORD_12",
            "COLOR_1",
            "JOINTS_0",
            "WEIGHTS_1",
            "_BATCHID",
            "TEXCOORD_",
            "TEXCOORD_x",
        ] {
            assert_eq!(Semantic::parse(name).to_string(), name);
        }
        assert_eq!(
            Semantic::parse("TEXCOORD_x"),
            Semantic::Custom("TEXCOORD_x".into())
        );
    }

    #[test]
    fn matrix_columns_are_padded() {
        let f = Format {
            component: Component::I8,
            normalized: true,
            dims: 9,
            matrix: true,
        };
        // MAT3 of bytes: three 3-byte columns, each padded to 4.
        assert_eq!(f.element_size(), 12);
        assert_eq!(f.component_offset(3), 4);
        assert_eq!(Format::float(16).element_size(), 64);
    }
}

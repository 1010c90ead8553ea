//! Building the one binary buffer of an output GLB: buffer views and accessors, deduplicated.
//!
//! Accessors are not interleaved (separate streams compress best, and gltfpack writes them so):
//! vertex streams of one element format and filter share a tightly packed view with
//! `byteStride`, other accessors (animation keys, inverse bind matrices) of one element size and
//! filter share a view ([`group`]), which saves a view's JSON per accessor and gives the codec
//! longer streams. Vertex attribute elements are padded to 4 bytes as glTF requires.
//! Byte-identical accessors (vertex streams, index buffers, keys) are written once and shared.
//!
//! With meshopt compression, [`BinBuilder::finish`] encodes every view the codecs suit (vertex
//! streams, index buffers, animation keys; not images) and that the codec makes smaller, and
//! describes each in its view's
//! extension object. The uncompressed views then either live in a data-less fallback buffer
//! (the extension is required) or stay in the BIN chunk next to the compressed bytes (the
//! extension is optional: loaders without a decoder read the plain copy).

mod group;
mod layout;

use super::meshopt::{self, Codec, Filter, Mode};
use super::schema::{Accessor, BufferView};
use crate::asset::{AttributeData, Component, Format, Semantic};
use crate::settings::Compression;
use group::{Groups, Key, Kind};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;

/// What an accessor is used for; decides alignment, stride and buffer view target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Usage {
    /// A vertex attribute (elements padded to 4 bytes, ARRAY_BUFFER target) of one kind.
    Vertex(Stream),
    /// Anything else: animation keys, inverse bind matrices, instancing streams.
    Other,
}

/// The kind of a vertex stream. Streams of one kind, stride and filter share a view whatever
/// their component types (a model's positions with its morph position deltas, all its UV
/// sets), as gltfpack groups them: fewer views, longer codec streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// `POSITION`, at rest or as morph deltas.
    Position,
    /// `NORMAL`.
    Normal,
    /// `TANGENT`.
    Tangent,
    /// `TEXCOORD_n`.
    TexCoord,
    /// `COLOR_n`.
    Color,
    /// `JOINTS_n`.
    Joints,
    /// `WEIGHTS_n`.
    Weights,
    /// Application-specific attributes.
    Custom,
}

impl From<&Semantic> for Stream {
    fn from(s: &Semantic) -> Stream {
        match s {
            Semantic::Position => Stream::Position,
            Semantic::Normal => Stream::Normal,
            Semantic::Tangent => Stream::Tangent,
            Semantic::TexCoord(_) => Stream::TexCoord,
            Semantic::Color(_) => Stream::Color,
            Semantic::Joints(_) => Stream::Joints,
            Semantic::Weights(_) => Stream::Weights,
            Semantic::Custom(_) => Stream::Custom,
        }
    }
}

/// Accumulates the binary chunk and the accessor/buffer view JSON that describes it.
#[derive(Default)]
pub struct BinBuilder {
    /// The binary chunk so far (uncompressed views).
    pub data: Vec<u8>,
    /// Buffer views (all in buffer 0 until [`BinBuilder::finish`]).
    pub views: Vec<BufferView>,
    /// Accessors.
    pub accessors: Vec<Accessor>,
    seen: HashMap<u64, Vec<usize>>,
    compression: Compression,
    /// Per view: how to compress it, and its filtered bytes when a filter applies.
    codecs: Vec<Option<(Codec, Option<Vec<u8>>)>>,
    /// Non-vertex accessors waiting for their shared views.
    groups: Groups,
}

/// Encodes one float as a stored component, rounding and clamping integers; returns the
/// stored number.
fn encode_component(out: &mut Vec<u8>, c: Component, normalized: bool, v: f32) -> f64 {
    let stored = c.stored(normalized, v);
    match c {
        Component::I8 => out.push(stored as i8 as u8),
        Component::U8 => out.push(stored as u8),
        Component::I16 => out.extend_from_slice(&(stored as i16).to_le_bytes()),
        Component::U16 => out.extend_from_slice(&(stored as u16).to_le_bytes()),
        Component::U32 => out.extend_from_slice(&(stored as u32).to_le_bytes()),
        Component::F32 => out.extend_from_slice(&v.to_le_bytes()),
    }
    stored
}

/// The f64 nearest the shortest decimal that reads back as the f32 `v`: bounds of float
/// accessors then print as `4.2`, not `4.199999809265137`.
fn shortest_f32(v: f64) -> f64 {
    (v as f32).to_string().parse().unwrap_or(v)
}

/// Encodes `data` element by element with `stride` bytes per element; returns bytes and the
/// per-component (min, max) in stored units.
fn encode(data: &AttributeData, stride: usize) -> (Vec<u8>, Vec<f64>, Vec<f64>) {
    let f = data.format;
    let count = data.count();
    let mut out = Vec::with_capacity(count * stride);
    let mut min = vec![f64::INFINITY; f.dims];
    let mut max = vec![f64::NEG_INFINITY; f.dims];
    for i in 0..count {
        let start = out.len();
        for (k, &v) in data.get(i).iter().enumerate() {
            let at = start + f.component_offset(k);
            out.resize(at, 0);
            let stored = encode_component(&mut out, f.component, f.normalized, v);
            min[k] = min[k].min(stored);
            max[k] = max[k].max(stored);
        }
        out.resize(start + stride, 0);
    }
    if f.component == Component::F32 {
        min.iter_mut()
            .chain(&mut max)
            .for_each(|v| *v = shortest_f32(*v));
    }
    (out, min, max)
}

impl BinBuilder {
    /// A builder whose [`BinBuilder::finish`] applies `compression`.
    pub fn new(compression: Compression) -> Self {
        BinBuilder {
            compression,
            ..BinBuilder::default()
        }
    }

    /// Appends `bytes` as a new buffer view, 4-byte aligned, never compressed.
    pub fn view(&mut self, bytes: &[u8], stride: Option<usize>, target: Option<u32>) -> usize {
        self.codecs.push(None);
        self.data.resize(self.data.len().next_multiple_of(4), 0);
        self.views.push(BufferView {
            buffer: 0,
            byte_offset: self.data.len(),
            byte_length: bytes.len(),
            byte_stride: stride,
            target,
            ..BufferView::default()
        });
        self.data.extend_from_slice(bytes);
        self.views.len() - 1
    }

    /// Writes `data` as an accessor; `bounds` adds `min`/`max` (required for POSITION and
    /// animation inputs). Returns the accessor index, shared with an identical earlier one.
    pub fn accessor(&mut self, data: &AttributeData, usage: Usage, bounds: bool) -> usize {
        self.accessor_filtered(data, usage, bounds, Filter::None)
    }

    /// Like [`BinBuilder::accessor`], asking for a meshopt `filter` when compressing (see
    /// [`meshopt::prefilter`] for what each suits; a filter that does not suit the data's
    /// format is not applied). The plain copy then holds what the filter decodes to.
    pub fn accessor_filtered(
        &mut self,
        data: &AttributeData,
        usage: Usage,
        bounds: bool,
        filter: Filter,
    ) -> usize {
        let f = data.format;
        let elem = f.element_size();
        let vertex = matches!(usage, Usage::Vertex(_));
        let stride = if vertex {
            elem.next_multiple_of(4)
        } else {
            elem
        };
        let (mut bytes, min, max) = encode(data, stride);
        let mut codec = (self.compression != Compression::None
            && data.count() > 0
            && stride.is_multiple_of(4)
            && stride <= 256)
            .then_some(Codec {
                mode: Mode::Attributes,
                filter: Filter::None,
                count: data.count(),
                stride,
            });
        let mut filtered = None;
        if let Some(c) = codec.as_mut()
            && let Some(encoded) = meshopt::prefilter(filter, data, stride)
        {
            c.filter = filter;
            bytes.clone_from(&encoded);
            meshopt::unfilter(&mut bytes, c);
            filtered = Some(encoded);
        }
        let mut h = DefaultHasher::new();
        (
            vertex,
            bounds,
            f.component.code(),
            f.normalized,
            f.dims,
            f.matrix,
        )
            .hash(&mut h);
        bytes.hash(&mut h);
        let key = h.finish();
        if let Some(found) = self.seen.get(&key).and_then(|candidates| {
            candidates
                .iter()
                .copied()
                .find(|&a| self.same_bytes(a, &bytes, &f, usage))
        }) {
            return found;
        }
        let index = self.accessors.len();
        // The view is made when the group is laid out.
        let group = Key {
            kind: match usage {
                Usage::Vertex(stream) => Kind::Vertex(stream),
                Usage::Other => Kind::Other,
            },
            stride,
            codec: codec.map(|c| (c.mode, c.filter)),
        };
        let byte_offset = self.groups.add(index, &bytes, filtered, group);
        // Bounds of NaN-free data only (the reader guarantees finite positions).
        let has_data = data.count() > 0 && min.iter().chain(&max).all(|v| v.is_finite());
        self.accessors.push(Accessor {
            byte_offset,
            component_type: f.component.code(),
            normalized: f.normalized,
            count: data.count(),
            kind: f.type_name().to_string(),
            min: (bounds && has_data).then_some(min),
            max: (bounds && has_data).then_some(max),
            ..Accessor::default()
        });
        self.seen.entry(key).or_default().push(index);
        index
    }

    fn same_bytes(&self, accessor: usize, bytes: &[u8], f: &Format, usage: Usage) -> bool {
        let a = &self.accessors[accessor];
        let stored = self
            .groups
            .bytes_of(accessor)
            .filter(|(_, key)| match usage {
                Usage::Vertex(_) => matches!(key.kind, Kind::Vertex(_)),
                Usage::Other => key.kind == Kind::Other,
            })
            .map(|(b, _)| b);
        a.component_type == f.component.code() && a.kind == f.type_name() && stored == Some(bytes)
    }

    /// Writes an index buffer using 16-bit indices when every index fits below 65535 (65535
    /// itself is WebGL 2's primitive restart value), 32-bit otherwise. `triangles` selects the
    /// triangle codec when compressing.
    pub fn indices(&mut self, indices: &[u32], triangles: bool) -> usize {
        let max = indices.iter().copied().max().unwrap_or(0);
        let component = if max < 65535 {
            Component::U16
        } else {
            Component::U32
        };
        // Encode directly: u32 through f32 would lose precision above 2^24.
        let bytes: Vec<u8> = match component {
            Component::U16 => indices
                .iter()
                .flat_map(|&i| (i as u16).to_le_bytes())
                .collect(),
            _ => indices.iter().flat_map(|&i| i.to_le_bytes()).collect(),
        };
        let codec = (self.compression != Compression::None && !indices.is_empty()).then(|| {
            let mode = if triangles && indices.len().is_multiple_of(3) {
                Mode::Triangles
            } else {
                Mode::Indices
            };
            (mode, Filter::None)
        });
        let key = Key {
            kind: Kind::Index,
            stride: component.size(),
            codec,
        };
        // Primitives drawing the same triangles with other materials share one index buffer.
        let mut h = DefaultHasher::new();
        (key, &bytes).hash(&mut h);
        let hash = h.finish();
        if let Some(found) = self.seen.get(&hash).and_then(|candidates| {
            candidates
                .iter()
                .copied()
                .find(|&a| self.groups.bytes_of(a) == Some((&bytes[..], key)))
        }) {
            return found;
        }
        let index = self.accessors.len();
        let byte_offset = self.groups.add(index, &bytes, None, key);
        self.accessors.push(Accessor {
            byte_offset,
            component_type: component.code(),
            count: indices.len(),
            kind: "SCALAR".into(),
            ..Accessor::default()
        });
        self.seen.entry(hash).or_default().push(index);
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vertex_elements_are_padded_and_identical_data_shared() {
        let mut b = BinBuilder::default();
        let colors = AttributeData {
            format: Format {
                component: Component::U8,
                normalized: true,
                dims: 3,
                matrix: false,
            },
            values: vec![1.0, 0.0, 0.5, 0.0, 1.0, 1.0],
        };
        let a = b.accessor(&colors, Usage::Vertex(Stream::Color), false);
        assert_eq!(b.accessor(&colors, Usage::Vertex(Stream::Color), false), a);
        assert_eq!(b.accessors.len(), 1);
        // Another stream of the same format shares the view, one stride further.
        let mut more = colors.clone();
        more.values[0] = 0.0;
        let c = b.accessor(&more, Usage::Vertex(Stream::Color), false);
        // Same bytes used as non-vertex data is a different accessor (different view target).
        let other = b.accessor(&colors, Usage::Other, false);
        assert_ne!(other, a);
        let again = b.accessor(&colors, Usage::Other, false);
        assert_eq!(again, other);
        let done = b.finish(false);
        let view = &done.views[done.accessors[a].buffer_view.unwrap()];
        assert_eq!((view.byte_stride, view.byte_length), (Some(4), 16));
        assert_eq!(view.target, Some(ARRAY_BUFFER));
        assert_eq!(
            &done.data[view.byte_offset..view.byte_offset + 4],
            &[255, 0, 128, 0]
        );
        assert_eq!(done.accessors[c].buffer_view, done.accessors[a].buffer_view);
        assert_eq!(
            (done.accessors[a].byte_offset, done.accessors[c].byte_offset),
            (0, 8)
        );
        assert_ne!(
            done.accessors[other].buffer_view,
            done.accessors[a].buffer_view
        );
        assert_eq!(
            done.views[done.accessors[other].buffer_view.unwrap()].target,
            None
        );
    }

    #[test]
    fn identical_index_buffers_are_shared() {
        // SpecGlossVsMetalRough draws one bottle with two materials: its index buffer was
        // written twice (13.5 KB plain).
        let mut b = BinBuilder::new(Compression::Meshopt);
        let a = b.indices(&[0, 1, 2, 2, 1, 3], true);
        assert_eq!(b.indices(&[0, 1, 2, 2, 1, 3], true), a);
        assert_ne!(
            b.indices(&[0, 1, 2, 2, 1, 3], false),
            a,
            "another codec mode"
        );
        assert_ne!(b.indices(&[0, 2, 1, 2, 1, 3], true), a);
        assert_eq!(b.accessors.len(), 3);
    }

    #[test]
    fn bounds_are_in_stored_units() {
        let mut b = BinBuilder::default();
        let p = AttributeData {
            format: Format {
                component: Component::I16,
                normalized: true,
                dims: 3,
                matrix: false,
            },
            values: vec![-1.0, 0.5, 0.0, 1.0, 0.0, 0.25],
        };
        let a = b.accessor(&p, Usage::Vertex(Stream::Color), true);
        assert_eq!(
            b.accessors[a].min.as_ref().unwrap(),
            &vec![-32767.0, 0.0, 0.0]
        );
        assert_eq!(
            b.accessors[a].max.as_ref().unwrap(),
            &vec![32767.0, 16384.0, 8192.0]
        );
    }

    #[test]
    fn small_index_buffers_use_16_bits() {
        let mut b = BinBuilder::default();
        let a = b.indices(&[0, 1, 65534], true);
        assert_eq!(b.accessors[a].component_type, 5123);
        let a = b.indices(&[0, 1, 65535], true);
        assert_eq!(b.accessors[a].component_type, 5125);
    }
}

//! Building the one binary buffer of an output GLB: buffer views and accessors, deduplicated.
//!
//! Each accessor gets its own tightly packed buffer view (no interleaving: that is what
//! compresses best and what gltfpack writes). Vertex attribute elements are padded to 4 bytes
//! as glTF requires, with `byteStride` set when padding was needed. Byte-identical accessors are
//! written once and shared.
//!
//! With meshopt compression, [`BinBuilder::finish`] encodes every view the codecs suit (vertex
//! streams, index buffers, animation keys; not images) and that the codec makes smaller, and
//! describes each in its view's
//! extension object. The uncompressed views then either live in a data-less fallback buffer
//! (the extension is required) or stay in the BIN chunk next to the compressed bytes (the
//! extension is optional: loaders without a decoder read the plain copy).

use super::meshopt::{self, Codec, Filter, Mode};
use super::schema::{Accessor, Buffer, BufferView};
use crate::asset::{AttributeData, Component, Format};
use crate::settings::Compression;
use serde_json::json;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;

/// What an accessor is used for; decides alignment, stride and buffer view target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Usage {
    /// A vertex attribute (elements padded to 4 bytes, ARRAY_BUFFER target).
    Vertex,
    /// Anything else: animation keys, inverse bind matrices, instancing streams.
    Other,
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
}

/// The finished binary chunk and the JSON arrays that describe it.
pub struct Finished {
    /// The GLB BIN chunk, 4-byte padded.
    pub data: Vec<u8>,
    /// Buffers: the BIN chunk first, then a fallback buffer when one is needed.
    pub buffers: Vec<Buffer>,
    /// Buffer views.
    pub views: Vec<BufferView>,
    /// Accessors.
    pub accessors: Vec<Accessor>,
    /// True when loaders need the meshopt decoder (no uncompressed copy was written).
    pub compression_required: bool,
}

/// Encodes one float as a stored component, rounding and clamping integers.
fn encode_component(out: &mut Vec<u8>, c: Component, normalized: bool, v: f32) -> f64 {
    let scaled = |max: f32| if normalized { v * max } else { v };
    match c {
        Component::I8 => {
            let r = scaled(127.0).round().clamp(-128.0, 127.0) as i8;
            out.push(r as u8);
            f64::from(r)
        }
        Component::U8 => {
            let r = scaled(255.0).round().clamp(0.0, 255.0) as u8;
            out.push(r);
            f64::from(r)
        }
        Component::I16 => {
            let r = scaled(32767.0).round().clamp(-32768.0, 32767.0) as i16;
            out.extend_from_slice(&r.to_le_bytes());
            f64::from(r)
        }
        Component::U16 => {
            let r = scaled(65535.0).round().clamp(0.0, 65535.0) as u16;
            out.extend_from_slice(&r.to_le_bytes());
            f64::from(r)
        }
        Component::U32 => {
            let r = v.round().max(0.0) as u32;
            out.extend_from_slice(&r.to_le_bytes());
            f64::from(r)
        }
        Component::F32 => {
            out.extend_from_slice(&v.to_le_bytes());
            f64::from(v)
        }
    }
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
        self.accessor_filtered(data, usage, bounds, false)
    }

    /// Like [`BinBuilder::accessor`] for unit vectors stored as signed normalized bytes
    /// (normals, tangents): when compressing, they go through the octahedral filter, and the
    /// plain copy holds what the filter decodes to.
    pub fn unit_vectors(&mut self, data: &AttributeData) -> usize {
        let f = data.format;
        let fits = f.component == Component::I8 && f.normalized && !f.matrix && f.dims >= 3;
        self.accessor_filtered(data, Usage::Vertex, false, fits)
    }

    fn accessor_filtered(
        &mut self,
        data: &AttributeData,
        usage: Usage,
        bounds: bool,
        octahedral: bool,
    ) -> usize {
        let f = data.format;
        let elem = f.element_size();
        let stride = if usage == Usage::Vertex {
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
        if let Some(c) = codec.as_mut().filter(|_| octahedral) {
            c.filter = Filter::Octahedral;
            let encoded = meshopt::octahedral_i8(&bytes, 8);
            bytes.clone_from(&encoded);
            meshopt::unfilter(&mut bytes, c);
            filtered = Some(encoded);
        }
        let mut h = DefaultHasher::new();
        (
            usage,
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
        let target = match usage {
            Usage::Vertex => Some(ARRAY_BUFFER),
            Usage::Other => None,
        };
        let view_stride = (usage == Usage::Vertex && stride != elem).then_some(stride);
        let view = self.view(&bytes, view_stride, target);
        self.codecs[view] = codec.map(|c| (c, filtered));
        // Bounds of NaN-free data only (the reader guarantees finite positions).
        let has_data = data.count() > 0 && min.iter().chain(&max).all(|v| v.is_finite());
        self.accessors.push(Accessor {
            buffer_view: Some(view),
            component_type: f.component.code(),
            normalized: f.normalized,
            count: data.count(),
            kind: f.type_name().to_string(),
            min: (bounds && has_data).then_some(min),
            max: (bounds && has_data).then_some(max),
            ..Accessor::default()
        });
        let index = self.accessors.len() - 1;
        self.seen.entry(key).or_default().push(index);
        index
    }

    fn same_bytes(&self, accessor: usize, bytes: &[u8], f: &Format, usage: Usage) -> bool {
        let a = &self.accessors[accessor];
        let Some(v) = a.buffer_view.map(|v| &self.views[v]) else {
            return false;
        };
        let target_matches = match usage {
            Usage::Vertex => v.target == Some(ARRAY_BUFFER),
            Usage::Other => v.target.is_none(),
        };
        target_matches
            && a.component_type == f.component.code()
            && a.kind == f.type_name()
            && &self.data[v.byte_offset..v.byte_offset + v.byte_length] == bytes
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
        let view = self.view(&bytes, None, Some(ELEMENT_ARRAY_BUFFER));
        if self.compression != Compression::None && !indices.is_empty() {
            let mode = if triangles && indices.len().is_multiple_of(3) {
                Mode::Triangles
            } else {
                Mode::Indices
            };
            let codec = Codec {
                mode,
                filter: Filter::None,
                count: indices.len(),
                stride: component.size(),
            };
            self.codecs[view] = Some((codec, None));
        }
        self.accessors.push(Accessor {
            buffer_view: Some(view),
            component_type: component.code(),
            count: indices.len(),
            kind: "SCALAR".into(),
            ..Accessor::default()
        });
        self.accessors.len() - 1
    }
}

impl BinBuilder {
    /// Lays out the final buffers: compresses what can be compressed (see the module docs);
    /// `fallback` keeps uncompressed copies in the BIN chunk.
    pub fn finish(mut self, fallback: bool) -> Finished {
        let Some(extension) = self.compression.extension() else {
            return self.plain();
        };
        let version = if self.compression == Compression::KhrMeshopt {
            1
        } else {
            0
        };
        let plain = std::mem::take(&mut self.data);
        // With a fallback the plain views stay where they are and the compressed bytes follow;
        // without, only never-compressed views (images) stay in the BIN chunk, and the plain
        // views move to a buffer that has no data.
        let mut data = if fallback { plain.clone() } else { vec![] };
        let mut phantom = 0usize;
        for (view, codec) in self.views.iter_mut().zip(&self.codecs) {
            let range = view.byte_offset..view.byte_offset + view.byte_length;
            // Tiny views can grow under the codec (it has fixed-size headers and tails): those
            // stay plain.
            let encoded = codec.as_ref().and_then(|(codec, filtered)| {
                let src = filtered.as_deref().unwrap_or(&plain[range.clone()]);
                let encoded = meshopt::encode(src, codec, version);
                (encoded.len() < view.byte_length).then_some((codec, encoded))
            });
            let Some((codec, encoded)) = encoded else {
                if !fallback {
                    data.resize(data.len().next_multiple_of(4), 0);
                    view.byte_offset = data.len();
                    data.extend_from_slice(&plain[range]);
                }
                continue;
            };
            data.resize(data.len().next_multiple_of(4), 0);
            view.ext.extensions.insert(
                extension.into(),
                codec.to_json(0, data.len(), encoded.len()),
            );
            data.extend_from_slice(&encoded);
            if !fallback {
                phantom = phantom.next_multiple_of(4);
                view.buffer = 1;
                view.byte_offset = phantom;
                phantom += view.byte_length;
            }
        }
        data.resize(data.len().next_multiple_of(4), 0);
        let mut buffers = vec![Buffer {
            byte_length: data.len(),
            ..Buffer::default()
        }];
        if phantom > 0 {
            let mut b = Buffer {
                byte_length: phantom,
                ..Buffer::default()
            };
            b.ext
                .extensions
                .insert(extension.into(), json!({ "fallback": true }));
            buffers.push(b);
        }
        Finished {
            data,
            buffers,
            views: self.views,
            accessors: self.accessors,
            compression_required: phantom > 0,
        }
    }

    fn plain(mut self) -> Finished {
        self.data.resize(self.data.len().next_multiple_of(4), 0);
        let buffers = if self.data.is_empty() {
            vec![]
        } else {
            vec![Buffer {
                byte_length: self.data.len(),
                ..Buffer::default()
            }]
        };
        Finished {
            data: self.data,
            buffers,
            views: self.views,
            accessors: self.accessors,
            compression_required: false,
        }
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
        let a = b.accessor(&colors, Usage::Vertex, false);
        assert_eq!(b.views[0].byte_stride, Some(4));
        assert_eq!(b.views[0].byte_length, 8);
        assert_eq!(&b.data[0..4], &[255, 0, 128, 0]);
        assert_eq!(b.accessor(&colors, Usage::Vertex, false), a);
        assert_eq!(b.accessors.len(), 1);
        // Same bytes used as non-vertex data is a different accessor (different view target).
        assert_ne!(b.accessor(&colors, Usage::Other, false), a);
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
        let a = b.accessor(&p, Usage::Vertex, true);
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

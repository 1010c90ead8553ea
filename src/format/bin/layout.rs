//! Laying out the final buffers: shared views for grouped accessors, then meshopt compression.

use super::BinBuilder;
use super::group::Kind;
use super::meshopt;
use crate::format::schema::{Accessor, Buffer, BufferView};
use crate::settings::Compression;
use serde_json::json;

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

impl BinBuilder {
    /// Lays out the final buffers: compresses what can be compressed (see the module docs);
    /// `fallback` keeps uncompressed copies in the BIN chunk.
    pub fn finish(mut self, fallback: bool) -> Finished {
        for group in self.groups.take() {
            // Vertex views shared by several accessors must state their stride.
            let (stride, target) = match group.key.kind {
                Kind::Vertex(..) => (Some(group.key.stride), Some(super::ARRAY_BUFFER)),
                Kind::Index => (None, Some(super::ELEMENT_ARRAY_BUFFER)),
                Kind::Other => (None, None),
            };
            let view = self.view(&group.bytes, stride, target);
            self.codecs[view] = group.codec;
            for a in group.members {
                self.accessors[a].buffer_view = Some(view);
            }
        }
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

//! Decoding `EXT_meshopt_compression` and `KHR_meshopt_compression` buffer views.
//!
//! Every buffer view that carries either extension is decoded from the bytes the extension
//! points at (filters applied) into a buffer of its own, and the view is pointed at it; the
//! accessor decoder then reads it like any other view. Compressed data is always decoded, even
//! when an uncompressed fallback exists: it is what the author's tool produced last.

use super::super::meshopt::{self, Codec};
use super::super::schema::{BufferView, Root};
use crate::error::{Error, Result};
use serde_json::Value;
use std::borrow::Cow;

/// The two extension names, EXT first.
pub const NAMES: [&str; 2] = ["EXT_meshopt_compression", "KHR_meshopt_compression"];

/// The extension object of a view, if it is compressed.
pub fn extension_of(view: &BufferView) -> Option<(&'static str, &Value)> {
    NAMES
        .iter()
        .find_map(|n| view.ext.extensions.get(*n).map(|v| (*n, v)))
}

/// Index of the buffer holding a compressed view's encoded bytes.
pub fn source_buffer(view: &BufferView) -> Option<usize> {
    let (_, ext) = extension_of(view)?;
    ext.get("buffer")?
        .as_u64()
        .and_then(|b| usize::try_from(b).ok())
}

/// Decodes every compressed view of `root` out of `buffers` (one entry per buffer, `None` where
/// none was loaded), appending one buffer per decoded view and re-pointing the view at it.
///
/// `budget` caps the decoded bytes (the decoded size is declared in the file, so it is checked
/// before anything is allocated); it is charged as views are decoded.
pub fn decode_views<'a>(
    root: &mut Root,
    buffers: &mut Vec<Option<Cow<'a, [u8]>>>,
    budget: &mut u64,
) -> Result<()> {
    for i in 0..root.buffer_views.len() {
        let Some((name, ext)) = extension_of(&root.buffer_views[i]) else {
            continue;
        };
        let pointer = format!("/bufferViews/{i}/extensions/{name}");
        let bad = |what: String| Error::invalid(pointer.clone(), what);
        let codec =
            Codec::from_json(ext).map_err(|field| bad(format!("invalid or missing {field}")))?;
        if name == NAMES[0] && codec.filter == meshopt::Filter::Color {
            return Err(bad(
                "the COLOR filter is KHR_meshopt_compression only".into()
            ));
        }
        let number = |k: &str| {
            ext.get(k)
                .and_then(Value::as_u64)
                .and_then(|v| usize::try_from(v).ok())
        };
        let (buffer, offset, length) = (
            number("buffer").ok_or_else(|| bad("missing buffer".into()))?,
            number("byteOffset").unwrap_or(0),
            number("byteLength").ok_or_else(|| bad("missing byteLength".into()))?,
        );
        let data = buffers
            .get(buffer)
            .and_then(|b| b.as_deref())
            .ok_or_else(|| bad(format!("buffer {buffer} has no data")))?;
        let src = offset
            .checked_add(length)
            .and_then(|end| data.get(offset..end))
            .ok_or_else(|| {
                bad(format!(
                    "bytes {offset}..{} lie past the end of buffer {buffer} ({} bytes)",
                    offset.saturating_add(length),
                    data.len()
                ))
            })?;
        let size = (codec.count as u64).saturating_mul(codec.stride as u64);
        if size > *budget {
            return Err(Error::LimitExceeded {
                what: "decoded meshopt bytes",
                actual: size,
                limit: *budget,
                flag: "--max-input-bytes",
            });
        }
        if (root.buffer_views[i].byte_length as u64) < size {
            return Err(bad(format!(
                "decodes to {size} bytes but the buffer view holds {}",
                root.buffer_views[i].byte_length
            )));
        }
        if name == NAMES[0]
            && meshopt::Mode::Attributes == codec.mode
            && ::meshopt::decode_vertex_version(src) == Some(1)
        {
            return Err(bad(
                "vertex codec version 1 is KHR_meshopt_compression only".into(),
            ));
        }
        *budget -= size;
        let mut decoded = meshopt::decode(src, &codec).map_err(bad)?;
        decoded.resize(root.buffer_views[i].byte_length, 0);
        buffers.push(Some(Cow::Owned(decoded)));
        let view = &mut root.buffer_views[i];
        view.buffer = buffers.len() - 1;
        view.byte_offset = 0;
        view.ext.extensions.remove(name);
    }
    Ok(())
}

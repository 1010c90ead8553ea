//! Shared buffer views: accessors of one kind back to back in one view, as gltfpack lays
//! them out.
//!
//! Vertex streams group by stream kind, stride and meshopt filter (a model's positions with
//! its morph position deltas, its UV sets, ... each in one view with `byteStride`);
//! index buffers by index size and codec mode; other accessors (animation keys, inverse bind
//! matrices) by element size and filter. Each
//! offset is a whole number of elements, so every accessor stays aligned. One view per group
//! instead of one per accessor keeps the JSON small and gives the vertex codec one long stream
//! to work on.

use super::meshopt::{Codec, Filter, Mode};
use std::collections::HashMap;

/// What a view holds, which decides its target and stride.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Vertex streams of one kind: an ARRAY_BUFFER view with `byteStride`.
    Vertex(super::Stream),
    /// Index buffers of one component size: an ELEMENT_ARRAY_BUFFER view.
    Index,
    /// Anything else (no target).
    Other,
}

/// What accessors must share to live in one view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// What the view holds.
    pub kind: Kind,
    /// Bytes per element.
    pub stride: usize,
    /// The codec mode and filter when the group is compressed; `None` when it is not.
    pub codec: Option<(Mode, Filter)>,
}

/// One shared view in the making.
struct Group {
    key: Key,
    plain: Vec<u8>,
    filtered: Vec<u8>,
    members: Vec<usize>,
}

/// A finished group: its key, the view's bytes, its codec (with filtered bytes), and the
/// accessors that live in it.
pub struct LaidOut {
    pub key: Key,
    pub bytes: Vec<u8>,
    pub codec: Option<(Codec, Option<Vec<u8>>)>,
    pub members: Vec<usize>,
}

/// The groups of one builder.
#[derive(Default)]
pub struct Groups {
    groups: Vec<Group>,
    by_key: HashMap<Key, usize>,
    /// Accessor -> (group, byte offset, byte length).
    located: HashMap<usize, (usize, usize, usize)>,
}

impl Groups {
    /// Adds accessor `accessor`'s `plain` bytes (elements of `key.stride` bytes) to the group
    /// of `key`; `filtered` holds the filter's encoding when the key's codec has a filter.
    /// Returns the accessor's byte offset inside the group's view.
    pub fn add(
        &mut self,
        accessor: usize,
        plain: &[u8],
        filtered: Option<Vec<u8>>,
        key: Key,
    ) -> usize {
        let g = *self.by_key.entry(key).or_insert_with(|| {
            self.groups.push(Group {
                key,
                plain: vec![],
                filtered: vec![],
                members: vec![],
            });
            self.groups.len() - 1
        });
        let group = &mut self.groups[g];
        let offset = group.plain.len();
        group.plain.extend_from_slice(plain);
        if group.key.codec.is_some_and(|(_, f)| f != Filter::None) {
            group
                .filtered
                .extend_from_slice(filtered.as_deref().unwrap_or(plain));
        }
        group.members.push(accessor);
        self.located.insert(accessor, (g, offset, plain.len()));
        offset
    }

    /// The plain bytes of a grouped accessor and its group's key.
    pub fn bytes_of(&self, accessor: usize) -> Option<(&[u8], Key)> {
        let &(g, offset, len) = self.located.get(&accessor)?;
        let group = &self.groups[g];
        Some((&group.plain[offset..offset + len], group.key))
    }

    /// Every group, ready to become a view; leaves nothing behind.
    pub fn take(&mut self) -> Vec<LaidOut> {
        self.by_key.clear();
        self.located.clear();
        self.groups
            .drain(..)
            .map(|g| {
                let codec = g.key.codec.map(|(mode, filter)| {
                    let codec = Codec {
                        mode,
                        filter,
                        count: g.plain.len() / g.key.stride,
                        stride: g.key.stride,
                    };
                    (codec, (filter != Filter::None).then_some(g.filtered))
                });
                LaidOut {
                    key: g.key,
                    bytes: g.plain,
                    codec,
                    members: g.members,
                }
            })
            .collect()
    }
}

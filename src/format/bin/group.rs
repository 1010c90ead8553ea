//! Shared buffer views for non-vertex accessors (animation keys, inverse bind matrices).
//!
//! Accessors with the same element size and the same meshopt filter go into one view, back to
//! back (each offset is a whole number of elements, so every accessor stays aligned), as
//! gltfpack lays them out. One view per group instead of one per accessor keeps the JSON small
//! and gives the vertex codec one long stream to work on.

use super::meshopt::{Codec, Filter, Mode};
use std::collections::HashMap;

/// One shared view in the making.
struct Group {
    stride: usize,
    /// The filter when the group is compressed; `None` when it is not.
    codec: Option<Filter>,
    plain: Vec<u8>,
    filtered: Vec<u8>,
    members: Vec<usize>,
}

/// A view's bytes, its codec (with filtered bytes), and the accessors that live in it.
pub type LaidOut = (Vec<u8>, Option<(Codec, Option<Vec<u8>>)>, Vec<usize>);

/// The groups of one builder.
#[derive(Default)]
pub struct Groups {
    groups: Vec<Group>,
    by_key: HashMap<(usize, Option<Filter>), usize>,
    /// Accessor -> (group, byte offset, byte length).
    located: HashMap<usize, (usize, usize, usize)>,
}

impl Groups {
    /// Adds accessor `accessor`'s `plain` bytes (elements of `stride` bytes) to the group its
    /// `codec` belongs with; `filtered` holds the filter's encoding when `codec` has a filter.
    /// Returns the accessor's byte offset inside the group's view.
    pub fn add(
        &mut self,
        accessor: usize,
        plain: &[u8],
        filtered: Option<Vec<u8>>,
        codec: Option<Codec>,
        stride: usize,
    ) -> usize {
        let key = (stride, codec.map(|c| c.filter));
        let g = *self.by_key.entry(key).or_insert_with(|| {
            self.groups.push(Group {
                stride,
                codec: key.1,
                plain: vec![],
                filtered: vec![],
                members: vec![],
            });
            self.groups.len() - 1
        });
        let group = &mut self.groups[g];
        let offset = group.plain.len();
        group.plain.extend_from_slice(plain);
        if group.codec.is_some_and(|f| f != Filter::None) {
            group
                .filtered
                .extend_from_slice(filtered.as_deref().unwrap_or(plain));
        }
        group.members.push(accessor);
        self.located.insert(accessor, (g, offset, plain.len()));
        offset
    }

    /// The plain bytes of a grouped accessor.
    pub fn bytes_of(&self, accessor: usize) -> Option<&[u8]> {
        let &(g, offset, len) = self.located.get(&accessor)?;
        Some(&self.groups[g].plain[offset..offset + len])
    }

    /// Every group, ready to become a view; leaves nothing behind.
    pub fn take(&mut self) -> Vec<LaidOut> {
        self.by_key.clear();
        self.located.clear();
        self.groups
            .drain(..)
            .map(|g| {
                let codec = g.codec.map(|filter| {
                    let codec = Codec {
                        mode: Mode::Attributes,
                        filter,
                        count: g.plain.len() / g.stride,
                        stride: g.stride,
                    };
                    (codec, (filter != Filter::None).then_some(g.filtered))
                });
                (g.plain, codec, g.members)
            })
            .collect()
    }
}

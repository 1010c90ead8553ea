//! GPU-friendly ordering of every triangle primitive: vertex cache, then overdraw, then vertex
//! fetch (which also drops vertices no triangle uses). The order matters: overdraw optimization
//! starts from a cache-optimized order and keeps most of its benefit (threshold 1.05), and the
//! fetch order follows the final triangle order.
//!
//! For meshopt-compressed output the triangle order is meshopt's strip-friendly cache order
//! without overdraw reordering, which is what the index codec compresses best (gltfpack `-cc`
//! does the same): smaller downloads for a slightly less cache-friendly order.

use super::chunks;
use crate::asset::{Asset, Mode, Primitive};
use crate::report::StageReport;
use crate::settings::{Compression, Settings};
use meshopt::VertexDataAdapter;
use rayon::prelude::*;

/// How much overdraw optimization may worsen vertex cache efficiency (5 %, meshopt's advice).
const OVERDRAW_THRESHOLD: f32 = 1.05;

/// Index buffers of more than twice this many triangles are optimized in parallel runs.
const TRIANGLES_PER_RUN: usize = 200_000;

/// Optimizes every triangle primitive of `asset`, for compression when
/// `settings.delivery.compress` asks for any (see the module docs); reports the unused
/// vertices dropped. Points and lines are left untouched.
pub fn run(asset: &mut Asset, settings: &Settings) -> StageReport {
    let for_compression = settings.delivery.compress != Compression::None;
    let before = asset.counts().vertices;
    for prim in asset
        .meshes
        .iter_mut()
        .flat_map(|m| m.primitives.iter_mut())
    {
        if prim.mode == Mode::Triangles {
            optimize(prim, for_compression);
        }
    }
    let mut report = StageReport::new("optimize");
    report.removed(
        "unused_vertices",
        before.saturating_sub(asset.counts().vertices) as usize,
    );
    report
}

/// Reorders `prim`'s triangles and vertices (`for_compression`: see the module docs).
pub fn optimize(prim: &mut Primitive, for_compression: bool) {
    let vertex_count = prim.vertex_count();
    let positions = prim.positions().to_vec();
    let Some(indices) = prim.indices.as_mut() else {
        return;
    };
    if indices.is_empty() || vertex_count == 0 {
        return;
    }
    // Large index buffers are ordered in independent runs of triangles on several cores; the
    // cache and overdraw cost of a run boundary is negligible at this size.
    let k = chunks::count(indices.len() / 3, TRIANGLES_PER_RUN);
    let run = (indices.len() / 3).div_ceil(k) * 3;
    indices.par_chunks_mut(run.max(3)).for_each(|part| {
        if for_compression {
            meshopt::optimize_vertex_cache_strip_in_place(part, vertex_count);
            return;
        }
        meshopt::optimize_vertex_cache_in_place(part, vertex_count);
        if !positions.is_empty() {
            let adapter = VertexDataAdapter::new(meshopt::typed_to_bytes(&positions), 12, 0)
                .expect("positions are 12-byte elements");
            meshopt::optimize_overdraw_in_place(part, &adapter, OVERDRAW_THRESHOLD);
        }
    });
    let (remap, unique) = fetch_remap(indices, vertex_count);
    prim.remap_vertices(&remap, unique);
}

/// Numbers vertices in order of first use; unused vertices map to `u32::MAX`.
///
/// (meshopt's `optimize_vertex_fetch_remap` wrapper truncates the table to the unique count,
/// which loses entries of unused vertices, so the few lines are written here.)
pub fn fetch_remap(indices: &[u32], vertex_count: usize) -> (Vec<u32>, usize) {
    let mut remap = vec![u32::MAX; vertex_count];
    let mut next = 0u32;
    for &i in indices {
        let r = &mut remap[i as usize];
        if *r == u32::MAX {
            *r = next;
            next += 1;
        }
    }
    (remap, next as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_order_follows_first_use_and_drops_unused() {
        let (remap, n) = fetch_remap(&[3, 1, 3, 0], 5);
        assert_eq!(n, 3);
        assert_eq!(remap, vec![2, 1, u32::MAX, 0, u32::MAX]);
    }
}

//! Splitting very large primitives into spatial chunks so that simplification and GPU
//! optimization of one mesh can use several cores.
//!
//! The number of chunks depends only on the triangle count, never on the machine, so the same
//! input gives the same bytes on a 2-core laptop and a 16-core GPU host (outputs are
//! content-addressed). Chunks are slabs along the longest axis of the triangles' centroids, cut
//! at quantiles so they hold about the same number of triangles.

/// At most this many chunks per primitive.
const MAX_CHUNKS: usize = 16;

/// How many chunks of about `per_chunk` triangles `triangles` make (1 means "do not split").
pub fn count(triangles: usize, per_chunk: usize) -> usize {
    (triangles / per_chunk).clamp(1, MAX_CHUNKS)
}

/// Splits the triangles of `indices` into `k` spatial slabs of about equal triangle count.
///
/// Precondition: every index is below `positions.len()`; `indices.len()` is a multiple of 3.
pub fn spatial(indices: &[u32], positions: &[[f32; 3]], k: usize) -> Vec<Vec<u32>> {
    let tris = indices.len() / 3;
    if k <= 1 || tris < k {
        return vec![indices.to_vec()];
    }
    let centroid = |t: usize, axis: usize| -> f32 {
        (0..3)
            .map(|c| positions[indices[3 * t + c] as usize][axis])
            .sum::<f32>()
    };
    let axis = longest_axis(indices, positions);
    let keys: Vec<f32> = (0..tris).map(|t| centroid(t, axis)).collect();
    let mut sorted = keys.clone();
    let cuts: Vec<f32> = (1..k)
        .map(|c| {
            let nth = c * tris / k;
            *sorted.select_nth_unstable_by(nth, f32::total_cmp).1
        })
        .collect();
    let mut out = vec![Vec::with_capacity(indices.len() / k + 3); k];
    for (t, key) in keys.iter().enumerate() {
        let slab = cuts.partition_point(|c| c.total_cmp(key).is_le());
        out[slab].extend_from_slice(&indices[3 * t..3 * t + 3]);
    }
    out.retain(|c| !c.is_empty());
    out
}

fn longest_axis(indices: &[u32], positions: &[[f32; 3]]) -> usize {
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for &i in indices {
        let p = positions[i as usize];
        for a in 0..3 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    (0..3)
        .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
        .unwrap_or(0)
}

/// Marks vertices whose *position* is used by triangles of more than one chunk (a UV seam
/// that crosses a cut has two vertices at one position; both must stay put).
pub fn shared_vertices(chunks: &[Vec<u32>], positions: &[[f32; 3]]) -> Vec<bool> {
    // meshopt maps every vertex to the first vertex with the same position.
    let adapter = meshopt::VertexDataAdapter::new(meshopt::typed_to_bytes(positions), 12, 0)
        .expect("positions are 12-byte elements");
    let canonical = meshopt::generate_position_remap(&adapter);
    let mut owner = vec![u32::MAX; positions.len()];
    let mut shared = vec![false; positions.len()];
    for (c, chunk) in chunks.iter().enumerate() {
        for &v in chunk {
            let p = canonical[v as usize] as usize;
            if owner[p] == u32::MAX {
                owner[p] = c as u32;
            } else if owner[p] != c as u32 {
                shared[p] = true;
            }
        }
    }
    canonical.iter().map(|&p| shared[p as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slabs_split_evenly_along_the_longest_axis() {
        // Eight triangles in a row along x.
        let positions: Vec<[f32; 3]> = (0..10)
            .map(|i| [i as f32, 0.0, (i % 2) as f32 * 0.1])
            .collect();
        let indices: Vec<u32> = (0..8).flat_map(|t| [t, t + 1, t + 2]).collect();
        let chunks = spatial(&indices, &positions, 2);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].len(), 12);
        assert_eq!(chunks[0][0], 0, "the low-x half comes first");
        let shared = shared_vertices(&chunks, &positions);
        assert_eq!(
            shared.iter().filter(|s| **s).count(),
            2,
            "the two vertices on the cut"
        );
        assert_eq!(count(1_100_000, 400_000), 2);
        assert_eq!(count(10, 400_000), 1);
    }
}

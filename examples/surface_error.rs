//! Surface error and size of simplified models against their original, for benchmarks:
//!
//!     cargo run --release --example surface_error -- original.glb candidate.glb [more.glb ...]
//!
//! For each candidate prints one JSON line: file, bytes, triangles, and the symmetric surface
//! deviation from the original (mean and max of point-to-surface distances, sampled at every
//! vertex and triangle centroid of each surface onto the other), relative to the original's
//! bounding-box diagonal. Files are read with the crate's reader, so quantized and
//! meshopt/Draco-compressed candidates are measured as decoded; skinned meshes in bind pose.

use glam::Vec3;
use render_worker::asset::Asset;
use render_worker::asset::pose::skinned_positions;
use render_worker::format::{read_bytes, resolve::Folder};
use render_worker::settings::Limits;
use std::collections::HashMap;
use std::path::Path;

type Triangle = [Vec3; 3];

fn read(path: &str) -> (Asset, u64) {
    let bytes = std::fs::read(path).expect("readable file");
    let dir = Path::new(path)
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let out = read_bytes(&bytes, &Folder(dir), &Limits::default()).expect("valid glTF");
    (out.asset, bytes.len() as u64)
}

/// World-space triangles of every drawn triangle primitive.
fn triangles(a: &Asset) -> Vec<Triangle> {
    let world = a.world_matrices(a.default_scene().unwrap_or(0));
    let all = a.world_matrices_all();
    let mut out = vec![];
    for (n, node) in a.nodes.iter().enumerate() {
        let (Some(m), Some(mesh)) = (world.get(n).copied().flatten(), node.mesh) else {
            continue;
        };
        for p in &a.meshes[mesh].primitives {
            let Some(indices) = p.indices.as_ref().filter(|_| p.triangle_count() > 0) else {
                continue;
            };
            let v: Vec<Vec3> = match node.skin {
                Some(s) => skinned_positions(p, &a.joint_matrices(&a.skins[s], &all)),
                None => p
                    .positions()
                    .iter()
                    .map(|q| m.transform_point3(Vec3::from(*q)))
                    .collect(),
            };
            out.extend(
                indices
                    .chunks_exact(3)
                    .map(|t| [0, 1, 2].map(|k| v[t[k] as usize])),
            );
        }
    }
    out
}

/// Closest point to `p` on triangle `t` (Ericson, Real-Time Collision Detection 5.1.5).
fn closest(p: Vec3, [a, b, c]: Triangle) -> Vec3 {
    let (ab, ac, ap) = (b - a, c - a, p - a);
    let (d1, d2) = (ab.dot(ap), ac.dot(ap));
    if d1 <= 0.0 && d2 <= 0.0 {
        return a;
    }
    let bp = p - b;
    let (d3, d4) = (ab.dot(bp), ac.dot(bp));
    if d3 >= 0.0 && d4 <= d3 {
        return b;
    }
    let vc = d1 * d4 - d3 * d2;
    if vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0 {
        return a + ab * (d1 / (d1 - d3));
    }
    let cp = p - c;
    let (d5, d6) = (ab.dot(cp), ac.dot(cp));
    if d6 >= 0.0 && d5 <= d6 {
        return c;
    }
    let vb = d5 * d2 - d1 * d6;
    if vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0 {
        return a + ac * (d2 / (d2 - d6));
    }
    let va = d3 * d6 - d5 * d4;
    if va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0 {
        return b + (c - b) * ((d4 - d3) / ((d4 - d3) + (d5 - d6)));
    }
    let denom = 1.0 / (va + vb + vc);
    a + ab * (vb * denom) + ac * (vc * denom)
}

/// Triangles bucketed by the grid cells their bounding boxes touch.
struct Grid {
    cell: f32,
    cells: HashMap<glam::IVec3, Vec<u32>>,
    triangles: Vec<Triangle>,
}

impl Grid {
    fn new(triangles: Vec<Triangle>, cell: f32) -> Grid {
        let mut cells: HashMap<glam::IVec3, Vec<u32>> = HashMap::new();
        for (i, t) in triangles.iter().enumerate() {
            let lo = (t[0].min(t[1]).min(t[2]) / cell).floor().as_ivec3();
            let hi = (t[0].max(t[1]).max(t[2]) / cell).floor().as_ivec3();
            for x in lo.x..=hi.x {
                for y in lo.y..=hi.y {
                    for z in lo.z..=hi.z {
                        cells
                            .entry(glam::IVec3::new(x, y, z))
                            .or_default()
                            .push(i as u32);
                    }
                }
            }
        }
        Grid {
            cell,
            cells,
            triangles,
        }
    }

    /// Distance from `p` to the surface, searching rings of cells outwards.
    fn distance(&self, p: Vec3) -> f32 {
        let k = (p / self.cell).floor().as_ivec3();
        let mut best = f32::INFINITY;
        for r in 0i32..64 {
            for x in -r..=r {
                for y in -r..=r {
                    for z in -r..=r {
                        if x.abs().max(y.abs()).max(z.abs()) != r {
                            continue;
                        }
                        for &t in self
                            .cells
                            .get(&(k + glam::IVec3::new(x, y, z)))
                            .into_iter()
                            .flatten()
                        {
                            best = best.min(p.distance(closest(p, self.triangles[t as usize])));
                        }
                    }
                }
            }
            // Every point within r cells has been seen.
            if best <= r as f32 * self.cell {
                break;
            }
        }
        best
    }
}

/// Distances from the vertices and centroids of `from` to the surface in `to`.
fn distances(from: &[Triangle], to: &Grid) -> Vec<f32> {
    from.iter()
        .flat_map(|t| [t[0], t[1], t[2], (t[0] + t[1] + t[2]) / 3.0])
        .map(|p| to.distance(p))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (original, _) = read(&args[0]);
    let reference = triangles(&original);
    let diagonal = original.bounds().map_or(1.0, |b| b.diagonal());
    let cell = diagonal / 64.0;
    let reference_grid = Grid::new(reference.clone(), cell);
    for path in &args[1..] {
        let (candidate, bytes) = read(path);
        let tris = triangles(&candidate);
        let mut d = distances(&tris, &reference_grid);
        d.extend(distances(&reference, &Grid::new(tris.clone(), cell)));
        let mean = d.iter().map(|&x| f64::from(x)).sum::<f64>() / d.len().max(1) as f64;
        let max = d.iter().copied().fold(0.0f32, f32::max);
        println!(
            "{{\"file\": {:?}, \"bytes\": {bytes}, \"triangles\": {}, \"mean_relative\": {:.3e}, \"max_relative\": {:.3e}}}",
            path,
            candidate.counts().triangles,
            mean / f64::from(diagonal),
            max / diagonal
        );
    }
}

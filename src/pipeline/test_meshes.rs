//! Tiny assets built in code for the stages' unit tests (test builds only): height fields and
//! grid planes, a hard-edged cube, a point cloud, small PNG images, objects written as glTF
//! JSON, and the checks every geometry test makes (indices in range, bounds of what is drawn).
//!
//! It holds no stage logic and writes no files. The integration tests build their fixtures
//! as glTF files with their own, independent builder (`tests/integration/support`).

use crate::asset::{
    Asset, Attribute, AttributeData, Image, Mesh, Mode, Node, Primitive, Scene, Semantic,
};
use glam::Vec3;
use serde::de::DeserializeOwned;
use std::f32::consts::TAU;

/// A float stream of `dims` components per vertex.
pub fn attribute(semantic: Semantic, dims: usize, values: Vec<f32>) -> Attribute {
    Attribute {
        semantic,
        data: AttributeData::new_float(dims, values),
    }
}

/// `n` x `n` quads over the unit square at z = `height(x, y)`: (n + 1)² vertices, 2n²
/// triangles facing +z, with +z normals and UVs equal to (x, y). Vertex `i` sits at column
/// `i % (n + 1)`, row `i / (n + 1)`.
pub fn height_field(n: u32, height: impl Fn(f32, f32) -> f32) -> Primitive {
    let (mut p, mut normal, mut uv, mut indices) = (vec![], vec![], vec![], vec![]);
    for row in 0..=n {
        for col in 0..=n {
            let (x, y) = (col as f32 / n as f32, row as f32 / n as f32);
            p.extend([x, y, height(x, y)]);
            normal.extend([0.0, 0.0, 1.0]);
            uv.extend([x, y]);
        }
    }
    let stride = n + 1;
    for row in 0..n {
        for col in 0..n {
            let a = row * stride + col;
            let (b, c, d) = (a + 1, a + stride, a + stride + 1);
            indices.extend([a, b, d, a, d, c]);
        }
    }
    Primitive {
        attributes: vec![
            attribute(Semantic::Position, 3, p),
            attribute(Semantic::Normal, 3, normal),
            attribute(Semantic::TexCoord(0), 2, uv),
        ],
        indices: Some(indices),
        ..Primitive::default()
    }
}

/// A flat grid plane: [`height_field`] at z = 0 (simplifies with no error at all).
pub fn grid(n: u32) -> Primitive {
    height_field(n, |_, _| 0.0)
}

/// Rolling hills 0.1 high over the unit square: a surface whose simplification costs error.
pub fn hills(n: u32) -> Primitive {
    height_field(n, |x, y| 0.1 * (x * TAU).sin() * (y * TAU).sin())
}

/// A cube of side 1 centred on the origin: 6 faces of 4 vertices each (hard edges: positions
/// shared, normals not) and 12 triangles, wound counter-clockwise seen from outside.
pub fn cube() -> Primitive {
    let (mut p, mut normal, mut indices) = (vec![], vec![], vec![]);
    for axis in 0..3 {
        for sign in [-1.0f32, 1.0] {
            let mut n = Vec3::ZERO;
            n[axis] = sign;
            // Two tangents whose cross product is the outward normal.
            let (u, v) = n.any_orthonormal_pair();
            let (u, v) = if u.cross(v).dot(n) > 0.0 {
                (u, v)
            } else {
                (v, u)
            };
            let base = (p.len() / 3) as u32;
            for (su, sv) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
                p.extend((0.5 * (n + su * u + sv * v)).to_array());
                normal.extend(n.to_array());
            }
            indices.extend([base, base + 1, base + 2, base, base + 2, base + 3]);
        }
    }
    Primitive {
        attributes: vec![
            attribute(Semantic::Position, 3, p),
            attribute(Semantic::Normal, 3, normal),
        ],
        indices: Some(indices),
        ..Primitive::default()
    }
}

/// `n` points on a 10 x 10 x k lattice of unit spacing, each with an opaque colour that
/// encodes its position (`position / 10`).
pub fn point_cloud(n: usize) -> Primitive {
    let (mut p, mut c) = (vec![], vec![]);
    for i in 0..n {
        let q = [(i % 10) as f32, ((i / 10) % 10) as f32, (i / 100) as f32];
        p.extend(q);
        c.extend([q[0] / 10.0, q[1] / 10.0, q[2] / 10.0, 1.0]);
    }
    Primitive {
        mode: Mode::Points,
        attributes: vec![
            attribute(Semantic::Position, 3, p),
            attribute(Semantic::Color(0), 4, c),
        ],
        ..Primitive::default()
    }
}

/// One scene, one root node per primitive, each drawing a mesh of that primitive alone.
pub fn scene_of(prims: Vec<Primitive>) -> Asset {
    let n = prims.len();
    Asset {
        scenes: vec![Scene {
            nodes: (0..n).collect(),
            ..Scene::default()
        }],
        nodes: (0..n)
            .map(|m| Node {
                mesh: Some(m),
                ..Node::default()
            })
            .collect(),
        meshes: prims
            .into_iter()
            .map(|p| Mesh {
                primitives: vec![p],
                ..Mesh::default()
            })
            .collect(),
        ..Asset::default()
    }
}

/// A `width` x `height` RGBA PNG whose pixel (x, y) is `pixel(x, y)`.
pub fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 4]) -> Image {
    let rgba = image::RgbaImage::from_fn(width, height, |x, y| image::Rgba(pixel(x, y)));
    let mut bytes = std::io::Cursor::new(vec![]);
    rgba.write_to(&mut bytes, image::ImageFormat::Png)
        .expect("PNG encodes in memory");
    image("image/png", bytes.into_inner())
}

/// An image of `mime_type` holding `data` as it is (which may be anything, valid or not).
pub fn image(mime_type: &str, data: Vec<u8>) -> Image {
    Image {
        name: None,
        mime_type: mime_type.into(),
        data: data.into(),
        ext: Default::default(),
    }
}

/// A glTF object (material, texture, sampler, camera, ...) from its JSON form.
pub fn from_json<T: DeserializeOwned>(json: serde_json::Value) -> T {
    serde_json::from_value(json).expect("the test's JSON is a valid glTF object")
}

/// Asserts that `prim` is a well-formed triangle list: whole triangles, every index below
/// the vertex count, every stream (morph targets included) one element per vertex.
pub fn assert_valid(prim: &Primitive) {
    let n = prim.vertex_count();
    for s in prim.streams() {
        assert_eq!(s.count(), n, "every stream has one element per vertex");
    }
    let indices = prim.indices.as_deref().expect("indexed");
    assert_eq!(indices.len() % 3, 0, "whole triangles");
    if let Some(i) = indices.iter().find(|&&i| i as usize >= n) {
        panic!("index {i} >= vertex count {n}");
    }
}

/// The box around the vertices `indices` draw of `positions` (min, max).
pub fn drawn_bounds(positions: &[[f32; 3]], indices: &[u32]) -> (Vec3, Vec3) {
    indices.iter().fold(
        (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)),
        |(lo, hi), &i| {
            let p = Vec3::from(positions[i as usize]);
            (lo.min(p), hi.max(p))
        },
    )
}

/// True when the triangle repeats a vertex (zero area by construction).
pub fn repeats_a_vertex(t: &[u32]) -> bool {
    t[0] == t[1] || t[1] == t[2] || t[0] == t[2]
}

/// `prim` with `count` morph targets of position deltas: each moves the vertices `moved`
/// selects 0.05 along +z and leaves the others where they are.
pub fn with_morph_targets(
    mut prim: Primitive,
    count: usize,
    moved: impl Fn([f32; 3]) -> bool,
) -> Primitive {
    let deltas: Vec<f32> = prim
        .positions()
        .iter()
        .flat_map(|&p| [0.0, 0.0, if moved(p) { 0.05 } else { 0.0 }])
        .collect();
    prim.targets = (0..count)
        .map(|_| vec![attribute(Semantic::Position, 3, deltas.clone())])
        .collect();
    prim
}

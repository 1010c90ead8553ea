//! The scene as it is drawn, computed on the CPU: node transforms with the first animation at
//! its first key, default morph weights applied, skinned meshes deformed by their joints,
//! missing normals made flat and missing tangents generated with MikkTSpace where a normal map
//! needs them. The result is one interleaved vertex array per primitive instance.

use crate::asset::skinning::Skinning;
use crate::asset::{Asset, AttributeData, Mode, Node, Placement, Primitive, Semantic, placement};
use crate::report::Warning;
use glam::{Mat4, Vec3};

/// One vertex as the PBR shader reads it (72 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Vertex {
    /// Position (local space, or world space for skinned meshes).
    pub position: [f32; 3],
    /// Unit normal.
    pub normal: [f32; 3],
    /// Tangent with handedness in w; zero when there is none.
    pub tangent: [f32; 4],
    /// TEXCOORD_0.
    pub uv0: [f32; 2],
    /// TEXCOORD_1.
    pub uv1: [f32; 2],
    /// COLOR_0 (white when absent).
    pub color: [f32; 4],
}

/// One drawable: a primitive of a mesh instance.
pub struct PosedPrimitive {
    /// Vertices.
    pub vertices: Vec<Vertex>,
    /// Indices; `None` draws the vertices in order.
    pub indices: Option<Vec<u32>>,
    /// Topology.
    pub mode: Mode,
    /// Local-to-world matrix (identity for skinned primitives, already in world space).
    pub model: Mat4,
    /// Material index.
    pub material: Option<usize>,
    /// The mesh has no normals: the shader derives face normals.
    pub flat: bool,
}

/// The posed scene.
pub struct Posed {
    /// Everything to draw.
    pub primitives: Vec<PosedPrimitive>,
    /// Bounding sphere (centre, radius) of everything drawn, world space.
    pub sphere: Option<(Vec3, f32)>,
    /// What could not be shown as authored.
    pub warnings: Vec<Warning>,
}

/// Poses the default scene of `asset`.
pub fn pose(asset: &Asset) -> Posed {
    let nodes = animated_nodes(asset);
    let roots = asset
        .default_scene()
        .and_then(|s| asset.scenes.get(s))
        .map_or(&[][..], |s| &s.nodes[..]);
    let mut primitives = vec![];
    let mut warnings = vec![];
    for drawn in placement::drawn(asset, &nodes, roots) {
        let m = drawn.mesh;
        let mesh = &asset.meshes[m];
        let weights = nodes[drawn.node]
            .weights
            .as_deref()
            .unwrap_or(&mesh.weights);
        let joints = match &drawn.placement {
            Placement::Skinned { joints, .. } => Some(&joints[..]),
            Placement::Rigid(_) => None,
        };
        for (p, prim) in mesh.primitives.iter().enumerate() {
            if prim.positions().is_empty() {
                continue;
            }
            let needs_tangents = prim
                .material
                .and_then(|i| asset.materials.get(i))
                .and_then(|mat| mat.normal_texture.as_ref().map(|t| t.uv_set()));
            let (posed, repair) = pose_primitive(prim, weights, joints, needs_tangents);
            if let Some(w) = repair {
                warnings.push(Warning::at(
                    "RENDER_GEOMETRY_REPAIRED",
                    format!("/meshes/{m}/primitives/{p}"),
                    w,
                ));
            }
            for &model in drawn.placement.instances() {
                primitives.push(PosedPrimitive {
                    vertices: posed.vertices.clone(),
                    indices: posed.indices.clone(),
                    mode: posed.mode,
                    model,
                    material: prim.material,
                    flat: posed.flat,
                });
            }
        }
    }
    let sphere = bounding_sphere(&primitives);
    Posed {
        primitives,
        sphere,
        warnings,
    }
}

/// The nodes with the first animation applied at its first key time.
fn animated_nodes(asset: &Asset) -> Vec<Node> {
    let mut nodes = asset.nodes.clone();
    let Some(anim) = asset.animations.first() else {
        return nodes;
    };
    for ch in &anim.channels {
        let (Some(n), Some(s)) = (ch.target.node, anim.samplers.get(ch.sampler)) else {
            continue;
        };
        // Key 0's value; cubic splines store (in-tangent, value, out-tangent) per key.
        let per_key = if ch.target.path == "weights" {
            s.output.count()
                / s.input.len().max(1)
                / if s.interpolation == "CUBICSPLINE" {
                    3
                } else {
                    1
                }
        } else {
            1
        };
        let first = if s.interpolation == "CUBICSPLINE" {
            per_key
        } else {
            0
        };
        let value = |k: usize| s.output.get(first + k).to_vec();
        let node = &mut nodes[n];
        match ch.target.path.as_str() {
            "translation" => node.translation = Some(arr(&value(0))),
            "rotation" => node.rotation = Some(arr(&value(0))),
            "scale" => node.scale = Some(arr(&value(0))),
            _ => node.weights = Some((0..per_key).map(|k| value(k)[0]).collect()),
        }
        if ch.target.path != "weights" && node.matrix.is_some() {
            let (s, r, t) = Mat4::from_cols_array(&node.matrix.take().expect("matrix"))
                .to_scale_rotation_translation();
            node.scale.get_or_insert(s.into());
            node.rotation.get_or_insert(r.into());
            node.translation.get_or_insert(t.into());
        }
    }
    nodes
}

fn arr<const N: usize>(v: &[f32]) -> [f32; N] {
    std::array::from_fn(|i| v.get(i).copied().unwrap_or(0.0))
}

/// Vertices of one primitive; the second value describes a repair, if one was made.
fn pose_primitive(
    prim: &Primitive,
    weights: &[f32],
    joints: Option<&[Mat4]>,
    tangent_uv: Option<u32>,
) -> (PosedPrimitive, Option<String>) {
    let n = prim.vertex_count();
    let stream = |s: Semantic| prim.attribute(&s);
    let mut vertices: Vec<Vertex> = (0..n)
        .map(|v| Vertex {
            position: arr(stream(Semantic::Position).map_or(&[][..], |a| a.get(v))),
            normal: arr(stream(Semantic::Normal).map_or(&[][..], |a| a.get(v))),
            tangent: arr(stream(Semantic::Tangent).map_or(&[][..], |a| a.get(v))),
            uv0: arr(stream(Semantic::TexCoord(0)).map_or(&[][..], |a| a.get(v))),
            uv1: arr(stream(Semantic::TexCoord(1)).map_or(&[][..], |a| a.get(v))),
            color: stream(Semantic::Color(0)).map_or([1.0; 4], |a| {
                let c = a.get(v);
                [c[0], c[1], c[2], c.get(3).copied().unwrap_or(1.0)]
            }),
        })
        .collect();
    apply_morphs(prim, weights, &mut vertices);
    if let Some(joints) = joints {
        skin(prim, joints, &mut vertices);
    }
    let mut indices = prim.indices.clone();
    let mut repair = None;
    let mut flat = false;
    if prim.mode == Mode::Triangles {
        let normals = stream(Semantic::Normal).is_some();
        match tangent_uv.filter(|_| stream(Semantic::Tangent).is_none()) {
            // Tangent generation needs per-corner normals: make them real.
            Some(uv) => {
                if !normals {
                    (vertices, indices) = flat_normals(&vertices, indices.as_deref());
                }
                (vertices, indices) = mikktspace(&vertices, indices.as_deref(), uv);
            }
            None => flat = !normals,
        }
        if !normals {
            repair = Some("no NORMAL: rendered with flat normals".to_string());
        }
    }
    if let Some(i) = indices
        .as_mut()
        .filter(|_| vertices.len() >= FETCH_ORDER_MIN)
    {
        vertices = fetch_order(&vertices, i);
    }
    (
        PosedPrimitive {
            vertices,
            indices,
            mode: prim.mode,
            model: Mat4::IDENTITY,
            material: prim.material,
            flat,
        },
        repair,
    )
}

/// Primitives with at least this many vertices are renumbered in order of first use.
const FETCH_ORDER_MIN: usize = 1 << 16;

/// Renumbers vertices in the order the indices first use them (dropping unused ones): on an
/// H100, the 1.1M-triangle bunny's 1024 px view took 7.5 ms of GPU time in file order and 5.3 ms
/// in this order, for about 10 ms of CPU time.
fn fetch_order(vertices: &[Vertex], indices: &mut [u32]) -> Vec<Vertex> {
    let (remap, count) = crate::pipeline::optimize::fetch_remap(indices, vertices.len());
    let mut out = vec![Vertex::default(); count];
    for (v, &r) in remap.iter().enumerate() {
        if r != u32::MAX {
            out[r as usize] = vertices[v];
        }
    }
    for i in indices.iter_mut() {
        *i = remap[*i as usize];
    }
    out
}

fn apply_morphs(prim: &Primitive, weights: &[f32], vertices: &mut [Vertex]) {
    for (target, &w) in prim.targets.iter().zip(weights) {
        if w == 0.0 {
            continue;
        }
        for a in target {
            let add = |dst: &mut [f32], d: &AttributeData, v: usize| {
                for (x, dx) in dst.iter_mut().zip(d.get(v)) {
                    *x += w * dx;
                }
            };
            for (v, vert) in vertices.iter_mut().enumerate() {
                match a.semantic {
                    Semantic::Position => add(&mut vert.position, &a.data, v),
                    Semantic::Normal => add(&mut vert.normal, &a.data, v),
                    Semantic::Tangent => add(&mut vert.tangent[..3], &a.data, v),
                    _ => {}
                }
            }
        }
    }
}

/// Linear blend skinning into world space (the kernel that bounds use too).
fn skin(prim: &Primitive, joints: &[Mat4], vertices: &mut [Vertex]) {
    let skinning = Skinning::new(prim, joints);
    for (v, vert) in vertices.iter_mut().enumerate() {
        let Some(m) = skinning.matrix(v) else {
            continue;
        };
        vert.position = m.point(Vec3::from(vert.position)).into();
        vert.normal = m.normal(Vec3::from(vert.normal)).into();
        let t = m.vector(Vec3::from_slice(&vert.tangent[..3]));
        vert.tangent = [t.x, t.y, t.z, vert.tangent[3]];
    }
}

/// One vertex per corner with the face normal (what the glTF specification asks for when
/// NORMAL is absent).
fn flat_normals(vertices: &[Vertex], indices: Option<&[u32]>) -> (Vec<Vertex>, Option<Vec<u32>>) {
    let corners: Vec<u32> =
        indices.map_or_else(|| (0..vertices.len() as u32).collect(), <[u32]>::to_vec);
    let mut out = Vec::with_capacity(corners.len());
    for t in corners.chunks_exact(3) {
        let p = |i: usize| Vec3::from(vertices[t[i] as usize].position);
        let n = (p(1) - p(0)).cross(p(2) - p(0)).normalize_or_zero();
        for &i in t {
            let mut v = vertices[i as usize];
            v.normal = n.into();
            out.push(v);
        }
    }
    (out, None)
}

/// MikkTSpace tangents from the normal map's UV set (de-indexed: tangents are per corner).
fn mikktspace(
    vertices: &[Vertex],
    indices: Option<&[u32]>,
    uv_set: u32,
) -> (Vec<Vertex>, Option<Vec<u32>>) {
    struct Corners {
        v: Vec<Vertex>,
        uv1: bool,
    }
    impl bevy_mikktspace::Geometry for Corners {
        fn num_faces(&self) -> usize {
            self.v.len() / 3
        }
        fn num_vertices_of_face(&self, _: usize) -> usize {
            3
        }
        fn position(&self, f: usize, k: usize) -> [f32; 3] {
            self.v[3 * f + k].position
        }
        fn normal(&self, f: usize, k: usize) -> [f32; 3] {
            self.v[3 * f + k].normal
        }
        fn tex_coord(&self, f: usize, k: usize) -> [f32; 2] {
            let v = &self.v[3 * f + k];
            if self.uv1 { v.uv1 } else { v.uv0 }
        }
        fn set_tangent(&mut self, t: Option<bevy_mikktspace::TangentSpace>, f: usize, k: usize) {
            if let Some(t) = t {
                self.v[3 * f + k].tangent = t.tangent_encoded();
            }
        }
    }
    let corners: Vec<Vertex> = match indices {
        Some(i) => i.iter().map(|&i| vertices[i as usize]).collect(),
        None => vertices.to_vec(),
    };
    let mut g = Corners {
        v: corners,
        uv1: uv_set == 1,
    };
    let _ = bevy_mikktspace::generate_tangents(&mut g);
    (g.v, None)
}

fn bounding_sphere(prims: &[PosedPrimitive]) -> Option<(Vec3, f32)> {
    let points = || {
        prims.iter().flat_map(|p| {
            p.vertices
                .iter()
                .map(move |v| p.model.transform_point3(Vec3::from(v.position)))
        })
    };
    let (mut lo, mut hi) = (Vec3::splat(f32::INFINITY), Vec3::splat(f32::NEG_INFINITY));
    for p in points() {
        lo = lo.min(p);
        hi = hi.max(p);
    }
    if !lo.is_finite() {
        return None;
    }
    let center = (lo + hi) * 0.5;
    let radius = points().map(|p| p.distance(center)).fold(0.0f32, f32::max);
    Some((center, radius.max(1e-6)))
}

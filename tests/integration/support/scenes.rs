//! Fixture scenes, each isolating features the reader, pipeline and writer must keep.

#![allow(dead_code)]

use super::builder::*;
use serde_json::json;
use std::f32::consts::PI;

/// A checkerboard PNG texture.
pub fn checker(b: &mut Builder, size: u32) -> usize {
    b.png_texture(size, size, |x, y| {
        if (x / 8 + y / 8) % 2 == 0 {
            [230, 90, 40, 255]
        } else {
            [250, 240, 220, 255]
        }
    })
}

/// Geometry of a UV sphere: positions, normals, UVs (with a seam at u = 0/1) and indices.
pub fn sphere_geometry(
    rings: u32,
    segments: u32,
    radius: f32,
) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<u32>) {
    let (mut p, mut n, mut uv, mut idx) = (vec![], vec![], vec![], vec![]);
    for r in 0..=rings {
        let v = r as f32 / rings as f32;
        // Exact poles and seam, so the surface is closed bit for bit (vertices on the seam
        // differ only in UV).
        let (st, ct) = match r {
            0 => (0.0, 1.0),
            _ if r == rings => (0.0, -1.0),
            _ => ((v * PI).sin(), (v * PI).cos()),
        };
        for s in 0..=segments {
            let u = s as f32 / segments as f32;
            let phi = if s == segments { 0.0 } else { u * 2.0 * PI };
            let d = [st * phi.cos(), ct, st * phi.sin()];
            p.extend(d.iter().map(|c| c * radius));
            n.extend_from_slice(&d);
            uv.extend_from_slice(&[u, v]);
        }
    }
    let row = segments + 1;
    for r in 0..rings {
        for s in 0..segments {
            let a = r * row + s;
            let (b, c, d) = (a + 1, a + row, a + row + 1);
            if r != 0 {
                idx.extend_from_slice(&[a, b, c]);
            }
            if r != rings - 1 {
                idx.extend_from_slice(&[b, d, c]);
            }
        }
    }
    (p, n, uv, idx)
}

/// A UV sphere drawn with `material` (a material JSON object), as the only root node.
pub fn sphere_with(b: &mut Builder, rings: u32, segments: u32, material: serde_json::Value) {
    let (p, n, uv, idx) = sphere_geometry(rings, segments, 1.0);
    let (pos, nrm, tex) = (
        b.floats(&p, "VEC3", true),
        b.floats(&n, "VEC3", false),
        b.floats(&uv, "VEC2", false),
    );
    let ind = b.indices(&idx);
    let m = b.push("materials", material);
    let mesh = b.push(
        "meshes",
        json!({"primitives": [{"attributes": {"POSITION": pos, "NORMAL": nrm, "TEXCOORD_0": tex},
            "indices": ind, "material": m}]}),
    );
    b.root_node(json!({"name": "Ball", "mesh": mesh}));
}

/// A textured UV sphere: the simplification fixture (smooth, closed, one UV seam).
pub fn sphere(rings: u32, segments: u32) -> Builder {
    let mut b = Builder::new();
    let (p, n, uv, idx) = sphere_geometry(rings, segments, 1.0);
    let pos = b.floats(&p, "VEC3", true);
    let nrm = b.floats(&n, "VEC3", false);
    let tex = b.floats(&uv, "VEC2", false);
    let ind = b.indices(&idx);
    let t = checker(&mut b, 64);
    let mat = b.push(
        "materials",
        json!({"name": "Checker", "pbrMetallicRoughness": {"baseColorTexture": {"index": t}, "metallicFactor": 0.0}}),
    );
    let mesh = b.push(
        "meshes",
        json!({"name": "SphereMesh", "primitives": [{"attributes": {"POSITION": pos, "NORMAL": nrm, "TEXCOORD_0": tex}, "indices": ind, "material": mat}]}),
    );
    b.root_node(json!({"name": "Sphere", "mesh": mesh}));
    b
}

/// Two spheres in one mesh sharing a tiling material: one's UVs run from -1 to 3, the other's
/// stay in [0, 1], and the material already has a rotated `KHR_texture_transform`. Quantizing the
/// UVs must map the shared range through the material's transform.
pub fn tiled_spheres() -> Builder {
    let mut b = Builder::new();
    let t = checker(&mut b, 64);
    let mat = b.push(
        "materials",
        json!({"name": "Tiles", "pbrMetallicRoughness": {"baseColorTexture": {"index": t,
            "extensions": {"KHR_texture_transform": {"rotation": 0.3, "scale": [0.5, 0.5]}}}}}),
    );
    let mut primitives = vec![];
    for (shift, tiles) in [(0.0f32, 4.0f32), (3.0, 1.0)] {
        let (mut p, n, mut uv, idx) = sphere_geometry(12, 24, 1.0);
        p.iter_mut().step_by(3).for_each(|x| *x += shift);
        uv.iter_mut()
            .for_each(|u| *u = *u * tiles - (tiles - 1.0) / 4.0);
        let pos = b.floats(&p, "VEC3", true);
        let nrm = b.floats(&n, "VEC3", false);
        let tex = b.floats(&uv, "VEC2", false);
        let ind = b.indices(&idx);
        primitives.push(
            json!({"attributes": {"POSITION": pos, "NORMAL": nrm, "TEXCOORD_0": tex},
            "indices": ind, "material": mat}),
        );
    }
    b.uses("KHR_texture_transform", false);
    let mesh = b.push("meshes", json!({"name": "Tiled", "primitives": primitives}));
    b.root_node(json!({"name": "Spheres", "mesh": mesh}));
    b
}

/// A cylinder along +Y skinned to two joints, with an animation bending the upper joint.
pub fn skinned_tube() -> Builder {
    let mut b = Builder::new();
    let (rings, segments, height) = (16u32, 16u32, 2.0f32);
    let (mut p, mut n, mut joints, mut weights, mut idx) = (vec![], vec![], vec![], vec![], vec![]);
    for r in 0..=rings {
        let y = height * r as f32 / rings as f32;
        let w1 = (y / height).clamp(0.0, 1.0);
        for s in 0..segments {
            let a = s as f32 / segments as f32 * 2.0 * PI;
            p.extend_from_slice(&[0.2 * a.cos(), y, 0.2 * a.sin()]);
            n.extend_from_slice(&[a.cos(), 0.0, a.sin()]);
            joints.extend_from_slice(&[0i64, 1, 0, 0]);
            weights.extend_from_slice(&[1.0 - w1, w1, 0.0, 0.0]);
        }
    }
    for r in 0..rings {
        for s in 0..segments {
            let a = r * segments + s;
            let b2 = r * segments + (s + 1) % segments;
            let (c, d) = (a + segments, b2 + segments);
            idx.extend_from_slice(&[a, c, b2, b2, c, d]);
        }
    }
    let pos = b.floats(&p, "VEC3", true);
    let nrm = b.floats(&n, "VEC3", false);
    let jnt = b.ints(&joints, UNSIGNED_BYTE, "VEC4", false, None, false);
    let wgt = b.floats(&weights, "VEC4", false);
    let ind = b.indices(&idx);
    let mut ibm = vec![];
    for y in [0.0f32, 1.0] {
        ibm.extend_from_slice(&[
            1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 0., 0., -y, 0., 1.,
        ]);
    }
    let ibm = b.floats(&ibm, "MAT4", false);
    let mesh = b.push(
        "meshes",
        json!({"name": "Tube", "primitives": [{"attributes": {"POSITION": pos, "NORMAL": nrm, "JOINTS_0": jnt, "WEIGHTS_0": wgt}, "indices": ind}]}),
    );
    let upper = b.push(
        "nodes",
        json!({"name": "Upper", "translation": [0.0, 1.0, 0.0]}),
    );
    let lower = b.push("nodes", json!({"name": "Lower", "children": [upper]}));
    let skin = b.push("skins", json!({"name": "Rig", "joints": [lower, upper], "inverseBindMatrices": ibm, "skeleton": lower}));
    b.root_node(json!({"name": "Armature", "children": [lower]}));
    b.root_node(json!({"name": "TubeMesh", "mesh": mesh, "skin": skin}));
    let times = b.floats(&[0.0, 0.5, 1.0], "SCALAR", true);
    let h = (PI / 8.0).sin();
    let c = (PI / 8.0).cos();
    let rot = b.floats(
        &[0., 0., 0., 1., 0., 0., h, c, 0., 0., 0., 1.],
        "VEC4",
        false,
    );
    b.push(
        "animations",
        json!({"name": "Bend", "samplers": [{"input": times, "output": rot}],
               "channels": [{"sampler": 0, "target": {"node": upper, "path": "rotation"}}]}),
    );
    b
}

/// A grid with two morph targets, default weights, target names and a weights animation.
pub fn morph_plane() -> Builder {
    let mut b = Builder::new();
    let n = 24u32;
    let (mut p, mut bump, mut tilt, mut idx) = (vec![], vec![], vec![], vec![]);
    for j in 0..=n {
        for i in 0..=n {
            let (x, z) = (i as f32 / n as f32 - 0.5, j as f32 / n as f32 - 0.5);
            p.extend_from_slice(&[x, 0.0, z]);
            let r2 = x * x + z * z;
            bump.extend_from_slice(&[0.0, (0.1 - r2).max(0.0) * 3.0, 0.0]);
            tilt.extend_from_slice(&[0.0, x * 0.2, 0.0]);
        }
    }
    for j in 0..n {
        for i in 0..n {
            let a = j * (n + 1) + i;
            idx.extend_from_slice(&[a, a + n + 1, a + 1, a + 1, a + n + 1, a + n + 2]);
        }
    }
    let pos = b.floats(&p, "VEC3", true);
    let t0 = b.floats(&bump, "VEC3", true);
    let t1 = b.floats(&tilt, "VEC3", true);
    let ind = b.indices(&idx);
    let mesh = b.push(
        "meshes",
        json!({"name": "Morph", "weights": [0.5, 0.0], "extras": {"targetNames": ["Bump", "Tilt"]},
               "primitives": [{"attributes": {"POSITION": pos}, "indices": ind,
                               "targets": [{"POSITION": t0}, {"POSITION": t1}]}]}),
    );
    let node = b.root_node(json!({"name": "Plane", "mesh": mesh}));
    let times = b.floats(&[0.0, 1.0], "SCALAR", true);
    let w = b.floats(&[0.0, 0.0, 1.0, 1.0], "SCALAR", false);
    b.push(
        "animations",
        json!({"samplers": [{"input": times, "output": w}],
               "channels": [{"sampler": 0, "target": {"node": node, "path": "weights"}}]}),
    );
    b
}

/// Everything else core glTF and the pass-through extensions can hold, in one file.
pub fn kitchen_sink() -> Builder {
    let mut b = Builder::new();
    let quad_p = [0.0f32, 0., 0., 1., 0., 0., 1., 1., 0., 0., 1., 0.];
    // Sparse POSITION: base quad, vertex 2 replaced by (2, 2, 0).
    let base = b.floats(&quad_p, "VEC3", false);
    let base_view = b.doc["accessors"][base]["bufferView"].clone();
    let sidx = b.view(&2u16.to_le_bytes(), None);
    let svals = b.view(
        &[2.0f32, 2.0, 0.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<_>>(),
        None,
    );
    let sparse = b.push(
        "accessors",
        json!({"bufferView": base_view, "componentType": FLOAT, "count": 4, "type": "VEC3",
               "min": [0.0, 0.0, 0.0], "max": [2.0, 2.0, 0.0],
               "sparse": {"count": 1, "indices": {"bufferView": sidx, "componentType": UNSIGNED_SHORT},
                          "values": {"bufferView": svals}}}),
    );
    let quad_i = b.indices(&[0, 1, 2, 0, 2, 3]);
    let batch = b.floats(&[0.0, 0.0, 1.0, 1.0], "SCALAR", false);
    // Non-indexed triangles, a strip and a fan over the same 4 positions.
    let plain = b.floats(
        &[
            0., 0., 0., 1., 0., 0., 1., 1., 0., 0., 0., 0., 1., 1., 0., 0., 1., 0.,
        ],
        "VEC3",
        true,
    );
    let strip_fan = b.floats(&quad_p, "VEC3", true);
    let points = b.floats(&[0., 0., 0., 0.5, 0.5, 0.5, 1., 1., 1.], "VEC3", true);
    let lines_i = b.indices(&[0, 1, 1, 2]);
    // KHR_mesh_quantization: i16 normalized positions (scaled by the node), i8 normals,
    // u16 non-normalized UVs (scaled by KHR_texture_transform), u8 normalized RGB colours
    // (padded to 4 bytes per element).
    let qpos = b.ints(
        &[0, 0, 0, 32767, 0, 0, 32767, 32767, 0, 0, 32767, 0],
        SHORT,
        "VEC3",
        true,
        Some(8),
        true,
    );
    let qnrm = b.ints(
        &[0, 0, 127, 0, 0, 127, 0, 0, 127, 0, 0, 127],
        BYTE,
        "VEC3",
        true,
        Some(4),
        false,
    );
    let quv = b.ints(
        &[0, 0, 1024, 0, 1024, 1024, 0, 1024],
        UNSIGNED_SHORT,
        "VEC2",
        false,
        None,
        false,
    );
    let qcol = b.ints(
        &[255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255],
        UNSIGNED_BYTE,
        "VEC3",
        true,
        Some(4),
        false,
    );
    b.uses("KHR_mesh_quantization", true);

    let tex = checker(&mut b, 16);
    let tex2 = checker(&mut b, 16); // identical image: merged by dedup
    let unused_tex = b.png_texture(4, 4, |_, _| [0, 0, 255, 255]);
    let _ = unused_tex;
    b.uses("KHR_materials_clearcoat", false);
    b.uses("KHR_texture_transform", false);
    b.uses("KHR_materials_emissive_strength", false);
    b.uses("KHR_lights_punctual", false);
    b.uses("KHR_materials_variants", false);
    b.uses("EXT_mesh_gpu_instancing", false);
    b.uses("VENDOR_unknown", false);
    let fancy = b.push(
        "materials",
        json!({"name": "Fancy", "emissiveFactor": [1.0, 0.5, 0.0],
               "pbrMetallicRoughness": {"baseColorTexture": {"index": tex,
                   "extensions": {"KHR_texture_transform": {"scale": [0.015625, 0.015625]}}}},
               "extensions": {"KHR_materials_clearcoat": {"clearcoatFactor": 1.0, "clearcoatTexture": {"index": tex2}},
                              "KHR_materials_emissive_strength": {"emissiveStrength": 4.0},
                              "VENDOR_unknown": {"x": 1}},
               "extras": {"sku": "A-1"}}),
    );
    let plain_mat = b.push("materials", json!({"name": "Plain", "doubleSided": true}));
    let variant_mat = b.push("materials", json!({"name": "Variant", "pbrMetallicRoughness": {"baseColorFactor": [0.1, 0.2, 0.9, 1.0]}}));
    let _unused_mat = b.push("materials", json!({"name": "Unused"}));
    b.doc["extensions"] = json!({
        "KHR_lights_punctual": {"lights": [{"type": "point", "color": [1.0, 0.9, 0.8], "intensity": 5.0}]},
        "KHR_materials_variants": {"variants": [{"name": "Red"}, {"name": "Blue"}]}
    });
    let mesh = b.push(
        "meshes",
        json!({"name": "Sink", "extras": {"note": "kept"}, "primitives": [
            {"attributes": {"POSITION": sparse, "_BATCHID": batch}, "indices": quad_i, "material": plain_mat,
             "extensions": {"KHR_materials_variants": {"mappings": [{"material": variant_mat, "variants": [1]}]}}},
            {"attributes": {"POSITION": plain}, "material": plain_mat},
            {"attributes": {"POSITION": strip_fan}, "mode": 5, "material": plain_mat},
            {"attributes": {"POSITION": strip_fan}, "mode": 6, "material": plain_mat},
            {"attributes": {"POSITION": points}, "mode": 0},
            {"attributes": {"POSITION": points}, "indices": lines_i, "mode": 1},
            {"attributes": {"POSITION": qpos, "NORMAL": qnrm, "TEXCOORD_0": quv, "COLOR_0": qcol}, "indices": quad_i, "material": fancy}
        ]}),
    );
    let inst_t = b.floats(&[0., 0., 0., 3., 0., 0.], "VEC3", false);
    let camera = b.push(
        "cameras",
        json!({"name": "Front", "type": "perspective", "perspective": {"yfov": 0.8, "znear": 0.1}}),
    );
    let cam_node = b.push(
        "nodes",
        json!({"name": "CameraNode", "camera": camera,
        "matrix": [1.,0.,0.,0., 0.,1.,0.,0., 0.,0.,1.,0., 0.,0.,5.,1.]}),
    );
    let light_node = b.push("nodes", json!({"name": "Lamp", "translation": [0., 3., 0.], "extensions": {"KHR_lights_punctual": {"light": 0}}}));
    let empty = b.push("nodes", json!({}));
    let mesh_node = b.push(
        "nodes",
        json!({"name": "SinkNode", "mesh": mesh, "scale": [0.001, 0.001, 0.001],
        "extras": {"configurable": true},
        "extensions": {"EXT_mesh_gpu_instancing": {"attributes": {"TRANSLATION": inst_t}}}}),
    );
    let root =
        b.root_node(json!({"name": "Root", "children": [cam_node, light_node, mesh_node, empty]}));
    b.push("nodes", json!({"mesh": mesh})); // an orphan: in no scene
    b.push("scenes", json!({"name": "Second", "nodes": [root]}));
    b.doc["scenes"][0]["name"] = json!("Main");
    b.doc["extras"] = json!({"author": "tests"});
    b.doc["asset"]["copyright"] = json!("CC0 test data");
    b
}

/// The bundled sample: a glazed ceramic vase with a handle, two materials, named parts.
pub fn vase() -> Builder {
    let mut b = Builder::new();
    b.doc["asset"]["copyright"] =
        json!("CC0 1.0, generated by render-worker's examples/make_assets.rs");
    // Body: a surface of revolution, a seam at u = 0/1, open at the top, closed at the bottom.
    let (rings, segments) = (100u32, 96u32);
    let profile = |t: f32| -> (f32, f32) {
        let y = t * 1.2;
        let r = 0.28 + 0.14 * (PI * (t * 1.3 - 0.15)).sin() - 0.06 * (t - 0.85).max(0.0) * 10.0 * t;
        (r.max(0.12), y)
    };
    let (mut p, mut n, mut uv, mut idx) = (vec![], vec![], vec![], vec![]);
    for r in 0..=rings {
        let t = r as f32 / rings as f32;
        let (radius, y) = profile(t);
        let dt = 1e-3;
        let (r2, y2) = profile((t + dt).min(1.0));
        let (r1, y1) = profile((t - dt).max(0.0));
        // Outward normal of the profile curve (dr, dy) rotated by -90 degrees.
        let (dr, dy) = (r2 - r1, y2 - y1);
        let len = (dr * dr + dy * dy).sqrt();
        for s in 0..=segments {
            let u = s as f32 / segments as f32;
            let a = u * 2.0 * PI;
            p.extend_from_slice(&[radius * a.cos(), y, radius * a.sin()]);
            n.extend_from_slice(&[dy / len * a.cos(), -dr / len, dy / len * a.sin()]);
            uv.extend_from_slice(&[u, 1.0 - t]);
        }
    }
    let row = segments + 1;
    for r in 0..rings {
        for s in 0..segments {
            let a = r * row + s;
            idx.extend_from_slice(&[a, a + row, a + 1, a + 1, a + row, a + row + 1]);
        }
    }
    // Bottom cap: a fan around a centre vertex.
    let centre = p.len() as u32 / 3;
    p.extend_from_slice(&[0.0, 0.0, 0.0]);
    n.extend_from_slice(&[0.0, -1.0, 0.0]);
    uv.extend_from_slice(&[0.5, 1.0]);
    let first = p.len() as u32 / 3;
    for s in 0..=segments {
        let a = s as f32 / segments as f32 * 2.0 * PI;
        let (radius, _) = profile(0.0);
        p.extend_from_slice(&[radius * a.cos(), 0.0, radius * a.sin()]);
        n.extend_from_slice(&[0.0, -1.0, 0.0]);
        uv.extend_from_slice(&[0.5 + 0.5 * a.cos(), 0.5 + 0.5 * a.sin()]);
    }
    for s in 0..segments {
        idx.extend_from_slice(&[centre, first + s, first + s + 1]);
    }
    let glaze = b.png_texture(256, 256, |x, y| {
        let band = ((y as f32 / 256.0 * 9.0 * PI).sin() * 0.5 + 0.5) * 40.0;
        let speck = if (x * 7919 + y * 104_729) % 97 == 0 {
            30
        } else {
            0
        };
        [
            (30.0 + band) as u8 + speck,
            (80.0 + band) as u8,
            (140.0 + band * 1.5) as u8,
            255,
        ]
    });
    let body_mat = b.push(
        "materials",
        json!({"name": "Glaze", "doubleSided": true, "pbrMetallicRoughness": {"baseColorTexture": {"index": glaze},
               "metallicFactor": 0.0, "roughnessFactor": 0.25}}),
    );
    let body = mesh_of(&mut b, "VaseBody", &p, &n, Some(&uv), &idx, body_mat);
    // Handle: half a torus standing on the body's side.
    let (major, minor, rings, segments) = (0.22f32, 0.035f32, 48u32, 24u32);
    let (mut p, mut n, mut idx) = (vec![], vec![], vec![]);
    for r in 0..=rings {
        let a = -PI / 2.0 + PI * r as f32 / rings as f32;
        let (ca, sa) = (a.cos(), a.sin());
        for s in 0..=segments {
            let b2 = s as f32 / segments as f32 * 2.0 * PI;
            let (cb, sb) = (b2.cos(), b2.sin());
            let d = [ca * cb, sa * cb, sb];
            p.extend_from_slice(&[
                0.36 + major * ca + minor * d[0],
                0.62 + major * sa + minor * d[1],
                minor * d[2],
            ]);
            n.extend_from_slice(&d);
        }
    }
    for r in 0..rings {
        for s in 0..segments {
            let a = r * (segments + 1) + s;
            let c = a + segments + 1;
            idx.extend_from_slice(&[a, c, a + 1, a + 1, c, c + 1]);
        }
    }
    let handle_mat = b.push(
        "materials",
        json!({"name": "Clay", "pbrMetallicRoughness": {"baseColorFactor": [0.85, 0.55, 0.35, 1.0],
               "metallicFactor": 0.0, "roughnessFactor": 0.6}}),
    );
    let handle = mesh_of(&mut b, "Handle", &p, &n, None, &idx, handle_mat);
    let body_node = b.push("nodes", json!({"name": "Body", "mesh": body}));
    let handle_node = b.push("nodes", json!({"name": "Handle", "mesh": handle}));
    b.root_node(json!({"name": "Vase", "children": [body_node, handle_node]}));
    b
}

fn mesh_of(
    b: &mut Builder,
    name: &str,
    p: &[f32],
    n: &[f32],
    uv: Option<&[f32]>,
    idx: &[u32],
    material: usize,
) -> usize {
    let pos = b.floats(p, "VEC3", true);
    let nrm = b.floats(n, "VEC3", false);
    let mut attributes = json!({"POSITION": pos, "NORMAL": nrm});
    if let Some(uv) = uv {
        attributes["TEXCOORD_0"] = json!(b.floats(uv, "VEC2", false));
    }
    let ind = b.indices(idx);
    b.push("meshes", json!({"name": name, "primitives": [{"attributes": attributes, "indices": ind, "material": material}]}))
}

/// A ball whose 256 px base colour is nothing but soft gradients (a radial falloff over a
/// slow hue sweep): the content ETC1S at its default quality turns into visible 4x4 blocks.
pub fn gradient_ball() -> Builder {
    let mut b = Builder::new();
    let t = b.png_texture(256, 256, |x, y| {
        let (u, v) = (x as f32 / 255.0, y as f32 / 255.0);
        let r = ((u - 0.5).powi(2) + (v - 0.5).powi(2)).sqrt();
        let glow = (1.0 - r * 1.4).clamp(0.0, 1.0);
        [
            (60.0 + 150.0 * u * glow + 40.0 * v) as u8,
            (90.0 + 120.0 * glow) as u8,
            (200.0 - 120.0 * u + 30.0 * glow) as u8,
            255,
        ]
    });
    let material = json!({"name": "Gradient", "pbrMetallicRoughness":
        {"baseColorTexture": {"index": t}, "metallicFactor": 0.0, "roughnessFactor": 0.6}});
    sphere_with(&mut b, 32, 64, material);
    b
}

/// A ball with high-frequency detail in all three texture classes, 512 px each: a colour map
/// of fine stripes under hashed speckle, a normal map of small bumps, and a packed
/// occlusion/roughness/metalness map whose channels hold unrelated patterns.
pub fn detail_ball() -> Builder {
    let mut b = Builder::new();
    let hash = |x: u32, y: u32| (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663)) % 256;
    let colour = b.png_texture(512, 512, |x, y| {
        let stripe = if (x + y / 3) % 6 < 3 { 70 } else { 0 };
        let n = hash(x, y) % 12;
        [
            (120 + stripe + n) as u8,
            (80 + n) as u8,
            (60 + stripe / 2) as u8,
            255,
        ]
    });
    let normal = b.png_texture(512, 512, |x, y| {
        // Bumps every 16 texels: the slope of a cosine egg-crate, encoded as a unit normal.
        let k = std::f32::consts::TAU / 16.0;
        let (dx, dy) = (0.5 * (k * x as f32).sin(), 0.5 * (k * y as f32).sin());
        let len = (dx * dx + dy * dy + 1.0).sqrt();
        let enc = |c: f32| ((c / len * 0.5 + 0.5) * 255.0).round() as u8;
        [enc(dx), enc(dy), enc(1.0), 255]
    });
    let orm = b.png_texture(512, 512, |x, y| {
        let occlusion = 255 - (hash(x / 4, y / 4) % 90) as u8;
        let roughness = if (x / 8 + y / 8) % 2 == 0 { 200 } else { 60 };
        let metal = if (x / 32) % 2 == 0 { 255 } else { 0 };
        [occlusion, roughness, metal, 255]
    });
    let material = json!({"name": "Detail",
        "pbrMetallicRoughness": {"baseColorTexture": {"index": colour},
            "metallicRoughnessTexture": {"index": orm}},
        "occlusionTexture": {"index": orm}, "normalTexture": {"index": normal}});
    sphere_with(&mut b, 32, 64, material);
    b
}

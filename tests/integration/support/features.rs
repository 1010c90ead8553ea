//! Scenes that isolate one rendering feature each, for the golden-image tests.

#![allow(dead_code)]

use super::builder::*;
use super::scenes::{checker, sphere_geometry};
use serde_json::{Value, json};

/// A quad in the XY plane (facing +Z) centred at (cx, cy), `w` x `h`, with normals and UVs
/// (v down, as glTF's texture space).
fn quad(
    b: &mut Builder,
    cx: f32,
    cy: f32,
    w: f32,
    h: f32,
    extra: &[(&str, Vec<f32>, &str)],
) -> Value {
    let (x0, x1, y0, y1) = (cx - w / 2.0, cx + w / 2.0, cy - h / 2.0, cy + h / 2.0);
    let pos = b.floats(
        &[x0, y0, 0., x1, y0, 0., x1, y1, 0., x0, y1, 0.],
        "VEC3",
        true,
    );
    let nrm = b.floats(
        &[0., 0., 1., 0., 0., 1., 0., 0., 1., 0., 0., 1.],
        "VEC3",
        false,
    );
    let uv = b.floats(&[0., 1., 1., 1., 1., 0., 0., 0.], "VEC2", false);
    let ind = b.indices(&[0, 1, 2, 0, 2, 3]);
    let mut attributes = json!({"POSITION": pos, "NORMAL": nrm, "TEXCOORD_0": uv});
    for (name, values, kind) in extra {
        attributes[*name] = json!(b.floats(values, kind, false));
    }
    json!({"attributes": attributes, "indices": ind})
}

fn node_with(b: &mut Builder, name: &str, prim: Value, material: usize) {
    let mut prim = prim;
    prim["material"] = json!(material);
    let mesh = b.push("meshes", json!({"name": name, "primitives": [prim]}));
    b.root_node(json!({"name": name, "mesh": mesh}));
}

fn sphere_prim(b: &mut Builder, radius: f32, offset: [f32; 3]) -> Value {
    let (mut p, n, uv, idx) = sphere_geometry(24, 48, radius);
    for v in p.chunks_exact_mut(3) {
        for k in 0..3 {
            v[k] += offset[k];
        }
    }
    let pos = b.floats(&p, "VEC3", true);
    let nrm = b.floats(&n, "VEC3", false);
    let tex = b.floats(&uv, "VEC2", false);
    let ind = b.indices(&idx);
    json!({"attributes": {"POSITION": pos, "NORMAL": nrm, "TEXCOORD_0": tex}, "indices": ind})
}

/// Opaque (alpha ignored), masked (cut at 0.5 along a gradient) and blended (40 % red over a
/// checker backdrop) quads.
pub fn alpha_modes() -> Builder {
    let mut b = Builder::new();
    let gradient = b.png_texture(32, 32, |x, _| [40, 160, 220, (x * 8) as u8]);
    let backdrop = checker(&mut b, 64);
    let back = b.push("materials", json!({"name": "Backdrop", "pbrMetallicRoughness": {"baseColorTexture": {"index": backdrop}, "metallicFactor": 0.0}}));
    let opaque = b.push("materials", json!({"name": "Opaque", "pbrMetallicRoughness": {"baseColorTexture": {"index": gradient}, "metallicFactor": 0.0}}));
    let mask = b.push(
        "materials",
        json!({"name": "Mask", "alphaMode": "MASK", "alphaCutoff": 0.5,
        "pbrMetallicRoughness": {"baseColorTexture": {"index": gradient}, "metallicFactor": 0.0}}),
    );
    let blend = b.push(
        "materials",
        json!({"name": "Blend", "alphaMode": "BLEND",
        "pbrMetallicRoughness": {"baseColorFactor": [0.9, 0.1, 0.1, 0.4], "metallicFactor": 0.0}}),
    );
    let p = quad(&mut b, 0.0, 0.0, 3.4, 1.2, &[]);
    let mut p = p;
    // Push the backdrop behind the others.
    let pos = b.floats(
        &[
            -1.7, -0.6, -0.3, 1.7, -0.6, -0.3, 1.7, 0.6, -0.3, -1.7, 0.6, -0.3,
        ],
        "VEC3",
        true,
    );
    p["attributes"]["POSITION"] = json!(pos);
    node_with(&mut b, "Backdrop", p, back);
    for (x, m, name) in [
        (-1.1, opaque, "Opaque"),
        (0.0, mask, "Mask"),
        (1.1, blend, "Blend"),
    ] {
        let q = quad(&mut b, x, 0.0, 1.0, 1.0, &[]);
        node_with(&mut b, name, q, m);
    }
    b
}

/// A sphere with a procedural bumpy normal map (no TANGENT: the renderer generates MikkTSpace
/// tangents).
pub fn normal_map() -> Builder {
    let mut b = Builder::new();
    let normals = b.png_texture(128, 128, |x, y| {
        // Hemispherical bumps on an 8x8 grid.
        let fx = (x % 16) as f32 / 8.0 - 1.0;
        let fy = (y % 16) as f32 / 8.0 - 1.0;
        let r2 = fx * fx + fy * fy;
        let (nx, ny) = if r2 < 0.8 {
            (fx * 0.8, -fy * 0.8)
        } else {
            (0.0, 0.0)
        };
        let nz = (1.0f32 - nx * nx - ny * ny).max(0.0).sqrt();
        let e = |c: f32| ((c * 0.5 + 0.5) * 255.0) as u8;
        [e(nx), e(ny), e(nz), 255]
    });
    let m = b.push("materials", json!({"name": "Bumpy", "normalTexture": {"index": normals, "scale": 1.0},
        "pbrMetallicRoughness": {"baseColorFactor": [0.8, 0.75, 0.7, 1.0], "metallicFactor": 0.0, "roughnessFactor": 0.35}}));
    let p = sphere_prim(&mut b, 1.0, [0.0; 3]);
    node_with(&mut b, "Bumpy", p, m);
    b
}

/// A dark sphere with emissive stripes, strength 4.
pub fn emissive() -> Builder {
    let mut b = Builder::new();
    b.uses("KHR_materials_emissive_strength", false);
    let stripes = b.png_texture(64, 64, |_, y| {
        if (y / 8) % 2 == 0 {
            [255, 140, 20, 255]
        } else {
            [0, 0, 0, 255]
        }
    });
    let m = b.push("materials", json!({"name": "Glow", "emissiveTexture": {"index": stripes}, "emissiveFactor": [1.0, 1.0, 1.0],
        "extensions": {"KHR_materials_emissive_strength": {"emissiveStrength": 4.0}},
        "pbrMetallicRoughness": {"baseColorFactor": [0.05, 0.05, 0.05, 1.0], "metallicFactor": 0.0}}));
    let p = sphere_prim(&mut b, 1.0, [0.0; 3]);
    node_with(&mut b, "Glow", p, m);
    b
}

/// Three quads: offset, rotation and scale by KHR_texture_transform on an asymmetric texture.
pub fn texture_transform() -> Builder {
    let mut b = Builder::new();
    b.uses("KHR_texture_transform", false);
    let arrow = b.png_texture(64, 64, |x, y| {
        let on = (y < 8 && x < 48) || (x < 8) || (x > 40 && y < 24 && x - 40 < 24 - y);
        if on {
            [20, 20, 20, 255]
        } else {
            [240, 230, 200, 255]
        }
    });
    let transforms = [
        json!({"offset": [0.25, 0.0]}),
        json!({"rotation": std::f32::consts::FRAC_PI_4}),
        json!({"scale": [2.0, 2.0]}),
    ];
    for (k, t) in transforms.into_iter().enumerate() {
        let m = b.push(
            "materials",
            json!({"pbrMetallicRoughness": {"metallicFactor": 0.0,
            "baseColorTexture": {"index": arrow, "extensions": {"KHR_texture_transform": t}}}}),
        );
        let q = quad(&mut b, -1.1 + 1.1 * k as f32, 0.0, 1.0, 1.0, &[]);
        node_with(&mut b, &format!("Transform{k}"), q, m);
    }
    b
}

/// A quad with red, green, blue and white corners (COLOR_0) times a grey base colour.
pub fn vertex_colors() -> Builder {
    let mut b = Builder::new();
    let m = b.push("materials", json!({"pbrMetallicRoughness": {"baseColorFactor": [0.9, 0.9, 0.9, 1.0], "metallicFactor": 0.0}}));
    let colors = vec![
        1., 0., 0., 1., 0., 1., 0., 1., 0., 0., 1., 1., 1., 1., 1., 1.,
    ];
    let q = quad(&mut b, 0.0, 0.0, 2.0, 2.0, &[("COLOR_0", colors, "VEC4")]);
    node_with(&mut b, "Colors", q, m);
    b
}

/// Two half cylinders seen from their open (inner) side: the double-sided one shows its
/// inside, the single-sided one only its far outer wall.
pub fn double_sided() -> Builder {
    let mut b = Builder::new();
    for (k, double) in [false, true].into_iter().enumerate() {
        let (mut p, mut n, mut idx) = (vec![], vec![], vec![]);
        let (seg, rows) = (24u32, 8u32);
        for r in 0..=rows {
            let y = r as f32 / rows as f32 * 1.6 - 0.8;
            for s in 0..=seg {
                let a = std::f32::consts::PI * s as f32 / seg as f32;
                let x = -1.1 + 2.2 * k as f32 + 0.8 * a.cos();
                p.extend_from_slice(&[x, y, -0.8 * a.sin()]);
                n.extend_from_slice(&[a.cos(), 0.0, -a.sin()]);
            }
        }
        for r in 0..rows {
            for s in 0..seg {
                let a = r * (seg + 1) + s;
                let c = a + seg + 1;
                idx.extend_from_slice(&[a, a + 1, c, a + 1, c + 1, c]);
            }
        }
        let pos = b.floats(&p, "VEC3", true);
        let nrm = b.floats(&n, "VEC3", false);
        let ind = b.indices(&idx);
        let m = b.push("materials", json!({"doubleSided": double, "pbrMetallicRoughness":
            {"baseColorFactor": [0.2, 0.6, 0.3, 1.0], "metallicFactor": 0.0, "roughnessFactor": 0.5}}));
        let prim = json!({"attributes": {"POSITION": pos, "NORMAL": nrm}, "indices": ind});
        node_with(&mut b, if double { "Double" } else { "Single" }, prim, m);
    }
    b
}

/// The skinned tube, bent by its animation's first key (the renderer poses frame 0).
pub fn skinned() -> Builder {
    let mut b = super::scenes::skinned_tube();
    // Make key 0 a 45-degree bend so frame 0 differs from the bind pose.
    let rot = b.floats(
        &[
            0.,
            0.,
            0.382_683_4,
            0.923_879_5,
            0.,
            0.,
            0.,
            1.,
            0.,
            0.,
            0.382_683_4,
            0.923_879_5,
        ],
        "VEC4",
        false,
    );
    b.doc["animations"][0]["samplers"][0]["output"] = json!(rot);
    b
}

/// Base colour on TEXCOORD_0, emissive on TEXCOORD_1 (a different mapping).
pub fn uv_sets() -> Builder {
    let mut b = Builder::new();
    let base = checker(&mut b, 64);
    let glow = b.png_texture(16, 16, |x, y| {
        if x == y || x + y == 15 {
            [0, 200, 255, 255]
        } else {
            [0, 0, 0, 255]
        }
    });
    let m = b.push(
        "materials",
        json!({"pbrMetallicRoughness": {"baseColorTexture": {"index": base}, "metallicFactor": 0.0},
        "emissiveTexture": {"index": glow, "texCoord": 1}, "emissiveFactor": [1.0, 1.0, 1.0]}),
    );
    let uv1 = vec![0., 0.5, 0.5, 0.5, 0.5, 0., 0., 0.];
    let q = quad(&mut b, 0.0, 0.0, 2.0, 2.0, &[("TEXCOORD_1", uv1, "VEC2")]);
    node_with(&mut b, "TwoSets", q, m);
    b
}

/// Spheres from dielectric to metal (left to right) and smooth to rough (bottom to top), plus
/// an unlit one.
pub fn metal_rough() -> Builder {
    let mut b = Builder::new();
    b.uses("KHR_materials_unlit", false);
    for (i, metal) in [0.0f32, 1.0].into_iter().enumerate() {
        for (j, rough) in [0.1f32, 0.5, 0.9].into_iter().enumerate() {
            let m = b.push(
                "materials",
                json!({"pbrMetallicRoughness": {"baseColorFactor": [0.9, 0.6, 0.3, 1.0],
                "metallicFactor": metal, "roughnessFactor": rough}}),
            );
            let p = sphere_prim(
                &mut b,
                0.45,
                [-1.0 + 1.0 * i as f32, -1.0 + 1.0 * j as f32, 0.0],
            );
            node_with(&mut b, &format!("M{i}R{j}"), p, m);
        }
    }
    let unlit = b.push(
        "materials",
        json!({"extensions": {"KHR_materials_unlit": {}},
        "pbrMetallicRoughness": {"baseColorFactor": [0.9, 0.6, 0.3, 1.0]}}),
    );
    let p = sphere_prim(&mut b, 0.45, [1.0, 0.0, 0.0]);
    node_with(&mut b, "Unlit", p, unlit);
    b
}

/// Every feature scene with its golden name.
pub fn all() -> Vec<(&'static str, Builder)> {
    vec![
        ("alpha_modes", alpha_modes()),
        ("normal_map", normal_map()),
        ("emissive", emissive()),
        ("texture_transform", texture_transform()),
        ("vertex_colors", vertex_colors()),
        ("double_sided", double_sided()),
        ("skinned", skinned()),
        ("uv_sets", uv_sets()),
        ("metal_rough", metal_rough()),
    ]
}

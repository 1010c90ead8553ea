//! Reference checks that make a decoded asset safe to process, and validator-style problem
//! finding for what is legal enough to process but worth reporting.

use super::super::schema::Accessor;
use crate::asset::{Asset, AttributeData, Component, Mode, Semantic, weight_sum_tolerance};
use crate::error::{Error, Result};
use crate::report::{Problems, Severity};

/// Fails on references that would make processing unsafe: missing objects, a node with two
/// parents, a cycle in the node graph. Legal-but-odd findings go to `problems`.
pub fn check_references(asset: &Asset, problems: &mut Problems) -> Result<()> {
    let exists = |len: usize, i: usize, pointer: String, what: &str| {
        if i < len {
            Ok(())
        } else {
            Err(Error::invalid(
                pointer,
                format!("{what} {i} does not exist (the file has {len})"),
            ))
        }
    };
    let parents = check_node_graph(asset)?;
    for (n, node) in asset.nodes.iter().enumerate() {
        if let Some(m) = node.mesh {
            exists(asset.meshes.len(), m, format!("/nodes/{n}/mesh"), "mesh")?;
        }
        if let Some(s) = node.skin {
            exists(asset.skins.len(), s, format!("/nodes/{n}/skin"), "skin")?;
        }
        if let Some(c) = node.camera {
            exists(
                asset.cameras.len(),
                c,
                format!("/nodes/{n}/camera"),
                "camera",
            )?;
        }
    }
    for (s, scene) in asset.scenes.iter().enumerate() {
        for (k, &n) in scene.nodes.iter().enumerate() {
            exists(
                asset.nodes.len(),
                n,
                format!("/scenes/{s}/nodes/{k}"),
                "node",
            )?;
            if parents[n].is_some() {
                problems.push(
                    "SCENE_NON_ROOT_NODE",
                    Severity::Error,
                    format!("/scenes/{s}/nodes/{k}"),
                    format!("node {n} is listed as a root but has a parent"),
                );
            }
        }
    }
    if let Some(s) = asset.scene {
        exists(asset.scenes.len(), s, "/scene".into(), "scene")?;
    }
    for (s, skin) in asset.skins.iter().enumerate() {
        for (j, &n) in skin.joints.iter().chain(skin.skeleton.iter()).enumerate() {
            exists(
                asset.nodes.len(),
                n,
                format!("/skins/{s}/joints/{j}"),
                "node",
            )?;
        }
    }
    for (m, mesh) in asset.meshes.iter().enumerate() {
        for (p, prim) in mesh.primitives.iter().enumerate() {
            for mat in prim.materials() {
                exists(
                    asset.materials.len(),
                    mat,
                    format!("/meshes/{m}/primitives/{p}/material"),
                    "material",
                )?;
            }
        }
    }
    for (m, material) in asset.materials.iter().enumerate() {
        let mut missing = None;
        material.for_each_texture(|t, _| {
            if t >= asset.textures.len() {
                missing = Some(t);
            }
        });
        if let Some(t) = missing {
            exists(
                asset.textures.len(),
                t,
                format!("/materials/{m}"),
                "texture",
            )?;
        }
    }
    for (t, texture) in asset.textures.iter().enumerate() {
        for i in texture.images() {
            exists(
                asset.images.len(),
                i,
                format!("/textures/{t}/source"),
                "image",
            )?;
        }
        if let Some(s) = texture.sampler {
            exists(
                asset.samplers.len(),
                s,
                format!("/textures/{t}/sampler"),
                "sampler",
            )?;
        }
    }
    Ok(())
}

/// Checks children exist, every node has at most one parent and there is no cycle.
/// Returns each node's parent.
fn check_node_graph(asset: &Asset) -> Result<Vec<Option<usize>>> {
    let n = asset.nodes.len();
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for (p, node) in asset.nodes.iter().enumerate() {
        for (k, &c) in node.children.iter().enumerate() {
            let pointer = format!("/nodes/{p}/children/{k}");
            if c >= n {
                return Err(Error::invalid(pointer, format!("node {c} does not exist")));
            }
            if let Some(other) = parent[c] {
                return Err(Error::invalid(
                    pointer,
                    format!("node {c} already has parent {other}; a node has at most one parent"),
                ));
            }
            parent[c] = Some(p);
        }
    }
    // With single parents, a cycle is a chain of parents that comes back to its start.
    for start in 0..n {
        let mut steps = 0;
        let mut at = parent[start];
        while let Some(p) = at {
            steps += 1;
            if p == start || steps > n {
                return Err(Error::invalid(
                    format!("/nodes/{start}"),
                    "node is its own ancestor (cycle in the node hierarchy)",
                ));
            }
            at = parent[p];
        }
    }
    Ok(parent)
}

/// Fails when `data` holds NaN or infinity: positions, matrices and key times cannot be
/// repaired without guessing.
pub fn require_finite(data: &AttributeData, pointer: &str) -> Result<()> {
    match data.values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::invalid(
            pointer,
            format!(
                "element {} component {} is {} (glTF floats must be finite)",
                i / data.format.dims,
                i % data.format.dims,
                data.values[i]
            ),
        )),
        None => Ok(()),
    }
}

/// Replaces NaN and infinity by 0 in streams where that is harmless (normals, UVs, colours,
/// morph deltas, animation values), reporting the validator's ACCESSOR_INVALID_FLOAT.
pub fn zero_non_finite(data: &mut AttributeData, pointer: &str, problems: &mut Problems) {
    let mut bad = 0;
    for v in data.values.iter_mut().filter(|v| !v.is_finite()) {
        *v = 0.0;
        bad += 1;
    }
    if bad > 0 {
        problems.push(
            "ACCESSOR_INVALID_FLOAT",
            Severity::Error,
            pointer,
            format!("{bad} values were NaN or infinite; replaced by 0"),
        );
    }
}

/// Compares declared `min`/`max` with the data (in stored units, as the specification defines).
pub fn check_min_max(a: &Accessor, data: &AttributeData, pointer: &str, problems: &mut Problems) {
    let scale = match (data.format.normalized, data.format.component) {
        (true, Component::I8) => 127.0,
        (true, Component::U8) => 255.0,
        (true, Component::I16) => 32767.0,
        (true, Component::U16) => 65535.0,
        _ => 1.0,
    };
    let dims = data.format.dims;
    for (key, declared, is_min) in [("min", &a.min, true), ("max", &a.max, false)] {
        let Some(declared) = declared else { continue };
        for (k, &d) in declared.iter().enumerate().take(dims) {
            let raw = |v: f32| if scale == 1.0 { v } else { (v * scale).round() };
            let actual = (0..data.count())
                .map(|i| raw(data.values[i * dims + k]))
                .fold(
                    if is_min {
                        f32::INFINITY
                    } else {
                        f32::NEG_INFINITY
                    },
                    |acc, v| {
                        if is_min { acc.min(v) } else { acc.max(v) }
                    },
                );
            if data.count() > 0 && d as f32 != actual {
                problems.push(
                    if is_min {
                        "ACCESSOR_MIN_MISMATCH"
                    } else {
                        "ACCESSOR_MAX_MISMATCH"
                    },
                    Severity::Error,
                    format!("{pointer}/{key}/{k}"),
                    format!("declared {d} but the data's {key} is {actual}"),
                );
            }
        }
    }
}

/// Finds validator-style problems in decoded geometry and unused objects.
pub fn find_problems(asset: &Asset, problems: &mut Problems) {
    for (m, mesh) in asset.meshes.iter().enumerate() {
        for (p, prim) in mesh.primitives.iter().enumerate() {
            let pointer = format!("/meshes/{m}/primitives/{p}");
            check_weights(prim, &pointer, problems);
            check_normals(prim, &pointer, problems);
            let needs_tangents = prim
                .material
                .and_then(|i| asset.materials.get(i))
                .is_some_and(|mat| mat.normal_texture.is_some());
            if needs_tangents && prim.attribute(&Semantic::Tangent).is_none() {
                problems.push(
                    "MESH_PRIMITIVE_GENERATED_TANGENT_SPACE",
                    Severity::Warning,
                    &pointer,
                    "material has a normal map but the primitive has no TANGENT; viewers generate tangents",
                );
            }
            if prim.mode == Mode::Triangles {
                let degenerate = prim.indices.as_deref().map_or(0, |i| {
                    i.chunks_exact(3)
                        .filter(|t| t[0] == t[1] || t[1] == t[2] || t[0] == t[2])
                        .count()
                });
                if degenerate > 0 {
                    problems.push(
                        "ACCESSOR_INDEX_TRIANGLE_DEGENERATE",
                        Severity::Info,
                        format!("{pointer}/indices"),
                        format!("{degenerate} degenerate triangles"),
                    );
                }
            }
        }
    }
    find_unused(asset, problems);
}

fn check_weights(prim: &crate::asset::Primitive, pointer: &str, problems: &mut Problems) {
    let Some(w) = prim.attribute(&Semantic::Weights(0)) else {
        return;
    };
    let tolerance = weight_sum_tolerance(w.format.component);
    let bad = (0..prim.vertex_count())
        .filter(|&v| {
            prim.weight_sum(v)
                .is_some_and(|s| (s - 1.0).abs() > tolerance)
        })
        .count();
    if bad > 0 {
        problems.push(
            "ACCESSOR_WEIGHTS_NON_NORMALIZED",
            Severity::Error,
            format!("{pointer}/attributes/WEIGHTS_0"),
            format!("{bad} vertices have skin weights that do not sum to 1"),
        );
    }
}

fn check_normals(prim: &crate::asset::Primitive, pointer: &str, problems: &mut Problems) {
    let Some(n) = prim.attribute(&Semantic::Normal) else {
        return;
    };
    let bad = n
        .values
        .chunks_exact(3)
        .filter(|v| ((v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt() - 1.0).abs() > 5e-3)
        .count();
    if bad > 0 {
        problems.push(
            "ACCESSOR_NON_UNIT",
            Severity::Error,
            format!("{pointer}/attributes/NORMAL"),
            format!("{bad} normals are not unit length"),
        );
    }
}

fn find_unused(asset: &Asset, problems: &mut Problems) {
    let mut used_meshes = vec![false; asset.meshes.len()];
    for node in &asset.nodes {
        if let Some(m) = node.mesh {
            used_meshes[m] = true;
        }
    }
    let mut used_materials = vec![false; asset.materials.len()];
    for (_, _, prim) in asset.primitives() {
        for m in prim.materials() {
            used_materials[m] = true;
        }
    }
    let mut used_textures = vec![false; asset.textures.len()];
    for m in &asset.materials {
        m.for_each_texture(|t, _| used_textures[t] = true);
    }
    for (kind, used) in [
        ("meshes", used_meshes),
        ("materials", used_materials),
        ("textures", used_textures),
    ] {
        for (i, _) in used.iter().enumerate().filter(|(_, u)| !**u) {
            problems.push(
                "UNUSED_OBJECT",
                Severity::Info,
                format!("/{kind}/{i}"),
                "this object is not used",
            );
        }
    }
}

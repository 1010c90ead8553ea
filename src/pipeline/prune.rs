//! Pruning: remove vertex streams nothing reads and objects nothing references.
//!
//! Streams removed (gltfpack's rules, made safe for material extensions and variants):
//! `TEXCOORD_n` no texture of any of the primitive's materials samples (only trailing sets, so
//! the remaining sets stay numbered 0..n), `TANGENT` when no material needs tangents,
//! `JOINTS_n`/`WEIGHTS_n` of meshes no skinned node draws, `COLOR_n` that is white everywhere,
//! and morph `NORMAL`/`TANGENT` deltas that are zero everywhere.
//!
//! Nodes removed: subtrees with nothing in them (no mesh, camera, skin, light or other
//! extension, extras, joint or animation target) and, with `keep_named`, no name. Nodes outside
//! every scene go too, unless a skin or animation uses them or they are named.
//! Then meshes, skins, cameras, materials, textures, images and samplers nobody references.
//! Without `keep_named`, node and mesh names are dropped as well.

use crate::asset::{Asset, Primitive, Semantic};
use crate::report::StageReport;
use crate::settings::Settings;

/// Prunes `asset` in place; reports the vertex streams, nodes and other objects (meshes,
/// materials, textures, images, ...) removed. Without `settings.keep_named`, node and mesh
/// names go too: nothing addresses them then (gltfpack drops them likewise unless `-kn`).
pub fn run(asset: &mut Asset, settings: &Settings) -> StageReport {
    let keep_named = settings.keep_named;
    if !keep_named {
        asset.nodes.iter_mut().for_each(|n| n.name = None);
        asset.meshes.iter_mut().for_each(|m| m.name = None);
    }
    let mut report = StageReport::new("prune");
    report.removed("vertex_streams", prune_streams(asset));
    report.removed("nodes", prune_nodes(asset, keep_named));
    report.removed("objects", prune_objects(asset));
    report
}

fn prune_streams(asset: &mut Asset) -> usize {
    let mut skinned_meshes = vec![false; asset.meshes.len()];
    for n in &asset.nodes {
        if let (Some(m), Some(_)) = (n.mesh, n.skin) {
            skinned_meshes[m] = true;
        }
    }
    let mut removed = 0;
    for (m, mesh) in asset.meshes.iter_mut().enumerate() {
        for prim in &mut mesh.primitives {
            let mut uv_used = vec![];
            let mut tangents = false;
            for mat in prim.materials().filter_map(|i| asset.materials.get(i)) {
                mat.for_each_texture(|_, uv| uv_used.push(uv));
                tangents |= mat.needs_tangents();
            }
            let highest_uv = uv_used.iter().copied().max();
            let before = prim.attributes.len();
            prim.attributes.retain(|a| match &a.semantic {
                Semantic::TexCoord(n) => highest_uv.is_some_and(|h| *n <= h),
                Semantic::Tangent => tangents,
                Semantic::Joints(_) | Semantic::Weights(_) => skinned_meshes[m],
                Semantic::Color(_) => a.data.values.iter().any(|&v| v != 1.0),
                _ => true,
            });
            removed += before - prim.attributes.len();
            removed += prune_zero_deltas(prim, tangents);
        }
    }
    removed
}

/// Drops morph NORMAL/TANGENT deltas that are zero in every target (or whose base stream went).
fn prune_zero_deltas(prim: &mut Primitive, tangents: bool) -> usize {
    let mut removed = 0;
    for semantic in [Semantic::Normal, Semantic::Tangent] {
        let base_kept =
            prim.attribute(&semantic).is_some() && (semantic != Semantic::Tangent || tangents);
        let all_zero = prim
            .targets
            .iter()
            .flatten()
            .filter(|a| a.semantic == semantic)
            .all(|a| a.data.values.iter().all(|&v| v == 0.0));
        if !base_kept || all_zero {
            for t in &mut prim.targets {
                let before = t.len();
                t.retain(|a| a.semantic != semantic);
                removed += before - t.len();
            }
        }
    }
    removed
}

fn prune_nodes(asset: &mut Asset, keep_named: bool) -> usize {
    let n = asset.nodes.len();
    if asset.scenes.is_empty() || n == 0 {
        return 0;
    }
    let mut pinned = vec![false; n];
    for s in &asset.skins {
        for &j in s.joints.iter().chain(s.skeleton.iter()) {
            pinned[j] = true;
        }
    }
    for a in &asset.animations {
        for c in &a.channels {
            if let Some(t) = c.target.node {
                pinned[t] = true;
            }
        }
    }
    let named = |i: usize| {
        keep_named
            && asset.nodes[i]
                .name
                .as_deref()
                .is_some_and(|s| !s.is_empty())
    };
    let mut in_scene = vec![false; n];
    let mut stack: Vec<usize> = asset.scenes.iter().flat_map(|s| s.nodes.clone()).collect();
    while let Some(i) = stack.pop() {
        if !std::mem::replace(&mut in_scene[i], true) {
            stack.extend(asset.nodes[i].children.iter().copied());
        }
    }
    // A node is needed for what it holds; parents of needed nodes are needed for their transform.
    let mut needed: Vec<bool> = (0..n)
        .map(|i| {
            let node = &asset.nodes[i];
            let content = node.mesh.is_some()
                || node.camera.is_some()
                || node.skin.is_some()
                || !node.ext.is_empty()
                || !node.instancing.is_empty();
            pinned[i] || named(i) || (in_scene[i] && content)
        })
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..n {
            if !needed[i] && asset.nodes[i].children.iter().any(|&c| needed[c]) {
                needed[i] = true;
                changed = true;
            }
        }
    }
    let map = retain_used(&mut asset.nodes, &needed);
    let remap_list = |list: &mut Vec<usize>| {
        list.retain(|&i| map[i].is_some());
        list.iter_mut().for_each(|i| *i = map[*i].expect("kept"));
    };
    for node in &mut asset.nodes {
        remap_list(&mut node.children);
    }
    for s in &mut asset.scenes {
        remap_list(&mut s.nodes);
    }
    for s in &mut asset.skins {
        remap_list(&mut s.joints);
        s.skeleton = s.skeleton.and_then(|i| map[i]);
    }
    for a in &mut asset.animations {
        for c in &mut a.channels {
            c.target.node = c.target.node.and_then(|i| map[i]);
        }
    }
    n - asset.nodes.len()
}

fn prune_objects(asset: &mut Asset) -> usize {
    let before = object_count(asset);
    let mut used_meshes = vec![false; asset.meshes.len()];
    let mut used_skins = vec![false; asset.skins.len()];
    let mut used_cameras = vec![false; asset.cameras.len()];
    for n in &asset.nodes {
        if let Some(i) = n.mesh {
            used_meshes[i] = true;
        }
        if let Some(i) = n.skin {
            used_skins[i] = true;
        }
        if let Some(i) = n.camera {
            used_cameras[i] = true;
        }
    }
    let meshes = retain_used(&mut asset.meshes, &used_meshes);
    let skins = retain_used(&mut asset.skins, &used_skins);
    let cameras = retain_used(&mut asset.cameras, &used_cameras);
    for n in &mut asset.nodes {
        n.mesh = n.mesh.and_then(|i| meshes[i]);
        n.skin = n.skin.and_then(|i| skins[i]);
        n.camera = n.camera.and_then(|i| cameras[i]);
    }

    let mut used_materials = vec![false; asset.materials.len()];
    for (_, _, p) in asset.primitives() {
        p.materials().for_each(|i| used_materials[i] = true);
    }
    let materials = retain_used(&mut asset.materials, &used_materials);
    for p in asset
        .meshes
        .iter_mut()
        .flat_map(|m| m.primitives.iter_mut())
    {
        p.material = p.material.and_then(|i| materials[i]);
        for v in &mut p.variants {
            v.material = materials[v.material].expect("variant materials are used");
        }
    }

    let mut used_textures = vec![false; asset.textures.len()];
    for m in &asset.materials {
        m.for_each_texture(|t, _| used_textures[t] = true);
    }
    let textures = retain_used(&mut asset.textures, &used_textures);
    for m in &mut asset.materials {
        m.for_each_texture_mut(|t, _| *t = textures[*t].expect("used texture"));
    }

    let mut used_images = vec![false; asset.images.len()];
    let mut used_samplers = vec![false; asset.samplers.len()];
    for t in &asset.textures {
        t.images().into_iter().for_each(|i| used_images[i] = true);
        if let Some(s) = t.sampler {
            used_samplers[s] = true;
        }
    }
    let images = retain_used(&mut asset.images, &used_images);
    let samplers = retain_used(&mut asset.samplers, &used_samplers);
    for t in &mut asset.textures {
        t.for_each_image_mut(|i| *i = images[*i].expect("used image"));
        t.sampler = t.sampler.and_then(|s| samplers[s]);
    }
    before - object_count(asset)
}

fn object_count(a: &Asset) -> usize {
    a.meshes.len()
        + a.skins.len()
        + a.cameras.len()
        + a.materials.len()
        + a.textures.len()
        + a.images.len()
        + a.samplers.len()
}

/// Keeps the items whose `used` flag is set; returns each old index's new index.
pub fn retain_used<T>(items: &mut Vec<T>, used: &[bool]) -> Vec<Option<usize>> {
    let mut next = 0;
    let map: Vec<Option<usize>> = used
        .iter()
        .map(|&u| {
            u.then(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    let mut i = 0;
    items.retain(|_| {
        i += 1;
        used[i - 1]
    });
    map
}

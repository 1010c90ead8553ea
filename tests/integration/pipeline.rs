//! End-to-end `process` runs on fixtures: invariants of the LOD chain and what it keeps.

use crate::support::{builder::Builder, check, scenes, tools};
use render_worker::asset::{Mode, Semantic};
use render_worker::job::Manifest;
use render_worker::settings::LodTarget;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Writes `b` as `<dir>/<name>.glb` and processes it.
fn run(b: &Builder, name: &str, extra: &[&str]) -> (Manifest, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(format!("{name}.glb"));
    std::fs::write(&input, b.glb()).unwrap();
    let (m, out) = check::process(&input, &dir.path().join("out"), extra);
    (m, out, dir)
}

fn input_asset(b: &Builder) -> render_worker::asset::Asset {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("in.glb");
    std::fs::write(&p, b.glb()).unwrap();
    check::read(&p).asset
}

#[test]
fn sphere_chain_reaches_its_targets_and_keeps_its_shape() {
    let b = scenes::sphere(64, 128);
    let (m, out, _keep) = run(
        &b,
        "sphere",
        &["--lod", "1,0.5,0.25,2000,0.1", "--error", "1"],
    );
    let input = m.input.counts.triangles as f64;
    assert_eq!(m.lods.len(), 5);
    let mut previous_error = -1.0;
    for l in &m.lods {
        let target = match l.target {
            LodTarget::Ratio(r) => input * f64::from(r),
            LodTarget::Triangles(t) => t as f64,
        };
        // Requested reduction reached within 5 %.
        assert!(
            (l.triangles as f64) <= target * 1.05,
            "LOD {}: {} triangles for {target}",
            l.level,
            l.triangles
        );
        assert!(
            l.triangles as f64 >= target * 0.9,
            "LOD {} overshoots",
            l.level
        );
        assert!(l.error_relative >= previous_error, "errors accumulate");
        previous_error = l.error_relative;
        let path = out.join(&l.file);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), l.bytes);
        let asset = check::assert_lod_ok(&path);
        // Bounds preserved to within the level's own error (plus float slack).
        check::assert_bounds_close(
            m.input.bounds,
            asset.bounds(),
            l.error_absolute + 1e-4,
            &l.file,
        );
        // The UV seam survives: the texture still wraps all the way round (to within the
        // 12-bit UV quantization, read through the material's texture transform).
        let prim = &asset.meshes[0].primitives[0];
        let uv = prim.attribute(&Semantic::TexCoord(0)).unwrap();
        let info = asset.materials[prim.material.unwrap()]
            .pbr_metallic_roughness
            .as_ref()
            .and_then(|p| p.base_color_texture.clone())
            .unwrap();
        let [r0, _] = info.uv_transform();
        let us: Vec<f32> = uv
            .values
            .chunks_exact(2)
            .map(|v| r0[0] * v[0] + r0[1] * v[1] + r0[2])
            .collect();
        let (lo, hi) = us
            .iter()
            .fold((1.0f32, 0.0f32), |(lo, hi), &u| (lo.min(u), hi.max(u)));
        assert!(
            lo.abs() < 1e-6 && hi >= 1.0 - 1e-6,
            "LOD {}: seam lost",
            l.level
        );
    }
    assert_eq!(m.lods[0].screen_size_px, None);
    assert!(m.lods[3].screen_size_px.unwrap() < m.lods[1].screen_size_px.unwrap());
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn error_limit_stops_simplification_and_says_so() {
    let b = scenes::sphere(32, 64);
    let (m, _, _keep) = run(&b, "sphere", &["--lod", "0.05", "--error", "0.002"]);
    let l = &m.lods[0];
    assert!(l.error_relative <= 0.002, "{}", l.error_relative);
    assert!(l.triangles as f64 > 0.05 * m.input.counts.triangles as f64 * 1.05);
    let w = m
        .warnings
        .iter()
        .find(|w| w.code == "SIMPLIFY_TARGET_NOT_REACHED")
        .unwrap();
    assert!(w.message.contains("--error 0.002"), "{}", w.message);
}

#[test]
fn skinned_meshes_keep_joints_weights_and_animations() {
    let b = scenes::skinned_tube();
    let (m, out, _keep) = run(&b, "tube", &["--error", "1"]);
    for l in &m.lods {
        let a = check::assert_lod_ok(&out.join(&l.file));
        assert_eq!(a.skins.len(), 1);
        assert_eq!(a.skins[0].joints.len(), 2);
        assert_eq!(a.animations.len(), 1);
        assert_eq!(a.animations[0].channels.len(), 1);
        let named: Vec<_> = a.nodes.iter().filter_map(|n| n.name.clone()).collect();
        assert_eq!(named, vec!["Upper", "Lower", "Armature", "TubeMesh"]);
        let prim = &a.meshes[0].primitives[0];
        assert!(prim.attribute(&Semantic::Joints(0)).is_some());
        for v in 0..prim.vertex_count() {
            assert!((prim.weight_sum(v).unwrap() - 1.0).abs() < 1e-5);
        }
        // Skinned bounds are computed through the joints and stay put.
        check::assert_bounds_close(m.input.bounds, a.bounds(), l.error_absolute + 1e-4, &l.file);
    }
    assert!(m.lods[3].triangles < m.lods[0].triangles / 5);
}

#[test]
fn morph_targets_survive_simplification() {
    let b = scenes::morph_plane();
    // Float storage: this checks simplification; delivery.rs checks quantized morphs.
    let (m, out, _keep) = run(&b, "morph", &["--error", "1", "--no-quantize"]);
    for l in &m.lods {
        let a = check::assert_lod_ok(&out.join(&l.file));
        let mesh = &a.meshes[0];
        assert_eq!(mesh.weights, vec![0.5, 0.0]);
        assert_eq!(
            mesh.ext.extras,
            Some(json!({"targetNames": ["Bump", "Tilt"]}))
        );
        let prim = &mesh.primitives[0];
        assert_eq!(prim.targets.len(), 2);
        // The bump (the centre moves up by 0.3) keeps its height: the metric weighs morph
        // deltas, so the vertices that carry the bump are not collapsed into flat ones.
        let peak = prim.targets[0][0]
            .data
            .values
            .iter()
            .copied()
            .fold(0.0f32, f32::max);
        assert!(
            (peak - 0.3).abs() < 0.01,
            "LOD {}: bump peak {peak}",
            l.level
        );
        assert_eq!(a.animations[0].channels[0].target.path, "weights");
    }
    assert!(m.lods[2].triangles < m.lods[0].triangles);
}

#[test]
fn kitchen_sink_keeps_everything_and_drops_only_the_unused() {
    let b = scenes::kitchen_sink();
    let input = input_asset(&b);
    let (m, out, _keep) = run(&b, "sink", &[]);
    for l in &m.lods {
        let path = out.join(&l.file);
        let a = check::assert_lod_ok(&path);
        let json = document_of(&path);
        assert_eq!(a.scenes.len(), 2);
        assert_eq!(a.cameras.len(), 1);
        let names: Vec<_> = a.nodes.iter().filter_map(|n| n.name.as_deref()).collect();
        assert_eq!(names, vec!["CameraNode", "Lamp", "SinkNode", "Root"]);
        assert_eq!(a.nodes.len(), 4, "the empty and the orphan node are pruned");
        let sink = a
            .nodes
            .iter()
            .find(|n| n.name.as_deref() == Some("SinkNode"))
            .unwrap();
        assert_eq!(sink.instancing[0].data.count(), 2);
        assert_eq!(sink.ext.extras, Some(json!({"configurable": true})));
        assert_eq!(a.info.copyright.as_deref(), Some("CC0 test data"));
        assert_eq!(a.ext.extras, Some(json!({"author": "tests"})));
        let materials: Vec<_> = a
            .materials
            .iter()
            .filter_map(|m| m.name.as_deref())
            .collect();
        assert_eq!(
            materials,
            vec!["Fancy", "Plain", "Variant"],
            "unused material pruned"
        );
        assert_eq!(
            a.images.len(),
            1,
            "identical checker images merged, unused one pruned"
        );
        assert_eq!(a.materials[0].ext.extras, Some(json!({"sku": "A-1"})));
        assert_eq!(
            json["extensionsRequired"],
            json!(["KHR_mesh_quantization"]),
            "quantized attributes stay quantized and required"
        );
        let used: Vec<&str> = json["extensionsUsed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for ext in [
            "KHR_materials_clearcoat",
            "KHR_texture_transform",
            "KHR_materials_emissive_strength",
            "KHR_lights_punctual",
            "KHR_materials_variants",
            "EXT_mesh_gpu_instancing",
        ] {
            assert!(used.contains(&ext), "{ext} missing from {used:?}");
        }
        assert!(!used.contains(&"VENDOR_unknown"));
        let prims = &a.meshes[0].primitives;
        assert_eq!(prims[0].variants[0].variants, vec![1]);
        // The plain triangles, the strip and the fan share a material: once lists, they are
        // one draw call (the primitive with variants stays apart).
        let plain_triangles = |a: &render_worker::asset::Asset| -> Vec<usize> {
            let plain = a
                .materials
                .iter()
                .position(|m| m.name.as_deref() == Some("Plain"));
            a.meshes[0]
                .primitives
                .iter()
                .filter(|p| p.triangle_count() > 0 && p.material == plain && p.variants.is_empty())
                .map(|p| p.triangle_count())
                .collect()
        };
        let (merged, source) = (plain_triangles(&a), plain_triangles(&input));
        assert_eq!(merged.len(), 1, "{merged:?}");
        if l.level == 0 {
            assert_eq!(merged[0], source.iter().sum::<usize>(), "{source:?}");
        }
        // Lines pass through untouched; points too at full detail, and lower levels keep a
        // subset of them with the extremes (here all three: they lie on one diagonal).
        let of = |ps: &[render_worker::asset::Primitive], mode| {
            ps.iter().find(|p| p.mode == mode).cloned().unwrap()
        };
        let (pin, pout) = (&input.meshes[0].primitives, prims);
        let (lines_in, lines_out) = (of(pin, Mode::Lines), of(pout, Mode::Lines));
        assert_eq!(lines_out.indices, lines_in.indices);
        assert_eq!(lines_out.positions(), lines_in.positions());
        let (points_in, points_out) = (of(pin, Mode::Points), of(pout, Mode::Points));
        if l.level == 0 {
            assert_eq!(points_out.positions(), points_in.positions());
        } else {
            let (kept, all) = (points_out.positions(), points_in.positions());
            assert!(kept.iter().all(|p| all.contains(p)), "{kept:?}");
            assert!(kept.contains(&all[0]) && kept.contains(&all[2]), "{kept:?}");
        }
    }
}

fn document_of(glb: &Path) -> serde_json::Value {
    let bytes = std::fs::read(glb).unwrap();
    let len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    serde_json::from_slice(&bytes[20..20 + len]).unwrap()
}

#[test]
fn outputs_are_deterministic_and_replace_older_results() {
    let b = scenes::sphere(16, 32);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.glb");
    std::fs::write(&input, b.glb()).unwrap();
    let hashes = |out: &Path| -> Vec<String> {
        tools::glbs_in(out)
            .iter()
            .map(|p| format!("{:x}", Sha256::digest(std::fs::read(p).unwrap())))
            .collect()
    };
    let (m1, out) = check::process(&input, &dir.path().join("out"), &[]);
    let first = hashes(&out);
    let (m2, out2) = check::process(&input, &dir.path().join("out"), &[]);
    assert_eq!(out, out2);
    assert_eq!(first, hashes(&out));
    assert_eq!(m1.settings_hash, m2.settings_hash);
    assert_eq!(m1.input.sha256, m2.input.sha256);
    let entries: Vec<_> = std::fs::read_dir(dir.path().join("out")).unwrap().collect();
    assert_eq!(entries.len(), 1, "no partial or old folders left behind");
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.lods, m2.lods);
    assert!(manifest.timings.iter().any(|t| t.stage == "simplify"));
}

#[test]
fn inspect_reports_without_writing() {
    let b = scenes::kitchen_sink();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("k.glb");
    std::fs::write(&input, b.glb()).unwrap();
    let o = tools::run(&["inspect", input.to_str().unwrap(), "--json"]);
    assert!(o.status.success());
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["primitives"], 7);
    assert_eq!(r["scenes"], 2);
    assert!(
        r["extensions_used"]
            .as_array()
            .unwrap()
            .contains(&json!("VENDOR_unknown"))
    );
    let text = tools::run(&["inspect", input.to_str().unwrap()]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("7 primitives"), "{text}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn large_meshes_simplify_in_parallel_slabs_without_cracks() {
    // 2 x 320k triangles: above the chunking threshold, so the first level is simplified as
    // two slabs with their shared border locked. The result must still be closed: every edge
    // (by position) used by exactly two triangles.
    let b = scenes::sphere(400, 800);
    // Float storage: 14-bit quantization would itself merge pole vertices of this dense sphere.
    let (m, out, _keep) = run(
        &b,
        "big",
        &["--lod", "0.5", "--error", "1", "--no-quantize"],
    );
    let l = &m.lods[0];
    assert!(l.triangles as f64 <= m.input.counts.triangles as f64 * 0.5 * 1.05);
    let a = check::assert_lod_ok(&out.join(&l.file));
    let prim = &a.meshes[0].primitives[0];
    // Positions as bits (-0.0 folded into +0.0: the pole's vertices differ only in sign).
    let key = |v: u32| prim.positions()[v as usize].map(|c| (c + 0.0).to_bits());
    let mut edges = std::collections::HashMap::new();
    for t in prim.indices.as_ref().unwrap().chunks_exact(3) {
        for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
            let (a, b) = (key(a), key(b));
            let e = if a < b { (a, b) } else { (b, a) };
            *edges.entry(e).or_insert(0) += 1;
        }
    }
    let open = edges.values().filter(|&&n| n != 2).count();
    assert_eq!(
        open, 0,
        "edges not shared by exactly two triangles: a crack"
    );
}

/// Three spheres of different sizes sharing a textured material, each its own mesh on its own
/// node: one named, two unnamed (one of those mirrored).
fn three_parts() -> Builder {
    let mut b = scenes::sphere(12, 24);
    b.doc["nodes"][0]["name"] = json!("Door");
    let material = b.doc["meshes"][0]["primitives"][0]["material"].clone();
    for (radius, node) in [
        (0.8, json!({"translation": [3.0, 0.0, 0.0]})),
        (
            0.6,
            json!({"translation": [-3.0, 0.0, 0.0], "scale": [-1.0, 1.0, 1.0]}),
        ),
    ] {
        let (p, n, uv, idx) = scenes::sphere_geometry(12, 24, radius);
        let attributes = json!({"POSITION": b.floats(&p, "VEC3", true),
            "NORMAL": b.floats(&n, "VEC3", false), "TEXCOORD_0": b.floats(&uv, "VEC2", false)});
        let indices = b.indices(&idx);
        let m = b.push(
            "meshes",
            json!({"name": format!("Part{radius}"), "primitives": [{"attributes": attributes,
                "indices": indices, "material": material}]}),
        );
        let mut node = node;
        node["mesh"] = json!(m);
        b.root_node(node);
    }
    b
}

/// Needs the Khronos validator.
mod external {
    use super::*;

    #[test]
    fn static_unnamed_parts_merge_into_one_draw_call_and_look_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("parts.glb");
        std::fs::write(&input, three_parts().glb()).unwrap();
        let (m, out) = check::process_rendered(&input, &dir.path().join("out"), &["--lod", "1"]);
        let file = out.join("lod0.glb");
        let a = check::assert_lod_ok(&file);
        let drawn: Vec<_> = a.nodes.iter().filter_map(|n| n.mesh).collect();
        assert_eq!(
            drawn.len(),
            2,
            "the named part, and one mesh for the other two"
        );
        let door = a
            .nodes
            .iter()
            .find(|n| n.name.as_deref() == Some("Door"))
            .unwrap();
        assert!(door.mesh.is_some(), "named nodes keep their mesh");
        let merged = drawn.iter().find(|&&i| Some(i) != door.mesh).unwrap();
        assert_eq!(
            a.meshes[*merged].primitives.len(),
            1,
            "one material, one draw call"
        );
        // Same pixels from the QA cameras: the mirrored copy still faces outwards.
        let v = m.lods[0].visual.expect("rendered");
        assert!(v.flip_mean < 0.01 && v.silhouette < 0.002, "{v:?}");
        assert_eq!(m.lods[0].triangles, m.input.counts.triangles);

        // Names protect nothing with --drop-names: all three merge, and no name is left.
        let (_, out) = check::process(
            &input,
            &dir.path().join("dn"),
            &["--lod", "1", "--drop-names"],
        );
        let named = out.join("lod0.glb");
        let a = check::assert_lod_ok(&named);
        assert_eq!(a.nodes.iter().filter(|n| n.mesh.is_some()).count(), 1);
        assert!(
            a.nodes.iter().all(|n| n.name.is_none()) && a.meshes.iter().all(|m| m.name.is_none())
        );
        for r in tools::validate(&[file, named]) {
            assert_eq!(r.errors, 0, "{}: {:?}", r.file, r.messages);
        }
    }
}

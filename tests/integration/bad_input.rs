//! Malformed inputs: a clear error naming what and where, exit code 2, nothing written.

use crate::support::{builder::*, scenes, tools};
use serde_json::json;
use std::path::Path;

/// Runs `process` on `bytes` saved as `name`, expects exit code 2, an error containing
/// `expected`, and no output folder.
fn refused(name: &str, bytes: &[u8], extra: &[&str], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(name);
    std::fs::write(&input, bytes).unwrap();
    refused_path(&input, extra, expected);
}

fn refused_path(input: &Path, extra: &[&str], expected: &str) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec![
        "process",
        input.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = tools::run(&args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}: {stderr}", input.display());
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "{}: nothing may be written",
        input.display()
    );
}

#[test]
fn out_of_range_index_names_the_primitive_and_index() {
    let mut b = scenes::sphere(4, 8);
    let bad = b.indices(&[0, 1, 999]);
    b.doc["meshes"][0]["primitives"][0]["indices"] = json!(bad);
    refused(
        "m.glb",
        &b.glb(),
        &[],
        "/meshes/0/primitives/0/indices: accessor 4: index 2 is 999, out of range for 45 vertices",
    );
}

#[test]
fn accessor_past_its_buffer_view_names_the_byte_range() {
    let mut b = scenes::sphere(4, 8);
    b.doc["accessors"][0]["count"] = json!(4000);
    refused(
        "m.glb",
        &b.glb(),
        &[],
        "/accessors/0: 4000 elements of 12 bytes",
    );
}

#[test]
fn container_damage_names_the_byte() {
    let glb = scenes::sphere(4, 8).glb();
    refused(
        "t.glb",
        &glb[..glb.len() / 2],
        &[],
        "GLB byte 8: header declares a length",
    );
    let mut magic = glb.clone();
    magic[0] = b'g';
    magic[1] = b'L';
    refused("m.glb", &magic, &[], "GLB byte 0: magic is");
    let mut version = glb.clone();
    version[4] = 1;
    refused("v.glb", &version, &[], "GLB byte 4: GLB version 1");
    let mut chunk = glb.clone();
    let json_len = u32::from_le_bytes(chunk[12..16].try_into().unwrap()) as usize;
    chunk[20 + json_len..24 + json_len].copy_from_slice(&u32::MAX.to_le_bytes());
    refused(
        "c.glb",
        &chunk,
        &[],
        "chunk of type 0x004E4942 declares 4294967295 bytes",
    );
}

#[test]
fn invalid_json_names_line_and_column() {
    refused(
        "j.gltf",
        b"{\"asset\": {\"version\": \"2.0\"},\n  nope}",
        &[],
        "invalid JSON at line 2, column 3",
    );
    let mut b = scenes::sphere(4, 8);
    b.doc["meshes"][0]["primitives"][0]["mode"] = json!("four");
    refused(
        "t.glb",
        &b.glb(),
        &[],
        "invalid JSON at /meshes/0/primitives/0/mode",
    );
}

#[test]
fn missing_external_file_names_the_uri() {
    let dir = tempfile::tempdir().unwrap();
    let (json, _) = scenes::sphere(4, 8).gltf("gone.bin");
    let input = dir.path().join("m.gltf");
    std::fs::write(&input, json).unwrap();
    refused_path(&input, &[], "/buffers/0: cannot load \"gone.bin\"");
    let (json, _) = scenes::sphere(4, 8).gltf("../outside.bin");
    std::fs::write(&input, json).unwrap();
    refused_path(&input, &[], "the path leaves the model's folder");
}

#[test]
fn resource_bombs_are_refused_before_allocating() {
    let mut b = scenes::sphere(4, 8);
    // Four billion zero-filled vertices declared without a buffer view.
    b.push(
        "accessors",
        json!({"componentType": FLOAT, "count": 4_000_000_000u64, "type": "VEC3"}),
    );
    let last = b.doc["accessors"].as_array().unwrap().len() - 1;
    b.doc["meshes"][0]["primitives"][0]["attributes"]["POSITION"] = json!(last);
    refused(
        "bomb.glb",
        &b.glb(),
        &[],
        "vertices: 4000000000 exceeds the limit",
    );
    let glb = scenes::sphere(8, 16).glb();
    refused(
        "tri.glb",
        &glb,
        &["--max-input-triangles", "100"],
        "triangles: 224 exceeds the limit of 100 (raise it with --max-input-triangles)",
    );
    refused(
        "size.glb",
        &glb,
        &["--max-input-bytes", "1000"],
        "input bytes",
    );
    refused(
        "nodes.glb",
        &glb,
        &["--max-nodes", "0"],
        "nodes: 1 exceeds the limit of 0",
    );
}

#[test]
fn broken_node_graphs_are_refused() {
    // Nodes: 0 Upper, 1 Lower (child 0), 2 Armature (child 1), 3 TubeMesh.
    let mut b = scenes::skinned_tube();
    b.doc["nodes"][0]["children"] = json!([1]);
    b.doc["nodes"][2]["children"] = json!([]);
    refused("cycle.glb", &b.glb(), &[], "cycle in the node hierarchy");
    let mut b = scenes::skinned_tube();
    b.doc["nodes"][3]["children"] = json!([0]);
    refused("parents.glb", &b.glb(), &[], "already has parent");
}

#[test]
fn unsupported_required_extensions_are_named() {
    let mut b = scenes::sphere(4, 8);
    b.uses("VENDOR_magic", true);
    refused(
        "x.glb",
        &b.glb(),
        &[],
        "unsupported required extension VENDOR_magic",
    );
}

#[test]
fn bad_settings_are_usage_errors() {
    let glb = scenes::sphere(4, 8).glb();
    refused("s.glb", &glb, &["--lod", "0.5,1"], "must not increase");
    refused("s.glb", &glb, &["--lod", "0"], "LOD target \"0\"");
    refused("s.glb", &glb, &["--error", "0"], "--error 0");
}

/// Needs the shared corpus (its malformed files).
mod external {
    use super::*;

    #[test]
    fn corpus_bad_files_are_refused() {
        let Some(corpus) = tools::corpus() else {
            return;
        };
        let cases = [
            (
                "accessor_index_out_of_range_Box.gltf",
                "accessor 99 does not exist",
            ),
            ("bad_magic_TextureTransformTest.glb", "GLB byte 0: magic"),
            (
                "bufferview_out_of_bounds_AnimatedMorphCube.glb",
                "/bufferViews/0: bytes 0..100288",
            ),
            ("invalid_json_chunk_Fox.glb", "invalid JSON at line 1"),
            ("missing_bin_Box.gltf", "cannot load \"Box0_missing.bin\""),
            (
                "truncated_CesiumMilkTruck.glb",
                "GLB byte 8: header declares a length of 542144",
            ),
        ];
        for (file, expected) in cases {
            refused_path(&corpus.join("bad").join(file), &[], expected);
        }
    }
}

//! The reader against fixtures built by the independent test builder.

use crate::support::{builder::*, check, scenes};
use render_worker::asset::{Component, Mode, Semantic};
use render_worker::format::{self, resolve::NoFiles};
use render_worker::settings::Limits;
use serde_json::json;

fn read_glb(b: &Builder) -> format::ReadOutput {
    format::read_bytes(&b.glb(), &NoFiles, &Limits::default()).expect("fixture reads")
}

#[test]
fn kitchen_sink_reads_everything() {
    let out = read_glb(&scenes::kitchen_sink());
    let a = &out.asset;
    let prims = &a.meshes[0].primitives;
    assert_eq!(prims.len(), 7);

    // Sparse substitution applied to vertex 2.
    assert_eq!(prims[0].positions()[2], [2.0, 2.0, 0.0]);
    assert!(
        prims[0]
            .attribute(&Semantic::Custom("_BATCHID".into()))
            .is_some()
    );
    assert_eq!(prims[0].variants.len(), 1);
    // Non-indexed triangles get an index buffer; strips and fans become lists with the
    // specification's winding.
    assert_eq!(prims[1].indices.as_deref(), Some(&[0, 1, 2, 3, 4, 5][..]));
    assert_eq!(prims[2].mode, Mode::Triangles);
    assert_eq!(prims[2].indices.as_deref(), Some(&[0, 1, 2, 1, 3, 2][..]));
    assert_eq!(prims[3].indices.as_deref(), Some(&[1, 2, 0, 2, 3, 0][..]));
    // Points and lines pass through untouched.
    assert_eq!(
        (prims[4].mode, prims[4].indices.is_none()),
        (Mode::Points, true)
    );
    assert_eq!(prims[5].mode, Mode::Lines);
    // KHR_mesh_quantization: normalized shorts decode to floats and keep their format.
    let q = &prims[6];
    let pos = q.attribute(&Semantic::Position).unwrap();
    assert_eq!(pos.format.component, Component::I16);
    assert_eq!(q.positions()[1], [1.0, 0.0, 0.0]);
    assert_eq!(
        q.attribute(&Semantic::Normal).unwrap().get(0),
        &[0.0, 0.0, 1.0]
    );
    assert_eq!(
        q.attribute(&Semantic::TexCoord(0)).unwrap().get(1),
        &[1024.0, 0.0]
    );
    assert_eq!(
        q.attribute(&Semantic::Color(0)).unwrap().get(0),
        &[1.0, 0.0, 0.0]
    );

    // Scene graph, cameras, instancing, names, extras.
    assert_eq!(a.scenes.len(), 2);
    assert_eq!(a.cameras.len(), 1);
    let sink = a
        .nodes
        .iter()
        .find(|n| n.name.as_deref() == Some("SinkNode"))
        .unwrap();
    assert_eq!(sink.instancing.len(), 1);
    assert_eq!(sink.instancing[0].data.count(), 2);
    assert_eq!(sink.ext.extras, Some(json!({"configurable": true})));
    let cam = a.nodes.iter().find(|n| n.camera.is_some()).unwrap();
    assert!(cam.matrix.is_some());
    assert!(a.ext.extensions.contains_key("KHR_lights_punctual"));
    assert_eq!(a.info.copyright.as_deref(), Some("CC0 test data"));

    // The unknown optional extension is removed, with a warning; known ones stay.
    assert!(!a.materials[0].ext.extensions.contains_key("VENDOR_unknown"));
    assert!(
        a.materials[0]
            .ext
            .extensions
            .contains_key("KHR_materials_clearcoat")
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.message.contains("VENDOR_unknown"))
    );
    assert_eq!(out.problems.errors, 0, "{:?}", out.problems.messages);
}

#[test]
fn skins_animations_and_morphs_decode() {
    let a = read_glb(&scenes::skinned_tube()).asset;
    assert_eq!(a.skins.len(), 1);
    assert_eq!(a.skins[0].inverse_bind_matrices.as_ref().unwrap().len(), 2);
    assert_eq!(a.animations[0].samplers[0].input, vec![0.0, 0.5, 1.0]);
    let m = read_glb(&scenes::morph_plane()).asset;
    assert_eq!(m.meshes[0].primitives[0].targets.len(), 2);
    assert_eq!(m.meshes[0].weights, vec![0.5, 0.0]);
    assert_eq!(
        m.meshes[0].ext.extras,
        Some(json!({"targetNames": ["Bump", "Tilt"]}))
    );
}

#[test]
fn gltf_with_external_percent_encoded_files_and_data_uris() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = scenes::sphere(8, 16);
    // Move the embedded texture out to a file whose name needs percent-encoding.
    let png = encode_png(4, 4, |_, _| [10, 20, 30, 255]);
    std::fs::write(dir.path().join("tex ture.png"), &png).unwrap();
    b.doc["images"][0] = json!({"uri": "tex%20ture.png"});
    let (json, bin) = b.gltf("my%20model.bin");
    std::fs::write(dir.path().join("my model.bin"), &bin).unwrap();
    let path = dir.path().join("model.gltf");
    std::fs::write(&path, &json).unwrap();
    let out = check::read(&path);
    assert_eq!(&*out.asset.images[0].data, &png[..]);
    assert_eq!(out.asset.images[0].mime_type, "image/png");
    assert_eq!(out.asset.counts().triangles, 8 * 16 * 2 - 32);

    // The same document with its buffer as a data: URI needs no folder at all.
    use base64::Engine as _;
    let mut doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    doc["buffers"][0]["uri"] = json!(format!(
        "data:application/octet-stream;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bin)
    ));
    doc["images"][0] = json!({"uri": format!("data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&png))});
    let bytes = serde_json::to_vec(&doc).unwrap();
    let out = format::read_bytes(&bytes, &NoFiles, &Limits::default()).unwrap();
    assert_eq!(&*out.asset.images[0].data, &png[..]);
}

#[test]
fn problems_are_reported_like_the_validator() {
    let mut b = scenes::skinned_tube();
    // Unnormalized weights and a wrong declared max: both legal enough to process.
    let w = b.floats(&vec![0.5f32; 17 * 16 * 4], "VEC4", false);
    b.doc["meshes"][0]["primitives"][0]["attributes"]["WEIGHTS_0"] = json!(w);
    b.doc["accessors"][0]["max"] = json!([9.0, 9.0, 9.0]);
    let out = read_glb(&b);
    let codes: Vec<&str> = out
        .problems
        .messages
        .iter()
        .map(|p| p.code.as_str())
        .collect();
    assert!(
        codes.contains(&"ACCESSOR_WEIGHTS_NON_NORMALIZED"),
        "{codes:?}"
    );
    assert!(codes.contains(&"ACCESSOR_MAX_MISMATCH"), "{codes:?}");
}

//! The job's seams, called as a library: inputs from memory with their resolvers, the format
//! told from the bytes, and the manifest's `stages` section.

use crate::support::scenes;
use render_worker::error::Error;
use render_worker::format::resolve::{Files, NoFiles};
use render_worker::job::{self, Input, NoProgress};
use render_worker::settings::Settings;
use render_worker::storage::MemorySink;

fn no_render() -> Settings {
    Settings {
        render: false,
        ..Settings::default()
    }
}

#[test]
fn a_gltf_and_its_buffer_run_from_memory() {
    let (doc, bin) = scenes::sphere(16, 32).gltf("data/sphere.bin");
    let mut files = Files::default();
    files.insert("data/sphere.bin".into(), bin.clone());
    let input = Input::new("sphere.gltf", doc.clone(), Box::new(files));
    let sink = MemorySink::default();
    let manifest = job::run(input, &sink, &no_render(), None, &NoProgress).unwrap();
    assert_eq!(manifest.input.file, "sphere.gltf");
    assert_eq!(manifest.input.bytes, (doc.len() + bin.len()) as u64);
    let written: Vec<String> = sink.into_files().into_iter().map(|f| f.0).collect();
    assert_eq!(written.len(), manifest.lods.len());

    // The same document without its files names the buffer it could not open.
    let alone = Input::new("sphere.gltf", doc, Box::new(NoFiles));
    let e = job::run(
        alone,
        &MemorySink::default(),
        &no_render(),
        None,
        &NoProgress,
    )
    .unwrap_err();
    assert!(e.to_string().contains("/buffers/0"), "{e}");
}

#[test]
fn the_format_comes_from_the_bytes_not_the_name() {
    let glb = scenes::sphere(8, 16).glb();
    let misnamed = Input::new("sphere.gltf.txt", glb, Box::new(NoFiles));
    let m = job::inspect(&misnamed, &no_render()).unwrap();
    assert!(m.counts.triangles > 0);

    let zip = Input::new(
        "chair.glb",
        b"PK\x03\x04\x14\0\0\0".to_vec(),
        Box::new(NoFiles),
    );
    let e = job::inspect(&zip, &no_render()).unwrap_err();
    assert!(matches!(e, Error::UnsupportedFormat { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "the input is a ZIP archive (or USDZ), not glTF or GLB"
    );
    assert!(e.is_bad_input());
}

#[test]
fn the_manifest_lists_every_stage_in_order() {
    let input = Input::new(
        "sphere.glb",
        scenes::sphere(16, 32).glb(),
        Box::new(NoFiles),
    );
    let settings = no_render();
    let m = job::run(input, &MemorySink::default(), &settings, None, &NoProgress).unwrap();
    let preparation: Vec<&str> = m
        .stages
        .iter()
        .filter(|s| s.lod.is_none())
        .map(|s| s.stage.as_str())
        .collect();
    assert_eq!(
        preparation,
        [
            "repair",
            "weld",
            "dedup",
            "fold",
            "prune",
            "flatten",
            "animation"
        ]
    );
    let weld = &m.stages[1];
    let prepared = m.input.counts.triangles - weld.count("degenerate_triangles");
    for (level, lod) in m.lods.iter().enumerate() {
        let names: Vec<&str> = m
            .stages
            .iter()
            .filter(|s| s.lod == Some(level))
            .map(|s| s.stage.as_str())
            .collect();
        assert_eq!(names, ["simplify", "thin_points", "optimize", "quantize"]);
        let simplify = m.stages.iter().find(|s| s.lod == Some(level)).unwrap();
        assert_eq!(
            simplify.count("triangles"),
            prepared - lod.triangles,
            "level {level}: the simplifier's count is what the level lost"
        );
    }
    // Quantization stores the float streams as integers: the report says how many.
    let quantize = m.stages.iter().find(|s| s.stage == "quantize").unwrap();
    assert!(quantize.count("float_streams_quantized") > 0);
    assert!(quantize.measured["position_grid_step"] > 0.0);
    // The section survives the manifest's JSON.
    let json: serde_json::Value = serde_json::from_slice(&m.to_json()).unwrap();
    assert_eq!(json["stages"][0]["stage"], "repair");
}

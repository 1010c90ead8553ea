//! A real client: web-profile outputs load in three.js (GLTFLoader with MeshoptDecoder and
//! KTX2Loader) in headless Chromium, with the triangle counts the manifest states, every
//! texture decoded (KTX2 ones as compressed GPU textures with their mip chain), no warning from
//! three.js the input did not already cause, no WebGL error, and LOD 0 looking in the browser
//! like the input does.

use crate::support::builder::Builder;
use crate::support::tools::ClientLoad;
use crate::support::{check, features, scenes, tools};
use render_worker::job::Manifest;
use render_worker::settings::DEFAULT_MAX_TEXTURE_ERROR;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Most mean FLIP error of LOD 0 against the input, both rendered by three.js at 128x128.
const MAX_FLIP: f32 = 0.08;
/// Most silhouette difference (1 - IoU of coverage) of LOD 0 against the input.
const MAX_SILHOUETTE: f32 = 0.06;

/// The glTF textures referenced (`{"index": ...}` objects at any depth) outside the extensions
/// three.js said it does not implement.
fn texture_references(v: &serde_json::Value, unknown: &[String], out: &mut BTreeSet<usize>) {
    match v {
        serde_json::Value::Object(o) => {
            if let Some(i) = o.get("index").and_then(serde_json::Value::as_u64) {
                out.insert(i as usize);
            }
            for (k, v) in o {
                if !unknown.contains(k) {
                    texture_references(v, unknown, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| texture_references(v, unknown, out)),
        _ => {}
    }
}

/// Checks one delivered level as the browser saw it; `source` is how the input loaded.
fn assert_level(load: &ClientLoad, source: &ClientLoad, path: &Path, triangles: u64) {
    let what = path.display();
    assert!(load.ok, "{what}: {:?}", load.error);
    // Only what three.js already said of the input (an extension it does not implement).
    let new: Vec<&String> = load
        .warnings
        .iter()
        .filter(|w| !source.warnings.contains(w))
        .collect();
    assert!(new.is_empty(), "{what}: {new:?}");
    assert_eq!(load.gl_error, 0, "{what}: WebGL error");
    assert_eq!(load.triangles, triangles, "{what}: triangles");
    let doc = check::glb_json(path);
    let meshes = doc["meshes"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(load.meshes, meshes, "{what}: meshes");
    assert!(load.covered > 0, "{what}: nothing drawn");
    let unknown: Vec<String> = source
        .warnings
        .iter()
        .filter_map(|w| w.split("Unknown extension \"").nth(1))
        .map(|w| w.trim_end_matches("\".").to_string())
        .collect();
    let mut referenced = BTreeSet::new();
    texture_references(&doc["materials"], &unknown, &mut referenced);
    let bound: BTreeSet<usize> = load.textures.iter().filter_map(|t| t.index).collect();
    assert!(
        referenced.is_subset(&bound),
        "{what}: materials reference textures {referenced:?}, three.js bound {:?}",
        load.textures
    );
    for t in &load.textures {
        assert!(t.decoded && t.width > 0 && t.height > 0, "{what}: {t:?}");
        let index = t.index.expect("three.js names the glTF texture");
        if doc["textures"][index]["extensions"]["KHR_texture_basisu"].is_object() {
            // Basis Universal transcoded to a GPU format, every mip level there.
            let levels = 32 - t.width.max(t.height).leading_zeros();
            assert!(t.compressed && t.mipmaps == levels, "{what}: {t:?}");
        }
    }
}

/// Checks that `m` judged every delivered texture: one entry per image of LOD 0 in `dir`, each
/// re-encoded one measured, and within its bound unless a warning names it.
fn assert_textures_judged(m: &Manifest, dir: &Path) {
    let doc = check::glb_json(&dir.join(&m.lods[0].file));
    let images = doc["images"].as_array().map_or(0, Vec::len);
    assert_eq!(
        m.textures.len(),
        images,
        "{}: {:#?}",
        dir.display(),
        m.textures
    );
    for e in &m.textures {
        let what = format!("{}: image {}", dir.display(), e.image);
        if e.encoding == "unchanged" {
            continue;
        }
        let measured = e
            .measured
            .as_ref()
            .unwrap_or_else(|| panic!("{what}: measured"));
        let image = format!("image {}", e.image);
        let named = m.warnings.iter().any(|w| {
            w.code == "TEXTURE_OVER_BOUND"
                && (w.message.starts_with(&format!("{image}:"))
                    || w.message.starts_with(&format!("{image} (")))
        });
        assert!(
            e.within_bound == Some(true) || named,
            "{what}: {measured:?} over the bound, no warning"
        );
    }
}

/// Processes `inputs` with `--profile web` and loads every input and level in the browser;
/// returns (input, LOD 0 flip, silhouette) per model for the caller's report.
fn load_web_outputs(inputs: &[PathBuf], out: &Path, extra: &[&str]) -> Vec<(String, f32, f32)> {
    let mut files = vec![];
    let mut manifests: Vec<(Manifest, PathBuf)> = vec![];
    for input in inputs {
        let args: Vec<&str> = ["--profile", "web"].iter().chain(extra).copied().collect();
        let (m, dir) = check::process(input, out, &args);
        assert_textures_judged(&m, &dir);
        files.push(input.clone());
        files.extend(m.lods.iter().map(|l| dir.join(&l.file)));
        manifests.push((m, dir));
    }
    let loads = tools::load_in_browser(&files);
    assert_eq!(loads.len(), files.len());
    let mut loads = loads.iter();
    let mut report = vec![];
    for (input, (m, dir)) in inputs.iter().zip(&manifests) {
        let source = loads.next().unwrap();
        assert!(source.ok, "{}: {:?}", input.display(), source.error);
        for (k, l) in m.lods.iter().enumerate() {
            let load = loads.next().unwrap();
            assert_level(load, source, &dir.join(&l.file), l.triangles);
            if k == 0 {
                let d = render_worker::qa::compare(&[source.image()], &[load.image()]);
                assert!(
                    d.flip_mean <= MAX_FLIP && d.silhouette <= MAX_SILHOUETTE,
                    "{}: LOD 0 looks different in three.js: {d:?}",
                    input.display()
                );
                report.push((input.display().to_string(), d.flip_mean, d.silhouette));
            }
        }
    }
    eprintln!("three.js LOD 0 vs input (flip, silhouette): {report:?}");
    report
}

#[test]
fn web_outputs_of_the_fixtures_load_in_three_js() {
    let dir = tempfile::tempdir().unwrap();
    let mut fixtures: Vec<(&str, Builder)> = vec![
        ("vase", scenes::vase()),
        ("kitchen_sink", scenes::kitchen_sink()),
        ("skinned_tube", scenes::skinned_tube()),
        ("morph_plane", scenes::morph_plane()),
    ];
    fixtures.extend(features::all());
    // Soft gradients and fine detail, in every texture class: as shipped, within the bound.
    let judged = ["gradient_ball", "detail_ball"];
    fixtures.push((judged[0], scenes::gradient_ball()));
    fixtures.push((judged[1], scenes::detail_ball()));
    let inputs: Vec<PathBuf> = fixtures
        .iter()
        .map(|(name, b)| {
            let path = dir.path().join(format!("{name}.glb"));
            std::fs::write(&path, b.glb()).unwrap();
            path
        })
        .collect();
    let report = load_web_outputs(&inputs, &dir.path().join("out"), &["--lod", "1,0.5"]);
    assert_eq!(report.len(), inputs.len());
    for (input, flip, _) in &report {
        if judged
            .iter()
            .any(|name| input.ends_with(&format!("{name}.glb")))
        {
            assert!(
                *flip <= DEFAULT_MAX_TEXTURE_ERROR,
                "{input}: LOD 0 in three.js is {flip} FLIP from the input"
            );
        }
    }
}

#[test]
fn web_outputs_of_the_corpus_load_in_three_js() {
    let Some(corpus) = tools::corpus() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let inputs = tools::glbs_in(&corpus);
    let report = load_web_outputs(&inputs, dir.path(), &[]);
    assert_eq!(report.len(), inputs.len());
}

//! Sizes against gltfpack `-cc` at the same triangle count, the bar users hold us to (the
//! figures per corpus model come from `bench/sizes.py`; this guards them). With
//! `--drop-names`, gltfpack's own scene handling, and the `asset.copyright` notice we keep and
//! gltfpack drops set aside: corpus models are no larger than gltfpack's. The generated
//! fixtures stay within 1 %: on their exact UV spheres our attribute-aware simplification spends
//! up to 0.8 % on UV and normal fidelity that gltfpack's position-only default does not
//! (gltfpack's own attribute-aware `-sv` is 1.3 % larger than ours on the sphere).

use crate::support::{check, scenes, tools};
use std::path::{Path, PathBuf};

/// Bytes of `"copyright":"...",` in `file`'s JSON (0 without one).
fn copyright_bytes(file: &Path) -> u64 {
    let doc = check::glb_json(file);
    doc["asset"]
        .get("copyright")
        .map_or(0, |c| format!("\"copyright\":{c},").len() as u64)
}

/// Our LOD 0 bytes less the copyright notice, and gltfpack's, at gltfpack's `-si 0.5` count.
fn sizes(input: &Path, dir: &Path) -> (u64, u64) {
    let stem = input.file_stem().unwrap().to_str().unwrap();
    let packed = dir.join(format!("{stem}.gltfpack.glb"));
    tools::gltfpack(input, &packed, &["-cc", "-si", "0.5"]);
    let triangles = check::read(&packed).asset.counts().triangles;
    let target = triangles.to_string();
    let args = ["--lod", &target, "--error", "1", "--compress", "meshopt"];
    let (m, out) = check::process(
        input,
        &dir.join("ours"),
        &[&args[..], &["--drop-names"]].concat(),
    );
    // The simplifier stops within a triangle or two of a count (the morph plane: 1,082 of
    // 1,083); never above it, never far below.
    let ours_triangles = m.lods[0].triangles;
    assert!(
        ours_triangles <= triangles && ours_triangles * 100 >= triangles * 99,
        "{stem}: {ours_triangles} triangles for gltfpack's {triangles}"
    );
    let ours = m.lods[0].bytes - copyright_bytes(&out.join("lod0.glb"));
    let theirs = std::fs::metadata(&packed).unwrap().len();
    eprintln!("{stem}: {ours} bytes (copyright aside) against gltfpack's {theirs}");
    (ours, theirs)
}

#[test]
fn meshopt_outputs_are_no_larger_than_gltfpacks() {
    let dir = tempfile::tempdir().unwrap();
    for (name, b) in [
        ("sphere", scenes::sphere(24, 48)),
        ("tube", scenes::skinned_tube()),
        ("morph", scenes::morph_plane()),
        ("vase", scenes::vase()),
        ("tiled", scenes::tiled_spheres()),
    ] {
        let input = dir.path().join(format!("{name}.glb"));
        std::fs::write(&input, b.glb()).unwrap();
        let (ours, theirs) = sizes(&input, dir.path());
        assert!(
            ours * 100 <= theirs * 101,
            "{name}: {ours} bytes against {theirs}"
        );
    }
    let Some(corpus) = tools::corpus() else {
        return;
    };
    let models: Vec<PathBuf> = [
        "AnimatedMorphCube",
        "CesiumMan",
        "Fox",
        "SpecGlossVsMetalRough",
        "StanfordBunny",
        "TextureTransformTest",
        "VertexColorTest",
    ]
    .iter()
    .map(|m| corpus.join(format!("{m}.glb")))
    .collect();
    for input in &models {
        let (ours, theirs) = sizes(input, dir.path());
        assert!(
            ours <= theirs,
            "{}: {ours} bytes against {theirs}",
            input.display()
        );
    }
}

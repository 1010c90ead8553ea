//! The Khronos glTF validator over every fixture input and output: zero errors.

use crate::support::{check, scenes, tools};
use std::path::PathBuf;

#[test]
fn bundled_sample_matches_its_generator() {
    // assets/sample/vase.glb is generated; regenerate with
    // `cargo run --example make_assets -- assets/sample/vase.glb` after changing the scene.
    let committed = std::fs::read(tools::root().join("assets/sample/vase.glb")).unwrap();
    assert!(
        committed == scenes::vase().glb(),
        "assets/sample/vase.glb is stale"
    );
}

/// Needs the Khronos validator.
mod external {
    use super::*;

    #[test]
    fn fixture_inputs_and_outputs_pass_the_khronos_validator() {
        let dir = tempfile::tempdir().unwrap();
        let fixtures = [
            ("sphere", scenes::sphere(24, 48)),
            ("tube", scenes::skinned_tube()),
            ("morph", scenes::morph_plane()),
            ("sink", scenes::kitchen_sink()),
            ("vase", scenes::vase()),
        ];
        let mut files: Vec<PathBuf> = vec![];
        for (name, b) in &fixtures {
            let input = dir.path().join(format!("{name}.glb"));
            std::fs::write(&input, b.glb()).unwrap();
            let (_, out) = check::process(&input, &dir.path().join("out"), &[]);
            files.push(input);
            files.extend(tools::glbs_in(&out));
        }
        let reports = tools::validate(&files);
        assert_eq!(reports.len(), files.len());
        for r in &reports {
            assert_eq!(r.errors, 0, "{}: {:?} {:?}", r.file, r.codes, r.messages);
        }
    }
}

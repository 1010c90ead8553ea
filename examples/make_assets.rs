//! Regenerates the project's own assets from the fixture scenes of the test suite:
//!
//!     cargo run --example make_assets -- assets/sample/vase.glb            # the bundled sample
//!     cargo run --example make_assets -- --fuzz-seeds fuzz/corpus/read     # fuzzing seeds
//!     cargo run --example make_assets -- --load /tmp/load 500 small        # load-test inputs
//!
//! Everything is procedural and deterministic; see assets/README.md for provenance.

#[path = "../tests/integration/support/builder.rs"]
mod builder;
#[path = "../tests/integration/support/scenes.rs"]
mod scenes;

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, dir] if flag == "--fuzz-seeds" => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("seed folder");
            let seeds = [
                ("sphere.glb", scenes::sphere(6, 12)),
                ("tube.glb", scenes::skinned_tube()),
                ("morph.glb", scenes::morph_plane()),
                ("sink.glb", scenes::kitchen_sink()),
            ];
            for (name, b) in seeds {
                std::fs::write(dir.join(name), b.glb()).expect("write seed");
            }
        }
        [flag, dir, count, kind] if flag == "--load" => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("load folder");
            let count: usize = count.parse().expect("a model count");
            for i in 0..count {
                // Distinct bytes (a node name) per file, so every job has its own outputs.
                let mut b = match kind.as_str() {
                    "small" => scenes::sphere(6, 8),
                    "vase" => scenes::vase(),
                    other => panic!("unknown load model {other:?}: small or vase"),
                };
                b.doc["nodes"][0]["name"] = serde_json::json!(format!("Part {i}"));
                std::fs::write(dir.join(format!("{i}.glb")), b.glb()).expect("write model");
            }
        }
        [path] => {
            let path = PathBuf::from(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("asset folder");
            }
            std::fs::write(&path, scenes::vase().glb()).expect("write sample");
        }
        _ => {
            eprintln!(
                "usage: make_assets <sample.glb> | --fuzz-seeds <dir> | --load <dir> <count> small|vase"
            );
            std::process::exit(2);
        }
    }
}

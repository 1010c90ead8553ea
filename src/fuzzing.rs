//! The fuzzing entry point, shared by `fuzz/` (cargo-fuzz) and the robustness test that runs
//! mutated fixtures in the normal suite.

use crate::format::{self, resolve::NoFiles};
use crate::report::Timings;
use crate::settings::{Limits, Settings};

/// Reads arbitrary bytes as a model; when they read, runs the preparation stages, writes a GLB
/// and reads it back. Must never panic, hang or allocate without bound: small limits keep
/// every input cheap.
pub fn read_process_write(bytes: &[u8]) {
    let settings = Settings {
        limits: Limits {
            max_input_bytes: 1 << 20,
            max_triangles: 100_000,
            max_vertices: 100_000,
            max_nodes: 1_000,
        },
        ..Settings::default()
    };
    let Ok(mut out) = format::read_bytes(bytes, &NoFiles, &settings.limits) else {
        return;
    };
    crate::pipeline::prepare(&mut out.asset, &settings, &Timings::default());
    let glb = format::write_glb(&out.asset, crate::settings::Compression::None, false);
    if let Err(e) = format::read_bytes(&glb, &NoFiles, &settings.limits) {
        panic!("our own output does not re-read: {e}");
    }
}

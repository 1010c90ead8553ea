//! Integration tests: fixtures the suite generates itself (always) and the shared corpus (when
//! present). Outputs are checked for invariants, re-read by the crate and by the `gltf` crate,
//! and validated with the Khronos glTF validator.

mod support;

mod bad_input;
mod budget;
mod client;
mod compressed_textures;
mod corpus;
mod delivery;
mod deploy;
mod goldens;
mod job_seams;
mod peer_sizes;
mod pipeline;
mod reading;
mod robustness;
mod shaders;
mod textures;
mod thumbnails;
mod validation;
mod worker;

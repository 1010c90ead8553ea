//! glTF 2.0 in and out: GLB containers, JSON documents, accessors, URIs and extensions.
//!
//! [`read_bytes`] decodes a `.glb` or `.gltf` (with external or embedded resources)
//! into an [`crate::asset::Asset`]; [`write_glb`] writes one back as a single GLB. The format
//! is told from the bytes ([`detect`]); referenced files are opened through a
//! [`resolve::Resolver`].

mod accessor;
mod bin;
pub mod detect;
pub mod extensions;
pub mod glb;
pub mod meshopt;
mod read;
pub mod resolve;
mod schema;
pub mod uri;
mod write;

pub use read::{ReadOutput, read_bytes, sniff_mime};
pub use write::write_glb;

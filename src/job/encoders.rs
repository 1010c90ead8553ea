//! Delivery formats: how a finished level becomes a file.
//!
//! Each [`Encoder`] turns a level's asset into bytes and says what the file is called, what
//! MIME type it is served with, and where the manifest records it. A job writes every level
//! with every encoder in [`ENCODERS`], in order; a second delivery format is one more entry.

use super::manifest::LodEntry;
use crate::asset::Asset;
use crate::format;
use crate::settings::Delivery;

/// A delivery format for finished levels.
pub struct Encoder {
    /// Short name, e.g. `glb`.
    pub name: &'static str,
    /// File name extension, without the dot; also how storage tells the MIME type.
    pub extension: &'static str,
    /// MIME type the file is served with.
    pub mime_type: &'static str,
    /// The level's bytes. The asset is finished: optimized, quantized, textures applied.
    pub encode: fn(&Asset, &Delivery) -> Vec<u8>,
    /// Records the stored file (its name and size in bytes) in the level's manifest entry.
    pub record: fn(&mut LodEntry, file: String, bytes: u64),
}

impl Encoder {
    /// The file name of level `level` in this format, e.g. `lod0.glb`.
    pub fn file_name(&self, level: usize) -> String {
        format!("lod{level}.{}", self.extension)
    }
}

/// Binary glTF, compressed as the delivery settings say: the manifest's `file` and `bytes`.
pub const GLB: Encoder = Encoder {
    name: "glb",
    extension: "glb",
    mime_type: "model/gltf-binary",
    encode: |asset, d| format::write_glb(asset, d.compress, d.fallback),
    record: |entry, file, bytes| {
        entry.file = file;
        entry.bytes = bytes;
    },
};

/// Every delivery format, in the order levels are written in them.
pub const ENCODERS: &[Encoder] = &[GLB];

/// The encoder whose files are named like `name` (by extension).
pub fn for_file(name: &str) -> Option<&'static Encoder> {
    let extension = name.rsplit_once('.')?.1;
    ENCODERS.iter().find(|e| e.extension == extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_level_and_found_by_extension() {
        assert_eq!(GLB.file_name(2), "lod2.glb");
        let found = for_file("prefix/lod0.glb").expect("glb");
        assert_eq!(found.mime_type, "model/gltf-binary");
        assert!(for_file("thumb.png").is_none());
        assert!(for_file("noextension").is_none());
    }
}

//! Telling an upload's format from its bytes, never from its file name.
//!
//! Merchants' files arrive with whatever name their tool gave them (`model.bin`, `scan.GLB`,
//! `chair.gltf.txt`). [`detect`] looks at the first bytes: the GLB magic, or JSON text for a
//! `.gltf`. Anything else that it recognizes (an archive, another 3D format, an image) is
//! refused by name, so the merchant learns what they uploaded; bytes it does not recognize are
//! read as a GLB, whose header check then names the magic it found.

use crate::error::{Error, Result};

/// A format the reader decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Binary glTF: a GLB container (or bytes that should be one).
    Glb,
    /// glTF JSON text.
    Gltf,
}

/// Magic bytes of formats that are not glTF, with what to call them in an error. Checked
/// against the start of the input, in order.
const NOT_GLTF: &[(&[u8], &str)] = &[
    (b"PK\x03\x04", "a ZIP archive (or USDZ)"),
    (b"Kaydara FBX Binary", "an FBX file (binary)"),
    (b"; FBX", "an FBX file (ASCII)"),
    (b"ply\n", "a PLY file"),
    (b"ply\r\n", "a PLY file"),
    (b"#usda", "a USD file (usda text)"),
    (b"PXR-USDC", "a USD file (usdc crate)"),
    (b"solid ", "an STL file (ASCII)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"\xABKTX 20", "a KTX2 texture"),
    (b"\x1F\x8B", "a gzip file"),
    (b"draco", "a raw Draco bitstream"),
];

/// The format of `bytes`, or [`Error::UnsupportedFormat`] naming what they look like.
///
/// JSON text may start with whitespace and a UTF-8 byte-order mark.
pub fn detect(bytes: &[u8]) -> Result<Format> {
    let first = bytes
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    if first == Some(b'{') {
        return Ok(Format::Gltf);
    }
    if bytes.starts_with(b"glTF") {
        return Ok(Format::Glb);
    }
    match NOT_GLTF.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        Some((_, found)) => Err(Error::UnsupportedFormat {
            found: (*found).to_string(),
        }),
        None => Ok(Format::Glb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gltf_and_glb_are_told_apart_by_their_bytes() {
        assert_eq!(detect(b"glTF\x02\0\0\0").unwrap(), Format::Glb);
        assert_eq!(
            detect(b"\xEF\xBB\xBF\n  {\"asset\":{}}").unwrap(),
            Format::Gltf
        );
        // Unknown bytes go to the GLB reader, whose error names the magic it found.
        assert_eq!(detect(b"glTf\x02").unwrap(), Format::Glb);
        assert_eq!(detect(b"").unwrap(), Format::Glb);
    }

    #[test]
    fn other_formats_are_refused_by_name() {
        for (bytes, name) in [
            (&b"PK\x03\x04rest"[..], "ZIP archive"),
            (b"Kaydara FBX Binary  \0", "FBX"),
            (b"ply\nformat ascii 1.0", "PLY"),
            (b"solid cube\n", "STL"),
            (b"\x89PNG\r\n\x1a\n", "PNG"),
        ] {
            let e = detect(bytes).unwrap_err();
            assert!(matches!(e, Error::UnsupportedFormat { .. }), "{e}");
            assert!(e.to_string().contains(name), "{e}");
        }
    }
}

//! The GLB container: a 12-byte header, a JSON chunk and an optional BIN chunk.
//!
//! Parsing checks every length against the bytes actually present before slicing, and names the
//! byte offset of the field that is wrong.

use crate::error::{Error, Result};

const MAGIC: &[u8; 4] = b"glTF";
const CHUNK_JSON: u32 = 0x4E4F_534A;
const CHUNK_BIN: u32 = 0x004E_4942;
const HEADER_LEN: usize = 12;
const CHUNK_HEADER_LEN: usize = 8;

/// The chunks of a GLB file, borrowed from its bytes.
#[derive(Debug)]
pub struct Glb<'a> {
    /// The JSON chunk's bytes (trailing padding spaces included).
    pub json: &'a [u8],
    /// The BIN chunk's bytes, when present (trailing padding included).
    pub bin: Option<&'a [u8]>,
}

fn u32_at(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(bytes[offset..offset + 4].try_into().expect("4 bytes"))
}

/// Splits a GLB file into its chunks.
pub fn parse(bytes: &[u8]) -> Result<Glb<'_>> {
    if bytes.len() < HEADER_LEN {
        return Err(Error::container(
            0,
            format!(
                "file is {} bytes, shorter than the 12-byte GLB header",
                bytes.len()
            ),
        ));
    }
    if &bytes[0..4] != MAGIC {
        return Err(Error::container(
            0,
            format!(
                "magic is {:?} ({:02X?}), expected \"glTF\"",
                String::from_utf8_lossy(&bytes[0..4]),
                &bytes[0..4]
            ),
        ));
    }
    let version = u32_at(bytes, 4);
    if version != 2 {
        return Err(Error::container(
            4,
            format!("GLB version {version}; only version 2 is supported"),
        ));
    }
    let declared = u32_at(bytes, 8) as usize;
    if declared > bytes.len() {
        return Err(Error::container(
            8,
            format!(
                "header declares a length of {declared} bytes but the file has {} (truncated?)",
                bytes.len()
            ),
        ));
    }
    if declared < HEADER_LEN + CHUNK_HEADER_LEN {
        return Err(Error::container(
            8,
            format!("header declares a length of {declared} bytes, too short for a JSON chunk"),
        ));
    }
    let body = &bytes[..declared];
    let (json, next) = chunk(body, HEADER_LEN)?;
    if json.0 != CHUNK_JSON {
        return Err(Error::container(
            HEADER_LEN as u64 + 4,
            format!("first chunk has type 0x{:08X}, expected JSON", json.0),
        ));
    }
    let mut bin = None;
    let mut offset = next;
    while offset < body.len() {
        let (c, next) = chunk(body, offset)?;
        if c.0 == CHUNK_BIN && bin.is_none() {
            bin = Some(c.1);
        }
        offset = next;
    }
    Ok(Glb { json: json.1, bin })
}

/// Reads the chunk header at `offset`; returns (type, data) and the offset after the chunk.
fn chunk(body: &[u8], offset: usize) -> Result<((u32, &[u8]), usize)> {
    if offset + CHUNK_HEADER_LEN > body.len() {
        return Err(Error::container(
            offset as u64,
            format!(
                "chunk header needs 8 bytes but only {} remain",
                body.len() - offset
            ),
        ));
    }
    let len = u32_at(body, offset) as usize;
    let kind = u32_at(body, offset + 4);
    let start = offset + CHUNK_HEADER_LEN;
    let end = start.checked_add(len).filter(|&e| e <= body.len());
    let Some(end) = end else {
        return Err(Error::container(
            offset as u64,
            format!(
                "chunk of type 0x{kind:08X} declares {len} bytes (to byte {}) but the file ends at byte {}",
                start as u64 + len as u64,
                body.len()
            ),
        ));
    };
    // Chunks are 4-byte aligned; tolerate a missing final pad rather than reading past the end.
    let next = end.next_multiple_of(4).min(body.len());
    Ok(((kind, &body[start..end]), next))
}

/// Assembles a GLB file from a JSON document and a binary buffer.
///
/// The JSON chunk is padded with spaces and the BIN chunk with zeros to 4-byte boundaries; the
/// BIN chunk is omitted when `bin` is empty.
pub fn assemble(json: &[u8], bin: &[u8]) -> Vec<u8> {
    let json_len = json.len().next_multiple_of(4);
    let bin_len = bin.len().next_multiple_of(4);
    let total = HEADER_LEN
        + CHUNK_HEADER_LEN
        + json_len
        + if bin.is_empty() {
            0
        } else {
            CHUNK_HEADER_LEN + bin_len
        };
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(json_len as u32).to_le_bytes());
    out.extend_from_slice(&CHUNK_JSON.to_le_bytes());
    out.extend_from_slice(json);
    out.resize(out.len() + json_len - json.len(), b' ');
    if !bin.is_empty() {
        out.extend_from_slice(&(bin_len as u32).to_le_bytes());
        out.extend_from_slice(&CHUNK_BIN.to_le_bytes());
        out.extend_from_slice(bin);
        out.resize(out.len() + bin_len - bin.len(), 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let glb = assemble(b"{\"a\":1}", &[1, 2, 3]);
        assert_eq!(glb.len() % 4, 0);
        let parsed = parse(&glb).unwrap();
        assert_eq!(parsed.json, b"{\"a\":1} ");
        assert_eq!(parsed.bin.unwrap(), &[1, 2, 3, 0]);
    }

    #[test]
    fn names_the_broken_field() {
        let mut glb = assemble(b"{}", &[0; 16]);
        glb[3] = b'f';
        let e = parse(&glb).unwrap_err().to_string();
        assert!(e.starts_with("GLB byte 0: magic is \"glTf\""), "{e}");

        let glb = assemble(b"{}", &[0; 16]);
        let e = parse(&glb[..glb.len() - 8]).unwrap_err().to_string();
        assert!(e.contains("header declares a length of"), "{e}");
        assert!(e.contains("truncated"), "{e}");

        let mut glb = assemble(b"{}", &[0; 16]);
        let n = glb.len() as u32;
        // The BIN chunk header follows the 12-byte header and the 8 + 4 byte JSON chunk.
        glb[24..28].copy_from_slice(&1000u32.to_le_bytes());
        glb[8..12].copy_from_slice(&n.to_le_bytes());
        let e = parse(&glb).unwrap_err().to_string();
        assert!(
            e.contains("GLB byte 24: chunk of type 0x004E4942 declares 1000 bytes"),
            "{e}"
        );
    }

    #[test]
    fn short_files_are_rejected() {
        assert!(parse(b"glTF").is_err());
        assert!(parse(b"").is_err());
    }
}

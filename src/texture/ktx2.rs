//! KTX2 containers (KTX 2.0 specification) from Basis Universal `.basis` files.
//!
//! The Basis encoder writes `.basis` files; glTF's `KHR_texture_basisu` wants KTX2. Both hold
//! the same compressed slices, so the container is rewritten rather than re-encoded:
//!
//! * ETC1S: the slices keep their BasisLZ coding; the codebooks and Huffman tables move to the
//!   KTX2 supercompression global data with one image descriptor per mip level
//!   (`supercompressionScheme` 1, BasisLZ).
//! * UASTC: the slices are raw 16-byte blocks; each level is Zstandard-compressed
//!   (`supercompressionScheme` 2).
//!
//! One 2D image per file (no layers, faces or depth), mip levels largest first in the level
//! index and smallest first in the file, as the specification orders them. The data format
//! descriptor says ETC1S or UASTC, sRGB or linear, and whether an alpha slice or channel exists.

use super::basis_file::BasisFile;

/// Why a `.basis` file could not be turned into KTX2.
pub type Error = String;

/// The file identifier every KTX 2.0 file starts with.
pub const IDENTIFIER: [u8; 12] = [
    0xAB, 0x4B, 0x54, 0x58, 0x20, 0x32, 0x30, 0xBB, 0x0D, 0x0A, 0x1A, 0x0A,
];
/// `supercompressionScheme` values.
pub const BASIS_LZ: u32 = 1;
/// Zstandard supercompression.
pub const ZSTD: u32 = 2;
/// Data format descriptor colour models.
pub const MODEL_ETC1S: u8 = 163;
/// UASTC 4x4.
pub const MODEL_UASTC: u8 = 166;

/// Converts a `.basis` file holding one image (with its mip chain) to KTX2; `srgb` sets the
/// transfer function the texture is sampled with.
pub fn from_basis(basis: &[u8], srgb: bool, zstd_level: i32) -> Result<Vec<u8>, Error> {
    let file = BasisFile::parse(basis)?;
    let levels = file.slices.iter().map(|s| s.level + 1).max().unwrap_or(0) as usize;
    let base = file
        .slices
        .iter()
        .find(|s| s.level == 0 && !s.alpha)
        .ok_or("the .basis file has no base level")?;
    let (width, height) = (base.width, base.height);

    // Level payloads (RGB slice then alpha slice) and, for ETC1S, their image descriptors.
    let mut payloads = vec![vec![]; levels];
    let mut descriptors = vec![[0u32; 5]; levels];
    for s in &file.slices {
        let p = &mut payloads[s.level as usize];
        let d = &mut descriptors[s.level as usize];
        let (offset, length) = if s.alpha { (3, 4) } else { (1, 2) };
        d[offset] = p.len() as u32;
        d[length] = s.data.len() as u32;
        p.extend_from_slice(s.data);
    }
    let (scheme, global, uncompressed) = if file.uastc {
        let lengths: Vec<u64> = payloads.iter().map(|p| p.len() as u64).collect();
        for p in &mut payloads {
            *p = zstd::bulk::compress(p, zstd_level).map_err(|e| format!("zstd: {e}"))?;
        }
        (ZSTD, vec![], lengths)
    } else {
        (
            BASIS_LZ,
            etc1s_global_data(&file, &descriptors),
            vec![0; levels],
        )
    };
    let dfd = data_format_descriptor(file.uastc, srgb, file.has_alpha);
    let kvd = key_values();
    Ok(assemble(Container {
        width,
        height,
        scheme,
        dfd: &dfd,
        kvd: &kvd,
        global: &global,
        payloads: &payloads,
        uncompressed: &uncompressed,
    }))
}

/// BasisLZ global data: counts and lengths, one image descriptor per level, then the endpoint
/// and selector codebooks and the Huffman tables copied from the `.basis` file.
fn etc1s_global_data(file: &BasisFile<'_>, descriptors: &[[u32; 5]]) -> Vec<u8> {
    let mut g = vec![];
    g.extend_from_slice(&file.endpoints.count.to_le_bytes());
    g.extend_from_slice(&file.selectors.count.to_le_bytes());
    for len in [
        file.endpoints.data.len(),
        file.selectors.data.len(),
        file.tables.len(),
        0,
    ] {
        g.extend_from_slice(&(len as u32).to_le_bytes());
    }
    for d in descriptors {
        for v in d {
            g.extend_from_slice(&v.to_le_bytes());
        }
    }
    g.extend_from_slice(file.endpoints.data);
    g.extend_from_slice(file.selectors.data);
    g.extend_from_slice(file.tables);
    g
}

/// A basic data format descriptor block (Khronos Data Format 1.3, version 2) for 4x4 blocks.
fn data_format_descriptor(uastc: bool, srgb: bool, alpha: bool) -> Vec<u8> {
    // ETC1S: one RGB sample, plus an alpha sample when there is an alpha slice. UASTC: one
    // 128-bit sample whose channel says RGB or RGBA.
    let samples: Vec<(u16, u8, u8)> = match (uastc, alpha) {
        (true, false) => vec![(0, 127, 0)],
        (true, true) => vec![(0, 127, 3)],
        (false, false) => vec![(0, 63, 0)],
        (false, true) => vec![(0, 63, 0), (64, 63, 15)],
    };
    let block = 24 + 16 * samples.len();
    let mut d = vec![];
    d.extend_from_slice(&((block + 4) as u32).to_le_bytes()); // dfdTotalSize
    d.extend_from_slice(&0u32.to_le_bytes()); // vendorId 0 (Khronos), descriptorType 0
    d.extend_from_slice(&2u16.to_le_bytes()); // versionNumber
    d.extend_from_slice(&(block as u16).to_le_bytes());
    d.push(if uastc { MODEL_UASTC } else { MODEL_ETC1S });
    d.push(1); // colorPrimaries BT709
    d.push(if srgb { 2 } else { 1 }); // transferFunction sRGB or linear
    d.push(0); // flags: straight alpha
    d.extend_from_slice(&[3, 3, 0, 0]); // texelBlockDimension 4x4 (stored minus one)
    // bytesPlane0..7: 16 for UASTC (its uncompressed block size), 0 for supercompressed ETC1S.
    d.extend_from_slice(&[if uastc { 16 } else { 0 }, 0, 0, 0, 0, 0, 0, 0]);
    for (offset, length, channel) in samples {
        d.extend_from_slice(&offset.to_le_bytes());
        d.push(length);
        d.push(channel);
        d.extend_from_slice(&[0; 4]); // samplePosition
        d.extend_from_slice(&0u32.to_le_bytes()); // sampleLower
        d.extend_from_slice(&u32::MAX.to_le_bytes()); // sampleUpper
    }
    d
}

fn key_values() -> Vec<u8> {
    let pair = format!("KTXwriter\0render-worker {}\0", env!("CARGO_PKG_VERSION"));
    let mut kvd = (pair.len() as u32).to_le_bytes().to_vec();
    kvd.extend_from_slice(pair.as_bytes());
    kvd.resize(kvd.len().next_multiple_of(4), 0);
    kvd
}

struct Container<'a> {
    width: u32,
    height: u32,
    scheme: u32,
    dfd: &'a [u8],
    kvd: &'a [u8],
    global: &'a [u8],
    payloads: &'a [Vec<u8>],
    uncompressed: &'a [u64],
}

fn assemble(c: Container<'_>) -> Vec<u8> {
    let levels = c.payloads.len();
    let header_end = 12 + 9 * 4 + 4 * 4 + 2 * 8 + levels * 24;
    let dfd_at = header_end;
    let kvd_at = dfd_at + c.dfd.len();
    let mut sgd_at = kvd_at + c.kvd.len();
    if !c.global.is_empty() {
        sgd_at = sgd_at.next_multiple_of(8);
    }
    let mut offset = sgd_at + c.global.len();
    // Smallest level first in the file; supercompressed levels need no alignment.
    let mut at = vec![0usize; levels];
    for l in (0..levels).rev() {
        at[l] = offset;
        offset += c.payloads[l].len();
    }
    let mut f = Vec::with_capacity(offset);
    f.extend_from_slice(&IDENTIFIER);
    for v in [0, 1, c.width, c.height, 0, 0, 1, levels as u32, c.scheme] {
        f.extend_from_slice(&v.to_le_bytes()); // vkFormat .. supercompressionScheme
    }
    for v in [dfd_at, c.dfd.len(), kvd_at, c.kvd.len()] {
        f.extend_from_slice(&(v as u32).to_le_bytes());
    }
    let sgd = if c.global.is_empty() {
        (0, 0)
    } else {
        (sgd_at, c.global.len())
    };
    f.extend_from_slice(&(sgd.0 as u64).to_le_bytes());
    f.extend_from_slice(&(sgd.1 as u64).to_le_bytes());
    for ((offset, payload), uncompressed) in at.iter().zip(c.payloads).zip(c.uncompressed) {
        f.extend_from_slice(&(*offset as u64).to_le_bytes());
        f.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        f.extend_from_slice(&uncompressed.to_le_bytes());
    }
    f.extend_from_slice(c.dfd);
    f.extend_from_slice(c.kvd);
    f.resize(sgd_at, 0);
    f.extend_from_slice(c.global);
    for l in (0..levels).rev() {
        f.extend_from_slice(&c.payloads[l]);
    }
    f
}

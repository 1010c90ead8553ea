//! The `.basis` file layout (Basis Universal's own container, `spec/basis_spec.txt` in the
//! basisu sources): parsed to build KTX2 files from the encoder's output, and written to hand
//! KTX2 contents back to the transcoder, which only reads `.basis` files.
//!
//! A header (77 bytes, little-endian, some fields 24 bits wide), one 23-byte descriptor per
//! slice (a mip level's colour, or for ETC1S with alpha its alpha, as a separate slice right
//! after the colour one), then for ETC1S the endpoint and selector codebooks and the Huffman
//! tables, then the slices' data. Only 2D textures are handled: no arrays, cubes or video.

/// Why a `.basis` file could not be read.
pub type Error = String;

/// `m_sig`: "sB".
const SIGNATURE: u16 = u16::from_le_bytes(*b"sB");
/// `m_ver` of the files the bundled transcoder reads.
const VERSION: u16 = 0x13;
const HEADER_SIZE: usize = 77;
const SLICE_DESC_SIZE: usize = 23;
/// `cBASISHeaderFlagETC1S`.
const FLAG_ETC1S: u16 = 1;
/// `cBASISHeaderFlagHasAlphaSlices`: set for ETC1S alpha slices and UASTC alpha alike.
const FLAG_HAS_ALPHA: u16 = 4;
/// `cSliceDescFlagsHasAlpha`: the slice holds alpha.
const SLICE_ALPHA: u8 = 1;

/// One ETC1S codebook or table: entry count (0 for tables) and compressed bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Section<'a> {
    /// Entries (endpoints or selectors).
    pub count: u16,
    /// Compressed bytes as stored.
    pub data: &'a [u8],
}

/// One slice: a mip level's colour data, or its ETC1S alpha.
#[derive(Debug, Clone, Copy)]
pub struct Slice<'a> {
    /// Mip level, 0 the largest.
    pub level: u32,
    /// True for an ETC1S alpha slice (UASTC keeps alpha in its blocks: always false).
    pub alpha: bool,
    /// Width in pixels (not rounded to blocks).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Compressed slice bytes (BasisLZ for ETC1S, raw 16-byte blocks for UASTC).
    pub data: &'a [u8],
}

/// A single-image `.basis` file, borrowed from its bytes or assembled from KTX2 parts.
#[derive(Debug, Clone, Default)]
pub struct BasisFile<'a> {
    /// UASTC (true) or ETC1S (false).
    pub uastc: bool,
    /// True when the texture has alpha (ETC1S: alpha slices follow the colour ones).
    pub has_alpha: bool,
    /// ETC1S endpoint codebook.
    pub endpoints: Section<'a>,
    /// ETC1S selector codebook.
    pub selectors: Section<'a>,
    /// ETC1S Huffman tables.
    pub tables: &'a [u8],
    /// Slices by level, an ETC1S alpha slice right after its colour slice.
    pub slices: Vec<Slice<'a>>,
}

/// Little-endian unsigned field of `bytes` at `at`, `size` bytes wide.
fn field(bytes: &[u8], at: usize, size: usize) -> Result<u32, Error> {
    let b = bytes
        .get(at..at + size)
        .ok_or_else(|| format!(".basis field at byte {at} lies past the end"))?;
    Ok(b.iter().rev().fold(0, |acc, &x| (acc << 8) | u32::from(x)))
}

fn range(bytes: &[u8], at: u32, len: u32) -> Result<&[u8], Error> {
    let (at, len) = (at as usize, len as usize);
    bytes
        .get(at..at + len)
        .ok_or_else(|| format!(".basis data {at}..{} lies past the end", at + len))
}

impl<'a> BasisFile<'a> {
    /// Reads a `.basis` file holding one image (with its mip chain).
    pub fn parse(b: &'a [u8]) -> Result<Self, Error> {
        if field(b, 0, 2)? != u32::from(SIGNATURE) {
            return Err("not a .basis file".into());
        }
        let total_images = field(b, 17, 3)?;
        if total_images != 1 {
            return Err(format!(
                ".basis file holds {total_images} images, expected 1"
            ));
        }
        let flags = field(b, 21, 2)? as u16;
        let section = |count_at, ofs_at, len_at| -> Result<Section<'a>, Error> {
            Ok(Section {
                count: field(b, count_at, 2)? as u16,
                data: range(b, field(b, ofs_at, 4)?, field(b, len_at, 3)?)?,
            })
        };
        let uastc = field(b, 20, 1)? == 1;
        let slices_at = field(b, 65, 4)? as usize;
        let slices = (0..field(b, 14, 3)? as usize)
            .map(|i| {
                let at = slices_at + i * SLICE_DESC_SIZE;
                Ok(Slice {
                    level: field(b, at + 3, 1)?,
                    // UASTC slices carry the flag when the texture has alpha; only ETC1S
                    // has separate alpha slices.
                    alpha: !uastc && field(b, at + 4, 1)? as u8 & SLICE_ALPHA != 0,
                    width: field(b, at + 5, 2)?,
                    height: field(b, at + 7, 2)?,
                    data: range(b, field(b, at + 13, 4)?, field(b, at + 17, 4)?)?,
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(BasisFile {
            uastc,
            has_alpha: flags & FLAG_HAS_ALPHA != 0,
            endpoints: section(39, 41, 45)?,
            selectors: section(48, 50, 54)?,
            tables: range(b, field(b, 57, 4)?, field(b, 61, 4)?)?,
            slices,
        })
    }

    /// The file's bytes, checksums included.
    pub fn to_bytes(&self) -> Vec<u8> {
        let slices_at = HEADER_SIZE;
        let mut data_at = slices_at + self.slices.len() * SLICE_DESC_SIZE;
        let mut place = |len: usize| {
            let at = data_at;
            data_at += len;
            at as u32
        };
        let endpoints_at = place(self.endpoints.data.len());
        let selectors_at = place(self.selectors.data.len());
        let tables_at = place(self.tables.len());
        let slice_at: Vec<u32> = self.slices.iter().map(|s| place(s.data.len())).collect();

        let mut out = Vec::with_capacity(data_at);
        let mut put = |v: u32, size: usize| out.extend_from_slice(&v.to_le_bytes()[..size]);
        let mut flags = if self.uastc { 0 } else { FLAG_ETC1S };
        if self.has_alpha {
            flags |= FLAG_HAS_ALPHA;
        }
        // basis_file_header, field by field; the two checksums are filled in last.
        for (v, size) in [
            (u32::from(SIGNATURE), 2),
            (u32::from(VERSION), 2),
            (HEADER_SIZE as u32, 2),
            (0, 2), // m_header_crc16
            ((data_at - HEADER_SIZE) as u32, 4),
            (0, 2), // m_data_crc16
            (self.slices.len() as u32, 3),
            (1, 3), // m_total_images
            (u32::from(self.uastc), 1),
            (u32::from(flags), 2),
            (0, 1), // m_tex_type: cBASISTexType2D
            (0, 3), // m_us_per_frame
            (0, 4), // m_reserved
            (0, 4), // m_userdata0
            (0, 4), // m_userdata1
            (u32::from(self.endpoints.count), 2),
            (endpoints_at, 4),
            (self.endpoints.data.len() as u32, 3),
            (u32::from(self.selectors.count), 2),
            (selectors_at, 4),
            (self.selectors.data.len() as u32, 3),
            (tables_at, 4),
            (self.tables.len() as u32, 4),
            (slices_at as u32, 4),
            (0, 4), // m_extended_file_ofs
            (0, 4), // m_extended_file_size
        ] {
            put(v, size);
        }
        for (s, &at) in self.slices.iter().zip(&slice_at) {
            for (v, size) in [
                (0, 3), // m_image_index
                (s.level, 1),
                (
                    if s.alpha || (self.uastc && self.has_alpha) {
                        u32::from(SLICE_ALPHA)
                    } else {
                        0
                    },
                    1,
                ),
                (s.width, 2),
                (s.height, 2),
                (s.width.div_ceil(4), 2),
                (s.height.div_ceil(4), 2),
                (at, 4),
                (s.data.len() as u32, 4),
                (u32::from(crc16(s.data)), 2),
            ] {
                put(v, size);
            }
        }
        for part in [self.endpoints.data, self.selectors.data, self.tables] {
            out.extend_from_slice(part);
        }
        for s in &self.slices {
            out.extend_from_slice(s.data);
        }
        let data_crc = crc16(&out[HEADER_SIZE..]);
        out[12..14].copy_from_slice(&data_crc.to_le_bytes());
        let header_crc = crc16(&out[8..HEADER_SIZE]);
        out[6..8].copy_from_slice(&header_crc.to_le_bytes());
        out
    }
}

/// CRC-16/GENIBUS (polynomial 0x1021, initial value and final XOR 0xFFFF, not reflected): the
/// checksum `.basis` files carry.
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc = 0xFFFFu16;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_is_genibus() {
        // The CRC catalogue's check value for CRC-16/GENIBUS.
        assert_eq!(crc16(b"123456789"), 0xD64E);
    }

    #[test]
    fn written_files_parse_back() {
        let (e, s, t) = ([1u8, 2, 3], [4u8, 5], [6u8; 7]);
        let color = [9u8; 10];
        let alpha = [8u8; 6];
        let file = BasisFile {
            uastc: false,
            has_alpha: true,
            endpoints: Section { count: 3, data: &e },
            selectors: Section { count: 2, data: &s },
            tables: &t,
            slices: vec![
                Slice {
                    level: 0,
                    alpha: false,
                    width: 13,
                    height: 8,
                    data: &color,
                },
                Slice {
                    level: 0,
                    alpha: true,
                    width: 13,
                    height: 8,
                    data: &alpha,
                },
            ],
        };
        let bytes = file.to_bytes();
        let back = BasisFile::parse(&bytes).unwrap();
        assert!(!back.uastc && back.has_alpha);
        assert_eq!((back.endpoints.count, back.endpoints.data), (3, &e[..]));
        assert_eq!((back.selectors.count, back.selectors.data), (2, &s[..]));
        assert_eq!(back.tables, &t[..]);
        assert_eq!(back.slices.len(), 2);
        assert_eq!(
            (back.slices[1].alpha, back.slices[1].data),
            (true, &alpha[..])
        );
        assert_eq!((back.slices[0].width, back.slices[0].height), (13, 8));
    }
}

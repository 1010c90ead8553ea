//! KTX2 files of `KHR_texture_basisu` back to RGBA8 pixels, for the renderer and for
//! re-encoding (WebP, JPEG, PNG, or a smaller KTX2).
//!
//! The extension allows two payloads: ETC1S with BasisLZ supercompression, and UASTC, raw or
//! Zstandard-supercompressed. The bundled Basis transcoder reads only `.basis` files, which
//! hold the same slices: the KTX2 parts are reassembled into one (`BasisFile`) and
//! transcoded to RGBA32. Only 2D textures (no arrays, cube maps or depth) are read, as glTF
//! uses; anything else is refused with the field that is wrong.

use super::basis_file::{BasisFile, Section, Slice};
use super::ktx2::{BASIS_LZ, IDENTIFIER, MODEL_ETC1S, MODEL_UASTC, ZSTD};
use basis_universal::{TranscodeParameters, Transcoder, TranscoderTextureFormat};
use image::RgbaImage;

/// Why a KTX2 file could not be decoded.
pub type Error = String;

/// Largest side accepted, pixels (16K: what GPUs sample; keeps a forged header from asking
/// for gigabytes).
const MAX_SIDE: u32 = 16384;
/// DFD channel id of UASTC's RGBA sample (RGB is 0).
const UASTC_RGBA: u8 = 3;

/// The fields of a KTX2 file this reader needs.
struct Ktx2<'a> {
    bytes: &'a [u8],
    width: u32,
    height: u32,
    scheme: u32,
    /// (byte offset, byte length, uncompressed length) per level, level 0 first.
    levels: Vec<(usize, usize, usize)>,
    model: u8,
    /// Channel id of the first DFD sample.
    channel: u8,
    global: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, Error> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes(s.try_into().expect("4 bytes")))
        .ok_or_else(|| format!("KTX2 field at byte {at} lies past the end"))
}

fn u64_at(b: &[u8], at: usize) -> Result<usize, Error> {
    let lo = u64::from(u32_at(b, at)?);
    let hi = u64::from(u32_at(b, at + 4)?);
    usize::try_from(lo | hi << 32).map_err(|_| format!("KTX2 field at byte {at} is too large"))
}

fn slice<'a>(b: &'a [u8], at: usize, len: usize, what: &str) -> Result<&'a [u8], Error> {
    at.checked_add(len)
        .and_then(|end| b.get(at..end))
        .ok_or_else(|| format!("KTX2 {what} (bytes {at}..+{len}) lies past the end of the file"))
}

impl<'a> Ktx2<'a> {
    fn parse(b: &'a [u8]) -> Result<Self, Error> {
        if b.get(..12) != Some(&IDENTIFIER[..]) {
            return Err("not a KTX2 file (bad identifier)".into());
        }
        let header = |i: usize| u32_at(b, 12 + 4 * i);
        let (vk_format, width, height) = (header(0)?, header(2)?, header(3)?);
        let (depth, layers, faces, level_count, scheme) =
            (header(4)?, header(5)?, header(6)?, header(7)?, header(8)?);
        if vk_format != 0 {
            return Err(format!(
                "KTX2 vkFormat {vk_format}: KHR_texture_basisu needs Basis Universal data (vkFormat 0)"
            ));
        }
        if depth > 1 || layers > 1 || faces != 1 {
            return Err(format!(
                "KTX2 pixelDepth {depth}, layerCount {layers}, faceCount {faces}: only 2D textures are read"
            ));
        }
        if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
            return Err(format!(
                "KTX2 size {width}x{height}: expected 1 to {MAX_SIDE} pixels a side"
            ));
        }
        let levels = (0..level_count.max(1) as usize)
            .map(|l| {
                let at = 80 + 24 * l;
                Ok((u64_at(b, at)?, u64_at(b, at + 8)?, u64_at(b, at + 16)?))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let dfd = slice(b, u32_at(b, 48)? as usize, u32_at(b, 52)? as usize, "DFD")?;
        // dfdTotalSize, then the basic block: model at byte 12, the first sample at 28.
        let (model, channel) = match (dfd.get(12), dfd.get(31)) {
            (Some(&m), Some(&c)) => (m, c & 0x0F),
            _ => return Err("KTX2 data format descriptor is too short".into()),
        };
        let global = slice(
            b,
            u64_at(b, 64)?,
            u64_at(b, 72)?,
            "supercompression global data",
        )?;
        Ok(Ktx2 {
            bytes: b,
            width,
            height,
            scheme,
            levels,
            model,
            channel,
            global,
        })
    }

    fn level_size(&self, level: usize) -> (u32, u32) {
        ((self.width >> level).max(1), (self.height >> level).max(1))
    }

    fn level_data(&self, level: usize) -> Result<&'a [u8], Error> {
        let (at, len, _) = self.levels[level];
        slice(self.bytes, at, len, &format!("level {level}"))
    }
}

/// Decodes a `KHR_texture_basisu` KTX2 file to RGBA8 (sRGB-encoded when the file is): the
/// smallest mip level whose larger side is at least `min_side` pixels, or the base level when
/// none is that large (`min_side` 0 gives the smallest level, `u32::MAX` the base level).
pub fn ktx2_to_rgba(bytes: &[u8], min_side: u32) -> Result<RgbaImage, Error> {
    let k = Ktx2::parse(bytes)?;
    let level = (0..k.levels.len())
        .rev()
        .find(|&l| {
            let (w, h) = k.level_size(l);
            w.max(h) >= min_side
        })
        .unwrap_or(0);
    let owned;
    let file = match (k.model, k.scheme) {
        (MODEL_ETC1S, BASIS_LZ) => etc1s(&k, level)?,
        (MODEL_UASTC, 0 | ZSTD) => {
            owned = uastc_level(&k, level)?;
            let (width, height) = k.level_size(level);
            BasisFile {
                uastc: true,
                has_alpha: k.channel == UASTC_RGBA,
                slices: vec![Slice {
                    level: 0,
                    alpha: false,
                    width,
                    height,
                    data: &owned,
                }],
                ..BasisFile::default()
            }
        }
        (model, scheme) => {
            return Err(format!(
                "KTX2 colour model {model} with supercompression {scheme}: expected ETC1S with BasisLZ or UASTC"
            ));
        }
    };
    transcode(&file.to_bytes())
}

/// The ETC1S slices of `level` with the file's codebooks (the BasisLZ global data: counts and
/// lengths, one image descriptor per level, then endpoints, selectors and tables).
fn etc1s<'a>(k: &Ktx2<'a>, level: usize) -> Result<BasisFile<'a>, Error> {
    let g = k.global;
    let count = |at| -> Result<u16, Error> {
        g.get(at..at + 2)
            .map(|s| u16::from_le_bytes([s[0], s[1]]))
            .ok_or_else(|| "BasisLZ global data is too short".into())
    };
    let lengths: Vec<usize> = (0..4)
        .map(|i| u32_at(g, 4 + 4 * i).map(|v| v as usize))
        .collect::<Result<_, Error>>()?;
    let descriptors_at = 20;
    let mut at = descriptors_at + 20 * k.levels.len();
    let mut section = |len: usize, what| {
        let s = slice(g, at, len, what);
        at += len;
        s
    };
    let endpoints = section(lengths[0], "endpoint codebook")?;
    let selectors = section(lengths[1], "selector codebook")?;
    let tables = section(lengths[2], "Huffman tables")?;
    let d = |i: usize| u32_at(g, descriptors_at + 20 * level + 4 * i).map(|v| v as usize);
    let data = k.level_data(level)?;
    let (width, height) = k.level_size(level);
    let piece = |offset, length, alpha| -> Result<Slice<'a>, Error> {
        Ok(Slice {
            level: 0,
            alpha,
            width,
            height,
            data: slice(data, offset, length, &format!("level {level} slice"))?,
        })
    };
    let mut slices = vec![piece(d(1)?, d(2)?, false)?];
    let has_alpha = d(4)? > 0;
    if has_alpha {
        slices.push(piece(d(3)?, d(4)?, true)?);
    }
    Ok(BasisFile {
        uastc: false,
        has_alpha,
        endpoints: Section {
            count: count(0)?,
            data: endpoints,
        },
        selectors: Section {
            count: count(2)?,
            data: selectors,
        },
        tables,
        slices,
    })
}

/// The raw UASTC blocks of `level`, Zstandard-decompressed when the file says so.
fn uastc_level(k: &Ktx2<'_>, level: usize) -> Result<Vec<u8>, Error> {
    let data = k.level_data(level)?;
    let (w, h) = k.level_size(level);
    let expected = w.div_ceil(4) as usize * h.div_ceil(4) as usize * 16;
    let blocks = if k.scheme == ZSTD {
        zstd::bulk::decompress(data, expected)
            .map_err(|e| format!("KTX2 level {level}: Zstandard data does not decode ({e})"))?
    } else {
        data.to_vec()
    };
    if blocks.len() != expected {
        return Err(format!(
            "KTX2 level {level}: {} bytes of UASTC blocks, expected {expected} for {w}x{h}",
            blocks.len()
        ));
    }
    Ok(blocks)
}

/// Transcodes the one image of a `.basis` file to RGBA8.
fn transcode(basis: &[u8]) -> Result<RgbaImage, Error> {
    let mut t = Transcoder::new();
    t.prepare_transcoding(basis)
        .map_err(|()| "the Basis transcoder refused the texture's codebooks".to_string())?;
    let (w, h) = t
        .image_level_description(basis, 0, 0)
        .map(|d| (d.original_width, d.original_height))
        .ok_or("the Basis transcoder found no image")?;
    let pixels = t
        .transcode_image_level(
            basis,
            TranscoderTextureFormat::RGBA32,
            TranscodeParameters {
                image_index: 0,
                level_index: 0,
                ..Default::default()
            },
        )
        .map_err(|e| format!("the Basis transcoder failed ({e:?})"))?;
    RgbaImage::from_raw(w, h, pixels)
        .ok_or_else(|| "transcoded pixels do not fill the image".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texture::basis::{self, Encoding};

    fn gradient(w: u32, h: u32, alpha: bool) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| {
            let a = if alpha { (255 * y / h) as u8 } else { 255 };
            image::Rgba([(255 * x / w) as u8, (255 * y / h) as u8, 96, a])
        })
    }

    fn ktx2(image: &RgbaImage, uastc: bool) -> Vec<u8> {
        let e = Encoding {
            uastc,
            srgb: !uastc,
            normal_map: false,
            uastc_rdo: Some(1.0),
            etc1s_quality: basis::ETC1S_DEFAULT,
        };
        let file = basis::encode(image, &e).unwrap();
        super::super::ktx2::from_basis(&file, e.srgb, 3).unwrap()
    }

    fn psnr(a: &RgbaImage, b: &RgbaImage, channel: usize) -> f64 {
        let mse = a
            .pixels()
            .zip(b.pixels())
            .map(|(p, q)| (f64::from(p[channel]) - f64::from(q[channel])).powi(2))
            .sum::<f64>()
            / f64::from(a.width() * a.height());
        10.0 * (255.0f64.powi(2) / mse.max(1e-9)).log10()
    }

    // Also a regression test: UASTC files with alpha flag every slice as alpha, and the KTX2
    // writer refused them ("no base level").
    #[test]
    fn etc1s_and_uastc_decode_back_to_their_pixels() {
        for uastc in [false, true] {
            // Measured: ETC1S 29.6-42.5 dB, UASTC 45.8 dB and up on this gradient.
            let floor = if uastc { 40.0 } else { 28.0 };
            for alpha in [false, true] {
                let source = gradient(64, 48, alpha);
                let back = ktx2_to_rgba(&ktx2(&source, uastc), u32::MAX).unwrap();
                assert_eq!(back.dimensions(), (64, 48));
                for c in 0..3 {
                    let p = psnr(&source, &back, c);
                    assert!(
                        p > floor,
                        "uastc {uastc} alpha {alpha}: channel {c} at {p:.1} dB"
                    );
                }
                if alpha {
                    let p = psnr(&source, &back, 3);
                    assert!(p > floor, "uastc {uastc}: alpha at {p:.1} dB");
                } else {
                    assert!(back.pixels().all(|p| p[3] == 255), "opaque stays opaque");
                }
            }
        }
    }

    #[test]
    fn the_smallest_level_of_the_asked_size_is_decoded() {
        let file = ktx2(&gradient(64, 48, false), false);
        assert_eq!(ktx2_to_rgba(&file, 16).unwrap().dimensions(), (16, 12));
        assert_eq!(ktx2_to_rgba(&file, 17).unwrap().dimensions(), (32, 24));
        assert_eq!(ktx2_to_rgba(&file, 0).unwrap().dimensions(), (1, 1));
    }

    #[test]
    fn malformed_files_say_what_is_wrong() {
        let file = ktx2(&gradient(16, 16, false), true);
        let err = |bytes: &[u8]| ktx2_to_rgba(bytes, u32::MAX).unwrap_err();
        assert!(err(b"not a texture").contains("identifier"));
        assert!(
            err(&file[..60]).contains("past the end"),
            "{}",
            err(&file[..60])
        );
        let mut f = file.clone();
        f[12] = 37; // vkFormat R8G8B8A8_UNORM: not Basis data
        assert!(err(&f).contains("vkFormat 37"));
        let mut f = file.clone();
        f[20..24].copy_from_slice(&100_000u32.to_le_bytes());
        assert!(err(&f).contains("100000x16"));
        let mut f = file.clone();
        let last = f.len() - 1;
        f.truncate(last); // the smallest level lies last: its zstd frame is cut short
        assert!(err(&f).contains("past the end"), "{}", err(&f));
    }
}

//! Basis Universal encoding of one RGBA image, with its mip chain, into a `.basis` file.
//!
//! Colour maps (base colour, emissive) use ETC1S: small, sRGB-aware. Normal and data maps
//! (occlusion, roughness, metalness) use UASTC with rate-distortion optimization, which keeps
//! the per-channel precision ETC1S loses; normal maps also get basisu's normal-map tuning
//! (linear, no endpoint or selector RDO). [`super::ktx2`] turns the result into KTX2.
//!
//! ETC1S shares one codebook across the whole image, so it is one encoder call on one thread.
//! UASTC blocks stand alone, and its RDO pass is the slowest texture work there is (about a
//! minute per 2K map): the mip chain is built here and every level is encoded in strips of
//! whole block rows, each strip a task on the caller's rayon pool, so one large map uses every
//! thread the pool has and no more. The strips' blocks, concatenated, are the level's blocks.

use super::basis_file::{BasisFile, Slice};
use basis_universal::{
    BasisTextureFormat, ColorSpace, Compressor, CompressorParams, ETC1S_QUALITY_DEFAULT,
};
use image::imageops::FilterType;
use image::{Rgba32FImage, RgbaImage};
use rayon::prelude::*;

/// Pixels a UASTC strip holds at least (a 2K level 0 makes 16 strips of 128 rows): enough
/// work per task to dwarf the encoder's set-up, and enough tasks to keep every thread busy.
const STRIP_PIXELS: u32 = 1 << 18;

// Encoder effort: gltfpack's settings, each measured on DamagedHelmet's maps at 1K on two
// threads against basisu's defaults (one run each; see the README's texture section).

/// UASTC pack level: basisu's "faster" (1). Its default (2) took 1.6x as long with RDO
/// (3.7x without) for 0.2-0.5 dB more and 1-7 % larger files.
const UASTC_LEVEL: u32 = basis_universal_sys::UastcPackFlags_PackUASTCLevelFaster as u32;
/// ETC1S compression level, 0-5: 1, where basisu's default of 2 took twice as long for
/// 0.1-0.2 dB and files within 1 % either way.
const ETC1S_LEVEL: i32 = 1;
/// UASTC RDO dictionary, bytes: 1024, where basisu's default of 4096 took twice as long for
/// files 2-5 % smaller at the same PSNR (within 0.5 dB).
const RDO_DICT_BYTES: i32 = 1024;

/// How one image is encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Encoding {
    /// UASTC (true) or ETC1S (false).
    pub uastc: bool,
    /// The image holds sRGB-encoded colour.
    pub srgb: bool,
    /// The image is a tangent-space normal map.
    pub normal_map: bool,
    /// UASTC rate-distortion lambda (higher: smaller after zstd, lower quality; `None`: no
    /// RDO pass). gltfpack's default is 1.0 (`-tq 8` ... 10 map to lower lambdas).
    pub uastc_rdo: Option<f32>,
    /// ETC1S quality level, 1 (smallest codebooks) to 255; basisu's default is
    /// [`ETC1S_DEFAULT`].
    pub etc1s_quality: u32,
}

/// basisu's default ETC1S quality level.
pub const ETC1S_DEFAULT: u32 = ETC1S_QUALITY_DEFAULT;
/// Highest ETC1S quality level.
pub const ETC1S_MAX: u32 = basis_universal::ETC1S_QUALITY_MAX;

/// Encodes `image` with its full mip chain (down to 1x1); ETC1S on the calling thread, UASTC
/// in parallel on the current rayon pool.
pub fn encode(image: &RgbaImage, e: &Encoding) -> Result<Vec<u8>, String> {
    if !e.uastc {
        return compress(image.as_raw(), image.width(), image.height(), e, true);
    }
    let levels = mip_chain(image, e.srgb);
    let strips: Vec<(usize, u32, u32)> = levels
        .iter()
        .enumerate()
        .flat_map(|(l, img)| strips(img.width(), img.height()).map(move |(y, h)| (l, y, h)))
        .collect();
    let encoded = strips
        .par_iter()
        .map(|&(l, y, h)| {
            let img = &levels[l];
            let row = img.width() as usize * 4;
            let pixels = &img.as_raw()[y as usize * row..(y + h) as usize * row];
            let file = compress(pixels, img.width(), h, e, false)?;
            let parsed = BasisFile::parse(&file)?;
            let blocks = parsed
                .slices
                .first()
                .ok_or("the encoder wrote no slice")?
                .data;
            Ok((blocks.to_vec(), parsed.has_alpha))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut data = vec![vec![]; levels.len()];
    for (&(l, _, _), (blocks, _)) in strips.iter().zip(&encoded) {
        data[l].extend_from_slice(blocks);
    }
    let slices = levels
        .iter()
        .zip(&data)
        .enumerate()
        .map(|(l, (img, blocks))| Slice {
            level: l as u32,
            alpha: false,
            width: img.width(),
            height: img.height(),
            data: blocks,
        })
        .collect();
    Ok(BasisFile {
        uastc: true,
        has_alpha: encoded.iter().any(|(_, alpha)| *alpha),
        slices,
        ..BasisFile::default()
    }
    .to_bytes())
}

/// `image` and its mip levels, each half the previous one's size (rounded down, at least 1)
/// down to 1x1, each resampled from the previous with Lanczos 3 (basisu's own chain: from the
/// previous level, Kaiser; edges here clamp rather than wrap, as texture atlases need). With
/// `srgb`, colour is resampled in linear light, as basisu and GPUs filter sRGB textures:
/// averaged as stored, a fine light-and-dark weave turns darker at every level.
fn mip_chain(image: &RgbaImage, srgb: bool) -> Vec<RgbaImage> {
    let to_light = |img: &RgbaImage| -> Rgba32FImage {
        Rgba32FImage::from_fn(img.width(), img.height(), |x, y| {
            let p = img.get_pixel(x, y);
            let c = |i: usize| {
                if srgb {
                    super::srgb::to_linear(p[i])
                } else {
                    f32::from(p[i]) / 255.0
                }
            };
            image::Rgba([c(0), c(1), c(2), f32::from(p[3]) / 255.0])
        })
    };
    let to_bytes = |img: &Rgba32FImage| -> RgbaImage {
        RgbaImage::from_fn(img.width(), img.height(), |x, y| {
            let p = img.get_pixel(x, y);
            let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
            let c = |i: usize| {
                if srgb {
                    super::srgb::from_linear(p[i])
                } else {
                    byte(p[i])
                }
            };
            image::Rgba([c(0), c(1), c(2), byte(p[3])])
        })
    };
    let mut levels = vec![image.clone()];
    let mut light = to_light(image);
    while light.width().max(light.height()) > 1 {
        let (w, h) = ((light.width() / 2).max(1), (light.height() / 2).max(1));
        light = image::imageops::resize(&light, w, h, FilterType::Lanczos3);
        levels.push(to_bytes(&light));
    }
    levels
}

/// The strips (first row, rows) a `width` x `height` level is encoded in: every strip but the
/// last a whole number of 4-row block rows, together covering the level once, top to bottom.
fn strips(width: u32, height: u32) -> impl Iterator<Item = (u32, u32)> {
    let rows = STRIP_PIXELS.div_ceil(width).next_multiple_of(4);
    (0..height)
        .step_by(rows as usize)
        .map(move |y| (y, rows.min(height - y)))
}

/// One basisu encoder call on the calling thread: `rgba` (`width * height * 4` bytes, rows top
/// to bottom) as a `.basis` file, with basisu's mip chain when `mipmaps`.
fn compress(
    rgba: &[u8],
    width: u32,
    height: u32,
    e: &Encoding,
    mipmaps: bool,
) -> Result<Vec<u8>, String> {
    assert_eq!(
        rgba.len(),
        width as usize * height as usize * 4,
        "RGBA8 pixels"
    );
    let mut params = CompressorParams::new();
    params.set_print_status_to_stdout(false);
    params.source_image_mut(0).init(rgba, width, height, 4);
    let space = if e.srgb {
        ColorSpace::Srgb
    } else {
        ColorSpace::Linear
    };
    params.set_color_space(space);
    params.set_mip_color_space(space);
    params.set_generate_mipmaps(mipmaps);
    if e.uastc {
        params.set_basis_format(BasisTextureFormat::UASTC4x4);
        set_uastc_level(&mut params, UASTC_LEVEL);
        params.set_rdo_uastc(e.uastc_rdo);
    } else {
        params.set_basis_format(BasisTextureFormat::ETC1S);
        params.set_etc1s_quality_level(e.etc1s_quality);
    }
    if e.normal_map {
        params.tune_for_normal_maps();
    }
    // SAFETY: `params.0` is the live handle `CompressorParams::new` allocated, of the layout
    // basis_effort.cpp declares (the pinned bindings' own).
    unsafe { render_worker_basis_set_effort(params.0, ETC1S_LEVEL, RDO_DICT_BYTES) };
    // One thread: the calling one (basisu counts it). Parallelism comes from the caller's pool.
    let mut compressor = Compressor::new(1);
    // SAFETY: the parameters were built through the crate's setters from a valid RGBA8 image
    // of the stated size (asserted above); nothing else is configured.
    unsafe {
        if !compressor.init(&params) {
            return Err("the Basis encoder refused its parameters".into());
        }
        compressor
            .process()
            .map_err(|e| format!("Basis encoding failed: {e:?}"))?;
    }
    Ok(compressor.basis_file().to_vec())
}

unsafe extern "C" {
    /// basis_effort.cpp: sets the ETC1S compression level and the UASTC RDO dictionary size.
    fn render_worker_basis_set_effort(
        params: *mut basis_universal_sys::CompressorParams,
        etc1s_level: i32,
        rdo_dict_size: i32,
    );
}

/// Sets the UASTC pack level of `params` (0 fastest to 4 slowest), keeping its other pack flags.
/// The crate's own setter ORs the level into the flags, so it can only raise basisu's default.
fn set_uastc_level(params: &mut CompressorParams, level: u32) {
    use basis_universal_sys as sys;
    let mask = sys::UastcPackFlags_PackUASTCLevelMask;
    // SAFETY: `params.0` is the live parameter block `CompressorParams::new` allocated; these
    // accessors only read and write its pack-flags field.
    unsafe {
        let flags = sys::compressor_params_get_pack_uastc_flags(params.0);
        sys::compressor_params_set_pack_uastc_flags(
            params.0,
            (flags & !mask) | level as sys::UastcPackFlags,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texture::{ktx2, transcode::ktx2_to_rgba};

    /// A detailed image (gradients under hashed noise) so that RDO has work to do.
    fn detailed(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| {
            let n = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663)) % 48;
            let v = |base: u32| (base + n).min(255) as u8;
            image::Rgba([v(200 * x / w), v(200 * y / h), v(100), 255])
        })
    }

    fn psnr(a: &RgbaImage, b: &RgbaImage) -> f64 {
        let mse = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(&p, &q)| (f64::from(p) - f64::from(q)).powi(2))
            .sum::<f64>()
            / a.as_raw().len() as f64;
        10.0 * (255.0f64.powi(2) / mse.max(1e-9)).log10()
    }

    #[test]
    fn strips_cover_a_level_in_whole_block_rows() {
        for (w, h) in [(2048, 2048), (640, 482), (3, 1), (1, 2048)] {
            let strips: Vec<_> = strips(w, h).collect();
            let mut next = 0;
            for (i, &(y, rows)) in strips.iter().enumerate() {
                assert_eq!(y, next, "{w}x{h}: strips follow each other");
                assert!(
                    i + 1 == strips.len() || rows % 4 == 0,
                    "{w}x{h}: {rows} rows"
                );
                next += rows;
            }
            assert_eq!(next, h, "{w}x{h}: every row once");
        }
        assert_eq!(strips(2048, 2048).count(), 16);
        assert_eq!(strips(64, 64).count(), 1);
    }

    /// The strip encoder against basisu encoding the whole image in one call (its own mips):
    /// same levels, as close to the source, as small. Measured at 640x482 (two strips, the
    /// second of 70 rows): 50.2 dB against the source either way, 0.999 of the one-call size;
    /// lower levels within 36 dB of basisu's (its mips wrap at the edges, ours clamp).
    #[test]
    fn uastc_in_strips_matches_one_encoder_call() {
        let image = detailed(640, 482);
        assert!(strips(640, 482).count() > 1, "the test spans strips");
        let e = Encoding {
            uastc: true,
            srgb: false,
            normal_map: false,
            uastc_rdo: Some(1.0),
            etc1s_quality: ETC1S_DEFAULT,
        };
        let ours = ktx2::from_basis(&encode(&image, &e).unwrap(), false, 18).unwrap();
        let whole = compress(image.as_raw(), 640, 482, &e, true).unwrap();
        let whole = ktx2::from_basis(&whole, false, 18).unwrap();
        let (a, b) = (
            ktx2_to_rgba(&ours, u32::MAX).unwrap(),
            ktx2_to_rgba(&whole, u32::MAX).unwrap(),
        );
        assert_eq!(a.dimensions(), (640, 482));
        let (pa, pb) = (psnr(&image, &a), psnr(&image, &b));
        assert!(pa > pb - 0.5, "strips {pa:.1} dB, one call {pb:.1} dB");
        let ratio = ours.len() as f64 / whole.len() as f64;
        assert!((0.9..1.05).contains(&ratio), "size ratio {ratio:.3}");
        for side in [320, 20, 1] {
            let (a, b) = (
                ktx2_to_rgba(&ours, side).unwrap(),
                ktx2_to_rgba(&whole, side).unwrap(),
            );
            assert_eq!(a.dimensions(), b.dimensions(), "level of {side} px");
            assert!(
                psnr(&a, &b) > 30.0,
                "level of {side} px: {:.1} dB",
                psnr(&a, &b)
            );
        }
    }
}

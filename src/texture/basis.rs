//! Basis Universal encoding of one RGBA image, with its mip chain, into a `.basis` file.
//!
//! Colour maps (base colour, emissive) use ETC1S: small, sRGB-aware. Normal and data maps
//! (occlusion, roughness, metalness) use UASTC with rate-distortion optimization, which keeps
//! the per-channel precision ETC1S loses; normal maps also get basisu's normal-map tuning
//! (linear, no endpoint or selector RDO). [`super::ktx2`] turns the result into KTX2.

use basis_universal::{
    BasisTextureFormat, ColorSpace, Compressor, CompressorParams, ETC1S_QUALITY_DEFAULT,
    UASTC_QUALITY_DEFAULT,
};

/// How one image is encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Encoding {
    /// UASTC (true) or ETC1S (false).
    pub uastc: bool,
    /// The image holds sRGB-encoded colour.
    pub srgb: bool,
    /// The image is a tangent-space normal map.
    pub normal_map: bool,
    /// UASTC rate-distortion lambda (higher: smaller after zstd, lower quality). gltfpack's
    /// default is 1.0 (`-tq 8` ... 10 map to lower lambdas).
    pub uastc_rdo: f32,
}

/// Encodes `rgba` (`width * height * 4` bytes, rows top to bottom) with mipmaps, on the calling
/// thread only (the caller bounds parallelism).
pub fn encode(rgba: &[u8], width: u32, height: u32, e: &Encoding) -> Result<Vec<u8>, String> {
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
    params.set_generate_mipmaps(true);
    if e.uastc {
        params.set_basis_format(BasisTextureFormat::UASTC4x4);
        params.set_uastc_quality_level(UASTC_QUALITY_DEFAULT);
        params.set_rdo_uastc(Some(e.uastc_rdo));
    } else {
        params.set_basis_format(BasisTextureFormat::ETC1S);
        params.set_etc1s_quality_level(ETC1S_QUALITY_DEFAULT);
    }
    if e.normal_map {
        params.tune_for_normal_maps();
    }
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

//! Re-encoding decoded textures as WebP, JPEG or PNG.
//!
//! Lossy encoders take a quality from 1 (smallest) to 100 (best), as cwebp and libjpeg do;
//! normal maps are encoded at no less than [`NORMAL_QUALITY`], since block artefacts in normals
//! show as lighting seams. Every encoder runs on the calling thread (libwebp's own threads are
//! off), so texture work stays within the rayon pool's budget.

use super::Class;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, RgbaImage};

/// Lowest quality a lossy normal map is encoded at.
pub const NORMAL_QUALITY: u8 = 90;

/// The quality to encode an image of `class` at, given the requested one (1-100).
pub fn quality_for(class: Class, quality: u8) -> u8 {
    match class {
        Class::Normal => quality.max(NORMAL_QUALITY),
        Class::Color | Class::Data => quality,
    }
    .clamp(1, 100)
}

/// WebP: the smaller of lossy at `quality` and lossless (flat, synthetic images are often
/// smaller lossless), with true when lossless won. Alpha is kept (lossless alpha plane in
/// lossy files).
pub fn webp(rgba: &RgbaImage, quality: u8) -> Result<(Vec<u8>, bool), String> {
    let encoder = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height());
    let mut best: Option<(Vec<u8>, bool)> = None;
    for lossless in [false, true] {
        let mut config = webp::WebPConfig::new().map_err(|()| "libwebp has no config")?;
        config.lossless = i32::from(lossless);
        // cwebp's defaults: method 4; for lossless, quality is effort (75).
        config.quality = if lossless { 75.0 } else { f32::from(quality) };
        config.method = 4;
        config.thread_level = 0;
        // Keep colour under transparent pixels: an OPAQUE material shows it.
        config.exact = 1;
        let bytes = encoder
            .encode_advanced(&config)
            .map_err(|e| format!("does not encode as WebP ({e:?})"))?
            .to_vec();
        if best.as_ref().is_none_or(|(b, _)| bytes.len() < b.len()) {
            best = Some((bytes, lossless));
        }
    }
    Ok(best.expect("two encodings tried"))
}

/// Baseline JPEG at `quality` (alpha dropped: callers send opaque images only).
pub fn jpeg(rgba: &RgbaImage, quality: u8) -> Result<Vec<u8>, String> {
    let rgb = channels(rgba, &[0, 1, 2]);
    let mut out = vec![];
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(&rgb, rgba.width(), rgba.height(), ExtendedColorType::Rgb8)
        .map_err(|e| format!("does not encode as JPEG ({e})"))?;
    Ok(out)
}

/// Lossless PNG at maximum compression, in the fewest channels that hold the image (grey,
/// grey + alpha, RGB or RGBA).
pub fn png(rgba: &RgbaImage) -> Result<Vec<u8>, String> {
    let opaque = is_opaque(rgba);
    let grey = rgba.pixels().all(|p| p[0] == p[1] && p[1] == p[2]);
    let (keep, color): (&[usize], _) = match (grey, opaque) {
        (true, true) => (&[0], ExtendedColorType::L8),
        (true, false) => (&[0, 3], ExtendedColorType::La8),
        (false, true) => (&[0, 1, 2], ExtendedColorType::Rgb8),
        (false, false) => (&[0, 1, 2, 3], ExtendedColorType::Rgba8),
    };
    let mut out = vec![];
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive)
        .write_image(&channels(rgba, keep), rgba.width(), rgba.height(), color)
        .map_err(|e| format!("does not encode as PNG ({e})"))?;
    Ok(out)
}

/// The listed channels of every pixel, packed (e.g. `[0, 1, 2]` drops alpha).
fn channels(rgba: &RgbaImage, keep: &[usize]) -> Vec<u8> {
    rgba.pixels()
        .flat_map(|p| keep.iter().map(move |&c| p[c]))
        .collect()
}

/// True when every pixel's alpha is 255.
pub fn is_opaque(rgba: &RgbaImage) -> bool {
    rgba.pixels().all(|p| p[3] == 255)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(alpha: bool) -> RgbaImage {
        RgbaImage::from_fn(64, 32, |x, y| {
            image::Rgba([
                (x * 4) as u8,
                (y * 8) as u8,
                128,
                if alpha { (x * 4) as u8 } else { 255 },
            ])
        })
    }

    fn decode(bytes: &[u8]) -> RgbaImage {
        image::load_from_memory(bytes).unwrap().into_rgba8()
    }

    #[test]
    fn png_is_lossless_in_the_fewest_channels() {
        for image in [gradient(false), gradient(true)] {
            assert_eq!(decode(&png(&image).unwrap()), image);
        }
        let grey = RgbaImage::from_fn(16, 16, |x, _| image::Rgba([x as u8; 4].map(|_| x as u8)));
        let mut grey = grey;
        grey.pixels_mut().for_each(|p| p[3] = 255);
        let bytes = png(&grey).unwrap();
        assert_eq!(bytes[25], 0, "colour type 0: greyscale");
        assert_eq!(decode(&bytes), grey);
    }

    #[test]
    fn lossy_encodings_stay_close_and_keep_alpha() {
        let image = gradient(true);
        let back = decode(&webp(&image, 80).unwrap().0);
        let worst = image
            .as_raw()
            .iter()
            .zip(back.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(worst <= 24, "WebP q80 differs by {worst}");
        assert!(!is_opaque(&back));
        let back = decode(&jpeg(&gradient(false), 90).unwrap());
        assert_eq!(back.dimensions(), (64, 32));
        assert!(is_opaque(&back));
    }

    #[test]
    fn normal_maps_keep_a_quality_floor() {
        assert_eq!(quality_for(Class::Normal, 50), NORMAL_QUALITY);
        assert_eq!(quality_for(Class::Color, 50), 50);
        assert_eq!(quality_for(Class::Data, 0), 1);
    }
}

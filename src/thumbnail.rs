//! Encoding rendered images: transparent PNG, JPEG on white, sprite sheets and animated PNG.

use crate::error::{Error, Result};
use crate::render::RgbaImage;

// Encoding an in-memory image of valid size cannot fail but through a bug: retried, as before.
fn encode_err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> Error + '_ {
    move |e| Error::Internal(format!("encoding {what}: {e}"))
}

/// A straight-alpha RGBA PNG.
pub fn png(img: &RgbaImage) -> Result<Vec<u8>> {
    let mut out = vec![];
    {
        let mut enc = png::Encoder::new(&mut out, img.width, img.height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
        let mut w = enc.write_header().map_err(encode_err("PNG"))?;
        w.write_image_data(&img.pixels).map_err(encode_err("PNG"))?;
    }
    Ok(out)
}

/// `img` composited over white (in display space, as browsers composite), alpha dropped.
pub fn on_white(img: &RgbaImage) -> Vec<u8> {
    img.pixels
        .chunks_exact(4)
        .flat_map(|p| {
            let a = u32::from(p[3]);
            let over = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
            [over(p[0]), over(p[1]), over(p[2])]
        })
        .collect()
}

/// A JPEG on a white background, `quality` 1-100 (marketplaces want opaque images).
pub fn jpeg_on_white(img: &RgbaImage, quality: u8) -> Result<Vec<u8>> {
    let rgb = on_white(img);
    let mut out = vec![];
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode(&rgb, img.width, img.height, image::ExtendedColorType::Rgb8)
        .map_err(encode_err("JPEG"))?;
    Ok(out)
}

/// Frames laid out left to right, top to bottom, in a near-square grid.
///
/// Precondition: all frames have the size of the first.
pub fn sprite_sheet(frames: &[RgbaImage]) -> RgbaImage {
    let columns = (frames.len() as f64).sqrt().ceil().max(1.0) as u32;
    let rows = (frames.len() as u32).div_ceil(columns);
    let (fw, fh) = (frames[0].width, frames[0].height);
    let width = fw * columns;
    let mut pixels = vec![0u8; (width * fh * rows * 4) as usize];
    for (i, f) in frames.iter().enumerate() {
        let (cx, cy) = (i as u32 % columns, i as u32 / columns);
        for y in 0..fh {
            let src = (y * fw * 4) as usize;
            let dst = (((cy * fh + y) * width + cx * fw) * 4) as usize;
            pixels[dst..dst + (fw * 4) as usize]
                .copy_from_slice(&f.pixels[src..src + (fw * 4) as usize]);
        }
    }
    RgbaImage {
        width,
        height: fh * rows,
        pixels,
    }
}

/// An animated PNG looping `frames` at `fps` frames per second (plays as a still image in
/// viewers without APNG support).
pub fn apng(frames: &[RgbaImage], fps: u16) -> Result<Vec<u8>> {
    let mut out = vec![];
    {
        let mut enc = png::Encoder::new(&mut out, frames[0].width, frames[0].height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_animated(frames.len() as u32, 0)
            .map_err(encode_err("APNG"))?;
        enc.set_frame_delay(1, fps.max(1))
            .map_err(encode_err("APNG"))?;
        let mut w = enc.write_header().map_err(encode_err("APNG"))?;
        for f in frames {
            w.write_image_data(&f.pixels).map_err(encode_err("APNG"))?;
        }
        w.finish().map_err(encode_err("APNG"))?;
    }
    Ok(out)
}

/// Halves an image with a 2x2 box filter in premultiplied space (for thumbnails rendered
/// larger than asked).
pub fn half(img: &RgbaImage) -> RgbaImage {
    let (w, h) = (img.width / 2, img.height / 2);
    let mut pixels = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let mut rgb = [0u32; 3];
            let mut alpha = 0u32;
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let p = (((2 * y + dy) * img.width + 2 * x + dx) * 4) as usize;
                let a = u32::from(img.pixels[p + 3]);
                for (c, acc) in rgb.iter_mut().enumerate() {
                    *acc += u32::from(img.pixels[p + c]) * a;
                }
                alpha += a;
            }
            for v in rgb {
                pixels.push((v + alpha / 2).checked_div(alpha).unwrap_or(0) as u8);
            }
            pixels.push(((alpha + 2) / 4) as u8);
        }
    }
    RgbaImage {
        width: w,
        height: h,
        pixels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32, h: u32, px: [u8; 4]) -> RgbaImage {
        RgbaImage {
            width: w,
            height: h,
            pixels: px.repeat((w * h) as usize),
        }
    }

    #[test]
    fn white_background_and_sheets() {
        let i = img(2, 2, [0, 0, 0, 0]);
        assert_eq!(on_white(&i), vec![255; 12]);
        let i = img(1, 1, [10, 20, 30, 255]);
        assert_eq!(on_white(&i), vec![10, 20, 30]);
        let s = sprite_sheet(&[img(2, 2, [1; 4]), img(2, 2, [2; 4]), img(2, 2, [3; 4])]);
        assert_eq!((s.width, s.height), (4, 4));
        assert_eq!(
            s.pixels[(2 * 4 * 4) as usize],
            3,
            "third frame starts the second row"
        );
        let decoded = image::load_from_memory(&png(&i).unwrap()).unwrap();
        assert_eq!(decoded.width(), 1);
        let a = apng(&[img(2, 2, [1; 4]), img(2, 2, [2; 4])], 12).unwrap();
        assert!(
            a.windows(4).any(|w| w == b"acTL"),
            "animation control chunk"
        );
    }

    #[test]
    fn halving_ignores_transparent_colour() {
        let mut i = img(2, 2, [0, 0, 0, 0]);
        i.pixels[0..4].copy_from_slice(&[200, 100, 50, 255]);
        let h = half(&i);
        assert_eq!(h.pixels, vec![200, 100, 50, 64]);
    }
}

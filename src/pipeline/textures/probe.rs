//! Cheap predictions of what an encoding of an image would weigh and how far it would be from
//! the source, from a sample of it: a mosaic of [`GRID`] x [`GRID`] tiles spread over the image,
//! together 1/64 of its area ([`Sample`]). The mosaic is encoded, decoded as a client decodes
//! it, scaled back to the sample's resolution and measured against it. Its bytes predict the
//! whole file's by a line through two points, the mosaic and its first quarter (2 x 2 tiles)
//! encoded alone: what a file spends whatever its area (headers, ETC1S codebooks) is not
//! multiplied with the area.
//!
//! A probe at a smaller size is the mosaic scaled down first, so its error includes what the
//! lost resolution costs: errors at every size are against the image at the largest size it
//! may be delivered at, which is what lets the budget search trade resolution for quality.

use super::choose::decoded;
use super::ladder::Choice;
use crate::texture::judge::{self, Figures};
use crate::texture::{Usage, resize};
use image::RgbaImage;

/// Tiles per row and per column of the mosaic.
const GRID: u32 = 4;
/// Each tile's side as a fraction of the image's: 1/32, so the 16 tiles cover 1/64 of it.
const TILE_FRACTION: u32 = 32;
/// Smallest tile side, pixels: four 4x4 blocks, enough for FLIP's filters to see the content
/// of a tile rather than its edges. Smaller images (under 512 px) are probed whole.
const MIN_TILE: u32 = 16;

/// What a probe predicts for one encoding at one size.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Predicted bytes of the whole file.
    pub bytes: u64,
    /// Measured on the mosaic against the largest-size sample: mean FLIP, or mean degrees
    /// for a normal map.
    pub error: f32,
}

/// A sample of one image at the largest size it may be delivered at.
pub struct Sample {
    /// The mosaic, or the whole image when it is too small to sample.
    mosaic: RgbaImage,
    /// The image's size, pixels.
    full: (u32, u32),
}

impl Sample {
    /// Samples `rgba`, the image fitted to the largest size it may be delivered at.
    pub fn of(rgba: &RgbaImage) -> Sample {
        let (w, h) = rgba.dimensions();
        let tile = |side: u32| (side / TILE_FRACTION) / 4 * 4;
        let (tw, th) = (tile(w), tile(h));
        if tw < MIN_TILE || th < MIN_TILE {
            return Sample {
                mosaic: rgba.clone(),
                full: (w, h),
            };
        }
        // Tile i of a row is centred at (2i + 1) / (2 GRID) of the side, on a block boundary.
        let origin = |i: u32, side: u32, t: u32| {
            let centre = (2 * i + 1) * side / (2 * GRID);
            (centre.saturating_sub(t / 2) / 4 * 4).min(side - t)
        };
        let mut mosaic = RgbaImage::new(tw * GRID, th * GRID);
        for j in 0..GRID {
            for i in 0..GRID {
                let (x0, y0) = (origin(i, w, tw), origin(j, h, th));
                let tile = image::imageops::crop_imm(rgba, x0, y0, tw, th).to_image();
                image::imageops::replace(&mut mosaic, &tile, i64::from(i * tw), i64::from(j * th));
            }
        }
        Sample {
            mosaic,
            full: (w, h),
        }
    }

    /// Predicts `choice` for the image delivered at `size` (at most the sampled size), read
    /// as `usage` says.
    pub fn probe(&self, choice: Choice, size: (u32, u32), usage: Usage) -> Result<Probe, String> {
        let (mw, mh) = self.mosaic.dimensions();
        let scale = |m: u32, s: u32, full: u32| {
            ((f64::from(m) * f64::from(s) / f64::from(full)).round() as u32).max(4)
        };
        let (sw, sh) = (
            scale(mw, size.0, self.full.0),
            scale(mh, size.1, self.full.1),
        );
        let small = resize::resize(self.mosaic.clone(), sw, sh);
        let made = choice.encode(&small, usage.class)?;
        let back = resize::resize(decoded(&made, (sw, sh))?, mw, mh);
        let figures: Figures = judge::measure(&self.mosaic, &back, usage);
        let area = |(w, h): (u32, u32)| f64::from(w) * f64::from(h);
        let whole = made.bytes.len() as f64;
        let per_pixel = if self.is_whole() {
            whole / area((sw, sh))
        } else {
            // The first 2 x 2 tiles: a quarter of the mosaic's area.
            let (qw, qh) = (sw.div_ceil(8) * 4, sh.div_ceil(8) * 4);
            let quarter = image::imageops::crop_imm(&small, 0, 0, qw, qh).to_image();
            let part = choice.encode(&quarter, usage.class)?.bytes.len() as f64;
            ((whole - part) / (area((sw, sh)) - area((qw, qh)))).max(0.0)
        };
        let fixed = (whole - per_pixel * area((sw, sh))).max(0.0);
        Ok(Probe {
            bytes: (fixed + per_pixel * area(size)).round() as u64,
            error: figures.error(),
        })
    }

    /// Whether the image was too small to sample and is probed whole.
    pub fn is_whole(&self) -> bool {
        self.mosaic.dimensions() == self.full
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texture::Class;

    fn gradient(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255])
        })
    }

    #[test]
    fn the_mosaic_is_a_sixteenth_of_the_image_in_tiles_from_all_over_it() {
        let s = Sample::of(&gradient(2048, 1024));
        assert_eq!(s.mosaic.dimensions(), (256, 128));
        // The first tile is centred at 1/8 of each side: it starts at 256 - 32.
        assert_eq!(s.mosaic.get_pixel(0, 0)[0], 224);
        // The last tile comes from the last eighth of the image.
        assert_eq!(s.mosaic.get_pixel(255, 0)[0], ((1760 + 63) % 256) as u8);
        // Too small to sample: the whole image.
        assert_eq!(
            Sample::of(&gradient(128, 128)).mosaic.dimensions(),
            (128, 128)
        );
    }

    #[test]
    fn smaller_sizes_predict_fewer_bytes_and_more_error() {
        let usage = Usage {
            class: Class::Color,
            channels: [true, true, true, false],
        };
        let s = Sample::of(&gradient(1024, 1024));
        let png = |side| s.probe(Choice::Png, (side, side), usage).unwrap();
        let (full, half) = (png(1024), png(512));
        assert_eq!(full.error, 0.0, "lossless at full size");
        assert!(half.error > 0.0, "{half:?}");
        assert!(half.bytes < full.bytes, "{half:?} vs {full:?}");
    }
}

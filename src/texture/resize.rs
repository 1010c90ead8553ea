//! Fitting images to the delivery size budget.

use image::RgbaImage;
use image::imageops::FilterType;

/// The size an image of `width` x `height` is delivered at: scaled down (aspect kept) so its
/// larger side is at most `max`, then, with `pow2`, each side rounded to the nearest power of
/// two not above `max`, and with `multiple_of_4` (block-compressed formats) rounded up to a
/// multiple of 4. Never larger than the input except for that last rounding.
pub fn target_size(
    width: u32,
    height: u32,
    max: u32,
    pow2: bool,
    multiple_of_4: bool,
) -> (u32, u32) {
    let scale = (f64::from(max) / f64::from(width.max(height))).min(1.0);
    let fit = |v: u32| {
        let mut s = ((f64::from(v) * scale).round() as u32).max(1);
        if pow2 {
            let lower = 1u32 << (31 - s.leading_zeros());
            s = if s - lower < lower * 2 - s || lower * 2 > max {
                lower
            } else {
                lower * 2
            };
        }
        if multiple_of_4 {
            s = s.next_multiple_of(4);
        }
        s
    };
    (fit(width), fit(height))
}

/// `image` resampled to `width` x `height` (Lanczos 3), or unchanged when it already is.
pub fn resize(image: RgbaImage, width: u32, height: u32) -> RgbaImage {
    if image.dimensions() == (width, height) {
        return image;
    }
    image::imageops::resize(&image, width, height, FilterType::Lanczos3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_fit_the_budget() {
        assert_eq!(target_size(4096, 2048, 2048, false, false), (2048, 1024));
        assert_eq!(target_size(1000, 600, 2048, false, true), (1000, 600));
        assert_eq!(target_size(1000, 602, 2048, false, true), (1000, 604));
        assert_eq!(target_size(1000, 600, 2048, true, false), (1024, 512));
        assert_eq!(target_size(3000, 3000, 2048, true, false), (2048, 2048));
        assert_eq!(target_size(1, 1, 2048, false, true), (4, 4));
    }
}

//! Visual QA: how different a LOD looks from the original.
//!
//! Both are rendered from the same cameras (framed on the original), composited over white and
//! compared with NVIDIA's FLIP, a perceptual difference (0 = identical, 1 = maximal) that
//! models viewing distance; FLIP ignores alpha, so the silhouettes are compared separately as
//! one minus the intersection-over-union of their coverage masks.

use crate::render::{RgbaImage, View};
use crate::thumbnail::on_white;
use serde::{Deserialize, Serialize};

/// The views every LOD is judged from.
pub const VIEWS: [View; 4] = [View::ThreeQuarter, View::Front, View::Left, View::Back];
/// Size of the QA renders, pixels.
pub const SIZE: u32 = 256;

/// How different two sets of renders are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VisualDiff {
    /// Mean FLIP error, averaged over the views.
    pub flip_mean: f32,
    /// Mean FLIP error of the worst view.
    pub flip_worst_view: f32,
    /// Silhouette difference (1 - IoU of coverage), averaged over the views.
    pub silhouette: f32,
}

/// Compares `test` with `reference` view by view.
///
/// Precondition: both hold the same number of images, pairwise of equal size.
pub fn compare(reference: &[RgbaImage], test: &[RgbaImage]) -> VisualDiff {
    let flips: Vec<f32> = reference
        .iter()
        .zip(test)
        .map(|(r, t)| flip_mean(r, t))
        .collect();
    let sil: Vec<f32> = reference
        .iter()
        .zip(test)
        .map(|(r, t)| silhouette(r, t))
        .collect();
    let n = flips.len().max(1) as f32;
    VisualDiff {
        flip_mean: flips.iter().sum::<f32>() / n,
        flip_worst_view: flips.iter().copied().fold(0.0, f32::max),
        silhouette: sil.iter().sum::<f32>() / n,
    }
}

/// Mean FLIP error of `test` against `reference`, both over white.
pub fn flip_mean(reference: &RgbaImage, test: &RgbaImage) -> f32 {
    flip_map(reference, test).iter().sum::<f32>()
        / (reference.width * reference.height).max(1) as f32
}

/// The per-pixel FLIP error map (values 0..1, row-major).
pub fn flip_map(reference: &RgbaImage, test: &RgbaImage) -> Vec<f32> {
    let (w, h) = (reference.width, reference.height);
    flip_map_rgb(w, h, &on_white(reference), &on_white(test))
}

/// The per-pixel FLIP error map of two `width` x `height` sRGB images given as packed RGB8
/// rows (values 0..1, row-major), at FLIP's default viewing distance (67 pixels per degree).
///
/// Precondition: both hold `width * height * 3` bytes.
pub fn flip_map_rgb(width: u32, height: u32, reference: &[u8], test: &[u8]) -> Vec<f32> {
    let r = nv_flip::FlipImageRgb8::with_data(width, height, reference);
    let t = nv_flip::FlipImageRgb8::with_data(width, height, test);
    nv_flip::flip(r, t, nv_flip::DEFAULT_PIXELS_PER_DEGREE).to_vec()
}

/// 1 - |A n B| / |A u B| of the pixels at least half covered; 0 when both are empty.
pub fn silhouette(a: &RgbaImage, b: &RgbaImage) -> f32 {
    let (mut both, mut either) = (0u64, 0u64);
    for (pa, pb) in a.pixels.chunks_exact(4).zip(b.pixels.chunks_exact(4)) {
        let (ia, ib) = (pa[3] >= 128, pb[3] >= 128);
        both += u64::from(ia && ib);
        either += u64::from(ia || ib);
    }
    if either == 0 {
        0.0
    } else {
        1.0 - both as f32 / either as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disc(size: u32, radius: f32, colour: [u8; 3]) -> RgbaImage {
        let c = size as f32 / 2.0;
        let pixels = (0..size * size)
            .flat_map(|i| {
                let (x, y) = ((i % size) as f32 + 0.5 - c, (i / size) as f32 + 0.5 - c);
                let inside = x * x + y * y <= radius * radius;
                if inside {
                    [colour[0], colour[1], colour[2], 255]
                } else {
                    [0, 0, 0, 0]
                }
            })
            .collect();
        RgbaImage {
            width: size,
            height: size,
            pixels,
        }
    }

    #[test]
    fn identical_images_do_not_differ_and_changes_register() {
        let a = disc(64, 20.0, [200, 40, 40]);
        let d = compare(std::slice::from_ref(&a), std::slice::from_ref(&a));
        assert_eq!(d.flip_mean, 0.0);
        assert_eq!(d.silhouette, 0.0);
        let smaller = disc(64, 18.0, [200, 40, 40]);
        let recoloured = disc(64, 20.0, [40, 40, 200]);
        assert!(silhouette(&a, &smaller) > 0.1);
        assert!(flip_mean(&a, &recoloured) > flip_mean(&a, &smaller));
    }
}

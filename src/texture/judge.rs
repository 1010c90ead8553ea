//! Texture-space judgement: how far a delivered image is from its source (the source after
//! any resize, at full resolution), measured the way materials read it ([`Usage`]): colour maps
//! perceptually (FLIP over RGB), data maps per channel they are read from (mean absolute error,
//! and FLIP of that channel seen as grey), normal maps as normals (the angle between source and
//! delivered normals, each decoded and renormalized).

use super::{Channels, Class, Usage};
use image::RgbaImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Angles between source and delivered normals, degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Angles {
    /// Mean over the texels.
    pub mean: f32,
    /// Largest.
    pub max: f32,
}

/// The error of one channel a data map is read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelError {
    /// "r", "g", "b" or "a".
    pub channel: String,
    /// Mean absolute difference, 0 (equal) to 1 (full scale).
    pub mean_abs: f32,
    /// Mean FLIP of the channel seen as a grey image.
    pub flip: f32,
}

/// What [`measure`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// PSNR over the channels read, dB; `null` when they are identical.
    pub psnr: Option<f32>,
    /// Mean FLIP: colour maps over RGB (or their alpha, as grey, when a slot reads it and it
    /// is worse), data maps their worst channel; `null` for normal maps.
    pub flip: Option<f32>,
    /// Normal maps: the angles between source and delivered normals.
    pub normal_degrees: Option<Angles>,
    /// Data maps: every channel read, R first.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub channels: Vec<ChannelError>,
}

/// The bounds a texture is judged against: mean FLIP for colour and data maps, mean degrees
/// for normal maps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Largest mean FLIP (a data map's worst channel).
    pub flip: f32,
    /// Largest mean angle, degrees.
    pub normal_degrees: f32,
}

impl Bounds {
    /// The bound of an image of `class`: degrees for normal maps, FLIP otherwise.
    pub fn of(&self, class: Class) -> f32 {
        match class {
            Class::Normal => self.normal_degrees,
            Class::Color | Class::Data => self.flip,
        }
    }
}

impl Figures {
    /// The figure the bound of this texture's class applies to: mean degrees for normal
    /// maps, mean FLIP otherwise (0 when nothing was measured).
    pub fn error(&self) -> f32 {
        match self.normal_degrees {
            Some(a) => a.mean,
            None => self.flip.unwrap_or(0.0),
        }
    }
}

/// Names of the channels, R first.
const NAMES: [&str; 4] = ["r", "g", "b", "a"];

/// Measures `delivered` against `source` as `usage` says they are read.
///
/// Precondition: both images have the same size.
pub fn measure(source: &RgbaImage, delivered: &RgbaImage, usage: Usage) -> Figures {
    assert_eq!(source.dimensions(), delivered.dimensions(), "same size");
    let channels = match usage.class {
        Class::Normal => [true, true, true, false],
        _ => usage.channels,
    };
    let psnr = psnr(source, delivered, channels);
    match usage.class {
        Class::Color => {
            // Alpha that a slot reads and the source uses is judged as a grey image too.
            let colour = flip(source, delivered, &[0, 1, 2]);
            let alpha = channels[3] && source.pixels().any(|p| p[3] != 255);
            let alpha = if alpha {
                flip(source, delivered, &[3; 3])
            } else {
                0.0
            };
            Figures {
                psnr,
                flip: Some(colour.max(alpha)),
                normal_degrees: None,
                channels: vec![],
            }
        }
        Class::Normal => Figures {
            psnr,
            flip: None,
            normal_degrees: Some(angles(source, delivered)),
            channels: vec![],
        },
        Class::Data => {
            let errors: Vec<ChannelError> = (0..4)
                .filter(|&c| channels[c])
                .map(|c| ChannelError {
                    channel: NAMES[c].into(),
                    mean_abs: mean_abs(source, delivered, c),
                    flip: flip(source, delivered, &[c; 3]),
                })
                .collect();
            Figures {
                psnr,
                flip: Some(errors.iter().map(|e| e.flip).fold(0.0, f32::max)),
                normal_degrees: None,
                channels: errors,
            }
        }
    }
}

/// PSNR over `channels`, dB; `None` when they are equal.
fn psnr(a: &RgbaImage, b: &RgbaImage, channels: Channels) -> Option<f32> {
    let (mut sum, mut n) = (0.0f64, 0u64);
    for (p, q) in a.pixels().zip(b.pixels()) {
        for c in (0..4).filter(|&c| channels[c]) {
            sum += (f64::from(p[c]) - f64::from(q[c])).powi(2);
            n += 1;
        }
    }
    let mse = sum / n.max(1) as f64;
    (mse > 0.0).then(|| (10.0 * (255.0f64.powi(2) / mse).log10()) as f32)
}

/// Rows of each strip [`flip`] measures on its own (a 2K texture makes 8).
const STRIP_ROWS: u32 = 256;
/// Rows each strip borrows above and below: more than FLIP's widest filter reaches at its
/// default 67 pixels per degree (about 11 rows), so a strip's own rows measure as they do in
/// the whole image.
const STRIP_MARGIN: u32 = 32;

/// Mean FLIP of the images as RGB, each of R, G, B taken from the source channel `from`
/// names (`[c; 3]`: channel `c` as grey). Strips of rows are measured in parallel on the
/// current rayon pool (FLIP itself is single-threaded: about 3 s for a 2K map).
fn flip(a: &RgbaImage, b: &RgbaImage, from: &[usize; 3]) -> f32 {
    let (w, h) = a.dimensions();
    let rows = |img: &RgbaImage, top: u32, bottom: u32| -> Vec<u8> {
        let row = w as usize * 4;
        let raw = &img.as_raw()[top as usize * row..bottom as usize * row];
        raw.chunks_exact(4)
            .flat_map(|p| from.map(|c| p[c]))
            .collect()
    };
    let starts: Vec<u32> = (0..h).step_by(STRIP_ROWS as usize).collect();
    let sum: f64 = starts
        .par_iter()
        .map(|&y| {
            let top = y.saturating_sub(STRIP_MARGIN);
            let bottom = (y + STRIP_ROWS + STRIP_MARGIN).min(h);
            let (ra, rb) = (rows(a, top, bottom), rows(b, top, bottom));
            let map = crate::qa::flip_map_rgb(w, bottom - top, &ra, &rb);
            let first = (y - top) as usize * w as usize;
            let last = ((y + STRIP_ROWS).min(h) - top) as usize * w as usize;
            map[first..last].iter().map(|&e| f64::from(e)).sum::<f64>()
        })
        .sum();
    (sum / (u64::from(w) * u64::from(h)).max(1) as f64) as f32
}

/// Mean absolute difference of channel `c`, 0 to 1.
fn mean_abs(a: &RgbaImage, b: &RgbaImage, c: usize) -> f32 {
    let sum: u64 = a
        .pixels()
        .zip(b.pixels())
        .map(|(p, q)| u64::from(p[c].abs_diff(q[c])))
        .sum();
    sum as f32 / (a.pixels().len().max(1) as f32 * 255.0)
}

/// The unit normal a texel encodes (RGB as XYZ in [-1, 1]); `None` for a vector too short to
/// have a direction (under 0.1: bytes near 128 on every channel, where unit normals are 1 long).
fn normal(p: &image::Rgba<u8>) -> Option<[f32; 3]> {
    let v = [0, 1, 2].map(|c| f32::from(p[c]) / 255.0 * 2.0 - 1.0);
    let len = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    (len > 0.1).then(|| v.map(|x| x / len))
}

/// Angles between the normals of `a` and `b`, texel by texel: texels where the source encodes
/// no direction are skipped, and a direction lost in delivery counts as 180 degrees.
fn angles(a: &RgbaImage, b: &RgbaImage) -> Angles {
    let (mut sum, mut max, mut n) = (0.0f64, 0.0f32, 0u64);
    for (p, q) in a.pixels().zip(b.pixels()) {
        let Some(u) = normal(p) else {
            continue;
        };
        let degrees = match normal(q) {
            Some(v) => (u[0] * v[0] + u[1] * v[1] + u[2] * v[2])
                .clamp(-1.0, 1.0)
                .acos()
                .to_degrees(),
            None => 180.0,
        };
        sum += f64::from(degrees);
        max = max.max(degrees);
        n += 1;
    }
    Angles {
        mean: (sum / n.max(1) as f64) as f32,
        max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(class: Class, channels: Channels) -> Usage {
        Usage { class, channels }
    }

    fn ramp(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([(255 * x / w) as u8, (255 * y / h) as u8, 128, 255])
        })
    }

    #[test]
    fn strips_measure_as_the_whole_image_does() {
        // Busy content across strip boundaries: 600 rows make three strips, the last short.
        let a = RgbaImage::from_fn(96, 600, |x, y| {
            let v = ((x * 7 + y * 13) ^ (x * y)) as u8;
            image::Rgba([v, v.wrapping_mul(3), 255 - v, 255])
        });
        let mut b = a.clone();
        for (i, p) in b.pixels_mut().enumerate() {
            p[i % 3] = p[i % 3].wrapping_add((i % 17) as u8);
        }
        let rgb = |img: &RgbaImage| -> Vec<u8> {
            img.pixels().flat_map(|p| [p[0], p[1], p[2]]).collect()
        };
        let whole = crate::qa::flip_map_rgb(96, 600, &rgb(&a), &rgb(&b));
        let whole = whole.iter().sum::<f32>() / whole.len() as f32;
        let strips = flip(&a, &b, &[0, 1, 2]);
        assert!(whole > 0.05, "the test has error to measure: {whole}");
        assert!(
            (strips - whole).abs() < 1e-4 * whole,
            "strips {strips}, whole {whole}"
        );
    }

    #[test]
    fn identical_images_measure_nothing() {
        let a = ramp(32, 16);
        let f = measure(&a, &a, usage(Class::Color, [true; 4]));
        assert_eq!((f.psnr, f.flip, f.error()), (None, Some(0.0), 0.0));
    }

    #[test]
    fn alpha_a_slot_reads_is_judged_with_the_colour() {
        let mut a = ramp(32, 32);
        a.pixels_mut().for_each(|p| p[3] = 200);
        let mut b = a.clone();
        b.pixels_mut().for_each(|p| p[3] = 0);
        assert!(measure(&a, &b, usage(Class::Color, [true; 4])).error() > 0.1);
        let rgb = usage(Class::Color, [true, true, true, false]);
        assert_eq!(measure(&a, &b, rgb).error(), 0.0, "alpha nobody reads");
    }

    #[test]
    fn data_maps_are_judged_only_on_the_channels_read() {
        let a = ramp(32, 32);
        let mut b = a.clone();
        // Occlusion reads R; G is wrecked, which must not count.
        b.pixels_mut().for_each(|p| p[1] = 255 - p[1]);
        let f = measure(&a, &b, usage(Class::Data, [true, false, false, false]));
        assert_eq!(f.psnr, None);
        assert_eq!(f.channels.len(), 1);
        assert_eq!(
            (f.channels[0].channel.as_str(), f.channels[0].mean_abs),
            ("r", 0.0)
        );
        let f = measure(&a, &b, usage(Class::Data, [false, true, true, false]));
        assert_eq!(f.channels[0].channel, "g");
        assert!(f.channels[0].mean_abs > 0.3, "{f:?}");
        assert!(f.flip > Some(0.1));
    }

    #[test]
    fn normal_maps_are_judged_by_angle() {
        // Flat normals against normals tilted 45 degrees about Y.
        let flat = RgbaImage::from_pixel(8, 8, image::Rgba([128, 128, 255, 255]));
        let tilted = RgbaImage::from_pixel(8, 8, image::Rgba([218, 128, 218, 255]));
        let f = measure(&flat, &tilted, usage(Class::Normal, [true; 4]));
        let a = f.normal_degrees.unwrap();
        assert!(
            (a.mean - 45.0).abs() < 1.0 && (a.max - a.mean).abs() < 1e-3,
            "{a:?}"
        );
        assert_eq!(f.error(), a.mean);
        let bounds = Bounds {
            flip: 1.0,
            normal_degrees: 10.0,
        };
        assert_eq!(
            (bounds.of(Class::Normal), bounds.of(Class::Data)),
            (10.0, 1.0)
        );
        // A direction lost in delivery is the worst there is.
        let lost = RgbaImage::from_pixel(8, 8, image::Rgba([127, 127, 127, 255]));
        let lost = measure(&flat, &lost, usage(Class::Normal, [true; 4]));
        assert_eq!(lost.normal_degrees.unwrap().mean, 180.0);
    }
}

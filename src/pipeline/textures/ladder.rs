//! The encodings a texture may get, and the order `--texture-quality auto` tries them in:
//! cheapest first, each step spending bytes where the last one's measured error was over the
//! bound (see the parent module).
//!
//! KTX2 colour and data maps start at ETC1S (basisu's default quality), then ETC1S at its
//! highest quality, then UASTC with RDO (lambda 1, basisu's default; gltfpack 1.2's `-tq 8`
//! uses 0.4), then UASTC without RDO;
//! KTX2 normal maps start at UASTC with RDO, as ETC1S cannot hold two independent channels.
//! WebP and JPEG climb through [`LOSSY_STEPS`], normal maps from [`encode::NORMAL_QUALITY`].
//! A fixed `--texture-quality N` is one step: today's choice for the class. Which step `auto`
//! starts at is for probes to say (see `planner`).

use crate::settings::TextureQuality;
use crate::texture::{Class, basis, encode, ktx2};
use image::RgbaImage;

/// Qualities `auto` tries for lossy WebP and JPEG, in order.
pub const LOSSY_STEPS: [u8; 4] = [70, 80, 90, 95];
/// UASTC rate-distortion lambda of the RDO steps (basisu's default).
const UASTC_RDO: f32 = 1.0;
/// Most that ETC1S at its highest quality lowered the error of the default quality in the
/// corpus study (0-18 %, see the README), with a margin: an image further over its bound than
/// this skips that step.
const ETC1S_MAX_GAIN: f32 = 0.25;
/// KTX2 supercompression: zstd level of UASTC files.
const ZSTD_LEVEL: i32 = 18;

/// The container a texture is delivered in (chosen before its encoding, by format and
/// content: see the parent module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// KTX2 with Basis Universal.
    Ktx2,
    /// WebP, lossy or lossless.
    Webp,
    /// Baseline JPEG.
    Jpeg,
    /// Lossless PNG.
    Png,
}

/// One way of encoding an image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Choice {
    /// KTX2 ETC1S at a quality level, 1-255.
    Etc1s(u32),
    /// KTX2 UASTC + zstd, with an RDO lambda or none.
    Uastc(Option<f32>),
    /// WebP at a quality, or lossless when that is smaller.
    Webp(u8),
    /// JPEG at a quality.
    Jpeg(u8),
    /// PNG.
    Png,
}

/// An image encoded one way.
pub struct Made {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its MIME type.
    pub mime: &'static str,
    /// What was chosen, as the manifest names it (`etc1s q128`, `uastc rdo 1`, `uastc`,
    /// `webp q80`, `webp lossless`, `jpeg q80`, `png`).
    pub label: String,
}

impl Choice {
    /// Encodes `rgba`, an image of `class`.
    pub fn encode(self, rgba: &RgbaImage, class: Class) -> Result<Made, String> {
        let made = |bytes, mime, label: String| Made { bytes, mime, label };
        match self {
            Choice::Etc1s(_) | Choice::Uastc(_) => {
                let e = basis::Encoding {
                    uastc: matches!(self, Choice::Uastc(_)),
                    srgb: class == Class::Color,
                    normal_map: class == Class::Normal,
                    uastc_rdo: match self {
                        Choice::Uastc(rdo) => rdo,
                        _ => None,
                    },
                    etc1s_quality: match self {
                        Choice::Etc1s(q) => q,
                        _ => basis::ETC1S_DEFAULT,
                    },
                };
                let file = basis::encode(rgba, &e)?;
                let bytes = ktx2::from_basis(&file, e.srgb, ZSTD_LEVEL)?;
                Ok(made(bytes, "image/ktx2", self.label()))
            }
            Choice::Webp(q) => {
                let (bytes, lossless) = encode::webp(rgba, q)?;
                let label = if lossless {
                    "webp lossless".into()
                } else {
                    self.label()
                };
                Ok(made(bytes, "image/webp", label))
            }
            Choice::Jpeg(q) => Ok(made(encode::jpeg(rgba, q)?, "image/jpeg", self.label())),
            Choice::Png => Ok(made(encode::png(rgba)?, "image/png", self.label())),
        }
    }

    /// Whether this step can bring an image within `bound` when the step before it measured
    /// `previous` (`None`: it is the first).
    pub fn worth_trying(self, previous: Option<f32>, bound: f32) -> bool {
        match (self, previous) {
            (Choice::Etc1s(basis::ETC1S_MAX), Some(e)) => e <= bound * (1.0 + ETC1S_MAX_GAIN),
            _ => true,
        }
    }

    /// The manifest's name for this choice.
    pub fn label(self) -> String {
        match self {
            Choice::Etc1s(q) => format!("etc1s q{q}"),
            Choice::Uastc(Some(rdo)) => format!("uastc rdo {rdo}"),
            Choice::Uastc(None) => "uastc".into(),
            Choice::Webp(q) => format!("webp q{q}"),
            Choice::Jpeg(q) => format!("jpeg q{q}"),
            Choice::Png => "png".into(),
        }
    }
}

/// The choices to try for an image of `class` delivered in `container`, in order; the last is
/// kept when none is within the bound.
pub fn ladder(container: Container, class: Class, quality: TextureQuality) -> Vec<Choice> {
    let rdo = Choice::Uastc(Some(UASTC_RDO));
    match (container, quality) {
        (Container::Png, _) => vec![Choice::Png],
        (Container::Ktx2, TextureQuality::Fixed(_)) if class == Class::Color => {
            vec![Choice::Etc1s(basis::ETC1S_DEFAULT)]
        }
        (Container::Ktx2, TextureQuality::Fixed(_)) => vec![rdo],
        (Container::Ktx2, TextureQuality::Auto) if class == Class::Normal => {
            vec![rdo, Choice::Uastc(None)]
        }
        (Container::Ktx2, TextureQuality::Auto) => vec![
            Choice::Etc1s(basis::ETC1S_DEFAULT),
            Choice::Etc1s(basis::ETC1S_MAX),
            rdo,
            Choice::Uastc(None),
        ],
        (lossy, quality) => {
            let steps: Vec<u8> = match quality {
                TextureQuality::Fixed(q) => vec![encode::quality_for(class, q)],
                TextureQuality::Auto => {
                    let floor = encode::quality_for(class, 1);
                    let mut steps: Vec<u8> = LOSSY_STEPS.iter().map(|&q| q.max(floor)).collect();
                    steps.dedup();
                    steps
                }
            };
            let make = if lossy == Container::Webp {
                Choice::Webp
            } else {
                Choice::Jpeg
            };
            steps.into_iter().map(make).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_climbs_from_the_cheapest_encoding_of_each_class() {
        let auto = TextureQuality::Auto;
        let colour = ladder(Container::Ktx2, Class::Color, auto);
        assert_eq!(colour[0], Choice::Etc1s(basis::ETC1S_DEFAULT));
        assert_eq!(colour.last(), Some(&Choice::Uastc(None)));
        assert_eq!(ladder(Container::Ktx2, Class::Data, auto), colour);
        let normals = ladder(Container::Ktx2, Class::Normal, auto);
        assert_eq!(normals, [Choice::Uastc(Some(1.0)), Choice::Uastc(None)]);
        let webp = ladder(Container::Webp, Class::Normal, auto);
        assert_eq!(webp, [Choice::Webp(90), Choice::Webp(95)]);
        assert_eq!(ladder(Container::Jpeg, Class::Color, auto).len(), 4);
    }

    #[test]
    fn etc1s_at_its_best_is_tried_only_near_the_bound() {
        let best = Choice::Etc1s(basis::ETC1S_MAX);
        assert!(best.worth_trying(Some(0.045), 0.04));
        assert!(!best.worth_trying(Some(0.09), 0.04));
        assert!(Choice::Uastc(None).worth_trying(Some(1.0), 0.04));
    }

    #[test]
    fn a_fixed_quality_is_one_step_as_before() {
        let fixed = TextureQuality::Fixed(60);
        assert_eq!(
            ladder(Container::Ktx2, Class::Color, fixed),
            [Choice::Etc1s(basis::ETC1S_DEFAULT)]
        );
        assert_eq!(
            ladder(Container::Ktx2, Class::Data, fixed),
            [Choice::Uastc(Some(1.0))]
        );
        assert_eq!(
            ladder(Container::Webp, Class::Color, fixed),
            [Choice::Webp(60)]
        );
        assert_eq!(
            ladder(Container::Jpeg, Class::Normal, fixed),
            [Choice::Jpeg(90)]
        );
        assert_eq!(ladder(Container::Png, Class::Color, fixed), [Choice::Png]);
    }
}

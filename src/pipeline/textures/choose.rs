//! Choosing one image's encoding: each step of its ladder tried is encoded, decoded as a client
//! decodes it, measured against the source fitted to the size budget, and the first within the
//! bound of its class is kept (the last step tried when none is).

use super::entry::{TextureEntry, Tried};
use super::ladder::{Choice, Container, Made};
use super::{Delivered, Fitted, format_of};
use crate::asset::Image;
use crate::report::Warning;
use crate::settings::{Delivery, TextureFormat, TextureQuality};
use crate::texture::judge::{self, Bounds, Figures};
use crate::texture::{self, Class, Usage};
use image::RgbaImage;

/// One image's delivery (shared by every attempt of the budget search that picks it): its
/// bytes when they change, its manifest entry (`image` is set by the caller, which knows the
/// delivered order), and why it went unmeasured, if it did.
#[derive(Clone)]
pub struct Judged {
    pub delivered: Option<Delivered>,
    pub entry: TextureEntry,
    pub unmeasured: Option<String>,
}

impl Judged {
    /// `image` delivered as it came, sampled as `usage` says (`None`: by no material).
    pub fn unchanged(image: &Image, usage: Option<Usage>) -> Judged {
        let size = texture::dimensions(image).ok();
        let ktx2 = format_of(image) == Some(TextureFormat::Ktx2);
        let bytes = image.data.len() as u64;
        let entry = TextureEntry::new(image, usage.map(|u| u.class), size, bytes, ktx2);
        Judged {
            delivered: None,
            entry,
            unmeasured: None,
        }
    }
}

/// Encodes `image`, fitted as `fitted` says (see `container_of`), with the first of `steps`
/// (a tail of its ladder) whose measured error is within the bound, the last tried when none
/// is (steps that cannot reach it are skipped): with `--texture-quality auto`, steps from
/// the one probes predicted on; with a fixed quality or a pick of the budget search, one step,
/// measured. `probed` are the steps probes ruled out, recorded first. `Err` says why the
/// image could not be re-encoded.
///
/// Precondition: `steps` is not empty.
pub fn encode_one(
    image: &Image,
    usage: Usage,
    d: &Delivery,
    fitted: Fitted,
    steps: &[Choice],
    probed: Vec<Tried>,
) -> Result<Judged, String> {
    let (container, rgba, must) = fitted;
    let bound = bound_of(d, usage.class);
    let mut tried = probed;
    let mut last = None;
    for &choice in steps {
        if !choice.worth_trying(tried.last().map(|t: &Tried| t.error), bound) {
            continue;
        }
        let made = choice.encode(&rgba, usage.class)?;
        // Larger than the original, which it need not replace: the original ships, and every
        // later step is larger still, so none is measured.
        if !must && made.bytes.len() >= image.data.len() {
            return Ok(Judged::unchanged(image, Some(usage)));
        }
        let figures = match measure(&made, &rgba, usage) {
            Ok(f) => f,
            // Delivered all the same: an encoding that must replace the original still does.
            Err(e) => {
                last = Some((made, Err(e)));
                break;
            }
        };
        let within = figures.error() <= bound;
        tried.push(Tried {
            encoding: made.label.clone(),
            bytes: made.bytes.len() as u64,
            error: figures.error(),
            probed: false,
        });
        last = Some((made, Ok((figures, within))));
        if within {
            break;
        }
    }
    let (made, measured) = last.expect("at least one step");
    let size = Some(rgba.dimensions());
    let bytes = made.bytes.len() as u64;
    let blocks = container == Container::Ktx2;
    let mut entry = TextureEntry::new(image, Some(usage.class), size, bytes, blocks);
    entry.mime_type = made.mime.into();
    entry.encoding.clone_from(&made.label);
    entry.tried = tried;
    let auto = d.texture_quality == TextureQuality::Auto;
    let unmeasured = match measured {
        Ok((figures, within)) => {
            entry.measured = Some(figures);
            entry.within_bound = auto.then_some(within);
            None
        }
        Err(e) => Some(e),
    };
    Ok(Judged {
        delivered: Some((made.bytes.into(), made.mime)),
        entry,
        unmeasured,
    })
}

/// The bound `d` sets for an image of `class`: mean degrees for normal maps, mean FLIP
/// otherwise.
pub fn bound_of(d: &Delivery, class: Class) -> f32 {
    let bounds = Bounds {
        flip: d.max_texture_error,
        normal_degrees: d.max_normal_error,
    };
    bounds.of(class)
}

/// Decodes `made` as a client would and measures it against `source`.
fn measure(made: &Made, source: &RgbaImage, usage: Usage) -> Result<Figures, String> {
    let decoded = decoded(made, source.dimensions())?;
    Ok(judge::measure(source, &decoded, usage))
}

/// `made` decoded as a client would, checked to be `size` (width, height) pixels.
pub fn decoded(made: &Made, size: (u32, u32)) -> Result<RgbaImage, String> {
    let image = Image {
        name: None,
        mime_type: made.mime.into(),
        data: made.bytes.as_slice().into(),
        ext: Default::default(),
    };
    let decoded = texture::decode(&image, size.0.max(size.1))
        .map_err(|e| format!("does not decode after encoding as {} ({e})", made.label))?;
    if decoded.dimensions() != size {
        return Err(format!(
            "decodes to {:?} after encoding as {}, not {size:?}",
            decoded.dimensions(),
            made.label,
        ));
    }
    Ok(decoded)
}

/// The warning for a delivered image that no encoding tried brought within its bound, or
/// (`budgeted`) that the byte budget took over it.
pub fn over_bound(e: &TextureEntry, budgeted: bool) -> Warning {
    let name = e
        .name
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let unit = if e.class == Some(Class::Normal) {
        "mean degrees"
    } else {
        "mean FLIP"
    };
    let error = e.tried.last().map_or(0.0, |t| t.error);
    let (image, encoding) = (e.image, &e.encoding);
    let message = if budgeted {
        format!(
            "image {image}{name}: {encoding} at {} px, what the byte budget left room for, measures {error:.4} {unit}, over the bound",
            e.width.max(e.height).unwrap_or(0)
        )
    } else {
        format!(
            "image {image}{name}: {encoding}, the last of {} encodings tried, still measures {error:.4} {unit}, over the bound",
            e.tried.iter().filter(|t| !t.probed).count()
        )
    };
    Warning::global("TEXTURE_OVER_BOUND", message)
}

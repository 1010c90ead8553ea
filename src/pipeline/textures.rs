//! Texture delivery for a job: every image fitted to the size budget and, when asked, encoded
//! as KTX2 (Basis Universal), WebP, JPEG or PNG, once per job.
//!
//! Inputs may be PNG, JPEG, WebP or KTX2 (transcoded to pixels when they must change); AVIF
//! and unknown formats pass through. With `texture_format` keep, an image keeps its format and
//! is re-encoded only when resized, or, with `core_formats_only`, when it is KTX2 or WebP
//! (platforms without those extensions get JPEG or PNG). Whenever images are converted, each
//! texture ends with exactly one: where a texture offers several (a KTX2 with a PNG fallback),
//! the one already in the delivered format is kept, else the best source (PNG or JPEG, then
//! WebP, then KTX2); the others are dropped, so no file carries a texture twice.
//!
//! A job's texture work goes through a [`Planner`] on the prepared asset: probes predict each
//! image's encodings and sizes, a plan picks one per image (`auto`'s starting step, or the
//! budget search's trade of resolution and quality), and each pick is encoded once, `choose`
//! climbing from it when it measures over the bound. Images are encoded one per task on the
//! rayon pool, UASTC levels split further into strips ([`basis`](crate::texture::basis)).
//! [`encode()`] is all of it without a budget. That pool is the process's one bounded CPU
//! budget: under the worker, every job's texture work shares the `--threads` pool. [`apply`]
//! puts the results into each level's copy of the asset just before writing, between its two
//! visual-QA renders: the first samples the source's images, the second the delivered ones.

use crate::asset::{Asset, Image, Texture};
use crate::report::Warning;
use crate::settings::{Delivery, TextureFormat};
use crate::texture::{self, Class, encode, ktx2, resize};
use choose::{Judged, over_bound};
pub use entry::TextureEntry;
use image::RgbaImage;
use ladder::Container;
pub use planner::{Pick, Plan, PlannedTexture, Planner};
use std::sync::Arc;

mod choose;
mod entry;
mod ladder;
mod plan;
mod planner;
mod probe;

/// Texture extensions that supply an image, with the MIME type each carries.
const IMAGE_EXTENSIONS: [(&str, &str); 3] = [
    ("KHR_texture_basisu", "image/ktx2"),
    ("EXT_texture_webp", "image/webp"),
    ("EXT_texture_avif", "image/avif"),
];

/// An image's delivered bytes (shared by every level that writes it) and MIME type.
type Delivered = (Arc<[u8]>, &'static str);

/// The result of [`encode()`], for [`apply`].
#[derive(Debug, Default)]
pub struct Encoded {
    /// Per image: its delivered bytes and MIME type, when they differ from the input's.
    images: Vec<Option<Delivered>>,
    /// Per image: true when every texture that used it delivers another image instead.
    dropped: Vec<bool>,
    /// Per delivered image (dropped ones left out), what the manifest says about it.
    entries: Vec<TextureEntry>,
}

impl Encoded {
    /// True when delivery replaces or drops any image, so that a level renders differently
    /// with its delivered textures than with the source's.
    pub fn changes_images(&self) -> bool {
        self.images.iter().any(Option::is_some) || self.dropped.contains(&true)
    }

    /// Per image of the asset: the bytes it is delivered in (0 when dropped).
    pub fn delivered_bytes(&self, asset: &Asset) -> Vec<u64> {
        let sizes = asset.images.iter().zip(&self.images).zip(&self.dropped);
        sizes
            .map(|((image, e), &dropped)| match e {
                _ if dropped => 0,
                Some((bytes, _)) => bytes.len() as u64,
                None => image.data.len() as u64,
            })
            .collect()
    }

    /// The manifest's entry of every delivered image, in the delivered order.
    pub fn entries(&self) -> &[TextureEntry] {
        &self.entries
    }
}

/// The format an image's MIME type (or KTX2 identifier) says it is in.
fn format_of(image: &Image) -> Option<TextureFormat> {
    match image.mime_type.as_str() {
        "image/png" => Some(TextureFormat::Png),
        "image/jpeg" => Some(TextureFormat::Jpeg),
        "image/webp" => Some(TextureFormat::Webp),
        _ if image.data.starts_with(&ktx2::IDENTIFIER) => Some(TextureFormat::Ktx2),
        _ => None,
    }
}

/// The format every texture is converted to, when there is one: `Jpeg` stands for the core
/// formats (JPEG or PNG, by content).
fn conversion(d: &Delivery) -> Option<TextureFormat> {
    match d.texture_format {
        TextureFormat::Keep if d.core_formats_only => Some(TextureFormat::Jpeg),
        TextureFormat::Keep => None,
        f => Some(f),
    }
}

/// How well `format` serves as the image of a texture converted to `target` (lower is better).
fn rank(format: Option<TextureFormat>, target: TextureFormat) -> u8 {
    use TextureFormat::{Jpeg, Ktx2, Png, Webp};
    match (format, target) {
        (Some(Png | Jpeg), Jpeg) => 0,
        (Some(f), t) if f == t => 0,
        (Some(Png | Jpeg), _) => 1,
        (Some(Webp), _) => 2,
        (Some(Ktx2), _) => 3,
        _ => 4,
    }
}

/// Per image: true when conversion leaves it unused (see the module docs).
fn dropped_images(asset: &Asset, d: &Delivery) -> Vec<bool> {
    let n = asset.images.len();
    let Some(target) = conversion(d) else {
        return vec![false; n];
    };
    let mut kept = vec![false; n];
    let mut used = vec![false; n];
    for t in &asset.textures {
        let images: Vec<usize> = t.images().into_iter().filter(|&i| i < n).collect();
        images.iter().for_each(|&i| used[i] = true);
        if let Some(best) = images
            .iter()
            .copied()
            .min_by_key(|&i| rank(format_of(&asset.images[i]), target))
        {
            kept[best] = true;
        }
    }
    (0..n).map(|i| used[i] && !kept[i]).collect()
}

/// Fits and encodes every image of `asset` as `delivery` says, with no byte budget (see
/// [`Planner::auto`]); returns the results and warnings about images left as they were or
/// over the bound of `--texture-quality auto`.
pub fn encode(asset: &Asset, delivery: &Delivery) -> (Encoded, Vec<Warning>) {
    let timings = crate::report::Timings::default();
    let planner = Planner::new(asset, delivery, false, &timings);
    planner.encode(&planner.auto())
}

/// Puts per-image `results` (each with whether the budget search chose it) together into
/// what [`apply`] takes and the manifest's entries, with the warnings.
fn assemble(
    asset: &Asset,
    usages: &[Option<texture::Usage>],
    dropped: Vec<bool>,
    results: Vec<(Result<Judged, String>, bool)>,
) -> (Encoded, Vec<Warning>) {
    let mut warnings = vec![];
    let mut images = vec![];
    let mut entries = vec![];
    for (i, (result, budgeted)) in results.into_iter().enumerate() {
        let (judged, failed) = match result {
            Ok(judged) => (judged, None),
            Err(e) => (Judged::unchanged(&asset.images[i], usages[i]), Some(e)),
        };
        images.push(judged.delivered);
        if dropped[i] {
            continue;
        }
        // Delivered images keep their order: an entry's index is its place among them.
        let entry = TextureEntry {
            image: entries.len(),
            ..judged.entry
        };
        if let Some(e) = failed {
            let message = format!("image {}: {e}; delivered as it was", entry.image);
            warnings.push(Warning::global("TEXTURE_KEPT", message));
        }
        if let Some(e) = judged.unmeasured {
            let message = format!("image {}: {e}; delivered unmeasured", entry.image);
            warnings.push(Warning::global("TEXTURE_NOT_MEASURED", message));
        }
        if entry.within_bound == Some(false) {
            warnings.push(over_bound(&entry, budgeted));
        }
        entries.push(entry);
    }
    let encoded = Encoded {
        images,
        dropped,
        entries,
    };
    (encoded, warnings)
}

/// An image fitted to a size budget, ready to encode: its container, its pixels at the
/// delivered size, and whether a re-encoding must replace the original (see [`container_of`]).
type Fitted = (Container, RgbaImage, bool);

/// The container `image` is delivered in under `d`, or `None` when it passes through as it
/// came (AVIF, unknown formats, and images already as delivered and within the size budget;
/// KTX2 and WebP are not re-encoded then, since every pass loses detail, nor is anything under
/// `keep`). `rgba` is the image fitted to the size budget, decoded when needed.
fn container_of(image: &Image, class: Class, d: &Delivery) -> Result<Option<Fitted>, String> {
    let Some(input) = format_of(image) else {
        return Ok(None);
    };
    let core = matches!(input, TextureFormat::Png | TextureFormat::Jpeg);
    let target = match conversion(d) {
        Some(TextureFormat::Jpeg) if core && d.texture_format == TextureFormat::Keep => input,
        Some(t) => t,
        None => input,
    };
    // The header says whether anything is to be done; most images within budget are never
    // decoded.
    let (w, h) = texture::dimensions(image).map_err(|e| format!("has no readable size ({e})"))?;
    let ktx = target == TextureFormat::Ktx2;
    let (tw, th) = resize::target_size(w, h, d.max_texture_size, d.texture_pow2, ktx);
    let resized = (tw, th) != (w, h);
    let same = target == input || (target == TextureFormat::Jpeg && core);
    if !resized && same && (d.texture_format == TextureFormat::Keep || !core) {
        return Ok(None);
    }
    let decoded =
        texture::decode(image, tw.max(th)).map_err(|e| format!("does not decode ({e})"))?;
    let rgba = resize::resize(decoded, tw, th);
    let container = match target {
        TextureFormat::Ktx2 => Container::Ktx2,
        TextureFormat::Webp => Container::Webp,
        TextureFormat::Jpeg
            if (d.texture_format == TextureFormat::Keep && input == TextureFormat::Jpeg)
                || (class != Class::Normal && encode::is_opaque(&rgba)) =>
        {
            Container::Jpeg
        }
        TextureFormat::Keep | TextureFormat::Jpeg | TextureFormat::Png => Container::Png,
    };
    // A re-encoding must replace the original, whatever its size, when the original is not
    // what was asked for: resized (the size budget is a limit the original breaks), a KTX2 or
    // WebP image being transcoded to another format, or KTX2 asked for (GPU-ready).
    let must = resized || !core || container == Container::Ktx2;
    Ok(Some((container, rgba, must)))
}

/// Puts the encoded images into `asset` and points each texture whose images changed at them:
/// KTX2, WebP and AVIF images through their extensions (required when no core image remains,
/// as with gltfpack `-tc` and `-tw`), PNG and JPEG through `source`. Dropped images go.
pub fn apply(asset: &mut Asset, encoded: &Encoded) {
    for (image, e) in asset.images.iter_mut().zip(&encoded.images) {
        if let Some((bytes, mime)) = e {
            image.data = Arc::clone(bytes);
            image.mime_type = (*mime).to_string();
        }
    }
    let changed = |i: usize| {
        encoded.images.get(i).is_some_and(Option::is_some)
            || encoded.dropped.get(i).copied().unwrap_or(false)
    };
    for t in &mut asset.textures {
        if t.images().into_iter().any(changed) {
            let kept: Vec<usize> = t
                .images()
                .into_iter()
                .filter(|&i| !encoded.dropped.get(i).copied().unwrap_or(false))
                .collect();
            point_at(t, &kept, &asset.images, &mut asset.extensions_required);
        }
    }
    if encoded.dropped.contains(&true) {
        drop_unused_images(asset);
    }
}

/// Rewrites `t`'s image references to `images` (best first), each in the slot its format
/// needs; a slot already taken keeps its first image.
fn point_at(
    t: &mut Texture,
    images: &[usize],
    all: &[Image],
    required: &mut std::collections::BTreeSet<String>,
) {
    t.source = None;
    for (name, _) in IMAGE_EXTENSIONS {
        t.ext.extensions.remove(name);
    }
    for &i in images {
        let mime = all.get(i).map_or("", |img| img.mime_type.as_str());
        match IMAGE_EXTENSIONS.iter().find(|(_, m)| *m == mime) {
            Some((name, _)) => {
                let slot = t.ext.extensions.entry(name.to_string());
                slot.or_insert_with(|| serde_json::json!({ "source": i }));
            }
            None => {
                t.source.get_or_insert(i);
            }
        }
    }
    if t.source.is_none() {
        let supplied = IMAGE_EXTENSIONS.iter().map(|(name, _)| *name);
        required.extend(
            supplied
                .filter(|name| t.ext.extensions.contains_key(*name))
                .map(String::from),
        );
    }
}

/// Removes the images no texture references and renumbers the rest.
fn drop_unused_images(asset: &mut Asset) {
    let mut used = vec![false; asset.images.len()];
    for t in &asset.textures {
        t.images().into_iter().for_each(|i| used[i] = true);
    }
    let map = super::prune::retain_used(&mut asset.images, &used);
    for t in &mut asset.textures {
        t.for_each_image_mut(|i| *i = map[*i].expect("referenced image"));
    }
}

#[cfg(test)]
mod tests;

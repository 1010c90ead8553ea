//! Texture delivery for a job: every image fitted to the size budget and, when asked, encoded
//! as KTX2 (Basis Universal), WebP, JPEG or PNG, once per job.
//!
//! [`encode`] works on the prepared asset, one image per task on the rayon pool (the process's
//! one bounded CPU budget: under the worker, every job's texture work shares the `--threads`
//! pool). [`apply`] puts the results into each level's copy of the asset just before writing,
//! after visual QA, so the renderer keeps sampling the decoded originals.

use crate::asset::{Asset, Image};
use crate::report::Warning;
use crate::settings::{Delivery, TextureFormat};
use crate::texture::{Class, basis, class_of, encode, ktx2, resize};
use image::ImageFormat;
use rayon::prelude::*;
use std::io::Cursor;
use std::sync::Arc;

const BASISU: &str = "KHR_texture_basisu";
const WEBP: &str = "EXT_texture_webp";

/// An image's delivered bytes (shared by every level that writes it) and MIME type.
type Delivered = (Arc<[u8]>, &'static str);

/// Per image: its delivered bytes and MIME type, when they differ from the input's.
#[derive(Debug, Default)]
pub struct Encoded {
    images: Vec<Option<Delivered>>,
}

/// Fits and encodes every image of `asset` as `delivery` says; returns the results and
/// warnings about images left as they were.
pub fn encode(asset: &Asset, delivery: &Delivery) -> (Encoded, Vec<Warning>) {
    let classes = class_of(asset);
    let results: Vec<Result<Option<Delivered>, String>> = asset
        .images
        .par_iter()
        .zip(classes)
        .map(|(image, class)| match class {
            Some(class) => encode_one(image, class, delivery),
            None => Ok(None),
        })
        .collect();
    let mut warnings = vec![];
    let images = results
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|e| {
                warnings.push(Warning::global(
                    "TEXTURE_KEPT",
                    format!("image {i}: {e}; delivered as it was"),
                ));
                None
            })
        })
        .collect();
    (Encoded { images }, warnings)
}

fn encode_one(image: &Image, class: Class, d: &Delivery) -> Result<Option<Delivered>, String> {
    let format = match image.mime_type.as_str() {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        // KTX2, WebP and AVIF inputs pass through as they came.
        _ => return Ok(None),
    };
    let ktx = d.texture_format == TextureFormat::Ktx2;
    // The header says whether anything is to be done; most images within budget are never
    // decoded.
    let (w, h) = image::ImageReader::with_format(Cursor::new(&image.data[..]), format)
        .into_dimensions()
        .map_err(|e| format!("has no readable size ({e})"))?;
    let (tw, th) = resize::target_size(w, h, d.max_texture_size, d.texture_pow2, ktx);
    let resized = (tw, th) != (w, h);
    if d.texture_format == TextureFormat::Keep && !resized {
        return Ok(None);
    }
    let decoded = image::load_from_memory_with_format(&image.data, format)
        .map_err(|e| format!("does not decode ({e})"))?;
    let rgba = resize::resize(decoded.into_rgba8(), tw, th);
    let quality = encode::quality_for(class, d.texture_quality);
    let (bytes, mime) = match d.texture_format {
        TextureFormat::Ktx2 => {
            let e = basis::Encoding {
                uastc: class != Class::Color,
                srgb: class == Class::Color,
                normal_map: class == Class::Normal,
                uastc_rdo: 1.0,
            };
            let file = basis::encode(rgba.as_raw(), tw, th, &e)?;
            // GPU-ready whatever its size: delivered even where the input file is smaller.
            return Ok(Some((
                ktx2::from_basis(&file, e.srgb, 18)?.into(),
                "image/ktx2",
            )));
        }
        TextureFormat::Webp => (encode::webp(&rgba, quality)?, "image/webp"),
        TextureFormat::Jpeg if class != Class::Normal && encode::is_opaque(&rgba) => {
            (encode::jpeg(&rgba, quality)?, "image/jpeg")
        }
        TextureFormat::Keep if format == ImageFormat::Jpeg => {
            (encode::jpeg(&rgba, quality)?, "image/jpeg")
        }
        TextureFormat::Keep | TextureFormat::Jpeg | TextureFormat::Png => {
            (encode::png(&rgba)?, "image/png")
        }
    };
    // A re-encoding that would grow the texture keeps the original; a resized one is delivered
    // whatever its size (the size budget is a limit, and the original breaks it).
    Ok((resized || bytes.len() < image.data.len()).then(|| (bytes.into(), mime)))
}

/// Puts the encoded images into `asset`. KTX2 and WebP images are referenced through
/// `KHR_texture_basisu` and `EXT_texture_webp` (required: no fallback image is kept, as with
/// gltfpack `-tc` and `-tw`).
pub fn apply(asset: &mut Asset, encoded: &Encoded) {
    for (i, e) in encoded.images.iter().enumerate() {
        let Some((bytes, mime)) = e else { continue };
        let image = &mut asset.images[i];
        image.data = Arc::clone(bytes);
        image.mime_type = (*mime).to_string();
        let extension = match *mime {
            "image/ktx2" => BASISU,
            "image/webp" => WEBP,
            _ => continue,
        };
        for t in asset.textures.iter_mut().filter(|t| t.source == Some(i)) {
            t.source = None;
            t.ext
                .extensions
                .insert(extension.into(), serde_json::json!({ "source": i }));
        }
        asset.extensions_required.insert(extension.into());
    }
}

//! Texture delivery for a job: every image fitted to the size budget and, when asked, encoded
//! as KTX2 (Basis Universal) or lossless WebP, once per job.
//!
//! [`encode`] works on the prepared asset, one image per task on the rayon pool (the process's
//! one bounded CPU budget: under the worker, every job's texture work shares the `--threads`
//! pool). [`apply`] puts the results into each level's copy of the asset just before writing,
//! after visual QA, so the renderer keeps sampling the decoded originals.

use crate::asset::{Asset, Image};
use crate::report::Warning;
use crate::settings::{Delivery, TextureFormat};
use crate::texture::{Class, basis, class_of, ktx2, resize};
use image::{DynamicImage, ImageFormat};
use rayon::prelude::*;
use std::io::Cursor;

const BASISU: &str = "KHR_texture_basisu";
const WEBP: &str = "EXT_texture_webp";

/// An image's delivered bytes and MIME type.
type Delivered = (Vec<u8>, &'static str);

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
    let (format, mime) = match image.mime_type.as_str() {
        "image/png" => (ImageFormat::Png, "image/png"),
        "image/jpeg" => (ImageFormat::Jpeg, "image/jpeg"),
        // KTX2, WebP and AVIF inputs pass through as they came.
        _ => return Ok(None),
    };
    let ktx = d.texture_format == TextureFormat::Ktx2;
    let webp = d.texture_format == TextureFormat::Webp;
    // The header says whether anything is to be done; most images within budget are never
    // decoded.
    let (w, h) = image::ImageReader::with_format(Cursor::new(&image.data[..]), format)
        .into_dimensions()
        .map_err(|e| format!("has no readable size ({e})"))?;
    let (tw, th) = resize::target_size(w, h, d.max_texture_size, d.texture_pow2, ktx);
    let resized = (tw, th) != (w, h);
    if !ktx && !webp && !resized {
        return Ok(None);
    }
    let decoded = image::load_from_memory_with_format(&image.data, format)
        .map_err(|e| format!("does not decode ({e})"))?;
    let rgba = resize::resize(decoded.into_rgba8(), tw, th);
    if ktx {
        let e = basis::Encoding {
            uastc: class != Class::Color,
            srgb: class == Class::Color,
            normal_map: class == Class::Normal,
            uastc_rdo: 1.0,
        };
        let file = basis::encode(rgba.as_raw(), tw, th, &e)?;
        return Ok(Some((ktx2::from_basis(&file, e.srgb, 18)?, "image/ktx2")));
    }
    let mut bytes = Cursor::new(vec![]);
    let out = DynamicImage::ImageRgba8(rgba);
    if webp {
        let encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut bytes);
        out.write_with_encoder(encoder)
            .map_err(|e| format!("does not encode as WebP ({e})"))?;
        let bytes = bytes.into_inner();
        // A conversion that would grow the texture keeps the original (lossless WebP of a
        // JPEG photo usually does); a resized one is delivered whatever its size.
        return Ok((resized || bytes.len() < image.data.len()).then_some((bytes, "image/webp")));
    }
    let written = if format == ImageFormat::Jpeg {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90);
        out.to_rgb8().write_with_encoder(encoder)
    } else {
        out.write_to(&mut bytes, ImageFormat::Png)
    };
    written.map_err(|e| format!("does not re-encode ({e})"))?;
    // Only resized images get here: the budget is a limit, so the smaller image is delivered
    // even in the rare case its encoding is larger.
    Ok(Some((bytes.into_inner(), mime)))
}

/// Puts the encoded images into `asset`. KTX2 and WebP images are referenced through
/// `KHR_texture_basisu` and `EXT_texture_webp` (required: no fallback image is kept, as with
/// gltfpack `-tc` and `-tw`).
pub fn apply(asset: &mut Asset, encoded: &Encoded) {
    for (i, e) in encoded.images.iter().enumerate() {
        let Some((bytes, mime)) = e else { continue };
        let image = &mut asset.images[i];
        image.data = bytes.clone().into();
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

//! Texture delivery: classes, resizing, Basis Universal encoding and the KTX2 container.
//!
//! [`usage_of`] sorts images by how materials sample them; [`decode`] turns any image a glTF
//! file can carry into pixels (KTX2 through [`transcode`]); [`resize`] fits them to the size
//! budget; [`basis`] encodes them and [`ktx2`] wraps the result for `KHR_texture_basisu`
//! (`basis_file` is the layout both sides share). The pipeline stage that drives them per
//! job is `pipeline::textures`; the renderer decodes through [`decode`] too.

pub mod basis;
mod basis_file;
pub mod encode;
pub mod judge;
pub mod ktx2;
pub mod resize;
pub mod srgb;
pub mod transcode;

use crate::asset::{Asset, Image};
use image::RgbaImage;
use std::io::Cursor;

/// True for the MIME type of a KTX2 image (`KHR_texture_basisu`).
fn is_ktx2(image: &Image) -> bool {
    image.mime_type == "image/ktx2" || image.data.starts_with(&ktx2::IDENTIFIER)
}

/// Decodes `image` (PNG, JPEG, WebP or KTX2) to RGBA8. KTX2 files give their smallest mip
/// level whose larger side is at least `min_side` pixels (the base level when none is); the
/// other formats have one level and ignore it.
pub fn decode(image: &Image, min_side: u32) -> Result<RgbaImage, String> {
    if is_ktx2(image) {
        return transcode::ktx2_to_rgba(&image.data, min_side);
    }
    image::load_from_memory(&image.data)
        .map(image::DynamicImage::into_rgba8)
        .map_err(|e| e.to_string())
}

/// Width and height of `image` in pixels, read from its header alone.
pub fn dimensions(image: &Image) -> Result<(u32, u32), String> {
    if is_ktx2(image) {
        let field = |at: usize| {
            image
                .data
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        return field(20)
            .zip(field(24))
            .ok_or_else(|| "KTX2 header is truncated".into());
    }
    image::ImageReader::new(Cursor::new(&image.data[..]))
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .into_dimensions()
        .map_err(|e| e.to_string())
}

/// How an image is sampled, which decides its encoding. Serialized in lower case.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// sRGB colour: base colour, emissive, sheen and specular colour.
    Color,
    /// Linear data: occlusion, metal/roughness, transmission, thickness, clearcoat, ...
    Data,
    /// Tangent-space normals (normal and clearcoat normal maps).
    Normal,
}

/// Slot names whose textures hold sRGB colour.
const COLOR_SLOTS: &[&str] = &[
    "baseColorTexture",
    "emissiveTexture",
    "sheenColorTexture",
    "specularColorTexture",
    "diffuseTexture",
    "specularGlossinessTexture",
    "diffuseTransmissionColorTexture",
];

/// Channels (R, G, B, A) a material reads from an image.
pub type Channels = [bool; 4];

/// The channels the glTF specification says a slot reads; slots not listed read RGB (colour
/// and normal maps, and data maps of extensions this table does not know).
fn channels_of(slot: &str) -> Channels {
    const R: Channels = [true, false, false, false];
    const G: Channels = [false, true, false, false];
    const A: Channels = [false, false, false, true];
    match slot {
        "occlusionTexture" | "transmissionTexture" | "clearcoatTexture" | "iridescenceTexture" => R,
        "metallicRoughnessTexture" => [false, true, true, false],
        "thicknessTexture" | "clearcoatRoughnessTexture" | "iridescenceThicknessTexture" => G,
        "sheenRoughnessTexture" | "specularTexture" | "diffuseTransmissionTexture" => A,
        "baseColorTexture" | "diffuseTexture" | "specularGlossinessTexture" => [true; 4],
        _ => [true, true, true, false],
    }
}

/// How materials sample an image: its class and the channels they read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// The most demanding class of the slots that use the image.
    pub class: Class,
    /// Every channel any of those slots reads.
    pub channels: Channels,
}

/// The usage of every image (`None` for images no material samples). An image sampled in
/// several ways takes the most demanding class (normal over data over colour): precision
/// matters more than size.
pub fn usage_of(asset: &Asset) -> Vec<Option<Usage>> {
    let mut usages: Vec<Option<Usage>> = vec![None; asset.images.len()];
    for m in &asset.materials {
        // The slot walker edits; materials are a few hundred bytes, a copy costs nothing.
        m.clone().for_each_slot_mut(|slot, t| {
            let Some(texture) = asset.textures.get(t.index) else {
                return;
            };
            let class = if slot.to_ascii_lowercase().contains("normal") {
                Class::Normal
            } else if COLOR_SLOTS.contains(&slot) {
                Class::Color
            } else {
                Class::Data
            };
            let channels = channels_of(slot);
            for image in texture.images() {
                if let Some(u) = usages.get_mut(image) {
                    let old = u.unwrap_or(Usage {
                        class,
                        channels: [false; 4],
                    });
                    *u = Some(Usage {
                        class: old.class.max(class),
                        channels: std::array::from_fn(|c| old.channels[c] || channels[c]),
                    });
                }
            }
        });
    }
    usages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::{Image, Material, Texture};
    use serde_json::json;

    #[test]
    fn usages_follow_the_slots_and_the_strictest_wins() {
        let m: Material = serde_json::from_value(json!({
            "pbrMetallicRoughness": {"baseColorTexture": {"index": 0},
                                     "metallicRoughnessTexture": {"index": 1}},
            "normalTexture": {"index": 2},
            "extensions": {"KHR_materials_clearcoat": {"clearcoatNormalTexture": {"index": 1}}}
        }))
        .unwrap();
        let image = || Image {
            name: None,
            mime_type: "image/png".into(),
            data: vec![].into(),
            ext: Default::default(),
        };
        let texture = |i| Texture {
            name: None,
            sampler: None,
            source: Some(i),
            ext: Default::default(),
        };
        let asset = Asset {
            materials: vec![m],
            textures: vec![texture(0), texture(1), texture(2)],
            images: vec![image(), image(), image(), image()],
            ..Asset::default()
        };
        let usages = usage_of(&asset);
        let classes: Vec<_> = usages.iter().map(|u| u.map(|u| u.class)).collect();
        assert_eq!(
            classes,
            vec![
                Some(Class::Color),
                Some(Class::Normal),
                Some(Class::Normal),
                None
            ]
        );
        // Roughness (G) and metalness (B), and the clearcoat normal's RGB.
        assert_eq!(usages[1].unwrap().channels, [true, true, true, false]);
        assert_eq!(usages[0].unwrap().channels, [true; 4]);
    }
}

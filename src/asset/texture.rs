//! Images, textures and samplers.

use super::Ext;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An encoded image (PNG, JPEG, WebP, KTX2, ...) with its bytes, unchanged from the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Name from the file.
    pub name: Option<String>,
    /// MIME type, from the file or sniffed from the bytes.
    pub mime_type: String,
    /// Encoded bytes; shared, so cloning an asset per LOD does not copy them.
    pub data: Arc<[u8]>,
    /// Extensions and extras.
    pub ext: Ext,
}

/// A texture: an image plus how to sample it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Texture {
    /// Name from the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Sampler index; `None` means repeat wrapping and automatic filtering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampler: Option<usize>,
    /// Image index; may be `None` when an extension (e.g. `EXT_texture_webp`) supplies the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<usize>,
    /// Extensions (alternative image sources) and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

impl Texture {
    /// Every image this texture can use: `source` and each extension's `source`
    /// (`KHR_texture_basisu`, `EXT_texture_webp`, `EXT_texture_avif` all use that shape).
    pub fn for_each_image_mut(&mut self, mut f: impl FnMut(&mut usize)) {
        if let Some(s) = &mut self.source {
            f(s);
        }
        for ext in self.ext.extensions.values_mut() {
            let Some(source) = ext.get_mut("source") else {
                continue;
            };
            if let Some(mut i) = source.as_u64().and_then(|i| usize::try_from(i).ok()) {
                f(&mut i);
                *source = i.into();
            }
        }
    }

    /// Every image index this texture references, `source` first.
    pub fn images(&self) -> Vec<usize> {
        let mut out = vec![];
        self.clone().for_each_image_mut(|i| out.push(*i));
        out
    }

    /// The image a renderer samples: `source` (the core-format image), else the first one an
    /// extension supplies (a KTX2 or WebP image without fallback).
    pub fn image(&self) -> Option<usize> {
        self.images().first().copied()
    }
}

/// A texture sampler, in glTF's JSON shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sampler {
    /// Name from the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 9728 NEAREST or 9729 LINEAR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mag_filter: Option<u32>,
    /// 9728..9987 (NEAREST, LINEAR and the mipmap variants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_filter: Option<u32>,
    /// 33071 CLAMP_TO_EDGE, 33648 MIRRORED_REPEAT or 10497 REPEAT (default).
    #[serde(default = "repeat", skip_serializing_if = "is_repeat")]
    pub wrap_s: u32,
    /// Same codes as `wrap_s`.
    #[serde(default = "repeat", skip_serializing_if = "is_repeat")]
    pub wrap_t: u32,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

fn repeat() -> u32 {
    10497
}

fn is_repeat(v: &u32) -> bool {
    *v == 10497
}

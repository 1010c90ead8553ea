//! What the manifest says about each delivered texture (its `textures` list).

use crate::asset::Image;
use crate::texture::Class;
use crate::texture::judge::Figures;
use serde::{Deserialize, Serialize};

/// One attempt of `--texture-quality auto`: an encoding made in full, or a step ruled out by
/// its probe (`probed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tried {
    /// The encoding, as [`TextureEntry::encoding`] names it.
    pub encoding: String,
    /// Bytes of the file it made (predicted, for a probe).
    pub bytes: u64,
    /// Its measured error: mean FLIP, or mean degrees for a normal map (on the probe's sample
    /// of the image, for a probe).
    pub error: f32,
    /// True when only a probe measured it: predicted over the bound, never encoded in full.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub probed: bool,
}

/// One image as every level delivers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextureEntry {
    /// Index in every delivered level's `images`.
    pub image: usize,
    /// The image's name, if it has one.
    pub name: Option<String>,
    /// How materials sample it: "color", "data" or "normal"; `null` when none does.
    pub class: Option<Class>,
    /// MIME type of the delivered file.
    pub mime_type: String,
    /// How it was encoded: `unchanged` (delivered as it came), or `etc1s q128`, `uastc rdo 1`,
    /// `uastc`, `webp q80`, `webp lossless`, `jpeg q80`, `png`.
    pub encoding: String,
    /// Width in pixels; `null` when its header is unreadable (AVIF, unknown formats).
    pub width: Option<u32>,
    /// Height in pixels; `null` with `width`.
    pub height: Option<u32>,
    /// Bytes of the delivered file.
    pub bytes: u64,
    /// Bytes of the image as the upload held it.
    pub source_bytes: u64,
    /// Estimated GPU memory with a full mip chain, bytes: KTX2 as 4x4 blocks of 16 bytes
    /// (BC7 or ASTC, what a WebGL client transcodes to on desktop and current phones), other
    /// formats as RGBA8; `null` without a size.
    pub gpu_bytes: Option<u64>,
    /// Its error against the source after any resize, at full resolution; `null` when it is
    /// delivered unchanged.
    pub measured: Option<Figures>,
    /// `--texture-quality auto`: whether `measured` is within the bound of its class; `null`
    /// for a fixed quality or an unchanged image.
    pub within_bound: Option<bool>,
    /// Every encoding tried, probes that ruled steps out first, the delivered one last (one
    /// entry for a fixed quality).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tried: Vec<Tried>,
}

impl TextureEntry {
    /// The entry of `image` delivered as it came, `width` x `height` (`None`: unknown) in
    /// `bytes`, `blocks` when a client keeps it block-compressed; the caller fills in what it
    /// re-encoded and measured.
    pub fn new(
        image: &Image,
        class: Option<Class>,
        size: Option<(u32, u32)>,
        bytes: u64,
        blocks: bool,
    ) -> TextureEntry {
        TextureEntry {
            image: 0,
            name: image.name.clone(),
            class,
            mime_type: image.mime_type.clone(),
            encoding: "unchanged".into(),
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
            bytes,
            source_bytes: image.data.len() as u64,
            gpu_bytes: size.map(|(w, h)| gpu_bytes(w, h, blocks)),
            measured: None,
            within_bound: None,
            tried: vec![],
        }
    }
}

/// Estimated GPU bytes of a `width` x `height` texture and its mip chain down to 1x1:
/// 16 bytes per 4x4 block when `blocks`, else 4 bytes per texel.
pub fn gpu_bytes(width: u32, height: u32, blocks: bool) -> u64 {
    let (mut w, mut h, mut total) = (u64::from(width.max(1)), u64::from(height.max(1)), 0);
    loop {
        total += if blocks {
            w.div_ceil(4) * h.div_ceil(4) * 16
        } else {
            w * h * 4
        };
        if w == 1 && h == 1 {
            return total;
        }
        (w, h) = ((w / 2).max(1), (h / 2).max(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_memory_counts_the_mip_chain() {
        // 4x4: 64 + 16 + 4 bytes as RGBA8; one block per level as BC7.
        assert_eq!(gpu_bytes(4, 4, false), 84);
        assert_eq!(gpu_bytes(4, 4, true), 48);
        // 2048^2 BC7 is 4 MiB at level 0, about 4/3 of it with mips.
        let bc7 = gpu_bytes(2048, 2048, true);
        assert!(bc7 > 4 << 20 && bc7 < (4 << 20) * 4 / 3 + 64, "{bc7}");
        assert_eq!(gpu_bytes(1, 1, false), 4);
    }
}

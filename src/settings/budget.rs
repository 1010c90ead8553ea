//! Delivery budgets and the profiles that preset them.

use super::{Compression, Delivery, Settings, TextureFormat};
use serde::{Deserialize, Serialize};

/// Limits the delivered full-detail level (LOD 0) must meet; the job searches settings until
/// it does (see `job::budget`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Budget {
    /// Most bytes of LOD 0's GLB. Default none.
    pub max_bytes: Option<u64>,
    /// Most triangles of LOD 0. Default none.
    pub max_triangles: Option<u64>,
}

impl Budget {
    /// True when any limit is set.
    pub fn is_set(&self) -> bool {
        self.max_bytes.is_some() || self.max_triangles.is_some()
    }
}

/// Target platforms, each a preset of delivery settings and budgets. Its command-line names are
/// its serde names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Browsers (three.js, Babylon.js, `<model-viewer>`): Khronos 3D Commerce guidance
    /// (at most 100k triangles, under 5 MB, 2K textures), meshopt and KTX2.
    Web,
    /// Google Scene Viewer: at most 100k triangles, 10 MB, 2K textures, no required
    /// compression extension (no meshopt, no KTX2), one UV set.
    ArAndroid,
    /// iOS AR through USDZ converters: 3D Commerce budgets, no compression extension.
    ArIos,
    /// Catalogue previews: under 200 KB, 10k triangles, 512 px textures, meshopt and KTX2.
    Thumbnail,
}

impl Profile {
    /// Sets the delivery settings and budget this profile stands for.
    pub fn apply(self, s: &mut Settings) {
        let (compress, textures, max_texture_size, max_triangles, max_bytes) = match self {
            Profile::Web => (
                Compression::Meshopt,
                TextureFormat::Ktx2,
                2048,
                100_000,
                5_000_000,
            ),
            Profile::ArAndroid => (
                Compression::None,
                TextureFormat::Keep,
                2048,
                100_000,
                10_000_000,
            ),
            Profile::ArIos => (
                Compression::None,
                TextureFormat::Keep,
                2048,
                100_000,
                5_000_000,
            ),
            Profile::Thumbnail => (
                Compression::Meshopt,
                TextureFormat::Ktx2,
                512,
                10_000,
                200_000,
            ),
        };
        s.profile = Some(self);
        s.delivery = Delivery {
            compress,
            texture_format: textures,
            // Scene Viewer and USDZ converters read neither KTX2 nor WebP.
            core_formats_only: matches!(self, Profile::ArAndroid | Profile::ArIos),
            max_texture_size,
            ..s.delivery.clone()
        };
        s.budget = Budget {
            max_bytes: Some(max_bytes),
            max_triangles: Some(max_triangles),
        };
    }

    /// The most UV sets a material may sample from (Scene Viewer reads one).
    pub fn max_uv_sets(self) -> Option<u32> {
        (self == Profile::ArAndroid).then_some(1)
    }
}

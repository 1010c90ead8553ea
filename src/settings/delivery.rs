//! How the delivered files store geometry and textures: quantization, compression, formats.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Buffer compression of the written GLBs. Its command-line names are its serde names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Compression {
    /// Plain buffer views.
    #[default]
    None,
    /// `EXT_meshopt_compression`: vertex codec format v0, readable by every meshopt decoder
    /// (three.js, Babylon.js, `<model-viewer>`).
    Meshopt,
    /// `KHR_meshopt_compression`: vertex codec format v1 (smaller; needs meshoptimizer 0.23+
    /// decoders).
    KhrMeshopt,
}

impl Compression {
    /// The glTF extension that carries it, if any.
    pub fn extension(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Meshopt => Some("EXT_meshopt_compression"),
            Compression::KhrMeshopt => Some("KHR_meshopt_compression"),
        }
    }
}

/// Image format of the delivered textures. Its command-line names are its serde names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum TextureFormat {
    /// The input's format (re-encoded only when resized, and only when that is smaller).
    #[default]
    Keep,
    /// KTX2 with Basis Universal (`KHR_texture_basisu`): ETC1S for colour, UASTC + zstd for
    /// normal and data maps.
    Ktx2,
    /// WebP (`EXT_texture_webp`, required): lossy at the texture quality or lossless, whichever
    /// is smaller.
    Webp,
    /// No extension: opaque colour and data maps as JPEG at the texture quality, normal maps
    /// and images with alpha as PNG.
    Jpeg,
    /// No extension: lossless PNG at maximum compression in the fewest channels.
    Png,
}

/// Default `--max-texture-error` (mean FLIP), from the corpus study in the README's texture
/// section.
pub const DEFAULT_MAX_TEXTURE_ERROR: f32 = 0.04;
/// Default `--max-normal-error` (mean degrees), from the same study.
pub const DEFAULT_MAX_NORMAL_ERROR: f32 = 3.0;

/// How the encoding of a re-encoded texture is chosen. Written `auto` or a number in settings
/// and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextureQuality {
    /// Per texture, the cheapest encoding of its class whose measured error is within the
    /// bound (`max_texture_error`, `max_normal_error`), trying a few in order.
    #[default]
    Auto,
    /// One WebP/JPEG quality, 1 (smallest) to 100 (best), normal maps at least 90; KTX2 as
    /// ETC1S for colour and UASTC with RDO for data and normal maps.
    Fixed(u8),
}

impl std::str::FromStr for TextureQuality {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "auto" {
            return Ok(TextureQuality::Auto);
        }
        match s.parse::<u8>() {
            Ok(q) if (1..=100).contains(&q) => Ok(TextureQuality::Fixed(q)),
            _ => Err(format!("{s}: expected auto or 1 to 100")),
        }
    }
}

impl std::fmt::Display for TextureQuality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextureQuality::Auto => f.write_str("auto"),
            TextureQuality::Fixed(q) => write!(f, "{q}"),
        }
    }
}

impl Serialize for TextureQuality {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            TextureQuality::Auto => s.serialize_str("auto"),
            TextureQuality::Fixed(q) => s.serialize_u8(*q),
        }
    }
}

impl<'de> Deserialize<'de> for TextureQuality {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(u64),
            Word(String),
        }
        let text = match Written::deserialize(d)? {
            Written::Number(q) => q.to_string(),
            Written::Word(w) => w,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Storage of the delivered geometry. Defaults are gltfpack's (`-vp 14 -vt 12 -vn 8 -vc 8`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Delivery {
    /// Quantize vertex attributes (`KHR_mesh_quantization`). Default true.
    pub quantize: bool,
    /// Keep positions as floats while quantizing the other attributes. Default false.
    pub float_positions: bool,
    /// Bits per position component, 1-16 (unsigned integers on one grid for the whole model,
    /// dequantized by node transforms or inverse bind matrices). Default 14.
    pub position_bits: u32,
    /// Bits per normal and tangent component, 1-8 (signed normalized bytes). Default 8.
    pub normal_bits: u32,
    /// Bits per texture coordinate component, 1-16 (unsigned normalized shorts; UVs outside
    /// [0, 1] get a `KHR_texture_transform` per material). Default 12.
    pub texcoord_bits: u32,
    /// Bits per colour component, 1-8 (unsigned normalized bytes). Default 8.
    pub color_bits: u32,
    /// Animation keys per second for resampling dense tracks (0: keep keys). Default 30.
    pub animation_fps: u32,
    /// Buffer compression. Default none.
    pub compress: Compression,
    /// Texture image format. Default keep.
    pub texture_format: TextureFormat,
    /// Deliver images only in core glTF formats (PNG, JPEG): KTX2 and WebP uploads are
    /// transcoded, for platforms without `KHR_texture_basisu` or `EXT_texture_webp` (the AR
    /// profiles). Default false.
    pub core_formats_only: bool,
    /// How each re-encoded texture's encoding is chosen: measured per texture against
    /// `max_texture_error` or, for normal maps, `max_normal_error` (auto), or one fixed choice
    /// (see [`TextureQuality`]). Default auto.
    pub texture_quality: TextureQuality,
    /// Auto quality's bound on a colour or data texture: mean FLIP in texture space against
    /// the source after any resize (data maps: the worst channel they are read from, as grey).
    pub max_texture_error: f32,
    /// Auto quality's bound on a normal map: mean angle between delivered and source normals,
    /// degrees.
    pub max_normal_error: f32,
    /// Largest texture side in pixels (larger images are scaled down). Default 2048.
    pub max_texture_size: u32,
    /// Round texture sides to powers of two. Default false.
    pub texture_pow2: bool,
    /// With compression: also write an uncompressed copy of every compressed buffer view, so
    /// loaders without a meshopt decoder still read the file (the extension is then not
    /// required). Default false.
    pub fallback: bool,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            quantize: true,
            float_positions: false,
            position_bits: 14,
            normal_bits: 8,
            texcoord_bits: 12,
            color_bits: 8,
            animation_fps: 30,
            compress: Compression::None,
            texture_format: TextureFormat::Keep,
            core_formats_only: false,
            texture_quality: TextureQuality::Auto,
            max_texture_error: DEFAULT_MAX_TEXTURE_ERROR,
            max_normal_error: DEFAULT_MAX_NORMAL_ERROR,
            max_texture_size: 2048,
            texture_pow2: false,
            fallback: false,
        }
    }
}

impl Delivery {
    /// Checks the bit counts.
    pub fn validate(&self) -> Result<()> {
        for (flag, bits, max) in [
            ("--position-bits", self.position_bits, 16),
            ("--normal-bits", self.normal_bits, 8),
            ("--texcoord-bits", self.texcoord_bits, 16),
            ("--color-bits", self.color_bits, 8),
        ] {
            if !(1..=max).contains(&bits) {
                return Err(Error::Settings(format!(
                    "{flag} {bits}: expected 1 to {max} bits"
                )));
            }
        }
        if !(4..=16384).contains(&self.max_texture_size) {
            return Err(Error::Settings(format!(
                "--max-texture-size {}: expected 4 to 16384 pixels",
                self.max_texture_size
            )));
        }
        if let TextureQuality::Fixed(q) = self.texture_quality
            && !(1..=100).contains(&q)
        {
            return Err(Error::Settings(format!(
                "--texture-quality {q}: expected auto or 1 to 100"
            )));
        }
        for (flag, bound) in [
            ("--max-texture-error", self.max_texture_error),
            ("--max-normal-error", self.max_normal_error),
        ] {
            if !(bound > 0.0 && bound.is_finite()) {
                return Err(Error::Settings(format!(
                    "{flag} {bound}: expected a positive number"
                )));
            }
        }
        if self.animation_fps > 1000 {
            return Err(Error::Settings(format!(
                "--animation-fps {}: at most 1000",
                self.animation_fps
            )));
        }
        if self.fallback && self.compress == Compression::None {
            return Err(Error::Settings(
                "--compress-fallback needs --compress meshopt or khr-meshopt".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texture_quality_reads_and_writes_auto_or_a_number() {
        for (q, json) in [
            (TextureQuality::Auto, r#""auto""#),
            (TextureQuality::Fixed(80), "80"),
        ] {
            assert_eq!(serde_json::to_string(&q).unwrap(), json);
            assert_eq!(serde_json::from_str::<TextureQuality>(json).unwrap(), q);
        }
        // Settings written before `auto` existed read as the fixed choice they were.
        let old: Delivery = serde_json::from_str(r#"{"texture_quality": 80}"#).unwrap();
        assert_eq!(old.texture_quality, TextureQuality::Fixed(80));
        for bad in ["0", "300", r#""best""#] {
            let e = serde_json::from_str::<TextureQuality>(bad).unwrap_err();
            assert!(
                e.to_string().contains("expected auto or 1 to 100"),
                "{bad}: {e}"
            );
        }
    }
}

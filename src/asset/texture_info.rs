//! References from materials to textures, and the `KHR_texture_transform` they may carry.

use super::Ext;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// `KHR_texture_transform`: offset, rotation and scale of the UVs, and a UV set override.
const TEXTURE_TRANSFORM: &str = "KHR_texture_transform";

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// A reference from a material to a texture (glTF textureInfo, normalTextureInfo and
/// occlusionTextureInfo in one type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextureInfo {
    /// Texture index.
    pub index: usize,
    /// UV set (`TEXCOORD_n`) the texture is sampled with.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tex_coord: u32,
    /// `scale` of a normal texture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f32>,
    /// `strength` of an occlusion texture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<f32>,
    /// Extensions (e.g. `KHR_texture_transform`) and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

/// The affine map `KHR_texture_transform` applies to UVs, as two rows: `u' = r0 · (u, v, 1)`,
/// `v' = r1 · (u, v, 1)`.
pub type UvTransform = [[f32; 3]; 2];

impl TextureInfo {
    /// The UV set actually read, honouring a `KHR_texture_transform` `texCoord` override.
    pub fn uv_set(&self) -> u32 {
        uv_override(&self.ext.extensions).unwrap_or(self.tex_coord)
    }

    /// The UV transform of this reference (identity without `KHR_texture_transform`).
    pub fn uv_transform(&self) -> UvTransform {
        let t = self.transform_params();
        // T * R * S with R = [[cos, sin], [-sin, cos]] (row-major): the direction the Khronos
        // sample renderer and TextureTransformTest's green markers agree on.
        let (s, c) = t.rotation.sin_cos();
        let ([ox, oy], [sx, sy]) = (t.offset, t.scale);
        [[c * sx, s * sy, ox], [-s * sx, c * sy, oy]]
    }

    /// Makes the texture read UV `offset + scale ⊙ q` where it read `q` before: the transform a
    /// quantized UV stream (`q` in [0, 1]) needs so the texture lands where the float UVs put it.
    /// Composes with a transform already present; the UV set override is kept.
    pub fn prepend_uv_affine(&mut self, offset: [f32; 2], scale: [f32; 2]) {
        let mut t = self.transform_params();
        let m = self.uv_transform();
        let apply = |r: [f32; 3]| r[0] * offset[0] + r[1] * offset[1] + r[2];
        // The old transform applied to `offset + scale ⊙ q`: its rotation stays, its scale
        // multiplies, and the image of `offset` becomes the new offset.
        t.offset = [apply(m[0]), apply(m[1])];
        t.scale = [t.scale[0] * scale[0], t.scale[1] * scale[1]];
        let ext = self
            .ext
            .extensions
            .entry(TEXTURE_TRANSFORM)
            .or_insert_with(|| json!({}));
        if let Value::Object(o) = ext {
            o.insert("offset".into(), t.offset.map(shortest).to_vec().into());
            o.insert("scale".into(), t.scale.map(shortest).to_vec().into());
            if t.rotation != 0.0 {
                o.insert("rotation".into(), shortest(t.rotation));
            }
        }
    }

    fn transform_params(&self) -> TransformParams {
        let t = self.ext.extensions.get(TEXTURE_TRANSFORM);
        let num = |k: &str, i: usize, d: f32| {
            t.and_then(|t| t.get(k))
                .and_then(|v| v.get(i))
                .and_then(Value::as_f64)
                .map_or(d, |v| v as f32)
        };
        TransformParams {
            offset: [num("offset", 0, 0.0), num("offset", 1, 0.0)],
            rotation: t
                .and_then(|t| t.get("rotation"))
                .and_then(Value::as_f64)
                .unwrap_or(0.0) as f32,
            scale: [num("scale", 0, 1.0), num("scale", 1, 1.0)],
        }
    }
}

/// `v` as the JSON number with the fewest digits that reads back as the same f32 (a `Value`
/// built from an f32 would hold its f64 widening, 17 digits).
fn shortest(v: f32) -> Value {
    v.to_string()
        .parse::<f64>()
        .map_or(Value::Null, Value::from)
}

struct TransformParams {
    offset: [f32; 2],
    rotation: f32,
    scale: [f32; 2],
}

fn uv_override(extensions: &Map<String, Value>) -> Option<u32> {
    extensions
        .get(TEXTURE_TRANSFORM)?
        .get("texCoord")?
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: UvTransform, u: f32, v: f32) -> [f32; 2] {
        [
            m[0][0] * u + m[0][1] * v + m[0][2],
            m[1][0] * u + m[1][1] * v + m[1][2],
        ]
    }

    #[test]
    fn transform_matches_the_extension() {
        let info: TextureInfo = serde_json::from_value(json!({"index": 0, "extensions":
            {"KHR_texture_transform": {"offset": [0.5, 0.0],
             "rotation": std::f32::consts::FRAC_PI_2, "scale": [2.0, 1.0]}}}))
        .unwrap();
        // Scale (1, 0) to (2, 0), rotate a quarter turn to (0, -2), offset to (0.5, -2).
        let [u, v] = apply(info.uv_transform(), 1.0, 0.0);
        assert!((u - 0.5).abs() < 1e-5 && (v + 2.0).abs() < 1e-5, "{u} {v}");
    }

    #[test]
    fn prepended_affine_composes_with_an_existing_transform() {
        let mut info: TextureInfo = serde_json::from_value(json!({"index": 0, "extensions":
            {"KHR_texture_transform": {"offset": [0.1, 0.2], "rotation": 0.3,
             "scale": [2.0, 3.0], "texCoord": 1}}}))
        .unwrap();
        let before = info.uv_transform();
        let (offset, scale) = ([-4.0, 2.0], [10.0, 0.5]);
        info.prepend_uv_affine(offset, scale);
        for (qu, qv) in [(0.0, 0.0), (1.0, 0.0), (0.25, 0.75)] {
            let want = apply(before, offset[0] + scale[0] * qu, offset[1] + scale[1] * qv);
            let got = apply(info.uv_transform(), qu, qv);
            assert!((want[0] - got[0]).abs() < 1e-4 && (want[1] - got[1]).abs() < 1e-4);
        }
        assert_eq!(info.uv_set(), 1);
    }
}

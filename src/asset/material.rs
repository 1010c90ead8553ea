//! Materials in glTF's JSON shape, plus the texture references they hold.
//!
//! Texture references live in two places: the core slots (`baseColorTexture`, `normalTexture`, ...)
//! and material extensions (`KHR_materials_clearcoat.clearcoatTexture`, ...). Every ratified
//! material extension names its texture slots `*Texture` and gives them glTF's textureInfo shape,
//! so [`Material::for_each_texture_mut`] finds them generically; that is what lets pruning and
//! deduplication renumber textures without knowing every extension.

use super::{Ext, TextureInfo};
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

fn one() -> f32 {
    1.0
}

fn is_one(v: &f32) -> bool {
    *v == 1.0
}

fn white() -> [f32; 4] {
    [1.0; 4]
}

fn is_white(v: &[f32; 4]) -> bool {
    *v == [1.0; 4]
}

fn half() -> f32 {
    0.5
}

/// `pbrMetallicRoughness`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PbrMetallicRoughness {
    /// Linear RGBA multiplier of the base colour.
    #[serde(default = "white", skip_serializing_if = "is_white")]
    pub base_color_factor: [f32; 4],
    /// Base colour texture (sRGB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_color_texture: Option<TextureInfo>,
    /// Metalness multiplier, 0..1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub metallic_factor: f32,
    /// Roughness multiplier, 0..1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub roughness_factor: f32,
    /// Metallic (B) and roughness (G) texture (linear).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metallic_roughness_texture: Option<TextureInfo>,
    /// Extensions and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

impl Default for PbrMetallicRoughness {
    fn default() -> Self {
        PbrMetallicRoughness {
            base_color_factor: white(),
            base_color_texture: None,
            metallic_factor: 1.0,
            roughness_factor: 1.0,
            metallic_roughness_texture: None,
            ext: Ext::default(),
        }
    }
}

/// `alphaMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AlphaMode {
    /// Alpha ignored.
    #[default]
    Opaque,
    /// Alpha tested against `alphaCutoff`.
    Mask,
    /// Alpha blended.
    Blend,
}

/// A glTF material.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Material {
    /// Name from the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Metallic-roughness parameters; absent in the file means the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pbr_metallic_roughness: Option<PbrMetallicRoughness>,
    /// Tangent-space normal map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal_texture: Option<TextureInfo>,
    /// Ambient occlusion (R channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occlusion_texture: Option<TextureInfo>,
    /// Emissive texture (sRGB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emissive_texture: Option<TextureInfo>,
    /// Linear RGB emissive multiplier.
    #[serde(default, skip_serializing_if = "is_default")]
    pub emissive_factor: [f32; 3],
    /// How alpha is interpreted.
    #[serde(default, skip_serializing_if = "is_default")]
    pub alpha_mode: AlphaMode,
    /// Cutoff for `MASK`; the default is 0.5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha_cutoff: Option<f32>,
    /// Back faces are drawn (and lit) when true.
    #[serde(default, skip_serializing_if = "is_default")]
    pub double_sided: bool,
    /// Material extensions (`KHR_materials_*`) and extras.
    #[serde(flatten)]
    pub ext: Ext,
}

impl Material {
    /// Cutoff in effect for `MASK` materials.
    pub fn effective_alpha_cutoff(&self) -> f32 {
        self.alpha_cutoff.unwrap_or_else(half)
    }

    /// Calls `f(texture index, UV set)` for every texture the material samples, core slots and
    /// extension slots alike.
    pub fn for_each_texture(&self, mut f: impl FnMut(usize, u32)) {
        // One walker serves both: materials are a few hundred bytes, a clone costs nothing.
        let mut copy = self.clone();
        copy.for_each_texture_mut(|index, uv| f(*index, uv));
    }

    /// Calls `f(&mut texture index, UV set)` for every texture reference, so callers can renumber.
    pub fn for_each_texture_mut(&mut self, mut f: impl FnMut(&mut usize, u32)) {
        self.for_each_info_mut(|t| {
            let uv = t.uv_set();
            f(&mut t.index, uv);
        });
    }

    /// Calls `f` on every textureInfo the material holds, core slots and extension slots alike;
    /// changes to extension slots are written back into their JSON.
    pub fn for_each_info_mut(&mut self, mut f: impl FnMut(&mut TextureInfo)) {
        self.for_each_slot_mut(|_, t| f(t));
    }

    /// Like [`Material::for_each_info_mut`], with each slot's name (`baseColorTexture`,
    /// `clearcoatNormalTexture`, ...).
    pub fn for_each_slot_mut(&mut self, mut f: impl FnMut(&str, &mut TextureInfo)) {
        if let Some(pbr) = &mut self.pbr_metallic_roughness {
            let slots = [
                ("baseColorTexture", &mut pbr.base_color_texture),
                (
                    "metallicRoughnessTexture",
                    &mut pbr.metallic_roughness_texture,
                ),
            ];
            for (name, t) in slots {
                if let Some(t) = t {
                    f(name, t);
                }
            }
        }
        let slots = [
            ("normalTexture", &mut self.normal_texture),
            ("occlusionTexture", &mut self.occlusion_texture),
            ("emissiveTexture", &mut self.emissive_texture),
        ];
        for (name, t) in slots {
            if let Some(t) = t {
                f(name, t);
            }
        }
        for value in self.ext.extensions.values_mut() {
            visit_extension_textures(value, &mut f);
        }
    }

    /// True when any slot that needs tangents (normal maps, clearcoat normals, anisotropy) is used.
    pub fn needs_tangents(&self) -> bool {
        self.normal_texture.is_some()
            || self.ext.extensions.contains_key("KHR_materials_anisotropy")
            || self
                .ext
                .extensions
                .get("KHR_materials_clearcoat")
                .is_some_and(|c| c.get("clearcoatNormalTexture").is_some())
    }
}

/// Walks an extension object: any member named `*Texture` holding an object with an integer
/// `index` is a textureInfo.
fn visit_extension_textures(value: &mut Value, f: &mut impl FnMut(&str, &mut TextureInfo)) {
    let Value::Object(map) = value else { return };
    for (key, member) in map.iter_mut() {
        if key.ends_with("Texture") && member.get("index").is_some_and(Value::is_u64) {
            if let Ok(mut info) = serde_json::from_value::<TextureInfo>(member.clone()) {
                let before = info.clone();
                f(key, &mut info);
                if info != before {
                    *member = serde_json::to_value(&info).expect("textureInfo serializes");
                }
            }
            continue;
        }
        visit_extension_textures(member, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_core_and_extension_textures() {
        let mut m: Material = serde_json::from_value(json!({
            "pbrMetallicRoughness": {"baseColorTexture": {"index": 0}},
            "normalTexture": {"index": 1, "texCoord": 1, "scale": 0.5},
            "extensions": {
                "KHR_materials_clearcoat": {
                    "clearcoatFactor": 1.0,
                    "clearcoatNormalTexture": {"index": 2,
                        "extensions": {"KHR_texture_transform": {"texCoord": 1}}}
                },
                "KHR_materials_sheen": {"sheenColorTexture": {"index": 3}}
            }
        }))
        .unwrap();
        let mut seen = vec![];
        m.for_each_texture(|i, uv| seen.push((i, uv)));
        seen.sort();
        assert_eq!(seen, vec![(0, 0), (1, 1), (2, 1), (3, 0)]);
        assert!(m.needs_tangents());

        m.for_each_texture_mut(|i, _| *i += 10);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v["extensions"]["KHR_materials_sheen"]["sheenColorTexture"]["index"],
            13
        );
        assert_eq!(v["normalTexture"]["scale"], 0.5);
    }

    #[test]
    fn defaults_are_not_written() {
        let m: Material = serde_json::from_value(json!({"name": "m"})).unwrap();
        assert_eq!(serde_json::to_value(&m).unwrap(), json!({"name": "m"}));
    }
}

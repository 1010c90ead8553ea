//! glTF materials as the PBR shader's uniform and bind group.
//!
//! Shaded: metallic-roughness, normal, occlusion, emissive (with
//! `KHR_materials_emissive_strength`), alpha modes, double-sided, `KHR_texture_transform`,
//! `KHR_materials_unlit`. `KHR_materials_pbrSpecularGlossiness` without a metallic-roughness
//! fallback is approximated (diffuse as base colour, roughness = 1 - glossiness). Other material
//! extensions are not shaded: the base material is drawn and the manifest says so.

use super::pbr::Pbr;
use super::textures::{self, TextureCache};
use crate::asset::{AlphaMode, Asset, Material, TextureInfo};
use crate::report::Warning;
use serde_json::Value;

/// Material extensions the shader implements (the others degrade, with a warning).
const SHADED: &[&str] = &[
    "KHR_materials_emissive_strength",
    "KHR_materials_unlit",
    "KHR_materials_pbrSpecularGlossiness",
];

/// The shader's `Material` uniform (256 bytes).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Uniform {
    base_color: [f32; 4],
    emissive: [f32; 4],
    params: [f32; 4],
    alpha: [f32; 4],
    uv_sets: [u32; 4],
    uv_sets2: [u32; 4],
    transforms: [[f32; 4]; 10],
}

/// How textures are sampled in one render.
#[derive(Debug, Clone, Copy)]
pub struct TextureSettings {
    /// Size cap the textures were uploaded with.
    pub max_size: u32,
    /// Anisotropic filtering limit (1 on CPU adapters, where it is expensive).
    pub anisotropy: u16,
}

/// A material ready to draw.
pub struct GpuMaterial {
    /// Group 1.
    pub bind: wgpu::BindGroup,
    /// Alpha blended.
    pub blend: bool,
    /// Both faces drawn.
    pub double_sided: bool,
}

/// Texture slots in shader order, with their colour space.
const SLOTS: [(&str, bool); 5] = [
    ("base", true),
    ("metallic-roughness", false),
    ("normal", false),
    ("occlusion", false),
    ("emissive", true),
];

/// (texture info, srgb) per slot of `m`, spec-gloss mapped onto metallic-roughness.
fn slots(m: &Material) -> [Option<TextureInfo>; 5] {
    let pbr = m.pbr_metallic_roughness.as_ref();
    let base = pbr.and_then(|p| p.base_color_texture.clone()).or_else(|| {
        spec_gloss(m)
            .and_then(|sg| sg.get("diffuseTexture").cloned())
            .and_then(|t| serde_json::from_value(t).ok())
    });
    [
        base,
        pbr.and_then(|p| p.metallic_roughness_texture.clone()),
        m.normal_texture.clone(),
        m.occlusion_texture.clone(),
        m.emissive_texture.clone(),
    ]
}

fn spec_gloss(m: &Material) -> Option<&Value> {
    if m.pbr_metallic_roughness.is_some() {
        return None;
    }
    m.ext.extensions.get("KHR_materials_pbrSpecularGlossiness")
}

/// The images (and colour spaces) `materials` sample, for [`TextureCache::prepare`].
pub fn images_used(asset: &Asset) -> Vec<(usize, bool)> {
    let mut out = vec![];
    for m in &asset.materials {
        for (info, (_, srgb)) in slots(m).iter().zip(SLOTS) {
            if let Some(img) = info.as_ref().and_then(|t| image_of(asset, t.index)) {
                out.push((img, srgb));
            }
        }
    }
    out
}

fn image_of(asset: &Asset, texture: usize) -> Option<usize> {
    asset
        .textures
        .get(texture)?
        .image()
        .filter(|&i| i < asset.images.len())
}

/// Row pair of a KHR_texture_transform (or identity), padded for the uniform buffer.
fn transform(info: Option<&TextureInfo>) -> ([f32; 4], [f32; 4]) {
    let [r0, r1] = info.map_or(
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        TextureInfo::uv_transform,
    );
    ([r0[0], r0[1], r0[2], 0.0], [r1[0], r1[1], r1[2], 0.0])
}

/// Builds material `index` of `asset` (`None`: the glTF default material).
pub fn build(
    device: &wgpu::Device,
    pbr: &Pbr,
    cache: &TextureCache,
    asset: &Asset,
    index: Option<usize>,
    textures: TextureSettings,
    warnings: &mut Vec<Warning>,
) -> GpuMaterial {
    let default = Material {
        name: None,
        pbr_metallic_roughness: None,
        normal_texture: None,
        occlusion_texture: None,
        emissive_texture: None,
        emissive_factor: [0.0; 3],
        alpha_mode: AlphaMode::Opaque,
        alpha_cutoff: None,
        double_sided: false,
        ext: Default::default(),
    };
    let m = index
        .and_then(|i| asset.materials.get(i))
        .unwrap_or(&default);
    for name in m
        .ext
        .extensions
        .keys()
        .filter(|k| !SHADED.contains(&k.as_str()))
    {
        warnings.push(Warning::at(
            "RENDER_EXTENSION_NOT_SHADED",
            format!("/materials/{}", index.unwrap_or(0)),
            format!("{name} is not shaded by the thumbnail renderer; the base material is drawn"),
        ));
    }
    let uniform = uniform(m);
    let infos = slots(m);
    let mut views = vec![];
    let mut samplers = vec![];
    for (slot, (info, (_, srgb))) in infos.iter().zip(SLOTS).enumerate() {
        let texture = info.as_ref().and_then(|t| asset.textures.get(t.index));
        let gpu = info
            .as_ref()
            .and_then(|t| image_of(asset, t.index))
            .and_then(|i| asset.images.get(i))
            .and_then(|img| cache.get(img, srgb, textures.max_size));
        views.push(match (gpu, slot) {
            (Some(t), _) => t.view.clone(),
            (None, 2) => pbr.flat_normal.clone(),
            (None, _) => pbr.white.clone(),
        });
        let sampler = texture
            .and_then(|t| t.sampler)
            .and_then(|s| asset.samplers.get(s));
        samplers.push(textures::sampler(device, sampler, textures.anisotropy));
    }
    use wgpu::util::DeviceExt;
    let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("material"),
        contents: bytemuck::bytes_of(&uniform),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let mut entries = vec![wgpu::BindGroupEntry {
        binding: 0,
        resource: buffer.as_entire_binding(),
    }];
    for (k, v) in views.iter().enumerate() {
        entries.push(wgpu::BindGroupEntry {
            binding: 1 + k as u32,
            resource: wgpu::BindingResource::TextureView(v),
        });
    }
    for (k, s) in samplers.iter().enumerate() {
        entries.push(wgpu::BindGroupEntry {
            binding: 6 + k as u32,
            resource: wgpu::BindingResource::Sampler(s),
        });
    }
    GpuMaterial {
        bind: device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("material"),
            layout: &pbr.material_layout,
            entries: &entries,
        }),
        blend: m.alpha_mode == AlphaMode::Blend,
        double_sided: m.double_sided,
    }
}

fn uniform(m: &Material) -> Uniform {
    let pbr = m.pbr_metallic_roughness.clone().unwrap_or_default();
    let mut base_color = pbr.base_color_factor;
    let (mut metallic, mut roughness) = (pbr.metallic_factor, pbr.roughness_factor);
    if let Some(sg) = spec_gloss(m) {
        if let Some(d) = sg.get("diffuseFactor").and_then(Value::as_array) {
            base_color =
                std::array::from_fn(|i| d.get(i).and_then(Value::as_f64).unwrap_or(1.0) as f32);
        }
        metallic = 0.0;
        roughness = 1.0
            - sg.get("glossinessFactor")
                .and_then(Value::as_f64)
                .unwrap_or(1.0) as f32;
    }
    let strength = m
        .ext
        .extensions
        .get("KHR_materials_emissive_strength")
        .and_then(|e| e.get("emissiveStrength"))
        .and_then(Value::as_f64)
        .unwrap_or(1.0) as f32;
    let e = m.emissive_factor;
    let infos = slots(m);
    let uv = |k: usize| infos[k].as_ref().map_or(0, TextureInfo::uv_set);
    let mut transforms = [[0.0; 4]; 10];
    for (k, info) in infos.iter().enumerate() {
        let (r0, r1) = transform(info.as_ref());
        transforms[2 * k] = r0;
        transforms[2 * k + 1] = r1;
    }
    Uniform {
        base_color,
        emissive: [e[0] * strength, e[1] * strength, e[2] * strength, 0.0],
        params: [
            metallic,
            roughness,
            m.normal_texture
                .as_ref()
                .and_then(|t| t.scale)
                .unwrap_or(1.0),
            m.occlusion_texture
                .as_ref()
                .and_then(|t| t.strength)
                .unwrap_or(1.0),
        ],
        alpha: [
            m.effective_alpha_cutoff(),
            match m.alpha_mode {
                AlphaMode::Opaque => 0.0,
                AlphaMode::Mask => 1.0,
                AlphaMode::Blend => 2.0,
            },
            if m.ext.extensions.contains_key("KHR_materials_unlit") {
                1.0
            } else {
                0.0
            },
            0.0,
        ],
        uv_sets: [uv(0), uv(1), uv(2), uv(3)],
        uv_sets2: [uv(4), 0, 0, 0],
        transforms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spec_gloss_only_materials_are_approximated() {
        let m: Material =
            serde_json::from_value(json!({"extensions": {"KHR_materials_pbrSpecularGlossiness":
            {"diffuseFactor": [0.5, 0.25, 1.0, 1.0], "glossinessFactor": 0.75}}}))
            .unwrap();
        let u = uniform(&m);
        assert_eq!(u.base_color, [0.5, 0.25, 1.0, 1.0]);
        assert_eq!((u.params[0], u.params[1]), (0.0, 0.25));
    }
}

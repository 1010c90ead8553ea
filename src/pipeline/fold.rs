//! Textures that say nothing a factor could not: folded away before delivery.
//!
//! * A base colour, emissive or metal/roughness texture whose every pixel is the same colour
//!   becomes part of its factor (sRGB colours converted to the linear factors glTF multiplies
//!   them with), and the reference is dropped.
//! * A normal map whose every pixel is the flat normal (128, 128, 255) is dropped.
//! * A BLEND or MASK material whose alpha is 1 everywhere (factor, base colour texture, and the
//!   vertex colours of every primitive drawn with it) becomes OPAQUE: no sorting, no overdraw.
//!
//! Images in any format the crate decodes (PNG, JPEG, WebP, KTX2) are inspected, each decoded
//! once, in parallel, and only when their size leaves room for one colour or their alpha matters. The textures and
//! images left unreferenced are removed by the pruning stage that follows.

use crate::asset::{AlphaMode, Asset, Material, Semantic};
use crate::report::{StageReport, Warning};
use crate::settings::Settings;
use image::RgbaImage;
use rayon::prelude::*;

/// Per image: the one colour all its pixels share, and whether its alpha is 255 everywhere.
#[derive(Debug, Clone, Copy, Default)]
struct Summary {
    solid: Option<[u8; 4]>,
    opaque: bool,
}

fn summarize(image: &RgbaImage) -> Summary {
    let mut pixels = image.pixels().map(|p| p.0);
    let first = pixels.next().unwrap_or([0, 0, 0, 255]);
    let (mut solid, mut opaque) = (true, first[3] == 255);
    for p in pixels {
        solid &= p == first;
        opaque &= p[3] == 255;
        if !solid && !opaque {
            break;
        }
    }
    Summary {
        solid: solid.then_some(first),
        opaque,
    }
}

/// Folds what it can in every material of `asset`; reports the texture references replaced
/// by factors (or dropped) and the materials made opaque, and warns when there were any.
pub fn run(asset: &mut Asset, _: &Settings) -> StageReport {
    let alpha_matters = alpha_sources(asset);
    let summaries: Vec<Option<Summary>> = asset
        .images
        .par_iter()
        .enumerate()
        .map(|(i, img)| summary_of_image(img, alpha_matters.contains(&i)))
        .collect();
    let summary_of = |textures: &[crate::asset::Texture], t: usize| {
        textures
            .get(t)
            .and_then(crate::asset::Texture::image)
            .and_then(|i| summaries.get(i).copied().flatten())
    };
    let (mut textures, mut opaque) = (0, 0);
    let translucent_vertices = translucent_vertex_colors(asset);
    for (m, material) in asset.materials.iter_mut().enumerate() {
        let summary = |t: usize| summary_of(&asset.textures, t);
        textures += fold_textures(material, &summary);
        if material.alpha_mode != AlphaMode::Opaque
            && always_opaque(material, &summary)
            && !translucent_vertices.contains(&m)
        {
            material.alpha_mode = AlphaMode::Opaque;
            material.alpha_cutoff = None;
            opaque += 1;
        }
    }
    let mut report = StageReport::new("fold");
    report.changed("textures_folded_into_factors", textures);
    report.changed("materials_made_opaque", opaque);
    if textures + opaque > 0 {
        report.warnings.push(Warning::global(
            "MATERIALS_SIMPLIFIED",
            format!(
                "{textures} solid-colour or flat textures folded into factors, {opaque} materials made opaque (their alpha is 1 everywhere)"
            ),
        ));
    }
    report
}

/// Decodes `img` when it could be one colour or its alpha matters. A one-colour image
/// compresses to well under a quarter bit per pixel (PNG: a few bytes per row; baseline JPEG:
/// a few bits per 8x8 block), so anything larger is known not to be solid from its size and
/// header alone (which keeps big photo textures from being decoded here).
fn summary_of_image(img: &crate::asset::Image, alpha_matters: bool) -> Option<Summary> {
    let (w, h) = crate::texture::dimensions(img).ok()?;
    let pixels = u64::from(w) * u64::from(h);
    // Small images are cheap to decode, and their headers outweigh their pixels.
    let could_be_solid = pixels <= 256 * 256 || (img.data.len() as u64) * 32 < pixels;
    if !could_be_solid && !alpha_matters {
        return None;
    }
    let decoded = crate::texture::decode(img, u32::MAX).ok()?;
    Some(summarize(&decoded))
}

/// Images sampled as the base colour of a BLEND or MASK material (their alpha decides whether
/// the material can be opaque).
fn alpha_sources(asset: &Asset) -> Vec<usize> {
    asset
        .materials
        .iter()
        .filter(|m| m.alpha_mode != AlphaMode::Opaque)
        .filter_map(|m| {
            m.pbr_metallic_roughness
                .as_ref()?
                .base_color_texture
                .as_ref()
        })
        .filter_map(|t| asset.textures.get(t.index)?.image())
        .collect()
}

/// Materials drawn by some primitive whose vertex colours carry alpha below 1.
fn translucent_vertex_colors(asset: &Asset) -> Vec<usize> {
    let mut out = vec![];
    for (_, _, p) in asset.primitives() {
        let translucent = p
            .attribute(&Semantic::Color(0))
            .is_some_and(|c| c.format.dims == 4 && c.values.chunks_exact(4).any(|v| v[3] < 1.0));
        if translucent {
            out.extend(p.materials());
        }
    }
    out
}

fn always_opaque(m: &Material, summary: &impl Fn(usize) -> Option<Summary>) -> bool {
    let Some(pbr) = &m.pbr_metallic_roughness else {
        return true;
    };
    pbr.base_color_factor[3] >= 1.0
        && pbr
            .base_color_texture
            .as_ref()
            .is_none_or(|t| summary(t.index).is_some_and(|s| s.opaque))
}

/// Replaces solid textures by factors; returns how many references went.
fn fold_textures(m: &mut Material, summary: &impl Fn(usize) -> Option<Summary>) -> usize {
    let solid = |t: &Option<crate::asset::TextureInfo>| {
        t.as_ref()
            .and_then(|t| summary(t.index))
            .and_then(|s| s.solid)
    };
    let mut n = 0;
    if let Some(pbr) = &mut m.pbr_metallic_roughness {
        if let Some(c) = solid(&pbr.base_color_texture) {
            for (f, c) in pbr.base_color_factor.iter_mut().zip(c).take(3) {
                *f *= crate::texture::srgb::to_linear(c);
            }
            pbr.base_color_factor[3] *= f32::from(c[3]) / 255.0;
            pbr.base_color_texture = None;
            n += 1;
        }
        if let Some(c) = solid(&pbr.metallic_roughness_texture) {
            pbr.roughness_factor *= f32::from(c[1]) / 255.0;
            pbr.metallic_factor *= f32::from(c[2]) / 255.0;
            pbr.metallic_roughness_texture = None;
            n += 1;
        }
    }
    if let Some(c) = solid(&m.emissive_texture) {
        for (f, c) in m.emissive_factor.iter_mut().zip(c) {
            *f *= crate::texture::srgb::to_linear(c);
        }
        m.emissive_texture = None;
        n += 1;
    }
    if solid(&m.normal_texture).is_some_and(|c| c[..3] == [128, 128, 255]) {
        m.normal_texture = None;
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn solid_textures_become_factors_and_opaque_alpha_becomes_opaque() {
        let mut m: Material = serde_json::from_value(json!({
            "alphaMode": "BLEND",
            "pbrMetallicRoughness": {"baseColorTexture": {"index": 0}, "baseColorFactor": [1, 1, 1, 1],
                                     "metallicRoughnessTexture": {"index": 1}},
            "normalTexture": {"index": 2}
        }))
        .unwrap();
        let s = |t: usize| {
            Some(Summary {
                solid: Some([[255, 128, 0, 255], [0, 51, 255, 255], [128, 128, 255, 255]][t]),
                opaque: true,
            })
        };
        assert!(always_opaque(&m, &s));
        assert_eq!(fold_textures(&mut m, &s), 3);
        let pbr = m.pbr_metallic_roughness.as_ref().unwrap();
        assert!(pbr.base_color_texture.is_none() && m.normal_texture.is_none());
        assert!(
            (pbr.base_color_factor[1] - 0.2158).abs() < 1e-3,
            "{:?}",
            pbr.base_color_factor
        );
        assert!((pbr.roughness_factor - 0.2).abs() < 1e-6);
        assert_eq!(pbr.metallic_factor, 1.0);
    }
}

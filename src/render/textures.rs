//! Material textures on the GPU: decoded once per image and colour space, mipmapped, cached.
//!
//! Images are decoded on the rayon pool: PNG, JPEG and WebP with the `image` crate, KTX2
//! (`KHR_texture_basisu`) with the Basis transcoder, at the mip level nearest the cap. Mipmaps are
//! generated on the CPU with a 2x2 box filter, in linear light for sRGB textures (base colour,
//! emissive) so edges do not darken. Textures larger than the renderer's cap are reduced first
//! (a 512-pixel thumbnail gains nothing from 8K texels). An image that cannot be decoded is
//! replaced by the slot's neutral default with a warning.

use crate::asset::{Image, Sampler};
use crate::report::Warning;
use crate::texture::srgb;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Decoded RGBA8 pixels.
pub struct Rgba {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub pixels: Vec<u8>,
}

/// Decodes an encoded image to RGBA8; a KTX2 image gives its smallest mip level of at least
/// `min_side` pixels.
pub fn decode(image: &Image, min_side: u32) -> Result<Rgba, String> {
    let rgba = crate::texture::decode(image, min_side)?;
    Ok(Rgba {
        width: rgba.width(),
        height: rgba.height(),
        pixels: rgba.into_raw(),
    })
}

/// Halves `img` with a 2x2 box filter (odd edges clamp); colour channels averaged in linear
/// light when `srgb`.
pub fn half(img: &Rgba, srgb: bool) -> Rgba {
    let (w, h) = ((img.width / 2).max(1), (img.height / 2).max(1));
    let stride = img.width as usize * 4;
    let mut pixels = vec![0u8; (w * h * 4) as usize];
    for (y, row) in pixels.chunks_exact_mut(w as usize * 4).enumerate() {
        let r0 = (2 * y).min(img.height as usize - 1) * stride;
        let r1 = (2 * y + 1).min(img.height as usize - 1) * stride;
        for (x, out) in row.chunks_exact_mut(4).enumerate() {
            let c0 = (2 * x).min(img.width as usize - 1) * 4;
            let c1 = (2 * x + 1).min(img.width as usize - 1) * 4;
            let taps = [r0 + c0, r0 + c1, r1 + c0, r1 + c1];
            for (c, o) in out.iter_mut().enumerate() {
                *o = if srgb && c < 3 {
                    let sum: f32 = taps
                        .iter()
                        .map(|&p| srgb::to_linear(img.pixels[p + c]))
                        .sum();
                    srgb::from_linear(sum / 4.0)
                } else {
                    let sum: u32 = taps.iter().map(|&p| u32::from(img.pixels[p + c])).sum();
                    ((sum + 2) / 4) as u8
                };
            }
        }
    }
    Rgba {
        width: w,
        height: h,
        pixels,
    }
}

/// A texture on the GPU.
pub struct GpuTexture {
    /// All mips.
    pub view: wgpu::TextureView,
}

/// Uploads `levels` (mip 0 first) as one texture.
pub fn upload(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    levels: &[Rgba],
    srgb: bool,
) -> GpuTexture {
    let format = if srgb {
        wgpu::TextureFormat::Rgba8UnormSrgb
    } else {
        wgpu::TextureFormat::Rgba8Unorm
    };
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("material texture"),
        size: wgpu::Extent3d {
            width: levels[0].width,
            height: levels[0].height,
            depth_or_array_layers: 1,
        },
        mip_level_count: levels.len() as u32,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    for (mip, level) in levels.iter().enumerate() {
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &texture,
                mip_level: mip as u32,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &level.pixels,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(level.width * 4),
                rows_per_image: Some(level.height),
            },
            wgpu::Extent3d {
                width: level.width,
                height: level.height,
                depth_or_array_layers: 1,
            },
        );
    }
    GpuTexture {
        view: texture.create_view(&Default::default()),
    }
}

/// The full mip chain of `img`, first reduced until no side exceeds `max_size`.
pub fn mip_chain(mut img: Rgba, srgb: bool, max_size: u32) -> Vec<Rgba> {
    while img.width.max(img.height) > max_size {
        img = half(&img, srgb);
    }
    let mut levels = vec![img];
    loop {
        let last = levels.last().expect("one level");
        if last.width == 1 && last.height == 1 {
            break;
        }
        let next = half(last, srgb);
        levels.push(next);
    }
    levels
}

/// Decoded, uploaded textures keyed by image bytes, colour space and size cap, shared by the
/// renders of one job (the source and each LOD use the same images, and every LOD the same
/// delivered ones). Each entry holds the bytes it was decoded from, so that their address, the
/// key, cannot be reused by other bytes while the entry lives (the budget search drops one
/// attempt's delivered textures before encoding the next).
#[derive(Default)]
pub struct TextureCache {
    map: Mutex<HashMap<CacheKey, Cached>>,
}

/// An image's [`key`], its colour space (sRGB or not) and the size cap, pixels.
type CacheKey = (usize, bool, u32);
/// The bytes an upload was decoded from, and the upload.
type Cached = (Arc<[u8]>, Arc<GpuTexture>);

impl TextureCache {
    /// Uploads the images `wanted` ((image index, srgb) pairs) that are not cached yet, decoding
    /// in parallel. Returns warnings for images that cannot be decoded.
    pub fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        images: &[Image],
        wanted: &[(usize, bool)],
        max_size: u32,
    ) -> Vec<Warning> {
        use rayon::prelude::*;
        let missing: Vec<(usize, bool)> = {
            let map = self.map.lock().expect("texture cache");
            let mut m: Vec<_> = wanted
                .iter()
                .copied()
                .filter(|&(i, s)| !map.contains_key(&(key(&images[i]), s, max_size)))
                .collect();
            m.sort_unstable();
            m.dedup();
            m
        };
        let decoded: Vec<_> = missing
            .par_iter()
            .map(|&(i, srgb)| {
                (
                    i,
                    srgb,
                    decode(&images[i], max_size).map(|d| mip_chain(d, srgb, max_size)),
                )
            })
            .collect();
        let mut warnings = vec![];
        let mut map = self.map.lock().expect("texture cache");
        for (i, srgb, result) in decoded {
            match result {
                Ok(levels) => {
                    let texture = Arc::new(upload(device, queue, &levels, srgb));
                    let bytes = Arc::clone(&images[i].data);
                    map.insert((key(&images[i]), srgb, max_size), (bytes, texture));
                }
                Err(e) => warnings.push(Warning::at(
                    "RENDER_TEXTURE_UNREADABLE",
                    format!("/images/{i}"),
                    format!(
                        "{} image not decoded ({e}); rendered with a neutral default",
                        images[i].mime_type
                    ),
                )),
            }
        }
        warnings
    }

    /// The uploaded texture of `image` in colour space `srgb` at size cap `max_size`, if
    /// [`Self::prepare`] made one.
    pub fn get(&self, image: &Image, srgb: bool, max_size: u32) -> Option<Arc<GpuTexture>> {
        self.map
            .lock()
            .expect("texture cache")
            .get(&(key(image), srgb, max_size))
            .map(|(_, texture)| Arc::clone(texture))
    }
}

/// Identity of an image's bytes: LOD assets share the source's `Arc`.
fn key(image: &Image) -> usize {
    image.data.as_ptr() as usize
}

/// A wgpu sampler for a glTF sampler (`None`: repeat, trilinear). Filtering is anisotropic
/// (up to `anisotropy`) when every filter is linear.
pub fn sampler(device: &wgpu::Device, s: Option<&Sampler>, anisotropy: u16) -> wgpu::Sampler {
    const NEAREST: u32 = 9728;
    const NEAREST_MIPMAP_NEAREST: u32 = 9984;
    const LINEAR_MIPMAP_NEAREST: u32 = 9985;
    const NEAREST_MIPMAP_LINEAR: u32 = 9986;
    let address = |code: u32| match code {
        33071 => wgpu::AddressMode::ClampToEdge,
        33648 => wgpu::AddressMode::MirrorRepeat,
        _ => wgpu::AddressMode::Repeat,
    };
    let mag = s.and_then(|s| s.mag_filter);
    let min = s.and_then(|s| s.min_filter);
    let mag_filter = if mag == Some(NEAREST) {
        wgpu::FilterMode::Nearest
    } else {
        wgpu::FilterMode::Linear
    };
    let min_filter = match min {
        Some(NEAREST | NEAREST_MIPMAP_NEAREST | NEAREST_MIPMAP_LINEAR) => wgpu::FilterMode::Nearest,
        _ => wgpu::FilterMode::Linear,
    };
    let mipmap_filter = match min {
        Some(NEAREST_MIPMAP_NEAREST | LINEAR_MIPMAP_NEAREST) => wgpu::MipmapFilterMode::Nearest,
        _ => wgpu::MipmapFilterMode::Linear,
    };
    let all_linear = mag_filter == wgpu::FilterMode::Linear
        && min_filter == wgpu::FilterMode::Linear
        && mipmap_filter == wgpu::MipmapFilterMode::Linear;
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some("material sampler"),
        address_mode_u: address(s.map_or(10497, |s| s.wrap_s)),
        address_mode_v: address(s.map_or(10497, |s| s.wrap_t)),
        mag_filter,
        min_filter,
        mipmap_filter,
        anisotropy_clamp: if all_linear { anisotropy } else { 1 },
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_mips_average_in_linear_light() {
        // Black and white pixels average to linear 0.5, which is sRGB 188, not 128.
        let img = Rgba {
            width: 2,
            height: 1,
            pixels: vec![0, 0, 0, 255, 255, 255, 255, 255],
        };
        let h = half(&img, true);
        assert_eq!((h.width, h.height), (1, 1));
        assert_eq!(h.pixels[0], 188);
        assert_eq!(half(&img, false).pixels[0], 128);
        let chain = mip_chain(
            Rgba {
                width: 8,
                height: 2,
                pixels: vec![255; 64],
            },
            false,
            4,
        );
        let sizes: Vec<_> = chain.iter().map(|l| (l.width, l.height)).collect();
        assert_eq!(sizes, vec![(4, 1), (2, 1), (1, 1)]);
    }
}

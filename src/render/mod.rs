//! Headless rendering with wgpu: thumbnails and the images visual QA compares.
//!
//! One [`Renderer`] per process owns the device, the environment lighting and the pipelines;
//! every job shares it. [`Renderer::render`] draws one asset from any number of views in a
//! single submission: per view, a 4x MSAA linear HDR pass (Rgba16Float, premultiplied alpha,
//! transparent background), a resolve, a tone-mapping pass (Khronos PBR Neutral) that writes
//! straight-alpha sRGB bytes, and a padded copy back to the CPU.
//!
//! Only this module imports wgpu.

pub mod camera;
mod gpu;
mod ibl;
mod material;
mod pbr;
pub mod posed;
mod post;
mod readback;
mod scene;
pub mod shaders;
mod textures;
mod timing;

pub use camera::{Framing, View};
pub use gpu::{AdapterReport, GpuError};
pub use readback::RgbaImage;
pub use textures::TextureCache;

use crate::asset::Asset;
use crate::error::Result;
use crate::report::Warning;
use std::sync::{Arc, Mutex};

/// One image to render.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewRequest {
    /// Camera direction.
    pub view: View,
    /// Width and height in pixels (any size; square images).
    pub size: u32,
}

/// What a render produced.
pub struct Rendered {
    /// One image per request, in request order.
    pub images: Vec<RgbaImage>,
    /// What could not be shown as authored (unshaded extensions, undecodable textures).
    pub warnings: Vec<Warning>,
    /// The sphere the views were framed on.
    pub framing: Framing,
    /// GPU time of the passes (all views), milliseconds, when the adapter has timestamps.
    pub gpu_ms: Option<f64>,
}

/// A renderer created on first use, so a command can refuse bad input before touching the GPU.
pub struct LazyRenderer {
    allow_software: bool,
    cell: std::sync::OnceLock<Renderer>,
}

impl LazyRenderer {
    /// A renderer that already exists (a worker creates it at start, for its readiness check).
    pub fn ready(renderer: Renderer) -> LazyRenderer {
        let cell = std::sync::OnceLock::new();
        let allow_software = renderer.allow_software;
        let _ = cell.set(renderer);
        LazyRenderer {
            allow_software,
            cell,
        }
    }

    /// A renderer to be created by [`LazyRenderer::get`] with this software policy.
    pub fn new(allow_software: bool) -> LazyRenderer {
        LazyRenderer {
            allow_software,
            cell: std::sync::OnceLock::new(),
        }
    }

    /// The renderer, created now if it was not yet.
    pub fn get(&self) -> Result<&Renderer> {
        if let Some(r) = self.cell.get() {
            return Ok(r);
        }
        let r = Renderer::new(self.allow_software)?;
        Ok(self.cell.get_or_init(|| r))
    }
}

/// Everything bound to one device; rebuilt whole when the device is lost.
struct Context {
    /// 1 for the renderer's first device, one more for each replacement.
    generation: u64,
    gpu: gpu::Gpu,
    env: ibl::Environment,
    pbr: pbr::Pbr,
    post: post::Post,
}

impl Context {
    fn new(allow_software: bool, generation: u64) -> std::result::Result<Context, GpuError> {
        let gpu = gpu::Gpu::new(allow_software)?;
        let env = ibl::Environment::new(&gpu.device, &gpu.queue);
        let pbr = pbr::Pbr::new(&gpu.device, &gpu.queue);
        let post = post::Post::new(&gpu.device, 1.0);
        Ok(Context {
            generation,
            gpu,
            env,
            pbr,
            post,
        })
    }
}

/// The process-wide renderer.
pub struct Renderer {
    context: Mutex<Arc<Context>>,
    /// Held while a render uses the device: concurrent jobs take turns instead of
    /// oversubscribing it.
    busy: Mutex<()>,
    allow_software: bool,
    /// Largest texture side uploaded, pixels.
    pub max_texture: u32,
}

/// The frame uniform of pbr.wgsl.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct FrameUniform {
    view_proj: [f32; 16],
    camera_pos: [f32; 4],
    env: [f32; 4],
}

impl Renderer {
    /// Creates the device (policy in `gpu`), the environment lighting and the pipelines.
    pub fn new(allow_software: bool) -> std::result::Result<Renderer, GpuError> {
        Ok(Renderer {
            context: Mutex::new(Arc::new(Context::new(allow_software, 1)?)),
            busy: Mutex::new(()),
            allow_software,
            max_texture: 2048,
        })
    }

    /// The adapter in use.
    pub fn adapter(&self) -> AdapterReport {
        self.current().gpu.report.clone()
    }

    /// How many devices this renderer has created: 1 from [`Renderer::new`], plus one for
    /// every lost device it replaced.
    pub fn generation(&self) -> u64 {
        self.current().generation
    }

    fn current(&self) -> Arc<Context> {
        self.context.lock().expect("renderer context").clone()
    }

    /// Renders a generated triangle and checks it shows: the worker's readiness test.
    pub fn self_test(&self) -> Result<()> {
        let asset = self_test_asset();
        let request = ViewRequest {
            view: View::Front,
            size: 64,
        };
        let r = self.render(&asset, &[request], &TextureCache::default(), None)?;
        let at = (32 * 64 + 32) * 4;
        let centre: [u8; 4] = r.images[0].pixels[at..at + 4].try_into().expect("4 bytes");
        if centre[3] == 255 && centre[..3].iter().any(|&c| c > 0) {
            Ok(())
        } else {
            Err(GpuError::SelfTest { centre }.into())
        }
    }

    /// Marks the device lost, as a driver would (tests exercise the retry with it).
    pub fn simulate_device_loss(&self) {
        self.current().gpu.mark_lost();
    }

    /// Renders `asset` from every request in one submission, framed on `framing` (or on the
    /// asset's own bounding sphere). A lost device is recreated and the render retried once.
    /// `cache` holds decoded textures across calls of one job.
    pub fn render(
        &self,
        asset: &Asset,
        requests: &[ViewRequest],
        cache: &TextureCache,
        framing: Option<Framing>,
    ) -> Result<Rendered> {
        let _turn = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        let ctx = self.current();
        if !ctx.gpu.is_lost() {
            match render_once(&ctx, asset, requests, cache, self.max_texture, framing) {
                Ok(r) => return Ok(r),
                Err(e) if !ctx.gpu.is_lost() => return Err(e),
                Err(e) => {
                    tracing::warn!("render failed on a lost device ({e}); retrying on a new one")
                }
            }
        }
        let fresh = Arc::new(Context::new(self.allow_software, ctx.generation + 1)?);
        *self.context.lock().expect("renderer context") = fresh.clone();
        // Textures of the old device cannot be used on the new one.
        let cache = TextureCache::default();
        render_once(&fresh, asset, requests, &cache, self.max_texture, framing)
    }
}

/// One white triangle facing +Z, as an asset.
fn self_test_asset() -> Asset {
    use crate::asset::{Attribute, AttributeData, Primitive, Semantic};
    let primitive = Primitive {
        attributes: vec![
            Attribute {
                semantic: Semantic::Position,
                data: AttributeData::new_float(
                    3,
                    vec![-1.0, -1.0, 0.0, 1.0, -1.0, 0.0, 0.0, 1.0, 0.0],
                ),
            },
            Attribute {
                semantic: Semantic::Normal,
                data: AttributeData::new_float(3, [0.0, 0.0, 1.0].repeat(3)),
            },
        ],
        indices: Some(vec![0, 1, 2]),
        ..Primitive::default()
    };
    Asset::of_primitive(primitive)
}

/// Per-view targets.
struct Targets {
    msaa: wgpu::TextureView,
    resolve: wgpu::TextureView,
    depth: wgpu::TextureView,
    output: wgpu::Texture,
}

fn targets(device: &wgpu::Device, size: u32) -> Targets {
    let texture = |format, samples, usage| {
        device.create_texture(&wgpu::TextureDescriptor {
            label: Some("target"),
            size: wgpu::Extent3d {
                width: size,
                height: size,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: samples,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage,
            view_formats: &[],
        })
    };
    use wgpu::TextureUsages as U;
    let view = |t: wgpu::Texture| t.create_view(&Default::default());
    Targets {
        msaa: view(texture(pbr::HDR_FORMAT, pbr::SAMPLES, U::RENDER_ATTACHMENT)),
        resolve: view(texture(
            pbr::HDR_FORMAT,
            1,
            U::RENDER_ATTACHMENT | U::TEXTURE_BINDING,
        )),
        depth: view(texture(
            pbr::DEPTH_FORMAT,
            pbr::SAMPLES,
            U::RENDER_ATTACHMENT,
        )),
        output: texture(post::OUTPUT_FORMAT, 1, U::RENDER_ATTACHMENT | U::COPY_SRC),
    }
}

fn render_once(
    ctx: &Context,
    asset: &Asset,
    requests: &[ViewRequest],
    cache: &TextureCache,
    max_texture: u32,
    framing: Option<Framing>,
) -> Result<Rendered> {
    let device = &ctx.gpu.device;
    let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
    // Texels beyond twice the output size cannot be seen; fewer are decoded and uploaded.
    let largest = requests.iter().map(|r| r.size).max().unwrap_or(1);
    let cap = (2 * largest).next_power_of_two().clamp(256, max_texture);
    let textures = material::TextureSettings {
        max_size: cap,
        // Anisotropic filtering costs more than half the frame on a CPU adapter.
        anisotropy: if ctx.gpu.report.device_type == "Cpu" {
            1
        } else {
            16
        },
    };
    let scene = scene::GpuScene::new(device, &ctx.gpu.queue, &ctx.pbr, cache, asset, textures);
    let framing = framing.unwrap_or_else(|| {
        let (center, radius) = scene.sphere.unwrap_or((glam::Vec3::ZERO, 1.0));
        Framing { center, radius }
    });
    let stride = pbr::UNIFORM_ALIGN as usize;
    let mut frame_bytes = vec![0u8; stride * requests.len().max(1)];
    let cameras: Vec<camera::Camera> = requests
        .iter()
        .map(|r| camera::frame(r.view, framing, 1.0))
        .collect();
    for (k, c) in cameras.iter().enumerate() {
        let u = FrameUniform {
            view_proj: c.view_proj.to_cols_array(),
            camera_pos: [c.position.x, c.position.y, c.position.z, 1.0],
            env: [ctx.env.max_lod, 1.0, 0.0, 0.0],
        };
        frame_bytes[k * stride..k * stride + std::mem::size_of::<FrameUniform>()]
            .copy_from_slice(bytemuck::bytes_of(&u));
    }
    use wgpu::util::DeviceExt;
    let frames = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("frames"),
        contents: &frame_bytes,
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let frame_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("frame"),
        layout: &ctx.pbr.frame_layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &frames,
                    offset: 0,
                    size: wgpu::BufferSize::new(std::mem::size_of::<FrameUniform>() as u64),
                }),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::TextureView(&ctx.env.specular),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: wgpu::BindingResource::TextureView(&ctx.env.diffuse),
            },
            wgpu::BindGroupEntry {
                binding: 3,
                resource: wgpu::BindingResource::TextureView(&ctx.env.lut),
            },
            wgpu::BindGroupEntry {
                binding: 4,
                resource: wgpu::BindingResource::Sampler(&ctx.env.sampler),
            },
        ],
    });
    let mut encoder = device.create_command_encoder(&Default::default());
    let timer = timing::GpuTimer::new(device, &ctx.gpu.queue);
    let mut readbacks = vec![];
    for (k, (r, cam)) in requests.iter().zip(&cameras).enumerate() {
        let t = targets(device, r.size);
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("pbr"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &t.msaa,
                    depth_slice: None,
                    resolve_target: Some(&t.resolve),
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                        store: wgpu::StoreOp::Discard,
                    },
                })],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &t.depth,
                    depth_ops: Some(wgpu::Operations {
                        load: wgpu::LoadOp::Clear(1.0),
                        store: wgpu::StoreOp::Discard,
                    }),
                    stencil_ops: None,
                }),
                timestamp_writes: timer.as_ref().and_then(|t| t.writes(k == 0, false)),
                ..Default::default()
            });
            pass.set_bind_group(0, &frame_bind, &[(k * stride) as u32]);
            scene.record(device, &ctx.pbr, &mut pass, cam.position);
        }
        let output_view = t.output.create_view(&Default::default());
        let last = k + 1 == requests.len();
        let writes = timer.as_ref().and_then(|t| t.writes(false, last));
        ctx.post
            .record(device, &mut encoder, &t.resolve, &output_view, writes);
        readbacks.push((
            readback::copy(device, &mut encoder, &t.output),
            r.size,
            r.size,
        ));
    }
    if let Some(t) = &timer {
        t.resolve(&mut encoder);
    }
    ctx.gpu.queue.submit([encoder.finish()]);
    if let Some(e) = pollster::block_on(scope.pop()) {
        return Err(GpuError::Validation(e.to_string()).into());
    }
    let images = readback::read(device, &readbacks)?;
    let gpu_ms = timer.and_then(|t| t.read(device));
    Ok(Rendered {
        images,
        warnings: scene.warnings,
        framing,
        gpu_ms,
    })
}

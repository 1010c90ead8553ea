//! Image-based lighting: the project's neutral studio environment (shaders/studio.wgsl),
//! prefiltered for GGX specular, integrated for Lambertian diffuse, and the split-sum BRDF
//! lookup table, all computed on the GPU once per device and shared by every job.

use super::shaders;

/// Edge of the specular cube's first mip, texels.
const SPECULAR_SIZE: u32 = 128;
/// Specular mips: roughness 0, 0.2, ..., 1.
const SPECULAR_MIPS: u32 = 6;
/// Edge of the irradiance cube, texels.
const DIFFUSE_SIZE: u32 = 32;
/// Edge of the BRDF table, texels.
const LUT_SIZE: u32 = 64;
/// Monte Carlo samples per texel.
const SAMPLES: u32 = 256;

const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// The lighting every render uses.
pub struct Environment {
    /// Prefiltered specular cube, `SPECULAR_MIPS` levels.
    pub specular: wgpu::TextureView,
    /// Irradiance cube (already divided by pi).
    pub diffuse: wgpu::TextureView,
    /// BRDF lookup table (scale, bias).
    pub lut: wgpu::TextureView,
    /// Trilinear clamp sampler for all three.
    pub sampler: wgpu::Sampler,
    /// Highest specular mip index, as the shader's roughness-to-lod factor.
    pub max_lod: f32,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    size: u32,
    roughness: f32,
    samples: u32,
    _pad: u32,
}

impl Environment {
    /// Computes the environment maps (one submission).
    pub fn new(device: &wgpu::Device, queue: &wgpu::Queue) -> Environment {
        let cube = |size: u32, mips: u32, label| {
            device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d {
                    width: size,
                    height: size,
                    depth_or_array_layers: 6,
                },
                mip_level_count: mips,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: FORMAT,
                usage: wgpu::TextureUsages::STORAGE_BINDING | wgpu::TextureUsages::TEXTURE_BINDING,
                view_formats: &[],
            })
        };
        let specular = cube(SPECULAR_SIZE, SPECULAR_MIPS, "specular env");
        let diffuse = cube(DIFFUSE_SIZE, 1, "diffuse env");
        let lut = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("brdf lut"),
            size: wgpu::Extent3d {
                width: LUT_SIZE,
                height: LUT_SIZE,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: FORMAT,
            usage: wgpu::TextureUsages::STORAGE_BINDING | wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        });

        let mut encoder = device.create_command_encoder(&Default::default());
        let array = wgpu::TextureViewDimension::D2Array;
        let pass = Pass::new(device, "ibl_specular", array);
        for mip in 0..SPECULAR_MIPS {
            let size = SPECULAR_SIZE >> mip;
            let roughness = mip as f32 / (SPECULAR_MIPS - 1) as f32;
            pass.run(
                device,
                &mut encoder,
                &specular,
                mip,
                array,
                Params {
                    size,
                    roughness,
                    samples: SAMPLES,
                    _pad: 0,
                },
                6,
            );
        }
        let pass = Pass::new(device, "ibl_diffuse", array);
        pass.run(
            device,
            &mut encoder,
            &diffuse,
            0,
            array,
            Params {
                size: DIFFUSE_SIZE,
                roughness: 1.0,
                samples: SAMPLES,
                _pad: 0,
            },
            6,
        );
        let d2 = wgpu::TextureViewDimension::D2;
        let pass = Pass::new(device, "brdf_lut", d2);
        pass.run(
            device,
            &mut encoder,
            &lut,
            0,
            d2,
            Params {
                size: LUT_SIZE,
                roughness: 0.0,
                samples: SAMPLES,
                _pad: 0,
            },
            1,
        );
        queue.submit([encoder.finish()]);

        let cube_view = |t: &wgpu::Texture| {
            t.create_view(&wgpu::TextureViewDescriptor {
                dimension: Some(wgpu::TextureViewDimension::Cube),
                ..Default::default()
            })
        };
        Environment {
            specular: cube_view(&specular),
            diffuse: cube_view(&diffuse),
            lut: lut.create_view(&Default::default()),
            sampler: device.create_sampler(&wgpu::SamplerDescriptor {
                label: Some("env"),
                mag_filter: wgpu::FilterMode::Linear,
                min_filter: wgpu::FilterMode::Linear,
                mipmap_filter: wgpu::MipmapFilterMode::Linear,
                ..Default::default()
            }),
            max_lod: (SPECULAR_MIPS - 1) as f32,
        }
    }
}

/// One compute pass writing a storage texture from a `Params` uniform.
struct Pass {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

impl Pass {
    fn new(device: &wgpu::Device, shader: &str, dimension: wgpu::TextureViewDimension) -> Pass {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(shader),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::StorageTexture {
                        access: wgpu::StorageTextureAccess::WriteOnly,
                        format: FORMAT,
                        view_dimension: dimension,
                    },
                    count: None,
                },
            ],
        });
        let module = shaders::module(device, shader);
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(shader),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(shader),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        Pass { pipeline, layout }
    }

    /// Fills mip `mip` of `target` (all `layers`).
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::Texture,
        mip: u32,
        dimension: wgpu::TextureViewDimension,
        params: Params,
        layers: u32,
    ) {
        use wgpu::util::DeviceExt;
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("ibl params"),
            contents: bytemuck::bytes_of(&params),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let view = target.create_view(&wgpu::TextureViewDescriptor {
            dimension: Some(dimension),
            base_mip_level: mip,
            mip_level_count: Some(1),
            ..Default::default()
        });
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&view),
                },
            ],
        });
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &bind, &[]);
        let groups = params.size.div_ceil(8);
        pass.dispatch_workgroups(groups, groups, layers);
    }
}

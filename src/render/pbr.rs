//! The PBR pass: bind group layouts, pipelines (one per topology, blend, culling and winding
//! combination, built on first use), and the default 1x1 textures of empty material slots.

use super::posed::Vertex;
use super::shaders;
use std::collections::HashMap;
use std::sync::Mutex;

/// Linear HDR colour target.
pub const HDR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
/// Depth target.
pub const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// MSAA sample count.
pub const SAMPLES: u32 = 4;
/// Dynamic uniform offsets must be multiples of this (WebGPU's minimum alignment limit).
pub const UNIFORM_ALIGN: u64 = 256;

/// What selects a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// Points, lines, line strip or triangles.
    pub topology: wgpu::PrimitiveTopology,
    /// Alpha blended (no depth write).
    pub blend: bool,
    /// Both faces drawn.
    pub double_sided: bool,
    /// Clockwise front faces (a mirroring transform).
    pub clockwise: bool,
}

/// Layouts, shader and pipeline cache of the PBR pass.
pub struct Pbr {
    /// Group 0: frame uniform and environment.
    pub frame_layout: wgpu::BindGroupLayout,
    /// Group 1: material uniform, five textures, five samplers.
    pub material_layout: wgpu::BindGroupLayout,
    /// Group 2: object uniform (dynamic offset).
    pub object_layout: wgpu::BindGroupLayout,
    /// White (and flat-normal) textures for empty slots.
    pub white: wgpu::TextureView,
    /// (128, 128, 255): a flat tangent-space normal.
    pub flat_normal: wgpu::TextureView,
    layout: wgpu::PipelineLayout,
    module: wgpu::ShaderModule,
    pipelines: Mutex<HashMap<Key, wgpu::RenderPipeline>>,
}

fn uniform_entry(binding: u32, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: dynamic,
            min_binding_size: None,
        },
        count: None,
    }
}

fn texture_entry(
    binding: u32,
    dimension: wgpu::TextureViewDimension,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: true },
            view_dimension: dimension,
            multisampled: false,
        },
        count: None,
    }
}

fn sampler_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
        count: None,
    }
}

/// A 1x1 RGBA8 texture of one colour.
pub fn solid(device: &wgpu::Device, queue: &wgpu::Queue, rgba: [u8; 4]) -> wgpu::TextureView {
    let level = super::textures::Rgba {
        width: 1,
        height: 1,
        pixels: rgba.to_vec(),
    };
    super::textures::upload(device, queue, &[level], false).view
}

impl Pbr {
    /// Builds the layouts and default textures.
    pub fn new(device: &wgpu::Device, queue: &wgpu::Queue) -> Pbr {
        use wgpu::TextureViewDimension::{Cube, D2};
        let frame_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("frame"),
            entries: &[
                uniform_entry(0, true),
                texture_entry(1, Cube),
                texture_entry(2, Cube),
                texture_entry(3, D2),
                sampler_entry(4),
            ],
        });
        let mut material_entries = vec![uniform_entry(0, false)];
        material_entries.extend((1..=5).map(|b| texture_entry(b, D2)));
        material_entries.extend((6..=10).map(sampler_entry));
        let material_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("material"),
            entries: &material_entries,
        });
        let object_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("object"),
            entries: &[uniform_entry(0, true)],
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("pbr"),
            bind_group_layouts: &[
                Some(&frame_layout),
                Some(&material_layout),
                Some(&object_layout),
            ],
            immediate_size: 0,
        });
        Pbr {
            white: solid(device, queue, [255; 4]),
            flat_normal: solid(device, queue, [128, 128, 255, 255]),
            frame_layout,
            material_layout,
            object_layout,
            layout,
            module: shaders::module(device, "pbr"),
            pipelines: Mutex::new(HashMap::new()),
        }
    }

    /// The pipeline for `key`, built on first use.
    pub fn pipeline(&self, device: &wgpu::Device, key: Key) -> wgpu::RenderPipeline {
        let mut cache = self.pipelines.lock().expect("pipeline cache");
        cache
            .entry(key)
            .or_insert_with(|| self.build(device, key))
            .clone()
    }

    fn build(&self, device: &wgpu::Device, key: Key) -> wgpu::RenderPipeline {
        let attributes = wgpu::vertex_attr_array![
            0 => Float32x3, 1 => Float32x3, 2 => Float32x4, 3 => Float32x2, 4 => Float32x2, 5 => Float32x4
        ];
        let blend = key
            .blend
            .then_some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING);
        device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("pbr"),
            layout: Some(&self.layout),
            vertex: wgpu::VertexState {
                module: &self.module,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[Some(wgpu::VertexBufferLayout {
                    array_stride: std::mem::size_of::<Vertex>() as u64,
                    step_mode: wgpu::VertexStepMode::Vertex,
                    attributes: &attributes,
                })],
            },
            primitive: wgpu::PrimitiveState {
                topology: key.topology,
                front_face: if key.clockwise {
                    wgpu::FrontFace::Cw
                } else {
                    wgpu::FrontFace::Ccw
                },
                cull_mode: (!key.double_sided).then_some(wgpu::Face::Back),
                ..Default::default()
            },
            depth_stencil: Some(wgpu::DepthStencilState {
                format: DEPTH_FORMAT,
                depth_write_enabled: Some(!key.blend),
                depth_compare: Some(wgpu::CompareFunction::LessEqual),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: wgpu::MultisampleState {
                count: SAMPLES,
                ..Default::default()
            },
            fragment: Some(wgpu::FragmentState {
                module: &self.module,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: HDR_FORMAT,
                    blend,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        })
    }
}

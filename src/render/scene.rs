//! A posed asset uploaded to the GPU, and how its draws are recorded into a pass.

use super::material::{self, GpuMaterial, TextureSettings};
use super::pbr::{Key, Pbr, UNIFORM_ALIGN};
use super::posed::{self, PosedPrimitive};
use super::textures::TextureCache;
use crate::asset::{Asset, Mode};
use crate::report::Warning;
use glam::Vec3;
use wgpu::util::DeviceExt;

/// The shader's `Object` uniform.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ObjectUniform {
    model: [f32; 16],
    normal_matrix: [f32; 16],
    flags: [f32; 4],
}

struct Draw {
    vertices: wgpu::Buffer,
    indices: Option<wgpu::Buffer>,
    count: u32,
    material: usize,
    object_offset: u32,
    key: Key,
    /// World-space centre, for back-to-front sorting of blended draws.
    center: Vec3,
}

/// Everything needed to draw one asset.
pub struct GpuScene {
    draws: Vec<Draw>,
    materials: Vec<GpuMaterial>,
    objects: wgpu::BindGroup,
    /// Bounding sphere (centre, radius) of the posed scene.
    pub sphere: Option<(Vec3, f32)>,
    /// What the renderer could not show as authored.
    pub warnings: Vec<Warning>,
}

fn topology(mode: Mode) -> wgpu::PrimitiveTopology {
    match mode {
        Mode::Points => wgpu::PrimitiveTopology::PointList,
        Mode::Lines | Mode::LineLoop => wgpu::PrimitiveTopology::LineList,
        Mode::LineStrip => wgpu::PrimitiveTopology::LineStrip,
        _ => wgpu::PrimitiveTopology::TriangleList,
    }
}

/// Line loops as line lists (closing segment included).
fn loop_to_list(p: &mut PosedPrimitive) {
    if p.mode != Mode::LineLoop {
        return;
    }
    let order: Vec<u32> = p
        .indices
        .take()
        .unwrap_or_else(|| (0..p.vertices.len() as u32).collect());
    p.indices = Some(
        (0..order.len())
            .flat_map(|i| [order[i], order[(i + 1) % order.len()]])
            .collect(),
    );
}

impl GpuScene {
    /// Poses `asset` and uploads it; textures come from (and go into) `cache`.
    pub fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        pbr: &Pbr,
        cache: &TextureCache,
        asset: &Asset,
        textures: TextureSettings,
    ) -> GpuScene {
        let mut posed = posed::pose(asset);
        let mut warnings = std::mem::take(&mut posed.warnings);
        let used = material::images_used(asset);
        warnings.extend(cache.prepare(device, queue, &asset.images, &used, textures.max_size));
        // Materials in file order, then the default material.
        let mut materials: Vec<GpuMaterial> = (0..asset.materials.len())
            .map(|i| material::build(device, pbr, cache, asset, Some(i), textures, &mut warnings))
            .collect();
        materials.push(material::build(
            device,
            pbr,
            cache,
            asset,
            None,
            textures,
            &mut warnings,
        ));
        let default_material = materials.len() - 1;

        let stride = UNIFORM_ALIGN as usize;
        let mut object_bytes = vec![0u8; stride * posed.primitives.len().max(1)];
        let mut draws = vec![];
        for (k, mut p) in posed.primitives.into_iter().enumerate() {
            loop_to_list(&mut p);
            let normal_matrix = p.model.inverse().transpose();
            let unlit = if p.mode == Mode::Triangles { 0.0 } else { 1.0 };
            let object = ObjectUniform {
                model: p.model.to_cols_array(),
                normal_matrix: normal_matrix.to_cols_array(),
                flags: [unlit, if p.flat { 1.0 } else { 0.0 }, 0.0, 0.0],
            };
            object_bytes[k * stride..k * stride + std::mem::size_of::<ObjectUniform>()]
                .copy_from_slice(bytemuck::bytes_of(&object));
            let material = p
                .material
                .filter(|&m| m < asset.materials.len())
                .unwrap_or(default_material);
            let m = &materials[material];
            let count = p.indices.as_ref().map_or(p.vertices.len(), Vec::len) as u32;
            if count == 0 {
                continue;
            }
            draws.push(Draw {
                vertices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("vertices"),
                    contents: bytemuck::cast_slice(&p.vertices),
                    usage: wgpu::BufferUsages::VERTEX,
                }),
                indices: p.indices.as_ref().map(|i| {
                    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some("indices"),
                        contents: bytemuck::cast_slice(i),
                        usage: wgpu::BufferUsages::INDEX,
                    })
                }),
                count,
                material,
                object_offset: (k * stride) as u32,
                key: Key {
                    topology: topology(p.mode),
                    blend: m.blend,
                    double_sided: m.double_sided,
                    clockwise: p.model.determinant() < 0.0,
                },
                center: centre(&p),
            });
        }
        let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("objects"),
            contents: &object_bytes,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let objects = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("objects"),
            layout: &pbr.object_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &buffer,
                    offset: 0,
                    size: wgpu::BufferSize::new(std::mem::size_of::<ObjectUniform>() as u64),
                }),
            }],
        });
        GpuScene {
            draws,
            materials,
            objects,
            sphere: posed.sphere,
            warnings,
        }
    }

    /// Records every draw: opaque and masked first, then blended ones back to front as seen
    /// from `eye`. The frame bind group (group 0) must already be set.
    pub fn record(
        &self,
        device: &wgpu::Device,
        pbr: &Pbr,
        pass: &mut wgpu::RenderPass<'_>,
        eye: Vec3,
    ) {
        let mut order: Vec<&Draw> = self.draws.iter().collect();
        order.sort_by(|a, b| {
            a.key.blend.cmp(&b.key.blend).then_with(|| {
                if a.key.blend {
                    b.center
                        .distance_squared(eye)
                        .total_cmp(&a.center.distance_squared(eye))
                } else {
                    std::cmp::Ordering::Equal
                }
            })
        });
        for d in order {
            pass.set_pipeline(&pbr.pipeline(device, d.key));
            pass.set_bind_group(1, &self.materials[d.material].bind, &[]);
            pass.set_bind_group(2, &self.objects, &[d.object_offset]);
            pass.set_vertex_buffer(0, d.vertices.slice(..));
            match &d.indices {
                Some(i) => {
                    pass.set_index_buffer(i.slice(..), wgpu::IndexFormat::Uint32);
                    pass.draw_indexed(0..d.count, 0, 0..1);
                }
                None => pass.draw(0..d.count, 0..1),
            }
        }
    }
}

fn centre(p: &PosedPrimitive) -> Vec3 {
    let n = p.vertices.len().max(1) as f32;
    let local: Vec3 = p
        .vertices
        .iter()
        .map(|v| Vec3::from(v.position))
        .sum::<Vec3>()
        / n;
    p.model.transform_point3(local)
}

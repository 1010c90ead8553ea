//! Copying rendered images back to the CPU: rows padded to 256 bytes on the GPU side (WebGPU's
//! copy alignment), unpadded here, so any width works.

use super::GpuError;

/// An RGBA8 image, straight alpha, sRGB-encoded colour.
#[derive(Debug, Clone, PartialEq)]
pub struct RgbaImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes, rows top to bottom.
    pub pixels: Vec<u8>,
}

/// Bytes per padded row for `width` RGBA8 pixels.
pub fn padded_row(width: u32) -> u32 {
    (width * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
}

/// A buffer with `texture` copied into it (padded rows); read it with [`read`] after submit.
pub fn copy(
    device: &wgpu::Device,
    encoder: &mut wgpu::CommandEncoder,
    texture: &wgpu::Texture,
) -> wgpu::Buffer {
    let (w, h) = (texture.width(), texture.height());
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size: u64::from(padded_row(w)) * u64::from(h),
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    encoder.copy_texture_to_buffer(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded_row(w)),
                rows_per_image: Some(h),
            },
        },
        texture.size(),
    );
    buffer
}

/// Maps `buffers` (from [`copy`], already submitted) and returns their images.
pub fn read(
    device: &wgpu::Device,
    buffers: &[(wgpu::Buffer, u32, u32)],
) -> Result<Vec<RgbaImage>, GpuError> {
    for (b, _, _) in buffers {
        b.map_async(wgpu::MapMode::Read, .., |r| {
            if let Err(e) = r {
                tracing::error!("readback map failed: {e}");
            }
        });
    }
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| GpuError::Wait(e.to_string()))?;
    buffers
        .iter()
        .map(|(b, w, h)| {
            let view = b
                .get_mapped_range(..)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            let row = padded_row(*w) as usize;
            let mut pixels = Vec::with_capacity((w * h * 4) as usize);
            for y in 0..*h as usize {
                pixels.extend_from_slice(&view[y * row..y * row + (*w as usize) * 4]);
            }
            drop(view);
            b.unmap();
            Ok(RgbaImage {
                width: *w,
                height: *h,
                pixels,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_pad_to_256_bytes() {
        assert_eq!(padded_row(64), 256);
        assert_eq!(padded_row(65), 512);
        assert_eq!(padded_row(100), 512);
    }
}

//! Decoding accessors into [`AttributeData`] and index lists, with every byte range checked
//! against the buffer it reads before anything is allocated.

use super::schema::{Accessor, Root};
use crate::asset::{AttributeData, Component, Format};
use crate::error::{Error, Result};

/// Reads accessors of one document. `buffers[i]` is the loaded data of buffer `i`, or `None`
/// when that buffer could not be loaded (it is then an error to read from it).
pub struct Decoder<'a> {
    /// The document.
    pub root: &'a Root,
    /// Loaded buffer bytes, one entry per `root.buffers`.
    pub buffers: &'a [Option<&'a [u8]>],
    /// Most elements an accessor without a buffer view may declare (it allocates zeros).
    pub max_elements: u64,
}

/// The storage format of accessor `a`, validated.
pub fn format_of(a: &Accessor, pointer: &str) -> Result<Format> {
    let component = Component::from_code(a.component_type).ok_or_else(|| {
        Error::invalid(
            format!("{pointer}/componentType"),
            format!("unknown component type {}", a.component_type),
        )
    })?;
    let (dims, matrix) = Format::dims_of(&a.kind).ok_or_else(|| {
        Error::invalid(
            format!("{pointer}/type"),
            format!("unknown accessor type {:?}", a.kind),
        )
    })?;
    let normalized = a.normalized && !matches!(component, Component::F32 | Component::U32);
    Ok(Format {
        component,
        normalized,
        dims,
        matrix,
    })
}

fn read_component(c: Component, normalized: bool, b: &[u8]) -> f32 {
    match (c, normalized) {
        (Component::I8, false) => b[0] as i8 as f32,
        (Component::I8, true) => (b[0] as i8 as f32 / 127.0).max(-1.0),
        (Component::U8, false) => b[0] as f32,
        (Component::U8, true) => b[0] as f32 / 255.0,
        (Component::I16, false) => i16::from_le_bytes([b[0], b[1]]) as f32,
        (Component::I16, true) => (i16::from_le_bytes([b[0], b[1]]) as f32 / 32767.0).max(-1.0),
        (Component::U16, false) => u16::from_le_bytes([b[0], b[1]]) as f32,
        (Component::U16, true) => u16::from_le_bytes([b[0], b[1]]) as f32 / 65535.0,
        (Component::U32, _) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32,
        (Component::F32, _) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
    }
}

impl<'a> Decoder<'a> {
    fn accessor_json(&self, index: usize, referrer: &str) -> Result<&'a Accessor> {
        self.root.accessors.get(index).ok_or_else(|| {
            Error::invalid(
                referrer,
                format!(
                    "accessor {index} does not exist (the file has {})",
                    self.root.accessors.len()
                ),
            )
        })
    }

    /// The bytes of buffer view `view` and its stride, checked against its buffer.
    fn view(&self, view: usize, referrer: &str) -> Result<(&'a [u8], Option<usize>)> {
        let v = self.root.buffer_views.get(view).ok_or_else(|| {
            Error::invalid(
                referrer,
                format!(
                    "buffer view {view} does not exist (the file has {})",
                    self.root.buffer_views.len()
                ),
            )
        })?;
        let pointer = format!("/bufferViews/{view}");
        let data = self
            .buffers
            .get(v.buffer)
            .copied()
            .flatten()
            .ok_or_else(|| {
                Error::invalid(
                    &pointer,
                    format!("buffer {} does not exist or has no data", v.buffer),
                )
            })?;
        let end = v.byte_offset.checked_add(v.byte_length);
        match end {
            Some(end) if end <= data.len() => {}
            _ => {
                return Err(Error::invalid(
                    pointer,
                    format!(
                        "bytes {}..{} are past the end of buffer {} ({} bytes)",
                        v.byte_offset,
                        v.byte_offset as u128 + v.byte_length as u128,
                        v.buffer,
                        data.len()
                    ),
                ));
            }
        }
        if let Some(s) = v.byte_stride
            && (!(4..=252).contains(&s) || s % 4 != 0)
        {
            return Err(Error::invalid(
                format!("{pointer}/byteStride"),
                format!("byteStride {s} is not a multiple of 4 in 4..=252"),
            ));
        }
        Ok((
            &data[v.byte_offset..v.byte_offset + v.byte_length],
            v.byte_stride,
        ))
    }

    /// The bytes of buffer view `view`, checked against its buffer.
    pub fn view_bytes(&self, view: usize, referrer: &str) -> Result<&'a [u8]> {
        self.view(view, referrer).map(|(bytes, _)| bytes)
    }

    /// Decodes accessor `index`, referenced from `referrer` (a JSON pointer used in errors).
    pub fn decode(&self, index: usize, referrer: &str) -> Result<AttributeData> {
        let a = self.accessor_json(index, referrer)?;
        let pointer = format!("/accessors/{index}");
        let format = format_of(a, &pointer)?;
        let count = a.count;
        let elem = format.element_size();
        let mut values;
        match a.buffer_view {
            Some(view) => {
                let (bytes, stride) = self.view(view, &format!("{pointer}/bufferView"))?;
                let stride = stride.unwrap_or(elem);
                if stride < elem {
                    return Err(Error::invalid(
                        &pointer,
                        format!(
                            "buffer view {view} has byteStride {stride}, smaller than one {} element ({elem} bytes)",
                            a.kind
                        ),
                    ));
                }
                let needed = if count == 0 {
                    0
                } else {
                    a.byte_offset as u128 + stride as u128 * (count as u128 - 1) + elem as u128
                };
                if needed > bytes.len() as u128 {
                    return Err(Error::invalid(
                        &pointer,
                        format!(
                            "{count} elements of {elem} bytes at offset {} with stride {stride} need bytes {}..{needed} of buffer view {view}, which has {} bytes",
                            a.byte_offset,
                            a.byte_offset,
                            bytes.len()
                        ),
                    ));
                }
                values = Vec::with_capacity(count * format.dims);
                read_elements(&mut values, &bytes[a.byte_offset..], stride, count, &format);
            }
            None => {
                if count as u64 > self.max_elements {
                    return Err(Error::LimitExceeded {
                        what: "elements of an accessor without a buffer view",
                        actual: count as u64,
                        limit: self.max_elements,
                        flag: "--max-vertices",
                    });
                }
                values = vec![0.0; count * format.dims];
            }
        }
        if let Some(sparse) = &a.sparse {
            self.apply_sparse(&mut values, a, &format, &pointer, sparse)?;
        }
        Ok(AttributeData { format, values })
    }

    fn apply_sparse(
        &self,
        values: &mut [f32],
        a: &Accessor,
        format: &Format,
        pointer: &str,
        sparse: &super::schema::Sparse,
    ) -> Result<()> {
        let sp = format!("{pointer}/sparse");
        if sparse.count > a.count {
            return Err(Error::invalid(
                &sp,
                format!(
                    "sparse count {} exceeds the accessor's count {}",
                    sparse.count, a.count
                ),
            ));
        }
        let index_component = match Component::from_code(sparse.indices.component_type) {
            Some(c @ (Component::U8 | Component::U16 | Component::U32)) => c,
            _ => {
                return Err(Error::invalid(
                    format!("{sp}/indices/componentType"),
                    format!(
                        "sparse indices must be unsigned byte, short or int, not {}",
                        sparse.indices.component_type
                    ),
                ));
            }
        };
        let (ibytes, _) = self.view(sparse.indices.buffer_view, &format!("{sp}/indices"))?;
        let (vbytes, _) = self.view(sparse.values.buffer_view, &format!("{sp}/values"))?;
        let isize = index_component.size();
        let elem = format.element_size();
        let ineed = sparse.indices.byte_offset as u128 + (sparse.count * isize) as u128;
        let vneed = sparse.values.byte_offset as u128 + (sparse.count * elem) as u128;
        if ineed > ibytes.len() as u128 || vneed > vbytes.len() as u128 {
            return Err(Error::invalid(
                &sp,
                format!(
                    "{} sparse elements need {ineed} index bytes and {vneed} value bytes; the buffer views have {} and {}",
                    sparse.count,
                    ibytes.len(),
                    vbytes.len()
                ),
            ));
        }
        let ibytes = &ibytes[sparse.indices.byte_offset..];
        let vbytes = &vbytes[sparse.values.byte_offset..];
        let mut substitute = Vec::with_capacity(format.dims);
        let mut previous: Option<usize> = None;
        for i in 0..sparse.count {
            let target = read_component(index_component, false, &ibytes[i * isize..]) as usize;
            if target >= a.count || previous.is_some_and(|p| target <= p) {
                return Err(Error::invalid(
                    format!("{sp}/indices"),
                    format!(
                        "sparse index {i} is {target}: indices must increase and stay below {}",
                        a.count
                    ),
                ));
            }
            previous = Some(target);
            substitute.clear();
            read_elements(&mut substitute, &vbytes[i * elem..], elem, 1, format);
            values[target * format.dims..(target + 1) * format.dims].copy_from_slice(&substitute);
        }
        Ok(())
    }

    /// Decodes an index accessor into `u32`s.
    pub fn indices(&self, index: usize, referrer: &str) -> Result<Vec<u32>> {
        let a = self.accessor_json(index, referrer)?;
        let pointer = format!("/accessors/{index}");
        let format = format_of(a, &pointer)?;
        if format.dims != 1
            || format.matrix
            || !matches!(
                format.component,
                Component::U8 | Component::U16 | Component::U32
            )
        {
            return Err(Error::invalid(
                &pointer,
                format!(
                    "indices must be SCALAR unsigned byte, short or int, not {} of component type {}",
                    a.kind, a.component_type
                ),
            ));
        }
        if let (Some(view), None) = (a.buffer_view, &a.sparse) {
            // Direct integer read: f32 is exact only up to 2^24.
            let (bytes, _) = self.view(view, &format!("{pointer}/bufferView"))?;
            let size = format.component.size();
            let needed = a.byte_offset as u128 + (a.count * size) as u128;
            if needed > bytes.len() as u128 {
                return Err(Error::invalid(
                    &pointer,
                    format!(
                        "{} indices of {size} bytes at offset {} need bytes {}..{needed} of buffer view {view}, which has {} bytes",
                        a.count,
                        a.byte_offset,
                        a.byte_offset,
                        bytes.len()
                    ),
                ));
            }
            let bytes = &bytes[a.byte_offset..a.byte_offset + a.count * size];
            return Ok(match format.component {
                Component::U8 => bytes.iter().map(|&b| u32::from(b)).collect(),
                Component::U16 => bytes
                    .chunks_exact(2)
                    .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
                    .collect(),
                _ => bytes
                    .chunks_exact(4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            });
        }
        // Zero-filled or sparse index accessors: rare, and bounded by the element limit, which
        // keeps them below 2^24 where f32 is exact.
        let data = self.decode(index, referrer)?;
        Ok(data.values.iter().map(|&v| v as u32).collect())
    }
}

/// Appends `count` elements read from `bytes` (element `i` at `i * stride`).
///
/// Precondition: `bytes` holds `stride * (count - 1) + format.element_size()` bytes.
fn read_elements(out: &mut Vec<f32>, bytes: &[u8], stride: usize, count: usize, format: &Format) {
    let c = format.component;
    let elem = format.element_size();
    if c == Component::F32 && !format.matrix && stride == elem {
        // Tightly packed floats: the common case, decoded without per-component dispatch.
        out.extend(
            bytes[..count * elem]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        return;
    }
    let offsets: Vec<usize> = (0..format.dims)
        .map(|k| format.component_offset(k))
        .collect();
    for i in 0..count {
        let base = &bytes[i * stride..];
        for &o in &offsets {
            out.push(read_component(c, format.normalized, &base[o..]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_components_decode() {
        assert_eq!(read_component(Component::U8, true, &[255]), 1.0);
        assert_eq!(read_component(Component::I8, true, &[0x80]), -1.0);
        assert_eq!(read_component(Component::I16, true, &[0xFF, 0x7F]), 1.0);
        assert_eq!(read_component(Component::U16, false, &[0x01, 0x01]), 257.0);
    }
}

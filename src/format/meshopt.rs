//! The meshopt codecs as `EXT_meshopt_compression` and `KHR_meshopt_compression` use them:
//! whole buffer views in, whole buffer views out.
//!
//! A compressed view is described by its extension object: where the encoded bytes lie, the
//! `mode` (vertex attributes, triangle indices, other indices), the element `count` and
//! `byteStride`, and a `filter` applied to the decoded bytes. The two extensions differ only in
//! the vertex codec version they allow (EXT: v0; KHR: v0 and v1) and KHR's extra COLOR filter.

use crate::asset::{AttributeData, Component};
use serde_json::{Value, json};
use std::os::raw::c_int;

/// How a view was encoded (`mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `ATTRIBUTES`: the vertex codec; stride a multiple of 4, at most 256.
    Attributes,
    /// `TRIANGLES`: the index buffer codec; stride 2 or 4, count a multiple of 3.
    Triangles,
    /// `INDICES`: the index sequence codec; stride 2 or 4.
    Indices,
}

/// What the decoder does to the decoded bytes (`filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Filter {
    /// `NONE`.
    None,
    /// `OCTAHEDRAL`: unit vectors from two signed components (stride 4 or 8).
    Octahedral,
    /// `QUATERNION`: unit quaternions from three 16-bit components (stride 8).
    Quaternion,
    /// `EXPONENTIAL`: floats as 8-bit exponent and 24-bit mantissa (stride a multiple of 4).
    Exponential,
    /// `COLOR` (KHR only): RGBA from YCoCg (stride 4 or 8).
    Color,
}

/// One compressed view's codec parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codec {
    /// Codec.
    pub mode: Mode,
    /// Post-decode filter.
    pub filter: Filter,
    /// Elements (vertices or indices).
    pub count: usize,
    /// Bytes per element.
    pub stride: usize,
}

impl Codec {
    /// Reads the codec fields of an extension object; `None` names the field that is wrong.
    pub fn from_json(ext: &Value) -> Result<Codec, &'static str> {
        let mode = match ext.get("mode").and_then(Value::as_str) {
            Some("ATTRIBUTES") => Mode::Attributes,
            Some("TRIANGLES") => Mode::Triangles,
            Some("INDICES") => Mode::Indices,
            _ => return Err("mode"),
        };
        let filter = match ext.get("filter").and_then(Value::as_str) {
            None | Some("NONE") => Filter::None,
            Some("OCTAHEDRAL") => Filter::Octahedral,
            Some("QUATERNION") => Filter::Quaternion,
            Some("EXPONENTIAL") => Filter::Exponential,
            Some("COLOR") => Filter::Color,
            Some(_) => return Err("filter"),
        };
        let size = |k: &'static str| {
            ext.get(k)
                .and_then(Value::as_u64)
                .and_then(|v| usize::try_from(v).ok())
                .ok_or(k)
        };
        let codec = Codec {
            mode,
            filter,
            count: size("count")?,
            stride: size("byteStride")?,
        };
        let stride_ok = match (mode, filter) {
            (Mode::Attributes, Filter::Octahedral | Filter::Color) => matches!(codec.stride, 4 | 8),
            (Mode::Attributes, Filter::Quaternion) => codec.stride == 8,
            (Mode::Attributes, _) => {
                codec.stride.is_multiple_of(4) && (4..=256).contains(&codec.stride)
            }
            (_, Filter::None) => matches!(codec.stride, 2 | 4),
            _ => return Err("filter"),
        };
        if !stride_ok {
            return Err("byteStride");
        }
        if mode == Mode::Triangles && !codec.count.is_multiple_of(3) {
            return Err("count");
        }
        Ok(codec)
    }

    /// The extension object for encoded bytes at `offset..offset + length` of `buffer`.
    pub fn to_json(&self, buffer: usize, offset: usize, length: usize) -> Value {
        let mut v = json!({
            "buffer": buffer,
            "byteOffset": offset,
            "byteLength": length,
            "byteStride": self.stride,
            "mode": match self.mode {
                Mode::Attributes => "ATTRIBUTES",
                Mode::Triangles => "TRIANGLES",
                Mode::Indices => "INDICES",
            },
            "count": self.count,
        });
        let filter = match self.filter {
            Filter::None => return v,
            Filter::Octahedral => "OCTAHEDRAL",
            Filter::Quaternion => "QUATERNION",
            Filter::Exponential => "EXPONENTIAL",
            Filter::Color => "COLOR",
        };
        v["filter"] = filter.into();
        v
    }
}

/// Encodes `bytes` (`codec.count` elements of `codec.stride` bytes, already filtered) with
/// vertex codec `version` (0 for EXT_meshopt_compression, 1 for KHR).
///
/// Precondition: `bytes.len() == codec.count * codec.stride` and the stride suits the mode (see
/// [`Mode`]); index views hold little-endian u16 or u32 indices.
pub fn encode(bytes: &[u8], codec: &Codec, version: i32) -> Vec<u8> {
    assert_eq!(bytes.len(), codec.count * codec.stride, "whole elements");
    match codec.mode {
        Mode::Attributes => {
            assert!(
                codec.stride.is_multiple_of(4) && codec.stride <= 256,
                "vertex stride"
            );
            // SAFETY: the bound is computed for exactly this count and stride, `bytes` holds
            // count * stride bytes (asserted), and the encoder writes at most `bound` bytes.
            unsafe {
                let bound =
                    meshopt::ffi::meshopt_encodeVertexBufferBound(codec.count, codec.stride);
                let mut out = vec![0u8; bound];
                let size = meshopt::ffi::meshopt_encodeVertexBufferLevel(
                    out.as_mut_ptr(),
                    out.len(),
                    bytes.as_ptr().cast(),
                    codec.count,
                    codec.stride,
                    2,
                    version as c_int,
                );
                out.truncate(size);
                out
            }
        }
        Mode::Triangles | Mode::Indices => {
            let indices = read_indices(bytes, codec.stride);
            let vertices = indices.iter().max().map_or(0, |&m| m as usize + 1);
            let encoded = if codec.mode == Mode::Triangles {
                meshopt::encode_index_buffer(&indices, vertices)
            } else {
                meshopt::encode_index_sequence(&indices, vertices)
            };
            encoded.expect("index encoding cannot fail with a sufficient bound")
        }
    }
}

fn read_indices(bytes: &[u8], stride: usize) -> Vec<u32> {
    if stride == 2 {
        bytes
            .chunks_exact(2)
            .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
            .collect()
    } else {
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
}

/// Decodes one compressed view into `codec.count * codec.stride` bytes, filter applied.
/// The decoders are safe on untrusted input; corrupt data gives an error, never a read past
/// `src`.
pub fn decode(src: &[u8], codec: &Codec) -> Result<Vec<u8>, String> {
    let len = codec
        .count
        .checked_mul(codec.stride)
        .ok_or("count * byteStride overflows")?;
    let mut out = vec![0u8; len];
    // SAFETY: `out` holds count * stride bytes, exactly what each decoder writes; the decoders
    // bound their reads by `src.len()`.
    let rc = unsafe {
        let (dst, src_ptr) = (out.as_mut_ptr().cast(), src.as_ptr());
        match codec.mode {
            Mode::Attributes => meshopt::ffi::meshopt_decodeVertexBuffer(
                dst,
                codec.count,
                codec.stride,
                src_ptr,
                src.len(),
            ),
            Mode::Triangles => meshopt::ffi::meshopt_decodeIndexBuffer(
                dst,
                codec.count,
                codec.stride,
                src_ptr,
                src.len(),
            ),
            Mode::Indices => meshopt::ffi::meshopt_decodeIndexSequence(
                dst,
                codec.count,
                codec.stride,
                src_ptr,
                src.len(),
            ),
        }
    };
    if rc != 0 {
        return Err(format!(
            "meshopt decoder failed (code {rc}): the data is corrupt or truncated"
        ));
    }
    unfilter(&mut out, codec);
    Ok(out)
}

/// Applies `codec.filter`'s decoding to decoded bytes in place.
pub fn unfilter(bytes: &mut [u8], codec: &Codec) {
    let (ptr, count, stride) = (bytes.as_mut_ptr().cast(), codec.count, codec.stride);
    debug_assert_eq!(bytes.len(), count * stride);
    // SAFETY: `bytes` holds count elements of `stride` bytes, and `Codec::from_json` (or the
    // writer) guarantees the stride each filter requires.
    unsafe {
        match codec.filter {
            Filter::None => {}
            Filter::Octahedral => meshopt::ffi::meshopt_decodeFilterOct(ptr, count, stride),
            Filter::Quaternion => meshopt::ffi::meshopt_decodeFilterQuat(ptr, count, stride),
            Filter::Exponential => meshopt::ffi::meshopt_decodeFilterExp(ptr, count, stride),
            Filter::Color => meshopt::ffi::meshopt_decodeFilterColor(ptr, count, stride),
        }
    }
}

/// Filter `filter`'s encoding of `data` laid out with `stride` bytes per element, or `None`
/// when the filter does not suit the data:
///
/// * `Octahedral`: unit vectors stored as signed normalized bytes with a 4-byte stride
///   (normals, tangents), 8 bits;
/// * `Quaternion`: unit quaternions stored as signed normalized shorts (rotation keys), 12
///   bits as gltfpack's `-ar`;
/// * `Exponential`: floats (translation and scale keys), 16-bit mantissas sharing one exponent
///   per component, as gltfpack's `-at`/`-as`.
pub fn prefilter(filter: Filter, data: &AttributeData, stride: usize) -> Option<Vec<u8>> {
    let f = data.format;
    let quads = || -> Vec<[f32; 4]> {
        data.values
            .chunks_exact(f.dims)
            .map(|v| [0, 1, 2, 3].map(|k| v.get(k).copied().unwrap_or(0.0)))
            .collect()
    };
    let bytes: Vec<u8> = match filter {
        Filter::Octahedral
            if f.component == Component::I8 && f.normalized && stride == 4 && f.dims >= 3 =>
        {
            bytemuck::cast_slice(&meshopt::encode_filter_oct::<i8>(&quads(), 8)).to_vec()
        }
        Filter::Quaternion if f.component == Component::I16 && f.normalized && f.dims == 4 => {
            bytemuck::cast_slice(&meshopt::encode_filter_quat(&quads(), 12)).to_vec()
        }
        Filter::Exponential if f.component == Component::F32 && f.dims == 3 && stride == 12 => {
            let (vectors, _) = data.values.as_chunks::<3>();
            let encoded =
                meshopt::encode_filter_exp(vectors, 16, meshopt::EncodeExpMode::SharedComponent);
            bytemuck::cast_slice(&encoded).to_vec()
        }
        _ => return None,
    };
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::Format;

    #[test]
    fn vertices_and_indices_round_trip_in_both_versions() {
        let bytes: Vec<u8> = (0..400u32).flat_map(|i| (i * 7).to_le_bytes()).collect();
        let codec = Codec {
            mode: Mode::Attributes,
            filter: Filter::None,
            count: 100,
            stride: 16,
        };
        for version in [0, 1] {
            let enc = encode(&bytes, &codec, version);
            assert_eq!(meshopt::decode_vertex_version(&enc), Some(version));
            assert_eq!(decode(&enc, &codec).unwrap(), bytes);
        }
        let tris: Vec<u8> = [0u16, 1, 2, 2, 1, 3]
            .iter()
            .flat_map(|i| i.to_le_bytes())
            .collect();
        let codec = Codec {
            mode: Mode::Triangles,
            filter: Filter::None,
            count: 6,
            stride: 2,
        };
        assert_eq!(decode(&encode(&tris, &codec, 0), &codec).unwrap(), tris);
        assert!(decode(&[0xff; 3], &codec).is_err());
    }

    #[test]
    fn json_round_trips_and_bad_strides_are_refused() {
        let codec = Codec {
            mode: Mode::Attributes,
            filter: Filter::Octahedral,
            count: 3,
            stride: 4,
        };
        assert_eq!(Codec::from_json(&codec.to_json(0, 8, 20)), Ok(codec));
        let bad =
            json!({"mode": "ATTRIBUTES", "filter": "QUATERNION", "count": 1, "byteStride": 4});
        assert_eq!(Codec::from_json(&bad), Err("byteStride"));
    }

    #[test]
    fn octahedral_normals_survive_the_filter() {
        let n: Vec<u8> = [[0i8, 127, 0, 0], [-73, 73, 73, 0]]
            .iter()
            .flat_map(|v| v.map(|c| c as u8))
            .collect();
        let data = AttributeData {
            format: Format {
                component: Component::I8,
                normalized: true,
                dims: 3,
                matrix: false,
            },
            values: n
                .chunks(4)
                .flat_map(|c| c[..3].iter().map(|&b| f32::from(b as i8) / 127.0))
                .collect(),
        };
        let mut f = prefilter(Filter::Octahedral, &data, 4).unwrap();
        let codec = Codec {
            mode: Mode::Attributes,
            filter: Filter::Octahedral,
            count: 2,
            stride: 4,
        };
        unfilter(&mut f, &codec);
        for (a, b) in f.iter().zip(&n) {
            assert!(
                (i16::from(*a as i8) - i16::from(*b as i8)).abs() <= 2,
                "{f:?} {n:?}"
            );
        }
    }
}

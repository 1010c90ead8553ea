//! Decoding `KHR_draco_mesh_compression` primitives with the pure-Rust `draco-core` decoder.
//!
//! The extension names a buffer view holding one Draco stream and maps attribute semantics to
//! Draco attribute ids. Their accessors keep the declared `count`, `componentType`,
//! `normalized` and `type`; the values come from the stream, in the stream's point order, and
//! the indices from its faces. Attributes the extension does not list, and morph targets, are
//! read from their accessors as usual.

use super::super::accessor::{Decoder, format_of};
use super::super::schema;
use crate::asset::{AttributeData, Component};
use crate::error::{Error, Result};
use draco_core::{DataType, DecodeLimits, DecoderBuffer, FaceIndex, Mesh, MeshDecoder};
use serde_json::Value;
use std::collections::BTreeMap;

/// The extension name.
pub const NAME: &str = "KHR_draco_mesh_compression";

/// A decoded Draco primitive: the streams it carried (by attribute name) and its indices.
pub struct Decoded {
    /// Attribute name -> values, in the accessor's declared storage format.
    pub streams: BTreeMap<String, AttributeData>,
    /// Triangle indices.
    pub indices: Vec<u32>,
}

/// Decodes the Draco stream of `prim` (whose extension object is `ext`); `pointer` is the
/// primitive's JSON pointer.
pub fn decode(
    decoder: &Decoder<'_>,
    prim: &schema::Primitive,
    ext: &Value,
    pointer: &str,
) -> Result<Decoded> {
    let ep = format!("{pointer}/extensions/{NAME}");
    let view = ext
        .get("bufferView")
        .and_then(Value::as_u64)
        .ok_or_else(|| Error::invalid(&ep, "missing bufferView"))? as usize;
    let bytes = decoder.view_bytes(view, &format!("{ep}/bufferView"))?;
    let limits = DecodeLimits::default()
        .with_max_points(decoder.max_elements)
        .with_max_faces(decoder.max_elements / 3);
    let mut buffer = DecoderBuffer::new(bytes).with_limits(limits);
    let mut mesh = Mesh::new();
    MeshDecoder::new()
        .decode(&mut buffer, &mut mesh)
        .map_err(|e| {
            Error::invalid(
                &ep,
                format!("Draco stream in buffer view {view} does not decode: {e}"),
            )
        })?;
    let points = mesh.num_points();
    let map = ext
        .get("attributes")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::invalid(&ep, "missing attributes"))?;
    let mut streams = BTreeMap::new();
    for (name, id) in map {
        let ap = format!("{ep}/attributes/{name}");
        let id = id
            .as_u64()
            .and_then(|i| u32::try_from(i).ok())
            .ok_or_else(|| Error::invalid(&ap, "not an attribute id"))?;
        let att = mesh.attribute_by_unique_id(id).ok_or_else(|| {
            Error::invalid(&ap, format!("the Draco stream has no attribute {id}"))
        })?;
        let accessor = prim
            .attributes
            .get(name)
            .and_then(|&a| decoder.root.accessors.get(a))
            .ok_or_else(|| {
                Error::invalid(&ap, "the primitive has no accessor for this attribute")
            })?;
        let format = format_of(accessor, &ap)?;
        if accessor.count != points {
            return Err(Error::invalid(
                &ap,
                format!(
                    "accessor declares {} elements, the Draco stream has {points} points",
                    accessor.count
                ),
            ));
        }
        let mut values = att.read_f32s(points, format.dims);
        // Integer streams come back as their integer values; normalized accessors mean them as
        // fractions of the type's range.
        if format.normalized && att.data_type() != DataType::Float32 {
            let max = normalized_max(format.component);
            values.iter_mut().for_each(|v| *v = (*v / max).max(-1.0));
        }
        streams.insert(name.clone(), AttributeData { format, values });
    }
    let indices: Vec<u32> = (0..mesh.num_faces())
        .flat_map(|f| mesh.face(FaceIndex(f as u32)).map(|p| p.0))
        .collect();
    if let Some(&bad) = indices.iter().find(|&&i| i as usize >= points) {
        return Err(Error::invalid(
            &ep,
            format!("face index {bad} is out of range for {points} points"),
        ));
    }
    Ok(Decoded { streams, indices })
}

fn normalized_max(c: Component) -> f32 {
    match c {
        Component::I8 => 127.0,
        Component::U8 => 255.0,
        Component::I16 => 32767.0,
        Component::U16 => 65535.0,
        _ => 1.0,
    }
}

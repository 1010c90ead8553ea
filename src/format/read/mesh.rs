//! Decoding meshes: attributes, indices, morph targets, variants; strips and fans become lists.

use super::super::accessor::Decoder;
use super::super::schema;
use super::{checks, draco};
use crate::asset::{
    Attribute, AttributeData, Component, Mesh, Mode, Primitive, Semantic, VariantMapping,
};
use crate::error::{Error, Result};
use crate::report::{Problems, Severity};
use std::collections::BTreeMap;

const VARIANTS: &str = "KHR_materials_variants";

/// Decodes every mesh of the document.
pub fn read_meshes(decoder: &Decoder<'_>, problems: &mut Problems) -> Result<Vec<Mesh>> {
    decoder
        .root
        .meshes
        .iter()
        .enumerate()
        .map(|(m, mesh)| {
            let primitives = mesh
                .primitives
                .iter()
                .enumerate()
                .map(|(p, prim)| {
                    read_primitive(
                        decoder,
                        prim,
                        &format!("/meshes/{m}/primitives/{p}"),
                        problems,
                    )
                })
                .collect::<Result<_>>()?;
            Ok(Mesh {
                name: mesh.name.clone(),
                primitives,
                weights: mesh.weights.clone().unwrap_or_default(),
                ext: mesh.ext.clone(),
            })
        })
        .collect()
}

fn read_primitive(
    decoder: &Decoder<'_>,
    prim: &schema::Primitive,
    pointer: &str,
    problems: &mut Problems,
) -> Result<Primitive> {
    let code = prim.mode.unwrap_or(4);
    let mode = Mode::from_code(code)
        .ok_or_else(|| Error::invalid(format!("{pointer}/mode"), format!("unknown mode {code}")))?;
    let mut ext = prim.ext.clone();
    let mut decoded = match ext.extensions.remove(draco::NAME) {
        Some(e) => Some(draco::decode(decoder, prim, &e, pointer)?),
        None => None,
    };
    let attributes = read_streams(
        decoder,
        &prim.attributes,
        &format!("{pointer}/attributes"),
        false,
        decoded.as_mut().map(|d| &mut d.streams),
        problems,
    )?;
    let vertex_count = attributes.first().map_or(0, |a| a.data.count());
    if !prim.attributes.contains_key("POSITION") {
        problems.push(
            "MESH_PRIMITIVE_NO_POSITION",
            Severity::Warning,
            pointer,
            "primitive has no POSITION; it is kept but not simplified",
        );
    }
    let mut targets = vec![];
    for (t, target) in prim.targets.iter().enumerate() {
        let tp = format!("{pointer}/targets/{t}");
        let streams = read_streams(decoder, target, &tp, true, None, problems)?;
        check_counts(&streams, vertex_count, &tp)?;
        targets.push(streams);
    }
    let indices = match prim.indices {
        _ if decoded.is_some() => decoded.map(|d| d.indices),
        Some(i) => {
            let ip = format!("{pointer}/indices");
            let indices = decoder.indices(i, &ip)?;
            if let Some((k, &v)) = indices
                .iter()
                .enumerate()
                .find(|&(_, &v)| v as usize >= vertex_count)
            {
                return Err(Error::invalid(
                    ip,
                    format!(
                        "accessor {i}: index {k} is {v}, out of range for {vertex_count} vertices"
                    ),
                ));
            }
            Some(indices)
        }
        None => None,
    };
    let variants = match ext.extensions.remove(VARIANTS) {
        Some(v) => read_variants(v, &format!("{pointer}/extensions/{VARIANTS}"))?,
        None => vec![],
    };
    let (mode, indices) = to_triangle_list(mode, indices, vertex_count);
    Ok(Primitive {
        mode,
        attributes,
        indices,
        material: prim.material,
        targets,
        variants,
        ext,
    })
}

fn read_variants(value: serde_json::Value, pointer: &str) -> Result<Vec<VariantMapping>> {
    #[derive(serde::Deserialize)]
    struct Mappings {
        mappings: Vec<VariantMapping>,
    }
    serde_json::from_value::<Mappings>(value)
        .map(|m| m.mappings)
        .map_err(|e| Error::invalid(pointer, format!("invalid mappings: {e}")))
}

/// Decodes a semantic -> accessor map, checks element types, and puts POSITION first.
/// `draco` holds streams a Draco decoder already produced (base attributes only; `None` for
/// morph targets); they are taken instead of reading their accessors.
fn read_streams(
    decoder: &Decoder<'_>,
    map: &BTreeMap<String, usize>,
    pointer: &str,
    morph: bool,
    mut draco: Option<&mut BTreeMap<String, AttributeData>>,
    problems: &mut Problems,
) -> Result<Vec<Attribute>> {
    let mut out = Vec::with_capacity(map.len());
    for (name, &accessor) in map {
        let ap = format!("{pointer}/{name}");
        let mut data = match draco.as_mut().and_then(|d| d.remove(name)) {
            Some(data) => data,
            None => decoder.decode(accessor, &ap)?,
        };
        let semantic = Semantic::parse(name);
        check_semantic(&semantic, &data, morph, &ap, accessor)?;
        let accessor_pointer = format!("/accessors/{accessor}");
        if semantic == Semantic::Position && !morph {
            checks::require_finite(&data, &accessor_pointer)?;
        } else {
            checks::zero_non_finite(&mut data, &accessor_pointer, problems);
        }
        checks::check_min_max(
            &decoder.root.accessors[accessor],
            &data,
            &accessor_pointer,
            problems,
        );
        out.push(Attribute { semantic, data });
    }
    out.sort_by_key(|a| a.semantic != Semantic::Position);
    let count = out.first().map_or(0, |a| a.data.count());
    check_counts(&out, count, pointer)?;
    Ok(out)
}

fn check_counts(streams: &[Attribute], count: usize, pointer: &str) -> Result<()> {
    match streams.iter().find(|a| a.data.count() != count) {
        Some(a) => Err(Error::invalid(
            format!("{pointer}/{}", a.semantic),
            format!(
                "has {} elements but the primitive has {count} vertices",
                a.data.count()
            ),
        )),
        None => Ok(()),
    }
}

/// The element shapes glTF (with KHR_mesh_quantization) allows per semantic.
fn check_semantic(
    semantic: &Semantic,
    data: &AttributeData,
    morph: bool,
    pointer: &str,
    accessor: usize,
) -> Result<()> {
    let f = data.format;
    let dims_ok = match semantic {
        Semantic::Position | Semantic::Normal => f.dims == 3,
        Semantic::Tangent => f.dims == if morph { 3 } else { 4 },
        Semantic::TexCoord(_) => f.dims == 2,
        Semantic::Color(_) => f.dims == 3 || f.dims == 4,
        Semantic::Joints(_) | Semantic::Weights(_) => f.dims == 4,
        Semantic::Custom(_) => true,
    } && !f.matrix;
    let joints_ok = !matches!(semantic, Semantic::Joints(_))
        || (matches!(f.component, Component::U8 | Component::U16) && !f.normalized);
    let u32_ok = f.component != Component::U32 || matches!(semantic, Semantic::Custom(_));
    if dims_ok && joints_ok && u32_ok {
        Ok(())
    } else {
        Err(Error::invalid(
            pointer,
            format!(
                "accessor {accessor} is {}{} of component type {}, not allowed for {semantic}",
                if f.normalized { "normalized " } else { "" },
                f.type_name(),
                f.component.code()
            ),
        ))
    }
}

/// Converts strips and fans to lists and gives non-indexed triangles an index buffer; points
/// and lines pass through untouched.
fn to_triangle_list(
    mode: Mode,
    indices: Option<Vec<u32>>,
    vertex_count: usize,
) -> (Mode, Option<Vec<u32>>) {
    let seq = || (0..vertex_count as u32).collect::<Vec<u32>>();
    match mode {
        Mode::Triangles => {
            let mut i = indices.unwrap_or_else(seq);
            i.truncate(i.len() / 3 * 3);
            (Mode::Triangles, Some(i))
        }
        Mode::TriangleStrip => {
            let s = indices.unwrap_or_else(seq);
            let mut out = Vec::with_capacity(s.len().saturating_sub(2) * 3);
            for k in 0..s.len().saturating_sub(2) {
                // The specification's order: {v_i, v_(i+1+i%2), v_(i+2-i%2)}.
                let (b, c) = if k % 2 == 0 { (1, 2) } else { (2, 1) };
                out.extend_from_slice(&[s[k], s[k + b], s[k + c]]);
            }
            (Mode::Triangles, Some(out))
        }
        Mode::TriangleFan => {
            let s = indices.unwrap_or_else(seq);
            let mut out = Vec::with_capacity(s.len().saturating_sub(2) * 3);
            for k in 1..s.len().saturating_sub(1) {
                out.extend_from_slice(&[s[k], s[k + 1], s[0]]);
            }
            (Mode::Triangles, Some(out))
        }
        other => (other, indices),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_fans_become_lists_with_spec_winding() {
        let (m, i) = to_triangle_list(Mode::TriangleStrip, None, 5);
        assert_eq!(m, Mode::Triangles);
        assert_eq!(i.unwrap(), vec![0, 1, 2, 1, 3, 2, 2, 3, 4]);
        let (_, i) = to_triangle_list(Mode::TriangleFan, Some(vec![0, 1, 2, 3]), 4);
        assert_eq!(i.unwrap(), vec![1, 2, 0, 2, 3, 0]);
        let (m, i) = to_triangle_list(Mode::Points, None, 4);
        assert_eq!((m, i), (Mode::Points, None));
    }
}

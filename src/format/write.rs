//! [`Asset`] -> GLB bytes.
//!
//! Everything the asset holds is written: scene graph, names, extras, materials, textures (image
//! bytes unchanged), skins, animations, morph targets, cameras, instancing, variants. Attributes
//! keep the storage format they were read in; when that format is only legal under
//! `KHR_mesh_quantization`, the extension is declared (and required). `extensionsUsed` is
//! recomputed from what is actually written, and an extension stays required only when the
//! input required it and it is still used.

use super::bin::{BinBuilder, Usage};
use super::meshopt::Filter;
use super::schema::{self, Root};
use super::{extensions, glb};
use crate::asset::{Asset, Attribute, Component, Mode, Primitive, Semantic};
use crate::settings::Compression;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const QUANTIZATION: &str = "KHR_mesh_quantization";

/// Serializes `asset` as a GLB file, buffers compressed as `compression` says (`fallback`:
/// with uncompressed copies, see `BinBuilder::finish`).
pub fn write_glb(asset: &Asset, compression: Compression, fallback: bool) -> Vec<u8> {
    let mut bin = BinBuilder::new(compression);
    let mut quantized = false;
    let meshes: Vec<schema::Mesh> = asset
        .meshes
        .iter()
        .map(|m| schema::Mesh {
            name: m.name.clone(),
            primitives: m
                .primitives
                .iter()
                .map(|p| write_primitive(&mut bin, p, &mut quantized))
                .collect(),
            weights: (!m.weights.is_empty()).then(|| m.weights.clone()),
            ext: m.ext.clone(),
        })
        .collect();
    let images = asset
        .images
        .iter()
        .map(|img| schema::Image {
            buffer_view: Some(bin.view(&img.data, None, None)),
            mime_type: Some(img.mime_type.clone()),
            name: img.name.clone(),
            ext: img.ext.clone(),
            uri: None,
        })
        .collect();
    let skins = asset
        .skins
        .iter()
        .map(|s| schema::Skin {
            inverse_bind_matrices: s.inverse_bind_matrices.as_ref().map(|m| {
                let data = crate::asset::AttributeData {
                    format: crate::asset::Format {
                        matrix: true,
                        ..crate::asset::Format::float(16)
                    },
                    values: m.iter().flatten().copied().collect(),
                };
                bin.accessor(&data, Usage::Other, false)
            }),
            skeleton: s.skeleton,
            joints: s.joints.clone(),
            name: s.name.clone(),
            ext: s.ext.clone(),
        })
        .collect();
    let animations = asset
        .animations
        .iter()
        .map(|a| write_animation(&mut bin, a))
        .collect();
    let nodes = asset
        .nodes
        .iter()
        .map(|n| {
            let mut node = n.clone();
            if !n.instancing.is_empty() {
                let attributes: Map<String, Value> = n
                    .instancing
                    .iter()
                    .map(|a| {
                        let i = bin.accessor(&a.data, Usage::Other, false);
                        (a.name.clone(), Value::from(i))
                    })
                    .collect();
                node.ext.extensions.insert(
                    "EXT_mesh_gpu_instancing".into(),
                    serde_json::json!({ "attributes": attributes }),
                );
            }
            node
        })
        .collect();
    let mut info = asset.info.clone();
    info.version = "2.0".into();
    info.generator = Some(format!("render-worker {}", env!("CARGO_PKG_VERSION")));
    let mut root = Root {
        asset: info,
        scene: asset.scene,
        scenes: asset.scenes.clone(),
        nodes,
        meshes,
        materials: asset.materials.clone(),
        textures: asset.textures.clone(),
        images,
        samplers: asset.samplers.clone(),
        skins,
        animations,
        cameras: asset.cameras.clone(),
        ext: asset.ext.clone(),
        ..Root::default()
    };
    let finished = bin.finish(fallback);
    root.buffers = finished.buffers;
    root.accessors = finished.accessors;
    root.buffer_views = finished.views;
    // Through text, not `to_value`: serde_json writes an f32 field in its shortest form
    // (0.9), whereas a `Value` holds it widened to f64 (0.8999999761581421), which made the
    // JSON of small files a third larger than gltfpack's.
    let text = serde_json::to_vec(&root).expect("glTF document serializes");
    let mut doc: Value = serde_json::from_slice(&text).expect("own JSON parses");
    let mut required = BTreeSet::new();
    if quantized {
        required.insert(QUANTIZATION);
    }
    if finished.compression_required {
        required.extend(compression.extension());
    }
    declare_extensions(&mut doc, asset, &required);
    integral_numbers(&mut doc);
    let json = serde_json::to_vec(&doc).expect("JSON value serializes");
    glb::assemble(&json, &finished.data)
}

fn write_primitive(bin: &mut BinBuilder, p: &Primitive, quantized: &mut bool) -> schema::Primitive {
    let mut write_streams = |streams: &[Attribute], morph: bool| -> BTreeMap<String, usize> {
        streams
            .iter()
            .map(|a| {
                *quantized |= needs_quantization(&a.semantic, a.data.format.component, morph);
                let bounds = a.semantic == Semantic::Position;
                let unit = !morph && matches!(a.semantic, Semantic::Normal | Semantic::Tangent);
                let filter = if unit {
                    Filter::Octahedral
                } else {
                    Filter::None
                };
                let index = bin.accessor_filtered(
                    &a.data,
                    Usage::Vertex((&a.semantic).into()),
                    bounds,
                    filter,
                );
                (a.semantic.to_string(), index)
            })
            .collect()
    };
    let attributes = write_streams(&p.attributes, false);
    let targets = p.targets.iter().map(|t| write_streams(t, true)).collect();
    let mut ext = p.ext.clone();
    if !p.variants.is_empty() {
        ext.extensions.insert(
            "KHR_materials_variants".into(),
            serde_json::json!({ "mappings": p.variants }),
        );
    }
    schema::Primitive {
        attributes,
        indices: p
            .indices
            .as_ref()
            .map(|i| bin.indices(i, p.mode == Mode::Triangles)),
        material: p.material,
        mode: (p.mode != Mode::Triangles).then_some(p.mode.code()),
        targets,
        ext,
    }
}

fn write_animation(bin: &mut BinBuilder, a: &crate::asset::Animation) -> schema::Animation {
    schema::Animation {
        channels: a
            .channels
            .iter()
            .map(|c| schema::Channel {
                sampler: c.sampler,
                target: schema::ChannelTarget {
                    node: c.target.node,
                    path: c.target.path.clone(),
                    ext: c.target.ext.clone(),
                },
                ext: c.ext.clone(),
            })
            .collect(),
        samplers: a
            .samplers
            .iter()
            .zip(a.sampler_paths())
            .map(|(s, path)| {
                let input = crate::asset::AttributeData::new_float(1, s.input.clone());
                // Keys go through the filter that suits their path (when compressing).
                let filter = match path.as_deref() {
                    Some("rotation") => Filter::Quaternion,
                    Some("translation" | "scale") => Filter::Exponential,
                    _ => Filter::None,
                };
                schema::AnimationSampler {
                    input: bin.accessor(&input, Usage::Other, true),
                    interpolation: (s.interpolation != "LINEAR").then(|| s.interpolation.clone()),
                    output: bin.accessor_filtered(&s.output, Usage::Other, false, filter),
                    ext: s.ext.clone(),
                }
            })
            .collect(),
        name: a.name.clone(),
        ext: a.ext.clone(),
    }
}

/// True when core glTF does not allow `component` for `semantic` but KHR_mesh_quantization does.
fn needs_quantization(semantic: &Semantic, component: Component, morph: bool) -> bool {
    let float = component == Component::F32;
    match semantic {
        Semantic::Position | Semantic::Normal | Semantic::Tangent => !float,
        Semantic::TexCoord(_) if morph => !float,
        Semantic::TexCoord(_) => {
            !matches!(component, Component::F32 | Component::U8 | Component::U16)
        }
        _ => false,
    }
}

/// Writes every whole-valued float of `v` as an integer (`1` for `1.0`, `16383` for
/// `16383.0`): JSON has one number type, and small files carry hundreds of them (bounds,
/// factors, transforms). Only values exactly representable as integers change.
fn integral_numbers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *n = serde_json::Number::from(f as i64);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(integral_numbers),
        Value::Object(o) => o.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Sets `extensionsUsed` from the extension objects present in `doc` plus `required`, and
/// `extensionsRequired` from `required` and what the input required and is still used.
fn declare_extensions(doc: &mut Value, asset: &Asset, required: &BTreeSet<&str>) {
    let mut used = BTreeSet::new();
    extensions::for_each_extension_map(doc, &mut |e| used.extend(e.keys().cloned()));
    used.extend(required.iter().map(|n| n.to_string()));
    let required: Vec<String> = used
        .iter()
        .filter(|n| {
            required.contains(n.as_str())
                || (asset.extensions_required.contains(*n) && extensions::is_kept(n))
        })
        .cloned()
        .collect();
    let obj = doc.as_object_mut().expect("root is an object");
    if !used.is_empty() {
        obj.insert(
            "extensionsUsed".into(),
            used.into_iter().collect::<Vec<_>>().into(),
        );
    }
    if !required.is_empty() {
        obj.insert("extensionsRequired".into(), required.into());
    }
}

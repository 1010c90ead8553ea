//! glTF/GLB bytes -> [`Asset`].
//!
//! Reading goes container -> JSON value -> extension policy -> typed document -> limits ->
//! buffers -> decoded objects -> reference checks. Every failure names where it happened (byte
//! offset, JSON pointer, accessor) and nothing is half-returned: the result is a whole asset or
//! an error. Problems that do not prevent reading (a declared `min` that is wrong, weights that
//! do not sum to one) are collected as validator-style [`Problems`].

mod checks;
mod draco;
mod mesh;
mod meshopt;
mod scene;

use super::accessor::Decoder;
use super::detect::{self, Format};
use super::resolve::Resolver;
use super::uri::{self, Loaded};
use super::{extensions, glb, schema::Root};
use crate::asset::{Asset, Image};
use crate::error::{Error, Result};
use crate::report::{Problems, Warning};
use crate::settings::Limits;
use std::borrow::Cow;

/// A decoded asset and what was noticed while decoding it.
#[derive(Debug)]
pub struct ReadOutput {
    /// The asset.
    pub asset: Asset,
    /// Validator-style problems of the input.
    pub problems: Problems,
    /// Things the reader changed or dropped (unknown optional extensions, ...).
    pub warnings: Vec<Warning>,
    /// Extensions the input declared in `extensionsUsed`, before any was removed.
    pub extensions_used: Vec<String>,
    /// Extensions the input declared in `extensionsRequired`.
    pub extensions_required: Vec<String>,
    /// Bytes read: the file plus external buffers and images.
    pub bytes_read: u64,
}

/// Reads a glTF document (GLB or JSON text, told apart by [`detect::detect`]) from memory,
/// opening the files it references through `resolver`.
pub fn read_bytes(bytes: &[u8], resolver: &dyn Resolver, limits: &Limits) -> Result<ReadOutput> {
    limits.check_input_bytes(bytes.len() as u64)?;
    let (json, bin) = match detect::detect(bytes)? {
        Format::Glb => {
            let g = glb::parse(bytes)?;
            (g.json, g.bin)
        }
        Format::Gltf => (bytes, None),
    };
    let mut doc: serde_json::Value = serde_json::from_slice(json).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the error type prints the position itself.
        let message = message
            .rfind(" at line ")
            .map_or(message.as_str(), |i| &message[..i])
            .to_string();
        Error::Json {
            pointer: None,
            position: Some((e.line(), e.column())),
            message,
        }
    })?;
    let used = string_array(&doc, "extensionsUsed");
    let required = string_array(&doc, "extensionsRequired");
    let dropped = extensions::enforce(&mut doc)?;
    let mut root: Root = serde_path_to_error::deserialize(doc).map_err(|e| Error::Json {
        pointer: Some(path_to_pointer(&e.path().to_string())),
        position: None,
        message: e.inner().to_string(),
    })?;
    if !root.asset.version.starts_with("2.") {
        return Err(Error::invalid(
            "/asset/version",
            format!(
                "glTF version {:?} is not supported; only 2.x is",
                root.asset.version
            ),
        ));
    }
    check_limits(&root, limits)?;

    let mut budget = limits.max_input_bytes.saturating_sub(bytes.len() as u64);
    let mut buffers = load_buffers(&root, bin, resolver, &mut budget)?;
    // Decoded bytes have their own allowance, so `bytes_read` stays what was read.
    let mut decode_budget = limits.max_input_bytes;
    meshopt::decode_views(&mut root, &mut buffers, &mut decode_budget)?;
    let buffer_refs: Vec<Option<&[u8]>> = buffers.iter().map(|b| b.as_deref()).collect();
    let decoder = Decoder {
        root: &root,
        buffers: &buffer_refs,
        max_elements: limits
            .max_vertices
            .max(limits.max_triangles.saturating_mul(3)),
    };
    let mut problems = Problems::default();
    let mut warnings: Vec<Warning> = dropped
        .iter()
        .map(|name| {
            Warning::global(
                "EXTENSION_REMOVED",
                format!("extension {name} is not supported and was removed (it was optional)"),
            )
        })
        .collect();

    let images = load_images(&root, &decoder, resolver, &mut budget, &mut problems)?;
    let meshes = mesh::read_meshes(&decoder, &mut problems)?;
    let mut asset = Asset {
        info: root.asset.clone(),
        scenes: root.scenes.clone(),
        scene: root.scene,
        nodes: root.nodes.clone(),
        meshes,
        materials: root.materials.clone(),
        textures: root.textures.clone(),
        images,
        samplers: root.samplers.clone(),
        skins: vec![],
        animations: vec![],
        cameras: root.cameras.clone(),
        // Decoded compression is no longer a requirement of the asset.
        extensions_required: required
            .iter()
            .filter(|n| !meshopt::NAMES.contains(&n.as_str()) && n.as_str() != draco::NAME)
            .cloned()
            .collect(),
        ext: root.ext.clone(),
    };
    scene::read_scene_objects(&decoder, &mut asset, &mut problems, &mut warnings)?;
    checks::check_references(&asset, &mut problems)?;
    checks::find_problems(&asset, &mut problems);
    let bytes_read = limits.max_input_bytes - budget;
    Ok(ReadOutput {
        asset,
        problems,
        warnings,
        extensions_used: used,
        extensions_required: required,
        bytes_read,
    })
}

fn string_array(doc: &serde_json::Value, key: &str) -> Vec<String> {
    doc.get(key)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `meshes[0].primitives[1].mode` -> `/meshes/0/primitives/1/mode`.
fn path_to_pointer(path: &str) -> String {
    if path == "." {
        return String::new();
    }
    let mut out = String::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            out.push('/');
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let end = stripped.find(']').unwrap_or(stripped.len());
                out.push('/');
                out.push_str(&stripped[..end]);
                rest = stripped.get(end + 1..).unwrap_or("");
            }
        } else {
            out.push('/');
            out.push_str(rest);
        }
    }
    out
}

/// Counts what the document declares and refuses it before decoding when a limit is exceeded.
fn check_limits(root: &Root, limits: &Limits) -> Result<()> {
    let exceed = |what, actual: u64, limit: u64, flag| -> Result<()> {
        if actual > limit {
            Err(Error::LimitExceeded {
                what,
                actual,
                limit,
                flag,
            })
        } else {
            Ok(())
        }
    };
    exceed(
        "nodes",
        root.nodes.len() as u64,
        limits.max_nodes,
        "--max-nodes",
    )?;
    let count = |i: Option<&usize>| {
        i.and_then(|&i| root.accessors.get(i))
            .map_or(0, |a| a.count as u64)
    };
    let (mut triangles, mut vertices) = (0u64, 0u64);
    for mesh in &root.meshes {
        for p in &mesh.primitives {
            let v = count(
                p.attributes
                    .get("POSITION")
                    .or(p.attributes.values().next()),
            );
            let n = p.indices.map_or(v, |i| count(Some(&i)));
            vertices = vertices.saturating_add(v);
            triangles = triangles.saturating_add(match p.mode.unwrap_or(4) {
                4 => n / 3,
                5 | 6 => n.saturating_sub(2),
                _ => 0,
            });
        }
    }
    exceed(
        "triangles",
        triangles,
        limits.max_triangles,
        "--max-input-triangles",
    )?;
    exceed("vertices", vertices, limits.max_vertices, "--max-vertices")
}

/// Loads the data of every buffer that a buffer view uses. Buffers only a meshopt fallback
/// declares (no data) stay `None`.
fn load_buffers<'a>(
    root: &Root,
    bin: Option<&'a [u8]>,
    resolver: &dyn Resolver,
    budget: &mut u64,
) -> Result<Vec<Option<Cow<'a, [u8]>>>> {
    let mut used = vec![false; root.buffers.len()];
    for v in &root.buffer_views {
        // A compressed view reads its encoded bytes, not its (possibly data-less) own buffer.
        let b = meshopt::source_buffer(v).unwrap_or(v.buffer);
        if let Some(u) = used.get_mut(b) {
            *u = true;
        }
    }
    let mut out = Vec::with_capacity(root.buffers.len());
    for (i, b) in root.buffers.iter().enumerate() {
        let pointer = format!("/buffers/{i}");
        if !used[i] {
            out.push(None);
            continue;
        }
        let data = match (&b.uri, i, bin) {
            (Some(uri), _, _) => Cow::Owned(load(resolver, uri, &pointer, budget)?.bytes),
            (None, 0, Some(bin)) => Cow::Borrowed(bin),
            (None, _, _) if is_fallback_buffer(b) => {
                out.push(None);
                continue;
            }
            (None, _, _) => {
                return Err(Error::invalid(
                    pointer,
                    "buffer has no uri and is not the GLB's BIN chunk",
                ));
            }
        };
        if data.len() < b.byte_length {
            return Err(Error::invalid(
                pointer,
                format!(
                    "declares byteLength {} but its data has only {} bytes",
                    b.byte_length,
                    data.len()
                ),
            ));
        }
        out.push(Some(match data {
            Cow::Borrowed(d) => Cow::Borrowed(&d[..b.byte_length]),
            Cow::Owned(mut d) => {
                d.truncate(b.byte_length);
                Cow::Owned(d)
            }
        }));
    }
    Ok(out)
}

/// Loads `uri` (referenced from `pointer`) within the remaining input budget, and charges it.
fn load(resolver: &dyn Resolver, uri: &str, pointer: &str, budget: &mut u64) -> Result<Loaded> {
    let loaded = uri::load(uri, resolver, *budget).map_err(|reason| Error::Resource {
        pointer: pointer.to_string(),
        uri: uri.to_string(),
        reason,
    })?;
    *budget = budget.saturating_sub(loaded.bytes.len() as u64);
    Ok(loaded)
}

fn is_fallback_buffer(b: &super::schema::Buffer) -> bool {
    ["EXT_meshopt_compression", "KHR_meshopt_compression"]
        .iter()
        .any(|n| b.ext.extensions.contains_key(*n))
}

fn load_images(
    root: &Root,
    decoder: &Decoder<'_>,
    resolver: &dyn Resolver,
    budget: &mut u64,
    problems: &mut Problems,
) -> Result<Vec<Image>> {
    root.images
        .iter()
        .enumerate()
        .map(|(i, img)| {
            let pointer = format!("/images/{i}");
            let (bytes, declared) = match (&img.buffer_view, &img.uri) {
                (Some(view), _) => (
                    decoder
                        .view_bytes(*view, &format!("{pointer}/bufferView"))?
                        .to_vec(),
                    img.mime_type.clone(),
                ),
                (None, Some(uri)) => {
                    let loaded = load(resolver, uri, &pointer, budget)?;
                    (loaded.bytes, img.mime_type.clone().or(loaded.mime_type))
                }
                (None, None) => {
                    return Err(Error::invalid(
                        pointer,
                        "image has neither uri nor bufferView",
                    ));
                }
            };
            let sniffed = sniff_mime(&bytes);
            let mime_type = match (declared, sniffed) {
                (Some(d), Some(s)) if d != s => {
                    problems.push(
                        "IMAGE_MIME_TYPE_INVALID",
                        crate::report::Severity::Warning,
                        &pointer,
                        format!("declared {d} but the bytes are {s}"),
                    );
                    s.to_string()
                }
                (_, Some(s)) => s.to_string(),
                (Some(d), None) => d,
                (None, None) => {
                    problems.push(
                        "IMAGE_UNRECOGNIZED_FORMAT",
                        crate::report::Severity::Warning,
                        &pointer,
                        "image format not recognized; kept as application/octet-stream",
                    );
                    "application/octet-stream".to_string()
                }
            };
            Ok(Image {
                name: img.name.clone(),
                mime_type,
                data: bytes.into(),
                ext: img.ext.clone(),
            })
        })
        .collect()
}

/// MIME type from an image's first bytes: PNG, JPEG, WebP, KTX2, AVIF.
pub fn sniff_mime(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else if b.starts_with(b"\xABKTX 20\xBB\r\n\x1a\n") {
        Some("image/ktx2")
    } else if b.len() >= 12 && &b[4..8] == b"ftyp" && (&b[8..12] == b"avif" || &b[8..12] == b"avis")
    {
        Some("image/avif")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_paths_become_pointers() {
        assert_eq!(
            path_to_pointer("meshes[0].primitives[1].mode"),
            "/meshes/0/primitives/1/mode"
        );
        assert_eq!(path_to_pointer("asset.version"), "/asset/version");
        assert_eq!(path_to_pointer("."), "");
    }
}

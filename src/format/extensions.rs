//! Which glTF extensions the reader accepts, and what it does with each.
//!
//! * Pass-through: JSON-only extensions whose only references are textures (renumbered by the
//!   pipeline) or root-level arrays that nothing removes (lights, variants, XMP packets). They
//!   are kept verbatim and stay required when the input required them.
//! * Decoded: extensions the reader turns into the asset model (`KHR_mesh_quantization`,
//!   `EXT_mesh_gpu_instancing`, `KHR_materials_variants` mappings, meshopt-compressed buffer
//!   views, Draco-compressed primitives); the writer emits them again as its settings say
//!   (Draco never: meshopt is what the writer compresses with).
//! * Compressed textures: `KHR_texture_basisu` is kept with its KTX2 images (the renderer
//!   samples the fallback image when there is one, and renders without the texture when not).
//! * Anything else: refused when required; otherwise removed with a warning, because its
//!   contents may reference objects the pipeline renumbers, and a stale reference is worse than
//!   none (gltfpack and glTF-Transform drop unknown extensions for the same reason).

use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Extensions kept verbatim.
pub const PASS_THROUGH: &[&str] = &[
    "KHR_materials_anisotropy",
    "KHR_materials_clearcoat",
    "KHR_materials_diffuse_transmission",
    "KHR_materials_dispersion",
    "KHR_materials_emissive_strength",
    "KHR_materials_ior",
    "KHR_materials_iridescence",
    "KHR_materials_pbrSpecularGlossiness",
    "KHR_materials_sheen",
    "KHR_materials_specular",
    "KHR_materials_transmission",
    "KHR_materials_unlit",
    "KHR_materials_volume",
    "KHR_texture_transform",
    "KHR_lights_punctual",
    "KHR_xmp_json_ld",
    "EXT_texture_webp",
    "EXT_texture_avif",
    "KHR_texture_basisu",
];

/// Extensions the reader decodes into the asset model and the writer re-creates.
pub const DECODED: &[&str] = &[
    "KHR_mesh_quantization",
    "EXT_mesh_gpu_instancing",
    "KHR_materials_variants",
    "EXT_meshopt_compression",
    "KHR_meshopt_compression",
    "KHR_draco_mesh_compression",
];

/// True for extensions that survive reading.
pub fn is_kept(name: &str) -> bool {
    PASS_THROUGH.contains(&name) || DECODED.contains(&name)
}

/// Checks `extensionsRequired` and removes what is not kept from every `extensions` object of
/// the document (never from `extras`, which is user data).
///
/// Returns the names of the removed extensions.
pub fn enforce(doc: &mut Value) -> Result<Vec<String>> {
    let required: Vec<String> = string_list(doc, "extensionsRequired");
    for name in &required {
        if !is_kept(name) {
            return Err(Error::UnsupportedExtension(name.clone()));
        }
    }
    let mut removed = vec![];
    strip(doc, &mut removed);
    removed.sort();
    removed.dedup();
    if let Some(Value::Array(used)) = doc.get_mut("extensionsUsed") {
        used.retain(|v| v.as_str().is_some_and(is_kept));
    }
    Ok(removed)
}

fn string_list(doc: &Value, key: &str) -> Vec<String> {
    doc.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn strip(v: &mut Value, removed: &mut Vec<String>) {
    for_each_extension_map(v, &mut |exts| {
        exts.retain(|name, _| {
            let keep = is_kept(name);
            if !keep {
                removed.push(name.clone());
            }
            keep
        });
    });
}

/// Calls `f` on every `extensions` object in `v` (never inside `extras`, which is user data),
/// then removes the ones `f` left empty.
pub fn for_each_extension_map(v: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match v {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                if key == "extras" {
                    continue;
                }
                if key == "extensions"
                    && let Value::Object(exts) = member
                {
                    f(exts);
                }
                for_each_extension_map(member, f);
            }
            if map
                .get("extensions")
                .and_then(Value::as_object)
                .is_some_and(|e| e.is_empty())
            {
                map.remove("extensions");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| for_each_extension_map(i, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn required_unknown_is_refused() {
        let mut doc = json!({"extensionsRequired": ["VENDOR_compressed"]});
        let e = enforce(&mut doc).unwrap_err().to_string();
        assert_eq!(e, "unsupported required extension VENDOR_compressed");
    }

    #[test]
    fn unknown_optional_is_stripped_but_extras_are_not() {
        let mut doc = json!({
            "extensionsUsed": ["VENDOR_x", "KHR_materials_unlit"],
            "materials": [{"extensions": {"VENDOR_x": {}, "KHR_materials_unlit": {}},
                           "extras": {"extensions": {"VENDOR_x": 1}}}]
        });
        let dropped = enforce(&mut doc).unwrap();
        assert_eq!(dropped, vec!["VENDOR_x".to_string()]);
        assert_eq!(doc["extensionsUsed"], json!(["KHR_materials_unlit"]));
        assert_eq!(
            doc["materials"][0]["extensions"],
            json!({"KHR_materials_unlit": {}})
        );
        assert_eq!(doc["materials"][0]["extras"]["extensions"]["VENDOR_x"], 1);
    }
}

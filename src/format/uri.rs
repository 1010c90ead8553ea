//! Resolving buffer and image URIs: `data:` URIs and paths relative to the `.gltf` file.
//!
//! Relative references are percent-decoded and must stay inside the model's folder: a model
//! cannot make the worker read `/etc/passwd` or `../../secrets`. Absolute URIs (`http:`,
//! `file:`, `/...`) are refused. The checked path is then opened by the input's
//! [`Resolver`], which knows where the folder is (disk, memory).

use super::resolve::Resolver;
use base64::Engine as _;
use percent_encoding::percent_decode_str;
use std::path::{Component, Path, PathBuf};

/// A decoded MIME type and payload.
pub struct Loaded {
    /// MIME type from a data: URI, when it names one.
    pub mime_type: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Loads `uri`: decodes a `data:` URI, or reads a relative path through `resolver`, reading at
/// most `budget` bytes from files.
///
/// Errors are plain reasons; the caller adds the JSON pointer.
pub fn load(uri: &str, resolver: &dyn Resolver, budget: u64) -> Result<Loaded, String> {
    if let Some(rest) = uri.strip_prefix("data:") {
        return decode_data_uri(rest);
    }
    if has_scheme(uri) || uri.starts_with('/') || uri.starts_with('\\') {
        return Err("absolute URIs are not allowed; only data: URIs and relative paths".into());
    }
    let relative = safe_relative_path(uri)?;
    Ok(Loaded {
        mime_type: None,
        bytes: resolver.read(&relative, budget)?,
    })
}

/// The files a `.gltf` document references (buffer and image URIs that are relative paths),
/// as safe paths relative to its folder, each once, in document order. `data:`, absolute and
/// escaping URIs are left out: the reader refuses those, naming their JSON pointer. Not JSON
/// (e.g. a GLB): none.
pub fn external_files(document: &[u8]) -> Vec<PathBuf> {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(document) else {
        return vec![];
    };
    let mut files = vec![];
    for list in ["buffers", "images"] {
        let items = doc.get(list).and_then(|v| v.as_array());
        for uri in items
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("uri")?.as_str())
        {
            let absolute = has_scheme(uri) || uri.starts_with('/') || uri.starts_with('\\');
            if let Ok(path) = safe_relative_path(uri)
                && !absolute
                && !files.contains(&path)
            {
                files.push(path);
            }
        }
    }
    files
}

fn has_scheme(uri: &str) -> bool {
    match uri.find(':') {
        Some(i) => {
            let scheme = &uri[..i];
            // A one-letter "scheme" is a Windows drive letter: absolute too.
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// Percent-decodes `uri` and checks it names a file inside the base folder.
fn safe_relative_path(uri: &str) -> Result<PathBuf, String> {
    let decoded = percent_decode_str(uri)
        .decode_utf8()
        .map_err(|_| "percent-encoded bytes are not UTF-8".to_string())?;
    let path = Path::new(decoded.as_ref());
    let mut depth = 0i32;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => {
                depth += 1;
                out.push(p);
            }
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return Err("the path leaves the model's folder".into());
                }
                out.pop();
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err("absolute paths are not allowed".into());
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err("the URI names no file".into());
    }
    Ok(out)
}

fn decode_data_uri(rest: &str) -> Result<Loaded, String> {
    let (header, payload) = rest
        .split_once(',')
        .ok_or_else(|| "data: URI without a ',' before its payload".to_string())?;
    let mut parts = header.split(';');
    let mime = parts.next().filter(|m| !m.is_empty()).map(str::to_string);
    let base64 = parts.any(|p| p.eq_ignore_ascii_case("base64"));
    let bytes = if base64 {
        base64::engine::general_purpose::STANDARD
            .decode(payload.trim())
            .map_err(|e| format!("invalid base64 in data: URI: {e}"))?
    } else {
        percent_decode_str(payload).collect()
    };
    Ok(Loaded {
        mime_type: mime,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::resolve::{Folder, NoFiles};

    #[test]
    fn external_files_are_safe_relative_paths_in_document_order() {
        let doc = br#"{"buffers": [{"uri": "data/mesh%20a.bin"}, {"uri": "data:,x"}],
            "images": [{"uri": "tex/c.png"}, {"uri": "../../etc/passwd"}, {"uri": "https://x/y.png"},
                       {"uri": "data/mesh a.bin"}, {"bufferView": 0}]}"#;
        assert_eq!(
            external_files(doc),
            vec![PathBuf::from("data/mesh a.bin"), PathBuf::from("tex/c.png")]
        );
        assert!(external_files(b"glTF\x02").is_empty());
    }

    #[test]
    fn data_uris_decode() {
        let r = &NoFiles;
        let l = load("data:application/octet-stream;base64,AAEC", r, 10).unwrap();
        assert_eq!(l.bytes, vec![0, 1, 2]);
        assert_eq!(l.mime_type.as_deref(), Some("application/octet-stream"));
        assert_eq!(load("data:,a%20b", r, 10).unwrap().bytes, b"a b");
        assert!(load("data:;base64,!!!", r, 10).is_err());
    }

    #[test]
    fn paths_stay_inside_the_folder() {
        assert_eq!(
            safe_relative_path("tex/a%20b.png").unwrap(),
            PathBuf::from("tex/a b.png")
        );
        assert_eq!(
            safe_relative_path("a/../b.bin").unwrap(),
            PathBuf::from("b.bin")
        );
        assert!(safe_relative_path("../secret.bin").is_err());
        assert!(safe_relative_path("a/../../b").is_err());
        let r = &Folder(".".into());
        assert!(load("/etc/passwd", r, 10).is_err());
        assert!(load("http://example.com/x.bin", r, 10).is_err());
        assert!(load("C:/x.bin", r, 10).is_err());
    }
}

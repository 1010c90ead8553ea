//! A job's input: the object a message names and, for a `.gltf`, the files it references
//! beside it, fetched into memory once, under the input size limit, as a [`job::Input`] whose
//! resolver serves those files; and the content address that names the job's output prefix.
//! Reading the model is the pipeline's business ([`crate::job`]), not this module's.

use crate::error::{Error, Result};
use crate::format::{resolve::Files, uri};
use crate::job;
use crate::queue::message::S3Object;
use crate::settings::hex;
use crate::storage::BlobStore;
use sha2::{Digest, Sha256};
use std::path::Path;

/// An input in memory.
pub struct Fetched {
    /// The document, named by the key's last segment (made safe), with its files.
    pub input: job::Input,
    /// Size of the document and its files together, bytes.
    pub bytes: u64,
    /// The content address ([`content_address`]).
    pub address: String,
}

/// Fetches `object` and, when it is a glTF document (not a GLB), every file it references
/// relative to its key, refusing more than `limit` bytes in all.
pub async fn fetch(store: &dyn BlobStore, object: &S3Object, limit: u64) -> Result<Fetched> {
    let document = store.get(object, limit).await?;
    let mut bytes = document.len() as u64;
    // A GLB carries its buffers and images inside; only a JSON document references files.
    let references = match document.starts_with(b"glTF") {
        true => vec![],
        false => uri::external_files(&document),
    };
    let folder = object.key.rsplit_once('/').map_or("", |(d, _)| d);
    let mut files = Files::default();
    let mut hashes = Vec::with_capacity(references.len());
    for relative in references {
        let key = relative_key(&relative);
        let sibling = S3Object {
            bucket: object.bucket.clone(),
            key: match folder {
                "" => key.clone(),
                _ => format!("{folder}/{key}"),
            },
        };
        let read = store.get(&sibling, limit - bytes).await;
        let file = read.map_err(|e| match e {
            Error::LimitExceeded { actual, .. } => Error::input_too_large(bytes + actual, limit),
            other => other,
        })?;
        bytes += file.len() as u64;
        hashes.push((key, hex(&Sha256::digest(&file))));
        files.insert(relative, file);
    }
    let address = content_address(&hex(&Sha256::digest(&document)), &hashes);
    let name = local_name(&object.key);
    Ok(Fetched {
        input: job::Input::new(name, document, Box::new(files)),
        bytes,
        address,
    })
}

/// The address of a document with hex SHA-256 `document_sha` and its referenced `files`
/// (key relative to the document, hex SHA-256): the document's hash alone when it has none,
/// else the hex SHA-256 of the document's hash followed by each file's key, a NUL and its
/// hash. Output prefixes are named by it: it must never change.
pub fn content_address(document_sha: &str, files: &[(String, String)]) -> String {
    if files.is_empty() {
        return document_sha.to_string();
    }
    let mut address = Sha256::new();
    address.update(document_sha.as_bytes());
    for (key, sha) in files {
        address.update(key.as_bytes());
        address.update([0]);
        address.update(sha.as_bytes());
    }
    hex(&address.finalize())
}

/// `relative` as an S3 key suffix: its components joined by `/`.
fn relative_key(relative: &Path) -> String {
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// The upload's file name for an object key: its last segment made safe, keeping a `.glb` or
/// `.gltf` extension (the manifest's `input.file`, as when the worker staged inputs on disk).
fn local_name(key: &str) -> String {
    let last = Path::new(key.rsplit('/').next().unwrap_or_default());
    let stem = job::output_name(last);
    match last
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
    {
        Some(ext) if ext == "glb" || ext == "gltf" => format!("{stem}.{ext}"),
        _ => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::memory::MemoryStore;

    #[test]
    fn local_names_keep_the_last_segment_safely() {
        assert_eq!(local_name("a/b/My Chair+1 ü.glb"), "My Chair+1 ü.glb");
        assert_eq!(local_name("a/"), "model");
        assert_eq!(local_name(".glb"), "model.glb");
        assert_eq!(local_name("x:y?.GLTF"), "x_y_.gltf");
    }

    fn object(key: &str) -> S3Object {
        S3Object {
            bucket: "in".into(),
            key: key.into(),
        }
    }

    // The address names existing output prefixes, so it must never change: the value is
    // SHA-256 of "abdata/a b.bin\0cd", as the worker computed it while it staged files on disk.
    #[test]
    fn content_addresses_are_stable() {
        assert_eq!(content_address("ab", &[]), "ab");
        let files = [("data/a b.bin".to_string(), "cd".to_string())];
        assert_eq!(
            content_address("ab", &files),
            "f46acbe68a9274aacb42b549a276fdf07edecc648309e0a2aaabd4b17ce23c43"
        );
    }

    #[tokio::test]
    async fn a_gltf_brings_its_siblings_within_the_limit() {
        let store = MemoryStore::default();
        let doc =
            br#"{"asset":{"version":"2.0"},"buffers":[{"uri":"data/a%20b.bin","byteLength":3}],
            "images":[{"uri":"data:image/png;base64,AAAA"},{"uri":"tex.png"}]}"#;
        store.insert("in", "shop/chair.gltf", doc.to_vec());
        store.insert("in", "shop/data/a b.bin", b"bin".to_vec());
        store.insert("in", "shop/tex.png", b"png!".to_vec());
        let total = (doc.len() + 7) as u64;
        let fetched = fetch(&store, &object("shop/chair.gltf"), total)
            .await
            .unwrap();
        assert_eq!(fetched.bytes, total);
        assert_eq!(fetched.input.name, "chair.gltf");
        let resolver = &fetched.input.resolver;
        assert_eq!(resolver.read(Path::new("data/a b.bin"), 3).unwrap(), b"bin");
        assert_eq!(resolver.read(Path::new("tex.png"), 4).unwrap(), b"png!");
        let sha = |b: &[u8]| hex(&Sha256::digest(b));
        let files = [
            ("data/a b.bin".to_string(), sha(b"bin")),
            ("tex.png".to_string(), sha(b"png!")),
        ];
        assert_eq!(fetched.address, content_address(&sha(doc), &files));
        let err = fetch(&store, &object("shop/chair.gltf"), total - 1).await;
        let err = err.err().expect("one byte over the limit");
        assert!(err.to_string().contains(&total.to_string()), "{err}");
        store.insert("in", "lonely.gltf", doc.to_vec());
        let err = fetch(&store, &object("lonely.gltf"), total).await.err();
        assert_eq!(err.map(|e| e.code()), Some("no_such_object"));
    }
}

//! A job's input: the uploaded bytes and the resolver for the files they reference.
//!
//! The job never opens the upload itself: the CLI opens a file ([`Input::open`]), the worker
//! fetches an object and its siblings into memory ([`Input::new`] with a
//! [`Files`](crate::format::resolve::Files) resolver). Reading the input into an asset and
//! its [`InputReport`] happens here, once per job.

use super::InputReport;
use crate::error::{Error, Result};
use crate::format::{self, ReadOutput, resolve::Folder, resolve::Resolver};
use crate::settings::{Limits, Settings, hex};
use sha2::{Digest, Sha256};
use std::path::Path;

/// An upload: the document's bytes and where the files it references are found.
pub struct Input {
    /// The upload's file name (e.g. `chair.gltf`): the manifest's `input.file` and, without
    /// its extension, the output folder's name. Not used to tell the format.
    pub name: String,
    /// The document: a GLB, or glTF JSON text.
    pub bytes: Vec<u8>,
    /// Opens the buffers and images the document references by relative URI.
    pub resolver: Box<dyn Resolver>,
}

/// An input read into an asset, with its report.
pub(super) struct ReadInput {
    pub output: ReadOutput,
    pub report: InputReport,
}

impl Input {
    /// An input already in memory.
    pub fn new(name: impl Into<String>, bytes: Vec<u8>, resolver: Box<dyn Resolver>) -> Input {
        Input {
            name: name.into(),
            bytes,
            resolver,
        }
    }

    /// Reads the file at `path` (refusing one larger than `limits.max_input_bytes` before
    /// reading it); its references resolve in its folder.
    pub fn open(path: &Path, limits: &Limits) -> Result<Input> {
        let input_err = |source| Error::Input {
            path: path.to_path_buf(),
            source,
        };
        limits.check_input_bytes(std::fs::metadata(path).map_err(input_err)?.len())?;
        let bytes = std::fs::read(path).map_err(input_err)?;
        let dir = path.parent().map_or_else(|| ".".into(), Path::to_path_buf);
        let name = path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        Ok(Input::new(name, bytes, Box::new(Folder(dir))))
    }

    /// Decodes the input and reports what it holds.
    pub(super) fn read(&self, settings: &Settings) -> Result<ReadInput> {
        let output = format::read_bytes(&self.bytes, self.resolver.as_ref(), &settings.limits)?;
        let report = InputReport {
            file: self.name.clone(),
            bytes: output.bytes_read,
            sha256: hex(&Sha256::digest(&self.bytes)),
            counts: output.asset.counts(),
            bounds: output.asset.bounds(),
            extensions_used: output.extensions_used.clone(),
            extensions_required: output.extensions_required.clone(),
            problems: output.problems.clone(),
        };
        Ok(ReadInput { output, report })
    }
}

/// Output folder name for an upload named `name`: its file stem, with path-hostile characters
/// replaced.
pub fn output_name(name: &Path) -> String {
    let stem = name
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    if clean.is_empty() || clean.starts_with('.') {
        format!("model{clean}")
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::resolve::NoFiles;

    #[test]
    fn output_names_are_safe() {
        assert_eq!(output_name(Path::new("a/b/chair.glb")), "chair");
        assert_eq!(output_name(Path::new("x:y.glb")), "x_y");
        assert_eq!(output_name(Path::new(".glb")), "model.glb");
    }

    #[test]
    fn an_input_is_read_whatever_its_name_says() {
        let settings = Settings::default();
        let input = Input::new(
            "model.bin",
            b"{\"asset\":{\"version\":\"2.0\"}}".to_vec(),
            Box::new(NoFiles),
        );
        let read = input.read(&settings).unwrap();
        assert_eq!(read.report.file, "model.bin");
        assert_eq!(read.report.counts.meshes, 0);
    }

    #[test]
    fn an_oversized_file_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.glb");
        std::fs::write(&path, [0u8; 64]).unwrap();
        let limits = Limits {
            max_input_bytes: 63,
            ..Limits::default()
        };
        let e = Input::open(&path, &limits).err().unwrap();
        assert_eq!(
            e.to_string(),
            "input bytes: 64 exceeds the limit of 63 (raise it with --max-input-bytes)"
        );
    }
}

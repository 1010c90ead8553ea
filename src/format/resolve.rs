//! Resolvers: where the files a document references (external buffers and images) are opened.
//!
//! A reader never opens a file itself; it asks the input's [`Resolver`] for a path that
//! [`super::uri`] has already checked to be relative and inside the model's folder. A job's
//! input comes with one: [`Folder`] for a file on disk, [`Files`] for references fetched into
//! memory (the worker's S3 siblings of a `.gltf`, an archive's entries), [`NoFiles`] for a
//! document that came alone. Resolvers do not parse or decode anything.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Opens the files a document references.
pub trait Resolver: Send + Sync {
    /// The bytes of the file at `path`, refusing a file larger than `budget` bytes.
    ///
    /// `path` is relative and stays inside the model's folder (checked by the caller). Errors
    /// are plain reasons that name the file; the caller adds the JSON pointer.
    fn read(&self, path: &Path, budget: u64) -> Result<Vec<u8>, String>;
}

/// Files in a folder on disk: the one a `.gltf` file sits in.
#[derive(Debug, Clone)]
pub struct Folder(pub PathBuf);

impl Resolver for Folder {
    fn read(&self, path: &Path, budget: u64) -> Result<Vec<u8>, String> {
        let path = self.0.join(path);
        let len = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        check_budget(&path, len, budget)?;
        std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Files already in memory, by path relative to the document: an object-store prefix's
/// objects, or an archive's entries.
#[derive(Debug, Clone, Default)]
pub struct Files {
    files: HashMap<PathBuf, Vec<u8>>,
}

impl Files {
    /// Adds (or replaces) the file at `path`, relative to the document.
    pub fn insert(&mut self, path: PathBuf, bytes: Vec<u8>) {
        self.files.insert(path, bytes);
    }
}

impl Resolver for Files {
    fn read(&self, path: &Path, budget: u64) -> Result<Vec<u8>, String> {
        let bytes = self
            .files
            .get(path)
            .ok_or_else(|| format!("{}: not among the uploaded files", path.display()))?;
        check_budget(path, bytes.len() as u64, budget)?;
        Ok(bytes.clone())
    }
}

/// No files: the document came alone (e.g. bytes from a queue message or a fuzzer).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFiles;

impl Resolver for NoFiles {
    fn read(&self, _: &Path, _: u64) -> Result<Vec<u8>, String> {
        Err("external files cannot be resolved for an input without a folder".into())
    }
}

/// Refuses a file of `len` bytes when only `budget` bytes of the input size limit are left.
fn check_budget(path: &Path, len: u64, budget: u64) -> Result<(), String> {
    if len > budget {
        return Err(format!(
            "{} is {len} bytes, more than the {budget} left of the input size limit",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_in_memory_are_found_by_relative_path_within_the_budget() {
        let mut files = Files::default();
        files.insert("tex/a.png".into(), vec![1, 2, 3]);
        assert_eq!(files.read(Path::new("tex/a.png"), 3).unwrap(), [1, 2, 3]);
        let e = files.read(Path::new("tex/a.png"), 2).unwrap_err();
        assert!(e.contains("3 bytes, more than the 2 left"), "{e}");
        let e = files.read(Path::new("b.bin"), 10).unwrap_err();
        assert!(e.contains("b.bin: not among the uploaded files"), "{e}");
    }

    #[test]
    fn folders_read_files_and_name_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.bin"), [7u8; 4]).unwrap();
        let folder = Folder(dir.path().to_path_buf());
        assert_eq!(folder.read(Path::new("a.bin"), 4).unwrap(), [7u8; 4]);
        assert!(folder.read(Path::new("a.bin"), 3).is_err());
        let e = folder.read(Path::new("missing.bin"), 10).unwrap_err();
        assert!(e.contains("missing.bin"), "{e}");
        assert!(NoFiles.read(Path::new("a.bin"), 10).is_err());
    }
}

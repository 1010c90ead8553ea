//! Local output folders, staged in a temporary sibling and renamed into place.
//!
//! Files are written into `<out>/.<name>.partial-XXXXXX/`; `manifest.json` goes in last, then
//! the folder is renamed to `<out>/<name>/` (replacing an older result). A crash or an error
//! before that leaves at most a hidden partial folder (removed on drop when the process
//! survives), never a `<name>/` folder with some files missing.

use super::OutputSink;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// File name of the manifest, the last file written.
pub const MANIFEST: &str = "manifest.json";

/// An output folder being filled.
pub struct StagedDir {
    temp: tempfile::TempDir,
    target: PathBuf,
}

impl StagedDir {
    /// Starts staging `<out_root>/<name>/`; creates `out_root` when missing.
    pub fn new(out_root: &Path, name: &str) -> Result<StagedDir> {
        std::fs::create_dir_all(out_root).map_err(Error::output(out_root))?;
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}.partial-"))
            .tempdir_in(out_root)
            .map_err(Error::output(out_root))?;
        Ok(StagedDir {
            temp,
            target: out_root.join(name),
        })
    }

    /// Writes the manifest and moves the folder into place; returns the final path.
    pub fn commit(self, manifest: &[u8]) -> Result<PathBuf> {
        self.put(MANIFEST, manifest)?;
        let staged = self.temp.keep();
        let target = self.target;
        let parent = target.parent().unwrap_or(Path::new("."));
        let old = if target.exists() {
            let name = target.file_name().unwrap_or_default().to_string_lossy();
            let old = tempfile::Builder::new()
                .prefix(&format!(".{name}.old-"))
                .tempdir_in(parent)
                .map_err(Error::output(parent))?
                .keep();
            // rename() onto an existing (empty) directory replaces it on Unix.
            std::fs::rename(&target, &old).map_err(Error::output(&target))?;
            Some(old)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(&staged, &target) {
            if let Some(old) = &old {
                let _ = std::fs::rename(old, &target);
            }
            let _ = std::fs::remove_dir_all(&staged);
            return Err(Error::output(&target)(e));
        }
        if let Some(old) = old {
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(target)
    }
}

impl OutputSink for StagedDir {
    /// Writes one output file into the staging folder.
    fn put(&self, name: &str, bytes: &[u8]) -> Result<u64> {
        let path = self.temp.path().join(name);
        std::fs::write(&path, bytes).map_err(Error::output(&path))?;
        Ok(bytes.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appears_whole_and_replaces_older_results() {
        let root = tempfile::tempdir().unwrap();
        let s = StagedDir::new(root.path(), "m").unwrap();
        s.put("a.glb", b"1").unwrap();
        assert!(!root.path().join("m").exists());
        let dir = s.commit(b"{}").unwrap();
        assert!(dir.join("a.glb").exists() && dir.join(MANIFEST).exists());

        let s = StagedDir::new(root.path(), "m").unwrap();
        s.put("b.glb", b"2").unwrap();
        s.commit(b"{}").unwrap();
        assert!(!dir.join("a.glb").exists());
        assert!(dir.join("b.glb").exists());
        let leftovers = std::fs::read_dir(root.path()).unwrap().count();
        assert_eq!(leftovers, 1, "only m/ remains");
    }

    #[test]
    fn dropped_stages_leave_nothing() {
        let root = tempfile::tempdir().unwrap();
        let s = StagedDir::new(root.path(), "m").unwrap();
        s.put("a.glb", b"1").unwrap();
        drop(s);
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }
}

//! Where a job's outputs go, and how they appear: whole or not at all.
//!
//! A job writes its files into an [`OutputSink`] and returns its manifest; the caller commits
//! the manifest last. Locally that is a staged folder renamed into place ([`fs::StagedDir`]);
//! the worker collects files in memory ([`MemorySink`]) and uploads them to S3 ([`s3`]), the
//! manifest last, so a prefix with a manifest is complete.

pub mod fs;
pub mod s3;

use crate::error::Result;
use std::sync::Mutex;

/// Receives the files of one job. Calls may come from several threads, for different names.
pub trait OutputSink: Sync {
    /// Stores one file; returns its size in bytes.
    fn put(&self, name: &str, bytes: &[u8]) -> Result<u64>;
}

/// Files kept in memory, in the order they were written.
#[derive(Default)]
pub struct MemorySink {
    files: Mutex<Vec<(String, Vec<u8>)>>,
}

impl MemorySink {
    /// The files written, sorted by name.
    pub fn into_files(self) -> Vec<(String, Vec<u8>)> {
        let mut files = self.files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files
    }
}

impl OutputSink for MemorySink {
    fn put(&self, name: &str, bytes: &[u8]) -> Result<u64> {
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.to_string(), bytes.to_vec()));
        Ok(bytes.len() as u64)
    }
}

//! Where a job's outputs go, and how they appear: whole or not at all.
//!
//! A job writes its files into an [`OutputSink`] and returns its manifest; the caller commits
//! the manifest last. Locally that is a staged folder renamed into place ([`fs::StagedDir`]);
//! the worker collects files in memory ([`MemorySink`]) and uploads them to a [`BlobStore`]
//! (S3, [`s3`]; or memory, [`memory`], in tests), the manifest last, so a prefix with a
//! manifest is complete. What the outputs mean and when to write them is the worker's
//! business, not this module's.

pub mod fs;
pub mod memory;
pub mod s3;

use crate::error::Result;
use crate::queue::message::S3Object;
use std::pin::Pin;
use std::sync::Mutex;

/// A boxed future that may move between threads: what [`BlobStore`] and
/// [`crate::queue::JobQueue`] methods return, so both can be used as `dyn` objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Whether a write-once put wrote the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// The object is new.
    Created,
    /// It existed already (S3 answered 412): written by an earlier attempt or another worker.
    AlreadyExists,
}

/// Object storage as the worker uses it: whole objects read under a size limit, and
/// write-once puts (`If-None-Match: *`). Implemented by S3 ([`s3::S3Store`]) and by memory
/// ([`memory::MemoryStore`]).
pub trait BlobStore: Send + Sync {
    /// True when `bucket/key` exists.
    fn exists<'a>(&'a self, bucket: &'a str, key: &'a str) -> BoxFuture<'a, Result<bool>>;

    /// The whole of `object`, refusing one larger than `max_bytes` (with
    /// [`Error::input_too_large`](crate::Error::input_too_large), `actual` the size seen so
    /// far); `Error::NoSuchObject` when it does not exist.
    fn get<'a>(&'a self, object: &'a S3Object, max_bytes: u64) -> BoxFuture<'a, Result<Vec<u8>>>;

    /// Writes `bytes` to `bucket/key` unless the key exists: [`Put::AlreadyExists`] then,
    /// and the existing object is left as it is.
    fn put_new<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<Put>>;
}

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

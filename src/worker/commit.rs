//! Committing a job's outputs to a [`BlobStore`]: every file written once, the manifest last,
//! so a prefix holding a manifest is complete; and reading back what an earlier delivery (or
//! another worker) committed. Which prefix, and what to do when this fails, is the job's
//! decision ([`super::job`]).

use crate::error::{Error, Result};
use crate::job::Manifest;
use crate::queue::message::S3Object;
use crate::storage::fs::MANIFEST;
use crate::storage::{BlobStore, Put};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument;

/// Uploads of one job running at once.
const PARALLEL_UPLOADS: usize = 4;

/// A job's committed outputs.
pub struct Committed {
    /// Key prefix ending in `/`.
    pub prefix: String,
    /// File names under the prefix, sorted, manifest last.
    pub files: Vec<String>,
    /// The manifest.
    pub manifest: Manifest,
    /// True when the manifest was there before this job wrote it.
    pub duplicate: bool,
}

/// Uploads `files` under `prefix` in `bucket` (a few at a time), then `manifest`. A file or
/// manifest that exists already is left as it is (keys are content-addressed and outputs
/// deterministic): a manifest written meanwhile by a concurrent worker makes the result a
/// duplicate.
pub async fn upload(
    store: &Arc<dyn BlobStore>,
    bucket: &str,
    prefix: &str,
    files: Vec<(String, Vec<u8>)>,
    manifest: Manifest,
) -> Result<Committed> {
    let slots = Arc::new(Semaphore::new(PARALLEL_UPLOADS));
    let mut uploads = JoinSet::new();
    for (name, bytes) in files {
        let (store, bucket, slots) = (store.clone(), bucket.to_string(), slots.clone());
        let key = format!("{prefix}{name}");
        uploads.spawn(
            async move {
                let _slot = slots.acquire_owned().await;
                store.put_new(&bucket, &key, bytes).await.map(|_| name)
            }
            .instrument(tracing::Span::current()),
        );
    }
    let mut names = vec![];
    while let Some(done) = uploads.join_next().await {
        names.push(done.map_err(|e| Error::Internal(format!("upload task failed: {e}")))??);
    }
    names.sort();
    let manifest_key = format!("{prefix}{MANIFEST}");
    let put = store.put_new(bucket, &manifest_key, manifest.to_json());
    let duplicate = put.await? == Put::AlreadyExists;
    names.push(MANIFEST.into());
    Ok(Committed {
        prefix: prefix.to_string(),
        files: names,
        manifest,
        duplicate,
    })
}

/// The outputs committed under `prefix`, when its manifest exists.
pub async fn existing(
    store: &dyn BlobStore,
    bucket: &str,
    prefix: &str,
) -> Result<Option<Committed>> {
    let key = format!("{prefix}{MANIFEST}");
    if !store.exists(bucket, &key).await? {
        return Ok(None);
    }
    let object = S3Object {
        bucket: bucket.to_string(),
        key,
    };
    let bytes = store.get(&object, u64::MAX).await?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| Error::Remote {
        operation: format!("reading {}", object.uri()),
        message: format!("not a manifest of this worker: {e}"),
    })?;
    let mut files: Vec<String> = manifest
        .lods
        .iter()
        .map(|l| l.file.clone())
        .chain(manifest.thumbnails.iter().map(|t| t.file.clone()))
        .collect();
    files.sort();
    files.push(MANIFEST.into());
    Ok(Some(Committed {
        prefix: prefix.to_string(),
        files,
        manifest,
        duplicate: true,
    }))
}

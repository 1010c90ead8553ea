//! What a job tells the platform: the completion event on the results queue and the failure
//! record (`error.json`), each kind built by one constructor. Both schemas are documented in
//! the README. Sending and writing them is the job's business, not this module's.

use crate::error::Error;
use crate::job::{Manifest, Tool};
use serde::Serialize;

/// Version of the completion event and failure record schemas.
pub const EVENT_SCHEMA_VERSION: u32 = 1;

/// Longest failure reason kept, characters (SQS messages are at most 256 KiB; a reason
/// quoting a whole document would not help anyone).
pub const MAX_REASON_CHARS: usize = 2000;

/// Name of the failure record, under the job's output prefix.
pub const FAILURE: &str = "error.json";

/// Most thumbnails listed in a completion event (a turntable may have hundreds; the
/// manifest lists them all).
const MAX_LISTED_THUMBNAILS: usize = 16;

/// The input of a job.
#[derive(Debug, Clone, Serialize)]
pub struct InputRef {
    /// Bucket.
    pub bucket: String,
    /// Key, decoded.
    pub key: String,
    /// Hex SHA-256 of the object, once downloaded.
    pub sha256: Option<String>,
    /// Size, bytes, once known.
    pub bytes: Option<u64>,
}

/// Where a job's outputs are.
#[derive(Debug, Clone, Serialize)]
pub struct OutputRef {
    /// Bucket.
    pub bucket: String,
    /// Key prefix ending in `/`.
    pub prefix: String,
    /// Names of the files under the prefix (manifest last), or the failure record's.
    pub files: Vec<String>,
}

/// Why a job failed.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    /// The error's stable code ([`Error::code`]).
    pub code: String,
    /// The message, at most [`MAX_REASON_CHARS`] characters.
    pub reason: String,
}

impl ErrorInfo {
    /// The code and bounded message of `e`.
    pub fn of(e: &Error) -> ErrorInfo {
        ErrorInfo {
            code: e.code().into(),
            reason: bounded(&e.to_string()),
        }
    }
}

/// `s` cut to [`MAX_REASON_CHARS`] characters, marked with an ellipsis when cut.
pub fn bounded(s: &str) -> String {
    match s.char_indices().nth(MAX_REASON_CHARS) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}

/// One LOD in a summary.
#[derive(Debug, Clone, Serialize)]
pub struct LodSummary {
    /// Level, 0 first.
    pub level: usize,
    /// File name under the prefix.
    pub file: String,
    /// Triangles.
    pub triangles: u64,
    /// Size, bytes.
    pub bytes: u64,
}

/// One thumbnail in a summary.
#[derive(Debug, Clone, Serialize)]
pub struct ThumbnailSummary {
    /// File name under the prefix.
    pub file: String,
    /// View name.
    pub view: String,
    /// Width, pixels.
    pub width: u32,
    /// MIME type.
    pub mime_type: String,
}

/// The manifest, abridged for the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Hash of the settings the outputs were made with.
    pub settings_hash: String,
    /// The LOD chain.
    pub lods: Vec<LodSummary>,
    /// The first thumbnails.
    pub thumbnails: Vec<ThumbnailSummary>,
    /// All thumbnails, including those not listed.
    pub thumbnail_count: usize,
    /// Warnings in the manifest.
    pub warning_count: usize,
    /// Processing time, milliseconds.
    pub total_ms: f64,
}

impl Summary {
    /// The summary of `manifest`.
    pub fn of(manifest: &Manifest) -> Summary {
        Summary {
            settings_hash: manifest.settings_hash.clone(),
            lods: manifest
                .lods
                .iter()
                .map(|l| LodSummary {
                    level: l.level,
                    file: l.file.clone(),
                    triangles: l.triangles,
                    bytes: l.bytes,
                })
                .collect(),
            thumbnails: manifest
                .thumbnails
                .iter()
                .take(MAX_LISTED_THUMBNAILS)
                .map(|t| ThumbnailSummary {
                    file: t.file.clone(),
                    view: t.view.clone(),
                    width: t.width,
                    mime_type: t.mime_type.clone(),
                })
                .collect(),
            thumbnail_count: manifest.thumbnails.len(),
            warning_count: manifest.warnings.len(),
            total_ms: manifest.total_ms,
        }
    }
}

/// Succeeded or failed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Outputs and manifest are committed.
    Succeeded,
    /// The input cannot be processed; `error.json` says why.
    Failed,
}

/// Which delivery and job an event or record belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct JobRef {
    /// `<message id>/<record index>`: stable across redeliveries of the message.
    pub job_id: String,
    /// SQS message id.
    pub message_id: String,
    /// Deliveries of the message so far.
    pub receive_count: u32,
}

/// The completion event sent to the results queue.
#[derive(Debug, Clone, Serialize)]
pub struct Completion {
    /// [`EVENT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always `render-worker.job`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The outcome.
    pub status: Status,
    /// Message and job.
    #[serde(flatten)]
    pub job: JobRef,
    /// The model.
    pub input: InputRef,
    /// The outputs or failure record.
    pub output: OutputRef,
    /// True when the outputs existed already (a repeated delivery or a retry after a
    /// partial failure); consumers may see a job's event more than once.
    pub duplicate: bool,
    /// Abridged manifest (when succeeded).
    pub summary: Option<Summary>,
    /// Why it failed (when failed).
    pub error: Option<ErrorInfo>,
    /// The worker's name and version.
    pub tool: Tool,
}

impl Completion {
    /// The event of a job whose outputs are committed at `output` (manifest last);
    /// `duplicate` when they were there already.
    pub fn succeeded(
        job: JobRef,
        input: InputRef,
        output: OutputRef,
        duplicate: bool,
        manifest: &Manifest,
    ) -> Completion {
        Completion {
            duplicate,
            summary: Some(Summary::of(manifest)),
            ..Completion::base(Status::Succeeded, job, input, output)
        }
    }

    /// The event of a job that failed for good with `error`; `output` names its failure
    /// record.
    pub fn failed(job: JobRef, input: InputRef, output: OutputRef, error: &Error) -> Completion {
        Completion {
            error: Some(ErrorInfo::of(error)),
            ..Completion::base(Status::Failed, job, input, output)
        }
    }

    fn base(status: Status, job: JobRef, input: InputRef, output: OutputRef) -> Completion {
        Completion {
            schema_version: EVENT_SCHEMA_VERSION,
            kind: "render-worker.job",
            status,
            job,
            input,
            output,
            duplicate: false,
            summary: None,
            error: None,
            tool: tool(),
        }
    }
}

/// `error.json`: why a job failed for good.
#[derive(Debug, Clone, Serialize)]
pub struct FailureRecord {
    /// [`EVENT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Message and job.
    #[serde(flatten)]
    pub job: JobRef,
    /// The model.
    pub input: InputRef,
    /// Hash of the job's settings, when they were valid.
    pub settings_hash: Option<String>,
    /// Why.
    pub error: ErrorInfo,
    /// The worker's name and version.
    pub tool: Tool,
}

impl FailureRecord {
    /// The record of a job that failed for good with `error`; `settings_hash` when its
    /// settings were valid.
    pub fn new(
        job: JobRef,
        input: InputRef,
        settings_hash: Option<String>,
        error: &Error,
    ) -> FailureRecord {
        FailureRecord {
            schema_version: EVENT_SCHEMA_VERSION,
            job,
            input,
            settings_hash,
            error: ErrorInfo::of(error),
            tool: tool(),
        }
    }
}

/// This build's name and version.
fn tool() -> Tool {
    Tool {
        name: env!("CARGO_PKG_NAME").into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_bounded_on_character_boundaries() {
        let long = "ü".repeat(MAX_REASON_CHARS + 5);
        let b = bounded(&long);
        assert_eq!(b.chars().count(), MAX_REASON_CHARS + 1);
        assert!(b.ends_with('…'));
        assert_eq!(bounded("short"), "short");
    }
}

//! The documented output schemas: the manifest and the input report.

use crate::asset::{Bounds, Counts};
use crate::pipeline::textures::TextureEntry;
use crate::qa::VisualDiff;
use crate::render::AdapterReport;
use crate::report::{Problems, StageReport, StageTiming, Warning};
use crate::settings::{LodTarget, Settings};
use serde::{Deserialize, Serialize};

/// Version of the manifest schema; bumped on incompatible changes.
pub const MANIFEST_SCHEMA_VERSION: u32 = 1;

/// The program that wrote a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// "render-worker".
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// What the input held, and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputReport {
    /// File name of the input.
    pub file: String,
    /// Bytes read: the file plus external buffers and images.
    pub bytes: u64,
    /// Hex SHA-256 of the input file.
    pub sha256: String,
    /// Object and geometry counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// World-space bounds of the default scene in its rest pose.
    pub bounds: Option<Bounds>,
    /// `extensionsUsed` as declared.
    pub extensions_used: Vec<String>,
    /// `extensionsRequired` as declared.
    pub extensions_required: Vec<String>,
    /// Validator-style problems found while reading.
    pub problems: Problems,
}

/// One written LOD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LodEntry {
    /// Position in the chain, 0 first.
    pub level: usize,
    /// The requested ratio or triangle count.
    pub target: LodTarget,
    /// File name inside the output folder.
    pub file: String,
    /// Triangles.
    pub triangles: u64,
    /// Vertices.
    pub vertices: u64,
    /// File size.
    pub bytes: u64,
    /// Accumulated simplification error over the model's bounding-box diagonal.
    pub error_relative: f32,
    /// Accumulated simplification error in world units (metres by glTF convention).
    pub error_absolute: f32,
    /// The on-screen size in pixels (of the bounding-box diagonal) up to which this level is
    /// within one pixel of the original; `null` when the level has no error.
    pub screen_size_px: Option<f64>,
    /// How different the level looks from the original (visual QA) as it ships: rendered with
    /// its delivered textures, decoded as a client decodes them; `null` without rendering.
    pub visual: Option<VisualDiff>,
    /// The same figures with the source's textures, so that the difference from `visual` is
    /// what texture delivery costs; equal to `visual` when no texture was re-encoded.
    #[serde(default)]
    pub visual_geometry: Option<VisualDiff>,
}

/// One rendered image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThumbnailEntry {
    /// File name inside the output folder.
    pub file: String,
    /// What the image shows: a view name, "turntable" or "turntable-sheet".
    pub view: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// "transparent" or "white".
    pub background: String,
    /// MIME type.
    pub mime_type: String,
    /// File size.
    pub bytes: u64,
}

/// Everything a job produced, written as `manifest.json`, last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Who wrote it.
    pub tool: Tool,
    /// The input.
    pub input: InputReport,
    /// The settings that shaped the outputs.
    pub settings: Settings,
    /// Hex SHA-256 of `settings`.
    pub settings_hash: String,
    /// The LOD chain, level 0 first (levels dropped by visual QA are absent).
    pub lods: Vec<LodEntry>,
    /// Every image the levels deliver (they share them), in their `images` order: how it
    /// was encoded and what that cost in bytes, GPU memory and error. Absent from manifests of
    /// earlier versions.
    #[serde(default)]
    pub textures: Vec<TextureEntry>,
    /// Thumbnails and other renders.
    pub thumbnails: Vec<ThumbnailEntry>,
    /// The adapter that rendered; `null` with `--no-render`.
    pub renderer: Option<AdapterReport>,
    /// What the pipeline changed or could not do.
    pub warnings: Vec<Warning>,
    /// What each stage did, in the order the stages ran: preparation once, then the per-level
    /// stages of every delivered or dropped level (each with its `lod`). Absent from manifests
    /// of earlier versions.
    #[serde(default)]
    pub stages: Vec<StageReport>,
    /// Per-stage time, summed over parallel calls.
    pub timings: Vec<StageTiming>,
    /// Wall-clock time of the whole job, milliseconds.
    pub total_ms: f64,
    /// The budget search, when a budget was set (`--max-bytes`, `--max-triangles`,
    /// `--profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<super::BudgetReport>,
}

impl Manifest {
    /// The manifest as written to `manifest.json` (pretty-printed JSON).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("manifest serializes")
    }
}

//! What a job tells its user besides outputs: problems found in the input, and warnings about
//! what the pipeline did or could not do.
//!
//! Problems use the Khronos validator's codes where one fits (`ACCESSOR_MIN_MISMATCH`, ...), so
//! people who know that tool read them at a glance. Warnings say what happened to the model
//! (a mesh left unsimplified, an extension removed) and never hide a silent drop.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How bad a problem is, in the validator's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks the specification.
    Error,
    /// Legal but likely wrong.
    Warning,
    /// Worth knowing.
    Info,
}

/// One problem found in an input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// Validator-style code, e.g. `ACCESSOR_WEIGHTS_NON_NORMALIZED`.
    pub code: String,
    /// Severity.
    pub severity: Severity,
    /// JSON pointer of the object concerned.
    pub pointer: String,
    /// Human-readable detail.
    pub message: String,
}

/// Problems of one input, with totals kept even when the list is capped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Problems {
    /// Number of errors.
    pub errors: u64,
    /// Number of warnings.
    pub warnings: u64,
    /// Number of infos.
    pub infos: u64,
    /// The first [`Problems::MAX_LISTED`] problems.
    pub messages: Vec<Problem>,
    /// True when more problems were found than are listed.
    pub truncated: bool,
}

impl Problems {
    /// Most problems listed individually; the counts stay exact beyond it.
    pub const MAX_LISTED: usize = 100;

    /// Records a problem.
    pub fn push(
        &mut self,
        code: &str,
        severity: Severity,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
        if self.messages.len() < Self::MAX_LISTED {
            self.messages.push(Problem {
                code: code.to_string(),
                severity,
                pointer: pointer.into(),
                message: message.into(),
            });
        } else {
            self.truncated = true;
        }
    }

    /// Total number of problems.
    pub fn total(&self) -> u64 {
        self.errors + self.warnings + self.infos
    }
}

/// Something the pipeline did, or could not do, that the user should know about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable machine-readable code, e.g. `SIMPLIFY_TARGET_NOT_REACHED`.
    pub code: String,
    /// JSON pointer (into the input document) of the object concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Human-readable detail.
    pub message: String,
}

impl Warning {
    /// A warning about a specific object.
    pub fn at(code: &str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Warning {
            code: code.to_string(),
            pointer: Some(pointer.into()),
            message: message.into(),
        }
    }

    /// A warning about the whole model.
    pub fn global(code: &str, message: impl Into<String>) -> Self {
        Warning {
            code: code.to_string(),
            pointer: None,
            message: message.into(),
        }
    }
}

/// What one pipeline stage did: its name, its warnings and what it removed, merged or changed,
/// counted by kind. Every stage returns one; the job lists them in the manifest's `stages`
/// section (in the order the stages ran) and moves their warnings to the manifest's `warnings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// Stage name, e.g. "weld".
    pub stage: String,
    /// The LOD level a per-level stage ran on; `None` for preparation stages (once per job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lod: Option<usize>,
    /// Things removed, by kind (e.g. `"vertices": 120`); kinds with a zero count are left out.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub removed: BTreeMap<String, u64>,
    /// Things merged into an equal or compatible one, by kind (e.g. `"images": 2`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub merged: BTreeMap<String, u64>,
    /// Things changed in place, by kind (e.g. `"materials_made_opaque": 1`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub changed: BTreeMap<String, u64>,
    /// Quantities measured, by name (e.g. `"position_grid_step": 0.0012`, in the unit its
    /// stage documents).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub measured: BTreeMap<String, f64>,
    /// What the stage warns about; the manifest lists these under `warnings`, not here.
    #[serde(skip)]
    pub warnings: Vec<Warning>,
}

impl StageReport {
    /// An empty report of stage `stage`.
    pub fn new(stage: &str) -> Self {
        StageReport {
            stage: stage.to_string(),
            ..StageReport::default()
        }
    }

    /// Counts `n` more `kind` removed (zero counts are not recorded).
    pub fn removed(&mut self, kind: &str, n: usize) {
        add(&mut self.removed, kind, n);
    }

    /// Counts `n` more `kind` merged.
    pub fn merged(&mut self, kind: &str, n: usize) {
        add(&mut self.merged, kind, n);
    }

    /// Counts `n` more `kind` changed.
    pub fn changed(&mut self, kind: &str, n: usize) {
        add(&mut self.changed, kind, n);
    }

    /// Records the quantity `name` (its stage documents the unit).
    pub fn measured(&mut self, name: &str, value: f64) {
        self.measured.insert(name.to_string(), value);
    }

    /// The count of `kind` in `removed`, `merged` or `changed` (whichever has it), else 0.
    pub fn count(&self, kind: &str) -> u64 {
        [&self.removed, &self.merged, &self.changed]
            .iter()
            .find_map(|m| m.get(kind).copied())
            .unwrap_or(0)
    }
}

fn add(counts: &mut BTreeMap<String, u64>, kind: &str, n: usize) {
    if n > 0 {
        *counts.entry(kind.to_string()).or_default() += n as u64;
    }
}

/// Time spent in one pipeline stage, summed over every call (stages run in parallel on several
/// primitives or LODs, so the sum can exceed the wall-clock time of the job).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTiming {
    /// Stage name, e.g. "simplify".
    pub stage: String,
    /// Milliseconds, summed over calls.
    pub ms: f64,
    /// Number of calls.
    pub calls: u32,
}

/// Accumulates stage timings from any thread.
#[derive(Debug, Default)]
pub struct Timings {
    stages: std::sync::Mutex<Vec<StageTiming>>,
}

impl Timings {
    /// Runs `f` and adds its duration to `stage`.
    pub fn time<T>(&self, stage: &str, f: impl FnOnce() -> T) -> T {
        let start = std::time::Instant::now();
        let out = f();
        self.add(stage, start.elapsed());
        out
    }

    /// Adds `d` to `stage`.
    pub fn add(&self, stage: &str, d: std::time::Duration) {
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        let ms = d.as_secs_f64() * 1e3;
        match stages.iter_mut().find(|s| s.stage == stage) {
            Some(s) => {
                s.ms += ms;
                s.calls += 1;
            }
            None => stages.push(StageTiming {
                stage: stage.to_string(),
                ms,
                calls: 1,
            }),
        }
    }

    /// The stages in the order they first ran.
    pub fn snapshot(&self) -> Vec<StageTiming> {
        self.stages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

//! render-worker turns uploaded glTF/GLB models into what browsers and AR viewers load fast.
//!
//! A job reads one model, cleans it, builds a chain of levels of detail (LODs), optimizes each
//! for the GPU and writes them as GLB files next to a `manifest.json` that describes them.
//!
//! Module map, in the order data flows:
//!
//! * [`mod@format`] reads glTF/GLB bytes into an [`asset::Asset`] and writes assets back as GLB.
//! * [`asset`] is the scene model: decoded, mutable, free of I/O and GPU types.
//! * [`pipeline`] holds the stages (weld, dedup, prune, simplify, LOD, optimize), run in a fixed,
//!   documented order by [`pipeline::prepare`] and [`pipeline::lod::build`].
//! * [`job`] runs one whole job and defines the [`job::Manifest`] it writes.
//! * [`storage`] puts outputs in place atomically: whole or not at all, manifest last.
//! * [`settings`] and [`report`] are the plain data the others share; [`error`] is the one
//!   error type; [`cli`] and [`telemetry`] serve the binary.

#![deny(missing_docs)]

pub mod asset;
pub mod cli;
pub mod console;
pub mod error;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod job;
pub mod pipeline;
pub mod qa;
pub mod queue;
pub mod render;
pub mod report;
pub mod settings;
pub mod storage;
pub mod telemetry;
pub mod texture;
pub mod thumbnail;
pub mod worker;

pub use error::{Error, Result};

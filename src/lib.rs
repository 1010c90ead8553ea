//! render-worker turns uploaded glTF/GLB models into what browsers and AR viewers load fast.
//!
//! A job reads one model, cleans it, builds a chain of levels of detail (LODs), optimizes each
//! for the GPU and writes them as GLB files next to a `manifest.json` that describes them.
//!
//! Module map, in the order data flows:
//!
//! * [`job`] runs one whole job as a list of named steps ([`job::run`]): read, render sources,
//!   prepare, fit budget, encode textures, build levels; an [`job::Input`] (bytes plus a
//!   resolver) comes in, files and the [`job::Manifest`] go out, encoded by the formats in
//!   [`job::encoders`].
//! * [`mod@format`] tells the upload's format from its bytes, reads glTF/GLB into an
//!   [`asset::Asset`] (opening referenced files through a [`format::resolve::Resolver`]) and
//!   writes assets back as GLB.
//! * [`asset`] is the scene model: decoded, mutable, free of I/O and GPU types.
//! * [`pipeline`] holds the stages (repair, weld, dedup, fold, prune, flatten, animation;
//!   simplify, points, optimize, quantize per level), each `fn(&mut Asset, &Settings) ->
//!   StageReport`, run in a fixed, documented order by [`pipeline::prepare`] and
//!   [`pipeline::lod::build`].
//! * [`texture`] decodes, resizes and encodes images (Basis Universal, KTX2, WebP).
//! * [`render`] draws assets with wgpu (headless, GPU or lavapipe); [`thumbnail`] encodes the
//!   images and [`qa`] compares renders (FLIP, silhouettes) for visual QA.
//! * [`storage`] puts outputs in place atomically: whole or not at all, manifest last.
//! * [`queue`] parses queue messages and talks to SQS; [`worker`] is the SQS-driven loop
//!   around [`job::run`].
//! * [`settings`] and [`report`] are the plain data the others share; [`error`] is the one
//!   error type; [`cli`] and [`console`] are the command line, [`telemetry`] its logs and
//!   metrics. `fuzzing` (hidden) is the entry point of the fuzz targets.

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

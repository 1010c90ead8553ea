//! Where a job's outputs go, and how they appear: whole or not at all.
//!
//! Today outputs go to a local folder ([`fs::StagedDir`]); the queue worker adds an S3 store.
//! Either way the manifest is written last and is the commit marker.

pub mod fs;

//! Shared test support: a fixture builder independent of the crate, fixture scenes, tools.

pub mod aws;
pub mod builder;
pub mod check;
pub mod features;
pub mod scenes;
pub mod tools;

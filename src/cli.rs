//! Command-line types: clap definitions turned into [`Settings`]; no processing logic.

use crate::error::{Error, Result};
use crate::render::View;
use crate::settings::{Limits, Settings, parse_lods};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Turn uploaded glTF/GLB models into optimized LOD chains, thumbnails and a manifest.
#[derive(Debug, Parser)]
#[command(name = "render-worker", version, about)]
pub struct Cli {
    /// More log output on stderr (RUST_LOG overrides).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Process a model: clean it, build the LOD chain, write GLBs and manifest.json.
    Process(ProcessArgs),
    /// Report counts, bounds, extensions and problems of a model without writing anything.
    Inspect(InspectArgs),
    /// Render one image of a model (PNG with transparency, or JPEG on white).
    Render(RenderArgs),
}

/// `render-worker render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The .glb or .gltf file.
    pub input: PathBuf,
    /// Width and height in pixels.
    #[arg(long, default_value_t = 1024)]
    pub size: u32,
    /// front, back, left, right, top or three-quarter.
    #[arg(long, default_value = "three-quarter")]
    pub view: String,
    /// Output file: .png (transparent) or .jpg (white background).
    #[arg(short, long)]
    pub out: PathBuf,
    /// Render on a CPU adapter (Mesa lavapipe) when no GPU exists.
    #[arg(long, env = "RENDER_WORKER_ALLOW_SOFTWARE", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_software: bool,
    /// Resource limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `render-worker process`.
#[derive(Debug, Args)]
pub struct ProcessArgs {
    /// The .glb or .gltf file.
    pub input: PathBuf,
    /// Folder that receives `<stem>/` with the outputs.
    #[arg(short, long, default_value = "out")]
    pub out: PathBuf,
    /// LOD chain: ratios in (0, 1] or triangle counts above 1, comma-separated.
    #[arg(long, default_value = "1,0.5,0.25,0.1")]
    pub lod: String,
    /// Largest accumulated simplification error of any LOD, relative to the model's
    /// bounding-box diagonal (0.01 = 1 %); 1 lets the LOD targets alone decide.
    #[arg(long, default_value_t = Settings::default().max_error)]
    pub error: f32,
    /// Do not render thumbnails (nor judge LODs visually).
    #[arg(long)]
    pub no_render: bool,
    /// Extra views rendered at 1024 px: front, back, left, right, top, three-quarter.
    #[arg(long, value_delimiter = ',')]
    pub views: Vec<String>,
    /// Render a turntable of N frames (frames, sprite sheet and animated PNG).
    #[arg(long, default_value_t = 0)]
    pub turntable: u32,
    /// Drop LODs whose mean FLIP error against the original exceeds this (0..1).
    #[arg(long)]
    pub max_visual_error: Option<f32>,
    /// Render on a CPU adapter (Mesa lavapipe) when no GPU exists.
    #[arg(long, env = "RENDER_WORKER_ALLOW_SOFTWARE", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_software: bool,
    /// Print the manifest as JSON on stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Allow pruning unused named nodes and merging identical, differently named meshes and
    /// materials.
    #[arg(long)]
    pub drop_names: bool,
    /// Keep border vertices in place (for meshes stitched to others).
    #[arg(long)]
    pub lock_borders: bool,
    /// Resource limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `render-worker inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The .glb or .gltf file.
    pub input: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Resource limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Limits against resource bombs.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Largest input (file plus external resources), bytes.
    #[arg(long, default_value_t = Limits::default().max_input_bytes)]
    pub max_input_bytes: u64,
    /// Most triangles.
    #[arg(long, default_value_t = Limits::default().max_triangles)]
    pub max_triangles: u64,
    /// Most vertices.
    #[arg(long, default_value_t = Limits::default().max_vertices)]
    pub max_vertices: u64,
    /// Most nodes.
    #[arg(long, default_value_t = Limits::default().max_nodes)]
    pub max_nodes: u64,
}

impl LimitArgs {
    /// The limits as settings.
    pub fn to_limits(&self) -> Limits {
        Limits {
            max_input_bytes: self.max_input_bytes,
            max_triangles: self.max_triangles,
            max_vertices: self.max_vertices,
            max_nodes: self.max_nodes,
        }
    }
}

impl ProcessArgs {
    /// The job settings these flags describe.
    pub fn settings(&self) -> Result<Settings> {
        let views = self
            .views
            .iter()
            .map(|v| v.parse::<View>().map_err(Error::Settings))
            .collect::<Result<Vec<_>>>()?;
        let settings = Settings {
            lods: parse_lods(&self.lod)?,
            max_error: self.error,
            render: !self.no_render,
            views,
            turntable: self.turntable,
            max_visual_error: self.max_visual_error,
            keep_named: !self.drop_names,
            lock_borders: self.lock_borders,
            limits: self.limits.to_limits(),
            ..Settings::default()
        };
        settings.validate()?;
        Ok(settings)
    }
}

impl InspectArgs {
    /// Settings carrying only the limits.
    pub fn settings(&self) -> Settings {
        Settings {
            limits: self.limits.to_limits(),
            ..Settings::default()
        }
    }
}

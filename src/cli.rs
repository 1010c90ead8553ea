//! Command-line types: clap definitions turned into [`Settings`]; no processing logic.

mod values;

pub use values::{Sse, ViewParser};

use crate::error::Result;
use crate::render::View;
use crate::settings::{
    Compression, Delivery, Limits, Profile, Settings, TextureFormat, TextureQuality, parse_lods,
};
use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Turn uploaded glTF/GLB models into optimized LOD chains, thumbnails and a manifest.
#[derive(Debug, Parser)]
#[command(name = "render-worker", version, about)]
pub struct Cli {
    /// More log output on stderr (RUST_LOG overrides).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Log lines as JSON (the worker's default) or text (the other commands' default).
    #[arg(long, global = true, env = "RENDER_WORKER_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, with the job's fields.
    Json,
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
    /// Take jobs from an SQS queue, read models from S3 and write the outputs to S3.
    Worker(Box<WorkerArgs>),
}

/// `render-worker worker`. Every flag also comes from the environment (`RENDER_WORKER_<FLAG>`);
/// AWS credentials and region come from the SDK's default chain.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// SQS queue of S3 event notifications and job messages.
    #[arg(long, env = "RENDER_WORKER_QUEUE_URL")]
    pub queue_url: String,
    /// Bucket that receives the outputs.
    #[arg(long, env = "RENDER_WORKER_OUTPUT_BUCKET")]
    pub output_bucket: String,
    /// Key prefix of the outputs: `<prefix>/<input sha256>/<settings hash>/`.
    #[arg(long, env = "RENDER_WORKER_OUTPUT_PREFIX", default_value = "")]
    pub output_prefix: String,
    /// SQS queue that receives a completion event per job.
    #[arg(long, env = "RENDER_WORKER_RESULTS_QUEUE")]
    pub results_queue: Option<String>,
    /// Messages processed at once.
    #[arg(long, env = "RENDER_WORKER_CONCURRENCY", default_value_t = 2)]
    pub concurrency: usize,
    /// Seconds a received message stays invisible; a heartbeat renews it every third of that
    /// while its job runs.
    #[arg(long, env = "RENDER_WORKER_VISIBILITY_TIMEOUT", default_value_t = 120)]
    pub visibility_timeout: u32,
    /// S3 and SQS endpoint (moto, LocalStack); `AWS_ENDPOINT_URL_S3`/`_SQS` set them apart.
    #[arg(long, env = "RENDER_WORKER_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Address of `/healthz`, `/readyz` and `/metrics`.
    #[arg(
        long,
        env = "RENDER_WORKER_METRICS_ADDR",
        default_value = "0.0.0.0:9400"
    )]
    pub metrics_addr: std::net::SocketAddr,
    /// Seconds allowed to download the input.
    #[arg(long, env = "RENDER_WORKER_DOWNLOAD_TIMEOUT", default_value_t = 300.0)]
    pub download_timeout: f64,
    /// Seconds allowed to process the model (read, render, build the LODs).
    #[arg(long, env = "RENDER_WORKER_PROCESS_TIMEOUT", default_value_t = 900.0)]
    pub process_timeout: f64,
    /// Seconds allowed to upload the outputs.
    #[arg(long, env = "RENDER_WORKER_UPLOAD_TIMEOUT", default_value_t = 300.0)]
    pub upload_timeout: f64,
    /// Seconds allowed for one whole job.
    #[arg(long, env = "RENDER_WORKER_JOB_TIMEOUT", default_value_t = 1200.0)]
    pub job_timeout: f64,
    /// Delay before the first retry of a transient failure, seconds; doubles per receive, up
    /// to 15 minutes.
    #[arg(long, env = "RENDER_WORKER_RETRY_DELAY", default_value_t = 10)]
    pub retry_delay: u32,
    /// Seconds from a drain signal (SIGTERM, SIGINT, spot notice) to releasing unfinished jobs.
    #[arg(long, env = "RENDER_WORKER_DRAIN_TIMEOUT", default_value_t = 90.0)]
    pub drain_timeout: f64,
    /// Instance metadata service polled for spot interruption notices; "off" disables it.
    #[arg(
        long,
        env = "RENDER_WORKER_IMDS_ENDPOINT",
        default_value = "http://169.254.169.254"
    )]
    pub imds_endpoint: String,
    /// Server-side encryption of outputs.
    #[arg(long, env = "RENDER_WORKER_SSE", value_enum, default_value_t = Sse::Aes256)]
    pub sse: Sse,
    /// KMS key for `--sse aws:kms` (the account's S3 key when absent).
    #[arg(long, env = "RENDER_WORKER_SSE_KMS_KEY_ID")]
    pub sse_kms_key_id: Option<String>,
    /// Outputs larger than this go up in multipart uploads, bytes.
    #[arg(long, env = "RENDER_WORKER_MULTIPART_THRESHOLD", default_value_t = 16 << 20)]
    pub multipart_threshold: usize,
    /// Threads of the CPU pool shared by all jobs (0: one per core).
    #[arg(long, env = "RENDER_WORKER_THREADS", default_value_t = 0)]
    pub threads: usize,
    /// What each job makes, unless its message overrides it.
    #[command(flatten)]
    pub job: JobArgs,
}

/// `render-worker render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The .glb or .gltf file.
    pub input: PathBuf,
    /// Width and height in pixels.
    #[arg(long, default_value_t = 1024)]
    pub size: u32,
    /// Camera direction.
    #[arg(long, default_value = "three-quarter", value_parser = ViewParser)]
    pub view: View,
    /// Output file: .png (transparent) or .jpg (white background).
    #[arg(short, long)]
    pub out: PathBuf,
    /// Render on a CPU adapter (Mesa lavapipe) when no GPU exists.
    #[arg(long, env = "RENDER_WORKER_ALLOW_SOFTWARE", value_parser = BoolishValueParser::new())]
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
    /// Print the manifest as JSON on stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// What the job makes.
    #[command(flatten)]
    pub job: JobArgs,
}

/// The pipeline's settings, shared by `process` and `worker`; each also comes from the
/// environment (`RENDER_WORKER_<FLAG>`).
#[derive(Debug, Args)]
pub struct JobArgs {
    /// LOD chain: ratios in (0, 1] or triangle counts above 1, comma-separated.
    #[arg(long, env = "RENDER_WORKER_LOD", default_value = "1,0.5,0.25,0.1")]
    pub lod: String,
    /// Largest accumulated simplification error of any LOD, relative to the model's
    /// bounding-box diagonal (0.01 = 1 %); 1 lets the LOD targets alone decide.
    #[arg(long, env = "RENDER_WORKER_ERROR", default_value_t = Settings::default().max_error)]
    pub error: f32,
    /// Do not render thumbnails (nor judge LODs visually).
    #[arg(long, env = "RENDER_WORKER_NO_RENDER", value_parser = BoolishValueParser::new())]
    pub no_render: bool,
    /// Extra views rendered at 1024 px, comma-separated.
    #[arg(long, env = "RENDER_WORKER_VIEWS", value_delimiter = ',', value_parser = ViewParser)]
    pub views: Vec<View>,
    /// Render a turntable of N frames (frames, sprite sheet and animated PNG).
    #[arg(long, env = "RENDER_WORKER_TURNTABLE", default_value_t = 0)]
    pub turntable: u32,
    /// Drop LODs whose mean FLIP error against the original exceeds this (0..1).
    #[arg(long, env = "RENDER_WORKER_MAX_VISUAL_ERROR")]
    pub max_visual_error: Option<f32>,
    /// Render on a CPU adapter (Mesa lavapipe) when no GPU exists.
    #[arg(long, env = "RENDER_WORKER_ALLOW_SOFTWARE", value_parser = BoolishValueParser::new())]
    pub allow_software: bool,
    /// Names protect nothing: named nodes are pruned and flattened like unnamed ones, identical
    /// differently named meshes and materials merge, node and mesh names are dropped
    /// (gltfpack's default; without it we keep what configurators address by name).
    #[arg(long, env = "RENDER_WORKER_DROP_NAMES", value_parser = BoolishValueParser::new())]
    pub drop_names: bool,
    /// Keep border vertices in place (for meshes stitched to others).
    #[arg(long, env = "RENDER_WORKER_LOCK_BORDERS", value_parser = BoolishValueParser::new())]
    pub lock_borders: bool,
    /// Geometry storage of the written files.
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// Target platform preset (delivery settings and budgets; explicit flags still win).
    #[arg(long, env = "RENDER_WORKER_PROFILE", value_enum)]
    pub profile: Option<Profile>,
    /// Most bytes of LOD 0; settings are searched until it fits.
    #[arg(long, env = "RENDER_WORKER_MAX_BYTES")]
    pub max_bytes: Option<u64>,
    /// Most triangles of LOD 0.
    #[arg(long, env = "RENDER_WORKER_MAX_TRIANGLES")]
    pub max_triangles: Option<u64>,
    /// Resource limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Quantization and compression (gltfpack's `-noq`, `-vpf`, `-vp`, `-vn`, `-vt`, `-vc`, `-af`,
/// `-c`, `-tc`, `-ts`, `-tp`). No flag has a clap default: what is left out keeps the
/// profile's preset or [`Delivery::default`], which the `[default: ...]` of each help repeats.
#[derive(Debug, Args)]
pub struct DeliveryArgs {
    /// Store vertex attributes as floats (no KHR_mesh_quantization).
    #[arg(long, env = "RENDER_WORKER_NO_QUANTIZE", value_parser = BoolishValueParser::new())]
    pub no_quantize: bool,
    /// Keep positions float while quantizing the other attributes.
    #[arg(long, env = "RENDER_WORKER_FLOAT_POSITIONS", value_parser = BoolishValueParser::new())]
    pub float_positions: bool,
    /// Bits per position component (1-16).
    /// [default: 14]
    #[arg(long, env = "RENDER_WORKER_POSITION_BITS")]
    pub position_bits: Option<u32>,
    /// Bits per normal and tangent component (1-8).
    /// [default: 8]
    #[arg(long, env = "RENDER_WORKER_NORMAL_BITS")]
    pub normal_bits: Option<u32>,
    /// Bits per texture coordinate component (1-16).
    /// [default: 12]
    #[arg(long, env = "RENDER_WORKER_TEXCOORD_BITS")]
    pub texcoord_bits: Option<u32>,
    /// Bits per colour component (1-8).
    /// [default: 8]
    #[arg(long, env = "RENDER_WORKER_COLOR_BITS")]
    pub color_bits: Option<u32>,
    /// Animation keys per second for resampling tracks denser than that (0 keeps keys).
    /// [default: 30]
    #[arg(long, env = "RENDER_WORKER_ANIMATION_FPS")]
    pub animation_fps: Option<u32>,
    /// Buffer compression.
    /// [default: none]
    #[arg(long, env = "RENDER_WORKER_COMPRESS", value_enum)]
    pub compress: Option<Compression>,
    /// Texture format. An image whose re-encoding is not smaller stays as it was.
    /// [default: keep]
    #[arg(long, env = "RENDER_WORKER_TEXTURE_FORMAT", value_enum)]
    pub texture_format: Option<TextureFormat>,
    /// How re-encoded textures are encoded: `auto` measures each against
    /// --max-texture-error/--max-normal-error and moves up from the cheapest encoding of its
    /// class until it is within them; a number 1-100 is one fixed WebP/JPEG quality (normal
    /// maps at least 90; KTX2 as ETC1S for colour, UASTC with RDO for the rest).
    /// [default: auto]
    #[arg(long, env = "RENDER_WORKER_TEXTURE_QUALITY")]
    pub texture_quality: Option<TextureQuality>,
    /// With --texture-quality auto: the largest mean FLIP error a colour texture (or a data
    /// texture's channel, as grey) may have against its source, in texture space.
    /// [default: 0.04]
    #[arg(long, env = "RENDER_WORKER_MAX_TEXTURE_ERROR")]
    pub max_texture_error: Option<f32>,
    /// With --texture-quality auto: the largest mean angle, in degrees, between a normal
    /// map's delivered and source normals.
    /// [default: 3]
    #[arg(long, env = "RENDER_WORKER_MAX_NORMAL_ERROR")]
    pub max_normal_error: Option<f32>,
    /// Largest texture side in pixels; larger textures are scaled down.
    /// [default: 2048]
    #[arg(long, env = "RENDER_WORKER_MAX_TEXTURE_SIZE")]
    pub max_texture_size: Option<u32>,
    /// Round texture sides to powers of two.
    #[arg(long, env = "RENDER_WORKER_TEXTURE_POW2", value_parser = BoolishValueParser::new())]
    pub texture_pow2: bool,
    /// With --compress: also store uncompressed copies so decoders without meshopt still load
    /// the files (the extension is then optional).
    #[arg(long, env = "RENDER_WORKER_COMPRESS_FALLBACK", value_parser = BoolishValueParser::new())]
    pub compress_fallback: bool,
}

impl DeliveryArgs {
    /// Applies these flags to `d` (a profile's preset or the defaults): flags given override,
    /// flags left out keep what `d` says.
    pub fn apply(&self, d: &mut Delivery) {
        d.quantize &= !self.no_quantize;
        d.float_positions |= self.float_positions;
        d.position_bits = self.position_bits.unwrap_or(d.position_bits);
        d.normal_bits = self.normal_bits.unwrap_or(d.normal_bits);
        d.texcoord_bits = self.texcoord_bits.unwrap_or(d.texcoord_bits);
        d.color_bits = self.color_bits.unwrap_or(d.color_bits);
        d.animation_fps = self.animation_fps.unwrap_or(d.animation_fps);
        d.compress = self.compress.unwrap_or(d.compress);
        d.texture_format = self.texture_format.unwrap_or(d.texture_format);
        d.max_texture_size = self.max_texture_size.unwrap_or(d.max_texture_size);
        d.texture_quality = self.texture_quality.unwrap_or(d.texture_quality);
        d.max_texture_error = self.max_texture_error.unwrap_or(d.max_texture_error);
        d.max_normal_error = self.max_normal_error.unwrap_or(d.max_normal_error);
        d.texture_pow2 |= self.texture_pow2;
        d.fallback |= self.compress_fallback;
    }
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
    #[arg(long, env = "RENDER_WORKER_MAX_INPUT_BYTES", default_value_t = Limits::default().max_input_bytes)]
    pub max_input_bytes: u64,
    /// Most triangles an input may have.
    #[arg(long, env = "RENDER_WORKER_MAX_INPUT_TRIANGLES", default_value_t = Limits::default().max_triangles)]
    pub max_input_triangles: u64,
    /// Most vertices.
    #[arg(long, env = "RENDER_WORKER_MAX_VERTICES", default_value_t = Limits::default().max_vertices)]
    pub max_vertices: u64,
    /// Most nodes.
    #[arg(long, env = "RENDER_WORKER_MAX_NODES", default_value_t = Limits::default().max_nodes)]
    pub max_nodes: u64,
}

impl LimitArgs {
    /// The limits as settings.
    pub fn to_limits(&self) -> Limits {
        Limits {
            max_input_bytes: self.max_input_bytes,
            max_triangles: self.max_input_triangles,
            max_vertices: self.max_vertices,
            max_nodes: self.max_nodes,
        }
    }
}

impl JobArgs {
    /// The job settings these flags describe.
    pub fn settings(&self) -> Result<Settings> {
        let mut settings = Settings {
            lods: parse_lods(&self.lod)?,
            max_error: self.error,
            render: !self.no_render,
            views: self.views.clone(),
            turntable: self.turntable,
            max_visual_error: self.max_visual_error,
            keep_named: !self.drop_names,
            lock_borders: self.lock_borders,
            limits: self.limits.to_limits(),
            ..Settings::default()
        };
        if let Some(p) = self.profile {
            p.apply(&mut settings);
        }
        self.delivery.apply(&mut settings.delivery);
        settings.budget.max_bytes = self.max_bytes.or(settings.budget.max_bytes);
        settings.budget.max_triangles = self.max_triangles.or(settings.budget.max_triangles);
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

#[cfg(test)]
mod tests;

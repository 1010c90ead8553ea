//! One job: a model file in, a folder with a LOD chain and `manifest.json` out.
//!
//! [`process`] reads, prepares, builds and writes the LODs, and commits the folder with the
//! manifest last. [`inspect`] reads and reports without writing anything. The [`Manifest`] and
//! [`InputReport`] types are the documented output schemas (see the README).

mod budget;
mod levels;
mod manifest;
mod visuals;

pub use budget::{Attempt, BudgetReport};

pub use manifest::{
    InputReport, LodEntry, MANIFEST_SCHEMA_VERSION, Manifest, ThumbnailEntry, Tool,
};

use crate::asset::Asset;
use crate::error::{Error, Result};
use crate::format::{self, uri::Resources};
use crate::pipeline::{self, textures::Encoded};
use crate::render::{LazyRenderer, Renderer};
use crate::report::{Timings, Warning};
use crate::settings::{Delivery, Settings, hex};
use crate::storage::{OutputSink, fs::StagedDir};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Receives progress events; the CLI draws a bar from them. Calls may come from any thread.
pub trait Progress: Sync {
    /// A named phase started.
    fn phase(&self, name: &str);
    /// LOD `level` of `count` was written.
    fn lod_written(&self, level: usize, count: usize);
    /// True when the job should stop at the next stage boundary (a worker draining or timing
    /// out); the job then fails with [`Error::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

fn checkpoint(progress: &dyn Progress) -> Result<()> {
    if progress.cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _: &str) {}
    fn lod_written(&self, _: usize, _: usize) {}
}

/// A read input: the decoded asset and its report.
struct Input {
    output: format::ReadOutput,
    report: InputReport,
}

fn read_input(path: &Path, settings: &Settings, timings: &Timings) -> Result<Input> {
    let input_err = |source| Error::Input {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(input_err)?.len();
    if len > settings.limits.max_input_bytes {
        return Err(Error::LimitExceeded {
            what: "input bytes",
            actual: len,
            limit: settings.limits.max_input_bytes,
            flag: "--max-input-bytes",
        });
    }
    let bytes = std::fs::read(path).map_err(input_err)?;
    let dir = path.parent().map_or_else(|| ".".into(), Path::to_path_buf);
    let output = timings.time("read", || {
        format::read_bytes(&bytes, &Resources::Dir(dir), &settings.limits)
    })?;
    let report = InputReport {
        file: path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
        bytes: output.bytes_read,
        sha256: hex(&Sha256::digest(&bytes)),
        counts: output.asset.counts(),
        bounds: output.asset.bounds(),
        extensions_used: output.extensions_used.clone(),
        extensions_required: output.extensions_required.clone(),
        problems: output.problems.clone(),
    };
    Ok(Input { output, report })
}

/// Reads `input` into an asset (with the reader's warnings), for rendering it as it is.
pub fn read_asset(input: &Path, settings: &Settings) -> Result<(Asset, Vec<Warning>)> {
    let input = read_input(input, settings, &Timings::default())?;
    Ok((input.output.asset, input.output.warnings))
}

/// Reads `input` and reports what it holds, writing nothing.
pub fn inspect(input: &Path, settings: &Settings) -> Result<InputReport> {
    Ok(read_input(input, settings, &Timings::default())?.report)
}

/// Output folder name for an input: its file stem, with path-hostile characters replaced.
pub fn output_name(input: &Path) -> String {
    let stem = input
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    if clean.is_empty() || clean.starts_with('.') {
        format!("model{clean}")
    } else {
        clean
    }
}

/// Runs the whole job into `sink`: one GLB per LOD, thumbnails (unless `settings.render` is
/// off); returns the manifest, which the caller commits last.
///
/// `renderer` is required when rendering; it is created (if lazy) only after the input has
/// been read, so bad input is refused first. `progress` may cancel the job between stages.
/// With a budget (`settings.budget`), settings are first searched until LOD 0 fits (see
/// [`budget`]): the input is read, rendered and prepared once, each attempt builds LOD 0
/// alone, and textures are encoded once per size tried; the manifest records the search.
pub fn run(
    input: &Path,
    sink: &dyn OutputSink,
    settings: &Settings,
    renderer: Option<&LazyRenderer>,
    progress: &dyn Progress,
) -> Result<Manifest> {
    settings.validate()?;
    if settings.render && renderer.is_none() {
        return Err(Error::Settings(
            "rendering needs a renderer; --no-render skips it".into(),
        ));
    }
    let start = Instant::now();
    let timings = Timings::default();
    progress.phase("reading");
    let Input { output, report } = read_input(input, settings, &timings)?;
    let renderer = match renderer.filter(|_| settings.render) {
        Some(lazy) => Some(lazy.get()?),
        None => None,
    };
    let mut asset = output.asset;
    let mut warnings = output.warnings;
    let mut thumbnails = vec![];
    let reference = match renderer {
        Some(r) => {
            checkpoint(progress)?;
            progress.phase("rendering");
            let t = timings.time("render", || visuals::thumbnails(r, &asset, settings, sink))?;
            thumbnails = t.entries;
            warnings.extend(t.warnings);
            Some(t.reference)
        }
        None => None,
    };
    checkpoint(progress)?;
    progress.phase("cleaning");
    warnings.extend(pipeline::prepare(&mut asset, settings, &timings));
    check_uv_sets(&asset, settings)?;
    let diagonal = report
        .bounds
        .map(|b| b.diagonal())
        .filter(|d| *d > 0.0)
        .unwrap_or(1.0);
    let encoded = TextureSizes::default();
    let levels = levels::Levels {
        asset: &asset,
        diagonal,
        timings: &timings,
        progress,
    };
    let mut chosen = settings.clone();
    let mut budget_report = None;
    if settings.budget.is_set() {
        progress.phase("fitting the budget");
        let mut attempt = |s: &Settings| -> Result<budget::Measured> {
            checkpoint(progress)?;
            let textures = encoded.get(&asset, &s.delivery, &timings);
            let first = Settings {
                lods: s.lods[..1].to_vec(),
                max_visual_error: None,
                ..s.clone()
            };
            let memory = crate::storage::MemorySink::default();
            let out = levels::Output {
                textures: &textures.0,
                reference: None,
                sink: &memory,
            };
            let (lods, _) = levels.write(&first, &out)?;
            let lod0 = lods
                .first()
                .ok_or_else(|| Error::Budget("no LOD was delivered".into()))?;
            Ok(budget::Measured {
                triangles: lod0.triangles,
                bytes: lod0.bytes,
            })
        };
        let (s, r) = budget::fit(settings, !asset.images.is_empty(), &mut attempt)?;
        chosen = s;
        budget_report = Some(r);
    }
    checkpoint(progress)?;
    progress.phase("textures");
    let textures = encoded.get(&asset, &chosen.delivery, &timings);
    warnings.extend(textures.1.iter().cloned());
    progress.phase("building LODs");
    let out = levels::Output {
        textures: &textures.0,
        reference: reference.as_ref(),
        sink,
    };
    let (lods, level_warnings) = levels.write(&chosen, &out)?;
    warnings.extend(level_warnings);

    Ok(Manifest {
        schema_version: MANIFEST_SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        input: report,
        settings_hash: chosen.hash(),
        settings: chosen,
        lods,
        thumbnails,
        renderer: renderer.map(Renderer::adapter),
        warnings,
        timings: timings.snapshot(),
        total_ms: start.elapsed().as_secs_f64() * 1e3,
        budget: budget_report,
    })
}

/// Encoded textures and the warnings about images left as they were.
type EncodedTextures = Arc<(Encoded, Vec<Warning>)>;

/// A job's encoded textures per largest texture side: the budget search tries several sizes,
/// and the real run reuses the one it chose.
#[derive(Default)]
struct TextureSizes {
    by_size: Mutex<HashMap<u32, EncodedTextures>>,
}

impl TextureSizes {
    /// The textures of `asset` encoded as `delivery` says, encoding them on first use.
    fn get(&self, asset: &Asset, delivery: &Delivery, timings: &Timings) -> EncodedTextures {
        let key = delivery.max_texture_size;
        if let Some(found) = self.by_size.lock().expect("texture sizes").get(&key) {
            return Arc::clone(found);
        }
        let made =
            Arc::new(timings.time("textures", || pipeline::textures::encode(asset, delivery)));
        let mut map = self.by_size.lock().expect("texture sizes");
        Arc::clone(map.entry(key).or_insert(made))
    }
}

/// Refuses a model whose materials sample more UV sets than the profile's platform reads.
fn check_uv_sets(asset: &Asset, settings: &Settings) -> Result<()> {
    let Some((profile, max)) = settings
        .profile
        .and_then(|p| p.max_uv_sets().map(|m| (p, m)))
    else {
        return Ok(());
    };
    for (i, m) in asset.materials.iter().enumerate() {
        let mut worst = None;
        m.for_each_texture(|_, uv| worst = worst.max(Some(uv)));
        if let Some(uv) = worst.filter(|&uv| uv >= max) {
            return Err(Error::Budget(format!(
                "profile {profile:?}: material {i} samples TEXCOORD_{uv}, but the platform reads {max} UV set(s)"
            )));
        }
    }
    Ok(())
}

/// Runs the whole job into `<out_root>/<stem>/`, staged and renamed into place with
/// `manifest.json` last; see [`run`]. On error nothing is left in `out_root`.
pub fn process(
    input: &Path,
    out_root: &Path,
    settings: &Settings,
    renderer: Option<&LazyRenderer>,
    progress: &dyn Progress,
) -> Result<(Manifest, PathBuf)> {
    settings.validate()?;
    let staged = StagedDir::new(out_root, &output_name(input))?;
    let manifest = run(input, &staged, settings, renderer, progress)?;
    let dir = staged.commit(&manifest.to_json())?;
    Ok((manifest, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_are_safe() {
        assert_eq!(output_name(Path::new("a/b/chair.glb")), "chair");
        assert_eq!(output_name(Path::new("x:y.glb")), "x_y");
        assert_eq!(output_name(Path::new(".glb")), "model.glb");
    }
}

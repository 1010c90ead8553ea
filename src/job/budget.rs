//! Fitting LOD 0 to a budget: settings are searched until the delivered file fits.
//!
//! Each attempt builds and writes LOD 0 alone, into memory, from the job's one prepared asset
//! (the caller encodes textures once per size tried). The triangle budget caps every level's
//! target (`lod::build` applies it). Too many triangles still (the error limit stopped
//! simplification): the error limit is lifted. Too many bytes: textures are halved first
//! (down to 128 px) while the model has any, then the triangle cap shrinks to 60 % of what the
//! last attempt delivered. The chosen settings then run for real, every level and visual QA
//! included, and every attempt is recorded in the manifest. Outputs are deterministic, so the
//! real run delivers exactly the measured LOD 0.

use crate::error::{Error, Result};
use crate::settings::Settings;
use serde::{Deserialize, Serialize};

/// Most attempts before giving up.
const ATTEMPTS: usize = 12;
/// Smallest texture side the search goes down to, pixels.
const MIN_TEXTURE: u32 = 128;
/// Fewest triangles the search goes down to.
const MIN_TRIANGLES: u64 = 64;

/// One measured attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Largest texture side tried, pixels.
    pub max_texture_size: u32,
    /// Triangle cap tried (none: the LOD targets alone).
    pub triangle_cap: Option<u64>,
    /// LOD 0 triangles delivered.
    pub triangles: u64,
    /// LOD 0 bytes delivered.
    pub bytes: u64,
    /// Whether it met the budget.
    pub fits: bool,
}

/// What the search tried and chose (the manifest's `budget`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetReport {
    /// The byte limit, if any.
    pub max_bytes: Option<u64>,
    /// The triangle limit, if any.
    pub max_triangles: Option<u64>,
    /// Every attempt, the chosen one last.
    pub attempts: Vec<Attempt>,
}

/// What an attempt delivered as LOD 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Triangles.
    pub triangles: u64,
    /// Bytes of the GLB.
    pub bytes: u64,
}

/// Finds settings under which LOD 0 meets `settings.budget`; `attempt` builds LOD 0 with the
/// given settings and measures it; `has_images` says whether halving textures can help.
/// Returns the settings with the report, or [`Error::Budget`] naming the last attempt.
pub fn fit(
    settings: &Settings,
    has_images: bool,
    attempt: &mut dyn FnMut(&Settings) -> Result<Measured>,
) -> Result<(Settings, BudgetReport)> {
    let budget = settings.budget.clone();
    let mut s = settings.clone();
    let mut report = BudgetReport {
        max_bytes: budget.max_bytes,
        max_triangles: budget.max_triangles,
        attempts: vec![],
    };
    for _ in 0..ATTEMPTS {
        let lod0 = attempt(&s)?;
        let too_many = budget.max_triangles.is_some_and(|t| lod0.triangles > t);
        let too_big = budget.max_bytes.is_some_and(|b| lod0.bytes > b);
        report.attempts.push(Attempt {
            max_texture_size: s.delivery.max_texture_size,
            triangle_cap: s.budget.max_triangles,
            triangles: lod0.triangles,
            bytes: lod0.bytes,
            fits: !too_many && !too_big,
        });
        if !too_many && !too_big {
            return Ok((s, report));
        }
        if too_many && s.max_error < 1.0 {
            s.max_error = 1.0; // the budget outranks the error limit
        } else if has_images && s.delivery.max_texture_size > MIN_TEXTURE {
            s.delivery.max_texture_size = (s.delivery.max_texture_size / 2).max(MIN_TEXTURE);
        } else {
            let next = lod0.triangles * 3 / 5;
            if next < MIN_TRIANGLES {
                break;
            }
            s.max_error = 1.0;
            s.budget.max_triangles = Some(next);
        }
    }
    let best = report.attempts.last().expect("at least one attempt");
    Err(Error::Budget(format!(
        "LOD 0 cannot meet the budget ({}): the last attempt delivered {} bytes and {} triangles with {} px textures; raise --max-bytes/--max-triangles or choose another --profile",
        describe(&report),
        best.bytes,
        best.triangles,
        best.max_texture_size
    )))
}

fn describe(r: &BudgetReport) -> String {
    let mut parts = vec![];
    if let Some(b) = r.max_bytes {
        parts.push(format!("at most {b} bytes"));
    }
    if let Some(t) = r.max_triangles {
        parts.push(format!("at most {t} triangles"));
    }
    parts.join(", ")
}

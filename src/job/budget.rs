//! Fitting LOD 0 to a budget: settings and a texture plan are searched until the delivered
//! file fits.
//!
//! Each attempt builds and writes LOD 0 alone, into memory, from the job's one prepared asset.
//! The triangle budget caps every level's target (`lod::build` applies it). Too many triangles
//! still (the error limit stopped simplification): the error limit is lifted. Bytes are
//! shared between geometry and textures without encoding any texture in full first: one
//! attempt with the images as uploaded weighs what is not texture, and probes predict what
//! each image's encodings and sizes would weigh and cost in error (see
//! `pipeline::textures::Planner`), so the first plan already aims at the room left. An
//! attempt still over shrinks that room by what it missed by, and the plan is made again;
//! when no cheaper plan is left, the triangle cap shrinks to 60 % of what the last attempt
//! delivered. The chosen settings and plan then run for real, every level and visual QA
//! included, and every attempt is recorded in the manifest. Outputs are deterministic, so the
//! real run delivers exactly the measured LOD 0.

use crate::error::{Error, Result};
use crate::pipeline::textures::{Plan, PlannedTexture, Planner};
use crate::settings::Settings;
use serde::{Deserialize, Serialize};

/// Most attempts before giving up.
const ATTEMPTS: usize = 12;
/// Fewest triangles the search goes down to.
const MIN_TRIANGLES: u64 = 64;

/// One measured attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Largest texture side planned, pixels (the settings' when no image is planned).
    pub max_texture_size: u32,
    /// Triangle cap tried (none: the LOD targets alone).
    pub triangle_cap: Option<u64>,
    /// LOD 0 triangles delivered.
    pub triangles: u64,
    /// LOD 0 bytes delivered.
    pub bytes: u64,
    /// Bytes of the planned images in it.
    pub texture_bytes: u64,
    /// What probes predicted the planned images would weigh.
    pub predicted_texture_bytes: u64,
    /// The plan, image by image (empty when no image is re-encoded).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub textures: Vec<PlannedTexture>,
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
    /// LOD 0 bytes with every image as uploaded (what the texture room was reckoned from);
    /// `null` without a byte limit or images to plan.
    pub untextured_bytes: Option<u64>,
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
    /// Bytes of the planned images in it.
    pub texture_bytes: u64,
}

/// Finds settings and a texture plan under which LOD 0 meets `settings.budget`; `attempt`
/// builds LOD 0 with them and measures it; `textures` plans the images. Returns the
/// settings and plan with the report, or [`Error::Budget`] naming the last attempt.
pub fn fit(
    settings: &Settings,
    textures: &Planner,
    attempt: &mut dyn FnMut(&Settings, &Plan) -> Result<Measured>,
) -> Result<(Settings, Plan, BudgetReport)> {
    let budget = settings.budget.clone();
    let mut s = settings.clone();
    let mut report = BudgetReport {
        max_bytes: budget.max_bytes,
        max_triangles: budget.max_triangles,
        untextured_bytes: None,
        attempts: vec![],
    };
    // The room for textures: the limit less what is not texture.
    let mut room = None;
    let mut plan = match budget.max_bytes.filter(|_| textures.has_candidates()) {
        Some(max) => {
            let bare = attempt(&s, &textures.unchanged())?;
            report.untextured_bytes = Some(bare.bytes);
            let r = max.saturating_sub(bare.bytes - bare.texture_bytes);
            room = Some(r);
            textures.within(r)
        }
        None => textures.auto(),
    };
    for _ in 0..ATTEMPTS {
        let lod0 = attempt(&s, &plan)?;
        let too_many = budget.max_triangles.is_some_and(|t| lod0.triangles > t);
        let too_big = budget.max_bytes.is_some_and(|b| lod0.bytes > b);
        let described = textures.describe(&plan);
        let planned_side = described.iter().map(|t| t.side).max();
        report.attempts.push(Attempt {
            max_texture_size: planned_side.unwrap_or(s.delivery.max_texture_size),
            triangle_cap: s.budget.max_triangles,
            triangles: lod0.triangles,
            bytes: lod0.bytes,
            texture_bytes: lod0.texture_bytes,
            predicted_texture_bytes: plan.predicted,
            textures: described,
            fits: !too_many && !too_big,
        });
        if !too_many && !too_big {
            // The settings say the largest side delivered.
            s.delivery.max_texture_size = planned_side.unwrap_or(s.delivery.max_texture_size);
            return Ok((s, plan, report));
        }
        if too_many && s.max_error < 1.0 {
            s.max_error = 1.0; // the budget outranks the error limit
            continue;
        }
        if let (true, Some(r), Some(max)) = (too_big, room, budget.max_bytes) {
            // The room this attempt left textures, corrected by how far probes were off,
            // and always less than the last: each plan is cheaper than the one before.
            let space = max.saturating_sub(lod0.bytes - lod0.texture_bytes);
            let ratio = plan.predicted as f64 / lod0.texture_bytes.max(1) as f64;
            let tighter = ((space as f64 * ratio) as u64).min(r.saturating_sub(1));
            let next = textures.within(tighter);
            room = Some(tighter);
            if next != plan {
                plan = next;
                continue;
            }
            room = None; // nothing cheaper: from here on only triangles give way
        }
        let next = lod0.triangles * 3 / 5;
        if next < MIN_TRIANGLES {
            break;
        }
        s.max_error = 1.0;
        s.budget.max_triangles = Some(next);
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

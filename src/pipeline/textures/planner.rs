//! A job's texture work: which encoding and size each image gets, predicted by probes
//! ([`probe`](super::probe)) before anything is encoded in full, and the full encodings of the
//! picks, each made once per job however many budget attempts ask for it.
//!
//! Without a byte budget, [`Planner::auto`] probes each image's ladder at its largest size
//! and starts the full encoding at the first step predicted within the bound (with
//! [`PROBE_MARGIN`]), climbing on from there when the full measurement says otherwise: the
//! steps a probe rules out are never encoded in full (images too small to sample climb from
//! the bottom). With one, [`Planner::within`] probes every step at the largest size and at two
//! halvings, and [`allocate`] shares the bytes; images that would ship as uploaded are then
//! candidates too, resized in their own format.

use super::choose::{Judged, bound_of, encode_one};
use super::entry::Tried;
use super::ladder::{Choice, Container, ladder};
use super::plan::{Predicted, allocate};
use super::probe::{Probe, Sample};
use super::{Encoded, Fitted, assemble, container_of, dropped_images, format_of};
use crate::asset::Asset;
use crate::report::{Timings, Warning};
use crate::settings::{Delivery, TextureQuality};
use crate::texture::{self, Usage, resize, usage_of};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A probe within this fraction of the bound counts as within it: a sample is not the image,
/// and a start too low costs a second full encoding.
const PROBE_MARGIN: f32 = 0.9;
/// Halvings of the largest size the budget search may deliver an image at.
const HALVINGS: u32 = 2;
/// Smallest side the budget search halves an image to, pixels.
const MIN_SIDE: u32 = 128;

/// How one image is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pick {
    /// Largest side, pixels: the size budget the image is fitted to.
    pub side: u32,
    /// Step of its ladder encoded first.
    pub step: usize,
    /// Whether a full encoding over the bound goes on up the ladder (`auto` without a
    /// budget), or is delivered as it is (a fixed quality, or a pick of the budget search).
    pub climb: bool,
}

/// What each image gets: `None` for images delivered as they came, whatever the plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Per image of the asset.
    pub picks: Vec<Option<Pick>>,
    /// Predicted bytes of the planned images, all together (0 from [`Planner::auto`], which
    /// predicts no bytes).
    pub predicted: u64,
}

/// One image of a plan, as the manifest's budget report records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedTexture {
    /// Index in the upload's `images`.
    pub source_image: usize,
    /// Largest side, pixels.
    pub side: u32,
    /// The encoding planned first (`etc1s q128`, `uastc rdo 1`, ...).
    pub encoding: String,
    /// Whether the full encoding may climb on when measured over the bound.
    pub climb: bool,
    /// Predicted bytes; `null` when nothing predicted them (a plan without a byte budget).
    pub bytes: Option<u64>,
    /// Predicted error (mean FLIP, or mean degrees for a normal map) against the source at
    /// the largest size; `null` with `bytes`.
    pub error: Option<f32>,
}

/// What the planner knows about one image it may re-encode.
struct Candidate {
    usage: Usage,
    ladder: Vec<Choice>,
    /// The image fitted to the largest size, as `container_of` returns it; `None` when it
    /// ships as uploaded at that size, and only the budget search may resize it (its ladder
    /// is then the resized image's).
    fitted: Option<Fitted>,
    sample: Sample,
    /// Sizes the budget search may pick: the largest first, each `(side, (width, height))`.
    sizes: Vec<(u32, (u32, u32))>,
    /// Bytes of the image as uploaded, when it ships instead of a larger encoding.
    original: Option<u64>,
    /// Probes made so far, per (size index, step).
    probes: Mutex<HashMap<(usize, usize), Result<Probe, String>>>,
}

impl Candidate {
    /// The probe of `step` at `sizes[size]`, made on first use; the image as uploaded is its
    /// own exact probe.
    fn probe(&self, size: usize, step: usize) -> Result<Probe, String> {
        if let Some(p) = self.known(size, step) {
            return Ok(p);
        }
        let made = self
            .sample
            .probe(self.ladder[step], self.sizes[size].1, self.usage);
        let mut probes = self.probes.lock().expect("probes");
        probes.entry((size, step)).or_insert(made).clone()
    }

    /// The probe of `step` at `sizes[size]` if it was made (or is the image as uploaded),
    /// making none.
    fn known(&self, size: usize, step: usize) -> Option<Probe> {
        if let (None, 0, Some(bytes)) = (&self.fitted, size, self.original) {
            return Some(Probe { bytes, error: 0.0 });
        }
        let probes = self.probes.lock().expect("probes");
        probes.get(&(size, step)).and_then(|p| p.clone().ok())
    }

    /// The step to start at without a budget: the first predicted within `bound`, else
    /// the one predicted best (a fixed quality has one). An image too small to sample starts
    /// at the bottom: its probe would be its full encoding, so the climb itself is cheapest.
    fn start(&self, bound: f32) -> Result<usize, String> {
        let mut best = (f32::INFINITY, self.ladder.len() - 1);
        if self.ladder.len() == 1 || self.fitted.is_none() || self.sample.is_whole() {
            return Ok(0);
        }
        for step in 0..self.ladder.len() {
            let error = self.probe(0, step)?.error;
            if error <= bound * PROBE_MARGIN {
                return Ok(step);
            }
            if error < best.0 {
                best = (error, step);
            }
        }
        Ok(best.1)
    }

    /// Every (size, step) with its prediction, errors in units of `bound`; probes are made
    /// in parallel.
    fn options(&self, bound: f32) -> Result<Vec<Predicted>, String> {
        // As uploaded, the largest size has one option: itself.
        let steps = |size: usize| match (&self.fitted, size) {
            (None, 0) => 1,
            _ => self.ladder.len(),
        };
        let pairs: Vec<(usize, usize)> = (0..self.sizes.len())
            .flat_map(|size| (0..steps(size)).map(move |step| (size, step)))
            .collect();
        pairs
            .into_par_iter()
            .map(|(size, step)| {
                let p = self.probe(size, step)?;
                // An encoding larger than an original that need not be replaced ships the
                // original, exactly.
                let (bytes, error) = match self.original {
                    Some(o) if size == 0 && p.bytes >= o => (o, 0.0),
                    _ => (p.bytes, p.error),
                };
                Ok(Predicted {
                    side: self.sizes[size].0,
                    step,
                    bytes,
                    error: error / bound,
                })
            })
            .collect()
    }
}

/// One image's full encoding for a pick, or why it could not be made.
type Encoding = Arc<Result<Judged, String>>;

/// One job's texture planning and encoding (see the module docs).
pub struct Planner<'a> {
    asset: &'a Asset,
    /// Where probing is timed (stage `texture_probes`, wall time of each plan made).
    timings: &'a Timings,
    delivery: Delivery,
    usages: Vec<Option<Usage>>,
    dropped: Vec<bool>,
    /// Whether images that ship as uploaded may be resized (a byte budget is set): they are
    /// then decoded and probed too.
    resizes_uploads: bool,
    /// Per image: what is known to plan it, fitted on first use; `Ok(None)` when it is
    /// delivered as it came, `Err` when it cannot be re-encoded.
    candidates: Vec<OnceLock<Result<Option<Candidate>, String>>>,
    /// Full encodings per (image, pick).
    encoded: Mutex<HashMap<(usize, Pick), Encoding>>,
}

impl<'a> Planner<'a> {
    /// A planner for the images of `asset`, delivered as `delivery` says, timing its probes
    /// into `timings`; `byte_budget` says whether images that ship as uploaded may be resized
    /// to fit one.
    pub fn new(
        asset: &'a Asset,
        delivery: &Delivery,
        byte_budget: bool,
        timings: &'a Timings,
    ) -> Planner<'a> {
        Planner {
            asset,
            timings,
            resizes_uploads: byte_budget,
            delivery: delivery.clone(),
            usages: usage_of(asset),
            dropped: dropped_images(asset, delivery),
            candidates: asset.images.iter().map(|_| OnceLock::new()).collect(),
            encoded: Mutex::default(),
        }
    }

    /// The bound of an image read as `usage` says, in its class's unit.
    fn bound(&self, usage: Usage) -> f32 {
        bound_of(&self.delivery, usage.class)
    }

    /// What is known to plan image `i` (see `candidates`).
    fn candidate(&self, i: usize) -> &Result<Option<Candidate>, String> {
        self.candidates[i].get_or_init(|| {
            let image = &self.asset.images[i];
            let Some(usage) = self.usages[i].filter(|_| !self.dropped[i]) else {
                return Ok(None);
            };
            let d = &self.delivery;
            let fitted = container_of(image, usage.class, d)?;
            if fitted.is_none() && (!self.resizes_uploads || format_of(image).is_none()) {
                return Ok(None);
            }
            let (w, h) = texture::dimensions(image).map_err(|e| e.to_string())?;
            // As uploaded at the largest size: only a byte budget may resize it, and its
            // ladder is that of the image at half its size.
            let (container, rgba) = match &fitted {
                Some(f) => (f.0, Cow::Borrowed(&f.1)),
                None if w.max(h) / 2 < MIN_SIDE => return Ok(None),
                None => {
                    let half = Delivery {
                        max_texture_size: w.max(h) / 2,
                        ..d.clone()
                    };
                    let Some(small) = container_of(image, usage.class, &half)? else {
                        return Ok(None);
                    };
                    let full = texture::decode(image, w.max(h))
                        .map_err(|e| format!("does not decode ({e})"))?;
                    (small.0, Cow::Owned(full))
                }
            };
            let ktx2 = container == Container::Ktx2;
            let largest = rgba.width().max(rgba.height());
            let mut sizes = vec![(d.max_texture_size, rgba.dimensions())];
            for k in 1..=HALVINGS {
                let side = largest >> k;
                if side < MIN_SIDE {
                    break;
                }
                let size = resize::target_size(w, h, side, d.texture_pow2, ktx2);
                if sizes.last().is_some_and(|s| s.1 != size) {
                    sizes.push((side, size));
                }
            }
            let must = fitted.as_ref().is_some_and(|f| f.2);
            Ok(Some(Candidate {
                usage,
                ladder: ladder(container, usage.class, d.texture_quality),
                sample: Sample::of(&rgba),
                original: (!must).then_some(image.data.len() as u64),
                fitted,
                sizes,
                probes: Mutex::default(),
            }))
        })
    }

    /// The plan without a byte budget: every image at its largest size, from the step probes
    /// predict within its bound (`auto`), or its one step (a fixed quality).
    pub fn auto(&self) -> Plan {
        self.timings
            .time("texture_probes", || self.auto_untimed(false))
    }

    /// [`Planner::auto`], with every pick's bytes predicted when `predict`.
    fn auto_untimed(&self, predict: bool) -> Plan {
        let picks = self.auto_picks(predict);
        Plan {
            predicted: picks.iter().flatten().map(|p| p.1).sum(),
            picks: picks.into_iter().map(|p| p.map(|p| p.0)).collect(),
        }
    }

    /// Per image: its pick without a budget, and its predicted bytes when `predict` (else 0).
    fn auto_picks(&self, predict: bool) -> Vec<Option<(Pick, u64)>> {
        (0..self.asset.images.len())
            .into_par_iter()
            .map(|i| {
                let Ok(Some(c)) = self.candidate(i) else {
                    return None;
                };
                // A probe that fails leaves the ladder to the full encoding, from its start.
                let step = c.start(self.bound(c.usage)).unwrap_or(0);
                let climb = self.delivery.texture_quality == TextureQuality::Auto;
                let pick = Pick {
                    side: c.sizes[0].0,
                    step,
                    climb,
                };
                let bytes = match (predict, c.sample.is_whole()) {
                    // Too small to sample: its full encoding is the prediction, and is kept.
                    (true, true) => match &*self.encode_pick(i, pick) {
                        Ok(judged) => judged.entry.bytes,
                        Err(_) => self.asset.images[i].data.len() as u64,
                    },
                    (true, false) => c.probe(0, step).map_or(0, |p| p.bytes),
                    (false, _) => 0,
                };
                Some((pick, bytes))
            })
            .collect()
    }

    /// The plan whose planned images are predicted to weigh at most `bytes` in all (the
    /// cheapest there is when none does): resolution and quality traded by predicted error
    /// per byte, each pick delivered as it is.
    pub fn within(&self, bytes: u64) -> Plan {
        self.timings
            .time("texture_probes", || self.within_untimed(bytes))
    }

    fn within_untimed(&self, bytes: u64) -> Plan {
        let auto = self.auto_picks(true);
        let unconstrained: u64 = auto.iter().flatten().map(|p| p.1).sum();
        if unconstrained <= bytes {
            return Plan {
                predicted: unconstrained,
                picks: auto.into_iter().map(|p| p.map(|p| p.0)).collect(),
            };
        }
        let planned: Vec<(usize, Vec<Predicted>, usize)> = (0..self.asset.images.len())
            .into_par_iter()
            .filter_map(|i| {
                let c = self.candidate(i).as_ref().ok()?.as_ref()?;
                let (start, _) = auto[i]?;
                let options = c.options(self.bound(c.usage)).ok()?;
                let from = options
                    .iter()
                    .position(|o| o.side == start.side && o.step == start.step)?;
                Some((i, options, from))
            })
            .collect();
        let options: Vec<Vec<Predicted>> = planned.iter().map(|p| p.1.clone()).collect();
        let start: Vec<usize> = planned.iter().map(|p| p.2).collect();
        // Images whose options could not be probed keep their unconstrained pick.
        let mut plan = Plan {
            predicted: 0,
            picks: auto.iter().map(|p| p.map(|p| p.0)).collect(),
        };
        let traded = |i: usize| planned.iter().any(|p| p.0 == i);
        let fixed: u64 = (0..auto.len())
            .filter(|&i| !traded(i))
            .filter_map(|i| auto[i].map(|p| p.1))
            .sum();
        let chosen = allocate(&options, &start, bytes.saturating_sub(fixed));
        plan.predicted = fixed;
        for ((i, options, _), j) in planned.iter().zip(chosen) {
            let o = options[j];
            plan.picks[*i] = Some(Pick {
                side: o.side,
                step: o.step,
                climb: false,
            });
            plan.predicted += o.bytes;
        }
        plan
    }

    /// The plan that leaves every image as it came (to weigh what is not textures).
    pub fn unchanged(&self) -> Plan {
        Plan {
            picks: vec![None; self.asset.images.len()],
            predicted: 0,
        }
    }

    /// Whether any image can be planned (re-encoded, resized) at all.
    pub fn has_candidates(&self) -> bool {
        (0..self.asset.images.len()).any(|i| matches!(self.candidate(i), Ok(Some(_))))
    }

    /// Bytes of the images a plan may change (re-encode, resize) as `encoded` delivers them.
    pub fn planned_bytes(&self, encoded: &Encoded) -> u64 {
        let bytes = encoded.delivered_bytes(self.asset);
        let planned = (0..bytes.len()).filter(|&i| matches!(self.candidate(i), Ok(Some(_))));
        planned.map(|i| bytes[i]).sum()
    }

    /// The report of `plan`, image by image.
    pub fn describe(&self, plan: &Plan) -> Vec<PlannedTexture> {
        let mut out = vec![];
        for (i, pick) in plan.picks.iter().enumerate() {
            let (Some(pick), Ok(Some(c))) = (pick, self.candidate(i)) else {
                continue;
            };
            let size = c.sizes.iter().position(|s| s.0 == pick.side).unwrap_or(0);
            // What is known already: its probe, or the full encoding that predicted it.
            let encoded = self
                .encoded
                .lock()
                .expect("encodings")
                .get(&(i, *pick))
                .cloned();
            let from_encoding = encoded
                .as_deref()
                .and_then(|e| e.as_ref().ok())
                .map(|j| Probe {
                    bytes: j.entry.bytes,
                    error: j.entry.tried.last().map_or(0.0, |t| t.error),
                });
            let probe = c.known(size, pick.step).or(from_encoding);
            let uploaded = size == 0 && c.fitted.is_none();
            out.push(PlannedTexture {
                source_image: i,
                side: pick.side,
                encoding: if uploaded {
                    "unchanged".into()
                } else {
                    c.ladder[pick.step].label()
                },
                climb: pick.climb,
                bytes: probe.as_ref().map(|p| p.bytes),
                error: probe.map(|p| p.error),
            });
        }
        out
    }

    /// Encodes every image as `plan` says (each pick once per job), with the warnings about
    /// images left as they were or over their bound.
    pub fn encode(&self, plan: &Plan) -> (Encoded, Vec<Warning>) {
        let results: Vec<(Result<Judged, String>, bool)> = (0..self.asset.images.len())
            .into_par_iter()
            .map(|i| match plan.picks.get(i).copied().flatten() {
                Some(pick) => ((*self.encode_pick(i, pick)).clone(), !pick.climb),
                // Unplanned: delivered as it came, saying why when it could not be fitted.
                None => match self.candidate(i) {
                    Err(e) => (Err(e.clone()), false),
                    Ok(_) => (
                        Ok(Judged::unchanged(&self.asset.images[i], self.usages[i])),
                        false,
                    ),
                },
            })
            .collect();
        assemble(self.asset, &self.usages, self.dropped.clone(), results)
    }

    /// Image `i` encoded as `pick` says, on first use.
    fn encode_pick(&self, i: usize, pick: Pick) -> Encoding {
        if let Some(found) = self.encoded.lock().expect("encodings").get(&(i, pick)) {
            return Arc::clone(found);
        }
        let made = Arc::new(self.encode_fresh(i, pick));
        let mut map = self.encoded.lock().expect("encodings");
        Arc::clone(map.entry((i, pick)).or_insert(made))
    }

    fn encode_fresh(&self, i: usize, pick: Pick) -> Result<Judged, String> {
        let image = &self.asset.images[i];
        let c = match self.candidate(i) {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(Judged::unchanged(image, self.usages[i])),
            Err(e) => return Err(e.clone()),
        };
        let fitted = if pick.side == c.sizes[0].0 {
            match &c.fitted {
                Some(f) => f.clone(),
                None => return Ok(Judged::unchanged(image, self.usages[i])),
            }
        } else {
            let d = Delivery {
                max_texture_size: pick.side,
                ..self.delivery.clone()
            };
            container_of(image, c.usage.class, &d)?.expect("resized images are re-encoded")
        };
        let last = if pick.climb {
            c.ladder.len()
        } else {
            pick.step + 1
        };
        // The steps auto's probes ruled out, as the manifest records them.
        let probed = if pick.climb {
            (0..pick.step)
                .filter_map(|step| {
                    let p = c.probe(0, step).ok()?;
                    Some(Tried {
                        encoding: c.ladder[step].label(),
                        bytes: p.bytes,
                        error: p.error,
                        probed: true,
                    })
                })
                .collect()
        } else {
            vec![]
        };
        let steps = &c.ladder[pick.step..last];
        encode_one(image, c.usage, &self.delivery, fitted, steps, probed)
    }
}

//! Animation tracks for delivery: resampled at a fixed rate and constant tracks dropped, as
//! gltfpack does (`-af 30`).
//!
//! A LINEAR or CUBICSPLINE sampler denser than the rate is resampled to LINEAR keys at
//! `1 / fps` spacing over its time range (the last key at the range's end), evaluated with the
//! interpolation glTF specifies (slerp for rotations, Hermite for cubic splines); a sparser one
//! keeps its keys, since resampling it would only add data. STEP samplers are kept. A track
//! whose keys are all equal collapses to one key, and a collapsed track that only restates the
//! node's rest value is dropped (an animation keeps at least one channel).

use crate::asset::{Animation, AnimationSampler, Asset, AttributeData};
use crate::report::StageReport;
use crate::settings::Settings;
use glam::Quat;

/// Relative tolerance under which two key values count as equal.
const SAME: f32 = 1e-6;

/// Resamples and prunes every animation of `asset` at `settings.delivery.animation_fps` keys
/// per second (0: keys are kept, constant tracks are still collapsed and dropped); reports the
/// keys and channels removed.
pub fn run(asset: &mut Asset, settings: &Settings) -> StageReport {
    let fps = settings.delivery.animation_fps;
    let before = (keys(asset), channels(asset));
    for a in 0..asset.animations.len() {
        let paths = asset.animations[a].sampler_paths();
        for (sampler, path) in asset.animations[a].samplers.iter_mut().zip(paths) {
            if fps > 0 {
                resample(sampler, fps, path.as_deref() == Some("rotation"));
            }
            collapse(sampler);
        }
        drop_rest_channels(asset, a);
    }
    let mut report = StageReport::new("animation");
    report.removed("keys", before.0.saturating_sub(keys(asset)));
    report.removed("channels", before.1.saturating_sub(channels(asset)));
    report
}

/// Keyframes over every sampler of every animation.
fn keys(asset: &Asset) -> usize {
    let samplers = asset.animations.iter().flat_map(|a| &a.samplers);
    samplers.map(|s| s.input.len()).sum()
}

/// Channels over every animation.
fn channels(asset: &Asset) -> usize {
    asset.animations.iter().map(|a| a.channels.len()).sum()
}

/// Floats per key of `s` (the values of one key, tangents excluded).
fn width(s: &AnimationSampler) -> usize {
    let per_key = if s.interpolation == "CUBICSPLINE" {
        3
    } else {
        1
    };
    s.output.values.len() / (s.input.len() * per_key).max(1)
}

/// The value of `s` at time `t` (clamped to its range); `rotation` selects slerp and
/// normalization.
pub fn sample(s: &AnimationSampler, t: f32, rotation: bool) -> Vec<f32> {
    let w = width(s);
    let cubic = s.interpolation == "CUBICSPLINE";
    let key = |k: usize, part: usize| -> &[f32] {
        let at = if cubic { (k * 3 + part) * w } else { k * w };
        &s.output.values[at..at + w]
    };
    let value = |k: usize| key(k, usize::from(cubic));
    let n = s.input.len();
    let next = s.input.partition_point(|&x| x <= t);
    if next == 0 {
        return value(0).to_vec();
    }
    if next >= n {
        return value(n - 1).to_vec();
    }
    let k = next - 1;
    let dt = s.input[next] - s.input[k];
    let u = if dt > 0.0 { (t - s.input[k]) / dt } else { 0.0 };
    let mut out: Vec<f32> = match s.interpolation.as_str() {
        "STEP" => value(k).to_vec(),
        "CUBICSPLINE" => {
            let (u2, u3) = (u * u, u * u * u);
            let (h00, h10, h01, h11) = (
                2.0 * u3 - 3.0 * u2 + 1.0,
                u3 - 2.0 * u2 + u,
                -2.0 * u3 + 3.0 * u2,
                u3 - u2,
            );
            (0..w)
                .map(|i| {
                    h00 * value(k)[i]
                        + h10 * dt * key(k, 2)[i]
                        + h01 * value(next)[i]
                        + h11 * dt * key(next, 0)[i]
                })
                .collect()
        }
        _ if rotation && w == 4 => {
            let q = |v: &[f32]| Quat::from_slice(v).normalize();
            q(value(k)).slerp(q(value(next)), u).to_array().to_vec()
        }
        _ => (0..w)
            .map(|i| value(k)[i] + (value(next)[i] - value(k)[i]) * u)
            .collect(),
    };
    if rotation && w == 4 {
        let q = Quat::from_slice(&out).normalize();
        out.copy_from_slice(&q.to_array());
    }
    out
}

fn resample(s: &mut AnimationSampler, fps: u32, rotation: bool) {
    let (Some(&t0), Some(&t1)) = (s.input.first(), s.input.last()) else {
        return;
    };
    let stored_keys = s.output.values.len() / width(s).max(1);
    let frames = ((t1 - t0) * fps as f32).ceil() as usize + 1;
    if s.interpolation == "STEP" || s.input.len() < 2 || frames >= stored_keys {
        return;
    }
    let times: Vec<f32> = (0..frames)
        .map(|k| (t0 + k as f32 / fps as f32).min(t1))
        .collect();
    let values: Vec<f32> = times.iter().flat_map(|&t| sample(s, t, rotation)).collect();
    s.input = times;
    s.output = AttributeData {
        format: s.output.format,
        values,
    };
    s.interpolation = "LINEAR".into();
}

fn same(a: &[f32], b: &[f32]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - y).abs() <= SAME * x.abs().max(y.abs()).max(1.0))
}

/// Collapses a track whose every key holds the same value to one LINEAR key.
fn collapse(s: &mut AnimationSampler) {
    let w = width(s);
    if s.input.len() < 2 || w == 0 {
        return;
    }
    let first = sample(s, s.input[0], false);
    let keys: Vec<&[f32]> = if s.interpolation == "CUBICSPLINE" {
        // Constant only when every value matches and every tangent is zero.
        let zero = vec![0.0; w];
        let all = s.output.values.chunks_exact(w).collect::<Vec<_>>();
        if all
            .chunks_exact(3)
            .any(|k| !same(k[0], &zero) || !same(k[2], &zero))
        {
            return;
        }
        all.chunks_exact(3).map(|k| k[1]).collect()
    } else {
        s.output.values.chunks_exact(w).collect()
    };
    if keys.iter().all(|k| same(k, &first)) {
        s.input.truncate(1);
        s.output.values = first;
        s.interpolation = "LINEAR".into();
    }
}

/// The value a channel's target has without the animation.
fn rest_value(asset: &Asset, node: usize, path: &str) -> Option<Vec<f32>> {
    let n = asset.nodes.get(node)?;
    if n.matrix.is_some() {
        return None; // a matrix node is not TRS-animatable as written; keep what it says
    }
    Some(match path {
        "translation" => n.translation.unwrap_or([0.0; 3]).to_vec(),
        "rotation" => n.rotation.unwrap_or([0.0, 0.0, 0.0, 1.0]).to_vec(),
        "scale" => n.scale.unwrap_or([1.0; 3]).to_vec(),
        "weights" => n.weights.clone().or_else(|| {
            n.mesh
                .and_then(|m| asset.meshes.get(m))
                .map(|m| m.weights.clone())
        })?,
        _ => return None,
    })
}

/// Drops channels whose one-key track restates the rest value, then samplers nothing uses.
fn drop_rest_channels(asset: &mut Asset, a: usize) {
    let anim: &Animation = &asset.animations[a];
    let mut keep: Vec<bool> = anim
        .channels
        .iter()
        .map(|c| {
            let s = &anim.samplers[c.sampler];
            let Some(rest) = c
                .target
                .node
                .and_then(|n| rest_value(asset, n, &c.target.path))
            else {
                return true;
            };
            let value = &s.output.values;
            let negated: Vec<f32> = value.iter().map(|v| -v).collect();
            let restates = s.input.len() == 1
                && (same(value, &rest) || (c.target.path == "rotation" && same(&negated, &rest)));
            !restates || rest.len() != value.len()
        })
        .collect();
    // An animation keeps at least one channel (when it had any: the fuzzer feeds empty ones).
    if !keep.contains(&true)
        && let Some(first) = keep.first_mut()
    {
        *first = true;
    }
    let anim = &mut asset.animations[a];
    let mut k = keep.iter();
    anim.channels
        .retain(|_| *k.next().expect("one flag per channel"));
    let mut renumber = vec![usize::MAX; anim.samplers.len()];
    let mut next = 0;
    for c in &anim.channels {
        if renumber[c.sampler] == usize::MAX {
            renumber[c.sampler] = next;
            next += 1;
        }
    }
    let mut samplers: Vec<Option<AnimationSampler>> = anim.samplers.drain(..).map(Some).collect();
    let mut order: Vec<(usize, usize)> = renumber
        .iter()
        .enumerate()
        .filter(|(_, r)| **r != usize::MAX)
        .map(|(old, &new)| (new, old))
        .collect();
    order.sort_unstable();
    anim.samplers = order
        .into_iter()
        .map(|(_, old)| samplers[old].take().expect("each sampler once"))
        .collect();
    for c in &mut anim.channels {
        c.sampler = renumber[c.sampler];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampler(
        input: Vec<f32>,
        values: Vec<f32>,
        dims: usize,
        interpolation: &str,
    ) -> AnimationSampler {
        AnimationSampler {
            input,
            interpolation: interpolation.into(),
            output: AttributeData::new_float(dims, values),
            ext: Default::default(),
        }
    }

    #[test]
    fn dense_tracks_are_resampled_and_keep_their_curve() {
        // 121 keys over 1 s of a sine: 31 keys at 30 Hz.
        let times: Vec<f32> = (0..=120).map(|k| k as f32 / 120.0).collect();
        let values: Vec<f32> = times.iter().flat_map(|t| [t.sin(), 0.0, 1.0]).collect();
        let original = sampler(times.clone(), values, 3, "LINEAR");
        let mut s = original.clone();
        resample(&mut s, 30, false);
        assert_eq!(s.input.len(), 31);
        for t in [0.0, 0.013, 0.5, 0.77, 1.0] {
            let (a, b) = (sample(&original, t, false), sample(&s, t, false));
            assert!((a[0] - b[0]).abs() < 1e-3, "{t}: {a:?} {b:?}");
        }
        // Sparse tracks keep their keys.
        let mut sparse = sampler(vec![0.0, 10.0], vec![0.0; 6], 3, "LINEAR");
        resample(&mut sparse, 30, false);
        assert_eq!(sparse.input.len(), 2);
    }

    #[test]
    fn constant_tracks_collapse() {
        let mut s = sampler(vec![0.0, 1.0, 2.0], [1.0, 2.0, 3.0].repeat(3), 3, "LINEAR");
        collapse(&mut s);
        assert_eq!(
            (s.input.len(), s.output.values.clone()),
            (1, vec![1.0, 2.0, 3.0])
        );
    }

    #[test]
    fn cubic_splines_follow_hermite() {
        // One segment from 0 to 1 with zero tangents: smoothstep.
        let s = sampler(
            vec![0.0, 1.0],
            vec![0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            1,
            "CUBICSPLINE",
        );
        assert!((sample(&s, 0.5, false)[0] - 0.5).abs() < 1e-6);
        assert!((sample(&s, 0.25, false)[0] - 0.15625).abs() < 1e-6);
    }
}

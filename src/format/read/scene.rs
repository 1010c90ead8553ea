//! Decoding the binary parts of the scene graph: skins, animations and GPU instancing.

use super::super::accessor::Decoder;
use super::checks;
use crate::asset::{
    Animation, AnimationSampler, Asset, Channel, ChannelTarget, Component, InstanceAttribute, Skin,
};
use crate::error::{Error, Result};
use crate::report::{Problems, Severity, Warning};

const INSTANCING: &str = "EXT_mesh_gpu_instancing";

/// Fills `asset.skins` and `asset.animations` and decodes node instancing streams.
pub fn read_scene_objects(
    decoder: &Decoder<'_>,
    asset: &mut Asset,
    problems: &mut Problems,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    asset.skins = read_skins(decoder)?;
    asset.animations = read_animations(decoder, asset, problems, warnings)?;
    for (n, node) in asset.nodes.iter_mut().enumerate() {
        let Some(ext) = node.ext.extensions.remove(INSTANCING) else {
            continue;
        };
        let pointer = format!("/nodes/{n}/extensions/{INSTANCING}/attributes");
        let attrs = ext
            .get("attributes")
            .and_then(|a| a.as_object())
            .ok_or_else(|| Error::invalid(&pointer, "missing attributes object"))?;
        for (name, index) in attrs {
            let ap = format!("{pointer}/{name}");
            let index = index
                .as_u64()
                .ok_or_else(|| Error::invalid(&ap, "accessor index is not an integer"))?;
            let data = decoder.decode(index as usize, &ap)?;
            checks::require_finite(&data, &ap)?;
            node.instancing.push(InstanceAttribute {
                name: name.clone(),
                data,
            });
        }
        let count = node.instancing.first().map_or(0, |a| a.data.count());
        if let Some(a) = node.instancing.iter().find(|a| a.data.count() != count) {
            return Err(Error::invalid(
                format!("{pointer}/{}", a.name),
                format!("has {} instances, the others {count}", a.data.count()),
            ));
        }
    }
    Ok(())
}

fn read_skins(decoder: &Decoder<'_>) -> Result<Vec<Skin>> {
    decoder
        .root
        .skins
        .iter()
        .enumerate()
        .map(|(s, skin)| {
            let pointer = format!("/skins/{s}/inverseBindMatrices");
            let ibm = match skin.inverse_bind_matrices {
                Some(a) => {
                    let data = decoder.decode(a, &pointer)?;
                    checks::require_finite(&data, &pointer)?;
                    if data.format.dims != 16 || data.format.component != Component::F32 {
                        return Err(Error::invalid(
                            &pointer,
                            format!("accessor {a} must be float MAT4"),
                        ));
                    }
                    if data.count() < skin.joints.len() {
                        return Err(Error::invalid(
                            &pointer,
                            format!(
                                "accessor {a} has {} matrices for {} joints",
                                data.count(),
                                skin.joints.len()
                            ),
                        ));
                    }
                    let (matrices, _) = data.values.as_chunks::<16>();
                    Some(matrices[..skin.joints.len()].to_vec())
                }
                None => None,
            };
            Ok(Skin {
                name: skin.name.clone(),
                inverse_bind_matrices: ibm,
                skeleton: skin.skeleton,
                joints: skin.joints.clone(),
                ext: skin.ext.clone(),
            })
        })
        .collect()
}

fn read_animations(
    decoder: &Decoder<'_>,
    asset: &Asset,
    problems: &mut Problems,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Animation>> {
    let mut out = vec![];
    for (a, anim) in decoder.root.animations.iter().enumerate() {
        let pointer = format!("/animations/{a}");
        let mut samplers = vec![];
        for (s, sampler) in anim.samplers.iter().enumerate() {
            let sp = format!("{pointer}/samplers/{s}");
            let input = decoder.decode(sampler.input, &format!("{sp}/input"))?;
            checks::require_finite(&input, &format!("{sp}/input"))?;
            if input.format.dims != 1 || input.format.component != Component::F32 {
                return Err(Error::invalid(
                    format!("{sp}/input"),
                    "key times must be float SCALAR",
                ));
            }
            if input.values.windows(2).any(|w| w[1] <= w[0]) {
                problems.push(
                    "ANIMATION_SAMPLER_INPUT_ACCESSOR_NON_INCREASING",
                    Severity::Error,
                    format!("{sp}/input"),
                    "key times do not strictly increase",
                );
            }
            let mut output = decoder.decode(sampler.output, &format!("{sp}/output"))?;
            checks::zero_non_finite(&mut output, &format!("{sp}/output"), problems);
            let interpolation = sampler
                .interpolation
                .clone()
                .unwrap_or_else(|| "LINEAR".into());
            if !matches!(interpolation.as_str(), "LINEAR" | "STEP" | "CUBICSPLINE") {
                return Err(Error::invalid(
                    format!("{sp}/interpolation"),
                    format!("unknown interpolation {interpolation:?}"),
                ));
            }
            samplers.push(AnimationSampler {
                input: input.values,
                interpolation,
                output,
                ext: sampler.ext.clone(),
            });
        }
        let mut channels = vec![];
        for (c, ch) in anim.channels.iter().enumerate() {
            let cp = format!("{pointer}/channels/{c}");
            if !matches!(
                ch.target.path.as_str(),
                "translation" | "rotation" | "scale" | "weights"
            ) {
                warnings.push(Warning::at(
                    "ANIMATION_CHANNEL_REMOVED",
                    &cp,
                    format!(
                        "channel animates {:?}, which needs an unsupported extension; removed",
                        ch.target.path
                    ),
                ));
                continue;
            }
            let sampler = samplers.get(ch.sampler).ok_or_else(|| {
                Error::invalid(
                    format!("{cp}/sampler"),
                    format!("sampler {} does not exist", ch.sampler),
                )
            })?;
            check_channel(asset, ch.target.node, &ch.target.path, sampler, &cp)?;
            channels.push(Channel {
                sampler: ch.sampler,
                target: ChannelTarget {
                    node: ch.target.node,
                    path: ch.target.path.clone(),
                    ext: ch.target.ext.clone(),
                },
                ext: ch.ext.clone(),
            });
        }
        out.push(Animation {
            name: anim.name.clone(),
            channels,
            samplers,
            ext: anim.ext.clone(),
        });
    }
    Ok(out)
}

/// Checks the target node exists and the sampler holds enough values for its keys.
fn check_channel(
    asset: &Asset,
    node: Option<usize>,
    path: &str,
    sampler: &AnimationSampler,
    pointer: &str,
) -> Result<()> {
    let Some(n) = node else { return Ok(()) };
    let node = asset.nodes.get(n).ok_or_else(|| {
        Error::invalid(
            format!("{pointer}/target/node"),
            format!("node {n} does not exist"),
        )
    })?;
    let (dims, per_key) = match path {
        "translation" | "scale" => (3, 1),
        "rotation" => (4, 1),
        _ => {
            let targets = node
                .mesh
                .and_then(|m| asset.meshes.get(m))
                .and_then(|m| m.primitives.first())
                .map_or(0, |p| p.targets.len());
            (1, targets.max(1))
        }
    };
    let keys = sampler.input.len();
    let cubic = if sampler.interpolation == "CUBICSPLINE" {
        3
    } else {
        1
    };
    let needed = keys * cubic * per_key;
    if sampler.output.format.dims != dims || sampler.output.count() < needed {
        return Err(Error::invalid(
            pointer,
            format!(
                "{path} needs {needed} values of {dims} components for {keys} keys; the sampler output has {} of {}",
                sampler.output.count(),
                sampler.output.format.dims
            ),
        ));
    }
    Ok(())
}

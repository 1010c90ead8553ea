//! Animations with decoded keyframes.

use super::{AttributeData, Ext};

/// What a channel animates.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelTarget {
    /// Animated node.
    pub node: Option<usize>,
    /// "translation", "rotation", "scale" or "weights".
    pub path: String,
    /// Extensions and extras of the target.
    pub ext: Ext,
}

/// One animation channel: a sampler driving a node property.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Index into the animation's samplers.
    pub sampler: usize,
    /// Animated property.
    pub target: ChannelTarget,
    /// Extensions and extras.
    pub ext: Ext,
}

/// Keyframes: times and values.
#[derive(Debug, Clone, PartialEq)]
pub struct AnimationSampler {
    /// Key times in seconds, ascending.
    pub input: Vec<f32>,
    /// "LINEAR", "STEP" or "CUBICSPLINE".
    pub interpolation: String,
    /// Key values (three per key for CUBICSPLINE: in-tangent, value, out-tangent).
    pub output: AttributeData,
    /// Extensions and extras.
    pub ext: Ext,
}

/// A named set of channels played together.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Animation {
    /// Name from the file.
    pub name: Option<String>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Samplers.
    pub samplers: Vec<AnimationSampler>,
    /// Extensions and extras.
    pub ext: Ext,
}

impl Animation {
    /// Per sampler, the property it animates: the path of the first channel that uses it
    /// (`None` for a sampler no channel uses). Owned, so callers may edit the samplers.
    pub fn sampler_paths(&self) -> Vec<Option<String>> {
        (0..self.samplers.len())
            .map(|s| {
                self.channels
                    .iter()
                    .find(|c| c.sampler == s)
                    .map(|c| c.target.path.clone())
            })
            .collect()
    }
}

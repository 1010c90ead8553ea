//! What a job should do: LOD targets, simplification weights and resource limits.
//!
//! `Settings` is plain data with documented defaults. Everything that changes the outputs is
//! serialized into the manifest and hashed ([`Settings::hash`]), so two runs with equal hashes
//! produce the same files from the same input. Limits only decide whether an input is accepted
//! and are left out of the hash.

mod budget;
mod delivery;

pub use budget::{Budget, Profile};
pub use delivery::{
    Compression, DEFAULT_MAX_NORMAL_ERROR, DEFAULT_MAX_TEXTURE_ERROR, Delivery, TextureFormat,
    TextureQuality,
};

use crate::error::{Error, Result};
use crate::render::View;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// How far one LOD level is reduced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LodTarget {
    /// Fraction of the input's triangles, in (0, 1]; 1 keeps the full mesh (still optimized).
    Ratio(f32),
    /// Absolute triangle count for the whole model.
    Triangles(u64),
}

impl LodTarget {
    /// The fraction of `input_triangles` this target asks for, clamped to [0, 1].
    pub fn ratio(self, input_triangles: u64) -> f64 {
        match self {
            LodTarget::Ratio(r) => f64::from(r),
            LodTarget::Triangles(t) if input_triangles == 0 => {
                if t == 0 {
                    0.0
                } else {
                    1.0
                }
            }
            LodTarget::Triangles(t) => (t as f64 / input_triangles as f64).min(1.0),
        }
    }
}

impl FromStr for LodTarget {
    type Err = Error;

    /// Numbers up to 1 are ratios; integers above 1 are triangle counts.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::Settings(format!(
                "LOD target {s:?}: expected a ratio in (0, 1] or a triangle count above 1"
            ))
        };
        let v: f64 = s.trim().parse().map_err(|_| bad())?;
        if v > 0.0 && v <= 1.0 {
            Ok(LodTarget::Ratio(v as f32))
        } else if v > 1.0 && v.fract() == 0.0 && v < 1e15 {
            Ok(LodTarget::Triangles(v as u64))
        } else {
            Err(bad())
        }
    }
}

impl fmt::Display for LodTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LodTarget::Ratio(r) => write!(f, "{r}"),
            LodTarget::Triangles(t) => write!(f, "{t}"),
        }
    }
}

impl Serialize for LodTarget {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match *self {
            LodTarget::Ratio(r) => s.serialize_f32(r),
            LodTarget::Triangles(t) => s.serialize_u64(t),
        }
    }
}

impl<'de> Deserialize<'de> for LodTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        LodTarget::from_str(&v.to_string()).map_err(serde::de::Error::custom)
    }
}

/// Parses a comma-separated LOD list such as `1,0.3,0.05` or `1,0.5,20000`.
pub fn parse_lods(s: &str) -> Result<Vec<LodTarget>> {
    let lods: Vec<LodTarget> = s.split(',').map(str::parse).collect::<Result<_>>()?;
    if lods.is_empty() {
        return Err(Error::Settings("at least one LOD target is needed".into()));
    }
    Ok(lods)
}

/// Relative weights of vertex attributes in the simplification error, against position error
/// (positions are measured relative to the mesh extent, so 1.0 means "an attribute change of 1
/// costs as much as moving a vertex by the whole mesh size times the error").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttributeWeights {
    /// Unit normals; default 0.5 (gltfpack's weight).
    pub normal: f32,
    /// Vertex colours, premultiplied by alpha; default 1.0 (gltfpack's weight).
    pub color: f32,
    /// The first UV set, in texture units; default 0.5.
    pub uv: f32,
    /// Skinning: the weighted centroid of a vertex's joints, relative to the mesh extent; keeps
    /// collapses from crossing joint boundaries. Default 0.5.
    pub skin: f32,
    /// Morph target position deltas, relative to the mesh extent; default 1.0.
    pub morph: f32,
}

impl Default for AttributeWeights {
    fn default() -> Self {
        AttributeWeights {
            normal: 0.5,
            color: 1.0,
            uv: 0.5,
            skin: 0.5,
            morph: 1.0,
        }
    }
}

/// Resource limits checked before anything large is allocated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest input file (the .glb, or the .gltf plus its buffers and images), bytes.
    /// Default 512 MiB.
    pub max_input_bytes: u64,
    /// Most triangles over all meshes. Default 16 million.
    pub max_triangles: u64,
    /// Most vertices over all primitives. Default 16 million.
    pub max_vertices: u64,
    /// Most nodes. Default 100 000.
    pub max_nodes: u64,
}

impl Limits {
    /// Refuses an input of `actual` bytes above [`Limits::max_input_bytes`].
    pub fn check_input_bytes(&self, actual: u64) -> crate::Result<()> {
        if actual > self.max_input_bytes {
            return Err(crate::Error::input_too_large(actual, self.max_input_bytes));
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 512 << 20,
            max_triangles: 16_000_000,
            max_vertices: 16_000_000,
            max_nodes: 100_000,
        }
    }
}

/// Everything that shapes a job's outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// LOD chain, first level first. Default `1, 0.5, 0.25, 0.1`.
    pub lods: Vec<LodTarget>,
    /// Largest accumulated simplification error of any LOD, relative to the diagonal of the
    /// model's bounding box. Default 0.01 (1 %): every level stays within a pixel of the
    /// original up to a 100-pixel display, and small parts (a two-triangle label) are not
    /// collapsed into something else. A level that reaches the limit stops short of its target
    /// with a warning; 1.0 lets the targets alone decide. (gltfpack's `-se` also defaults to
    /// 0.01, relative to each mesh's own extent.)
    pub max_error: f32,
    /// Render thumbnails and judge every LOD visually (`--no-render` turns both off).
    /// Default true.
    pub render: bool,
    /// Extra views rendered at 1024 px besides the 3/4 thumbnail. Default none.
    pub views: Vec<View>,
    /// Turntable frames (0: no turntable). Default 0.
    pub turntable: u32,
    /// Largest mean FLIP error a LOD may show against the original; levels above it are
    /// dropped with a warning. Default none.
    pub max_visual_error: Option<f32>,
    /// Keep named nodes where they are (never flattened or pruned, names kept), and never
    /// merge differently named meshes or materials. Default true: configurators address parts
    /// by name.
    pub keep_named: bool,
    /// Keep border vertices in place (for meshes stitched to others). Default false.
    pub lock_borders: bool,
    /// Attribute weights of the simplification error.
    pub weights: AttributeWeights,
    /// Quantization and compression of the written files.
    pub delivery: Delivery,
    /// The target platform whose preset these settings started from. Default none.
    pub profile: Option<Profile>,
    /// Limits LOD 0 must meet. Default none.
    pub budget: Budget,
    /// Resource limits (not part of the hash).
    #[serde(skip_serializing)]
    pub limits: Limits,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lods: vec![
                LodTarget::Ratio(1.0),
                LodTarget::Ratio(0.5),
                LodTarget::Ratio(0.25),
                LodTarget::Ratio(0.1),
            ],
            max_error: 0.01,
            render: true,
            views: vec![],
            turntable: 0,
            max_visual_error: None,
            keep_named: true,
            lock_borders: false,
            weights: AttributeWeights::default(),
            delivery: Delivery::default(),
            profile: None,
            budget: Budget::default(),
            limits: Limits::default(),
        }
    }
}

impl Settings {
    /// Checks ranges the types cannot express.
    pub fn validate(&self) -> Result<()> {
        if self.lods.is_empty() {
            return Err(Error::Settings("at least one LOD target is needed".into()));
        }
        if self.turntable > 360 {
            return Err(Error::Settings(format!(
                "--turntable {}: at most 360 frames",
                self.turntable
            )));
        }
        if let Some(v) = self.max_visual_error
            && !(0.0..=1.0).contains(&v)
        {
            return Err(Error::Settings(format!(
                "--max-visual-error {v}: expected a FLIP error in [0, 1]"
            )));
        }
        self.delivery.validate()?;
        let e = self.max_error;
        if !(e > 0.0 && e <= 1.0) {
            return Err(Error::Settings(format!(
                "--error {e}: expected a relative error in (0, 1]"
            )));
        }
        Ok(())
    }

    /// These settings with the fields of a job message's `overrides` (a JSON object shaped like
    /// the manifest's `settings`, e.g. `{"lods": [1, 0.2], "render": false}`) replaced.
    /// `weights` may be given in part. Limits are the worker's and cannot be overridden;
    /// unknown fields are refused, so a typo fails the job instead of being ignored.
    pub fn with_overrides(&self, overrides: &serde_json::Value) -> Result<Settings> {
        use serde_json::Value;
        let Value::Object(fields) = overrides else {
            return Err(Error::Settings(
                "settings overrides must be a JSON object".into(),
            ));
        };
        let mut merged = serde_json::to_value(self).expect("settings serialize");
        let base = merged.as_object_mut().expect("settings are an object");
        for (name, value) in fields {
            match (base.get_mut(name), value) {
                (Some(Value::Object(old)), Value::Object(new)) => {
                    old.extend(new.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                (Some(old), _) => *old = value.clone(),
                (None, _) => {
                    return Err(Error::Settings(format!(
                        "settings override {name:?}: not a setting (known: {})",
                        base.keys().cloned().collect::<Vec<_>>().join(", ")
                    )));
                }
            }
        }
        let mut settings: Settings = serde_path_to_error::deserialize(merged).map_err(|e| {
            Error::Settings(format!("settings override {}: {}", e.path(), e.inner()))
        })?;
        settings.limits = self.limits.clone();
        settings.validate()?;
        Ok(settings)
    }

    /// Hex SHA-256 of the settings that affect outputs (canonical JSON; limits excluded).
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("settings serialize");
        hex(&Sha256::digest(json))
    }
}

/// Lower-case hex of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lod_lists_parse() {
        let l = parse_lods("1,0.3,0.05").unwrap();
        assert_eq!(
            l,
            vec![
                LodTarget::Ratio(1.0),
                LodTarget::Ratio(0.3),
                LodTarget::Ratio(0.05)
            ]
        );
        assert_eq!(
            parse_lods("20000").unwrap(),
            vec![LodTarget::Triangles(20000)]
        );
        assert!(parse_lods("0").is_err());
        assert!(parse_lods("1.5").is_err());
        assert!(parse_lods("a").is_err());
        assert_eq!(LodTarget::Triangles(50).ratio(100), 0.5);
    }

    #[test]
    fn hash_ignores_limits_but_not_targets() {
        let a = Settings::default();
        let mut b = a.clone();
        b.limits.max_nodes = 1;
        assert_eq!(a.hash(), b.hash());
        b.lods = vec![LodTarget::Ratio(0.5)];
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn overrides_replace_fields_and_refuse_unknown_ones_and_limits() {
        let base = Settings {
            limits: Limits {
                max_nodes: 7,
                ..Limits::default()
            },
            ..Settings::default()
        };
        let o = serde_json::json!({"lods": [1, 0.2], "render": false, "weights": {"uv": 2.0}});
        let s = base.with_overrides(&o).unwrap();
        assert_eq!(s.lods, vec![LodTarget::Ratio(1.0), LodTarget::Ratio(0.2)]);
        assert!(!s.render);
        assert_eq!(s.weights.uv, 2.0);
        assert_eq!(
            s.weights.normal, base.weights.normal,
            "partial weights keep the rest"
        );
        assert_eq!(s.limits.max_nodes, 7);
        let err = |o: serde_json::Value| base.with_overrides(&o).unwrap_err().to_string();
        assert!(err(serde_json::json!({"limits": {"max_nodes": 1}})).contains("\"limits\""));
        assert!(err(serde_json::json!({"lod": [1]})).contains("not a setting"));
        assert!(err(serde_json::json!({"lods": "half"})).contains("lods"));
        assert!(err(serde_json::json!({"max_error": 5})).contains("--error"));
    }

    #[test]
    fn settings_round_trip_through_json() {
        let s = Settings {
            lods: vec![LodTarget::Ratio(0.5), LodTarget::Triangles(1000)],
            ..Settings::default()
        };
        let back: Settings = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back.lods, s.lods);
    }
}

//! Views and framing: where the camera stands for each named view, and how far away.
//!
//! glTF is +Y up with the model's front facing +Z and its left at +X. A view's camera looks at
//! the centre of the posed scene's bounding sphere from a distance at which the sphere fills
//! [`FILL`] of the frame, with a 45-degree vertical field of view.

use glam::{Mat4, Vec3};
use std::fmt;
use std::str::FromStr;

/// Vertical field of view, radians.
pub const FOV_Y: f32 = std::f32::consts::FRAC_PI_4;
/// Fraction of the frame the bounding sphere spans.
pub const FILL: f32 = 0.85;

/// A camera direction around the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum View {
    /// From +Z.
    Front,
    /// From -Z.
    Back,
    /// From +X, the model's left side.
    Left,
    /// From -X, the model's right side.
    Right,
    /// From +Y, front of the model at the bottom of the image.
    Top,
    /// Front-left and slightly above: 35 degrees towards the model's left, 20 degrees up.
    ThreeQuarter,
    /// Any azimuth (degrees from the front towards the model's left) and elevation (degrees).
    Orbit {
        /// Degrees from +Z towards +X.
        azimuth: f32,
        /// Degrees above the horizon.
        elevation: f32,
    },
}

impl View {
    /// Every view with a name (all but [`View::Orbit`]), in the order `--help` lists them.
    pub const NAMED: [View; 6] = [
        View::Front,
        View::Back,
        View::Left,
        View::Right,
        View::Top,
        View::ThreeQuarter,
    ];

    /// Azimuth and elevation in degrees.
    fn angles(self) -> (f32, f32) {
        match self {
            View::Front => (0.0, 0.0),
            View::Back => (180.0, 0.0),
            View::Left => (90.0, 0.0),
            View::Right => (-90.0, 0.0),
            View::Top => (0.0, 90.0),
            View::ThreeQuarter => (35.0, 20.0),
            View::Orbit { azimuth, elevation } => (azimuth, elevation),
        }
    }

    /// A short name for file names and manifests.
    pub fn name(self) -> String {
        match self {
            View::Orbit { azimuth, elevation } => format!("orbit-{azimuth:.0}-{elevation:.0}"),
            named => named.fixed_name().unwrap_or_default().into(),
        }
    }

    /// The name of a view of [`View::NAMED`] (what the command line accepts); `None` for an
    /// orbit, whose name carries its angles.
    pub fn fixed_name(self) -> Option<&'static str> {
        Some(match self {
            View::Front => "front",
            View::Back => "back",
            View::Left => "left",
            View::Right => "right",
            View::Top => "top",
            View::ThreeQuarter => "three-quarter",
            View::Orbit { .. } => return None,
        })
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for View {
    type Err = String;

    /// A name of [`View::NAMED`] (or `3/4` for three-quarter), surrounding spaces ignored.
    fn from_str(s: &str) -> Result<View, String> {
        let s = match s.trim() {
            "3/4" => "three-quarter",
            other => other,
        };
        View::NAMED
            .into_iter()
            .find(|v| v.fixed_name() == Some(s))
            .ok_or_else(|| {
                format!(
                    "unknown view {s:?}: expected front, back, left, right, top or three-quarter"
                )
            })
    }
}

/// The sphere a set of views is framed on. Renders that are compared (a LOD against the
/// original) must share one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Framing {
    /// Centre, world space.
    pub center: Vec3,
    /// Radius, world units.
    pub radius: f32,
}

impl serde::Serialize for View {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de> serde::Deserialize<'de> for View {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<View, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A camera ready for the shader.
#[derive(Debug, Clone, Copy)]
pub struct Camera {
    /// Projection times view.
    pub view_proj: Mat4,
    /// Eye position, world space.
    pub position: Vec3,
}

/// Frames `framing`'s sphere from `view` for an image of aspect `width / height`.
pub fn frame(view: View, framing: Framing, aspect: f32) -> Camera {
    let Framing { center, radius } = framing;
    let (az, el) = view.angles();
    let (az, el) = (az.to_radians(), el.to_radians());
    let dir = Vec3::new(az.sin() * el.cos(), el.sin(), az.cos() * el.cos());
    // The sphere's angular radius is the half field that FILL of the frame covers.
    let half = (FILL * (FOV_Y / 2.0).tan() * aspect.min(1.0)).atan();
    let distance = radius / half.sin();
    let position = center + dir * distance;
    let up = if el.abs() > 1.5 { Vec3::NEG_Z } else { Vec3::Y };
    let view_m = Mat4::look_at_rh(position, center, up);
    let near = (distance - radius * 1.5).max(distance * 1e-3);
    let far = distance + radius * 1.5;
    let proj = Mat4::perspective_rh(FOV_Y, aspect, near, far);
    Camera {
        view_proj: proj * view_m,
        position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sphere_fills_85_percent_and_is_centred() {
        let framing = Framing {
            center: Vec3::new(1.0, 2.0, 3.0),
            radius: 2.0,
        };
        let c = frame(View::ThreeQuarter, framing, 1.0);
        let centre = c.view_proj.project_point3(Vec3::new(1.0, 2.0, 3.0));
        assert!(centre.x.abs() < 1e-5 && centre.y.abs() < 1e-5);
        // A point on the sphere's silhouette, straight up in the image, lands at 0.85.
        let to_eye = (c.position - Vec3::new(1.0, 2.0, 3.0)).normalize();
        let up_in_image = Vec3::Y.reject_from(to_eye).normalize();
        let d = c.position.distance(Vec3::new(1.0, 2.0, 3.0));
        let a = (2.0 / d).asin();
        let edge = Vec3::new(1.0, 2.0, 3.0) + (up_in_image * a.cos() + to_eye * a.sin()) * 2.0;
        let y = c.view_proj.project_point3(edge).y;
        assert!((y - FILL).abs() < 1e-3, "{y}");
    }

    #[test]
    fn views_put_the_camera_where_their_names_say() {
        let unit = Framing {
            center: Vec3::ZERO,
            radius: 1.0,
        };
        let eye = |v| frame(v, unit, 1.0).position.normalize();
        assert!(eye(View::Front).z > 0.99);
        assert!(eye(View::Left).x > 0.99, "the model's left is +X");
        assert!(eye(View::Top).y > 0.99);
        let q = eye(View::ThreeQuarter);
        assert!(q.x > 0.0 && q.y > 0.0 && q.z > q.x);
        assert_eq!("three-quarter".parse::<View>().unwrap(), View::ThreeQuarter);
        assert!("diagonal".parse::<View>().is_err());
    }
}

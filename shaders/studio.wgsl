// The neutral studio environment, evaluated analytically, and the parameters and sampling
// helpers the IBL passes share. Prepended to ibl_specular.wgsl, ibl_diffuse.wgsl and brdf_lut.wgsl.
//
// A grey room (darker floor, lighter ceiling) lit by four soft-edged rectangular softboxes: a
// key light front-left-above (+X is the model's left, +Z its front), a fill on the right, a
// rim light behind and a soft overhead. All neutral white, so materials keep their colours.

const PI: f32 = 3.141592653589793;

// Every IBL pass: output edge in texels, roughness (specular prefilter), samples per texel.
struct Params {
    size: u32,
    roughness: f32,
    samples: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;

// Radiance of a softbox centred on direction `axis`, half-extents `size` (tangent-plane units),
// with soft edges.
fn softbox(dir: vec3<f32>, axis: vec3<f32>, size: vec2<f32>, intensity: f32) -> f32 {
    let c = normalize(axis);
    let facing = dot(dir, c);
    if (facing <= 0.0) {
        return 0.0;
    }
    var up = vec3<f32>(0.0, 1.0, 0.0);
    if (abs(c.y) > 0.99) {
        up = vec3<f32>(0.0, 0.0, -1.0);
    }
    let right = normalize(cross(up, c));
    let top = cross(c, right);
    let p = dir / facing;
    let u = abs(dot(p, right)) / size.x;
    let v = abs(dot(p, top)) / size.y;
    let edge = (1.0 - smoothstep(0.85, 1.0, u)) * (1.0 - smoothstep(0.85, 1.0, v));
    return intensity * edge;
}

fn studio(dir_in: vec3<f32>) -> vec3<f32> {
    let dir = normalize(dir_in);
    let y = dir.y;
    // Floor 0.16 rising to a 0.42 horizon, then up to 0.6 at the ceiling.
    var room = mix(0.42, 0.60, clamp(y, 0.0, 1.0));
    if (y < 0.0) {
        room = mix(0.42, 0.16, smoothstep(0.0, 0.35, -y));
    }
    var light = 0.0;
    light += softbox(dir, vec3<f32>(0.65, 0.55, 0.75), vec2<f32>(0.38, 0.30), 7.0);
    light += softbox(dir, vec3<f32>(-0.85, 0.2, 0.45), vec2<f32>(0.45, 0.35), 2.0);
    light += softbox(dir, vec3<f32>(-0.1, 0.6, -0.8), vec2<f32>(0.55, 0.22), 3.0);
    light += softbox(dir, vec3<f32>(0.0, 1.0, 0.0), vec2<f32>(0.35, 0.35), 1.5);
    return vec3<f32>(room + light);
}

// Van der Corput radical inverse in base 2.
fn radical_inverse(bits_in: u32) -> f32 {
    var bits = bits_in;
    bits = (bits << 16u) | (bits >> 16u);
    bits = ((bits & 0x55555555u) << 1u) | ((bits & 0xAAAAAAAAu) >> 1u);
    bits = ((bits & 0x33333333u) << 2u) | ((bits & 0xCCCCCCCCu) >> 2u);
    bits = ((bits & 0x0F0F0F0Fu) << 4u) | ((bits & 0xF0F0F0F0u) >> 4u);
    bits = ((bits & 0x00FF00FFu) << 8u) | ((bits & 0xFF00FF00u) >> 8u);
    return f32(bits) * 2.3283064365386963e-10;
}

fn hammersley(i: u32, n: u32) -> vec2<f32> {
    return vec2<f32>(f32(i) / f32(n), radical_inverse(i));
}

// An orthonormal basis around n: columns are tangent, bitangent, n.
fn basis(n: vec3<f32>) -> mat3x3<f32> {
    var up = vec3<f32>(0.0, 1.0, 0.0);
    if (abs(n.y) > 0.999) {
        up = vec3<f32>(1.0, 0.0, 0.0);
    }
    let t = normalize(cross(up, n));
    let b = cross(n, t);
    return mat3x3<f32>(t, b, n);
}

// GGX half vector sample in tangent space (alpha = roughness^2).
fn importance_ggx(xi: vec2<f32>, roughness: f32) -> vec3<f32> {
    let a = roughness * roughness;
    let phi = 2.0 * PI * xi.x;
    let cos_theta = sqrt((1.0 - xi.y) / (1.0 + (a * a - 1.0) * xi.y));
    let sin_theta = sqrt(1.0 - cos_theta * cos_theta);
    return vec3<f32>(sin_theta * cos(phi), sin_theta * sin(phi), cos_theta);
}

// Direction of texel (x, y) of cube face `face` (0..5 = +X -X +Y -Y +Z -Z), size `size`.
fn cube_direction(face: u32, x: u32, y: u32, size: u32) -> vec3<f32> {
    let u = (f32(x) + 0.5) / f32(size) * 2.0 - 1.0;
    let v = (f32(y) + 0.5) / f32(size) * 2.0 - 1.0;
    switch face {
        case 0u: { return normalize(vec3<f32>(1.0, -v, -u)); }
        case 1u: { return normalize(vec3<f32>(-1.0, -v, u)); }
        case 2u: { return normalize(vec3<f32>(u, 1.0, v)); }
        case 3u: { return normalize(vec3<f32>(u, -1.0, -v)); }
        case 4u: { return normalize(vec3<f32>(u, -v, 1.0)); }
        default: { return normalize(vec3<f32>(-u, -v, -1.0)); }
    }
}

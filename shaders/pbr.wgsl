// glTF 2.0 metallic-roughness shading with image-based lighting, after the Khronos
// glTF-Sample-Renderer: base colour (factor x texture x vertex colour), metallic-roughness,
// tangent-space normal maps, occlusion, emissive (strength included), MASK / BLEND alpha,
// double-sided lighting, KHR_texture_transform, KHR_materials_unlit and two UV sets.
// Output: linear HDR, premultiplied alpha.

struct Frame {
    view_proj: mat4x4<f32>,
    camera_pos: vec4<f32>,
    // x: specular mip count - 1, y: exposure.
    env: vec4<f32>,
}

struct Object {
    model: mat4x4<f32>,
    normal_matrix: mat4x4<f32>,
    // x: 1 to shade unlit (points and lines); y: 1 for flat normals (the mesh has none).
    flags: vec4<f32>,
}

struct Material {
    base_color: vec4<f32>,
    // rgb: emissive factor x strength.
    emissive: vec4<f32>,
    // metallic, roughness, normal scale, occlusion strength.
    params: vec4<f32>,
    // alpha cutoff, alpha mode (0 opaque, 1 mask, 2 blend), unlit (0/1), unused.
    alpha: vec4<f32>,
    // UV set of base colour, metallic-roughness, normal, occlusion.
    uv_sets: vec4<u32>,
    // UV set of emissive.
    uv_sets2: vec4<u32>,
    // Per texture (base, mr, normal, occlusion, emissive): two rows of the 2x3 UV transform.
    transforms: array<vec4<f32>, 10>,
}

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var specular_env: texture_cube<f32>;
@group(0) @binding(2) var diffuse_env: texture_cube<f32>;
@group(0) @binding(3) var brdf_lut: texture_2d<f32>;
@group(0) @binding(4) var env_sampler: sampler;

@group(1) @binding(0) var<uniform> material: Material;
@group(1) @binding(1) var base_tex: texture_2d<f32>;
@group(1) @binding(2) var mr_tex: texture_2d<f32>;
@group(1) @binding(3) var normal_tex: texture_2d<f32>;
@group(1) @binding(4) var occlusion_tex: texture_2d<f32>;
@group(1) @binding(5) var emissive_tex: texture_2d<f32>;
@group(1) @binding(6) var base_samp: sampler;
@group(1) @binding(7) var mr_samp: sampler;
@group(1) @binding(8) var normal_samp: sampler;
@group(1) @binding(9) var occlusion_samp: sampler;
@group(1) @binding(10) var emissive_samp: sampler;

@group(2) @binding(0) var<uniform> object: Object;

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) tangent: vec4<f32>,
    @location(3) uv0: vec2<f32>,
    @location(4) uv1: vec2<f32>,
    @location(5) color: vec4<f32>,
}

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) tangent: vec4<f32>,
    @location(3) uv0: vec2<f32>,
    @location(4) uv1: vec2<f32>,
    @location(5) color: vec4<f32>,
}

@vertex
fn vs_main(v: VertexIn) -> VertexOut {
    var out: VertexOut;
    let world = object.model * vec4<f32>(v.position, 1.0);
    out.clip = frame.view_proj * world;
    out.world = world.xyz;
    out.normal = (object.normal_matrix * vec4<f32>(v.normal, 0.0)).xyz;
    out.tangent = vec4<f32>((object.model * vec4<f32>(v.tangent.xyz, 0.0)).xyz, v.tangent.w);
    out.uv0 = v.uv0;
    out.uv1 = v.uv1;
    out.color = v.color;
    return out;
}

fn texture_uv(uv_set: u32, slot: u32, uv0: vec2<f32>, uv1: vec2<f32>) -> vec2<f32> {
    var uv = uv0;
    if (uv_set == 1u) {
        uv = uv1;
    }
    let r0 = material.transforms[2u * slot];
    let r1 = material.transforms[2u * slot + 1u];
    let p = vec3<f32>(uv, 1.0);
    return vec2<f32>(dot(r0.xyz, p), dot(r1.xyz, p));
}

// Khronos PBR Neutral tone mapping happens in post.wgsl; here everything stays linear.

// Roughness-dependent Fresnel of the split-sum approximation (Fdez-Aguera).
fn fresnel_k_s(n_dot_v: f32, roughness: f32, f0: vec3<f32>) -> vec3<f32> {
    let fr = max(vec3<f32>(1.0 - roughness), f0) - f0;
    return f0 + fr * pow(1.0 - n_dot_v, 5.0);
}

fn ibl_specular(n: vec3<f32>, v: vec3<f32>, roughness: f32, f0: vec3<f32>, f_ab: vec2<f32>) -> vec3<f32> {
    let r = normalize(reflect(-v, n));
    let light = textureSampleLevel(specular_env, env_sampler, r, roughness * frame.env.x).rgb;
    let k_s = fresnel_k_s(clamp(dot(n, v), 0.0, 1.0), roughness, f0);
    return light * (k_s * f_ab.x + f_ab.y);
}

fn ibl_diffuse(n: vec3<f32>, v: vec3<f32>, roughness: f32, diffuse: vec3<f32>, f0: vec3<f32>, f_ab: vec2<f32>) -> vec3<f32> {
    let irradiance = textureSampleLevel(diffuse_env, env_sampler, n, 0.0).rgb;
    let k_s = fresnel_k_s(clamp(dot(n, v), 0.0, 1.0), roughness, f0);
    let fss_ess = k_s * f_ab.x + f_ab.y;
    // Multiple scattering (Fdez-Aguera), as the Khronos sample renderer does.
    let ems = 1.0 - (f_ab.x + f_ab.y);
    let f_avg = f0 + (1.0 - f0) / 21.0;
    let fms_ems = ems * fss_ess * f_avg / (1.0 - f_avg * ems);
    let k_d = diffuse * (1.0 - fss_ess + fms_ems);
    return (fms_ems + k_d) * irradiance;
}

@fragment
fn fs_main(in: VertexOut, @builtin(front_facing) front: bool) -> @location(0) vec4<f32> {
    // Sample everything first: derivatives need uniform control flow.
    let base_s = textureSample(base_tex, base_samp, texture_uv(material.uv_sets.x, 0u, in.uv0, in.uv1));
    let mr_s = textureSample(mr_tex, mr_samp, texture_uv(material.uv_sets.y, 1u, in.uv0, in.uv1));
    let normal_s = textureSample(normal_tex, normal_samp, texture_uv(material.uv_sets.z, 2u, in.uv0, in.uv1));
    let occlusion_s = textureSample(occlusion_tex, occlusion_samp, texture_uv(material.uv_sets.w, 3u, in.uv0, in.uv1));
    let emissive_s = textureSample(emissive_tex, emissive_samp, texture_uv(material.uv_sets2.x, 4u, in.uv0, in.uv1));

    var base = material.base_color * in.color * base_s;
    let mode = material.alpha.y;
    if (mode < 0.5) {
        base.a = 1.0;
    } else if (mode < 1.5) {
        if (base.a < material.alpha.x) {
            discard;
        }
        base.a = 1.0;
    }
    if (material.alpha.z > 0.5 || object.flags.x > 0.5) {
        return vec4<f32>(base.rgb * base.a, base.a);
    }

    let metallic = clamp(material.params.x * mr_s.b, 0.0, 1.0);
    let roughness = clamp(material.params.y * mr_s.g, 0.0, 1.0);
    var n = normalize(in.normal);
    var t = in.tangent.xyz;
    if (!front) {
        n = -n;
        t = -t;
    }
    if (object.flags.y > 0.5) {
        // No NORMAL: the face normal from screen-space derivatives of the position (screen y
        // runs down, so dpdy x dpdx faces the camera, whichever side is drawn).
        n = normalize(cross(dpdy(in.world), dpdx(in.world)));
    }
    if (dot(t, t) > 1e-12) {
        let tn = normalize((normal_s.xyz * 2.0 - 1.0) * vec3<f32>(material.params.z, material.params.z, 1.0));
        let tt = normalize(t - n * dot(n, t));
        let bt = cross(n, tt) * in.tangent.w;
        n = normalize(tt * tn.x + bt * tn.y + n * tn.z);
    }
    let v = normalize(frame.camera_pos.xyz - in.world);
    let f0 = mix(vec3<f32>(0.04), base.rgb, metallic);
    let diffuse = base.rgb * (1.0 - metallic);
    let n_dot_v = clamp(dot(n, v), 0.0, 1.0);
    let f_ab = textureSampleLevel(brdf_lut, env_sampler, clamp(vec2<f32>(n_dot_v, roughness), vec2<f32>(0.0), vec2<f32>(1.0)), 0.0).rg;
    let ao = 1.0 + material.params.w * (occlusion_s.r - 1.0);
    var color = (ibl_diffuse(n, v, roughness, diffuse, f0, f_ab) + ibl_specular(n, v, roughness, f0, f_ab)) * ao;
    color += material.emissive.rgb * emissive_s.rgb;
    return vec4<f32>(color * base.a, base.a);
}

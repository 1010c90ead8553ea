// Prefiltered specular environment (split-sum, GGX): one dispatch per mip level; level m
// holds roughness m / (levels - 1). Level 0 is the environment itself.

@group(0) @binding(1) var out_face: texture_storage_2d_array<rgba16float, write>;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x >= params.size || id.y >= params.size) {
        return;
    }
    let n = cube_direction(id.z, id.x, id.y, params.size);
    if (params.roughness <= 0.0) {
        textureStore(out_face, vec2<i32>(id.xy), i32(id.z), vec4<f32>(studio(n), 1.0));
        return;
    }
    // N = V = R, as in Karis' split-sum approximation.
    let frame = basis(n);
    var sum = vec3<f32>(0.0);
    var weight = 0.0;
    for (var i = 0u; i < params.samples; i = i + 1u) {
        let h = frame * importance_ggx(hammersley(i, params.samples), params.roughness);
        let l = normalize(2.0 * dot(n, h) * h - n);
        let n_dot_l = dot(n, l);
        if (n_dot_l > 0.0) {
            sum += studio(l) * n_dot_l;
            weight += n_dot_l;
        }
    }
    textureStore(out_face, vec2<i32>(id.xy), i32(id.z), vec4<f32>(sum / max(weight, 1e-4), 1.0));
}

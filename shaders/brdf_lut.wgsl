// The split-sum GGX BRDF lookup table: x = NdotV, y = roughness -> (scale, bias) on F0.

@group(0) @binding(1) var out_lut: texture_storage_2d<rgba16float, write>;

fn smith_ggx_correlated_vis(n_dot_v: f32, n_dot_l: f32, roughness: f32) -> f32 {
    let a2 = pow(roughness, 4.0);
    let ggxv = n_dot_l * sqrt(n_dot_v * n_dot_v * (1.0 - a2) + a2);
    let ggxl = n_dot_v * sqrt(n_dot_l * n_dot_l * (1.0 - a2) + a2);
    return 0.5 / max(ggxv + ggxl, 1e-6);
}

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x >= params.size || id.y >= params.size) {
        return;
    }
    let n_dot_v = max((f32(id.x) + 0.5) / f32(params.size), 1e-3);
    let roughness = (f32(id.y) + 0.5) / f32(params.size);
    let v = vec3<f32>(sqrt(1.0 - n_dot_v * n_dot_v), 0.0, n_dot_v);
    var scale = 0.0;
    var bias = 0.0;
    for (var i = 0u; i < params.samples; i = i + 1u) {
        let h = importance_ggx(hammersley(i, params.samples), roughness);
        let l = normalize(2.0 * dot(v, h) * h - v);
        let n_dot_l = clamp(l.z, 0.0, 1.0);
        let n_dot_h = clamp(h.z, 0.0, 1.0);
        let v_dot_h = clamp(dot(v, h), 0.0, 1.0);
        if (n_dot_l > 0.0) {
            let vis = smith_ggx_correlated_vis(n_dot_v, n_dot_l, roughness);
            let g = 4.0 * vis * n_dot_l * v_dot_h / max(n_dot_h, 1e-6);
            let fc = pow(1.0 - v_dot_h, 5.0);
            scale += (1.0 - fc) * g;
            bias += fc * g;
        }
    }
    let n = f32(params.samples);
    textureStore(out_lut, vec2<i32>(id.xy), vec4<f32>(scale / n, bias / n, 0.0, 1.0));
}

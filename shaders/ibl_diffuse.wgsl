// Lambertian irradiance of the environment (divided by pi: the shader multiplies by albedo).

@group(0) @binding(1) var out_face: texture_storage_2d_array<rgba16float, write>;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x >= params.size || id.y >= params.size) {
        return;
    }
    let n = cube_direction(id.z, id.x, id.y, params.size);
    let frame = basis(n);
    var sum = vec3<f32>(0.0);
    for (var i = 0u; i < params.samples; i = i + 1u) {
        // Cosine-weighted hemisphere: the pdf cancels the cosine, leaving the mean.
        let xi = hammersley(i, params.samples);
        let r = sqrt(xi.y);
        let phi = 2.0 * PI * xi.x;
        let local = vec3<f32>(r * cos(phi), r * sin(phi), sqrt(max(0.0, 1.0 - xi.y)));
        sum += studio(frame * local);
    }
    textureStore(out_face, vec2<i32>(id.xy), i32(id.z), vec4<f32>(sum / f32(params.samples), 1.0));
}

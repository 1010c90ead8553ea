//! The WGSL sources, one per pass, composed where they share code.

/// The studio environment and sampling helpers shared by the IBL passes.
const STUDIO: &str = include_str!("../../shaders/studio.wgsl");

/// Every shader module the renderer builds: (name, WGSL source).
pub fn sources() -> Vec<(&'static str, String)> {
    vec![
        (
            "ibl_specular",
            compose(include_str!("../../shaders/ibl_specular.wgsl")),
        ),
        (
            "ibl_diffuse",
            compose(include_str!("../../shaders/ibl_diffuse.wgsl")),
        ),
        (
            "brdf_lut",
            compose(include_str!("../../shaders/brdf_lut.wgsl")),
        ),
        ("pbr", include_str!("../../shaders/pbr.wgsl").to_string()),
        ("post", include_str!("../../shaders/post.wgsl").to_string()),
    ]
}

fn compose(pass: &str) -> String {
    format!("{STUDIO}\n{pass}")
}

/// Builds the shader module `name` (one of [`sources`]).
pub fn module(device: &wgpu::Device, name: &str) -> wgpu::ShaderModule {
    let source = sources()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("no shader named {name}"));
    device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(name),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    })
}

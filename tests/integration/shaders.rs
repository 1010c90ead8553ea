//! Every WGSL pass parsed and validated by naga on the CPU: no GPU needed, so a shader error
//! fails here in CI rather than at the first render on a GPU host.

#[test]
fn every_wgsl_pass_validates() {
    let sources = render_worker::render::shaders::sources();
    assert!(sources.len() >= 5);
    for (name, source) in sources {
        let module = naga::front::wgsl::parse_str(&source)
            .unwrap_or_else(|e| panic!("{name}.wgsl: {}", e.emit_to_string(&source)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name}.wgsl: {}", e.emit_to_string(&source)));
    }
}

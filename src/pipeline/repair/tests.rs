//! Unit tests of the skin-weight repair on single-triangle meshes.

use super::*;
use crate::asset::{AttributeData, Component, Format, Mesh, Primitive};
use crate::pipeline::test_meshes::{attribute, scene_of};

/// Repairs `asset` with the default settings; returns the report's warnings, checking that
/// its count of changed vertices agrees with them.
fn repair(asset: &mut Asset) -> Vec<Warning> {
    let report = run(asset, &Settings::default());
    assert_eq!(report.stage, "repair");
    let said: u64 = report
        .warnings
        .iter()
        .map(|w| w.message.split(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(report.count("skin_weights_renormalized"), said);
    report.warnings
}

/// A skinned triangle: one `WEIGHTS_n` set per entry of `sets` (4 weights per vertex, 3
/// vertices), each with a `JOINTS_n` beside it.
fn skinned(sets: &[[[f32; 4]; 3]]) -> Primitive {
    let mut attributes = vec![attribute(
        Semantic::Position,
        3,
        vec![0., 0., 0., 1., 0., 0., 0., 1., 0.],
    )];
    for (n, set) in sets.iter().enumerate() {
        attributes.push(attribute(Semantic::Joints(n as u32), 4, vec![0.; 12]));
        attributes.push(attribute(Semantic::Weights(n as u32), 4, set.concat()));
    }
    Primitive {
        attributes,
        indices: Some(vec![0, 1, 2]),
        ..Primitive::default()
    }
}

fn weights(p: &Primitive, n: u32) -> &[f32] {
    &p.attribute(&Semantic::Weights(n)).unwrap().values
}

#[test]
fn weights_off_by_more_than_the_tolerance_are_divided_by_their_sum() {
    let mut a = scene_of(vec![skinned(&[[
        [0.5, 0.25, 0., 0.],
        [1., 0., 0., 0.],
        [0.6, 0.6, 0., 0.],
    ]])]);
    let warnings = repair(&mut a);
    let p = &a.meshes[0].primitives[0];
    let w = weights(p, 0);
    for v in 0..3 {
        let sum = p.weight_sum(v).unwrap();
        assert!((sum - 1.0).abs() < 1e-6, "vertex {v} sums to {sum}");
    }
    // Each vertex keeps its proportions: what viewers draw does not change.
    assert!((w[0] / w[1] - 2.0).abs() < 1e-6 && (w[8] - w[9]).abs() < 1e-6);
    assert_eq!(&w[4..8], [1., 0., 0., 0.], "a valid vertex is not touched");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].code, "SKIN_WEIGHTS_RENORMALIZED");
    assert_eq!(
        warnings[0].pointer.as_deref(),
        Some("/meshes/0/primitives/0/attributes/WEIGHTS_0")
    );
    assert!(
        warnings[0].message.starts_with("2 vertices"),
        "{warnings:?}"
    );
}

#[test]
fn every_weight_set_scales_together() {
    // Vertex 0 sums to 1.5 over two sets; vertex 1 sums to 1 only over both.
    let mut a = scene_of(vec![skinned(&[
        [[0.5, 0., 0., 0.], [0.25, 0.25, 0., 0.], [1., 0., 0., 0.]],
        [[0.5, 0.5, 0., 0.], [0.25, 0.25, 0., 0.], [0., 0., 0., 0.]],
    ])]);
    assert_eq!(repair(&mut a).len(), 1);
    let p = &a.meshes[0].primitives[0];
    let third = 1.0 / 3.0;
    assert!((weights(p, 0)[0] - third).abs() < 1e-6);
    assert!((weights(p, 1)[0] - third).abs() < 1e-6);
    assert_eq!(&weights(p, 0)[4..8], [0.25, 0.25, 0., 0.]);
    assert_eq!(&weights(p, 1)[4..8], [0.25, 0.25, 0., 0.]);
}

#[test]
fn valid_unskinned_and_weightless_meshes_are_left_untouched() {
    let valid = skinned(&[[[0.25, 0.75, 0., 0.], [1., 0., 0., 0.], [0., 0., 0.5, 0.5]]]);
    // All-zero weights have no sum to divide by: left for the validator to report.
    let zero = skinned(&[[[0.; 4]; 3]]);
    let mut unskinned = valid.clone();
    unskinned
        .attributes
        .retain(|a| !matches!(a.semantic, Semantic::Weights(_) | Semantic::Joints(_)));
    // Byte weights one step short of 1 are within the storage precision the validator allows.
    let mut bytes = valid.clone();
    bytes.attributes[2].data = AttributeData {
        format: Format {
            component: Component::U8,
            normalized: true,
            dims: 4,
            matrix: false,
        },
        values: [
            [254. / 255., 0., 0., 0.],
            [1., 0., 0., 0.],
            [0., 1., 0., 0.],
        ]
        .concat(),
    };
    let mut a = scene_of(vec![valid, zero, unskinned, bytes]);
    let before: Vec<Mesh> = a.meshes.clone();
    assert!(repair(&mut a).is_empty());
    assert_eq!(a.meshes, before);
}

#[test]
fn warnings_point_at_the_primitive_that_changed() {
    let good = skinned(&[[[1., 0., 0., 0.]; 3]]);
    let bad = skinned(&[[[0.9, 0., 0., 0.]; 3]]);
    let mut a = scene_of(vec![good.clone(), good]);
    a.meshes[1].primitives.push(bad);
    let warnings = repair(&mut a);
    let pointers: Vec<_> = warnings.iter().map(|w| w.pointer.clone()).collect();
    assert_eq!(
        pointers,
        [Some(
            "/meshes/1/primitives/1/attributes/WEIGHTS_0".to_string()
        )]
    );
    assert!(warnings[0].message.starts_with("3 vertices"));
}

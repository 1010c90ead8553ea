//! Unit tests of one primitive's simplification on small height fields.

use super::*;
use crate::pipeline::test_meshes::{
    assert_valid, drawn_bounds, grid, hills, point_cloud, repeats_a_vertex, with_morph_targets,
};
use std::collections::HashSet;

fn simplifier(prim: &Primitive, settings: &Settings) -> Simplifier {
    Simplifier::new(prim, None, settings).expect("a triangle list")
}

/// `prim` drawing `indices` (split space mapped back), checked well-formed.
fn drawing(prim: &Primitive, s: &Simplifier, indices: &[u32]) -> Primitive {
    let out = Primitive {
        indices: Some(s.to_original(indices)),
        ..prim.clone()
    };
    assert_valid(&out);
    out
}

/// The original vertices `indices` (split space) still draw.
fn drawn(s: &Simplifier, indices: &[u32]) -> HashSet<u32> {
    s.to_original(indices).into_iter().collect()
}

#[test]
fn only_indexed_triangle_lists_are_simplified() {
    let settings = Settings::default();
    assert!(Simplifier::new(&grid(2), None, &settings).is_some());
    assert!(Simplifier::new(&point_cloud(10), None, &settings).is_none());
    let mut lines = grid(2);
    lines.mode = Mode::Lines;
    assert!(Simplifier::new(&lines, None, &settings).is_none());
    let mut unindexed = grid(2);
    unindexed.indices = None;
    assert!(Simplifier::new(&unindexed, None, &settings).is_none());
    let mut empty = grid(2);
    empty.indices = Some(vec![]);
    assert!(Simplifier::new(&empty, None, &settings).is_none());
}

#[test]
fn the_target_is_reached_with_valid_indices_and_a_positive_error() {
    let prim = hills(32);
    let s = simplifier(&prim, &Settings::default());
    assert_eq!(s.base().len(), prim.indices.as_ref().unwrap().len());
    let target = 2048 / 4;
    let r = s.run(s.base(), target, f32::INFINITY);
    let out = drawing(&prim, &s, &r.indices);
    let triangles = out.triangle_count();
    assert!(
        (target * 8 / 10..=target).contains(&triangles),
        "{triangles} triangles for a target of {target}"
    );
    assert!(r.error > 0.0 && r.error.is_finite(), "error {}", r.error);
    // Hills 0.1 high: no collapse may move the surface by more than their height.
    assert!(r.error < 0.1, "error {}", r.error);
    let indices = out.indices.unwrap();
    assert!(!indices.chunks_exact(3).any(repeats_a_vertex));
}

#[test]
fn a_target_at_or_above_the_input_changes_nothing() {
    let prim = hills(4);
    let s = simplifier(&prim, &Settings::default());
    for target in [32, 33, 1000] {
        let r = s.run(s.base(), target, f32::INFINITY);
        assert_eq!((&r.indices[..], r.error), (s.base(), 0.0));
    }
}

#[test]
fn the_error_limit_holds_and_a_larger_one_goes_further() {
    let prim = hills(32);
    let s = simplifier(&prim, &Settings::default());
    let mut last = usize::MAX;
    for limit in [1e-4, 1e-3, 1e-2] {
        let r = s.run(s.base(), 16, limit);
        assert!(r.error <= limit, "error {} over the limit {limit}", r.error);
        let triangles = r.indices.len() / 3;
        assert!(triangles > 16, "the limit stops it short of the target");
        assert!(
            triangles <= last,
            "{triangles} triangles at {limit}, {last} before"
        );
        last = triangles;
    }
}

#[test]
fn a_flat_grid_collapses_without_error_and_keeps_its_corners() {
    let prim = grid(16);
    let s = simplifier(&prim, &Settings::default());
    let r = s.run(s.base(), 2, 1e-2);
    let out = drawing(&prim, &s, &r.indices);
    assert_eq!(out.triangle_count(), 2);
    // Not quite zero: meshopt's quadrics carry rounding.
    assert!(r.error < 1e-3, "error {}", r.error);
    let (lo, hi) = drawn_bounds(prim.positions(), out.indices.as_ref().unwrap());
    assert_eq!((lo, hi), (Vec3::ZERO, Vec3::new(1.0, 1.0, 0.0)));
}

#[test]
fn locked_borders_keep_every_border_vertex() {
    // The hills are flat along the border, so unlocked borders collapse along it for free.
    let prim = hills(16);
    let border: HashSet<u32> = (0..prim.vertex_count() as u32)
        .filter(|&v| {
            let [x, y, _] = prim.positions()[v as usize];
            x == 0.0 || y == 0.0 || x == 1.0 || y == 1.0
        })
        .collect();
    assert_eq!(border.len(), 64);
    let kept_of_border = |lock_borders| {
        let settings = Settings {
            lock_borders,
            ..Settings::default()
        };
        let s = simplifier(&prim, &settings);
        let r = s.run(s.base(), 512 / 10, f32::INFINITY);
        drawing(&prim, &s, &r.indices);
        drawn(&s, &r.indices).intersection(&border).count()
    };
    assert_eq!(kept_of_border(true), border.len());
    assert!(kept_of_border(false) < border.len());
}

#[test]
fn mirrored_uv_charts_split_and_no_triangle_crosses_the_mirror() {
    // UVs mirrored at x = 0.5: triangles on the right have the opposite UV winding.
    let mut prim = hills(16);
    let uv = prim
        .attributes
        .iter_mut()
        .find(|a| a.semantic == Semantic::TexCoord(0))
        .unwrap();
    for pair in uv.data.values.chunks_exact_mut(2) {
        pair[0] = (pair[0] - 0.5).abs();
    }
    let s = simplifier(&prim, &Settings::default());
    // The 17 vertices on the mirror line get a copy each, which maps back to them.
    let n = prim.vertex_count() as u32;
    let copies: HashSet<u32> = s.base().iter().copied().filter(|&i| i >= n).collect();
    assert_eq!(copies.len(), 17);
    assert!(s.to_original(s.base()).iter().all(|&i| i < n));
    let r = s.run(s.base(), 512 / 8, f32::INFINITY);
    let out = drawing(&prim, &s, &r.indices);
    let x = |i: u32| prim.positions()[i as usize][0];
    for t in out.indices.unwrap().chunks_exact(3) {
        let left = t.iter().any(|&i| x(i) < 0.5);
        let right = t.iter().any(|&i| x(i) > 0.5);
        assert!(!(left && right), "triangle {t:?} crosses the mirror line");
    }
}

#[test]
fn vertices_that_many_morph_targets_move_are_locked() {
    let bump = |p: [f32; 3]| (0.25..=0.5).contains(&p[0]) && (0.25..=0.5).contains(&p[1]);
    let settings = Settings::default();
    // One target fits the attribute metric; eleven (33 floats) do not.
    let one = with_morph_targets(grid(16), 1, bump);
    assert!(!simplifier(&one, &settings).locked_for_morphs);
    let many = with_morph_targets(grid(16), 11, bump);
    let s = simplifier(&many, &settings);
    assert!(s.locked_for_morphs);
    let moved: HashSet<u32> = (0..many.vertex_count() as u32)
        .filter(|&v| bump(many.positions()[v as usize]))
        .collect();
    assert_eq!(moved.len(), 25);
    let r = s.run(s.base(), 16, 0.5);
    drawing(&many, &s, &r.indices);
    assert!(r.indices.len() / 3 < 100, "the rest still simplifies");
    assert!(drawn(&s, &r.indices).is_superset(&moved));
}

#[test]
fn degenerate_and_duplicate_triangles_do_not_survive_simplification() {
    let mut prim = hills(16);
    let indices = prim.indices.as_mut().unwrap();
    let first: Vec<u32> = indices[..30].to_vec();
    indices.extend(first);
    indices.extend([0, 0, 1, 5, 5, 5, 7, 8, 7]);
    let s = simplifier(&prim, &Settings::default());
    let r = s.run(s.base(), 100, f32::INFINITY);
    let out = drawing(&prim, &s, &r.indices);
    let triangles = out.indices.unwrap();
    assert!(!triangles.chunks_exact(3).any(repeats_a_vertex));
    assert!(triangles.len() / 3 <= 100);
}

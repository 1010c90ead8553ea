//! Unit tests of the LOD chain on small in-process scenes.

use super::*;
use crate::asset::{Mode, Primitive};
use crate::pipeline::points;
use crate::pipeline::test_meshes::{
    assert_valid, attribute, cube, drawn_bounds, grid, hills, point_cloud, scene_of,
    with_morph_targets,
};

/// Runs the chain with the scene's own diagonal; returns its levels in order and warnings.
fn chain(asset: &Asset, settings: &Settings) -> Result<(Vec<Lod>, Vec<Warning>)> {
    let diagonal = asset.bounds().expect("something drawn").diagonal();
    let levels = Mutex::new(vec![]);
    let warnings = build(asset, settings, diagonal, &Timings::default(), &|lod| {
        levels.lock().unwrap().push(lod);
        Ok(())
    })?;
    let mut levels = levels.into_inner().unwrap();
    levels.sort_by_key(|l| l.stats.level);
    assert_eq!(levels.len(), settings.lods.len(), "one call per level");
    Ok((levels, warnings))
}

fn ratios(lods: &[f32]) -> Settings {
    Settings {
        lods: lods.iter().map(|&r| LodTarget::Ratio(r)).collect(),
        max_error: 1.0,
        ..Settings::default()
    }
}

fn points_of(asset: &Asset) -> Vec<&Primitive> {
    let prims = asset.meshes.iter().flat_map(|m| &m.primitives);
    prims.filter(|p| p.mode == Mode::Points).collect()
}

#[test]
fn each_level_reaches_its_ratio_with_fewer_triangles_and_more_error() {
    let base = scene_of(vec![hills(32)]);
    let input = base.bounds().unwrap();
    let base_prim = &base.meshes[0].primitives[0];
    let (lo0, hi0) = drawn_bounds(base_prim.positions(), base_prim.indices.as_ref().unwrap());
    let settings = ratios(&[1.0, 0.5, 0.25, 0.1]);
    let (levels, warnings) = chain(&base, &settings).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(levels[0].stats.triangles, 2048);
    assert_eq!(levels[0].stats.error_absolute, 0.0);
    for (k, lod) in levels.iter().enumerate() {
        let s = &lod.stats;
        assert_eq!((s.level, s.target), (k, settings.lods[k]));
        let target = s.target.ratio(2048) * 2048.0;
        let t = s.triangles as f64;
        assert!(
            t <= target * 1.05 + 1.0 && t >= target * 0.8,
            "LOD {k}: {t} triangles for {target}"
        );
        assert!(s.error_absolute >= 0.0 && s.error_absolute.is_finite());
        let diagonal = input.diagonal();
        assert!((s.error_relative - s.error_absolute / diagonal).abs() < 1e-7);
        assert_eq!(lod.ratio, s.target.ratio(2048));
        let p = &lod.asset.meshes[0].primitives[0];
        assert_valid(p);
        // Simplification moves the surface by at most the error, the box with it. (The level
        // still holds every vertex: compacting is job::levels' optimize step.)
        let (lo, hi) = drawn_bounds(p.positions(), p.indices.as_ref().unwrap());
        let slack = s.error_absolute + 1e-5;
        assert!(
            (lo - lo0).abs().max_element() <= slack && (hi - hi0).abs().max_element() <= slack,
            "LOD {k}: {lo} {hi}, {s:?}"
        );
    }
    for pair in levels.windows(2) {
        let (a, b) = (&pair[0].stats, &pair[1].stats);
        assert!(b.triangles <= a.triangles, "{a:?} then {b:?}");
        assert!(b.error_absolute >= a.error_absolute, "{a:?} then {b:?}");
    }
    assert!(levels[3].stats.error_absolute > 0.0);
}

#[test]
fn targets_that_increase_along_the_chain_are_refused() {
    let base = scene_of(vec![grid(4)]);
    let called = AtomicUsize::new(0);
    let r = build(
        &base,
        &ratios(&[0.5, 1.0]),
        1.0,
        &Timings::default(),
        &|_| {
            called.fetch_add(1, Ordering::Relaxed);
            Ok(())
        },
    );
    assert!(matches!(r, Err(Error::Settings(_))), "{:?}", r.err());
    assert_eq!(called.into_inner(), 0);
}

#[test]
fn a_triangle_budget_scales_ratio_targets_and_caps_counts() {
    // Regression (8b8868b): with --max-triangles every ratio level was capped at the same
    // count, so a budget of half the input gave two identical levels; ratios now apply to
    // the budgeted count.
    let base = scene_of(vec![hills(32)]);
    let mut settings = ratios(&[1.0, 0.5]);
    settings.budget.max_triangles = Some(1024);
    // Count targets below the budget are kept as they are.
    settings
        .lods
        .extend([LodTarget::Triangles(500), LodTarget::Triangles(400)]);
    let (levels, _) = chain(&base, &settings).unwrap();
    let shares: Vec<f64> = levels.iter().map(|l| l.ratio).collect();
    assert_eq!(shares, [0.5, 0.25, 500.0 / 2048.0, 400.0 / 2048.0]);
    let triangles: Vec<u64> = levels.iter().map(|l| l.stats.triangles).collect();
    for (k, target) in [1024.0, 512.0, 500.0, 400.0].into_iter().enumerate() {
        let t = triangles[k] as f64;
        assert!(
            t <= target * 1.05 + 1.0 && t >= target * 0.8,
            "{triangles:?}: LOD {k} for {target}"
        );
    }
    // A count target above the budget is capped by it.
    settings.lods = vec![LodTarget::Triangles(1500)];
    let (levels, _) = chain(&base, &settings).unwrap();
    assert!(levels[0].stats.triangles <= 1076, "{:?}", levels[0].stats);
}

#[test]
fn the_error_limit_stops_a_level_and_the_warning_says_so() {
    let base = scene_of(vec![hills(32)]);
    let settings = Settings {
        max_error: 0.001,
        ..ratios(&[1.0, 0.1])
    };
    let (levels, warnings) = chain(&base, &settings).unwrap();
    let s = &levels[1].stats;
    assert!(s.error_relative <= settings.max_error * 1.0001, "{s:?}");
    assert!(s.triangles as f64 > 204.8 * 1.05 + 1.0, "{s:?}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].code, "SIMPLIFY_TARGET_NOT_REACHED");
    assert!(warnings[0].message.contains("error limit"), "{warnings:?}");
}

#[test]
fn errors_are_in_world_units() {
    let one = scene_of(vec![hills(16)]);
    let mut two = one.clone();
    two.nodes[0].scale = Some([2.0; 3]);
    let settings = ratios(&[0.25]);
    let (a, _) = chain(&one, &settings).unwrap();
    let (b, _) = chain(&two, &settings).unwrap();
    let (a, b) = (&a[0].stats, &b[0].stats);
    assert_eq!(a.triangles, b.triangles);
    assert!(a.error_absolute > 0.0);
    assert!(
        (b.error_absolute - 2.0 * a.error_absolute).abs() < 1e-6,
        "{a:?} {b:?}"
    );
    assert!(
        (b.error_relative - a.error_relative).abs() < 1e-6,
        "{a:?} {b:?}"
    );
}

#[test]
fn point_clouds_thin_along_the_chain_with_or_without_triangles() {
    // Regression (cac850d): point primitives passed through, so every level carried the
    // whole cloud. Each level carries its ratio, by which job::levels thins the points; a
    // scene of points alone has no simplification chain at all, and its levels must still
    // come.
    for base in [
        scene_of(vec![hills(8), point_cloud(1000)]),
        scene_of(vec![point_cloud(1000)]),
    ] {
        let input = base.bounds().unwrap();
        let settings = ratios(&[1.0, 0.5, 0.1]);
        let (mut levels, _) = chain(&base, &settings).unwrap();
        for lod in &mut levels {
            points::run(&mut lod.asset, &settings, lod.ratio);
        }
        let counts: Vec<usize> = levels
            .iter()
            .map(|l| points_of(&l.asset)[0].vertex_count())
            .collect();
        assert_eq!(counts[0], 1000);
        assert!(counts[1] < 600 && counts[2] < 200, "{counts:?}");
        assert!(counts.windows(2).all(|w| w[1] <= w[0]), "{counts:?}");
        for lod in &levels {
            assert_eq!(lod.asset.bounds(), Some(input), "extremes kept");
        }
    }
}

#[test]
fn no_primitive_is_simplified_away() {
    // A lone triangle far smaller than the error a 1 % level allows.
    let speck = Primitive {
        attributes: vec![attribute(
            crate::asset::Semantic::Position,
            3,
            vec![0.5, 0.5, 0.5, 0.501, 0.5, 0.5, 0.5, 0.501, 0.5],
        )],
        indices: Some(vec![0, 1, 2]),
        ..Primitive::default()
    };
    let base = scene_of(vec![hills(32), speck]);
    let (levels, _) = chain(&base, &ratios(&[1.0, 0.01])).unwrap();
    let last = &levels[1].asset;
    assert_eq!(last.meshes[1].primitives[0].triangle_count(), 1);
    assert!(last.meshes[0].primitives[0].triangle_count() < 100);
}

#[test]
fn too_many_morph_targets_lock_their_vertices_with_a_warning() {
    let morphed = with_morph_targets(grid(8), 11, |p| p[0] < 0.5);
    let base = scene_of(vec![grid(8), morphed]);
    let (_, warnings) = chain(&base, &ratios(&[1.0, 0.5])).unwrap();
    let locked: Vec<_> = warnings
        .iter()
        .filter(|w| w.code == "SIMPLIFY_MORPH_VERTICES_LOCKED")
        .map(|w| w.pointer.as_deref())
        .collect();
    assert_eq!(locked, [Some("/meshes/1/primitives/0")]);
}

#[test]
fn a_level_that_fails_to_write_fails_the_chain() {
    let base = scene_of(vec![grid(8)]);
    let r = build(
        &base,
        &ratios(&[1.0, 0.5]),
        1.0,
        &Timings::default(),
        &|lod| match lod.stats.level {
            1 => Err(Error::Settings("disk full".into())),
            _ => Ok(()),
        },
    );
    assert!(matches!(r, Err(Error::Settings(m)) if m == "disk full"));
}

#[test]
fn a_level_its_topology_stops_says_so() {
    // Every corner of a cube is a hard edge: within 1 % of the diagonal nothing collapses.
    let base = scene_of(vec![cube()]);
    let settings = Settings {
        max_error: 0.01,
        ..ratios(&[1.0, 0.5])
    };
    let (levels, warnings) = chain(&base, &settings).unwrap();
    assert_eq!(levels[1].stats.triangles, 12);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("topology"), "{warnings:?}");
}

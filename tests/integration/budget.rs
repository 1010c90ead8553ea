//! Profiles and budgets: LOD 0 is searched into its budget and the search is recorded; a
//! budget that cannot be met fails with exit code 2; profiles deliver what their platform
//! reads.

use crate::support::{check, scenes, tools};
use render_worker::job::Manifest;

fn lod0_fits(m: &Manifest, max_bytes: u64, max_triangles: u64) {
    let l = &m.lods[0];
    assert!(
        l.bytes <= max_bytes && l.triangles <= max_triangles,
        "{l:?}"
    );
    let b = m.budget.as_ref().expect("the search is recorded");
    let last = b.attempts.last().unwrap();
    assert!(last.fits && last.bytes == l.bytes, "{b:?} vs {l:?}");
}

#[test]
fn an_impossible_budget_fails_naming_the_closest_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.glb");
    std::fs::write(&input, scenes::sphere(24, 48).glb()).unwrap();
    let out = dir.path().join("out");
    let o = tools::run(&[
        "process",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-render",
        "--max-bytes",
        "300",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("budget: LOD 0 cannot meet the budget (at most 300 bytes)"),
        "{err}"
    );
    assert!(!out.join("s").exists(), "nothing written");
}

/// Need the Khronos validator.
mod external {
    use super::*;

    #[test]
    fn bytes_and_triangles_are_searched_into_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("vase.glb");
        std::fs::write(&input, scenes::vase().glb()).unwrap();
        let (free, _) = check::process(&input, &dir.path().join("free"), &["--lod", "1"]);
        let full = free.lods[0].bytes;
        // Half the unconstrained size: the search must shrink textures (or triangles).
        let max_bytes = full / 2;
        let (m, out) = check::process(
            &input,
            &dir.path().join("bytes"),
            &["--lod", "1,0.5", "--max-bytes", &max_bytes.to_string()],
        );
        lod0_fits(&m, max_bytes, u64::MAX);
        // The room for textures was reckoned from LOD 0 with its images as uploaded, and the
        // plan made from probes: every image the budget's pick, delivered as picked.
        let b = m.budget.as_ref().unwrap();
        assert!(b.untextured_bytes.is_some(), "{b:?}");
        let chosen = b.attempts.last().unwrap();
        assert!(!chosen.textures.is_empty(), "{b:?}");
        assert!(chosen.textures.iter().all(|t| !t.climb), "{b:?}");
        assert!(chosen.texture_bytes < free.lods[0].bytes, "{b:?}");
        for l in &m.lods {
            check::assert_lod_ok(&out.join(&l.file));
        }
        let r = tools::validate(&[out.join("lod0.glb")]);
        assert_eq!(r[0].errors, 0, "{:?}", r[0].messages);
        // A triangle budget caps LOD 0.
        let (m, _) = check::process(
            &input,
            &dir.path().join("triangles"),
            &["--lod", "1,0.5", "--max-triangles", "3000"],
        );
        lod0_fits(&m, u64::MAX, 3000);
        // Ratio targets are fractions of the budgeted count: the chain still halves.
        assert!(
            m.lods[1].triangles as f64 <= 0.5 * 3000.0 * 1.05,
            "{:?}",
            m.lods
        );
        // Without a budget the manifest has no budget section.
        assert!(free.budget.is_none());
    }

    #[test]
    fn profiles_deliver_what_their_platform_reads() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("vase.glb");
        std::fs::write(&input, scenes::vase().glb()).unwrap();
        let mut files = vec![];
        for (profile, max_bytes, compressed) in [
            ("thumbnail", 200_000, true),
            ("web", 5_000_000, true),
            ("ar-android", 10_000_000, false),
            ("ar-ios", 5_000_000, false),
        ] {
            let (m, out) =
                check::process(&input, &dir.path().join(profile), &["--profile", profile]);
            let max_triangles = if profile == "thumbnail" {
                10_000
            } else {
                100_000
            };
            lod0_fits(&m, max_bytes, max_triangles);
            let file = out.join("lod0.glb");
            check::assert_lod_ok(&file);
            let used = check::string_list(&check::glb_json(&file), "extensionsUsed");
            let has = |e: &str| used.iter().any(|u| u == e);
            assert_eq!(
                has("EXT_meshopt_compression"),
                compressed,
                "{profile}: {used:?}"
            );
            assert_eq!(has("KHR_texture_basisu"), compressed, "{profile}: {used:?}");
            files.push(file);
        }
        for r in tools::validate(&files) {
            assert_eq!(r.errors, 0, "{}: {:?}", r.file, r.messages);
        }
        // Scene Viewer reads one UV set: a material sampling TEXCOORD_1 is refused.
        let uv = dir.path().join("uv.glb");
        std::fs::write(&uv, crate::support::features::uv_sets().glb()).unwrap();
        let o = tools::run(&[
            "process",
            uv.to_str().unwrap(),
            "--out",
            dir.path().to_str().unwrap(),
            "--no-render",
            "--profile",
            "ar-android",
        ]);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("TEXCOORD_1"));
    }
}

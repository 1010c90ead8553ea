//! Every good model of the shared corpus: processed with the defaults, every LOD re-reads,
//! keeps what the input had, reaches its target where the manifest does not say otherwise,
//! and passes the Khronos validator with no error the input did not already have.

use crate::support::{check, tools};
use render_worker::asset::Asset;
use render_worker::settings::LodTarget;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn named_nodes(a: &Asset) -> BTreeSet<String> {
    a.nodes
        .iter()
        .filter_map(|n| n.name.clone())
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn corpus_models_process_validate_and_keep_their_content() {
    let Some(corpus) = tools::corpus() else {
        return;
    };
    let out_root = tempfile::tempdir().unwrap();
    let mut pairs: Vec<(PathBuf, Vec<PathBuf>)> = vec![];
    for input in tools::glbs_in(&corpus) {
        let source = check::read(&input).asset;
        let (m, out) = check::process(&input, out_root.path(), &[]);
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let mut lods = vec![];
        for l in &m.lods {
            let path = out.join(&l.file);
            let a = check::assert_lod_ok(&path);
            let (c, source_counts) = (a.counts(), source.counts());
            let kept = |f: fn(&render_worker::asset::Counts) -> u64| f(&c) == f(&source_counts);
            assert!(kept(|c| c.animations), "{name} {}: animations", l.file);
            assert!(kept(|c| c.skins), "{name} {}: skins", l.file);
            assert!(
                kept(|c| c.morph_targets),
                "{name} {}: morph targets",
                l.file
            );
            assert!(kept(|c| c.cameras), "{name} {}: cameras", l.file);
            assert_eq!(
                named_nodes(&a),
                named_nodes(&source),
                "{name} {}: named nodes",
                l.file
            );
            let diagonal = m.input.bounds.map_or(1.0, |b| b.diagonal());
            check::assert_bounds_close(
                m.input.bounds,
                a.bounds(),
                l.error_absolute + 1e-4 * diagonal,
                &format!("{name} {}", l.file),
            );
            let target = match l.target {
                LodTarget::Ratio(r) => f64::from(r) * m.input.counts.triangles as f64,
                LodTarget::Triangles(t) => t as f64,
            };
            let explained = m.warnings.iter().any(|w| {
                w.code == "SIMPLIFY_TARGET_NOT_REACHED"
                    && w.message.starts_with(&format!("LOD {}:", l.level))
            });
            assert!(
                explained || l.triangles as f64 <= target * 1.05 + 1.0,
                "{name} LOD {}: {} triangles for {target} without a warning",
                l.level,
                l.triangles
            );
            lods.push(path);
        }
        pairs.push((input, lods));
    }
    let files: Vec<PathBuf> = pairs
        .iter()
        .flat_map(|(i, o)| std::iter::once(i.clone()).chain(o.iter().cloned()))
        .collect();
    let reports = tools::validate(&files);
    let mut k = 0;
    for (input, lods) in &pairs {
        let before: BTreeSet<&String> = reports[k].codes.keys().collect();
        k += 1;
        for _ in lods {
            let r = &reports[k];
            k += 1;
            let new: Vec<_> = r.codes.keys().filter(|c| !before.contains(c)).collect();
            assert!(
                new.is_empty(),
                "{} -> {}: new validator errors {new:?}: {:?}",
                input.display(),
                r.file,
                r.messages
            );
        }
    }
}

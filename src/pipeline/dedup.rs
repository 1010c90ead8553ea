//! Deduplication: identical images, samplers, textures, materials and meshes become one object
//! and every reference is renumbered.
//!
//! Images, samplers and textures are data: identical ones merge whatever their names. Materials
//! and meshes are things people address by name (configurators swap "Leather" for "Fabric"), so
//! with `keep_named` two of them merge only when their names match too. Identical accessors are
//! merged by the writer, which sees the final bytes.

use crate::asset::{Asset, Mesh};
use crate::report::StageReport;
use crate::settings::Settings;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Merges duplicates in `asset` (names matter for materials and meshes with
/// `settings.keep_named`); reports how many of each kind were merged away.
pub fn run(asset: &mut Asset, settings: &Settings) -> StageReport {
    let keep_named = settings.keep_named;
    let images = dedup(
        &mut asset.images,
        |i| hash_of(&(&i.mime_type, &*i.data)),
        |a, b| a.mime_type == b.mime_type && a.data == b.data && a.ext == b.ext,
    );
    for t in &mut asset.textures {
        t.for_each_image_mut(|i| *i = images[*i]);
    }
    let samplers = dedup(
        &mut asset.samplers,
        |s| hash_of(&(s.mag_filter, s.min_filter, s.wrap_s, s.wrap_t)),
        |a, b| {
            (a.mag_filter, a.min_filter, a.wrap_s, a.wrap_t, &a.ext)
                == (b.mag_filter, b.min_filter, b.wrap_s, b.wrap_t, &b.ext)
        },
    );
    for t in &mut asset.textures {
        if let Some(s) = &mut t.sampler {
            *s = samplers[*s];
        }
    }
    let textures = dedup(
        &mut asset.textures,
        |t| hash_of(&(t.source, t.sampler)),
        |a, b| (a.source, a.sampler, &a.ext) == (b.source, b.sampler, &b.ext),
    );
    for m in &mut asset.materials {
        m.for_each_texture_mut(|t, _| *t = textures[*t]);
    }
    let materials = dedup(
        &mut asset.materials,
        |m| hash_of(&serde_json::to_string(&m.ext).unwrap_or_default()),
        |a, b| {
            let mut b2 = b.clone();
            if !keep_named {
                b2.name.clone_from(&a.name);
            }
            *a == b2
        },
    );
    for prim in asset
        .meshes
        .iter_mut()
        .flat_map(|m| m.primitives.iter_mut())
    {
        if let Some(m) = &mut prim.material {
            *m = materials[*m];
        }
        for v in &mut prim.variants {
            v.material = materials[v.material];
        }
    }
    // One mesh cannot have a duplicate; skip hashing its (possibly millions of) vertices.
    let single = asset.meshes.len() < 2;
    let hash = |m: &Mesh| if single { 0 } else { mesh_hash(m) };
    let meshes = dedup(&mut asset.meshes, hash, |a, b| {
        (a.name == b.name || !keep_named)
            && a.primitives == b.primitives
            && a.weights == b.weights
            && a.ext == b.ext
    });
    for node in &mut asset.nodes {
        if let Some(m) = &mut node.mesh {
            *m = meshes[*m];
        }
    }
    let removed = |map: &[usize]| map.len() - map.iter().max().map_or(0, |m| m + 1);
    let mut report = StageReport::new("dedup");
    report.merged("images", removed(&images));
    report.merged("samplers", removed(&samplers));
    report.merged("textures", removed(&textures));
    report.merged("materials", removed(&materials));
    report.merged("meshes", removed(&meshes));
    report
}

fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// Hashes geometry by value: vertex counts and the bits of the first stream.
fn mesh_hash(m: &Mesh) -> u64 {
    let mut h = DefaultHasher::new();
    for p in &m.primitives {
        p.vertex_count().hash(&mut h);
        p.indices.hash(&mut h);
        if let Some(a) = p.attributes.first() {
            for v in &a.data.values {
                v.to_bits().hash(&mut h);
            }
        }
    }
    h.finish()
}

/// Removes later duplicates from `items` (first occurrences keep their relative order) and
/// returns, for every old index, its new index.
pub fn dedup<T>(
    items: &mut Vec<T>,
    key: impl Fn(&T) -> u64,
    same: impl Fn(&T, &T) -> bool,
) -> Vec<usize> {
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut map = Vec::with_capacity(items.len());
    let mut kept: Vec<usize> = vec![];
    for i in 0..items.len() {
        let bucket = buckets.entry(key(&items[i])).or_default();
        match bucket.iter().find(|&&k| same(&items[kept[k]], &items[i])) {
            Some(&k) => map.push(k),
            None => {
                bucket.push(kept.len());
                map.push(kept.len());
                kept.push(i);
            }
        }
    }
    let mut keep = vec![false; items.len()];
    for &k in &kept {
        keep[k] = true;
    }
    let mut i = 0;
    items.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_keeps_first_and_maps_the_rest() {
        let mut v = vec![1, 2, 1, 3, 2];
        let map = dedup(&mut v, |x| *x as u64, |a, b| a == b);
        assert_eq!(v, vec![1, 2, 3]);
        assert_eq!(map, vec![0, 1, 0, 2, 1]);
    }
}

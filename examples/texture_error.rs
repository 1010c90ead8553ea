//! Per-texture error of a delivered model against its original, for benchmarks against peers:
//!
//!     cargo run --release --example texture_error -- original.glb candidate.glb
//!
//! Pairs the images material by material and slot by slot (the candidate must keep the
//! original's materials in order, as gltfpack and render-worker do), decodes both as a client
//! does (KTX2 through the Basis transcoder), fits the original to the candidate's size
//! (Lanczos 3, as delivery resizes) and measures them the way `--texture-quality auto` judges
//! its own: one JSON line per image with its slot, class, size, bytes, PSNR over the channels
//! read (dB), and the error of its class (mean FLIP, or mean degrees for a normal map).

use render_worker::asset::Asset;
use render_worker::format::{read_bytes, resolve::Folder};
use render_worker::settings::Limits;
use render_worker::texture::{self, judge, resize, usage_of};
use std::collections::BTreeMap;
use std::path::Path;

fn read(path: &str) -> Asset {
    let bytes = std::fs::read(path).expect("readable file");
    let dir = Path::new(path).parent().unwrap_or(Path::new("."));
    read_bytes(&bytes, &Folder(dir.to_path_buf()), &Limits::default())
        .expect("valid glTF")
        .asset
}

/// Per (material, slot): the image a renderer samples there.
fn slots(a: &Asset) -> BTreeMap<(usize, String), usize> {
    let mut out = BTreeMap::new();
    for (m, material) in a.materials.iter().enumerate() {
        material.clone().for_each_slot_mut(|slot, t| {
            if let Some(image) = a.textures.get(t.index).and_then(|t| t.image()) {
                out.insert((m, slot.to_string()), image);
            }
        });
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [original, candidate] = &args[..] else {
        panic!("usage: texture_error original.glb candidate.glb");
    };
    let (source, delivered) = (read(original), read(candidate));
    let usages = usage_of(&source);
    let theirs = slots(&delivered);
    let mut seen = std::collections::HashSet::new();
    for (key, from) in slots(&source) {
        let Some(&to) = theirs.get(&key) else {
            continue;
        };
        let Some(usage) = usages[from].filter(|_| seen.insert((from, to))) else {
            continue;
        };
        let image = &delivered.images[to];
        let out = texture::decode(image, u32::MAX).expect("the candidate's image decodes");
        let (w, h) = out.dimensions();
        let src = texture::decode(&source.images[from], w.max(h)).expect("the source decodes");
        let src = resize::resize(src, w, h);
        let f = judge::measure(&src, &out, usage);
        let line = serde_json::json!({
            "material": key.0, "slot": key.1, "class": usage.class, "width": w, "height": h,
            "bytes": image.data.len(), "psnr": f.psnr, "error": f.error(),
        });
        println!("{line}");
    }
}

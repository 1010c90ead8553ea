//! Compressed-texture uploads: KTX2 images (`KHR_texture_basisu`, written by the reference
//! basisu encoder, not by us) and WebP images (`EXT_texture_webp`) without fallbacks are
//! decoded for the thumbnails and transcoded as the settings say; a texture that offers
//! several images ends with one whenever images are converted.

use super::textures::{RGB, SIZE, pixel, sphere_with_maps};
use crate::support::builder::{Builder, encode_png};
use crate::support::{check, scenes, tools};
use render_worker::asset::Asset;
use serde_json::{Value, json};
use std::path::Path;

/// The three fixture maps (base colour, normal, occlusion/roughness/metal) as PNG files.
fn pngs() -> Vec<Vec<u8>> {
    (0..3)
        .map(|k| encode_png(SIZE, SIZE, move |x, y| pixel(k, x, y)))
        .collect()
}

/// The maps as KTX2, from the reference encoder: ETC1S for colour, UASTC + Zstandard for the
/// normal and data maps (what `KHR_texture_basisu` exporters write).
fn ktx2s(dir: &Path) -> Vec<Vec<u8>> {
    pngs()
        .iter()
        .enumerate()
        .map(|(k, png)| {
            let (src, out) = (dir.join(format!("{k}.png")), dir.join(format!("{k}.ktx2")));
            std::fs::write(&src, png).unwrap();
            tools::basisu(&src, &out, k > 0, k == 1);
            std::fs::read(&out).unwrap()
        })
        .collect()
}

/// A textured sphere whose textures each hold `images[k]` (bytes, MIME type) through
/// `extension` (required), or through `source` when `extension` is `None`; with `fallbacks`,
/// every texture also has those as `source` and the extension is optional.
fn sphere(images: &[(Vec<u8>, &str)], extension: Option<&str>, fallbacks: &[Vec<u8>]) -> Builder {
    let mut b = Builder::new();
    let image = |b: &mut Builder, bytes: &[u8], mime: &str| {
        let view = b.view(bytes, None);
        b.push("images", json!({"bufferView": view, "mimeType": mime}))
    };
    let textures: Vec<usize> = images
        .iter()
        .enumerate()
        .map(|(k, (bytes, mime))| {
            let i = image(&mut b, bytes, mime);
            let mut t = match extension {
                Some(e) => json!({"extensions": {e: {"source": i}}}),
                None => json!({"source": i}),
            };
            if let Some(png) = fallbacks.get(k) {
                t["source"] = json!(image(&mut b, png, "image/png"));
            }
            b.push("textures", t)
        })
        .collect();
    if let Some(e) = extension {
        b.uses(e, fallbacks.is_empty());
    }
    sphere_with_maps(&mut b, &textures);
    b
}

fn write(dir: &Path, name: &str, b: &Builder) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.glb"));
    std::fs::write(&path, b.glb()).unwrap();
    path
}

/// The image each material slot samples, decoded, in slot order (base colour, normal, ORM).
fn slot_pixels(a: &Asset) -> Vec<image::RgbaImage> {
    let m = &a.materials[0];
    let pbr = m.pbr_metallic_roughness.as_ref().unwrap();
    let slots = [
        pbr.base_color_texture.as_ref().unwrap().index,
        m.normal_texture.as_ref().unwrap().index,
        pbr.metallic_roughness_texture.as_ref().unwrap().index,
    ];
    slots
        .iter()
        .map(|&t| {
            let image = &a.images[a.textures[t].image().unwrap()];
            render_worker::texture::decode(image, u32::MAX).unwrap()
        })
        .collect()
}

fn extensions(file: &Path, key: &str) -> Vec<String> {
    check::string_list(&check::glb_json(file), key)
}

/// Renders `input`'s thumbnail; returns it with the manifest's warning codes.
fn thumbnail(input: &Path, out: &Path) -> (render_worker::render::RgbaImage, Vec<String>) {
    let (m, dir) = check::process_rendered(input, out, &["--lod", "1"]);
    let codes = m.warnings.iter().map(|w| w.code.clone()).collect();
    (tools::decode_png(&dir.join("thumb_512.png")), codes)
}

#[test]
fn ktx2_uploads_render_and_convert_as_asked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ktx = ktx2s(d);
    let with_mime = |v: &[Vec<u8>], mime| v.iter().map(|b| (b.clone(), mime)).collect::<Vec<_>>();
    let png_input = write(
        d,
        "png",
        &sphere(&with_mime(&pngs(), "image/png"), None, &[]),
    );
    let ktx_images = with_mime(&ktx, "image/ktx2");
    let input = write(
        d,
        "ktx",
        &sphere(&ktx_images, Some("KHR_texture_basisu"), &[]),
    );

    // Thumbnails sample the transcoded KTX2 textures: close to the PNG upload's, and far from
    // the untextured sphere the renderer drew before it could transcode.
    let (reference, _) = thumbnail(&png_input, &d.join("png_out"));
    let (ours, codes) = thumbnail(&input, &d.join("ktx_out"));
    assert!(
        !codes.iter().any(|c| c == "RENDER_TEXTURE_UNREADABLE"),
        "{codes:?}"
    );
    let bare = write(d, "bare", &scenes::sphere(12, 24));
    let (untextured, _) = thumbnail(&bare, &d.join("bare_out"));
    let (close, far) = (
        render_worker::qa::flip_mean(&reference, &ours),
        render_worker::qa::flip_mean(&reference, &untextured),
    );
    eprintln!("thumbnail FLIP against the PNG upload: {close:.4} (untextured {far:.4})");
    // Measured: 0.056 against 0.48 (ETC1S blocks on a 64-pixel map seen at 512 pixels).
    assert!(
        close < 0.08 && far > 5.0 * close,
        "FLIP {close} (untextured {far})"
    );

    // PNG asked for: every image transcoded, nothing left that needs KHR_texture_basisu.
    let (_, out) = check::process(
        &input,
        &d.join("as_png"),
        &["--lod", "1", "--texture-format", "png"],
    );
    let file = out.join("lod0.glb");
    let a = check::assert_lod_ok(&file);
    assert!(a.images.iter().all(|i| i.mime_type == "image/png"));
    assert!(!extensions(&file, "extensionsUsed").contains(&"KHR_texture_basisu".into()));
    for (k, decoded) in slot_pixels(&a).iter().enumerate() {
        let source: Vec<u8> = (0..SIZE * SIZE)
            .flat_map(|i| pixel(k, i % SIZE, i / SIZE))
            .collect();
        let db = check::psnr(decoded.as_raw(), &source, &RGB);
        let floor = if k == 0 { 28.0 } else { 36.0 };
        eprintln!("KTX2 map {k} as PNG: {db:.1} dB");
        assert!(db >= floor, "map {k}: {db:.1} dB < {floor}");
    }

    // The AR profiles deliver no required compression extension.
    let (_, out) = check::process(&input, &d.join("ar"), &["--profile", "ar-android"]);
    let file = out.join("lod0.glb");
    let a = check::assert_lod_ok(&file);
    assert!(
        a.images
            .iter()
            .all(|i| ["image/png", "image/jpeg"].contains(&i.mime_type.as_str()))
    );
    assert_eq!(
        extensions(&file, "extensionsRequired"),
        ["KHR_mesh_quantization"]
    );

    // KTX2 asked for: the uploaded files pass through untouched (no second lossy pass).
    let (_, out) = check::process(
        &input,
        &d.join("same"),
        &["--lod", "1", "--texture-format", "ktx2"],
    );
    let a = check::assert_lod_ok(&out.join("lod0.glb"));
    let mut kept: Vec<&[u8]> = a.images.iter().map(|i| &i.data[..]).collect();
    let mut uploaded: Vec<&[u8]> = ktx.iter().map(Vec::as_slice).collect();
    kept.sort();
    uploaded.sort();
    assert_eq!(kept, uploaded);

    // Over the size budget: resized, still KTX2, with a full mip chain.
    let (_, out) = check::process(
        &input,
        &d.join("small"),
        &["--lod", "1", "--max-texture-size", "32"],
    );
    let small = out.join("lod0.glb");
    for img in &check::assert_lod_ok(&small).images {
        let h = ktx2::Reader::new(&img.data[..]).unwrap().header();
        assert_eq!((h.pixel_width, h.pixel_height, h.level_count), (32, 32, 6));
    }
    let reports = tools::validate(&[small, file, input]);
    for r in &reports {
        assert_eq!(r.errors, 0, "{}: {:?}", r.file, r.messages);
    }
}

#[test]
fn webp_uploads_and_fallback_pairs_end_with_one_image_per_texture() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let webp: Vec<(Vec<u8>, &str)> = (0..3)
        .map(|k| {
            let rgba = image::RgbaImage::from_fn(SIZE, SIZE, |x, y| image::Rgba(pixel(k, x, y)));
            (
                render_worker::texture::encode::webp(&rgba, 95).unwrap().0,
                "image/webp",
            )
        })
        .collect();
    let input = write(d, "webp", &sphere(&webp, Some("EXT_texture_webp"), &[]));
    let (_, codes) = thumbnail(&input, &d.join("thumb"));
    assert!(
        !codes.iter().any(|c| c == "RENDER_TEXTURE_UNREADABLE"),
        "{codes:?}"
    );
    let (_, out) = check::process(&input, &d.join("ios"), &["--profile", "ar-ios"]);
    let file = out.join("lod0.glb");
    check::assert_lod_ok(&file);
    assert_eq!(
        extensions(&file, "extensionsRequired"),
        ["KHR_mesh_quantization"]
    );

    // KTX2 with PNG fallbacks, the extension optional: kept as uploaded by default; converted,
    // each texture keeps the one image the conversion starts from.
    let ktx: Vec<(Vec<u8>, &str)> = ktx2s(d).into_iter().map(|b| (b, "image/ktx2")).collect();
    let pair = write(
        d,
        "pair",
        &sphere(&ktx, Some("KHR_texture_basisu"), &pngs()),
    );
    let count = |args: &[&str], name: &str| -> (Asset, Vec<Value>) {
        let mut all = vec!["--lod", "1"];
        all.extend_from_slice(args);
        let (_, out) = check::process(&pair, &d.join(name), &all);
        let file = out.join("lod0.glb");
        let doc = check::glb_json(&file);
        let r = tools::validate(std::slice::from_ref(&file));
        assert_eq!(r[0].errors, 0, "{name}: {:?}", r[0].messages);
        (
            check::assert_lod_ok(&file),
            doc["textures"].as_array().unwrap().clone(),
        )
    };
    let (a, _) = count(&[], "keep");
    assert_eq!(a.images.len(), 6, "both images of every texture kept");
    let (a, textures) = count(&["--texture-format", "webp"], "webp");
    assert_eq!(a.images.len(), 3);
    assert!(a.images.iter().all(|i| i.mime_type == "image/webp"));
    for t in &textures {
        assert!(
            t.get("source").is_none() && t["extensions"].as_object().unwrap().len() == 1,
            "{t}"
        );
    }
    // The AR profile keeps the PNG fallbacks byte for byte and drops the KTX2 copies.
    let (a, _) = count(&["--profile", "ar-android"], "ar");
    let mut kept: Vec<Vec<u8>> = a.images.iter().map(|i| i.data.to_vec()).collect();
    let mut fallbacks = pngs();
    kept.sort();
    fallbacks.sort();
    assert_eq!(kept, fallbacks);
}

//! Texture delivery: KTX2 outputs parse with an independent reader (the `ktx2` crate), and
//! three.js's Basis Universal transcoder (what KTX2Loader runs in browsers) decodes them to
//! pixels close to the source; the size budget resizes in any format.

use crate::support::builder::Builder;
use crate::support::{check, scenes, tools};
use ktx2::SupercompressionScheme;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// The colour channels, for [`check::psnr`].
pub const RGB: [usize; 3] = [0, 1, 2];

/// Side of the fixture textures, pixels.
pub const SIZE: u32 = 64;

/// Base colour: soft diagonal bands; normals: bumps; ORM: gradients. Smooth enough that the
/// codecs' block errors stay small.
pub fn pixel(kind: usize, x: u32, y: u32) -> [u8; 4] {
    let (fx, fy) = (x as f32 / SIZE as f32, y as f32 / SIZE as f32);
    match kind {
        0 => {
            let t = ((fx + fy) * 6.0).sin() * 0.5 + 0.5;
            [
                (60.0 + 180.0 * t) as u8,
                (120.0 + 60.0 * fy) as u8,
                (200.0 - 120.0 * t) as u8,
                255,
            ]
        }
        1 => {
            let (nx, ny) = (((fx * 12.0).sin() * 0.4), ((fy * 12.0).cos() * 0.4));
            let nz = (1.0f32 - nx * nx - ny * ny).sqrt();
            let e = |c: f32| ((c * 0.5 + 0.5) * 255.0).round() as u8;
            [e(nx), e(ny), e(nz), 255]
        }
        _ => [255, (fx * 255.0) as u8, (fy * 255.0) as u8, 255],
    }
}

/// A sphere in `b` whose material samples textures `t` (base colour, normal, ORM: the
/// [`pixel`] kinds 0, 1, 2).
pub fn sphere_with_maps(b: &mut Builder, t: &[usize]) {
    scenes::sphere_with(
        b,
        12,
        24,
        json!({"pbrMetallicRoughness": {"baseColorTexture": {"index": t[0]},
            "metallicRoughnessTexture": {"index": t[2]}},
            "normalTexture": {"index": t[1]}, "occlusionTexture": {"index": t[2]}}),
    );
}

fn textured_sphere() -> Builder {
    let mut b = Builder::new();
    let t: Vec<usize> = (0..3)
        .map(|k| b.png_texture(SIZE, SIZE, move |x, y| pixel(k, x, y)))
        .collect();
    sphere_with_maps(&mut b, &t);
    b
}

fn glb_json(bytes: &[u8]) -> (Value, usize) {
    let len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    (
        serde_json::from_slice(&bytes[20..20 + len]).unwrap(),
        20 + len + 8,
    )
}

/// Runs three.js's transcoder over `glb`; returns its report lines and writes level-0 pixels
/// to `out/<image>.rgba`.
fn transcode(glb: &Path, out: &Path) -> Vec<Value> {
    let script = tools::root().join("tools/validator/transcode.cjs");
    let o = Command::new("node")
        .arg(script)
        .arg(glb)
        .arg(out)
        .output()
        .expect("node runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn ktx2_textures_parse_and_transcode_close_to_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ball.glb");
    std::fs::write(&input, textured_sphere().glb()).unwrap();
    let (m, out) = check::process(
        &input,
        dir.path(),
        // The fixed choice: each class its codec (auto's steps are tested in texture_quality).
        &[
            "--lod",
            "1",
            "--texture-format",
            "ktx2",
            "--texture-quality",
            "80",
        ],
    );
    assert!(
        m.warnings.iter().all(|w| w.code != "TEXTURE_KEPT"),
        "{:?}",
        m.warnings
    );
    let file = out.join("lod0.glb");
    check::assert_lod_ok(&file);
    let bytes = std::fs::read(&file).unwrap();
    let (doc, bin) = glb_json(&bytes);
    let required: Vec<&str> = doc["extensionsRequired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(required.contains(&"KHR_texture_basisu"), "{required:?}");
    for t in doc["textures"].as_array().unwrap() {
        assert!(
            t.get("source").is_none() && t["extensions"]["KHR_texture_basisu"]["source"].is_u64(),
            "{t}"
        );
    }
    // Which image holds which source texture: the material's slots say.
    let mat = &doc["materials"][0];
    let image_of = |slot: &Value| {
        let t = slot["index"].as_u64().unwrap() as usize;
        doc["textures"][t]["extensions"]["KHR_texture_basisu"]["source"]
            .as_u64()
            .unwrap() as usize
    };
    let slots = [
        (
            image_of(&mat["pbrMetallicRoughness"]["baseColorTexture"]),
            0usize,
        ),
        (image_of(&mat["normalTexture"]), 1),
        (
            image_of(&mat["pbrMetallicRoughness"]["metallicRoughnessTexture"]),
            2,
        ),
    ];
    let reports = transcode(&file, dir.path());
    assert_eq!(reports.len(), 3);
    for (image, kind) in slots {
        let img = &doc["images"][image];
        assert_eq!(img["mimeType"], "image/ktx2");
        let view = &doc["bufferViews"][img["bufferView"].as_u64().unwrap() as usize];
        let start = bin + view["byteOffset"].as_u64().unwrap_or(0) as usize;
        let ktx = &bytes[start..start + view["byteLength"].as_u64().unwrap() as usize];
        // The independent parser: sizes, the whole mip chain, the supercompression per class.
        let reader = ktx2::Reader::new(ktx).expect("ktx2 crate parses it");
        let h = reader.header();
        assert_eq!(
            (h.pixel_width, h.pixel_height, h.level_count),
            (SIZE, SIZE, 7)
        );
        let scheme = if kind == 0 {
            SupercompressionScheme::BasisLZ
        } else {
            SupercompressionScheme::Zstandard
        };
        assert_eq!(h.supercompression_scheme, Some(scheme));
        assert_eq!(reader.levels().count(), 7);
        // three.js's transcoder: valid, the codec the class asks for, pixels near the source.
        let r = reports.iter().find(|r| r["image"] == image).unwrap();
        assert_eq!(
            (r["valid"].as_bool(), r["transcoded"].as_bool()),
            (Some(true), Some(true)),
            "{r}"
        );
        assert_eq!(r["uastc"].as_bool(), Some(kind != 0), "{r}");
        let decoded = std::fs::read(dir.path().join(format!("{image}.rgba"))).unwrap();
        let source: Vec<u8> = (0..SIZE * SIZE)
            .flat_map(|i| pixel(kind, i % SIZE, i / SIZE))
            .collect();
        let db = check::psnr(&decoded, &source, &RGB);
        // ETC1S trades quality for size; UASTC keeps data maps and normals close.
        let floor = if kind == 0 { 28.0 } else { 36.0 };
        eprintln!("image {image} (kind {kind}): {db:.1} dB");
        assert!(db >= floor, "image {image}: {db:.1} dB < {floor}");
    }
}

#[test]
fn the_size_budget_resizes_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ball.glb");
    std::fs::write(&input, textured_sphere().glb()).unwrap();
    for (format, mime) in [("keep", "image/png"), ("ktx2", "image/ktx2")] {
        let out = dir.path().join(format);
        let (_, lods) = check::process(
            &input,
            &out,
            &[
                "--lod",
                "1",
                "--texture-format",
                format,
                "--max-texture-size",
                "32",
            ],
        );
        let file = lods.join("lod0.glb");
        let a = check::assert_lod_ok(&file);
        for img in &a.images {
            assert_eq!(img.mime_type, mime);
            if mime == "image/png" {
                let decoded = image::load_from_memory(&img.data).unwrap();
                assert_eq!((decoded.width(), decoded.height()), (32, 32));
            } else {
                let h = ktx2::Reader::new(&img.data[..]).unwrap().header();
                assert_eq!((h.pixel_width, h.pixel_height, h.level_count), (32, 32, 6));
            }
        }
        let r = tools::validate(&[file]);
        assert_eq!(r[0].errors, 0, "{:?}", r[0].messages);
    }
    // Within budget and kept: the bytes are the input's.
    let (_, lods) = check::process(&input, &dir.path().join("same"), &["--lod", "1"]);
    let a = check::read(&lods.join("lod0.glb")).asset;
    let source = check::read(&input).asset;
    assert_eq!(
        a.images.iter().map(|i| i.data.clone()).collect::<Vec<_>>(),
        source
            .images
            .iter()
            .map(|i| i.data.clone())
            .collect::<Vec<_>>()
    );
}

#[test]
fn solid_textures_fold_into_factors_and_opaque_blend_becomes_opaque() {
    // A BLEND material whose base colour texture is one opaque colour, and a flat normal map:
    // both textures go, the colour moves into the factor (sRGB to linear), the mode to OPAQUE.
    let mut b = Builder::new();
    let color = b.png_texture(8, 8, |_, _| [255, 128, 0, 255]);
    let flat = b.png_texture(8, 8, |_, _| [128, 128, 255, 255]);
    scenes::sphere_with(
        &mut b,
        6,
        12,
        json!({"alphaMode": "BLEND", "normalTexture": {"index": flat},
               "pbrMetallicRoughness": {"baseColorTexture": {"index": color}}}),
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("solid.glb");
    std::fs::write(&input, b.glb()).unwrap();
    let (manifest, out) = check::process(&input, dir.path(), &["--lod", "1"]);
    assert!(
        manifest
            .warnings
            .iter()
            .any(|w| w.code == "MATERIALS_SIMPLIFIED")
    );
    let file = out.join("lod0.glb");
    let a = check::assert_lod_ok(&file);
    assert!(
        a.images.is_empty() && a.textures.is_empty(),
        "orphans pruned"
    );
    let mat = &a.materials[0];
    assert_eq!(mat.alpha_mode, render_worker::asset::AlphaMode::Opaque);
    assert!(mat.normal_texture.is_none());
    let f = mat
        .pbr_metallic_roughness
        .as_ref()
        .unwrap()
        .base_color_factor;
    assert!(
        (f[0] - 1.0).abs() < 1e-6 && (f[1] - 0.2158).abs() < 1e-3 && f[2] == 0.0,
        "{f:?}"
    );
    assert_eq!(tools::validate(&[file])[0].errors, 0);
}

/// The textured sphere plus a translucent base colour (alpha gradient) and a JPEG photo-like
/// emissive map, to exercise every re-encoding rule.
fn reencoding_scene() -> Builder {
    let mut b = textured_sphere();
    let alpha = b.png_texture(SIZE, SIZE, |x, y| {
        let [r, g, bl, _] = pixel(0, x, y);
        [r, g, bl, (x * 4) as u8]
    });
    let mut jpeg = vec![];
    // Smooth shapes with fine grain, like a photo.
    let noise = image::RgbImage::from_fn(SIZE, SIZE, |x, y| {
        let grain = ((x * 7919 + y * 104_729) % 17) as f32 - 8.0;
        let (fx, fy) = (x as f32 / 5.0, y as f32 / 7.0);
        let c = |v: f32| (128.0 + 90.0 * v + grain).clamp(0.0, 255.0) as u8;
        image::Rgb([
            c(fx.sin() * fy.cos()),
            c((fx + fy).sin()),
            c((fx - fy).cos()),
        ])
    });
    noise
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut jpeg, 95,
        ))
        .unwrap();
    let view = b.view(&jpeg, None);
    let image = b.push(
        "images",
        json!({"bufferView": view, "mimeType": "image/jpeg"}),
    );
    let photo = b.push("textures", json!({"source": image}));
    b.doc["materials"][0]["emissiveTexture"] = json!({"index": photo});
    b.doc["materials"][0]["emissiveFactor"] = json!([1.0, 1.0, 1.0]);
    let mesh = b.doc["meshes"][0].clone();
    let material = b.push(
        "materials",
        json!({"alphaMode": "BLEND",
               "pbrMetallicRoughness": {"baseColorTexture": {"index": alpha}}}),
    );
    let mut second = mesh.clone();
    second["primitives"][0]["material"] = json!(material);
    let m = b.push("meshes", second);
    b.root_node(json!({"mesh": m, "translation": [3.0, 0.0, 0.0]}));
    b
}

#[test]
fn webp_jpeg_and_png_reencode_only_where_smaller_and_stay_close() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ball.glb");
    std::fs::write(&input, reencoding_scene().glb()).unwrap();
    let source = check::read(&input).asset;
    // Images: 0 base colour, 1 normal map, 2 occlusion/roughness/metal, 3 base colour with
    // alpha, 4 JPEG emissive.
    assert_eq!(source.images.len(), 5);
    let rgba = |data: &[u8]| image::load_from_memory(data).unwrap().to_rgba8();
    let mut sizes = std::collections::BTreeMap::new();
    for (format, quality) in [
        ("webp", "80"),
        ("webp", "30"),
        ("jpeg", "80"),
        ("png", "80"),
    ] {
        let (_, out) = check::process(
            &input,
            &dir.path().join(format!("{format}{quality}")),
            &[
                "--lod",
                "1",
                "--texture-format",
                format,
                "--texture-quality",
                quality,
            ],
        );
        let file = out.join("lod0.glb");
        let a = check::assert_lod_ok(&file);
        let mut changed = vec![];
        for (i, (img, src)) in a.images.iter().zip(&source.images).enumerate() {
            if img.data == src.data {
                continue; // kept: its re-encoding was not smaller
            }
            changed.push(i);
            assert!(
                img.data.len() < src.data.len(),
                "{format} image {i}: {} bytes for a {}-byte source",
                img.data.len(),
                src.data.len()
            );
            let (x, y) = (rgba(&img.data), rgba(&src.data));
            assert_eq!(x.dimensions(), y.dimensions());
            let expected = match (format, i) {
                ("webp", _) => "image/webp",
                ("jpeg", 0 | 2 | 4) => "image/jpeg",
                _ => "image/png",
            };
            assert_eq!(img.mime_type, expected, "{format} image {i}");
            if img.mime_type == "image/png" {
                assert!(x == y, "{format} image {i}: PNG is lossless");
            } else {
                let db = check::psnr(x.as_raw(), y.as_raw(), &RGB);
                let floor = if i == 4 { 28.0 } else { 30.0 };
                assert!(db >= floor, "{format} q{quality} image {i}: {db:.1} dB");
            }
            if i == 3 {
                let alpha = |im: &image::RgbaImage| im.pixels().map(|p| p[3]).collect::<Vec<_>>();
                let worst = alpha(&x)
                    .iter()
                    .zip(alpha(&y))
                    .map(|(a, b)| a.abs_diff(b))
                    .max();
                assert!(worst <= Some(2), "{format}: alpha kept ({worst:?})");
            }
        }
        sizes.insert(
            format!("{format}{quality}"),
            a.images.iter().map(|i| i.data.len()).sum::<usize>(),
        );
        let doc = check::glb_json(&file);
        let required = check::string_list(&doc, "extensionsRequired");
        assert_eq!(
            required.contains(&"EXT_texture_webp".to_string()),
            format == "webp",
            "{format}: {required:?}"
        );
        match format {
            // Smooth synthetic maps shrink a lot in lossy WebP.
            "webp" => assert!(changed.contains(&0) && changed.contains(&1), "{changed:?}"),
            // The photo-like JPEG does not shrink as lossless PNG: kept.
            "png" => assert!(!changed.contains(&4), "{changed:?}"),
            _ => {}
        }
        let r = tools::validate(&[file]);
        assert_eq!(r[0].errors, 0, "{format}: {:?}", r[0].messages);
    }
    assert!(sizes["webp30"] < sizes["webp80"], "{sizes:?}");
}

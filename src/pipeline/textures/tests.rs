//! Unit tests of texture fitting and encoding on images of a few pixels.

use super::*;
use crate::asset::Material;
use crate::pipeline::test_meshes::{from_json, image, png};
use crate::settings::TextureQuality;
use crate::texture::basis;
use ::ktx2::{Reader, SupercompressionScheme};
use serde_json::{Map, Value, json};

/// Gradients under a little hashed noise, opaque: detail like a photo's, which PNG stores
/// poorly and the lossy formats well.
fn busy(x: u32, y: u32) -> [u8; 4] {
    let noise = |c: u32| {
        let mut z = ((x * 4096 + y) * 3 + c).wrapping_mul(0x9E37_79B9);
        z ^= z >> 15;
        z = z.wrapping_mul(0x85EB_CA6B);
        z ^= z >> 13;
        z % 17
    };
    let v = |base: u32, c: u32| (base + noise(c)).min(255) as u8;
    [v(3 * x, 0), v(3 * y, 1), v(100, 2), 255]
}

/// One material whose slot `slots[i]` samples texture `i`, and texture `i` image `i`.
/// Slots are glTF names (`baseColorTexture`, `normalTexture`, ...), each used once.
fn textured(images: Vec<Image>, slots: &[&str]) -> Asset {
    let (mut material, mut pbr) = (Map::new(), Map::new());
    for (i, slot) in slots.iter().enumerate() {
        let target = match *slot {
            "baseColorTexture" | "metallicRoughnessTexture" => &mut pbr,
            _ => &mut material,
        };
        let old = target.insert(slot.to_string(), json!({"index": i}));
        assert!(old.is_none(), "one texture per slot");
    }
    material.insert("pbrMetallicRoughness".into(), Value::Object(pbr));
    let material: Material = from_json(Value::Object(material));
    Asset {
        materials: vec![material],
        textures: (0..slots.len())
            .map(|i| from_json(json!({"source": i})))
            .collect(),
        images,
        ..Asset::default()
    }
}

fn delivery(texture_format: TextureFormat, max_texture_size: u32) -> Delivery {
    Delivery {
        texture_format,
        max_texture_size,
        ..Delivery::default()
    }
}

/// `asset` after encoding and applying `d`, with the warnings.
fn delivered(asset: &Asset, d: &Delivery) -> (Asset, Vec<Warning>) {
    let (encoded, warnings) = encode(asset, d);
    let mut out = asset.clone();
    apply(&mut out, &encoded);
    (out, warnings)
}

fn size(image: &Image) -> (u32, u32) {
    texture::dimensions(image).expect("a readable header")
}

/// A KTX2 (ETC1S, sRGB) image of `width` x `height` of the busy pattern, by our own encoder.
fn ktx2_image(width: u32, height: u32) -> Image {
    let rgba = image::RgbaImage::from_fn(width, height, |x, y| image::Rgba(busy(x, y)));
    let e = basis::Encoding {
        uastc: false,
        srgb: true,
        normal_map: false,
        uastc_rdo: Some(1.0),
        etc1s_quality: basis::ETC1S_DEFAULT,
    };
    let file = basis::encode(&rgba, &e).expect("Basis encodes");
    let bytes = crate::texture::ktx2::from_basis(&file, true, 3).expect("KTX2 wraps");
    image("image/ktx2", bytes)
}

#[test]
fn images_within_budget_under_keep_stay_as_they_are() {
    let asset = textured(vec![png(4, 4, busy)], &["baseColorTexture"]);
    let (out, warnings) = delivered(&asset, &Delivery::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(Arc::ptr_eq(&out.images[0].data, &asset.images[0].data));
    assert_eq!(out.textures, asset.textures);
    assert!(out.extensions_required.is_empty());
}

#[test]
fn images_over_the_size_budget_are_resized_in_their_own_format() {
    let jpeg = {
        let rgb = image::RgbImage::from_fn(8, 8, |x, y| {
            let [r, g, b, _] = busy(x, y);
            image::Rgb([r, g, b])
        });
        let mut bytes = std::io::Cursor::new(vec![]);
        rgb.write_to(&mut bytes, image::ImageFormat::Jpeg).unwrap();
        image("image/jpeg", bytes.into_inner())
    };
    let asset = textured(
        vec![png(8, 8, busy), jpeg, png(6, 3, busy)],
        &[
            "baseColorTexture",
            "metallicRoughnessTexture",
            "normalTexture",
        ],
    );
    // 8 x 8 to 4; 6 x 3 to 4 x 2.
    let (out, warnings) = delivered(&asset, &delivery(TextureFormat::Keep, 4));
    assert!(warnings.is_empty(), "{warnings:?}");
    let got: Vec<_> = out
        .images
        .iter()
        .map(|i| (i.mime_type.as_str(), size(i)))
        .collect();
    assert_eq!(
        got,
        [
            ("image/png", (4, 4)),
            ("image/jpeg", (4, 4)),
            ("image/png", (4, 2))
        ]
    );
    // Powers of two round to the nearest: 6 x 3 to 8 x 4, even if that is larger.
    let pow2 = Delivery {
        texture_pow2: true,
        ..delivery(TextureFormat::Keep, 2048)
    };
    let (out, _) = delivered(&asset, &pow2);
    assert_eq!(size(&out.images[2]), (8, 4));
    assert!(Arc::ptr_eq(&out.images[0].data, &asset.images[0].data));
}

#[test]
fn ktx2_gives_each_class_its_codec_and_a_full_mip_chain() {
    let asset = textured(
        vec![png(8, 8, busy), png(8, 8, busy), png(8, 8, busy)],
        &[
            "baseColorTexture",
            "metallicRoughnessTexture",
            "normalTexture",
        ],
    );
    // A fixed quality: colour ETC1S (BasisLZ); data and normals UASTC (Zstandard).
    let fixed = Delivery {
        texture_quality: TextureQuality::Fixed(80),
        ..delivery(TextureFormat::Ktx2, 4)
    };
    let (out, warnings) = delivered(&asset, &fixed);
    assert!(warnings.is_empty(), "{warnings:?}");
    let (zstd, basis_lz) = (
        SupercompressionScheme::Zstandard,
        SupercompressionScheme::BasisLZ,
    );
    // Auto, with a bound anything meets: the cheapest of each class, ETC1S for data too.
    let lax = Delivery {
        max_texture_error: 1.0,
        max_normal_error: 90.0,
        ..delivery(TextureFormat::Ktx2, 4)
    };
    let (auto, _) = delivered(&asset, &lax);
    let images = out.images.iter().zip([basis_lz, zstd, zstd]);
    let auto_images = auto.images.iter().zip([basis_lz, basis_lz, zstd]);
    // 4, 2 and 1 px levels.
    for (img, scheme) in images.chain(auto_images) {
        assert_eq!(img.mime_type, "image/ktx2");
        let h = Reader::new(&img.data[..])
            .expect("the ktx2 crate reads it")
            .header();
        assert_eq!((h.pixel_width, h.pixel_height, h.level_count), (4, 4, 3));
        assert_eq!(h.supercompression_scheme, Some(scheme));
    }
    // Each texture points at its image through the extension, which is then required.
    for (i, t) in out.textures.iter().enumerate() {
        assert_eq!(t.source, None);
        assert_eq!(t.ext.extensions["KHR_texture_basisu"], json!({"source": i}));
    }
    assert!(out.extensions_required.contains("KHR_texture_basisu"));
}

#[test]
fn lossy_formats_replace_only_images_they_make_smaller() {
    // Regression (6ab8709): an image whose re-encoding is not smaller keeps its bytes.
    let smooth = |x: u32, y: u32| [(x * 4) as u8, (y * 4) as u8, 128, 255];
    let alpha = |x: u32, y: u32| [(x * 4) as u8, 0, 0, (y * 4) as u8];
    let images = vec![
        png(64, 64, busy),
        png(64, 64, smooth),
        png(1, 1, busy),
        png(64, 64, alpha),
    ];
    let asset = textured(
        images,
        &[
            "baseColorTexture",
            "emissiveTexture",
            "occlusionTexture",
            "normalTexture",
        ],
    );
    for (format, mime) in [
        (TextureFormat::Webp, "image/webp"),
        (TextureFormat::Jpeg, "image/jpeg"),
        (TextureFormat::Png, "image/png"),
    ] {
        let (out, warnings) = delivered(&asset, &delivery(format, 2048));
        assert!(warnings.is_empty(), "{format:?}: {warnings:?}");
        for (i, (before, after)) in asset.images.iter().zip(&out.images).enumerate() {
            let kept = Arc::ptr_eq(&before.data, &after.data);
            assert!(
                kept || after.data.len() < before.data.len(),
                "{format:?} image {i}: {} bytes, {} before",
                after.data.len(),
                before.data.len()
            );
            assert_eq!(size(after), size(before));
            // Normal maps and images with alpha are never JPEG.
            if format == TextureFormat::Jpeg && i == 3 {
                assert_ne!(after.mime_type, "image/jpeg");
            }
        }
        let changed = out.images.iter().filter(|i| i.mime_type == mime).count();
        let sizes: Vec<_> = out
            .images
            .iter()
            .map(|i| (&i.mime_type, i.data.len()))
            .collect();
        assert!(
            changed > 0 || format == TextureFormat::Png,
            "{format:?}: {sizes:?}"
        );
    }
}

#[test]
fn images_that_cannot_be_read_are_kept_with_a_warning() {
    let mut truncated = png(8, 8, busy);
    // The header survives, the end of the pixels and the end marker do not.
    truncated.data = truncated.data[..truncated.data.len() - 20].into();
    let garbage = image("image/png", b"not a png at all".to_vec());
    let asset = textured(
        vec![garbage, truncated],
        &["baseColorTexture", "normalTexture"],
    );
    let (out, warnings) = delivered(&asset, &delivery(TextureFormat::Webp, 4));
    let messages: Vec<_> = warnings
        .iter()
        .map(|w| (w.code.as_str(), &w.message))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        warnings.iter().all(|w| w.code == "TEXTURE_KEPT"),
        "{messages:?}"
    );
    assert!(
        messages[0].1.starts_with("image 0: has no readable size"),
        "{messages:?}"
    );
    assert!(
        messages[1].1.starts_with("image 1: does not decode"),
        "{messages:?}"
    );
    for (before, after) in asset.images.iter().zip(&out.images) {
        assert!(Arc::ptr_eq(&before.data, &after.data));
    }
    assert_eq!(out.textures, asset.textures);
}

#[test]
fn unsampled_and_unknown_images_pass_through_silently() {
    let avif = image("image/avif", b"opaque to us".to_vec());
    let mut asset = textured(vec![avif], &["baseColorTexture"]);
    // Image 1 is in the file but no material samples it.
    asset.images.push(png(8, 8, busy));
    let (out, warnings) = delivered(&asset, &delivery(TextureFormat::Ktx2, 4));
    assert!(warnings.is_empty(), "{warnings:?}");
    for (before, after) in asset.images.iter().zip(&out.images) {
        assert!(Arc::ptr_eq(&before.data, &after.data));
    }
}

#[test]
fn a_texture_offering_ktx2_and_png_delivers_one_image() {
    // Regression (57c6dc8): converting textures left KTX2 images as KTX2, and a PNG fallback
    // beside a KTX2 shipped twice.
    let mut asset = textured(
        vec![ktx2_image(4, 4), png(4, 4, busy)],
        &["baseColorTexture"],
    );
    asset.textures[0] = from_json(json!({
        "source": 1, "extensions": {"KHR_texture_basisu": {"source": 0}}
    }));
    let (out, _) = delivered(&asset, &delivery(TextureFormat::Png, 2048));
    assert_eq!(out.images.len(), 1);
    assert_eq!(out.images[0].mime_type, "image/png");
    assert_eq!(out.textures[0].source, Some(0));
    assert!(out.textures[0].ext.extensions.is_empty());
    assert!(out.extensions_required.is_empty());
    // Asked for KTX2, the KTX2 is the one kept, as it came.
    let (out, _) = delivered(&asset, &delivery(TextureFormat::Ktx2, 2048));
    assert_eq!(out.images.len(), 1);
    assert!(Arc::ptr_eq(&out.images[0].data, &asset.images[0].data));
    assert_eq!(out.textures[0].source, None);
    assert_eq!(
        out.textures[0].ext.extensions["KHR_texture_basisu"],
        json!({"source": 0})
    );
    assert!(out.extensions_required.contains("KHR_texture_basisu"));
}

#[test]
fn core_formats_only_transcodes_ktx2_and_keeps_core_images() {
    let asset = textured(
        vec![ktx2_image(4, 4), png(4, 4, busy)],
        &["baseColorTexture", "metallicRoughnessTexture"],
    );
    let d = Delivery {
        core_formats_only: true,
        ..Delivery::default()
    };
    let (out, warnings) = delivered(&asset, &d);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(["image/png", "image/jpeg"].contains(&out.images[0].mime_type.as_str()));
    assert_eq!(size(&out.images[0]), (4, 4));
    assert_eq!(out.textures[0].source, Some(0));
    assert!(Arc::ptr_eq(&out.images[1].data, &asset.images[1].data));
    assert!(out.extensions_required.is_empty());
}

#[test]
fn every_level_shares_the_encoded_bytes() {
    // Regression (d03217d): apply copied every encoded image into each level's asset.
    let asset = textured(vec![png(8, 8, busy)], &["baseColorTexture"]);
    let (encoded, _) = encode(&asset, &delivery(TextureFormat::Keep, 4));
    let (mut a, mut b) = (asset.clone(), asset.clone());
    apply(&mut a, &encoded);
    apply(&mut b, &encoded);
    assert!(!Arc::ptr_eq(&a.images[0].data, &asset.images[0].data));
    assert!(Arc::ptr_eq(&a.images[0].data, &b.images[0].data));
}

/// A smooth gradient, opaque: what ETC1S shows blocky and halving barely changes.
fn smooth(x: u32, y: u32) -> [u8; 4] {
    [(x / 2) as u8, (y / 2) as u8, 128, 255]
}

#[test]
fn probes_predict_the_full_encodings_bytes() {
    let asset = textured(vec![png(512, 512, busy)], &["baseColorTexture"]);
    let timings = crate::report::Timings::default();
    let planner = Planner::new(&asset, &delivery(TextureFormat::Ktx2, 2048), true, &timings);
    // Room for everything: the unconstrained plan, with its bytes predicted.
    let plan = planner.within(u64::MAX);
    assert_eq!(plan.picks, planner.auto().picks);
    let (encoded, _) = planner.encode(&plan);
    let actual = planner.planned_bytes(&encoded);
    let ratio = plan.predicted as f64 / actual as f64;
    assert!(
        (0.7..1.4).contains(&ratio),
        "{} vs {actual}",
        plan.predicted
    );
}

#[test]
fn a_byte_budget_trades_resolution_and_quality_by_predicted_error_per_byte() {
    let asset = textured(
        vec![png(512, 512, busy), png(512, 512, smooth)],
        &["baseColorTexture", "emissiveTexture"],
    );
    let timings = crate::report::Timings::default();
    let planner = Planner::new(&asset, &delivery(TextureFormat::Ktx2, 2048), true, &timings);
    let auto = planner.within(u64::MAX);
    assert_eq!(planner.within(auto.predicted), auto, "what fits stands");
    let tight = planner.within(auto.predicted / 3);
    assert!(
        tight.predicted <= auto.predicted / 3,
        "{tight:?} vs {auto:?}"
    );
    let picks: Vec<Pick> = tight.picks.iter().map(|p| p.expect("planned")).collect();
    assert!(
        picks.iter().all(|p| !p.climb),
        "budget picks are delivered as picked"
    );
    // The smooth gradient loses least when halved: it gives way first.
    assert!(picks[1].side < 512, "{picks:?}");
    let (encoded, warnings) = planner.encode(&tight);
    let sides: Vec<Option<u32>> = encoded.entries().iter().map(|e| e.width).collect();
    assert_eq!(
        sides,
        picks
            .iter()
            .map(|p| Some(p.side.min(512)))
            .collect::<Vec<_>>()
    );
    let actual = planner.planned_bytes(&encoded);
    assert!(actual < planner.planned_bytes(&planner.encode(&auto).0));
    // An image the budget took over its bound is named, and the budget with it.
    for w in warnings.iter().filter(|w| w.code == "TEXTURE_OVER_BOUND") {
        assert!(w.message.contains("byte budget"), "{w:?}");
    }
    // A fixed quality has one step: only its size gives way.
    let fixed = Delivery {
        texture_quality: TextureQuality::Fixed(80),
        ..delivery(TextureFormat::Ktx2, 2048)
    };
    let planner = Planner::new(&asset, &fixed, true, &timings);
    let tight = planner.within(planner.within(u64::MAX).predicted / 3);
    assert!(
        tight.picks.iter().flatten().all(|p| p.step == 0),
        "{tight:?}"
    );
}

#[test]
fn a_byte_budget_resizes_images_that_would_ship_as_uploaded() {
    let asset = textured(vec![png(512, 512, busy)], &["baseColorTexture"]);
    let keep = delivery(TextureFormat::Keep, 2048);
    let timings = crate::report::Timings::default();
    // Without a byte budget nothing is planned for it: it ships as uploaded, undecoded.
    let free = Planner::new(&asset, &keep, false, &timings);
    assert_eq!(free.auto().picks, [None]);
    let planner = Planner::new(&asset, &keep, true, &timings);
    // Room for everything: as uploaded, its bytes exactly.
    let auto = planner.within(u64::MAX);
    assert_eq!(auto.predicted, asset.images[0].data.len() as u64);
    assert_eq!(planner.encode(&auto).0.entries()[0].encoding, "unchanged");
    let tight = planner.within(auto.predicted / 2);
    let (encoded, _) = planner.encode(&tight);
    let e = &encoded.entries()[0];
    assert!(
        e.width.unwrap() < 512 && e.mime_type == "image/png",
        "{e:#?}"
    );
    assert!(e.bytes < auto.predicted, "{e:#?}");
}

#[test]
fn steps_probes_rule_out_are_recorded_and_never_encoded_in_full() {
    let asset = textured(vec![png(512, 512, busy)], &["baseColorTexture"]);
    // A bound nothing meets: every probe is over it, and the full encoding starts at the
    // step predicted best.
    let strict = Delivery {
        max_texture_error: 1e-6,
        ..delivery(TextureFormat::Ktx2, 2048)
    };
    let timings = crate::report::Timings::default();
    let planner = Planner::new(&asset, &strict, false, &timings);
    let pick = planner.auto().picks[0].expect("planned");
    assert!(pick.step > 0 && pick.climb, "{pick:?}");
    let (encoded, warnings) = planner.encode(&planner.auto());
    let e = &encoded.entries()[0];
    let probed = e.tried.iter().take_while(|t| t.probed).count();
    assert_eq!(probed, pick.step, "{e:#?}");
    assert!(e.tried[probed..].iter().all(|t| !t.probed), "{e:#?}");
    assert_eq!(
        e.tried.last().map(|t| t.encoding.as_str()),
        Some(e.encoding.as_str())
    );
    // The warning counts the encodings made in full, not the probes.
    let full = e.tried.len() - probed;
    let w = warnings
        .iter()
        .find(|w| w.code == "TEXTURE_OVER_BOUND")
        .expect("over");
    assert!(
        w.message.contains(&format!("the last of {full} encodings")),
        "{w:?}"
    );
}

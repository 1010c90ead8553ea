//! Quantized and meshopt-compressed outputs: they re-read (through our meshopt decoder) to the
//! same geometry as lossless outputs, within the quantization grid; they declare the right
//! extensions; each step makes the files smaller; and the Khronos validator accepts them.
//! Compressed inputs (gltfpack's meshopt, Draco) read back to the geometry they encode.

use crate::support::builder::Builder;
use crate::support::{check, features, scenes, tools};
use glam::Vec3;
use render_worker::asset::{Asset, Placement, Semantic};
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The delivery variants under test, lossless first.
const VARIANTS: &[(&str, &[&str])] = &[
    ("float", &["--no-quantize"]),
    ("quantized", &[]),
    ("meshopt", &["--compress", "meshopt"]),
    ("khr", &["--compress", "khr-meshopt"]),
    (
        "fallback",
        &["--compress", "meshopt", "--compress-fallback"],
    ),
];

/// World-space vertex positions of every drawn primitive (skinned ones through their joints),
/// plus, for morphed rigid meshes, the positions with the first target fully applied.
fn world_points(a: &Asset) -> Vec<Vec3> {
    let mut out = vec![];
    for drawn in a.drawn_in_scene() {
        for p in &a.meshes[drawn.mesh].primitives {
            out.extend(drawn.world_positions(p).concat());
            let (Placement::Rigid(instances), Some(t)) = (&drawn.placement, p.targets.first())
            else {
                continue;
            };
            let d = t.iter().find(|a| a.semantic == Semantic::Position).unwrap();
            for m in instances {
                out.extend(p.positions().iter().enumerate().map(|(i, v)| {
                    m.transform_point3(Vec3::from(*v) + Vec3::from_slice(d.data.get(i)))
                }));
            }
        }
    }
    out
}

/// Texture-space UVs (base colour transform applied) of every primitive with a base colour map.
fn texture_uvs(a: &Asset) -> Vec<Vec3> {
    let mut out = vec![];
    for (_, _, p) in a.primitives() {
        let info = p
            .material
            .and_then(|m| a.materials[m].pbr_metallic_roughness.as_ref())
            .and_then(|pbr| pbr.base_color_texture.as_ref());
        let (Some(info), Some(uv)) = (info, p.attribute(&Semantic::TexCoord(0))) else {
            continue;
        };
        let [r0, r1] = info.uv_transform();
        for v in uv.values.chunks_exact(2) {
            let (u, w) = (v[0], v[1]);
            out.push(Vec3::new(
                r0[0] * u + r0[1] * w + r0[2],
                r1[0] * u + r1[1] * w + r1[2],
                0.0,
            ));
        }
    }
    out
}

/// Largest distance from a point of `a` to its nearest point in `b` (a grid of `cell`-sized
/// buckets keeps it linear).
fn directed_hausdorff(a: &[Vec3], b: &[Vec3], cell: f32) -> f32 {
    let key = |p: Vec3| (p / cell).floor().as_ivec3();
    let mut grid: HashMap<glam::IVec3, Vec<Vec3>> = HashMap::new();
    for &p in b {
        grid.entry(key(p)).or_default().push(p);
    }
    a.iter()
        .map(|&p| {
            let k = key(p);
            let mut best = f32::INFINITY;
            for dx in -1..=1 {
                for dy in -1..=1 {
                    for dz in -1..=1 {
                        for q in grid
                            .get(&(k + glam::IVec3::new(dx, dy, dz)))
                            .into_iter()
                            .flatten()
                        {
                            best = best.min(p.distance(*q));
                        }
                    }
                }
            }
            best
        })
        .fold(0.0, f32::max)
}

fn assert_same_points(what: &str, a: &[Vec3], b: &[Vec3], tolerance: f32) {
    assert!(!a.is_empty(), "{what}: nothing to compare");
    let d = directed_hausdorff(a, b, tolerance).max(directed_hausdorff(b, a, tolerance));
    assert!(d <= tolerance, "{what}: {d} apart (tolerance {tolerance})");
}

/// Processes `input` (LOD 0 only) in every variant; returns the LOD file of each.
fn outputs(input: &Path, out: &Path) -> Vec<PathBuf> {
    VARIANTS
        .iter()
        .map(|(name, flags)| {
            let mut args = vec!["--lod", "1"];
            args.extend_from_slice(flags);
            let (_, dir) = check::process(input, &out.join(name), &args);
            dir.join("lod0.glb")
        })
        .collect()
}

#[test]
fn quantized_and_compressed_outputs_decode_to_the_same_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let mut fixtures = vec![
        ("sphere", scenes::sphere(24, 48)),
        ("tube", scenes::skinned_tube()),
        ("morph", scenes::morph_plane()),
        ("sink", scenes::kitchen_sink()),
        ("vase", scenes::vase()),
        ("tiled", scenes::tiled_spheres()),
    ];
    fixtures.extend(features::all());
    let mut to_validate = vec![];
    for (name, b) in &fixtures {
        let input = dir.path().join(format!("{name}.glb"));
        std::fs::write(&input, b.glb()).unwrap();
        let files = outputs(&input, &dir.path().join(name));
        let assets: Vec<Asset> = files.iter().map(|f| check::assert_lod_ok(f)).collect();
        // Binary chunk sizes: on tiny fixtures the JSON of the dequantization nodes can outweigh
        // what quantization saves, so the JSON is left out.
        let size = |i: usize| {
            let bytes = std::fs::read(&files[i]).unwrap();
            bytes.len() - u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize
        };
        // Fixtures of a few hundred bytes (the sink, the feature quads) have views too small
        // for the codec to gain on, and dequantization nodes that outweigh the savings.
        let tiny = size(0) < 2048;
        let float = &assets[0];
        let diagonal = float.bounds().unwrap().diagonal();
        let reference = world_points(float);
        let reference_uvs = texture_uvs(float);
        for ((variant, _), (asset, file)) in VARIANTS.iter().zip(assets.iter().zip(&files)).skip(1)
        {
            let what = format!("{name} {variant}");
            // 14-bit positions: within 1e-4 of the model's size (the grid step is 6e-5).
            assert_same_points(&what, &world_points(asset), &reference, 1e-4 * diagonal);
            if !reference_uvs.is_empty() {
                // 12-bit UVs (over the UV range when it exceeds [0, 1]).
                assert_same_points(
                    &format!("{what} UVs"),
                    &texture_uvs(asset),
                    &reference_uvs,
                    2e-3,
                );
            }
            let doc = check::glb_json(file);
            if *name == "tiled" {
                // Regression guard: the range must travel in the transform, not be dropped.
                let t = &doc["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"];
                let scale = t["extensions"]["KHR_texture_transform"]["scale"][0].as_f64();
                assert!(scale.unwrap() > 1.5, "{what}: {t}");
            }
            let required = check::string_list(&doc, "extensionsRequired");
            assert!(
                required.contains(&"KHR_mesh_quantization".to_string()),
                "{what}: {required:?}"
            );
            let used = check::string_list(&doc, "extensionsUsed");
            let chosen = match *variant {
                "meshopt" | "fallback" => Some("EXT_meshopt_compression"),
                "khr" => Some("KHR_meshopt_compression"),
                _ => None,
            };
            for n in ["EXT_meshopt_compression", "KHR_meshopt_compression"] {
                let is_used = used.iter().any(|u| u == n);
                if !tiny {
                    assert_eq!(is_used, chosen == Some(n), "{what}: {used:?}");
                }
                assert!(!is_used || chosen == Some(n), "{what}: {used:?}");
                let is_required = required.iter().any(|u| u == n);
                assert_eq!(is_required, is_used && *variant != "fallback", "{what}");
            }
        }
        let smaller = |a: usize, b: usize| size(a) < size(b) || (tiny && size(a) == size(b));
        assert!(smaller(1, 0), "{name}: quantized not smaller");
        assert!(smaller(2, 1), "{name}: meshopt not smaller than quantized");
        assert!(smaller(2, 4), "{name}: the fallback copy is missing");
        to_validate.extend(files);
    }
    let reports = tools::validate(&to_validate);
    for r in &reports {
        assert_eq!(r.errors, 0, "{}: {:?} {:?}", r.file, r.codes, r.messages);
    }
}

#[test]
fn gltfpack_compressed_files_are_read() {
    // gltfpack -cc writes every filter (octahedral normals, quaternion rotations, exponential
    // animation keys) and the fallback buffer without data: reading its output must give the
    // same scene as reading gltfpack's uncompressed output.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tube.glb");
    std::fs::write(&input, scenes::skinned_tube().glb()).unwrap();
    let pack = |flags: &[&str], name: &str| {
        let out = dir.path().join(name);
        tools::gltfpack(&input, &out, flags);
        check::assert_lod_ok(&out)
    };
    let plain = pack(&[], "plain.glb");
    let packed = pack(&["-cc"], "packed.glb");
    let diagonal = plain.bounds().unwrap().diagonal();
    assert_same_points(
        "gltfpack -cc",
        &world_points(&packed),
        &world_points(&plain),
        1e-5 * diagonal,
    );
    let keys = |a: &Asset| -> Vec<f32> {
        a.animations
            .iter()
            .flat_map(|x| &x.samplers)
            .flat_map(|s| s.output.values.clone())
            .collect()
    };
    let (k0, k1) = (keys(&plain), keys(&packed));
    assert_eq!(k0.len(), k1.len());
    let worst = k0
        .iter()
        .zip(&k1)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-3, "animation keys differ by {worst}");
}

/// The sphere fixture with its geometry in a required `KHR_draco_mesh_compression` stream (no
/// fallback buffer views), encoded by draco-core's encoder at its default settings.
fn draco_sphere() -> Builder {
    use draco_core::{
        DataType, EncoderBuffer, EncoderOptions, GeometryAttributeType, MeshEncoder, PointAttribute,
    };
    let (p, n, uv, idx) = scenes::sphere_geometry(12, 24, 1.0);
    let mut mesh = draco_core::Mesh::new();
    let mut ids = vec![];
    for (kind, values, dims) in [
        (GeometryAttributeType::Position, &p, 3),
        (GeometryAttributeType::Normal, &n, 3),
        (GeometryAttributeType::TexCoord, &uv, 2),
    ] {
        let mut a = PointAttribute::new();
        a.init(
            kind,
            dims as u8,
            DataType::Float32,
            false,
            values.len() / dims,
        );
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        a.buffer_mut().write(0, &bytes);
        ids.push(mesh.add_attribute(a));
    }
    mesh.set_num_faces(idx.len() / 3);
    mesh.set_faces_from_flat_indices(&idx);
    let mut encoder = MeshEncoder::new();
    encoder.set_mesh(mesh);
    let mut out = EncoderBuffer::new();
    encoder.encode(&EncoderOptions::new(), &mut out).unwrap();
    let mut b = Builder::new();
    let stream = b.view(out.data(), None);
    // The encoder drops points no face uses: the accessors declare what the stream decodes to.
    let mut decoded = draco_core::Mesh::new();
    draco_core::MeshDecoder::new()
        .decode(
            &mut draco_core::DecoderBuffer::new(out.data()),
            &mut decoded,
        )
        .unwrap();
    let count = decoded.num_points();
    let accessor = |b: &mut Builder, kind: &str| {
        b.push(
            "accessors",
            json!({"componentType": 5126, "count": count, "type": kind}),
        )
    };
    let pos = b.push(
        "accessors",
        json!({"componentType": 5126, "count": count, "type": "VEC3",
               "min": [-1.0, -1.0, -1.0], "max": [1.0, 1.0, 1.0]}),
    );
    let (nrm, tex) = (accessor(&mut b, "VEC3"), accessor(&mut b, "VEC2"));
    let ind = b.push(
        "accessors",
        json!({"componentType": 5125, "count": idx.len(), "type": "SCALAR"}),
    );
    let mesh = b.push(
        "meshes",
        json!({"primitives": [{"attributes": {"POSITION": pos, "NORMAL": nrm, "TEXCOORD_0": tex},
            "indices": ind, "extensions": {"KHR_draco_mesh_compression": {"bufferView": stream,
            "attributes": {"POSITION": ids[0], "NORMAL": ids[1], "TEXCOORD_0": ids[2]}}}}]}),
    );
    b.root_node(json!({"mesh": mesh}));
    b.uses("KHR_draco_mesh_compression", true);
    b
}

#[test]
fn draco_inputs_decode_and_process() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("draco.glb");
    std::fs::write(&input, draco_sphere().glb()).unwrap();
    let plain_path = dir.path().join("plain.glb");
    std::fs::write(&plain_path, scenes::sphere(12, 24).glb()).unwrap();
    let (draco, plain) = (check::read(&input).asset, check::read(&plain_path).asset);
    assert_eq!(draco.counts().triangles, plain.counts().triangles);
    // Draco quantizes positions (11 bits by default over the sphere's 2-unit extent).
    assert_same_points("draco", &world_points(&draco), &world_points(&plain), 2e-3);
    let p = &draco.meshes[0].primitives[0];
    assert!(
        p.ext.extensions.is_empty(),
        "the Draco extension is decoded, not kept"
    );
    assert!(p.attribute(&Semantic::TexCoord(0)).is_some());
    let (m, out) = check::process(&input, &dir.path().join("out"), &[]);
    let lods: Vec<PathBuf> = m.lods.iter().map(|l| out.join(&l.file)).collect();
    for l in &lods {
        let doc = check::glb_json(l);
        assert!(
            !check::string_list(&doc, "extensionsUsed")
                .iter()
                .any(|e| e.contains("draco"))
        );
        check::assert_lod_ok(l);
    }
    for r in tools::validate(&lods) {
        assert_eq!(r.errors, 0, "{}: {:?}", r.file, r.messages);
    }
    // A corrupt stream is refused with where it is.
    let mut bytes = draco_sphere().glb();
    let at = bytes.windows(5).position(|w| w == b"DRACO").unwrap();
    bytes[at + 10..at + 40].fill(0xA5);
    std::fs::write(&input, bytes).unwrap();
    let o = tools::run(&["inspect", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/meshes/0/primitives/0/extensions/KHR_draco_mesh_compression"),
        "{err}"
    );
}

/// A sphere that bobs (translation keys at 120 Hz), spins (rotation keys at 120 Hz), has a
/// scale track restating its rest scale, and a second node held by a one-value track.
fn animated_sphere() -> Builder {
    let mut b = scenes::sphere(6, 12);
    let held = b.push("nodes", json!({"name": "Held"}));
    let times: Vec<f32> = (0..=240).map(|k| k as f32 / 120.0).collect();
    let bob: Vec<f32> = times
        .iter()
        .flat_map(|t| [0.0, (t * 3.0).sin(), 0.0])
        .collect();
    let spin: Vec<f32> = times
        .iter()
        .flat_map(|t| {
            let (s, c) = (t * 1.5).sin_cos();
            [0.0, s, 0.0, c]
        })
        .collect();
    let input = b.floats(&times, "SCALAR", true);
    let (bob, spin) = (
        b.floats(&bob, "VEC3", false),
        b.floats(&spin, "VEC4", false),
    );
    let rest = b.floats(&[1.0f32, 1.0, 1.0].repeat(times.len()), "VEC3", false);
    let hold = b.floats(&[2.0f32, 0.0, 0.0].repeat(times.len()), "VEC3", false);
    b.push(
        "animations",
        json!({"name": "Idle", "samplers": [
            {"input": input, "output": bob}, {"input": input, "output": spin},
            {"input": input, "output": rest}, {"input": input, "output": hold}],
          "channels": [
            {"sampler": 0, "target": {"node": 0, "path": "translation"}},
            {"sampler": 1, "target": {"node": 0, "path": "rotation"}},
            {"sampler": 2, "target": {"node": 0, "path": "scale"}},
            {"sampler": 3, "target": {"node": held, "path": "translation"}}]}),
    );
    b
}

#[test]
fn animations_are_resampled_pruned_and_quantized() {
    use render_worker::pipeline::animation::sample;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("anim.glb");
    std::fs::write(&input, animated_sphere().glb()).unwrap();
    let source = check::read(&input).asset;
    let track = |a: &Asset, node: &str, path: &str| {
        let n = a
            .nodes
            .iter()
            .position(|n| n.name.as_deref() == Some(node))
            .unwrap();
        let anim = &a.animations[0];
        let c = anim
            .channels
            .iter()
            .find(|c| c.target.node == Some(n) && c.target.path == path);
        c.map(|c| anim.samplers[c.sampler].clone())
    };
    let mut files = vec![];
    for (variant, flags) in [
        ("plain", &[][..]),
        ("meshopt", &["--compress", "meshopt"][..]),
    ] {
        let mut args = vec!["--lod", "1"];
        args.extend_from_slice(flags);
        let (_, out) = check::process(&input, &dir.path().join(variant), &args);
        let file = out.join("lod0.glb");
        let a = check::assert_lod_ok(&file);
        // 240 intervals at 120 Hz become 60 at 30 Hz.
        let bob = track(&a, "Sphere", "translation").unwrap();
        let spin = track(&a, "Sphere", "rotation").unwrap();
        assert_eq!((bob.input.len(), spin.input.len()), (61, 61), "{variant}");
        assert_eq!(
            spin.output.format.component,
            render_worker::asset::Component::I16
        );
        assert!(
            track(&a, "Sphere", "scale").is_none(),
            "{variant}: rest track kept"
        );
        let held = track(&a, "Held", "translation").unwrap();
        assert_eq!(
            (held.input.len(), held.output.values.clone()),
            (1, vec![2.0, 0.0, 0.0])
        );
        let (bob0, spin0) = (
            track(&source, "Sphere", "translation").unwrap(),
            track(&source, "Sphere", "rotation").unwrap(),
        );
        for k in 0..100 {
            let t = k as f32 * 0.0199;
            let (p, p0) = (sample(&bob, t, false), sample(&bob0, t, false));
            assert!((p[1] - p0[1]).abs() < 5e-3, "{variant} t={t}: {p:?} {p0:?}");
            let q = glam::Quat::from_slice(&sample(&spin, t, true));
            let q0 = glam::Quat::from_slice(&sample(&spin0, t, true));
            assert!(q.angle_between(q0) < 5e-3, "{variant} t={t}: {q} {q0}");
        }
        if variant == "meshopt" {
            let doc = check::glb_json(&file);
            let filters: Vec<&str> = doc["bufferViews"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|v| v["extensions"]["EXT_meshopt_compression"]["filter"].as_str())
                .collect();
            for f in ["QUATERNION", "EXPONENTIAL", "OCTAHEDRAL"] {
                assert!(filters.contains(&f), "{f} missing: {filters:?}");
            }
        }
        files.push(file);
    }
    for r in tools::validate(&files) {
        assert_eq!(r.errors, 0, "{}: {:?}", r.file, r.messages);
    }
}

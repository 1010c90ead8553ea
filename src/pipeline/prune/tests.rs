//! Unit tests of pruning: streams, nodes and objects on small in-process assets.

use super::*;
use crate::asset::{
    Animation, Channel, ChannelTarget, Image, Material, Node, Skin, Texture, VariantMapping,
};
use crate::pipeline::test_meshes::{attribute, from_json, grid, image, scene_of};
use serde_json::json;

fn named_image(name: &str) -> Image {
    Image {
        name: Some(name.into()),
        ..image("image/png", vec![])
    }
}

fn keep_named(keep_named: bool) -> Settings {
    Settings {
        keep_named,
        ..Settings::default()
    }
}

/// A skin of one joint.
fn skin(joint: usize) -> Skin {
    Skin {
        joints: vec![joint],
        ..Skin::default()
    }
}

fn semantics(p: &Primitive) -> Vec<String> {
    p.attributes
        .iter()
        .map(|a| a.semantic.to_string())
        .collect()
}

/// A material by name sampling `texture` in `slot` ("baseColor" or "normal") from `uv`.
fn material(name: &str, slot: &str, texture: usize, uv: u32) -> Material {
    let info = json!({"index": texture, "texCoord": uv});
    from_json(match slot {
        "normal" => json!({"name": name, "normalTexture": info}),
        _ => json!({"name": name, "pbrMetallicRoughness": {"baseColorTexture": info}}),
    })
}

/// Every object kind twice or more, some used and some not, the used ones not first so that
/// their indices must move.
fn cluttered() -> Asset {
    let mut prim = grid(1);
    prim.material = Some(1);
    prim.variants = vec![VariantMapping {
        material: 2,
        variants: vec![0],
        name: None,
        ext: Default::default(),
    }];
    let mut a = scene_of(vec![prim, grid(2)]);
    a.scenes[0].nodes = vec![0];
    a.nodes.truncate(1);
    a.materials = vec![
        from_json(json!({"name": "unused"})),
        material("drawn", "baseColor", 1, 0),
        from_json(json!({"name": "variant only"})),
    ];
    a.textures = vec![
        from_json(json!({"name": "unused", "source": 0, "sampler": 0})),
        from_json(json!({"name": "drawn", "source": 2, "sampler": 1})),
    ];
    a.images = vec![
        named_image("of the unused texture"),
        named_image("of no texture"),
        named_image("drawn"),
    ];
    a.samplers = vec![
        from_json(json!({"name": "unused"})),
        from_json(json!({"name": "drawn"})),
    ];
    a.cameras = vec![from_json(
        json!({"type": "perspective", "perspective": {"yfov": 1.0, "znear": 0.1}}),
    )];
    a.skins = vec![skin(0)];
    a
}

#[test]
fn unreferenced_objects_go_and_the_rest_are_renumbered() {
    let mut a = cluttered();
    let report = run(&mut a, &keep_named(true));
    assert_eq!(report.stage, "prune");
    // One mesh, camera, skin, material, texture and sampler; two images.
    assert_eq!(report.count("objects"), 8, "{report:?}");
    assert_eq!(report.count("nodes"), 0);
    let name = |n: &Option<String>| n.clone().unwrap_or_default();
    let names: Vec<_> = a.materials.iter().map(|m| name(&m.name)).collect();
    assert_eq!(names, ["drawn", "variant only"]);
    let p = &a.meshes[0].primitives[0];
    assert_eq!(p.material, Some(0));
    assert_eq!(p.variants[0].material, 1);
    assert_eq!((a.meshes.len(), a.nodes[0].mesh), (1, Some(0)));
    assert!(a.cameras.is_empty() && a.skins.is_empty());
    // The chain material -> texture -> image and sampler still reaches the same objects.
    let mut textures = vec![];
    a.materials[0].for_each_texture(|t, _| textures.push(t));
    assert_eq!(textures, [0]);
    assert_eq!(a.textures.len(), 1);
    let t: &Texture = &a.textures[0];
    assert_eq!(name(&t.name), "drawn");
    assert_eq!((t.source, t.sampler), (Some(0), Some(0)));
    assert_eq!(a.images.len(), 1);
    assert_eq!(name(&a.images[0].name), "drawn");
    assert_eq!(a.samplers.len(), 1);
    assert_eq!(name(&a.samplers[0].name), "drawn");
    // Nothing is left to prune: a second run is a no-op.
    assert_eq!(run(&mut a, &keep_named(true)), StageReport::new("prune"));
}

/// A grid primitive with every optional stream: a second UV set, tangents, a skin, a white
/// and a grey colour set, and a morph target with position, zero normal and tangent deltas.
fn every_stream(material: Option<usize>) -> Primitive {
    let mut p = grid(1);
    let n = p.vertex_count();
    p.attributes.extend([
        attribute(Semantic::TexCoord(1), 2, vec![0.5; 2 * n]),
        attribute(Semantic::Tangent, 4, [1., 0., 0., 1.].repeat(n)),
        attribute(Semantic::Joints(0), 4, vec![0.; 4 * n]),
        attribute(Semantic::Weights(0), 4, [1., 0., 0., 0.].repeat(n)),
        attribute(Semantic::Color(0), 4, vec![1.; 4 * n]),
        attribute(Semantic::Color(1), 4, [0.5, 0.5, 0.5, 1.].repeat(n)),
    ]);
    p.targets = vec![vec![
        attribute(Semantic::Position, 3, vec![0.1; 3 * n]),
        attribute(Semantic::Normal, 3, vec![0.; 3 * n]),
        attribute(Semantic::Tangent, 3, vec![0.1; 3 * n]),
    ]];
    p.material = material;
    p
}

#[test]
fn streams_nothing_reads_go_and_read_ones_stay() {
    // Mesh 0: a base colour from UV 0, no normal map, drawn unskinned.
    // Mesh 1: a normal map from UV 1, drawn by a skinned node.
    // Mesh 2: no material.
    let mut a = scene_of(vec![
        every_stream(Some(0)),
        every_stream(Some(1)),
        every_stream(None),
    ]);
    a.materials = vec![
        material("colour", "baseColor", 0, 0),
        material("bumps", "normal", 0, 1),
    ];
    a.textures = vec![from_json(json!({"source": 0}))];
    a.images = vec![named_image("t")];
    a.skins = vec![skin(0)];
    a.nodes[1].skin = Some(0);
    let report = run(&mut a, &keep_named(true));
    let prims: Vec<&Primitive> = a.meshes.iter().map(|m| &m.primitives[0]).collect();
    assert_eq!(
        semantics(prims[0]),
        ["POSITION", "NORMAL", "TEXCOORD_0", "COLOR_1"]
    );
    // UV 1 is sampled, so UV 0 stays too: the sets that remain are still numbered from 0.
    assert_eq!(
        semantics(prims[1]),
        [
            "POSITION",
            "NORMAL",
            "TEXCOORD_0",
            "TEXCOORD_1",
            "TANGENT",
            "JOINTS_0",
            "WEIGHTS_0",
            "COLOR_1"
        ]
    );
    assert_eq!(semantics(prims[2]), ["POSITION", "NORMAL", "COLOR_1"]);
    // Zero normal deltas go everywhere; tangent deltas only where tangents went.
    let target = |p: &Primitive| {
        semantics(&Primitive {
            attributes: p.targets[0].clone(),
            ..Primitive::default()
        })
    };
    assert_eq!(target(prims[0]), ["POSITION"]);
    assert_eq!(target(prims[1]), ["POSITION", "TANGENT"]);
    // 5 + 1 + 6 base streams, 2 + 1 + 2 deltas.
    assert_eq!(report.count("vertex_streams"), 17, "{report:?}");
    assert_eq!(report.count("objects"), 0);
}

fn node(name: Option<&str>, children: Vec<usize>) -> Node {
    Node {
        name: name.map(Into::into),
        children,
        ..Node::default()
    }
}

/// Scene roots 0 and 3. 0 holds 1 (a mesh) and 2 (empty, its child 7 too); 3 is named and
/// empty; 4, 5 and 6 are outside the scene: 4 unused, 5 an animation target, 6 a skin joint.
/// 8 holds a light.
fn family() -> Asset {
    let mut a = scene_of(vec![grid(1)]);
    a.nodes = vec![
        node(None, vec![1, 2]),
        Node {
            mesh: Some(0),
            skin: Some(0),
            name: Some("body".into()),
            ..Node::default()
        },
        node(None, vec![7]),
        node(Some("handle"), vec![]),
        node(None, vec![]),
        node(None, vec![]),
        node(None, vec![]),
        node(None, vec![]),
        Node {
            ext: from_json(json!({"extensions": {"KHR_lights_punctual": {"light": 0}}})),
            ..Node::default()
        },
    ];
    a.scenes[0].nodes = vec![0, 3, 8];
    a.meshes[0].name = Some("body mesh".into());
    a.skins = vec![skin(6)];
    a.animations = vec![Animation {
        channels: vec![Channel {
            sampler: 0,
            target: ChannelTarget {
                node: Some(5),
                path: "translation".into(),
                ext: Default::default(),
            },
            ext: Default::default(),
        }],
        ..Animation::default()
    }];
    a
}

#[test]
fn empty_nodes_go_and_every_reference_to_a_kept_node_is_renumbered() {
    let mut a = family();
    let report = run(&mut a, &keep_named(true));
    // 2, 4 and 7 go; 0 stays as the parent of a mesh, 3 for its name, 8 for its light.
    assert_eq!(report.count("nodes"), 3, "{report:?}");
    let names: Vec<_> = a.nodes.iter().map(|n| n.name.as_deref()).collect();
    assert_eq!(
        names,
        [None, Some("body"), Some("handle"), None, None, None]
    );
    assert_eq!(a.nodes[0].children, [1]);
    assert_eq!(a.scenes[0].nodes, [0, 2, 5]);
    assert_eq!(a.animations[0].channels[0].target.node, Some(3));
    assert_eq!(a.skins[0].joints, [4]);
    assert_eq!(a.nodes[1].mesh, Some(0));
    assert_eq!(a.meshes[0].name.as_deref(), Some("body mesh"));
}

#[test]
fn without_keep_named_names_go_and_named_empty_nodes_with_them() {
    // Flattening (1c2d254) made --drop-names drop node and mesh names; pruning does it, so
    // a named empty node is then as empty as any other.
    let mut a = family();
    let report = run(&mut a, &keep_named(false));
    assert_eq!(report.count("nodes"), 4, "{report:?}");
    assert!(a.nodes.iter().all(|n| n.name.is_none()));
    assert!(a.meshes.iter().all(|m| m.name.is_none()));
    assert_eq!(a.scenes[0].nodes, [0, 4]);
    assert_eq!(a.animations[0].channels[0].target.node, Some(2));
    assert_eq!(a.skins[0].joints, [3]);
}

#[test]
fn retain_used_maps_old_indices_to_new() {
    let mut items = vec!['a', 'b', 'c', 'd'];
    let map = retain_used(&mut items, &[false, true, false, true]);
    assert_eq!(items, ['b', 'd']);
    assert_eq!(map, [None, Some(0), None, Some(1)]);
}

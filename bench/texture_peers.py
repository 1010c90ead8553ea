#!/usr/bin/env python3
"""Texture delivery against gltfpack with Basis Universal, same machine, same run.

    GLTFPACK=/path/to/gltfpack python3 bench/texture_peers.py [runs] [model.glb ...]

gltfpack must be a native build with Basis Universal (npm's is WebAssembly without it; build
one from meshoptimizer's CMake with MESHOPT_GLTFPACK_BASISU_PATH, outside this repository).
Per model (default: the textured corpus models), in alternating rounds:
  ours auto   `process --profile web --lod 1 --no-render` (texture-quality auto, the budget);
  ours fixed  the same with `--texture-quality 80` (one encoding per class, as before auto);
  gltfpack    `-cc -tc -tu normal -tu attrib -tj 2 -tl N`, the same classes (ETC1S colour,
              UASTC normal and data maps), at N = the largest side ours delivered, and at
              half that (ours may deliver some images at a half or a quarter of it).
Prints median wall seconds, total image bytes in the GLB and ratios against gltfpack; for
ours, the worst and mean texture error from the manifest. Then, texture by texture, ours
against gltfpack's at the same size: bytes and PSNR, both measured by
`examples/texture_error.rs` (build it with `cargo build --release --example texture_error`).
"""
import json, os, statistics, struct, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ours = os.path.join(root, "target/release/render-worker")
texture_error = os.path.join(root, "target/release/examples/texture_error")
gltfpack = os.environ.get("GLTFPACK")
if not gltfpack:
    sys.exit("set GLTFPACK to a native gltfpack built with Basis Universal")
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
corpus = os.path.join(root, "../shared/corpus")
default = ["DamagedHelmet", "CesiumMilkTruck", "SheenCloth", "TextureTransformTest", "Fox"]
models = sys.argv[2:] or [os.path.join(corpus, m + ".glb") for m in default]
env = dict(os.environ, XDG_RUNTIME_DIR=os.path.join(root, "target/xdg-runtime"))
os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)


def image_bytes(path):
    """Total bytes of the images a GLB embeds."""
    glb = open(path, "rb").read()
    jlen = struct.unpack_from("<I", glb, 12)[0]
    doc = json.loads(glb[20:20 + jlen])
    views = doc.get("bufferViews", [])
    return sum(views[i["bufferView"]]["byteLength"] for i in doc.get("images", []) if "bufferView" in i)


def per_texture(original, candidate):
    """Per (material, slot): what examples/texture_error measures of the candidate's image."""
    out = subprocess.run([texture_error, original, candidate], check=True, env=env,
                         capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    return {(r["material"], r["slot"]): r for r in rows}


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run_ours(model, out, extra):
    t = timed([ours, "process", model, "--profile", "web", "--lod", "1", "--no-render",
               "--out", out] + extra)
    name = os.path.splitext(os.path.basename(model))[0]
    folder = os.path.join(out, name)
    manifest = json.load(open(os.path.join(folder, "manifest.json")))
    return t, image_bytes(os.path.join(folder, "lod0.glb")), manifest


for model in models:
    name = os.path.splitext(os.path.basename(model))[0]
    work = tempfile.mkdtemp()
    times = {"auto": [], "fixed": [], "gltfpack": [], "gltfpack/2": []}
    sizes, manifests, files = {}, {}, {}
    for r in range(runs):
        for kind, extra in [("auto", []), ("fixed", ["--texture-quality", "80"])]:
            out = os.path.join(work, f"{kind}{r}")
            t, b, m = run_ours(model, out, extra)
            times[kind].append(t)
            sizes[kind], manifests[kind] = b, m
            files[kind] = os.path.join(out, name, "lod0.glb")
        side = max(max(e["width"] or 0, e["height"] or 0) for e in manifests["auto"]["textures"]) or 2048
        for kind, limit in [("gltfpack", side), ("gltfpack/2", side // 2)]:
            out = os.path.join(work, f"{kind.replace('/', '_')}{r}.glb")
            times[kind].append(timed([gltfpack, "-i", model, "-o", out, "-cc", "-tc", "-tu", "normal",
                                      "-tu", "attrib", "-tj", "2", "-tl", str(limit)]))
            sizes[kind] = image_bytes(out)
            files[kind] = out
    print(f"{name} ({runs} runs, gltfpack at -tl {side})")
    base_t, base_b = statistics.median(times["gltfpack"]), sizes["gltfpack"]
    for kind in ["auto", "fixed", "gltfpack", "gltfpack/2"]:
        t = statistics.median(times[kind])
        line = f"  {kind:10} {t:7.2f} s ({t / base_t:4.2f}x)  images {sizes[kind] / 1e6:6.3f} MB ({sizes[kind] / max(base_b, 1):4.2f}x)"
        if kind in manifests:
            entries = [e for e in manifests[kind]["textures"] if e.get("tried")]
            flips = [e["tried"][-1]["error"] for e in entries if e["class"] != "normal"]
            degrees = [e["tried"][-1]["error"] for e in entries if e["class"] == "normal"]
            over = sum(1 for e in entries if e.get("within_bound") is False)
            if flips:
                line += f"  FLIP worst {max(flips):.4f} mean {statistics.mean(flips):.4f}"
            if degrees:
                line += f", normals worst {max(degrees):.2f} deg"
            line += f", {over} over bound"
        print(line, flush=True)
    if not os.path.exists(texture_error):
        continue
    theirs = [per_texture(model, files[k]) for k in ["gltfpack", "gltfpack/2"]]
    for key, o in sorted(per_texture(model, files["auto"]).items()):
        peer = next((t[key] for t in theirs if key in t and t[key]["width"] == o["width"]), None)
        psnr = lambda r: r["psnr"] if r["psnr"] is not None else float("inf")
        line = f"    {key[1]:26} {o['width']:5} px  ours {o['bytes'] / 1e3:8.1f} kB {psnr(o):5.1f} dB"
        if peer:
            line += (f"  gltfpack {peer['bytes'] / 1e3:8.1f} kB {psnr(peer):5.1f} dB"
                     f"  ({o['bytes'] / max(peer['bytes'], 1):4.2f}x bytes, {psnr(o) - psnr(peer):+5.1f} dB)")
        print(line, flush=True)

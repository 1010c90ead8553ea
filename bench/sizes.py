#!/usr/bin/env python3
"""Delivery size and surface error against gltfpack -cc, per corpus model, same run.

    python3 bench/sizes.py [ratio] [runs] [corpus dir]

For each model: gltfpack `-cc -si <ratio>` (meshopt compression, its defaults), then
render-worker at exactly gltfpack's resulting triangle count (`--lod <T> --error 1 --compress
meshopt --no-render`), twice:

  ours     our defaults: named nodes, meshes and materials stay addressable (configurators);
  ours -dn `--drop-names`, which is gltfpack's default scene handling (static meshes of every
           node flattened and merged, names gone; gltfpack keeps named nodes only with -kn).

Models with point clouds whose triangles gltfpack's error limit left alone (its -si thins the
points anyway) are run at `--lod <ratio> --error 1e-6` instead, which likewise keeps every
triangle and thins the points to the ratio: same triangles, same points.

Prints bytes, triangles, symmetric mean surface deviation (examples/surface_error.rs, relative
to the bounding-box diagonal; two deviations both under 1e-7, f32 rounding, count as equal)
and median wall time (RUNS runs each, alternating), with ratios ours / gltfpack. Both ours
columns keep `asset.copyright` (a licence notice: CC-BY models must carry it), which gltfpack
drops; `less (c)` is the -dn ratio with those bytes taken out.
gltfpack is the npm (WebAssembly) build unless GLTFPACK names a native one.
"""
import json, os, statistics, struct, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ratio = sys.argv[1] if len(sys.argv) > 1 else "0.5"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
corpus = sys.argv[3] if len(sys.argv) > 3 else os.path.join(root, "../shared/corpus")
ours = os.path.join(root, "target/release/render-worker")
metric = os.path.join(root, "target/release/examples/surface_error")
gltfpack = os.environ.get("GLTFPACK") or os.path.join(root, "tools/validator/node_modules/.bin/gltfpack")
out = tempfile.mkdtemp()


def timed(cmd):
    """Seconds `cmd` took; None when it failed (its error is printed)."""
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"  {os.path.basename(cmd[0])} failed: {r.stderr.strip().splitlines()[-1]}")
        return None
    return time.perf_counter() - start


def measure(original, files):
    r = subprocess.run([metric, original, *files], capture_output=True, text=True, check=True)
    return [json.loads(l) for l in r.stdout.splitlines()]


def inspect(model):
    r = subprocess.run([ours, "inspect", model, "--json"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def copyright_bytes(glb):
    """JSON bytes `"copyright":"..."` takes in a GLB (0 when it has none)."""
    data = open(glb, "rb").read()
    doc = json.loads(data[20:20 + struct.unpack_from("<I", data, 12)[0]])
    c = doc.get("asset", {}).get("copyright")
    return 0 if c is None else len(json.dumps({"copyright": c}, separators=(",", ":"))) - 1


print(f"ratio {ratio}, {runs} runs each; gltfpack: {gltfpack}")
print(f"{'model':24s} {'tris':>7s} {'gltfpack B':>10s} {'ours B':>9s} {'size':>6s} {'-dn B':>9s} "
      f"{'size':>6s} {'less (c)':>8s} {'err ours':>9s} {'err gp':>9s} {'err':>5s} {'time':>5s}")
rows = []
for name in sorted(os.listdir(corpus)):
    model = os.path.join(corpus, name)
    if not name.endswith(".glb"):
        continue
    stem = name[:-4]
    gp = os.path.join(out, f"{stem}.gltfpack.glb")
    gp_cmd = [gltfpack, "-i", model, "-o", gp, "-cc", "-si", ratio]
    if timed(gp_cmd) is None:
        print(f"{stem:24s} skipped: gltfpack cannot read it")
        continue
    target = measure(model, [gp])[0]["triangles"]
    counts = inspect(model)
    if counts["point_and_line_primitives"] > 0 and target == counts["triangles"] and float(ratio) < 1:
        lod = [ratio, "--error", "1e-6"]
    else:
        lod = [str(max(target, 2)), "--error", "1"]
    base = [ours, "process", model, "--lod", *lod, "--compress", "meshopt", "--no-render", "--json"]
    our_cmd = base + ["--out", os.path.join(out, "default")]
    dn_cmd = base + ["--out", os.path.join(out, "dn"), "--drop-names"]
    t_gp, t_ours = [], []
    for _ in range(runs):
        t_gp.append(timed(gp_cmd))
        t_ours.append(timed(our_cmd))
    if timed(dn_cmd) is None:
        continue
    mine = os.path.join(out, "default", stem, "lod0.glb")
    dn = os.path.join(out, "dn", stem, "lod0.glb")
    a, d, b = measure(model, [mine, dn, gp])
    size = a["bytes"] / b["bytes"]
    dn_size = d["bytes"] / b["bytes"]
    less_c = (d["bytes"] - copyright_bytes(dn)) / b["bytes"]
    # Below 1e-7 of the diagonal (f32 rounding: the 14-bit grid's step is 6e-5) both are exact.
    exact = max(a["mean_relative"], b["mean_relative"]) < 1e-7
    err = 1.0 if exact else a["mean_relative"] / b["mean_relative"]
    t = statistics.median(t_ours) / statistics.median(t_gp)
    rows.append((size, dn_size, less_c, err, t))
    print(f"{stem:24s} {a['triangles']:>7d} {b['bytes']:>10d} {a['bytes']:>9d} {size:6.3f} {d['bytes']:>9d} "
          f"{dn_size:6.3f} {less_c:8.3f} {a['mean_relative']:9.2e} {b['mean_relative']:9.2e} {err:5.2f} {t:5.2f}")
geo = lambda xs: statistics.geometric_mean([x for x in xs if x == x and x > 0])
print(f"geometric means: size {geo(r[0] for r in rows):.3f}, -dn {geo(r[1] for r in rows):.3f}, "
      f"-dn less (c) {geo(r[2] for r in rows):.3f}, error {geo(r[3] for r in rows):.3f}, "
      f"time {geo(r[4] for r in rows):.3f}; largest -dn less (c) {max(r[2] for r in rows):.3f}")

#!/usr/bin/env python3
"""Delivery size and surface error against gltfpack -cc, per corpus model, same run.

    python3 bench/sizes.py [ratio] [runs] [corpus dir]

For each model: gltfpack `-cc -si <ratio>` (meshopt compression, its default quantization),
then render-worker at exactly gltfpack's resulting triangle count (`--lod <T> --error 1
--compress meshopt --no-render`), RUNS times each, alternating. Prints bytes, triangles,
symmetric mean surface deviation (examples/surface_error.rs, relative to the bounding-box
diagonal) and median wall time of each, with ratios ours / gltfpack. gltfpack is the npm
(WebAssembly) build unless GLTFPACK names a native one.
"""
import json, os, statistics, subprocess, sys, tempfile, time

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


print(f"ratio {ratio}, {runs} runs each; gltfpack: {gltfpack}")
print(f"{'model':26s} {'tris':>8s} {'ours B':>9s} {'gltfpack B':>10s} {'size':>6s} "
      f"{'err ours':>9s} {'err gp':>9s} {'err':>6s} {'time':>6s}")
rows = []
for name in sorted(os.listdir(corpus)):
    model = os.path.join(corpus, name)
    if not name.endswith(".glb"):
        continue
    stem = name[:-4]
    gp = os.path.join(out, f"{stem}.gltfpack.glb")
    gp_cmd = [gltfpack, "-i", model, "-o", gp, "-cc", "-si", ratio]
    if timed(gp_cmd) is None:
        print(f"{stem:26s} skipped: gltfpack cannot read it")
        continue
    target = measure(model, [gp])[0]["triangles"]
    our_cmd = [ours, "process", model, "--out", out, "--lod", str(max(target, 2)), "--error", "1",
               "--compress", "meshopt", "--no-render", "--json"]
    t_gp, t_ours = [], []
    for _ in range(runs):
        t_gp.append(timed(gp_cmd))
        t_ours.append(timed(our_cmd))
    mine = os.path.join(out, stem, "lod0.glb")
    a, b = measure(model, [mine, gp])
    size = a["bytes"] / b["bytes"]
    err = a["mean_relative"] / b["mean_relative"] if b["mean_relative"] > 0 else float("nan")
    t = statistics.median(t_ours) / statistics.median(t_gp)
    rows.append((size, err, t))
    print(f"{stem:26s} {a['triangles']:>8d} {a['bytes']:>9d} {b['bytes']:>10d} {size:6.3f} "
          f"{a['mean_relative']:9.2e} {b['mean_relative']:9.2e} {err:6.2f} {t:6.2f}")
geo = lambda xs: statistics.geometric_mean([x for x in xs if x == x and x > 0])
print(f"geometric means: size {geo(r[0] for r in rows):.3f}, error {geo(r[1] for r in rows):.3f}, "
      f"time {geo(r[2] for r in rows):.3f}")

#!/usr/bin/env python3
"""Side by side: render-worker against gltfpack on the same file, same machine, same run.

Runs each command RUNS times (alternating, to share the machine's noise), prints median wall
time and peak RSS of each and the ratios. gltfpack is the npm build (WebAssembly, about 1.7x
slower than native gltfpack); `GLTFPACK=/path/to/native` compares with a native binary.
`OLD=/path/to/render-worker` also runs an earlier build of ours in the same rounds and prints
new/old ratios (a refactor must not be slower).

    python3 bench/compare.py [model.glb] [runs]
"""
import os, statistics, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "../shared/corpus/StanfordBunny_Loop2_1M.glb")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
ours = os.path.join(root, "target/release/render-worker")
gltfpack = os.environ.get("GLTFPACK") or os.path.join(root, "tools/validator/node_modules/.bin/gltfpack")
out = tempfile.mkdtemp()

old = os.environ.get("OLD")
ONE, CHAIN = ["--lod", "0.5"], ["--lod", "1,0.5,0.25,0.1"]

def ours_cmd(binary, lods):
    return [binary, "process", model, "--out", out, *lods, "--no-render", "--json"]

commands = {
    "render-worker --lod 0.5": ours_cmd(ours, ONE),
    "render-worker --lod 1,0.5,0.25,0.1": ours_cmd(ours, CHAIN),
    "gltfpack -si 0.5 -cc": [gltfpack, "-i", model, "-o", os.path.join(out, "gltfpack.glb"), "-si", "0.5", "-cc"],
}
if old:
    commands["old --lod 0.5"] = ours_cmd(old, ONE)
    commands["old --lod 1,0.5,0.25,0.1"] = ours_cmd(old, CHAIN)

def measure(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {r.stderr}")
    wall, rss_kb = r.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss_kb) / 1024

results = {name: [] for name in commands}
for _ in range(runs):
    for name, cmd in commands.items():
        results[name].append(measure(cmd))

print(f"model: {model}, {runs} runs each, median wall time and peak RSS")
med = {}
for name, rs in results.items():
    wall = statistics.median(r[0] for r in rs)
    rss = statistics.median(r[1] for r in rs)
    med[name] = wall
    print(f"  {name:38s} {wall:6.3f} s  {rss:7.1f} MB")
one, chain, peer = med["render-worker --lod 0.5"], med["render-worker --lod 1,0.5,0.25,0.1"], med["gltfpack -si 0.5 -cc"]
print(f"  one LOD / gltfpack:           {one / peer:.2f}x")
print(f"  4-level chain / one LOD:      {chain / one:.2f}x")
if old:
    print(f"  one LOD, new / old:           {one / med['old --lod 0.5']:.2f}x")
    print(f"  4-level chain, new / old:     {chain / med['old --lod 1,0.5,0.25,0.1']:.2f}x")

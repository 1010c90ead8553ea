#!/usr/bin/env python3
"""Side by side: a 512x512 thumbnail by render-worker and by f3d, whole process each time.

Runs each command RUNS times (alternating), prints the median wall time of each and the ratio.
f3d runs headless under Xvfb (`xvfb-run f3d --output=...`), the way the issue measures it;
render-worker renders on whatever adapter the policy picks (lavapipe when there is no GPU, via
--allow-software).

    python3 bench/compare_render.py [model.glb] [size] [runs]
"""
import os, statistics, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "../shared/corpus/DamagedHelmet.glb")
size = sys.argv[2] if len(sys.argv) > 2 else "512"
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 9
out = tempfile.mkdtemp()
ours = os.path.join(root, "target/release/render-worker")

commands = {
    "render-worker render": [ours, "render", model, "--size", size, "--view", "three-quarter",
                             "--out", os.path.join(out, "rw.png"), "--allow-software"],
    "xvfb-run f3d": ["xvfb-run", "-a", "f3d", f"--output={os.path.join(out, 'f3d.png')}",
                     f"--resolution={size},{size}", model],
}

def wall(cmd):
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {r.stderr.decode()[-500:]}")
    return time.perf_counter() - start

results = {name: [] for name in commands}
for _ in range(runs):
    for name, cmd in commands.items():
        results[name].append(wall(cmd))

print(f"model: {model}, {size}x{size}, {runs} runs each, median wall time")
med = {n: statistics.median(v) for n, v in results.items()}
for n, m in med.items():
    print(f"  {n:24s} {m:6.3f} s   (min {min(results[n]):.3f}, max {max(results[n]):.3f})")
print(f"  render-worker / f3d: {med['render-worker render'] / med['xvfb-run f3d']:.2f}x")

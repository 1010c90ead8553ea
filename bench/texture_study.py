#!/usr/bin/env python3
"""The study behind `--texture-quality auto`'s default bounds.

Runs `render-worker process` on every textured corpus model with `--texture-format ktx2` and
bounds nothing meets, so that auto tries every step of each texture's ladder and the manifest's
`tried` lists them all; prints each texture's steps (encoding, bytes, error), then, for the
bound given (default: the current default), which step auto would deliver and what that costs
against the first step.

    python3 bench/texture_study.py [--bin target/release/render-worker] [--corpus DIR]
                                   [--bound 0.04] [--normal-bound 3]
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def steps(binary, model, out):
    """Every texture of `model` as (image, class, size, [(encoding, bytes, error)])."""
    subprocess.run(
        [binary, "process", str(model), "--out", str(out), "--no-render", "--lod", "1",
         "--texture-format", "ktx2", "--max-texture-error", "1e-9", "--max-normal-error", "1e-9"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = json.loads((out / model.stem / "manifest.json").read_text())
    for t in manifest["textures"]:
        if t["tried"]:
            tried = [(s["encoding"], s["bytes"], s["error"]) for s in t["tried"]]
            yield t["image"], t["class"], f'{t["width"]}x{t["height"]}', tried


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default=str(ROOT / "target/release/render-worker"))
    p.add_argument("--corpus", default=str(ROOT.parent / "shared/corpus"))
    p.add_argument("--bound", type=float, default=0.04)
    p.add_argument("--normal-bound", type=float, default=3.0)
    a = p.parse_args()
    models = sorted(pathlib.Path(a.corpus).glob("*.glb"))
    if not models:
        sys.exit(f"no .glb files in {a.corpus}")
    first_ok = moved = 0
    gains = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            for image, cls, size, tried in steps(a.bin, model, pathlib.Path(tmp)):
                bound = a.normal_bound if cls == "normal" else a.bound
                line = " | ".join(f"{e} {b} B {err:.4f}" for e, b, err in tried)
                chosen = next((s for s in tried if s[2] <= bound), tried[-1])
                print(f"{model.stem} image {image} {cls} {size}: {line}")
                print(f"    auto at {bound}: {chosen[0]}, {chosen[1] / tried[0][1]:.2f}x the first step's bytes")
                if chosen is tried[0]:
                    first_ok += 1
                else:
                    moved += 1
                # ETC1S at 255 is tried only near the bound, so with these bounds only where
                # ETC1S at 128 is already exact.
                if len(tried) > 1 and tried[1][0] == "etc1s q255" and tried[0][2] > 0:
                    gains.append(1 - tried[1][2] / tried[0][2])
    print(f"\n{first_ok} textures within the bound at their first step, {moved} moved up")
    if gains:
        print(f"ETC1S q255 against q128: error lower by {min(gains):.0%} to {max(gains):.0%}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Do two render-worker binaries write the same outputs? Byte for byte, timings aside.

    python3 bench/same_outputs.py OLD_BIN NEW_BIN [--jobs N] [--only SUBSTRING]
                                  [--corpus DIR] [--extra DIR] [--keep DIR]

Every model runs through both binaries as `BIN process MODEL --out DIR --allow-software` with
each of three settings: `default` (no flags), `web` (`--profile web`) and `meshopt`
(`--compress meshopt --no-render`). The models:

  project  the models the project ships: every *.glb and *.gltf under assets/ and tests/
           (today only assets/sample/vase.glb; the suite builds its other fixtures in code:
           write them with `cargo run --example make_assets -- --fuzz-seeds DIR` and pass
           `--extra DIR` to include them);
  corpus   every *.glb and *.gltf in the corpus folder and its subfolders (default
           ../shared/corpus beside the repository, where CI clones it). Models under bad/ are
           malformed: both binaries must refuse them with the same exit code and the same
           first error line.

Every output file is compared by SHA-256, except manifest.json, which is compared as JSON
without what depends on the clock: the `timings` list, `total_ms` and any other `ms` or `*_ms`
key, at any depth. A top-level `stages` section that only NEW writes is ignored (NEW may add
it). A run that fails is compared by exit code and first error line. The renderer entry
(adapter name, driver) stays in: both binaries run on the same machine.

Prints one line per (model, setting) that differs, saying what differs, then
"N runs, M identical, K different"; progress goes to stderr. Exit status 1 if anything
differs. `--jobs` runs that many (model, setting) pairs at once (default 2; each binary uses
every core itself); `--only` keeps the models whose label contains SUBSTRING; `--keep DIR`
keeps both output folders of every differing run in DIR/<model>/<setting>/{old,new}.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SETTINGS = {
    "default": [],
    "web": ["--profile", "web"],
    "meshopt": ["--compress", "meshopt", "--no-render"],
}
MODEL_SUFFIXES = (".glb", ".gltf")
# Written only by the newer binary: ignored when OLD lacks it.
NEW_SECTIONS = ("stages",)
# Differences listed per manifest before "...".
SHOWN = 4


def models_in(folder, label):
    """(label/relative path, path, malformed) for every model under `folder`, sorted."""
    if not folder.is_dir():
        return []
    found = (p for p in folder.rglob("*") if p.suffix.lower() in MODEL_SUFFIXES and p.is_file())
    return [
        (f"{label}/{p.relative_to(folder).as_posix()}", p, "bad" in p.relative_to(folder).parts)
        for p in sorted(found)
    ]


def all_models(corpus, extra):
    """The project's models, the corpus and `extra`: (label, path, malformed) triples."""
    models = models_in(REPO / "assets", "assets") + models_in(REPO / "tests", "tests")
    if extra:
        models += models_in(extra, "extra")
    if corpus.is_dir():
        models += models_in(corpus, "corpus")
    else:
        print(f"note: no corpus at {corpus}; only the project's models run", file=sys.stderr)
    return models


def without_timings(value):
    """`value` with every clock-dependent key (`timings`, `*_ms`) removed, at any depth."""
    if isinstance(value, dict):
        return {
            k: without_timings(v)
            for k, v in value.items()
            if k != "timings" and k != "ms" and not k.endswith("_ms")
        }
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def json_differences(old, new, path=""):
    """Paths (like `lods[1].bytes`) where `old` and `new` differ, with both values."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in list(old) + [k for k in new if k not in old]:
            where = f"{path}.{k}" if path else k
            if k not in new:
                out.append(f"{where} only in OLD")
            elif k not in old:
                out.append(f"{where} only in NEW")
            else:
                out += json_differences(old[k], new[k], where)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        pairs = enumerate(zip(old, new))
        return [d for i, (a, b) in pairs for d in json_differences(a, b, f"{path}[{i}]")]
    if old == new:
        return []
    show = lambda v: json.dumps(v)[:60]
    return [f"{path or '(root)'}: {show(old)} vs {show(new)}"]


def manifest_differences(old_file, new_file):
    """What differs between two manifest.json files once timings are set aside."""
    old = without_timings(json.loads(old_file.read_text()))
    new = without_timings(json.loads(new_file.read_text()))
    for section in NEW_SECTIONS:
        if section not in old:
            new.pop(section, None)
    found = json_differences(old, new)
    return found[:SHOWN] + (["..."] if len(found) > SHOWN else [])


def first_error_line(stderr):
    """The first `error...` line of stderr, else its first non-empty line, else ''."""
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    return next((l for l in lines if l.lower().startswith("error")), lines[0] if lines else "")


def run(binary, model, flags, out):
    """Runs one `process`; returns (exit code, first error line)."""
    # Settings come from the flags alone: RENDER_WORKER_* variables would override them.
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENDER_WORKER_")}
    env["NO_COLOR"] = "1"
    cmd = [binary, "process", str(model), "--out", str(out), "--allow-software", *flags]
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace", env=env)
    return r.returncode, first_error_line(r.stderr) if r.returncode else ""


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree_differences(old_dir, new_dir):
    """What differs between two output folders (missing files, file hashes, manifests), and
    how many files OLD wrote."""
    files = lambda d: {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()}
    old, new = files(old_dir), files(new_dir)
    found = [f"{f} only from OLD" for f in sorted(old - new)]
    found += [f"{f} only from NEW" for f in sorted(new - old)]
    for f in sorted(old & new):
        if Path(f).name == "manifest.json":
            found += [f"{f}: {d}" for d in manifest_differences(old_dir / f, new_dir / f)]
        elif sha256(old_dir / f) != sha256(new_dir / f):
            found.append(f"{f}: SHA-256 differs")
    return found, len(old)


def compare(old_bin, new_bin, model, malformed, setting, keep):
    """Runs both binaries on one (model, setting); returns (differences, what was compared,
    seconds). Differing outputs are moved to `keep/<model>/<setting>/` when `keep` is set."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="same_outputs.") as tmp:
        old_dir, new_dir = Path(tmp, "old"), Path(tmp, "new")
        old = run(old_bin, model, SETTINGS[setting], old_dir)
        new = run(new_bin, model, SETTINGS[setting], new_dir)
        found, compared = [], f"exit {old[0]}"
        if old != new:
            found.append(f"exit {old[0]} {old[1]!r} vs exit {new[0]} {new[1]!r}")
        elif malformed and old[0] == 0:
            found.append("malformed input accepted by both")
        if old[0] == 0 and new[0] == 0:
            in_tree, files = tree_differences(old_dir, new_dir)
            found, compared = found + in_tree, f"{files} files"
        if found and keep:
            kept = keep / model.name / setting
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(tmp, kept)
        return found, compared, time.perf_counter() - start


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old_bin", help="the reference render-worker binary")
    p.add_argument("new_bin", help="the render-worker binary under test")
    p.add_argument("--jobs", type=int, default=2, help="(model, setting) pairs run at once")
    p.add_argument("--only", default="", help="keep models whose label contains this")
    p.add_argument(
        "--corpus",
        type=Path,
        default=REPO.parent / "shared" / "corpus",
        help="the corpus folder (default: ../shared/corpus beside the repository)",
    )
    p.add_argument("--extra", type=Path, help="a folder of more models to include")
    p.add_argument("--keep", type=Path, help="keep the outputs of differing runs here")
    return p.parse_args()


def main():
    args = parse_args()
    old_bin, new_bin = (str(Path(b).resolve()) for b in (args.old_bin, args.new_bin))
    models = [m for m in all_models(args.corpus, args.extra) if args.only in m[0]]
    runs = [(m, s) for m in models for s in SETTINGS]
    if not runs:
        sys.exit(f"no models match {args.only!r}")
    start = time.perf_counter()
    different = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        one = lambda r: compare(old_bin, new_bin, r[0][1], r[0][2], r[1], args.keep)
        results = pool.map(one, runs)
        for i, (((label, _, _), setting), (found, compared, s)) in enumerate(zip(runs, results), 1):
            verdict = "different" if found else "identical"
            progress = f"[{i}/{len(runs)}] {label} {setting}: {verdict} ({compared}, {s:.1f} s)"
            print(progress, file=sys.stderr)
            if found:
                different += 1
                print(f"{label} {setting}: {'; '.join(found)}", flush=True)
    print(f"{len(runs)} runs, {len(runs) - different} identical, {different} different")
    print(f"took {time.perf_counter() - start:.0f} s", file=sys.stderr)
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()

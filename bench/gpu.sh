#!/usr/bin/env bash
# GPU figures of the renderer, for a GPU host (here: the `device` tool's machines).
#
# Expects, relative to the repository root:
#   .gpu/render-worker   stripped release binary      (cargo build --release; strip)
#   .gpu/render-bench    stripped criterion binary    (cargo bench --bench render --no-run)
#   .gpu/DamagedHelmet.glb, .gpu/StanfordBunny_Loop2_1M.glb   (from ../shared/corpus)
#   .gl/*.deb            Debian's libvulkan1 and libglvnd packages, for hosts whose NVIDIA
#                        driver lacks the Vulkan loader and GL dispatch libraries
# Writes its log and images to $OUT (default /tmp/gpu-out).
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
if ls .gl/*.deb >/dev/null 2>&1; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -e "$icd" ] && export VK_DRIVER_FILES="$icd"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
export RENDER_WORKER_CORPUS="$PWD/.gpu" RUST_LOG=info
rw=.gpu/render-worker
for i in 1 2 3; do
    /usr/bin/time -f "whole process, DamagedHelmet 512px thumbnail: %e s" \
        $rw render .gpu/DamagedHelmet.glb --size 512 --out "$OUT/helmet_512.png" 2>&1 | grep -E "whole|adapter"
done
/usr/bin/time -f "whole process, bunny 1M 1024px thumbnail: %e s" \
    $rw render .gpu/StanfordBunny_Loop2_1M.glb --size 1024 --out "$OUT/bunny_1024.png" 2>&1 | grep whole
for m in DamagedHelmet StanfordBunny_Loop2_1M; do
    /usr/bin/time -f "process $m (4 LODs, thumbnails, visual QA): %e s, %M KB" \
        $rw process ".gpu/$m.glb" --out "$OUT/jobs" --json > "$OUT/$m.json" 2> "$OUT/$m.err"
    tail -1 "$OUT/$m.err"
    grep -E '"stage"|"ms"|flip_mean|"name"' "$OUT/$m.json" | tr -d ' \n' | head -c 1500; echo
done
.gpu/render-bench --bench 2>&1 | grep -E "adapter|time:|thrpt:|GPU per view|^thumbnail" | grep -v "change:"

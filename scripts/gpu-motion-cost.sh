#!/usr/bin/env bash
# The motion_cost pass on the GPU machine (docs/gpu-machine.md): its outputs and every other .npy
# against lavapipe's on the same .y4m (sha256 per file, at several block sizes and ranges, so the
# shared-memory and image-read paths both run), then bench --repeat at 1080p and 4K, b16 R16, with
# motion search and its costs side by side (gpu_ms.motion, gpu_ms.motion_cost).
# usage: scripts/gpu-motion-cost.sh BIN PAR.y4m CLIP.mp4 OUTDIR
set -euo pipefail
bin=$1 par=$2 clip=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for cfg in "16 16" "32 16" "16 32" "64 16" "8 7"; do
  read -r b r <<<"$cfg"
  "$bin" --validation off analyze "$par" -b "$b" -r "$r" -o "/tmp/g-$b-$r" >/dev/null
  (cd "/tmp/g-$b-$r" && sha256sum ./*.npy | cut -c1-16 | tr '\n' ' '; echo " g-$b-$r")
done >"$out/parity.txt"
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/a1080.y4m --frames 60 --size 1920x1080
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/a2160.y4m --frames 30 --size 3840x2160
for f in a1080 a2160; do
  "$bin" --validation off bench "/dev/shm/$f.y4m" --passes motion --repeat 10 --json >"$out/bench-$f.json"
done
python3 - "$out" <<'PY'
import json, sys
for f in ["a1080", "a2160"]:
    g = json.load(open(f"{sys.argv[1]}/bench-{f}.json"))["gpu_ms"]
    m, c = g["motion"]["median"], g["motion_cost"]["median"]
    print(f"{f}: motion {m:.3f} ms, motion_cost {c:.3f} ms ({c / m:.2f}x the search)")
PY

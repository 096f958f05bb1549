#!/usr/bin/env bash
# Issue 22's goals re-checked with one binary (no "before"): on the same .y4m footage at 1080p and 4K,
# b16 R16, bench's end-to-end fps against min(decode-only, GPU-bound), with and without --ref, and
# analyze's fps after start-up against bench's end-to-end, in one run. Prints one line per measure.
# usage: scripts/gpu-speed-check.sh BIN CLIP.mp4 OUTDIR
set -euo pipefail
bin=$1 clip=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
if [ ! -e /dev/shm/b2160.y4m ]; then
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/a1080.y4m --frames 600 --size 1920x1080
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/b1080.y4m --frames 600 --size 1920x1080 --noise 3 --noise-fields 8
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/a2160.y4m --frames 240 --size 3840x2160
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/b2160.y4m --frames 240 --size 3840x2160 --noise 3 --noise-fields 8
fi
for f in 1080 2160; do
  "$bin" --validation off bench "/dev/shm/a$f.y4m" --json >"$out/bench-$f.json"
  "$bin" --validation off bench "/dev/shm/a$f.y4m" --ref "/dev/shm/b$f.y4m" --json >"$out/bench-ref-$f.json"
  rm -rf "/dev/shm/out$f"
  "$bin" --validation off analyze "/dev/shm/a$f.y4m" --out "/dev/shm/out$f" 2>&1 | tail -1 >"$out/analyze-$f.txt"
done
python3 - "$out" <<'PY'
import json, re, sys
d = sys.argv[1]
for f in ["1080", "2160"]:
    b = json.load(open(f"{d}/bench-{f}.json")); r = json.load(open(f"{d}/bench-ref-{f}.json"))
    a = float(re.search(r"([0-9.]+) fps after start-up", open(f"{d}/analyze-{f}.txt").read()).group(1))
    for name, j in [("bench", b), ("bench --ref", r)]:
        lim = min(j["decode_fps"], j["gpu_bound_fps"])
        print(f"{f}p {name}: e2e {j['end_to_end_fps']:.1f} fps, decode {j['decode_fps']:.1f}, GPU-bound {j['gpu_bound_fps']:.1f}: e2e / min = {j['end_to_end_fps'] / lim:.2f}")
    print(f"{f}p analyze: {a:.1f} fps after start-up = {a / b['end_to_end_fps']:.2f} x bench e2e")
PY

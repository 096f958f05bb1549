#!/usr/bin/env bash
# Issue 20's dense flow on the GPU machine (docs/gpu-machine.md): parity and cost of --flow.
# 1. Parity: analyze PAR.y4m with FLOW.npy (--motion flow and --motion search) and print the sha256 of
#    every .npy and of the predicted dumps, to compare with the same commands on lavapipe.
# 2. Cost: bench --repeat 10 at 1080p and 4K (b16 R16) on real footage, with a smooth synthetic flow
#    (rotation + zoom + ripple; its values do not change the work): --passes motion against
#    --passes motion,flow --flow: the warp's dense mode and the flow_epe pass (EPE + the flow's SAD).
# usage: scripts/gpu-flow.sh BIN PAR.y4m FLOW.npy CLIP.mp4 OUTDIR
set -euo pipefail
bin=$1 par=$2 flow=$3 clip=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for m in flow search; do
  "$bin" --validation off analyze "$par" --flow "$flow" --motion "$m" --dump predicted --export symbols -o "/tmp/gf-$m" >/dev/null
  (cd "/tmp/gf-$m" && sha256sum ./*.npy ./symbols.bin predicted/* | cut -c1-16 | tr '\n' ' '; echo " gf-$m")
done >"$out/parity.txt"
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/a1080.y4m --frames 40 --size 1920x1080
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/a2160.y4m --frames 20 --size 3840x2160
python3 - <<'PY'
import numpy as np
for name, (w, h, pairs) in {"f1080": (1920, 1080, 39), "f2160": (3840, 2160, 19)}.items():
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    px, py = x - w / 2, y - h / 2
    f = np.lib.format.open_memmap(f"/dev/shm/{name}.npy", mode="w+", dtype=np.float32, shape=(pairs, h, w, 2))
    for p in range(pairs):
        f[p, ..., 0] = -0.004 * py + 0.002 * px + 1.5 * np.sin(y / 37 + p)
        f[p, ..., 1] = 0.004 * px + 0.002 * py + 1.5 * np.cos(x / 41 + p)
    f.flush()
PY
for s in 1080 2160; do
  "$bin" --validation off bench "/dev/shm/a$s.y4m" --passes motion --repeat 10 --json >"$out/bench-$s.json"
  "$bin" --validation off bench "/dev/shm/a$s.y4m" --passes motion,flow --flow "/dev/shm/f$s.npy" --repeat 10 --json >"$out/bench-flow-$s.json"
done
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
for s in ["1080", "2160"]:
    m = json.load(open(f"{d}/bench-{s}.json"))
    f = json.load(open(f"{d}/bench-flow-{s}.json"))
    g, h = m["gpu_ms"], f["gpu_ms"]
    print(f"{s}p: motion {g['motion']['median']:.3f} ms, warp (vectors) {g['warp']['median']:.3f} ms; with --flow: "
          f"warp (dense) {h['warp']['median']:.3f} ms, flow_epe {h['flow_epe']['median']:.3f} ms; "
          f"e2e {m['end_to_end_fps']:.1f} -> {f['end_to_end_fps']:.1f} fps")
PY

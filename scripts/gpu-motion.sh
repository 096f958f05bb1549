#!/usr/bin/env bash
# Issue 19 on the GPU machine (docs/gpu-machine.md): readable motion against today's search.
# 1. Parity: analyze PAR.y4m at several (block, range, lambda, --fb) and print the sha256 of every .npy,
#    to compare with the same run on lavapipe (shared-memory plans that gather the costs in the search
#    kernel, and ones that fall back to the motion_cost kernel).
# 2. Kernel: examples/motion_plans --chosen-only at 1080p and 4K: the chosen plan alone and with the
#    motion costs gathered (the confidence's price), same run.
# 3. bench --repeat 10 at 1080p and 4K, b16 R16: --passes motion (search + costs), fb (+ the
#    backward search and check), and motion with --subpel 4 (+ the refinement).
# usage: scripts/gpu-motion.sh BIN PLANS_BIN PAR.y4m CLIP.mp4 OUTDIR
set -euo pipefail
bin=$1 plans=$2 par=$3 clip=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for cfg in "16 16 0 1" "32 16 0 1" "16 32 0 1" "64 16 0 1" "8 7 0 1" "16 16 37 1" "32 32 0 1" "16 16 0 4" "8 7 20 2"; do
  read -r b r l p <<<"$cfg"
  "$bin" --validation off analyze "$par" -b "$b" -r "$r" --lambda "$l" --subpel "$p" --fb --export costs -o "/tmp/g-$b-$r-$l-$p" >/dev/null
  (cd "/tmp/g-$b-$r-$l-$p" && sha256sum ./*.npy | cut -c1-16 | tr '\n' ' '; echo " g-$b-$r-$l-$p")
done >"$out/parity.txt"
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/a1080.y4m --frames 60 --size 1920x1080
python3 "$here/y4m_from_video.py" "$clip" /dev/shm/a2160.y4m --frames 30 --size 3840x2160
for f in a1080 a2160; do
  "$plans" "/dev/shm/$f.y4m" --blocks 8,16,32 --ranges 16 --reps 20 --chosen-only >"$out/plans-$f.jsonl" 2>"$out/plans-$f.txt"
  "$bin" --validation off bench "/dev/shm/$f.y4m" --passes motion --repeat 10 --json >"$out/bench-$f.json"
  "$bin" --validation off bench "/dev/shm/$f.y4m" --passes fb --repeat 10 --json >"$out/bench-fb-$f.json"
  "$bin" --validation off bench "/dev/shm/$f.y4m" --passes motion --subpel 4 --repeat 10 --json >"$out/bench-q-$f.json"
done
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
for f in ["a1080", "a2160"]:
    for line in open(f"{d}/plans-{f}.jsonl"):
        j = json.loads(line)
        if "with_costs_ms" in j:
            print(f"{f} b{j['block']} R{j['range']}: search {j['chosen_ms']:.3f} ms, with costs {j['with_costs_ms']:.3f} ms "
                  f"({100 * (j['with_costs_ms'] / j['chosen_ms'] - 1):+.1f} %), gathered in the kernel: {j['gathers_costs']}")
    m = json.load(open(f"{d}/bench-{f}.json"))["gpu_ms"]
    b = json.load(open(f"{d}/bench-fb-{f}.json"))["gpu_ms"]
    q = json.load(open(f"{d}/bench-q-{f}.json"))["gpu_ms"]
    print(f"{f} bench: motion (search + costs) {m['motion']['median']:.3f} ms, warp {m['warp']['median']:.3f}; "
          f"with --fb: motion {b['motion']['median']:.3f} + motion_back {b['motion_back']['median']:.3f} ms; "
          f"with --subpel 4: motion {q['motion']['median']:.3f} + subpel {q['subpel']['median']:.3f} ms, "
          f"warp {q['warp']['median']:.3f}")
PY

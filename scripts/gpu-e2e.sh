#!/usr/bin/env bash
# End-to-end fps against the GPU-bound rate (issue 11's acceptance), old vs new binary, in one run on
# the GPU machine: `bench --json` with all passes on each .y4m, and with --ref (A/B passes) on the
# new one. Prints one markdown row per (file, binary, mode).
# usage: scripts/gpu-e2e.sh BIN_BEFORE BIN_AFTER A.y4m[:B.y4m] ...   (B: the --ref video for that size)
set -euo pipefail
before=${1:?usage: gpu-e2e.sh BIN_BEFORE BIN_AFTER A.y4m[:B.y4m] ...}
after=${2:?}
shift 2
echo "| input | binary | passes | end-to-end fps | GPU-bound fps (1000 / Σ pass medians) | ratio | decode fps | Σ pass ms |"
echo "|---|---|---|---|---|---|---|---|"
row() {
  python3 -c '
import json, sys
r = json.load(sys.stdin)
ms = sum(v["median"] for k, v in r["gpu_ms"].items() if k != "upload" and v)
bound = 1000 / ms if ms else 0
limit = min(r["decode_fps"], bound) if bound else r["decode_fps"]
print(f"| {sys.argv[1]} | {sys.argv[2]} | {sys.argv[3]} | {r[\"end_to_end_fps\"]:.1f} | {bound:.1f} | {r[\"end_to_end_fps\"] / limit:.2f} of min(decode, GPU) | {r[\"decode_fps\"]:.1f} | {ms:.3f} |")
' "$@"
}
for spec in "$@"; do
  a=${spec%%:*}
  b=${spec#*:}
  [ "$b" = "$spec" ] && b=""
  name=$(basename "$a")
  "$before" --validation off bench "$a" --json 2>/dev/null | row "$name" before all
  "$after" --validation off bench "$a" --json 2>/dev/null | row "$name" after all
  "$after" --validation off bench "$a" --json --frames-in-flight 1 2>/dev/null | row "$name" "after, K=1" all
  if [ -n "$b" ]; then
    "$after" --validation off bench "$a" --ref "$b" --json 2>/dev/null | row "$name" after "all + --ref"
    "$after" --validation off bench "$a" --ref "$b" --passes compare --json 2>/dev/null | row "$name" after "--ref only"
  fi
done

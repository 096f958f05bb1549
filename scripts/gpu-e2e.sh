#!/usr/bin/env bash
# End-to-end fps against the GPU-bound rate (issue 11's acceptance), old vs new binary, in one run on
# the GPU machine: `bench --json` with all passes on each .y4m, and with --ref (A/B passes) on the
# new one. Prints one markdown row per (file, binary, mode).
# usage: scripts/gpu-e2e.sh BIN_BEFORE BIN_AFTER A.y4m[:B.y4m] ...   (B: the --ref video for that size)
set -euo pipefail
before=${1:?usage: gpu-e2e.sh BIN_BEFORE BIN_AFTER A.y4m[:B.y4m] ...}
after=${2:?}
shift 2
report=$(mktemp)
trap 'rm -f "$report"' EXIT
echo "| input | binary | passes | end-to-end fps | GPU-bound fps (1000 / Σ pass medians) | e2e ÷ min(decode, GPU-bound) | decode fps | Σ pass ms |"
echo "|---|---|---|---|---|---|---|---|"
# run LABEL PASSES BIN ARGS...: one bench, one row.
run() {
  local label=$1 passes=$2 bin=$3
  shift 3
  "$bin" --validation off bench "$@" --json >"$report" 2>/dev/null || { echo "| $1 | $label | $passes | failed | | | | |"; return; }
  python3 - "$report" "$(basename "$1")" "$label" "$passes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ms = sum(v["median"] for k, v in r["gpu_ms"].items() if k != "upload" and v)
bound = 1000 / ms if ms else 0.0
limit = min(r["decode_fps"], bound) if bound else r["decode_fps"]
e2e = r["end_to_end_fps"]
print("| %s | %s | %s | %.1f | %.1f | %.2f | %.1f | %.3f |" % (sys.argv[2], sys.argv[3], sys.argv[4], e2e, bound, e2e / limit, r["decode_fps"], ms))
PY
}
for spec in "$@"; do
  a=${spec%%:*}
  b=${spec#*:}
  [ "$b" = "$spec" ] && b=""
  run before all "$before" "$a"
  run after all "$after" "$a"
  run "after, K=1" all "$after" "$a" --frames-in-flight 1
  run "after, K=3" all "$after" "$a" --frames-in-flight 3
  if [ -n "$b" ]; then
    run after "all + --ref" "$after" "$a" --ref "$b"
    run after "--ref only" "$after" "$a" --ref "$b" --passes compare
  fi
done

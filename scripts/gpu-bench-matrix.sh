#!/usr/bin/env bash
# Per-pass GPU medians of two vidscope builds side by side, for every input and block size x range:
# `vidscope --validation off bench Y4M --json --frames $FRAMES --block B --range R --repeat $REPEAT`
# (all passes). Prints a markdown table: motion search, diff + block stats (one fused pass in newer
# builds: the sum of both), residual, symbols, in ms, before -> after. A build without `--repeat`
# runs each pass once per frame.
# usage: scripts/gpu-bench-matrix.sh BIN_BEFORE BIN_AFTER Y4M...
#   env: BLOCKS (default "8 16 32"), RANGES ("4 16 32"), FRAMES (8), REPEAT (10), JSON_DIR (keep the reports)
set -euo pipefail
before=${1:?usage: gpu-bench-matrix.sh BIN_BEFORE BIN_AFTER Y4M...}
after=${2:?usage: gpu-bench-matrix.sh BIN_BEFORE BIN_AFTER Y4M...}
shift 2
[ $# -gt 0 ] || { echo "usage: gpu-bench-matrix.sh BIN_BEFORE BIN_AFTER Y4M..." >&2; exit 2; }
blocks=${BLOCKS:-"8 16 32"}
ranges=${RANGES:-"4 16 32"}
frames=${FRAMES:-8}
repeat=${REPEAT:-10}
json_dir=${JSON_DIR:-$(mktemp -d)}
mkdir -p "$json_dir"

# bench BIN INPUT B R OUT.json
bench() {
    local extra=()
    if "$1" bench --help 2>/dev/null | grep -q -- --repeat; then extra=(--repeat "$repeat"); fi
    "$1" --validation off bench "$2" --json --frames "$frames" --block "$3" --range "$4" "${extra[@]}" >"$5" 2>/dev/null
}

# Medians from a report: motion, diff+stats, residual, symbols (ms).
medians() {
    python3 - "$1" <<'EOF'
import json, sys
g = json.load(open(sys.argv[1]))["gpu_ms"]
m = lambda k: (g.get(k) or {}).get("median", 0.0)
print(f"{m('motion'):.3f} {m('diff') + m('stats'):.3f} {m('residual'):.3f} {m('symbols'):.3f}")
EOF
}

echo "| input | b | R | motion search | diff + block stats | residual + MC stats | symbols |"
echo "|---|---|---|---|---|---|---|"
for input in "$@"; do
    name=$(basename "$input")
    for b in $blocks; do
        for r in $ranges; do
            tag="${name%.*}-b$b-r$r"
            bench "$before" "$input" "$b" "$r" "$json_dir/$tag-before.json"
            bench "$after" "$input" "$b" "$r" "$json_dir/$tag-after.json"
            read -r m0 d0 r0 s0 < <(medians "$json_dir/$tag-before.json")
            read -r m1 d1 r1 s1 < <(medians "$json_dir/$tag-after.json")
            echo "| $name | $b | $r | $m0 → **$m1** | $d0 → **$d1** | $r0 → **$r1** | $s0 → **$s1** |"
        done
    done
done

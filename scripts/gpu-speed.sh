#!/usr/bin/env bash
# Issue 22's measurements on the GPU machine, in one run: the same .y4m footage at 1080p and 4K
# (made there from a real MP4 by OpenCV), b16 R16, through an earlier binary and this one:
#   bench (all passes; with --ref; this one also with --serial-transfers) and analyze (default
#   exports; this one also with --export all and --ref), with each output's bytes per frame;
#   then a batch of 8 .y4m files (analyze --out-root) at --jobs 1, 2, 4, 8 against one after another.
# Prints markdown tables; full JSON reports and logs go to $REPORT (default ./speed-out).
# usage: scripts/gpu-speed.sh BIN_BEFORE BIN_AFTER CLIP.mp4
# env: VALIDATION_DEB: see below; FRAMES_1080 (1200), FRAMES_2160 (480): frames of each file; BEFORE_ANALYZE_1080 (200),
#      BEFORE_ANALYZE_2160 (60): frames the earlier binary's analyze runs (it is slow);
#      WORK: where the footage goes (default /dev/shm/speed when there is room, else /root/speed);
#      SKIP_FOOTAGE=1: use the .y4m files already in WORK (a1080, b1080, a2160, b2160, c720).
set -euo pipefail
before=${1:?usage: gpu-speed.sh BIN_BEFORE BIN_AFTER CLIP.mp4}
after=${2:?}
clip=${3:?}
out=${REPORT:-speed-out}
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
f1080=${FRAMES_1080:-1200}
f2160=${FRAMES_2160:-480}
if [ -z "${WORK:-}" ]; then
  free_kb=$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $4}')
  if [ "${free_kb:-0}" -gt $((36 * 1024 * 1024)) ]; then WORK=/dev/shm/speed; else WORK=/root/speed; fi
fi
mkdir -p "$WORK"
echo "footage and outputs in $WORK"

# Footage: the clip scaled to each size, looped; the --ref video is the same with luma noise.
t0=$(date +%s)
if [ -z "${SKIP_FOOTAGE:-}" ]; then
python3 "$here/y4m_from_video.py" "$clip" "$WORK/a1080.y4m" --frames "$f1080" --size 1920x1080
python3 "$here/y4m_from_video.py" "$clip" "$WORK/b1080.y4m" --frames "$f1080" --size 1920x1080 --noise 3 --noise-fields 8
python3 "$here/y4m_from_video.py" "$clip" "$WORK/a2160.y4m" --frames "$f2160" --size 3840x2160
python3 "$here/y4m_from_video.py" "$clip" "$WORK/b2160.y4m" --frames "$f2160" --size 3840x2160 --noise 3 --noise-fields 8
python3 "$here/y4m_from_video.py" "$clip" "$WORK/c720.y4m"
fi
echo "footage made in $(( $(date +%s) - t0 )) s"
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,power.draw --format=csv 2>&1 | tee "$out/gpu.txt" || true
(nvidia-smi --query-gpu=timestamp,clocks.sm,utilization.gpu --format=csv,noheader -lms 1000 >"$out/smi.csv" 2>&1 &
 echo $! >"$WORK/smi.pid")

# With VALIDATION_DEB (the vulkan-validationlayers .deb), first a few short runs of the new binary with
# the Khronos validation layer on (unpacked under /tmp, not into /): any message fails the run.
if [ -n "${VALIDATION_DEB:-}" ]; then
  rm -rf /tmp/vvl && mkdir -p /tmp/vvl && dpkg -x "$VALIDATION_DEB" /tmp/vvl
  (
    export VK_ADD_LAYER_PATH=/tmp/vvl/usr/share/vulkan/explicit_layer.d
    export LD_LIBRARY_PATH=/tmp/vvl/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    v="$after --validation on"
    ok=0
    $v bench "$WORK/a1080.y4m" --frames 40 >"$out/validation.log" 2>&1 || ok=1
    $v bench "$WORK/a1080.y4m" --frames 40 --ref "$WORK/b1080.y4m" >>"$out/validation.log" 2>&1 || ok=1
    $v bench "$WORK/a1080.y4m" --frames 20 --serial-transfers >>"$out/validation.log" 2>&1 || ok=1
    rm -rf "$WORK/vout" "$WORK/vroot"
    $v analyze "$WORK/a1080.y4m" --frames 30 --ref "$WORK/b1080.y4m" --dump diff,ab --export all --out "$WORK/vout" \
      >>"$out/validation.log" 2>&1 || ok=1
    ln -f "$WORK/c720.y4m" "$WORK/v1.y4m"; ln -f "$WORK/c720.y4m" "$WORK/v2.y4m"; ln -f "$WORK/c720.y4m" "$WORK/v3.y4m"
    $v analyze "$WORK/v1.y4m" "$WORK/v2.y4m" "$WORK/v3.y4m" --frames 20 --jobs 3 --out-root "$WORK/vroot" \
      >>"$out/validation.log" 2>&1 || ok=1
    grep -m1 "validation on" "$out/validation.log" || echo "validation layer NOT active"
    echo "validation runs: $([ $ok = 0 ] && echo 'all clean' || echo 'FAILED (see validation.log)')"
  )
  rm -rf "$WORK/vout" "$WORK/vroot"
fi

# bench LABEL BIN FILE ARGS...: one JSON report, one table row.
rows="$out/bench-rows.md"
: >"$rows"
bench() {
  local label=$1 bin=$2 file=$3
  shift 3
  local json
  json="$out/bench-$(basename "$file" .y4m)-${label// /_}.json"
  json=${json//,/}
  if ! "$bin" --validation off bench "$file" --block 16 --range 16 --json "$@" >"$json" 2>"$json.err"; then
    echo "| $(basename "$file") | $label | failed: $(tail -1 "$json.err") |" | tee -a "$rows"
    return
  fi
  python3 - "$json" "$(basename "$file")" "$label" <<'PY' | tee -a "$rows"
import json, sys
r = json.load(open(sys.argv[1]))
bound, dec, e2e = r["gpu_bound_fps"], r["decode_fps"], r["end_to_end_fps"]
g = r["gpu_ms"]
print("| %s | %s | %.1f | %.1f | %.1f | **%.2f** | %.3f | %.3f | %.3f |" % (
    sys.argv[2], sys.argv[3], dec, bound, e2e, e2e / min(dec, bound), 1000 / bound,
    g["upload"]["median"], g["readback"]["median"]))
PY
}

# analyze LABEL BIN FILE FRAMES ARGS...: wall-clock fps of the whole command and the output's bytes.
arows="$out/analyze-rows.md"
: >"$arows"
analyze() {
  local label=$1 bin=$2 file=$3 frames=$4
  shift 4
  local dir="$WORK/out-$(basename "$file" .y4m)-${label// /_}"
  rm -rf "$dir"
  local t0 t1
  t0=$(date +%s.%N)
  if ! "$bin" --validation off analyze "$file" --out "$dir" --block 16 --range 16 --frames "$frames" "$@" \
      >"$out/analyze.log" 2>&1; then
    echo "| $(basename "$file") | $label | failed: $(tail -1 "$out/analyze.log") |" | tee -a "$arows"
    return
  fi
  tail -1 "$out/analyze.log" >>"$out/analyze-lines.txt"
  t1=$(date +%s.%N)
  local bytes
  bytes=$(find "$dir" -type f ! -name manifest.json -printf '%s\n' | awk '{s += $1} END {print s}')
  python3 - "$label" "$(basename "$file")" "$frames" "$t0" "$t1" "$bytes" "$(cat "$out/analyze.log" | tail -1)" <<'PY' | tee -a "$arows"
import sys
label, name, frames, t0, t1, size, line = sys.argv[1:8]
secs = float(t1) - float(t0)
inner = line.split(" s (")[1].split(" fps")[0] if " s (" in line else "?"
steady = line.split("fps; ")[1].split(" fps after")[0] if " fps after start-up" in line else "-"
print("| %s | %s | %s | %.2f | %.1f | %s | %s | %.0f |" % (name, label, frames, secs, int(frames) / secs, inner,
      steady, int(size) / int(frames) / 1e3))
PY
  rm -rf "$dir"
}

for size in 1080 2160; do
  a="$WORK/a$size.y4m"
  b="$WORK/b$size.y4m"
  frames=$([ "$size" = 1080 ] && echo "$f1080" || echo "$f2160")
  slow=$([ "$size" = 1080 ] && echo "${BEFORE_ANALYZE_1080:-200}" || echo "${BEFORE_ANALYZE_2160:-60}")
  # Warm the page cache and the GPU clock.
  cat "$a" "$b" >/dev/null
  "$after" --validation off bench "$a" --frames 60 --block 16 --range 16 >/dev/null 2>&1 || true
  bench before "$before" "$a"
  bench after "$after" "$a"
  bench "after, serial transfers" "$after" "$a" --serial-transfers
  bench "after, K=3" "$after" "$a" --frames-in-flight 3
  bench "after, K=3, serial transfers" "$after" "$a" --frames-in-flight 3 --serial-transfers
  bench "before, --ref" "$before" "$a" --ref "$b"
  bench "after, --ref" "$after" "$a" --ref "$b"
  bench "after, --ref, serial transfers" "$after" "$a" --ref "$b" --serial-transfers
  bench "after, again" "$after" "$a"
  bench "after, serial transfers, again" "$after" "$a" --serial-transfers
  analyze before "$before" "$a" "$slow"
  analyze "after (default exports)" "$after" "$a" "$frames"
  analyze "after, serial transfers" "$after" "$a" "$frames" --serial-transfers
  analyze "after, again" "$after" "$a" "$frames"
  analyze "after, --export all" "$after" "$a" "$frames" --export all
  analyze "after, --ref" "$after" "$a" "$frames" --ref "$b"
  analyze "after, --ref, serial transfers" "$after" "$a" "$frames" --ref "$b" --serial-transfers
done

# A batch: 8 copies of the 720p clip (280 frames each) through analyze --out-root.
brows="$out/batch-rows.md"
: >"$brows"
# Hard links: eight paths (a batch analyses the same path once), one file in the page cache.
for i in 1 2 3 4 5 6 7 8; do ln -f "$WORK/c720.y4m" "$WORK/clip$i.y4m"; done
files=$(for i in 1 2 3 4 5 6 7 8; do echo "$WORK/clip$i.y4m"; done)
cat "$WORK/c720.y4m" >/dev/null
cframes=$(python3 - "$WORK/c720.y4m" <<'PY'
import os, sys
head = open(sys.argv[1], "rb").readline()
w, h = (int(t[1:]) for t in head.split()[1:3])
print((os.path.getsize(sys.argv[1]) - len(head)) // (6 + w * h * 3 // 2))
PY
)
t0=$(date +%s.%N)
for f in $files; do "$after" --validation off analyze "$f" --out "$WORK/one/$(basename "$f" .y4m)" >/dev/null 2>&1; done
t1=$(date +%s.%N)
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print('| one after another | %.2f | %.2f | %.0f |' % (s, 8/s, 8*int(sys.argv[3])/s))" "$t0" "$t1" "$cframes" | tee -a "$brows"
for jobs in 1 2 4 8; do
  rm -rf "$WORK/batch"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$after" --validation off analyze $files --out-root "$WORK/batch" --jobs "$jobs" >"$out/batch-$jobs.log" 2>&1 || true
  t1=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print('| --out-root, --jobs %s | %.2f | %.2f | %.0f |' % (sys.argv[3], s, 8/s, 8*int(sys.argv[4])/s))" "$t0" "$t1" "$jobs" "$cframes" | tee -a "$brows"
done
# Resume: a second run skips every finished folder.
"$after" --validation off analyze $files --out-root "$WORK/batch" >"$out/batch-resume.log" 2>&1 || true
tail -1 "$out/batch-resume.log"
kill "$(cat "$WORK/smi.pid")" 2>/dev/null || true

echo
echo "| input | binary | decode fps | GPU-bound fps | end-to-end fps | e2e ÷ min(decode, GPU-bound) | Σ pass ms | upload ms | readback ms |"
echo "|---|---|---|---|---|---|---|---|---|"
cat "$rows"
echo
echo "| input | binary | frames | wall s | wall fps | analyze's own fps | after start-up fps | kB per frame |"
echo "|---|---|---|---|---|---|---|---|"
cat "$arows"
echo
echo "| 8 × 720p .y4m ($cframes frames each) | wall s | files/s | frames/s |"
echo "|---|---|---|---|"
cat "$brows"

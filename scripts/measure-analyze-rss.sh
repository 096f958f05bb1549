#!/usr/bin/env bash
# Peak and sampled memory (VmRSS / VmHWM from /proc) of `vidscope analyze` over long 1080p runs:
#   scripts/measure-analyze-rss.sh VIDSCOPE FRAMES LABEL [SECONDS]
# Input synthetic:1920x1080@30/FRAMES, block 16, range $RANGE (default 16), --quant 255 (one digit plane, so
# symbols.bin stays 0.78 MB per pair and a long run fits on the disk; the per-block arrays do not
# depend on Q). Every 2 s prints: seconds, pairs written so far (from the size of the staged
# symbols.bin), VmRSS kB, VmHWM kB. With SECONDS the run is stopped after that long (its samples
# still show how memory grows with the pairs written). Output goes to LABEL.out, then is removed.
set -u
bin=$1; frames=$2; label=$3; limit=${4:-0}
record_bytes=$((24 * 4 * 68 * 120)) # words per record at Q=255 x 4 bytes x blocks of 1920x1080 at b=16
rm -rf "$label.out" ".$label.out".*
# --export symbols: the pairs are counted from the stream's size (an older binary without --export
# writes it anyway: set EXPORT= for it).
"$bin" --validation off analyze "synthetic:1920x1080@30/$frames" --out "$label.out" --quant 255 --range "${RANGE:-16}" ${EXPORT---export symbols} &
pid=$!
start=$(date +%s)
echo "label,seconds,pairs,vmrss_kb,vmhwm_kb"
while kill -0 $pid 2>/dev/null; do
    now=$(($(date +%s) - start))
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null)
    hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null)
    sym=$(stat -c %s ".$label.out".partial-*/symbols.bin 2>/dev/null | head -1)
    [ -n "$rss" ] && echo "$label,$now,$(( ${sym:-0} / record_bytes )),$rss,$hwm"
    if [ "$limit" -gt 0 ] && [ "$now" -ge "$limit" ]; then kill -TERM $pid; fi
    sleep 2
done
wait $pid
echo "$label exit $? after $(($(date +%s) - start)) s"
rm -rf "$label.out" ".$label.out".*

#!/usr/bin/env bash
# Viewer soak (issue 14; run by hand, not a test): the viewer loops CLIP under a private Xvfb with the
# validation layer on for MINUTES minutes, recording toggled (key R) every minute. Prints, once a
# minute, the viewer's RSS (VmRSS, and VmHWM at the end); at the end the validation messages it
# logged (there must be none) and each recording's frame count as ffprobe counts it, next to the
# count the viewer printed when it stopped that recording.
# usage: scripts/soak.sh [CLIP] [MINUTES]   env: VIDSCOPE (binary), OUT (folder for recordings and log)
set -euo pipefail
clip=${1:-assets/clip.mp4}
minutes=${2:-30}
bin=${VIDSCOPE:-./target/release/vidscope}
out=${OUT:-target/soak}
rm -rf "$out"
mkdir -p "$out/rec"

exec 3< <(Xvfb -displayfd 1 -noreset -screen 0 1280x800x24 -nolisten tcp 2>/dev/null)
read -r display <&3
export DISPLAY=":$display"
xvfb_pid=$(pgrep -n Xvfb)
RUST_LOG=${RUST_LOG:-info} "$bin" --validation on view "$clip" --record-dir "$out/rec" >"$out/viewer.log" 2>&1 &
viewer=$!
trap 'kill $viewer 2>/dev/null; kill $xvfb_pid 2>/dev/null' EXIT

window=""
for _ in $(seq 100); do
  window=$(xdotool search --pid "$viewer" 2>/dev/null | head -1) && [ -n "$window" ] && break
  sleep 0.2
done
[ -n "$window" ] || { echo "soak: the viewer opened no window" >&2; cat "$out/viewer.log" >&2; exit 1; }
sleep 2
xdotool windowfocus --sync "$window"  # keys go through XTEST to the focused window, as a user's would

rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$viewer/status"; }
echo "| minute | VmRSS MiB | recording |"
echo "|---|---|---|"
recording=0
for minute in $(seq 1 "$minutes"); do
  xdotool key r
  recording=$((1 - recording))
  sleep 60
  kill -0 "$viewer" 2>/dev/null || { echo "soak: the viewer exited at minute $minute" >&2; cat "$out/viewer.log" >&2; exit 1; }
  echo "| $minute | $(($(rss VmRSS) / 1024)) | $([ $recording = 1 ] && echo on || echo off) |"
done
if [ $recording = 1 ]; then
  xdotool key r
  sleep 5
fi
echo "peak VmHWM: $(($(rss VmHWM) / 1024)) MiB"
xdotool key q
wait "$viewer" || echo "soak: the viewer exited with $?"

echo "validation messages: $(grep -c "vidscope::validation" "$out/viewer.log" || true)"
echo "recordings (ffprobe's frame count; the viewer's own line):"
for f in "$out"/rec/*.mp4; do
  [ -e "$f" ] || { echo "none"; break; }
  n=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$f")
  said=$(grep -o "recorded [0-9]* frames ([0-9x]*) to $f" "$out/viewer.log" | head -1)
  echo "- $(basename "$f"): $n frames; viewer: ${said:-(no line)}"
done

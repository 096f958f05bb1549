#!/usr/bin/env bash
# Opens the viewer on a clip (`make run`). With a display: the window, until you close it.
# Without one, or with --screenshots: under a private Xvfb, one screenshot per mode into $OUT
# (default target/run-screenshots), then exit.
set -euo pipefail
clip=${1:?usage: scripts/view.sh CLIP [--screenshots]}
bin=${VIDSCOPE:-./target/release/vidscope}
out=${OUT:-target/run-screenshots}
frame=${FRAME:-30}

if [ "${2:-}" != "--screenshots" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  exec "$bin" view "$clip"
fi

xvfb_pid=""
if [ -z "${DISPLAY:-}" ]; then
  for n in $(seq 90 400); do
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] && continue
    Xvfb ":$n" -noreset -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
    export DISPLAY=":$n"
    break
  done
  trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid"' EXIT
  echo "view: no display; running the viewer under Xvfb $DISPLAY and saving screenshots"
fi
mkdir -p "$out"
for mode in raw diff heatmap heatmap-diff predicted residual split; do
  "$bin" view "$clip" --mode "$mode" --start "$frame" --paused \
    --screenshot "$out/viewer-$mode.png" --at-frame "$frame"
done
# The trit view at plane 2 (Q = 1: weight 27), then the rate heatmap
# (MDL bits per block from the residual symbol stream, docs/symbols.md).
"$bin" view "$clip" --mode trits --trit-plane 2 --start "$frame" --paused \
  --screenshot "$out/viewer-trits.png" --at-frame "$frame"
"$bin" view "$clip" --mode heatmap --metric rate --start "$frame" --paused \
  --screenshot "$out/viewer-rate.png" --at-frame "$frame"
# A/B comparison (--ref): the clip against its CRF 38 re-encode by the ffmpeg CLI, on moving footage:
# the wipe (A left, B right), |A − B| amplified ×4, and the per-block PSNR heatmap.
if command -v ffmpeg >/dev/null; then
  ref=$(mktemp -d)/crf38.mp4
  ffmpeg -nostdin -v error -y -i "$clip" -c:v libx264 -crf 38 -pix_fmt yuv420p "$ref"
  "$bin" view "$clip" --ref "$ref" --wipe 0.5 --start "$frame" --paused \
    --screenshot "$out/viewer-ab-wipe.png" --at-frame "$frame"
  "$bin" view "$clip" --ref "$ref" --mode ab-diff --amplify 4 --start "$frame" --paused \
    --screenshot "$out/viewer-ab-diff.png" --at-frame "$frame"
  "$bin" view "$clip" --ref "$ref" --mode heatmap --metric ab-psnr --start "$frame" --paused \
    --screenshot "$out/viewer-ab-psnr.png" --at-frame "$frame"
  rm -r "$(dirname "$ref")"
else
  echo "view: no ffmpeg CLI; skipping the A/B screenshots"
fi

#!/usr/bin/env bash
# Regenerates assets/clip.mp4: the bundled clip with known motion (see assets/README.md).
#
# Everything comes from FFmpeg's built-in lavfi sources, no external files:
#   1. one 800x450 frame of `testsrc2`, in yuv444p (so the crop below is exact on every plane),
#   2. covered with fixed-seed uniform `noise` so that no block anywhere is flat,
#   3. that single still frame looped to 60 frames,
#   4. a 640x360 window cropped at x = 2*n, y = n for frame n, so frame n is frame n-1 moved
#      by the motion vector (dx, dy) = (2, 1):  cur(x, y) = ref(x + 2, y + 1),
#   5. converted to yuv420p (the luma plane is untouched; only chroma is subsampled) and encoded
#      *losslessly* with libx264 (-qp 0), so the decoded luma keeps that exact relation.
#
# Usage: assets/make-clip.sh [OUTPUT]   (default: assets/clip.mp4 next to this script)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/clip.mp4}"

command -v ffmpeg >/dev/null || { echo "make-clip.sh: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }

# The still image must cover the last window: x up to 2*59 + 640 = 758, y up to 59 + 360 = 419.
graph="testsrc2=size=800x450:rate=30,format=yuv444p,trim=end_frame=1"
graph+=",noise=alls=24:allf=u:all_seed=12345"
graph+=",loop=loop=59:size=1:start=0,setpts=N/30/TB"
graph+=",crop=w=640:h=360:x=2*n:y=n:exact=1"
graph+=",format=yuv420p"

ffmpeg -nostdin -hide_banner -v error -y \
    -f lavfi -i "$graph" \
    -frames:v 60 -r 30 \
    -c:v libx264 -preset slow -qp 0 -g 30 -pix_fmt yuv420p \
    -movflags +faststart -an \
    "$out"

echo "wrote $out ($(stat -c %s "$out") bytes)"

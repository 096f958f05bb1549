#!/usr/bin/env bash
# Makes the benchmark footage of docs/benchmarks.md with ffmpeg's own generators (no download): a
# textured still (a Mandelbrot render soft-lit with a blurred rule-30 cellular automaton) panned by a
# camera moving a non-integer (3.3, 1.7) px per frame at 4K (scaled with the size), a Game-of-Life
# patch moving at three times that speed on top, and temporal luma noise (strength 12), H.264 yuv420p.
# Real footage (Big Buck Bunny) was not available on the benchmark machines.
#
# usage: scripts/make-bench-footage.sh OUT_DIR [CRF] [FRAMES_720 FRAMES_1080 FRAMES_4K]
# writes OUT_DIR/noisy-{1280x720,1920x1080,3840x2160}.mp4
set -euo pipefail
out=${1:?usage: make-bench-footage.sh OUT_DIR [CRF] [FRAMES_720 FRAMES_1080 FRAMES_4K]}
crf=${2:-23}
frames=("${3:-120}" "${4:-120}" "${5:-30}")
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ffmpeg -v error -f lavfi -i "mandelbrot=s=4400x2600:start_scale=1.2:end_scale=1.2:maxiter=300" \
    -frames:v 1 -y "$tmp/mandel.png"
ffmpeg -v error -f lavfi -i "cellauto=rule=30:s=1100x650:full=1,trim=start_frame=400:end_frame=401" \
    -frames:v 1 -y "$tmp/cell.png"
ffmpeg -v error -i "$tmp/mandel.png" -i "$tmp/cell.png" -filter_complex \
    "[1]scale=4400:2600:flags=bicubic,gblur=sigma=2,format=gbrp[t];[0]format=gbrp[m];[m][t]blend=all_mode=softlight,format=rgb24" \
    -frames:v 1 -y "$tmp/base.png"

i=0
for size in 1280x720 1920x1080 3840x2160; do
    w=${size%x*}
    h=${size#*x}
    n=${frames[$i]}
    i=$((i + 1))
    bw=$((w * 4400 / 3840 / 2 * 2))
    bh=$((bw * 2600 / 4400 / 2 * 2))
    vx=$(echo "3.3 * $w / 3840" | bc -l)
    vy=$(echo "1.7 * $w / 3840" | bc -l)
    lw=$((w / 4))
    lh=$((h / 4))
    ffmpeg -v error -loop 1 -framerate 25 -i "$tmp/base.png" \
        -f lavfi -i "life=s=$((lw / 2))x$((lh / 2)):mold=10:rate=25:ratio=0.3:death_color=#303030:life_color=#d0d0d0:mold_color=#806040" \
        -filter_complex "[0]scale=$bw:$bh:flags=lanczos,crop=$w:$h:x='20+$vx*n':y='20+$vy*n'[bg];[1]scale=$lw:$lh:flags=bilinear[obj];[bg][obj]overlay=x='$w/8+$vx*3*n':y='$h/2-$vy*2*n',noise=c0s=12:c0f=t,format=yuv420p" \
        -frames:v "$n" -c:v libx264 -preset medium -crf "$crf" -y "$out/noisy-$size.mp4"
    echo "$out/noisy-$size.mp4: $n frames, $(stat -c %s "$out/noisy-$size.mp4") bytes"
done

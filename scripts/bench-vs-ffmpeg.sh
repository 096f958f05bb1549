#!/usr/bin/env bash
# Times, in one run on the same file: ffmpeg decode-only, ffmpeg's tblend difference filter, ffmpeg's
# exhaustive block matching (mestimate=method=esa), and `vidscope analyze` (decode + GPU diff, block
# stats, exact full-search motion, warp, residual + exports), and prints the ratios; then issue 13's
# two measures (bench --passes diff,stats against decode-only; 4 frames against mestimate).
# usage: scripts/bench-vs-ffmpeg.sh FILE [BLOCK] [RANGE]   (VIDSCOPE=path/to/binary to choose the build;
#   ISSUE13_ONLY=1: decode-only and issue 13's two measures, without the whole-file filters and analyze)
set -euo pipefail
file=${1:?usage: bench-vs-ffmpeg.sh FILE [BLOCK]}
block=${2:-16}
range=${3:-16}
vidscope=${VIDSCOPE:-./target/release/vidscope}
[ -x "$vidscope" ] || { echo "no $vidscope: run cargo build --release first" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$file")
t_decode=$(seconds ffmpeg -v error -i "$file" -f null -)
printf '%s: %s frames\n' "$file" "$frames"
printf 'ffmpeg decode only (-f null)          %8.3f s  %8.1f fps\n' "$t_decode" "$(echo "$frames / $t_decode" | bc -l)"
if [ -z "${ISSUE13_ONLY:-}" ]; then
    t_tblend=$(seconds ffmpeg -v error -i "$file" -vf tblend=all_mode=difference -f null -)
    t_mest=$(seconds ffmpeg -v error -i "$file" -vf "mestimate=method=esa:mb_size=$block:search_param=$range" -f null -)
    t_analyze=$(seconds "$vidscope" --validation off analyze "$file" --out "$out/analysis" --block "$block" --range "$range")
    printf 'ffmpeg tblend=all_mode=difference     %8.3f s  %8.1f fps\n' "$t_tblend" "$(echo "$frames / $t_tblend" | bc -l)"
    printf 'ffmpeg mestimate esa b=%s R=%s        %8.3f s  %8.1f fps\n' "$block" "$range" "$t_mest" "$(echo "$frames / $t_mest" | bc -l)"
    printf 'vidscope analyze (all passes, b=%s R=%s) %6.3f s  %8.1f fps\n' "$block" "$range" "$t_analyze" "$(echo "$frames / $t_analyze" | bc -l)"
    printf 'ratio vidscope analyze / ffmpeg decode-only time: %.2f\n' "$(echo "$t_analyze / $t_decode" | bc -l)"
    printf 'ratio vidscope analyze / ffmpeg tblend time:      %.2f\n' "$(echo "$t_analyze / $t_tblend" | bc -l)"
    printf 'ratio vidscope analyze / ffmpeg mestimate time:   %.2f\n' "$(echo "$t_analyze / $t_mest" | bc -l)"
fi

# Issue 13's two CPU-Vulkan measures, on the same file in the same run:
# 1. `bench --passes diff,stats` end-to-end fps over ffmpeg's decode-only fps;
e2e=$("$vidscope" --validation off bench "$file" --passes diff,stats --json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["end_to_end_fps"])')
printf 'vidscope bench --passes diff,stats end-to-end %8.1f fps\n' "$e2e"
printf 'ratio bench diff,stats fps / ffmpeg decode-only fps: %.2f\n' "$(echo "$e2e * $t_decode / $frames" | bc -l)"
# 2. the first 4 frames, exact full search b x b at +-R: ffmpeg's mestimate (esa) time over the
#    time of `vidscope analyze --frames 4` (whole commands: decode, start-up, all of analyze's passes
#    and exports for vidscope, which does more than the search alone).
t_mest4=$(seconds ffmpeg -v error -i "$file" -vf "mestimate=method=esa:mb_size=$block:search_param=$range" -frames:v 4 -f null -)
t_analyze4=$(seconds "$vidscope" --validation off analyze "$file" --frames 4 --out "$out/four" --block "$block" --range "$range")
printf 'ffmpeg mestimate esa, 4 frames %8.3f s; vidscope analyze --frames 4 %8.3f s\n' "$t_mest4" "$t_analyze4"
printf 'ratio ffmpeg mestimate time / vidscope time, 4 frames: %.1f\n' "$(echo "$t_mest4 / $t_analyze4" | bc -l)"
[ -n "${ISSUE13_ONLY:-}" ] || "$vidscope" --validation off bench "$file" --block "$block" --range "$range" 2>/dev/null

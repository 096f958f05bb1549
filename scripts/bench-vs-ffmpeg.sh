#!/usr/bin/env bash
# Times, in one run on the same file: ffmpeg decode-only, ffmpeg's tblend difference filter, ffmpeg's
# exhaustive block matching (mestimate=method=esa), and `vidscope analyze` (decode + GPU diff, block
# stats, exact full-search motion, warp, residual + exports), and prints the ratios.
# usage: scripts/bench-vs-ffmpeg.sh FILE [BLOCK] [RANGE]   (VIDSCOPE=path/to/binary to choose the build)
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
t_tblend=$(seconds ffmpeg -v error -i "$file" -vf tblend=all_mode=difference -f null -)
t_mest=$(seconds ffmpeg -v error -i "$file" -vf "mestimate=method=esa:mb_size=$block:search_param=$range" -f null -)
t_analyze=$(seconds "$vidscope" --validation off analyze "$file" --out "$out/analysis" --block "$block" --range "$range")
printf '%s: %s frames\n' "$file" "$frames"
printf 'ffmpeg decode only (-f null)          %8.3f s  %8.1f fps\n' "$t_decode" "$(echo "$frames / $t_decode" | bc -l)"
printf 'ffmpeg tblend=all_mode=difference     %8.3f s  %8.1f fps\n' "$t_tblend" "$(echo "$frames / $t_tblend" | bc -l)"
printf 'ffmpeg mestimate esa b=%s R=%s        %8.3f s  %8.1f fps\n' "$block" "$range" "$t_mest" "$(echo "$frames / $t_mest" | bc -l)"
printf 'vidscope analyze (all passes, b=%s R=%s) %6.3f s  %8.1f fps\n' "$block" "$range" "$t_analyze" "$(echo "$frames / $t_analyze" | bc -l)"
printf 'ratio vidscope analyze / ffmpeg decode-only time: %.2f\n' "$(echo "$t_analyze / $t_decode" | bc -l)"
printf 'ratio vidscope analyze / ffmpeg tblend time:      %.2f\n' "$(echo "$t_analyze / $t_tblend" | bc -l)"
printf 'ratio vidscope analyze / ffmpeg mestimate time:   %.2f\n' "$(echo "$t_analyze / $t_mest" | bc -l)"
"$vidscope" --validation off bench "$file" --block "$block" --range "$range" 2>/dev/null

#!/usr/bin/env bash
# Times, in one run on the same file: ffmpeg decode-only, ffmpeg's tblend difference filter, and
# `vidscope analyze` (decode + GPU diff + block stats + exports), and prints the ratios.
# usage: scripts/bench-vs-ffmpeg.sh FILE [BLOCK]   (VIDSCOPE=path/to/binary to choose the build)
set -euo pipefail
file=${1:?usage: bench-vs-ffmpeg.sh FILE [BLOCK]}
block=${2:-16}
vidscope=${VIDSCOPE:-./target/release/vidscope}
[ -x "$vidscope" ] || { echo "no $vidscope: run cargo build --release first" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$file")
t_decode=$(seconds ffmpeg -v error -i "$file" -f null -)
t_tblend=$(seconds ffmpeg -v error -i "$file" -vf tblend=all_mode=difference -f null -)
t_analyze=$(seconds "$vidscope" --validation off analyze "$file" --out "$out/analysis" --block "$block")
printf '%s: %s frames\n' "$file" "$frames"
printf 'ffmpeg decode only (-f null)          %8.3f s  %8.1f fps\n' "$t_decode" "$(echo "$frames / $t_decode" | bc -l)"
printf 'ffmpeg tblend=all_mode=difference     %8.3f s  %8.1f fps\n' "$t_tblend" "$(echo "$frames / $t_tblend" | bc -l)"
printf 'vidscope analyze (diff+stats+export)  %8.3f s  %8.1f fps\n' "$t_analyze" "$(echo "$frames / $t_analyze" | bc -l)"
printf 'ratio vidscope analyze / ffmpeg decode-only time: %.2f\n' "$(echo "$t_analyze / $t_decode" | bc -l)"
printf 'ratio vidscope analyze / ffmpeg tblend time:      %.2f\n' "$(echo "$t_analyze / $t_tblend" | bc -l)"

#!/usr/bin/env python3
"""By-hand check of analyze --ref's chroma PSNRs and MS-SSIM on real clips (issue 20, item 5).

Usage: check_ab_metrics.py VIDSCOPE A B [--torch]
Runs `VIDSCOPE analyze A --ref B`, FFmpeg's psnr filter on (A, B), and scripts/ms_ssim_numpy.py on
the two luma planes (FFmpeg's extractplanes=y: the stored Y, no range conversion); with --torch also
pytorch_msssim (run this script with a Python that has torch and pytorch_msssim). Prints, per clip, the
mse_u/mse_v/psnr_u/psnr_v fields that differ from FFmpeg's stats at its 2 decimals, and the largest
|vidscope − NumPy| and |vidscope − pytorch_msssim| of ms_ssim_y.
"""
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def main():
    vidscope, a, b = sys.argv[1:4]
    torch = "--torch" in sys.argv[4:]
    with tempfile.TemporaryDirectory() as d:
        run(vidscope, "analyze", a, "--ref", b, "-o", f"{d}/out")
        rows = list(csv.DictReader(open(f"{d}/out/psnr.csv")))
        run("ffmpeg", "-v", "error", "-i", a, "-i", b, "-lavfi", f"[0:v][1:v]psnr=stats_file={d}/psnr.log", "-f", "null", "-")
        logs = [dict(kv.split(":", 1) for kv in line.split()) for line in open(f"{d}/psnr.log")]
        probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                                "-of", "csv=p=0", a], check=True, stdout=subprocess.PIPE, text=True).stdout
        w, h = probe.strip().split(",")[:2]
        for name, path in (("a", a), ("b", b)):
            run("ffmpeg", "-v", "error", "-i", path, "-vf", "extractplanes=y", "-pix_fmt", "gray", "-f", "rawvideo", f"{d}/{name}.gray")
        cmd = [sys.executable, f"{HERE}/ms_ssim_numpy.py", f"{d}/a.gray", f"{d}/b.gray", w, h] + (["--torch"] if torch else [])
        ms = [line.split() for line in subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout.splitlines()]
    bad = 0
    for r, log in zip(rows, logs):
        for k in ("mse_u", "mse_v", "psnr_u", "psnr_v"):
            v = float(r[k])
            if ("inf" if v == float("inf") else f"{v:.2f}") != log[k]:
                bad += 1
                print(f"frame {r['frame']}: {k} {r[k]} vs ffmpeg {log[k]}")
    ours = [float(r["ms_ssim_y"]) for r in rows]
    line = f"{a} vs {b} ({w}x{h}, {len(rows)} frames): chroma fields off ffmpeg's psnr: {bad} of {4 * len(rows)}; "
    line += f"ms_ssim_y {min(ours):.4f}..{max(ours):.4f}, max |vidscope - NumPy f64| {max(abs(o - float(m[0])) for o, m in zip(ours, ms)):.2e}"
    if torch:
        line += f", max |vidscope - pytorch_msssim| {max(abs(o - float(m[1])) for o, m in zip(ours, ms)):.2e}"
    print(line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

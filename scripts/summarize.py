#!/usr/bin/env python3
"""Prints a readable summary of a `vidscope analyze` output folder (used by `make run`)."""
import json
import sys
from pathlib import Path

import numpy as np

out = Path(sys.argv[1])
m = json.loads((out / "manifest.json").read_text())
sad, sse, mean = (np.load(out / f) for f in ("sad.npy", "sse.npy", "mean.npy"))
print(f"{m['input']}: {m['width']}x{m['height']} {m['pixel_format']}, {m['frames']} frames at {m['fps']:.2f} fps, "
      f"block {m['block']} -> grid {m['blocks_y']}x{m['blocks_x']}, device {m['device']}")
if m["pairs"]:
    per_pair = sad.reshape(sad.shape[0], -1).sum(axis=1, dtype=np.uint64)
    pixels = m["width"] * m["height"]
    print(f"mean |diff| per pixel: min {per_pair.min() / pixels:.2f}, median {np.median(per_pair) / pixels:.2f}, "
          f"max {per_pair.max() / pixels:.2f} (pair {int(per_pair.argmax())})")
    p, by, bx = np.unravel_index(int(sad.argmax()), sad.shape)
    print(f"largest block SAD {int(sad.max())} at pair {p}, block (by={by}, bx={bx}); "
          f"mean PSNR of frame vs previous {10 * np.log10(255**2 * pixels / max(1, sse.sum() / m['pairs'])):.2f} dB")
if m.get("rate") and m["pairs"]:
    r, s = m["rate"], m["symbols"]
    side = sum(r["pair_mv_bits"]) / max(r["total_bits"], 1e-9)
    stream = ", symbols.bin" if "symbols.bin" in m["files"] else ""
    print(f"MDL rate at Q = {s['quant']} ({s['planes']} digit planes): {r['bits_per_pixel']:.3f} bits/pixel, "
          f"{100 * side:.1f}% of it side information (rate.npy{stream})")
print(f"frame means: first {mean[0].mean():.2f}, last {mean[-1].mean():.2f}")
if m.get("bytes_per_frame") is not None:
    print(f"output: {m['output_bytes'] / 1e6:.2f} MB, {m['bytes_per_frame'] / 1e3:.1f} kB per frame "
          f"(extra outputs: {', '.join(m['exports']) or 'none; --export symbols,block-csv adds them'})")
print(f"files in {out}: " + ", ".join(sorted(p.name for p in out.iterdir())))

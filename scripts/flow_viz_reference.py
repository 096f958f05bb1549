#!/usr/bin/env python3
"""The flow view of `vidscope analyze --dump flow`, computed independently with RAFT's flow_viz.

Reads OUT_DIR/motion.npy (int32 [P, By, Bx, 2], vectors into the previous frame) and
OUT_DIR/manifest.json (block size, frame size, flow scale S), colours each block's content motion
(-dx, -dy) / S with RAFT's `flow_uv_to_colors` (princeton-vl/RAFT core/utils/flow_viz.py, MIT
licence; the two functions below are RAFT's, unchanged but for the BGR option), and writes the
expected pictures as uint8 [P, H, W, 3] to EXPECTED_NPY. tests/suite compares them with the PNGs.

usage: flow_viz_reference.py OUT_DIR SCALE EXPECTED_NPY
"""
import json
import sys
from pathlib import Path

import numpy as np


def make_colorwheel():
    RY, YG, GC, CB, BM, MR = 15, 6, 4, 11, 13, 6
    ncols = RY + YG + GC + CB + BM + MR
    colorwheel = np.zeros((ncols, 3))
    col = 0
    colorwheel[0:RY, 0] = 255
    colorwheel[0:RY, 1] = np.floor(255 * np.arange(0, RY) / RY)
    col = col + RY
    colorwheel[col:col + YG, 0] = 255 - np.floor(255 * np.arange(0, YG) / YG)
    colorwheel[col:col + YG, 1] = 255
    col = col + YG
    colorwheel[col:col + GC, 1] = 255
    colorwheel[col:col + GC, 2] = np.floor(255 * np.arange(0, GC) / GC)
    col = col + GC
    colorwheel[col:col + CB, 1] = 255 - np.floor(255 * np.arange(CB) / CB)
    colorwheel[col:col + CB, 2] = 255
    col = col + CB
    colorwheel[col:col + BM, 2] = 255
    colorwheel[col:col + BM, 0] = np.floor(255 * np.arange(0, BM) / BM)
    col = col + BM
    colorwheel[col:col + MR, 2] = 255 - np.floor(255 * np.arange(MR) / MR)
    colorwheel[col:col + MR, 0] = 255
    return colorwheel


def flow_uv_to_colors(u, v):
    flow_image = np.zeros((u.shape[0], u.shape[1], 3), np.uint8)
    colorwheel = make_colorwheel()
    ncols = colorwheel.shape[0]
    rad = np.sqrt(np.square(u) + np.square(v))
    a = np.arctan2(-v, -u) / np.pi
    fk = (a + 1) / 2 * (ncols - 1)
    k0 = np.floor(fk).astype(np.int32)
    k1 = k0 + 1
    k1[k1 == ncols] = 0
    f = fk - k0
    for i in range(colorwheel.shape[1]):
        tmp = colorwheel[:, i]
        col0 = tmp[k0] / 255.0
        col1 = tmp[k1] / 255.0
        col = (1 - f) * col0 + f * col1
        idx = rad <= 1
        col[idx] = 1 - rad[idx] * (1 - col[idx])
        col[~idx] = col[~idx] * 0.75
        flow_image[:, :, i] = np.floor(255 * col)
    return flow_image


def main():
    out_dir, scale, expected = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    manifest = json.loads((out_dir / "manifest.json").read_text())
    b, w, h = manifest["block"], manifest["width"], manifest["height"]
    motion = np.load(out_dir / "motion.npy")
    pictures = []
    for pair in motion:
        # Negating the integers keeps zero components +0.0 (RAFT's hue for a flow of (u, +0)).
        u = (-pair[..., 0]).astype(np.float64) / scale
        v = (-pair[..., 1]).astype(np.float64) / scale
        rgb = flow_uv_to_colors(u, v)
        pictures.append(np.repeat(np.repeat(rgb, b, axis=0), b, axis=1)[:h, :w])
    np.save(expected, np.stack(pictures))
    print(f"{len(pictures)} flow pictures of {w}x{h} at block {b}, scale {scale}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A dense flow for `vidscope --flow`, made without vidscope: OpenCV's Farnebäck optical flow of each
frame t into frame t - 1 (so cur(x) ~ prev(x + flow(x)), vidscope's backward convention), as a
float32 .npy [P, H, W, 2] in pixels. A stand-in for a learned (RAFT-style) flow in the README's
screenshots. Needs numpy, opencv-python-headless and the ffmpeg CLI.

    python3 scripts/make_dense_flow.py assets/bbb-720p.mp4 /tmp/farneback.npy --frames 61
"""
import argparse
import json
import subprocess

import cv2
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video")
    ap.add_argument("out")
    ap.add_argument("--frames", type=int, default=61, help="frames to decode (pairs = frames - 1)")
    a = ap.parse_args()
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "json", a.video],
        capture_output=True, check=True, text=True)
    s = json.loads(probe.stdout)["streams"][0]
    w, h = s["width"], s["height"]
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", a.video, "-frames:v", str(a.frames), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w)
    flows = np.lib.format.open_memmap(a.out, mode="w+", dtype=np.float32, shape=(len(frames) - 1, h, w, 2))
    for p in range(len(frames) - 1):
        # Frame t = p + 1 into frame p: pred(x) = prev(x + flow(x)).
        flows[p] = cv2.calcOpticalFlowFarneback(frames[p + 1], frames[p], None, 0.5, 4, 21, 3, 7, 1.5, 0)
    flows.flush()
    print(f"{a.out}: {len(frames) - 1} pairs of {w}x{h}, mean |flow| {np.abs(flows).mean():.3f} px")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Decodes a video with OpenCV (FFmpeg inside) into a 4:2:0 .y4m for `vidscope bench` on a machine
without the FFmpeg libraries (the GPU machine). Loops the clip to reach --frames; --size WxH scales
every frame (bilinear) first; --noise S adds Gaussian luma noise of sigma S (fixed --seed): a stand-in
"codec output" to compare with (--ref); --noise-fields K draws K noise fields and cycles through them
(fast for long 4K files; 0 = a new field per frame).

usage: y4m_from_video.py IN.mp4 OUT.y4m [--frames N] [--size WxH] [--noise SIGMA] [--noise-fields K] [--seed K]
"""
import argparse

import cv2
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--frames", type=int, default=0, help="frames to write (0: the clip once)")
    ap.add_argument("--noise", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--size", default="", help="WxH to scale every frame to (even sizes)")
    ap.add_argument("--noise-fields", type=int, default=0)
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x")) if args.size else None
    cap = cv2.VideoCapture(args.input)
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if size:
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_LINEAR)
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420))
    if not frames:
        raise SystemExit(f"{args.input}: no frames decoded")
    h = frames[0].shape[0] * 2 // 3
    w = frames[0].shape[1]
    n = args.frames or len(frames)
    rng = np.random.default_rng(args.seed)
    fields = [rng.normal(0, args.noise, (h, w)).astype(np.float32) for _ in range(args.noise_fields)] if args.noise > 0 else []
    with open(args.output, "wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n".encode())
        for i in range(n):
            f = frames[i % len(frames)]
            if args.noise > 0:
                f = f.copy()
                field = fields[i % len(fields)] if fields else rng.normal(0, args.noise, (h, w))
                y = f[:h].astype(np.float32) + field
                f[:h] = np.clip(np.rint(y), 0, 255).astype(np.uint8)
            out.write(b"FRAME\n")
            out.write(f.tobytes())
    print(f"{args.output}: {w}x{h}, {n} frames from {len(frames)} decoded")


if __name__ == "__main__":
    main()

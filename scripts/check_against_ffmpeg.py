#!/usr/bin/env python3
"""Checks a `vidscope analyze` output against NumPy computed on luma decoded by the ffmpeg CLI.

Exact equality of sad.npy, sse.npy, mean.npy (DESIGN.md conventions); for a search range of at
most 4, of motion.npy, mc_sad.npy and mc_sse.npy with a NumPy full search (same tie-breaking), and
of the symbol stream (symbols.bin, decoded by read_symbols.py) with the NumPy-quantised residual of
that search's prediction; and, when the output has diff/ PNG dumps, equality of each with the luma
of ffmpeg's `tblend=all_mode=difference`.

usage: check_against_ffmpeg.py VIDEO OUT_DIR
Exit 0 when everything matches; prints what differs and exits 1 otherwise.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from read_symbols import read_symbols  # noqa: E402


def ffmpeg_luma(args, width, height, pix_fmt, bytes_per_frame):
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", *args, "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"],
        check=True,
        capture_output=True,
    ).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, bytes_per_frame)
    return frames[:, : width * height].reshape(-1, height, width)


def block_sums(planes, b):
    """Sum over each b x b block (edge blocks partial), planes [N, H, W] -> [N, By, Bx]."""
    n, h, w = planes.shape
    by, bx = -(-h // b), -(-w // b)
    padded = np.zeros((n, by * b, bx * b), planes.dtype)
    padded[:, :h, :w] = planes
    return padded.reshape(n, by, b, bx, b).sum(axis=(2, 4), dtype=np.uint64)


def numpy_motion_search(cur, ref, b, R):
    """Full search with clamped reads; candidates visited in tie-break order, strict improvement."""
    n, h, w = cur.shape
    padded = np.pad(ref, ((0, 0), (R, R), (R, R)), mode="edge")
    cands = sorted(((dx, dy) for dy in range(-R, R + 1) for dx in range(-R, R + 1)),
                   key=lambda v: (abs(v[0]) + abs(v[1]), v[1], v[0]))
    best_sad = best_sse = best_v = None
    for dx, dy in cands:
        d = cur - padded[:, R + dy:R + dy + h, R + dx:R + dx + w]
        sad, sse = block_sums(np.abs(d), b), block_sums(d * d, b)
        if best_sad is None:
            best_sad, best_sse = sad, sse
            best_v = np.zeros(sad.shape + (2,), np.int32)
            best_v[...] = (dx, dy)
            continue
        better = sad < best_sad
        best_sad = np.where(better, sad, best_sad)
        best_sse = np.where(better, sse, best_sse)
        best_v[better] = (dx, dy)
    return {"motion.npy": best_v, "mc_sad.npy": best_sad.astype(np.uint32), "mc_sse.npy": best_sse.astype(np.uint32)}


def numpy_prediction(ref, vectors, b, R):
    """pred(x, y) = ref(x + dx, y + dy) with each pixel's block vector, reads clamped to the edge."""
    n, h, w = ref.shape
    padded = np.pad(ref, ((0, 0), (R, R), (R, R)), mode="edge")
    ys, xs = np.mgrid[0:h, 0:w]
    v = vectors[:, ys // b, xs // b]  # [n, h, w, 2]
    return padded[np.arange(n)[:, None, None], ys + R + v[..., 1], xs + R + v[..., 0]]


def numpy_levels(cur, pred, b, quant):
    """q = sign(r) * floor((|r| + Q//2) / Q) per block, [n, By, Bx, b, b], 0 outside the frame."""
    n, h, w = cur.shape
    r = cur - pred
    q = np.sign(r) * ((np.abs(r) + quant // 2) // quant)
    by, bx = -(-h // b), -(-w // b)
    padded = np.zeros((n, by * b, bx * b), np.int64)
    padded[:, :h, :w] = q
    return padded.reshape(n, by, b, bx, b).transpose(0, 1, 3, 2, 4)


def main():
    video, out = sys.argv[1], Path(sys.argv[2])
    manifest = json.loads((out / "manifest.json").read_text())
    w, h, b, frames = manifest["width"], manifest["height"], manifest["block"], manifest["frames"]
    pix_fmt = manifest["pixel_format"]
    chroma = {"yuv420p": 2 * ((w + 1) // 2) * ((h + 1) // 2), "yuv422p": 2 * ((w + 1) // 2) * h,
              "yuv444p": 2 * w * h, "gray": 0}[pix_fmt]
    # Raw output in the source's own pixel format: no swscale conversion, the Y plane as decoded.
    luma = ffmpeg_luma(["-i", video, "-frames:v", str(frames)], w, h, pix_fmt, w * h + chroma)
    assert luma.shape[0] == frames, f"ffmpeg decoded {luma.shape[0]} frames, manifest says {frames}"
    cur, ref = luma[1:].astype(np.int64), luma[:-1].astype(np.int64)
    d = np.abs(cur - ref)
    expected = {
        "sad.npy": block_sums(d, b).astype(np.uint32),
        "sse.npy": block_sums(d * d, b).astype(np.uint32),
    }
    ones = np.ones((1, h, w), np.int64)
    counts = block_sums(ones, b).astype(np.float32)
    expected["mean.npy"] = block_sums(luma.astype(np.int64), b).astype(np.float32) / counts
    R = manifest.get("range")
    if R is not None and R <= 4 and manifest.get("prediction", "").startswith("motion search"):
        expected.update(numpy_motion_search(cur, ref, b, R))
    failures = []
    if "motion.npy" in expected and "symbols" in manifest:
        vectors = expected["motion.npy"]
        layout, header, trits, q = read_symbols(out)
        want_q = numpy_levels(cur, numpy_prediction(ref, vectors, b, R), b, layout["quant"])
        want_header = np.zeros(header.shape, np.int64)
        want_header[..., 0] = np.arange(header.shape[1] * header.shape[2]).reshape(header.shape[1:3])
        want_header[..., 1] = 1  # mode 1: motion vector
        want_header[..., 2:4] = vectors
        want_header[..., 6] = (trits != 0).sum(axis=(3, 4, 5))
        if not np.array_equal(q, want_q) or not np.array_equal(header.view(np.int32), want_header):
            failures.append(f"symbols.bin: levels mismatch {np.count_nonzero(q != want_q)}, "
                            f"header mismatch {np.count_nonzero(header.view(np.int32) != want_header)}")
        else:
            print(f"symbols.bin: {q.shape} levels at Q = {layout['quant']} and headers equal to NumPy")
    for name, want in expected.items():
        got = np.load(out / name)
        if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
            failures.append(f"{name}: dtype {got.dtype}/{want.dtype} shape {got.shape}/{want.shape} "
                            f"mismatches {np.count_nonzero(got != want) if got.shape == want.shape else 'n/a'}")
        else:
            print(f"{name}: {got.shape} {got.dtype} equal to NumPy")
    diff_dir = out / "diff"
    if diff_dir.is_dir():
        tblend = ffmpeg_luma(["-i", video, "-frames:v", str(frames), "-vf", "tblend=all_mode=difference"],
                             w, h, pix_fmt, w * h + chroma)
        ours = ffmpeg_luma(["-start_number", "1", "-i", str(diff_dir / "%06d.png")], w, h, "gray", w * h)
        if ours.shape != tblend.shape or not np.array_equal(ours, tblend):
            failures.append(f"diff PNGs {ours.shape} differ from tblend {tblend.shape}")
        else:
            print(f"diff/*.png: {ours.shape[0]} frames equal to ffmpeg tblend=all_mode=difference luma")
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()

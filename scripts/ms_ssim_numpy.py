#!/usr/bin/env python3
"""MS-SSIM of luma, written independently of vidscope from pytorch_msssim's definition (ms_ssim with
data_range=255, win_size=11, win_sigma=1.5, K=(0.01, 0.03), weights 0.0448, 0.2856, 0.3001, 0.2363,
0.1333), in float64 NumPy: separable Gaussian 'valid' convolution, F.avg_pool2d(kernel 2, stride 2,
padding = [s % 2], count_include_pad) between scales, relu on cs and the last SSIM.

Usage: ms_ssim_numpy.py A.gray B.gray WIDTH HEIGHT [--torch]
A.gray and B.gray are raw 8-bit luma frames back to back (ffmpeg -pix_fmt gray -f rawvideo).
Prints one MS-SSIM per frame pair. With --torch, also pytorch_msssim's own value (if installed).
"""
import sys

import numpy as np

WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])


def gauss(size=11, sigma=1.5):
    x = np.arange(size, dtype=np.float64) - size // 2
    g = np.exp(-(x ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def filt(img, g):
    """'valid' separable convolution: along rows' axis (H) first, then W."""
    win = np.lib.stride_tricks.sliding_window_view(img, len(g), axis=0)  # (H-10, W, 11)
    img = win @ g
    win = np.lib.stride_tricks.sliding_window_view(img, len(g), axis=1)  # (H-10, W-10, 11)
    return win @ g


def avg_pool(img):
    ph, pw = img.shape[0] % 2, img.shape[1] % 2
    p = np.pad(img, ((ph, ph), (pw, pw)))
    oh = (img.shape[0] + 2 * ph - 2) // 2 + 1
    ow = (img.shape[1] + 2 * pw - 2) // 2 + 1
    p = p[: 2 * oh, : 2 * ow]
    return (p[0::2, 0::2] + p[0::2, 1::2] + p[1::2, 0::2] + p[1::2, 1::2]) / 4.0


def ssim_cs(x, y, g):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu1, mu2 = filt(x, g), filt(y, g)
    s1 = filt(x * x, g) - mu1 * mu1
    s2 = filt(y * y, g) - mu2 * mu2
    s12 = filt(x * y, g) - mu1 * mu2
    cs = (2 * s12 + c2) / (s1 + s2 + c2)
    ssim = (2 * mu1 * mu2 + c1) / (mu1 * mu1 + mu2 * mu2 + c1) * cs
    return ssim.mean(), cs.mean()


def ms_ssim(a, b):
    assert min(a.shape) > 160, "MS-SSIM needs a smaller side over 160"
    g = gauss()
    x, y = a.astype(np.float64), b.astype(np.float64)
    values = []
    for level in range(5):
        ssim, cs = ssim_cs(x, y, g)
        values.append(max(cs, 0.0) if level < 4 else max(ssim, 0.0))
        if level < 4:
            x, y = avg_pool(x), avg_pool(y)
    return float(np.prod(np.array(values) ** WEIGHTS))


def frames(path, w, h):
    data = np.fromfile(path, dtype=np.uint8)
    return data[: len(data) // (w * h) * w * h].reshape(-1, h, w)


def main():
    a_path, b_path, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with_torch = "--torch" in sys.argv[5:]
    if with_torch:
        import torch
        from pytorch_msssim import ms_ssim as torch_ms_ssim
    for fa, fb in zip(frames(a_path, w, h), frames(b_path, w, h)):
        line = f"{ms_ssim(fa, fb):.9f}"
        if with_torch:
            ta = torch.from_numpy(fa.astype(np.float32))[None, None]
            tb = torch.from_numpy(fb.astype(np.float32))[None, None]
            line += f" {torch_ms_ssim(ta, tb, data_range=255).item():.9f}"
        print(line)


if __name__ == "__main__":
    main()

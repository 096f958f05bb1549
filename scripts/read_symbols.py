#!/usr/bin/env python3
"""Reads the symbol stream of a `vidscope analyze` output (symbols.bin) with NumPy only.

The layout comes from manifest.json's "symbols" object (docs/symbols.md): for each pair, By*Bx
records in block order; a record is `header_words` little-endian uint32 header words
(block index, mode, 4 parameter words, non-zero trit count, reserved) followed by `planes` digit
planes of `words_per_plane` words. Trit i (raster index over the full b x b block) of a plane sits
in bits 2*(i%16)..2*(i%16)+1 of word i//16; codes 0b00 = 0, 0b01 = +1, 0b11 = -1 (0b10 is invalid).
The quantised residual is q = sum_k d_k * 3^(N-1-k), plane 0 most significant, and r^ = q * Q.

usage: read_symbols.py OUT_DIR [--save DIR]
Prints a summary; with --save writes DIR/trits.npy (int8 [P, By, Bx, N, b, b]), DIR/q.npy
(int32 [P, By, Bx, b, b]) and DIR/header.npy (uint32 [P, By, Bx, header_words]).
Exits 1 with a message when the stream does not match its manifest.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np


def read_symbols(out_dir):
    """Returns (layout dict, header uint32 [P,By,Bx,H], trits int8 [P,By,Bx,N,b,b], q int32 [P,By,Bx,b,b])."""
    out_dir = Path(out_dir)
    layout = json.loads((out_dir / "manifest.json").read_text())["symbols"]
    if layout["byte_order"] != "little" or layout["word"] != "uint32":
        raise ValueError(f"unsupported word {layout['word']} / byte order {layout['byte_order']}")
    pairs, (by, bx) = layout["pairs"], layout["grid"]
    b, n, hw = layout["block"], layout["planes"], layout["header_words"]
    wpp, rw, per_word = layout["words_per_plane"], layout["record_words"], layout["trits_per_word"]
    bits = layout["bits_per_trit"]
    if rw != hw + n * wpp or wpp != -(-b * b // per_word):
        raise ValueError(f"inconsistent layout {layout}")
    words = np.fromfile(out_dir / layout["file"], dtype="<u4")
    if words.size != pairs * by * bx * rw:
        raise ValueError(f"{layout['file']}: {words.size} words, expected {pairs}*{by}*{bx}*{rw}")
    records = words.reshape(pairs, by, bx, rw)
    header = records[..., :hw]
    planes = records[..., hw:].reshape(pairs, by, bx, n, wpp)
    shifts = (bits * np.arange(per_word, dtype=np.uint32)).astype(np.uint32)
    codes = (planes[..., None] >> shifts) & np.uint32((1 << bits) - 1)
    codes = codes.reshape(pairs, by, bx, n, wpp * per_word)[..., : b * b].reshape(pairs, by, bx, n, b, b)
    table = np.full(1 << bits, 2, np.int8)  # 2 marks an invalid code
    for digit, code in layout["trit_code"].items():
        table[code] = int(digit)
    trits = table[codes]
    if (trits == 2).any():
        where = tuple(int(i) for i in np.argwhere(trits == 2)[0])
        raise ValueError(f"invalid trit code 0b10 at [p, by, bx, plane, y, x] = {list(where)}")
    weights = (3 ** np.arange(n - 1, -1, -1)).astype(np.int32)
    q = np.einsum("pyxkij,k->pyxij", trits.astype(np.int32), weights)  # [P, By, Bx, b, b]
    return layout, header, trits, q.astype(np.int32)


def check(layout, header, trits):
    """Header consistency: block indices in order, non-zero counts match the planes."""
    pairs, (by, bx) = layout["pairs"], layout["grid"]
    expected_index = np.arange(by * bx, dtype=np.uint32).reshape(by, bx)
    if not (header[..., 0] == expected_index).all():
        raise ValueError("block indices are not in block order")
    nonzero = (trits != 0).sum(axis=(3, 4, 5))
    if not (header[..., 6] == nonzero).all():
        raise ValueError("header non-zero counts differ from the planes")
    if (header[..., 7] != 0).any():
        raise ValueError("reserved header word is not 0")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--save", metavar="DIR", help="write trits.npy, q.npy and header.npy here")
    args = parser.parse_args()
    try:
        layout, header, trits, q = read_symbols(args.out_dir)
        check(layout, header, trits)
    except (ValueError, KeyError, OSError) as e:
        print(f"read_symbols: {args.out_dir}: {e}", file=sys.stderr)
        return 1
    modes, counts = np.unique(header[..., 1], return_counts=True)
    quant = layout["quant"]
    print(f"symbols.bin: {layout['pairs']} pairs x {layout['grid'][0]}x{layout['grid'][1]} blocks of "
          f"{layout['block']}x{layout['block']}, Q = {quant}, {layout['planes']} planes, "
          f"{layout['record_words']} words per record ({layout['source']})")
    print(f"trits {trits.shape} int8, q {q.shape} int32, |q| <= {int(np.abs(q).max()) if q.size else 0}, "
          f"max |r^| = {int(np.abs(q).max()) * quant if q.size else 0}")
    print("modes: " + ", ".join(f"{int(m)}: {int(c)} blocks" for m, c in zip(modes, counts)))
    nz = (trits != 0).sum(axis=(0, 1, 2, 4, 5))
    total = trits[..., 0, :, :].size
    print("non-zero trits per plane: " + ", ".join(f"{k}: {int(c)}/{total}" for k, c in enumerate(nz)))
    if args.save:
        save = Path(args.save)
        save.mkdir(parents=True, exist_ok=True)
        np.save(save / "trits.npy", np.ascontiguousarray(trits))
        np.save(save / "q.npy", np.ascontiguousarray(q))
        np.save(save / "header.npy", np.ascontiguousarray(header))
        print(f"saved trits.npy, q.npy, header.npy to {save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

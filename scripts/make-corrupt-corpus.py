#!/usr/bin/env python3
"""Makes the corrupt-input corpus the decode-error tests run on (tests/suite/corrupt_inputs.rs).

Usage: scripts/make-corrupt-corpus.py OUT_DIR

From one clean H.264 clip (made here with the ffmpeg CLI: testsrc2, 320x240, 48 frames, a keyframe
every 12, no B-frames) and one with B-frames it writes, with fixed seeds so every run gives the same
bytes:

  clean.mp4, clean.h264        the clip as MP4 (moov first) and as a raw Annex B stream
  flip-mp4-sN.mp4              N = 1..4: 24 bytes flipped inside mdat (headers and moov intact)
  flip-h264-sN.h264            N = 1..4: 24 bytes flipped after the stream headers
  trunc-50.mp4, trunc-90.mp4   cut at 50 % / 90 % of the file (moov first, so it still opens)
  trunc-50.h264                cut mid-stream, inside a NAL unit
  nomoov.mp4                   the moov box removed: no index, FFmpeg cannot open it
  size-change.h264             320x240 then 160x120 in one stream (a mid-stream change)
  size-blip-N.h264             N = 2, 8, 9: 320x240, N frames of 32x32 after the first GOP, then
                               320x240 again (what a corrupt header does: a few frames of another
                               size; vidscope skips up to 8 in a row as damage, 9 are a size change)
  bframes.mp4                  a clean clip with B-frames (3, pyramid): the decoder reorders, so
                               frames come out later than their packets go in
  flip-bf-mp4-sN.mp4           N = 1, 2: bframes.mp4 with 24 bytes flipped inside mdat
  flip-bf-h264-sN.h264         N = 1, 2: its raw stream with 24 bytes flipped after the first 1 kB
  trunc-bf-50.h264             its raw stream cut at 50 % (the damaged frame is among the last out)
  drop-p.mp4                   clean.mp4 with packet 17 (a P-frame) removed by the noise bitstream
                               filter: a clean stream with a gap of one frame in its timestamps,
                               which the decoder does not notice (the ffmpeg CLI says nothing)
  drop-bf.mp4                  bframes.mp4 with packet 20 removed the same way
  depth-change.h264            24 frames of 8-bit yuv420p, then 24 of 10-bit yuv420p10le, same size
                               (a mid-stream pixel format change; not damage)

and `corpus.txt`, one line per file: name, then what was done to it. Needs only Python 3 and ffmpeg.
"""

import os
import random
import struct
import subprocess
import sys

FLIPS = 24


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def x264(out, size, frames, *extra, pix_fmt="yuv420p", bframes=0):
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=24",
        "-frames:v", str(frames), "-c:v", "libx264", "-preset", "veryfast", "-g", "12",
        "-bf", str(bframes), "-pix_fmt", pix_fmt, *extra, out,
    )


def sps_offsets(stream):
    """Offsets of the start codes of the sequence parameter sets (NAL type 7) in an Annex B stream:
    h264_mp4toannexb puts one before every keyframe, so these split it into GOPs."""
    out, pos = [], 0
    while (pos := stream.find(b"\x00\x00\x01", pos)) >= 0:
        if pos + 3 < len(stream) and stream[pos + 3] & 0x1F == 7:
            out.append(pos - 1 if pos > 0 and stream[pos - 1] == 0 else pos)
        pos += 3
    return out


def boxes(data):
    """(type, offset, size) of the top-level MP4 boxes."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        out.append((kind.decode("latin-1"), pos, size))
        pos += size
    return out


def flip(data, start, end, seed):
    """`data` with FLIPS bytes in [start, end) XORed with a non-zero value (seeded)."""
    rng = random.Random(seed)
    data = bytearray(data)
    for _ in range(FLIPS):
        i = rng.randrange(start, end)
        data[i] ^= rng.randrange(1, 256)
    return bytes(data)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    path = lambda name: os.path.join(out, name)
    notes = []

    x264(path("clean.mp4"), "320x240", 48, "-movflags", "+faststart")
    ffmpeg("-i", path("clean.mp4"), "-c", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264", path("clean.h264"))
    mp4 = open(path("clean.mp4"), "rb").read()
    h264 = open(path("clean.h264"), "rb").read()
    notes += ["clean.mp4 undamaged", "clean.h264 undamaged"]

    mdat = next((o, s) for k, o, s in boxes(mp4) if k == "mdat")
    # Skip the first 1 kB of mdat (the first keyframe's start) so the stream still opens.
    start, end = mdat[0] + 16 + 1024, mdat[0] + mdat[1]
    for seed in range(1, 5):
        name = f"flip-mp4-s{seed}.mp4"
        open(path(name), "wb").write(flip(mp4, start, end, seed))
        notes.append(f"{name} {FLIPS} bytes flipped in mdat, seed {seed}")
    for seed in range(1, 5):
        name = f"flip-h264-s{seed}.h264"
        open(path(name), "wb").write(flip(h264, 1024, len(h264), 100 + seed))
        notes.append(f"{name} {FLIPS} bytes flipped after the first 1 kB, seed {100 + seed}")

    for pct in (50, 90):
        name = f"trunc-{pct}.mp4"
        open(path(name), "wb").write(mp4[: len(mp4) * pct // 100])
        notes.append(f"{name} cut at {pct} %")
    open(path("trunc-50.h264"), "wb").write(h264[: len(h264) // 2])
    notes.append("trunc-50.h264 cut at 50 %")

    # Removed, not renamed: FFmpeg finds a moov renamed to free (or hoov) and plays it.
    moov = next((o, s) for k, o, s in boxes(mp4) if k == "moov")
    open(path("nomoov.mp4"), "wb").write(mp4[: moov[0]] + mp4[moov[0] + moov[1]:])
    notes.append("nomoov.mp4 moov box removed")

    x264(path("small.h264"), "160x120", 12, "-f", "h264")
    small = open(path("small.h264"), "rb").read()
    os.remove(path("small.h264"))
    open(path("size-change.h264"), "wb").write(h264 + small)
    notes.append("size-change.h264 48 frames of 320x240, then 12 of 160x120")

    # Two Annex B streams back to back: the decoder switches format at the second one's SPS.
    x264(path("d8.h264"), "320x240", 24, "-f", "h264")
    x264(path("d10.h264"), "320x240", 24, "-f", "h264", pix_fmt="yuv420p10le")
    parts = [open(path(n), "rb").read() for n in ("d8.h264", "d10.h264")]
    for n in ("d8.h264", "d10.h264"):
        os.remove(path(n))
    open(path("depth-change.h264"), "wb").write(b"".join(parts))
    notes.append("depth-change.h264 24 frames of 8-bit yuv420p, then 24 of 10-bit yuv420p10le (320x240)")

    # A corrupt header's effect, made exactly: an N-frame 32x32 stream spliced in after the first GOP
    # (with its own SPS/PPS), then the rest of the clip from its second GOP's SPS. 8 is vidscope's
    # MAX_FRAMES_OF_ANOTHER_SIZE.
    second_gop = sps_offsets(h264)[1]
    for n in (2, 8, 9):
        x264(path("blip.h264"), "32x32", n, "-f", "h264")
        blip = open(path("blip.h264"), "rb").read()
        os.remove(path("blip.h264"))
        name = f"size-blip-{n}.h264"
        open(path(name), "wb").write(h264[:second_gop] + blip + h264[second_gop:])
        notes.append(f"{name} 12 frames of 320x240, {n} of 32x32, then 36 of 320x240")

    # B-frames: the decoder holds frames back to reorder them, the case where frame threads once made
    # the error count differ from run to run.
    x264(path("bframes.mp4"), "320x240", 48, "-movflags", "+faststart", bframes=3)
    ffmpeg("-i", path("bframes.mp4"), "-c", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264", path("bframes.h264"))
    bmp4 = open(path("bframes.mp4"), "rb").read()
    bh264 = open(path("bframes.h264"), "rb").read()
    os.remove(path("bframes.h264"))
    notes.append("bframes.mp4 undamaged, 3 B-frames (pyramid)")
    mdat = next((o, s) for k, o, s in boxes(bmp4) if k == "mdat")
    for seed in (1, 2):
        name = f"flip-bf-mp4-s{seed}.mp4"
        open(path(name), "wb").write(flip(bmp4, mdat[0] + 16 + 1024, mdat[0] + mdat[1], 200 + seed))
        notes.append(f"{name} {FLIPS} bytes flipped in mdat, seed {200 + seed}")
    for seed in (1, 2):
        name = f"flip-bf-h264-s{seed}.h264"
        open(path(name), "wb").write(flip(bh264, 1024, len(bh264), 300 + seed))
        notes.append(f"{name} {FLIPS} bytes flipped after the first 1 kB, seed {300 + seed}")
    open(path("trunc-bf-50.h264"), "wb").write(bh264[: len(bh264) // 2])
    notes.append("trunc-bf-50.h264 cut at 50 %")

    # A frame dropped mid-stream: its packet removed, the rest untouched (every later frame is one
    # frame further along the stream than its position says).
    for source, name, n in (("clean.mp4", "drop-p.mp4", 17), ("bframes.mp4", "drop-bf.mp4", 20)):
        ffmpeg("-i", path(source), "-c", "copy", "-bsf:v", f"noise=drop=eq(n\\,{n})", "-movflags", "+faststart",
               path(name))
        notes.append(f"{name} {source} with packet {n} removed")

    with open(path("corpus.txt"), "w") as f:
        f.write("\n".join(notes) + "\n")


if __name__ == "__main__":
    main()

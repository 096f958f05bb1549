//! `synthetic:WxH[@FPS][/FRAMES]`: generated, well-textured 8-bit frames with exactly known motion
//! (no FFmpeg needed); 120 frames unless `/FRAMES` asks for another count (long runs: docs/memory.md).
//!
//! Frame `t` (t = 0..FRAMES) is a window onto a fixed, infinite texture that moves by
//! [`SYNTHETIC_MOTION`] = (2, 1) per frame:
//!
//! ```text
//! cur_t(x, y) = texture(x + 2*t, y + 1*t)
//! ```
//!
//! so for every t >= 1 and every pixel, `cur_t(x, y) = cur_{t-1}(x + 2, y + 1)`. In the terms of docs/ARCHITECTURE.md
//! (pred(x, y) = ref(x + dx, y + dy)), the motion vector of every block of every pair is exactly
//! (dx, dy) = (2, 1), with zero residual wherever the predicted block lies inside the reference frame
//! (a 16×16 block needs x0 + 17 < W and y0 + 16 < H; edge blocks see clamped reads instead).
//!
//! [`texture`] is hashed value noise at four scales (1, 4, 16 and 64 pixels) computed with integer
//! arithmetic only, so it is bit-exact everywhere and has no flat regions: the per-pixel layer alone
//! gives every block a unique best match.

use super::{ColourInfo, FrameSource, LumaFrame, StreamInfo, VideoError};
use vidscope_core::stream_meta::{FieldOrder, StreamMeta};

/// The motion vector (dx, dy) between consecutive synthetic frames: `cur(x, y) = ref(x + dx, y + dy)`.
pub const SYNTHETIC_MOTION: (i32, i32) = (2, 1);

/// Number of frames a synthetic source yields unless its spec says `/FRAMES`.
pub const SYNTHETIC_FRAMES: usize = 120;

/// Most frames `/FRAMES` may ask for (100 hours at 30 fps).
const MAX_FRAMES: usize = 10_800_000;

/// Rows per generating thread below which one thread does the whole frame.
const ROWS_PER_THREAD: usize = 64;

/// Largest width or height accepted here; what the GPU can take is checked against the device when
/// the frames are uploaded (so a test can ask for one pixel more than the device's limit).
const MAX_DIM: u32 = 65536;

/// A 64-bit mix of (u, v, layer) (SplitMix64 finaliser), deterministic on every platform.
fn hash(u: i64, v: i64, layer: u64) -> u64 {
    let mut z = (u as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((v as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .wrapping_add(layer.wrapping_mul(0x1656_67B1_9E37_79F9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Value noise with lattice spacing `1 << shift`: bilinear interpolation of hashed lattice values in
/// 0..=255, exact integer arithmetic. Result in 0..=255.
fn value_noise(u: i64, v: i64, shift: u32, layer: u64) -> u32 {
    let s = 1i64 << shift;
    let (cu, cv) = (u >> shift, v >> shift); // floor division, also for negative coordinates
    let (fu, fv) = (u & (s - 1), v & (s - 1));
    let corner = |du: i64, dv: i64| (hash(cu + du, cv + dv, layer) & 0xFF) as i64;
    let sum = corner(0, 0) * (s - fu) * (s - fv)
        + corner(1, 0) * fu * (s - fv)
        + corner(0, 1) * (s - fu) * fv
        + corner(1, 1) * fu * fv;
    (sum >> (2 * shift)) as u32
}

/// The synthetic texture at integer coordinates (any, also negative), in 0..=255.
///
/// Sum of four layers, each in 0..=63: per-pixel hash noise, and value noise at scales 4, 16 and 64.
pub fn texture(u: i64, v: i64) -> u8 {
    let fine = (hash(u, v, 0) & 0x3F) as u32;
    let sum = fine + (value_noise(u, v, 2, 1) >> 2) + (value_noise(u, v, 4, 2) >> 2) + (value_noise(u, v, 6, 3) >> 2);
    // Each term is at most 63, so the sum is at most 252.
    sum.min(255) as u8
}

/// Generated frames with known motion; see the module documentation.
#[derive(Clone, Debug)]
pub struct SyntheticSource {
    info: StreamInfo,
    next_index: usize,
    frames: usize,
}

impl SyntheticSource {
    /// Parses `WxH[@FPS][/FRAMES]` (the text after `synthetic:`): W and H in 1..=65536, FPS > 0
    /// (default 30), FRAMES in 1..=10800000 (default 120).
    pub fn parse(spec: &str) -> Result<Self, VideoError> {
        let bad = |reason: String| VideoError::BadSynthetic { spec: format!("synthetic:{spec}"), reason };
        let (rest, frames) = match spec.split_once('/') {
            Some((rest, n)) => match n.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_FRAMES).contains(&n) => (rest, n),
                _ => return Err(bad(format!("frame count {n:?} is not an integer in 1..={MAX_FRAMES}"))),
            },
            None => (spec, SYNTHETIC_FRAMES),
        };
        let (dims, fps) = match rest.split_once('@') {
            Some((dims, fps)) => (dims, Some(fps)),
            None => (rest, None),
        };
        let (w, h) = dims.split_once(['x', 'X']).ok_or_else(|| bad(format!("size {dims:?} is not WxH")))?;
        let dim = |s: &str, what: &str| match s.trim().parse::<u32>() {
            Ok(v) if (1..=MAX_DIM).contains(&v) => Ok(v),
            _ => Err(bad(format!("{what} {s:?} is not an integer in 1..={MAX_DIM}"))),
        };
        let width = dim(w, "width")?;
        let height = dim(h, "height")?;
        let fps = match fps {
            None => 30.0,
            Some(f) => match f.trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => v,
                _ => return Err(bad(format!("frame rate {f:?} is not a number > 0"))),
            },
        };
        Ok(SyntheticSource {
            info: StreamInfo {
                input: format!("synthetic:{spec}"),
                width,
                height,
                frame_count: Some(frames as u64),
                fps,
                pixel_format: "gray".into(),
                bit_depth: 8,
                codec: "synthetic".into(),
                colour: ColourInfo::guessed(height),
                meta: StreamMeta { field_order: FieldOrder::Progressive, ..StreamMeta::default() },
            },
            next_index: 0,
            frames,
        })
    }

    /// Frame `t` (any t, also beyond the 120 that [`FrameSource::next_frame`] yields).
    pub fn frame(&self, t: usize) -> LumaFrame {
        let (w, h) = (self.info.width as usize, self.info.height as usize);
        let (mx, my) = SYNTHETIC_MOTION;
        let (ox, oy) = (i64::from(mx) * t as i64, i64::from(my) * t as i64);
        let mut data = vec![0u8; w * h];
        let fill = |rows: &mut [u8], y0: usize| {
            for (dy, row) in rows.chunks_mut(w.max(1)).enumerate() {
                let y = (y0 + dy) as i64;
                for (x, p) in row.iter_mut().enumerate() {
                    *p = texture(x as i64 + ox, y + oy);
                }
            }
        };
        // Long runs at 1080p are bound by this generation: split the rows over the cores.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(h.div_ceil(ROWS_PER_THREAD));
        if threads <= 1 || w == 0 {
            fill(&mut data, 0);
        } else {
            let rows_each = h.div_ceil(threads);
            std::thread::scope(|scope| {
                for (i, chunk) in data.chunks_mut(rows_each * w).enumerate() {
                    scope.spawn(move || fill(chunk, i * rows_each));
                }
            });
        }
        LumaFrame::gray(t, self.info.width, self.info.height, data)
    }
}

impl FrameSource for SyntheticSource {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<LumaFrame>, VideoError> {
        if self.next_index >= self.frames {
            return Ok(None);
        }
        let frame = self.frame(self.next_index);
        self.next_index += 1;
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let s = SyntheticSource::parse("640x360@60").unwrap();
        let i = s.info();
        assert_eq!((i.width, i.height, i.fps), (640, 360, 60.0));
        assert_eq!(i.frame_count, Some(120));
        assert_eq!((i.pixel_format.as_str(), i.bit_depth, i.codec.as_str()), ("gray", 8, "synthetic"));
        assert_eq!(i.input, "synthetic:640x360@60");
        let s = SyntheticSource::parse("17x9").unwrap();
        assert_eq!((s.info().width, s.info().height, s.info().fps), (17, 9, 30.0));
        let s = SyntheticSource::parse("1x1@29.97").unwrap();
        assert_eq!(s.info().fps, 29.97);
        assert!(SyntheticSource::parse("16384x1").is_ok());
        let long = SyntheticSource::parse("64x32@25/1800").unwrap();
        assert_eq!((long.info().frame_count, long.info().fps), (Some(1800), 25.0));
        assert_eq!(SyntheticSource::parse("8x4/3").unwrap().info().frame_count, Some(3));
        for bad in ["8x4/0", "8x4/x", "8x4/99999999999"] {
            assert!(SyntheticSource::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_frame_count_is_honoured_and_threaded_frames_equal_the_texture() {
        let mut s = SyntheticSource::parse("300x200/3").unwrap();
        let mut n = 0;
        while let Some(f) = s.next_frame().unwrap() {
            // 200 rows: split over threads on a multi-core machine; every pixel still the texture's.
            for (i, &p) in f.data.iter().enumerate() {
                let (x, y) = ((i % 300) as i64, (i / 300) as i64);
                assert_eq!(p, texture(x + 2 * n, y + n));
            }
            n += 1;
        }
        assert_eq!(n, 3);
    }

    #[test]
    fn rejects_bad_specs() {
        for spec in [
            "0x5",
            "abc",
            "10x10@0",
            "",
            "10",
            "10x",
            "x10",
            "65537x1",
            "-1x5",
            "10x10@",
            "10x10@-5",
            "10x10@nan",
            "10x10@inf",
            "10x10@abc",
            "5x5x5",
        ] {
            match SyntheticSource::parse(spec) {
                Err(VideoError::BadSynthetic { spec: s, .. }) => {
                    assert_eq!(s, format!("synthetic:{spec}"))
                }
                other => panic!("{spec:?}: expected BadSynthetic, got {other:?}"),
            }
        }
        let msg = SyntheticSource::parse("0x5").unwrap_err().to_string();
        assert!(msg.starts_with("synthetic:0x5: "), "{msg}");
    }

    #[test]
    fn consecutive_frames_differ_by_exactly_the_known_motion() {
        let mut src = SyntheticSource::parse("37x23").unwrap();
        let (dx, dy) = SYNTHETIC_MOTION;
        assert_eq!((dx, dy), (2, 1));
        let (w, h) = (37usize, 23usize);
        let mut prev = src.next_frame().unwrap().unwrap();
        assert_eq!(prev.data.len(), w * h);
        let mut count = 1;
        while let Some(cur) = src.next_frame().unwrap() {
            assert_eq!(cur.index, count);
            for y in 0..h - dy as usize {
                for x in 0..w - dx as usize {
                    let r = prev.data[(y + dy as usize) * w + x + dx as usize];
                    assert_eq!(cur.data[y * w + x], r, "t={count} x={x} y={y}");
                }
            }
            // And by definition, everywhere (also for the pixels whose match lies outside the frame).
            for y in 0..h as i64 {
                for x in 0..w as i64 {
                    let t = count as i64;
                    assert_eq!(
                        texture(x + 2 * t, y + t),
                        texture(x + dx as i64 + 2 * (t - 1), y + dy as i64 + (t - 1))
                    );
                }
            }
            prev = cur;
            count += 1;
        }
        assert_eq!(count, SYNTHETIC_FRAMES);
        assert!(src.next_frame().unwrap().is_none());
    }

    #[test]
    fn texture_is_well_textured_and_uses_the_range() {
        let src = SyntheticSource::parse("256x128").unwrap();
        let f = src.frame(0);
        let (min, max) = f.data.iter().fold((255u8, 0u8), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        assert!(min < 80 && max > 170, "range {min}..{max}");
        // Every 16x16 block has real texture: at least 100 distinct-ish values and spread > 20.
        for by in 0..8 {
            for bx in 0..16 {
                let mut vals: Vec<u8> = (0..16)
                    .flat_map(|y| (0..16).map(move |x| (by * 16 + y) * 256 + bx * 16 + x))
                    .map(|i| f.data[i])
                    .collect();
                vals.sort_unstable();
                assert!(vals[255] - vals[0] > 20, "block {by},{bx} nearly flat");
            }
        }
        // A block matched against shifted positions has a unique zero-SAD minimum at the true motion.
        let ref_f = src.frame(4);
        let cur = src.frame(5);
        let (x0, y0) = (96usize, 48usize);
        let mut best = (u32::MAX, 0, 0, 0);
        for dy in -8i64..=8 {
            for dx in -8i64..=8 {
                let sad: u32 = (0..16)
                    .flat_map(|y| (0..16).map(move |x| (x, y)))
                    .map(|(x, y)| {
                        let c = cur.data[(y0 + y) * 256 + x0 + x];
                        let r = ref_f.data[((y0 + y) as i64 + dy) as usize * 256 + ((x0 + x) as i64 + dx) as usize];
                        u32::from(c.abs_diff(r))
                    })
                    .sum();
                if sad < best.0 {
                    best = (sad, dx, dy, 1);
                } else if sad == best.0 {
                    best.3 += 1;
                }
            }
        }
        assert_eq!(best, (0, 2, 1, 1));
    }

    #[test]
    fn texture_is_deterministic_and_defined_for_negative_coordinates() {
        assert_eq!(texture(-5, -7), texture(-5, -7));
        let a: Vec<u8> = (-40..40).map(|i| texture(i, -i)).collect();
        assert!(a.windows(2).any(|w| w[0] != w[1]));
    }
}

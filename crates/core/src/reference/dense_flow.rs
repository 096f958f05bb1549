//! A learned dense flow as a motion source (docs/ARCHITECTURE.md, Conventions: dense flow).
//! Pair p predicts frame t = p + 1 as pred(x) = frame t − 1 sampled at x + flow[p](x) (backward
//! warping, as learned codecs use). The flow is rounded to 1/16 pixel, ⌊16·f + 0.5⌋, and sampled
//! with integer bilinear weights, so the GPU (shaders/warp.comp, mode 2) and this file agree bit for
//! bit. Per block, the end-point error against the block's search vector is the mean over its inside
//! pixels of |flow(x) − (dx, dy)|, each pixel's distance floored to 1/256 pixel by an exact integer
//! square root, so the per-block sums are exact integers too.

use super::grid::BlockGrid;
use super::motion_search::{clamped, MotionVector};

/// Fraction bits of a quantised flow component: 1/16 pixel.
pub const FLOW_FRAC_BITS: u32 = 4;
/// Steps per pixel of a quantised flow component.
pub const FLOW_STEPS: i32 = 1 << FLOW_FRAC_BITS;
/// The largest flow component kept, in pixels (an i16 of 1/16 steps); larger ones are clamped.
pub const FLOW_LIMIT_PX: f32 = 2047.0;
/// Squared distances (in 1/16² pixel units) above this are clamped before the square root, so the
/// 1/256-pixel fixed point stays in 32 bits: a pixel's EPE saturates at 256 px.
pub const EPE_SQUARED_LIMIT: u32 = (1 << 24) - 1;

/// One flow component in 1/16 pixel: ⌊16·f + 0.5⌋, clamped to ±`FLOW_LIMIT_PX`. `None` for NaN.
/// In f32 this is exact: 16·f only moves the exponent, and + 0.5 is exact while |16·f| < 2^23,
/// far beyond the clamp (larger values clamp either way).
#[inline]
pub fn quantize_component(f: f32) -> Option<i16> {
    if f.is_nan() {
        return None;
    }
    let limit = FLOW_LIMIT_PX * FLOW_STEPS as f32;
    Some((f * FLOW_STEPS as f32 + 0.5).floor().clamp(-limit, limit) as i16)
}

/// One frame's flow, quantised to 1/16 pixel: per pixel (u, v) packed into one word, u in the low
/// half (two's complement), v in the high half — the layout the GPU reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowField {
    pub width: u32,
    pub height: u32,
    pub packed: Vec<u32>,
}

impl FlowField {
    /// The zero flow (the first frame, paired with itself).
    pub fn zero(width: u32, height: u32) -> Self {
        Self { width, height, packed: vec![0; (width * height) as usize] }
    }

    /// Quantises interleaved (u, v) pixels in pixels, row-major. Fails on the first NaN, naming it.
    pub fn quantize(width: u32, height: u32, uv: &[f32]) -> Result<Self, String> {
        assert_eq!(uv.len(), (width * height * 2) as usize, "two components per pixel");
        Self::quantize_from(width, height, uv.chunks_exact(2).map(|c| (c[0], c[1])))
    }

    /// The same from little-endian float32 bytes, 8 per pixel (a file's, without a copy as floats),
    /// in bands of rows on the machine's cores (a 1080p field is 2 M pixels per frame).
    pub fn quantize_le_bytes(width: u32, height: u32, bytes: &[u8]) -> Result<Self, String> {
        assert_eq!(bytes.len(), (width * height * 8) as usize, "two float32 per pixel");
        let f = |b: &[u8]| f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let band = (height.div_ceil(cores as u32) * width * 8) as usize;
        let bands: Vec<Result<Vec<u32>, usize>> = std::thread::scope(|scope| {
            let workers: Vec<_> = bytes
                .chunks(band.max(8))
                .map(|b| scope.spawn(move || quantize_pixels(b.chunks_exact(8).map(|c| (f(&c[..4]), f(&c[4..]))))))
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or(Err(0))).collect()
        });
        let mut packed = Vec::with_capacity((width * height) as usize);
        for b in bands {
            match b {
                Ok(words) => packed.extend(words),
                Err(at) => return Err(nan_at(packed.len() + at, width)),
            }
        }
        Ok(Self { width, height, packed })
    }

    fn quantize_from(width: u32, height: u32, uv: impl Iterator<Item = (f32, f32)>) -> Result<Self, String> {
        let packed = quantize_pixels(uv).map_err(|at| nan_at(at, width))?;
        Ok(Self { width, height, packed })
    }

    /// Pixel (x, y)'s flow in 1/16 pixel.
    pub fn at(&self, x: u32, y: u32) -> (i32, i32) {
        unpack(self.packed[(y * self.width + x) as usize])
    }

    /// The packed words as bytes (little-endian), for the GPU's upload.
    pub fn bytes(&self) -> &[u8] {
        bytemuck::cast_slice(&self.packed)
    }
}

/// Packed words of (u, v) pixels, or the index of the first with a NaN.
fn quantize_pixels(uv: impl Iterator<Item = (f32, f32)>) -> Result<Vec<u32>, usize> {
    let mut packed = Vec::with_capacity(uv.size_hint().0);
    for (u, v) in uv {
        match (quantize_component(u), quantize_component(v)) {
            (Some(u), Some(v)) => packed.push(pack(u, v)),
            _ => return Err(packed.len()),
        }
    }
    Ok(packed)
}

fn nan_at(i: usize, width: u32) -> String {
    format!("NaN at pixel (x {}, y {})", i as u32 % width, i as u32 / width)
}

/// (u, v) in 1/16 pixel → one word.
pub fn pack(u: i16, v: i16) -> u32 {
    u32::from(u as u16) | (u32::from(v as u16) << 16)
}

/// One word → (u, v) in 1/16 pixel.
pub fn unpack(word: u32) -> (i32, i32) {
    (i32::from(word as u16 as i16), i32::from((word >> 16) as u16 as i16))
}

/// The prediction of frame t from frame t − 1 (`reference`) and pair t − 1's flow: per pixel
/// ((16 − fx)(16 − fy)·a + fx(16 − fy)·b + (16 − fx)fy·c + fx·fy·d + 128) >> 8, with a, b, c, d the
/// reference at (x + (u >> 4), y + (v >> 4)) and its right, lower and lower-right neighbours
/// (clamped to the frame), fx = u & 15, fy = v & 15.
pub fn flow_predict(reference: &[u8], flow: &FlowField) -> Vec<u8> {
    let (w, h) = (flow.width, flow.height);
    assert_eq!(reference.len(), (w * h) as usize, "reference and flow differ in size");
    let mut pred = Vec::with_capacity(reference.len());
    for y in 0..h {
        for x in 0..w {
            let (u, v) = flow.at(x, y);
            let (ix, iy) =
                (i64::from(x) + i64::from(u >> FLOW_FRAC_BITS), i64::from(y) + i64::from(v >> FLOW_FRAC_BITS));
            let (fx, fy) = ((u & (FLOW_STEPS - 1)) as u32, (v & (FLOW_STEPS - 1)) as u32);
            let p = |dx: i64, dy: i64| u32::from(clamped(reference, w, h, ix + dx, iy + dy));
            let s = FLOW_STEPS as u32;
            let sum =
                (s - fx) * (s - fy) * p(0, 0) + fx * (s - fy) * p(1, 0) + (s - fx) * fy * p(0, 1) + fx * fy * p(1, 1);
            pred.push(((sum + 128) >> 8) as u8);
        }
    }
    pred
}

/// ⌊√n⌋, exact for every u32 (the shader's `isqrt` does the same correction from a float guess).
pub fn isqrt(n: u32) -> u32 {
    let mut s = (n as f64).sqrt() as u32;
    while s > 0 && s * s > n {
        s -= 1;
    }
    while s < 65535 && (s + 1) * (s + 1) <= n {
        s += 1;
    }
    s
}

/// One pixel's end-point error in 1/256 pixel, floored: ⌊√(256·min(e², limit))⌋ with e² the squared
/// distance in 1/16² pixel units.
pub fn pixel_epe_256(du: i32, dv: i32) -> u32 {
    let e2 = (i64::from(du) * i64::from(du) + i64::from(dv) * i64::from(dv)).min(i64::from(EPE_SQUARED_LIMIT)) as u32;
    isqrt(e2 << 8)
}

/// One block's end-point error of the flow against its search vector.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlockEpe {
    /// Σ over the block's inside pixels of the pixel EPE in 1/256 pixel (exact).
    pub sum_256: u32,
    /// Inside pixels.
    pub count: u32,
}

impl BlockEpe {
    /// The mean EPE in pixels, as the GPU writes it: f32(sum) / f32(256 · count).
    pub fn mean_px(&self) -> f32 {
        self.sum_256 as f32 / (256 * self.count) as f32
    }
}

/// Per block (row-major over (by, bx)), the flow's end-point error against `vectors` (integer pixels).
pub fn flow_epe(flow: &FlowField, grid: &BlockGrid, vectors: &[MotionVector]) -> Vec<BlockEpe> {
    assert_eq!(vectors.len(), grid.len(), "one vector per block");
    grid.rects()
        .zip(vectors)
        .map(|(r, v)| {
            let (vu, vv) = (v.dx * FLOW_STEPS, v.dy * FLOW_STEPS);
            let mut sum_256 = 0u32;
            for y in r.y0..r.y0 + r.h {
                for x in r.x0..r.x0 + r.w {
                    let (u, w) = flow.at(x, y);
                    sum_256 += pixel_epe_256(u - vu, w - vv);
                }
            }
            BlockEpe { sum_256, count: r.count() }
        })
        .collect()
}

/// Per block, the componentwise lower median of the flow over its inside pixels, in 1/16 pixel (the
/// arrows and the flow view of a dense field).
pub fn block_medians(flow: &FlowField, grid: &BlockGrid) -> Vec<(i32, i32)> {
    grid.rects()
        .map(|r| {
            let (mut us, mut vs) = (Vec::with_capacity(r.count() as usize), Vec::with_capacity(r.count() as usize));
            for y in r.y0..r.y0 + r.h {
                for x in r.x0..r.x0 + r.w {
                    let (u, v) = flow.at(x, y);
                    us.push(u);
                    vs.push(v);
                }
            }
            let mid = (us.len() - 1) / 2;
            (*us.select_nth_unstable(mid).1, *vs.select_nth_unstable(mid).1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantisation_rounds_half_up_and_clamps() {
        assert_eq!(quantize_component(0.03125), Some(1)); // 0.5 step → up
        assert_eq!(quantize_component(-0.03125), Some(0)); // −0.5 step → up
        assert_eq!(quantize_component(-0.0313), Some(-1));
        assert_eq!(quantize_component(1.5), Some(24));
        assert_eq!(quantize_component(1e9), Some(2047 * 16));
        assert_eq!(quantize_component(f32::NEG_INFINITY), Some(-2047 * 16));
        assert_eq!(quantize_component(f32::NAN), None);
        assert_eq!(unpack(pack(-5, 7)), (-5, 7));
        assert_eq!(unpack(pack(i16::MIN, i16::MAX)), (-32768, 32767));
    }

    #[test]
    fn a_nan_is_named_by_its_pixel_in_any_band() {
        let (w, h) = (5u32, 37u32);
        let mut uv = vec![0.25f32; (w * h * 2) as usize];
        uv[(2 * (36 * w + 3) + 1) as usize] = f32::NAN;
        let bytes: Vec<u8> = uv.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(FlowField::quantize_le_bytes(w, h, &bytes).unwrap_err(), "NaN at pixel (x 3, y 36)");
        uv[(2 * (36 * w + 3) + 1) as usize] = -1.0;
        let bytes: Vec<u8> = uv.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(FlowField::quantize_le_bytes(w, h, &bytes).unwrap(), FlowField::quantize(w, h, &uv).unwrap());
    }

    #[test]
    fn integer_flow_equals_a_shift_and_half_pixel_averages() {
        let (w, h) = (6u32, 4u32);
        let reference: Vec<u8> = (0..w * h).map(|i| (i * 10) as u8).collect();
        let shift = FlowField::quantize(w, h, &[2.0, 1.0].repeat((w * h) as usize)).unwrap();
        let pred = flow_predict(&reference, &shift);
        assert_eq!(pred[0], reference[(w + 2) as usize]);
        assert_eq!(pred[(w * h - 1) as usize], reference[(w * h - 1) as usize], "clamped at the edge");
        let half = FlowField::quantize(w, h, &[0.5, 0.0].repeat((w * h) as usize)).unwrap();
        // (a + b) / 2 rounded half up: (10·i + 10·(i + 1) + 1) / 2.
        assert_eq!(flow_predict(&reference, &half)[0], 5);
    }

    #[test]
    fn isqrt_is_exact_at_the_edges() {
        for n in [0u32, 1, 2, 3, 4, 15, 16, 17, 65535 * 65535, u32::MAX, (1 << 24) << 8] {
            let s = isqrt(n) as u64;
            assert!(s * s <= n as u64 && (s + 1) * (s + 1) > n as u64, "isqrt({n}) = {s}");
        }
    }

    #[test]
    fn epe_is_the_mean_distance_to_the_vector() {
        let grid = BlockGrid::new(8, 4, 4);
        // Flow (3, 4) px everywhere; vectors (0, 0) and (3, 4): EPE 5 and 0.
        let flow = FlowField::quantize(8, 4, &[3.0, 4.0].repeat(32)).unwrap();
        let vectors = [MotionVector { dx: 0, dy: 0, sad: 0 }, MotionVector { dx: 3, dy: 4, sad: 0 }];
        let epe = flow_epe(&flow, &grid, &vectors);
        assert_eq!(epe[0], BlockEpe { sum_256: 16 * 5 * 256, count: 16 });
        assert_eq!(epe[0].mean_px(), 5.0);
        assert_eq!(epe[1].mean_px(), 0.0);
        assert_eq!(block_medians(&flow, &grid), vec![(48, 64), (48, 64)]);
    }
}

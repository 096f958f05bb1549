//! A/B comparison of two planes of the same size (A = the input, B = the reference it is compared
//! with): the signed difference, per-block PSNR, and per-frame luma MSE / PSNR as FFmpeg's `psnr`
//! filter computes them. |A − B| is [`super::diff`], per-block SAD / SSE are [`super::block_stats`]
//! with (A, B).

use super::block_stats::BlockStat;
use super::grid::BlockGrid;

/// Peak value of 8-bit luma, squared: the numerator of every PSNR here (FFmpeg's `pow_2(max)`).
pub const PEAK_SQUARED: f64 = 255.0 * 255.0;

/// Signed difference pixel = clamp(A − B + 128, 0, 255): FFmpeg's `blend=all_mode=grainextract`
/// with A as the top (first) input and B as the bottom (second) one, whose 8-bit expression is
/// `av_clip_uint8(128 + A - B)` at the default opacity 1. 128 means equal; above 128, A is brighter.
pub fn signed_diff(a: &[u8], b: &[u8]) -> Vec<u8> {
    assert_eq!(a.len(), b.len(), "planes differ in size");
    a.iter().zip(b).map(|(&a, &b)| (a as i32 - b as i32 + 128).clamp(0, 255) as u8).collect()
}

/// PSNR in dB of `count` pixels whose squared errors sum to `sse`: 10·log10(255²·count / SSE),
/// `f64::INFINITY` when SSE = 0 (the pixels are identical).
pub fn psnr_from_sse(sse: u64, count: u64) -> f64 {
    if sse == 0 {
        return f64::INFINITY;
    }
    psnr_from_mse(sse as f64 / count as f64)
}

/// PSNR in dB from a mean squared error, exactly as FFmpeg's `psnr` filter evaluates it:
/// `10.0 * log10(pow_2(255) / mse)` in double precision; `+inf` when MSE = 0.
pub fn psnr_from_mse(mse: f64) -> f64 {
    10.0 * (PEAK_SQUARED / mse).log10()
}

/// Per-block PSNR of A against B from the blocks' SSE (as `block_stats(a, b, grid)` gives it),
/// each over its own pixel count (edge blocks count only their inside pixels), row-major (by, bx).
pub fn block_psnr(stats: &[BlockStat], grid: &BlockGrid) -> Vec<f64> {
    assert_eq!(stats.len(), grid.len(), "stats do not match the grid");
    stats.iter().zip(grid.rects()).map(|(s, r)| psnr_from_sse(s.sse as u64, r.count() as u64)).collect()
}

/// One frame's luma error of A against B, as FFmpeg's `psnr` filter reports it for Y.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameError {
    /// Σ(A − B)² over the whole frame (exact).
    pub sse: u64,
    /// `mse_y` = SSE / (W·H), in double precision (FFmpeg: `sum / ((double)w * h)`).
    pub mse: f64,
    /// `psnr_y` = 10·log10(255² / mse_y); `inf` when the frames are identical.
    pub psnr: f64,
}

impl FrameError {
    /// From the frame's total SSE (e.g. the sum of its blocks' SSE) and its size.
    pub fn from_sse(sse: u64, width: u32, height: u32) -> Self {
        let mse = sse as f64 / (width as f64 * height as f64);
        FrameError { sse, mse, psnr: psnr_from_mse(mse) }
    }

    /// From per-block stats that tile the frame (any block size): Σ of the blocks' SSE.
    pub fn from_block_stats(stats: &[BlockStat], grid: &BlockGrid) -> Self {
        assert_eq!(stats.len(), grid.len(), "stats do not match the grid");
        Self::from_sse(stats.iter().map(|s| s.sse as u64).sum(), grid.width, grid.height)
    }
}

/// The luma MSE and PSNR of A against B over the whole frame, straight from the pixels.
pub fn frame_error(a: &[u8], b: &[u8], width: u32, height: u32) -> FrameError {
    assert_eq!(a.len(), width as usize * height as usize, "plane a has the wrong size");
    assert_eq!(b.len(), a.len(), "plane b has the wrong size");
    let sse = a.iter().zip(b).map(|(&a, &b)| (a.abs_diff(b) as u64).pow(2)).sum();
    FrameError::from_sse(sse, width, height)
}

/// Formats a value like C's `printf("%0.2f")`, which FFmpeg's `psnr` stats file uses for mse_y and
/// psnr_y: rounded to 2 decimals from the exact binary value, ties to even (glibc), `inf` for +∞.
pub fn format_2dp(x: f64) -> String {
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x.is_nan() {
        return "nan".into();
    }
    // Rust's `{:.2}` also rounds the exact binary value, ties to even, like glibc.
    format!("{x:.2}")
}

/// Side of the square tile of chroma samples whose SSE one workgroup of the ab_chroma pass sums
/// (shaders/ab_chroma.comp): 256 samples, at most 256·255² < 2^32, so a u32 per tile is exact.
pub const CHROMA_TILE: u32 = 16;

/// Σ(A − B)² of each `CHROMA_TILE`² tile of a `width × height` plane (edge tiles: their inside
/// samples), row-major: the ab_chroma pass's per-workgroup sums; their total is the plane's SSE.
pub fn tile_sse(a: &[u8], b: &[u8], width: u32, height: u32) -> Vec<u32> {
    let (w, h) = (width as usize, height as usize);
    assert_eq!(a.len(), w * h, "plane a has the wrong size");
    assert_eq!(b.len(), a.len(), "plane b has the wrong size");
    let t = CHROMA_TILE as usize;
    let mut tiles = vec![0u32; w.div_ceil(t) * h.div_ceil(t)];
    for y in 0..h {
        for x in 0..w {
            let d = a[y * w + x].abs_diff(b[y * w + x]) as u32;
            tiles[(y / t) * w.div_ceil(t) + x / t] += d * d;
        }
    }
    tiles
}

/// A frame's exact chroma SSE of A against B (the ab_chroma pass's tiles added), with the chroma
/// planes' size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChromaSse {
    pub width: u32,
    pub height: u32,
    pub cb: u64,
    pub cr: u64,
}

/// The chroma PSNRs of a frame and the weighted YUV PSNRs papers report (docs/ARCHITECTURE.md,
/// "Chroma PSNR and MS-SSIM"). Each plane's MSE is over the plane at its own size, as FFmpeg's
/// `psnr` filter; a PSNR is +∞ when its plane is identical, and a weighted average with an infinite
/// term is +∞ (f64 arithmetic: no PSNR is negative or NaN).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YuvError {
    pub mse_u: f64,
    pub mse_v: f64,
    pub psnr_u: f64,
    pub psnr_v: f64,
    /// (6·Y + U + V) / 8, DCVC's.
    pub psnr_yuv_611: f64,
    /// (4·Y + U + V) / 6, CompressAI's.
    pub psnr_yuv_411: f64,
}

impl YuvError {
    /// From the luma PSNR and the chroma planes' SSE.
    pub fn new(psnr_y: f64, sse: ChromaSse) -> Self {
        let u = FrameError::from_sse(sse.cb, sse.width, sse.height);
        let v = FrameError::from_sse(sse.cr, sse.width, sse.height);
        YuvError {
            mse_u: u.mse,
            mse_v: v.mse,
            psnr_u: u.psnr,
            psnr_v: v.psnr,
            psnr_yuv_611: (6.0 * psnr_y + u.psnr + v.psnr) / 8.0,
            psnr_yuv_411: (4.0 * psnr_y + u.psnr + v.psnr) / 6.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::block_stats;

    #[test]
    fn signed_diff_is_grainextract_clamped_at_both_ends() {
        let a = [0u8, 255, 128, 10, 200, 0, 255];
        let b = [255u8, 0, 128, 20, 100, 127, 128];
        assert_eq!(signed_diff(&a, &b), vec![0, 255, 128, 118, 228, 1, 255]);
        // Every (A, B) pair: equal to the formula, and monotone in A.
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let d = signed_diff(&[a], &[b])[0] as i32;
                assert_eq!(d, (128 + a as i32 - b as i32).clamp(0, 255));
            }
        }
    }

    #[test]
    fn psnr_is_infinite_for_identical_and_matches_the_formula_otherwise() {
        assert_eq!(psnr_from_sse(0, 256), f64::INFINITY);
        // One pixel off by 1 in a 16x16 block: 10*log10(65025*256).
        let p = psnr_from_sse(1, 256);
        assert!((p - 10.0 * (65025.0f64 * 256.0).log10()).abs() < 1e-12, "{p}");
        // All 255 vs all 0: MSE = 255² → 0 dB.
        assert_eq!(psnr_from_sse(65025 * 64, 64), 0.0);
    }

    #[test]
    fn block_psnr_uses_each_edge_block_own_pixel_count() {
        let (w, h) = (17, 9);
        let a = vec![100u8; (w * h) as usize];
        let mut b = a.clone();
        b[(w * h - 1) as usize] = 103; // the 1x1 corner block: SSE 9 over 1 pixel
        let grid = BlockGrid::new(w, h, 8);
        let stats = block_stats(&a, &b, &grid);
        let psnr = block_psnr(&stats, &grid);
        assert_eq!(psnr.len(), 6);
        assert!(psnr[..5].iter().all(|p| p.is_infinite()));
        assert!((psnr[5] - 10.0 * (65025.0f64 / 9.0).log10()).abs() < 1e-12);
        let fe = FrameError::from_block_stats(&stats, &grid);
        assert_eq!(fe, frame_error(&a, &b, w, h));
        assert_eq!(fe.sse, 9);
        assert_eq!(fe.mse, 9.0 / 153.0);
    }

    #[test]
    fn identical_frames_have_zero_mse_and_infinite_psnr_printed_as_ffmpeg_does() {
        let a = vec![7u8; 12];
        let fe = frame_error(&a, &a, 4, 3);
        assert_eq!((fe.sse, fe.mse), (0, 0.0));
        assert_eq!(format_2dp(fe.psnr), "inf");
        assert_eq!(format_2dp(fe.mse), "0.00");
    }

    #[test]
    fn two_decimals_round_the_binary_value_ties_to_even_like_glibc() {
        // Exact binary ties: glibc prints 0.12 / 0.38 / 2.62 (round-half-even).
        assert_eq!(format_2dp(0.125), "0.12");
        assert_eq!(format_2dp(0.375), "0.38");
        assert_eq!(format_2dp(2.625), "2.62");
        // Not ties in binary: 0.145 is stored below .145, 0.155 above.
        assert_eq!(format_2dp(0.145), "0.14");
        assert_eq!(format_2dp(0.155), "0.15");
        assert_eq!(format_2dp(48.130_803_608), "48.13");
    }
    #[test]
    fn tile_sse_sums_to_the_plane_sse_and_edge_tiles_count_their_inside() {
        let (w, h) = (37u32, 18u32);
        let a: Vec<u8> = (0..w * h).map(|i| (i * 31 % 256) as u8).collect();
        let b: Vec<u8> = (0..w * h).map(|i| (i * 17 % 256) as u8).collect();
        let tiles = tile_sse(&a, &b, w, h);
        assert_eq!(tiles.len(), 3 * 2);
        assert_eq!(tiles.iter().map(|&t| t as u64).sum::<u64>(), frame_error(&a, &b, w, h).sse);
        // The last tile holds columns 32..37 and rows 16..18.
        let corner: u32 = (16..18)
            .flat_map(|y| (32..37).map(move |x| (y * w + x) as usize))
            .map(|i| (a[i].abs_diff(b[i]) as u32).pow(2))
            .sum();
        assert_eq!(tiles[5], corner);
    }

    #[test]
    fn yuv_psnr_weights_planes_and_is_infinite_when_a_plane_is_identical() {
        let e = YuvError::new(40.0, ChromaSse { width: 2, height: 2, cb: 4 * 65025, cr: 65025 });
        assert_eq!((e.mse_u, e.mse_v), (65025.0, 65025.0 / 4.0));
        assert_eq!(e.psnr_u, 0.0);
        assert!((e.psnr_v - 10.0 * 4f64.log10()).abs() < 1e-12);
        assert!((e.psnr_yuv_611 - (240.0 + e.psnr_v) / 8.0).abs() < 1e-12);
        assert!((e.psnr_yuv_411 - (160.0 + e.psnr_v) / 6.0).abs() < 1e-12);
        let same = YuvError::new(30.0, ChromaSse { width: 4, height: 4, cb: 0, cr: 9 });
        assert!(same.psnr_u.is_infinite() && same.psnr_yuv_611.is_infinite() && same.psnr_yuv_411.is_infinite());
        assert!(YuvError::new(f64::INFINITY, ChromaSse { width: 4, height: 4, cb: 1, cr: 1 })
            .psnr_yuv_411
            .is_infinite());
    }
}

//! Per-frame luma SSIM of A against B, defined exactly as FFmpeg's `ssim` filter (libavfilter/vf_ssim.c,
//! after x264) computes it for 8-bit planes:
//!
//! 1. The plane is cut into 4×4 *cells*, `floor(W/4)` × `floor(H/4)` of them; pixels past the last
//!    whole cell (the right `W mod 4` columns, the bottom `H mod 4` rows) are not used. Each cell
//!    holds four exact integer sums: Σa, Σb, Σ(a² + b²) and Σab ([`SsimSums`]).
//! 2. The windows are 8×8 pixels, 2×2 adjacent cells, at a stride of 4 pixels (one cell), so there
//!    are `(floor(W/4) − 1)` × `(floor(H/4) − 1)` overlapping windows with uniform weights (no Gaussian).
//! 3. A window's SSIM comes from its summed cells (s1, s2, ss, s12 over 64 pixels) in 32-bit integers
//!    and single-precision floats, as `ssim_end1` does, with c1 = round(.01²·255²·64) = 416 and
//!    c2 = round(.03²·255²·64·63) = 235963:
//!    `(2·s1·s2 + c1)·(2·covar + c2) / ((s1² + s2² + c1)·(vars + c2))`, where
//!    vars = 64·ss − s1² − s2² and covar = 64·s12 − s1·s2. Divided through by 64², this is the
//!    paper's formula on the window's means and biased (1/64) variances and covariance, with
//!    constants c1/64² = (.01·255)²/64 and c2/64² = (.03·255)²·63/64 (FFmpeg's, inherited from
//!    x264 — not the paper's C1 = (.01·255)², C2 = (.03·255)²).
//! 4. The frame's SSIM is the mean of all window SSIMs: each row of windows summed in double, the
//!    rows summed in double, divided by the window count.
//!
//! The definition is symmetric in A and B. A frame smaller than 8×8 has no window, and then no SSIM
//! (`None`). Identical frames give exactly 1.
//!
//! This is FFmpeg's C code (`ssim_4x4xn_8bit`, `ssim_endn_8bit`, `ssim_end1`); checked against the
//! `ssim` filter in tests/suite/ab_vs_ffmpeg.rs to its printed 6 decimals. FFmpeg's x86 SSE4 `ssim_end_line`,
//! which it uses by default, gives the same values except when a row has 4k + 1 windows
//! (W mod 16 in 8..=11): then it counts an unset window past the row's end in place of the row's
//! last one (0.005 too high on a 330×184 crop of the bundled clip); with `-cpuflags 0` FFmpeg runs
//! its C code and agrees with us there too.

/// The four sums of one 4×4 cell (or of a window of 2×2 cells): Σa, Σb, Σ(a² + b²), Σab.
/// A cell's sums fit 22 bits; a window's, 24.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SsimSums {
    pub s1: u32,
    pub s2: u32,
    pub ss: u32,
    pub s12: u32,
}

impl std::ops::Add for SsimSums {
    type Output = SsimSums;
    fn add(self, o: SsimSums) -> SsimSums {
        SsimSums { s1: self.s1 + o.s1, s2: self.s2 + o.s2, ss: self.ss + o.ss, s12: self.s12 + o.s12 }
    }
}

/// FFmpeg's constants for 8-bit samples (`ssim_end1`): (int)(.01·.01·255·255·64 + .5) and
/// (int)(.03·.03·255·255·64·63 + .5).
pub const SSIM_C1: i32 = 416;
pub const SSIM_C2: i32 = 235_963;

/// The SSIM of one 8×8 window from its sums over 64 pixels, bit for bit as `ssim_end1`
/// (integer terms, each product of two converted terms rounded to f32, then one f32 division).
pub fn window_ssim(w: SsimSums) -> f32 {
    let (s1, s2, ss, s12) = (w.s1 as i32, w.s2 as i32, w.ss as i32, w.s12 as i32);
    let vars = ss * 64 - s1 * s1 - s2 * s2;
    let covar = s12 * 64 - s1 * s2;
    (2 * s1 * s2 + SSIM_C1) as f32 * (2 * covar + SSIM_C2) as f32
        / ((s1 * s1 + s2 * s2 + SSIM_C1) as f32 * (vars + SSIM_C2) as f32)
}

/// The 4×4 cells of a frame pair, row-major, `cells_x` = floor(W/4) per row, `cells_y` = floor(H/4) rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SsimCells {
    pub cells_x: u32,
    pub cells_y: u32,
    pub sums: Vec<SsimSums>,
}

impl SsimCells {
    /// Cells per row and rows of cells for a `width` × `height` frame.
    pub fn dims(width: u32, height: u32) -> (u32, u32) {
        (width / 4, height / 4)
    }

    /// Number of 8×8 windows (stride 4) the cells give.
    pub fn windows(&self) -> u64 {
        self.cells_x.saturating_sub(1) as u64 * self.cells_y.saturating_sub(1) as u64
    }

    /// The window whose top-left cell is (cx, cy).
    pub fn window(&self, cx: u32, cy: u32) -> SsimSums {
        let at = |x: u32, y: u32| self.sums[(y * self.cells_x + x) as usize];
        at(cx, cy) + at(cx + 1, cy) + at(cx, cy + 1) + at(cx + 1, cy + 1)
    }

    /// The frame's SSIM: the mean window SSIM (rows summed in double, then the rows), `None` when
    /// there is no window (width or height below 8).
    pub fn ssim(&self) -> Option<f64> {
        assert_eq!(self.sums.len(), self.cells_x as usize * self.cells_y as usize, "cell count");
        let windows = self.windows();
        if windows == 0 {
            return None;
        }
        let total: f64 = (0..self.cells_y - 1).map(|cy| self.row_sum(cy)).sum();
        Some(total / windows as f64)
    }

    /// The sum (in double, left to right) of the SSIM of the windows whose top cells are in row `cy`:
    /// `ssim` adds these rows in order, so rows computed in parallel give the same value.
    pub fn row_sum(&self, cy: u32) -> f64 {
        (0..self.cells_x - 1).map(|cx| window_ssim(self.window(cx, cy)) as f64).sum::<f64>()
    }
}

/// The 4×4 cell sums of `a` against `b` (tightly packed `width` × `height` planes).
pub fn ssim_cells(a: &[u8], b: &[u8], width: u32, height: u32) -> SsimCells {
    let w = width as usize;
    assert_eq!(a.len(), w * height as usize, "plane a has the wrong size");
    assert_eq!(b.len(), a.len(), "plane b has the wrong size");
    let (cells_x, cells_y) = SsimCells::dims(width, height);
    let mut sums = Vec::with_capacity(cells_x as usize * cells_y as usize);
    for cy in 0..cells_y as usize {
        for cx in 0..cells_x as usize {
            let mut s = SsimSums::default();
            for y in cy * 4..cy * 4 + 4 {
                for x in cx * 4..cx * 4 + 4 {
                    let (pa, pb) = (a[y * w + x] as u32, b[y * w + x] as u32);
                    s.s1 += pa;
                    s.s2 += pb;
                    s.ss += pa * pa + pb * pb;
                    s.s12 += pa * pb;
                }
            }
            sums.push(s);
        }
    }
    SsimCells { cells_x, cells_y, sums }
}

/// The luma SSIM of `a` against `b` as FFmpeg's `ssim` filter reports it for Y; `None` below 8×8.
pub fn ssim(a: &[u8], b: &[u8], width: u32, height: u32) -> Option<f64> {
    ssim_cells(a, b, width, height).ssim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(len: usize, seed: u32) -> Vec<u8> {
        let mut s = seed.wrapping_mul(2_654_435_761) | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn constants_are_ffmpegs_rounded_values() {
        assert_eq!(SSIM_C1, (0.01f64 * 0.01 * 255.0 * 255.0 * 64.0 + 0.5) as i32);
        assert_eq!(SSIM_C2, (0.03f64 * 0.03 * 255.0 * 255.0 * 64.0 * 63.0 + 0.5) as i32);
    }

    #[test]
    fn identical_frames_give_exactly_one_and_tiny_frames_none() {
        let (w, h) = (37, 21);
        let a = noise((w * h) as usize, 3);
        assert_eq!(ssim(&a, &a, w, h), Some(1.0));
        let flat = vec![0u8; 64];
        assert_eq!(ssim(&flat, &flat, 8, 8), Some(1.0));
        assert_eq!(ssim(&[0; 7 * 20], &[0; 7 * 20], 7, 20), None);
        assert_eq!(ssim(&[5], &[9], 1, 1), None);
    }

    #[test]
    fn extremes_do_not_overflow_and_are_symmetric() {
        let (w, h) = (16, 12);
        let white = vec![255u8; (w * h) as usize];
        let black = vec![0u8; (w * h) as usize];
        let s = ssim(&white, &black, w, h).unwrap();
        // Means 255 vs 0, no variance: (c1)(c2) / ((64²·255² + c1)(c2)).
        let expected = SSIM_C1 as f32 / (16320 * 16320 + SSIM_C1) as f32;
        assert_eq!(s, expected as f64);
        let a = noise((w * h) as usize, 1);
        let b = noise((w * h) as usize, 2);
        assert_eq!(ssim(&a, &b, w, h), ssim(&b, &a, w, h));
        assert!(ssim(&a, &b, w, h).unwrap() < 0.1, "independent noise is dissimilar");
    }

    #[test]
    fn remainder_columns_and_rows_are_ignored() {
        let (w, h) = (19, 14); // cells 4x3: x >= 16 and y >= 12 are never read
        let a = noise((w * h) as usize, 5);
        let mut b = a.clone();
        for y in 0..h as usize {
            for x in 0..w as usize {
                if x >= 16 || y >= 12 {
                    b[y * w as usize + x] ^= 0x55;
                }
            }
        }
        assert_eq!(ssim(&a, &b, w, h), Some(1.0));
        b[0] ^= 1;
        assert!(ssim(&a, &b, w, h).unwrap() < 1.0);
    }

    #[test]
    fn window_ssim_matches_the_textbook_formula_on_its_window() {
        // One 8x8 window: the paper's formula on means and biased (1/64) (co)variances, with
        // FFmpeg's constants in per-pixel units, equals the integer form up to float rounding.
        let a = noise(64, 11);
        let b: Vec<u8> = a.iter().map(|&v| v / 2 + 40).collect();
        let got = ssim(&a, &b, 8, 8).unwrap();
        let n = 64.0;
        let ma = a.iter().map(|&v| v as f64).sum::<f64>() / n;
        let mb = b.iter().map(|&v| v as f64).sum::<f64>() / n;
        let cov = |x: &[u8], mx: f64, y: &[u8], my: f64| {
            x.iter().zip(y).map(|(&p, &q)| (p as f64 - mx) * (q as f64 - my)).sum::<f64>()
        };
        let (va, vb, cab) = (cov(&a, ma, &a, ma) / n, cov(&b, mb, &b, mb) / n, cov(&a, ma, &b, mb) / n);
        let (c1, c2) = (SSIM_C1 as f64 / (n * n), SSIM_C2 as f64 / (n * n));
        let textbook = (2.0 * ma * mb + c1) * (2.0 * cab + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
        assert!((got - textbook).abs() < 1e-6, "{got} vs {textbook}");
    }
}

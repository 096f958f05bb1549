//! MS-SSIM of luma as `pytorch_msssim.ms_ssim(X, Y, data_range=255)` computes it (the metric
//! learned-codec papers report): 5 scales; per scale a separable Gaussian window (11 taps, σ 1.5)
//! applied without padding (vertical, then horizontal, as its `gaussian_filter`), the means of the cs
//! and SSIM maps; between scales 2×2 average pooling with a zero row/column on each side of an odd
//! dimension (`F.avg_pool2d(kernel 2, padding = [s % 2])`, divisor 4). MS-SSIM =
//! Π_{i<4} relu(cs_i)^w_i · relu(ssim_4)^w_4. Undefined (None) unless the smaller side > 160.
//!
//! This is the GPU pass's exact order of f32 operations (shaders/ms_ssim.comp): every sum adds its
//! terms in order from 0, each product and sum rounded on its own (the shader's `precise`); the
//! maps are summed in segments of [`MS_SSIM_SEGMENT`] pixels of a row by the shader's shared-memory
//! tree (stride 32, 16, …, 1), and the host adds the segments in row-major order in f64. The
//! pyramid is exact (multiples of 4^-s). Only the shader's two divisions per pixel may differ
//! (Vulkan does not round f32 division correctly), hence a documented tolerance.

/// The five scales' weights (pytorch_msssim's defaults, from Wang et al. 2003).
pub const MS_SSIM_WEIGHTS: [f64; 5] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
pub const MS_SSIM_SCALES: usize = 5;
/// Gaussian window taps and σ.
pub const MS_SSIM_WINDOW: usize = 11;
pub const MS_SSIM_SIGMA: f64 = 1.5;
/// Pixels of a map row summed by one workgroup of the shader (its tree's width).
pub const MS_SSIM_SEGMENT: u32 = 64;
/// (K1·255)² and (K2·255)², K1 = 0.01, K2 = 0.03, rounded to f32 as torch adds them.
pub const MS_SSIM_C1: f32 = ((0.01f64 * 255.0) * (0.01f64 * 255.0)) as f32;
pub const MS_SSIM_C2: f32 = ((0.03f64 * 255.0) * (0.03f64 * 255.0)) as f32;

/// The normalised 1-D Gaussian window (`_fspecial_gauss_1d(11, 1.5)`), computed in f64 and rounded
/// to f32 (torch computes it in f32: within an ulp). The GPU gets these same values.
pub fn ms_ssim_window() -> [f32; MS_SSIM_WINDOW] {
    let half = (MS_SSIM_WINDOW / 2) as f64;
    let g: Vec<f64> =
        (0..MS_SSIM_WINDOW).map(|k| (-((k as f64 - half).powi(2)) / (2.0 * MS_SSIM_SIGMA.powi(2))).exp()).collect();
    let sum: f64 = g.iter().sum();
    std::array::from_fn(|k| (g[k] / sum) as f32)
}

/// The sizes of the five scales: each the previous one halved, rounded up (the pooling's padding).
pub fn ms_ssim_sizes(width: u32, height: u32) -> [(u32, u32); MS_SSIM_SCALES] {
    let mut sizes = [(width, height); MS_SSIM_SCALES];
    for s in 1..MS_SSIM_SCALES {
        sizes[s] = (sizes[s - 1].0.div_ceil(2), sizes[s - 1].1.div_ceil(2));
    }
    sizes
}

/// Whether a frame has all five scales (pytorch_msssim asserts min side > (11 − 1)·2^4 = 160).
pub fn ms_ssim_defined(width: u32, height: u32) -> bool {
    width.min(height) > (MS_SSIM_WINDOW as u32 - 1) << (MS_SSIM_SCALES - 1)
}

/// The valid map of a `w × h` scale: (w − 10) × (h − 10), and its segments per row.
pub fn ms_ssim_map(w: u32, h: u32) -> (u32, u32, u32) {
    let (mw, mh) = (w + 1 - MS_SSIM_WINDOW as u32, h + 1 - MS_SSIM_WINDOW as u32);
    (mw, mh, mw.div_ceil(MS_SSIM_SEGMENT))
}

/// Per scale, the partial sums (ssim, cs) of each row segment of the maps, row-major over (row, segment).
#[derive(Clone, Debug, PartialEq)]
pub struct MsSsimPartials {
    pub sizes: [(u32, u32); MS_SSIM_SCALES],
    pub scales: Vec<Vec<[f32; 2]>>,
}

impl MsSsimPartials {
    /// Per scale the means (ssim, cs) of the maps: the segments added in order in f64.
    pub fn means(&self) -> Vec<(f64, f64)> {
        self.scales
            .iter()
            .zip(self.sizes)
            .map(|(parts, (w, h))| {
                let (mw, mh, _) = ms_ssim_map(w, h);
                let n = mw as f64 * mh as f64;
                let (s, c) = parts.iter().fold((0.0, 0.0), |(s, c), p| (s + p[0] as f64, c + p[1] as f64));
                (s / n, c / n)
            })
            .collect()
    }

    /// Π_{i<4} relu(cs_i)^w_i · relu(ssim_4)^w_4.
    pub fn ms_ssim(&self) -> f64 {
        let means = self.means();
        let last = MS_SSIM_SCALES - 1;
        let cs: f64 = (0..last).map(|i| means[i].1.max(0.0).powf(MS_SSIM_WEIGHTS[i])).product();
        cs * means[last].0.max(0.0).powf(MS_SSIM_WEIGHTS[last])
    }
}

/// One scale's plane, f32.
struct Plane {
    w: usize,
    h: usize,
    v: Vec<f32>,
}

impl Plane {
    fn at(&self, x: usize, y: usize) -> f32 {
        self.v[y * self.w + x]
    }

    /// 2×2 average pooling with a zero row (column) before an odd height (width); divisor 4.
    fn pooled(&self) -> Plane {
        let (w, h) = (self.w.div_ceil(2), self.h.div_ceil(2));
        let (px, py) = (self.w % 2, self.h % 2);
        let mut v = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0.0f32;
                for dy in 0..2 {
                    for dx in 0..2 {
                        let (sx, sy) = ((2 * x + dx).checked_sub(px), (2 * y + dy).checked_sub(py));
                        if let (Some(sx), Some(sy)) = (sx, sy) {
                            sum += self.at(sx, sy);
                        }
                    }
                }
                v.push(sum * 0.25);
            }
        }
        Plane { w, h, v }
    }
}

/// The SSIM and cs of the window at (x, y) of one scale (the shader's `pixel`).
fn window_ssim_cs(a: &Plane, b: &Plane, x: usize, y: usize, g: &[f32; MS_SSIM_WINDOW]) -> (f32, f32) {
    // Σ_j g_j · Σ_i g_i · q(x + j, y + i) for q = a, b, a², b², ab: vertical first, as torch.
    let mut m = [0.0f32; 5];
    for (j, &gj) in g.iter().enumerate() {
        let mut v = [0.0f32; 5];
        for (i, &gi) in g.iter().enumerate() {
            let (p, q) = (a.at(x + j, y + i), b.at(x + j, y + i));
            let terms = [p, q, p * p, q * q, p * q];
            for k in 0..5 {
                v[k] += gi * terms[k];
            }
        }
        for k in 0..5 {
            m[k] += gj * v[k];
        }
    }
    let [mu1, mu2, exx, eyy, exy] = m;
    let (mu1_sq, mu2_sq, mu1_mu2) = (mu1 * mu1, mu2 * mu2, mu1 * mu2);
    let (s1, s2, s12) = (exx - mu1_sq, eyy - mu2_sq, exy - mu1_mu2);
    let cs = (2.0 * s12 + MS_SSIM_C2) / ((s1 + s2) + MS_SSIM_C2);
    let ssim = ((2.0 * mu1_mu2 + MS_SSIM_C1) / ((mu1_sq + mu2_sq) + MS_SSIM_C1)) * cs;
    (ssim, cs)
}

/// A segment's values summed as the shader's tree: v[i] += v[i + s] for s = 32, 16, …, 1.
fn tree_sum(mut v: [[f32; 2]; MS_SSIM_SEGMENT as usize]) -> [f32; 2] {
    let mut stride = MS_SSIM_SEGMENT as usize / 2;
    while stride > 0 {
        for i in 0..stride {
            v[i] = [v[i][0] + v[i + stride][0], v[i][1] + v[i + stride][1]];
        }
        stride /= 2;
    }
    v[0]
}

/// One scale's partial sums (row-major over (row, segment)).
fn scale_partials(a: &Plane, b: &Plane, g: &[f32; MS_SSIM_WINDOW]) -> Vec<[f32; 2]> {
    let (mw, mh, segs) = ms_ssim_map(a.w as u32, a.h as u32);
    let mut parts = Vec::with_capacity(mh as usize * segs as usize);
    for y in 0..mh as usize {
        for s in 0..segs {
            let mut v = [[0.0f32; 2]; MS_SSIM_SEGMENT as usize];
            for (k, item) in v.iter_mut().enumerate() {
                let x = (s * MS_SSIM_SEGMENT) as usize + k;
                if x < mw as usize {
                    let (ssim, cs) = window_ssim_cs(a, b, x, y, g);
                    *item = [ssim, cs];
                }
            }
            parts.push(tree_sum(v));
        }
    }
    parts
}

/// The partial sums of MS-SSIM of luma planes `a` against `b` (`None` when the smaller side ≤ 160).
pub fn ms_ssim_partials(a: &[u8], b: &[u8], width: u32, height: u32) -> Option<MsSsimPartials> {
    let (w, h) = (width as usize, height as usize);
    assert_eq!(a.len(), w * h, "plane a has the wrong size");
    assert_eq!(b.len(), a.len(), "plane b has the wrong size");
    if !ms_ssim_defined(width, height) {
        return None;
    }
    let g = ms_ssim_window();
    let plane = |p: &[u8]| Plane { w, h, v: p.iter().map(|&x| x as f32).collect() };
    let (mut pa, mut pb) = (plane(a), plane(b));
    let mut scales = Vec::with_capacity(MS_SSIM_SCALES);
    for s in 0..MS_SSIM_SCALES {
        scales.push(scale_partials(&pa, &pb, &g));
        if s + 1 < MS_SSIM_SCALES {
            (pa, pb) = (pa.pooled(), pb.pooled());
        }
    }
    Some(MsSsimPartials { sizes: ms_ssim_sizes(width, height), scales })
}

/// MS-SSIM of luma `a` against `b` (`None` when the smaller side ≤ 160).
pub fn ms_ssim(a: &[u8], b: &[u8], width: u32, height: u32) -> Option<f64> {
    ms_ssim_partials(a, b, width, height).map(|p| p.ms_ssim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_normalised_and_symmetric() {
        let g = ms_ssim_window();
        let sum: f64 = g.iter().map(|&x| x as f64).sum();
        assert!((sum - 1.0).abs() < 1e-6, "{sum}");
        assert!((0..5).all(|k| g[k] == g[10 - k]) && g[5] > g[4]);
    }

    #[test]
    fn sizes_halve_rounding_up_and_small_frames_have_none() {
        assert_eq!(ms_ssim_sizes(161, 200), [(161, 200), (81, 100), (41, 50), (21, 25), (11, 13)]);
        assert!(ms_ssim_defined(161, 161) && !ms_ssim_defined(160, 400));
        assert_eq!(ms_ssim(&[0; 160 * 400], &[0; 160 * 400], 160, 400), None);
    }

    #[test]
    fn pooling_pads_odd_sides_before_and_divides_by_four() {
        let p = Plane { w: 3, h: 1, v: vec![4.0, 8.0, 12.0] };
        let q = p.pooled();
        // Width 3 (odd): columns (pad, 0), (1, 2); height 1 (odd): rows (pad, 0).
        assert_eq!((q.w, q.h), (2, 1));
        assert_eq!(q.v, vec![1.0, 5.0]);
    }

    #[test]
    fn identical_frames_score_one_and_distortion_lowers_it() {
        let (w, h) = (170u32, 165u32);
        let a: Vec<u8> = (0..w * h).map(|i| ((i * 7919) % 251) as u8).collect();
        let one = ms_ssim(&a, &a, w, h).unwrap();
        assert!((one - 1.0).abs() < 1e-5, "{one}");
        let b: Vec<u8> = a.iter().enumerate().map(|(i, &x)| x.saturating_add((i % 13) as u8 * 3)).collect();
        let lower = ms_ssim(&a, &b, w, h).unwrap();
        assert!(lower < 0.99 && lower > 0.0, "{lower}");
    }
}

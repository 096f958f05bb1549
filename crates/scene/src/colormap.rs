//! The heatmap colormaps on the CPU (same polynomials as `shaders/colormap.glsl`), for the legend.

use crate::settings::Colormap;

fn poly(c: &[[f32; 3]; 7], t: f32) -> [f32; 3] {
    let mut out = [0.0f32; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let mut v = c[6][k];
        for i in (0..6).rev() {
            v = c[i][k] + t * v;
        }
        *o = v;
    }
    out
}

const VIRIDIS: [[f32; 3]; 7] = [
    [0.277_727_33, 0.005_407_344_5, 0.334_099_8],
    [0.105_093_04, 1.404_613_5, 1.384_590_2],
    [-0.330_861_83, 0.214_847_56, 0.095_095_16],
    [-4.634_230_5, -5.799_101, -19.332_441],
    [6.228_27, 14.179_933, 56.690_55],
    [4.776_385, -13.745_145, -65.353_03],
    [-5.435_456, 4.645_852_6, 26.312_435],
];

const INFERNO: [[f32; 3]; 7] = [
    [0.000_218_940_37, 0.001_651_004_6, -0.019_480_898],
    [0.106_513_42, 0.563_956_45, 3.932_712_4],
    [11.602_493, -3.972_854, -15.942_394],
    [-41.703_995, 17.436_4, 44.354_145],
    [77.162_94, -33.402_36, -81.807_31],
    [-71.319_43, 32.626_064, 73.209_52],
    [25.131_126, -12.242_669, -23.070_325],
];

fn turbo(x: f32) -> [f32; 3] {
    let v4 = [1.0, x, x * x, x * x * x];
    let v2 = [v4[2] * v4[2], v4[3] * v4[2]];
    let dot4 = |k: [f32; 4]| k.iter().zip(v4).map(|(a, b)| a * b).sum::<f32>();
    let dot2 = |k: [f32; 2]| k[0] * v2[0] + k[1] * v2[1];
    [
        dot4([0.135_721_38, 4.615_392_6, -42.660_324, 132.131_08]) + dot2([-152.942_4, 59.286_38]),
        dot4([0.091_402_61, 2.194_188_4, 4.842_966_6, -14.185_033]) + dot2([4.277_299, 2.829_566]),
        dot4([0.106_673_3, 12.641_946, -60.582_047, 110.362_77]) + dot2([-89.903_11, 27.348_25]),
    ]
}

/// The colour at `t` in [0, 1] as sRGB bytes.
pub fn sample(map: Colormap, t: f32) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    let c = match map {
        Colormap::Viridis => poly(&VIRIDIS, t),
        Colormap::Inferno => poly(&INFERNO, t),
        Colormap::Turbo => turbo(t),
    };
    c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormap_endpoints_match_matplotlib_within_a_few_levels() {
        // viridis(0) = #440154, viridis(1) = #fde725; inferno(0) = #000004, inferno(1) = #fcffa4.
        let close = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(x, y)| (*x as i32 - y as i32).abs() <= 6);
        assert!(close(sample(Colormap::Viridis, 0.0), [0x44, 0x01, 0x54]), "{:?}", sample(Colormap::Viridis, 0.0));
        assert!(close(sample(Colormap::Viridis, 1.0), [0xfd, 0xe7, 0x25]), "{:?}", sample(Colormap::Viridis, 1.0));
        assert!(close(sample(Colormap::Inferno, 0.0), [0x00, 0x00, 0x04]), "{:?}", sample(Colormap::Inferno, 0.0));
        assert!(close(sample(Colormap::Inferno, 1.0), [0xfc, 0xff, 0xa4]), "{:?}", sample(Colormap::Inferno, 1.0));
        // turbo runs from near black through green to dark red.
        let (lo, mid, hi) = (sample(Colormap::Turbo, 0.0), sample(Colormap::Turbo, 0.5), sample(Colormap::Turbo, 1.0));
        assert!(lo.iter().all(|c| *c < 64), "{lo:?}");
        assert!(mid[1] > mid[0] && mid[1] > mid[2], "{mid:?}");
        assert!(hi[0] > 100 && hi[0] > hi[1] && hi[0] > hi[2], "{hi:?}");
    }
}

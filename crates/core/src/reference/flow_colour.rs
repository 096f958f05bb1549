//! The motion colour wheel (docs/ARCHITECTURE.md, "Flow colours"): the Middlebury wheel of Baker et
//! al. as RAFT's `flow_viz.flow_uv_to_colors` draws it, on a fixed scale instead of per-frame
//! normalisation, so colours compare across frames. The display pass (shaders/display.comp) draws
//! the same function in f32; `analyze --dump flow` writes this one.

use super::{BlockGrid, MotionVector};

/// Colours per segment of the wheel: red→yellow 15, yellow→green 6, green→cyan 4, cyan→blue 11,
/// blue→magenta 13, magenta→red 6 (55 in all).
const SEGMENTS: [usize; 6] = [15, 6, 4, 11, 13, 6];

/// Number of colours on the wheel.
pub const WHEEL_COLOURS: usize = 55;

/// The 55 wheel colours, as `flow_viz.make_colorwheel` builds them (each ramp is floor(255·i/n)).
pub fn colour_wheel() -> [[u8; 3]; WHEEL_COLOURS] {
    let mut wheel = [[0u8; 3]; WHEEL_COLOURS];
    let mut k = 0;
    // Each segment holds one channel at 255 and ramps another up (+) or down (−).
    let ramps: [(usize, usize, bool); 6] =
        [(0, 1, true), (1, 0, false), (1, 2, true), (2, 1, false), (2, 0, true), (0, 2, false)];
    for (&n, &(full, ramp, up)) in SEGMENTS.iter().zip(&ramps) {
        for i in 0..n {
            let step = (255 * i / n) as u8;
            wheel[k][full] = 255;
            wheel[k][ramp] = if up { step } else { 255 - step };
            k += 1;
        }
    }
    wheel
}

/// The colour of a normalised flow (u, v) (1 = full saturation), as `flow_uv_to_colors`: hue from
/// atan2(−v, −u) between neighbouring wheel colours, saturation by the radius; past radius 1 the
/// colour is dimmed to 3/4.
pub fn flow_colour(u: f64, v: f64) -> [u8; 3] {
    // Built once: every pixel of a legend and every block of a dump asks for colours.
    static WHEEL: std::sync::OnceLock<[[u8; 3]; WHEEL_COLOURS]> = std::sync::OnceLock::new();
    let wheel = WHEEL.get_or_init(colour_wheel);
    let rad = (u * u + v * v).sqrt();
    let a = (-v).atan2(-u) / std::f64::consts::PI;
    let fk = (a + 1.0) / 2.0 * (WHEEL_COLOURS - 1) as f64;
    let k0 = fk.floor() as usize;
    let k1 = if k0 + 1 == WHEEL_COLOURS { 0 } else { k0 + 1 };
    let f = fk - k0 as f64;
    std::array::from_fn(|i| {
        // In flow_viz's order of operations, so the floor below lands where RAFT's does.
        let (col0, col1) = (f64::from(wheel[k0][i]) / 255.0, f64::from(wheel[k1][i]) / 255.0);
        let col = (1.0 - f) * col0 + f * col1;
        let col = if rad <= 1.0 { 1.0 - rad * (1.0 - col) } else { col * 0.75 };
        (255.0 * col).floor() as u8
    })
}

/// The flow view's scale in pixels (`--flow-scale`): the one asked for, else the search range, at
/// least 1. Used by the viewer, `record` and `analyze --dump flow` alike.
pub fn flow_scale_px(asked: Option<f32>, range: u32) -> f32 {
    asked.unwrap_or(range as f32).max(1.0)
}

/// The colour of a block vector on the scale `scale` pixels (full saturation at `scale`). The
/// vector points into the previous frame (pred(x) = ref(x + v)); the wheel shows the content's
/// motion from frame t − 1 to t, −v, as RAFT colours a forward flow.
pub fn vector_colour(v: MotionVector, scale: f32) -> [u8; 3] {
    let s = f64::from(scale.max(f32::MIN_POSITIVE));
    // Integer negation: a zero component stays +0.0, so a purely rightward motion takes atan2(−0, −u)
    // = −π (red), as RAFT's does for a flow of (u, 0).
    flow_colour(f64::from(-v.dx) / s, f64::from(-v.dy) / s)
}

/// The flow view of one frame: every pixel coloured by its block's vector, RGB rows of `grid.width`.
pub fn flow_image(vectors: &[MotionVector], grid: &BlockGrid, scale: f32) -> Vec<u8> {
    let (w, h) = (grid.width as usize, grid.height as usize);
    let mut rgb = vec![0u8; w * h * 3];
    for (rect, &v) in grid.rects().zip(vectors) {
        let c = vector_colour(v, scale);
        for y in rect.y0..rect.y0 + rect.h {
            let row = &mut rgb[(y as usize * w + rect.x0 as usize) * 3..][..rect.w as usize * 3];
            row.chunks_exact_mut(3).for_each(|p| p.copy_from_slice(&c));
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wheel_starts_at_red_and_ramps_as_flow_viz() {
        let w = colour_wheel();
        assert_eq!(&w[..3], &[[255, 0, 0], [255, 17, 0], [255, 34, 0]]);
        assert_eq!(w[15], [255, 255, 0], "yellow starts the second segment");
        assert_eq!(w[54], [255, 0, 43], "magenta → red ends one step before red");
    }

    /// Expected colours from RAFT's `flow_viz.flow_uv_to_colors` (numpy 2.4, float64) for content
    /// motion (mx, my) on a scale of 16 px, i.e. u = mx / 16, v = my / 16.
    #[test]
    fn colours_match_raft_flow_viz() {
        let cases: [((i32, i32), [u8; 3]); 14] = [
            ((0, 0), [255, 255, 255]),
            ((16, 0), [255, 0, 0]),
            ((-16, 0), [0, 209, 255]),
            ((0, 16), [255, 229, 0]),
            ((0, -16), [88, 0, 255]),
            ((5, -3), [255, 162, 249]),
            ((-7, 11), [138, 255, 47]),
            ((12, 12), [191, 86, 0]),
            ((20, -1), [191, 0, 45]),
            ((-32, 5), [0, 179, 191]),
            ((1, 0), [255, 239, 239]),
            ((3, 4), [255, 217, 175]),
            ((-1, -1), [232, 237, 255]),
            ((8, -15), [127, 0, 191]),
        ];
        for ((mx, my), want) in cases {
            assert_eq!(flow_colour(f64::from(mx) / 16.0, f64::from(my) / 16.0), want, "motion ({mx}, {my})");
            // A block vector is the negated content motion.
            let v = MotionVector { dx: -mx, dy: -my, sad: 0 };
            assert_eq!(vector_colour(v, 16.0), want, "vector ({}, {})", -mx, -my);
        }
    }

    #[test]
    fn flow_image_paints_each_block_its_colour_edge_blocks_included() {
        let grid = BlockGrid::new(10, 5, 4);
        let vectors: Vec<_> = (0..grid.len() as i32).map(|i| MotionVector { dx: i - 2, dy: 1 - i, sad: 0 }).collect();
        let rgb = flow_image(&vectors, &grid, 4.0);
        assert_eq!(rgb.len(), 10 * 5 * 3);
        for y in 0..5u32 {
            for x in 0..10u32 {
                let b = ((y / 4) * grid.blocks_x() + x / 4) as usize;
                let i = ((y * 10 + x) * 3) as usize;
                assert_eq!(rgb[i..i + 3], vector_colour(vectors[b], 4.0), "pixel ({x}, {y})");
            }
        }
    }
}

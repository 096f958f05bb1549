//! The codec's vectors against the exact search (docs/ARCHITECTURE.md, "Codec motion vectors"): per
//! block, the end-point error of the past-direction codec vector covering the block's centre.

use super::{BlockGrid, MotionVector, WarpParams};
use crate::codec_mv::CodecMotionVector;

/// Per block of `grid` (row-major), the (dx, dy) in pixels of the codec vector of frame t covering the
/// block's centre (x0 + ⌊(w − 1)/2⌋, y0 + ⌊(h − 1)/2⌋) among those with `source < 0`; `None` where
/// none covers it. Where several cover it, the first in FFmpeg's side-data order counts.
pub fn covering_vectors(grid: &BlockGrid, codec: &[CodecMotionVector]) -> Vec<Option<(f32, f32)>> {
    let past: Vec<(&CodecMotionVector, (f32, f32))> =
        codec.iter().filter(|mv| mv.is_past()).filter_map(|mv| Some((mv, mv.vector_px()?))).collect();
    grid.rects()
        .map(|r| {
            let (cx, cy) = (i64::from(r.x0 + (r.w - 1) / 2), i64::from(r.y0 + (r.h - 1) / 2));
            past.iter().find(|(mv, _)| mv.covers(cx, cy)).map(|(_, v)| *v)
        })
        .collect()
}

/// Per block, the Euclidean distance in pixels between its covering codec vector
/// (`covering_vectors`) and `search`, the exact search's vector of pair t − 1; NaN where none.
pub fn codec_epe(grid: &BlockGrid, codec: &[CodecMotionVector], search: &[MotionVector]) -> Vec<f32> {
    covering_vectors(grid, codec)
        .into_iter()
        .zip(search)
        .map(|(covering, found)| match covering {
            Some((dx, dy)) => (dx - found.dx as f32).hypot(dy - found.dy as f32),
            None => f32::NAN,
        })
        .collect()
}

/// Per block, its covering codec vector as a translation warp (1, 0, dx, dy), (0, 0) where none
/// covers it (intra blocks, a picture without vectors): what `--motion codec` predicts with.
pub fn codec_translations(grid: &BlockGrid, codec: &[CodecMotionVector]) -> Vec<WarpParams> {
    covering_vectors(grid, codec)
        .into_iter()
        .map(|covering| {
            let (dx, dy) = covering.unwrap_or((0.0, 0.0));
            WarpParams::translation(dx, dy)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(source: i32, (w, h): (u8, u8), (dst_x, dst_y): (i16, i16), (mx, my): (i32, i32)) -> CodecMotionVector {
        CodecMotionVector {
            source,
            w,
            h,
            src_x: dst_x + (mx / 4) as i16,
            src_y: dst_y + (my / 4) as i16,
            dst_x,
            dst_y,
            motion_x: mx,
            motion_y: my,
            motion_scale: 4,
        }
    }

    fn found(dx: i32, dy: i32) -> MotionVector {
        MotionVector { dx, dy, sad: 0 }
    }

    #[test]
    fn errors_of_the_covering_past_vector_nan_elsewhere() {
        // 40 × 16 at b = 16: three blocks, centres (7, 7), (23, 7), (35, 7) (the last one 8 wide).
        let grid = BlockGrid::new(40, 16, 16);
        let codec = [
            // A backward vector over block 0 does not count.
            mv(1, (16, 16), (8, 8), (40, 40)),
            // 16 × 16 at x 0..16: block 0, (3, 4) px against the search's (0, 0): 5.
            mv(-1, (16, 16), (8, 8), (12, 16)),
            // 8 × 8 at x 16..24, y 0..8 holds (23, 7): (−1.5, 2.25) against (−1, 2).
            mv(-1, (8, 8), (20, 4), (-6, 9)),
            // A second vector over the same centre comes later: ignored.
            mv(-1, (16, 16), (24, 8), (400, 400)),
            // x 24..32 misses (35, 7): block 2 has none.
            mv(-1, (8, 16), (28, 8), (4, 4)),
        ];
        let epe = codec_epe(&grid, &codec, &[found(0, 0), found(-1, 2), found(0, 0)]);
        assert_eq!(epe[0], 5.0);
        assert_eq!(epe[1], 0.5f32.hypot(0.25));
        assert!(epe[2].is_nan());
        // No vectors at all (an intra frame): all NaN.
        assert!(codec_epe(&grid, &[], &[found(0, 0); 3]).iter().all(|e| e.is_nan()));
    }
}

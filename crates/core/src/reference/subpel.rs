//! Sub-pixel refinement of the motion vectors (`--subpel 2|4`; docs/ARCHITECTURE.md, "Sub-pixel
//! vectors"): around the integer best, the 8 half-pel then (for 4) the 8 quarter-pel neighbours, as
//! x264's `subme` does. A vector (qx, qy) is in quarter pixels; the prediction interpolates with
//! integer weights, so it is exact, and equals the translation warp (1, 0, qx/4, qy/4) of `warp`.

use super::motion_search::clamped;
use super::{BlockGrid, MotionVector, WarpParams};

/// A refined vector in quarter pixels, with the SAD of its prediction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QpelVector {
    pub qx: i32,
    pub qy: i32,
    pub sad: u32,
}

impl QpelVector {
    /// The translation warp that predicts the same pixels (`warp`'s bilinear is exact at quarters).
    pub fn params(&self) -> WarpParams {
        WarpParams::translation(self.qx as f32 / 4.0, self.qy as f32 / 4.0)
    }
}

/// The visiting order of a stage's 8 neighbours at step s, as (qx, qy) offsets in units of s.
pub const NEIGHBOURS: [(i32, i32); 8] = [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)];

/// The prediction of pixel (x, y) by the quarter-pel vector (qx, qy):
/// ((4 − fx)(4 − fy)·a + fx(4 − fy)·b + (4 − fx)fy·c + fx·fy·d + 8) >> 4, with a, b, c, d the
/// reference at (x + (qx >> 2), y + (qy >> 2)) and its right, lower and lower-right neighbours
/// (clamped to the edge), fx = qx & 3, fy = qy & 3.
pub fn qpel_sample(reference: &[u8], w: u32, h: u32, x: u32, y: u32, qx: i32, qy: i32) -> u8 {
    let (sx, sy) = (i64::from(x) + i64::from(qx >> 2), i64::from(y) + i64::from(qy >> 2));
    let (fx, fy) = (u32::from((qx & 3) as u8), u32::from((qy & 3) as u8));
    let at = |dx: i64, dy: i64| u32::from(clamped(reference, w, h, sx + dx, sy + dy));
    let sum = (4 - fx) * (4 - fy) * at(0, 0) + fx * (4 - fy) * at(1, 0) + (4 - fx) * fy * at(0, 1) + fx * fy * at(1, 1);
    ((sum + 8) >> 4) as u8
}

/// SAD of block (by, bx) of `cur` against its quarter-pel prediction from `reference`.
pub fn qpel_block_sad(cur: &[u8], reference: &[u8], grid: &BlockGrid, by: u32, bx: u32, qx: i32, qy: i32) -> u32 {
    let r = grid.rect(by, bx);
    let (w, h) = (grid.width, grid.height);
    let mut sad = 0;
    for y in r.y0..r.y0 + r.h {
        for x in r.x0..r.x0 + r.w {
            sad += u32::from(cur[(y * w + x) as usize].abs_diff(qpel_sample(reference, w, h, x, y, qx, qy)));
        }
    }
    sad
}

/// Refines each integer vector (`precision` 2: half pel, 4: quarter pel; 1: none): each stage starts
/// from the current best and visits its 8 neighbours at step s (2, then 1) in `NEIGHBOURS` order; a
/// neighbour replaces the best only with a strictly smaller SAD. The start is the vector's raw SAD
/// (λ weighs the integer search only).
pub fn subpel_refine(
    cur: &[u8],
    reference: &[u8],
    grid: &BlockGrid,
    vectors: &[MotionVector],
    precision: u32,
) -> Vec<QpelVector> {
    let steps: &[i32] = match precision {
        4 => &[2, 1],
        2 => &[2],
        _ => &[],
    };
    grid.rects()
        .zip(vectors)
        .enumerate()
        .map(|(i, (_, v))| {
            let (by, bx) = (i as u32 / grid.blocks_x(), i as u32 % grid.blocks_x());
            let mut best = QpelVector { qx: 4 * v.dx, qy: 4 * v.dy, sad: v.sad };
            for &s in steps {
                let centre = best;
                for (ox, oy) in NEIGHBOURS {
                    let (qx, qy) = (centre.qx + s * ox, centre.qy + s * oy);
                    let sad = qpel_block_sad(cur, reference, grid, by, bx, qx, qy);
                    if sad < best.sad {
                        best = QpelVector { qx, qy, sad };
                    }
                }
            }
            best
        })
        .collect()
}

/// The predicted frame of quarter-pel vectors.
pub fn qpel_predict(reference: &[u8], grid: &BlockGrid, vectors: &[QpelVector]) -> Vec<u8> {
    let (w, h) = (grid.width, grid.height);
    let mut pred = vec![0u8; (w * h) as usize];
    for (r, v) in grid.rects().zip(vectors) {
        for y in r.y0..r.y0 + r.h {
            for x in r.x0..r.x0 + r.w {
                pred[(y * w + x) as usize] = qpel_sample(reference, w, h, x, y, v.qx, v.qy);
            }
        }
    }
    pred
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{motion_search, warp_predict};

    fn texture(w: u32, h: u32, shift: f64) -> Vec<u8> {
        (0..h)
            .flat_map(|y| {
                (0..w).map(move |x| (128.0 + 90.0 * ((x as f64 + shift) * 0.21).sin() * (y as f64 * 0.17).cos()) as u8)
            })
            .collect()
    }

    #[test]
    fn the_quarter_pel_prediction_is_the_translation_warp() {
        let (w, h) = (37, 23);
        let reference = texture(w, h, 0.0);
        let grid = BlockGrid::new(w, h, 8);
        let vectors: Vec<QpelVector> = (0..grid.len() as i32)
            .map(|i| QpelVector { qx: (i * 7) % 23 - 11, qy: (i * 5) % 19 - 9, sad: 0 })
            .collect();
        let params: Vec<WarpParams> = vectors.iter().map(QpelVector::params).collect();
        assert_eq!(qpel_predict(&reference, &grid, &vectors), warp_predict(&reference, &grid, &params));
    }

    #[test]
    fn refinement_finds_a_half_pixel_shift_and_never_raises_the_sad() {
        // cur is the reference shifted by half a pixel in x: the half-pel vector (2, 0) predicts the
        // inside exactly up to rounding, better than any integer vector.
        let (w, h) = (48, 32);
        let reference = texture(w, h, 0.0);
        let grid = BlockGrid::new(w, h, 16);
        let cur: Vec<u8> = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| qpel_sample(&reference, w, h, x, y, 2, 0))
            .collect();
        let vectors = motion_search(&cur, &reference, &grid, 2);
        let half = subpel_refine(&cur, &reference, &grid, &vectors, 2);
        let quarter = subpel_refine(&cur, &reference, &grid, &vectors, 4);
        for ((v, hv), qv) in vectors.iter().zip(&half).zip(&quarter) {
            assert!(hv.sad <= v.sad && qv.sad <= hv.sad, "{v:?} {hv:?} {qv:?}");
        }
        assert_eq!((half[0].qx, half[0].qy, half[0].sad), (2, 0, 0), "block 0 finds the half-pel shift");
        assert_eq!(subpel_refine(&cur, &reference, &grid, &vectors, 1)[0].qx, 4 * vectors[0].dx);
    }
}

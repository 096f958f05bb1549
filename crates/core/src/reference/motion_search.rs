//! Exact full-search block matching. For each block of `cur`, every displacement (dx, dy) with
//! |dx|, |dy| <= R is scored by SAD against `ref` read at (x + dx, y + dy), clamped to the edge.
//! Best = minimal SAD; ties go to the smallest |dx| + |dy|, then the smallest dy, then the smallest
//! dx (signed), so the order is total and the GPU can match it exactly.

use super::grid::BlockGrid;

/// One block's best displacement and its SAD.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MotionVector {
    pub dx: i32,
    pub dy: i32,
    pub sad: u32,
}

impl MotionVector {
    /// Lexicographic key realising the tie-breaking rule; smaller wins.
    pub fn rank(&self) -> (u32, i32, i32, i32) {
        (self.sad, self.dx.abs() + self.dy.abs(), self.dy, self.dx)
    }
}

/// Largest search range the passes accept.
pub const MAX_RANGE: u32 = 64;

/// Reads `plane` at (x, y) clamped to the frame.
#[inline]
pub fn clamped(plane: &[u8], width: u32, height: u32, x: i64, y: i64) -> u8 {
    let cx = x.clamp(0, width as i64 - 1) as usize;
    let cy = y.clamp(0, height as i64 - 1) as usize;
    plane[cy * width as usize + cx]
}

/// SAD of one block of `cur` against `reference` displaced by (dx, dy).
pub fn block_sad(cur: &[u8], reference: &[u8], grid: &BlockGrid, by: u32, bx: u32, dx: i32, dy: i32) -> u32 {
    let r = grid.rect(by, bx);
    let (w, h) = (grid.width, grid.height);
    let mut sad = 0u32;
    for y in r.y0..r.y0 + r.h {
        for x in r.x0..r.x0 + r.w {
            let c = cur[(y * w + x) as usize];
            let p = clamped(reference, w, h, x as i64 + dx as i64, y as i64 + dy as i64);
            sad += c.abs_diff(p) as u32;
        }
    }
    sad
}

/// Best vector per block, row-major over (by, bx): the plain SAD search (λ = 0).
pub fn motion_search(cur: &[u8], reference: &[u8], grid: &BlockGrid, range: u32) -> Vec<MotionVector> {
    regularised_search(cur, reference, grid, range, 0)
}

/// Best vector per block for the cost SAD + λ·(|dx| + |dy|) (`--lambda`), with the tie-break of
/// `MotionVector::rank` on the cost; each vector keeps its raw SAD.
pub fn regularised_search(
    cur: &[u8],
    reference: &[u8],
    grid: &BlockGrid,
    range: u32,
    lambda: u32,
) -> Vec<MotionVector> {
    assert_eq!(cur.len(), (grid.width * grid.height) as usize);
    assert_eq!(reference.len(), cur.len());
    let r = range as i32;
    // The key (cost, |dx| + |dy|, dy, dx): `rank` with the cost in place of the SAD.
    let cost = |v: &MotionVector| {
        let (sad, l1, dy, dx) = v.rank();
        (sad + lambda * l1 as u32, l1, dy, dx)
    };
    let mut out = Vec::with_capacity(grid.len());
    for by in 0..grid.blocks_y() {
        for bx in 0..grid.blocks_x() {
            let mut best: Option<MotionVector> = None;
            for dy in -r..=r {
                for dx in -r..=r {
                    let candidate = MotionVector { dx, dy, sad: block_sad(cur, reference, grid, by, bx, dx, dy) };
                    if best.is_none_or(|b| cost(&candidate) < cost(&b)) {
                        best = Some(candidate);
                    }
                }
            }
            out.push(best.expect("the search window holds the zero vector"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_known_shift_and_prefers_zero_on_flat_frames() {
        let (w, h) = (40u32, 24u32);
        let tex = |x: i64, y: i64| ((x * 37 + y * 91 + (x * y) % 13) % 251) as u8;
        let reference: Vec<u8> = (0..h as i64).flat_map(|y| (0..w as i64).map(move |x| tex(x, y))).collect();
        // cur(x, y) = ref(x + 3, y - 2)  =>  vector (3, -2) for blocks whose window stays inside.
        let cur: Vec<u8> = (0..h as i64).flat_map(|y| (0..w as i64).map(move |x| tex(x + 3, y - 2))).collect();
        let grid = BlockGrid::new(w, h, 8);
        let mv = motion_search(&cur, &reference, &grid, 4);
        assert_eq!(mv[grid.blocks_x() as usize + 1], MotionVector { dx: 3, dy: -2, sad: 0 });
        // A weight that outprices the 3 + 2 = 5 pixels of motion: the shift costs 5·λ, more than the zero
        // vector's SAD, so a shorter vector wins (its SAD is kept raw).
        let zero_sad = block_sad(&cur, &reference, &grid, 1, 1, 0, 0);
        let held = regularised_search(&cur, &reference, &grid, 4, zero_sad / 5 + 1)[grid.blocks_x() as usize + 1];
        assert!(held.dx.abs() + held.dy.abs() < 5, "{held:?}");
        assert_eq!(held.sad, block_sad(&cur, &reference, &grid, 1, 1, held.dx, held.dy));
        let kept = regularised_search(&cur, &reference, &grid, 4, 2);
        assert_eq!(kept[grid.blocks_x() as usize + 1], MotionVector { dx: 3, dy: -2, sad: 0 });
        let flat = vec![9u8; (w * h) as usize];
        assert!(motion_search(&flat, &flat, &grid, 3).iter().all(|m| *m == MotionVector { dx: 0, dy: 0, sad: 0 }));
    }
}

/// One block's motion costs (an output of the motion pass): the chosen vector's SAD, the zero vector's, and
/// the second best over the candidates at Chebyshev distance ≥ 2 from the chosen vector (the best
/// SAD again when there is none, as with R = 0). `zero − best` is what the vector saves (MC gain),
/// `second − best` how clearly it wins (confidence: 0 is a tie between distinct motions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MotionCost {
    pub best: u32,
    pub zero: u32,
    pub second: u32,
}

/// The motion costs of every block, given the vectors `motion_search` chose (row-major over (by, bx)).
pub fn motion_costs(
    cur: &[u8],
    reference: &[u8],
    grid: &BlockGrid,
    range: u32,
    vectors: &[MotionVector],
) -> Vec<MotionCost> {
    let r = range as i32;
    let mut out = Vec::with_capacity(grid.len());
    for by in 0..grid.blocks_y() {
        for bx in 0..grid.blocks_x() {
            let v = vectors[(by * grid.blocks_x() + bx) as usize];
            let mut second = None::<u32>;
            for dy in -r..=r {
                for dx in -r..=r {
                    if (dx - v.dx).abs().max((dy - v.dy).abs()) >= 2 {
                        let sad = block_sad(cur, reference, grid, by, bx, dx, dy);
                        second = Some(second.map_or(sad, |s| s.min(sad)));
                    }
                }
            }
            let zero = block_sad(cur, reference, grid, by, bx, 0, 0);
            out.push(MotionCost { best: v.sad, zero, second: second.unwrap_or(v.sad) });
        }
    }
    out
}

/// The forward–backward inconsistency of every block (`--fb`; docs/ARCHITECTURE.md, "Forward–backward
/// check"). For block b at (x0, y0), w × h, with forward vector v (frame t into t − 1): b′ is the block
/// of the grid holding the pixel (x0 + ⌊(w − 1)/2⌋ + dx, y0 + ⌊(h − 1)/2⌋ + dy), clamped to the frame,
/// and the error is |dx + dx_back(b′)| + |dy + dy_back(b′)|, with `backward` the search from frame
/// t − 1 into frame t. 0 where the two searches agree; large at occlusions and ties.
pub fn fb_errors(grid: &BlockGrid, forward: &[MotionVector], backward: &[MotionVector]) -> Vec<u32> {
    grid.rects()
        .zip(forward)
        .map(|(r, v)| {
            let px = (i64::from(r.x0) + (i64::from(r.w) - 1) / 2 + i64::from(v.dx)).clamp(0, i64::from(grid.width) - 1);
            let py =
                (i64::from(r.y0) + (i64::from(r.h) - 1) / 2 + i64::from(v.dy)).clamp(0, i64::from(grid.height) - 1);
            let b = backward[(py as u32 / grid.block * grid.blocks_x() + px as u32 / grid.block) as usize];
            (v.dx + b.dx).unsigned_abs() + (v.dy + b.dy).unsigned_abs()
        })
        .collect()
}

/// The cost surface of block (by, bx): the SAD of every displacement |dx|, |dy| ≤ R, row-major over
/// (dy + R, dx + R), as the search scores them (reads clamped to the edge, edge blocks over their
/// inside pixels).
pub fn cost_surface(cur: &[u8], reference: &[u8], grid: &BlockGrid, by: u32, bx: u32, range: u32) -> Vec<u32> {
    let r = range as i32;
    (-r..=r).flat_map(|dy| (-r..=r).map(move |dx| block_sad(cur, reference, grid, by, bx, dx, dy))).collect()
}

/// On a cost surface of range R: the best displacement at Chebyshev distance ≥ 2 from `chosen`, with
/// the search's tie-break (SAD, |dx| + |dy|, dy, dx): the second best of `motion_costs`, located.
pub fn surface_second_best(surface: &[u32], range: u32, chosen: (i32, i32)) -> Option<MotionVector> {
    let (r, n) = (range as i32, 2 * range as usize + 1);
    surface
        .iter()
        .enumerate()
        .map(|(i, &sad)| MotionVector { dx: (i % n) as i32 - r, dy: (i / n) as i32 - r, sad })
        .filter(|v| (v.dx - chosen.0).abs().max((v.dy - chosen.1).abs()) >= 2)
        .min_by_key(MotionVector::rank)
}

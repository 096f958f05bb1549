//! Per-block SAD, SSE and plain sums of two planes, over each block's inside pixels.

use super::grid::BlockGrid;

/// One block's record, as the GPU writes it: exact integers; means derive from the sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockStat {
    pub sad: u32,
    pub sse: u32,
    pub sum_a: u32,
    pub sum_b: u32,
}

impl BlockStat {
    /// Σpixel / count as f32, correctly rounded (the sum is below 2^24 so it converts exactly).
    pub fn mean(sum: u32, count: u32) -> f32 {
        sum as f32 / count as f32
    }
}

/// Stats of `a` against `b` for every block of `grid`, row-major over (by, bx).
pub fn block_stats(a: &[u8], b: &[u8], grid: &BlockGrid) -> Vec<BlockStat> {
    let w = grid.width as usize;
    assert_eq!(a.len(), w * grid.height as usize, "plane a has the wrong size");
    assert_eq!(b.len(), a.len(), "plane b has the wrong size");
    grid.rects()
        .map(|r| {
            let mut s = BlockStat::default();
            for y in r.y0..r.y0 + r.h {
                let row = y as usize * w;
                for x in r.x0 as usize..(r.x0 + r.w) as usize {
                    let (pa, pb) = (a[row + x] as u32, b[row + x] as u32);
                    let d = pa.abs_diff(pb);
                    s.sad += d;
                    s.sse += d * d;
                    s.sum_a += pa;
                    s.sum_b += pb;
                }
            }
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_block_128_does_not_overflow() {
        let g = BlockGrid::new(128, 128, 128);
        let s = block_stats(&vec![255; 128 * 128], &vec![0; 128 * 128], &g);
        assert_eq!(
            s[0],
            BlockStat { sad: 128 * 128 * 255, sse: 128 * 128 * 255 * 255, sum_a: 128 * 128 * 255, sum_b: 0 }
        );
        assert_eq!(BlockStat::mean(s[0].sum_a, 128 * 128), 255.0);
    }
}

//! The block grid of docs/ARCHITECTURE.md: `Bx = ceil(W/b)`, `By = ceil(H/b)`; block (by, bx) covers
//! x in [bx*b, min(W, (bx+1)*b)) and y likewise, so edge blocks may be partial.

/// Block sizes the passes accept.
pub const BLOCK_SIZES: [u32; 6] = [4, 8, 16, 32, 64, 128];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockGrid {
    pub width: u32,
    pub height: u32,
    pub block: u32,
}

/// A block's pixel rectangle inside the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRect {
    pub x0: u32,
    pub y0: u32,
    pub w: u32,
    pub h: u32,
}

impl BlockRect {
    pub fn count(&self) -> u32 {
        self.w * self.h
    }
}

impl BlockGrid {
    pub fn new(width: u32, height: u32, block: u32) -> Self {
        assert!(block > 0, "block size must be positive");
        Self { width, height, block }
    }

    pub fn blocks_x(&self) -> u32 {
        self.width.div_ceil(self.block)
    }

    pub fn blocks_y(&self) -> u32 {
        self.height.div_ceil(self.block)
    }

    pub fn len(&self) -> usize {
        self.blocks_x() as usize * self.blocks_y() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn rect(&self, by: u32, bx: u32) -> BlockRect {
        let x0 = bx * self.block;
        let y0 = by * self.block;
        BlockRect { x0, y0, w: self.block.min(self.width - x0), h: self.block.min(self.height - y0) }
    }

    /// Blocks in row-major (by, bx) order, the order of every per-block array.
    pub fn rects(&self) -> impl Iterator<Item = BlockRect> + '_ {
        (0..self.blocks_y()).flat_map(move |by| (0..self.blocks_x()).map(move |bx| self.rect(by, bx)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_blocks_are_clipped_to_the_frame() {
        let g = BlockGrid::new(17, 9, 8);
        assert_eq!((g.blocks_x(), g.blocks_y()), (3, 2));
        assert_eq!(g.rect(1, 2), BlockRect { x0: 16, y0: 8, w: 1, h: 1 });
        assert_eq!(g.rects().map(|r| r.count()).sum::<u32>(), 17 * 9);
    }
}

//! MDL side information per block (docs/symbols.md "Rate"): the bits to code a block's prediction
//! parameters (signed Exp-Golomb of the difference from a median predictor) plus its residual
//! trits (ideal adaptive arithmetic-code length of each digit plane). All f64.

use super::grid::{BlockGrid, BlockRect};
use super::symbols::{BlockMode, SymbolError, SymbolLayout, HEADER_MODE, HEADER_PARAMS};
use std::sync::OnceLock;

/// Warp translations are coded in quarter pixels: round(4 · t).
pub const TRANSLATION_SCALE: f64 = 4.0;
/// Warp a − 1 and b are coded in 1/1024: round(1024 · (a − 1)), round(1024 · b).
pub const LINEAR_SCALE: f64 = 1024.0;
/// Fixed bits per block for its header (mode, index); none: the mode is the same for a whole frame
/// and the index is implicit in the block order.
pub const HEADER_BITS: f64 = 0.0;

/// Bits of one block.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlockRate {
    /// Side information: the motion vector or warp parameters.
    pub mv_bits: f64,
    /// The residual's digit planes.
    pub residual_bits: f64,
}

impl BlockRate {
    pub fn total(&self) -> f64 {
        HEADER_BITS + self.mv_bits + self.residual_bits
    }
}

/// Length of the signed Exp-Golomb code se(v): codeNum = 2v − 1 for v > 0, −2v otherwise;
/// bits = 2 · floor(log2(codeNum + 1)) + 1. se(0) = 1, se(±1) = 3, se(2) = 5.
pub fn se_bits(v: i64) -> u32 {
    let code = if v > 0 { 2 * v as u64 - 1 } else { 2 * v.unsigned_abs() };
    2 * (code + 1).ilog2() + 1
}

/// The integer symbols a block's side information codes, and how many of the 4 are coded:
/// zero motion and dense flow none; a motion vector (dx, dy); a warp translation (4tx, 4ty); a similarity
/// (4tx, 4ty, 1024(a − 1), 1024b). Uncoded components are 0 (what a neighbour predicts from).
pub fn side_info_symbols(mode: &BlockMode) -> ([i64; 4], usize) {
    match *mode {
        BlockMode::ZeroMotion | BlockMode::DenseFlow => ([0; 4], 0),
        BlockMode::MotionVector { dx, dy } => ([dx as i64, dy as i64, 0, 0], 2),
        BlockMode::Warp(p) => {
            let t = |v: f32| (v as f64 * TRANSLATION_SCALE).round() as i64;
            let l = |v: f64| (v * LINEAR_SCALE).round() as i64;
            let symbols = [t(p.tx), t(p.ty), l(p.a as f64 - 1.0), l(p.b as f64)];
            (symbols, if super::symbols::is_translation(&p) { 2 } else { 4 })
        }
    }
}

fn median3(a: i64, b: i64, c: i64) -> i64 {
    a.max(b).min(a.min(b).max(c))
}

/// The predictor of block (by, bx) from `symbols` (row-major over the grid `blocks_y` × `blocks_x`):
/// A = left, B = top, C = top-right, or top-left (D) when C is outside the grid. In the first row
/// (B and C unavailable) the predictor is A when it exists; otherwise it is the component-wise median
/// of A, B, C, an unavailable neighbour counting as 0. Block (0, 0) is predicted by 0.
pub fn predictor(symbols: &[[i64; 4]], blocks_y: u32, blocks_x: u32, by: u32, bx: u32) -> [i64; 4] {
    let at = |y: i64, x: i64| -> Option<[i64; 4]> {
        (y >= 0 && x >= 0 && y < blocks_y as i64 && x < blocks_x as i64)
            .then(|| symbols[(y as u32 * blocks_x + x as u32) as usize])
    };
    let (y, x) = (by as i64, bx as i64);
    let a = at(y, x - 1);
    let b = at(y - 1, x);
    let c = at(y - 1, x + 1).or_else(|| at(y - 1, x - 1));
    if let (Some(a), None, None) = (a, b, c) {
        return a;
    }
    let [a, b, c] = [a, b, c].map(|n| n.unwrap_or([0; 4]));
    std::array::from_fn(|i| median3(a[i], b[i], c[i]))
}

/// Side-information bits per block: Σ se(symbol − predictor) over the coded components.
pub fn side_info_bits(modes: &[BlockMode], grid: &BlockGrid) -> Vec<f64> {
    assert_eq!(modes.len(), grid.len(), "one mode per block");
    let coded: Vec<([i64; 4], usize)> = modes.iter().map(side_info_symbols).collect();
    let symbols: Vec<[i64; 4]> = coded.iter().map(|c| c.0).collect();
    let (blocks_y, blocks_x) = (grid.blocks_y(), grid.blocks_x());
    coded
        .iter()
        .enumerate()
        .map(|(i, (s, n))| {
            let (by, bx) = (i as u32 / blocks_x, i as u32 % blocks_x);
            let p = predictor(&symbols, blocks_y, blocks_x, by, bx);
            (0..*n).map(|k| se_bits(s[k] - p[k]) as f64).sum()
        })
        .collect()
}

/// log2(k!) for k = 0..=MAX_BLOCK² + 2.
fn log2_factorial(k: usize) -> f64 {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let max = 128 * 128 + 2;
        let mut t = Vec::with_capacity(max + 1);
        let mut acc = 0.0f64;
        t.push(0.0);
        for i in 1..=max {
            acc += (i as f64).log2();
            t.push(acc);
        }
        t
    });
    table[k]
}

/// Ideal code length of a trit sequence under the adaptive model that starts with counts (1, 1, 1)
/// and adds 1 to a symbol's count after coding it: Σ −log2(count[s] / total). It depends only on
/// how many of each symbol there are: log2((n + 2)! / 2) − Σ_s log2(n_s!).
pub fn adaptive_trit_bits(counts: [u32; 3]) -> f64 {
    let n: u32 = counts.iter().sum();
    log2_factorial(n as usize + 2) - 1.0 - counts.iter().map(|&c| log2_factorial(c as usize)).sum::<f64>()
}

/// Residual bits of one record: each digit plane coded on its own (model reset per block and plane)
/// over the block's inside pixels in raster order (pixels outside the frame are known to be 0).
pub fn residual_bits(record: &[u32], layout: &SymbolLayout, rect: &BlockRect) -> f64 {
    (0..layout.planes).map(|k| adaptive_trit_bits(plane_counts(record, layout, rect, k))).sum()
}

/// (zeros, +1s, −1s) of plane `k` over the inside pixels of `rect`.
fn plane_counts(record: &[u32], layout: &SymbolLayout, rect: &BlockRect, k: u32) -> [u32; 3] {
    if rect.w == layout.block && rect.h == layout.block {
        // A full block: whole words at once. Codes 01 and 11 have bit 0 set, only 11 also bit 1;
        // padding trits past b² are 0.
        let (start, _) = layout.trit_position(k, 0);
        let words = &record[start..start + layout.words_per_plane() as usize];
        let nonzero: u32 = words.iter().map(|w| (w & 0x5555_5555).count_ones()).sum();
        let minus: u32 = words.iter().map(|w| (w & (w >> 1) & 0x5555_5555).count_ones()).sum();
        return [layout.pixels() as u32 - nonzero, nonzero - minus, minus];
    }
    let mut counts = [0u32; 3];
    for ly in 0..rect.h {
        for lx in 0..rect.w {
            let (word, shift) = layout.trit_position(k, ly * layout.block + lx);
            // Codes 00, 01, 11 → slots 0, 1, 2 (0b10 never occurs in a valid record).
            const SLOT: [usize; 4] = [0, 1, 1, 2];
            counts[SLOT[((record[word] >> shift) & 0b11) as usize]] += 1;
        }
    }
    counts
}

/// Bits per block of one pair's stream (`grid.len()` records), with the side information of `modes`.
pub fn block_rates(stream: &[u32], modes: &[BlockMode], grid: &BlockGrid, layout: &SymbolLayout) -> Vec<BlockRate> {
    let mv = side_info_bits(modes, grid);
    let records = super::symbols::records(stream, grid, layout).expect("stream length matches the grid");
    records
        .zip(grid.rects())
        .zip(mv)
        .map(|((record, rect), mv_bits)| BlockRate { mv_bits, residual_bits: residual_bits(record, layout, &rect) })
        .collect()
}

/// Like `block_rates`, with each block's mode read from its record header.
pub fn stream_rates(stream: &[u32], grid: &BlockGrid, layout: &SymbolLayout) -> Result<Vec<BlockRate>, SymbolError> {
    let modes = super::symbols::records(stream, grid, layout)?
        .map(|r| {
            let p = HEADER_PARAMS as usize;
            BlockMode::from_header(r[HEADER_MODE as usize], [r[p], r[p + 1], r[p + 2], r[p + 3]])
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(block_rates(stream, &modes, grid, layout))
}

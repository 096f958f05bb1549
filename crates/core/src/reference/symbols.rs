//! The per-block symbol stream (docs/symbols.md): the residual r = cur − pred, quantised with step Q
//! and written as balanced-ternary digit planes (trits in {−1, 0, +1}, plane 0 most significant),
//! 2 bits per trit, in one fixed-size record of u32 words per block. The layout constants are
//! mirrored in shaders/symbols.glsl; `GLSL_CONSTANTS` lists them by their GLSL names so a test can
//! hold the two copies equal.

use super::grid::BlockGrid;
use super::motion_search::MotionVector;
use super::warp::WarpParams;

/// Header words at the start of every record.
pub const HEADER_WORDS: u32 = 8;
/// Trits packed into one u32 word (2 bits each).
pub const TRITS_PER_WORD: u32 = 16;
pub const BITS_PER_TRIT: u32 = 2;
/// Planes at Q = 1 (the most any quantiser needs): (3^6 − 1)/2 = 364 ≥ 255.
pub const MAX_PLANES: u32 = 6;
/// Largest quantiser step; Q = 1 is lossless.
pub const MAX_QUANT: u32 = 255;

/// Header word offsets inside a record.
pub const HEADER_INDEX: u32 = 0;
pub const HEADER_MODE: u32 = 1;
/// Four parameter words follow the mode.
pub const HEADER_PARAMS: u32 = 2;
pub const HEADER_NONZERO: u32 = 6;
pub const HEADER_RESERVED: u32 = 7;

/// Mode codes (header word 1).
pub const MODE_ZERO_MOTION: u32 = 0;
pub const MODE_MOTION_VECTOR: u32 = 1;
pub const MODE_WARP_TRANSLATION: u32 = 2;
pub const MODE_WARP_SIMILARITY: u32 = 3;
/// A dense flow (`--flow`) predicted the block per pixel; its side information is not in the stream.
pub const MODE_DENSE_FLOW: u32 = 4;

/// 2-bit trit codes: the two's-complement low bits of the digit. 0b10 never occurs.
pub const TRIT_ZERO: u32 = 0b00;
pub const TRIT_PLUS: u32 = 0b01;
pub const TRIT_MINUS: u32 = 0b11;

/// Every constant of shaders/symbols.glsl, by its GLSL name (`const uint NAME = VALUEu;`).
pub const GLSL_CONSTANTS: &[(&str, u32)] = &[
    ("SYM_HEADER_WORDS", HEADER_WORDS),
    ("SYM_TRITS_PER_WORD", TRITS_PER_WORD),
    ("SYM_BITS_PER_TRIT", BITS_PER_TRIT),
    ("SYM_MAX_PLANES", MAX_PLANES),
    ("SYM_MAX_QUANT", MAX_QUANT),
    ("SYM_HEADER_INDEX", HEADER_INDEX),
    ("SYM_HEADER_MODE", HEADER_MODE),
    ("SYM_HEADER_PARAMS", HEADER_PARAMS),
    ("SYM_HEADER_NONZERO", HEADER_NONZERO),
    ("SYM_HEADER_RESERVED", HEADER_RESERVED),
    ("SYM_MODE_ZERO_MOTION", MODE_ZERO_MOTION),
    ("SYM_MODE_MOTION_VECTOR", MODE_MOTION_VECTOR),
    ("SYM_MODE_WARP_TRANSLATION", MODE_WARP_TRANSLATION),
    ("SYM_MODE_WARP_SIMILARITY", MODE_WARP_SIMILARITY),
    ("SYM_MODE_DENSE_FLOW", MODE_DENSE_FLOW),
    ("SYM_TRIT_ZERO", TRIT_ZERO),
    ("SYM_TRIT_PLUS", TRIT_PLUS),
    ("SYM_TRIT_MINUS", TRIT_MINUS),
];

/// Largest |q| the quantiser produces for |r| ≤ 255: floor((255 + floor(Q/2)) / Q).
pub fn max_level(quant: u32) -> u32 {
    (255 + quant / 2) / quant
}

/// Smallest N with (3^N − 1)/2 ≥ `max_level(quant)`: 6 at Q = 1, 1 at Q = 255.
pub fn planes_for_quant(quant: u32) -> u32 {
    let max = max_level(quant);
    (1..=MAX_PLANES).find(|&n| (3u32.pow(n) - 1) / 2 >= max).unwrap_or(MAX_PLANES)
}

/// q = sign(r) · floor((|r| + floor(Q/2)) / Q).
pub fn quantize(r: i32, quant: u32) -> i32 {
    let m = ((r.unsigned_abs() + quant / 2) / quant) as i32;
    if r < 0 {
        -m
    } else {
        m
    }
}

/// Balanced-ternary digits of `q` on `planes` planes, plane 0 (most significant) first:
/// q = Σ d_k · 3^(N−1−k). Computed as the base-3 digits of u = q + (3^N − 1)/2, minus 1 each.
/// Panics if |q| > (3^N − 1)/2.
pub fn level_to_trits(q: i32, planes: u32) -> [i8; MAX_PLANES as usize] {
    let offset = (3i32.pow(planes) - 1) / 2;
    assert!(q.abs() <= offset, "level {q} does not fit {planes} balanced-ternary planes");
    let mut u = (q + offset) as u32;
    let mut digits = [0i8; MAX_PLANES as usize];
    for k in (0..planes as usize).rev() {
        digits[k] = (u % 3) as i8 - 1;
        u /= 3;
    }
    digits
}

/// q = Σ d_k · 3^(N−1−k) over `trits` (plane 0 first).
pub fn trits_to_level(trits: &[i8]) -> i32 {
    trits.iter().fold(0i32, |acc, &d| acc * 3 + d as i32)
}

/// The 2-bit code of a digit in {−1, 0, +1}.
pub fn trit_code(d: i8) -> u32 {
    debug_assert!((-1..=1).contains(&d), "trit {d} outside {{-1, 0, 1}}");
    (d as i32 as u32) & 0b11
}

/// The digit of a 2-bit code; `None` for the invalid code 0b10.
pub fn decode_trit(code: u32) -> Option<i8> {
    match code & 0b11 {
        TRIT_ZERO => Some(0),
        TRIT_PLUS => Some(1),
        TRIT_MINUS => Some(-1),
        _ => None,
    }
}

/// The record layout for block size b and quantiser Q.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SymbolLayout {
    pub block: u32,
    pub quant: u32,
    pub planes: u32,
}

impl SymbolLayout {
    /// Panics unless `quant` is in 1..=255 and `block` > 0 (callers validate user input first).
    pub fn new(block: u32, quant: u32) -> Self {
        assert!(block > 0, "block size must be positive");
        assert!((1..=MAX_QUANT).contains(&quant), "quantiser step {quant} outside 1..={MAX_QUANT}");
        Self { block, quant, planes: planes_for_quant(quant) }
    }

    /// Pixels per record: the full b×b block.
    pub fn pixels(&self) -> usize {
        (self.block * self.block) as usize
    }

    /// ceil(b² / 16).
    pub fn words_per_plane(&self) -> u32 {
        (self.block * self.block).div_ceil(TRITS_PER_WORD)
    }

    /// 8 header words + N planes of ceil(b² / 16) words.
    pub fn record_words(&self) -> u32 {
        HEADER_WORDS + self.planes * self.words_per_plane()
    }

    /// Words of one pair's stream over `grid`.
    pub fn stream_words(&self, grid: &BlockGrid) -> usize {
        grid.len() * self.record_words() as usize
    }

    /// Word offset, inside a record, of the word holding trit `pixel` of `plane`, and its bit shift.
    pub fn trit_position(&self, plane: u32, pixel: u32) -> (usize, u32) {
        let word = HEADER_WORDS + plane * self.words_per_plane() + pixel / TRITS_PER_WORD;
        (word as usize, BITS_PER_TRIT * (pixel % TRITS_PER_WORD))
    }
}

/// How a block was predicted, as its header records it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BlockMode {
    /// pred = ref (no motion ran).
    ZeroMotion,
    /// Integer motion vector: pred(x, y) = ref(x + dx, y + dy).
    MotionVector { dx: i32, dy: i32 },
    /// Warp parameters; mode 2 (translation) when a = 1 and b = ±0 bit for bit, else mode 3.
    Warp(WarpParams),
    /// A learner's dense flow (`--flow`): pred(x) = ref sampled at x + flow(x); parameters 0, and its
    /// side information is not coded (0 bits: the flow is the learner's, not the stream's).
    DenseFlow,
}

impl BlockMode {
    /// The header's mode code.
    pub fn code(&self) -> u32 {
        match self {
            BlockMode::ZeroMotion => MODE_ZERO_MOTION,
            BlockMode::MotionVector { .. } => MODE_MOTION_VECTOR,
            BlockMode::Warp(p) if is_translation(p) => MODE_WARP_TRANSLATION,
            BlockMode::Warp(_) => MODE_WARP_SIMILARITY,
            BlockMode::DenseFlow => MODE_DENSE_FLOW,
        }
    }

    /// Header words 2..6: (dx, dy, 0, 0) as i32, (a, b, tx, ty) as f32 bits, or zeros.
    pub fn param_words(&self) -> [u32; 4] {
        match *self {
            BlockMode::ZeroMotion | BlockMode::DenseFlow => [0; 4],
            BlockMode::MotionVector { dx, dy } => [dx as u32, dy as u32, 0, 0],
            BlockMode::Warp(p) => [p.a.to_bits(), p.b.to_bits(), p.tx.to_bits(), p.ty.to_bits()],
        }
    }

    /// The mode of a header's mode and parameter words.
    pub fn from_header(mode: u32, params: [u32; 4]) -> Result<Self, SymbolError> {
        let warp = WarpParams {
            a: f32::from_bits(params[0]),
            b: f32::from_bits(params[1]),
            tx: f32::from_bits(params[2]),
            ty: f32::from_bits(params[3]),
        };
        match mode {
            MODE_ZERO_MOTION if params == [0; 4] => Ok(BlockMode::ZeroMotion),
            MODE_MOTION_VECTOR if params[2..] == [0, 0] => {
                Ok(BlockMode::MotionVector { dx: params[0] as i32, dy: params[1] as i32 })
            }
            MODE_WARP_TRANSLATION if is_translation(&warp) => Ok(BlockMode::Warp(warp)),
            MODE_WARP_SIMILARITY if !is_translation(&warp) => Ok(BlockMode::Warp(warp)),
            MODE_DENSE_FLOW if params == [0; 4] => Ok(BlockMode::DenseFlow),
            MODE_ZERO_MOTION..=MODE_DENSE_FLOW => {
                Err(SymbolError(format!("mode {mode} does not match its parameter words {params:08x?}")))
            }
            _ => Err(SymbolError(format!("unknown mode {mode}"))),
        }
    }
}

/// a = 1 and b = ±0, compared bit for bit (the GPU does the same, so subnormals cannot differ).
pub fn is_translation(p: &WarpParams) -> bool {
    p.a.to_bits() == 1f32.to_bits() && p.b.to_bits() & 0x7FFF_FFFF == 0
}

pub fn modes_zero_motion(blocks: usize) -> Vec<BlockMode> {
    vec![BlockMode::ZeroMotion; blocks]
}

pub fn modes_from_vectors(vectors: &[MotionVector]) -> Vec<BlockMode> {
    vectors.iter().map(|v| BlockMode::MotionVector { dx: v.dx, dy: v.dy }).collect()
}

pub fn modes_from_warp(params: &[WarpParams]) -> Vec<BlockMode> {
    params.iter().map(|&p| BlockMode::Warp(p)).collect()
}

/// A malformed record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolError(pub String);

impl std::fmt::Display for SymbolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SymbolError {}

/// A decoded record header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockHeader {
    /// by · Bx + bx.
    pub index: u32,
    pub mode: BlockMode,
    /// Non-zero trits in the block, all planes.
    pub nonzero: u32,
}

/// Quantised residual levels of block (by, bx): b×b in raster order over the full block, 0 for
/// pixels outside the frame.
pub fn block_levels(cur: &[u8], pred: &[u8], grid: &BlockGrid, by: u32, bx: u32, quant: u32) -> Vec<i32> {
    let (b, w) = (grid.block, grid.width as usize);
    let r = grid.rect(by, bx);
    let mut levels = vec![0i32; (b * b) as usize];
    for ly in 0..r.h {
        let row = (r.y0 + ly) as usize * w;
        for lx in 0..r.w {
            let i = row + (r.x0 + lx) as usize;
            levels[(ly * b + lx) as usize] = quantize(cur[i] as i32 - pred[i] as i32, quant);
        }
    }
    levels
}

/// Digit planes of `levels`: N planes of b² trits, plane 0 first.
pub fn levels_to_planes(levels: &[i32], layout: &SymbolLayout) -> Vec<i8> {
    let n = layout.pixels();
    assert_eq!(levels.len(), n, "one level per pixel of the b×b block");
    let mut trits = vec![0i8; layout.planes as usize * n];
    for (i, &q) in levels.iter().enumerate() {
        for (k, &d) in level_to_trits(q, layout.planes).iter().take(layout.planes as usize).enumerate() {
            trits[k * n + i] = d;
        }
    }
    trits
}

/// One record from digit planes (`planes · b²` trits in {−1, 0, +1}, plane 0 first, raster order).
pub fn encode_trits(index: u32, mode: BlockMode, trits: &[i8], layout: &SymbolLayout) -> Vec<u32> {
    let n = layout.pixels();
    assert_eq!(trits.len(), layout.planes as usize * n, "planes · b² trits per record");
    let mut words = vec![0u32; layout.record_words() as usize];
    let mut nonzero = 0;
    for (k, plane) in trits.chunks_exact(n).enumerate() {
        for (i, &d) in plane.iter().enumerate() {
            assert!((-1..=1).contains(&d), "trit {d} outside {{-1, 0, 1}}");
            let (word, shift) = layout.trit_position(k as u32, i as u32);
            words[word] |= trit_code(d) << shift;
            nonzero += (d != 0) as u32;
        }
    }
    words[HEADER_INDEX as usize] = index;
    words[HEADER_MODE as usize] = mode.code();
    let p = HEADER_PARAMS as usize;
    words[p..p + 4].copy_from_slice(&mode.param_words());
    words[HEADER_NONZERO as usize] = nonzero;
    words
}

/// One record from quantised levels (b² of them, raster order).
pub fn encode_levels(index: u32, mode: BlockMode, levels: &[i32], layout: &SymbolLayout) -> Vec<u32> {
    encode_trits(index, mode, &levels_to_planes(levels, layout), layout)
}

/// The stream of one pair: a record per block of `grid` in block order, residual cur − pred.
pub fn encode_stream(cur: &[u8], pred: &[u8], grid: &BlockGrid, quant: u32, modes: &[BlockMode]) -> Vec<u32> {
    assert_eq!(cur.len(), (grid.width * grid.height) as usize, "cur has the wrong size");
    assert_eq!(pred.len(), cur.len(), "pred has the wrong size");
    assert_eq!(modes.len(), grid.len(), "one mode per block");
    let layout = SymbolLayout::new(grid.block, quant);
    let mut out = Vec::with_capacity(layout.stream_words(grid));
    for by in 0..grid.blocks_y() {
        for bx in 0..grid.blocks_x() {
            let index = by * grid.blocks_x() + bx;
            let levels = block_levels(cur, pred, grid, by, bx, quant);
            out.extend(encode_levels(index, modes[index as usize], &levels, &layout));
        }
    }
    out
}

/// The header of a record and its digit planes (`planes · b²` trits, plane 0 first). Rejects a
/// record of the wrong length, an unknown mode or one inconsistent with its parameters, the code
/// 0b10, a non-zero count that disagrees with the trits, and a non-zero reserved word.
pub fn decode_record_trits(words: &[u32], layout: &SymbolLayout) -> Result<(BlockHeader, Vec<i8>), SymbolError> {
    if words.len() != layout.record_words() as usize {
        return Err(SymbolError(format!("record has {} words, expected {}", words.len(), layout.record_words())));
    }
    let index = words[HEADER_INDEX as usize];
    let fail = |problem: String| SymbolError(format!("block {index}: {problem}"));
    let p = HEADER_PARAMS as usize;
    let params = [words[p], words[p + 1], words[p + 2], words[p + 3]];
    let mode = BlockMode::from_header(words[HEADER_MODE as usize], params).map_err(|e| fail(e.0))?;
    let reserved = words[HEADER_RESERVED as usize];
    if reserved != 0 {
        return Err(fail(format!("reserved header word is {reserved}, expected 0")));
    }
    let n = layout.pixels();
    let mut trits = vec![0i8; layout.planes as usize * n];
    let mut nonzero = 0;
    for k in 0..layout.planes {
        for i in 0..n as u32 {
            let (word, shift) = layout.trit_position(k, i);
            let code = (words[word] >> shift) & 0b11;
            let d = decode_trit(code).ok_or_else(|| fail(format!("invalid trit code 0b10 at plane {k}, pixel {i}")))?;
            trits[k as usize * n + i as usize] = d;
            nonzero += (d != 0) as u32;
        }
    }
    let claimed = words[HEADER_NONZERO as usize];
    if claimed != nonzero {
        return Err(fail(format!("header counts {claimed} non-zero trits, the planes hold {nonzero}")));
    }
    Ok((BlockHeader { index, mode, nonzero }, trits))
}

/// The header of a record and its quantised levels q (b², raster order over the full block).
pub fn decode_record(words: &[u32], layout: &SymbolLayout) -> Result<(BlockHeader, Vec<i32>), SymbolError> {
    let (header, trits) = decode_record_trits(words, layout)?;
    let n = layout.pixels();
    let levels =
        (0..n).map(|i| (0..layout.planes as usize).fold(0i32, |acc, k| acc * 3 + trits[k * n + i] as i32)).collect();
    Ok((header, levels))
}

/// Reconstructed residual r̂ = q · Q.
pub fn reconstruct(levels: &[i32], quant: u32) -> Vec<i32> {
    levels.iter().map(|&q| q * quant as i32).collect()
}

/// The records of one pair's stream, in block order (checks the stream's length).
pub fn records<'a>(
    stream: &'a [u32],
    grid: &BlockGrid,
    layout: &SymbolLayout,
) -> Result<std::slice::ChunksExact<'a, u32>, SymbolError> {
    let want = layout.stream_words(grid);
    if stream.len() != want {
        return Err(SymbolError(format!(
            "stream has {} words, expected {want} for {} blocks",
            stream.len(),
            grid.len()
        )));
    }
    Ok(stream.chunks_exact(layout.record_words() as usize))
}

/// Non-zero trits per plane of one record (for per-plane views): codes 01 and 11 have bit 0 set.
pub fn plane_nonzero_counts(record: &[u32], layout: &SymbolLayout) -> Vec<u32> {
    let wpp = layout.words_per_plane() as usize;
    (0..layout.planes as usize)
        .map(|k| {
            let start = HEADER_WORDS as usize + k * wpp;
            record[start..start + wpp].iter().map(|w| (w & 0x5555_5555).count_ones()).sum()
        })
        .collect()
}

/// Non-zero trits per (block, plane) of one pair's stream, row-major [blocks][planes] (for a
/// per-plane heatmap).
pub fn stream_plane_nonzero_counts(
    stream: &[u32],
    grid: &BlockGrid,
    layout: &SymbolLayout,
) -> Result<Vec<u32>, SymbolError> {
    Ok(records(stream, grid, layout)?.flat_map(|r| plane_nonzero_counts(r, layout)).collect())
}

/// Trit `plane` of frame pixel (x, y) in one pair's stream (x < W, y < H).
pub fn trit_at(stream: &[u32], grid: &BlockGrid, layout: &SymbolLayout, plane: u32, x: u32, y: u32) -> i8 {
    let (b, index) = (grid.block, (y / grid.block) * grid.blocks_x() + x / grid.block);
    let (word, shift) = layout.trit_position(plane, (y % b) * b + x % b);
    decode_trit(stream[index as usize * layout.record_words() as usize + word] >> shift).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planes_cover_the_quantiser_range() {
        assert_eq!(planes_for_quant(1), 6);
        assert_eq!(planes_for_quant(2), 6); // max level 128 > (3^5 − 1)/2 = 121
        assert_eq!(planes_for_quant(3), 5); // max level 85
        assert_eq!(planes_for_quant(255), 1);
        for q in 1..=MAX_QUANT {
            let n = planes_for_quant(q);
            assert!((3u32.pow(n) - 1) / 2 >= max_level(q));
            assert!(n == 1 || (3u32.pow(n - 1) - 1) / 2 < max_level(q), "Q={q}: {n} planes is not the smallest");
        }
    }

    #[test]
    fn balanced_ternary_round_trips_every_level() {
        for n in 1..=MAX_PLANES {
            let m = (3i32.pow(n) - 1) / 2;
            for q in -m..=m {
                let d = level_to_trits(q, n);
                assert_eq!(trits_to_level(&d[..n as usize]), q);
                assert!(d[n as usize..].iter().all(|&x| x == 0));
            }
        }
        assert_eq!(&level_to_trits(5, 3)[..3], &[1, -1, -1]); // 9 − 3 − 1
        assert_eq!(&level_to_trits(-4, 2)[..2], &[-1, -1]);
    }
}

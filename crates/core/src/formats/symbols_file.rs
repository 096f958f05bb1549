//! Learner symbols (`--symbols FILE.npy`): int8 digit planes [P, By, Bx, N, b, b] or [By, Bx, N, b, b]
//! (one set for every pair), trits in {−1, 0, +1}, plane 0 most significant, N the planes of the
//! chosen `--quant`. Everything is checked on load so a bad file fails with one line naming it and
//! the problem; the trits then replace the GPU's in symbols.bin and the rate.

use super::npy_blocks::{load_block_array, BlockArray, BlockArraySpec};
use crate::reference::symbols::encode_trits;
use crate::reference::{BlockGrid, BlockMode, SymbolLayout};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct SymbolsFileError {
    pub path: String,
    pub problem: String,
}

pub struct SymbolsFile {
    pub path: PathBuf,
    /// Pairs in the file; `None` when one set serves every pair.
    pub pairs: Option<u64>,
    layout: SymbolLayout,
    blocks: usize,
    trits: Vec<i8>,
}

impl SymbolsFile {
    /// Loads and validates against `grid` and `layout` (block size and planes of `--quant`);
    /// `pairs_needed` is how many pairs will be analysed.
    pub fn load(
        path: &Path,
        grid: &BlockGrid,
        layout: &SymbolLayout,
        pairs_needed: Option<u64>,
    ) -> Result<Self, SymbolsFileError> {
        let fail = |problem: String| SymbolsFileError { path: path.display().to_string(), problem };
        let spec = BlockArraySpec {
            dtype: "|i1",
            dtype_name: "int8",
            per_block_rank: 3,
            shapes: "[P, By, Bx, N, b, b] or [By, Bx, N, b, b]",
        };
        let BlockArray { pairs, per_block, values: trits } =
            load_block_array::<i8>(path, &spec, grid, pairs_needed).map_err(fail)?;
        let b = grid.block as u64;
        if per_block[1] != b || per_block[2] != b {
            return Err(fail(format!("blocks are {}x{}, expected {b}x{b} (--block {b})", per_block[1], per_block[2])));
        }
        if per_block[0] != layout.planes as u64 {
            return Err(fail(format!("has {} planes, --quant {} needs {}", per_block[0], layout.quant, layout.planes)));
        }
        let per_block = layout.planes as usize * layout.pixels();
        for (flat, chunk) in trits.chunks_exact(per_block).enumerate() {
            let (set, block) = (flat / grid.len(), flat % grid.len());
            let (y, x) = (block as u32 / grid.blocks_x(), block as u32 % grid.blocks_x());
            let rect = grid.rect(y, x);
            for (i, &d) in chunk.iter().enumerate() {
                let inside = {
                    let pixel = (i % layout.pixels()) as u32;
                    pixel % grid.block < rect.w && pixel / grid.block < rect.h
                };
                if (-1..=1).contains(&d) && (d == 0 || inside) {
                    continue;
                }
                let (k, pixel) = (i / layout.pixels(), i % layout.pixels());
                let (py, px) = (pixel / grid.block as usize, pixel % grid.block as usize);
                let index = match pairs {
                    Some(_) => format!("[{set}, {y}, {x}, {k}, {py}, {px}]"),
                    None => format!("[{y}, {x}, {k}, {py}, {px}]"),
                };
                return Err(fail(if (-1..=1).contains(&d) {
                    format!(
                        "non-zero trit {d} at {index}, outside the {}x{} frame (edge-block pixels must be 0)",
                        grid.width, grid.height
                    )
                } else {
                    format!("value {d} at {index} is not a trit (-1, 0 or 1)")
                }));
            }
        }
        Ok(Self { path: path.to_path_buf(), pairs, layout: *layout, blocks: grid.len(), trits })
    }

    /// The stream of pair p (frame p+1 against its prediction) from the learner's trits, with each
    /// record's header taken from `modes`.
    pub fn stream_for_pair(&self, p: u64, modes: &[BlockMode]) -> Result<Vec<u32>, SymbolsFileError> {
        let sets = self.trits.len() / (self.blocks * self.layout.planes as usize * self.layout.pixels()).max(1);
        let index = if self.pairs.is_some() { p as usize } else { 0 };
        if index >= sets {
            return Err(SymbolsFileError {
                path: self.path.display().to_string(),
                problem: format!("has {sets} pairs, the video has more (use --frames to analyse fewer)"),
            });
        }
        let per_block = self.layout.planes as usize * self.layout.pixels();
        let set = &self.trits[index * self.blocks * per_block..(index + 1) * self.blocks * per_block];
        Ok(set
            .chunks_exact(per_block)
            .zip(modes)
            .enumerate()
            .flat_map(|(i, (trits, &mode))| encode_trits(i as u32, mode, trits, &self.layout))
            .collect())
    }
}

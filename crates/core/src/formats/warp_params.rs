//! Learner warp parameters (`--warp-params FILE.npy`): float32 [P, By, Bx, 2|4] or [By, Bx, 2|4]
//! (one set for every pair); 2 = translation (tx, ty), 4 = similarity (a, b, tx, ty). Everything
//! is checked on load so a bad file fails with one line naming it and the problem.

use super::npy_blocks::{load_block_array, BlockArray, BlockArraySpec};
use crate::reference::{BlockGrid, WarpParams};
use std::path::{Path, PathBuf};

/// |a| and |b| beyond this are no plausible block warp (and would sample absurdly far away).
pub const MAX_LINEAR: f32 = 16.0;

#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct WarpParamsError {
    pub path: String,
    pub problem: String,
}

#[derive(Clone)]
pub struct WarpParamsFile {
    pub path: PathBuf,
    /// Pairs in the file; `None` when one set serves every pair.
    pub pairs: Option<u64>,
    /// 2 (translation) or 4 (similarity) values per block.
    pub components: u64,
    sets: Vec<Vec<WarpParams>>,
}

impl WarpParamsFile {
    /// Loads and validates against `grid`; `pairs_needed` is how many pairs will be analysed.
    pub fn load(path: &Path, grid: &BlockGrid, pairs_needed: Option<u64>) -> Result<Self, WarpParamsError> {
        let fail = |problem: String| WarpParamsError { path: path.display().to_string(), problem };
        let spec = BlockArraySpec {
            dtype: "<f4",
            dtype_name: "float32",
            per_block_rank: 1,
            shapes: "[P, By, Bx, 2|4] or [By, Bx, 2|4]",
        };
        let BlockArray { pairs, per_block, values } =
            load_block_array::<f32>(path, &spec, grid, pairs_needed).map_err(fail)?;
        let components = per_block[0];
        if components != 2 && components != 4 {
            return Err(fail(format!("last dimension is {components}, expected 2 (tx, ty) or 4 (a, b, tx, ty)")));
        }
        let bx = grid.blocks_x() as u64;
        let per_block = components as usize;
        let blocks = grid.len();
        let mut sets = Vec::new();
        for (set_index, chunk) in values.chunks_exact(blocks * per_block).enumerate() {
            let mut set = Vec::with_capacity(blocks);
            for (block, v) in chunk.chunks_exact(per_block).enumerate() {
                let where_ = || {
                    let (y, x) = (block as u64 / bx, block as u64 % bx);
                    match pairs {
                        Some(_) => format!("[{set_index}, {y}, {x}]"),
                        None => format!("[{y}, {x}]"),
                    }
                };
                if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
                    return Err(fail(format!("non-finite value {bad} at {}", where_())));
                }
                let p = if per_block == 2 {
                    WarpParams::translation(v[0], v[1])
                } else {
                    WarpParams { a: v[0], b: v[1], tx: v[2], ty: v[3] }
                };
                if p.tx.abs() > grid.width as f32 || p.ty.abs() > grid.height as f32 {
                    return Err(fail(format!(
                        "translation ({}, {}) at {} leaves the {}x{} frame by more than its size",
                        p.tx,
                        p.ty,
                        where_(),
                        grid.width,
                        grid.height
                    )));
                }
                if p.a.abs() > MAX_LINEAR || p.b.abs() > MAX_LINEAR {
                    return Err(fail(format!(
                        "similarity (a, b) = ({}, {}) at {} exceeds |{MAX_LINEAR}|",
                        p.a,
                        p.b,
                        where_()
                    )));
                }
                set.push(p);
            }
            sets.push(set);
        }
        Ok(Self { path: path.to_path_buf(), pairs, components, sets })
    }

    /// The parameter set for pair p (frame p+1 predicted from frame p).
    pub fn for_pair(&self, p: u64) -> Result<&[WarpParams], WarpParamsError> {
        let index = if self.pairs.is_some() { p as usize } else { 0 };
        self.sets.get(index).map(Vec::as_slice).ok_or_else(|| WarpParamsError {
            path: self.path.display().to_string(),
            problem: format!("has {} pairs, the video has more (use --frames to analyse fewer)", self.sets.len()),
        })
    }
}

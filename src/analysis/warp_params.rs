//! Learner warp parameters (`--warp-params FILE.npy`): float32 [P, By, Bx, 2|4] or [By, Bx, 2|4]
//! (one set for every pair); 2 = translation (tx, ty), 4 = similarity (a, b, tx, ty). Everything
//! is checked on load so a bad file fails with one line naming it and the problem.

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
        let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let npy = npyz::NpyFile::new(&bytes[..]).map_err(|e| fail(format!("not a valid .npy file: {e}")))?;
        let dtype = npy.dtype();
        let dtype_text = match &dtype {
            npyz::DType::Plain(t) => t.to_string(),
            other => format!("{other:?}"),
        };
        if dtype_text != "<f4" {
            return Err(fail(format!("dtype {dtype_text}, expected float32 (<f4)")));
        }
        if npy.order() != npyz::Order::C {
            return Err(fail("Fortran-ordered array; save it in C order (np.ascontiguousarray)".into()));
        }
        let shape = npy.shape().to_vec();
        let (by, bx) = (grid.blocks_y() as u64, grid.blocks_x() as u64);
        let (pairs, grid_shape) = match shape.len() {
            4 => (Some(shape[0]), &shape[1..]),
            3 => (None, &shape[..]),
            _ => return Err(fail(format!("shape {shape:?}, expected [P, By, Bx, 2|4] or [By, Bx, 2|4]"))),
        };
        if grid_shape[0] != by || grid_shape[1] != bx {
            return Err(fail(format!(
                "block grid {}x{} (By x Bx) does not match the video's {by}x{bx} at block {} ({}x{})",
                grid_shape[0], grid_shape[1], grid.block, grid.width, grid.height
            )));
        }
        let components = grid_shape[2];
        if components != 2 && components != 4 {
            return Err(fail(format!("last dimension is {components}, expected 2 (tx, ty) or 4 (a, b, tx, ty)")));
        }
        if let (Some(p), Some(needed)) = (pairs, pairs_needed) {
            if p < needed {
                return Err(fail(format!("has {p} pairs, the video needs {needed} (use --frames to analyse fewer)")));
            }
        }
        let values: Vec<f32> = npy.into_vec().map_err(|e| fail(format!("cannot read values: {e}")))?;
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

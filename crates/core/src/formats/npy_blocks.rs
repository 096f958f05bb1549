//! The one loader for learner `.npy` files of per-block arrays, `[P, By, Bx, ...]` or `[By, Bx, ...]`
//! (one set for every pair): dtype, C order, rank, the block grid and the number of pairs are checked
//! here, each failure as one sentence naming the problem (the caller adds the file).

use crate::reference::BlockGrid;
use std::path::Path;

/// A per-block array as loaded: `values` in C order.
pub struct BlockArray<T> {
    /// Pairs in the file; `None` when one set serves every pair.
    pub pairs: Option<u64>,
    /// The dimensions after [By, Bx].
    pub per_block: Vec<u64>,
    pub values: Vec<T>,
}

/// What a caller expects of the file.
pub struct BlockArraySpec<'a> {
    /// numpy's dtype string, e.g. `<f4`, and its name for messages, e.g. `float32`.
    pub dtype: &'a str,
    pub dtype_name: &'a str,
    /// Dimensions after [By, Bx].
    pub per_block_rank: usize,
    /// The accepted shapes as users read them, e.g. `[P, By, Bx, 2|4] or [By, Bx, 2|4]`.
    pub shapes: &'a str,
}

pub fn load_block_array<T: npyz::Deserialize>(
    path: &Path,
    spec: &BlockArraySpec,
    grid: &BlockGrid,
    pairs_needed: Option<u64>,
) -> Result<BlockArray<T>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let npy = npyz::NpyFile::new(&bytes[..]).map_err(|e| format!("not a valid .npy file: {e}"))?;
    let dtype_text = match npy.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => format!("{other:?}"),
    };
    if dtype_text != spec.dtype {
        return Err(format!("dtype {dtype_text}, expected {} ({})", spec.dtype_name, spec.dtype));
    }
    if npy.order() != npyz::Order::C {
        return Err("Fortran-ordered array; save it in C order (np.ascontiguousarray)".into());
    }
    let shape = npy.shape().to_vec();
    let rank = 2 + spec.per_block_rank;
    let (pairs, block_shape) = match shape.len() {
        n if n == rank + 1 => (Some(shape[0]), &shape[1..]),
        n if n == rank => (None, &shape[..]),
        _ => return Err(format!("shape {shape:?}, expected {}", spec.shapes)),
    };
    let (by, bx) = (grid.blocks_y() as u64, grid.blocks_x() as u64);
    if block_shape[0] != by || block_shape[1] != bx {
        return Err(format!(
            "block grid {}x{} (By x Bx) does not match the video's {by}x{bx} at block {} ({}x{})",
            block_shape[0], block_shape[1], grid.block, grid.width, grid.height
        ));
    }
    if let (Some(p), Some(needed)) = (pairs, pairs_needed) {
        if p < needed {
            return Err(format!("has {p} pairs, the video needs {needed} (use --frames to analyse fewer)"));
        }
    }
    let per_block = block_shape[2..].to_vec();
    let values = npy.into_vec().map_err(|e| format!("cannot read values: {e}"))?;
    Ok(BlockArray { pairs, per_block, values })
}

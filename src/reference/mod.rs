//! Exact CPU implementations of every GPU pass: the math oracle the GPU is tested against.
//! Plain Rust on 8-bit luma planes (tightly packed, `width * height` bytes); depends on std only.

mod block_stats;
mod diff;
mod grid;

pub use block_stats::{block_stats, BlockStat};
pub use diff::diff;
pub use grid::{BlockGrid, BlockRect, BLOCK_SIZES};

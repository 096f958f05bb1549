//! Exact CPU implementations of every GPU pass: the math oracle the GPU is tested against.
//! Plain Rust on 8-bit luma planes (tightly packed, `width * height` bytes); depends on std only.
//! `symbols` is the residual's digit-plane stream (layout, encoder, decoder), `rate` its MDL cost.

mod block_stats;
mod diff;
mod grid;
mod motion_search;
mod params;
pub mod rate;
pub mod symbols;
mod warp;

pub use block_stats::{block_stats, BlockStat};
pub use diff::diff;
pub use grid::{BlockGrid, BlockRect, BLOCK_SIZES};
pub use motion_search::{block_sad, clamped, motion_search, MotionVector, MAX_RANGE};
pub use params::{BlockSize, ParamError, QuantStep, SearchRange};
pub use rate::{block_rates, stream_rates, BlockRate};
pub use symbols::{
    decode_record, encode_stream, modes_from_vectors, modes_from_warp, modes_zero_motion, BlockHeader, BlockMode,
    SymbolError, SymbolLayout,
};
pub use warp::{bilinear, motion_predict, source_position, warp_predict, WarpParams};

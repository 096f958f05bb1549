//! Exact CPU implementations of every GPU pass: the math oracle the GPU is tested against.
//! Plain Rust on 8-bit luma planes (tightly packed, `width * height` bytes); depends on std only.
//! `symbols` is the residual's digit-plane stream (layout, encoder, decoder), `rate` its MDL cost.
//! `compare` and `ssim` are the A/B comparison of two videos (signed difference, PSNR, SSIM as FFmpeg).

mod block_stats;
mod codec_epe;
mod compare;
pub mod dense_flow;
mod diff;
pub mod flow_colour;
mod grid;
pub mod motion_search;
mod ms_ssim;
mod params;
pub mod rate;
mod ssim;
pub mod subpel;
pub mod symbols;
mod warp;

pub use block_stats::{block_stats, BlockStat};
pub use codec_epe::{codec_epe, codec_translations, covering_vectors};
pub use compare::{
    block_psnr, format_2dp, frame_error, psnr_from_mse, psnr_from_sse, signed_diff, tile_sse, ChromaSse, FrameError,
    YuvError, CHROMA_TILE, PEAK_SQUARED,
};
pub use diff::diff;
pub use grid::{BlockGrid, BlockRect, BLOCK_SIZES};
pub use motion_search::{block_sad, clamped, motion_search, regularised_search, MotionVector, MAX_RANGE};
pub use ms_ssim::{
    ms_ssim, ms_ssim_defined, ms_ssim_map, ms_ssim_partials, ms_ssim_sizes, ms_ssim_window, MsSsimPartials, MS_SSIM_C1,
    MS_SSIM_C2, MS_SSIM_SCALES, MS_SSIM_SEGMENT, MS_SSIM_WEIGHTS, MS_SSIM_WINDOW,
};
pub use params::{BlockSize, Lambda, ParamError, QuantStep, SearchRange, Subpel, MAX_LAMBDA};
pub use rate::{block_rates, stream_rates, BlockRate};
pub use ssim::{ssim, ssim_cells, window_ssim, SsimCells, SsimSums, SSIM_C1, SSIM_C2};
pub use symbols::{
    decode_record, encode_stream, modes_from_vectors, modes_from_warp, modes_zero_motion, BlockHeader, BlockMode,
    SymbolError, SymbolLayout,
};
pub use warp::{bilinear, motion_predict, source_position, warp_predict, WarpParams};

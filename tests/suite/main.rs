//! Every integration test, in one binary: one module per area, the helpers in `common`. One link
//! (with FFmpeg, ash, egui and winit) instead of one per file is most of what `make test` spends on
//! building them. Run one area with `cargo test --test suite cli_analyze::`.

mod common;

mod ab_metrics_parity;
mod ab_parity;
mod ab_vs_ffmpeg;
mod cli_analyze;
mod cli_batch;
mod cli_compare;
mod cli_flow;
mod cli_lambda;
mod cli_metadata;
mod cli_output_safety;
mod cli_record;
mod cli_symbols;
mod cli_warp_params;
mod codec_mvs;
mod corrupt_inputs;
mod cost_surface_parity;
mod diff_block_stats_parity;
mod encode;
mod fb_parity;
pub mod flow_parity;
pub mod flow_view;
mod frame_pipeline;
mod kernel_paths_parity;
mod motion_cost_parity;
mod motion_warp_parity;
mod npy_input;
mod player_loop;
mod subpel_parity;
mod symbols_parity;
mod symbols_reference;
mod video_decode;
mod viewer_window;
mod yuview_csv;

//! Headless drivers (`analyze`, `bench`) and their exporters (NPY, CSV, PNG, manifest.json).

mod analyze;
mod bench;
mod export;
mod frame_export;
mod manifest;
mod output_dir;
mod own_output;
mod progress;
mod symbols_file;
mod warp_params;

pub use analyze::{decode_warning, run_analyze, AnalyzeOptions, AnalyzeSummary, DumpKinds};
pub use bench::{run_bench, BenchOptions, BenchReport, TimingStats};
pub use export::{write_npy, write_png_gray};
pub use frame_export::{export_frame_stats, FrameStats};
pub use manifest::{DecodeErrorsManifest, FileEntry, FrameErrors, Manifest, RateManifest, SymbolsManifest};
pub use output_dir::StagedDir;
pub use progress::frame_progress;
pub use symbols_file::{SymbolsFile, SymbolsFileError};
pub use warp_params::{WarpParamsError, WarpParamsFile};

/// Checks a motion search range.
pub fn check_range(range: u32) -> anyhow::Result<()> {
    let max = crate::reference::MAX_RANGE;
    anyhow::ensure!(range <= max, "--range {range}: invalid search range (must be 0..={max})");
    Ok(())
}

/// Checks a quantiser step of the symbol stream.
pub fn check_quant(quant: u32) -> anyhow::Result<()> {
    let max = crate::reference::symbols::MAX_QUANT;
    anyhow::ensure!((1..=max).contains(&quant), "--quant {quant}: invalid quantiser step (must be 1..={max})");
    Ok(())
}

/// Checks a block size against the sizes the passes support.
pub fn check_block_size(block: u32) -> anyhow::Result<()> {
    if !crate::reference::BLOCK_SIZES.contains(&block) {
        anyhow::bail!("--block {block}: invalid block size (must be one of {:?})", crate::reference::BLOCK_SIZES);
    }
    Ok(())
}

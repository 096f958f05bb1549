//! Headless drivers (`analyze`, `bench`) and their exporters (NPY, CSV, PNG, manifest.json).

mod analyze;
mod bench;
mod export;
mod frame_export;
mod manifest;
mod output_dir;
mod progress;
mod symbols_file;
mod warp_params;

pub use analyze::{run_analyze, AnalyzeOptions, AnalyzeSummary, DumpKinds};
pub use bench::{run_bench, BenchOptions, BenchReport, TimingStats};
pub use export::{write_npy, write_png_gray};
pub use frame_export::{export_frame_stats, FrameStats};
pub use manifest::{FileEntry, Manifest, RateManifest, SymbolsManifest};
pub use output_dir::StagedDir;
pub use progress::frame_progress;
pub use symbols_file::{SymbolsFile, SymbolsFileError};
pub use warp_params::{WarpParamsError, WarpParamsFile};

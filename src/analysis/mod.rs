//! Headless drivers (`analyze`, `bench`) and their exporters (NPY, CSV, PNG, manifest.json, YUView
//! statistics CSV).

mod analyze;
mod bench;
mod compare_export;
mod export;
mod frame_export;
mod manifest;
mod npy_blocks;
mod output_dir;
mod own_output;
mod progress;
mod stats_csv;
mod symbols_file;
mod warp_params;
mod yuview_csv;
mod yuview_export;

pub use analyze::{run_analyze, AnalyzeOptions, AnalyzeSummary, DumpKinds};
pub use bench::{run_bench, BenchOptions, BenchReport, TimingStats};
pub use compare_export::{CompareExport, PSNR_CSV_HEADER};
pub use export::{write_npy, write_png_gray};
pub use frame_export::{export_frame_stats, FrameStats};
pub use manifest::{FileEntry, Manifest, RateManifest, ReferenceManifest, SymbolsManifest};
pub use output_dir::StagedDir;
pub use progress::frame_progress;
pub use stats_csv::{PairRows, CSV_HEADER};
pub use symbols_file::{SymbolsFile, SymbolsFileError};
pub use warp_params::{WarpParamsError, WarpParamsFile};
pub use yuview_csv::{psnr_x100, BlockData, SeqSpecs, StatType, TypeKind, YuviewCsv, PSNR_X100_IDENTICAL};
pub use yuview_export::{FrameStatistics, YuviewExport, YuviewFile};

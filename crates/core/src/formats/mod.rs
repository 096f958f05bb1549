//! File formats: NPY/PNG writers, manifest.json, stats.csv, psnr.csv and the A/B arrays, the YUView
//! statistics CSV, learner input files (warp parameters, trits), and output folders that appear only
//! when complete and never replace a user's files.

mod codec_mvs_csv;
mod compare_export;
mod export;
mod flow_file;
mod frame_export;
mod manifest;
mod npy_blocks;
pub mod npy_frames;
mod npy_stream;
mod output_dir;
mod own_output;
mod stats_csv;
mod symbols_file;
mod warp_params;
mod yuview_csv;
mod yuview_export;

pub use codec_mvs_csv::{codec_mvs_rows, CODEC_EPE_NPY, CODEC_MVS_CSV, CODEC_MVS_CSV_HEADER};
pub use compare_export::{AbMetrics, CompareExport, PSNR_CSV_HEADER};
pub use export::{write_npy, write_png_gray, write_png_rgb};
pub use flow_file::{FlowFile, FlowFileError};
pub use frame_export::{export_frame_stats, FrameStats};
pub use manifest::{
    damaged_frame, decode_warning, lost_just_before, DecodeErrorsManifest, FileEntry, FrameErrors, Manifest,
    RateManifest, ReferenceManifest, RunSettings, SymbolsManifest,
};
pub use npy_stream::{NpyStream, NpyValue};
pub use output_dir::StagedDir;
pub use own_output::{OwnNames, ANALYZE_FILES, ANALYZE_RAW_DIR};
pub use stats_csv::{PairRows, PairTotals, CSV_HEADER, FRAMES_CSV_HEADER};
pub use symbols_file::{SymbolsFile, SymbolsFileError};
pub use warp_params::{WarpParamsError, WarpParamsFile};
pub use yuview_csv::{psnr_x100, BlockData, SeqSpecs, StatType, TypeKind, YuviewCsv, PSNR_X100_IDENTICAL};
pub use yuview_export::{FrameStatistics, YuviewExport, YuviewFile};

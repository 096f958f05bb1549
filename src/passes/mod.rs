//! GPU passes, one file each (push constants, pipeline, `record`), and the `FrameGraph` that runs
//! the selected passes on each new frame. Knows nothing of UI.

mod block_stats;
mod chroma;
mod diff;
mod diff_stats;
mod frame_graph;
mod motion_search;
mod symbols;
mod warp;

pub use block_stats::{BlockStatsPass, BlockStatsPush};
pub use chroma::ChromaUpload;
pub use diff::{DiffPass, DiffPush};
pub use diff_stats::{DiffStatsPass, DiffStatsPush};
pub use frame_graph::{FrameGraph, FrameOutputs, PassSelection, PassTimings, Readback};
pub use motion_search::{MotionSearchPass, MotionSearchPush, SearchPlan};
pub use symbols::{SymbolSource, SymbolsPass, SymbolsPush};
pub use warp::{WarpPass, WarpPush, WarpSource};

/// The SPIR-V that build.rs compiled from `shaders/<name>.comp`.
macro_rules! spirv {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".spv"))
    };
}
pub(crate) use spirv;

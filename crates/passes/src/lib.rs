//! GPU passes, one file each (push constants, pipeline, `record`, and its [`Pass`] declaration), the
//! registry that lists them, and the [`FramePipeline`] that runs the selected ones on every frame
//! with several frames in flight. Knows nothing of UI.
#![forbid(unsafe_code)]

use vidscope_core::{formats, reference};
use vidscope_gpu as gpu;
use vidscope_video as video;

mod block_stats;
mod compare;
mod diff;
mod diff_stats;
mod driver;
mod frame_graph;
mod motion_search;
mod pass;
mod pipeline;
mod registry;
mod residual;
mod results;
mod signed_diff;
mod ssim;
mod staging;
mod symbols;
mod warp;

pub use block_stats::{BlockStatsPass, BlockStatsPush};
pub use compare::{AbDiffPass, AbStatsPass};
pub use diff::{DiffPass, DiffPush};
pub use diff_stats::{DiffStatsPass, DiffStatsPush};
pub use driver::{expected_frames, staged_decode_only, DriveOptions, FrameDriver};
pub use frame_graph::{FrameGraph, FrameOutputs, Readback};
pub use motion_search::{MotionSearchPass, MotionSearchPush, SearchPlan, MEASURED_SHAPES};
pub use pass::{FrameSettings, Output, OutputKind, Pass, PassIo, Res, WarpSource};
pub use pipeline::{FrameInput, FramePipeline, HeldFrame, InputPlanes, PipelineConfig};
pub use registry::{registered_passes, PassSelection};
pub use residual::ResidualPass;
pub use results::{FrameResults, PassTimings, ResultBytes};
pub use signed_diff::{SignedDiffPass, SignedDiffPush};
pub use ssim::{SsimPass, SsimPush};
pub use staging::{staging_ring, StagingBuffer};
pub use symbols::{SymbolSource, SymbolsPass, SymbolsPush};
pub use warp::{WarpPass, WarpPush};

/// The SPIR-V that build.rs compiled from `shaders/<name>.comp`.
macro_rules! spirv {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".spv"))
    };
}
pub(crate) use spirv;

/// The viewer's display pass (shaders/display.comp), for the compositor in vidscope-gpu: every shader
/// is compiled here, so the gpu crate needs no build script.
pub const DISPLAY_SPIRV: &[u8] = spirv!("display");

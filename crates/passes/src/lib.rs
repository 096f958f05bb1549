//! GPU passes, one file each (push constants, pipeline, `record`, and its [`Pass`] declaration), the
//! registry that lists them, and the [`FramePipeline`] that runs the selected ones on every frame
//! with several frames in flight. Knows nothing of UI.
#![forbid(unsafe_code)]

use vidscope_core::{formats, reference};
use vidscope_gpu as gpu;
use vidscope_video as video;

pub mod ab_chroma;
mod block_stats;
mod compare;
pub mod cost_surface;
mod diff;
mod diff_stats;
mod driver;
pub mod flow_epe;
mod frame_graph;
mod image_pass;
pub mod motion_back;
pub mod motion_cost;
mod motion_search;
mod motion_source;
pub mod ms_ssim;
mod pass;
mod pipeline;
mod registry;
mod residual;
mod results;
mod ssim;
mod staging;
pub mod subpel;
mod symbols;
mod warp;

pub use block_stats::{BlockStatsPass, BlockStatsPush, STATS};
pub use compare::{ab_diff_pass, ab_signed_pass, AbStatsPass, AB_DIFF, AB_SIGNED, AB_STATS, SSIM};
pub use diff::{diff_pass, DIFF};
pub use diff_stats::{DiffStatsPass, DiffStatsPush, DIFF_STATS};
pub use driver::{expected_frames, staged_decode_only, DriveOptions, FlowSource, FrameDriver};
pub use frame_graph::{FrameGraph, FrameOutputs, Readback};
pub use image_pass::{ImagePass, ImagePush};
pub use motion_search::{
    MotionSearchPass, MotionSearchPush, Search, SearchBindings, SearchPlan, MEASURED_SHAPES, MOTION,
};
pub use motion_source::{MotionInputs, MotionSource};
pub use pass::outputs;
pub use pass::{
    ArrayExport, Dtype, DumpExport, Export, FrameSettings, Group, MetricExport, Output, OutputKind, Pass, PassDesc,
    PassIo, Registered, Res, WarpSource,
};
pub use pipeline::{FlowInput, FrameInput, FramePipeline, HeldFrame, InputPlanes, PipelineConfig};
pub use registry::{dump_exports, metric_exports, registered_passes, PassSelection};
pub use residual::{ResidualPass, RESIDUAL};
pub use results::{FrameResults, PassTimings, ResultBytes};
pub use ssim::{SsimPass, SsimPush};
pub use staging::{staging_ring, StagingBuffer};
pub use symbols::{SymbolSource, SymbolsPass, SymbolsPush, SYMBOLS};
pub use warp::{WarpPass, WarpPush, WARP};

/// Every pass, in registration order (the pipeline keeps this order where dependencies allow).
/// Adding a pass: its file (`mod` above, or `pub mod` to reach its types from tests) and its
/// descriptor here; see `PassDesc` and docs/ARCHITECTURE.md, "Adding a pass".
pub const PASSES: &[&PassDesc] = &[
    &DIFF,
    &STATS,
    &DIFF_STATS,
    &MOTION,
    &motion_back::MOTION_BACK,
    &cost_surface::COST_SURFACE,
    &subpel::SUBPEL,
    &flow_epe::FLOW_EPE_PASS,
    &WARP,
    &RESIDUAL,
    &SYMBOLS,
    &AB_DIFF,
    &AB_SIGNED,
    &AB_STATS,
    &SSIM,
    &ab_chroma::AB_CHROMA,
    &ms_ssim::MS_SSIM,
];

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

//! The A/B comparison passes, on frame t of input 0 (A, the video) and input 1 (B, `--ref`):
//! |A − B| ("ab_diff"), A − B + 128 clamped ("ab_signed"), per-block SAD/SSE/sums ("ab_stats", from
//! which block and frame PSNR follow) and SSIM's per-4x4-cell sums ("ssim"). Their shaders are the
//! diff, block_stats, signed_diff and ssim passes'; this file declares what they read and write.

use super::pass::{FrameSettings, Output, Pass, PassIo, Res};
use super::{BlockStatsPass, DiffPass, SignedDiffPass, SsimPass};
use crate::gpu::{GpuContext, GpuError, Recorder};
use crate::reference::BlockGrid;
use std::sync::Arc;

const AB: [Res; 2] = [Res::Cur(0), Res::Cur(1)];

/// |A − B| into the "ab_diff" plane.
pub struct AbDiffPass(DiffPass);

impl AbDiffPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        Ok(Self(DiffPass::new(ctx)?))
    }
}

impl Pass for AbDiffPass {
    fn name(&self) -> &'static str {
        "ab_diff"
    }

    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        AB.to_vec()
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::image("ab_diff")]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, _: &FrameSettings) -> Result<(), GpuError> {
        self.0.record(rec, io.image(Res::Cur(0))?, io.image(Res::Cur(1))?, io.image(Res::Image("ab_diff"))?)
    }
}

/// Per-block (SAD, SSE, ΣA, ΣB) of A against B into "ab_stats".
pub struct AbStatsPass(BlockStatsPass);

impl AbStatsPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        Ok(Self(BlockStatsPass::new(ctx)?))
    }
}

impl Pass for AbStatsPass {
    fn name(&self) -> &'static str {
        "ab_stats"
    }

    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        AB.to_vec()
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer("ab_stats", BlockStatsPass::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let out = io.buffer(Res::Buffer("ab_stats"))?;
        self.0.record(rec, io.image(Res::Cur(0))?, io.image(Res::Cur(1))?, out, &s.grid)
    }
}

impl Pass for SignedDiffPass {
    fn name(&self) -> &'static str {
        "ab_signed"
    }

    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        AB.to_vec()
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::image("ab_signed")]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, _: &FrameSettings) -> Result<(), GpuError> {
        SignedDiffPass::record(
            self,
            rec,
            io.image(Res::Cur(0))?,
            io.image(Res::Cur(1))?,
            io.image(Res::Image("ab_signed"))?,
        )
    }
}

fn ssim_buffer_size(grid: &BlockGrid) -> u64 {
    SsimPass::buffer_size(grid.width, grid.height)
}

impl Pass for SsimPass {
    fn name(&self) -> &'static str {
        "ssim"
    }

    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        AB.to_vec()
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer("ssim", ssim_buffer_size).on_demand()]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, _: &FrameSettings) -> Result<(), GpuError> {
        SsimPass::record(self, rec, io.image(Res::Cur(0))?, io.image(Res::Cur(1))?, io.buffer(Res::Buffer("ssim"))?)
    }
}

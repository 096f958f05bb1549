//! The A/B comparison passes, on frame t of input 0 (A, the video) and input 1 (B, `--ref`):
//! |A − B| ("ab_diff"), A − B + 128 clamped ("ab_signed"), per-block SAD/SSE/sums ("ab_stats", from
//! which block and frame PSNR follow) and SSIM's per-4x4-cell sums ("ssim"). Their shaders are the
//! diff, block_stats, signed_diff and ssim passes'; this file declares what they read and write.

use super::image_pass::ImagePass;
use super::pass::{DumpExport, Export, FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res};
use super::spirv;
use super::{BlockStatsPass, SsimPass};
use crate::gpu::{GpuContext, GpuError, Recorder};
use crate::outputs as out;
use crate::reference::BlockGrid;
use std::sync::Arc;

const AB: [Res; 2] = [Res::Cur(0), Res::Cur(1)];

/// |A − B| into the "ab_diff" plane (shaders/diff.comp).
pub const AB_DIFF: PassDesc = PassDesc {
    name: "ab_diff",
    group: Group::Compare,
    make: |ctx| Ok(Box::new(ab_diff_pass(ctx)?)),
    exports: &[Export::Dump(DumpExport { kind: "ab", plane: out::AB_DIFF, per_pair: false })],
};

pub fn ab_diff_pass(ctx: &Arc<GpuContext>) -> Result<ImagePass, GpuError> {
    Ok(ImagePass::compute(ctx, AB_DIFF.name, spirv!("diff"))?.read(AB[0]).read(AB[1]).write(out::AB_DIFF))
}

/// clamp(A − B + 128, 0, 255) into the "ab_signed" plane (shaders/signed_diff.comp: FFmpeg's
/// `blend=all_mode=grainextract`); CPU reference `reference::signed_diff`.
pub const AB_SIGNED: PassDesc = PassDesc {
    name: "ab_signed",
    group: Group::Compare,
    make: |ctx| Ok(Box::new(ab_signed_pass(ctx)?)),
    exports: &[Export::Dump(DumpExport { kind: "ab-signed", plane: out::AB_SIGNED, per_pair: false })],
};

pub fn ab_signed_pass(ctx: &Arc<GpuContext>) -> Result<ImagePass, GpuError> {
    Ok(ImagePass::compute(ctx, AB_SIGNED.name, spirv!("signed_diff"))?.read(AB[0]).read(AB[1]).write(out::AB_SIGNED))
}

/// Per-block (SAD, SSE, ΣA, ΣB) of A against B into "ab_stats".
pub struct AbStatsPass(BlockStatsPass);

impl AbStatsPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        Ok(Self(BlockStatsPass::new(ctx)?))
    }
}

/// The ab_stats pass's identity (see `PassDesc`).
pub const AB_STATS: PassDesc = PassDesc {
    name: "ab_stats",
    group: Group::Compare,
    make: |ctx| Ok(Box::new(AbStatsPass::new(ctx)?)),
    exports: &[],
};

impl Pass for AbStatsPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        AB.to_vec()
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(out::AB_STATS, BlockStatsPass::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let out = io.buffer(Res::Buffer(out::AB_STATS))?;
        self.0.record(rec, io.image(Res::Cur(0))?, io.image(Res::Cur(1))?, out, &s.grid)
    }
}

fn ssim_buffer_size(grid: &BlockGrid) -> u64 {
    SsimPass::buffer_size(grid.width, grid.height)
}

/// The ssim pass's identity (see `PassDesc`).
pub const SSIM: PassDesc =
    PassDesc { name: "ssim", group: Group::Compare, make: |ctx| Ok(Box::new(SsimPass::new(ctx)?)), exports: &[] };

impl Pass for SsimPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        AB.to_vec()
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(out::SSIM, ssim_buffer_size).on_demand()]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, _: &FrameSettings) -> Result<(), GpuError> {
        SsimPass::record(self, rec, io.image(Res::Cur(0))?, io.image(Res::Cur(1))?, io.buffer(Res::Buffer(out::SSIM))?)
    }
}

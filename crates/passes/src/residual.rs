//! residual pass: |cur − pred| into the "residual" plane and its per-block stats into "mc_stats"
//! (shaders/diff.comp and shaders/block_stats.comp on (frame t, the prediction)).

use super::image_pass::ImagePass;
use super::pass::{DumpExport, Export, FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res};
use super::{diff_pass, BlockStatsPass};
use crate::gpu::{GpuContext, GpuError, Recorder};
use crate::outputs as out;
use std::sync::Arc;

pub struct ResidualPass {
    diff: ImagePass,
    stats: BlockStatsPass,
}

impl ResidualPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        Ok(Self { diff: diff_pass(ctx)?, stats: BlockStatsPass::new(ctx)? })
    }
}

/// The residual pass's identity (see `PassDesc`).
pub const RESIDUAL: PassDesc = PassDesc {
    name: "residual",
    group: Group::Motion,
    make: |ctx| Ok(Box::new(ResidualPass::new(ctx)?)),
    exports: &[Export::Dump(DumpExport { kind: "residual", plane: out::RESIDUAL, per_pair: true })],
};

impl Pass for ResidualPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Image(out::PREDICTED)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::image(out::RESIDUAL), Output::buffer(out::MC_STATS, BlockStatsPass::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let (cur, pred) = (io.image(Res::Cur(0))?, io.image(Res::Image(out::PREDICTED))?);
        self.diff.record_images(rec, cur, pred, io.image(Res::Image(out::RESIDUAL))?)?;
        self.stats.record(rec, cur, pred, io.buffer(Res::Buffer(out::MC_STATS))?, &s.grid)
    }
}

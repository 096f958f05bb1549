//! residual pass: |cur − pred| into the "residual" plane and its per-block stats into "mc_stats"
//! (shaders/diff.comp and shaders/block_stats.comp on (frame t, the prediction)).

use super::pass::{FrameSettings, Output, Pass, PassIo, Res};
use super::{BlockStatsPass, DiffPass};
use crate::gpu::{GpuContext, GpuError, Recorder};
use std::sync::Arc;

pub struct ResidualPass {
    diff: DiffPass,
    stats: BlockStatsPass,
}

impl ResidualPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        Ok(Self { diff: DiffPass::new(ctx)?, stats: BlockStatsPass::new(ctx)? })
    }
}

impl Pass for ResidualPass {
    fn name(&self) -> &'static str {
        "residual"
    }

    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Image("predicted")]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::image("residual"), Output::buffer("mc_stats", BlockStatsPass::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let (cur, pred) = (io.image(Res::Cur(0))?, io.image(Res::Image("predicted"))?);
        self.diff.record(rec, cur, pred, io.image(Res::Image("residual"))?)?;
        self.stats.record(rec, cur, pred, io.buffer(Res::Buffer("mc_stats"))?, &s.grid)
    }
}

//! A synchronous view of the frame pipeline (one frame in flight): push a luma frame, get its results
//! back at once. The parity tests use it; the drivers use [`super::FramePipeline`] directly.

use super::pipeline::{FlowInput, FrameInput, FramePipeline, PipelineConfig};
use super::registry::PassSelection;
use super::results::PassTimings;
use crate::gpu::{GpuBuffer, GpuContext, GpuError, LumaImage};
use crate::outputs as out;
use crate::reference::{BlockGrid, BlockStat, Lambda, MotionVector, QuantStep, SearchRange, SymbolLayout, WarpParams};
use crate::video::LumaFrame;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Planes to read back to the host after each frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readback {
    pub diff: bool,
    pub predicted: bool,
    pub residual: bool,
}

impl Readback {
    pub fn plane_names(&self) -> Vec<&'static str> {
        [(self.diff, out::DIFF), (self.predicted, out::PREDICTED), (self.residual, out::RESIDUAL)]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect()
    }
}

/// What one frame produced, decoded (see [`super::FrameResults`] for the raw form).
#[derive(Default)]
pub struct FrameOutputs {
    pub index: usize,
    pub stats: Option<Vec<BlockStat>>,
    pub motion: Option<Vec<MotionVector>>,
    pub mc_stats: Option<Vec<BlockStat>>,
    pub diff: Option<Vec<u8>>,
    pub predicted: Option<Vec<u8>>,
    pub residual: Option<Vec<u8>>,
    pub symbols: Option<Vec<u32>>,
    /// Every read-back buffer's bytes, by output name (what a pass's `ArrayExport` reads).
    pub buffers: BTreeMap<&'static str, Vec<u8>>,
    pub timings: PassTimings,
}

pub struct FrameGraph {
    pipeline: FramePipeline,
    next_index: usize,
}

impl FrameGraph {
    /// `read_diff`: read the diff plane back after each frame (see also `set_readback`).
    pub fn new(
        ctx: &Arc<GpuContext>,
        grid: BlockGrid,
        selection: PassSelection,
        read_diff: bool,
    ) -> Result<Self, GpuError> {
        let config = PipelineConfig {
            frames_in_flight: 1,
            planes: Readback { diff: read_diff, ..Readback::default() }.plane_names(),
            ..PipelineConfig::new(grid, selection)
        };
        Ok(Self { pipeline: FramePipeline::new(ctx, config)?, next_index: 0 })
    }

    pub fn grid(&self) -> BlockGrid {
        self.pipeline.grid()
    }

    pub fn set_range(&mut self, range: u32) -> Result<(), GpuError> {
        let range = SearchRange::new(range).map_err(|e| GpuError::Other(e.to_string()))?;
        self.pipeline.set_range(range);
        Ok(())
    }

    pub fn set_lambda(&mut self, lambda: u32) -> Result<(), GpuError> {
        let lambda = Lambda::new(lambda).map_err(|e| GpuError::Other(e.to_string()))?;
        self.pipeline.set_lambda(lambda);
        Ok(())
    }

    /// The block (by, bx) whose cost surface the cost_surface pass computes.
    pub fn set_surface_block(&mut self, block: Option<(u32, u32)>) {
        self.pipeline.set_surface_block(block);
    }

    /// The subpel pass's precision (2 or 4; it runs when the selection has `subpel`).
    pub fn set_subpel(&mut self, precision: u32) {
        self.pipeline.set_subpel(precision);
    }

    pub fn set_quant(&mut self, quant: u32) -> Result<(), GpuError> {
        let quant = QuantStep::new(quant).map_err(|e| GpuError::Other(e.to_string()))?;
        self.pipeline.set_quant(quant);
        Ok(())
    }

    pub fn set_selection(&mut self, selection: PassSelection) {
        if let Err(e) = self.pipeline.set_selection(selection) {
            tracing::error!("frame graph: cannot make the outputs of {selection:?}: {e}");
        }
    }

    pub fn set_readback(&mut self, readback: Readback) -> Result<(), GpuError> {
        self.pipeline.set_planes(&readback.plane_names())
    }

    pub fn symbol_layout(&self) -> SymbolLayout {
        SymbolLayout::new(self.grid().block, self.pipeline.quant())
    }

    /// The symbol-stream SSBO, once the symbols pass has been selected (sized for every quantiser).
    pub fn symbols_buffer(&self) -> Option<&GpuBuffer> {
        self.pipeline.any_buffer(out::SYMBOLS)
    }

    /// The luma image of the most recently pushed frame.
    pub fn current_luma(&self) -> Option<&LumaImage> {
        self.pipeline.held().and_then(|h| h.luma(0))
    }

    pub fn has_timestamps(&self) -> bool {
        self.pipeline.has_timestamps()
    }

    /// Forgets the previous frame, so the next push is treated as frame 0.
    pub fn reset_sequence(&mut self) {
        self.pipeline.reset_sequence();
        self.next_index = 0;
    }

    pub fn push_frame(&mut self, luma: &[u8]) -> Result<FrameOutputs, GpuError> {
        self.push_frame_with(luma, None)
    }

    /// Like `push_frame`; with `warp` (one set per block) the prediction uses those parameters
    /// instead of the motion-search vectors (which are still computed).
    pub fn push_frame_with(&mut self, luma: &[u8], warp: Option<&[WarpParams]>) -> Result<FrameOutputs, GpuError> {
        self.push(luma, warp.map(<[WarpParams]>::to_vec), None)
    }

    /// Like `push_frame`, with the frame's dense flow (`--flow`).
    pub fn push_frame_with_flow(&mut self, luma: &[u8], flow: FlowInput) -> Result<FrameOutputs, GpuError> {
        self.push(luma, None, Some(flow))
    }

    fn push(
        &mut self,
        luma: &[u8],
        warp: Option<Vec<WarpParams>>,
        flow: Option<FlowInput>,
    ) -> Result<FrameOutputs, GpuError> {
        let grid = self.grid();
        let frame = LumaFrame::gray(self.next_index, grid.width, grid.height, luma.to_vec());
        self.pipeline.submit(FrameInput { warp, flow, ..FrameInput::host(frame) })?;
        let results = self.pipeline.collect()?.ok_or_else(|| GpuError::Other("frame graph: no result".into()))?;
        self.next_index += 1;
        Ok(FrameOutputs {
            index: results.index,
            stats: results.stats(),
            motion: results.motion(),
            mc_stats: results.mc_stats(),
            diff: results.plane(out::DIFF).map(<[u8]>::to_vec),
            predicted: results.plane(out::PREDICTED).map(<[u8]>::to_vec),
            residual: results.plane(out::RESIDUAL).map(<[u8]>::to_vec),
            symbols: results.symbols(),
            buffers: results.buffers.iter().map(|(name, bytes)| (*name, bytes.to_vec())).collect(),
            timings: results.timings,
        })
    }
}

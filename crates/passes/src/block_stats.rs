//! block_stats pass: one workgroup per block, one (SAD, SSE, Σa, Σb) record per block into an SSBO
//! (shaders/block_stats.comp). Used for zero-motion stats (cur vs ref) and residuals (cur vs pred).

use super::pass::{FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::outputs as out;
use crate::reference::{BlockGrid, BlockStat};
use std::sync::Arc;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct BlockStatsPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
}

/// Bytes per block record in the SSBO (uvec4).
pub const RECORD_BYTES: u64 = 16;

pub struct BlockStatsPass {
    pipeline: ComputePipeline,
}

impl BlockStatsPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let pipeline = ComputePipeline::new(
            ctx,
            "block_stats",
            spirv!("block_stats"),
            &[image, image, vk::DescriptorType::STORAGE_BUFFER],
            std::mem::size_of::<BlockStatsPush>() as u32,
        )?;
        Ok(Self { pipeline })
    }

    /// Size of the SSBO that `record` writes for `grid`.
    pub fn buffer_size(grid: &BlockGrid) -> u64 {
        grid.len() as u64 * RECORD_BYTES
    }

    pub fn record(
        &self,
        rec: &mut Recorder,
        a: &LumaImage,
        b: &LumaImage,
        out: &GpuBuffer,
        grid: &BlockGrid,
    ) -> Result<(), GpuError> {
        if out.size() < Self::buffer_size(grid) {
            return Err(GpuError::Other("block_stats: output buffer too small for the grid".into()));
        }
        let push =
            BlockStatsPush { width: grid.width, height: grid.height, block: grid.block, blocks_x: grid.blocks_x() };
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(a), Binding::Image(b), Binding::Buffer(out)],
            bytemuck::bytes_of(&push),
            [grid.blocks_x(), grid.blocks_y(), 1],
        )
    }

    /// Decodes the records of a host-visible SSBO written by `record`.
    pub fn read(buffer: &GpuBuffer, grid: &BlockGrid) -> Vec<BlockStat> {
        Self::decode(buffer.bytes(), grid)
    }

    /// Decodes the first `grid.len()` records of the SSBO's bytes.
    pub fn decode(bytes: &[u8], grid: &BlockGrid) -> Vec<BlockStat> {
        bytes[..Self::buffer_size(grid) as usize]
            .chunks_exact(RECORD_BYTES as usize)
            .map(|c| {
                let w: [u32; 4] = bytemuck::pod_read_unaligned(c);
                BlockStat { sad: w[0], sse: w[1], sum_a: w[2], sum_b: w[3] }
            })
            .collect()
    }
}

/// The zero-motion block stats of frame t against frame t − 1 ("stats").
/// The stats pass's identity (see `PassDesc`).
pub const STATS: PassDesc =
    PassDesc { name: "stats", group: Group::Stats, make: |ctx| Ok(Box::new(BlockStatsPass::new(ctx)?)), exports: &[] };

impl Pass for BlockStatsPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Prev(0)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(out::STATS, Self::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let out = io.buffer(Res::Buffer(out::STATS))?;
        BlockStatsPass::record(self, rec, io.image(Res::Cur(0))?, io.image(Res::Prev(0))?, out, &s.grid)
    }
}

//! diff_stats pass: diff and block_stats fused (shaders/diff_stats.comp): |cur − ref| into a storage
//! image and one (SAD, SSE, Σa, Σb) record per block into an SSBO — the same outputs as `DiffPass`
//! followed by `BlockStatsPass`, reading each plane once, in workgroups of 64 x 64 pixels (128 x 128
//! at b = 128) instead of one workgroup per block.

use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::reference::{BlockGrid, BlockStat};
use std::sync::Arc;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DiffStatsPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
}

pub struct DiffStatsPass {
    pipeline: ComputePipeline,
}

impl DiffStatsPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let pipeline = ComputePipeline::new(
            ctx,
            "diff_stats",
            spirv!("diff_stats"),
            &[image, image, image, vk::DescriptorType::STORAGE_BUFFER],
            std::mem::size_of::<DiffStatsPush>() as u32,
        )?;
        Ok(Self { pipeline })
    }

    /// Size of the SSBO that `record` writes for `grid` (the block_stats layout).
    pub fn buffer_size(grid: &BlockGrid) -> u64 {
        super::BlockStatsPass::buffer_size(grid)
    }

    /// Records diff = |a − b| into `diff` and the block stats of a against b into `out`.
    pub fn record(
        &self,
        rec: &mut Recorder,
        a: &LumaImage,
        b: &LumaImage,
        diff: &LumaImage,
        out: &GpuBuffer,
        grid: &BlockGrid,
    ) -> Result<(), GpuError> {
        if out.size() < Self::buffer_size(grid) {
            return Err(GpuError::Other("diff_stats: output buffer too small for the grid".into()));
        }
        let push =
            DiffStatsPush { width: grid.width, height: grid.height, block: grid.block, blocks_x: grid.blocks_x() };
        let side = grid.block.max(64);
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(a), Binding::Image(b), Binding::Image(diff), Binding::Buffer(out)],
            bytemuck::bytes_of(&push),
            [grid.width.div_ceil(side), grid.height.div_ceil(side), 1],
        )
    }

    /// Decodes the records of a host-visible SSBO written by `record`.
    pub fn read(buffer: &GpuBuffer, grid: &BlockGrid) -> Vec<BlockStat> {
        super::BlockStatsPass::read(buffer, grid)
    }
}

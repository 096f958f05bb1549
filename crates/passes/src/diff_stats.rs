//! diff_stats pass: diff and block_stats fused (shaders/diff_stats.comp): |cur − ref| into a storage
//! image and one (SAD, SSE, Σa, Σb) record per block into an SSBO — the same outputs as the diff pass
//! followed by `BlockStatsPass`, reading each plane once, in workgroups of 64 x 64 pixels (128 x 128
//! at b = 128) instead of one workgroup per block. On CPU devices the diff is written to a buffer,
//! four pixels per word, and copied into the image (see the shader).

use super::pass::{FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res};
use super::spirv;
use crate::gpu::{vk, Binding, BufferKind, ComputePipeline, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::outputs as out;
use crate::reference::{BlockGrid, BlockStat};
use std::sync::{Arc, Mutex};

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DiffStatsPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
    /// Packed path: bytes per row of the diff buffer.
    pub stride: u32,
}

pub struct DiffStatsPass {
    ctx: Arc<GpuContext>,
    pipeline: ComputePipeline,
    /// CPU devices: the diff goes through a buffer (made for the first grid that needs it).
    packed: bool,
    scratch: Mutex<Option<GpuBuffer>>,
}

impl DiffStatsPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        Self::with_packing(ctx, ctx.is_cpu())
    }

    /// `packed`: write the diff through a buffer (what `new` picks on CPU devices); tests run both.
    pub fn with_packing(ctx: &Arc<GpuContext>, packed: bool) -> Result<Self, GpuError> {
        let (image, buffer) = (vk::DescriptorType::STORAGE_IMAGE, vk::DescriptorType::STORAGE_BUFFER);
        let pipeline = ComputePipeline::new_specialized(
            ctx,
            "diff_stats",
            spirv!("diff_stats"),
            &[image, image, image, buffer, buffer],
            std::mem::size_of::<DiffStatsPush>() as u32,
            &[packed as u32],
        )?;
        Ok(Self { ctx: ctx.clone(), pipeline, packed, scratch: Mutex::new(None) })
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
        let side = grid.block.max(64);
        let stride = grid.width.next_multiple_of(side);
        let push = DiffStatsPush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            blocks_x: grid.blocks_x(),
            stride,
        };
        let groups = [grid.width.div_ceil(side), grid.height.div_ceil(side), 1];
        let push = bytemuck::bytes_of(&push);
        if !self.packed {
            // Binding 4 is written only on the packed path.
            let bindings = [
                Binding::Image(a),
                Binding::Image(b),
                Binding::Image(diff),
                Binding::Buffer(out),
                Binding::Buffer(out),
            ];
            return rec.dispatch(&self.pipeline, &bindings, push, groups);
        }
        let mut scratch = self.scratch.lock().map_err(|_| GpuError::Other("diff_stats: lock poisoned".into()))?;
        let size = stride as u64 * grid.height.next_multiple_of(side) as u64;
        if scratch.as_ref().is_none_or(|s| s.size() < size) {
            *scratch = Some(GpuBuffer::new(&self.ctx, "diff words", size, BufferKind::DeviceLocal)?);
        }
        let words = scratch.as_ref().expect("made above");
        let bindings =
            [Binding::Image(a), Binding::Image(b), Binding::Image(diff), Binding::Buffer(out), Binding::Buffer(words)];
        rec.dispatch(&self.pipeline, &bindings, push, groups)?;
        rec.barrier()?;
        rec.upload_rows(words, 0, stride, diff)
    }

    /// Decodes the records of a host-visible SSBO written by `record`.
    pub fn read(buffer: &GpuBuffer, grid: &BlockGrid) -> Vec<BlockStat> {
        super::BlockStatsPass::read(buffer, grid)
    }
}

/// diff and stats in one pass, when both are selected (each frame read once).
/// The diff_stats pass's identity (see `PassDesc`).
pub const DIFF_STATS: PassDesc = PassDesc {
    name: "diff_stats",
    group: Group::DiffAndStats,
    make: |ctx| Ok(Box::new(DiffStatsPass::new(ctx)?)),
    exports: &[],
};

impl Pass for DiffStatsPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Prev(0)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::image(out::DIFF), Output::buffer(out::STATS, Self::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let (cur, prev) = (io.image(Res::Cur(0))?, io.image(Res::Prev(0))?);
        let (diff, stats) = (io.image(Res::Image(out::DIFF))?, io.buffer(Res::Buffer(out::STATS))?);
        DiffStatsPass::record(self, rec, cur, prev, diff, stats, &s.grid)
    }
}

//! cost_surface pass: for one chosen block (the viewer's pinned block, `FrameSettings::surface_block`),
//! the SAD of every displacement of the search window, into "cost_surface" (shaders/cost_surface.comp;
//! CPU reference `reference::motion_search::cost_surface`). It runs only while a block is chosen
//! (`PassSelection::surface`), so it costs nothing otherwise.

use super::pass::{FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuContext, GpuError, Recorder};
use crate::reference::{BlockGrid, MAX_RANGE};
use std::sync::Arc;

/// The buffer it writes: (2R + 1)² SADs, row-major over (dy + R, dx + R).
pub const SURFACE: &str = "cost_surface";

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CostSurfacePush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub bx: u32,
    pub by: u32,
    pub range: i32,
}

pub struct CostSurfacePass {
    pipeline: ComputePipeline,
}

impl CostSurfacePass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let (image, buffer) = (vk::DescriptorType::STORAGE_IMAGE, vk::DescriptorType::STORAGE_BUFFER);
        let push = std::mem::size_of::<CostSurfacePush>() as u32;
        let pipeline =
            ComputePipeline::new(ctx, "cost_surface", spirv!("cost_surface"), &[image, image, buffer], push)?;
        Ok(Self { pipeline })
    }

    /// Room for the largest range, so a range change needs no new buffer.
    fn buffer_size(_: &BlockGrid) -> u64 {
        let n = 2 * u64::from(MAX_RANGE) + 1;
        n * n * 4
    }

    /// The surface of range `range` from the read-back bytes.
    pub fn decode(bytes: &[u8], range: u32) -> Vec<u32> {
        let n = 2 * range as usize + 1;
        bytemuck::pod_collect_to_vec(&bytes[..n * n * 4])
    }
}

/// The cost_surface pass's identity (see `PassDesc`).
pub const COST_SURFACE: PassDesc = PassDesc {
    name: "cost_surface",
    group: Group::Surface,
    make: |ctx| Ok(Box::new(CostSurfacePass::new(ctx)?)),
    exports: &[],
};

impl Pass for CostSurfacePass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Prev(0)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(SURFACE, Self::buffer_size).on_demand()]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let out = io.buffer(Res::Buffer(SURFACE))?;
        let grid = &s.grid;
        let Some((by, bx)) = s.surface_block.filter(|&(by, bx)| by < grid.blocks_y() && bx < grid.blocks_x()) else {
            return rec.fill_buffer(out, Self::buffer_size(grid), 0);
        };
        let push = CostSurfacePush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            bx,
            by,
            range: s.range as i32,
        };
        let (cur, prev) = (io.image(Res::Cur(0))?, io.image(Res::Prev(0))?);
        let n = 2 * s.range + 1;
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(cur), Binding::Image(prev), Binding::Buffer(out)],
            bytemuck::bytes_of(&push),
            [(n * n).div_ceil(64), 1, 1],
        )
    }
}

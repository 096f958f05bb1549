//! motion_back pass (`--fb`): the motion search run backwards, from frame t − 1 into frame t (the same
//! kernel, plan, range and λ as the forward search, with the two frames swapped), into "motion_back",
//! then the forward–backward check of every block into "fb_error" (shaders/fb_error.comp; CPU
//! references `reference::regularised_search` on the swapped frames and `reference::motion_search::fb_errors`).
//! Exports `motion_back.npy`, `fb_error.npy` and the `fb-error` heatmap.

use super::motion_search::{MotionSearchPass, Search};
use super::pass::{
    ArrayExport, Dtype, Export, FrameSettings, Group, MetricExport, Output, Pass, PassDesc, PassIo, Res,
};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuContext, GpuError, Recorder};
use crate::outputs as out;
use crate::reference::BlockGrid;
use std::sync::Arc;

/// The backward vectors, (dx, dy, sad, 0) per block as the forward "vectors".
pub const BACK_VECTORS: &str = "motion_back";
/// The forward–backward error per block (one word).
pub const FB_ERRORS: &str = "fb_error";

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FbErrorPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
    pub blocks: u32,
}

pub struct MotionBackPass {
    search: MotionSearchPass,
    check: ComputePipeline,
}

impl MotionBackPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let buffer = vk::DescriptorType::STORAGE_BUFFER;
        let push = std::mem::size_of::<FbErrorPush>() as u32;
        let check = ComputePipeline::new(ctx, "fb_error", spirv!("fb_error"), &[buffer, buffer, buffer], push)?;
        Ok(Self { search: MotionSearchPass::new(ctx)?, check })
    }

    fn errors_size(grid: &BlockGrid) -> u64 {
        grid.len() as u64 * 4
    }

    /// Decodes the read-back errors.
    pub fn decode_errors(bytes: &[u8], grid: &BlockGrid) -> Vec<u32> {
        bytemuck::pod_collect_to_vec(&bytes[..Self::errors_size(grid) as usize])
    }
}

/// The motion_back pass's identity and exports (see `PassDesc`).
pub const MOTION_BACK: PassDesc = PassDesc {
    name: "motion_back",
    group: Group::Backward,
    make: |ctx| Ok(Box::new(MotionBackPass::new(ctx)?)),
    exports: &[
        Export::Array(ArrayExport {
            file: "motion_back.npy",
            buffer: BACK_VECTORS,
            record_words: 4,
            fields: 2,
            dtype: Dtype::I16,
            about: "per block (dx, dy) of the backward search, frame t - 1 into frame t (--fb)",
            on_request: None,
        }),
        Export::Array(ArrayExport {
            file: "fb_error.npy",
            buffer: FB_ERRORS,
            record_words: 1,
            fields: 1,
            dtype: Dtype::U16,
            about: "per block |dx + dx_back(b')| + |dy + dy_back(b')|, b' the block the forward vector lands in (--fb)",
            on_request: None,
        }),
        Export::Metric(MetricExport {
            name: "fb-error",
            label: "fb error (px)",
            about: "forward–backward inconsistency |v + v_back(b′)| (L1, px); 0 = consistent, untinted (--fb)",
            buffer: FB_ERRORS,
            record_words: 1,
            value: |w| w[0] as f32,
        }),
    ],
};

impl Pass for MotionBackPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Prev(0), Res::Buffer(out::VECTORS)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(BACK_VECTORS, MotionSearchPass::buffer_size), Output::buffer(FB_ERRORS, Self::errors_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let grid = &s.grid;
        let (cur, prev) = (io.image(Res::Cur(0))?, io.image(Res::Prev(0))?);
        let forward = io.buffer(Res::Buffer(out::VECTORS))?;
        let (back, errors) = (io.buffer(Res::Buffer(BACK_VECTORS))?, io.buffer(Res::Buffer(FB_ERRORS))?);
        if std::ptr::eq(cur, prev) {
            // The first frame is its own predecessor: both searches give zero vectors, so zero errors.
            rec.fill_buffer(back, MotionSearchPass::buffer_size(grid), 0)?;
            return rec.fill_buffer(errors, Self::errors_size(grid), 0);
        }
        let search = Search { range: s.range, lambda: s.lambda };
        self.search.record(rec, prev, cur, back, grid, search)?;
        rec.barrier()?;
        let push = FbErrorPush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            blocks_x: grid.blocks_x(),
            blocks: grid.len() as u32,
        };
        let bindings = [Binding::Buffer(forward), Binding::Buffer(back), Binding::Buffer(errors)];
        rec.dispatch(&self.check, &bindings, bytemuck::bytes_of(&push), [(grid.len() as u32).div_ceil(64), 1, 1])
    }
}

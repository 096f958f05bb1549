//! motion_cost pass: per block, the best SAD (the motion search's vector), the zero vector's SAD and
//! the second-best SAD at Chebyshev distance ≥ 2 from the best vector, into "motion_cost"
//! (shaders/motion_cost.comp); CPU reference `reference::motion_search::motion_costs`. Its descriptor
//! exports `motion_cost.npy` and the `mc-gain` and `confidence` heatmaps.

use super::pass::{
    ArrayExport, Dtype, Export, FrameSettings, Group, MetricExport, Output, Pass, PassDesc, PassIo, Res,
};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuContext, GpuError, Recorder};
use crate::outputs as out;
use crate::reference::motion_search::MotionCost;
use crate::reference::BlockGrid;
use std::sync::Arc;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MotionCostPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
    pub range: i32,
}

/// Set: the GPU path (shared memory, 64 threads) on a CPU device too.
pub const STAGED_ENV: &str = "VIDSCOPE_MOTION_COST_STAGED";

/// The buffer it writes.
pub const COSTS: &str = "motion_cost";

/// 32-bit words per block record: (best, zero, second, 0).
pub const RECORD_WORDS: usize = 4;

pub struct MotionCostPass {
    pipeline: ComputePipeline,
}

impl MotionCostPass {
    /// 64 threads per block; on a GPU with the block and its window in shared memory, on a CPU
    /// device reading the images (see shaders/motion_cost.comp). `VIDSCOPE_MOTION_COST_STAGED=1`
    /// takes the GPU path on any device (the parity test runs both on lavapipe).
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let (image, buffer) = (vk::DescriptorType::STORAGE_IMAGE, vk::DescriptorType::STORAGE_BUFFER);
        let push = std::mem::size_of::<MotionCostPush>() as u32;
        let no_staging = u32::from(ctx.is_cpu() && std::env::var_os(STAGED_ENV).is_none());
        let pipeline = ComputePipeline::new_specialized(
            ctx,
            "motion_cost",
            spirv!("motion_cost"),
            &[image, image, buffer, buffer],
            push,
            &[no_staging],
        )?;
        Ok(Self { pipeline })
    }

    fn buffer_size(grid: &BlockGrid) -> u64 {
        (grid.len() * RECORD_WORDS * 4) as u64
    }

    /// Decodes the records written by the pass.
    pub fn decode(bytes: &[u8], grid: &BlockGrid) -> Vec<MotionCost> {
        bytes[..Self::buffer_size(grid) as usize]
            .chunks_exact(RECORD_WORDS * 4)
            .map(|c| {
                let w: [u32; 4] = bytemuck::pod_read_unaligned(c);
                MotionCost { best: w[0], zero: w[1], second: w[2] }
            })
            .collect()
    }
}

/// The `mc-gain` heatmap: what a block's vector saves over the zero vector. The arrows' gain filter
/// (`--min-gain`) reads it too.
pub const MC_GAIN: MetricExport = MetricExport {
    name: "mc-gain",
    label: "MC gain (SAD)",
    about: "zero-vector SAD − best SAD: what the block's vector saves",
    buffer: COSTS,
    record_words: RECORD_WORDS,
    value: |w| w[1].saturating_sub(w[0]) as f32,
};

/// The motion_cost pass's identity and exports (see `PassDesc`).
pub const MOTION_COST: PassDesc = PassDesc {
    name: "motion_cost",
    group: Group::Motion,
    make: |ctx| Ok(Box::new(MotionCostPass::new(ctx)?)),
    exports: &[
        Export::Array(ArrayExport {
            file: "motion_cost.npy",
            buffer: COSTS,
            record_words: RECORD_WORDS,
            fields: 3,
            dtype: Dtype::U32,
            about:
                "per block (best SAD, zero-vector SAD, second-best SAD at Chebyshev distance >= 2 from the best vector)",
        }),
        Export::Metric(MC_GAIN),
        Export::Metric(MetricExport {
            name: "confidence",
            label: "confidence (SAD)",
            about: "second-best SAD (2+ px from the best vector) − best SAD; 0 = a tie, untinted",
            buffer: COSTS,
            record_words: RECORD_WORDS,
            value: |w| w[2].saturating_sub(w[0]) as f32,
        }),
    ],
};

impl Pass for MotionCostPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Prev(0), Res::Buffer(out::VECTORS)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(COSTS, Self::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let grid = &s.grid;
        let push = MotionCostPush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            blocks_x: grid.blocks_x(),
            range: s.range as i32,
        };
        let (cur, prev) = (io.image(Res::Cur(0))?, io.image(Res::Prev(0))?);
        let (vectors, out) = (io.buffer(Res::Buffer(out::VECTORS))?, io.buffer(Res::Buffer(COSTS))?);
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(cur), Binding::Image(prev), Binding::Buffer(vectors), Binding::Buffer(out)],
            bytemuck::bytes_of(&push),
            [grid.blocks_x(), grid.blocks_y(), 1],
        )
    }
}

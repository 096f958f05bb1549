//! Motion costs, an output of the motion pass: per block, the best SAD (the search's vector), the zero
//! vector's SAD and the second-best SAD at Chebyshev distance ≥ 2 from the best vector, into
//! "motion_cost"; CPU reference `reference::motion_search::motion_costs`. The search kernel gathers
//! them itself where its plan allows (`SearchPlan::gathers_costs`: a few compares per candidate);
//! elsewhere (CPU devices, plans of several rounds) this file's kernel, shaders/motion_cost.comp,
//! computes them after the search by scanning the window again. `COST_EXPORTS` are what the motion
//! pass's descriptor exports for them: `motion_cost.npy` and the `mc-gain` and `confidence` heatmaps.

use super::motion_search::SearchBindings;
use super::pass::{ArrayExport, Dtype, Export, MetricExport};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuBuffer, GpuContext, GpuError, Recorder};
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

/// The motion costs' own kernel (where the search kernel cannot gather them).
pub struct MotionCostKernel {
    pipeline: ComputePipeline,
}

impl MotionCostKernel {
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

    pub fn buffer_size(grid: &BlockGrid) -> u64 {
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

/// What the motion pass's descriptor exports for the costs.
pub const COST_EXPORTS: &[Export] = &[
    Export::Array(ArrayExport {
        file: "motion_cost.npy",
        buffer: COSTS,
        record_words: RECORD_WORDS,
        fields: 3,
        dtype: Dtype::U32,
        about: "per block (best SAD, zero-vector SAD, second-best SAD at Chebyshev distance >= 2 from the best vector)",
        on_request: Some("costs"),
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
];

impl MotionCostKernel {
    /// Records the costs of the vectors in `b.out` (the search of `b.cur` in `b.reference` over
    /// ±`range`) into `costs`.
    pub fn record(
        &self,
        rec: &mut Recorder,
        b: &SearchBindings,
        costs: &GpuBuffer,
        grid: &BlockGrid,
        range: u32,
    ) -> Result<(), GpuError> {
        let push = MotionCostPush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            blocks_x: grid.blocks_x(),
            range: range as i32,
        };
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(b.cur), Binding::Image(b.reference), Binding::Buffer(b.out), Binding::Buffer(costs)],
            bytemuck::bytes_of(&push),
            [grid.blocks_x(), grid.blocks_y(), 1],
        )
    }
}
